"""Safe save/load (arrays + JSON in one .npz, no pickle): exact round trips and refusals."""

import json

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import LogisticRegression
from sklearn.linear_model import Ridge as SkRidge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from reservoir import (
    ESN,
    RLS,
    ReservoirClassifier,
    ReservoirForecaster,
    ReservoirRegressor,
    Ridge,
    load,
    save,
)
from reservoir.weights import spectral_radius


def sparse_esn(n=40, seed=0):
    rng = np.random.default_rng(seed)
    W = sp.random(n, n, density=0.1, random_state=seed, data_rvs=rng.standard_normal, format="csr")
    W = W * (0.9 / spectral_radius(W))
    return ESN.from_weights(W, rng.uniform(-0.5, 0.5, (n, 2)), rng.uniform(-0.2, 0.2, n), leak_rate=0.7)


RESERVOIRS = {
    "ESN": lambda: ESN(n_units=40, leak_rate=0.8, random_state=0),
    "ESN-dense": lambda: ESN(n_units=30, in_degree=None, random_state=1),
    "from_weights-sparse": sparse_esn,
}
READOUTS = {
    "Ridge": lambda: Ridge(alpha=1e-5),
    "RLS": lambda: RLS(alpha=1e-2),
    "sklearn-Ridge": lambda: SkRidge(alpha=1e-5),
}
# a pipeline is not recognised as a linear map: the forecaster runs its stepwise loop
FORECAST_READOUTS = {**READOUTS, "sklearn-Pipeline": lambda: make_pipeline(StandardScaler(), SkRidge(alpha=1e-5))}


def sine_cosine(n=700):
    t = np.arange(n) * 0.05
    return np.column_stack([np.sin(t), np.cos(t)])


def round_trip(model, tmp_path):
    path = tmp_path / "model.npz"
    save(model, path)
    assert path.exists()
    return load(path), path


def assert_same_params(a, b):
    pa, pb = a.get_params(deep=True), b.get_params(deep=True)
    assert pa.keys() == pb.keys()
    for key in pa:
        if hasattr(pa[key], "get_params"):
            assert type(pa[key]) is type(pb[key])
        elif sp.issparse(pa[key]):
            assert (abs(pa[key] - pb[key])).max() == 0
        elif isinstance(pa[key], np.ndarray):
            np.testing.assert_array_equal(pa[key], pb[key])
        else:
            assert pa[key] == pb[key], key


@pytest.mark.parametrize("readout", READOUTS)
@pytest.mark.parametrize("reservoir", RESERVOIRS)
def test_regressor_round_trip_is_exact(reservoir, readout, tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 2))
    y = np.column_stack([np.roll(X[:, 0], 1), X[:, 1] ** 2])
    model = ReservoirRegressor(RESERVOIRS[reservoir](), READOUTS[readout](), washout=5).fit(X, y)
    loaded, _ = round_trip(model, tmp_path)
    assert type(loaded) is ReservoirRegressor and type(loaded.readout_) is type(model.readout_)
    assert_same_params(model, loaded)
    X_new = rng.normal(size=(60, 2))
    np.testing.assert_array_equal(loaded.predict(X_new), model.predict(X_new))
    for a, b in zip(loaded.predict([X_new, X]), model.predict([X_new, X])):
        np.testing.assert_array_equal(a, b)
    # the loaded model is a working estimator: it refits to the same numbers
    np.testing.assert_array_equal(clone(loaded).fit(X, y).predict(X_new), model.predict(X_new))


@pytest.mark.parametrize("readout", ["Ridge", "sklearn-Logistic"])
@pytest.mark.parametrize("reservoir", ["ESN", "from_weights-sparse"])
def test_classifier_round_trip_is_exact(reservoir, readout, tmp_path):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(30, 25, 2)) * np.repeat([0.3, 1.0, 3.0], 10)[:, None, None]
    y = np.repeat(["low", "mid", "high"], 10)
    clf_readout = Ridge(alpha=1e-3) if readout == "Ridge" else LogisticRegression(C=10.0, max_iter=1000)
    model = ReservoirClassifier(RESERVOIRS[reservoir](), clf_readout, washout=3).fit(X, y)
    loaded, _ = round_trip(model, tmp_path)
    np.testing.assert_array_equal(loaded.classes_, model.classes_)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    np.testing.assert_array_equal(loaded.decision_function(X), model.decision_function(X))
    if readout != "Ridge":
        np.testing.assert_array_equal(loaded.predict_proba(list(X)), model.predict_proba(list(X)))


