"""Leaky echo state network with a sparse, fixed in-degree recurrent matrix."""

from numbers import Integral, Real

import jax
import jax.numpy as jnp
import numpy as np
import scipy.sparse as sp

from . import _jax  # noqa: F401  (float64 on)
from . import kernels
from .activations import check_activation, get_activation
from .base import Reservoir, make_rng
from .validation import Check, Interval, check_memory, check_positive_int, check_positive_scaling, validate_parameters
from .weights import fixed_in_degree, from_matrix, spectral_radius, to_scipy


class LeakyRateReservoir(Reservoir):
    r"""Rate reservoirs whose step is :math:`x' = (1 - a) x + a f(W x + W_{in} u + b)`.

    Subclasses draw the weights in ``initialize`` (params with ``W_in``, ``bias`` and
    ``leak_rate``) and say how ``W @ x`` is computed from their layout in
    ``recurrent(params, state)``; the step, the state, the prepared input weights and the
    dense ``linear_form`` are shared.

    A subclass whose ``recurrent`` also accepts states with a trailing batch axis (shape
    ``(N, B)``, one column per sequence) sets ``batch_last = True``; the runner then runs B
    sequences as one ``(N, B)`` state (see :mod:`reservoir.runner`), where each gather reads
    a contiguous row of B values instead of B scattered values as ``vmap`` would.
    """

    batch_last = False

    def recurrent(self, params, state):
        """``W @ state`` for this reservoir's weight layout."""
        raise NotImplementedError

    def initial_state(self, params):
        return jnp.zeros(params["bias"].shape[0], dtype=jnp.asarray(params["bias"]).dtype)

    def n_features(self, params):
        return int(params["bias"].shape[0])

    def step(self, params, state, u):
        # state is (N,) with u (d,), or (N, B) with u (d, B) on the batch-last path.
        pre = (self.recurrent(params, state) + input_product(params["W_in"], u, params.get("W_in_T"))
               + _column(params["bias"], state))
        leak = _column(params["leak_rate"], state)
        return (1.0 - leak) * state + leak * get_activation(self.activation)(pre)

    def prepare(self, params):
        # The transposed input weights, materialised once per run (see input_product).
        return {**params, "W_in_T": params["W_in"].T}

    def static_config(self):
        # Every numeric hyperparameter is in params; only the nonlinearity is compiled in.
        return (("activation", self.activation),)

    def check_params(self, params, n_inputs=None):
        """Shapes and finiteness of ``W_in`` (N, d), ``bias`` (N,) and ``leak_rate`` in (0, 1]."""
        super().check_params(params, n_inputs)
        for key in ("W_in", "bias", "leak_rate"):
            if key not in params:
                raise ValueError(f"params must hold {key!r}")
        for key, value in params.items():
            if np.asarray(value).dtype.kind == "f" and not np.all(np.isfinite(value)):
                raise ValueError(f"params[{key!r}] contains NaN or infinite values")
        n = np.shape(params["bias"])[0] if np.ndim(params["bias"]) == 1 else -1
        if n < 1:
            raise ValueError(f"params['bias'] must have shape (N,), got {np.shape(params['bias'])}")
        if np.ndim(params["W_in"]) != 2 or np.shape(params["W_in"])[0] != n:
            raise ValueError(f"params['W_in'] must have shape ({n}, d), got {np.shape(params['W_in'])}")
        if n_inputs is not None and np.shape(params["W_in"])[1] != n_inputs:
            raise ValueError(f"params['W_in'] has {np.shape(params['W_in'])[1]} columns, not n_inputs={n_inputs}")
        leak = np.asarray(params["leak_rate"])
        if leak.shape not in ((), (n,)) or np.any(leak <= 0) or np.any(leak > 1):
            raise ValueError("params['leak_rate'] must be a scalar or (N,) array in (0, 1]")

    def linear_form(self, params):
        """The step written as ``x' = (1 - a) x + a f(W x + W_in u + b)`` with dense arrays.

        Returns a dict with ``W`` (N, N), ``W_in`` (N, d), ``bias`` (N,), ``leak_rate``
        (scalar or (N,)) and ``activation``; used to map the reservoir onto other hardware (e.g.
        ``hardware.AnalogReservoir``). It does not change how this reservoir runs.

        Examples
        --------
        >>> esn = ESN(n_units=20, random_state=0)
        >>> esn.linear_form(esn.initialize(1))["W"].shape
        (20, 20)
        """
        return _linear_form(params, self.recurrent, self.activation)


