"""The reservoir variants peer libraries offer: deep ESN, intrinsic plasticity, and the
knowledge-based hybrid ESN on the data-limited protocol.

Table 1, Lorenz-63 valid prediction time (the protocol of ``benchmarks/lorenz_vpt.py``): one
training trajectory (seed 0) of ``--train`` points at 100 points per dominant period;
``ReservoirForecaster(reservoir)`` with its default readout; for each of ``--tests`` test
initial conditions (seeds 1, 2, ...) it synchronises on 500 points and forecasts 2000 in
closed loop. VPT: first step where the normalised error exceeds 0.4, in Lyapunov times.
Median and IQR over reservoir seeds x test initial conditions. Models: ``DeepESN((250,
250))``, ``IPReservoir(500)`` and, for reference, ``ESN(500)``, all at their defaults.

Table 2, data-limited forecasting (``reservoir.bench`` protocol ``data_limited``, on our
own dysts 0.95 integrations): for each system and benchmark seed the test trajectory
(initial-condition seed ``2 s + 2``) is fitted on its last ``L`` points before point 1000
(L = 1000, 776, 551, 326, 101), then forecasts 200 points in closed loop, scored by sMAPE
(0-200) on raw coordinates; medians over systems x seeds. Washout ``min(100, L // 10)`` as
in the benchmark runner. Models, at their defaults (no grid; the forecaster chooses its ridge
penalty on the fit window): ``ESN(500)`` and ``HybridESN(system, dt, parameter_error=0.05)``
(500 units; the dysts ODE with every parameter 5 % off, 4 RK4 steps per sample), and with
``--unscaled`` the same hybrid with its model's features unscaled (``model_feature_scale=1``).
The imperfect model alone (run in closed loop from the last fitted point, no data) is
printed too. Beside them:
the published sweep's NODE and ESN (Gilpin 2023, the multivariate data-sweep file in
``--sweep``), median over all its systems and over the systems run here. The published
runs used the published files and tuned hyperparameters; ours are our integrations at
defaults, so the comparison is loose.

Run: ``python benchmarks/peer_variants.py [--seeds 3] [--tests 3] [--train 10000]
[--systems Lorenz,Rossler,...] [--table vpt|data|both] [--unscaled] [--json OUT]``; systems
can run in separate processes (``--systems A,B --json a.json`` ...) and be tabled together
with ``--merge a.json b.json``.
"""

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np

from reservoir import ESN, DeepESN, HybridESN, IPReservoir, ReservoirForecaster
from reservoir.bench.protocols import get_protocol
from reservoir.chaos import system_info, trajectory
from reservoir.metrics import smape, valid_prediction_time

SYSTEMS = ("Aizawa", "Arneodo", "Chen", "Halvorsen", "Lorenz", "Rossler", "SprottB", "Thomas", "Dadras",
           "Finance")
SWEEP = Path("/work/shared/data/gilpin2023/data_sweep_test_multivariate__pts_per_period_100__periods_12"
             ".json_node_esn_nvar.json")
FIT_LENGTHS = (1000, 776, 551, 326, 101)


def summary(values):
    q1, med, q3 = np.nanpercentile(values, [25, 50, 75])
    return med, q1, q3


