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

Two search modes (``--readout``): ``svd-path`` (above) and ``default``, which tunes the
reservoir under the forecaster's own default readout (the streamed ``Ridge(solver="qr")``, its
alpha chosen per fit on the held-out tail of the training series), so the tuned model is
``ReservoirForecaster(ESN())`` with nested scikit-learn parameters and nothing else.
``--tol`` integrates all data (training, validation, test) at that tolerance: at the package's
1e-10 the truth itself is only right for about 21 Lyapunov times (the ``truth`` row: each test
trajectory against an integration at ``tol / 100`` from its first point), so a longer horizon
needs ``--tol 1e-13`` (about 28 LT) to be checkable at all.

``--save-params FILE`` writes the tuned model as JSON (``params``: nested scikit-learn
parameters of ``ReservoirForecaster(ESN(random_state=seed))``, ``readout`` None for the default
readout or the keyword arguments of a ``Ridge``; ``data``: how the training series was made);
``--params FILE`` replays such a file on the test ICs without searching.
``benchmarks/lorenz_tuned_params.json`` is the committed result of the ``default`` search.

Run: ``python benchmarks/lorenz_tuned.py --trials 150 --timeout 2280 --storage
sqlite:///out/lorenz_tuned.db --tests 20``; results in ``out/lorenz_tuned.json``, trial log in
``out/STUDY_trials.jsonl``. ``--trials 0`` skips the search and evaluates the stored study.
Replay: ``python benchmarks/lorenz_tuned.py --params benchmarks/lorenz_tuned_params.json``.
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


def nested(params):
    """The nested scikit-learn parameters of ``ReservoirForecaster(ESN())`` for a flat
    ``params`` of this script (missing keys: ``DEFAULTS``); the readout as ``{"alpha", "solver"}``
    of a ``Ridge``, or None for the forecaster's default readout."""
    p = {**DEFAULTS, **params}
    out = {f"reservoir__{k}": (int(p[k]) if k in ("n_units", "in_degree") else p[k])
           for k in ("n_units", "spectral_radius", "leak_rate", "input_scaling", "in_degree", "bias_scaling")}
    out.update(washout=int(p["washout"]), squared=bool(p["squared"]))
    out["readout"] = None if p.get("readout") == "default" else {"alpha": p["alpha"], "solver": "svd"}
    return out


def forecaster_from(params, seed):
    """``ReservoirForecaster(ESN(random_state=seed))`` with the nested scikit-learn ``params``
    (as stored by ``--save-params``; ``readout``: None for the default readout, or the
    keyword arguments of a ``Ridge``)."""
    params = dict(params)
    readout = params.pop("readout", None)
    forecaster = ReservoirForecaster(ESN(random_state=seed)).set_params(**params)
    return forecaster.set_params(readout=None if readout is None else Ridge(**readout))


def build(params, seed):
    """The forecaster for ``params`` (missing keys: the ESN/forecaster defaults) and reservoir ``seed``."""
    return forecaster_from(nested(params), seed)


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


