"""Crossbar and device model: exact when ideal; each non-ideality moves results as its model says."""

import jax
import numpy as np
import pytest

from hardware.crossbar import Crossbar
from hardware.devices import ReRAMDevice, preset, preset_names

IDEAL = dict(dac_bits=0, adc_bits=0)


def _data(n_out=70, n_in=90, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n_out, n_in)), rng.standard_normal(n_in)


@pytest.mark.parametrize("tiles", [(256, 256), (32, 16), (7, 5)])
def test_ideal_crossbar_equals_float_product(tiles):
    W, x = _data()
    xb = Crossbar(device="ideal", tile_rows=tiles[0], tile_cols=tiles[1], **IDEAL).program(W)
    np.testing.assert_allclose(xb @ x, W @ x, rtol=0, atol=1e-12)
    np.testing.assert_allclose(xb.effective_weights(), W, rtol=0, atol=1e-12)


def test_presets_cite_sources_and_validate():
    for name in preset_names():
        assert preset(name).source
    with pytest.raises(ValueError, match="g_max_uS"):
        ReRAMDevice(g_min_uS=50.0, g_max_uS=40.0)
    with pytest.raises(ValueError, match="n_levels"):
        ReRAMDevice(n_levels=1)
    with pytest.raises(TypeError, match="read_noise_rel"):
        ReRAMDevice(read_noise_rel="1%")
    with pytest.raises(ValueError, match="device"):
        Crossbar(device="nope").program(np.eye(2))
    with pytest.raises(ValueError, match="tile_rows"):
        Crossbar(tile_rows=0).program(np.eye(2))


def test_read_noise_std_matches_prediction():
    W, x = _data(40, 60)
    dev = preset("ideal").with_(read_noise_rel=0.02)
    xb = Crossbar(device=dev, **IDEAL).program(W)
    arrays = xb.arrays_
    keys = jax.random.split(jax.random.PRNGKey(0), 1500)
    read = jax.jit(jax.vmap(lambda k: xb.matvec_arrays(arrays, x, k, shape=W.shape)))
    ys = np.asarray(read(keys))
    # Predicted: sigma_y^2 = s^2 sum_j (g+^2 + g-^2) V_j^2, in weight units.
    x_range = np.abs(x).max()
    volts = x * xb.v_read_V / x_range
    g_sq = (arrays["g_pos_uS"] ** 2 + arrays["g_neg_uS"] ** 2)[0, 0]
    scale = arrays["w_per_uS"][0, 0] * x_range / xb.v_read_V
    predicted = 0.02 * np.sqrt(g_sq @ volts**2) * scale
    np.testing.assert_allclose(ys.mean(axis=0), W @ x, atol=5 * predicted.max() / np.sqrt(1500))
    np.testing.assert_allclose(ys.std(axis=0), predicted, rtol=0.1)


def test_programming_error_std_matches_prediction():
    W = np.random.default_rng(1).standard_normal((2000, 50))
    sigma = 0.8
    dev = preset("ideal").with_(program_error_std_uS=sigma)
    xb = Crossbar(device=dev, **IDEAL, random_state=0).program(W)
    error = xb.effective_weights() - W
    # Two independent devices per weight, each with sigma (µS), times the tile's w per µS.
    predicted = np.sqrt(2) * sigma * xb.arrays_["w_per_uS"][0, 0]
    assert abs(error.std() / predicted - 1) < 0.03
    assert abs(error.mean()) < 3 * predicted / np.sqrt(error.size)


def test_levels_quantisation_error_bounded_by_half_level():
    W, x = _data()
    dev = preset("ideal").with_(n_levels=16)
    xb = Crossbar(device=dev, **IDEAL).program(W)
    half_step = np.abs(W).max() / 15 / 2
    error = np.abs(xb.effective_weights() - W)
    assert error.max() <= half_step + 1e-12
    assert error.max() > 0.5 * half_step  # quantisation is really applied


