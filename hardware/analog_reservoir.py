"""Any rate reservoir of the form ``x' = (1 - a) x + a f(W x + W_in u + b)`` run on a crossbar.

The wrapped reservoir's weights are drawn as usual, written in that form by its
``linear_form(params)`` hook (ESN, OnionESN, EIReservoir have it), and mapped once onto the
crossbar as one matrix ``[W | W_in * input_range | b]`` acting on ``[x, u / input_range, 1]``:
folding the input range and the bias into the array keeps every DAC input in [-1, 1] and lets
the column current be the full pre-activation, which the activation ADC converts directly
(the partial currents of row tiles are summed in the analog domain before it). Each step is
one noisy analog MVM (read noise drawn from a PRNG key carried in the state, so runs are
deterministic for a given ``random_state``), then either the ramp ADC's quantised activation
or, without one, the crossbar's linear ADC followed by the float activation.
"""

import copy

import jax
import jax.numpy as jnp
import numpy as np

from reservoir import _jax  # noqa: F401  (float64 on)
from reservoir.activations import get_activation
from reservoir.base import Reservoir, make_rng

from .adc import RampADC, apply_ramp_adc
from .crossbar import Crossbar


class AnalogReservoir(Reservoir):
    """A reservoir whose products run on a simulated crossbar and whose activation is an ADC.

    Parameters
    ----------
    reservoir : Reservoir with a ``linear_form(params)`` method
        The software reservoir (ESN, OnionESN, EIReservoir, ...); its weights are used.
    crossbar : Crossbar or None
        Array configuration (device, DAC bits, wires, ...). None: ``Crossbar()`` (the
        ``reram_default`` preset, 8-bit DAC and ADC). With an ``activation_adc`` the crossbar's
        own ADC is not used.
    activation_adc : RampADC or None
        Ramp ADC producing the activation; its activation must match the reservoir's. None:
        linear ADC of the crossbar, then the float activation.
    input_range : float, default=4.0
        Inputs are divided by this before the DAC (standardised inputs lie within +-4).
    random_state : int, Generator or None
        Seed of the chip instance (programming, ramp devices) and of the read noise; the
        wrapped reservoir's weights use its own ``random_state``.

    Examples
    --------
    >>> import numpy as np
    >>> from reservoir import ESN
    >>> res = AnalogReservoir(ESN(n_units=30, random_state=0), activation_adc=RampADC(bits=5),
    ...                       random_state=0)
    >>> res.fit_transform(np.ones((5, 1))).shape
    (5, 30)
    """

    def __init__(self, reservoir=None, crossbar=None, activation_adc=None, input_range=4.0, random_state=None):
        self.reservoir = reservoir
        self.crossbar = crossbar
        self.activation_adc = activation_adc
        self.input_range = input_range
        self.random_state = random_state

    def _parts(self):
        if not hasattr(self.reservoir, "linear_form"):
            raise TypeError("reservoir must be a rate reservoir with a linear_form(params) method "
                            f"(ESN, OnionESN, EIReservoir); got {self.reservoir!r}")
        crossbar = Crossbar() if self.crossbar is None else self.crossbar
        if not isinstance(crossbar, Crossbar):
            raise TypeError(f"crossbar must be a hardware.Crossbar or None, got {crossbar!r}")
        if self.activation_adc is not None and not isinstance(self.activation_adc, RampADC):
            raise TypeError(f"activation_adc must be a hardware.RampADC or None, got {self.activation_adc!r}")
        if isinstance(self.input_range, bool) or not (np.isfinite(self.input_range) and self.input_range > 0):
            raise ValueError(f"input_range must be > 0, got {self.input_range!r}")
        return crossbar

    def initialize(self, n_inputs, random_state=None):
        """Draw the wrapped reservoir's weights, program them (and the ramp ADC) once."""
        self._parts()
        rng = make_rng(self.random_state if random_state is None else random_state)
        chip_seed = int(rng.integers(2**62))
        return self._program(self.reservoir.initialize(n_inputs), n_inputs, chip_seed)

    def adapt(self, params, inputs):
        """Run the wrapped reservoir's unsupervised phase in float (ex situ, as a chip would be
        prepared), then program the adapted weights onto the same chip instance."""
        n_inputs = params["input_scale"].shape[0]
        software = self.reservoir.adapt(self.reservoir.initialize(n_inputs), inputs)
        return self._program(software, n_inputs, int(params["chip_seed"]))

    def _program(self, software_params, n_inputs, chip_seed):
        crossbar = self._parts()
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
        matrix = np.hstack([form["W"], form["W_in"] * self.input_range, form["bias"][:, None]])
        # The activation ADC reads the whole analog sum: the crossbar's ADC is bypassed then.
        xbar = crossbar if self.activation_adc is None else _without_adc(crossbar)
        arrays = xbar.map_weights(matrix, rng_xbar)
        params = {f"xbar_{k}": v for k, v in arrays.items() if k != "shape"}
        params["leak_rate"] = np.broadcast_to(np.asarray(form["leak_rate"], dtype=float), (n,)).copy()
        params["input_scale"] = np.full(n_inputs, 1.0 / self.input_range)
        params["read_key"] = np.asarray(jax.random.PRNGKey(int(rng_read.integers(2**31))))
        params["chip_seed"] = np.asarray(chip_seed, dtype=np.int64)
        if self.activation_adc is not None:
            adc = copy.copy(self.activation_adc).program(rng_adc)
            params["adc_thresholds"] = adc.thresholds_
            params["adc_levels"] = adc.levels_
        return params

    def _crossbar(self):
        crossbar = Crossbar() if self.crossbar is None else self.crossbar
        return crossbar if self.activation_adc is None else _without_adc(crossbar)

    def initial_state(self, params):
        n = params["leak_rate"].shape[0]
        return {"x": jnp.zeros(n, dtype=jnp.float64), "key": jnp.asarray(params["read_key"])}

    def features(self, params, state):
        return state["x"]

    def n_features(self, params):
        return int(params["leak_rate"].shape[0])

    def step(self, params, state, u):
        x = state["x"]
        n, d = params["leak_rate"].shape[0], params["input_scale"].shape[0]
        key, sub = jax.random.split(state["key"])
        v = jnp.concatenate([x, u * params["input_scale"], jnp.ones(1)])
        arrays = {k[5:]: params[k] for k in params if k.startswith("xbar_")}
        pre = self._crossbar().matvec_arrays(arrays, v, sub, shape=(n, n + d + 1))
        if self.activation_adc is not None:
            act = apply_ramp_adc(params["adc_thresholds"], params["adc_levels"], pre)
        else:
            act = get_activation(_activation_of(self.reservoir))(pre)
        leak = params["leak_rate"]
        return {"x": (1.0 - leak) * x + leak * act, "key": key}

    def static_config(self):
        crossbar = self._crossbar()
        adc = self.activation_adc
        return (
            ("reservoir", type(self.reservoir).__name__, repr(_activation_of(self.reservoir))),
            ("crossbar",) + tuple(sorted((k, v) for k, v in vars(crossbar).items()
                                         if not k.endswith("_") and not k.startswith("_")
                                         and k != "random_state")),
            ("adc", None if adc is None else adc.activation),
        )


def _activation_of(reservoir):
    """The nonlinearity of ``linear_form`` without drawing weights: the ``activation``
    hyperparameter, or the logistic sigmoid of the E/I reservoir, which has none."""
    return getattr(reservoir, "activation", "sigmoid")


def _without_adc(crossbar):
    bypass = copy.copy(crossbar)
    bypass.adc_bits = 0
    return bypass
