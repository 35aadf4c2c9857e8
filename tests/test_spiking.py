"""LIF core and spike encoders: analytic firing periods, refractoriness, rheobase, encoders."""

import math

import numpy as np
import pytest

from reservoir.spiking import encode_spikes, lif_coefficients, simulate_lif, trace_update

TAU, THETA = 64.0, 20.0


def analytic_period(current, method, refractory):
    """Steps between spikes under a constant current, from the closed form of the update."""
    decay, gain = (1 - 1 / TAU, 1.0) if method == "euler" else (math.exp(-1 / TAU), TAU * (1 - math.exp(-1 / TAU)))
    n_star = math.ceil(math.log(1 - THETA * (1 - decay) / (gain * current)) / math.log(decay))
    return max(n_star, refractory, 1)


def spike_times(current, method="euler", refractory=2, steps=600):
    spikes, _ = simulate_lif(np.full((steps, 1), current), tau_m=TAU, threshold=THETA,
                             refractory=refractory, method=method)
    return np.flatnonzero(spikes[:, 0])


@pytest.mark.parametrize("method", ["euler", "exact"])
@pytest.mark.parametrize("current", [0.35, 1.0, 2.5, 7.0])
def test_constant_current_fires_with_the_analytic_period(method, current):
    times = spike_times(current, method)
    period = analytic_period(current, method, refractory=2)
    assert len(times) >= 3
    # from rest (v = 0) the first spike takes one period, like every later one
    assert times[0] == period
    assert np.all(np.diff(times) == period)


def test_euler_matches_the_authors_update_by_hand():
    # v <- v - v/64 + I, spike at v >= 20 checked at the start of the next ms
    v, first = 0.0, None
    for t in range(100):
        if v >= THETA:
            first = t
            break
        v = v - v / TAU + 1.0
    assert spike_times(1.0)[0] == first == 24


@pytest.mark.parametrize("refractory", [0, 1, 2, 5, 9])
def test_refractory_period_is_the_minimum_interspike_interval(refractory):
    # A huge current would fire every step: the refractory period alone sets the interval.
    times = spike_times(1000.0, refractory=refractory, steps=200)
    assert np.all(np.diff(times) == max(refractory, 1))
    # moderate current: intervals never shorter than the refractory period
    times = spike_times(4.0, refractory=refractory, steps=400)
    assert np.diff(times).min() >= max(refractory, 1)


def test_membrane_integrates_while_refractory():
    # The authors block only spiking: v keeps integrating, so a neuron whose unconstrained
    # period is shorter than the refractory period fires as soon as it ends.
    spikes, v = simulate_lif(np.full((40, 1), 30.0), refractory=6)
    t = np.flatnonzero(spikes[:, 0])
    assert np.all(np.diff(t) == 6)
    assert v[t[0] + 2, 0] > THETA  # above threshold, yet silent during the refractory period


@pytest.mark.parametrize("method", ["euler", "exact"])
def test_no_spikes_at_or_below_rheobase(method):
    rheobase = THETA / TAU  # the same for both updates
    spikes, v = simulate_lif(np.full((20000, 3), [0.5 * rheobase, 0.999 * rheobase, rheobase]), method=method)
    assert not spikes.any()
    assert v.max() < THETA
    assert spike_times(1.01 * rheobase, method, steps=2000).size > 0


def test_lif_coefficients_and_errors():
    assert lif_coefficients(64.0) == (1 - 1 / 64, 1.0)
    decay, gain = lif_coefficients(10.0, dt=0.5, method="exact")
    assert decay == pytest.approx(math.exp(-0.05)) and gain == pytest.approx(10 * (1 - math.exp(-0.05)))
    with pytest.raises(ValueError, match="method"):
        lif_coefficients(64.0, method="rk4")
    with pytest.raises(ValueError, match="tau_m"):
        lif_coefficients(0.5)
    with pytest.raises(ValueError, match="tau_m"):
        lif_coefficients(-1.0, method="exact")
    with pytest.raises(ValueError, match="refractory"):
        simulate_lif(np.ones((3, 1)), refractory=-1)


def test_trace_update_is_the_nalsm_trace():
    m = math.exp(-1 / 10)
    x = trace_update(0.0, 1.0, m, 0.1)
    assert x == pytest.approx(0.1 * m)
    for _ in range(10):
        x = trace_update(x, 0.0, m, 0.1)
    assert x == pytest.approx(0.1 * m * math.exp(-1.0))


def test_bernoulli_encoder_rates_and_clipping():
    X = np.array([[-0.5, 0.0, 0.2, 0.7, 1.5]])
    spikes = encode_spikes(X, n_steps=20000, random_state=0)
    assert set(np.unique(spikes)) <= {0.0, 1.0}
    np.testing.assert_allclose(spikes.mean(axis=0), [0.0, 0.0, 0.2, 0.7, 1.0], atol=0.015)
    # scale and offset map standardised values into [0, 1]
    spikes = encode_spikes(np.array([[-1.0, 1.0]]), n_steps=20000, scale=0.25, offset=0.5, random_state=1)
    np.testing.assert_allclose(spikes.mean(axis=0), [0.25, 0.75], atol=0.015)


def test_poisson_encoder_counts():
    spikes = encode_spikes(np.array([[0.5, 2.0, -1.0]]), n_steps=20000, encoding="poisson", random_state=0)
    np.testing.assert_allclose(spikes.mean(axis=0), [0.5, 2.0, 0.0], atol=0.04)
    np.testing.assert_allclose(spikes.var(axis=0), [0.5, 2.0, 0.0], atol=0.08)  # Poisson: var = mean
    assert spikes[:, 1].max() > 1


def test_encoder_is_deterministic_and_rows_are_presented_in_order():
    X = np.array([[0.1, 0.9], [0.9, 0.1]])
    a = encode_spikes(X, n_steps=3000, random_state=5)
    np.testing.assert_array_equal(a, encode_spikes(X, n_steps=3000, random_state=5))
    assert not np.array_equal(a, encode_spikes(X, n_steps=3000, random_state=6))
    assert a.shape == (6000, 2)
    assert a[:3000, 1].mean() > 0.8 and a[3000:, 1].mean() < 0.2
    with pytest.raises(ValueError, match="encoding"):
        encode_spikes(X, encoding="current")
    with pytest.raises(ValueError, match="n_steps"):
        encode_spikes(X, n_steps=0)
