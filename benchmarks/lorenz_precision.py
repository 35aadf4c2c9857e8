"""How far a Lorenz-63 forecast can be checked, and how far the default forecaster goes, as
the integration tolerance of the data tightens.

A valid prediction time (VPT) is only meaningful up to the time over which the ground truth
itself is right: an integration at tolerance ``tol`` drifts from the exact solution as
``tol · e^{λt}``, so each decade of tolerance buys ``ln 10 / λ ≈ 2.3`` Lyapunov times (LT), and
float64 rounding ends the gain near 1e-13 - 1e-14. The same bound applies to the model: a
readout fitted to data with errors of ``tol`` learns the one-step map to about that accuracy.

For each tolerance ``tol`` of ``--tols``:

- *truth horizon*: the VPT (normalised error < 0.4) of the DOP853 integration at ``tol``
  against one at ``tol / 100`` from the same point (scipy raises tolerances below ~2e-14 to
  that floor) (20 test initial conditions, seeds
  1001-1020, 500 points of context then the horizon);
- *model VPT*: the default ``ReservoirForecaster(ESN(n_units=N, random_state=s))`` (qr readout,
  alpha validated) fitted on 10,000 points integrated at ``tol`` (seed 0), forecasting the
  test trajectories at ``tol`` from their context, for each reservoir seed of ``--seeds``.

- *one-step error*: the model's teacher-forced one-step error on the test trajectories,
  normalised by the attractor's size (median), and ``ln(0.4 / error)``: errors grow about
  e-fold per Lyapunov time, so this is roughly the VPT the one-step accuracy allows; 30 LT
  needs an error near ``0.4 e^-30 ≈ 4e-14``.

Nothing is tuned on the test initial conditions. Run:
``python benchmarks/lorenz_precision.py [--tols 1e-10,1e-12,1e-13] [--seeds 0,1,2] [--units 1000]``
"""

import argparse
import time
import warnings

import numpy as np

from reservoir import ESN, ReservoirForecaster
from reservoir.chaos import system_info, trajectory
from reservoir.metrics import valid_prediction_time

CONTEXT = 500


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tols", default="1e-10,1e-12,1e-13")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--tests", type=int, default=20)
    parser.add_argument("--horizon", type=int, default=4000, help="forecast steps (4000 = 53.5 LT)")
    args = parser.parse_args()
    lt = system_info("Lorenz").lyapunov_times_per_step(100)
    vpt = lambda y, yhat: valid_prediction_time(y, yhat, criterion="error", threshold=0.4,  # noqa: E731
                                                lyapunov_steps=lt)
    n = CONTEXT + args.horizon
    print(f"Lorenz-63 at 100 points per period ({lt:.4f} LT per step), {args.tests} test ICs (seeds 1001-"
          f"{1000 + args.tests}), forecast {args.horizon} steps = {args.horizon * lt:.1f} LT; ESN N={args.units}, "
          "default forecaster fitted on 10,000 points")
    print(f"{'data tol':>9} {'truth horizon (LT)':>19} {'IQR':>11} {'seed':>5} {'model VPT (LT)':>15} {'IQR':>11} "
          f"{'alpha':>7} {'one-step err':>12} {'ln(0.4/err)':>11} {'fit (s)':>8}")
    for tol in [float(t) for t in args.tols.split(",")]:
        tests = [trajectory("Lorenz", n, 100, seed=1000 + k, rtol=tol, atol=tol)[1] for k in range(1, args.tests + 1)]
        horizons = [vpt(finer(X[CONTEXT:], tol / 100), X[CONTEXT:]) for X in tests]
        h1, h, h3 = np.percentile(horizons, [25, 50, 75])
        _, train = trajectory("Lorenz", 10000, 100, seed=0, rtol=tol, atol=tol)
        for seed in [int(s) for s in args.seeds.split(",")]:
            start = time.perf_counter()
            model = ReservoirForecaster(ESN(n_units=args.units, random_state=seed)).fit(train)
            fitted = time.perf_counter() - start
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                vpts = [vpt(X[CONTEXT:], model.forecast(args.horizon, context=X[:CONTEXT], on_divergence="ignore"))
                        for X in tests]
            q1, med, q3 = np.percentile(vpts, [25, 50, 75])
            error = float(np.median([one_step_error(model, X) for X in tests]))
            print(f"{tol:>9.0e} {h:>19.2f} {f'{h1:.1f}-{h3:.1f}':>11} {seed:>5} {med:>15.2f} {f'{q1:.1f}-{q3:.1f}':>11} "
                  f"{model.alpha_:>7.0e} {error:>12.1e} {np.log(0.4 / error):>11.1f} {fitted:>8.1f}", flush=True)


def one_step_error(model, X):
    """Median teacher-forced one-step error over ``X`` after its context, normalised by the
    root mean square distance of the points from their mean (the attractor's size)."""
    predicted = model.predict(X)[CONTEXT:-1]
    size = np.sqrt(np.mean(np.sum((X - X.mean(axis=0)) ** 2, axis=1)))
    return float(np.median(np.linalg.norm(predicted - X[CONTEXT + 1:], axis=1)) / size)


def finer(truth, tol):
    """``truth`` integrated again from its first point at tolerance ``tol`` (scipy raises
    tolerances below 100 eps to that floor)."""
    import dysts.flows
    from scipy.integrate import solve_ivp

    model = dysts.flows.Lorenz()
    times = np.arange(len(truth)) * system_info("Lorenz").dt(100)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy's warning that it raised a too small rtol
        return solve_ivp(lambda t, x: np.asarray(model.rhs(x, t)), (0.0, times[-1]), truth[0], method="DOP853",
                         t_eval=times, rtol=tol, atol=tol).y.T


if __name__ == "__main__":
    main()
