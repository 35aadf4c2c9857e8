"""Energy model: every constant cited; costs scale as the component counts say."""

import pytest

from hardware.energy import CONSTANTS, analog_step, const, digital_step


def test_constants_have_sources():
    for name, (value, source) in CONSTANTS.items():
        assert value > 0 and source, name


def test_analog_step_scaling():
    base = analog_step(100, 50, mean_g_uS=10.0, adc_bits=5)
    # Cell read energy: cells x V^2/3 x G x t_read, linear in the number of cells and in G.
    expected = 100 * 50 * 2 * const("v_read_V") ** 2 / 3 * 10e-6 * const("t_read_s")
    assert base["crossbar_read_J"] == pytest.approx(expected)
    assert analog_step(200, 50, 10.0)["crossbar_read_J"] == pytest.approx(2 * expected)
    assert analog_step(100, 50, 10.0, adc_bits=6)["adc_J"] == pytest.approx(2 * base["adc_J"])
    assert base["latency_s"] == pytest.approx(10e-9 + 32e-9)
    assert base["total_J"] == pytest.approx(sum(v for k, v in base.items() if k.endswith("_J") and k != "total_J"))
    with pytest.raises(ValueError):
        analog_step(0, 5, 1.0)


def test_digital_step():
    assert digital_step(10, "fp32")["total_J"] == pytest.approx(10 * (4.6e-12 + 5e-12))
    with pytest.raises(ValueError, match="precision"):
        digital_step(10, "fp64")


def test_programming_energy():
    from hardware.energy import programming_energy

    ops = programming_energy(1000, 0)
    assert ops == pytest.approx(1000 * const("program_op_J"))
    reads = programming_energy(0, 1000, mean_g_uS=20.0)
    assert reads == pytest.approx(1000 * const("v_read_V") ** 2 * 20e-6 * const("t_read_s"))
    assert programming_energy(1000, 1000) == pytest.approx(ops + reads)
    with pytest.raises(ValueError, match="programming_ops"):
        programming_energy(-1, 0)


def test_analog_step_with_several_reads():
    one = analog_step(100, 50, mean_g_uS=10.0, adc_bits=5)
    four = analog_step(100, 50, mean_g_uS=10.0, adc_bits=5, n_reads=4)
    # The array reads, the conversions and the ramp column repeat; the DAC output is held.
    for part in ("crossbar_read_J", "adc_J", "ramp_column_J"):
        assert four[part] == pytest.approx(4 * one[part])
    assert four["dac_J"] == pytest.approx(one["dac_J"])
    assert four["latency_s"] == pytest.approx(4 * one["latency_s"])
    with pytest.raises(ValueError, match="n_reads"):
        analog_step(100, 50, 10.0, n_reads=0)
