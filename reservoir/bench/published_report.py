"""Our models beside every published model on the published univariate data
(``gilpin2023_univariate``): medians over the same systems, and per-system paired comparisons.
"""

from __future__ import annotations

import numpy as np
import scipy.stats

from ..published import published_models, published_scores

__all__ = ["paired_comparison", "plot_paired", "published_comparison_table"]

#: The published model every paired comparison is made against: the best published median.
REFERENCE = "NBEATSModel"


def _our_scores(records, model, metric="smape"):
    """``{system: median over seeds of metric}`` for ``model``'s scored records."""
    by_system = {}
    for r in records:
        if r["model"] == model and r.get("metrics"):
            by_system.setdefault(r["system"], []).append(r["metrics"][metric])
    return {s: float(np.median(v)) for s, v in by_system.items()}


def paired_comparison(records, model, reference=REFERENCE):
    """Per-system sMAPE of ``model`` (median over its seeds) against published ``reference``
    on the systems both have.

    Returns
    -------
    dict
        ``n`` systems, ``wins`` / ``losses`` / ``ties`` (lower sMAPE wins),
        ``median_ours`` and ``median_reference`` over those systems, ``p_value`` of the
        two-sided Wilcoxon signed-rank test of the paired differences (None below 2 systems
        or when every difference is zero), and ``scores`` ``{system: (ours, reference)}``.

    Examples
    --------
    >>> recs = [{"model": "m", "system": s, "metrics": {"smape": 1.0}} for s in ("Lorenz", "Rossler")]
    >>> result = paired_comparison(recs, "m")
    >>> result["wins"], result["n"]
    (2, 2)
    """
    ours = _our_scores(records, model)
    theirs = published_scores(reference)
    systems = sorted(set(ours) & set(theirs))
    a = np.array([ours[s] for s in systems])
    b = np.array([theirs[s] for s in systems])
    p_value = None
    if len(systems) >= 2 and np.any(a != b):
        p_value = float(scipy.stats.wilcoxon(a, b).pvalue)
    return {"n": len(systems), "wins": int(np.sum(a < b)), "losses": int(np.sum(a > b)),
            "ties": int(np.sum(a == b)), "median_ours": float(np.median(a)) if len(a) else np.nan,
            "median_reference": float(np.median(b)) if len(b) else np.nan, "p_value": p_value,
            "scores": {s: (float(x), float(y)) for s, x, y in zip(systems, a, b)}}


def published_comparison_table(records) -> str:
    """Every published model and each of ours: median sMAPE (and IQR) over the systems our
    runs scored, best first, then the paired comparison of each of ours with NBEATS.

    The published medians are taken over the same systems as ours, so a partial run is
    compared like with like (the header says over how many).
    """
    ours = {m: _our_scores(records, m) for m in sorted({r["model"] for r in records})}
    systems = sorted(set().union(*ours.values())) if ours else []
    rows = []
    for model, scores in ours.items():
        values = [scores[s] for s in systems if s in scores]
        rows.append((f"{model} (this run)", values))
    for model in published_models():
        scores = published_scores(model)
        rows.append((f"{model} (published)", [scores[s] for s in systems if s in scores]))
    rows = [(name, np.array(v)) for name, v in rows if len(v)]
    rows.sort(key=lambda row: np.median(row[1]))
    lines = [f"Published univariate data (gilpin2023_univariate), sMAPE over the 199 published test "
             f"points, {len(systems)} systems", f"{'model':<36} {'n':>4} {'median':>7} {'IQR':>15}", "-" * 65]
    for name, v in rows:
        q1, q3 = np.percentile(v, [25, 75])
        lines.append(f"{name:<36} {len(v):>4} {np.median(v):>7.1f} {f'{q1:.1f}-{q3:.1f}':>15}")
    lines += ["", f"paired against {REFERENCE} (published), per system:"]
    for model in ours:
        c = paired_comparison(records, model)
        p = "-" if c["p_value"] is None else f"{c['p_value']:.2g}"
        lines.append(f"  {model}: {c['wins']} wins, {c['losses']} losses, {c['ties']} ties over {c['n']} systems; "
                     f"median {c['median_ours']:.1f} vs {c['median_reference']:.1f}; Wilcoxon signed-rank p = {p}")
    return "\n".join(lines)


def plot_paired(records, model, path=None, reference=REFERENCE):
    """Per-system sMAPE of ``model`` against published ``reference``: one point per system,
    below the diagonal where ours is better. Returns the figure; saves it to ``path``."""
    import matplotlib

    if path is not None:
        matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    c = paired_comparison(records, model, reference)
    ours, theirs = (np.array([v[i] for v in c["scores"].values()]) for i in (0, 1))
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot(theirs, ours, "o", ms=3, alpha=0.7)
    ax.plot([0, 200], [0, 200], "k--", lw=0.8)
    ax.set_xlim(0, 200)
    ax.set_ylim(0, 200)
    ax.set_xlabel(f"{reference} (published) sMAPE")
    ax.set_ylabel(f"{model} (this run) sMAPE")
    p = "-" if c["p_value"] is None else f"{c['p_value']:.2g}"
    ax.set_title(f"{c['wins']} wins / {c['losses']} losses over {c['n']} systems, p = {p}", fontsize=9)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=150)
    return fig
