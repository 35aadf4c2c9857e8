"""The library's default forecaster on the published univariate benchmark data, untuned.

``ReservoirForecaster(ESN(n_units=500, random_state=0))`` with every library default is
fitted on the first 1000 points of each published test trajectory (``reservoir.published``,
the exact 2023 files), forecasts 200 steps in closed loop, and is scored by sMAPE (0-200) over
the 199 published points, as the 16 published models were. Nothing is tuned: the only choice
made per series is the ridge penalty, by closed-loop validation inside the 1000 fitted points
(see ``ReservoirForecaster``). ``--split train`` runs the same on the train files (validation
data: the defaults were chosen there).

Prints the median and IQR over the 131 scored systems, the published medians, and the paired
comparison with NBEATS (the best published model): wins, losses and the Wilcoxon signed-rank
p-value.

``--delays 5,10`` drives the reservoir with delayed copies of the input too
(``input_delays``); choose them with ``--split train``.

Run: ``python benchmarks/published_default.py [--split test] [--units 500] [--seed 0] [--delays 5,10]``
"""

import argparse
import collections
import time
import warnings

import numpy as np

from reservoir import ESN, ReservoirForecaster
from reservoir.bench.published_report import paired_comparison
from reservoir.metrics import smape
from reservoir.published import N_FIT, N_SCORED, published_models, published_scores, published_series, published_systems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("train", "test"), default="test")
    parser.add_argument("--units", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--delays", default="", help="input_delays of the forecaster, e.g. 5,10 (default none)")
    args = parser.parse_args()
    delays = tuple(int(d) for d in args.delays.split(",") if d)

    start = time.perf_counter()
    records, alphas = [], collections.Counter()
    for system in published_systems():
        x = published_series(system, args.split)[1]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # divergence is scored, not warned about
            model = ReservoirForecaster(ESN(n_units=args.units, random_state=args.seed),
                                        input_delays=delays).fit(x[:N_FIT])
            y = model.forecast(200, on_divergence="ignore")[:N_SCORED]
        score = smape(x[N_FIT:N_FIT + N_SCORED], y) if np.all(np.isfinite(y)) else 200.0
        records.append({"model": "default", "system": system, "metrics": {"smape": float(score)}})
        alphas[model.alpha_] += 1
    wall = time.perf_counter() - start
    scores = np.array([r["metrics"]["smape"] for r in records])
    q1, median, q3 = np.percentile(scores, [25, 50, 75])
    print(f"default forecaster (ESN {args.units} units, seed {args.seed}, input_delays {delays}) on the published "
          f"{args.split} files, "
          f"{len(scores)} systems, {wall:.0f} s")
    print(f"median sMAPE {median:.1f} (IQR {q1:.1f}-{q3:.1f}); penalties chosen: "
          + ", ".join(f"{a:g}: {n}" for a, n in sorted(alphas.items(), reverse=True)))
    if args.split == "test":
        medians = {m: np.median(list(published_scores(m).values())) for m in published_models()}
        print("published medians: " + ", ".join(f"{m} {v:.1f}" for m, v in sorted(medians.items(), key=lambda kv: kv[1])))
        c = paired_comparison(records, "default")
        print(f"against NBEATS: {c['wins']} wins, {c['losses']} losses over {c['n']} systems, "
              f"Wilcoxon signed-rank p = {c['p_value']:.2g}")


if __name__ == "__main__":
    main()
