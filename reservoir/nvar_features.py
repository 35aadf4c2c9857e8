"""The feature map of nonlinear vector autoregression (next-generation reservoir computing)
as a reservoir: its state is the recent past, its features the delayed copies and their
monomials. Any estimator of the package then fits and runs it (:class:`reservoir.NVARForecaster`
is the forecaster with NG-RC's settings)."""

from numbers import Integral

import jax.numpy as jnp
import numpy as np

from .base import Reservoir
from .validation import Check, Interval, check_positive_int, validate_parameters


def _check_order(value, name):
    if isinstance(value, bool) or value not in (1, 2):
        raise ValueError(f"{name} must be 1 or 2, got {value!r}")



class NVARFeatures(Reservoir):
    """Delayed copies of the input and (``order=2``) their unique quadratic monomials.

    The state is the last ``(delay - 1) * skip + 1`` inputs, most recent first; the features
    at time t are ``u = [x_t, x_{t-s}, ..., x_{t-(k-1)s}]`` (``k * d`` values) followed, for
    ``order=2``, by every product ``u_i * u_j`` with ``i <= j``. Before the memory has filled,
    the older copies are zeros (a washout of ``(delay - 1) * skip`` steps leaves them out).

    Parameters
    ----------
    delay : int, default=2
        Number of copies k, the current input included (reservoirpy's ``delay``).
    skip : int, default=1
        Spacing s between copies, in steps (reservoirpy's ``strides``).
    order : {1, 2}, default=2
        Polynomial order of the features.

    Examples
    --------
    >>> import numpy as np
    >>> nvar = NVARFeatures(delay=2, order=2).fit(np.zeros((1, 1)))
    >>> nvar.transform(np.array([[1.0], [2.0], [3.0]])).tolist()   # [x_t, x_{t-1}, x_t², x_t x_{t-1}, x_{t-1}²]
    [[1.0, 0.0, 1.0, 0.0, 0.0], [2.0, 1.0, 4.0, 2.0, 1.0], [3.0, 2.0, 9.0, 6.0, 4.0]]
    """

    def __init__(self, delay=2, skip=1, order=2):
        self.delay = delay
        self.skip = skip
        self.order = order

    random_state = None  # nothing is drawn

    _parameter_constraints = {
        "delay": Interval(Integral, 1, None),
        "skip": Interval(Integral, 1, None),
        "order": Check(_check_order),
    }

    def check_hyperparameters(self):
        """Raise ValueError/TypeError naming a bad hyperparameter."""
        validate_parameters(self)

    @property
    def span(self):
        """Points of memory one feature vector needs: ``(delay - 1) * skip + 1``."""
        return (self.delay - 1) * self.skip + 1

    def n_linear(self, n_inputs):
        return self.delay * n_inputs

    def initialize(self, n_inputs, random_state=None):
        """Index arrays of the copies and monomials for ``n_inputs`` input dimensions."""
        self.check_hyperparameters()
        n_inputs = check_positive_int(n_inputs, "n_inputs")
        linear = self.n_linear(n_inputs)
        rows, cols = np.triu_indices(linear) if self.order == 2 else (np.zeros(0, int), np.zeros(0, int))
        return {"empty_memory": np.zeros((self.span, n_inputs)),
                "lag_rows": np.arange(self.delay, dtype=np.int32) * self.skip,
                "quad_rows": rows.astype(np.int32), "quad_cols": cols.astype(np.int32)}

    def initial_state(self, params):
        return jnp.zeros_like(jnp.asarray(params["empty_memory"]))

    def step(self, params, state, u):
        return jnp.concatenate([u[None].astype(state.dtype), state[:-1]])

    def features(self, params, state):
        linear = state[params["lag_rows"]].reshape(-1)
        if self.order == 1:
            return linear
        return jnp.concatenate([linear, linear[params["quad_rows"]] * linear[params["quad_cols"]]])

    def n_features(self, params):
        return int(np.size(params["lag_rows"]) * np.shape(params["empty_memory"])[1] + np.size(params["quad_rows"]))

    def check_params(self, params, n_inputs=None):
        """Shapes and bounds of the index arrays (a gather clamps an index out of bounds)."""
        super().check_params(params, n_inputs)
        memory = np.shape(params.get("empty_memory"))
        if len(memory) != 2:
            raise ValueError(f"params['empty_memory'] must be (span, d), got shape {memory}")
        lags = np.asarray(params["lag_rows"])
        if lags.size == 0 or lags.min() < 0 or lags.max() >= memory[0]:
            raise ValueError(f"params['lag_rows'] must index the memory of {memory[0]} points")
        width = lags.size * memory[1]
        for key in ("quad_rows", "quad_cols"):
            index = np.asarray(params[key])
            if index.size and (index.min() < 0 or index.max() >= width):
                raise ValueError(f"params[{key!r}] must index the {width} linear features")