def truth_horizons(tests, context, tol):
    """VPT of each test trajectory (integrated at ``tol``) against an integration at ``tol / 100``
    from the same point: how far the ground truth itself is right."""
    from lorenz_precision import finer

    return [float(valid_prediction_time(finer(X[context:], tol / 100), X[context:], criterion="error",
                                        threshold=0.4, lyapunov_steps=LT_PER_STEP)) for X in tests]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=150, help="total trials of the study (resumes)")
    parser.add_argument("--timeout", type=float, default=None, help="stop starting trials after this many s")
    parser.add_argument("--storage", default="sqlite:///out/lorenz_tuned.db")
    parser.add_argument("--study", default="lorenz_tuned")
    parser.add_argument("--readout", choices=("svd-path", "default"), default="svd-path",
                        help="svd-path: Ridge(solver='svd'), alpha searched per trial; default: the "
                             "forecaster's default readout (qr solve, alpha chosen on its held-out tail)")
    parser.add_argument("--tol", type=float, default=1e-10,
                        help="integration tolerance of all data (the package's default 1e-10)")
    parser.add_argument("--params", metavar="FILE", help="replay the nested parameters stored in FILE "
                        "(by --save-params) on the test ICs; no search")
    parser.add_argument("--save-params", metavar="FILE", help="write the tuned nested parameters to FILE")
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
    stored = None
    if args.params:
        with open(args.params) as f:
            stored = json.load(f)
        args.tol = stored.get("data", {}).get("tol", args.tol)

    os.makedirs(args.out, exist_ok=True)
    start_all = time.perf_counter()
    n = args.context + args.horizon
    data = lambda length, seed: trajectory("Lorenz", n=length, pts_per_period=100, seed=seed,  # noqa: E731
                                           rtol=args.tol, atol=args.tol)[1]
    train = data(args.train, 0)
    vals = [data(n, s) for s in args.val_seeds]
    tests = [data(n, s) for s in range(1, args.tests + 1)]

    if stored is not None:
        tuned, study_record, candidates = stored["params"], None, stored.get("candidates", [])
        print(f"replaying {args.params}: {tuned}")
    else:
        tuned, study_record, candidates = search(args, train, vals)
    units = tuned["reservoir__n_units"]

    # 3. Test ICs.
    rows = []

    def evaluate(name, forecaster, seed):
        t0 = time.perf_counter()
        forecaster.fit(train)
        fit_s = time.perf_counter() - t0
        vpts = [vpt(forecaster, X, args.context, args.horizon) for X in tests]
        row = {"model": name, "n_units": units, "seed": seed, "fit_seconds": fit_s, **summary(vpts)}
        rows.append(row)
        print(f"  {name} seed {seed}: median {row['median']:.2f} LT (fit {fit_s:.0f}s)", flush=True)
        return forecaster

    evaluate("default ESN (untuned)", ReservoirForecaster(ESN(n_units=units, random_state=0)), 0)
    for seed in [0, *args.robust_seeds]:
        fc = evaluate("tuned ESN", forecaster_from(tuned, seed), seed)
        if seed == 0:
            check = float(np.median([vpt(fc, X, args.context, args.horizon) for X in vals]))
            rows[-1]["val_median_refit"] = check
            print(f"  tuned model, seed 0: validation median {check:.2f} LT")
    if args.ablation and tuned.get("readout") is not None:
        # Which part pays: the solver alone (default reservoir, SVD readout at the tuned alpha) and
        # the tuned reservoir with the default normal-equation readout (Ridge(1e-8), auto solver).
        evaluate("default ESN + Ridge(svd)", ReservoirForecaster(ESN(n_units=units, random_state=0),
                                                                 Ridge(**tuned["readout"])), 0)
        evaluate("tuned ESN + Ridge(1e-8, auto)", forecaster_from({**tuned, "readout": {"alpha": 1e-8}}, 0), 0)
    horizons = summary(truth_horizons(tests, args.context, args.tol))

    wall = time.perf_counter() - start_all
    print()
    print(f"Lorenz-63, fit on {args.train} points (100 pts/period, integrated at {args.tol:g}), {args.tests} test "
          f"ICs (seeds 1..{args.tests}), context {args.context}, horizon {args.horizon} steps = "
          f"{args.horizon * LT_PER_STEP:.1f} LT, VPT at normalised error 0.4")
    print(f"{'model':<30} {'N':>5} {'seed':>4} {'fit (s)':>8} {'median VPT (LT)':>16} {'IQR':>11}   per IC")
    for r in rows:
        iqr = f"{r['q1']:.1f}-{r['q3']:.1f}"
        print(f"{r['model']:<30} {r['n_units']:>5} {r['seed']:>4} {r['fit_seconds']:>8.1f} {r['median']:>16.2f} "
              f"{iqr:>11}   " + " ".join(f"{v:.1f}" for v in r["values"]))
    print(f"{'truth (tol vs tol/100)':<30} {'':>5} {'':>4} {'':>8} {horizons['median']:>16.2f} "
          f"{horizons['q1']:.1f}-{horizons['q3']:.1f}".ljust(11) + "   " +
          " ".join(f"{v:.1f}" for v in horizons["values"]))
    tuned_medians = [r["median"] for r in rows if r["model"] == "tuned ESN"]
    print(f"tuned params: {tuned}")
    print(f"tuned median over seeds {[0, *args.robust_seeds]}: {', '.join(f'{m:.1f}' for m in tuned_medians)} LT; "
          f"bar >= 30 LT: {'met' if tuned_medians[0] >= 30 else 'NOT met'}; the truth itself is reliable for "
          f"{horizons['median']:.1f} LT (a VPT beyond that cannot be checked on this data)")

    result = {
        "protocol": {"system": "Lorenz", "train": args.train, "pts_per_period": 100, "train_seed": 0, "tol": args.tol,
                     "test_seeds": list(range(1, args.tests + 1)), "val_seeds": args.val_seeds,
                     "context": args.context, "horizon": args.horizon, "criterion": "error", "threshold": 0.4,
                     "lyapunov_times_per_step": LT_PER_STEP},
        "study": study_record, "candidates": candidates, "tuned_params": tuned, "results": rows,
        "truth_horizon": horizons, "wall_seconds": wall,
        "versions": {"python": platform.python_version(), "numpy": np.__version__},
    }
    path = os.path.join(args.out, "lorenz_tuned.json")
    with open(path, "w") as f:
        json.dump(result, f, indent=1)
    if args.save_params:
        with open(args.save_params, "w") as f:
            json.dump({"estimator": "reservoir.ReservoirForecaster(reservoir.ESN(random_state=seed))",
                       "params": tuned, "data": {"system": "Lorenz", "train": args.train, "pts_per_period": 100,
                                                 "train_seed": 0, "tol": args.tol},
                       "validation_median_lt": rows[1].get("val_median_refit"), "val_seeds": args.val_seeds,
                       "study": study_record, "candidates": candidates,
                       "test_median_lt": {f"seed {r['seed']}": r["median"] for r in rows if r["model"] == "tuned ESN"},
                       "untuned_test_median_lt": rows[0]["median"], "truth_horizon_median_lt": horizons["median"]},
                      f, indent=1)
        print(f"saved the tuned parameters to {args.save_params}")
    print(f"saved {path}; wall time {wall / 60:.1f} min")


