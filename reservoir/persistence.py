"""Save and load fitted estimators as arrays + JSON in one ``.npz`` file, never pickle.

The file holds a JSON description (classes by import path, hyperparameters, scalar fitted
attributes) and every array under a numbered key; it loads with ``allow_pickle=False``, so
opening an untrusted file cannot run code. Only classes from this package's import packages
(``reservoir``, ``quantum``, ``hardware``) and from scikit-learn are rebuilt. Objects that
cannot be described this way (a callable activation, a random forest readout) raise
``TypeError`` at save time instead of being silently dropped.

Saving is atomic (a temporary file renamed over the target), so a process killed while
saving leaves the previous file intact. Loading reads only the arrays the description
refers to, checks the structure of the file, and validates the hyperparameters and the
fitted arrays again (shapes, finiteness, indices inside the reservoir): a damaged or foreign
file raises a ``ValueError`` naming ``path``, never a crash or a silently wrong model.
"""

import importlib
import json
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator

from .atomic import atomic_open
from .validation import check_memory, validate_parameters

FORMAT = "reservoir-estimator"
FORMAT_VERSION = 1
_ALLOWED_MODULES = ("reservoir", "quantum", "hardware", "sklearn")


def save(estimator, path):
    """Write a (fitted or unfitted) estimator to ``path`` (``.npz`` is appended if missing).

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from reservoir import ESN, ReservoirRegressor, save, load
    >>> X = np.random.default_rng(0).normal(size=(100, 1))
    >>> model = ReservoirRegressor(ESN(n_units=20, random_state=0)).fit(X, X[:, 0])
    >>> path = os.path.join(tempfile.mkdtemp(), "model.npz")
    >>> save(model, path)
    >>> bool(np.array_equal(load(path).predict(X), model.predict(X)))
    True
    """
    path = _npz_path(path)
    arrays = {}
    tree = _encode(estimator, arrays, "estimator")
    meta = {"format": FORMAT, "version": FORMAT_VERSION, "tree": tree}
    from . import __version__

    meta["package_version"] = __version__
    # Written beside the target and renamed over it: a kill mid-write keeps the old file.
    with atomic_open(path, "wb") as f:
        np.savez(f, __meta__=np.array(json.dumps(meta)), **arrays)


def _npz_path(path):
    path = Path(path)
    return path if path.suffix == ".npz" else path.with_name(path.name + ".npz")


#: Deepest nesting of a description: far beyond any estimator, far below Python's recursion limit.
_MAX_DEPTH = 50


def load(path):
    """Read an estimator written by :func:`save`; predictions are bit-identical.

    ``path`` may omit the ``.npz`` suffix that :func:`save` appended. A file that is not a
    saved estimator (or is damaged, or describes invalid hyperparameters or arrays) raises a
    ``ValueError`` naming it; nothing in it is unpickled or executed.
    """
    path = Path(path)
    if not path.exists() and path.suffix != ".npz" and _npz_path(path).exists():
        path = _npz_path(path)
    # The file is opened here, so it is closed even when numpy cannot parse it.
    with open(path, "rb") as fh:
        try:
            data = np.load(fh, allow_pickle=False)
        except Exception as err:  # noqa: BLE001 -- a damaged header raises almost anything (TokenError)
            # numpy's own message would suggest allow_pickle=True, which would be unsafe.
            raise ValueError(f"path: {path} is not a saved reservoir estimator (not a readable "
                             f".npz archive: {type(err).__name__})") from None
        if not isinstance(data, np.lib.npyio.NpzFile):
            raise ValueError(f"path: {path} is not a saved reservoir estimator (a single .npy array)")
        with data:
            meta = _read_meta(data, path)
            keys = set()
            _references(meta["tree"], keys, 0, path)
            arrays = {key: _read_array(data, key, path) for key in keys}
    try:
        return _decode(meta["tree"], arrays, path)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, ImportError, RecursionError) as err:
        if str(err).startswith("path:"):
            raise  # already a message about this file (an invalid hyperparameter, say)
        raise ValueError(f"path: {path} is not a valid saved estimator: {type(err).__name__}: {err}") from None


