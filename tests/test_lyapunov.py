"""Lyapunov spectrum of a forecaster's closed loop (reservoir.lyapunov)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression
from sklearn.neighbors import KNeighborsRegressor

from reservoir import ESN, ForecastDivergenceError, ReservoirForecaster, Ridge, lyapunov_spectrum
from reservoir.chaos import system_info, trajectory
from reservoir.lyapunov import _closed_loop_map
from reservoir.runner import _to_jax


def _lorenz(n, dt=0.02):
    """Lorenz-63 (the package's dysts integration, seed 0) sampled every ``dt`` time units."""
    period = system_info("Lorenz").period
    return trajectory("Lorenz", n=n, pts_per_period=period / dt, seed=0)[1]


@pytest.fixture(scope="module")
def lorenz_model():
    series = _lorenz(3000)
    return ReservoirForecaster(ESN(n_units=100, random_state=0), Ridge(1e-6), washout=50).fit(series), series


@pytest.fixture(scope="module")
def linear_model():
    """An identity-activation ESN without squared features: its closed loop is affine."""
    t = np.arange(1500) * 0.1
    series = np.column_stack([np.sin(t), np.cos(t)])
    esn = ESN(n_units=30, activation="identity", leak_rate=0.7, spectral_radius=0.8, random_state=1)
    return ReservoirForecaster(esn, Ridge(1e-4), squared=False).fit(series)


def _flat_map(model, n_steps_total):
    """The closed-loop map and an orbit of it (flat states), from the end of the fit."""
    params = model.reservoir_.prepare(_to_jax(model.reservoir_params_))
    coef, intercept = jnp.asarray(model.readout_.coef_), jnp.asarray(model.readout_.intercept_)
    increment = model.target == "increment"
    closed_map, ravel = _closed_loop_map(model.reservoir_, params, _to_jax(model.state_), coef, intercept,
                                         model._augmentation, model.input_concat or increment, increment)
    closed_map = jax.jit(closed_map)
    x = ravel(_to_jax(model.state_), jnp.asarray(model.last_input_))
    orbit, outputs = [], []
    for _ in range(n_steps_total):
        orbit.append(x)
        x, y = closed_map(x)
        outputs.append(np.asarray(y))
    return closed_map, orbit, np.array(outputs)


def test_affine_closed_loop_gives_log_moduli_of_eigenvalues(linear_model):
    model = linear_model
    form = model.reservoir_.linear_form(model.reservoir_params_)
    W, W_in, a = form["W"], form["W_in"], float(form["leak_rate"])
    n, d = W_in.shape
    coef = model.readout_.coef_
    # Columns of the readout: bias, the input u (d), the states (n).
    C_u, C_s = coef[:, 1:1 + d], coef[:, 1 + d:]
    A = np.block([[(1 - a) * np.eye(n) + a * W + a * W_in @ C_s, a * W_in @ C_u], [C_s, C_u]])
    expected = np.sort(np.log(np.abs(np.linalg.eigvals(A))))[::-1][:6]
    got = lyapunov_spectrum(model, 6, 4000, n_transient=200, on_divergence="ignore")
    np.testing.assert_allclose(np.sort(got)[::-1], expected, atol=1e-3)


def test_orbit_is_the_forecast(lorenz_model):
    model, _ = lorenz_model
    _, _, outputs = _flat_map(model, 50)
    np.testing.assert_allclose(model._unscale(outputs), model.forecast(50), rtol=1e-9, atol=1e-9)


def test_increment_target_orbit_and_exponents_of_nvar():
    # NG-RC (an increment target, the NVAR feature map) on Lorenz: the map is the forecast,
    # and its spectrum is Lorenz's, (0.906, 0, -14.57) per unit time.
    from reservoir import NVARForecaster

    dt = 0.025
    series = trajectory("Lorenz", n=2000, pts_per_period=1.5 / dt, seed=0)[1]
    model = NVARForecaster(delay=2, alpha=1e-6).fit(series[:1500])
    _, _, outputs = _flat_map(model, 50)
    np.testing.assert_allclose(model._unscale(outputs), model.forecast(50), rtol=1e-9, atol=1e-9)
    exponents = lyapunov_spectrum(model, 3, n_steps=8000, dt=dt)
    assert abs(exponents[0] - 0.906) < 0.1 and abs(exponents[1]) < 0.05
    assert abs(exponents[2] + 14.57) < 1.0


def test_sum_of_full_spectrum_is_mean_log_determinant():
    series = _lorenz(800)
    model = ReservoirForecaster(ESN(n_units=12, random_state=0), Ridge(1e-6), washout=50).fit(series)
    n_transient, n_steps = 20, 200
    spectrum = lyapunov_spectrum(model, 15, n_steps, n_transient=n_transient, on_divergence="ignore")
    closed_map, orbit, _ = _flat_map(model, n_transient + n_steps)
    jacobian = jax.jit(jax.jacfwd(lambda x: closed_map(x)[0]))
    log_dets = [np.linalg.slogdet(np.asarray(jacobian(x)))[1] for x in orbit[n_transient:]]
    np.testing.assert_allclose(spectrum.sum(), np.mean(log_dets), rtol=1e-8)
    assert np.all(np.diff(spectrum) <= 1e-2)  # Benettin's order: decreasing


def test_lorenz_model_exponents(lorenz_model):
    model, _ = lorenz_model
    exponents = lyapunov_spectrum(model, 3, 5000, dt=0.02)
    # Lorenz-63: 0.906, 0, -14.57; a small model on a short series only roughly.
    assert 0.6 < exponents[0] < 1.2
    assert abs(exponents[1]) < 0.2
    assert exponents[2] < -5


def test_one_exponent_is_the_first_of_more(lorenz_model):
    model, _ = lorenz_model
    first = lyapunov_spectrum(model, 1, 5000)
    three = lyapunov_spectrum(model, 3, 5000)
    assert first.shape == (1,) and three.shape == (3,)
    np.testing.assert_allclose(first[0], three[0], rtol=0.02)


def test_units_renormalisation_and_context(lorenz_model):
    model, series = lorenz_model
    per_step = lyapunov_spectrum(model, 3, 5000)
    np.testing.assert_allclose(lyapunov_spectrum(model, 3, 5000, dt=0.02), per_step / 0.02, rtol=1e-12)
    # QR every 5 steps: the same products of Jacobians, re-orthonormalised less often.
    np.testing.assert_allclose(lyapunov_spectrum(model, 3, 5000, renormalize_every=5), per_step,
                               rtol=1e-6, atol=1e-8)
    from_context = lyapunov_spectrum(model, 3, 5000, context=series[:1000])
    np.testing.assert_allclose(from_context[:2], per_step[:2], atol=0.005)


def test_deterministic(lorenz_model):
    model, _ = lorenz_model
    a = lyapunov_spectrum(model, 2, 1000, random_state=3)
    b = lyapunov_spectrum(model, 2, 1000, random_state=3)
    np.testing.assert_array_equal(a, b)


def test_scikit_learn_linear_readout_and_no_input_concat():
    series = _lorenz(800)
    model = ReservoirForecaster(ESN(n_units=20, random_state=0), LinearRegression(), input_concat=False,
                                washout=50).fit(series)
    # Without the input in the readout the phase space is the reservoir state alone.
    assert lyapunov_spectrum(model, 20, 10, n_transient=0, on_divergence="ignore").shape == (20,)
    with pytest.raises(ValueError, match="n_exponents must be at most"):
        lyapunov_spectrum(model, 21, 10)


def test_divergence_is_reported(lorenz_model):
    model, _ = lorenz_model
    from sklearn.base import clone

    broken = clone(model).fit(_lorenz(800))
    broken.readout_.coef_ = broken.readout_.coef_ * 50
    with pytest.raises(ForecastDivergenceError):
        lyapunov_spectrum(broken, 1, 100, on_divergence="raise")
    with pytest.warns(RuntimeWarning, match="diverged"):
        lyapunov_spectrum(broken, 1, 100)


def test_bad_input(lorenz_model):
    model, series = lorenz_model
    with pytest.raises(NotFittedError):
        lyapunov_spectrum(ReservoirForecaster(ESN(n_units=10)), 1, 10)
    with pytest.raises(TypeError, match="model"):
        lyapunov_spectrum(ESN(n_units=10), 1, 10)
    with pytest.raises(ValueError, match="n_exponents"):
        lyapunov_spectrum(model, 0, 10)
    with pytest.raises(ValueError, match="n_exponents"):
        lyapunov_spectrum(model, 104, 10)
    with pytest.raises(TypeError, match="n_exponents"):
        lyapunov_spectrum(model, 1.5, 10)
    with pytest.raises(ValueError, match="n_steps"):
        lyapunov_spectrum(model, 1, 0)
    with pytest.raises(ValueError, match="n_transient"):
        lyapunov_spectrum(model, 1, 10, n_transient=-1)
    with pytest.raises(ValueError, match="renormalize_every"):
        lyapunov_spectrum(model, 1, 10, renormalize_every=0)
    with pytest.raises(ValueError, match="dt"):
        lyapunov_spectrum(model, 1, 10, dt=0.0)
    with pytest.raises(ValueError, match="on_divergence"):
        lyapunov_spectrum(model, 1, 10, on_divergence="maybe")
    with pytest.raises(TypeError, match="random_state"):
        lyapunov_spectrum(model, 1, 10, random_state="seed")
    with pytest.raises(ValueError, match="context"):
        lyapunov_spectrum(model, 1, 10, context=series[:, :2])


def test_nonlinear_readout_and_python_loop_refused(lorenz_model):
    series = _lorenz(300)
    knn = ReservoirForecaster(ESN(n_units=10, random_state=0), KNeighborsRegressor(2), washout=20).fit(series)
    with pytest.raises(TypeError, match="readout must be linear"):
        lyapunov_spectrum(knn, 1, 10)
    model, _ = lorenz_model
    from sklearn.base import clone

    looped = clone(model).fit(series)
    looped.reservoir_.python_loop = True
    with pytest.raises(TypeError, match="python_loop"):
        lyapunov_spectrum(looped, 1, 10)
