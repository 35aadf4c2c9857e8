"""Resistive-memory LSM on scikit-learn's 8x8 digits, beside software LSMs, over device variability.

Data (the digits task of ``benchmarks/spiking_digits.py``, simplified encoding): pixel values
/16 are Bernoulli spike probabilities per ms; a digit is 5 identical steps of 10 ms (50 ms, the
authors' T_w = 50). Features: each neuron's spike count over the digit (``pooling="last"``),
standardised; readout: multinomial logistic regression. Train/test: a fixed random split
(``--n-train`` / rest).

Models: :class:`hardware.ResistiveLSM` (200 LIF neurons, decay 0.9, threshold 5, weight per µS
``--weight-scale``) with device pairs of p_formed 0.5 and G_on ~ N(12.3, s) µS for several
spreads s (s = 1.8 µS is the ESGNN measurement), with 2 % read noise; the same network with
Gaussian weights of equal spread and no read noise (the paper's software LSM); the package's
software LIF liquid :class:`reservoir.LSM` (200 neurons, its defaults, same encoding); and,
as a floor, the same logistic regression on the 64 pixels.

Run: ``python benchmarks/hardware_lsm.py [--n-train 1000] [--seeds 1]``
"""

import argparse
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from hardware.resistive_lsm import ResistiveLSM
from reservoir import LSM, ReservoirClassifier

STEPS, MS = 5, 10


def score(reservoir, X_train, y_train, X_test, y_test):
    clf = ReservoirClassifier(reservoir, readout=LogisticRegression(max_iter=2000), pooling="last")
    clf.fit(X_train, y_train)
    return clf.score(X_test, y_test)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-train", type=int, default=1000)
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--weight-scale", type=float, default=0.05)
    args = parser.parse_args()

    images, labels = load_digits(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(labels))
    train, test = order[: args.n_train], order[args.n_train:]
    sequences = np.repeat((images / 16.0)[:, None, :], STEPS, axis=1)
    X_train, X_test = list(sequences[train]), list(sequences[test])
    y_train, y_test = labels[train], labels[test]

    common = dict(n_units=200, weight_scale=args.weight_scale, steps_per_input=MS, spike_features="cumulative")
    models = {f"ResistiveLSM, G_on spread {s} µS": dict(g_on_std_uS=s) for s in (0.0, 1.8, 3.6, 7.2)}
    models["ResistiveLSM, no read noise (1.8 µS)"] = dict(read_noise_rel=0.0)
    models["software LSM, Gaussian weights"] = dict(weights="gaussian")
    print(f"digits 8x8: {len(train)} train / {len(test)} test, {STEPS} x {MS} ms per digit, "
          f"{args.seeds} seed(s); accuracy %")
    for name, extra in models.items():
        start = time.perf_counter()
        accs = [score(ResistiveLSM(**common, **extra, random_state=seed), X_train, y_train, X_test, y_test)
                for seed in range(args.seeds)]
        print(f"  {name:<40} {100 * np.mean(accs):6.2f}  ({time.perf_counter() - start:.0f} s)")
    start = time.perf_counter()
    accs = [score(LSM(n_units=200, steps_per_input=MS, spike_features="cumulative", random_state=seed),
                  X_train, y_train, X_test, y_test) for seed in range(args.seeds)]
    print(f"  {'reservoir.LSM (software LIF liquid, 200)':<40} {100 * np.mean(accs):6.2f}  "
          f"({time.perf_counter() - start:.0f} s)")
    floor = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    floor.fit(images[train] / 16.0, y_train)
    print(f"  {'floor: logistic regression on pixels':<40} {100 * floor.score(images[test] / 16.0, y_test):6.2f}")


if __name__ == "__main__":
    main()