@pytest.mark.parametrize("readout", FORECAST_READOUTS)
@pytest.mark.parametrize("reservoir", RESERVOIRS)
def test_forecaster_round_trip_is_exact(reservoir, readout, tmp_path):
    series = sine_cosine()
    model = ReservoirForecaster(RESERVOIRS[reservoir](), FORECAST_READOUTS[readout](), washout=50).fit(series[:600])
    loaded, _ = round_trip(model, tmp_path)
    np.testing.assert_array_equal(loaded.forecast(80), model.forecast(80))
    np.testing.assert_array_equal(loaded.forecast(30, context=series[300:500]),
                                  model.forecast(30, context=series[300:500]))
    np.testing.assert_array_equal(loaded.predict(series), model.predict(series))


def test_unfitted_estimator_round_trip_and_suffix(tmp_path):
    model = ReservoirForecaster(ESN(n_units=12, spectral_radius=1.1, input_scaling=[0.1, 0.2]), RLS(alpha=0.5),
                                washout=7, squared=False, divergence_factor=3.5)
    save(model, tmp_path / "unfitted")  # ".npz" is appended
    loaded = load(tmp_path / "unfitted.npz")
    assert not hasattr(loaded, "readout_")
    assert loaded.get_params()["reservoir__input_scaling"] == [0.1, 0.2]
    assert_same_params(model, loaded)


def test_file_is_plain_arrays_and_json(tmp_path):
    X = np.random.default_rng(0).normal(size=(50, 2))
    model = ReservoirRegressor(sparse_esn(), Ridge()).fit(X, np.arange(50.0))
    _, path = round_trip(model, tmp_path)
    with np.load(path, allow_pickle=False) as data:
        meta = json.loads(str(data["__meta__"]))
        for key in data.files:
            assert data[key].dtype != object  # reading every entry needs no pickle
    assert meta["format"] == "reservoir-estimator" and meta["version"] == 1
    assert meta["tree"]["__estimator__"] == "reservoir.regressor:ReservoirRegressor"


def test_unsupported_objects_raise_type_error_at_save(tmp_path):
    X = np.random.default_rng(0).normal(size=(60, 1))
    forest = ReservoirRegressor(ESN(n_units=10, random_state=0), RandomForestRegressor(n_estimators=2)).fit(X, X[:, 0])
    with pytest.raises(TypeError, match="cannot save"):
        save(forest, tmp_path / "forest.npz")
    with pytest.raises(TypeError, match="activation"):
        save(ReservoirRegressor(ESN(n_units=10, activation=lambda x: x / (1 + abs(x)))), tmp_path / "act.npz")
    with pytest.raises(TypeError, match="activation"):
        save(ReservoirRegressor(ESN(n_units=10, activation=np.tanh)), tmp_path / "act.npz")
    with pytest.raises(TypeError, match="cannot save"):
        save(object(), tmp_path / "object.npz")
    assert not (tmp_path / "forest.npz").exists() and not (tmp_path / "act.npz").exists()


