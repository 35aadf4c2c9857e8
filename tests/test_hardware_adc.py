"""Ramp ADC: ideal design within half an LSB; device errors and calibration as modelled."""

import numpy as np
import pytest

from hardware.adc import RampADC, quantize_uniform


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
@pytest.mark.parametrize("bits", [3, 5, 8])
def test_ideal_ramp_is_half_lsb(activation, bits):
    adc = RampADC(bits=bits, activation=activation).program()
    assert adc.max_error_lsb() == pytest.approx(0.5, abs=1e-9)
    assert len(adc.thresholds_) == 2**bits - 1
    assert np.all(np.diff(adc.thresholds_) > 0)


def test_ramp_span_matches_design_table():
    # crossbar.md section 5.2: 5.8x at 5 bits, 44.6x at 8 bits (tanh).
    assert RampADC(bits=5).ramp_span() == pytest.approx(5.8, abs=0.05)
    assert RampADC(bits=8).ramp_span() == pytest.approx(44.6, abs=0.1)
    assert RampADC(bits=5).program().ideal_thresholds_[-1] == pytest.approx(1.717, abs=1e-3)


def test_linear_and_custom_ramp():
    adc = RampADC(bits=4, activation="identity", x_range=(-2.0, 2.0)).program()
    x = np.linspace(-2, 2, 1001)
    assert np.max(np.abs(adc(x) - x)) <= 0.5 * adc.lsb_ + 1e-12
    cube = RampADC(bits=5, activation=lambda v: v**3, x_range=(-1.0, 1.0)).program()
    assert cube.max_error_lsb() <= 0.5 + 1e-6
    with pytest.raises(ValueError, match="x_range"):
        RampADC(activation="identity").program()
    with pytest.raises(ValueError, match="increasing"):
        RampADC(activation=lambda v: -v, x_range=(0, 1)).program()
    with pytest.raises(ValueError, match="bits"):
        RampADC(bits=0).program()
    with pytest.raises(ValueError, match="activation"):
        RampADC(activation="relu").program()


def test_programming_error_inl_matches_monte_carlo_reference():
    # crossbar.md section 5.4: 5-bit tanh, sigma 1.1 µS, no calibration: mean max |INL| ~0.78 LSB.
    inl = [np.abs(RampADC(bits=5, program_error_std_uS=1.1, random_state=s).program().inl_lsb()).max()
           for s in range(300)]
    assert 0.6 < np.mean(inl) < 1.0


def test_calibration_reduces_error():
    kw = dict(bits=6, program_error_std_uS=1.1)
    raw = [RampADC(**kw, random_state=s).program().max_error_lsb() for s in range(100)]
    cal = [RampADC(**kw, calib_cells=5, random_state=s).program().max_error_lsb() for s in range(100)]
    assert np.mean(cal) < np.mean(raw)
    assert min(raw) >= 0.5 - 1e-9


def test_wide_ramps_use_parallel_devices():
    assert RampADC(bits=5).program().n_ramp_devices_ == 30  # span 5.8x fits in the 10x window
    assert RampADC(bits=8).program().n_ramp_devices_ > 254


def test_quantize_uniform():
    x = np.linspace(-1, 1, 101)
    q = np.asarray(quantize_uniform(x, 4, 1.0))
    assert len(np.unique(q)) == 15
    assert np.max(np.abs(q - x)) <= 1 / 7 / 2 + 1e-12
    assert quantize_uniform(x, 0, 1.0) is x