def search(args, train, vals):
    """The Optuna study (resumable) and the re-scoring of its best trials at ``--units``;
    returns ``(tuned nested params, study record, candidates)``."""
    import optuna

    log_path = os.path.join(args.out, f"{args.study}_trials.jsonl")
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
            if args.readout == "svd-path":
                scores = alpha_path({**params, "n_units": units}, seed, train, vals, args.context, args.horizon)
                medians = {a: float(np.median(v)) for a, v in scores.items()}
                best = max(medians, key=medians.get)
                values = scores[best]
            else:
                fc = build({**params, "n_units": units, "readout": "default"}, seed).fit(train)
                values = [vpt(fc, X, args.context, args.horizon) for X in vals]
                best, medians = fc.alpha_, {f"{fc.alpha_:g}": float(np.median(values))}
            rec = {"n_units": units, "key": key(params), "params": params, "best_alpha": best,
                   "val_median": float(np.median(values)), "val_medians": {f"{a:g}" if not isinstance(a, str) else a: m
                                                                           for a, m in medians.items()},
                   "val_values": values, "seconds": time.perf_counter() - t0}
            records[k] = rec
            with open(log_path, "a") as f:
                f.write(json.dumps(rec) + "\n")
            print(f"  N={units} val median {rec['val_median']:.2f} LT (alpha {best:g}) "
                  f"in {rec['seconds']:.0f}s  {params}", flush=True)
        return records[k]

    study = tune(SPEC, lambda p: scored(p, args.search_units)["val_median"], n_trials=max(args.trials, 1),
                 direction="maximize", storage=args.storage, study_name=args.study, seed=0,
                 timeout=args.timeout) if args.trials > 0 else optuna.load_study(study_name=args.study,
                                                                                  storage=args.storage)
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    ranked = sorted(complete, key=lambda t: t.value, reverse=True)
    search_seconds = sum((t.datetime_complete - t.datetime_start).total_seconds() for t in complete)
    print(f"study {args.study}: {len(study.trials)} trials ({len(complete)} complete), "
          f"{search_seconds / 60:.1f} min of trials; best val median {ranked[0].value:.2f} LT")

    # Re-score the best trials at the final size; pick the best on validation.
    candidates = []
    for t in ranked[: args.rescore]:
        params = SPEC.search_space(optuna.trial.FixedTrial(t.params))
        candidates.append(scored(params, args.search_units))
        if args.units != args.search_units:
            candidates.append(scored(params, args.units))
    chosen = max(candidates, key=lambda r: r["val_median"])
    flat = {**chosen["params"], "n_units": chosen["n_units"], "alpha": chosen["best_alpha"]}
    if args.readout == "default":
        flat["readout"] = "default"
    tuned = nested(flat)
    print(f"chosen on validation: N={chosen['n_units']}, val median {chosen['val_median']:.2f} LT, {tuned}")
    record = {"name": args.study, "storage": args.storage, "readout": args.readout, "trials": len(study.trials),
              "complete": len(complete), "search_units": args.search_units, "trial_seconds": search_seconds,
              "optuna": optuna.__version__}
    return tuned, record, candidates


if __name__ == "__main__":
    main()
