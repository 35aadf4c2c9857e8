"""Spiking reservoirs on scikit-learn's 8x8 digits: LSM, LSM + STDP and NALSM side by side.

The NALSM paper (Ivanov & Michmizos, NeurIPS 2021) reports on MNIST, in this order:
NALSM1000 95.96 % > LSM + AP-STDP 95.49 % > LSM1000 with the best static weight 95.30 % >
LSM + STDP without astrocyte 89.46 %. MNIST does not ship offline; ``load_digits`` does
(1797 images of 8x8 pixels), so this is the same protocol on a much smaller problem.

Protocol (the authors' MNIST pipeline, ``reference/methods.md`` section 4.5, mapped onto
``ReservoirClassifier``):

- Encoding: each image is divided by its pixel sum, then by the largest such value in the
  training set, giving per-pixel spike probabilities per ms in [0, 1] (Bernoulli rate code).
  A digit is a sequence of 8 identical steps of 31 ms (248 ms; the authors present 250 ms).
  The runner pads sequences to multiples of 8 steps, so 8 steps of 31 ms cost nothing extra.
- Liquid: 1000 LIF neurons on a 10x10x10 grid (the authors' NALSM1000), input density 0.15,
  all weights starting at the bound 3.
- Self-organisation (``adapt``): every training image once, 8 steps of 3 ms (24 ms; the
  authors use 20 ms), state reset per image, weights carried over. NALSM: astrocyte weight
  0.015 (the authors' value for 1000 neurons); LSM + STDP: astrocyte weight 0 (A fixed at
  the potentiation rate 0.15).
- Features: each neuron's spike count over the 248 ms (``spike_features="cumulative"``,
  ``pooling="last"``), divided by its L1 norm (the authors' normalisation), with frozen
  weights (the authors keep decaying plasticity on here; see the NALSM class notes).
- Readout: the same for every model, a multinomial logistic regression (a softmax layer, as
  the authors, who train it with Adadelta on soft targets and keep the epoch with the best
  validation accuracy) with its L2 penalty chosen from C in {1, 10, 100} by 3-fold
  cross-validation on the training set. ``--readout authors`` (default) divides the features
  by their largest value in the training batch, the authors' scaling; ``--readout
  standardized`` z-scores every feature instead, which lets the readout use neurons whose
  counts barely vary (e.g. saturated ones).
- Plain LSM: no plasticity, weights at 3 (the authors' initial liquid), and the paper's
  "best static weight": the weight magnitude of a small grid with the best accuracy on a
  validation split of the training set (chosen once, on the first seed).
- Floor: the same logistic regression on the 64 raw pixels.

The branching factor (``reservoir.branching``) of each liquid is measured on 20 test digits
of 248 ms, next to the paper's 1.25 (NALSM1000, w_astro 0.015, MNIST); a second table
sweeps the astrocyte weight (first seed, no readout) against the paper's trend: about 1.43
at w_astro = 0.002, 1.25 at 0.015 and 0.99 at 0.1.

Run: ``python benchmarks/spiking_digits.py [--seeds 3] [--n-train 1000] [--n-test 797]
[--readout authors|standardized] [--out out/spiking_digits]`` (7 to 20 minutes on 2 shared
cores, depending on their load); ``--quick`` uses 600/400 digits and 2 seeds.
"""

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LogisticRegressionCV
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from reservoir import LSM, NeuronAstrocyteLSM, ReservoirClassifier
from reservoir.branching import reservoir_branching_factor

# scikit-learn 1.8 announces changes of LogisticRegressionCV's defaults and attributes.
warnings.filterwarnings("ignore", category=FutureWarning, module="sklearn")

STEPS, MS_PER_STEP, ADAPT_MS_PER_STEP = 8, 31, 3
STATIC_WEIGHTS = (0.5, 1.0, 1.5, 2.0, 3.0)
PAPER_MNIST = {
    "LSM, weights at 3 (initial liquid)": None,
    "LSM, best static weight": "95.30 (LSM1000, best static weight)",
    "LSM + STDP (no astrocyte)": "89.46",
    "NALSM (w_astro 0.015)": "95.96 +- 0.13 (NALSM1000, 10 runs)",
    "logistic regression on pixels": None,
}
PAPER_BF = {"NALSM (w_astro 0.015)": "1.25 (MNIST; 1.14 N-MNIST)"}
ASTRO_SWEEP = {0.0: "- (LSM + STDP)", 0.002: "~1.43", 0.015: "1.25", 0.05: "-", 0.1: "0.99"}


