"""How often long closed-loop forecasts leave the attractor, with and without training noise.

For every dysts system (our own integrations, the ``long_horizon`` protocol's data: benchmark
seed 0's test trajectory, 100 points per period), the default forecaster
``ReservoirForecaster(ESN(n_units=500, random_state=0), training_noise=s)`` is fitted on the
first 1000 points and forecasts 5000 steps (50 periods) in closed loop. A forecast counts as
diverged when it becomes non-finite, and as having left the attractor when it diverged or a
point lies outside the truth's bounding box enlarged by half its extent on every side
(``reservoir.bench.score_forecast``'s ``left_attractor``). Also printed: the median valid
prediction time (normalised error < 0.4, Lyapunov times) over the systems.

Nothing is tuned here (the protocol's own run, ``reservoir bench --protocol long_horizon``,
chooses hyperparameters on a validation trajectory): the table isolates the effect of the
training noise on the default model.

Run: ``python benchmarks/closed_loop_stability.py [--noise 0,1e-3,1e-2] [--systems all|first:K]``
"""

import argparse
import time
import warnings

import numpy as np

from reservoir import ESN, ReservoirForecaster
from reservoir.bench import get_protocol, score_forecast
from reservoir.chaos import list_systems, system_info


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--noise", default="0,1e-3,1e-2", help="training noise levels (standardised units)")
    parser.add_argument("--systems", default="all", help="'all' or first:K")
    parser.add_argument("--units", type=int, default=500)
    args = parser.parse_args()

    protocol = get_protocol("long_horizon")
    systems = list_systems()
    if args.systems.startswith("first:"):
        systems = systems[:int(args.systems.split(":")[1])]
    levels = [float(v) for v in args.noise.split(",")]
    results = {level: [] for level in levels}
    start = time.perf_counter()
    for system in systems:
        try:
            series = protocol.series(system, 0, "test")
        except RuntimeError as err:  # an integration that fails is reported, not hidden
            print(f"{system}: no data ({err})")
            continue
        lt_per_step = system_info(system).lyapunov_times_per_step(protocol.pts_per_period)
        for level in levels:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = ReservoirForecaster(ESN(n_units=args.units, random_state=0), training_noise=level)
                pred = model.fit(series[:protocol.n_fit]).forecast(protocol.n_forecast, on_divergence="ignore")
            results[level].append(score_forecast(series[protocol.n_fit:], pred, lt_per_step))
    print(f"long_horizon data (own integrations, seed 0 test trajectories), {len(results[levels[0]])} systems, "
          f"fit 1000, forecast 5000, ESN {args.units} units, defaults; {time.perf_counter() - start:.0f} s")
    print(f"{'training noise':>15} {'diverged':>9} {'left attractor':>15} {'median VPT (LT)':>16} {'IQR':>12}")
    for level in levels:
        scores = results[level]
        vpt = np.array([s["vpt_error"] for s in scores])
        q1, median, q3 = np.percentile(vpt, [25, 50, 75])
        print(f"{level:>15g} {100 * np.mean([s['diverged'] for s in scores]):>8.1f}% "
              f"{100 * np.mean([s['left_attractor'] for s in scores]):>14.1f}% {median:>16.2f} "
              f"{f'{q1:.2f}-{q3:.2f}':>12}")


if __name__ == "__main__":
    main()
