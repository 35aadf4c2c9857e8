"""Input validation at the public boundary: clear errors naming the argument.

Hyperparameters are declared, not checked by hand: a class lists what each of its
``__init__`` arguments may be in ``_parameter_constraints`` (scikit-learn's convention),

>>> class Model:
...     _parameter_constraints = {"n_units": Interval(numbers.Integral, 1, None),
...                               "solver": [None, Options("qr", "svd")]}
...     def __init__(self, n_units=10, solver=None):
...         self.n_units, self.solver = n_units, solver
>>> validate_parameters(Model(n_units=0))
Traceback (most recent call last):
...
ValueError: n_units must be >= 1, got 0

and :func:`validate_parameters` checks them: when the object is initialised or fitted, and
again when :func:`reservoir.persistence.load` rebuilds it from a file. A subclass declares
only what it adds or changes (the declarations of its bases are merged); checks that relate
several arguments stay as code in the class.
"""

import numbers
import os

import numpy as np
import scipy.sparse as sp


def check_array_2d(X, name, allow_1d=False):
    """Return ``X`` as a finite float64 array of shape ``(T, d)``.

    A 1-D array is read as one feature when ``allow_1d`` is true.

    Examples
    --------
    >>> check_array_2d([[1, 2], [3, 4]], "X").shape
    (2, 2)
    """
    if isinstance(X, (str, bytes)) or X is None:
        raise TypeError(f"{name} must be an array of numbers, got {type(X).__name__}")
    _check_not_sparse(X, name)
    try:
        arr = np.asarray(X)
        is_complex = np.iscomplexobj(arr)
        if not is_complex:
            arr = arr.astype(np.float64, copy=False)
    except TypeError as err:
        # TypeError stays a TypeError (an element that is not a number), as in scikit-learn.
        raise TypeError(f"{name} must be an array of real numbers: {err}") from err
    except ValueError as err:
        raise ValueError(f"{name} must be an array of real numbers: {err}") from err
    if is_complex:
        raise ValueError(f"Complex data not supported: {name} contains complex values")
    if arr.ndim == 1 and allow_1d:
        arr = arr[:, None]
    if arr.ndim != 2:
        hint = " Reshape your data with X.reshape(-1, 1) for one feature." if arr.ndim == 1 else ""
        raise ValueError(f"{name} must be a 2-D array (n_steps, n_features); got shape {arr.shape}.{hint}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty: shape {arr.shape} (0 sample(s); need at least 1)")
    if arr.shape[1] == 0:
        raise ValueError(f"{name} has 0 feature(s) (shape={arr.shape}) while a minimum of 1 is required.")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def check_sequences(X, name):
    """Normalise one sequence, a 3-D array or a list of sequences to a list of 2-D arrays.

    Returns ``(sequences, layout)`` with ``layout`` one of ``"single"``, ``"array"``,
    ``"list"`` so that outputs can be given back in the caller's layout. All sequences must
    share their input dimension.

    Examples
    --------
    >>> seqs, layout = check_sequences(np.zeros((4, 10, 2)), "X")
    >>> len(seqs), layout
    (4, 'array')
    """
    if X is None or isinstance(X, (str, bytes)):
        raise TypeError(f"{name} must be an array of numbers, got {type(X).__name__}")
    _check_not_sparse(X, name)
    if not isinstance(X, (list, tuple)):
        # Array-likes (e.g. pandas frames) become arrays once, before any shape test.
        X = np.asarray(X)
    if isinstance(X, (list, tuple)):
        if len(X) == 0:
            raise ValueError(f"{name} is empty")
        if all(np.ndim(x) == 2 for x in X):
            sequences = [check_array_2d(x, f"{name}[{i}]") for i, x in enumerate(X)]
            widths = sorted({s.shape[1] for s in sequences})
            if len(widths) > 1:
                raise ValueError(f"all sequences in {name} must have the same number of features; got {widths}")
            return sequences, "list"
        # A list of rows: one sequence written as nested lists.
        return [check_array_2d(X, name)], "single"
    if np.ndim(X) == 3:
        arr = np.asarray(X)
        if arr.shape[0] == 0:
            raise ValueError(f"{name} is empty: shape {arr.shape}")
        return [check_array_2d(x, f"{name}[{i}]") for i, x in enumerate(arr)], "array"
    return [check_array_2d(X, name)], "single"