class ESN(LeakyRateReservoir):
    r"""Leaky-integrator echo state network.

    .. math:: x_{t+1} = (1 - a)\,x_t + a\,f(W x_t + W_{in} u_{t+1} + b)

    ``W`` has exactly ``in_degree`` nonzero N(0, 1) entries per row, rescaled to the given
    spectral radius; ``W_in`` is dense uniform on ``[-input_scaling, input_scaling]``; ``b`` is
    uniform on ``[-bias_scaling, bias_scaling]``. One step costs O(N·in_degree).

    Parameters
    ----------
    n_units : int, default=500
        Number of reservoir units N.
    spectral_radius : float, default=0.9
        Largest eigenvalue modulus of ``W`` after scaling (> 0).
    leak_rate : float, default=1.0
        Leak rate ``a`` in (0, 1].
    input_scaling : float or array of shape (n_inputs,), default=0.3
        Half-width of the uniform input weights (> 0). Inputs are expected standardised.
    in_degree : int or None, default=10
        Presynaptic units per unit; None gives a dense ``W``.
    bias_scaling : float, default=1.0
        Half-width of the uniform bias (>= 0).
    activation : {"tanh", "identity", "relu", "sigmoid"} or callable, default="tanh"
        Unit nonlinearity (a callable must be a jax-traceable elementwise function).
    dtype : {"float64", "float32"}, default="float64"
        Precision of the weights and of the state updates. The weights are drawn (and scaled)
        in float64 and then rounded, so both precisions run the same reservoir; inputs are
        rounded to it too. Readouts are always fitted and applied in float64. See Notes.
    random_state : int, Generator or None
        Seed of the weights.

    Notes
    -----
    Harvesting a sparse float64 tanh ESN goes through a compiled kernel where one can be built
    (:mod:`reservoir.kernels`; set ``RESERVOIR_NATIVE=0`` for the jax scan), which the float32
    path does not have: on a 2-core Xeon at N = 1000, in-degree 10, float64 took 5.9-6.2 us per
    step and float32 7.4-7.8 (the jax scan, 8.2-8.8 in float64; ``benchmarks/speed_suite.py``).
    float32 still halves the memory of harvested states. On Lorenz-63 (N = 1000, the default
    forecaster, 20 test initial conditions, ``benchmarks/lorenz_vpt.py --dtype both``) its
    median valid prediction time matched float64's for three reservoir seeds (9.94/9.14/9.98
    against 9.94/9.09/9.97 Lyapunov times; single initial conditions moved by up to 2 LT either
    way). It is not the default: it is not faster, a chaotic closed loop amplifies any rounding
    difference, and the cross-checks against other libraries are made in float64.

    The defaults were chosen on Lorenz-63 forecasting (``benchmarks/lorenz_vpt.py``): with
    standardised inputs, a bias and squared-state features, a strong bias (1.0) and a
    moderate input scaling (0.3) keep the units in their nonlinear range, which the readout
    needs to model the quadratic Lorenz vector field.

    Examples
    --------
    >>> import numpy as np
    >>> esn = ESN(n_units=100, spectral_radius=0.9, random_state=0)
    >>> esn.fit_transform(np.sin(np.linspace(0, 10, 200))[:, None]).shape
    (200, 100)
    """

    def __init__(
        self,
        n_units=500,
        spectral_radius=0.9,
        leak_rate=1.0,
        input_scaling=0.3,
        in_degree=10,
        bias_scaling=1.0,
        activation="tanh",
        dtype="float64",
        random_state=None,
    ):
        self.n_units = n_units
        self.spectral_radius = spectral_radius
        self.leak_rate = leak_rate
        self.input_scaling = input_scaling
        self.in_degree = in_degree
        self.bias_scaling = bias_scaling
        self.activation = activation
        self.dtype = dtype
        self.random_state = random_state

    # recurrent_product also takes (N, B) states, so batches run in the batch-last layout.
    batch_last = True

    @classmethod
    def from_weights(cls, W, W_in, bias=None, leak_rate=1.0, activation="tanh", dtype="float64"):
        """An ESN with the given weights (dense or scipy sparse ``W`` of shape (N, N),
        ``W_in`` of shape (N, d), ``bias`` of shape (N,)), used as they are (no rescaling).

        This is how a reservoir from another library (e.g. reservoirpy) is imported.

        Examples
        --------
        >>> import numpy as np
        >>> esn = ESN.from_weights(np.eye(3) * 0.5, np.ones((3, 1)))
        >>> esn.fit_transform(np.ones((2, 1)))[-1].round(4).tolist()
        [0.8811, 0.8811, 0.8811]
        """
        return FixedWeightsESN(W=W, W_in=W_in, bias=bias, leak_rate=leak_rate, activation=activation, dtype=dtype)

    _parameter_constraints = {
        "n_units": Interval(Integral, 1, None),
        "spectral_radius": Interval(Real, 0, None, closed="neither"),
        "leak_rate": Interval(Real, 0, 1, closed="right"),
        "input_scaling": Check(check_positive_scaling),
        "in_degree": [None, Interval(Integral, 1, None)],
        "bias_scaling": Interval(Real, 0, None),
        "activation": Check(check_activation),
        "dtype": Check(lambda value, name: check_dtype(value)),
    }

    def _check_hyperparameters(self):
        validate_parameters(self)
        if self.in_degree is not None and self.in_degree > self.n_units:
            raise ValueError(f"in_degree ({self.in_degree}) cannot exceed n_units ({self.n_units})")
        # Drawing N * k weights needs a few arrays of that size (indices, values, the scaled
        # copy): refuse at once what cannot fit, rather than fail (or abort) minutes later.
        per_unit = self.n_units if self.in_degree is None else self.in_degree
        check_memory(32 * self.n_units * per_unit, "n_units",
                     f"n_units={self.n_units} with in_degree={self.in_degree}")

    def initialize(self, n_inputs, random_state=None):
        """Draw ``W`` (scaled to ``spectral_radius``), ``W_in`` and the bias."""
        self._check_hyperparameters()
        n_inputs = check_positive_int(n_inputs, "n_inputs")
        rng = make_rng(self.random_state if random_state is None else random_state)
        n = self.n_units
        # One child generator per matrix: changing the input dimension leaves W unchanged.
        rng_w, rng_in, rng_b = rng.spawn(3)
        if self.in_degree is None:
            dense = rng_w.standard_normal((n, n))
            W_idx, W_val = None, dense
            radius = spectral_radius(dense)
        else:
            W_idx, W_val = fixed_in_degree(n, self.in_degree, rng_w)
            radius = spectral_radius(to_scipy(W_idx, W_val, n))
        if radius == 0:
            raise ValueError("the drawn recurrent matrix is nilpotent (spectral radius 0); use a larger in_degree")
        W_val = W_val * (self.spectral_radius / radius)
        scaling = np.asarray(self.input_scaling, dtype=float)
        if scaling.ndim == 1 and scaling.shape not in ((n_inputs,), (1,)):
            raise ValueError(f"input_scaling has {scaling.shape[0]} values but the input has {n_inputs} dimensions")
        scaling = np.broadcast_to(scaling, (n_inputs,))
        W_in = rng_in.uniform(-1.0, 1.0, (n, n_inputs)) * scaling
        bias = rng_b.uniform(-1.0, 1.0, n) * self.bias_scaling
        return _params(W_idx, W_val, W_in, bias, self.leak_rate, self.dtype)

    def recurrent(self, params, state):
        return recurrent_product(params, state)

    def check_params(self, params, n_inputs=None):
        """Also the recurrent weights: dense ``W`` (N, N), or ``W_idx`` (k, N) integers in
        [0, N) with ``W_val`` of the same shape (the gathers assume them in bounds)."""
        super().check_params(params, n_inputs)
        n = np.shape(params["bias"])[0]
        if "W_idx" in params:
            idx, val = np.asarray(params["W_idx"]), np.asarray(params.get("W_val"))
            if idx.dtype.kind not in "iu" or idx.ndim != 2 or idx.shape[1] != n or val.shape != idx.shape:
                raise ValueError(f"params['W_idx'] and params['W_val'] must be (k, {n}) with integer indices; "
                                 f"got {idx.dtype} {idx.shape} and {val.shape}")
            if idx.size and (idx.min() < 0 or idx.max() >= n):
                raise ValueError(f"params['W_idx'] holds indices outside the reservoir [0, {n})")
        elif np.shape(params.get("W")) != (n, n):
            raise ValueError(f"params['W'] must have shape ({n}, {n}), got {np.shape(params.get('W'))}")

    def run_native(self, params, inputs, state=None, out=None, lengths=None):
        """Harvest with the compiled kernel (:mod:`reservoir.kernels`), or return None where it
        does not apply (:func:`reservoir.kernels.applies` decides: dense or float32 weights,
        another activation, a subclass that changes the step, no kernel on this machine); the
        runner then uses the jax scan.

        Same arguments and results as :func:`reservoir.kernels.run_sparse_esn`, with numpy
        params; ``state`` None is the zero state.
        """
        if not kernels.applies(self, params, out):
            return None
        if state is None:
            n = np.shape(params["bias"])[0]
            state = np.zeros((n,) if np.ndim(inputs) == 2 else (np.shape(inputs)[0], n))
        return kernels.run_sparse_esn(params, inputs, state, out=out, lengths=lengths)

    def block_diagonal(self, params_list):
        """Ensemble members as one reservoir with a block-diagonal ``W`` (M·N units), or None.

        Member ``m``'s units are ``m·N ... (m+1)·N - 1`` of the combined state, and driving it
        with an input gives every member's states at once. For sparse ``W`` this is the
        fastest way to run an ensemble: one gather per in-degree slot over all M·N units,
        where ``vmap`` over members makes a gather per member. Dense members (``in_degree``
        None) return None: a block-diagonal dense ``W`` would cost M times more per step.

        Examples
        --------
        >>> esn = ESN(n_units=10, in_degree=2)
        >>> big = esn.block_diagonal([esn.initialize(1, random_state=s) for s in range(3)])
        >>> big["W_idx"].shape, big["W_in"].shape
        ((2, 30), (30, 1))
        """
        if any("W_idx" not in p for p in params_list):
            return None
        n = params_list[0]["bias"].shape[0]
        if any(p["bias"].shape[0] != n or p["W_in"].shape != params_list[0]["W_in"].shape for p in params_list):
            raise ValueError("params_list: every ensemble member must have the same shapes")
        k = max(p["W_idx"].shape[0] for p in params_list)
        # Members with a smaller (padded) in-degree get zero-weight slots pointing at unit 0.
        idx = np.zeros((k, n * len(params_list)), dtype=np.int32)
        val = np.zeros((k, n * len(params_list)), dtype=np.asarray(params_list[0]["W_val"]).dtype)
        for m, p in enumerate(params_list):
            km = p["W_idx"].shape[0]
            idx[:km, m * n:(m + 1) * n] = np.asarray(p["W_idx"]) + m * n
            idx[km:, m * n:(m + 1) * n] = m * n
            val[:km, m * n:(m + 1) * n] = np.asarray(p["W_val"])
        leak = np.concatenate([np.broadcast_to(np.asarray(p["leak_rate"]), (n,)) for p in params_list])
        return {"W_idx": idx, "W_val": val,
                "W_in": np.concatenate([np.asarray(p["W_in"]) for p in params_list]),
                "bias": np.concatenate([np.asarray(p["bias"]) for p in params_list]),
                "leak_rate": leak}


