"""Tests of the attractor (long-term statistics) metrics, cross-checked against dysts 0.95."""

import doctest

import numpy as np
import pytest
from dysts.analysis import gp_dim
from dysts.metrics import GaussianMixture, estimate_kl_divergence

import reservoir.attractor_metrics
from reservoir.attractor_metrics import (
    _log_density_ratio,
    correlation_dimension,
    correlation_dimension_error,
    kl_divergence,
    power_spectrum_hellinger,
)


@pytest.fixture(scope="module")
def rng():
    return np.random.default_rng(0)


def test_docstring_examples():
    assert doctest.testmod(reservoir.attractor_metrics).failed == 0


# ------------------------------------------------------------------ KL divergence


def test_kl_log_ratio_matches_dysts_mixture_on_the_same_samples(rng):
    P = rng.normal(size=(200, 3))
    Q = 1.3 * rng.normal(size=(150, 3)) + 0.2
    samples = P[rng.integers(200, size=50)] + rng.standard_normal((50, 3))
    expected = np.log(GaussianMixture(P, 1.0)(samples) / GaussianMixture(Q, 1.0)(samples))
    np.testing.assert_allclose(_log_density_ratio(samples, P, Q, 1.0), expected, rtol=1e-10, atol=1e-12)


def test_kl_agrees_with_dysts_estimate_statistically(rng):
    # On standardised orbits (what ours does internally) dysts' Monte Carlo estimate and ours
    # target the same number.
    P = rng.normal(size=(100, 2))
    Q = 1.5 * rng.normal(size=(100, 2)) + 0.5
    Q = (Q - P.mean(0)) / P.std(0)
    P = (P - P.mean(0)) / P.std(0)
    state = np.random.get_state()
    np.random.seed(0)
    try:
        reference = [estimate_kl_divergence(P, Q, n_samples=300) for _ in range(12)]
    finally:
        np.random.set_state(state)
    ours = kl_divergence(P, Q, n_samples=20000)
    assert ours == pytest.approx(np.mean(reference), abs=4 * np.std(reference) / np.sqrt(12) + 0.01)


def test_kl_known_values(rng):
    a = rng.normal(size=(400, 3))
    assert kl_divergence(a, a) == pytest.approx(0.0, abs=1e-12)
    # Another sample of the same distribution: close to 0; a shifted one: clearly positive.
    assert abs(kl_divergence(a, rng.normal(size=(400, 3)))) < 0.1
    assert kl_divergence(a, a + 2.0) > 1.0


def test_kl_invariances_and_determinism(rng):
    a, b = rng.normal(size=(300, 2)), 1.2 * rng.normal(size=(200, 2))
    value = kl_divergence(a, b, random_state=3)
    assert kl_divergence(a, b, random_state=3) == value
    # Units do not matter: both orbits are standardised with the truth's statistics.
    scale, shift = np.array([10.0, 0.1]), np.array([5.0, -7.0])
    assert kl_divergence(a * scale + shift, b * scale + shift, random_state=3) == pytest.approx(value)
    # A wider kernel blurs differences.
    assert kl_divergence(a, b, sigma=3.0) < kl_divergence(a, b, sigma=0.5)


def test_kl_of_far_or_diverged_forecast_is_inf(rng):
    a = rng.normal(size=(100, 2))
    # Log-space mixtures do not underflow: a far orbit scores huge but finite.
    assert 1e6 < kl_divergence(a, a + 1e6) < np.inf
    assert kl_divergence(a, a * 1e300) == np.inf  # squared distances overflow
    bad = a.copy()
    bad[50] = np.nan
    assert kl_divergence(a, bad) == np.inf
    with pytest.raises(ValueError, match="y_true contains NaN"):
        kl_divergence(bad, a)
    with pytest.raises(ValueError, match="sigma must be > 0"):
        kl_divergence(a, a, sigma=0.0)
    with pytest.raises(ValueError, match="same number of dimensions"):
        kl_divergence(a, a[:, :1])


# ------------------------------------------------------------------ Hellinger


def test_hellinger_known_values(rng):
    t = np.arange(1000)
    x = np.column_stack([np.sin(2 * np.pi * t / 50), np.cos(2 * np.pi * t / 20)])
    assert power_spectrum_hellinger(x, x) == 0.0
    # A time shift keeps the power spectrum of a periodic orbit.
    assert power_spectrum_hellinger(x, np.roll(x, 7, axis=0)) == pytest.approx(0.0, abs=1e-6)
    # Disjoint spectra (frequency bins 20 and 40 vs 50 and 25) are at the maximal distance.
    y = np.column_stack([np.sin(2 * np.pi * t / 25), np.cos(2 * np.pi * t / 40)])
    assert power_spectrum_hellinger(x, y) == pytest.approx(1.0)
    noise = rng.normal(size=(1000, 2))
    assert 0.0 < power_spectrum_hellinger(x, noise) < 1.0


