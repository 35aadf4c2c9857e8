"""The model registry: every named model of ``reservoir forecast``, ``reservoir bench`` and
``reservoir tune``, built from scikit-learn nested parameters.

A :class:`ModelSpec` holds a *template*, a zero-argument function returning the model's
default unfitted forecaster, and builds a candidate as ``clone(template)`` followed by
``set_params(reservoir__spectral_radius=..., readout=...)``: defaults live in the classes and
in the template only, never restated in a build function. Short names (``spectral_radius``,
``alpha``) resolve to the unique nested parameter ending in them, or through the spec's
``aliases`` (``alpha`` sets the readout: ``None`` keeps the forecaster's validated ridge,
a number fits ``Ridge(alpha, solver="qr")``). The spec also carries the candidates the
benchmark tries on the validation trajectory (``grid``) and an Optuna ``search_space``.

Adding a model is one entry in :data:`MODELS` (or :func:`register` at run time), e.g.::

    def _deep_esn():
        from .. import DeepESN, ReservoirForecaster
        return ReservoirForecaster(DeepESN(n_layers=3))

    ModelSpec("deep_esn", "deep ESN, 3 layers", _deep_esn, _grid(leak_rate=(0.3, 1.0)))

and the model is then available to ``reservoir forecast --model deep_esn``, to
``reservoir bench --models deep_esn`` and to ``reservoir tune --model deep_esn``.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Callable, Mapping

from ..names import resolve_name

__all__ = ["MODELS", "ModelSpec", "get_model", "register"]


def _ridge_alpha(alpha):
    """``alpha`` of the reservoir forecasters: ``None`` keeps the forecaster's default readout
    (the accurate ridge with its penalty chosen by closed-loop validation on the fit window),
    a number fits ``Ridge(alpha=alpha, solver="qr")``."""
    from ..readouts import Ridge

    return {"readout": None if alpha is None else Ridge(alpha=alpha, solver="qr")}


@dataclass(frozen=True)
class ModelSpec:
    """How to build, and which hyperparameters to try for, one named model.

    Attributes
    ----------
    name : str
        Registry name, used on the command line and in result tables.
    description : str
        One line for reports and ``--help``.
    template : callable
        ``template() -> forecaster``: the model's default unfitted forecaster (``fit(series)``,
        ``forecast(n_steps, context=None, on_divergence=...)``, ``get_params``/``set_params``).
        For models outside scikit-learn's parameter protocol a callable of two arguments
        ``build(params, seed) -> forecaster`` is accepted instead and used verbatim.
    grid : tuple of dict
        Hyperparameter candidates tried on the validation trajectory (``({},)``: none).
    search_space : callable, optional
        ``search_space(trial) -> params`` for Optuna tuning; ``None`` if there is nothing to tune.
    seed_params : tuple of str
        Nested parameters that receive the benchmark's model seed.
    aliases : mapping
        Short name -> nested parameter name, or -> ``f(value) -> dict`` of nested parameters.

    Examples
    --------
    >>> spec = get_model("esn")
    >>> spec.build({"n_units": 50}, seed=0).reservoir.n_units
    50
    >>> spec.build({"reservoir__spectral_radius": 0.5}).reservoir.spectral_radius
    0.5
    """

    name: str
    description: str
    template: Callable
    grid: tuple = ({},)
    search_space: Callable | None = None
    seed_params: tuple = ("reservoir__random_state",)
    aliases: Mapping = field(default_factory=lambda: {"alpha": _ridge_alpha})

    def _is_builder(self):
        required = [p for p in inspect.signature(self.template).parameters.values()
                    if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        return len(required) == 2

    def parameters(self) -> dict:
        """Every hyperparameter ``build`` accepts: nested name -> default (aliases included).

        Examples
        --------
        >>> get_model("esn").parameters()["reservoir__spectral_radius"]
        0.9
        """
        if self._is_builder():
            return {}
        params = {k: v for k, v in self.template().get_params(deep=True).items()
                  if not hasattr(v, "get_params")}
        return {**params, **{k: params.get(v) if isinstance(v, str) else None
                             for k, v in self.aliases.items() if k not in params}}

    def resolve(self, params) -> dict:
        """Nested scikit-learn parameters for ``params`` (short names, aliases or nested names).

        Raises
        ------
        ValueError
            On a name that is not a hyperparameter of the model; the message names it and
            lists close matches.
        """
        nested_names = list(self.parameters())
        known = set(nested_names)
        nested = {}
        for name, value in dict(params).items():
            if name in known and name not in self.aliases:
                nested[name] = value
            elif name in self.aliases:
                target = self.aliases[name]
                nested.update(target(value) if callable(target) else {target: value})
            else:
                matches = [k for k in nested_names if k.endswith("__" + name)]
                if len(matches) != 1:
                    what = f"{self.name} hyperparameter"
                    if len(matches) > 1:
                        raise ValueError(f"{what} {name!r} is ambiguous: give one of {matches}")
                    tails = [k.rsplit("__", 1)[-1] for k in nested_names]
                    short = {t for t in tails if tails.count(t) == 1}
                    resolve_name(name, sorted(known | short), what,
                                 hint=f"(see get_model({self.name!r}).parameters())")
                nested[matches[0]] = value
        return nested

    def build(self, params=None, seed=None):
        """An unfitted forecaster: the template with ``seed`` and ``params`` set.

        Parameters
        ----------
        params : dict, optional
            Hyperparameters by short name (``spectral_radius``), alias (``alpha``) or nested
            scikit-learn name (``reservoir__spectral_radius``); missing ones keep the defaults.
        seed : int, optional
            The model's random seed (``seed_params``); ``None`` leaves the template's.
        """
        params = {} if params is None else dict(params)
        if self._is_builder():
            return self.template(params, seed)
        from sklearn.base import clone

        estimator = clone(self.template())
        nested = self.resolve(params)
        if seed is not None:
            estimator.set_params(**{name: seed for name in self.seed_params})
        # Objects first (a readout set by an alias), then parameters nested inside them.
        estimator.set_params(**{k: v for k, v in nested.items() if "__" not in k})
        estimator.set_params(**{k: v for k, v in nested.items() if "__" in k})
        return estimator


# ----------------------------------------------------------------------------------
# Templates: the default forecaster of each model (everything else is the classes' default)


def _esn():
    from .. import ESN, ReservoirForecaster
    from ..forecaster import DEFAULT_ALPHAS

    # The ridge penalty kept is the best-validated one whose closed loop from the end of the fit,
    # where the forecast starts, stays in the training data's box for 5000 steps (the longest
    # forecast of the protocols); the two strong penalties give the check a fallback. Measured
    # on long_horizon (README; stability_steps=5000 on top changed 10 of 135 systems, not the share).
    return ReservoirForecaster(ESN(), free_run_steps=5000, alphas=(1.0, 0.1) + DEFAULT_ALPHAS)


def _esn_delay():
    from .. import ESN, ReservoirForecaster

    # Delays of a tenth and a quarter of the dominant period (100 points per period): chosen on
    # the published *train* files (benchmarks/published_default.py --split train --delays ...).
    return ReservoirForecaster(ESN(), input_delays=(10, 25))


def _esn_ensemble():
    from .. import ESN, EnsembleForecaster, ReservoirForecaster

    return EnsembleForecaster(ReservoirForecaster(ESN()), n_members=5)


def _ensemble_ridge_alpha(alpha):
    """``alpha`` of the ensemble: the members' readout (see :func:`_ridge_alpha`)."""
    return {"forecaster__" + k: v for k, v in _ridge_alpha(alpha).items()}


