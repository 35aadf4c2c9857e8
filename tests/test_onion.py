"""Onion ESN: ring spectra, block structure, hyperparameter errors, estimators, persistence."""

import numpy as np
import pytest
import scipy.linalg as sla
from sklearn.base import clone

from reservoir import OnionESN, ReservoirForecaster, ReservoirRegressor, load, save
from reservoir.onion_plots import plot_onion, ring_readout_share
from reservoir.runner import run
from reservoir.spectra import haar_orthogonal, ring_matrix, single_ring_singular_values

# -- spectra -----------------------------------------------------------------------------------


@pytest.mark.parametrize("r_in, r_out", [(0.0, 0.25), (0.25, 0.5), (0.75, 1.0), (1.0, 1.25)])
def test_single_ring_spectrum_lands_in_the_requested_ring(r_in, r_out):
    # Soft edges: for n = 400 the bulk lies inside and only a few eigenvalues stray past
    # the edges, by a little (the Single Ring / circular law limit is approached as n grows).
    moduli = np.abs(np.linalg.eigvals(ring_matrix(400, r_in, r_out, random_state=1)))
    inside = (moduli >= r_in - 0.03) & (moduli <= r_out + 0.03)
    assert inside.mean() > 0.97
    assert moduli.max() < r_out + 0.08 and moduli.min() > r_in - 0.08
    # the ring is filled, not just reached: uniform in area puts half the eigenvalues
    # beyond the radius that splits the ring's area in two
    median_radius = np.sqrt((r_in**2 + r_out**2) / 2)
    assert abs(np.mean(moduli > median_radius) - 0.5) < 0.1


def test_rotation_method_places_every_eigenvalue_inside_the_ring():
    for n in (51, 200):
        moduli = np.abs(np.linalg.eigvals(ring_matrix(n, 0.4, 0.7, random_state=0, method="rotation")))
        assert np.all((moduli >= 0.4 - 1e-9) & (moduli <= 0.7 + 1e-9))


def test_single_ring_moments_and_haar_orthogonality():
    s1, s2 = single_ring_singular_values(0.3, 0.9)
    assert 0 < s1 < s2
    assert np.isclose(1 / np.sqrt(1 / (s1 * s2)), 0.3)
    assert np.isclose(np.sqrt((s1**2 + s1 * s2 + s2**2) / 3), 0.9)
    Q = haar_orthogonal(30, np.random.default_rng(0))
    np.testing.assert_allclose(Q.T @ Q, np.eye(30), atol=1e-12)


@pytest.mark.parametrize("kwargs, match", [
    (dict(n=10, r_in=0.5, r_out=0.5), "r_out must be greater than r_in"),
    (dict(n=10, r_in=-0.1, r_out=0.5), "r_in must be >= 0"),
    (dict(n=0, r_in=0.1, r_out=0.5), "n must be >= 1"),
    (dict(n=10, r_in=0.1, r_out=0.5, method="exact"), "method must be one of"),
])
def test_ring_matrix_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ring_matrix(**kwargs)


# -- the reservoir -----------------------------------------------------------------------------


def test_blocks_fill_their_rings_and_do_not_interact():
    onion = OnionESN(block_sizes=(300, 300, 300), radii=(0.3, 0.6, 0.9), random_state=0)
    params = onion.initialize(2)
    for W, (r_in, r_out) in zip(onion.block_matrices(params), onion.ring_edges()):
        moduli = np.abs(np.linalg.eigvals(W))
        assert np.mean((moduli >= r_in - 0.03) & (moduli <= r_out + 0.03)) > 0.97
    # One step equals a plain dense block-diagonal ESN step: no connections between blocks.
    W = sla.block_diag(*onion.block_matrices(params))
    x = np.random.default_rng(1).uniform(-0.5, 0.5, 900)
    u = np.array([0.3, -1.2])
    expected = np.tanh(W @ x + params["W_in"] @ u + params["bias"])
    np.testing.assert_allclose(np.asarray(onion.step(params, x, u)), expected, atol=1e-12)


def test_unequal_blocks_per_block_leak_and_routing():
    onion = OnionESN(block_sizes=(7, 20, 13), radii=(0.4, 0.8, 1.0), leak_rate=(1.0, 0.5, 0.2),
                     input_scaling=(0.1, 0.2, 0.3), input_routing="per_block", random_state=3)
    params = onion.initialize(3)
    assert params["W_blocks"].shape == (3, 20, 20)
    np.testing.assert_array_equal(params["leak_rate"], np.repeat([1.0, 0.5, 0.2], [7, 20, 13]))
    W_in = params["W_in"]
    # block g sees input g only, with its own scaling
    block = params["block"]
    for g, scale in enumerate((0.1, 0.2, 0.3)):
        rows = W_in[block == g]
        assert np.all(rows[:, np.arange(3) != g] == 0)
        assert 0 < np.abs(rows[:, g]).max() <= scale
    # the padded product equals the dense block-diagonal one, with leaks per block
    W = sla.block_diag(*onion.block_matrices(params))
    U = np.random.default_rng(0).standard_normal((30, 3))
    x, states = np.zeros(40), []
    for u in U:
        x = (1 - params["leak_rate"]) * x + params["leak_rate"] * np.tanh(W @ x + W_in @ u + params["bias"])
        states.append(x)
    np.testing.assert_allclose(run(onion, params, U)[0], np.array(states), atol=1e-12)


