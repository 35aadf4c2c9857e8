"""Tests of reservoir.metrics on hand-computed cases."""

import numpy as np
import pytest

from reservoir.metrics import (
    memory_capacity,
    normalized_error,
    nrmse,
    smape,
    smape_curve,
    valid_prediction_time,
)

PAIR_METRICS = [nrmse, smape, smape_curve, normalized_error, valid_prediction_time]


def alternating(T):
    """A 2-D series with mean 0 and normalisation sqrt(mean ||y - mean||^2) = 1."""
    y = np.zeros((T, 2))
    y[:, 0] = np.where(np.arange(T) % 2 == 0, 1.0, -1.0)
    return y


# ----------------------------------------------------------------------------------
# sMAPE


def test_smape_known_values():
    y = np.array([[1.0, -2.0], [3.0, 0.5]])
    assert smape(y, y) == 0.0
    assert smape(y, -y) == 200.0
    assert smape(y, np.zeros_like(y)) == 200.0
    # 200 * |1 - 2| / (1 + 2) on one of two entries.
    assert smape([1.0, 2.0], [2.0, 2.0]) == pytest.approx(100 / 3)


def test_smape_both_zero_counts_as_a_match():
    assert smape([0.0, 1.0], [0.0, 1.0]) == 0.0


def test_smape_matches_dysts_0_95():
    from dysts.metrics import smape as dysts_smape

    rng = np.random.default_rng(0)
    y, yhat = rng.normal(size=(50, 3)), rng.normal(size=(50, 3))
    assert smape(y, yhat) == pytest.approx(dysts_smape(y, yhat))


def test_smape_curve_pointwise_and_cumulative():
    y = np.ones((4, 2))
    yhat = np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, -1.0], [1.0, 1.0]])
    np.testing.assert_allclose(smape_curve(y, yhat), [0.0, 100.0, 200.0, 0.0])
    np.testing.assert_allclose(smape_curve(y, yhat, cumulative=True),
                               [0.0, 50.0, 100.0, 75.0])


def test_cumulative_curve_is_smape_of_the_first_steps():
    rng = np.random.default_rng(1)
    y, yhat = rng.normal(size=(30, 3)), rng.normal(size=(30, 3))
    curve = smape_curve(y, yhat, cumulative=True)
    for t in (0, 9, 29):
        assert curve[t] == pytest.approx(smape(y[: t + 1], yhat[: t + 1]))


def test_smape_curve_cumulative_must_be_bool():
    with pytest.raises(TypeError, match="cumulative"):
        smape_curve([1.0], [1.0], cumulative="yes")


# ----------------------------------------------------------------------------------
# NRMSE and normalised error


def test_nrmse_known_values():
    y = np.array([1.0, 2.0, 3.0, 4.0])
    assert nrmse(y, y) == 0.0
    assert nrmse(y, np.full(4, y.mean())) == pytest.approx(1.0)
    # Per-dimension normalisation: sigma = (1, 10); errors of one sigma everywhere.
    Y = np.array([[0.0, 0.0], [2.0, 20.0]])
    assert nrmse(Y, Y + [1.0, 10.0]) == pytest.approx(1.0)
    assert nrmse(Y, Y + [1.0, 0.0]) == pytest.approx(np.sqrt(0.5))


def test_nrmse_constant_truth_is_an_error():
    with pytest.raises(ValueError, match="constant"):
        nrmse([[1.0, 0.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]])


def test_normalized_error_known_values():
    y = np.array([[3.0, 4.0], [-3.0, -4.0]])  # mean 0, ||y_t - mean|| = 5
    np.testing.assert_allclose(normalized_error(y, [[0.0, 0.0], [-3.0, -4.0]]), [1.0, 0.0])
    np.testing.assert_allclose(normalized_error(y[:, 0], [0.0, -3.0]), [1.0, 0.0])


def test_normalized_error_constant_truth_is_an_error():
    with pytest.raises(ValueError, match="constant"):
        normalized_error(np.ones((3, 2)), np.zeros((3, 2)))


# ----------------------------------------------------------------------------------
# Valid prediction time


