"""Lorenz-63 valid prediction time: our ESN with default settings against reservoirpy's.

Protocol: one training trajectory (seed 0) of 10,000 points at 100 points per dominant
period (dysts Lorenz, DOP853 at 1e-10); both models fit one-step teacher forcing on it. Then,
for each of the test initial conditions (seeds 1..K, on-attractor), each model synchronises
on the first ``context`` points and forecasts ``horizon`` steps in closed loop. VPT is the
first step at which the normalised error ``|y - ŷ| / sqrt(<|y - <y>|²>)`` exceeds 0.4,
converted to Lyapunov times with the dysts λ = 0.8917 (0.01338 LT per step).

The peer: reservoirpy 0.4 ``Reservoir(N, sr=0.9, lr=0.3) >> Ridge(1e-6)``, its usual
tutorial settings (other settings at its defaults: 10 % connectivity, input scaling 1, no
bias), fed the same standardised data and the same warm-up.

``--dtype float32`` (or ``both``) runs our ESN in float32 too: the effect of the precision on
VPT, on the same weights (drawn in float64, then rounded).

Run: ``python benchmarks/lorenz_vpt.py [--units 1000] [--tests 10] [--horizon 2000] [--dtype both]``
"""

import argparse
import time
import warnings

import numpy as np

from reservoir import ESN, ReservoirForecaster
from reservoir.chaos import system_info, trajectory
from reservoir.metrics import valid_prediction_time


def reservoirpy_forecaster(train, units, seed):
    """Fit a reservoirpy ESN on standardised ``train``; return a forecast(context, n) function."""
    from reservoirpy.nodes import Reservoir, Ridge

    mean, std = train.mean(axis=0), train.std(axis=0)
    z = (train - mean) / std
    reservoir = Reservoir(units, sr=0.9, lr=0.3, seed=seed)
    readout = Ridge(ridge=1e-6)
    model = reservoir >> readout
    model.fit(z[:-1], z[1:], warmup=100)

    def forecast(context, n_steps):
        reservoir.reset()
        zc = (context - mean) / std
        y = model.run(zc)[-1]
        out = np.empty((n_steps, train.shape[1]))
        for t in range(n_steps):
            y = model(y)
            out[t] = y
        return out * std + mean

    return forecast


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--train", type=int, default=10000)
    parser.add_argument("--tests", type=int, default=20)
    parser.add_argument("--context", type=int, default=500)
    parser.add_argument("--horizon", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0, help="reservoir seed")
    parser.add_argument("--dtype", choices=("float64", "float32", "both"), default="float64",
                        help="precision of our ESN's state updates")
    args = parser.parse_args()

    lt_per_step = system_info("Lorenz").lyapunov_times_per_step(100)
    _, train = trajectory("Lorenz", n=args.train, pts_per_period=100, seed=0)
    tests = [trajectory("Lorenz", n=args.context + args.horizon, pts_per_period=100, seed=s)[1]
             for s in range(1, args.tests + 1)]

    models = {}
    for dtype in (("float64", "float32") if args.dtype == "both" else (args.dtype,)):
        start = time.perf_counter()
        ours = ReservoirForecaster(ESN(n_units=args.units, random_state=args.seed, dtype=dtype)).fit(train)
        fit_ours = time.perf_counter() - start
        name = "reservoir ESN (defaults)" + ("" if dtype == "float64" else f" {dtype}")
        models[name] = (lambda ctx, n, ours=ours: ours.forecast(n, context=ctx, on_divergence="ignore"), fit_ours)
    try:
        start = time.perf_counter()
        peer = reservoirpy_forecaster(train, args.units, args.seed)
        models["reservoirpy 0.4 (sr 0.9, lr 0.3)"] = (peer, time.perf_counter() - start)
    except ImportError:
        print("reservoirpy not installed: peer skipped")

    print(f"Lorenz-63, N={args.units}, fit on {args.train} points (100 pts/period), {args.tests} test ICs, "
          f"horizon {args.horizon} steps = {args.horizon * lt_per_step:.1f} LT, VPT at normalised error 0.4")
    print(f"{'model':<34} {'fit (s)':>8} {'forecast (s)':>12} {'median VPT (LT)':>16} {'IQR':>13}   per IC")
    for name, (forecast, fit_seconds) in models.items():
        vpts, start = [], time.perf_counter()
        for X in tests:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                Y = forecast(X[: args.context], args.horizon)
            vpts.append(valid_prediction_time(X[args.context:], Y, criterion="error", threshold=0.4,
                                              lyapunov_steps=lt_per_step))
        seconds = time.perf_counter() - start
        q1, med, q3 = np.percentile(vpts, [25, 50, 75])
        print(f"{name:<34} {fit_seconds:>8.2f} {seconds:>12.2f} {med:>16.2f} {f'{q1:.1f}-{q3:.1f}':>13}   "
              + " ".join(f"{v:.1f}" for v in vpts))


if __name__ == "__main__":
    main()