def _read_meta(data, path):
    if "__meta__" not in data.files:
        raise ValueError(f"path: {path} is not a saved reservoir estimator (no __meta__ entry)")
    raw = _read_array(data, "__meta__", path)
    if raw.shape != () or raw.dtype.kind != "U":
        raise ValueError(f"path: {path} is not a saved reservoir estimator (__meta__ is not a string)")
    try:
        meta = json.loads(str(raw))
    except (ValueError, RecursionError):
        raise ValueError(f"path: {path} is not a saved reservoir estimator (__meta__ is not JSON)") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError(f"path: {path} is not a saved reservoir estimator")
    version = meta.get("version", 0)
    if not isinstance(version, int) or isinstance(version, bool):
        raise ValueError(f"path: {path} has an invalid format version {version!r}")
    if version > FORMAT_VERSION:
        raise ValueError(f"path: {path} was written by a newer format version ({version})")
    if not (isinstance(meta.get("tree"), dict) and "__estimator__" in meta["tree"]):
        raise ValueError(f"path: {path} is not a saved reservoir estimator (no estimator in it)")
    return meta


def _read_array(data, key, path):
    if key not in data.files:
        raise ValueError(f"path: {path} refers to an array {key!r} that the file does not hold")
    # The size in the zip directory is known before reading: a small compressed file must not
    # make load allocate more memory than there is.
    info = data.zip.getinfo(f"{key}.npy")
    check_memory(info.file_size, "path", f"array {key!r} of {path}")
    try:
        return data[key]
    except Exception as err:  # noqa: BLE001 -- numpy parses a damaged header with ast/tokenize
        # Object arrays (pickled data) are refused; say so without suggesting allow_pickle.
        reason = "an array of Python objects, which is refused" if "pickle" in str(err) else type(err).__name__
        raise ValueError(f"path: {path}: array {key!r} cannot be read ({reason})") from None


def _references(node, keys, depth, path):
    """Collect the array keys ``node`` refers to, checking its structure on the way."""
    if depth > _MAX_DEPTH:
        raise ValueError(f"path: {path} is not a valid saved estimator (nested deeper than {_MAX_DEPTH})")
    if isinstance(node, list):
        for v in node:
            _references(v, keys, depth + 1, path)
    elif isinstance(node, dict):
        if "__array__" in node:
            if not isinstance(node["__array__"], str) or node["__array__"] == "__meta__":
                raise ValueError(f"path: {path} is not a valid saved estimator (bad array reference)")
            keys.add(node["__array__"])
        for v in node.values():
            _references(v, keys, depth + 1, path)


def _encode(obj, arrays, where):
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, (int, np.integer)) and not isinstance(obj, np.bool_):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, (float, np.floating)):
        return {"__float__": repr(float(obj))}  # keeps nan/inf and every bit of the value
    if sp.issparse(obj):
        csr = sp.csr_matrix(obj)
        return {"__sparse__": [_encode(csr.data, arrays, where), _encode(csr.indices, arrays, where),
                               _encode(csr.indptr, arrays, where), list(csr.shape)]}
    if isinstance(obj, np.ndarray) or type(obj).__module__.startswith("jax"):
        arr = np.asarray(obj)
        if arr.dtype == object:
            raise TypeError(f"cannot save {where}: arrays of Python objects are not supported")
        key = f"a{len(arrays)}"
        arrays[key] = arr
        return {"__array__": key}
    if isinstance(obj, (list, tuple)):
        items = [_encode(v, arrays, f"{where}[{i}]") for i, v in enumerate(obj)]
        return {"__tuple__": items} if isinstance(obj, tuple) else items
    if isinstance(obj, dict):
        if not all(isinstance(k, str) for k in obj):
            raise TypeError(f"cannot save {where}: dictionary keys must be strings")
        return {"__dict__": {k: _encode(v, arrays, f"{where}.{k}") for k, v in obj.items()}}
    if isinstance(obj, BaseEstimator) and type(obj).__module__.split(".")[0] in _ALLOWED_MODULES:
        params = obj.get_params(deep=False)
        state = {k: v for k, v in vars(obj).items() if k not in params}
        return {"__estimator__": f"{type(obj).__module__}:{type(obj).__qualname__}",
                "params": _encode(params, arrays, f"{where}.params"),
                "state": _encode(state, arrays, f"{where}.state")}
    raise TypeError(f"cannot save {where} of type {type(obj).__name__} in the safe format")


