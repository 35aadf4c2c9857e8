"""Lorenz-63 valid prediction time of an Optuna-tuned ESN (<= 2000 units) against the untuned default.

Protocol (the one of ``benchmarks/lorenz_vpt.py``): one training trajectory (seed 0) of 10,000
points at 100 points per dominant period (dysts Lorenz, DOP853 at 1e-10); one-step teacher-forced
fit. Each test initial condition (seeds 1..K, on-attractor) gives ``context`` points to
synchronise on, then a closed-loop forecast of ``horizon`` steps (3000 steps = 40 LT, long enough
not to cap the VPT). VPT: first step whose normalised error ``|y - ŷ| / sqrt(<|y - <y>|²>)``
exceeds 0.4, in Lyapunov times (dysts λ = 0.8917, 0.01338 LT per step).

Tuning never sees the test seeds: the objective is the median VPT over validation initial
conditions (seeds 1001..1006 by default) with the same context and horizon.

Search (Optuna TPE through ``reservoir.bench.tune``, SQLite storage, resumable): spectral radius,
leak rate, input scaling, bias scaling, in-degree, washout and squared augmentation in the
``ModelSpec.search_space``; the Ridge alpha (1e-10 .. 1e-14 and 0) is searched *inside* each
trial from one factorisation of the design matrix (alpha only changes a diagonal shrinkage), and
the readout is solved on the design matrix itself (``Ridge(solver="svd")``), not on its Gram
matrix. That is the finding of this benchmark: on noiseless Lorenz the default normal-equation
path (Cholesky, falling back to ``eigh`` of ZᵀZ) loses every singular direction below
sqrt(eps)·s_max and caps the VPT near 10-12 LT whatever the hyperparameters; the SVD path with
alpha -> 0 reaches ~20 LT at the same reservoir. The search runs at ``--search-units``
(default 1000, cheaper trials); the ``--rescore`` best trials are then re-scored on the
validation ICs at ``--units`` (default 2000), and the best on validation (either size) is the
tuned model.

Reported on the test ICs: (a) the untuned default ``ReservoirForecaster(ESN(n_units=N,
random_state=0))``, (b) the tuned model (reservoir seed 0) and the tuned hyperparameters with
other reservoir seeds (robustness: not one lucky draw), and two ablation rows: the default
reservoir with the SVD readout, and the tuned reservoir with the default readout path.

Measured (71 trials, 38 min of trials on a shared 2-core machine, 43 min wall): the tuned model
(N = 1000 won on validation over N = 2000) reaches a test median of 20.5 LT (seeds 0-3:
20.5 / 20.4 / 20.6 / 20.3) against 9.9 LT for the untuned default; but the default reservoir
with ``Ridge(alpha=0, solver="svd")`` alone gets 20.2 LT and the tuned reservoir with
``Ridge(1e-8)`` (auto solver) 9.9 LT: the readout solver pays, the reservoir tuning barely does.

Run: ``python benchmarks/lorenz_tuned.py --trials 150 --timeout 2280 --storage
sqlite:///out/lorenz_tuned.db --tests 20``; results in ``out/lorenz_tuned.json``, trial log in
``out/lorenz_tuned_trials.jsonl``. ``--trials 0`` skips the search and evaluates the stored study.
"""

import argparse
import json
import os
import platform
import time
import warnings

import numpy as np
import scipy.linalg

from reservoir import ESN, ReservoirForecaster, Ridge
from reservoir.bench.models import ModelSpec
from reservoir.bench.tuning import tune
from reservoir.chaos import system_info, trajectory
from reservoir.metrics import valid_prediction_time

ALPHAS = (1e-10, 1e-12, 1e-14, 0.0)
DEFAULTS = {"n_units": 1000, "spectral_radius": 0.9, "leak_rate": 1.0, "input_scaling": 0.3, "in_degree": 10,
            "bias_scaling": 1.0, "washout": 100, "squared": True, "alpha": 1e-6}
LT_PER_STEP = system_info("Lorenz").lyapunov_times_per_step(100)


