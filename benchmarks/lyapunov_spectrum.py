"""Lyapunov exponents of fitted forecasters' closed loops against the systems' own.

Part 1, Lorenz-63: the package's default forecaster, ``ReservoirForecaster(ESN(n_units=1000,
random_state=0))`` (its ridge penalty chosen by closed-loop validation), fitted on 10,000 points
at 100 points per dominant period (dysts Lorenz, seed 0, DOP853 at 1e-10). The first three
exponents of its closed loop per unit time (``lyapunov_spectrum``, ``n_steps`` map steps after
1000 transient steps, QR every step) against the literature values 0.906, 0, -14.57. The bar:
λ1 within 15 % of 0.906, |λ2| < 0.15, λ3 < 0.

Part 2, a table: the first ``--systems`` dysts systems (in ``list_systems()`` order) that are
ordinary differential equations (no delay), autonomous (the forced systems' exponents belong
to the extended phase space with the forcing phase, which the series does not show) and of
dimension at most 6. Each gets the same protocol with ``ESN(n_units=--units, random_state=0)``
(default 1000, as for Lorenz) and its dt; the model's λ1 per unit time is compared with dysts'
``maximum_lyapunov_estimated``; the first value of dysts' ``lyapunov_spectrum_estimated``
(another estimate of the same number, by another method) is shown beside it as a measure of how
well the reference itself is known. A closed loop that leaves the training range is marked
``diverged`` (its exponent then describes the divergence, not the attractor). The table is
printed and written to ``out/lyapunov_table.csv``, the scatter plot to
``out/lyapunov_scatter.png``.

Run: ``python benchmarks/lyapunov_spectrum.py [--systems 20] [--units 1000] [--steps 20000]``
(``--systems 0`` runs Lorenz only).
"""

import argparse
import csv
import os
import time
import warnings

import numpy as np
from tqdm import tqdm

from reservoir import ESN, ReservoirForecaster, lyapunov_spectrum
from reservoir.chaos import _metadata, list_systems, system_info, trajectory
from reservoir.forecaster import ForecastDivergenceWarning

LORENZ = (0.906, 0.0, -14.57)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "out")


def fitted_exponents(system, units, n_train, n_steps, n_exponents):
    """Fit the default forecaster on ``system``; return (exponents per unit time, diverged,
    alpha, fit seconds, spectrum seconds)."""
    t, X = trajectory(system, n=n_train, pts_per_period=100, seed=0)
    dt = float(t[1] - t[0])
    start = time.perf_counter()
    model = ReservoirForecaster(ESN(n_units=units, random_state=0)).fit(X)
    fitted = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ForecastDivergenceWarning)
        exponents = lyapunov_spectrum(model, n_exponents, n_steps, dt=dt)
    diverged = any(issubclass(w.category, ForecastDivergenceWarning) for w in caught)
    return exponents, diverged, model.alpha_, fitted - start, time.perf_counter() - fitted


def table_systems(n_systems):
    chosen = []
    for name in list_systems():
        info = system_info(name)
        if not info.is_delay and not info.nonautonomous and info.dimension <= 6:
            chosen.append(name)
        if len(chosen) == n_systems:
            break
    return chosen


