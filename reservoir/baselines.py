"""Floor baselines for chaotic forecasting: persistence, mean and context parroting.

Every model here has the interface of :class:`reservoir.ReservoirForecaster`:
``fit(X)`` on one series of shape (T, d) (or a list of series), then
``forecast(n_steps, context=None, on_divergence="warn")`` returning an array of shape
(n_steps, d) that continues from the end of the fitted series, or from the end of
``context`` when one is given. None of them learns a map that is iterated, so none can
diverge; ``on_divergence`` is accepted (and checked) so that a benchmark can call every
model the same way.

These are the floors of the Gilpin benchmarks (``reference/chaos_benchmark.md`` §5): a
model that does not beat context parroting has not learned the dynamics.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from .validation import check_n_steps, check_positive_int, check_sequences

__all__ = ["ContextParroting", "MeanForecaster", "PersistenceForecaster"]

_ON_DIVERGENCE = ("warn", "raise", "ignore")


def check_forecast_args(n_steps, on_divergence, n_features=1):
    """Validate the two arguments every ``forecast`` method shares; return ``n_steps`` as int.

    A forecast longer than the memory left (``n_features`` float64 values per step, with
    room for the copies made on the way) raises a ``ValueError`` instead of a ``MemoryError``.
    """
    n_steps = check_n_steps(n_steps, "n_steps", bytes_per_step=32 * n_features)
    if on_divergence not in _ON_DIVERGENCE:
        raise ValueError(f"on_divergence must be 'warn', 'raise' or 'ignore', got {on_divergence!r}")
    return int(n_steps)


class _BaselineForecaster(BaseEstimator):
    """Input handling shared by the baselines (no hyperparameters of its own)."""

    def _check_fit_input(self, X):
        sequences, _ = check_sequences(X, "X")
        self.n_features_in_ = sequences[0].shape[1]
        return sequences

    def _check_context(self, context):
        sequences, _ = check_sequences(context, "context")
        if len(sequences) != 1:
            raise ValueError(f"context must be one series of shape (T, d); got {len(sequences)} series")
        if sequences[0].shape[1] != self.n_features_in_:
            raise ValueError(
                f"context has {sequences[0].shape[1]} features, but {type(self).__name__} "
                f"is expecting {self.n_features_in_} features as input"
            )
        return sequences[0]


class PersistenceForecaster(_BaselineForecaster):
    """Repeat the last observed value.

    The forecast continues from the last point of the (last) fitted series, or of
    ``context`` when given.

    Attributes
    ----------
    last_ : ndarray of shape (d,)
        The last point of the fitted series.
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> X = np.arange(10.0).reshape(5, 2)
    >>> PersistenceForecaster().fit(X).forecast(2)
    array([[8., 9.],
           [8., 9.]])
    """

    def fit(self, X, y=None):
        """Remember the last point of ``X`` (one series (T, d) or a list: the last series)."""
        self.last_ = self._check_fit_input(X)[-1][-1].copy()
        return self

    def forecast(self, n_steps, context=None, on_divergence="warn"):
        """Return ``n_steps`` copies of the last point, shape (n_steps, d)."""
        check_is_fitted(self, "last_")
        n_steps = check_forecast_args(n_steps, on_divergence, self.n_features_in_)
        last = self.last_ if context is None else self._check_context(context)[-1]
        return np.tile(last, (n_steps, 1))


class MeanForecaster(_BaselineForecaster):
    """Repeat the mean of the fit window (all fitted series together).

    A ``context`` given to :meth:`forecast` is checked but does not change the forecast:
    the model is the fitted mean (Gilpin's ``NaiveMean``).

    Attributes
    ----------
    mean_ : ndarray of shape (d,)
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> MeanForecaster().fit([[0.0], [1.0], [5.0]]).forecast(2)
    array([[2.],
           [2.]])
    """

    def fit(self, X, y=None):
        """Store the per-coordinate mean of ``X`` (a series or a list of series)."""
        self.mean_ = np.concatenate(self._check_fit_input(X)).mean(axis=0)
        return self

    def forecast(self, n_steps, context=None, on_divergence="warn"):
        """Return ``n_steps`` copies of the fitted mean, shape (n_steps, d)."""
        check_is_fitted(self, "mean_")
        n_steps = check_forecast_args(n_steps, on_divergence, self.n_features_in_)
        if context is not None:
            self._check_context(context)
        return np.tile(self.mean_, (n_steps, 1))


class ContextParroting(_BaselineForecaster):
    """Context parroting (Zhang & Gilpin 2025): copy what followed the best-matching motif.

    The query is the last ``context_length`` (m) points of the history. Every earlier
    m-point window of the history is compared with it by the sum of squared differences
    over all coordinates and time steps; the forecast copies the points that followed
    the best window. When the copy reaches the end of the history it starts again at the
    first point after the match, so the forecast repeats that block and any horizon works.

    The history is the fitted series (each series of a list is searched separately, so no
    window straddles two series), plus ``context`` when it is given to :meth:`forecast`;
    the query is then the end of ``context``. A window qualifies only if at least m points
    follow it in its series; in the series that holds the query, this means that the
    window ends before the query starts. Without the rule, the query shifted back by a
    step or two matches a smooth series almost perfectly but has a continuation of only a
    few points, and repeating those degenerates into persistence (on the Gilpin 2023
    protocol it doubles the median sMAPE). The same rule keeps a ``context`` that repeats
    the end of the fitted series from matching its own copy there.

    Parameters
    ----------
    context_length : int, default=10
        Motif length m (the "embedding dimension" of the lookup).

    Attributes
    ----------
    history_ : list of ndarray
        The fitted series, searched for motifs.
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(300)
    >>> X = np.column_stack([np.sin(2 * np.pi * t / 50), np.cos(2 * np.pi * t / 50)])
    >>> model = ContextParroting(context_length=10).fit(X[:200])
    >>> bool(np.allclose(model.forecast(100), X[200:]))  # a periodic series is copied exactly
    True
    """

    def __init__(self, context_length=10):
        self.context_length = context_length

    def fit(self, X, y=None):
        """Store the series as the history; it needs at least ``2 * context_length`` points."""
        m = check_positive_int(self.context_length, "context_length")
        sequences = self._check_fit_input(X)
        if len(sequences[-1]) < 2 * m:
            raise ValueError(
                f"X has {len(sequences[-1])} steps in its last series; ContextParroting needs at "
                f"least 2 * context_length = {2 * m} (a query and one earlier motif)"
            )
        self.history_ = [s.copy() for s in sequences]
        return self

    def forecast(self, n_steps, context=None, on_divergence="warn"):
        """Copy the continuation of the best match to the last ``context_length`` points.

        Parameters
        ----------
        n_steps : int
            Number of future points.
        context : array of shape (T, d), optional
            A series whose end is the query; it is searched too, together with the fitted
            series. It needs at least ``context_length`` points.
        on_divergence : {"warn", "raise", "ignore"}, default="warn"
            Accepted for a common interface; parroting copies observed values and cannot
            diverge.

        Returns
        -------
        ndarray of shape (n_steps, d)
        """
        check_is_fitted(self, "history_")
        n_steps = check_forecast_args(n_steps, on_divergence, self.n_features_in_)
        m = check_positive_int(self.context_length, "context_length")
        segments = list(self.history_)
        if context is not None:
            context = self._check_context(context)
            if len(context) < m:
                raise ValueError(f"context has {len(context)} steps; it needs at least context_length = {m}")
            segments.append(context)
        segment, start = _best_match(segments, m)
        continuation = segment[start + m:]
        reps = -(-n_steps // len(continuation))  # ceiling division
        return np.tile(continuation, (reps, 1))[:n_steps]


def _best_match(segments, m):
    """(segment, start) of the m-window closest to the last m points of the last segment.

    A window qualifies if at least m points follow it in its segment (in the last segment:
    if it ends before the query begins).
    """
    query = segments[-1][-m:]
    best = (np.inf, None, None)
    for segment in segments:
        # Exclusive end of the region whose windows qualify.
        end = len(segment) - m
        if end < m:
            continue
        # windows[i] is segment[i:i + m] with shape (d, m); the subtraction broadcasts the
        # query over all windows at once.
        windows = sliding_window_view(segment[:end], m, axis=0)
        distances = np.sum((windows - query.T) ** 2, axis=(1, 2))
        i = int(np.argmin(distances))
        # Strict <: on ties the earliest window (and segment) wins, deterministically.
        if distances[i] < best[0]:
            best = (distances[i], segment, i)
    if best[1] is None:
        raise ValueError(f"no motif of length {m} followed by {m} points in the history; "
                         "fit on a longer series")
    return best[1], best[2]
