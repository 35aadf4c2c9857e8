"""Figures for forecasting studies, drawn with matplotlib's Agg canvas.

Figures are built on :class:`matplotlib.figure.Figure` with an explicit Agg canvas rather
than through ``pyplot``: nothing here needs a display, and importing this module neither
selects a backend nor leaves figures open in a notebook or a long-running process.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["plot_forecast"]

_TRUE_COLOR = "#1f1f1f"
_PRED_COLOR = "#d62728"
_VPT_COLOR = "#2ca02c"


def plot_forecast(t_lyap, y_true, y_pred, error, threshold, vpt, path, *, title=None,
                  labels=None, dpi=120):
    """Save a figure comparing a closed-loop forecast with the truth.

    One panel per coordinate shows the true and forecast trajectories against time in
    Lyapunov times; a last panel shows the normalised error on a log scale with the
    validity threshold. The valid prediction time is marked on every panel.

    Parameters
    ----------
    t_lyap : array_like of shape (T,)
        Time of every forecast step since the forecast started, in Lyapunov times.
    y_true, y_pred : array_like of shape (T, D) or (T,)
        Truth and forecast (non-finite forecast values are left out of the plot).
    error : array_like of shape (T,)
        The normalised error curve (see :func:`reservoir.metrics.normalized_error`).
    threshold : float
        The error threshold that ends the valid prediction time (e.g. 0.4).
    vpt : float
        The valid prediction time in Lyapunov times.
    path : str or path-like
        Where to write the image; the format follows the suffix (``.png``, ``.pdf``, ...).
        Missing parent folders are created.
    title : str, optional
        Figure title.
    labels : sequence of str, optional
        One name per coordinate; default ``x0, x1, ...`` (``x, y, z`` for three).
    dpi : int, default 120
        Resolution of raster formats.

    Returns
    -------
    pathlib.Path
        The path written.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> t = np.linspace(0, 5, 200)
    >>> y = np.column_stack([np.sin(t), np.cos(t)])
    >>> err = np.abs(0.01 * t ** 2)
    >>> out = plot_forecast(t, y, y + 0.01 * t[:, None] ** 2, err, 0.4, 5.0,
    ...                     os.path.join(tempfile.mkdtemp(), "f.png"))
    >>> out.suffix
    '.png'
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    t_lyap = np.asarray(t_lyap, dtype=float).reshape(-1)
    y_true = np.asarray(y_true, dtype=float)
    y_pred = np.asarray(y_pred, dtype=float)
    if y_true.ndim == 1:
        y_true = y_true[:, None]
    if y_pred.ndim == 1:
        y_pred = y_pred[:, None]
    error = np.asarray(error, dtype=float).reshape(-1)
    if y_true.shape != y_pred.shape or y_true.ndim != 2:
        raise ValueError(f"y_true and y_pred must have the same shape (T, D), got "
                         f"{y_true.shape} and {y_pred.shape}")
    n_steps, n_dims = y_true.shape
    if len(t_lyap) != n_steps or len(error) != n_steps:
        raise ValueError(f"t_lyap ({len(t_lyap)}) and error ({len(error)}) must have one "
                         f"value per forecast step ({n_steps})")
    if labels is None:
        labels = ["x", "y", "z"] if n_dims == 3 else [f"x{d}" for d in range(n_dims)]
    elif len(labels) != n_dims:
        raise ValueError(f"labels must name all {n_dims} coordinates, got {len(labels)}")

    height = 1.6 * n_dims + 2.4
    fig = Figure(figsize=(10, height), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(n_dims + 1, 1, sharex=True,
                        gridspec_kw={"height_ratios": [1] * n_dims + [1.4]})
    vpt_label = f"VPT = {vpt:.2f} LT"

    for d, ax in enumerate(axes[:-1]):
        ax.plot(t_lyap, y_true[:, d], color=_TRUE_COLOR, lw=1.2, label="true")
        ax.plot(t_lyap, np.where(np.isfinite(y_pred[:, d]), y_pred[:, d], np.nan),
                color=_PRED_COLOR, lw=1.2, ls="--", label="forecast")
        ax.axvline(vpt, color=_VPT_COLOR, lw=1.2, ls=":", label=vpt_label)
        ax.set_ylabel(labels[d])
        ax.grid(alpha=0.3)
        # Bound the view by the truth so a diverging forecast does not flatten the panel.
        low, high = np.min(y_true[:, d]), np.max(y_true[:, d])
        pad = 0.25 * (high - low) if high > low else 1.0
        ax.set_ylim(low - pad, high + pad)
    axes[0].legend(loc="upper left", ncols=3, fontsize="small", framealpha=0.9)

    ax = axes[-1]
    shown = np.where(np.isfinite(error) & (error > 0), error, np.nan)
    ax.semilogy(t_lyap, shown, color=_PRED_COLOR, lw=1.2, label="normalised error")
    ax.axhline(threshold, color="0.4", lw=1.0, ls="--", label=f"threshold {threshold:g}")
    ax.axvline(vpt, color=_VPT_COLOR, lw=1.2, ls=":", label=vpt_label)
    ax.set_ylabel("normalised error")
    ax.set_xlabel("time since forecast start (Lyapunov times)")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize="small", framealpha=0.9)
    ax.set_xlim(0, t_lyap[-1] if n_steps else 1)

    if title:
        fig.suptitle(title)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    return path