def _decode(node, arrays, path):
    if node is None or isinstance(node, (bool, int, str)):
        return node
    if isinstance(node, list):
        return [_decode(v, arrays, path) for v in node]
    if not isinstance(node, dict) or len(node) == 0:
        raise ValueError(f"path: {path}: unknown entry in saved file: {node!r:.80}")
    if "__float__" in node:
        return float(node["__float__"])
    if "__array__" in node:
        return arrays[node["__array__"]]
    if "__tuple__" in node:
        return tuple(_decode(v, arrays, path) for v in node["__tuple__"])
    if "__dict__" in node:
        return {str(k): _decode(v, arrays, path) for k, v in node["__dict__"].items()}
    if "__sparse__" in node:
        data, indices, indptr, shape = (_decode(v, arrays, path) for v in node["__sparse__"])
        matrix = sp.csr_matrix((data, indices, indptr), shape=tuple(shape))
        # The full check: indices outside the shape would be read out of bounds later.
        matrix.check_format(full_check=True)
        return matrix
    if "__estimator__" in node:
        cls = _import_class(node["__estimator__"])
        params = _decode(node["params"], arrays, path)
        state = _decode(node["state"], arrays, path)
        if not isinstance(params, dict) or not isinstance(state, dict):
            raise ValueError(f"path: {path}: params and state of {node['__estimator__']} must be dictionaries")
        if any(k.startswith("__") for k in state):
            raise ValueError(f"path: {path}: refusing special attribute names in the state of {cls.__name__}")
        obj = cls(**params)
        vars(obj).update(state)
        try:
            _revalidate(obj)
        except (ValueError, TypeError) as err:
            raise type(err)(f"path: {path} holds an invalid {cls.__name__}: {err}") from None
        return obj
    raise ValueError(f"path: {path}: unknown entry in saved file: {sorted(node)}")


def _revalidate(obj):
    """The checks ``fit`` would make, run on a loaded estimator: the declared hyperparameter
    constraints (:func:`~reservoir.validation.validate_parameters`), the checks between
    hyperparameters, then the fitted arrays that later code indexes with (a file may have
    been edited)."""
    validate_parameters(obj)
    if type(obj).__module__.split(".")[0] == "sklearn" and callable(getattr(obj, "_validate_params", None)):
        obj._validate_params()  # scikit-learn's own declared constraints
    for check in ("_check_hyperparameters", "_check_params", "_check_common_params", "_check"):
        if callable(getattr(obj, check, None)):
            getattr(obj, check)()
    if hasattr(obj, "reservoir_params_") and hasattr(obj, "reservoir_"):
        n_inputs = getattr(obj, "n_features_in_", None)
        obj.reservoir_.check_params(obj.reservoir_params_, n_inputs)
    for name in ("input_mean_", "input_scale_"):
        if hasattr(obj, name):
            value = np.asarray(getattr(obj, name))
            if value.shape != (getattr(obj, "n_features_in_", value.size),) or not np.all(np.isfinite(value)):
                raise ValueError(f"{name} must be finite of shape (n_features_in_,), got shape {value.shape}")
    if hasattr(obj, "input_scale_") and np.any(np.asarray(obj.input_scale_) <= 0):
        raise ValueError("input_scale_ must be > 0")


def _import_class(name):
    module_name, _, qualname = name.partition(":")
    if module_name.split(".")[0] not in _ALLOWED_MODULES:
        raise ValueError(f"refusing to load class {name}: not from {_ALLOWED_MODULES}")
    obj = importlib.import_module(module_name)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    if not (isinstance(obj, type) and issubclass(obj, BaseEstimator)):
        raise ValueError(f"refusing to load {name}: not an estimator class")
    return obj
