"""Recursive least squares: the online readout of FORCE learning."""

from numbers import Real

import jax
import jax.numpy as jnp
import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from .. import _jax  # noqa: F401  (float64 on)
from ..validation import Boolean, Interval, validate_parameters


@jax.jit
def _rls_scan(P, W, X, Y, forgetting):
    def update(carry, xy):
        P, W = carry
        x, y = xy
        Px = P @ x
        gain = Px / (forgetting + x @ Px)
        error = y - W @ x  # a priori error, as in FORCE (Sussillo & Abbott 2009)
        W = W + jnp.outer(error, gain)
        P = (P - jnp.outer(gain, Px)) / forgetting
        # Without re-symmetrising, rounding errors in the antisymmetric part of P grow by
        # 1/forgetting per step and destroy P within a few thousand steps when forgetting < 1.
        P = 0.5 * (P + P.T)
        return (P, W), error

    (P, W), errors = jax.lax.scan(update, (P, W), (X, Y))
    return P, W, errors


class RLS(RegressorMixin, BaseEstimator):
    """Online recursive-least-squares readout (FORCE), one sample at a time.

    The inverse correlation matrix starts at ``P = I / alpha``; each sample updates the
    weights with its a-priori error. With ``forgetting_factor < 1`` old samples are
    discounted exponentially, so the readout tracks slowly changing targets. After one pass
    over the data with ``forgetting_factor=1`` the weights equal the ridge solution with
    penalty ``alpha`` (on all weights, the intercept included).

    Parameters
    ----------
    alpha : float, default=1e-6
        Initial regularisation (> 0); ``P`` starts at ``I / alpha``.
    forgetting_factor : float, default=1.0
        In (0, 1].
    fit_intercept : bool, default=True
        Append a constant input so that an intercept is learned.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(200, 2))
    >>> y = X @ np.array([2.0, -1.0]) + 0.5
    >>> model = RLS(alpha=1e-6).fit(X, y)
    >>> np.round(model.coef_, 3).tolist(), round(float(model.intercept_), 3)
    ([2.0, -1.0], 0.5)
    """

    def __init__(self, alpha=1e-6, forgetting_factor=1.0, fit_intercept=True):
        self.alpha = alpha
        self.forgetting_factor = forgetting_factor
        self.fit_intercept = fit_intercept

    _parameter_constraints = {
        "alpha": Interval(Real, 0, None, closed="neither"),
        "forgetting_factor": Interval(Real, 0, 1, closed="right"),
        "fit_intercept": Boolean(),
    }

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def fit(self, X, y):
        """Start from ``P = I / alpha`` and run one online pass over the samples."""
        return self._update(X, y, first=True)

    def fit_streamed(self, chunks):
        """One online pass over an iterable of ``(X, y)`` chunks, in order: the same model as
        ``fit`` on their concatenation, with one chunk in memory at a time."""
        first = True
        for X, y in chunks:
            self._update(X, y, first=first)
            first = False
        if first:
            raise ValueError("chunks is empty: there is nothing to fit")
        return self

    def partial_fit(self, X, y):
        """Continue the online updates with more samples (in order)."""
        return self._update(X, y, first=not hasattr(self, "weights_"))

    def _update(self, X, y, first):
        validate_parameters(self)
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=True, dtype=np.float64, reset=first)
        self._single_target = y.ndim == 1
        Y = y.reshape(len(y), -1)
        Xa = self._design(X)
        if first:
            self.P_ = np.eye(Xa.shape[1]) / self.alpha
            self.weights_ = np.zeros((Y.shape[1], Xa.shape[1]))
        elif Y.shape[1] != self.weights_.shape[0]:
            raise ValueError("y has a different number of targets than in the previous calls")
        P, W, _ = _rls_scan(jnp.asarray(self.P_), jnp.asarray(self.weights_), jnp.asarray(Xa),
                            jnp.asarray(Y), float(self.forgetting_factor))
        self.P_, self.weights_ = np.asarray(P), np.asarray(W)
        coef = self.weights_[:, 1:] if self.fit_intercept else self.weights_
        intercept = self.weights_[:, 0] if self.fit_intercept else np.zeros(len(self.weights_))
        self.coef_ = coef[0] if self._single_target else coef
        self.intercept_ = float(intercept[0]) if self._single_target else intercept
        return self

    def _design(self, X):
        return np.hstack([np.ones((len(X), 1)), X]) if self.fit_intercept else X

    def predict(self, X):
        """Linear prediction with the current weights."""
        check_is_fitted(self, "coef_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return X @ self.coef_.T + self.intercept_
