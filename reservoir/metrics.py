"""Forecast metrics for chaotic time series, and the memory capacity of a reservoir.

All functions take numpy arrays (or anything ``np.asarray`` accepts): a series is
``(T, D)`` (time by dimension) or ``(T,)`` for a single dimension, and the forecast
must have the same shape as the truth. Definitions follow the Gilpin benchmarks
(sMAPE on the 0-200 scale) and the reservoir-computing literature (normalised error,
valid prediction time).
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "diverged_as_far",
    "memory_capacity",
    "normalized_error",
    "nrmse",
    "smape",
    "smape_curve",
    "valid_prediction_time",
]

_CRITERIA = ("error", "smape")
_DEFAULT_THRESHOLDS = {"error": 0.4, "smape": 30.0}


def nrmse(y_true, y_pred) -> float:
    """Root-mean-square error normalised by the per-dimension spread of the truth.

    ``sqrt(mean_{t,d} (y_td - yhat_td)**2 / sigma_d**2)``, where ``sigma_d`` is the
    (population) standard deviation of ``y_true[:, d]``. Predicting the mean of the
    truth scores 1.

    Parameters
    ----------
    y_true, y_pred : array_like of shape (T, D) or (T,)

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If a dimension of ``y_true`` is constant (its standard deviation is zero).

    Examples
    --------
    >>> y = np.array([1.0, 2.0, 3.0, 4.0])
    >>> nrmse(y, np.full(4, y.mean()))
    1.0
    """
    y_true, y_pred = _check_pair(y_true, y_pred)
    sigma = y_true.std(axis=0)
    if np.any(sigma == 0):
        raise ValueError("y_true is constant in at least one dimension; NRMSE is undefined")
    return float(np.sqrt(np.mean(((y_true - y_pred) / sigma) ** 2)))


def smape(y_true, y_pred) -> float:
    """Symmetric mean absolute percentage error on the 0-200 scale.

    ``200 / (T * D) * sum_{t,d} |y - yhat| / (|y| + |yhat|)``: the scale of dysts
    0.95 and of all published Gilpin benchmark numbers (dysts 0.96 halves it). A term
    where both values are zero counts as 0 (a perfect match).

    Parameters
    ----------
    y_true, y_pred : array_like
        Truth and forecast, of one shape (T, D) or (T,).

    Returns
    -------
    float
        0 for a perfect forecast, 200 when every forecast value has the opposite
        sign of the truth (or one of the two is zero).

    Examples
    --------
    >>> y = np.array([1.0, -2.0, 3.0])
    >>> smape(y, y), smape(y, -y)
    (0.0, 200.0)
    """
    y_true, y_pred = _check_pair(y_true, y_pred)
    return float(np.mean(_smape_terms(y_true, y_pred)))


def smape_curve(y_true, y_pred, cumulative: bool = False) -> np.ndarray:
    """sMAPE as a function of forecast step (0-200 scale).

    Parameters
    ----------
    y_true, y_pred : array_like of shape (T, D) or (T,)
    cumulative : bool, default False
        False: the pointwise curve ``e(t)``, the sMAPE of step ``t`` averaged over
        dimensions. True: the cumulative curve ``E(t) = mean(e(0), ..., e(t))``, the
        sMAPE of the first ``t + 1`` steps, as dysts' ``horizoned_metric`` computes.

    Returns
    -------
    ndarray of shape (T,)

    Examples
    --------
    >>> y = np.array([1.0, 1.0, 1.0])
    >>> smape_curve(y, [1.0, 1.0, -1.0])
    array([  0.,   0., 200.])
    >>> smape_curve(y, [1.0, 1.0, -1.0], cumulative=True)
    array([ 0.        ,  0.        , 66.66666667])
    """
    y_true, y_pred = _check_pair(y_true, y_pred)
    if not isinstance(cumulative, (bool, np.bool_)):
        raise TypeError(f"cumulative must be a bool, got {cumulative!r}")
    pointwise = _smape_terms(y_true, y_pred).mean(axis=1)
    if not cumulative:
        return pointwise
    return np.cumsum(pointwise) / np.arange(1, len(pointwise) + 1)


def normalized_error(y_true, y_pred) -> np.ndarray:
    """Pointwise forecast error normalised by the size of the attractor.

    ``err(t) = ||y_t - yhat_t|| / sqrt(mean_t ||y_t - mean(y)||**2)``, the curve
    behind the valid prediction time of Pathak et al. 2018 and Vlachas et al. 2020.
    The denominator is computed from ``y_true`` itself.

    Parameters
    ----------
    y_true, y_pred : array_like of shape (T, D) or (T,)

    Returns
    -------
    ndarray of shape (T,)

    Raises
    ------
    ValueError
        If ``y_true`` is constant (the normalisation is zero).

    Examples
    --------
    >>> y = np.array([[1.0, 0.0], [-1.0, 0.0]])
    >>> normalized_error(y, np.zeros((2, 2)))
    array([1., 1.])
    """
    y_true, y_pred = _check_pair(y_true, y_pred)
    scale = np.sqrt(np.mean(np.sum((y_true - y_true.mean(axis=0)) ** 2, axis=1)))
    if scale == 0:
        raise ValueError("y_true is constant; the normalised error is undefined")
    return np.linalg.norm(y_true - y_pred, axis=1) / scale


def valid_prediction_time(
    y_true,
    y_pred,
    criterion: str = "error",
    threshold: float | None = None,
    lyapunov_steps: float | None = None,
    cumulative: bool | None = None,
):
    """How long a forecast stays accurate: steps before its error first exceeds a threshold.

    Parameters
    ----------
    y_true, y_pred : array_like of shape (T, D) or (T,)
        Truth and forecast; row 0 is the first forecast step.
    criterion : {"error", "smape"}, default "error"
        ``"error"``: the normalised error of :func:`normalized_error`, the
        reservoir-computing convention (default threshold 0.4; papers also use 0.3
        or 0.5). ``"smape"``: the sMAPE curve of :func:`smape_curve`, Gilpin's
        convention (default threshold 30).
    threshold : float, optional
        Validity ends at the first step whose curve value is strictly greater than
        this. Defaults to 0.4 for ``"error"`` and 30 for ``"smape"``.
    lyapunov_steps : float, optional
        Lyapunov times per step, ``dt * lambda_max`` (see
        :meth:`reservoir.chaos.SystemInfo.lyapunov_times_per_step`). When given, the
        result is in Lyapunov times instead of steps.
    cumulative : bool, optional
        Only for ``"smape"``: use the cumulative curve ``E(t)`` (the default, as in
        Gilpin 2023) or, with False, the pointwise curve ``e(t)``.

    Returns
    -------
    int or float
        A non-finite forecast value (a blown-up closed loop) counts as past the threshold.
        Without ``lyapunov_steps``: the number of steps before the first exceedance,
        an int in ``[0, T]`` (``T`` if the threshold is never exceeded). With it:
        that number times ``lyapunov_steps``, a float in Lyapunov times.

    Examples
    --------
    >>> y = np.ones((4, 2))
    >>> forecast = y.copy()
    >>> forecast[2] = -1.0  # one step of opposite sign: pointwise sMAPE 200
    >>> valid_prediction_time(y, forecast, criterion="smape", cumulative=False)
    2
    >>> valid_prediction_time(y, forecast, criterion="smape", cumulative=False,
    ...                       lyapunov_steps=0.5)
    1.0
    """
    # A forecast that blew up is past any threshold from its first non-finite step on: it is
    # scored, not rejected (the other metrics reject non-finite forecasts).
    y_pred, blown_up = _finite_forecast(y_pred)
    y_true, y_pred = _check_pair(y_true, y_pred)
    if criterion not in _CRITERIA:
        raise ValueError(f"criterion must be one of {_CRITERIA}, got {criterion!r}")
    if threshold is None:
        threshold = _DEFAULT_THRESHOLDS[criterion]
    else:
        threshold = _check_number(threshold, "threshold")

    if criterion == "error":
        if cumulative is not None:
            raise ValueError("cumulative applies only to criterion='smape'")
        curve = normalized_error(y_true, y_pred)
    else:
        curve = smape_curve(y_true, y_pred, cumulative=True if cumulative is None else cumulative)

    curve = np.where(blown_up.reshape(len(curve), -1).any(axis=1), np.inf, curve) if blown_up.any() else curve
    if blown_up.any() and criterion == "smape" and (True if cumulative is None else cumulative):
        curve = np.maximum.accumulate(curve)  # the cumulative mean is infinite from then on
    exceeded = np.flatnonzero(curve > threshold)
    steps = int(exceeded[0]) if exceeded.size else len(curve)
    if lyapunov_steps is None:
        return steps
    return steps * _check_number(lyapunov_steps, "lyapunov_steps")


def memory_capacity(
    states,
    inputs,
    max_delay: int | None = None,
    washout: int = 0,
    alpha: float = 1e-8,
    train_fraction: float = 0.5,
) -> tuple[float, np.ndarray]:
    """Linear short-term memory capacity of a driven reservoir (Jaeger 2002).

    ``MC = sum_{k=1}^{max_delay} r2_k``, where ``r2_k`` is the squared Pearson
    correlation between the delayed input ``u(t - k)`` and its reconstruction by a
    ridge readout (with an unpenalised bias) from the state at time ``t``. Each
    readout is fitted on the first ``train_fraction`` of the usable steps and scored
    on the rest, so chance correlations of unrelated states do not count.

    Parameters
    ----------
    states : array_like of shape (T, N)
        Reservoir states; ``states[t]`` has seen inputs up to ``inputs[t]``.
    inputs : array_like of shape (T,) or (T, 1)
        The scalar input that drove the reservoir, ideally i.i.d. (e.g. uniform).
    max_delay : int, optional
        Largest delay ``k``. Defaults to ``2 * N``: the capacity cannot exceed ``N``,
        and in practice it is spent well before ``2 * N``.
    washout : int, default 0
        Initial steps to drop (the reservoir's transient).
    alpha : float, default 1e-8
        Ridge penalty.
    train_fraction : float, default 0.5
        Fraction of the usable steps used for fitting, in (0, 1).

    Returns
    -------
    total : float
        The memory capacity, between 0 and ``max_delay``.
    per_delay : ndarray of shape (max_delay,)
        ``per_delay[k - 1]`` is the capacity at delay ``k``.

    Notes
    -----
    Every readout uses the same steps, ``t >= max(washout, max_delay)``, so all
    delays share one ridge solve.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> u = rng.uniform(-1, 1, 2000)
    >>> delay_line = np.stack([np.roll(u, k) for k in range(6)], axis=1)
    >>> total, per_delay = memory_capacity(delay_line, u, max_delay=5, washout=10)
    >>> round(total, 3)
    5.0
    """
    states = _as_float_array(states, "states")
    inputs = _as_float_array(inputs, "inputs")
    if states.ndim != 2:
        raise ValueError(f"states must have shape (T, N), got {states.shape}")
    if inputs.ndim == 2 and inputs.shape[1] == 1:
        inputs = inputs[:, 0]
    if inputs.ndim != 1:
        raise ValueError(f"inputs must be a scalar series of shape (T,) or (T, 1), got "
                         f"{inputs.shape}")
    if len(inputs) != len(states):
        raise ValueError(f"states and inputs must have the same length, got "
                         f"{len(states)} and {len(inputs)}")
    n_steps, n_units = states.shape
    max_delay = 2 * n_units if max_delay is None else _check_int(max_delay, "max_delay", 1)
    washout = _check_int(washout, "washout", 0)
    alpha = _check_number(alpha, "alpha", allow_zero=True)
    train_fraction = _check_number(train_fraction, "train_fraction")
    if train_fraction >= 1:
        raise ValueError(f"train_fraction must be in (0, 1), got {train_fraction!r}")

    first = max(washout, max_delay)
    usable = n_steps - first
    n_train = int(round(train_fraction * usable))
    if n_train < 2 or usable - n_train < 2:
        raise ValueError(
            f"too few steps: {n_steps} states leave {usable} after dropping "
            f"max(washout, max_delay) = {first}, not enough to fit and score; pass "
            f"longer sequences or a smaller max_delay"
        )

    times = np.arange(first, n_steps)
    features = states[times]
    # Column k - 1 holds u(t - k).
    targets = np.stack([inputs[times - k] for k in range(1, max_delay + 1)], axis=1)
    prediction = _ridge_fit_predict(features[:n_train], targets[:n_train],
                                    features[n_train:], alpha)
    per_delay = _squared_correlation(targets[n_train:], prediction)
    return float(per_delay.sum()), per_delay


# ----------------------------------------------------------------------------------
# Helpers


#: What a non-finite forecast value is scored as: finite, yet beyond any attractor, so every
#: metric counts it as a miss (sMAPE term 200, normalised error beyond every threshold).
DIVERGED_VALUE = 1e150


def diverged_as_far(y_pred) -> np.ndarray:
    """``y_pred`` with NaN and ±inf replaced by ±:data:`DIVERGED_VALUE`: the one convention
    by which the package scores a forecast that blew up (``reservoir forecast`` and
    ``reservoir bench`` alike).

    Examples
    --------
    >>> float(smape(np.ones(2), diverged_as_far(np.array([1.0, np.nan]))))
    100.0
    """
    return np.nan_to_num(np.asarray(y_pred, dtype=float), nan=DIVERGED_VALUE, posinf=DIVERGED_VALUE,
                         neginf=-DIVERGED_VALUE)


def _as_float_array(value, name: str) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be a numeric array, got {type(value).__name__}") from err
    if array.size == 0:
        raise ValueError(f"{name} is empty")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return array


def _finite_forecast(y_pred):
    """``y_pred`` with non-finite values replaced by a finite stand-in, and the mask of them."""
    try:
        array = np.asarray(y_pred, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise TypeError(f"y_pred must be a numeric array, got {type(y_pred).__name__}") from err
    blown_up = ~np.isfinite(array)
    return np.where(blown_up, 0.0, array), blown_up


def _check_pair(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    """Validate a truth/forecast pair and return both as (T, D) float arrays."""
    y_true = _as_float_array(y_true, "y_true")
    y_pred = _as_float_array(y_pred, "y_pred")
    for name, array in (("y_true", y_true), ("y_pred", y_pred)):
        if array.ndim not in (1, 2):
            raise ValueError(f"{name} must have shape (T, D) or (T,), got {array.shape}")
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must have the same shape, got "
                         f"{y_true.shape} and {y_pred.shape}")
    if y_true.ndim == 1:
        return y_true[:, None], y_pred[:, None]
    return y_true, y_pred


def _smape_terms(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """200 |y - yhat| / (|y| + |yhat|) elementwise, with 0/0 taken as 0."""
    numerator = np.abs(y_true - y_pred)
    denominator = np.abs(y_true) + np.abs(y_pred)
    terms = np.zeros_like(numerator)
    np.divide(numerator, denominator, out=terms, where=denominator > 0)
    return 200.0 * terms


def _check_number(value, name: str, allow_zero: bool = False) -> float:
    kind = "non-negative" if allow_zero else "positive"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a {kind} finite number, got {value!r}")
    if not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name} must be a {kind} finite number, got {value!r}")
    return float(value)


def _check_int(value, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def _ridge_fit_predict(X_train, Y_train, X_test, alpha) -> np.ndarray:
    # Centring both sides fits the bias without penalising it. The SVD form stays
    # accurate when the states are nearly collinear and alpha is tiny.
    x_mean, y_mean = X_train.mean(axis=0), Y_train.mean(axis=0)
    U, s, Vt = np.linalg.svd(X_train - x_mean, full_matrices=False)
    with np.errstate(divide="ignore", invalid="ignore"):
        shrink = np.where(s > s.max(initial=0.0) * 1e-12, s / (s**2 + alpha), 0.0)
    W = Vt.T @ (shrink[:, None] * (U.T @ (Y_train - y_mean)))
    return (X_test - x_mean) @ W + y_mean


def _squared_correlation(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Columnwise squared Pearson correlation; 0 where either column is constant."""
    a = a - a.mean(axis=0)
    b = b - b.mean(axis=0)
    denominator = np.sum(a**2, axis=0) * np.sum(b**2, axis=0)
    r2 = np.zeros(a.shape[1])
    np.divide(np.sum(a * b, axis=0) ** 2, denominator, out=r2, where=denominator > 0)
    return np.minimum(r2, 1.0)
