"""What an onion ESN is for, in pictures: its eigenvalue rings, and how much the fitted
readout draws on each ring (which time scales the task used).

Figures are built on :class:`matplotlib.figure.Figure` with an Agg canvas (as in
:mod:`reservoir.plotting`), so nothing here needs a display or leaves figures open.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .augment import augment
from .onion import OnionESN
from .readouts import linear_weights
from .runner import run

__all__ = ["plot_onion", "ring_readout_share"]


def _reservoir_and_params(model, params=None):
    """Accept a fitted estimator, or an OnionESN with its params."""
    if hasattr(model, "reservoir_params_"):
        reservoir, params = model.reservoir_, model.reservoir_params_
    else:
        reservoir = model
    if not isinstance(reservoir, OnionESN):
        raise TypeError(f"expected an OnionESN or an estimator fitted with one, got {type(reservoir).__name__}")
    if params is None:
        raise ValueError("params are needed with an unfitted OnionESN (from onion.initialize(n_inputs))")
    return reservoir, params


def ring_readout_share(estimator, X=None):
    """Fraction of the fitted readout that each ring's units carry.

    For every block ``g`` this is ``sum_{j in g} c_j**2 / sum_j c_j**2``, where ``c_j`` is the
    total size of the readout weights on unit ``j`` (over outputs, and over the unit's state
    and squared-state features when the estimator uses ``squared=True``). With ``X``, each
    weight is first multiplied by the standard deviation of its feature over ``X``: a weight
    on a nearly constant unit then counts for little, so the share measures what each ring
    contributes to the output rather than the raw weight size.

    Parameters
    ----------
    estimator : ReservoirRegressor or ReservoirForecaster
        Fitted with an :class:`~reservoir.onion.OnionESN` and a linear readout.
    X : array of shape (T, d), optional
        Input series to weight by feature spread (e.g. the training series).

    Returns
    -------
    ndarray of shape (n_blocks,)
        Shares adding up to 1, innermost ring first.

    Examples
    --------
    >>> import numpy as np
    >>> from reservoir import ReservoirForecaster
    >>> t = np.arange(1500) * 0.1
    >>> series = np.sin(t)[:, None]
    >>> fc = ReservoirForecaster(OnionESN(n_units=80, radii=(0.5, 1.0), random_state=0)).fit(series)
    >>> share = ring_readout_share(fc, series)
    >>> share.shape, round(float(share.sum()), 6)
    ((2,), 1.0)
    """
    reservoir, params = _reservoir_and_params(estimator)
    weights = linear_weights(estimator.readout_)
    if weights is None:
        raise TypeError("ring_readout_share needs a linear readout (Ridge, RLS or a scikit-learn linear model)")
    coef = weights[0]
    n = reservoir.n_features(params)
    bias, input_concat, squared = estimator._augmentation
    # The augmented vector is [1, u, r, r**2]: locate the state (and squared-state) columns.
    first = int(bias) + (estimator.n_features_in_ if input_concat else 0)
    parts = [coef[:, first:first + n]]
    if squared:
        parts.append(coef[:, first + n:first + 2 * n])
    if X is not None:
        (sequence,), _ = estimator._check_inputs(X)
        scaled = estimator._scale(sequence)
        states, _ = run(reservoir, params, scaled)
        spread = augment(states, scaled, *estimator._augmentation).std(axis=0)
        parts[0] = parts[0] * spread[first:first + n]
        if squared:
            parts[1] = parts[1] * spread[first + n:first + 2 * n]
    per_unit = sum(np.sum(p**2, axis=0) for p in parts)
    per_block = np.bincount(np.asarray(params["block"]), weights=per_unit)
    return per_block / per_block.sum()


def plot_onion(model, params=None, X=None, path=None, title=None):
    """Draw the eigenvalue rings of an onion ESN and, if fitted, each ring's readout share.

    Parameters
    ----------
    model : OnionESN or fitted estimator
        An :class:`~reservoir.onion.OnionESN` (then pass ``params``) or a
        ``ReservoirRegressor``/``ReservoirForecaster`` fitted with one.
    params : dict, optional
        The reservoir's params, for an unfitted ``OnionESN``.
    X : array, optional
        Passed to :func:`ring_readout_share` (weights by feature spread).
    path : str or path-like, optional
        Where to save the figure (format from the suffix); missing folders are created.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> onion = OnionESN(n_units=120, radii=(0.3, 0.6, 0.9), random_state=0)
    >>> fig = plot_onion(onion, onion.initialize(1))
    >>> len(fig.axes)
    1
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    reservoir, params = _reservoir_and_params(model, params)
    fitted = hasattr(model, "readout_")
    edges = reservoir.ring_edges()
    fig = Figure(figsize=(9.5 if fitted else 4.8, 4.4))
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, 2 if fitted else 1, squeeze=False)[0]
    colors = [f"C{g}" for g in range(len(edges))]

    ax = axes[0]
    angle = np.linspace(0, 2 * np.pi, 400)
    for g, (W, (r_in, r_out)) in enumerate(zip(reservoir.block_matrices(params), edges)):
        eig = np.linalg.eigvals(W)
        ax.plot(eig.real, eig.imag, ".", ms=2.5, color=colors[g], label=f"ring {g}: [{r_in:g}, {r_out:g}]")
        ax.plot(r_out * np.cos(angle), r_out * np.sin(angle), color=colors[g], lw=0.8)
    ax.plot(np.cos(angle), np.sin(angle), color="k", lw=0.6, ls="--")
    ax.set_aspect("equal")
    ax.set_xlabel("Re λ")
    ax.set_ylabel("Im λ")
    ax.set_title("eigenvalues per block (dashed: unit circle)")
    ax.legend(fontsize=7, loc="upper right")

    if fitted:
        share = ring_readout_share(model, X)
        ax = axes[1]
        ax.bar(range(len(share)), share, color=colors)
        ax.set_xticks(range(len(share)), [f"[{a:g}, {b:g}]" for a, b in edges], fontsize=8)
        ax.set_xlabel("ring (eigenvalue moduli)")
        ax.set_ylabel("share of readout" + (" (weight × feature std)²" if X is not None else " weight²"))
        ax.set_title("what the readout uses")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    if path is not None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=120)
    return fig