def build(params, seed):
    """The forecaster for ``params`` (missing keys: the ESN/forecaster defaults) and reservoir ``seed``."""
    p = {**DEFAULTS, **params}
    esn = ESN(n_units=int(p["n_units"]), spectral_radius=p["spectral_radius"], leak_rate=p["leak_rate"],
              input_scaling=p["input_scaling"], in_degree=int(p["in_degree"]), bias_scaling=p["bias_scaling"],
              random_state=seed)
    return ReservoirForecaster(esn, Ridge(alpha=p["alpha"], solver="svd"), washout=int(p["washout"]),
                               squared=bool(p["squared"]))


def search_space(trial):
    return {
        "spectral_radius": trial.suggest_float("spectral_radius", 0.01, 1.5, log=True),
        "leak_rate": trial.suggest_float("leak_rate", 0.05, 1.0, log=True),
        "input_scaling": trial.suggest_float("input_scaling", 0.01, 2.0, log=True),
        "bias_scaling": trial.suggest_float("bias_scaling", 0.0, 3.0),
        "in_degree": trial.suggest_int("in_degree", 2, 100, log=True),
        "washout": trial.suggest_int("washout", 50, 500, step=50),
        "squared": trial.suggest_categorical("squared", [True, False]),
    }


SPEC = ModelSpec(name="esn-lorenz-tuned", description="ESN + ReservoirForecaster, Ridge alpha searched per trial",
                 template=build, search_space=search_space)


def vpt(forecaster, X, context, horizon):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Y = forecaster.forecast(horizon, context=X[:context], on_divergence="ignore")
    # A forecast that blew up to inf/NaN is invalid from there on (the metric rejects NaN).
    Y = np.where(np.isfinite(Y), Y, 1e6)
    return float(valid_prediction_time(X[context:context + horizon], Y, criterion="error", threshold=0.4,
                                       lyapunov_steps=LT_PER_STEP))


class _DesignCapture(Ridge):
    """A ``Ridge`` whose ``fit`` only keeps the design matrix (coefficients are set afterwards).

    Its solver is ``"svd"`` so that the forecaster hands it the whole matrix, not streamed chunks.
    """

    def fit(self, X, y):
        self.X_, self.y_ = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
        self.n_features_in_ = self.X_.shape[1]
        self.coef_ = np.zeros((self.y_.shape[1], self.X_.shape[1]))
        self.intercept_ = np.zeros(self.y_.shape[1])
        self.solver_ = "svd"
        return self


def alpha_path(params, seed, train, vals, context, horizon, alphas=ALPHAS):
    """Validation VPTs of ``params`` for every alpha, from one factorisation of the design matrix.

    The forecaster is fitted with a readout that keeps the (centred) design matrix ``Z``; a
    QR factorisation ``Z = QR`` and an SVD of the small ``R`` give the SVD of ``Z`` (what
    ``Ridge(solver="svd")`` computes, at a fraction of the cost), and every alpha's solution is
    ``V diag(s / (s² + alpha)) Uᵀ Y`` with the same rank cutoff as ``Ridge``. Working on ``Z``
    instead of the Gram matrix ``ZᵀZ`` keeps singular directions down to eps·s_max instead of
    sqrt(eps)·s_max, which is what long Lorenz forecasts need.
    """
    fc = build(params, seed).set_params(readout=_DesignCapture(solver="svd"))
    fc.fit(train)
    r = fc.readout_
    Z, Y = r.X_, r.y_
    x_mean, y_mean = Z.mean(axis=0), Y.mean(axis=0)
    Q, R = scipy.linalg.qr(Z - x_mean, mode="economic")
    Ur, sv, Vt = scipy.linalg.svd(R, lapack_driver="gesdd")
    UtY = Ur.T @ (Q.T @ (Y - y_mean))
    del Q, r.X_, r.y_
    cutoff = np.finfo(float).eps * max(Z.shape) * (sv[0] if len(sv) else 0.0)
    scores = {}
    for alpha in alphas:
        shrink = np.where(sv > cutoff, sv / (sv * sv + alpha), 0.0)
        coef = Vt.T @ (shrink[:, None] * UtY)
        r.coef_ = coef.T.copy()
        r.intercept_ = y_mean - x_mean @ coef
        scores[alpha] = [vpt(fc, X, context, horizon) for X in vals]
    return scores


def summary(values):
    q1, med, q3 = np.percentile(values, [25, 50, 75])
    return {"median": float(med), "q1": float(q1), "q3": float(q3), "values": [float(v) for v in values]}


