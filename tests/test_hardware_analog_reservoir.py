"""AnalogReservoir: exact with ideal hardware, deterministic, quantised by the ADC, usable by estimators."""

import numpy as np
import pytest

from hardware import AnalogReservoir, Crossbar, RampADC
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
def test_ideal_hardware_reproduces_the_float_reservoir(make):
    res = make()
    analog = AnalogReservoir(res, crossbar=IDEAL, random_state=0)
    np.testing.assert_allclose(analog.fit_transform(U), res.fit_transform(U), rtol=0, atol=1e-12)


def test_linear_form_hook_does_not_change_esn():
    esn = ESN(n_units=30, random_state=1)
    before = esn.fit_transform(U)
    esn.linear_form(esn.params_)
    np.testing.assert_array_equal(esn.transform(U), before)


def test_ramp_adc_quantises_states_and_run_is_deterministic():
    esn = ESN(n_units=50, random_state=0)
    adc = RampADC(bits=4)
    states = AnalogReservoir(esn, activation_adc=adc, random_state=3).fit_transform(U)
    levels = RampADC(bits=4).program().levels_
    assert np.all(np.min(np.abs(states[..., None] - levels), axis=-1) < 1e-12)
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