def encode(images, reference):
    """The authors' MNIST scaling: divide by the pixel sum, then by the largest such value."""
    p = images / images.sum(axis=1, keepdims=True)
    return np.clip(p / reference, 0.0, 1.0)


def as_sequences(p):
    return np.repeat(p[:, None, :], STEPS, axis=1)


class GlobalMaxScaler(TransformerMixin, BaseEstimator):
    """Divide all features by the largest feature value seen in training (one constant)."""

    def fit(self, X, y=None):
        self.max_ = float(np.max(X)) if np.max(X) > 0 else 1.0
        return self

    def transform(self, X):
        return np.asarray(X) / self.max_


def softmax_regression():
    """Multinomial logistic regression, L2 penalty picked by 3-fold cross-validated accuracy."""
    return LogisticRegressionCV(Cs=(1.0, 10.0, 100.0), cv=3, scoring="accuracy", max_iter=3000)


def readout(kind="authors"):
    scaler = GlobalMaxScaler() if kind == "authors" else StandardScaler()
    return make_pipeline(scaler, softmax_regression())


def liquid(kind, seed, n_units, weight=3.0):
    common = dict(n_units=n_units, steps_per_input=MS_PER_STEP, spike_features="cumulative", normalize="l1",
                  initial_weight=weight, random_state=seed)
    if kind == "lsm":
        return LSM(**common)
    astro = {"stdp": 0.0, "nalsm": 0.015}[kind]
    return NeuronAstrocyteLSM(**common, astro_weight=astro, adapt_steps_per_input=ADAPT_MS_PER_STEP)


def fit_score(reservoir, X_train, y_train, X_test, y_test, kind):
    # No bias column: the logistic regression has its own intercept, and a constant 1 would
    # be the "largest feature" of the authors' scaling.
    clf = ReservoirClassifier(reservoir, readout=readout(kind), standardize=False, bias=False, pooling="last")
    clf.fit(X_train, y_train)
    return clf, clf.score(X_test, y_test)


def branching(clf, X_test):
    res = clf.reservoir_
    return reservoir_branching_factor(res, clf.reservoir_params_, list(X_test[:20]))


def astro_sweep(X_train, X_test, n_units, seed):
    """Branching factor of the self-organised liquid for several astrocyte weights."""
    values = {}
    for weight in ASTRO_SWEEP:
        model = liquid("nalsm", seed, n_units)
        model.set_params(astro_weight=weight)
        params = model.adapt(model.initialize(X_train.shape[2]), list(X_train))
        values[weight] = reservoir_branching_factor(model, params, list(X_test[:20]))
    return values