def _onion():
    from .. import OnionESN, ReservoirForecaster

    return ReservoirForecaster(OnionESN(n_units=500))


def _deep_esn():
    from .. import DeepESN, ReservoirForecaster

    return ReservoirForecaster(DeepESN())


def _ip():
    from .. import IPReservoir, ReservoirForecaster

    return ReservoirForecaster(IPReservoir())


def _ei():
    from .. import EIReservoir, ReservoirForecaster

    return ReservoirForecaster(EIReservoir(gain=4.0, input_fraction=1.0, adaptation=None))


def _qrnn():
    from .._optional import require

    require("qiskit", "quantum", "the qrnn model")  # a clear error without [quantum]
    from quantum import QRNNReservoir

    from .. import ReservoirForecaster, Ridge

    return ReservoirForecaster(QRNNReservoir(n_qubits=6), Ridge(alpha=1e-6, solver="qr"))


def _lsm():
    from .. import LSM, ReservoirForecaster, Ridge

    return ReservoirForecaster(LSM(n_units=300, steps_per_input=5, encoding="current"),
                               Ridge(alpha=1e-6, solver="qr"))


def _analog():
    from hardware import AnalogReservoir, Crossbar, RampADC

    from .. import ESN, ReservoirForecaster, Ridge

    esn = ESN(spectral_radius=0.5, input_scaling=0.1)
    return ReservoirForecaster(AnalogReservoir(esn, Crossbar(), activation_adc=RampADC(bits=8)),
                               Ridge(alpha=1e-6, solver="qr"))


def _persistence():
    from ..baselines import PersistenceForecaster

    return PersistenceForecaster()