def test_hellinger_matches_the_definition_on_kept_bins(rng):
    # The metric is the Hellinger distance of the first n_bins one-sided power bins (centred
    # with the truth's mean), renormalised, averaged over dimensions.
    a, b = rng.normal(size=(300, 3)).cumsum(0), rng.normal(size=(300, 3)).cumsum(0)
    mean = a.mean(0)
    expected = []
    for i in range(3):
        p = np.abs(np.fft.rfft(a[:, i] - mean[i]))[:40] ** 2
        q = np.abs(np.fft.rfft(b[:, i] - mean[i]))[:40] ** 2
        p, q = p / p.sum(), q / q.sum()
        expected.append(np.sqrt(1 - np.sum(np.sqrt(p * q))))
    assert power_spectrum_hellinger(a, b, n_bins=40) == pytest.approx(np.mean(expected))
    # Scaling a coordinate does not change its normalised spectrum.
    assert power_spectrum_hellinger(a, (b - mean) * [1, 5, 0.1] + mean, n_bins=40) == pytest.approx(
        np.mean(expected))


def test_hellinger_diverged_and_errors(rng):
    a = rng.normal(size=(200, 2))
    bad = a.copy()
    bad[-1, 0] = np.inf
    assert power_spectrum_hellinger(a, bad) == 1.0
    assert power_spectrum_hellinger(a, a * 1e300) == 1.0  # power overflows
    with pytest.raises(ValueError, match="same shape"):
        power_spectrum_hellinger(a, a[:100])
    with pytest.raises(ValueError, match="n_bins must be >= 1"):
        power_spectrum_hellinger(a, a, n_bins=0)


# ------------------------------------------------------------------ correlation dimension


def test_correlation_dimension_known_values(rng):
    line = np.column_stack([rng.uniform(size=2000), np.zeros(2000)])
    square = rng.uniform(size=(2000, 2))
    gaussian_plane = np.column_stack([rng.normal(size=(2000, 2)), np.zeros(2000)])
    assert correlation_dimension(line) == pytest.approx(1.0, abs=0.05)
    assert correlation_dimension(square) == pytest.approx(2.0, abs=0.15)
    assert correlation_dimension(gaussian_plane) == pytest.approx(2.0, abs=0.1)
    assert correlation_dimension(np.ones((50, 3))) == 0.0  # a fixed point
    # Invariant to rotation, translation and uniform scale.
    rotation = np.linalg.qr(rng.normal(size=(3, 3)))[0]
    assert correlation_dimension(3.0 * gaussian_plane @ rotation + 1.0) == pytest.approx(
        correlation_dimension(gaussian_plane))


def test_correlation_dimension_dysts_method_reproduces_gp_dim(rng):
    for X in (rng.uniform(size=(500, 2)), rng.normal(size=(700, 3))):
        assert correlation_dimension(X, method="dysts") == pytest.approx(gp_dim(X), rel=1e-12)


def test_correlation_dimension_subsamples_large_inputs(rng):
    X = rng.uniform(size=(5000, 2))
    a = correlation_dimension(X, max_points=1000, random_state=1)
    assert a == correlation_dimension(X, max_points=1000, random_state=1)
    assert a == pytest.approx(correlation_dimension(X[:2000]), abs=0.15)


def test_correlation_dimension_error_and_divergence(rng):
    square = rng.uniform(size=(1500, 2))
    assert correlation_dimension_error(square, square) == 0.0
    standardised = (square - square.mean(0)) / square.std(0)
    assert correlation_dimension_error(square, np.zeros((100, 2))) == pytest.approx(
        correlation_dimension(standardised), rel=1e-12)
    bad = square.copy()
    bad[0, 0] = np.nan
    assert np.isnan(correlation_dimension(bad))
    assert correlation_dimension_error(square, bad) == np.inf


def test_correlation_dimension_errors(rng):
    X = rng.normal(size=(100, 2))
    with pytest.raises(ValueError, match="needs at least 10"):
        correlation_dimension(X[:9])
    with pytest.raises(ValueError, match="method must be"):
        correlation_dimension(X, method="box")
    with pytest.raises(ValueError, match="percentiles must satisfy"):
        correlation_dimension(X, percentiles=(50, 5))
    with pytest.raises(ValueError, match="X must have shape"):
        correlation_dimension(np.zeros((4, 5, 2)))
