"""Nonlinear vector autoregression: next-generation reservoir computing (NG-RC).

Gauthier, Bollt, Griffith & Barbosa, "Next generation reservoir computing", Nat. Commun.
12, 5564 (2021). The "reservoir" is a fixed feature map of the recent past: ``delay``
copies of the input spaced by ``skip`` steps, and (for ``order=2``) their unique
quadratic monomials. A ridge readout learns the one-step map, which is iterated for
closed-loop forecasts.
"""


import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from .baselines import check_forecast_args
from .forecaster import check_divergence
from .readouts import Ridge
from .validation import check_memory, check_positive_int, check_real, check_sequences, standardization

__all__ = ["NVARForecaster"]

_TARGETS = ("increment", "next")


class NVARForecaster(BaseEstimator):
    """NVAR / NG-RC forecaster: polynomial features of delayed inputs and a ridge readout.

    The feature vector at time t is ``[1, x_t, x_{t-s}, ..., x_{t-(k-1)s}]`` (the linear
    part, ``k * d`` values) followed, when ``order=2``, by every product ``u_i * u_j``
    (``i <= j``) of the linear values ``u``. The constant is the readout's unpenalised
    intercept. The readout predicts ``x_{t+1} - x_t`` (Gauthier et al.) or ``x_{t+1}``.

    * ``order=2, delay=2, skip=1``: the quadratic NG-RC of Gauthier et al. 2021 (Lorenz:
      ``alpha=2.5e-6``, dt = 0.025, 400 training points).
    * ``order=1, delay=tau``: the linear NVAR of the Gilpin 2023 benchmark (reservoirpy's
      ``NVAR(delay=tau, order=1, strides=1)``), tau in {2, 5, 15, 30, 60, 120}, which is a
      long-lag linear autoregression.

    Parameters
    ----------
    delay : int, default=2
        Number of delayed copies k, including the current input (reservoirpy's ``delay``).
    skip : int, default=1
        Spacing s between copies, in steps (reservoirpy's ``strides``).
    order : {1, 2}, default=2
        Polynomial order of the features.
    alpha : float, default=2.5e-6
        Ridge penalty of the readout.
    target : {"increment", "next"}, default="increment"
        What the readout predicts: the step ``x_{t+1} - x_t`` or the next value ``x_{t+1}``.
    standardize : bool, default=True
        z-score each coordinate with the fit-window statistics before building features;
        forecasts are mapped back. Gauthier et al. used raw coordinates.
    divergence_factor : float, default=10.0
        A forecast is flagged as diverged once a (standardised) coordinate exceeds this
        many times the largest absolute standardised training value.

    Attributes
    ----------
    readout_ : Ridge
        The fitted readout on the features (without the constant column).
    input_mean_, input_scale_ : ndarray of shape (d,)
        Standardisation statistics (zeros and ones when ``standardize=False``).
    n_features_in_ : int
    n_nvar_features_ : int
        Length of the feature vector, the constant included.
    quad_index_ : tuple of two ndarrays or None
        Index pairs (i, j), i <= j, of the quadratic monomials (None when ``order=1``).
    history_ : ndarray of shape ((delay - 1) * skip + 1, d)
        The last (scaled) points of the fitted series: the memory the forecast starts from.
    train_bound_ : float

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(600) * 0.05
    >>> X = np.column_stack([np.sin(t), np.cos(t)])
    >>> model = NVARForecaster(delay=2, order=2).fit(X[:500])
    >>> model.n_nvar_features_  # 1 + 4 linear + 10 quadratic
    15
    >>> bool(np.abs(model.forecast(100) - X[500:]).max() < 1e-3)
    True
    """

    def __init__(self, delay=2, skip=1, order=2, alpha=2.5e-6, target="increment", standardize=True,
                 divergence_factor=10.0):
        self.delay = delay
        self.skip = skip
        self.order = order
        self.alpha = alpha
        self.target = target
        self.standardize = standardize
        self.divergence_factor = divergence_factor

    # ------------------------------------------------------------------ fitting

    def _check_params(self):
        check_positive_int(self.delay, "delay")
        check_positive_int(self.skip, "skip")
        if isinstance(self.order, bool) or self.order not in (1, 2):
            raise ValueError(f"order must be 1 or 2, got {self.order!r}")
        check_real(self.alpha, "alpha", low=0)
        if self.target not in _TARGETS:
            raise ValueError(f"target must be one of {_TARGETS}, got {self.target!r}")
        if not isinstance(self.standardize, (bool, np.bool_)):
            raise TypeError(f"standardize must be True or False, got {self.standardize!r}")
        check_real(self.divergence_factor, "divergence_factor", low=0, low_inclusive=False)

    @property
    def _span(self):
        """Points of memory one feature vector needs: (k - 1) * s + 1."""
        return (self.delay - 1) * self.skip + 1

    def fit(self, X, y=None):
        """Fit the readout by teacher forcing on one series (T, d) or a list of series.

        Each series needs more than ``(delay - 1) * skip + 1`` points; the forecast
        continues from the end of the last one.
        """
        self._check_params()
        sequences, _ = check_sequences(X, "X")
        for i, seq in enumerate(sequences):
            if len(seq) <= self._span:
                raise ValueError(
                    f"series {i} of X has {len(seq)} steps; NVAR with delay={self.delay}, skip={self.skip} "
                    f"needs more than (delay - 1) * skip + 1 = {self._span}"
                )
        self.n_features_in_ = sequences[0].shape[1]
        # The feature matrix (T, F) and the ridge statistics (F, F) are allocated at once:
        # a large delay must fail here, not after minutes (or with a MemoryError).
        linear = self.delay * self.n_features_in_
        width = 1 + linear + (linear * (linear + 1) // 2 if self.order == 2 else 0)
        n_rows = sum(len(s) for s in sequences)
        check_memory(8 * width * (2 * n_rows + 3 * width), "delay",
                     f"delay={self.delay} ({width} features for {self.n_features_in_} inputs)")
        if self.standardize:
            # Robust to data near the float64 limits; constant coordinates are centred only.
            self.input_mean_, self.input_scale_ = standardization(np.concatenate(sequences))
        else:
            self.input_mean_ = np.zeros(self.n_features_in_)
            self.input_scale_ = np.ones(self.n_features_in_)
        # Index pairs (i <= j) of the quadratic monomials, computed once: one gather per step.
        self.quad_index_ = np.triu_indices(self.delay * self.n_features_in_) if self.order == 2 else None
        scaled = [self._scale(s) for s in sequences]
        features = np.concatenate([self._features(self._linear(s)[:-1]) for s in scaled])
        targets = np.concatenate([self._targets(s) for s in scaled])
        self.readout_ = Ridge(alpha=self.alpha).fit(features, targets)
        self.n_nvar_features_ = 1 + features.shape[1]
        self.history_ = scaled[-1][-self._span:].copy()
        self.train_bound_ = float(max(np.abs(s).max() for s in scaled))
        return self

    def _scale(self, series):
        return (series - self.input_mean_) / self.input_scale_

    def _unscale(self, series):
        return series * self.input_scale_ + self.input_mean_

    def _linear(self, series):
        """Linear features of every time t >= span - 1: row j is [x_t, x_{t-s}, ...] flattened."""
        n = len(series) - self._span + 1
        lags = [series[self._span - 1 - i * self.skip:][:n] for i in range(self.delay)]
        return np.concatenate(lags, axis=1)

    def _features(self, linear):
        if self.order == 1:
            return linear
        rows, cols = self.quad_index_
        return np.concatenate([linear, linear[..., rows] * linear[..., cols]], axis=-1)

    def _targets(self, scaled):
        nxt = scaled[self._span:]
        return nxt - scaled[self._span - 1:-1] if self.target == "increment" else nxt

    # ------------------------------------------------------------------ prediction

    def predict(self, X):
        """Teacher-forced one-step predictions.

        Parameters
        ----------
        X : array of shape (T, d)

        Returns
        -------
        ndarray of shape (T - (delay - 1) * skip, d)
            Row j predicts ``X[(delay - 1) * skip + j + 1]`` (the last row predicts the
            point after ``X``).
        """
        check_is_fitted(self, "readout_")
        series = self._check_series(X, "X")
        scaled = self._scale(series)
        out = self.readout_.predict(self._features(self._linear(scaled))).reshape(-1, self.n_features_in_)
        if self.target == "increment":
            out = out + scaled[self._span - 1:]
        return self._unscale(out)

    def forecast(self, n_steps, context=None, on_divergence="warn"):
        """Generate ``n_steps`` points in closed loop.

        Parameters
        ----------
        n_steps : int
            Number of future points.
        context : array of shape (T, d), optional
            Continue from the end of this series instead of the fitted one; it needs at
            least ``(delay - 1) * skip + 1`` points (the model's memory).
        on_divergence : {"warn", "raise", "ignore"}, default="warn"
            What to do when the forecast leaves the training range or becomes non-finite
            (see :class:`reservoir.ForecastDivergenceWarning`). Once a value is non-finite
            the generation stops and the remaining rows are NaN.

        Returns
        -------
        ndarray of shape (n_steps, d)
        """
        check_is_fitted(self, "readout_")
        n_steps = check_forecast_args(n_steps, on_divergence, self.n_features_in_)
        if context is None:
            history = self.history_
        else:
            context = self._check_series(context, "context")
            if len(context) < self._span:
                raise ValueError(f"context has {len(context)} steps; it needs at least "
                                 f"(delay - 1) * skip + 1 = {self._span}")
            history = self._scale(context[-self._span:])
        outputs = self._closed_loop(history, n_steps)
        self._check_divergence(outputs, on_divergence)
        return self._unscale(outputs)

    def _closed_loop(self, history, n_steps):
        d, span = self.n_features_in_, self._span
        coef, intercept = self.readout_.coef_.reshape(d, -1), np.reshape(self.readout_.intercept_, d)
        buffer = np.empty((span + n_steps, d))
        buffer[:span] = history
        # Rows of the buffer holding x_t, x_{t-s}, ... relative to the newest point.
        lag_rows = -self.skip * np.arange(self.delay)
        increment = self.target == "increment"
        with np.errstate(over="ignore", invalid="ignore"):
            for t in range(n_steps):
                newest = span - 1 + t
                linear = buffer[newest + lag_rows].ravel()
                step = coef @ self._features(linear) + intercept
                buffer[newest + 1] = buffer[newest] + step if increment else step
                if not np.all(np.isfinite(buffer[newest + 1])):
                    buffer[newest + 1:] = np.nan
                    break
        return buffer[span:]

    def _check_divergence(self, outputs, on_divergence):
        check_divergence(outputs, self.divergence_factor * self.train_bound_, self.divergence_factor,
                         on_divergence)

    def _check_series(self, X, name):
        sequences, _ = check_sequences(X, name)
        if len(sequences) != 1:
            raise ValueError(f"{name} must be one series of shape (T, d); got {len(sequences)} series")
        if sequences[0].shape[1] != self.n_features_in_:
            raise ValueError(f"{name} has {sequences[0].shape[1]} features, but {type(self).__name__} "
                             f"is expecting {self.n_features_in_} features as input")
        return sequences[0]
