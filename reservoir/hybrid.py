"""Knowledge-based hybrid echo state network: an imperfect ODE model beside the reservoir."""

import types
from numbers import Integral, Real

import jax
import jax.numpy as jnp
import numpy as np

from . import _jax  # noqa: F401  (float64 on)
from .activations import get_activation
from .esn import ESN
from .signature import extends
from .sparse_ops import input_product, recurrent_product
from .validation import InstanceOf, Interval


def rk4_step(field, x, theta, h):
    """One classical Runge-Kutta step of ``dx/dt = field(x, theta)`` of size ``h`` (jax-traceable).

    Examples
    --------
    >>> float(rk4_step(lambda x, a: a * x, 1.0, -1.0, 0.1))  # exp(-0.1) to O(h^5)
    0.9048375
    """
    k1 = field(x, theta)
    k2 = field(x + 0.5 * h * k1, theta)
    k3 = field(x + 0.5 * h * k2, theta)
    k4 = field(x + h * k3, theta)
    return x + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)


class HybridESN(ESN):
    r"""Knowledge-based hybrid ESN (Pathak, Wikner, Fussell, Chandra, Hunt, Girvan & Ott, Chaos 2018).

    An imperfect model of the system, here the dysts ODE of ``system`` with its parameters
    perturbed (each named one times ``1 + parameter_error``), predicts the next sample from
    the current one, :math:`K(u_t)` (``model_substeps`` classical Runge-Kutta steps over the
    sampling step ``dt``). The prediction drives the reservoir beside the input and is
    given to the readout beside the reservoir state:

    .. math:: x_{t+1} = (1 - a)\,x_t + a \tanh\big(W x_t + W_{in} [u_{t+1}; K(u_{t+1})] + b\big),
              \qquad \text{features} = [x_{t+1};\ c\,K(u_{t+1})].

    The readout thus learns to correct the model with the reservoir. The model runs in the
    coordinates of the raw data: the estimators tell the reservoir their standardisation
    (:meth:`with_input_map`), and the model's output is standardised the same way. Without
    an estimator (``fit_transform``) inputs are taken as raw data.

    Parameters
    ----------
    system : str, default="Lorenz"
        A dysts system (an autonomous ODE whose right-hand side jax can trace; see
        :func:`dysts_vector_field`). The input dimension must be its dimension.
    dt : float, default=0.01
        Time between two samples of the series, in the system's time unit (for data from
        ``reservoir.chaos.trajectory``: ``system_info(system).dt(pts_per_period)``).
    parameter_error : float, default=0.05
        Relative error ``eps`` of the model's parameters (0 gives the exact ODE).
    perturbed_parameters : str, tuple of str or None, default=None
        Which parameters are multiplied by ``1 + eps``; None: every one.
    model_substeps : int, default=4
        Runge-Kutta steps per sampling step.
    model_scaling : float or None, default=None
        Half-width of the input weights of the model's prediction; None: ``input_scaling``.
    model_feature_scale : float, default=1000.0
        The model's prediction is given to the readout times this factor. A ridge readout
        penalises a feature's weight less the larger the feature, so a large factor makes
        "trust the model" the cheap solution and the reservoir's part a correction; with
        few training points (fewer than features) a factor of 1 lets the minimum-norm fit
        spread the prediction over the reservoir's features instead (measured in
        ``benchmarks/peer_variants.py``).
    n_units, spectral_radius, leak_rate, input_scaling, in_degree, bias_scaling, activation, dtype
        As in :class:`~reservoir.ESN`.
    random_state : int, Generator or None

    Examples
    --------
    >>> import numpy as np
    >>> from reservoir import ReservoirForecaster
    >>> from reservoir.chaos import system_info, trajectory
    >>> _, X = trajectory("Lorenz", n=2000, pts_per_period=100, seed=0)  # doctest: +SKIP
    >>> hybrid = HybridESN("Lorenz", dt=system_info("Lorenz").dt(100), n_units=300, random_state=0)
    >>> fc = ReservoirForecaster(hybrid).fit(X)  # doctest: +SKIP
    """

    # The step carries the model's prediction beside the units: no batch-last layout.
    batch_last = False

    @extends(ESN, own_first=True)
    def __init__(self, system="Lorenz", dt=0.01, parameter_error=0.05, perturbed_parameters=None,
                 model_substeps=4, model_scaling=None, model_feature_scale=1000.0, **esn_params):
        super().__init__(**esn_params)
        self.system = system
        self.dt = dt
        self.parameter_error = parameter_error
        self.perturbed_parameters = perturbed_parameters
        self.model_substeps = model_substeps
        self.model_scaling = model_scaling
        self.model_feature_scale = model_feature_scale

    _parameter_constraints = {
        "system": InstanceOf(str, "the name of a dysts system"),
        "dt": Interval(Real, 0, None, closed="neither"),
        "parameter_error": Interval(Real, -1, None, closed="neither"),
        "model_substeps": Interval(Integral, 1, None),
        "model_scaling": [None, Interval(Real, 0, None, closed="neither")],
        "model_feature_scale": Interval(Real, 0, None, closed="neither"),
        # One scaling for the input and one for the model's prediction, not one per input.
        "input_scaling": Interval(Real, 0, None, closed="neither"),
    }

    def _field(self):
        return dysts_vector_field(self.system, self.parameter_error, self.perturbed_parameters)

    def initialize(self, n_inputs, random_state=None):
        """The ESN's weights for the input and the model's prediction, the model's
        (perturbed) parameters, and an identity input map."""
        self._check_hyperparameters()
        _, values, dimension = self._field()
        if n_inputs != dimension:
            raise ValueError(f"the input has {n_inputs} dimensions but system {self.system!r} has {dimension}")
        model_scaling = self.input_scaling if self.model_scaling is None else self.model_scaling
        scaling = np.concatenate([np.full(n_inputs, float(self.input_scaling)), np.full(n_inputs, float(model_scaling))])
        esn = ESN(**{k: v for k, v in self.get_params().items() if k in ESN().get_params()})
        params = esn.set_params(input_scaling=scaling).initialize(2 * n_inputs, random_state)
        params.update(model_parameters=np.asarray(values, dtype=float), input_mean=np.zeros(n_inputs),
                      input_scale=np.ones(n_inputs), dt=np.asarray(float(self.dt)),
                      model_feature_scale=np.asarray(float(self.model_feature_scale)))
        return params

    def with_input_map(self, params, mean, scale):
        return {**params, "input_mean": np.asarray(mean, dtype=float), "input_scale": np.asarray(scale, dtype=float)}

    def model_step(self, params, u):
        """``K(u)``: the model's prediction of the next (standardised) input after ``u``."""
        field = self._field()[0]
        x = u * params["input_scale"] + params["input_mean"]
        h = params["dt"] / self.model_substeps
        theta = params["model_parameters"]

        def rk4(x, _):
            return rk4_step(field, x, theta, h), None

        x, _ = jax.lax.scan(rk4, x, None, length=int(self.model_substeps))
        return (x - params["input_mean"]) / params["input_scale"]

    def initial_state(self, params):
        bias = jnp.asarray(params["bias"])
        return {"x": jnp.zeros(bias.shape[0], dtype=bias.dtype),
                "k": jnp.zeros(np.shape(params["input_mean"])[0], dtype=bias.dtype)}

    def step(self, params, state, u):
        k = self.model_step(params, u).astype(state["x"].dtype)
        drive = jnp.concatenate([u, k])
        pre = recurrent_product(params, state["x"]) + input_product(params["W_in"], drive) + params["bias"]
        leak = params["leak_rate"]
        x = (1.0 - leak) * state["x"] + leak * get_activation(self.activation)(pre)
        return {"x": x, "k": k}

    def prepare(self, params):
        return params

    def features(self, params, state):
        return jnp.concatenate([state["x"], params["model_feature_scale"] * state["k"]])

    def n_features(self, params):
        return int(np.shape(params["bias"])[0] + np.shape(params["input_mean"])[0])

    def static_config(self):
        # The model's equations and step count are compiled in; its parameters are in params.
        perturbed = self.perturbed_parameters
        perturbed = tuple(perturbed) if isinstance(perturbed, (list, tuple)) else perturbed
        return (("activation", self.activation), ("system", self.system),
                ("model_substeps", int(self.model_substeps)), ("perturbed_parameters", perturbed))

    def check_params(self, params, n_inputs=None):
        """The ESN's checks with twice the inputs (input and prediction), and the model's arrays."""
        for key in ("model_parameters", "input_mean", "input_scale", "dt", "model_feature_scale"):
            if key not in params:
                raise ValueError(f"params must hold {key!r}")
        super().check_params(params, None if n_inputs is None else 2 * n_inputs)
        d = np.shape(params["W_in"])[1] // 2
        if np.shape(params["input_mean"]) != (d,) or np.shape(params["input_scale"]) != (d,):
            raise ValueError(f"params['input_mean'] and params['input_scale'] must have shape ({d},)")
        if np.any(np.asarray(params["input_scale"]) <= 0) or float(params["dt"]) <= 0:
            raise ValueError("params['input_scale'] and params['dt'] must be > 0")

    def run_native(self, params, inputs, state=None, out=None, lengths=None):
        return None

    def block_diagonal(self, params_list):
        return None

    def linear_form(self, params):
        raise TypeError("HybridESN has a model in its step and no linear form")