def scatter(rows, path, units):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    true = np.array([r["true"] for r in rows])
    model = np.array([r["model"] for r in rows])
    other = np.array([r["dysts_spectrum_l1"] for r in rows])
    diverged = np.array([r["diverged"] for r in rows])
    # Exponents at or below zero (a model whose closed loop settled on a fixed point or a
    # cycle; BickleyJet's reference is about 3e-6) are drawn on the floor.
    floor = 1e-3
    shown, true_shown = np.maximum(model, floor), np.maximum(true, floor)
    fig, ax = plt.subplots(figsize=(6, 6))
    span = np.array([floor, max(true.max(), shown.max()) * 2])
    ax.plot(span, span, "k-", lw=0.8, label="model = dysts")
    ax.fill_between(span, 0.8 * span, 1.2 * span, color="0.85", label="within 20 %")
    ax.scatter(true_shown, np.maximum(other, floor), facecolors="none", edgecolors="0.5", zorder=2,
               label="dysts' other estimate (lyapunov_spectrum_estimated[0])")
    ok = (model > floor) & ~diverged
    ax.scatter(true_shown[ok], shown[ok], c="C0", zorder=3, label="model λ1")
    if np.any(diverged):
        ax.scatter(true_shown[diverged], shown[diverged], c="C3", marker="x", zorder=3,
                   label="closed loop diverged")
    low = (model <= floor) & ~diverged
    if np.any(low):
        ax.scatter(true_shown[low], shown[low], c="C1", marker="v", zorder=3,
                   label=f"model λ1 < {floor:g} (drawn at {floor:g})")
    for r, x, y in zip(rows, true_shown, shown):
        ax.annotate(r["system"], (x, y), fontsize=6, xytext=(3, 2), textcoords="offset points")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("dysts maximum_lyapunov_estimated (1 / time)")
    ax.set_ylabel(f"closed-loop λ1 of ReservoirForecaster(ESN({units})) (1 / time)")
    ax.set_title(f"Largest Lyapunov exponent, {len(rows)} dysts systems")
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--systems", type=int, default=20, help="systems in the table (0: Lorenz only)")
    parser.add_argument("--units", type=int, default=1000, help="reservoir size of the table's models")
    parser.add_argument("--train", type=int, default=10000, help="training points per system")
    parser.add_argument("--steps", type=int, default=20000, help="closed-loop steps averaged over")
    args = parser.parse_args()
    os.makedirs(OUT, exist_ok=True)

    exponents, diverged, alpha, fit_s, lyap_s = fitted_exponents("Lorenz", 1000, 10000, args.steps, 3)
    l1, l2, l3 = exponents
    checks = [abs(l1 - LORENZ[0]) <= 0.15 * LORENZ[0], abs(l2) < 0.15, l3 < 0]
    print(f"Lorenz, ESN(1000), 10,000 points, alpha={alpha:g}, {args.steps} steps "
          f"(fit {fit_s:.1f} s, spectrum {lyap_s:.1f} s){' DIVERGED' if diverged else ''}")
    print(f"  λ1 = {l1:.4f}  (literature {LORENZ[0]}; {100 * (l1 / LORENZ[0] - 1):+.1f} %; bar ±15 %: "
          f"{'met' if checks[0] else 'NOT met'})")
    print(f"  λ2 = {l2:.4f}  (literature 0; bar |λ2| < 0.15: {'met' if checks[1] else 'NOT met'})")
    print(f"  λ3 = {l3:.4f}  (literature {LORENZ[2]}; bar λ3 < 0: {'met' if checks[2] else 'NOT met'})")
    print(f"  bar {'met' if all(checks) else 'NOT met'}")
    if args.systems < 1:
        return

    rows = []
    for name in tqdm(table_systems(args.systems), desc="systems"):
        true = system_info(name).maximum_lyapunov
        exponents, diverged, alpha, fit_s, lyap_s = fitted_exponents(name, args.units, args.train, args.steps, 1)
        spectrum = _metadata()[name].get("lyapunov_spectrum_estimated") or [np.nan]
        rows.append({"system": name, "dimension": system_info(name).dimension, "true": true,
                     "dysts_spectrum_l1": float(spectrum[0]),
                     "model": float(exponents[0]), "relative_error": abs(exponents[0] - true) / abs(true),
                     "diverged": diverged, "alpha": alpha, "fit_s": fit_s, "spectrum_s": lyap_s})

    print(f"\nλ1 per unit time, ESN({args.units}), {args.train} points at 100 per period, {args.steps} steps")
    print(f"{'system':<24}{'dim':>4}{'true':>10}{'(spectrum)':>11}{'model':>10}{'rel. err':>10}{'alpha':>9}  note")
    for r in rows:
        print(f"{r['system']:<24}{r['dimension']:>4}{r['true']:>10.4f}{r['dysts_spectrum_l1']:>11.4f}{r['model']:>10.4f}"
              f"{r['relative_error']:>10.2f}{r['alpha']:>9.0e}  {'diverged' if r['diverged'] else ''}")
    errors = np.array([r["relative_error"] for r in rows])
    print(f"against maximum_lyapunov_estimated: median relative error {np.median(errors):.3f}; within 20 %: "
          f"{int(np.sum(errors <= 0.2))} of {len(rows)}; diverged: {sum(r['diverged'] for r in rows)}; "
          f"model λ1 <= 0: {sum(r['model'] <= 0 for r in rows)}")
    known = [r for r in rows if np.isfinite(r["dysts_spectrum_l1"]) and r["dysts_spectrum_l1"] != 0]
    other = np.array([abs(r["model"] - r["dysts_spectrum_l1"]) / abs(r["dysts_spectrum_l1"]) for r in known])
    between = np.array([abs(r["dysts_spectrum_l1"] - r["true"]) / abs(r["true"]) for r in known])
    print(f"against lyapunov_spectrum_estimated[0] ({len(known)} systems): median relative error "
          f"{np.median(other):.3f}; within 20 %: {int(np.sum(other <= 0.2))}; the two dysts estimates agree "
          f"within 20 % for {int(np.sum(between <= 0.2))} of them (median relative difference {np.median(between):.3f})")

    with open(os.path.join(OUT, "lyapunov_table.csv"), "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    scatter(rows, os.path.join(OUT, "lyapunov_scatter.png"), args.units)
    print(f"wrote {os.path.normpath(os.path.join(OUT, 'lyapunov_table.csv'))} and lyapunov_scatter.png")


if __name__ == "__main__":
    main()