def test_vpt_error_criterion_gives_the_exact_step():
    y = alternating(6)
    errors = np.array([0.0, 0.1, 0.39, 0.41, 0.0, 0.9])
    yhat = y + np.stack([errors, np.zeros(6)], axis=1)
    np.testing.assert_allclose(normalized_error(y, yhat), errors, atol=1e-12)
    assert valid_prediction_time(y, yhat) == 3
    assert valid_prediction_time(y, yhat, threshold=0.5) == 5
    assert valid_prediction_time(y, yhat, threshold=0.05) == 1
    assert valid_prediction_time(y, yhat, threshold=1.0) == 6  # never exceeded: all T
    assert valid_prediction_time(y, yhat, lyapunov_steps=0.25) == pytest.approx(0.75)
    assert valid_prediction_time(y, y) == 6


def test_vpt_first_step_wrong_is_zero():
    y = alternating(4)
    assert valid_prediction_time(y, -y) == 0
    assert valid_prediction_time(y, -y, lyapunov_steps=0.1) == 0.0


def test_vpt_smape_cumulative_versus_pointwise():
    # One step with pointwise sMAPE 40 (200 * 0.5 / 2.5) after five perfect steps.
    y = np.ones(10)
    yhat = y.copy()
    yhat[5] = 1.5
    assert smape_curve(y, yhat)[5] == pytest.approx(40.0)
    assert valid_prediction_time(y, yhat, criterion="smape", cumulative=False) == 5
    # Cumulative: E(5) = 40 / 6 stays under 30, so the whole window is valid.
    assert valid_prediction_time(y, yhat, criterion="smape") == 10
    assert valid_prediction_time(y, yhat, criterion="smape", threshold=5.0) == 5
    assert valid_prediction_time(y, yhat, criterion="smape", threshold=5.0,
                                 lyapunov_steps=0.02) == pytest.approx(0.1)


def test_vpt_returns_int_steps_and_float_lyapunov_times():
    y = alternating(5)
    assert isinstance(valid_prediction_time(y, y), int)
    assert isinstance(valid_prediction_time(y, y, lyapunov_steps=0.5), float)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"criterion": "mse"}, "criterion"),
        ({"threshold": -1.0}, "threshold"),
        ({"threshold": float("nan")}, "threshold"),
        ({"lyapunov_steps": 0.0}, "lyapunov_steps"),
        ({"lyapunov_steps": float("inf")}, "lyapunov_steps"),
        ({"cumulative": True}, "cumulative"),  # only meaningful for sMAPE
    ],
)
def test_vpt_rejects_bad_arguments(kwargs, match):
    y = alternating(4)
    with pytest.raises(ValueError, match=match):
        valid_prediction_time(y, y, **kwargs)


# ----------------------------------------------------------------------------------
# Input validation shared by the forecast metrics


@pytest.mark.parametrize("metric", PAIR_METRICS)
def test_shape_mismatch_is_rejected(metric):
    with pytest.raises(ValueError, match="same shape"):
        metric(np.ones((5, 2)), np.ones((5, 3)))


@pytest.mark.parametrize("metric", PAIR_METRICS)
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_values_are_rejected(metric, bad):
    y = alternating(4)
    broken = y.copy()
    broken[2, 1] = bad
    if metric is not valid_prediction_time:  # a blown-up forecast has a VPT (next test)
        with pytest.raises(ValueError, match="y_pred"):
            metric(y, broken)
    with pytest.raises(ValueError, match="y_true"):
        metric(broken, y)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_blown_up_forecast_is_invalid_from_its_first_non_finite_step(bad):
    y = alternating(10) + 3.0
    forecast = y.copy()
    forecast[4, 1] = bad
    forecast[7:] = bad
    assert valid_prediction_time(y, forecast) == 4
    assert valid_prediction_time(y, forecast, criterion="smape") == 4
    assert valid_prediction_time(y, forecast, criterion="smape", cumulative=False) == 4
    assert valid_prediction_time(y, forecast, lyapunov_steps=0.5) == 2.0


@pytest.mark.parametrize("metric", PAIR_METRICS)
def test_wrong_dimensionality_and_types_are_rejected(metric):
    with pytest.raises(ValueError, match="y_true"):
        metric(np.ones((2, 2, 2)), np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match="empty"):
        metric([], [])
    with pytest.raises(TypeError, match="y_pred"):
        metric([1.0, 2.0], ["a", "b"])