def test_dac_and_adc_quantisation_bounds():
    W, x = _data()
    xb = Crossbar(device="ideal", dac_bits=6, adc_bits=0).program(W)
    step = np.abs(x).max() / 31
    xq = np.round(x / step) * step
    np.testing.assert_allclose(xb @ x, W @ xq, atol=1e-12)
    xb = Crossbar(device="ideal", dac_bits=0, adc_bits=8).program(W)
    full_scale = np.abs(W).sum(axis=1) * np.abs(x).max()
    error = np.abs(xb @ x - W @ x)
    assert np.all(error <= full_scale / 127 / 2 + 1e-12)


def test_drift_scales_outputs_by_power_law():
    W, x = _data()
    dev = preset("ideal").with_(drift_nu=0.05, g_min_uS=0.0)
    y0 = Crossbar(device=dev, drift_compensation=False, **IDEAL).program(W) @ x
    y = Crossbar(device=dev, t_inference_s=3600.0, drift_compensation=False, **IDEAL).program(W) @ x
    np.testing.assert_allclose(y, y0 * 3600.0 ** -0.05, rtol=1e-10)
    # A drift common to all devices is undone exactly by the global compensation.
    y = Crossbar(device=dev, t_inference_s=3600.0, **IDEAL).program(W) @ x
    np.testing.assert_allclose(y, y0, rtol=1e-10)


def test_drift_exponent_spread_is_what_compensation_leaves():
    W = _sparse(80, 120, density=0.2, seed=4)
    dev = preset("ideal").with_(drift_nu=0.05, drift_nu_std=0.02)
    errors = {}
    for comp in (False, True):
        for t in (1.0, 3600.0, 3.15e7):
            xb = Crossbar(device=dev, t_inference_s=t, drift_compensation=comp, **IDEAL, random_state=0).program(W)
            errors[comp, t] = np.linalg.norm(xb.effective_weights() - W) / np.linalg.norm(W)
    assert errors[False, 1.0] == errors[True, 1.0] < 1e-12  # exact at t0
    assert errors[False, 3600.0] < errors[False, 3.15e7]
    # Without compensation the mean decay dominates: (3.15e7) ** -0.05 = 0.42, error ~ 0.58.
    assert errors[False, 3.15e7] == pytest.approx(1 - 3.15e7 ** -0.05, abs=0.1)
    # With it, only the spread of exponents is left: smaller, but growing with time (a spread
    # of 0.02 in nu is a spread of exp(0.02 ln t) in conductance, ~35 % after a year).
    assert 0.01 < errors[True, 3600.0] < errors[True, 3.15e7] < errors[False, 3.15e7]
    assert errors[True, 3600.0] < 0.8 * errors[False, 3600.0]
    with pytest.raises(ValueError, match="t_s"):
        dev.drift(np.ones(2), -1.0)


def test_stuck_devices_fraction_and_values():
    W = np.random.default_rng(2).standard_normal((200, 200))
    dev = preset("ideal").with_(stuck_low_prob=0.05, stuck_high_prob=0.02)
    g = Crossbar(device=dev, **IDEAL, compensate_stuck=False, random_state=0).map_weights(W)["g_pos_uS"]
    high = np.mean(g == dev.g_max_uS)
    low = np.mean(g == dev.g_min_uS)
    assert abs(high - 0.02) < 0.006
    # Low includes the cells that were meant to be at g_min (negative weights: about half).
    assert abs(low - (0.05 + 0.93 * np.mean(W <= 0))) < 0.02


def test_ir_drop_single_cell_is_exact_and_drop_grows_with_resistance():
    xb = Crossbar(device="ideal", r_wire_ohm=1000.0, **IDEAL).program(np.array([[1.0]]))
    # One cell per array: one row and one column segment (2 kΩ) in series with each device of
    # the pair (40 µS for +1, 4 µS = g_min on the negative side).
    expected = (40.0 / (1 + 40e-6 * 2000.0) - 4.0 / (1 + 4e-6 * 2000.0)) / 36.0
    np.testing.assert_allclose(xb @ np.array([1.0]), expected, rtol=1e-12)
    W, x = _data()
    errors = [np.abs(Crossbar(device="ideal", r_wire_ohm=r, **IDEAL).program(W) @ x - W @ x).mean()
              for r in (0.0, 1.0, 5.0)]
    assert errors[0] < 1e-12 < errors[1] < errors[2]