def recurrent_product(params, state):
    """``W @ state`` for ``W`` in the ``(k, N)`` padded layout, or dense.

    ``state`` is ``(N,)`` or ``(N, B)`` (batch-last: gathering unit ``i`` then reads one
    contiguous row of B values).
    """
    if "W_idx" not in params:
        return params["W"] @ state
    indices, values = params["W_idx"], params["W_val"]
    # k separate gathers of N (not one (k, N) gather): XLA on the CPU fuses them with the
    # sums and the activation into one loop, several times faster.
    total = _column(values[0], state) * state.at[indices[0]].get(mode="promise_in_bounds")
    for j in range(1, indices.shape[0]):
        total = total + _column(values[j], state) * state.at[indices[j]].get(mode="promise_in_bounds")
    return total


def input_product(W_in, u, W_in_T=None):
    """``W_in @ u`` for ``u`` of shape (d,) or (d, B).

    For a few inputs it is written as a sum of contiguous rows of ``W_in.T`` (pass
    ``W_in_T``, prepared once per run as ``ESN.prepare`` does), which XLA fuses into the
    step's single loop: a matrix-vector kernel call, or strided columns of ``W_in``, cost a
    fifth of the step on the CPU at N = 1000, d = 3. (Projecting all time steps at once,
    ``U @ W_in.T`` before the scan, was measured slower too: it adds a (T, N) array that each
    step must read back; ``benchmarks/speed_suite.py`` re-measures it.)
    """
    if W_in.shape[1] > 8 or jnp.ndim(u) == 2:
        # A batch (d, B) is one small matrix product: written as broadcast rows instead, the
        # batch-last step ran 2.2x slower (N = 1000, B = 16, d = 3).
        return W_in @ u
    rows = W_in.T if W_in_T is None else W_in_T
    total = rows[0] * u[0]
    for i in range(1, W_in.shape[1]):
        total = total + rows[i] * u[i]
    return total


