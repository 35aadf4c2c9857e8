"""Lorenz-63 valid prediction time of the QRNN reservoirs, exact and with shot noise, beside ESNs.

Protocol (that of ``benchmarks/lorenz_vpt.py``): one training trajectory (seed 0) at 100
points per dominant period (dysts Lorenz, DOP853 at 1e-10); every model is a
``ReservoirForecaster`` with the package defaults (standardised inputs, washout 100, bias,
input and squared features, ``Ridge(1e-6)``) fitted by one-step teacher forcing. For each
test initial condition (seeds 1..K, on the attractor) the model synchronises on ``--context``
points and forecasts ``--horizon`` steps in closed loop. VPT is the first step at which the
normalised error exceeds 0.4, in Lyapunov times (dysts λ = 0.8917, 0.01338 LT per step).

Models: 6-qubit, 2-layer QRNN, QLSTM and QGRU reservoirs (three inputs, so hidden size 3)
reading out ⟨Z_i⟩ and ⟨Z_i Z_j⟩, exact; the QRNN cell also on qiskit-aer with ``--shots``
shots per circuit (no other noise), one aer job per step, in the forecaster's step-by-step
closed loop; ESNs with as many features as the quantum reservoirs, and the 1000-unit ESN
of ``lorenz_vpt.py``. The shot-noise runs are the slow part (a few ms per step).

Run: ``python benchmarks/quantum_lorenz.py [--train 10000] [--tests 5] [--shots 1024 8192]``
"""

import argparse
import time
import warnings

import numpy as np

from quantum import QRNNReservoir
from reservoir import ESN, ReservoirForecaster
from reservoir.chaos import system_info, trajectory
from reservoir.metrics import valid_prediction_time


def quantum(cell, **kwargs):
    return QRNNReservoir(cell=cell, n_qubits=6, n_layers=2, observables="zz", random_state=0, **kwargs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=10000)
    parser.add_argument("--tests", type=int, default=5)
    parser.add_argument("--context", type=int, default=500)
    parser.add_argument("--horizon", type=int, default=1000)
    parser.add_argument("--shots", type=int, nargs="*", default=[1024, 8192])
    args = parser.parse_args()

    lt_per_step = system_info("Lorenz").lyapunov_times_per_step(100)
    _, train = trajectory("Lorenz", n=args.train, pts_per_period=100, seed=0)
    tests = [trajectory("Lorenz", n=args.context + args.horizon, pts_per_period=100, seed=s)[1]
             for s in range(1, args.tests + 1)]

    models = {
        "QRNN-RC exact": quantum("rnn"),
        "QLSTM-RC exact": quantum("lstm"),
        "QGRU-RC exact": quantum("gru"),
    }
    for shots in args.shots:
        models[f"QRNN-RC aer {shots} shots"] = quantum("rnn", backend="aer", shots=shots)
    models["ESN 24 units"] = ESN(n_units=24, random_state=0)
    models["ESN 30 units"] = ESN(n_units=30, random_state=0)
    models["ESN 1000 units (default)"] = ESN(n_units=1000, random_state=0)

    print(f"Lorenz-63, fit on {args.train} points (100 pts/period), {args.tests} test ICs, context "
          f"{args.context}, horizon {args.horizon} steps = {args.horizon * lt_per_step:.1f} LT, "
          "VPT at normalised error 0.4")
    print(f"{'model':<28} {'features':>8} {'fit (s)':>8} {'forecast (s)':>12} {'median VPT (LT)':>16} "
          f"{'mean':>6}   per IC")
    for name, reservoir in models.items():
        start = time.perf_counter()
        model = ReservoirForecaster(reservoir).fit(train)
        fit_seconds = time.perf_counter() - start
        vpts, start = [], time.perf_counter()
        for X in tests:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                Y = model.forecast(args.horizon, context=X[: args.context], on_divergence="ignore")
            vpts.append(valid_prediction_time(X[args.context:], Y, criterion="error", threshold=0.4,
                                              lyapunov_steps=lt_per_step))
        seconds = time.perf_counter() - start
        features = reservoir.n_features(model.reservoir_params_)
        print(f"{name:<28} {features:>8} {fit_seconds:>8.1f} {seconds:>12.1f} {np.median(vpts):>16.2f} "
              f"{np.mean(vpts):>6.2f}   " + " ".join(f"{v:.2f}" for v in vpts), flush=True)


if __name__ == "__main__":
    main()