def in_layout(outputs, layout):
    """Per-sequence ``outputs`` given back in the caller's ``layout`` (of :func:`check_sequences`):
    the one array, a stacked 3-D array, or the list.

    Examples
    --------
    >>> in_layout([np.zeros((5, 3)), np.ones((5, 3))], "array").shape
    (2, 5, 3)
    """
    if layout == "single":
        return outputs[0]
    if layout == "array":
        return np.stack(outputs)
    return list(outputs)


def _check_not_sparse(X, name):
    if sp.issparse(X):
        raise TypeError(f"{name} is a sparse matrix: sparse input is not supported, pass a dense array")


def check_positive_int(value, name, minimum=1):
    """Raise unless ``value`` is an integer ``>= minimum``."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, np.integer)):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def check_nonnegative_int(value, name):
    """Raise unless ``value`` is an integer ``>= 0``."""
    return check_positive_int(value, name, minimum=0)


def check_real(value, name, low=None, high=None, low_inclusive=True, high_inclusive=True):
    """Raise unless ``value`` is a finite real number within the given bounds."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.floating, np.integer)):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if low is not None and (value < low or (value == low and not low_inclusive)):
        op = ">=" if low_inclusive else ">"
        raise ValueError(f"{name} must be {op} {low}, got {value}")
    if high is not None and (value > high or (value == high and not high_inclusive)):
        op = "<=" if high_inclusive else "<"
        raise ValueError(f"{name} must be {op} {high}, got {value}")
    return value


def check_n_steps(n_steps, name="n_steps", bytes_per_step=8):
    """Raise unless ``n_steps`` is a positive integer whose output fits in memory.

    ``bytes_per_step`` is what one step allocates; asking for more than the memory left
    raises a ``ValueError`` here instead of letting the allocation abort the interpreter
    (XLA aborts on a failed allocation, it does not raise ``MemoryError``).

    Examples
    --------
    >>> check_n_steps(10, bytes_per_step=24)
    10
    """
    if isinstance(n_steps, bool) or not isinstance(n_steps, (numbers.Integral, np.integer)) or n_steps < 1:
        raise ValueError(f"{name} must be a positive integer, got {n_steps!r}")
    check_memory(int(n_steps) * bytes_per_step, name, f"{name}={n_steps}")
    return int(n_steps)


def available_memory():
    """Bytes this process can still allocate, or None where that cannot be read.

    The available physical memory (``MemAvailable``), capped by a container's memory limit
    (cgroup v2 or v1) less its usage, and by an address-space limit (``ulimit -v``) less
    what the process already maps.
    """
    available = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    available = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError, IndexError):
        pass
    if available is None:
        try:
            available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (AttributeError, OSError, ValueError):
            return None
    # In a container MemAvailable is the host's; the cgroup limit is what the kernel enforces.
    for limit_file, usage_file in (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                                   ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
                                    "/sys/fs/cgroup/memory/memory.usage_in_bytes")):
        try:
            with open(limit_file) as f:
                limit = f.read().strip()
            with open(usage_file) as f:
                usage = int(f.read().strip())
        except (OSError, ValueError):
            continue
        if limit.isdigit():  # "max" means no limit
            available = min(available, max(int(limit) - usage, 0))
        break
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft != resource.RLIM_INFINITY:
            with open("/proc/self/statm") as f:
                mapped = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
            available = min(available, max(soft - mapped, 0))
    except (ImportError, OSError, ValueError, IndexError):
        pass
    return available


def check_memory(n_bytes, name, what):
    """Raise a ``ValueError`` naming ``name`` when ``n_bytes`` exceed the memory left.

    Examples
    --------
    >>> check_memory(10**30, "n_units", "n_units=10**15")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: n_units: n_units=10**15 needs about 9.31e+20 GiB of memory; ...
    """
    available = available_memory()
    if available is not None and n_bytes > available:
        raise ValueError(f"{name}: {what} needs about {n_bytes / 2**30:.3g} GiB of memory; "
                         f"{available / 2**30:.3g} GiB are available")


