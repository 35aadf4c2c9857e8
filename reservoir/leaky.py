"""The leaky rate reservoirs: :math:`x' = (1 - a) x + a f(W x + W_{in} u + b)`, whatever the
layout of ``W``."""

import jax.numpy as jnp
import numpy as np

from . import _jax  # noqa: F401  (float64 on)
from .activations import get_activation
from .base import Reservoir
from .sparse_ops import column, dense_matrix, input_product


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
               + column(params["bias"], state))
        leak = column(params["leak_rate"], state)
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
        >>> from reservoir import ESN
        >>> esn = ESN(n_units=20, random_state=0)
        >>> esn.linear_form(esn.initialize(1))["W"].shape
        (20, 20)
        """
        return {"W": dense_matrix(params, self.recurrent), "W_in": np.asarray(params["W_in"], dtype=float),
                "bias": np.asarray(params["bias"], dtype=float),
                "leak_rate": np.asarray(params["leak_rate"], dtype=float), "activation": self.activation}


DTYPES = ("float64", "float32")


def check_dtype(dtype):
    """Validate an ESN ``dtype`` option; return it as a numpy dtype."""
    if isinstance(dtype, type) or isinstance(dtype, np.dtype):
        dtype = np.dtype(dtype).name
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {DTYPES}, got {dtype!r}")
    return np.dtype(dtype)


def rate_params(W_idx, W_val, W_in, bias, leak_rate, dtype="float64"):
    """The params dict of a leaky rate reservoir: dense ``W`` (``W_idx`` None) or the sparse
    ``(k, N)`` layout, drawn and scaled in float64 and rounded once to ``dtype``."""
    dtype = check_dtype(dtype)
    params = {"W_in": np.asarray(W_in, dtype=dtype), "bias": np.asarray(bias, dtype=dtype),
              "leak_rate": np.asarray(leak_rate, dtype=dtype)}
    if W_idx is None:
        params["W"] = np.asarray(W_val, dtype=dtype)
    else:
        params["W_idx"] = np.asarray(W_idx, dtype=np.int32)
        params["W_val"] = np.asarray(W_val, dtype=dtype)
    return params
