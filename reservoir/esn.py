"""The echo state network: a leaky rate reservoir with a sparse, fixed in-degree recurrent
matrix, and its fast paths (the compiled harvest, ensembles as one block-diagonal reservoir)."""

from concurrent.futures import ThreadPoolExecutor
from numbers import Integral, Real

import numpy as np

from . import _jax  # noqa: F401  (float64 on)
from . import kernels
from .kernels.native import available_cores
from .activations import check_activation
from .base import make_rng
from .leaky import DTYPES, LeakyRateReservoir, check_dtype, rate_params  # noqa: F401  (public here)
from .runner import compute_dtype, run
from .sparse_ops import block_diagonal, input_product, recurrent_product  # noqa: F401  (public here)
from .validation import Check, Interval, check_memory, check_positive_int, check_positive_scaling, validate_parameters
from .weights import fixed_in_degree, spectral_radius, to_scipy

#: Ensembles of at most this many units in all run as one block-diagonal reservoir
#: (:meth:`ESN.run_members`); larger ones member by member (``benchmarks/speed_suite.py``
#: compares the block-diagonal form, members one by one and the vmap).
BLOCK_DIAGONAL_UNITS = 4096


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
    path does not have, so float32 is not faster; it halves the memory of harvested states.
    On Lorenz-63 its valid prediction times match float64's (``benchmarks/lorenz_vpt.py
    --dtype both``), but it is not the default: a chaotic closed loop amplifies any rounding
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
        from .fixed_weights import FixedWeightsESN

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
        return rate_params(W_idx, W_val, W_in, bias, self.leak_rate, self.dtype)

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

    def run_members(self, params_list, inputs):
        """Ensemble members the fast way: up to ``BLOCK_DIAGONAL_UNITS`` units in all as one
        block-diagonal reservoir (:meth:`block_diagonal`), above that member by member, on
        all cores when the compiled kernel applies (it releases the GIL); None for dense
        members (the runner's vmap)."""
        first = params_list[0]
        if len(params_list) * self.n_features(first) > BLOCK_DIAGONAL_UNITS:
            # Large ensembles: one run per member beats both the block-diagonal reservoir
            # (its weights leave the cache) and the vmap. Each member writes into its slice
            # of the result instead of stacking the members' features afterwards (a copy).
            feats = np.empty((len(params_list), len(inputs), self.n_features(first)), dtype=compute_dtype(first))
            members = list(zip(feats, params_list))
            if len(members) > 1 and kernels.applies(self, first):
                with ThreadPoolExecutor(min(len(members), available_cores())) as pool:
                    list(pool.map(lambda m: run(self, m[1], inputs, out=m[0]), members))
            else:
                for member, params in members:
                    run(self, params, inputs, out=member)
            return feats
        combined = self.block_diagonal(params_list)
        if combined is None:
            return None
        feats, _ = run(self, combined, inputs)
        # Member m owns units m·N ... (m+1)·N - 1; (T, M·N) -> (M, T, N) is a view.
        return np.moveaxis(feats.reshape(feats.shape[0], len(params_list), -1), 1, 0)

    def block_diagonal(self, params_list):
        """Ensemble members as one reservoir with a block-diagonal ``W`` (M·N units), or None
        for dense members (see :func:`reservoir.sparse_ops.block_diagonal`).

        Examples
        --------
        >>> esn = ESN(n_units=10, in_degree=2)
        >>> big = esn.block_diagonal([esn.initialize(1, random_state=s) for s in range(3)])
        >>> big["W_idx"].shape, big["W_in"].shape
        ((2, 30), (30, 1))
        """
        return block_diagonal(params_list)


def __getattr__(name):
    # Files saved before FixedWeightsESN moved name it "reservoir.esn:FixedWeightsESN".
    if name == "FixedWeightsESN":
        from .fixed_weights import FixedWeightsESN

        return FixedWeightsESN
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
