"""The one model registry: templates + nested scikit-learn parameters, used by bench, tune and forecast."""

import pytest

from reservoir.bench import MODELS, ModelSpec, get_model
from reservoir.bench.models import register


def test_bench_grids_are_kept():
    assert len(MODELS["esn"].grid) == 12
    assert {p["spectral_radius"] for p in MODELS["esn"].grid} == {0.5, 0.9, 1.2}
    assert MODELS["nvar"].grid == tuple({"delay": d} for d in (2, 5, 15, 30, 60, 120))
    assert set(MODELS) >= {"esn", "onion", "ei", "qrnn", "lsm", "analog", "persistence", "mean", "parroting",
                           "nvar", "ngrc"}


def test_esn_defaults_and_validated_readout():
    model = get_model("esn").build({}, seed=4)
    esn = model.reservoir
    assert (esn.n_units, esn.spectral_radius, esn.leak_rate, esn.input_scaling, esn.random_state) == (
        500, 0.9, 1.0, 0.3, 4)
    assert model.readout is None and model.washout == 100 and model.squared is True  # alpha=None
    fixed = get_model("esn").build({"alpha": 1e-8}, seed=0)
    assert (fixed.readout.alpha, fixed.readout.solver) == (1e-8, "qr")


def test_short_nested_and_alias_names():
    spec = get_model("esn")
    a = spec.build({"spectral_radius": 0.5, "leak_rate": 0.3}, seed=1)
    b = spec.build({"reservoir__spectral_radius": 0.5, "reservoir__leak_rate": 0.3}, seed=1)
    assert a.reservoir.get_params() == b.reservoir.get_params()
    assert "reservoir__spectral_radius" in spec.parameters() and "alpha" in spec.parameters()


def test_analog_seeds_both_levels_and_adc_alias():
    model = get_model("analog").build({"adc_bits": 6, "spectral_radius": 0.7}, seed=3)
    chip = model.reservoir
    assert chip.random_state == 3 and chip.reservoir.random_state == 3
    assert chip.activation_adc.bits == 6 and chip.crossbar.adc_bits == 8  # the ramp ADC, not the crossbar's
    assert chip.reservoir.spectral_radius == 0.7


def test_builds_are_independent():
    spec = get_model("ei")
    a, b = spec.build({"balance": -0.25}, 0), spec.build({}, 0)
    assert a.reservoir is not b.reservoir and b.reservoir.balance == 0.0


def test_unknown_and_ambiguous_names():
    with pytest.raises(ValueError, match="unknown ngrc hyperparameter 'dealy'; did you mean 'delay'"):
        get_model("ngrc").build({"dealy": 3})
    assert get_model("analog").build({"bias": False}).bias is False  # an exact top-level name wins

    def two_esns():
        from reservoir import ESN, ReservoirForecaster
        from reservoir.base import Reservoir  # noqa: F401

        return ReservoirForecaster(ESN(), ESN())  # a nonsense model with two nested ESNs

    spec = ModelSpec("two", "", two_esns)
    with pytest.raises(ValueError, match="'leak_rate' is ambiguous"):
        spec.build({"leak_rate": 0.5})
    assert spec.build({"readout__leak_rate": 0.5}).readout.leak_rate == 0.5


def test_register_is_one_entry():
    def tiny():
        from reservoir import ESN, ReservoirForecaster

        return ReservoirForecaster(ESN(n_units=30))

    try:
        register(ModelSpec("tiny", "30-unit ESN", tiny, grid=({"leak_rate": 0.5},)))
        assert get_model("TINY").build(MODELS["tiny"].grid[0], seed=2).reservoir.leak_rate == 0.5
    finally:
        MODELS.pop("tiny", None)
    with pytest.raises(TypeError, match="ModelSpec"):
        register("tiny")