def standardization(stacked):
    """``(mean, scale)`` of each column of ``stacked`` for z-scoring, safe at any magnitude.

    The columns are divided by their largest absolute value before the moments are taken,
    so data near the overflow (1e200) or underflow (1e-200) limits of float64 give their true
    spread instead of an infinite or zero one. A constant column gets scale 1 (centred only).

    Examples
    --------
    >>> mean, scale = standardization(np.array([[1e200], [3e200]]))
    >>> float(mean[0]), round(float(scale[0] / 1e200), 12)
    (2e+200, 1.0)
    """
    peak = np.max(np.abs(stacked), axis=0)
    peak = np.where(peak > 0, peak, 1.0)
    unit = stacked / peak
    mean = unit.mean(axis=0) * peak
    scale = unit.std(axis=0) * peak
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(scale))):
        raise ValueError("X is too large to standardise in float64 (values near 1.8e308)")
    return mean, np.where(scale > 0, scale, 1.0)


# -- declared hyperparameter constraints ---------------------------------------------------


class Constraint:
    """One rule a hyperparameter may satisfy; ``check`` raises ``ValueError``/``TypeError``
    naming the argument, or returns None."""

    def check(self, value, name):
        raise NotImplementedError


class Interval(Constraint):
    """A real (``numbers.Real``) or integer (``numbers.Integral``) number in a range.

    ``closed`` is which ends belong to it: ``"both"``, ``"left"``, ``"right"`` or
    ``"neither"``; a missing end (None) is unbounded. Booleans are not numbers here, and
    a real value must be finite.

    Examples
    --------
    >>> Interval(numbers.Real, 0, 1, closed="right").check(0.0, "leak_rate")
    Traceback (most recent call last):
    ...
    ValueError: leak_rate must be > 0, got 0.0
    """

    def __init__(self, kind, low=None, high=None, closed="both"):
        if kind not in (numbers.Integral, numbers.Real):
            raise TypeError(f"kind must be numbers.Integral or numbers.Real, got {kind!r}")
        if closed not in ("both", "left", "right", "neither"):
            raise ValueError(f"closed must be 'both', 'left', 'right' or 'neither', got {closed!r}")
        self.kind, self.low, self.high, self.closed = kind, low, high, closed

    def check(self, value, name):
        if self.kind is numbers.Integral:
            low = self.low if self.low is None or self.closed in ("both", "left") else self.low + 1
            high = self.high if self.high is None or self.closed in ("both", "right") else self.high - 1
            check_positive_int(value, name, minimum=-np.inf if low is None else low)
            if high is not None and value > high:
                raise ValueError(f"{name} must be <= {high}, got {value}")
            return
        check_real(value, name, low=self.low, high=self.high, low_inclusive=self.closed in ("both", "left"),
                   high_inclusive=self.closed in ("both", "right"))

    def __repr__(self):
        left = "[" if self.closed in ("both", "left") else "("
        right = "]" if self.closed in ("both", "right") else ")"
        return f"{self.kind.__name__} in {left}{self.low}, {self.high}{right}"


class Options(Constraint):
    """One of a fixed set of values (strings, None, ...).

    Examples
    --------
    >>> Options("euler", "exact").check("rk4", "method")
    Traceback (most recent call last):
    ...
    ValueError: method must be one of ('euler', 'exact'), got 'rk4'
    """

    def __init__(self, *values):
        self.values = values

    def check(self, value, name):
        # Identity or equality with an option of the same type: an array never matches.
        if not any(value is v or (type(value) is type(v) and value == v) for v in self.values):
            raise ValueError(f"{name} must be one of {self.values}, got {value!r}")

    def __repr__(self):
        return f"one of {self.values}"


class Boolean(Constraint):
    """``True`` or ``False`` (numpy booleans included, integers not)."""

    def check(self, value, name):
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{name} must be True or False, got {value!r}")

    def __repr__(self):
        return "a boolean"


class InstanceOf(Constraint):
    """An instance of ``types``; a ``TypeError`` that says ``description`` otherwise."""

    def __init__(self, types, description):
        self.types, self.description = types, description

    def check(self, value, name):
        if not isinstance(value, self.types):
            raise TypeError(f"{name} must be {self.description}, got {type(value).__name__}")

    def __repr__(self):
        return self.description