# ----------------------------------------------------------------------------------
# Memory capacity


def delay_line(u, delays):
    """States whose column j is exactly u(t - delays[j]) (zero before the start)."""
    states = np.zeros((len(u), len(delays)))
    for j, k in enumerate(delays):
        states[k:, j] = u[: len(u) - k]
    return states


def test_ideal_delay_line_remembers_every_delay():
    u = np.random.default_rng(0).uniform(-1, 1, 3000)
    states = delay_line(u, range(0, 11))
    total, per_delay = memory_capacity(states, u, max_delay=10, washout=20)
    assert per_delay.shape == (10,)
    assert total == pytest.approx(10.0, abs=1e-6)
    np.testing.assert_allclose(per_delay, 1.0, atol=1e-6)


def test_delay_line_forgets_beyond_its_length():
    u = np.random.default_rng(1).uniform(-1, 1, 3000)
    total, per_delay = memory_capacity(delay_line(u, range(1, 6)), u[:, None], max_delay=10)
    np.testing.assert_allclose(per_delay[:5], 1.0, atol=1e-6)
    assert np.all(per_delay[5:] < 0.02)
    assert total == pytest.approx(5.0, abs=0.1)


def test_unrelated_states_have_no_memory():
    rng = np.random.default_rng(2)
    u = rng.uniform(-1, 1, 3000)
    states = rng.normal(size=(3000, 20))
    total, per_delay = memory_capacity(states, u, max_delay=20)
    assert 0 <= total < 0.5
    assert np.all((0 <= per_delay) & (per_delay <= 1))


def test_linear_reservoir_capacity_is_bounded_by_its_size():
    rng = np.random.default_rng(3)
    n_units, T = 10, 4000
    W = np.linalg.qr(rng.normal(size=(n_units, n_units)))[0] * 0.9
    w_in = rng.normal(size=n_units)
    u = rng.uniform(-1, 1, T)
    states = np.zeros((T, n_units))
    x = np.zeros(n_units)
    for t in range(T):
        x = W @ x + w_in * u[t]
        states[t] = x
    total, per_delay = memory_capacity(states, u, max_delay=30, washout=100)
    assert per_delay.shape == (30,)
    assert 0.5 * n_units < total <= n_units + 0.2


def test_memory_capacity_default_max_delay_is_twice_the_size():
    u = np.random.default_rng(4).uniform(-1, 1, 500)
    _, per_delay = memory_capacity(delay_line(u, range(4)), u)
    assert per_delay.shape == (8,)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"max_delay": 0}, ValueError, "max_delay"),
        ({"max_delay": 2.5}, TypeError, "max_delay"),
        ({"washout": -1}, ValueError, "washout"),
        ({"alpha": -1.0}, ValueError, "alpha"),
        ({"train_fraction": 1.0}, ValueError, "train_fraction"),
        ({"train_fraction": 0.0}, ValueError, "train_fraction"),
        ({"max_delay": 199}, ValueError, "too few steps"),
        ({"washout": 198}, ValueError, "too few steps"),
    ],
)
def test_memory_capacity_rejects_bad_arguments(kwargs, error, match):
    u = np.random.default_rng(5).uniform(-1, 1, 200)
    with pytest.raises(error, match=match):
        memory_capacity(delay_line(u, range(3)), u, **{"max_delay": 5, **kwargs})


def test_memory_capacity_rejects_bad_inputs():
    u = np.random.default_rng(6).uniform(-1, 1, 100)
    states = delay_line(u, range(3))
    with pytest.raises(ValueError, match="same length"):
        memory_capacity(states, u[:-1], max_delay=5)
    with pytest.raises(ValueError, match="scalar"):
        memory_capacity(states, np.stack([u, u], axis=1), max_delay=5)
    with pytest.raises(ValueError, match="states"):
        memory_capacity(u, u, max_delay=5)
    broken = states.copy()
    broken[3, 1] = np.nan
    with pytest.raises(ValueError, match="states"):
        memory_capacity(broken, u, max_delay=5)
