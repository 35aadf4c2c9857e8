"""A new reservoir family in about 20 lines (the one in CONTRIBUTING.md) works everywhere:
every estimator, an ensemble, ``reservoir bench`` and ``reservoir forecast``."""

import jax.numpy as jnp
import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from reservoir import EnsembleForecaster, ReservoirClassifier, ReservoirForecaster, ReservoirRegressor, Ridge
from reservoir.base import Reservoir, make_rng
from reservoir.runner import run, run_ensemble


class TinyReservoir(Reservoir):
    """A dense tanh reservoir: the whole contract a new family has to fill."""

    def __init__(self, n_units=40, spectral_radius=0.9, input_scaling=0.5, random_state=None):
        self.n_units = n_units
        self.spectral_radius = spectral_radius
        self.input_scaling = input_scaling
        self.random_state = random_state

    def initialize(self, n_inputs, random_state=None):
        rng = make_rng(self.random_state if random_state is None else random_state)
        W = rng.normal(size=(self.n_units, self.n_units))
        W *= self.spectral_radius / np.max(np.abs(np.linalg.eigvals(W)))
        return {"W": W, "W_in": self.input_scaling * rng.uniform(-1, 1, (self.n_units, n_inputs))}

    def initial_state(self, params):
        return jnp.zeros(params["W"].shape[0])

    def step(self, params, state, u):
        return jnp.tanh(params["W"] @ state + params["W_in"] @ u)


def _sine(n=600):
    t = np.arange(n) * 0.1
    return np.column_stack([np.sin(t), np.cos(t)])


def test_states_follow_the_step_it_defines():
    res = TinyReservoir(n_units=10, random_state=0)
    u = np.random.default_rng(1).normal(size=(20, 2))
    params = res.initialize(2)
    feats, _ = run(res, params, u)
    x = np.zeros(10)
    for t in range(20):
        x = np.tanh(params["W"] @ x + params["W_in"] @ u[t])
        np.testing.assert_allclose(feats[t], x, atol=1e-12)
    with pytest.raises(NotFittedError):
        TinyReservoir().transform(u)
    assert res.fit_transform(u).shape == (20, 10)


def test_in_every_estimator():
    series = _sine()
    fc = ReservoirForecaster(TinyReservoir(random_state=0)).fit(series[:500])
    assert np.abs(fc.forecast(20) - series[500:520]).max() < 0.1
    X = np.random.default_rng(0).normal(size=(300, 1))
    y = np.roll(X[:, 0], 2)  # recall the input of two steps ago
    reg = ReservoirRegressor(TinyReservoir(random_state=0), Ridge(1e-6), washout=10).fit(X, y)
    assert reg.score(X, y) > 0.9
    sequences = [np.full((15, 1), level) + 0.05 * np.random.default_rng(i).normal(size=(15, 1))
                 for i, level in enumerate([0.0, 1.0] * 10)]
    labels = [0, 1] * 10
    clf = ReservoirClassifier(TinyReservoir(random_state=0), washout=0).fit(sequences, labels)
    assert clf.score(sequences, labels) == 1.0


def test_in_an_ensemble():
    res = TinyReservoir(n_units=12)
    members = [res.initialize(2, seed) for seed in range(3)]
    u = np.random.default_rng(0).normal(size=(30, 2))
    together = run_ensemble(res, members, u)
    for member, feats in zip(members, together):
        np.testing.assert_allclose(feats, run(res, member, u)[0], atol=1e-12)
    ens = EnsembleForecaster(ReservoirForecaster(TinyReservoir()), n_members=3, random_state=0).fit(_sine()[:500])
    assert ens.forecast(10).shape == (10, 2)


@pytest.fixture
def tiny_model(monkeypatch, tmp_path):
    from reservoir.bench import MODELS, ModelSpec

    monkeypatch.setenv("RESERVOIR_CACHE_DIR", str(tmp_path / "cache"))
    spec = ModelSpec("tiny", "a 40-unit dense tanh reservoir", lambda: ReservoirForecaster(TinyReservoir()),
                     grid=({"spectral_radius": 0.5}, {"spectral_radius": 0.9}))
    monkeypatch.setitem(MODELS, "tiny", spec)
    return spec


def test_in_reservoir_bench_and_reservoir_forecast(tiny_model, tmp_path):
    from reservoir.cli import main

    out = tmp_path / "bench"
    assert main(["bench", "--protocol", "gilpin2023", "--models", "tiny", "--systems", "Lorenz",
                 "--scheduler", "serial", "--out", str(out), "--no-progress"]) == 0
    assert "tiny" in (out / "summary.txt").read_text()
    assert main(["forecast", "--system", "Lorenz", "--model", "tiny", "--train", "600", "--test-steps", "50",
                 "--set", "spectral_radius=0.8", "--out", str(tmp_path / "fc"), "--quiet"]) == 0
    assert (tmp_path / "fc" / "metrics.json").is_file()
