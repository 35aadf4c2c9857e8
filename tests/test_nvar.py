"""Tests of the NVAR / NG-RC forecaster."""

import doctest
import warnings

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from sklearn.base import clone

import reservoir.nvar
from reservoir.forecaster import ForecastDivergenceError, ForecastDivergenceWarning
from reservoir.metrics import nrmse, valid_prediction_time
from reservoir.nvar import NVARForecaster

LORENZ_LYAPUNOV = 0.9056  # literature value, as used by Gauthier et al. 2021


@pytest.fixture(scope="module")
def gauthier_lorenz():
    """Lorenz-63 as in Gauthier et al. 2021: dt = 0.025, RK23 at scipy's default tolerances.

    NG-RC learns the integrator's one-step map, so the data generator matters: on these data
    the published setting forecasts for several Lyapunov times.
    """

    def lorenz(t, x):
        return [10 * (x[1] - x[0]), x[0] * (28 - x[2]) - x[1], x[0] * x[1] - 8 / 3 * x[2]]

    dt = 0.025
    t = np.arange(0, 30, dt)
    X = solve_ivp(lorenz, (0, t[-1]), [17.67715816276679, 12.931379185960404, 43.91404334248268],
                  t_eval=t, method="RK23").y.T
    warmup = int(5 / dt)
    return X[warmup:], dt


def sine_pair(n, dt=0.05):
    t = np.arange(n) * dt
    return np.column_stack([np.sin(t), np.cos(t)])


def test_docstring_examples():
    assert doctest.testmod(reservoir.nvar).failed == 0


def test_gauthier_lorenz_setting(gauthier_lorenz):
    X, dt = gauthier_lorenz
    model = NVARForecaster(delay=2, skip=1, order=2, alpha=2.5e-6, standardize=False).fit(X[:400])
    assert model.n_nvar_features_ == 28  # 1 + 6 linear + 21 quadratic, as in the paper
    # One-step training fit: row j predicts X[j + 2].
    train = model.predict(X[:400])[:-1]
    assert nrmse(X[2:400], train) < 1e-3
    # Closed loop: Gauthier et al. report NRMSE ~ 4.5e-3 over one Lyapunov time.
    forecast = model.forecast(600)
    truth = X[400:1000]
    one_lt = int(round(1 / (LORENZ_LYAPUNOV * dt)))
    assert nrmse(truth[:one_lt], forecast[:one_lt]) < 1e-2
    assert valid_prediction_time(truth, forecast, lyapunov_steps=dt * LORENZ_LYAPUNOV) > 3.0


def test_feature_count_and_monomials():
    X = np.random.default_rng(0).normal(size=(50, 3))
    assert NVARForecaster(delay=3, order=1).fit(X).n_nvar_features_ == 1 + 9
    quad = NVARForecaster(delay=3, order=2).fit(X)
    assert quad.n_nvar_features_ == 1 + 9 + 9 * 10 // 2
    rows, cols = quad.quad_index_
    assert np.all(rows <= cols) and len(set(zip(rows, cols))) == 45


def ar_series(coefs, n):
    """x_{t+1} = sum_i coefs[i] * x_{t-i}, from a fixed start."""
    x = np.zeros(n)
    x[:len(coefs)] = [1.0, 0.5, -0.2][:len(coefs)]
    for t in range(len(coefs) - 1, n - 1):
        x[t + 1] = sum(c * x[t - i] for i, c in enumerate(coefs))
    return x


def test_linear_nvar_recovers_an_ar_process():
    # A stable AR(3) (roots 0.99 exp(+-0.3i) and 0.5): a linear NVAR with delay 3 is exact.
    x = ar_series([2.3916, -1.9259, 0.49005], 300)
    model = NVARForecaster(delay=3, skip=1, order=1, alpha=0.0, target="next").fit(x[:200, None])
    np.testing.assert_allclose(model.forecast(100)[:, 0], x[200:], rtol=1e-6)
    # x_{t+1} = 0.5 x_t + 0.45 x_{t-2}: delay 2 with skip 2 sees exactly x_t and x_{t-2}.
    x = ar_series([0.5, 0.0, 0.45], 250)
    model = NVARForecaster(delay=2, skip=2, order=1, alpha=0.0).fit(x[:150, None])
    np.testing.assert_allclose(model.forecast(100)[:, 0], x[150:], rtol=1e-6)