def test_determinism_and_d2d_spread():
    W, x = _data()
    dev = preset("reram_default").with_(d2d_rel=0.05)
    a = Crossbar(device=dev, random_state=3).program(W) @ x
    b = Crossbar(device=dev, random_state=3).program(W) @ x
    np.testing.assert_array_equal(a, b)
    g = preset("ideal").with_(d2d_rel=0.1).program(np.full(20000, 20.0), random_state=0)
    assert abs(g.std() / 20.0 - 0.1) < 0.005


def test_bad_input_shape():
    W, x = _data()
    xb = Crossbar().program(W)
    with pytest.raises(ValueError, match="x must have shape"):
        xb @ np.ones(3)


def _sparse(n_out=60, n_in=80, density=0.1, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n_out, n_in)) * (rng.random((n_out, n_in)) < density)


def test_zero_weights_are_unformed_cells_by_default():
    W = _sparse()
    dev = preset("ideal").with_(program_error_std_uS=1.0, stuck_low_prob=0.01, stuck_high_prob=0.01)
    xb = Crossbar(device=dev, **IDEAL, random_state=0).program(W)
    zeros = W == 0
    # No current, no programming error, no forming faults on the zeros.
    assert np.all(xb.effective_weights()[zeros] == 0)
    assert np.all(xb.arrays_["g_pos_uS"][0, 0][zeros] == 0) and np.all(xb.arrays_["g_neg_uS"][0, 0][zeros] == 0)
    stats = xb.mapping_stats_
    assert stats["formed_cells"] == 2 * np.count_nonzero(W)
    assert stats["unformed_cells"] == 2 * zeros.sum()
    dense = Crossbar(device=dev, zero_weights="programmed", **IDEAL, random_state=0).program(W)
    assert np.abs(dense.effective_weights()[zeros]).mean() > 0.01 * np.abs(W).max()
    assert dense.mapping_stats_["unformed_cells"] == 0


def test_stuck_cells_compensated_by_pair_partner():
    W = np.random.default_rng(3).uniform(-1, 1, (200, 100))
    dev = preset("ideal").with_(stuck_low_prob=0.03, stuck_high_prob=0.03)
    raw = Crossbar(device=dev, compensate_stuck=False, **IDEAL, random_state=0).program(W)
    fixed = Crossbar(device=dev, **IDEAL, random_state=0).program(W)
    # A positive weight whose positive device is stuck high: the partner is reprogrammed to
    # g_max - target difference, which the window always allows, so the weight is restored
    # exactly unless the partner is stuck too (probability 0.06).
    stuck_high = (raw.arrays_["g_pos_uS"][0, 0] == dev.g_max_uS) & (W > 0) & (W < 1)
    assert stuck_high.sum() > 50
    err_raw = np.abs(raw.effective_weights() - W)
    err_fixed = np.abs(fixed.effective_weights() - W)
    assert np.mean(err_fixed[stuck_high] < 1e-12) > 0.9
    assert np.mean(err_raw[stuck_high] < 1e-12) < 0.05
    assert err_fixed.sum() < 0.6 * err_raw.sum()
    stats = fixed.mapping_stats_
    assert stats["compensated_pairs"] > 0
    assert stats["programming_ops"] == stats["formed_cells"] + stats["compensated_pairs"]
    assert raw.mapping_stats_["verify_reads"] == 0


