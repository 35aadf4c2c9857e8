"""Figures for forecasting studies, drawn with matplotlib's Agg canvas.

Figures are built on :class:`matplotlib.figure.Figure` with an explicit Agg canvas rather
than through ``pyplot``: nothing here needs a display, and importing this module neither
selects a backend nor leaves figures open in a notebook or a long-running process.
matplotlib itself is imported on the first call.
"""

from __future__ import annotations

import numpy as np

__all__ = ["plot_forecast"]

_TRUE_COLOR = "#1f1f1f"
_PRED_COLOR = "#d62728"
_VPT_ERROR_COLOR = "#2ca02c"
_VPT_SMAPE_COLOR = "#1f77b4"
_MAX_PANELS = 6


def plot_forecast(y_true, y_pred, *, dt=None, lyapunov_exponent=None, threshold=0.4, smape_threshold=30.0,
                  ax=None, title=None, labels=None):
    """A figure comparing a closed-loop forecast with the truth, both valid prediction times marked.

    The normalised error (:func:`reservoir.metrics.normalized_error`), the cumulative sMAPE
    (:func:`reservoir.metrics.smape_curve`) and both valid prediction times
    (:func:`reservoir.metrics.valid_prediction_time`: normalised error ``< threshold`` and
    cumulative sMAPE ``< smape_threshold``) are computed here. Without ``ax`` the figure has
    one panel per coordinate (the first six), then the normalised error and the cumulative
    sMAPE against their thresholds; with ``ax`` only the normalised error is drawn, into it.
    A non-finite forecast value (a blown-up closed loop) counts as an infinite error.

    Parameters
    ----------
    y_true, y_pred : array_like of shape (T, D) or (T,)
        Truth and forecast; row 0 is the first forecast step.
    dt : float, optional
        Time step of the series. With ``lyapunov_exponent`` too, time is in Lyapunov times
        (``dt * lyapunov_exponent`` per step); with ``dt`` alone in time units; without
        either in steps.
    lyapunov_exponent : float, optional
        The largest Lyapunov exponent (per time unit); needs ``dt``.
    threshold : float, default 0.4
        Normalised-error threshold of the first valid prediction time.
    smape_threshold : float, default 30.0
        Cumulative-sMAPE threshold (0-200 scale) of the second, as in Gilpin 2023.
    ax : matplotlib.axes.Axes, optional
        Draw the error panel into this axes instead of making a new figure.
    title : str, optional
        Figure title.
    labels : sequence of str, optional
        One name per coordinate; default ``x0, x1, ...`` (``x, y, z`` for three).

    Returns
    -------
    matplotlib.figure.Figure
        The figure (``ax.figure`` when ``ax`` is given); save it with ``fig.savefig(path)``.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.linspace(0, 5, 200)
    >>> y = np.column_stack([np.sin(t), np.cos(t)])
    >>> fig = plot_forecast(y, y + 0.01 * t[:, None] ** 2, dt=0.025, lyapunov_exponent=1.0)
    >>> type(fig).__name__, len(fig.axes)
    ('Figure', 4)
    """
    from .metrics import normalized_error, smape_curve, valid_prediction_time

    y_true = np.asarray(y_true, dtype=float)
    y_pred = np.asarray(y_pred, dtype=float)
    y_true = y_true[:, None] if y_true.ndim == 1 else y_true
    y_pred = y_pred[:, None] if y_pred.ndim == 1 else y_pred
    if y_true.ndim != 2 or y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must have the same shape (T, D) or (T,), got "
                         f"{np.shape(y_true)} and {np.shape(y_pred)}")
    if len(y_true) < 1:
        raise ValueError("y_true and y_pred must hold at least one step")
    if not np.all(np.isfinite(y_true)):
        raise ValueError("y_true contains NaN or infinite values")
    step, unit = _time_unit(dt, lyapunov_exponent)
    n_steps, n_dims = y_true.shape
    if labels is None:
        labels = ["x", "y", "z"] if n_dims == 3 else [f"x{d}" for d in range(n_dims)]
    elif len(labels) != n_dims:
        raise ValueError(f"labels must name all {n_dims} coordinates, got {len(labels)}")

    # Blown-up rows: the truth stands in for the curves' arithmetic, then they are set to the
    # worst value (infinite error, sMAPE term 200).
    blown = ~np.all(np.isfinite(y_pred), axis=1)
    safe = np.where(np.isfinite(y_pred), y_pred, y_true)
    error = np.where(blown, np.inf, normalized_error(y_true, safe))
    pointwise = np.where(blown, 200.0, smape_curve(y_true, safe))
    cumulative = np.cumsum(pointwise) / np.arange(1, n_steps + 1)
    vpt_error = valid_prediction_time(y_true, y_pred, "error", threshold=threshold) * step
    vpt_smape = valid_prediction_time(y_true, y_pred, "smape", threshold=smape_threshold, cumulative=True) * step
    t = np.arange(1, n_steps + 1) * step
    marks = [(vpt_error, _VPT_ERROR_COLOR, f"VPT (error < {threshold:g}) = {vpt_error:.3g} {unit}"),
             (vpt_smape, _VPT_SMAPE_COLOR, f"VPT (cum. sMAPE < {smape_threshold:g}) = {vpt_smape:.3g} {unit}")]
    xlabel = {"LT": "time since forecast start (Lyapunov times)", "steps": "forecast step",
              "time units": "time since forecast start"}[unit]

    if ax is not None:
        _error_panel(ax, t, error, threshold, marks, xlabel, n_steps, step)
        return ax.figure

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    shown = min(n_dims, _MAX_PANELS)
    fig = Figure(figsize=(10, 1.6 * shown + 4.2), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(shown + 2, 1, sharex=True, gridspec_kw={"height_ratios": [1] * shown + [1.4, 1.4]})
    for d, panel in enumerate(axes[:shown]):
        panel.plot(t, y_true[:, d], color=_TRUE_COLOR, lw=1.2, label="true")
        panel.plot(t, np.where(np.isfinite(y_pred[:, d]), y_pred[:, d], np.nan), color=_PRED_COLOR, lw=1.2,
                   ls="--", label="forecast")
        for x, color, _ in marks:
            panel.axvline(x, color=color, lw=1.2, ls=":")
        panel.set_ylabel(labels[d])
        panel.grid(alpha=0.3)
        # Bound the view by the truth so a diverging forecast does not flatten the panel.
        low, high = np.min(y_true[:, d]), np.max(y_true[:, d])
        pad = 0.25 * (high - low) if high > low else 1.0
        panel.set_ylim(low - pad, high + pad)
    axes[0].legend(loc="upper left", ncols=2, fontsize="small", framealpha=0.9)
    if shown < n_dims:
        axes[shown - 1].annotate(f"first {shown} of {n_dims} coordinates shown", (1, 0), xycoords="axes fraction",
                                 ha="right", va="bottom", fontsize="small")
    _error_panel(axes[shown], t, error, threshold, marks, None, n_steps, step)

    panel = axes[shown + 1]
    panel.plot(t, cumulative, color=_PRED_COLOR, lw=1.2, label="cumulative sMAPE")
    panel.axhline(smape_threshold, color="0.4", lw=1.0, ls="--", label=f"threshold {smape_threshold:g}")
    for x, color, label in marks:
        panel.axvline(x, color=color, lw=1.2, ls=":", label=label)
    panel.set_ylim(0, 200)
    panel.set_ylabel("cumulative sMAPE")
    panel.set_xlabel(xlabel)
    panel.grid(alpha=0.3)
    panel.legend(loc="upper left", fontsize="small", framealpha=0.9)
    if title:
        fig.suptitle(title)
    return fig


def _error_panel(ax, t, error, threshold, marks, xlabel, n_steps, step):
    shown = np.where(np.isfinite(error) & (error > 0), error, np.nan)
    ax.semilogy(t, shown, color=_PRED_COLOR, lw=1.2, label="normalised error")
    ax.axhline(threshold, color="0.4", lw=1.0, ls="--", label=f"threshold {threshold:g}")
    for x, color, label in marks:
        ax.axvline(x, color=color, lw=1.2, ls=":", label=label)
    ax.set_ylabel("normalised error")
    if xlabel:
        ax.set_xlabel(xlabel)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize="small", framealpha=0.9)
    ax.set_xlim(0, n_steps * step)


def _time_unit(dt, lyapunov_exponent):
    """(time per step, unit name) for the x axis."""
    if lyapunov_exponent is not None and dt is None:
        raise ValueError("lyapunov_exponent needs dt (the time step) to convert steps to Lyapunov times")
    for value, name in ((dt, "dt"), (lyapunov_exponent, "lyapunov_exponent")):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float, np.number))
                                  or not np.isfinite(value) or value <= 0):
            raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    if dt is None:
        return 1, "steps"
    if lyapunov_exponent is None:
        return float(dt), "time units"
    return float(dt) * float(lyapunov_exponent), "LT"
