"""The shared contract: capabilities declared on ``Reservoir`` and asked by the runner,
readouts recognised by protocol (not class), one fit path in the estimators."""

import json
import zipfile

import jax.numpy as jnp
import numpy as np
import pytest
from sklearn.base import BaseEstimator
from sklearn.linear_model import LinearRegression, PoissonRegressor

from reservoir import ESN, RLS, ReservoirForecaster, ReservoirRegressor, Ridge, load, save
from reservoir.base import Reservoir
from reservoir.readouts import fit_readout, linear_weights, streams
from reservoir.runner import run, run_ensemble


def _sine(n=800):
    t = np.arange(n) * 0.1
    return np.column_stack([np.sin(t), np.cos(t)])


def test_every_capability_has_a_declared_default():
    base = Reservoir()
    assert base.python_loop is False and base.batch_last is False
    assert base.run_native({}, np.zeros((3, 1))) is None
    assert base.run_members([{}], np.zeros((3, 1))) is None
    with pytest.raises(NotImplementedError, match="run_sequence"):
        base.run_sequence({}, np.zeros((3, 1)))


class CountedMembers(Reservoir):
    """A leak-free linear reservoir that runs ensembles its own way (and counts the calls)."""

    calls = 0

    def initialize(self, n_inputs, random_state=None):
        return {"a": np.asarray(0.5 + 0.1 * (random_state or 0)), "w": np.ones(n_inputs)}

    def initial_state(self, params):
        return jnp.zeros(1)

    def step(self, params, state, u):
        return params["a"] * state + params["w"] @ u

    def run_members(self, params_list, inputs):
        type(self).calls += 1
        return np.stack([run(self, params, inputs)[0] for params in params_list])


def test_runner_uses_an_overridden_capability_and_the_vmap_otherwise():
    res = CountedMembers()
    members = [res.initialize(1, random_state=s) for s in range(3)]
    U = np.random.default_rng(0).normal(size=(20, 1))
    own = run_ensemble(res, members, U)
    assert CountedMembers.calls == 1
    # The same numbers as the generic vmap of the base class (a class without the override).
    generic = type("Plain", (CountedMembers,), {"run_members": Reservoir.run_members})()
    np.testing.assert_allclose(run_ensemble(generic, members, U), own, rtol=0, atol=1e-14)
    assert CountedMembers.calls == 1


class LinearMap(BaseEstimator):
    """A readout of no class the package knows: ``fit``, ``predict``, ``coef_`` and ``intercept_``."""

    def fit(self, X, y):
        design = np.column_stack([X, np.ones(len(X))])
        solution = np.linalg.lstsq(design, y, rcond=None)[0]
        self.coef_, self.intercept_ = solution[:-1].T, solution[-1]
        return self

    def predict(self, X):
        return X @ self.coef_.T + self.intercept_