def _column(vector, like):
    """``vector`` (N,) as a column (N, 1) when ``like`` has a trailing batch axis."""
    if jnp.ndim(like) == 2 and jnp.ndim(vector) == 1:
        return vector[:, None]
    return vector


DTYPES = ("float64", "float32")


def check_dtype(dtype):
    """Validate an ESN ``dtype`` option; return it as a numpy dtype."""
    if isinstance(dtype, type) or isinstance(dtype, np.dtype):
        dtype = np.dtype(dtype).name
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {DTYPES}, got {dtype!r}")
    return np.dtype(dtype)


def _linear_form(params, product, activation):
    """Dense ``W`` by applying the (sparse or blocked) product to the unit vectors."""
    n = int(np.shape(params["bias"])[0])
    eye = jnp.eye(n, dtype=jnp.float64)
    jparams = {k: jnp.asarray(v) for k, v in params.items()}
    W = np.asarray(jax.vmap(lambda e: product(jparams, e))(eye)).T
    return {"W": W, "W_in": np.asarray(params["W_in"], dtype=float),
            "bias": np.asarray(params["bias"], dtype=float),
            "leak_rate": np.asarray(params["leak_rate"], dtype=float), "activation": activation}


def _params(W_idx, W_val, W_in, bias, leak_rate, dtype="float64"):
    # Drawn and scaled in float64, rounded once to the run precision.
    dtype = check_dtype(dtype)
    params = {"W_in": np.asarray(W_in, dtype=dtype), "bias": np.asarray(bias, dtype=dtype),
              "leak_rate": np.asarray(leak_rate, dtype=dtype)}
    if W_idx is None:
        params["W"] = np.asarray(W_val, dtype=dtype)
    else:
        params["W_idx"] = np.asarray(W_idx, dtype=np.int32)
        params["W_val"] = np.asarray(W_val, dtype=dtype)
    return params