@pytest.mark.parametrize("target", ["increment", "next"])
@pytest.mark.parametrize("standardize", [True, False])
def test_options_forecast_a_sine(target, standardize):
    X = sine_pair(600)
    model = NVARForecaster(delay=2, target=target, standardize=standardize, alpha=1e-9).fit(X[:500])
    assert np.abs(model.forecast(100) - X[500:]).max() < 1e-3


def test_context_continues_from_its_end():
    X = sine_pair(800)
    model = NVARForecaster(delay=2, skip=3).fit(X[:400])
    from_context = model.forecast(50, context=X[:600])
    np.testing.assert_allclose(from_context, X[600:650], atol=1e-3)
    # Only the last (delay - 1) * skip + 1 points of the context matter.
    np.testing.assert_allclose(model.forecast(50, context=X[596:600]), from_context)


def test_list_of_series_fits_both_and_continues_from_the_last():
    X = sine_pair(700)
    model = NVARForecaster(delay=2).fit([X[:300], X[350:600]])
    np.testing.assert_allclose(model.forecast(50), X[600:650], atol=1e-3)


def test_divergence_is_reported():
    # The logistic map is learned exactly; started outside [0, 1] it runs off to -inf.
    x = np.empty(200)
    x[0] = 0.3
    for t in range(199):
        x[t + 1] = 3.9 * x[t] * (1 - x[t])
    model = NVARForecaster(delay=1, order=2, alpha=0.0, target="next", standardize=False).fit(x[:, None])
    np.testing.assert_allclose(model.forecast(5, context=x[:100, None])[:, 0], x[100:105], rtol=1e-6)
    start = np.array([[1.5]])
    with pytest.warns(ForecastDivergenceWarning, match="diverged at step 1"):
        out = model.forecast(50, context=start)
    first_bad = np.flatnonzero(~np.isfinite(out[:, 0]))[0]
    assert np.all(np.isnan(out[first_bad:]))  # generation stops at the first non-finite value
    with pytest.raises(ForecastDivergenceError, match="diverged"):
        model.forecast(50, context=start, on_divergence="raise")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.forecast(50, context=start, on_divergence="ignore")


def test_clone_and_params():
    model = NVARForecaster(delay=4, skip=2, order=1, alpha=1e-3, target="next", standardize=False)
    fresh = clone(model)
    assert fresh.get_params() == model.get_params()
    X = sine_pair(300)
    np.testing.assert_array_equal(fresh.fit(X).forecast(10), model.fit(X).forecast(10))
    assert not hasattr(clone(model), "readout_")


@pytest.mark.parametrize("params, match", [
    (dict(delay=0), "delay must be >= 1"),
    (dict(skip=0), "skip must be >= 1"),
    (dict(order=3), "order must be 1 or 2"),
    (dict(alpha=-1.0), "alpha must be >= 0"),
    (dict(target="value"), "target must be one of"),
    (dict(divergence_factor=0.0), "divergence_factor must be > 0"),
])
def test_invalid_hyperparameters(params, match):
    with pytest.raises(ValueError, match=match):
        NVARForecaster(**params).fit(sine_pair(50))


def test_invalid_inputs():
    X = sine_pair(100)
    bad = X.copy()
    bad[10, 0] = np.inf
    with pytest.raises(ValueError, match="X contains NaN or infinite"):
        NVARForecaster().fit(bad)
    with pytest.raises(ValueError, match=r"needs more than \(delay - 1\) \* skip \+ 1 = 11"):
        NVARForecaster(delay=3, skip=5).fit(X[:11])
    model = NVARForecaster(delay=3, skip=5).fit(X)
    with pytest.raises(ValueError, match="context has 5 steps"):
        model.forecast(5, context=X[:5])
    with pytest.raises(ValueError, match="context has 3 features"):
        model.forecast(5, context=np.zeros((20, 3)))
    with pytest.raises(ValueError, match="n_steps must be a positive integer"):
        model.forecast(-1)
    with pytest.raises(ValueError, match="on_divergence"):
        model.forecast(3, on_divergence="maybe")
