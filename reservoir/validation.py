"""Input validation at the public boundary: clear errors naming the argument."""

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
