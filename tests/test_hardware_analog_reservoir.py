"""AnalogReservoir: exact with ideal hardware, deterministic, quantised by the ADC, usable by estimators."""

import numpy as np
import pytest

import warnings

from hardware import AnalogReservoir, Crossbar, MappingWarning, RampADC
from hardware.devices import preset
from reservoir import ESN, ReservoirForecaster
from reservoir.ei import EIReservoir
from reservoir.onion import OnionESN

IDEAL = Crossbar(device="ideal", dac_bits=0, adc_bits=0, tile_rows=64, tile_cols=48)
U = np.random.default_rng(0).standard_normal((40, 2))


@pytest.mark.parametrize("make", [
    lambda: ESN(n_units=80, leak_rate=0.7, random_state=0),
    lambda: OnionESN(block_sizes=(20, 20, 20), radii=(0.3, 0.6, 0.9), random_state=0),
    lambda: EIReservoir(n_units=60, random_state=0),
])
@pytest.mark.parametrize("bias", [dict(), dict(bias="digital"), dict(bias_rows=3)])
def test_ideal_hardware_reproduces_the_float_reservoir(make, bias):
    res = make()
    analog = AnalogReservoir(res, crossbar=IDEAL, random_state=0, **bias)
    np.testing.assert_allclose(analog.fit_transform(U), res.fit_transform(U), rtol=0, atol=1e-12)
    assert analog.mapping_report_["relative_error"] < 1e-12
    assert analog.mapping_report_["warnings"] == []


def test_linear_form_hook_does_not_change_esn():
    esn = ESN(n_units=30, random_state=1)
    before = esn.fit_transform(U)
    esn.linear_form(esn.params_)
    np.testing.assert_array_equal(esn.transform(U), before)


def test_ramp_adc_quantises_states_and_run_is_deterministic():
    esn = ESN(n_units=50, random_state=0)
    adc = RampADC(bits=4)
    levels = RampADC(bits=4).program().levels_
    single = AnalogReservoir(esn, activation_adc=adc, n_reads=1, random_state=3).fit_transform(U)
    assert np.all(np.min(np.abs(single[..., None] - levels), axis=-1) < 1e-12)
    # The default averages 4 conversions: 4 x state is a sum of 4 levels (leak rate 1).
    states = AnalogReservoir(esn, activation_adc=adc, random_state=3).fit_transform(U)
    steps = (4 * states - 4 * levels[0]) / (levels[1] - levels[0])
    assert np.allclose(steps, np.round(steps), atol=1e-9) and np.any(np.round(steps) % 4 != 0)
    again = AnalogReservoir(esn, activation_adc=adc, random_state=3).fit_transform(U)
    np.testing.assert_array_equal(states, again)
    other = AnalogReservoir(esn, activation_adc=adc, random_state=4).fit_transform(U)
    assert np.any(states != other)


def test_read_noise_changes_outputs_by_a_small_amount():
    esn = ESN(n_units=50, random_state=0)
    clean = AnalogReservoir(esn, crossbar=IDEAL, random_state=0).fit_transform(U)
    noisy_xbar = Crossbar(device=preset("ideal").with_(read_noise_rel=0.01), dac_bits=0, adc_bits=0)
    noisy = AnalogReservoir(esn, crossbar=noisy_xbar, random_state=0).fit_transform(U)
    diff = np.abs(noisy - clean)
    assert 1e-5 < diff.mean() < 0.05


def test_works_inside_forecaster():
    t = np.linspace(0, 30, 600)
    series = np.stack([np.sin(t), np.cos(0.5 * t)], axis=1)
    res = AnalogReservoir(ESN(n_units=60, random_state=0), activation_adc=RampADC(bits=6), random_state=0)
    model = ReservoirForecaster(res, washout=50).fit(series)
    out = model.forecast(20, on_divergence="ignore")
    assert out.shape == (20, 2) and np.all(np.isfinite(out))
    assert np.abs(out[0] - [np.sin(30 + 0.05), np.cos(15.025)]).max() < 0.3


def test_bad_arguments():
    with pytest.raises(TypeError, match="linear_form"):
        AnalogReservoir(object()).initialize(1)
    with pytest.raises(ValueError, match="activation_adc"):
        AnalogReservoir(ESN(n_units=10), activation_adc=RampADC(activation="sigmoid")).initialize(1)
    with pytest.raises(TypeError, match="crossbar"):
        AnalogReservoir(ESN(n_units=10), crossbar="reram").initialize(1)
    with pytest.raises(ValueError, match="input_range"):
        AnalogReservoir(ESN(n_units=10), input_range=0).initialize(1)


