"""Save and load fitted estimators as arrays + JSON in one ``.npz`` file, never pickle.

The file holds a JSON description (classes by import path, hyperparameters, scalar fitted
attributes) and every array under a numbered key; it loads with ``allow_pickle=False``, so
opening an untrusted file cannot run code. Only classes from this package's import packages
(``reservoir``, ``quantum``, ``hardware``) and from scikit-learn are rebuilt. Objects that
cannot be described this way (a callable activation, a random forest readout) raise
``TypeError`` at save time instead of being silently dropped.
"""

import importlib
import json
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator

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
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    arrays = {}
    tree = _encode(estimator, arrays, "estimator")
    meta = {"format": FORMAT, "version": FORMAT_VERSION, "tree": tree}
    from . import __version__

    meta["package_version"] = __version__
    np.savez(path, __meta__=np.array(json.dumps(meta)), **arrays)


def load(path):
    """Read an estimator written by :func:`save`; predictions are bit-identical."""
    with np.load(Path(path), allow_pickle=False) as data:
        meta = json.loads(str(data["__meta__"]))
        if meta.get("format") != FORMAT:
            raise ValueError(f"{path} is not a saved reservoir estimator")
        if meta.get("version", 0) > FORMAT_VERSION:
            raise ValueError(f"{path} was written by a newer format version ({meta['version']})")
        arrays = {key: data[key] for key in data.files if key != "__meta__"}
    return _decode(meta["tree"], arrays)


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


def _decode(node, arrays):
    if node is None or isinstance(node, (bool, int, str)):
        return node
    if isinstance(node, list):
        return [_decode(v, arrays) for v in node]
    if "__float__" in node:
        return float(node["__float__"])
    if "__array__" in node:
        return arrays[node["__array__"]]
    if "__tuple__" in node:
        return tuple(_decode(v, arrays) for v in node["__tuple__"])
    if "__dict__" in node:
        return {k: _decode(v, arrays) for k, v in node["__dict__"].items()}
    if "__sparse__" in node:
        data, indices, indptr, shape = (_decode(v, arrays) for v in node["__sparse__"])
        return sp.csr_matrix((data, indices, indptr), shape=tuple(shape))
    if "__estimator__" in node:
        cls = _import_class(node["__estimator__"])
        obj = cls(**_decode(node["params"], arrays))
        vars(obj).update(_decode(node["state"], arrays))
        return obj
    raise ValueError(f"unknown entry in saved file: {sorted(node)}")


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
