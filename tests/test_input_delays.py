"""Delayed inputs of the forecaster (``input_delays``): the drive, the closed loop, checks."""

import numpy as np
import pytest

from reservoir import ESN, ReservoirForecaster, Ridge, lyapunov_spectrum
from reservoir.runner import run_closed_loop


def _series(n=1200):
    t = np.arange(n) * 0.05
    return np.sin(t)[:, None] + 0.5 * np.sin(2.3 * t)[:, None]


def test_drive_holds_the_delayed_copies():
    fc = ReservoirForecaster(ESN(n_units=20, random_state=0), input_delays=(3, 1)).fit(_series(300))
    assert fc.lags_ == (0, 1, 3)
    u = np.arange(10.0)[:, None]
    drive = fc._drive(u)
    np.testing.assert_array_equal(drive[5], [5.0, 4.0, 2.0])
    np.testing.assert_array_equal(drive[0], [0.0, 0.0, 0.0])  # before the start: the first point
    np.testing.assert_array_equal(fc._history(u)[:, 0], [9.0, 8.0, 7.0, 6.0])


def test_compiled_closed_loop_equals_the_stepwise_one_with_delays():
    series = _series()
    fc = ReservoirForecaster(ESN(n_units=40, random_state=1), Ridge(1e-6), input_delays=(4, 9)).fit(series)
    compiled = fc._closed_loop(fc.readout_, fc.state_, fc.last_input_, 60)
    stepwise = fc._closed_loop_stepwise(fc.readout_, fc.state_, fc.last_input_, 60)
    np.testing.assert_allclose(compiled, stepwise, rtol=1e-10, atol=1e-12)


def test_forecast_continues_like_the_teacher_forced_prediction():
    # The first closed-loop output is the one-step prediction after the training series.
    series = _series()
    fc = ReservoirForecaster(ESN(n_units=40, random_state=2), Ridge(1e-6), input_delays=(5,)).fit(series[:1000])
    first = fc.forecast(1)
    one_step = fc.predict(series[:1000])[-1]
    np.testing.assert_allclose(first[0], one_step, rtol=1e-9, atol=1e-12)
    # From a context: the same as continuing the fitted series when the context is its end.
    from_context = fc.forecast(20, context=series[:1000])
    np.testing.assert_allclose(from_context, fc.forecast(20), rtol=1e-9, atol=1e-12)


def test_no_delays_is_unchanged():
    series = _series()
    plain = ReservoirForecaster(ESN(n_units=30, random_state=0), Ridge(1e-6)).fit(series).forecast(50)
    empty = ReservoirForecaster(ESN(n_units=30, random_state=0), Ridge(1e-6), input_delays=()).fit(series).forecast(50)
    np.testing.assert_array_equal(plain, empty)


def test_run_closed_loop_checks_the_history_shape():
    esn = ESN(n_units=10, random_state=0)
    params = esn.initialize(2)
    with pytest.raises(ValueError, match="last_input must have shape"):
        run_closed_loop(esn, params, np.zeros(10), np.zeros((2, 1)), np.zeros((1, 23)), np.zeros(1),
                        (True, True, True), 5, lags=(0, 1, 3))


@pytest.mark.parametrize("delays", [(0,), (2, 2), (-1,), ("a",), 1.5])
def test_bad_input_delays_are_refused(delays):
    with pytest.raises((ValueError, TypeError), match="input_delays"):
        ReservoirForecaster(ESN(n_units=10), input_delays=delays).fit(_series(300))


def test_lyapunov_spectrum_refuses_delays():
    fc = ReservoirForecaster(ESN(n_units=20, random_state=0), Ridge(1e-6), input_delays=(2,)).fit(_series(300))
    with pytest.raises(ValueError, match="input_delays"):
        lyapunov_spectrum(fc, 1, 100)