def _rewrite(path, edit):
    """Rewrite the JSON of a saved file with ``edit(meta_text) -> meta_text``."""
    with np.load(path, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    arrays["__meta__"] = np.array(edit(str(arrays["__meta__"])))
    np.savez(path, **arrays)


@pytest.mark.parametrize(
    "target, pattern",
    [
        ("os:system", "refusing to load"),
        ("subprocess:Popen", "refusing to load"),
        ("builtins:eval", "refusing to load"),
        ("reservoirx.evil:Payload", "refusing to load"),
        ("numpy:ndarray", "refusing to load"),
        ("sklearn.utils:Bunch", "not an estimator class"),
    ],
)
def test_tampered_class_path_is_refused(target, pattern, tmp_path):
    model = ReservoirRegressor(ESN(n_units=10, random_state=0), Ridge())
    path = tmp_path / "model.npz"
    save(model, path)
    _rewrite(path, lambda text: text.replace("reservoir.readouts.ridge:Ridge", target))
    with pytest.raises(ValueError, match=pattern):
        load(path)


def test_foreign_or_newer_files_are_refused(tmp_path):
    path = tmp_path / "model.npz"
    save(Ridge(), path)
    _rewrite(path, lambda text: text.replace('"version": 1', '"version": 99'))
    with pytest.raises(ValueError, match="newer format"):
        load(path)
    np.savez(tmp_path / "other.npz", __meta__=np.array(json.dumps({"format": "something-else"})))
    with pytest.raises(ValueError, match="not a saved reservoir estimator"):
        load(tmp_path / "other.npz")
    np.savez(tmp_path / "objects.npz", __meta__=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError):  # an object array needs pickle: refused by np.load
        load(tmp_path / "objects.npz")


def _set_saved_param(path, class_name, name, value):
    """Rewrite a saved file so that the estimator of class ``class_name`` has ``name=value``."""

    def visit(node):
        if isinstance(node, dict):
            if str(node.get("__estimator__", "")).endswith(f":{class_name}"):
                node["params"]["__dict__"][name] = {"__float__": repr(value)} if isinstance(value, float) else value
            for child in node.values():
                visit(child)
        elif isinstance(node, list):
            for child in node:
                visit(child)

    def edit(text):
        meta = json.loads(text)
        visit(meta["tree"])
        return json.dumps(meta)

    _rewrite(path, edit)


@pytest.mark.parametrize("model, class_name, name, value", [
    (lambda: Ridge(), "Ridge", "alpha", -1.0),
    (lambda: Ridge(), "Ridge", "solver", "magic"),
    (lambda: RLS(), "RLS", "forgetting_factor", 1.5),
    (lambda: ReservoirRegressor(ESN(n_units=10)), "ESN", "leak_rate", 0.0),
    (lambda: ReservoirRegressor(_nalsm()), "NeuronAstrocyteLSM", "astro_tau", 0.5),
    (lambda: ReservoirRegressor(_onion()), "OnionESN", "method", "spiral"),
])
def test_an_edited_invalid_hyperparameter_is_refused_on_load(model, class_name, name, value, tmp_path):
    path = tmp_path / "model.npz"
    save(model(), path)
    load(path)  # as saved: valid
    _set_saved_param(path, class_name, name, value)
    with pytest.raises(ValueError, match=f"path: .*invalid {class_name}: {name} must be"):
        load(path)


def _nalsm():
    from reservoir import NeuronAstrocyteLSM

    return NeuronAstrocyteLSM(n_units=27, astro_tau=50.0, random_state=1)


def _onion():
    from reservoir import OnionESN

    return OnionESN(n_units=20, radii=(0.5, 0.9), random_state=0)


def test_a_file_naming_the_module_before_the_split_still_loads(tmp_path):
    """NeuronAstrocyteLSM moved from reservoir.lsm to reservoir.nalsm; files saved before
    name the old module path."""
    from reservoir.lsm import NeuronAstrocyteLSM as OldPath
    from reservoir.nalsm import NeuronAstrocyteLSM

    assert OldPath is NeuronAstrocyteLSM
    X = np.random.default_rng(0).uniform(size=(40, 1))
    model = ReservoirRegressor(_nalsm(), Ridge(alpha=1e-3), washout=5).fit(X, X[:, 0])
    path = tmp_path / "model.npz"
    save(model, path)
    _rewrite(path, lambda text: text.replace("reservoir.nalsm:NeuronAstrocyteLSM", "reservoir.lsm:NeuronAstrocyteLSM"))
    with np.load(path) as data:
        assert "reservoir.lsm:NeuronAstrocyteLSM" in str(data["__meta__"])
    loaded = load(path)
    assert type(loaded.reservoir) is NeuronAstrocyteLSM
    assert loaded.reservoir.get_params() == model.reservoir.get_params()
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