def _check_weights_type(value, name):
    if value is None or isinstance(value, (str, bytes)) or not (sp.issparse(value) or np.ndim(value) >= 1):
        raise TypeError(f"{name} must be an array (dense or scipy sparse), got {type(value).__name__}")


class FixedWeightsESN(ESN):
    """An ESN whose weights are given, not drawn (see :meth:`ESN.from_weights`)."""

    # leak_rate, activation and dtype as declared by ESN.
    _parameter_constraints = {"W": Check(_check_weights_type), "W_in": Check(_check_weights_type)}

    def __init__(self, W=None, W_in=None, bias=None, leak_rate=1.0, activation="tanh", dtype="float64",
                 random_state=None):
        self.W = W
        self.W_in = W_in
        self.bias = bias
        self.leak_rate = leak_rate
        self.activation = activation
        self.dtype = dtype
        self.random_state = random_state

    def _check_hyperparameters(self):
        """Check the given weights (types, shapes, finite values) and the other settings;
        return ``W_in`` as a dense 2-D float array."""
        validate_parameters(self)
        W_in = _dense_weights(self.W_in, "W_in")
        if W_in.ndim == 1:
            W_in = W_in[:, None]
        if W_in.ndim != 2 or W_in.shape[0] == 0 or W_in.shape[1] == 0:
            raise ValueError(f"W_in must have shape (N, d), got {W_in.shape}")
        n = W_in.shape[0]
        if np.shape(self.W) != (n, n):
            raise ValueError(f"W must be square with {n} rows (the rows of W_in); got {np.shape(self.W)}")
        values = self.W.data if sp.issparse(self.W) else _dense_weights(self.W, "W")
        if not np.all(np.isfinite(np.asarray(values, dtype=float))):
            raise ValueError("W contains NaN or infinite values")
        if self.bias is not None:
            bias = np.ravel(_dense_weights(self.bias, "bias"))
            if bias.shape != (n,):
                raise ValueError(f"bias must have shape ({n},), got {bias.shape}")
        return W_in

    def initialize(self, n_inputs, random_state=None):
        W_in = self._check_hyperparameters()
        n = W_in.shape[0]
        if W_in.shape[1] != n_inputs:
            raise ValueError(f"W_in has {W_in.shape[1]} columns but the input has {n_inputs} dimensions")
        bias = np.zeros(n) if self.bias is None else np.ravel(np.asarray(self.bias, dtype=float))
        density = (self.W.nnz if hasattr(self.W, "nnz") else np.count_nonzero(self.W)) / max(n * n, 1)
        if density > 0.25:
            dense = self.W.toarray() if hasattr(self.W, "toarray") else np.asarray(self.W, dtype=float)
            return _params(None, dense, W_in, bias, self.leak_rate, self.dtype)
        W_idx, W_val = from_matrix(self.W)
        return _params(W_idx, W_val, W_in, bias, self.leak_rate, self.dtype)


def _dense_weights(value, name):
    """``value`` (dense or scipy sparse) as a float array, with a message naming ``name``."""
    try:
        arr = value.toarray() if sp.issparse(value) else np.asarray(value)
        if np.iscomplexobj(arr):
            raise TypeError(f"{name} must be real, got complex values")
        arr = arr.astype(float)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be an array of real numbers: {err}") from None
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr
