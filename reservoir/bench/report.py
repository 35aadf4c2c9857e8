"""Summaries of a results store: median and IQR per model and metric, the comparison with the
published 2023 results, and a plot of each model's per-system scores."""

from __future__ import annotations

import csv
import importlib.resources
import io
import math
from pathlib import Path

import numpy as np

__all__ = ["comparison_table", "plot_scores", "published_results", "summarize", "summary_table"]

_PUBLISHED = "gilpin2023_published.csv"


def summarize(records, metrics=("smape", "vpt_smape", "vpt_smape_pointwise", "vpt_error", "nrmse")) -> list[dict]:
    """Median, quartiles and counts per (model, fit length, metric) over systems and seeds.

    Parameters
    ----------
    records : list of dict
        Task records (``ResultsStore.records()``).
    metrics : tuple of str
        Metrics to summarise (those missing from the records are skipped).

    Returns
    -------
    list of dict
        Keys ``model``, ``fit_length``, ``metric``, ``median``, ``q1``, ``q3``, ``mean``, ``n``
        (scored tasks) and ``failed`` (tasks without metrics).

    Examples
    --------
    >>> recs = [{"model": "m", "fit_length": 10, "metrics": {"smape": v}} for v in (1.0, 2.0, 3.0)]
    >>> summarize(recs, metrics=("smape",))[0]["median"]
    2.0
    """
    groups = {}
    for r in records:
        groups.setdefault((r["model"], r["fit_length"]), []).append(r)
    rows = []
    for (model, fit_length), group in sorted(groups.items(), key=lambda kv: (kv[0][0], -kv[0][1])):
        scored = [r["metrics"] for r in group if r.get("metrics")]
        for metric in metrics:
            values = np.array([m[metric] for m in scored if metric in m], dtype=float)
            if values.size == 0:
                continue
            # Diverged forecasts have infinite errors; a huge finite stand-in keeps the quartile
            # interpolation from producing inf - inf = nan, and is mapped back to inf.
            big = np.finfo(float).max
            q1, median, q3 = (np.inf if q >= big else q
                              for q in np.percentile(np.where(values == np.inf, big, values), [25, 50, 75]))
            rows.append({"model": model, "fit_length": fit_length, "metric": metric, "median": float(median),
                         "q1": float(q1), "q3": float(q3), "mean": float(np.mean(values)), "n": int(values.size),
                         "failed": len(group) - len(scored)})
    return rows


def summary_table(records, metrics=("smape", "vpt_smape", "vpt_smape_pointwise", "vpt_error")) -> str:
    """A plain-text table: per model (and fit length), median [IQR] of each metric over systems.

    The default columns are sMAPE and the three valid prediction times (Lyapunov times);
    for long forecasts pass e.g. ``("kl_divergence", "hellinger", "corr_dim_error", "diverged")``.

    Examples
    --------
    >>> recs = [{"model": "m", "fit_length": 10, "metrics": {"smape": 1.0, "vpt_smape": 0.5,
    ...          "vpt_smape_pointwise": 0.2, "vpt_error": 0.4, "nrmse": 0.1}}]
    >>> print(summary_table(recs).splitlines()[2].split()[:3])
    ['m', '10', '1']
    """
    rows = summarize(records, metrics)
    cell = {(r["model"], r["fit_length"], r["metric"]): r for r in rows}
    keys = sorted({(r["model"], r["fit_length"]) for r in rows}, key=lambda k: (k[0], -k[1]))
    titles = {"smape": "sMAPE", "vpt_smape": "VPT cum.sMAPE", "vpt_smape_pointwise": "VPT pointwise",
              "vpt_error": "VPT error<0.4", "diverged": "diverged", "left_attractor": "left attractor",
              "kl_divergence": "KL divergence", "corr_dim_error": "corr.dim. error"}
    flags = ("diverged", "left_attractor")
    body = []
    for model, fit_length in keys:
        first = next(r for r in rows if (r["model"], r["fit_length"]) == (model, fit_length))
        parts = []
        for metric in metrics:
            r = cell.get((model, fit_length, metric))
            if r is None:
                parts.append("-")
            elif metric in flags:  # 0/1 flags: the fraction says more
                parts.append(f"{100 * r['mean']:.0f} %")
            else:
                parts.append(f"{_num(r['median'], metric)} [{_num(r['q1'], metric)}-{_num(r['q3'], metric)}]")
        body.append((model, fit_length, first["n"], first["failed"], parts))
    # Columns as wide as their content: the table fits ~100 columns for four metrics.
    name_w = max([5] + [len(m) for m, *_ in body])
    widths = [max([len(titles.get(m, m))] + [len(b[4][i]) for b in body]) for i, m in enumerate(metrics)]
    header = (f"{'model':<{name_w}} {'fit':>5} {'n':>4} {'fail':>4}  "
              + "  ".join(f"{titles.get(m, m):<{w}}" for m, w in zip(metrics, widths)))
    lines = [header.rstrip(), "-" * len(header.rstrip())]
    for model, fit_length, n, failed, parts in body:
        lines.append((f"{model:<{name_w}} {fit_length:>5} {n:>4} {failed:>4}  "
                      + "  ".join(f"{p:<{w}}" for p, w in zip(parts, widths))).rstrip())
    lines.append(f"median [IQR] over the n scored tasks (systems x seeds); fit: fit length; VPTs in Lyapunov "
                 f"times; {', '.join(titles.get(m, m) for m in metrics if m in flags) or 'flags'}: % of tasks"
                 if any(m in flags for m in metrics) else
                 "median [IQR] over the n scored tasks (systems x seeds); fit: fit length; VPTs in Lyapunov times")
    return "\n".join(lines)


def _num(value, metric):
    """Short numbers: VPTs (Lyapunov times) to 2 decimals, others to 3 significant digits
    without exponents for the usual ranges (sMAPE 0-200)."""
    if not math.isfinite(value):
        return str(value)
    if metric.startswith("vpt"):
        return f"{value:.2f}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def published_results() -> list[dict]:
    """The published median sMAPE (and VPT where known) of the Gilpin 2023 benchmark's models
    and of the floor baselines, from ``data/gilpin2023_published.csv``.

    Examples
    --------
    >>> {r["method"]: r["median_smape"] for r in published_results()}["NBEATS"]
    42.2
    """
    text = _published_text()
    rows = csv.DictReader(io.StringIO("".join(line for line in text.splitlines(True) if not line.startswith("#"))))
    return [{"method": r["method"], "median_smape": float(r["median_smape"]),
             "vpt_smape": float(r["vpt_smape"]) if r["vpt_smape"] else math.nan, "source": r["source"]}
            for r in rows]


def comparison_table(records, fit_length=1000) -> str:
    """Our models' median sMAPE and cumulative-sMAPE VPT beside the published ones, best first.

    Only meaningful for records of the ``gilpin2023`` protocol (or ``data_limited`` at 1000).
    """
    medians = {(r["model"], r["metric"]): r["median"] for r in summarize(records, ("smape", "vpt_smape"))
               if r["fit_length"] == fit_length}
    systems = {}
    for r in records:
        if r.get("metrics") and r["fit_length"] == fit_length:
            systems.setdefault(r["model"], set()).add(r["system"])
    entries = [(f"{model} (this run)", smape, medians.get((model, "vpt_smape")), str(len(systems.get(model, ()))))
               for (model, metric), smape in medians.items() if metric == "smape"]
    entries += [(f"{p['method']} (published)", p["median_smape"], p["vpt_smape"], "all")
                for p in published_results()]
    entries.sort(key=lambda e: e[1])
    lines = [f"{'method':<36} {'systems':>7} {'median sMAPE':>13} {'median VPT (LT)':>16}", "-" * 75]
    for name, smape, v, n in entries:
        v_text = "-" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.2f}"
        lines.append(f"{name:<36} {n:>7} {smape:>13.1f} {v_text:>16}")
    covered = sorted({len(s) for s in systems.values()})
    lines += ["", "systems: how many systems each median covers. The published medians cover the whole 2023 "
              "benchmark",
              "(135 dysts systems, 133 scored; the floor baselines on regenerated data of all systems); "
              f"this run's cover {', '.join(map(str, covered)) or 0}.",
              "Only a run over all systems compares like with like; a median over a few systems says little."]
    return "\n".join(lines)


def plot_scores(records, metric="smape", path=None, fit_length=None):
    """Each model's per-system score, systems sorted by the first model's score (log scale).

    Returns the matplotlib figure; saves it to ``path`` when given.
    """
    import matplotlib

    if path is not None:
        matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    scores = {}
    for r in records:
        if r.get("metrics") and (fit_length is None or r["fit_length"] == fit_length):
            scores.setdefault(r["model"], {}).setdefault(r["system"], []).append(r["metrics"][metric])
    n_systems = len(set().union(*[set(v) for v in scores.values()])) if scores else 0
    # 8-pt system names need about 0.14 inch each.
    fig, ax = plt.subplots(figsize=(max(8.0, 1.5 + 0.14 * n_systems), 5.0))
    first = None
    if scores:
        first = sorted(scores)[0]
        systems = sorted(scores[first], key=lambda s: np.median(scores[first][s]))
        systems += sorted(set().union(*[set(v) for v in scores.values()]) - set(systems))
        for model in sorted(scores):
            y = [np.median(scores[model][s]) if s in scores[model] else np.nan for s in systems]
            ax.plot(range(len(systems)), y, "o", ms=4,
                    label=f"{model} (median {np.nanmedian(y):.3g} over {len(scores[model])} systems)")
        ax.set_xticks(range(len(systems)))
        ax.set_xticklabels(systems, rotation=90, fontsize=8)
        ax.set_xlim(-0.5, len(systems) - 0.5)
    names = {"smape": "sMAPE (0-200)", "vpt_smape": "VPT, cumulative sMAPE < 30 (Lyapunov times)",
             "vpt_error": "VPT, normalised error < 0.4 (Lyapunov times)"}
    ax.set_ylabel(names.get(metric, metric), fontsize=10)
    ax.set_xlabel(f"system (sorted by {first}'s score)" if first else "system", fontsize=10)
    ax.tick_params(axis="y", labelsize=9)
    if metric == "smape":
        ax.set_yscale("symlog", linthresh=1.0)
        ax.set_ylim(0, 200)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=9)
    ax.set_title(f"per-system {names.get(metric, metric)}, median over seeds", fontsize=11)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=150)
    return fig


def _published_text():
    source = Path(__file__).resolve().parents[2] / "data" / _PUBLISHED
    if source.exists():  # a source checkout
        return source.read_text()
    return importlib.resources.files("reservoir.data").joinpath(_PUBLISHED).read_text()  # installed
