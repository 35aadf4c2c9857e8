"""QRNN-RC against the fully trained QRNN and a classical reservoir, on the QRNN-RC paper's tasks.

Chen et al. (arXiv 2211.02612) claim that a quantum recurrent network with frozen random
circuits and a trained linear head (QRNN-RC) does about as well as the same network with
every circuit angle trained, and trains much faster. This script measures both with
:class:`quantum.QRNNRegressor` and sets a classical echo-state reservoir with the same number
of features beside them:

- ``full``: every angle and the linear head trained by RMSprop (lr 0.01, decay 0.99,
  momentum 0.5), ``--epochs`` epochs, minibatches of 32 windows, gradients through the exact
  statevector path;
- ``readout`` (QRNN-RC): the same initial angles, frozen; ridge head (alpha 1e-6);
- ``ESN``: a dense tanh ESN with as many units as the QRNN has features, ridge head.

Data and protocol are those of ``benchmarks/quantum_tasks.py`` (the authors' scripts as read
in ``reference/methods.md`` section 5.3): each series min-max scaled to [-1, 1], windows of 4
values, the next value as target, first 67 % of the windows train and the rest test; damped
pendulum (the damped oscillation), Bessel J2, and NARMA-5 / NARMA-10 driven by the smooth
product-of-sines input. Every model reads ``[1, u_t, features_t]``.

Reported per task and model: median test MSE with its interquartile range over ``--seeds``
seeds, the median fit time (the compiled training step is cached per configuration, so only
the first full fit of a cell compiles; that time is printed at the end), and for full
training the relative fall of its training loss over the epochs and the time at which its
training loss first reached the training MSE of the readout-only model (``-`` if never).
Times are wall-clock (and, less sensitive to other processes on a shared machine, the
process's CPU seconds over all its threads) on whatever machine runs this: compare ratios
from one run, not absolute seconds between runs.

Run: ``python benchmarks/qrnn_training.py [--seeds 3] [--epochs 100] [--cells rnn] [--json OUT]``
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from quantum_tasks import WINDOW, bessel, damped_pendulum, narma, windows  # noqa: E402

from quantum import QRNNRegressor  # noqa: E402
from reservoir import ESN, ReservoirRegressor  # noqa: E402

TASKS = {
    "damped oscillation": damped_pendulum,
    "Bessel J2": bessel,
    "NARMA-5 (smooth u)": lambda: narma(5),
    "NARMA-10 (smooth u)": lambda: narma(10),
}


def mse(model, X, Y):
    return float(np.mean((model.predict(X)[:, -1] - Y[:, -1]) ** 2))


def run_task(X, Y, split, cell, n_qubits, n_layers, epochs, seed):
    """Test MSE, fit time and (full) training diagnostics of the three models for one seed."""
    common = dict(cell=cell, n_qubits=n_qubits, n_layers=n_layers, washout=WINDOW - 1, random_state=seed)
    result = {}
    cpu = time.process_time()
    rc = QRNNRegressor(training="readout", **common).fit(X[:split], Y[:split])
    rc_cpu = time.process_time() - cpu
    rc_train = mse(rc, X[:split], Y[:split])
    result["readout"] = {"test_mse": mse(rc, X[split:], Y[split:]), "seconds": rc.fit_time_,
                         "cpu_seconds": rc_cpu, "train_mse": rc_train}
    cpu = time.process_time()
    full = QRNNRegressor(training="full", n_epochs=epochs, **common).fit(X[:split], Y[:split])
    full_cpu = time.process_time() - cpu
    curve = np.asarray(full.loss_curve_)
    reached = np.flatnonzero(curve <= rc_train)
    result["full"] = {"test_mse": mse(full, X[split:], Y[split:]), "seconds": full.fit_time_,
                      "cpu_seconds": full_cpu,
                      "train_mse": mse(full, X[:split], Y[:split]),
                      "loss_drop": float(1 - curve[-1] / curve[0]),
                      "seconds_to_readout_level": float(full.epoch_times_[reached[0]]) if len(reached) else None,
                      "loss_curve": curve.tolist()}
    n_features = full.reservoir_.n_features(full.reservoir_params_)
    start, cpu = time.perf_counter(), time.process_time()
    esn = ReservoirRegressor(ESN(n_units=n_features, in_degree=None, random_state=seed),
                             washout=WINDOW - 1).fit(X[:split], Y[:split])
    result["ESN"] = {"test_mse": mse(esn, X[split:], Y[split:]), "seconds": time.perf_counter() - start,
                     "cpu_seconds": time.process_time() - cpu, "n_units": n_features}
    return result


def quartiles(values):
    q1, q2, q3 = np.percentile(values, [25, 50, 75])
    return q2, q1, q3


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--cells", default="rnn", help="comma-separated cells: rnn, lstm, gru")
    parser.add_argument("--qubits", type=int, default=4)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--json", help="write all results to this file")
    args = parser.parse_args()

    records = []
    first_fit = {}
    print(f"QRNN full training vs readout only (QRNN-RC) vs ESN; {args.qubits} qubits, {args.layers} layers, "
          f"{args.epochs} epochs; median [IQR] over {args.seeds} seeds; test MSE on the [-1, 1] scale")
    header = (f"{'task':<20} {'cell':<5} {'model':<8} {'test MSE':>26} {'fit s':>7} {'CPU s':>7} "
              f"{'loss drop':>10} {'s to RC train MSE':>18}")
    print(header)
    print("-" * len(header))
    for task, make_series in TASKS.items():
        X, Y, split = windows(make_series())
        for cell in args.cells.split(","):
            runs = [run_task(X, Y, split, cell, args.qubits, args.layers, args.epochs, seed)
                    for seed in range(args.seeds)]
            # the first fit of a cell compiles the training step (later fits reuse it)
            first_fit.setdefault(cell, runs[0]["full"]["seconds"])
            for model in ("full", "readout", "ESN"):
                errors = [r[model]["test_mse"] for r in runs]
                seconds = float(np.median([r[model]["seconds"] for r in runs]))
                cpu = float(np.median([r[model]["cpu_seconds"] for r in runs]))
                med, q1, q3 = quartiles(errors)
                drop, reach = "", ""
                if model == "full":
                    drop = f"{100 * np.median([r['full']['loss_drop'] for r in runs]):.1f} %"
                    times = [r["full"]["seconds_to_readout_level"] for r in runs]
                    hit = [t for t in times if t is not None]
                    reach = f"{np.median(hit):.2f} ({len(hit)}/{len(runs)})" if hit else f"- (0/{len(runs)})"
                name = model if model != "ESN" else f"ESN {runs[0]['ESN']['n_units']}"
                print(f"{task:<20} {cell:<5} {name:<8} {f'{med:.2e} [{q1:.1e}, {q3:.1e}]':>26} "
                      f"{seconds:>7.2f} {cpu:>7.2f} {drop:>10} {reach:>18}")
            records.append({"task": task, "cell": cell, "windows": [int(split), int(len(X) - split)], "runs": runs})
    print("first full-training fit of each cell, compilation included (the medians above reuse the compiled "
          "step): " + ", ".join(f"{cell} {seconds:.1f} s" for cell, seconds in first_fit.items()))
    if args.json:
        Path(args.json).write_text(json.dumps({"args": vars(args), "results": records}, indent=1))
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
