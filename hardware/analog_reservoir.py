"""Any rate reservoir of the form ``x' = (1 - a) x + a f(W x + W_in u + b)`` run on a crossbar.

The wrapped reservoir's weights are drawn as usual, written in that form by its
``linear_form(params)`` hook (ESN, OnionESN, EIReservoir have it), and mapped once onto the
crossbar as one matrix ``[W | W_in * input_range | b / k ... b / k]`` acting on
``[x, u / input_range, 1 ... 1]`` (``k = bias_rows`` duplicated bias rows; or the bias added
digitally, ``bias="digital"``): folding the input range and the bias into the array keeps every
DAC input in [-1, 1] and lets the column current be the full pre-activation, which the
activation ADC converts directly (the partial currents of row tiles are summed in the analog
domain before it). The recurrent, input and bias blocks each get the whole conductance window
(``Crossbar(scaling="block")``) and the zeros of a sparse ``W`` stay unformed cells.

Each step is ``n_reads`` noisy analog MVMs of the same input (4 by default), each converted by
the ramp ADC's quantised activation or, without one, by the crossbar's linear ADC followed by
the float activation, and averaged: the read noise dithers the activation ADC. The read noise
comes from a PRNG key carried in the state; every run starts a new noise stream (the count of
runs is folded into the chip's key; the sequences of a batched run count as successive runs),
so fitting and forecasting do not replay one noise sequence, and the sequence of runs is
reproducible for a given ``random_state``.

Fitting (``adapt``) calibrates the converter ranges on the fit data and sets
``mapping_report_``: spectral radius and error of the programmed recurrent matrix, the share of
pre-activations outside the activation ADC's range, the programming statistics; a
:class:`MappingWarning` says when the programmed matrix is far from the designed one.
"""

import copy
import warnings
from numbers import Integral, Real

import jax
import jax.numpy as jnp
import numpy as np

from reservoir import _jax  # noqa: F401  (float64 on)
from reservoir.activations import get_activation
from reservoir.base import Reservoir, make_rng
from reservoir.validation import Boolean, Check, InstanceOf, Interval, Options, validate_parameters

from .adc import RampADC, apply_ramp_adc
from .crossbar import Crossbar


class MappingWarning(UserWarning):
    """The programmed matrix is far from the designed one (see ``AnalogReservoir.mapping_report``)."""


def _check_linear_form(reservoir, name):
    # What the chip needs from the reservoir it runs: its step as dense arrays
    # (linear_form) and the nonlinearity applied after the product (activation).
    if not (callable(getattr(reservoir, "linear_form", None)) and hasattr(reservoir, "activation")):
        raise TypeError(f"{name} must be a rate reservoir with a linear_form(params) method and an "
                        f"activation (ESN, OnionESN, EIReservoir); got {reservoir!r}")


