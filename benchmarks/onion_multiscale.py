"""Onion ESN against a single ESN of the same total size on multi-timescale forecasting.

Two tasks, both closed-loop forecasting with ``ReservoirForecaster`` (teacher-forced fit,
then autonomous generation), over several reservoir seeds:

- ``multi-sine``: ``sin(2 pi t / 233) + 0.6 sin(2 pi t / 41) + 0.4 sin(2 pi t / 7.3)``, three
  incommensurate periods spread over a factor 32 (in steps). Fit on 4000 steps, forecast
  the next 1500 from the end of the training series.
- ``HindmarshRose`` (dysts, 100 points per period): a bursting neuron, fast spikes riding
  on a slow adaptation variable. Fit on 8000 steps; for each of 3 test initial conditions,
  synchronise on 500 steps and forecast 1500.

Reported per model: the valid prediction time (first step where the normalised error
exceeds 0.4; Lyapunov times for HindmarshRose, steps for the periodic signal) and the
NRMSE over the first 300 forecast steps, as mean ± standard deviation over seeds, plus the
share of the readout each onion ring carries (:func:`reservoir.onion_plots.ring_readout_share`).

Run: ``python benchmarks/onion_multiscale.py [--units 400] [--seeds 5] [--out out/onion_multiscale]``
"""

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np

from reservoir import ESN, ReservoirForecaster
from reservoir.chaos import system_info, trajectory
from reservoir.metrics import nrmse, valid_prediction_time
from reservoir.onion import OnionESN
from reservoir.onion_plots import plot_onion, ring_readout_share

ERROR_STEPS = 300


def models(units, seed):
    """The compared reservoirs, all with ``units`` units in total."""
    return {
        "ESN (sr 0.9)": ESN(n_units=units, random_state=seed),
        "ESN (sr 0.9, leak 0.3)": ESN(n_units=units, leak_rate=0.3, random_state=seed),
        "OnionESN 4 rings [0..1]": OnionESN(n_units=units, random_state=seed),
        "OnionESN 5 rings [0..1.25]": OnionESN(n_units=units, radii=(0.25, 0.5, 0.75, 1.0, 1.25), random_state=seed),
        # Leaky outer blocks stretch the slow time scales further (eigenvalue 1 - a + a lambda).
        "OnionESN 4 rings, leaks 1/.6/.3/.1": OnionESN(n_units=units, leak_rate=(1.0, 0.6, 0.3, 0.1),
                                                       random_state=seed),
    }


def tasks(args):
    t = np.arange(4000 + 1500)
    sines = (np.sin(2 * np.pi * t / 233) + 0.6 * np.sin(2 * np.pi * t / 41) + 0.4 * np.sin(2 * np.pi * t / 7.3))
    sines = sines[:, None]
    hr = system_info("HindmarshRose")
    _, hr_train = trajectory("HindmarshRose", n=8000, pts_per_period=100, seed=0)
    hr_tests = [trajectory("HindmarshRose", n=500 + args.horizon, pts_per_period=100, seed=s)[1] for s in (1, 2, 3)]
    return {
        # (training series, [(context or None, truth)], time unit per step, unit name)
        "multi-sine": (sines[:4000], [(None, sines[4000:4000 + args.horizon])], 1.0, "steps"),
        "HindmarshRose": (hr_train, [(x[:500], x[500:]) for x in hr_tests],
                          hr.lyapunov_times_per_step(100), "LT"),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=400)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--horizon", type=int, default=1500)
    parser.add_argument("--out", default="out/onion_multiscale")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    results, shares = {}, {}
    for task, (train, tests, per_step, unit) in tasks(args).items():
        for seed in range(args.seeds):
            for name, reservoir in models(args.units, seed).items():
                fc = ReservoirForecaster(reservoir).fit(train)
                for context, truth in tests:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        pred = fc.forecast(len(truth), context=context, on_divergence="ignore")
                    finite = np.all(np.isfinite(pred))
                    vpt = valid_prediction_time(truth, np.nan_to_num(pred, nan=1e6, posinf=1e6, neginf=-1e6),
                                                lyapunov_steps=per_step)
                    err = nrmse(truth[:ERROR_STEPS], pred[:ERROR_STEPS]) if finite else np.inf
                    results.setdefault((task, name), []).append((vpt, err))
                if name.startswith("Onion"):
                    shares.setdefault((task, name), []).append(ring_readout_share(fc, train))
                if seed == 0 and name == "OnionESN 4 rings [0..1]":
                    plot_onion(fc, X=train, path=out / f"onion_{task}.png", title=f"OnionESN on {task}")
    seconds = time.perf_counter() - start

    print(f"Onion ESN vs ESN, N={args.units} units each, seeds 0..{args.seeds - 1}; VPT at normalised error 0.4, "
          f"NRMSE over the first {ERROR_STEPS} forecast steps; mean ± sd over seeds (and test ICs); {seconds:.0f} s")
    record = []
    for task, (_, _, _, unit) in tasks(args).items():
        print(f"\n{task}")
        print(f"  {'model':<36} {'VPT (' + unit + ')':>18} {'median VPT':>11} {'NRMSE@' + str(ERROR_STEPS):>20}")
        for (t, name), values in results.items():
            if t != task:
                continue
            vpt, err = np.array(values).T
            if np.all(np.isfinite(err)):
                err_text = f"{err.mean():.3g} ± {err.std():.2g}"
            else:  # a diverged forecast: the mean is meaningless
                err_text = f"{np.median(err):.3g} (median)"
            print(f"  {name:<36} {f'{vpt.mean():.2f} ± {vpt.std():.2f}':>18} {np.median(vpt):>11.2f} {err_text:>20}")
            record.append({"task": task, "model": name, "vpt": vpt.tolist(), "nrmse": err.tolist(), "unit": unit})
        for (t, name), values in shares.items():
            if t == task:
                mean = np.mean(values, axis=0)
                print(f"  readout share per ring, {name}: " + ", ".join(f"{s:.2f}" for s in mean))
    (out / "onion_multiscale.json").write_text(json.dumps(
        {"units": args.units, "seeds": args.seeds, "results": record,
         "ring_shares": [{"task": t, "model": n, "share": np.mean(v, axis=0).tolist()}
                         for (t, n), v in shares.items()]},
        indent=1))
    print(f"\nwrote {out}/onion_multiscale.json and the ring figures onion_<task>.png")


if __name__ == "__main__":
    main()
