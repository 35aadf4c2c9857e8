"""Declared hyperparameter constraints (reservoir.validation) and inherited signatures."""

import inspect
from numbers import Integral, Real

import numpy as np
import pytest
from sklearn.base import clone

from hardware.analog_reservoir import AnalogReservoir
from hardware.crossbar import Crossbar
from hardware.resistive_lsm import ResistiveLSM
from quantum.onion import OnionQRC
from quantum.qrnn import QRNNReservoir
from quantum.qrnn_regressor import QRNNRegressor
from reservoir import (
    ESN,
    LSM,
    RLS,
    DeepESN,
    EIReservoir,
    HybridESN,
    IPReservoir,
    NeuronAstrocyteLSM,
    OnionESN,
    ReservoirClassifier,
    ReservoirForecaster,
    ReservoirRegressor,
    Ridge,
)
from reservoir.estimator_base import ReservoirEstimatorBase
from reservoir.fixed_weights import FixedWeightsESN
from reservoir.validation import (
    Boolean,
    Each,
    Interval,
    Options,
    check_values,
    declared_constraints,
    validate_parameters,
)

CLASSES = [ESN, FixedWeightsESN, IPReservoir, HybridESN, DeepESN, OnionESN, EIReservoir, LSM, NeuronAstrocyteLSM,
           Ridge, RLS, ResistiveLSM, QRNNReservoir, OnionQRC, AnalogReservoir, Crossbar,
           ReservoirEstimatorBase, QRNNRegressor]


def _valid(cls):
    """An instance with valid hyperparameters (the defaults where they are)."""
    required = {FixedWeightsESN: {"W": np.eye(2), "W_in": np.ones((2, 1))}, AnalogReservoir: {"reservoir": ESN()}}
    if cls is ReservoirEstimatorBase:  # abstract: its constraints are checked on the three estimators
        cls = ReservoirRegressor
    return cls(**required.get(cls, {}))


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_class_declares_constraints_of_its_own_parameters(cls):
    own = vars(cls).get("_parameter_constraints", {})
    assert own, f"{cls.__name__} declares no constraints"
    params = set(inspect.signature(ReservoirRegressor if cls is ReservoirEstimatorBase else cls).parameters)
    assert set(own) <= params, set(own) - params
    validate_parameters(_valid(cls))


@pytest.mark.parametrize("cls, name, value, error", [
    (ESN, "n_units", 0, ValueError),
    (ESN, "n_units", 2.5, TypeError),
    (ESN, "leak_rate", 0.0, ValueError),
    (ESN, "in_degree", True, TypeError),
    (IPReservoir, "target_std", 0.0, ValueError),
    (IPReservoir, "leak_rate", 1.5, ValueError),           # inherited from ESN
    (HybridESN, "model_scaling", -1.0, ValueError),
    (LSM, "connectivity", (0.2, 0.1, 0.3), ValueError),
    (LSM, "connectivity", (0.2, 0.1, 0.3, 1.5), ValueError),
    (LSM, "encoding", "morse", ValueError),
    (NeuronAstrocyteLSM, "astro_tau", 0.5, ValueError),
    (NeuronAstrocyteLSM, "tau_syn", 0.0, ValueError),      # inherited from LSM
    (OnionESN, "leak_rate", (1.0, -0.1), ValueError),
    (EIReservoir, "adaptation", "sometimes", ValueError),
    (Ridge, "fit_intercept", 1, TypeError),
    (RLS, "forgetting_factor", 1.5, ValueError),
    (QRNNReservoir, "shots", 0, ValueError),
    (OnionQRC, "classical_layer", "esn", TypeError),
    (ResistiveLSM, "weights", "ideal", ValueError),
    (AnalogReservoir, "reservoir", None, TypeError),
    (AnalogReservoir, "crossbar", "reram", TypeError),
    (Crossbar, "adc_bits", 17, ValueError),
    (Crossbar, "ir_drop", "exact", ValueError),
    (ReservoirRegressor, "washout", -1, ValueError),
    (ReservoirClassifier, "readout", "ridge", TypeError),
    (ReservoirForecaster, "reservoir", ESN, TypeError),
    (QRNNRegressor, "decay", 1.0, ValueError),
    (QRNNRegressor, "bias", "yes", TypeError),               # inherited from the estimators
])
def test_a_bad_value_is_refused_naming_the_argument(cls, name, value, error):
    model = _valid(cls)
    setattr(model, name, value)
    with pytest.raises(error, match=name):
        validate_parameters(model)