def test_default_sizes_and_determinism():
    onion = OnionESN(n_units=10, radii=(0.5, 0.7, 0.9), random_state=5)
    assert onion.sizes() == [4, 3, 3]
    assert OnionESN().sizes() == [125] * 4
    assert OnionESN(block_sizes=(10, 30), radii=(0.5, 1.0)).sizes() == [10, 30]
    a, b = onion.initialize(2), clone(onion).initialize(2)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    assert onion.static_config() == OnionESN(leak_rate=0.3, radii=(0.1, 0.2)).static_config()


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(radii=(0.5, 0.25, 1.0)), ValueError, "radii must be strictly increasing"),
    (dict(radii=(0.5, 0.5)), ValueError, "radii must be strictly increasing"),
    (dict(radii=(0.3, 0.6), inner_radius=0.4), ValueError, "greater than inner_radius"),
    (dict(radii=()), ValueError, "at least one radius"),
    (dict(radii=0.5), TypeError, "radii must be a 1-D sequence"),
    (dict(block_sizes=(100, 100, 100, 100), n_units=500), ValueError, "add up to 400, not to n_units=500"),
    (dict(block_sizes=(100, 100)), ValueError, "block_sizes has 2 entries but radii defines 4 blocks"),
    (dict(block_sizes=(100, 0, 100, 100)), ValueError, "block_sizes must be >= 1"),
    (dict(leak_rate=1.5), ValueError, "leak_rate must be <= 1"),
    (dict(leak_rate=(1.0, 0.5)), ValueError, "leak_rate must be a number or have one entry per block"),
    (dict(leak_rate=(1.0, 0.5, -0.1, 1.0)), ValueError, "leak_rate must be > 0"),
    (dict(input_scaling=0.0), ValueError, "input_scaling must be > 0"),
    (dict(input_routing="some"), ValueError, "input_routing must be one of"),
    (dict(input_routing="per_block"), ValueError, "needs one input per block"),
    (dict(input_routing=np.ones((4, 2), dtype=bool)), ValueError, "shape \\(n_blocks, n_inputs\\)"),
    (dict(input_routing=np.eye(4, 1, dtype=bool)), ValueError, "leaves a block without input"),
    (dict(method="exact"), ValueError, "method must be one of"),
    (dict(n_units=3), ValueError, "at least the number of blocks"),
    (dict(activation="cube"), ValueError, "activation must be one of"),
])
def test_bad_hyperparameters_raise_clear_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        OnionESN(**kwargs).initialize(1)


# -- with the estimators -----------------------------------------------------------------------


def _multiscale(n):
    t = np.arange(n)
    return (np.sin(2 * np.pi * t / 97) + 0.5 * np.sin(2 * np.pi * t / 9.3))[:, None]


def test_regressor_and_forecaster_with_save_load_round_trip(tmp_path):
    series = _multiscale(1600)
    onion = OnionESN(n_units=120, radii=(0.5, 0.8, 1.0), random_state=0)
    reg = ReservoirRegressor(onion, washout=50).fit(series[:-5], series[5:, 0])
    # five steps ahead, scored after the washout (the states start from zero)
    pred = reg.predict(series[:-5])
    assert np.corrcoef(pred[100:], series[105:, 0])[0, 1] ** 2 > 0.99
    fc = ReservoirForecaster(onion).fit(series[:1400])
    forecast = fc.forecast(100)
    assert np.sqrt(np.mean((forecast - series[1400:1500]) ** 2)) < 0.1
    for model, check in ((reg, lambda m: m.predict(series[:300])), (fc, lambda m: m.forecast(50))):
        path = tmp_path / "model.npz"
        save(model, path)
        loaded = load(path)
        assert isinstance(loaded.reservoir_, OnionESN)
        np.testing.assert_array_equal(check(loaded), check(model))


def test_ring_readout_share_and_plot(tmp_path):
    series = _multiscale(1200)
    fc = ReservoirForecaster(OnionESN(n_units=90, radii=(0.3, 0.6, 0.95), random_state=0)).fit(series)
    share = ring_readout_share(fc)
    weighted = ring_readout_share(fc, series)
    for s in (share, weighted):
        assert s.shape == (3,) and np.all(s >= 0) and np.isclose(s.sum(), 1.0)
    fig = plot_onion(fc, X=series, path=tmp_path / "rings.png")
    assert len(fig.axes) == 2 and (tmp_path / "rings.png").stat().st_size > 0
    onion = OnionESN(n_units=40, radii=(0.5, 1.0), random_state=0)
    assert len(plot_onion(onion, onion.initialize(1)).axes) == 1
    with pytest.raises(ValueError, match="params are needed"):
        plot_onion(onion)
    from reservoir import ESN

    with pytest.raises(TypeError, match="expected an OnionESN"):
        ring_readout_share(ReservoirForecaster(ESN(n_units=20)).fit(series[:300]))