def _mean():
    from ..baselines import MeanForecaster

    return MeanForecaster()


def _parroting():
    from ..baselines import ContextParroting

    return ContextParroting()


def _nvar():
    from ..nvar import NVARForecaster

    return NVARForecaster(order=1)


def _ngrc():
    from ..nvar import NVARForecaster

    return NVARForecaster()


# ----------------------------------------------------------------------------------
# Optuna search spaces (short names, as stored in the results)


#: Delayed-input choices of the ESN search (Optuna's categories must be plain values).
_DELAY_CHOICES = {"none": (), "10": (10,), "25": (25,), "10,25": (10, 25), "5,10,20": (5, 10, 20),
                  "10,25,50": (10, 25, 50)}


def _float(low, high, log=False):
    return lambda trial, name: trial.suggest_float(name, low, high, log=log)


def _int(low, high, step=1):
    return lambda trial, name: trial.suggest_int(name, low, high, step=step)


def _delays(trial, name):
    return _DELAY_CHOICES[trial.suggest_categorical(name, list(_DELAY_CHOICES))]


#: Ranges shared by the searches of several models (the rate reservoirs and the ridge penalty).
_SHARED = {
    "spectral_radius": _float(0.05, 1.5, log=True),
    "leak_rate": _float(0.05, 1.0),
    "input_scaling": _float(0.01, 1.0, log=True),
    "alpha": _float(1e-12, 1e-2, log=True),
}


def _space(*entries):
    """A search space: ``trial -> params``, suggesting each entry in the order given (which
    a seeded sampler's draws depend on). An entry is a name of :data:`_SHARED` or a pair
    ``(name, suggest)`` with ``suggest(trial, name) -> value``."""
    entries = [(entry, _SHARED[entry]) if isinstance(entry, str) else entry for entry in entries]

    def space(trial):
        return {name: suggest(trial, name) for name, suggest in entries}

    return space


_esn_space = _space(("n_units", _int(200, 2000, step=100)), "spectral_radius", "leak_rate", "input_scaling",
                    ("bias_scaling", _float(0.0, 2.0)), "alpha", ("input_delays", _delays))
_deep_esn_space = _space("spectral_radius", "leak_rate", "input_scaling",
                         ("interlayer_scaling", _float(0.01, 1.0, log=True)), "alpha")
_ip_space = _space("spectral_radius", "leak_rate", "input_scaling", ("target_std", _float(0.05, 0.6)), "alpha")
_ei_space = _space(("balance", _float(-1.0, 0.5)), ("gain", _float(1.0, 10.0, log=True)), "leak_rate",
                   "input_scaling", "alpha")
_qrnn_space = _space(("cell", lambda trial, name: trial.suggest_categorical(name, ["rnn", "lstm", "gru"])),
                     ("n_layers", _int(1, 3)), "alpha")
_lsm_space = _space(("n_units", _int(100, 1000, step=100)), ("steps_per_input", _int(1, 10)), "alpha")
_analog_space = _space("spectral_radius", "leak_rate", "input_scaling", ("adc_bits", _int(4, 12)), "alpha")
_onion_rest = _space("leak_rate", "input_scaling", "alpha")


def _esn_ensemble_space(trial):
    return {**_esn_space(trial), "n_members": trial.suggest_int("n_members", 2, 8)}


def _onion_space(trial):
    outer = trial.suggest_float("outer_radius", 0.3, 1.3)
    return {"radii": tuple(outer * f for f in (0.25, 0.5, 0.75, 1.0)), **_onion_rest(trial)}


def _grid(**axes):
    """All combinations of the given hyperparameter values, as a tuple of dicts."""
    combos = [{}]
    for name, values in axes.items():
        combos = [{**c, name: v} for c in combos for v in values]
    return tuple(combos)


def _analog_adc_bits(bits):
    from hardware import RampADC

    return {"reservoir__activation_adc": RampADC(bits=bits)}


def _analog_device(device):
    from hardware import Crossbar

    return {"reservoir__crossbar": Crossbar(device=device)}


