"""Every reservoir family with its defaults, on the obvious uses: digit classification and
Lorenz forecasting.

Nothing is tuned: each reservoir is built as ``Family(random_state=seed)`` and put into the
estimator with its defaults, as a new user would.

- Digits: scikit-learn's 8x8 digits, pixels divided by 16 (so in [0, 1]), each image held
  for 25 steps (a sequence of 25 identical input vectors), ``ReservoirClassifier()`` with
  its defaults (mean pooling, default readout). A stratified split of 1000 training and 797
  test digits per seed (the split and the reservoir share the seed). The floor: logistic
  regression on the 64 pixels (scikit-learn defaults, ``max_iter=2000``), on the same splits.
- Lorenz: ``ReservoirForecaster()`` with its defaults fitted on ``--train`` points of Lorenz-63
  at 100 points per period (seed 0); for each of ``--tests`` test initial conditions
  (seeds 1, 2, ...) it synchronises on 500 points and forecasts 2000 in closed loop; the
  valid prediction time (normalised error 0.4) in Lyapunov times, median and IQR over
  seeds x initial conditions.

Run: ``python benchmarks/natural_defaults.py [--seeds 3] [--tests 3] [--train 5000]
[--task digits|lorenz|both] [--families ESN,OnionESN,...] [--previous] [--json OUT]``;
``--previous`` reruns the digits with the defaults before issue 21 (inputs z-scored whatever
the reservoir, readout ``Ridge(alpha=1e-6)``). The spiking
liquids take several minutes per seed on 2 shared cores; wall times are noisy.
"""

import argparse
import json
import time
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

import reservoir
from reservoir import ReservoirClassifier, ReservoirForecaster, Ridge
from reservoir.chaos import system_info, trajectory
from reservoir.metrics import valid_prediction_time
from reservoir.validation import standardization

FAMILIES = ("ESN", "OnionESN", "EIReservoir", "DeepESN", "IPReservoir", "LSM", "NeuronAstrocyteLSM")
HOLD_STEPS = 25


def digits_split(seed):
    X, y = load_digits(return_X_y=True)
    return train_test_split(X / 16.0, y, train_size=1000, random_state=seed, stratify=y)


def held(images):
    """Each image as a sequence of ``HOLD_STEPS`` identical steps: (n, 25, 64)."""
    return np.repeat(images[:, None, :], HOLD_STEPS, axis=1)


def digits_accuracy(family, seed, previous=False):
    X_train, X_test, y_train, y_test = digits_split(seed)
    model = getattr(reservoir, family)(random_state=seed)
    if previous:
        # The defaults before issue 21: z-scored inputs (whatever the reservoir) and the
        # forecasting penalty 1e-6 for the readout.
        mean, scale = standardization(X_train)
        X_train, X_test = (X_train - mean) / scale, (X_test - mean) / scale
        clf = ReservoirClassifier(model, readout=Ridge(alpha=1e-6, solver="qr"), standardize=False)
    else:
        clf = ReservoirClassifier(model)
    clf.fit(held(X_train), y_train)
    return clf.score(held(X_test), y_test), clf.alpha_


def pixels_accuracy(seed):
    X_train, X_test, y_train, y_test = digits_split(seed)
    return LogisticRegression(max_iter=2000).fit(X_train, y_train).score(X_test, y_test)


def lorenz_vpts(family, seed, train, tests, lt_per_step):
    fc = ReservoirForecaster(getattr(reservoir, family)(random_state=seed)).fit(train)
    vpts = []
    for X in tests:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            Y = fc.forecast(2000, context=X[:500], on_divergence="ignore")
        vpts.append(valid_prediction_time(X[500:], Y, criterion="error", threshold=0.4, lyapunov_steps=lt_per_step))
    return vpts


def summary(values):
    q1, med, q3 = np.percentile(values, [25, 50, 75])
    return med, q1, q3


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--tests", type=int, default=3, help="Lorenz test initial conditions")
    parser.add_argument("--train", type=int, default=5000, help="Lorenz fit points")
    parser.add_argument("--task", choices=("digits", "lorenz", "both"), default="both")
    parser.add_argument("--families", default=",".join(FAMILIES))
    parser.add_argument("--previous", action="store_true",
                        help="digits with the defaults before issue 21 (z-scored inputs, readout penalty 1e-6)")
    parser.add_argument("--json", default=None, help="write the results to this file")
    args = parser.parse_args()
    families = [f for f in args.families.split(",") if f]
    seeds = list(range(args.seeds))
    results = {"digits": {}, "lorenz": {}}

    if args.task in ("digits", "both"):
        which = ("the previous defaults (z-scored inputs, Ridge(1e-6))" if args.previous
                 else "ReservoirClassifier() defaults")
        print(f"8x8 digits in [0, 1], held {HOLD_STEPS} steps, {which}, 1000 train / 797 test, seeds {seeds}")
        print(f"{'model':<34} {'median acc':>10} {'IQR':>13} {'per seed':>24} {'alpha_':>14} {'s/seed':>7}")
        pixels = [pixels_accuracy(s) for s in seeds]
        med, q1, q3 = summary(pixels)
        print(f"{'logistic regression on pixels':<34} {med:>10.3f} {f'{q1:.3f}-{q3:.3f}':>13} "
              f"{' '.join(f'{a:.3f}' for a in pixels):>24}")
        results["digits"]["logistic regression on pixels"] = pixels
        for family in families:
            start, accs, alphas = time.perf_counter(), [], []
            for s in seeds:
                acc, alpha = digits_accuracy(family, s, args.previous)
                accs.append(acc)
                alphas.append(alpha)
            seconds = (time.perf_counter() - start) / len(seeds)
            med, q1, q3 = summary(accs)
            print(f"{family + '()':<34} {med:>10.3f} {f'{q1:.3f}-{q3:.3f}':>13} "
                  f"{' '.join(f'{a:.3f}' for a in accs):>24} {' '.join(('-' if a is None else f'{a:g}') for a in alphas):>14} {seconds:>7.0f}",
                  flush=True)
            results["digits"][family] = {"accuracy": accs, "alpha": alphas, "seconds_per_seed": seconds}
        if args.previous:
            print("(alpha_ is None: the readout was given)")

    if args.task in ("lorenz", "both"):
        lt = system_info("Lorenz").lyapunov_times_per_step(100)
        _, train = trajectory("Lorenz", n=args.train, pts_per_period=100, seed=0)
        tests = [trajectory("Lorenz", n=2500, pts_per_period=100, seed=s)[1] for s in range(1, args.tests + 1)]
        print(f"\nLorenz-63, ReservoirForecaster() defaults, fit {args.train} points (100 pts/period), "
              f"{args.tests} test ICs x seeds {seeds}, horizon 2000 steps = {2000 * lt:.1f} LT, VPT at error 0.4")
        print(f"{'model':<34} {'median VPT':>10} {'IQR':>13} {'s/seed':>7}   per seed x IC")
        for family in families:
            start, vpts = time.perf_counter(), []
            for s in seeds:
                vpts.extend(lorenz_vpts(family, s, train, tests, lt))
            seconds = (time.perf_counter() - start) / len(seeds)
            med, q1, q3 = summary(vpts)
            print(f"{family + '()':<34} {med:>10.2f} {f'{q1:.1f}-{q3:.1f}':>13} {seconds:>7.0f}   "
                  + " ".join(f"{v:.1f}" for v in vpts), flush=True)
            results["lorenz"][family] = {"vpt": vpts, "seconds_per_seed": seconds}

    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
