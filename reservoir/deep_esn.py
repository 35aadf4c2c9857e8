"""Deep echo state network: leaky tanh reservoirs stacked in layers, every layer read out."""

from numbers import Real

import jax.numpy as jnp
import numpy as np

from . import _jax  # noqa: F401  (float64 on)
from .activations import get_activation
from .base import Reservoir, make_rng
from .esn import ESN, input_product, recurrent_product
from .validation import Boolean, Check, Interval, validate_parameters


def _check_layer_sizes(sizes, name):
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, (tuple, list)) or len(sizes) == 0:
        raise TypeError(f"{name} must be a non-empty tuple of ints (units per layer), got {sizes!r}")
    for n in sizes:
        if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"{name} must hold positive ints (units per layer), got {sizes!r}")


class DeepESN(Reservoir):
    r"""Stacked leaky echo state networks (Gallicchio, Micheli & Pedrelli 2017).

    Layer 1 is driven by the input, layer ``l > 1`` by the new state of layer ``l - 1`` (and
    by the input too with ``input_to_all=True``):

    .. math:: x^{(l)}_{t+1} = (1 - a_l)\,x^{(l)}_t + a_l \tanh\!\big(W_l x^{(l)}_t
              + V_l\, x^{(l-1)}_{t+1} + b_l\big), \qquad x^{(0)}_{t+1} = u_{t+1}.

    The readout sees the states of every layer, concatenated (``sum(n_units)`` features), as
    in reservoirpy's deep ESN. Each layer is drawn as an :class:`~reservoir.ESN` (sparse
    ``W`` with fixed in-degree scaled to its spectral radius, uniform bias); the input weights
    of layer 1 are uniform on ``[-input_scaling, input_scaling]``, those between layers on
    ``[-interlayer_scaling, interlayer_scaling]``. A one-layer ``DeepESN((N,))`` is the
    :class:`~reservoir.ESN` with the same hyperparameters and seed, state for state.

    Parameters
    ----------
    n_units : tuple of int, default=(250, 250)
        Units per layer, first layer first.
    spectral_radius, leak_rate : float or tuple of float, default=0.9, 1.0
        Per layer (a tuple with one value per layer) or shared (a float).
    input_scaling : float, default=0.3
        Half-width of the input weights of the first layer (of every layer with
        ``input_to_all``); inputs are expected standardised.
    interlayer_scaling : float, default=0.1
        Half-width of the dense weights from one layer to the next. A layer receives as many
        inputs as the previous one has units, so this is smaller than ``input_scaling``.
    in_degree : int or None, default=10
        Presynaptic units per unit inside a layer (None: dense).
    bias_scaling : float, default=1.0
        Half-width of the uniform bias of every layer.
    input_to_all : bool, default=False
        Also drive every deeper layer with the input.
    activation : {"tanh", "identity", "relu", "sigmoid"}, default="tanh"
    random_state : int, Generator or None
        Seed of the weights (one independent stream per layer).

    Examples
    --------
    >>> import numpy as np
    >>> deep = DeepESN(n_units=(30, 20), random_state=0)
    >>> deep.fit_transform(np.ones((5, 2))).shape
    (5, 50)
    """

    _parameter_constraints = {
        "n_units": Check(_check_layer_sizes),
        "interlayer_scaling": Interval(Real, 0, None, closed="neither"),
        "input_scaling": Interval(Real, 0, None, closed="neither"),
        "input_to_all": Boolean(),
    }

    def __init__(self, n_units=(250, 250), spectral_radius=0.9, leak_rate=1.0, input_scaling=0.3,
                 interlayer_scaling=0.1, in_degree=10, bias_scaling=1.0, input_to_all=False,
                 activation="tanh", random_state=None):
        self.n_units = n_units
        self.spectral_radius = spectral_radius
        self.leak_rate = leak_rate
        self.input_scaling = input_scaling
        self.interlayer_scaling = interlayer_scaling
        self.in_degree = in_degree
        self.bias_scaling = bias_scaling
        self.input_to_all = input_to_all
        self.activation = activation
        self.random_state = random_state

    # -- hyperparameters -----------------------------------------------------------------------

    def _sizes(self):
        _check_layer_sizes(self.n_units, "n_units")
        return tuple(int(n) for n in self.n_units)

    def _per_layer(self, name):
        value, n_layers = getattr(self, name), len(self._sizes())
        if isinstance(value, (tuple, list)):
            if len(value) != n_layers:
                raise ValueError(f"{name} must be a number or hold one value per layer ({n_layers}), got {value!r}")
            return tuple(value)
        return (value,) * n_layers

    def _layers(self):
        """One ESN per layer with its hyperparameters (their checks name the argument)."""
        validate_parameters(self)
        sizes = self._sizes()
        layers = []
        for n, rho, leak in zip(sizes, self._per_layer("spectral_radius"), self._per_layer("leak_rate")):
            layer = ESN(n_units=n, spectral_radius=rho, leak_rate=leak, input_scaling=1.0,
                        in_degree=self.in_degree, bias_scaling=self.bias_scaling, activation=self.activation)
            layer._check_hyperparameters()
            layers.append(layer)
        return layers

    def _check_hyperparameters(self):
        self._layers()

    # -- the Reservoir contract ----------------------------------------------------------------

    def initialize(self, n_inputs, random_state=None):
        """Draw every layer's weights; params keys are ``"<layer>_<name>"`` (``"0_W_in"``)."""
        layers = self._layers()
        rng = make_rng(self.random_state if random_state is None else random_state)
        params, previous = {}, None
        # The first layer takes the whole generator, so one layer draws exactly the ESN.
        for i, (layer, child) in enumerate(zip(layers, [rng] + rng.spawn(len(layers) - 1))):
            if previous is None:
                scaling = np.full(n_inputs, float(self.input_scaling))
            else:
                scaling = np.full(previous, float(self.interlayer_scaling))
                if self.input_to_all:
                    scaling = np.concatenate([scaling, np.full(n_inputs, float(self.input_scaling))])
            layer.set_params(input_scaling=scaling)
            for key, value in layer.initialize(len(scaling), child).items():
                params[f"{i}_{key}"] = value
            previous = layer.n_units
        return params

    def _layer_params(self, params):
        return [{key.split("_", 1)[1]: value for key, value in params.items() if key.split("_", 1)[0] == str(i)}
                for i in range(len(self._sizes()))]

    def initial_state(self, params):
        return jnp.zeros(sum(self._sizes()), dtype=jnp.asarray(params["0_bias"]).dtype)

    def n_features(self, params):
        return sum(self._sizes())

    def prepare(self, params):
        return {**params, **{f"{i}_W_in_T": params[f"{i}_W_in"].T for i in range(len(self._sizes()))}}

    def step(self, params, state, u):
        f = get_activation(self.activation)
        sizes = self._sizes()
        bounds = np.cumsum((0,) + sizes)
        new, drive = [], u
        for i, layer in enumerate(self._layer_params(params)):
            x = state[bounds[i]:bounds[i + 1]]
            if i > 0 and self.input_to_all:
                drive = jnp.concatenate([drive, u])
            pre = recurrent_product(layer, x) + input_product(layer["W_in"], drive, layer.get("W_in_T")) + layer["bias"]
            x = (1.0 - layer["leak_rate"]) * x + layer["leak_rate"] * f(pre)
            new.append(x)
            drive = x
        return jnp.concatenate(new)

    def static_config(self):
        # Numeric hyperparameters live in params; the layer sizes shape the step.
        return (("n_units", self._sizes()), ("input_to_all", bool(self.input_to_all)),
                ("activation", self.activation))

    def check_params(self, params, n_inputs=None):
        """Every layer's arrays as an :class:`~reservoir.ESN` checks them, and the chain of
        input widths (layer ``l`` takes the units of layer ``l - 1``)."""
        super().check_params(params, n_inputs)
        sizes = self._sizes()
        previous = n_inputs
        for i, (layer, n) in enumerate(zip(self._layer_params(params), sizes)):
            if not layer:
                raise ValueError(f"params must hold the arrays of layer {i} (keys '{i}_...')")
            if i == 0 or not self.input_to_all:
                expected = previous
            else:
                expected = None if n_inputs is None else previous + n_inputs
            ESN().check_params(layer, expected)
            if np.shape(layer["bias"])[0] != n:
                raise ValueError(f"params of layer {i} have {np.shape(layer['bias'])[0]} units, n_units says {n}")
            previous = n