def test_linear_readouts_are_recognised_by_protocol():
    X = np.random.default_rng(1).normal(size=(50, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.3
    for readout in (LinearMap(), LinearRegression(), Ridge(alpha=0.0), RLS()):
        coef, intercept = linear_weights(readout.fit(X, y))
        np.testing.assert_allclose(coef, [[1.0, -2.0, 0.5]], atol=1e-5)
        np.testing.assert_allclose(intercept, [0.3], atol=1e-5)
    # coef_ and intercept_ of a model whose prediction is not the linear map: not linear.
    assert linear_weights(PoissonRegressor().fit(X, np.abs(y))) is None


def test_a_duck_typed_linear_readout_runs_the_compiled_closed_loop():
    series = _sine()
    ours = ReservoirForecaster(ESN(n_units=60, random_state=0), readout=LinearMap()).fit(series[:600])
    reference = ReservoirForecaster(ESN(n_units=60, random_state=0), readout=LinearRegression()).fit(series[:600])
    np.testing.assert_allclose(ours.forecast(50), reference.forecast(50), atol=1e-6)


class StreamingMean(BaseEstimator):
    """A streaming readout: predicts the mean target, never holds more than one chunk."""

    def fit_streamed(self, chunks):
        total, count, self.largest_chunk_ = 0.0, 0, 0
        for X, y in chunks:
            total, count = total + np.sum(y, axis=0), count + len(y)
            self.largest_chunk_ = max(self.largest_chunk_, len(X))
        self.mean_ = total / count
        return self

    def fit(self, X, y):
        return self.fit_streamed([(X, y)])

    def predict(self, X):
        return np.tile(self.mean_, (len(X), 1))


def test_one_fit_path_streams_a_readout_that_offers_fit_streamed():
    X = np.random.default_rng(2).normal(size=(5000, 1))
    model = ReservoirRegressor(ESN(n_units=20, random_state=0), readout=StreamingMean()).fit(X, X[:, 0])
    assert streams(model.readout_) and model.readout_.largest_chunk_ <= 1024
    np.testing.assert_allclose(model.readout_.mean_, X[:, 0].mean(), rtol=1e-12)


def test_gathered_and_streamed_fits_agree():
    # RLS streams (one online pass); LinearRegression is gathered: both give the least squares.
    X = np.random.default_rng(3).normal(size=(3000, 1))
    y = np.roll(X[:, 0], 1)
    models = [ReservoirRegressor(ESN(n_units=30, random_state=0), readout=r, washout=10).fit(X, y)
              for r in (RLS(alpha=1e-8), LinearRegression(), Ridge(alpha=0.0, solver="svd"))]
    for model in models[1:]:
        np.testing.assert_allclose(model.predict(X), models[0].predict(X), atol=1e-5)


def test_rls_fit_streamed_equals_fit():
    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(300, 4)), rng.normal(size=(300, 2))
    streamed = RLS(alpha=1e-3).fit_streamed((X[i:i + 70], y[i:i + 70]) for i in range(0, 300, 70))
    np.testing.assert_allclose(streamed.coef_, RLS(alpha=1e-3).fit(X, y).coef_, rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match="chunks"):
        RLS().fit_streamed([])


def test_penalty_rows_need_a_readout_that_takes_them():
    chunks = [(np.eye(3), np.ones(3))]
    with pytest.raises(ValueError, match="penalty_rows"):
        fit_readout(LinearRegression(), chunks, penalty_rows=np.eye(3))
    with pytest.raises(ValueError, match="penalty_rows"):
        fit_readout(RLS(), chunks, penalty_rows=np.eye(3))
    with pytest.raises(ValueError, match="jacobian_penalty"):
        ReservoirForecaster(ESN(n_units=20), readout=RLS(), jacobian_penalty=1e-6).fit(_sine(300))


def test_files_naming_the_old_module_of_fixed_weights_esn_still_load(tmp_path):
    rng = np.random.default_rng(5)
    esn = ESN.from_weights(rng.normal(size=(10, 10)) * 0.1, rng.normal(size=(10, 1)))
    X = rng.normal(size=(100, 1))
    model = ReservoirRegressor(esn).fit(X, X[:, 0])
    path = tmp_path / "model.npz"
    save(model, path)
    # Rewrite the description as a file saved before the class moved to reservoir.fixed_weights.
    with np.load(path) as data:
        arrays = {key: data[key] for key in data.files}
    meta = str(arrays["__meta__"]).replace("reservoir.fixed_weights:FixedWeightsESN", "reservoir.esn:FixedWeightsESN")
    assert "reservoir.esn:FixedWeightsESN" in meta
    arrays["__meta__"] = np.array(meta)
    np.savez(path, **arrays)
    assert zipfile.is_zipfile(path) and json.loads(meta)
    np.testing.assert_array_equal(load(path).predict(X), model.predict(X))


def test_nvar_is_the_forecaster_with_the_nvar_feature_map():
    from reservoir import NVARFeatures, NVARForecaster

    X = _sine(700)
    nvar = NVARForecaster(delay=3, skip=2, order=2, alpha=1e-7).fit(X[:500])
    explicit = ReservoirForecaster(NVARFeatures(delay=3, skip=2, order=2), readout=Ridge(alpha=1e-7), washout=4,
                                   bias=False, input_concat=False, squared=False, target="increment").fit(X[:500])
    np.testing.assert_array_equal(nvar.forecast(100), explicit.forecast(100))
    np.testing.assert_allclose(nvar.forecast(100), X[500:600], atol=1e-4)
    # The feature map works in the other estimators too (here: regress the next point).
    regressor = ReservoirRegressor(NVARFeatures(delay=2), readout=Ridge(alpha=1e-9), washout=1).fit(X[:-1], X[1:])
    np.testing.assert_allclose(regressor.predict(X[:-1])[1:], X[2:], atol=1e-4)


def test_increment_target_of_the_forecaster():
    X = _sine(900)
    model = ReservoirForecaster(ESN(n_units=80, random_state=0), target="increment").fit(X[:700])
    np.testing.assert_allclose(model.forecast(100), X[700:800], atol=1e-3)
    # Teacher-forced predictions add the step to the current point: row t predicts X[t + 1].
    np.testing.assert_allclose(model.predict(X[:700])[200:-1], X[201:700], atol=1e-4)
    with pytest.raises(ValueError, match="target"):
        ReservoirForecaster(target="step").fit(X)
