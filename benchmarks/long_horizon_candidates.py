"""Every candidate of the ``long_horizon`` ESN grid, at every ridge penalty, on the validation
and the test trajectory: the raw material for diagnosing which systems leave the attractor
and for comparing selection rules offline.

For each system, split (``validation``, ``test``), grid point of the ``esn`` model (x the
readout ``target`` given) and penalty of ``ALPHAS``, one JSON line holds:

- ``held``: the forecaster's own penalty score (mean clipped closed-loop error on the held-out
  20 % of the fit window, :func:`reservoir.forecaster.validation_score`), lower is better;
- ``head_exit``: the step at which the head model's closed loop, run ``--steps`` from the start
  of the held-out part, leaves the fit window's box enlarged by half its extent (-1: never);
- ``end_exit``: the same for the model refitted on the whole fit window, run from its end
  (i.e. its forecast), against the fit window's box (-1: never);
- ``vpt``, ``left``, ``diverged``: that forecast scored against the trajectory's truth
  (``score_forecast``). On the test split these are the protocol's test scores; they are
  read for diagnosis only, never to choose anything.

Run: ``python benchmarks/long_horizon_candidates.py --out FILE [--systems A,B|all]
[--targets next,increment] [--splits validation,test]``. Appends; systems already in FILE
are skipped. ``--summarize FILE`` prints what the file says: the systems without any
candidate on the attractor, and how well leaving the attractor on validation, or the model's
own run leaving the training box, predicts leaving it on the test trajectory.
"""

import argparse
import json
import os
import time
import warnings

import numpy as np

from reservoir.bench import get_protocol, score_forecast
from reservoir.bench.models import get_model
from reservoir.chaos import list_systems, system_info
from reservoir.forecaster import DEFAULT_ALPHAS, validation_score
from reservoir.readouts import Ridge

#: The forecaster's penalties, and two stronger ones.
ALPHAS = (1.0, 1e-1) + DEFAULT_ALPHAS


def box_exit(outputs, low, high):
    """First step at which ``outputs`` leaves [low, high] or is non-finite (-1: never)."""
    with np.errstate(invalid="ignore"):
        inside = np.all((outputs >= low) & (outputs <= high), axis=1)
    return -1 if inside.all() else int(np.argmin(inside))


def candidate(spec, params, target, seed, series, protocol, lt_per_step, steps):
    f = spec.build(dict(params), seed)
    # A fixed readout: the fit only sets up scaling, lags and reservoir (penalties are below).
    f.set_params(target=target, washout=min(f.washout, protocol.n_fit // 10), readout=Ridge(solver="qr"))
    fit = series[:protocol.n_fit]
    f.fit(fit)
    scaled = f._scale(fit)
    low, high = scaled.min(axis=0), scaled.max(axis=0)
    low, high = low - 0.5 * (high - low), high + 0.5 * (high - low)
    drive = f._drive(scaled)
    n_held = int(round(f.validation_fraction * len(scaled)))
    head, held = scaled[:-n_held], scaled[-n_held:]
    finals = [None]
    path = Ridge(solver="qr").fit_path(f._training_chunks([head], [drive[:-n_held]], finals), ALPHAS)
    hist = f._history(head)
    scale = np.sqrt(np.mean(np.sum((scaled - scaled.mean(axis=0)) ** 2, axis=1)))
    held_scores, head_exit = [], []
    for readout in path:
        out = f._closed_loop(readout, finals[0], hist, steps)
        held_scores.append(validation_score(out, held, scale))
        head_exit.append(box_exit(out, low, high))
    finals = [None]
    full = Ridge(solver="qr").fit_path(f._training_chunks([scaled], [drive], finals), ALPHAS)
    row = {"held": held_scores, "head_exit": head_exit, "end_exit": [], "vpt": [], "left": [], "diverged": []}
    for readout in full:
        out = f._closed_loop(readout, finals[0], f.last_input_, protocol.n_forecast)
        row["end_exit"].append(box_exit(out, low, high))
        s = score_forecast(series[protocol.n_fit:], f._unscale(out), lt_per_step)
        row["vpt"].append(s["vpt_error"])
        row["left"].append(s["left_attractor"])
        row["diverged"].append(s["diverged"])
    return row


def summarize(path):
    rows = [json.loads(line) for line in open(path)]
    by = {}
    for r in rows:
        if "error" not in r:
            by.setdefault((r["system"], r["split"]), []).append(r)
    systems = sorted({s for s, split in by if (s, "test") in by and (s, "validation") in by})
    weak = [i for i, a in enumerate(ALPHAS) if a in DEFAULT_ALPHAS]
    print(f"{len(systems)} systems with both splits, {len(by[(systems[0], 'test')])} candidates each")
    for split in ("validation", "test"):
        none = [s for s in systems if all(r["left"][i] for r in by[(s, split)] for i in weak)]
        none_all = [s for s in systems if all(all(r["left"]) for r in by[(s, split)])]
        print(f"{split}: no candidate on the attractor at the default penalties: {none or 'none'}; "
              f"with 1 and 0.1 too: {none_all or 'none'}")
    pairs = np.array([(v["left"][i], t["left"][i], t["end_exit"][i] != -1) for s in systems
                      for v, t in zip(by[(s, "validation")], by[(s, "test")]) for i in range(len(ALPHAS))])
    val_off, test_off, own_out = pairs[:, 0] == 1, pairs[:, 1] == 1, pairs[:, 2] == 1
    print(f"per (candidate, penalty), n = {len(pairs)}: P(test off | validation off) = {test_off[val_off].mean():.2f}, "
          f"P(test off | validation on) = {test_off[~val_off].mean():.2f}; P(test off | the test model's own run "
          f"leaves the fit window's box) = {test_off[own_out].mean():.2f}, P(test off | it stays) = "
          f"{test_off[~own_out].mean():.3f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--summarize", metavar="FILE", help="print what a file of this script says, and exit")
    parser.add_argument("--out")
    parser.add_argument("--systems", default="all")
    parser.add_argument("--targets", default="next")
    parser.add_argument("--splits", default="validation,test")
    parser.add_argument("--steps", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.summarize:
        return summarize(args.summarize)
    if not args.out:
        parser.error("--out is required (or --summarize FILE)")
    protocol, spec = get_protocol("long_horizon"), get_model("esn")
    systems = list_systems() if args.systems == "all" else args.systems.split(",")
    done = set()
    if os.path.exists(args.out):
        done = {json.loads(line)["system"] for line in open(args.out)}
    for system in systems:
        if system in done:
            continue
        start = time.perf_counter()
        rows = []
        try:
            lt_per_step = system_info(system).lyapunov_times_per_step(protocol.pts_per_period)
            for split in args.splits.split(","):
                series = protocol.series(system, args.seed, split)
                for target in args.targets.split(","):
                    for params in spec.grid:
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore")
                            row = candidate(spec, params, target, args.seed, series, protocol, lt_per_step,
                                            args.steps)
                        rows.append({"system": system, "split": split, "target": target, "params": params,
                                     "alphas": list(ALPHAS), **row})
        except Exception as exc:  # a system without data is reported, not hidden
            rows = [{"system": system, "error": f"{type(exc).__name__}: {exc}"}]
        with open(args.out, "a") as fh:
            for row in rows:
                fh.write(json.dumps(row) + "\n")
        print(f"{system}: {time.perf_counter() - start:.1f} s", flush=True)


if __name__ == "__main__":
    main()