def dysts_vector_field(system, parameter_error=0.0, perturbed_parameters=None):
    """The right-hand side of dysts ``system`` as a jax function ``f(x, theta)``.

    Returns ``(f, theta, dimension)``: ``theta`` holds the system's parameters (in dysts'
    order) with the ``perturbed_parameters`` (None: all) times ``1 + parameter_error``.
    dysts writes its equations with numpy; they are traced here with ``jax.numpy`` in place
    of numpy, and the result is checked against dysts' own right-hand side at its initial
    condition. Delay and non-autonomous systems, systems with a coordinate change after
    integration, and right-hand sides jax cannot trace raise ``ValueError``.

    Examples
    --------
    >>> f, theta, d = dysts_vector_field("Lorenz")
    >>> [round(float(v), 6) for v in f(jnp.array([1.0, 1.0, 1.0]), jnp.asarray(theta))]
    [0.0, 26.0, -1.667]
    """
    return _vector_field(system, float(parameter_error),
                         tuple(perturbed_parameters) if isinstance(perturbed_parameters, (list, tuple))
                         else perturbed_parameters)


_FIELDS = {}


def _vector_field(system, parameter_error, perturbed):
    key = (system, parameter_error, perturbed)
    if key in _FIELDS:
        return _FIELDS[key]
    import dysts.flows

    from .chaos import list_systems, system_info

    if system not in list_systems():
        raise ValueError(f"system must be a dysts system (reservoir.chaos.list_systems()), got {system!r}")
    model = getattr(dysts.flows, system)()
    if system_info(system).is_delay or getattr(model, "nonautonomous", False) or "_postprocessing" in vars(type(model)):
        raise ValueError(f"system {system!r} is a delay, non-autonomous or post-processed system: "
                         "HybridESN needs an autonomous ODE in the coordinates of the data")
    names = list(model.params)
    if isinstance(perturbed, str):
        perturbed = (perturbed,)
    if perturbed is not None:
        unknown = sorted(set(perturbed) - set(names))
        if unknown:
            raise ValueError(f"perturbed_parameters: {unknown} are not parameters of {system} ({names})")
    values = np.array([float(np.asarray(v)) if np.ndim(v) == 0 else np.nan for v in model.param_list])
    if np.isnan(values).any():
        raise ValueError(f"system {system!r} has array-valued parameters, not supported by HybridESN")
    factor = np.array([1.0 + parameter_error if perturbed is None or n in perturbed else 1.0 for n in names])
    rhs = type(model)._rhs
    rhs = getattr(rhs, "py_func", rhs)  # the Python function under numba's dispatcher
    traced = types.FunctionType(rhs.__code__, {**rhs.__globals__, "np": jnp}, rhs.__name__, rhs.__defaults__,
                                rhs.__closure__)
    dimension = len(np.atleast_1d(model.ic))

    def field(x, theta):
        return jnp.stack([jnp.asarray(v, dtype=x.dtype) for v in traced(*[x[i] for i in range(dimension)], 0.0,
                                                                      *[theta[j] for j in range(len(names))])])

    try:
        ic = np.asarray(model.ic, dtype=float)
        ours = np.asarray(jax.jit(field)(jnp.asarray(ic), jnp.asarray(values)))
        theirs = np.asarray(model.rhs(ic, 0.0), dtype=float)
    except Exception as err:  # jax cannot trace this right-hand side
        raise ValueError(f"system {system!r}: its right-hand side cannot be traced by jax ({type(err).__name__})") from None
    if ours.shape != (dimension,) or not np.allclose(ours, theirs, rtol=1e-9, atol=1e-12):
        raise ValueError(f"system {system!r}: the traced right-hand side does not match dysts'")
    _FIELDS[key] = (field, values * factor, dimension)
    return _FIELDS[key]