@pytest.mark.parametrize("chip", [0, 1, 2])
def test_sparse_esn_keeps_its_spectral_radius_on_the_default_device(chip):
    # The bar of issue 16: N = 300, in-degree 10, spectral radius 0.9, default device, ideal
    # converters: the programmed matrix within 10 % (the dense layout gave 1.7).
    esn = ESN(n_units=300, spectral_radius=0.9, in_degree=10, random_state=0)
    res = AnalogReservoir(esn, crossbar=Crossbar(dac_bits=0, adc_bits=0), random_state=chip)
    res.initialize(3)
    report = res.mapping_report_
    assert report["spectral_radius"] == pytest.approx(0.9, rel=1e-9)
    assert abs(report["spectral_radius_effective"] / 0.9 - 1) < 0.1
    assert report["relative_error"] < 0.3 and report["warnings"] == []
    assert report["stuck_cells"] > 0 and report["compensated_pairs"] > 0
    assert report["unformed_cells"] > 0.9 * 2 * 300 * 300
    assert report["programming_energy_J"] > 0
    if chip == 0:
        # The dense layout of earlier versions, for contrast.
        dense = Crossbar(dac_bits=0, adc_bits=0, zero_weights="programmed", scaling="tile", compensate_stuck=False)
        res = AnalogReservoir(esn, crossbar=dense, random_state=chip)
        res.initialize(3)
        assert res.mapping_report_["spectral_radius_effective"] > 1.3
        assert len(res.mapping_report_["warnings"]) == 2


def test_fit_warns_on_a_bad_mapping_and_reports_adc_range():
    esn = ESN(n_units=100, random_state=0)
    dense = Crossbar(zero_weights="programmed", scaling="tile", compensate_stuck=False)
    with pytest.warns(MappingWarning) as record:
        AnalogReservoir(esn, crossbar=dense, activation_adc=RampADC(bits=5), random_state=0).fit(U)
    messages = " ".join(str(r.message) for r in record)
    assert "spectral radius" in messages and "relative Frobenius error" in messages
    res = AnalogReservoir(esn, activation_adc=RampADC(bits=5), random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", MappingWarning)
        res.fit(U)
    outside = res.mapping_report_["fraction_outside_adc"]
    assert 0 <= outside < 0.5
    # Inputs four times larger push more pre-activations beyond the ramp's last threshold.
    big = AnalogReservoir(esn, activation_adc=RampADC(bits=5), input_range=0.25, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MappingWarning)
        big.fit(U)
    assert big.mapping_report_["fraction_outside_adc"] > outside


def test_read_noise_is_fresh_on_every_run_and_reproducible():
    esn = ESN(n_units=50, random_state=0)
    noisy = Crossbar(device=preset("ideal").with_(read_noise_rel=0.01), dac_bits=0, adc_bits=0)
    res = AnalogReservoir(esn, crossbar=noisy, random_state=0).fit(U)
    first, second = res.transform(U), res.transform(U)
    assert np.any(first != second)  # no replay of one stored noise sequence
    again = AnalogReservoir(esn, crossbar=noisy, random_state=0).fit(U)
    np.testing.assert_array_equal(again.transform(U), first)


def test_calibrated_linear_adc_is_closer_to_float():
    esn = ESN(n_units=60, random_state=0)
    ideal = esn.fit_transform(U)
    errors = {}
    for calibrate in (False, True):
        xbar = Crossbar(device="ideal", dac_bits=0, adc_bits=6)
        res = AnalogReservoir(esn, crossbar=xbar, calibrate=calibrate, random_state=0).fit(U)
        errors[calibrate] = np.abs(res.transform(U) - ideal).mean()
        assert ("xbar_dac_fs" in res.params_) == calibrate
    assert errors[True] < 0.5 * errors[False]


def test_new_arguments_validated():
    with pytest.raises(ValueError, match="bias"):
        AnalogReservoir(ESN(n_units=10), bias="analog").initialize(1)
    with pytest.raises(ValueError, match="bias_rows"):
        AnalogReservoir(ESN(n_units=10), bias_rows=0).initialize(1)
    with pytest.raises(TypeError, match="calibrate"):
        AnalogReservoir(ESN(n_units=10), calibrate="yes").initialize(1)


def test_analog_classifier_within_three_points_of_software():
    from sklearn.datasets import load_digits
    from sklearn.linear_model import RidgeClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = load_digits(return_X_y=True)
    seqs = list((X[:1000] / 16.0).reshape(-1, 8, 8))  # a digit is read row by row
    y = y[:1000]
    esn = ESN(n_units=100, random_state=0)
    # 8-bit activations: at 5 bits the quantised tanh alone (ideal devices) costs this linear
    # readout about 7 points (benchmarks/hardware_mapping.py, section classify).
    adc = RampADC(bits=8, program_error_std_uS=1.1, calib_cells=5)

    def score(res):
        # Mean state over the digit's rows, then a linear classifier.
        features = np.stack([f.mean(axis=0) for f in res.fit_transform(seqs)])
        clf = make_pipeline(StandardScaler(), RidgeClassifier(1.0))
        return clf.fit(features[:700], y[:700]).score(features[700:], y[700:])

    software = score(esn)
    assert software > 0.9
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MappingWarning)
        analog = score(AnalogReservoir(esn, activation_adc=adc, random_state=0))
    assert software - 0.03 <= analog <= software + 0.01