#: The chip's converters are plain objects, not estimators: ``adc_bits`` (the activation ADC's
#: resolution; the crossbar's own ``adc_bits`` is another converter) and ``device`` replace them.
_ANALOG_ALIASES = {"alpha": _ridge_alpha, "adc_bits": _analog_adc_bits, "device": _analog_device}

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
        ModelSpec("esn", "echo state network, 500 units, ridge readout with squared states", _esn,
                  _grid(spectral_radius=(0.5, 0.9, 1.2), leak_rate=(0.3, 1.0), input_scaling=(0.3, 1.0)),
                  _esn_space),
        ModelSpec("esn_delay", "the ESN driven by its input and the input 10 and 25 steps back (a delay "
                  "embedding for scalar observables)", _esn_delay,
                  _grid(spectral_radius=(0.5, 0.9, 1.2), leak_rate=(0.3, 1.0), input_scaling=(0.3, 1.0)),
                  _esn_space),
        ModelSpec("esn_ensemble", "median forecast of 5 ESNs with different draws (reservoir.EnsembleForecaster)",
                  _esn_ensemble, _grid(spectral_radius=(0.5, 0.9, 1.2), leak_rate=(0.3, 1.0)),
                  _esn_ensemble_space, seed_params=("random_state",),
                  aliases={"alpha": _ensemble_ridge_alpha}),
        ModelSpec("onion", "onion ESN, 500 units in 4 rings (reservoir.OnionESN)", _onion,
                  _grid(leak_rate=(0.3, 1.0), input_scaling=(0.1, 0.5)), _onion_space),
        ModelSpec("deep_esn", "deep ESN, two layers of 250 units, every layer read out (reservoir.DeepESN)",
                  _deep_esn, _grid(leak_rate=(0.3, 1.0), input_scaling=(0.3, 1.0)), _deep_esn_space),
        ModelSpec("ip", "ESN of 500 units with intrinsic plasticity (reservoir.IPReservoir)", _ip,
                  _grid(leak_rate=(0.3, 1.0), input_scaling=(0.3, 1.0)), _ip_space),
        ModelSpec("ei", "E/I balanced sigmoid reservoir, 500 units (reservoir.EIReservoir)", _ei,
                  _grid(balance=(-0.25, 0.0), leak_rate=(0.3, 1.0)), _ei_space),
        ModelSpec("qrnn", "quantum QLSTM reservoir, 6 qubits, exact simulation (quantum.QRNNReservoir)",
                  _qrnn, _grid(cell=("rnn", "lstm"), alpha=(1e-8, 1e-6)), _qrnn_space),
        ModelSpec("lsm", "liquid state machine, 300 LIF neurons, current input (reservoir.LSM)", _lsm,
                  _grid(alpha=(1e-8, 1e-6)), _lsm_space),
        ModelSpec("analog", "the ESN on a simulated ReRAM crossbar with an 8-bit ramp-ADC tanh "
                  "(hardware.AnalogReservoir)", _analog, _grid(leak_rate=(0.3, 1.0), alpha=(1e-8, 1e-6)),
                  _analog_space, seed_params=("reservoir__random_state", "reservoir__reservoir__random_state"),
                  aliases=_ANALOG_ALIASES),
        ModelSpec("persistence", "repeat the last fitted value", _persistence, seed_params=(), aliases={}),
        ModelSpec("mean", "repeat the mean of the fit window", _mean, seed_params=(), aliases={}),
        ModelSpec("parroting", "context parroting (Zhang & Gilpin 2025)", _parroting,
                  _grid(context_length=(5, 10, 25, 50)), seed_params=(), aliases={}),
        ModelSpec("nvar", "linear NVAR, as in the 2023 benchmark", _nvar,
                  _grid(delay=(2, 5, 15, 30, 60, 120)), seed_params=(), aliases={}),
        ModelSpec("ngrc", "quadratic next-generation RC (Gauthier 2021)", _ngrc,
                  _grid(delay=(2, 3, 4), skip=(1, 5), alpha=(1e-8, 1e-5)), seed_params=(), aliases={}),
    )
}


def register(spec: ModelSpec) -> ModelSpec:
    """Add (or replace) a model in :data:`MODELS`, for the benchmark and the command line.

    Examples
    --------
    >>> def _small():
    ...     from reservoir import ESN, ReservoirForecaster
    ...     return ReservoirForecaster(ESN(n_units=40))
    >>> register(ModelSpec("small_esn", "40-unit ESN", _small)).name
    'small_esn'
    >>> _ = MODELS.pop("small_esn")
    """
    if not isinstance(spec, ModelSpec):
        raise TypeError(f"spec must be a ModelSpec, got {type(spec).__name__}")
    MODELS[spec.name] = spec
    return spec


def get_model(model) -> ModelSpec:
    """A :class:`ModelSpec` by name (case-insensitive) or the spec itself.

    Examples
    --------
    >>> get_model("Parroting").name
    'parroting'
    """
    if isinstance(model, ModelSpec):
        return model
    if not isinstance(model, str):
        raise ValueError(f"model must be one of {sorted(MODELS)} or a ModelSpec, got {model!r}")
    try:
        return MODELS[resolve_name(model, MODELS, "model")]
    except ValueError as err:
        raise ValueError(f"{err} (model must be one of {sorted(MODELS)} or a ModelSpec)") from None
