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
    y0 = Crossbar(device=dev, **IDEAL).program(W) @ x
    y = Crossbar(device=dev, t_inference_s=3600.0, **IDEAL).program(W) @ x
    np.testing.assert_allclose(y, y0 * 3600.0 ** -0.05, rtol=1e-10)


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
