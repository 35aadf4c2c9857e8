"""Named models for the benchmark: how to build each one, and which hyperparameters to try.

A :class:`ModelSpec` turns a dict of hyperparameters and a seed into an unfitted forecaster
(``fit(series)``, ``forecast(n_steps, context=None, on_divergence=...)``), and carries the
candidates the benchmark tries on the validation trajectory: a small ``grid`` (the default,
cheap enough for 135 systems) and an Optuna ``search_space`` for real tuning. Any forecaster
with that interface joins the benchmark by registering a spec here or passing one to
:func:`reservoir.bench.run_benchmark`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

__all__ = ["MODELS", "ModelSpec", "get_model"]


@dataclass(frozen=True)
class ModelSpec:
    """How the benchmark builds and tunes one model.

    Attributes
    ----------
    name : str
        Registry name, used in result tables.
    description : str
        One line for reports and ``--help``.
    build : callable
        ``build(params, seed) -> forecaster``: an unfitted forecaster for hyperparameters
        ``params`` (a dict; missing keys take the model's defaults) and random seed ``seed``.
    grid : tuple of dict
        Hyperparameter candidates tried on the validation trajectory (``({},)``: none).
    search_space : callable, optional
        ``search_space(trial) -> params`` for Optuna tuning; ``None`` if there is nothing to tune.

    Examples
    --------
    >>> spec = get_model("esn")
    >>> spec.build({"n_units": 50}, seed=0).reservoir.n_units
    50
    """

    name: str
    description: str
    build: Callable
    grid: tuple = ({},)
    search_space: Callable | None = None


def _esn_build(params, seed):
    from .. import ESN, ReservoirForecaster

    p = {"n_units": 500, "spectral_radius": 0.9, "leak_rate": 1.0, "input_scaling": 0.3,
         "in_degree": 10, "bias_scaling": 1.0, "alpha": None, "washout": 100, "squared": True}
    _update(p, params, "esn")
    esn = ESN(n_units=p["n_units"], spectral_radius=p["spectral_radius"], leak_rate=p["leak_rate"],
              input_scaling=p["input_scaling"], in_degree=p["in_degree"], bias_scaling=p["bias_scaling"],
              random_state=seed)
    return ReservoirForecaster(esn, _readout(p["alpha"]), washout=p["washout"], squared=p["squared"])


def _esn_space(trial):
    return {
        "n_units": trial.suggest_int("n_units", 200, 2000, step=100),
        "spectral_radius": trial.suggest_float("spectral_radius", 0.05, 1.5, log=True),
        "leak_rate": trial.suggest_float("leak_rate", 0.05, 1.0),
        "input_scaling": trial.suggest_float("input_scaling", 0.01, 1.0, log=True),
        "bias_scaling": trial.suggest_float("bias_scaling", 0.0, 2.0),
        "alpha": trial.suggest_float("alpha", 1e-12, 1e-2, log=True),
    }


def _onion_build(params, seed):
    from .. import OnionESN, ReservoirForecaster

    p = {"n_units": 500, "radii": (0.25, 0.5, 0.75, 1.0), "leak_rate": 1.0, "input_scaling": 0.3,
         "bias_scaling": 1.0, "alpha": None, "washout": 100}
    _update(p, params, "onion")
    onion = OnionESN(n_units=p["n_units"], radii=tuple(p["radii"]), leak_rate=p["leak_rate"],
                     input_scaling=p["input_scaling"], bias_scaling=p["bias_scaling"], random_state=seed)
    return ReservoirForecaster(onion, _readout(p["alpha"]), washout=p["washout"])


def _onion_space(trial):
    outer = trial.suggest_float("outer_radius", 0.3, 1.3)
    return {
        "radii": tuple(outer * f for f in (0.25, 0.5, 0.75, 1.0)),
        "leak_rate": trial.suggest_float("leak_rate", 0.05, 1.0),
        "input_scaling": trial.suggest_float("input_scaling", 0.01, 1.0, log=True),
        "alpha": trial.suggest_float("alpha", 1e-12, 1e-2, log=True),
    }


def _deep_esn_build(params, seed):
    from .. import DeepESN, ReservoirForecaster

    p = {"n_units": (250, 250), "spectral_radius": 0.9, "leak_rate": 1.0, "input_scaling": 0.3,
         "interlayer_scaling": 0.1, "alpha": None, "washout": 100}
    _update(p, params, "deep_esn")
    deep = DeepESN(n_units=tuple(p["n_units"]), spectral_radius=p["spectral_radius"], leak_rate=p["leak_rate"],
                   input_scaling=p["input_scaling"], interlayer_scaling=p["interlayer_scaling"], random_state=seed)
    return ReservoirForecaster(deep, _readout(p["alpha"]), washout=p["washout"])


def _deep_esn_space(trial):
    return {
        "spectral_radius": trial.suggest_float("spectral_radius", 0.05, 1.5, log=True),
        "leak_rate": trial.suggest_float("leak_rate", 0.05, 1.0),
        "input_scaling": trial.suggest_float("input_scaling", 0.01, 1.0, log=True),
        "interlayer_scaling": trial.suggest_float("interlayer_scaling", 0.01, 1.0, log=True),
        "alpha": trial.suggest_float("alpha", 1e-12, 1e-2, log=True),
    }


def _ip_build(params, seed):
    from .. import IPReservoir, ReservoirForecaster

    p = {"n_units": 500, "spectral_radius": 0.9, "leak_rate": 1.0, "input_scaling": 0.3, "target_std": 0.2,
         "learning_rate": 5e-4, "alpha": None, "washout": 100}
    _update(p, params, "ip")
    ip = IPReservoir(n_units=p["n_units"], spectral_radius=p["spectral_radius"], leak_rate=p["leak_rate"],
                     input_scaling=p["input_scaling"], target_std=p["target_std"], learning_rate=p["learning_rate"],
                     random_state=seed)
    return ReservoirForecaster(ip, _readout(p["alpha"]), washout=p["washout"])


def _ip_space(trial):
    return {
        "spectral_radius": trial.suggest_float("spectral_radius", 0.05, 1.5, log=True),
        "leak_rate": trial.suggest_float("leak_rate", 0.05, 1.0),
        "input_scaling": trial.suggest_float("input_scaling", 0.01, 1.0, log=True),
        "target_std": trial.suggest_float("target_std", 0.05, 0.6),
        "alpha": trial.suggest_float("alpha", 1e-12, 1e-2, log=True),
    }


def _ei_build(params, seed):
    from .. import EIReservoir, ReservoirForecaster

    p = {"n_units": 500, "balance": 0.0, "gain": 4.0, "leak_rate": 1.0, "input_fraction": 1.0,
         "input_scaling": 0.5, "adaptation": None, "alpha": None, "washout": 100}
    _update(p, params, "ei")
    ei = EIReservoir(n_units=p["n_units"], balance=p["balance"], gain=p["gain"], leak_rate=p["leak_rate"],
                     input_fraction=p["input_fraction"], input_scaling=p["input_scaling"],
                     adaptation=p["adaptation"], random_state=seed)
    return ReservoirForecaster(ei, _readout(p["alpha"]), washout=p["washout"])


def _ei_space(trial):
    return {
        "balance": trial.suggest_float("balance", -1.0, 0.5),
        "gain": trial.suggest_float("gain", 1.0, 10.0, log=True),
        "leak_rate": trial.suggest_float("leak_rate", 0.05, 1.0),
        "input_scaling": trial.suggest_float("input_scaling", 0.01, 1.0, log=True),
        "alpha": trial.suggest_float("alpha", 1e-12, 1e-2, log=True),
    }


def _qrnn_build(params, seed):
    from quantum import QRNNReservoir

    from .. import ReservoirForecaster

    p = {"cell": "lstm", "n_qubits": 6, "n_layers": 2, "alpha": 1e-6, "washout": 100}
    _update(p, params, "qrnn")
    qrnn = QRNNReservoir(cell=p["cell"], n_qubits=p["n_qubits"], n_layers=p["n_layers"], backend="exact",
                         random_state=seed)
    return ReservoirForecaster(qrnn, _readout(p["alpha"]), washout=p["washout"])


def _qrnn_space(trial):
    return {
        "cell": trial.suggest_categorical("cell", ["rnn", "lstm", "gru"]),
        "n_layers": trial.suggest_int("n_layers", 1, 3),
        "alpha": trial.suggest_float("alpha", 1e-12, 1e-2, log=True),
    }


def _lsm_build(params, seed):
    from .. import LSM, ReservoirForecaster

    p = {"n_units": 300, "steps_per_input": 5, "alpha": 1e-6, "washout": 100}
    _update(p, params, "lsm")
    lsm = LSM(n_units=p["n_units"], steps_per_input=p["steps_per_input"], encoding="current", random_state=seed)
    return ReservoirForecaster(lsm, _readout(p["alpha"]), washout=p["washout"])


def _lsm_space(trial):
    return {
        "n_units": trial.suggest_int("n_units", 100, 1000, step=100),
        "steps_per_input": trial.suggest_int("steps_per_input", 1, 10),
        "alpha": trial.suggest_float("alpha", 1e-12, 1e-2, log=True),
    }


def _analog_build(params, seed):
    from hardware import AnalogReservoir, Crossbar, RampADC

    from .. import ESN, ReservoirForecaster

    p = {"n_units": 500, "spectral_radius": 0.5, "leak_rate": 1.0, "input_scaling": 0.1, "adc_bits": 8,
         "device": "reram_default", "alpha": 1e-6, "washout": 100}
    _update(p, params, "analog")
    esn = ESN(n_units=p["n_units"], spectral_radius=p["spectral_radius"], leak_rate=p["leak_rate"],
              input_scaling=p["input_scaling"], random_state=seed)
    analog = AnalogReservoir(esn, Crossbar(device=p["device"]), activation_adc=RampADC(bits=p["adc_bits"]),
                             random_state=seed)
    return ReservoirForecaster(analog, _readout(p["alpha"]), washout=p["washout"])


def _analog_space(trial):
    return {
        "spectral_radius": trial.suggest_float("spectral_radius", 0.05, 1.5, log=True),
        "leak_rate": trial.suggest_float("leak_rate", 0.05, 1.0),
        "input_scaling": trial.suggest_float("input_scaling", 0.01, 1.0, log=True),
        "adc_bits": trial.suggest_int("adc_bits", 4, 12),
        "alpha": trial.suggest_float("alpha", 1e-12, 1e-2, log=True),
    }


def _persistence_build(params, seed):
    from ..baselines import PersistenceForecaster

    return PersistenceForecaster(**params)


def _mean_build(params, seed):
    from ..baselines import MeanForecaster

    return MeanForecaster(**params)


def _parroting_build(params, seed):
    from ..baselines import ContextParroting

    return ContextParroting(**params)


def _nvar_build(params, seed):
    from ..nvar import NVARForecaster

    p = {"order": 1}
    p.update(params)
    return NVARForecaster(**p)


def _ngrc_build(params, seed):
    from ..nvar import NVARForecaster

    p = {"order": 2}
    p.update(params)
    return NVARForecaster(**p)


def _readout(alpha):
    """``Ridge(alpha, solver="qr")``, or None (the forecaster's default: the accurate ridge
    with its penalty chosen by closed-loop validation on the fit window) for ``alpha=None``."""
    from ..readouts import Ridge

    return None if alpha is None else Ridge(alpha=alpha, solver="qr")


def _update(defaults, params, model):
    unknown = set(params) - set(defaults)
    if unknown:
        raise ValueError(f"unknown hyperparameters for model {model!r}: {sorted(unknown)}; "
                         f"known: {sorted(defaults)}")
    defaults.update(params)


def _grid(**axes):
    """All combinations of the given hyperparameter values, as a tuple of dicts."""
    combos = [{}]
    for name, values in axes.items():
        combos = [{**c, name: v} for c in combos for v in values]
    return tuple(combos)


#: Name -> :class:`ModelSpec`. The ESN, onion and E/I reservoirs leave the ridge penalty to
#: the forecaster (``alpha=None``: chosen by closed-loop validation inside the fit window, see
#: ``ReservoirForecaster``), so their grids span the reservoir: the ESN's 12 points cover
#: spectral radius 0.5/0.9/1.2 x leak 0.3/1 x input scaling 0.3/1. The slower reservoirs (QRNN,
#: LSM, analog) keep a fixed penalty from a two-point grid; the NVAR delays are those of the
#: 2023 benchmark. The knowledge-based ``HybridESN`` is not registered: it needs the system's
#: equations and sampling step, which a model spec is not given (``benchmarks/peer_variants.py``
#: runs it on the ``data_limited`` protocol).
MODELS = {
    m.name: m
    for m in (
        ModelSpec("esn", "echo state network, 500 units, ridge readout with squared states",
                  _esn_build,
                  _grid(spectral_radius=(0.5, 0.9, 1.2), leak_rate=(0.3, 1.0), input_scaling=(0.3, 1.0)),
                  _esn_space),
        ModelSpec("onion", "onion ESN, 500 units in 4 rings (reservoir.OnionESN)", _onion_build,
                  _grid(leak_rate=(0.3, 1.0), input_scaling=(0.1, 0.5)), _onion_space),
        ModelSpec("deep_esn", "deep ESN, two layers of 250 units, every layer read out (reservoir.DeepESN)",
                  _deep_esn_build, _grid(leak_rate=(0.3, 1.0), input_scaling=(0.3, 1.0)), _deep_esn_space),
        ModelSpec("ip", "ESN of 500 units with intrinsic plasticity (reservoir.IPReservoir)", _ip_build,
                  _grid(leak_rate=(0.3, 1.0), input_scaling=(0.3, 1.0)), _ip_space),
        ModelSpec("ei", "E/I balanced sigmoid reservoir, 500 units (reservoir.EIReservoir)", _ei_build,
                  _grid(balance=(-0.25, 0.0), leak_rate=(0.3, 1.0)), _ei_space),
        ModelSpec("qrnn", "quantum QLSTM reservoir, 6 qubits, exact simulation (quantum.QRNNReservoir)",
                  _qrnn_build, _grid(cell=("rnn", "lstm"), alpha=(1e-8, 1e-6)), _qrnn_space),
        ModelSpec("lsm", "liquid state machine, 300 LIF neurons, current input (reservoir.LSM)", _lsm_build,
                  _grid(alpha=(1e-8, 1e-6)), _lsm_space),
        ModelSpec("analog", "the ESN on a simulated ReRAM crossbar with an 8-bit ramp-ADC tanh "
                  "(hardware.AnalogReservoir)", _analog_build, _grid(leak_rate=(0.3, 1.0), alpha=(1e-8, 1e-6)),
                  _analog_space),
        ModelSpec("persistence", "repeat the last fitted value", _persistence_build),
        ModelSpec("mean", "repeat the mean of the fit window", _mean_build),
        ModelSpec("parroting", "context parroting (Zhang & Gilpin 2025)", _parroting_build,
                  _grid(context_length=(5, 10, 25, 50))),
        ModelSpec("nvar", "linear NVAR, as in the 2023 benchmark", _nvar_build,
                  _grid(delay=(2, 5, 15, 30, 60, 120))),
        ModelSpec("ngrc", "quadratic next-generation RC (Gauthier 2021)", _ngrc_build,
                  _grid(delay=(2, 3, 4), skip=(1, 5), alpha=(1e-8, 1e-5))),
    )
}


def get_model(model) -> ModelSpec:
    """A :class:`ModelSpec` by name (or the spec itself).

    Examples
    --------
    >>> get_model("parroting").name
    'parroting'
    """
    if isinstance(model, ModelSpec):
        return model
    try:
        return MODELS[model]
    except (KeyError, TypeError):
        raise ValueError(f"model must be one of {sorted(MODELS)} or a ModelSpec, got {model!r}") from None