def best_static_weight(X, y, n_units, seed, kind):
    """Weight magnitude of the plain LSM with the best validation accuracy (first seed)."""
    X_fit, X_val, y_fit, y_val = train_test_split(X, y, test_size=0.25, stratify=y, random_state=seed)
    scores = {w: fit_score(liquid("lsm", seed, n_units, w), X_fit, y_fit, X_val, y_val, kind)[1]
              for w in STATIC_WEIGHTS}
    return max(scores, key=scores.get), scores


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--n-train", type=int, default=1000)
    parser.add_argument("--n-test", type=int, default=797)
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--readout", choices=("authors", "standardized"), default="authors")
    parser.add_argument("--quick", action="store_true", help="600 train / 400 test digits, 2 seeds")
    parser.add_argument("--out", default="out/spiking_digits")
    args = parser.parse_args()
    if args.quick:
        args.n_train, args.n_test, args.seeds = 600, 400, 2

    images, labels = load_digits(return_X_y=True)
    idx_train, idx_test = train_test_split(np.arange(len(labels)), train_size=args.n_train, test_size=args.n_test,
                                           stratify=labels, random_state=0)
    reference = (images[idx_train] / images[idx_train].sum(axis=1, keepdims=True)).max()
    p_train, p_test = encode(images[idx_train], reference), encode(images[idx_test], reference)
    X_train, X_test = as_sequences(p_train), as_sequences(p_test)
    y_train, y_test = labels[idx_train], labels[idx_test]

    start = time.perf_counter()
    w_best, sweep = best_static_weight(X_train, y_train, args.units, 0, args.readout)
    print("static weight sweep (validation accuracy, seed 0): " + ", ".join(f"{w:g}: {a:.3f}" for w, a in sweep.items())
          + f" -> {w_best:g}  [{time.perf_counter() - start:.0f} s]")

    models = {
        "LSM, weights at 3 (initial liquid)": ("lsm", 3.0),
        "LSM, best static weight": ("lsm", w_best),
        "LSM + STDP (no astrocyte)": ("stdp", 3.0),
        "NALSM (w_astro 0.015)": ("nalsm", 3.0),
    }
    results = {name: {"accuracy": [], "branching": [], "seconds": []} for name in models}
    for seed in range(args.seeds):
        for name, (kind, weight) in models.items():
            start = time.perf_counter()
            clf, accuracy = fit_score(liquid(kind, seed, args.units, weight), X_train, y_train, X_test, y_test,
                                      args.readout)
            bf = branching(clf, X_test)
            seconds = time.perf_counter() - start
            results[name]["accuracy"].append(accuracy)
            results[name]["branching"].append(bf)
            results[name]["seconds"].append(seconds)
            print(f"seed {seed}  {name:<36} accuracy {accuracy:.4f}  branching {bf:.3f}  [{seconds:.0f} s]",
                  flush=True)
    floor = make_pipeline(StandardScaler(), softmax_regression())
    floor.fit(p_train, y_train)
    results["logistic regression on pixels"] = {"accuracy": [floor.score(p_test, y_test)], "branching": [],
                                                "seconds": []}

    print(f"\nsklearn digits, {args.n_train} train / {args.n_test} test, {args.units}-neuron liquids, "
          f"{args.seeds} network seeds, {STEPS * MS_PER_STEP} ms per digit, readout: {args.readout} scaling")
    print(f"{'model':<36} {'accuracy % (mean +- sd)':>24} {'per seed':>22} {'branching':>10}   paper MNIST % / branching")
    for name, r in results.items():
        acc = 100 * np.asarray(r["accuracy"])
        sd = f" +- {acc.std():.2f}" if len(acc) > 1 else "        "
        bf = f"{np.mean(r['branching']):.3f}" if r["branching"] else "-"
        paper = " / ".join(x for x in (PAPER_MNIST.get(name), PAPER_BF.get(name)) if x) or "-"
        print(f"{name:<36} {acc.mean():>16.2f}{sd:<8} {' '.join(f'{a:.2f}' for a in acc):>22} {bf:>10}   {paper}")

    sweep_bf = astro_sweep(X_train, X_test, args.units, seed=0)
    print("\nbranching factor after self-organisation vs astrocyte weight (seed 0, 20 test digits)")
    print(f"{'w_astro':>8} {'measured':>9} {'paper (NALSM1000, MNIST)':>26}")
    for weight, bf in sweep_bf.items():
        print(f"{weight:>8g} {bf:>9.3f} {ASTRO_SWEEP[weight]:>26}")

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps({"args": vars(args), "static_weight_sweep": sweep,
                                                  "best_static_weight": w_best, "results": results,
                                                  "astro_sweep_branching": sweep_bf}, indent=2))
    _plot(results, out / "digits_accuracy.png")
    print(f"\nwritten: {out / 'results.json'}, {out / 'digits_accuracy.png'}")


def _plot(results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(results)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    acc = [100 * np.asarray(results[n]["accuracy"]) for n in names]
    ax1.bar(range(len(names)), [a.mean() for a in acc], yerr=[a.std() for a in acc], color="tab:blue", alpha=0.7)
    for i, a in enumerate(acc):
        ax1.plot([i] * len(a), a, "k.", ms=4)
    ax1.set_xticks(range(len(names)), [n.replace(" (", "\n(") for n in names], fontsize=7, rotation=20)
    ax1.set_ylabel("test accuracy (%)")
    ax1.set_ylim(min(a.min() for a in acc) - 3, 100)
    ax1.set_title("sklearn digits")
    spiking = [n for n in names if results[n]["branching"]]
    ax2.bar(range(len(spiking)), [np.mean(results[n]["branching"]) for n in spiking], color="tab:orange", alpha=0.7)
    ax2.axhline(1.0, color="k", lw=0.8, ls="--", label="critical (1)")
    ax2.axhspan(1.14, 1.25, color="tab:green", alpha=0.2, label="paper NALSM1000 (1.14-1.25)")
    ax2.set_xticks(range(len(spiking)), [n.replace(" (", "\n(") for n in spiking], fontsize=7, rotation=20)
    ax2.set_ylabel("branching factor")
    ax2.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


if __name__ == "__main__":
    main()