def vpt_table(args, seeds):
    lt = system_info("Lorenz").lyapunov_times_per_step(100)
    _, train = trajectory("Lorenz", n=args.train, pts_per_period=100, seed=0)
    tests = [trajectory("Lorenz", n=2500, pts_per_period=100, seed=s)[1] for s in range(1, args.tests + 1)]
    models = {"DeepESN((250, 250))": lambda s: DeepESN((250, 250), random_state=s),
              "IPReservoir(500)": lambda s: IPReservoir(500, random_state=s),
              "ESN(500) (reference)": lambda s: ESN(500, random_state=s)}
    print(f"Lorenz-63, fit {args.train} points (100 pts/period), ReservoirForecaster default readout, "
          f"{args.tests} test ICs x seeds {seeds}, horizon 2000 steps = {2000 * lt:.1f} LT, VPT at error 0.4")
    print(f"{'model':<24} {'median VPT (LT)':>15} {'IQR':>11} {'fit s':>6}   per seed x IC")
    results = {}
    for name, build in models.items():
        vpts, fit_seconds = [], []
        for s in seeds:
            start = time.perf_counter()
            fc = ReservoirForecaster(build(s)).fit(train)
            fit_seconds.append(time.perf_counter() - start)
            for X in tests:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    Y = fc.forecast(2000, context=X[:500], on_divergence="ignore")
                vpts.append(valid_prediction_time(X[500:], Y, criterion="error", threshold=0.4, lyapunov_steps=lt))
        med, q1, q3 = summary(vpts)
        print(f"{name:<24} {med:>15.2f} {f'{q1:.1f}-{q3:.1f}':>11} {np.median(fit_seconds):>6.1f}   "
              + " ".join(f"{v:.1f}" for v in vpts), flush=True)
        results[name] = {"vpt": vpts, "fit_seconds": fit_seconds}
    return results


def published_sweep(path, systems):
    """Median sMAPE of the published NODE and ESN at each fit length: over all systems and
    over ``systems``. Only the last 25 entries of each list are valid; entry -25 + k is the
    fit on ``1000 - linspace(0, 899, 25)[k]`` points (k = 0, 6, 12, 18, 24 here)."""
    if not Path(path).exists():
        return None
    sweep = json.loads(Path(path).read_text())
    out = {}
    for model in ("NODE", "ESN"):
        for label, names in (("all", list(sweep)), ("here", [s for s in systems if s in sweep])):
            row = []
            for k in (0, 6, 12, 18, 24):
                values = [sweep[s][model][-25 + k] for s in names
                          if model in sweep[s] and len(sweep[s][model]) >= 25]
                row.append(float(np.median([v for v in values if v is not None])))
            out[f"{model} published ({label})"] = row
    return out


def data_models(unscaled):
    models = {
        "ESN(500)": lambda system, dt, s: ESN(500, random_state=s),
        "HybridESN, eps 0.05": lambda system, dt, s: HybridESN(system, dt=dt, parameter_error=0.05, random_state=s),
    }
    if unscaled:
        models["HybridESN, eps 0.05, c=1"] = lambda system, dt, s: HybridESN(
            system, dt=dt, parameter_error=0.05, model_feature_scale=1.0, random_state=s)
    return models


