"""Lorenz-63 with the default 1000-unit ESN: the ridge solvers' fit time and valid prediction time.

The same reservoir (``ESN(n_units=1000, random_state=s)``, the forecaster's defaults otherwise)
is fitted on 10,000 Lorenz points at 100 points per period (dysts, DOP853 at 1e-10, seed 0)
with each readout, in the same process, alternating, each fit timed ``--repeats`` times
(the minimum is reported, after one warm-up fit that compiles). Then every fitted model
synchronises on the first 500 points of each of ``--tests`` test trajectories (seeds 1001,
1002, ...: initial conditions no other script uses) and forecasts ``--horizon`` steps in
closed loop; VPT is the first step where the normalised error exceeds 0.4, in Lyapunov times
(dysts lambda = 0.8917). Rows:

- ``cholesky a=1e-6``: the former default, ``Ridge(alpha=1e-6, solver="cholesky")``;
- ``qr a=1e-6``: the accurate solve at the same penalty (the time ratio of the two is the
  cost of the accuracy; at this penalty both give the same coefficients);
- ``qr a=0`` and ``svd a=0``: the accurate solves at the penalty the default chooses on
  Lorenz (``svd`` holds the whole feature matrix);
- ``default``: ``readout=None``, the penalty chosen by closed-loop validation (the path on the
  head of the series and the refit on all of it from one pair of qr passes).

With ``--peer`` the reservoirpy 0.4 tutorial ESN (``benchmarks/lorenz_vpt.py``) is timed too.
With ``--memory`` the peak RSS of a qr fit on 10^6 steps at N = 1000 is measured in a fresh
subprocess. With ``--truth-horizon`` each test trajectory is integrated again from its
forecast start at rtol = atol = 1e-13 (DOP853): the VPT of the 1e-10 truth against it is the
horizon over which the ground truth itself is reliable; a model's VPT beyond it is not
meaningful.

Run: ``python benchmarks/readout_solvers.py [--seeds 0,1,2] [--tests 20] [--peer] [--memory]``
"""

import argparse
import subprocess
import sys
import time
import warnings

import numpy as np

from reservoir import ESN, ReservoirForecaster, Ridge
from reservoir.chaos import system_info, trajectory
from reservoir.metrics import valid_prediction_time

READOUTS = {
    "cholesky a=1e-6": lambda: Ridge(alpha=1e-6, solver="cholesky"),
    "qr a=1e-6": lambda: Ridge(alpha=1e-6, solver="qr"),
    "qr a=0": lambda: Ridge(alpha=0.0, solver="qr"),
    "svd a=0": lambda: Ridge(alpha=0.0, solver="svd"),
    "default": lambda: None,
}

MEMORY_SCRIPT = """
import resource, numpy as np
from reservoir import ESN, ReservoirForecaster, Ridge
rng = np.random.default_rng(0)
t = np.arange(1_000_000) * 0.01
series = np.column_stack([np.sin(t), np.cos(1.3 * t), np.sin(0.7 * t) ** 2]) + 0.01 * rng.normal(size=(len(t), 3))
ReservoirForecaster(ESN(n_units=1000, random_state=0), Ridge(alpha=1e-8, solver="qr")).fit(series)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0", help="reservoir seeds, comma-separated")
    parser.add_argument("--tests", type=int, default=20)
    parser.add_argument("--horizon", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--readouts", default=",".join(READOUTS), help="subset of " + ",".join(READOUTS))
    parser.add_argument("--peer", action="store_true", help="also time reservoirpy's ESN")
    parser.add_argument("--memory", action="store_true", help="peak RSS of a 10^6-step qr fit")
    parser.add_argument("--truth-horizon", action="store_true",
                        help="how long the 1e-10 truth agrees with a 1e-13 integration")
    args = parser.parse_args()

    lt_per_step = system_info("Lorenz").lyapunov_times_per_step(100)
    _, train = trajectory("Lorenz", n=10000, pts_per_period=100, seed=0)
    tests = [trajectory("Lorenz", n=500 + args.horizon, pts_per_period=100, seed=1000 + k)[1]
             for k in range(1, args.tests + 1)]
    names = [n for n in args.readouts.split(",") if n]
    print(f"Lorenz-63, ESN N=1000 (defaults), fit on 10000 points, {args.tests} test ICs (seeds 1001-"
          f"{1000 + args.tests}), horizon {args.horizon} steps = {args.horizon * lt_per_step:.1f} LT")
    print(f"{'seed':>4} {'readout':<17} {'fit (s)':>8} {'x cholesky':>10} {'alpha':>8} "
          f"{'median VPT (LT)':>16} {'IQR':>12}")
    for seed in [int(s) for s in args.seeds.split(",")]:
        ReservoirForecaster(ESN(n_units=1000, random_state=seed)).fit(train[:2000])  # compile
        times, models = {n: [] for n in names}, {}
        for _ in range(args.repeats):
            for name in names:
                start = time.perf_counter()
                models[name] = ReservoirForecaster(ESN(n_units=1000, random_state=seed), READOUTS[name]()).fit(train)
                times[name].append(time.perf_counter() - start)
        base = min(times["cholesky a=1e-6"]) if "cholesky a=1e-6" in times else np.nan
        for name in names:
            model = models[name]
            vpts = []
            for X in tests:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    Y = model.forecast(args.horizon, context=X[:500], on_divergence="ignore")
                vpts.append(valid_prediction_time(X[500:], Y, criterion="error", threshold=0.4,
                                                  lyapunov_steps=lt_per_step))
            q1, med, q3 = np.percentile(vpts, [25, 50, 75])
            alpha = model.alpha_ if model.alpha_ is not None else model.readout_.alpha
            print(f"{seed:>4} {name:<17} {min(times[name]):>8.2f} {min(times[name]) / base:>10.2f} {alpha:>8.0e} "
                  f"{med:>16.2f} {f'{q1:.1f}-{q3:.1f}':>12}", flush=True)
    if args.truth_horizon:
        horizons = [truth_horizon(X[500:], lt_per_step) for X in tests]
        q1, med, q3 = np.percentile(horizons, [25, 50, 75])
        print(f"ground truth reliable (DOP853 1e-10 against 1e-13 from the forecast start, error < 0.4): "
              f"median {med:.2f} LT (IQR {q1:.1f}-{q3:.1f})")
    if args.peer:
        sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
        from lorenz_vpt import reservoirpy_forecaster

        best = min(_timed(lambda: reservoirpy_forecaster(train, 1000, 0)) for _ in range(args.repeats))
        print(f"reservoirpy 0.4 ESN fit (N=1000, ridge 1e-6): {best:.2f} s")
    if args.memory:
        out = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT], capture_output=True, text=True, check=True)
        print(f"peak RSS of a qr fit on 10^6 steps at N=1000 (imports included): {float(out.stdout):.0f} MiB")


def truth_horizon(truth, lt_per_step):
    """VPT of ``truth`` (DOP853 at 1e-10) against the same system integrated from
    ``truth[0]`` at rtol = atol = 1e-13, in Lyapunov times."""
    import dysts.flows
    from scipy.integrate import solve_ivp

    model = dysts.flows.Lorenz()
    dt = system_info("Lorenz").dt(100)
    times = np.arange(len(truth)) * dt
    accurate = solve_ivp(lambda t, x: np.asarray(model.rhs(x, t)), (0.0, times[-1]), truth[0], method="DOP853",
                         t_eval=times, rtol=1e-13, atol=1e-13).y.T
    return valid_prediction_time(accurate, truth, criterion="error", threshold=0.4, lyapunov_steps=lt_per_step)


def _timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
