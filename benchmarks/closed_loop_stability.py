"""How often long closed-loop forecasts leave the attractor, with the forecaster's stability options.

For every dysts system (our own integrations, the ``long_horizon`` protocol's data: benchmark
seed 0's test trajectory, 100 points per period), the default forecaster
``ReservoirForecaster(ESN(n_units=500, random_state=0), training_noise=s, stability_steps=k,
jacobian_penalty=b)`` is fitted on the first 1000 points and forecasts 5000 steps (50 periods) in closed loop. A forecast counts as
diverged when it becomes non-finite, and as having left the attractor when it diverged or a
point lies outside the truth's bounding box enlarged by half its extent on every side
(``reservoir.bench.score_forecast``'s ``left_attractor``). Also printed: the median valid
prediction time (normalised error < 0.4, Lyapunov times) over the systems.

Nothing is tuned here (the protocol's own run, ``reservoir bench --protocol long_horizon``,
chooses hyperparameters on a validation trajectory): the table isolates the effect of the
options on the default model. A variant is ``noise:stability_steps:jacobian_penalty``, the
penalty one value or several separated by ``/`` (then chosen with alpha on validation).

Run: ``python benchmarks/closed_loop_stability.py [--variants 0:0:0,1e-3:0:0,0:5000:0,0:5000:0/1e-6/1e-4]
[--systems all|first:K|every:K:OFFSET]``
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
    parser.add_argument("--variants", default="0:0:0,1e-3:0:0,0:5000:0,0:0:1e-6,0:5000:0/1e-6/1e-4",
                        help="comma-separated noise:stability_steps:jacobian_penalty (penalties a/b/c: chosen)")
    parser.add_argument("--systems", default="all", help="'all', first:K or every:K:OFFSET")
    parser.add_argument("--units", type=int, default=500)
    args = parser.parse_args()

    protocol = get_protocol("long_horizon")
    systems = list_systems()
    if args.systems.startswith("first:"):
        systems = systems[:int(args.systems.split(":")[1])]
    elif args.systems.startswith("every:"):
        _, step, offset = args.systems.split(":")
        systems = systems[int(offset)::int(step)]
    levels = [variant(v) for v in args.variants.split(",")]
    results = {i: [] for i in range(len(levels))}
    start = time.perf_counter()
    for system in systems:
        try:
            series = protocol.series(system, 0, "test")
        except RuntimeError as err:  # an integration that fails is reported, not hidden
            print(f"{system}: no data ({err})")
            continue
        lt_per_step = system_info(system).lyapunov_times_per_step(protocol.pts_per_period)
        for i, level in enumerate(levels):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = ReservoirForecaster(ESN(n_units=args.units, random_state=0), **level)
                pred = model.fit(series[:protocol.n_fit]).forecast(protocol.n_forecast, on_divergence="ignore")
            results[i].append(score_forecast(series[protocol.n_fit:], pred, lt_per_step))
    print(f"long_horizon data (own integrations, seed 0 test trajectories), {len(results[0])} systems, "
          f"fit 1000, forecast 5000, ESN {args.units} units, defaults; {time.perf_counter() - start:.0f} s")
    print(f"{'noise:stability:jacobian':>26} {'diverged':>9} {'left attractor':>15} {'median VPT (LT)':>16} "
          f"{'IQR':>12}")
    for i, name in enumerate(args.variants.split(",")):
        scores = results[i]
        vpt = np.array([s["vpt_error"] for s in scores])
        q1, median, q3 = np.percentile(vpt, [25, 50, 75])
        print(f"{name:>26} {100 * np.mean([s['diverged'] for s in scores]):>8.1f}% "
              f"{100 * np.mean([s['left_attractor'] for s in scores]):>14.1f}% {median:>16.2f} "
              f"{f'{q1:.2f}-{q3:.2f}':>12}")


def variant(text):
    """``noise:stability_steps:jacobian_penalty`` -> the forecaster's keyword arguments."""
    noise, steps, penalty = text.split(":")
    penalties = tuple(float(p) for p in penalty.split("/"))
    return {"training_noise": float(noise), "stability_steps": int(steps),
            "jacobian_penalty": penalties if len(penalties) > 1 else penalties[0]}


if __name__ == "__main__":
    main()