def test_block_scaling_gives_each_block_the_window():
    rng = np.random.default_rng(0)
    W = np.hstack([0.01 * rng.standard_normal((40, 30)), 10 * rng.standard_normal((40, 5))])
    exact = Crossbar(device="ideal", tile_rows=16, tile_cols=16, **IDEAL).program(W, blocks=(30, 5))
    np.testing.assert_allclose(exact.effective_weights(), W, rtol=0, atol=1e-12)
    x = rng.standard_normal(35)
    np.testing.assert_allclose(exact @ x, W @ x, rtol=0, atol=1e-12)
    dev = preset("ideal").with_(n_levels=16)
    block = Crossbar(device=dev, **IDEAL).program(W, blocks=(30, 5)).effective_weights()
    single = Crossbar(device=dev, **IDEAL).program(W).effective_weights()
    # Quantisation error of the small block: half a level of its own scale, not of the largest.
    half_step = np.abs(W[:, :30]).max() / 15 / 2
    assert np.abs(block[:, :30] - W[:, :30]).max() <= half_step + 1e-15
    assert np.abs(single[:, :30] - W[:, :30]).max() > 10 * half_step
    with pytest.raises(ValueError, match="blocks"):
        Crossbar().program(W, blocks=(30, 4))


def test_clipping_and_column_gain():
    W = _sparse(50, 200, density=0.2, seed=1)
    sigma = np.sqrt(np.mean(W[W != 0] ** 2))
    xb = Crossbar(device="ideal", clip_sigma=2.0, **IDEAL).program(W)
    eff = xb.effective_weights()
    big = np.abs(W) > 2.0 * sigma
    assert xb.mapping_stats_["clipped_weights"] == big.sum() > 0
    np.testing.assert_allclose(np.abs(eff[big]), 2.0 * sigma, rtol=1e-12)
    np.testing.assert_allclose(eff[~big], W[~big], rtol=0, atol=1e-12)
    xg = Crossbar(device="ideal", column_gain=True, **IDEAL).program(W)
    np.testing.assert_allclose(xg.effective_weights(), W, rtol=0, atol=1e-12)
    # Every output's largest weight sits at g_max.
    g = np.maximum(xg.arrays_["g_pos_uS"][0, 0], xg.arrays_["g_neg_uS"][0, 0])
    np.testing.assert_allclose(g.max(axis=1), preset("ideal").g_max_uS)
    with pytest.raises(ValueError, match="column_gain"):
        Crossbar(column_gain=True, scaling="tile").program(W)


def test_calibrated_converter_ranges():
    rng = np.random.default_rng(0)
    W = rng.standard_normal((30, 100))
    X = 0.5 * rng.standard_normal((400, 100))
    worst = Crossbar(device="ideal", dac_bits=0, adc_bits=6).program(W)
    cal = Crossbar(device="ideal", dac_bits=0, adc_bits=6).program(W).calibrate(X)
    y = W @ X.T
    full_scale = np.abs(y).max(axis=1)
    np.testing.assert_allclose(cal.arrays_["adc_fs"][0, 0] * cal.arrays_["dac_fs"], full_scale, rtol=1e-12)
    assert float(cal.arrays_["dac_fs"]) == pytest.approx(np.abs(X).max())
    err_cal = np.array([np.abs(cal @ x - W @ x) for x in X[:50]])
    err_worst = np.array([np.abs(worst @ x - W @ x) for x in X[:50]])
    assert np.all(err_cal <= full_scale / 31 / 2 + 1e-12)
    # The worst case sum |W| range wastes bits: several times the calibrated error.
    assert err_worst.mean() > 3 * err_cal.mean()
    with pytest.raises(ValueError, match="X must"):
        cal.calibrate(np.ones((3, 7)))
    with pytest.raises(ValueError, match="percentile"):
        cal.calibrate(X, percentile=0)


def test_new_options_validated():
    for kw, match in ((dict(zero_weights="dense"), "zero_weights"), (dict(scaling="row"), "scaling"),
                      (dict(clip_sigma=-1.0), "clip_sigma"), (dict(ir_drop="spice"), "ir_drop")):
        with pytest.raises(ValueError, match=match):
            Crossbar(**kw).program(np.eye(2))