class Each(Constraint):
    """A sequence (not a string) whose items all satisfy ``item``; ``length`` fixes its size.

    Examples
    --------
    >>> Each(Interval(numbers.Real, 0, 1), length=2).check((0.5, 2.0), "connectivity")
    Traceback (most recent call last):
    ...
    ValueError: connectivity must be <= 1, got 2.0
    """

    def __init__(self, item, length=None, description="a sequence"):
        self.item, self.length, self.description = item, length, description

    def check(self, value, name):
        if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or np.ndim(value) == 0:
            raise TypeError(f"{name} must be {self.description}, got {value!r}")
        if self.length is not None and len(value) != self.length:
            raise ValueError(f"{name} must be {self.description} of {self.length} items, got {value!r}")
        for item in value:
            self.item.check(item, name)

    def __repr__(self):
        return f"{self.description} of {self.item!r}"


class Check(Constraint):
    """A rule written as a function ``check(value, name)`` that raises (e.g. a lookup that
    names the valid choices, or a rule on an array's values)."""

    def __init__(self, function):
        self.function = function

    def check(self, value, name):
        self.function(value, name)

    def __repr__(self):
        return getattr(self.function, "__name__", repr(self.function))


def check_positive_scaling(value, name):
    """Raise unless ``value`` is a positive number or a 1-D array of positive numbers (a
    scaling per input)."""
    try:
        scaling = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number or array of numbers, got {value!r}") from None
    if not np.all(np.isfinite(scaling)) or np.any(scaling <= 0):
        raise ValueError(f"{name} must be > 0, got {value!r}")
    if scaling.ndim > 1:
        raise ValueError(f"{name} must be a number or a 1-D array, got shape {scaling.shape}")


def declared_constraints(cls):
    """The ``_parameter_constraints`` of ``cls`` merged over its bases (a subclass's entry
    replaces its base's)."""
    merged = {}
    for klass in reversed(cls.__mro__):
        merged.update(vars(klass).get("_parameter_constraints", {}))
    return merged


def validate_parameters(obj):
    """Check every hyperparameter of ``obj`` against its class's declared constraints.

    A parameter declared as a list of constraints may satisfy any of them (``None`` in the
    list allows None); when none is satisfied, the first ``ValueError`` (a rule of the right
    type, a wrong value) is raised, or else the first ``TypeError``. Constraints that are
    not this module's (a scikit-learn class's own) are left to their class, and so are
    those of a base's parameter that the class does not take.

    Raises
    ------
    ValueError or TypeError
        Naming the argument and what it must be.
    """
    params = obj.get_params(deep=False) if hasattr(obj, "get_params") else vars(obj)
    constraints = {name: rules for name, rules in declared_constraints(type(obj)).items()
                   # A subclass may drop a base's parameter (FixedWeightsESN has no n_units).
                   if name in params and all(rule is None or isinstance(rule, Constraint)
                                             for rule in (rules if isinstance(rules, list) else [rules]))}
    check_values(constraints, {name: params[name] for name in constraints})


def check_values(constraints, values):
    """Check ``values`` (a dict name -> value) against ``constraints`` (name -> a
    :class:`Constraint`, or a list of them and None); see :func:`validate_parameters`.

    Examples
    --------
    >>> check_values({"shots": Interval(numbers.Integral, 1, None)}, {"shots": 1.5})
    Traceback (most recent call last):
    ...
    TypeError: shots must be an integer, got 1.5
    """
    for name, rules in constraints.items():
        rules = rules if isinstance(rules, list) else [rules]
        value = values[name]
        if value is None and None in rules:
            continue
        errors = []
        for rule in rules:
            if rule is None:
                continue
            try:
                rule.check(value, name)
            except (TypeError, ValueError) as err:
                errors.append(err)
            else:
                break
        else:
            # A ValueError comes from a rule of the right type with a wrong value: the
            # most telling message (a sequence item out of range, not "not a number").
            raise next((e for e in errors if isinstance(e, ValueError)), errors[0])