def data_scores(args, seeds):
    """sMAPE per model, fit length and (system, seed) on the data-limited protocol."""
    protocol = get_protocol("data_limited")
    systems = [s for s in args.systems.split(",") if s]
    models = data_models(args.unscaled)
    scores = {name: {str(L): [] for L in FIT_LENGTHS} for name in models}
    start = time.perf_counter()
    for system in systems:
        dt = system_info(system).dt(protocol.pts_per_period)
        for s in seeds:
            series = protocol.series(system, s, "test")
            truth = series[protocol.n_fit:]
            for name, build in models.items():
                for L in FIT_LENGTHS:
                    fc = ReservoirForecaster(build(system, dt, s), washout=min(100, L // 10))
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        try:
                            pred = fc.fit(series[protocol.n_fit - L:protocol.n_fit]).forecast(
                                protocol.n_forecast, on_divergence="ignore")
                            score = smape(truth, pred) if np.all(np.isfinite(pred)) else 200.0
                        except (ValueError, FloatingPointError):
                            score = 200.0  # a diverged fit scores as the worst forecast
                    scores[name][str(L)].append(score)
        print(f"  {system}: " + "; ".join(f"{n}: " + " ".join(f"{np.median(scores[n][str(L)][-len(seeds):]):.1f}"
                                                              for L in FIT_LENGTHS) for n in models)
              + f" ({time.perf_counter() - start:.0f} s)", flush=True)
    return {"scores": scores, "systems": systems, "seeds": seeds}


def model_alone(systems, seeds, parameter_error=0.05, substeps=4):
    """sMAPE of the hybrid's imperfect model run alone in closed loop from the last fitted
    point (the same for every fit length), per (system, seed)."""
    import jax
    import jax.numpy as jnp

    from reservoir.hybrid import dysts_vector_field, rk4_step

    protocol = get_protocol("data_limited")
    scores = []
    for system in systems:
        field, theta, _ = dysts_vector_field(system, parameter_error)
        h = system_info(system).dt(protocol.pts_per_period) / substeps

        def rk4(x, _):
            return rk4_step(field, x, theta, h), None

        def sample(x, _):
            x, _ = jax.lax.scan(rk4, x, None, length=substeps)
            return x, x

        run = jax.jit(lambda x0: jax.lax.scan(sample, x0, None, length=protocol.n_forecast)[1])
        for s in seeds:
            series = protocol.series(system, s, "test")
            pred = np.asarray(run(jnp.asarray(series[protocol.n_fit - 1])))
            scores.append(smape(series[protocol.n_fit:], pred) if np.all(np.isfinite(pred)) else 200.0)
    return scores


def print_data_table(result, sweep_path):
    systems, scores = result["systems"], result["scores"]
    alone = model_alone(systems, result["seeds"])
    print(f"\nData-limited protocol (our dysts integrations), {len(systems)} systems x seeds {result['seeds']}, "
          "forecast 200, median sMAPE (0-200; IQR in brackets)")
    print(f"{'model':<32}" + "".join(f"{L:>17}" for L in FIT_LENGTHS))
    for name, by_length in scores.items():
        cells = []
        for L in FIT_LENGTHS:
            med, q1, q3 = summary(by_length[str(L)])
            cells.append(f"{med:6.1f} [{q1:4.0f}-{q3:4.0f}]")
        print(f"{name:<32}" + "".join(f"{c:>17}" for c in cells))
    med, q1, q3 = summary(alone)
    print(f"{'its model alone, eps 0.05':<32}" + f"{f'{med:6.1f} [{q1:4.0f}-{q3:4.0f}]':>17}" * len(FIT_LENGTHS))
    published = published_sweep(sweep_path, systems)
    if published is None:
        print(f"(published sweep not found at {sweep_path})")
    else:
        for name, row in published.items():
            print(f"{name:<32}" + "".join(f"{v:>17.1f}" for v in row))
    return published


def merge(paths):
    """The data-limited results of several runs (e.g. systems split over processes)."""
    merged = None
    for path in paths:
        part = json.loads(Path(path).read_text())["data_limited"]
        if merged is None:
            merged = {"scores": part["scores"], "systems": list(part["systems"]), "seeds": part["seeds"]}
            continue
        merged["systems"] += part["systems"]
        for name, by_length in part["scores"].items():
            for L, values in by_length.items():
                merged["scores"].setdefault(name, {}).setdefault(L, []).extend(values)
    return merged


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--tests", type=int, default=3, help="Lorenz test initial conditions")
    parser.add_argument("--train", type=int, default=10000, help="Lorenz fit points")
    parser.add_argument("--systems", default=",".join(SYSTEMS), help="systems of the data-limited table")
    parser.add_argument("--sweep", default=str(SWEEP), help="the published data-sweep JSON file")
    parser.add_argument("--table", choices=("vpt", "data", "both"), default="both")
    parser.add_argument("--unscaled", action="store_true",
                        help="also the hybrid with its model's features unscaled (model_feature_scale=1)")
    parser.add_argument("--merge", nargs="+", default=None,
                        help="print the data-limited table of these --json files (e.g. systems run apart)")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    seeds = list(range(args.seeds))
    results = {}
    if args.merge:
        print_data_table(merge(args.merge), args.sweep)
        return
    if args.table in ("vpt", "both"):
        results["vpt"] = vpt_table(args, seeds)
        print()
    if args.table in ("data", "both"):
        results["data_limited"] = data_scores(args, seeds)
        if args.json:  # the scores first: a failure in the table must not lose them
            with open(args.json, "w") as f:
                json.dump(results, f, indent=1)
        results["data_limited"]["published"] = print_data_table(results["data_limited"], args.sweep)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
