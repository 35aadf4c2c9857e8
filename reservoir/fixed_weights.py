"""An ESN whose weights are given, not drawn: how a reservoir from another library (e.g.
reservoirpy) is imported."""

import numpy as np
import scipy.sparse as sp

from .esn import ESN
from .leaky import rate_params
from .validation import Check, validate_parameters
from .weights import from_matrix


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
            return rate_params(None, dense, W_in, bias, self.leak_rate, self.dtype)
        W_idx, W_val = from_matrix(self.W)
        return rate_params(W_idx, W_val, W_in, bias, self.leak_rate, self.dtype)


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