class AnalogReservoir(Reservoir):
    """A reservoir whose products run on a simulated crossbar and whose activation is an ADC.

    Parameters
    ----------
    reservoir : Reservoir with a ``linear_form(params)`` method
        The software reservoir (ESN, OnionESN, EIReservoir, ...); its weights are used.
    crossbar : Crossbar or None
        Array configuration (device, DAC bits, wires, sparse layout, block scaling, ...). None:
        ``Crossbar()`` (the ``reram_default`` preset, 8-bit DAC and ADC, unformed zeros,
        per-block scaling, stuck-cell compensation). With an ``activation_adc`` the crossbar's
        own ADC is not used.
    activation_adc : RampADC or None
        Ramp ADC producing the activation; its activation must match the reservoir's. None:
        linear ADC of the crossbar, then the float activation.
    input_range : float, default=4.0
        Inputs are divided by this before the DAC (standardised inputs lie within +-4).
    bias : {"rows", "digital"}, default="rows"
        "rows": the bias is a block of ``bias_rows`` array rows driven at full scale, each
        carrying ``b / bias_rows`` (duplicated rows average their programming errors);
        "digital": added exactly to each column's sum before the activation (a trimmed
        per-column offset current in front of a ramp ADC).
    bias_rows : int, default=1
        Number of duplicated bias rows (``bias="rows"``).
    calibrate : bool, default=True
        When fitted (``adapt``), set the DAC range and the crossbar's linear-ADC ranges from the
        fit data (float reservoir's states and inputs) instead of their worst cases.
    n_reads : int, default=4
        Reads per step: the array is read ``n_reads`` times with the same input, each read
        (with its own read noise) is converted, and the activations are averaged digitally
        (with a ramp ADC the counter keeps counting over the reads). The read noise then
        dithers the activation ADC, so the average resolves values between its levels; it
        costs ``n_reads`` times the array reads and conversions per step (energy and latency:
        ``hardware.energy.analog_step(..., n_reads=...)``: 3.3x the energy, 4x the latency of
        one read for N = 300 and a 5-bit ramp ADC). The default 4 was chosen on validation
        Lorenz forecasts (benchmarks/hardware_mapping.py); it assumes read noise that is
        independent from read to read (white), so it overstates the gain for devices whose
        read noise is mostly slow (1/f, random telegraph). Without read noise every read
        converts to the same value: ``n_reads`` changes nothing but the cost.
    random_state : int, Generator or None
        Seed of the chip instance (programming, ramp devices) and of the read noise; the
        wrapped reservoir's weights use its own ``random_state``.

    Attributes
    ----------
    mapping_report_ : dict
        Set by ``initialize`` and completed by ``adapt`` (fit): see :meth:`mapping_report`.

    Notes
    -----
    The read noise is drawn afresh on every run (every ``initial_state``): the fit and each
    forecast see different noise, as on a chip. The sequence of runs is reproducible for a
    given ``random_state``. The sequences of one batched (vmapped) run each draw their own noise,
    as as many successive runs would (:meth:`initial_states`).

    Examples
    --------
    >>> import numpy as np
    >>> from reservoir import ESN
    >>> res = AnalogReservoir(ESN(n_units=30, random_state=0), activation_adc=RampADC(bits=5),
    ...                       random_state=0)
    >>> res.fit_transform(np.ones((5, 1))).shape
    (5, 30)
    """

    def __init__(self, reservoir=None, crossbar=None, activation_adc=None, input_range=4.0, bias="rows",
                 bias_rows=1, calibrate=True, n_reads=4, random_state=None):
        self.reservoir = reservoir
        self.crossbar = crossbar
        self.activation_adc = activation_adc
        self.input_range = input_range
        self.bias = bias
        self.bias_rows = bias_rows
        self.calibrate = calibrate
        self.n_reads = n_reads
        self.random_state = random_state

    _parameter_constraints = {
        "reservoir": Check(_check_linear_form),
        "crossbar": [None, InstanceOf(Crossbar, "a hardware.Crossbar or None")],
        "activation_adc": [None, InstanceOf(RampADC, "a hardware.RampADC or None")],
        "input_range": Interval(Real, 0, None, closed="neither"),
        "bias": Options("rows", "digital"),
        "bias_rows": Interval(Integral, 1, None),
        "calibrate": Boolean(),
        "n_reads": Interval(Integral, 1, None),
    }

    def _parts(self):
        validate_parameters(self)
        return Crossbar() if self.crossbar is None else self.crossbar

    def initialize(self, n_inputs, random_state=None):
        """Draw the wrapped reservoir's weights, program them (and the ramp ADC) once."""
        self._parts()
        rng = make_rng(self.random_state if random_state is None else random_state)
        chip_seed = int(rng.integers(2**62))
        software = self.reservoir.initialize(n_inputs)
        params = self._program(software, n_inputs, chip_seed)
        self.mapping_report_ = self.mapping_report(params, software)
        return params

    def adapt(self, params, inputs):
        """Run the wrapped reservoir's unsupervised phase in float (ex situ, as a chip would be
        prepared), program the adapted weights onto the same chip instance, calibrate the
        converters on ``inputs`` (``calibrate=True``), and complete ``mapping_report_`` with the
        fraction of pre-activations outside the activation ADC's range on ``inputs``; warn
        (:class:`MappingWarning`) when the programmed matrix is far from the designed one."""
        n_inputs = params["input_scale"].shape[0]
        software = self.reservoir.adapt(self.reservoir.initialize(n_inputs), inputs)
        params = self._program(software, n_inputs, int(params["chip_seed"]))
        sequences = [np.asarray(seq, dtype=float) for seq in inputs]
        if self.calibrate:
            params = self._calibrated(params, software, sequences)
        report = self.mapping_report(params, software, sequences)
        self.mapping_report_ = report
        for message in report["warnings"]:
            warnings.warn(message, MappingWarning, stacklevel=2)
        return params

    def _bias_rows(self):
        return self.bias_rows if self.bias == "rows" else 0

    def _program(self, software_params, n_inputs, chip_seed):
        self._parts()  # validates the parts
        rng_xbar, rng_adc, rng_read = np.random.default_rng(chip_seed).spawn(3)
        form = self.reservoir.linear_form(software_params)
        n = form["W"].shape[0]
        if self.activation_adc is not None:
            act = form["activation"]
            if self.activation_adc.activation != act:
                raise ValueError(f"activation_adc computes {self.activation_adc.activation!r} but the reservoir "
                                 f"uses {act!r}")
        else:
            get_activation(form["activation"])
        k = self._bias_rows()
        bias = np.asarray(form["bias"], dtype=float)
        parts = [form["W"], form["W_in"] * self.input_range] + ([np.repeat(bias[:, None] / k, k, axis=1)] if k else [])
        matrix = np.hstack(parts)
        # Each block (recurrent, input, bias) spans the conductance window with its own scale.
        blocks = (n, n_inputs) + ((k,) if k else ())
        # The activation ADC reads the whole analog sum: the crossbar's ADC is bypassed then.
        xbar = self._crossbar()
        arrays, stats = xbar.map_weights(matrix, rng_xbar, blocks=blocks, return_stats=True)
        params = {f"xbar_{k_}": v for k_, v in arrays.items() if k_ != "shape"}
        params["leak_rate"] = np.broadcast_to(np.asarray(form["leak_rate"], dtype=float), (n,)).copy()
        params["input_scale"] = np.full(n_inputs, 1.0 / self.input_range)
        params["digital_bias"] = np.zeros(n) if k else bias.copy()
        params["read_key"] = np.asarray(jax.random.PRNGKey(int(rng_read.integers(2**31))))
        params["chip_seed"] = np.asarray(chip_seed, dtype=np.int64)
        for name, value in stats.items():
            params[f"stat_{name}"] = np.asarray(value, dtype=np.int64)
        if self.activation_adc is not None:
            adc = copy.copy(self.activation_adc).program(rng_adc)
            params["adc_thresholds"] = adc.thresholds_
            params["adc_levels"] = adc.levels_
        return params

    def _crossbar(self):
        crossbar = Crossbar() if self.crossbar is None else self.crossbar
        return crossbar if self.activation_adc is None else _without_adc(crossbar)

    def _arrays(self, params):
        arrays = {k[5:]: params[k] for k in params if k.startswith("xbar_")}
        n, d = params["leak_rate"].shape[0], params["input_scale"].shape[0]
        arrays["shape"] = np.array([n, n + d + self._bias_rows()])
        return arrays

    def _crossbar_inputs(self, states, inputs, params):
        """The DAC inputs ``[x_{t-1}, u_t / input_range, 1...]`` of every step of a run."""
        previous = np.vstack([np.zeros((1, states.shape[1])), states[:-1]])
        ones = np.ones((len(inputs), self._bias_rows()))
        return np.hstack([previous, inputs * np.asarray(params["input_scale"]), ones])

    def _calibrated(self, params, software, sequences):
        # The float reservoir's states on the fit data stand in for the chip's: they are what
        # the chip is designed to reproduce, and they need no chip run.
        V = np.vstack([self._crossbar_inputs(states, seq, params)
                       for seq, states in zip(sequences, _run_all(self.reservoir, software, sequences))])
        arrays = self._crossbar().calibrate_arrays(self._arrays(params), V)
        params = dict(params)
        params["xbar_adc_fs"] = arrays["adc_fs"]
        params["xbar_dac_fs"] = arrays["dac_fs"]
        return params

    def mapping_report(self, params, software_params, inputs=None):
        """How faithfully the chip holds the designed reservoir.

        Parameters
        ----------
        params : dict
            This reservoir's (programmed) params.
        software_params : dict
            The wrapped reservoir's params (the design).
        inputs : list of arrays (T, d), optional
            Data the chip is run on (the fit data) to measure the pre-activations.

        Returns
        -------
        dict
            ``spectral_radius`` (designed W), ``spectral_radius_effective`` (programmed W),
            ``spectral_radius_change`` (relative), ``relative_error`` (Frobenius, recurrent
            block), ``input_relative_error``; with ``inputs``: ``fraction_outside_adc`` (share of
            pre-activations beyond the activation ADC's first/last threshold, or beyond the
            linear ADC's range); the programming statistics (``stuck_cells``,
            ``compensated_pairs``, ``clipped_weights``, ``formed_cells``, ``unformed_cells``,
            ``programming_ops``, ``verify_reads``), ``programming_energy_J`` and ``warnings``
            (spectral radius moved by more than 10 %, or relative error above 0.3).

        Examples
        --------
        >>> from reservoir import ESN
        >>> esn = ESN(n_units=40, random_state=0)
        >>> res = AnalogReservoir(esn, crossbar=Crossbar(device="ideal"), random_state=0)
        >>> report = res.mapping_report(res.initialize(1), esn.initialize(1))
        >>> round(report["relative_error"], 9), report["warnings"]
        (0.0, [])
        """
        from .energy import programming_energy

        form = self.reservoir.linear_form(software_params)
        n, d = form["W"].shape[0], form["W_in"].shape[1]
        effective = self._crossbar().effective_weights(self._arrays(params))
        W, W_eff = np.asarray(form["W"], dtype=float), effective[:, :n]
        W_in_eff = effective[:, n:n + d] * np.asarray(params["input_scale"])
        rho = float(np.max(np.abs(np.linalg.eigvals(W)))) if n else 0.0
        rho_eff = float(np.max(np.abs(np.linalg.eigvals(W_eff)))) if n else 0.0
        norm = np.linalg.norm(W)
        report = {
            "spectral_radius": rho,
            "spectral_radius_effective": rho_eff,
            "spectral_radius_change": rho_eff / rho - 1 if rho > 0 else 0.0,
            "relative_error": float(np.linalg.norm(W_eff - W) / norm) if norm > 0 else 0.0,
            "input_relative_error": float(np.linalg.norm(W_in_eff - form["W_in"]) / np.linalg.norm(form["W_in"])),
        }
        stats = {k[5:]: int(v) for k, v in params.items() if k.startswith("stat_")}
        report.update(stats)
        report["programming_energy_J"] = programming_energy(stats.get("programming_ops", 0),
                                                            stats.get("verify_reads", 0))
        if inputs is not None:
            outside, total = 0, 0
            inputs = [np.asarray(seq, dtype=float) for seq in inputs]
            for seq, states in zip(inputs, _run_all(self, params, inputs)):
                V = self._crossbar_inputs(states, seq, params)
                pre = V @ effective.T + np.asarray(params["digital_bias"])
                if self.activation_adc is not None:
                    lo, hi = params["adc_thresholds"][0], params["adc_thresholds"][-1]
                    outside += int(np.sum((pre < lo) | (pre > hi)))
                elif self._crossbar().adc_bits:
                    # The linear ADC's full scale per output (tile partial sums taken together).
                    fs = np.asarray(params["xbar_adc_fs"]).sum(axis=1).reshape(-1)[:n]
                    x_range = float(params["xbar_dac_fs"]) if "xbar_dac_fs" in params else 1.0
                    outside += int(np.sum(np.abs(pre - np.asarray(params["digital_bias"])) > fs * x_range))
                total += pre.size
            report["fraction_outside_adc"] = outside / max(total, 1)
        messages = []
        if abs(report["spectral_radius_change"]) > 0.1:
            messages.append(f"the programmed recurrent matrix has spectral radius {rho_eff:.3g} instead of "
                            f"{rho:.3g} ({100 * report['spectral_radius_change']:+.0f} %)")
        if report["relative_error"] > 0.3:
            messages.append(f"the programmed recurrent matrix differs from the designed one by "
                            f"{report['relative_error']:.2f} (relative Frobenius error)")
        report["warnings"] = messages
        return report

    def initial_state(self, params):
        n = params["leak_rate"].shape[0]
        # A fresh read-noise stream per run: the count of runs is folded into the chip's key.
        self._n_runs = getattr(self, "_n_runs", 0) + 1
        key = jax.random.fold_in(jnp.asarray(params["read_key"]), self._n_runs)
        return {"x": jnp.zeros(n, dtype=jnp.float64), "key": key}

    def initial_states(self, params, n):
        """Initial states of ``n`` sequences run together (batched): each its own noise stream,
        as ``n`` successive runs would have."""
        n_units = params["leak_rate"].shape[0]
        start = getattr(self, "_n_runs", 0)
        self._n_runs = start + n
        counts = jnp.arange(start + 1, start + n + 1)
        keys = jax.vmap(jax.random.fold_in, in_axes=(None, 0))(jnp.asarray(params["read_key"]), counts)
        return {"x": jnp.zeros((n, n_units), dtype=jnp.float64), "key": keys}

    def features(self, params, state):
        return state["x"]

    def n_features(self, params):
        return int(params["leak_rate"].shape[0])

    def step(self, params, state, u):
        x = state["x"]
        n, d = params["leak_rate"].shape[0], params["input_scale"].shape[0]
        k = self._bias_rows()
        key, sub = jax.random.split(state["key"])
        v = jnp.concatenate([x, u * params["input_scale"], jnp.ones(k)])
        arrays = {k_[5:]: params[k_] for k_ in params if k_.startswith("xbar_")}
        shape = (n, n + d + k)
        if self.n_reads == 1:
            pre = self._crossbar().matvec_arrays(arrays, v, sub, shape=shape) + params["digital_bias"]
            return {"x": (1.0 - params["leak_rate"]) * x + params["leak_rate"] * self._activate(params, pre),
                    "key": key}
        # n_reads reads of the same input, each with its own read noise, each converted; the
        # activations are averaged (a ramp ADC's counter simply keeps counting).
        pre = jax.vmap(lambda key_: self._crossbar().matvec_arrays(arrays, v, key_, shape=shape))(
            jax.random.split(sub, self.n_reads)) + params["digital_bias"]
        act = self._activate(params, pre).mean(axis=0)
        leak = params["leak_rate"]
        return {"x": (1.0 - leak) * x + leak * act, "key": key}

    def _activate(self, params, pre):
        if self.activation_adc is not None:
            return apply_ramp_adc(params["adc_thresholds"], params["adc_levels"], pre)
        return get_activation(self.reservoir.activation)(pre)

    def static_config(self):
        crossbar = self._crossbar()
        adc = self.activation_adc
        return (
            ("reservoir", type(self.reservoir).__name__, repr(self.reservoir.activation)),
            ("crossbar",) + tuple(sorted((k, v) for k, v in vars(crossbar).items()
                                         if not k.endswith("_") and not k.startswith("_")
                                         and k != "random_state")),
            ("adc", None if adc is None else adc.activation),
            ("bias", self.bias, self.bias_rows),
            ("reads", int(self.n_reads)),
        )


def _run_all(reservoir, params, sequences):
    """States of each sequence; sequences of one length run together (one vmapped run)."""
    from reservoir.runner import run

    if len(sequences) > 1 and len({seq.shape for seq in sequences}) == 1:
        return list(run(reservoir, params, np.stack(sequences))[0])
    return [run(reservoir, params, seq)[0] for seq in sequences]


def _without_adc(crossbar):
    bypass = copy.copy(crossbar)
    bypass.adc_bits = 0
    return bypass