def test_interval_ends_and_types():
    rules = {"a": Interval(Real, 0, 1, closed="left"), "k": Interval(Integral, 0, 3, closed="neither"),
             "flag": Boolean()}
    check_values(rules, {"a": 0.0, "k": 1, "flag": np.True_})
    with pytest.raises(ValueError, match="a must be < 1"):
        check_values(rules, {"a": 1.0, "k": 1, "flag": True})
    with pytest.raises(ValueError, match="a must be finite"):
        check_values(rules, {"a": np.nan, "k": 1, "flag": True})
    with pytest.raises(ValueError, match="k must be >= 1"):
        check_values(rules, {"a": 0.5, "k": 0, "flag": True})
    with pytest.raises(ValueError, match="k must be <= 2"):
        check_values(rules, {"a": 0.5, "k": 3, "flag": True})
    with pytest.raises(TypeError, match="k must be an integer"):
        check_values(rules, {"a": 0.5, "k": False, "flag": True})
    with pytest.raises(TypeError, match="flag must be True or False"):
        check_values(rules, {"a": 0.5, "k": 1, "flag": 1})


def test_a_list_of_rules_accepts_any_and_reports_the_telling_one():
    rules = {"x": [None, Interval(Real, 0, None), Each(Interval(Real, 0, None))]}
    for ok in (None, 2.0, (1.0, 3.0), np.array([0.5])):
        check_values(rules, {"x": ok})
    # A sequence of the right kind with a wrong item: the item's ValueError, not "not a number".
    with pytest.raises(ValueError, match="x must be >= 0, got -1.0"):
        check_values(rules, {"x": (1.0, -1.0)})
    with pytest.raises(TypeError, match="x must be a real number"):
        check_values(rules, {"x": "big"})
    with pytest.raises(ValueError, match=r"one of \('a', 'b'\)"):
        check_values({"o": Options("a", "b")}, {"o": np.array(["a"])})


def test_subclass_constraints_merge_over_the_base():
    merged = declared_constraints(NeuronAstrocyteLSM)
    assert set(LSM._parameter_constraints) < set(merged)
    assert set(NeuronAstrocyteLSM._parameter_constraints) < set(merged)
    # HybridESN replaces ESN's input_scaling rule (one number, not one per input).
    assert declared_constraints(HybridESN)["input_scaling"] is HybridESN._parameter_constraints["input_scaling"]
    hybrid = HybridESN(input_scaling=np.array([0.1, 0.2]))
    with pytest.raises(TypeError, match="input_scaling"):
        validate_parameters(hybrid)
    validate_parameters(ESN(input_scaling=np.array([0.1, 0.2])))


def test_inherited_signatures_keep_positional_calls_and_clone():
    lsm_names = [p for p in inspect.signature(LSM).parameters if p != "random_state"]
    names = list(inspect.signature(NeuronAstrocyteLSM).parameters)
    assert names[:len(lsm_names)] == lsm_names and names[-1] == "random_state"
    assert IPReservoir(300).n_units == 300
    hybrid = HybridESN("Rossler", 0.05, n_units=40)
    assert (hybrid.system, hybrid.dt, hybrid.n_units) == ("Rossler", 0.05, 40)
    nalsm = NeuronAstrocyteLSM(n_units=64, astro_tau=50.0, random_state=3)
    copy = clone(nalsm)
    assert copy.get_params() == nalsm.get_params() and copy.n_units == 64 and copy.astro_tau == 50.0
    with pytest.raises(TypeError):
        IPReservoir(n_unit=10)
    with pytest.raises(TypeError):
        IPReservoir(300, n_units=300)