def key(params):
    return json.dumps({k: params[k] for k in sorted(params)}, sort_keys=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=150, help="total trials of the study (resumes)")
    parser.add_argument("--timeout", type=float, default=None, help="stop starting trials after this many s")
    parser.add_argument("--storage", default="sqlite:///out/lorenz_tuned.db")
    parser.add_argument("--study", default="lorenz_tuned")
    parser.add_argument("--search-units", type=int, default=1000)
    parser.add_argument("--units", type=int, default=2000, help="final reservoir size (<= 2000)")
    parser.add_argument("--rescore", type=int, default=3, help="best trials re-scored at --units")
    parser.add_argument("--train", type=int, default=10000)
    parser.add_argument("--tests", type=int, default=20)
    parser.add_argument("--val-seeds", type=int, nargs="+", default=[1001, 1002, 1003, 1004, 1005, 1006])
    parser.add_argument("--context", type=int, default=500)
    parser.add_argument("--horizon", type=int, default=3000)
    parser.add_argument("--robust-seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--no-ablation", dest="ablation", action="store_false",
                        help="skip the solver ablation rows")
    parser.add_argument("--out", default="out")
    args = parser.parse_args()
    if args.units > 2000 or args.search_units > 2000:
        parser.error("the task caps the reservoir at 2000 units")
    if set(args.val_seeds) & set(range(1, args.tests + 1)):
        parser.error("validation seeds must differ from the test seeds 1..tests")

    os.makedirs(args.out, exist_ok=True)
    log_path = os.path.join(args.out, "lorenz_tuned_trials.jsonl")
    start_all = time.perf_counter()
    n = args.context + args.horizon
    _, train = trajectory("Lorenz", n=args.train, pts_per_period=100, seed=0)
    vals = [trajectory("Lorenz", n=n, pts_per_period=100, seed=s)[1] for s in args.val_seeds]
    tests = [trajectory("Lorenz", n=n, pts_per_period=100, seed=s)[1] for s in range(1, args.tests + 1)]

    records = {}
    if os.path.exists(log_path):
        with open(log_path) as f:
            for line in f:
                rec = json.loads(line)
                records[(rec["n_units"], rec["key"])] = rec

    def scored(params, units, seed=0):
        """Validation record of ``params`` at ``units`` (cached in the trial log)."""
        k = (units, key(params))
        if k not in records:
            t0 = time.perf_counter()
            scores = alpha_path({**params, "n_units": units}, seed, train, vals, args.context, args.horizon)
            medians = {a: float(np.median(v)) for a, v in scores.items()}
            best = max(medians, key=medians.get)
            rec = {"n_units": units, "key": key(params), "params": params, "best_alpha": best,
                   "val_median": medians[best], "val_medians": {f"{a:g}": m for a, m in medians.items()},
                   "val_values": scores[best], "seconds": time.perf_counter() - t0}
            records[k] = rec
            with open(log_path, "a") as f:
                f.write(json.dumps(rec) + "\n")
            print(f"  N={units} val median {rec['val_median']:.2f} LT (alpha {best:g}) "
                  f"in {rec['seconds']:.0f}s  {params}", flush=True)
        return records[k]

    # 1. The search.
    study = tune(SPEC, lambda p: scored(p, args.search_units)["val_median"], n_trials=max(args.trials, 1),
                 direction="maximize", storage=args.storage, study_name=args.study, seed=0,
                 timeout=args.timeout) if args.trials > 0 else None
    if study is None:
        import optuna

        study = optuna.load_study(study_name=args.study, storage=args.storage)
    import optuna

    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    ranked = sorted(complete, key=lambda t: t.value, reverse=True)
    search_seconds = sum((t.datetime_complete - t.datetime_start).total_seconds() for t in complete)
    print(f"study {args.study}: {len(study.trials)} trials ({len(complete)} complete), "
          f"{search_seconds / 60:.1f} min of trials; best val median {ranked[0].value:.2f} LT")

    # 2. Re-score the best trials at the final size; pick the best on validation.
    candidates = []
    for t in ranked[: args.rescore]:
        params = SPEC.search_space(optuna.trial.FixedTrial(t.params))
        candidates.append(scored(params, args.search_units))
        if args.units != args.search_units:
            candidates.append(scored(params, args.units))
    chosen = max(candidates, key=lambda r: r["val_median"])
    tuned = {**chosen["params"], "n_units": chosen["n_units"], "alpha": chosen["best_alpha"]}
    print(f"chosen on validation: N={chosen['n_units']}, val median {chosen['val_median']:.2f} LT, {tuned}")

    # 3. Test ICs.
    rows = []

    def evaluate(name, forecaster, units, seed):
        t0 = time.perf_counter()
        forecaster.fit(train)
        fit_s = time.perf_counter() - t0
        vpts = [vpt(forecaster, X, args.context, args.horizon) for X in tests]
        row = {"model": name, "n_units": units, "seed": seed, "fit_seconds": fit_s, **summary(vpts)}
        rows.append(row)
        print(f"  {name} seed {seed}: median {row['median']:.2f} LT (fit {fit_s:.0f}s)", flush=True)
        return row

    evaluate("default ESN (untuned)", ReservoirForecaster(ESN(n_units=tuned["n_units"], random_state=0)),
             tuned["n_units"], 0)
    for seed in [0, *args.robust_seeds]:
        fc = build(tuned, seed)
        evaluate("tuned ESN", fc, tuned["n_units"], seed)
        if seed == 0:
            # The library's Ridge(solver="svd") fit must reproduce the search's validation score.
            check = float(np.median([vpt(fc, X, args.context, args.horizon) for X in vals]))
            rows[-1]["val_median_refit"] = check
            print(f"  library refit: val median {check:.2f} LT (search: {chosen['val_median']:.2f})")
    if args.ablation:
        # Which part pays: the solver alone (default reservoir, SVD readout at the tuned alpha) and
        # the tuned reservoir with the default normal-equation readout (Ridge(1e-8), auto solver).
        evaluate("default ESN + Ridge(svd)",
                 ReservoirForecaster(ESN(n_units=tuned["n_units"], random_state=0),
                                     Ridge(alpha=tuned["alpha"], solver="svd")), tuned["n_units"], 0)
        evaluate("tuned ESN + Ridge(1e-8, auto)",
                 build(tuned, 0).set_params(readout=Ridge(alpha=1e-8)), tuned["n_units"], 0)

    wall = time.perf_counter() - start_all
    print()
    print(f"Lorenz-63, fit on {args.train} points (100 pts/period), {args.tests} test ICs (seeds 1..{args.tests}), "
          f"context {args.context}, horizon {args.horizon} steps = {args.horizon * LT_PER_STEP:.1f} LT, "
          "VPT at normalised error 0.4")
    print(f"{'model':<30} {'N':>5} {'seed':>4} {'fit (s)':>8} {'median VPT (LT)':>16} {'IQR':>11}   per IC")
    for r in rows:
        iqr = f"{r['q1']:.1f}-{r['q3']:.1f}"
        print(f"{r['model']:<30} {r['n_units']:>5} {r['seed']:>4} {r['fit_seconds']:>8.1f} {r['median']:>16.2f} "
              f"{iqr:>11}   " + " ".join(f"{v:.1f}" for v in r["values"]))
    tuned_medians = [r["median"] for r in rows if r["model"] == "tuned ESN"]
    print(f"tuned params: {tuned}")
    print(f"bar (median >= 15 LT, seed 0): {'met' if tuned_medians[0] >= 15 else 'NOT met'}; "
          f"over seeds {[0, *args.robust_seeds]}: {', '.join(f'{m:.1f}' for m in tuned_medians)}")

    result = {
        "protocol": {"system": "Lorenz", "train": args.train, "pts_per_period": 100, "train_seed": 0,
                     "test_seeds": list(range(1, args.tests + 1)), "val_seeds": args.val_seeds,
                     "context": args.context, "horizon": args.horizon, "criterion": "error", "threshold": 0.4,
                     "lyapunov_times_per_step": LT_PER_STEP},
        "study": {"name": args.study, "storage": args.storage, "trials": len(study.trials),
                  "complete": len(complete), "search_units": args.search_units, "alphas": list(ALPHAS),
                  "trial_seconds": search_seconds},
        "candidates": candidates, "tuned_params": tuned, "results": rows, "wall_seconds": wall,
        "versions": {"python": platform.python_version(), "numpy": np.__version__, "optuna": optuna.__version__},
    }
    path = os.path.join(args.out, "lorenz_tuned.json")
    with open(path, "w") as f:
        json.dump(result, f, indent=1)
    print(f"saved {path}; wall time {wall / 60:.1f} min")


if __name__ == "__main__":
    main()