def test_sequences_of_one_batch_draw_their_own_read_noise():
    from reservoir.runner import run

    esn = ESN(n_units=40, random_state=0)
    noisy = Crossbar(device=preset("ideal").with_(read_noise_rel=0.01), dac_bits=0, adc_bits=0)
    res = AnalogReservoir(esn, crossbar=noisy, random_state=0)
    params = res.fit(U).params_
    feats, _ = run(res, params, np.stack([U, U, U]))
    assert np.any(feats[0] != feats[1]) and np.any(feats[1] != feats[2])
    # A batch draws what as many successive runs would have: the same streams, in order.
    again = AnalogReservoir(esn, crossbar=noisy, random_state=0)
    params = again.fit(U).params_
    for member in feats:
        np.testing.assert_allclose(run(again, params, U)[0], member, rtol=0, atol=1e-12)
    # Without read noise the members agree.
    clean = AnalogReservoir(esn, crossbar=IDEAL, random_state=0)
    feats, _ = run(clean, clean.fit(U).params_, np.stack([U, U]))
    np.testing.assert_array_equal(feats[0], feats[1])


def test_several_reads_average_dithered_conversions():
    esn = ESN(n_units=50, random_state=0)
    ideal = esn.fit_transform(U)
    adc = RampADC(bits=4)
    # Without read noise every read converts to the same level: nothing changes.
    states = [AnalogReservoir(esn, crossbar=IDEAL, activation_adc=adc, n_reads=n, random_state=0).fit_transform(U)
              for n in (1, 3)]
    np.testing.assert_array_equal(states[0], states[1])
    # With read noise comparable to the ADC's step the noise dithers the quantiser: the average
    # of many conversions lies between the levels and closer to the float tanh.
    noisy = Crossbar(device=preset("ideal").with_(read_noise_rel=0.05), dac_bits=0, adc_bits=0)
    errors = {}
    for n in (1, 16):
        out = AnalogReservoir(esn, crossbar=noisy, activation_adc=adc, n_reads=n, random_state=0).fit_transform(U)
        errors[n] = np.abs(out - ideal).mean()
        off_levels = np.min(np.abs(out[..., None] - RampADC(bits=4).program().levels_), axis=-1) > 1e-9
        assert off_levels.any() == (n > 1)
    assert errors[16] < 0.7 * errors[1]
    with pytest.raises(ValueError, match="n_reads"):
        AnalogReservoir(esn, n_reads=0).initialize(1)


def test_save_and_load_a_model_with_a_ramp_adc_and_a_device_object(tmp_path):
    from reservoir import load, save

    t = np.linspace(0, 30, 400)
    series = np.stack([np.sin(t), np.cos(t)], axis=1)
    xbar = Crossbar(device=preset("reram_default").with_(read_noise_rel=0.02), dac_bits=6)
    res = AnalogReservoir(ESN(n_units=30, random_state=0), crossbar=xbar, n_reads=2,
                          activation_adc=RampADC(bits=5, program_error_std_uS=1.1, calib_cells=5), random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MappingWarning)
        model = ReservoirForecaster(res, washout=50).fit(series)
    save(model, tmp_path / "analog")
    loaded = load(tmp_path / "analog")
    assert loaded.reservoir.crossbar.device == xbar.device
    # The loaded chip continues the same sequence of read-noise streams.
    np.testing.assert_array_equal(loaded.forecast(20), model.forecast(20))
