"""The ``reservoir bench`` and ``reservoir tune`` commands (registered by :mod:`reservoir.cli`).

``reservoir bench`` runs (or resumes) a benchmark into an output folder: ``results.jsonl``
(the resumable store, one line per task), ``results.csv`` (tidy: one row per model, system,
seed, fit length and metric), ``summary.txt``, ``comparison.txt`` (beside the published 2023
results), ``scores_smape.png`` and ``run.json`` (versions, settings, wall time).
``reservoir tune`` runs an Optuna search for one model on one system's validation trajectory
(``OUT/tuning.db``, resumable), scores the best candidate on the test trajectory and writes
``OUT/tune.json`` and ``OUT/summary.txt``. Both show a progress bar on a terminal
(``--quiet``: none) and end with a summary of what was chosen on which data.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import sys
import time
from pathlib import Path

from ..names import resolve_name
from .models import MODELS
from .protocols import PROTOCOLS

__all__ = ["add_commands"]


def add_commands(commands, positive_int, nonnegative_int):
    """Add the ``bench`` and ``tune`` subcommands to an argparse subparsers object."""
    protocols = "; ".join(f"{p.name}: {p.description}" for p in PROTOCOLS.values())
    models = "; ".join(f"{m.name}: {m.description}" for m in MODELS.values())

    b = commands.add_parser(
        "bench", help="run the chaos forecasting benchmark (models x systems x seeds), resumable",
        description="Run models on dysts systems under a named protocol. Finished tasks are appended "
                    "to OUT/results.jsonl as they complete; rerunning the same command resumes.")
    b.add_argument("--protocol", default="gilpin2023", choices=sorted(PROTOCOLS), help=protocols)
    b.add_argument("--models", default="esn", metavar="A,B", help=f"comma-separated model names; {models}")
    b.add_argument("--systems", default="all", metavar="A,B",
                   help="'all' (the protocol's systems: 135, or the 131 scored of the published "
                        "data), comma-separated names, or first:K for the first K (default: all)")
    b.add_argument("--seeds", default="0", metavar="0,1", help="comma-separated benchmark seeds (default: 0)")
    b.add_argument("--out", type=Path, default=Path("out/bench"), metavar="DIR",
                   help="output folder (default: %(default)s)")
    b.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="Dask scheduler address, or 'serial' to run in this process "
                        "(default: a local Dask cluster)")
    b.add_argument("--workers", type=positive_int, default=None, metavar="N",
                   help="workers of the local cluster (default: one per CPU core)")
    _tuning_arguments(b)
    b.add_argument("--no-progress", "--quiet", dest="quiet", action="store_true",
                   help="no progress bar (there is none either when stderr is not a terminal)")
    b.set_defaults(handler=_bench, command_parser=b)

    t = commands.add_parser(
        "tune", help="Optuna search of one model on one system (resumable SQLite study), then test",
        description="Search the model's hyperparameters on the validation trajectory of the system "
                    "(criterion: the protocol's selection metric), then refit the best on the test "
                    "trajectory and print its scores. The study is stored under the task's key, so "
                    "rerunning the same command continues the search.")
    t.add_argument("--model", default="esn", metavar="NAME", help=f"model name (default: esn); {models}")
    t.add_argument("--system", required=True, metavar="NAME", help="dysts system (case-insensitive)")
    t.add_argument("--protocol", default="gilpin2023", choices=sorted(PROTOCOLS), help=protocols)
    t.add_argument("--seed", type=nonnegative_int, default=0,
                   help="benchmark seed: validation and test initial conditions, model seed (default: 0)")
    t.add_argument("--trials", type=positive_int, default=50, help="Optuna trials (default: 50)")
    t.add_argument("--out", type=Path, default=None, metavar="DIR",
                   help="output folder: tuning.db, tune.json, summary.txt (default: out/tune/<system>_<model>)")
    t.add_argument("--storage", default=None, metavar="URL",
                   help="Optuna storage (default: sqlite:///OUT/tuning.db; a database URL for many workers)")
    t.add_argument("--quiet", action="store_true",
                   help="no progress bar (there is none either when stderr is not a terminal)")
    t.set_defaults(handler=_tune, command_parser=t)


def _tuning_arguments(parser):
    parser.add_argument("--tuning", default="grid", choices=("grid", "optuna", "none"),
                        help="how hyperparameters are chosen on the validation trajectory (default: grid)")
    parser.add_argument("--trials", type=_positive, default=30, help="Optuna trials per task with --tuning optuna")
    parser.add_argument("--storage", default=None, metavar="URL",
                        help="Optuna storage for --tuning optuna (default: OUT/tuning.db)")


def _positive(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _bench(parser, args):
    from .execute import run_benchmark
    from .report import comparison_table, plot_scores, summary_table

    try:
        models = [resolve_name(m.strip(), MODELS, "model") for m in args.models.split(",") if m.strip()]
    except ValueError as err:
        parser.error(f"--models: {err}")
    if not models:
        parser.error(f"--models: give at least one of {sorted(MODELS)}")
    systems = _parse_systems(parser, args.systems, PROTOCOLS[args.protocol].systems())
    try:
        seeds = [int(s) for s in args.seeds.split(",") if s != ""]
    except ValueError:
        parser.error(f"--seeds: expected comma-separated integers, got {args.seeds!r}")
    if not seeds or min(seeds) < 0:
        parser.error(f"--seeds: expected non-negative integers, got {args.seeds!r}")
    if args.out.exists() and not args.out.is_dir():
        parser.error(f"--out: {args.out} exists and is not a folder")
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        parser.error(f"--out: cannot create {args.out}: {err.strerror or err}")
    storage = args.storage or (f"sqlite:///{args.out / 'tuning.db'}" if args.tuning == "optuna" else None)

    start = time.perf_counter()
    try:
        store = run_benchmark(args.protocol, models, systems, seeds, store=args.out / "results.jsonl",
                              scheduler=args.scheduler, n_workers=args.workers, tuning=args.tuning,
                              n_trials=args.trials, storage=storage,
                              progress=not args.quiet and sys.stderr.isatty())
    except ValueError as err:
        if str(err).startswith("scheduler:"):
            parser.error(f"--{err}")
        raise
    except ImportError as err:  # Dask or Optuna without the [bench] extra
        parser.exit(1, f"error: {parser.prog}: {err}\n")
    wall = time.perf_counter() - start
    n_trials = args.trials if args.tuning == "optuna" else None
    # This invocation's tasks only: the store may also hold other tuning modes and runs.
    records = [r for r in store.records() if r.get("protocol") == args.protocol and r.get("model") in models
               and r.get("system") in systems and r.get("seed") in seeds
               and r.get("tuning", "grid") == args.tuning and r.get("n_trials") == n_trials]
    store.write_csv(args.out / "results.csv")
    summary = summary_table(records)
    if PROTOCOLS[args.protocol].attractor_metrics:
        summary += "\n\n" + summary_table(records, ("kl_divergence", "hellinger", "corr_dim_error", "diverged",
                                                    "left_attractor"))
    summary += "\n\n" + _bench_explanation(PROTOCOLS[args.protocol], args.tuning, args.trials, len(systems), seeds)
    _write_text(args.out / "summary.txt", summary + "\n")
    print(f"\n{args.protocol}: {len(records)} tasks ({sum(r['metrics'] is None for r in records)} failed), "
          f"wall time of this invocation {wall:.0f} s\n")
    print(summary)
    if PROTOCOLS[args.protocol].data == "published":
        from .published_report import plot_paired, published_comparison_table

        comparison = published_comparison_table(records)
        _write_text(args.out / "comparison.txt", comparison + "\n")
        print("\n" + comparison)
        for model in models:
            plot_paired(records, model, path=args.out / f"paired_{model}_vs_NBEATS.png")
    elif args.protocol in ("gilpin2023", "data_limited"):
        comparison = comparison_table(records)
        _write_text(args.out / "comparison.txt", comparison + "\n")
        print("\n" + comparison)
    plot_scores(records, "smape", path=args.out / "scores_smape.png",
                fit_length=PROTOCOLS[args.protocol].n_fit)
    run = {"protocol": args.protocol, "models": models, "n_systems": len(systems), "seeds": seeds,
           "tuning": args.tuning, "n_trials": n_trials, "wall_seconds": wall,
           "scheduler": args.scheduler or "LocalCluster",
           "workers": args.workers or os.cpu_count(), "python": platform.python_version(),
           "versions": {p: _version(p) for p in ("reservoir", "dysts", "numpy", "scipy", "jax")},
           "integrator": "DOP853 rtol=atol=1e-10 (delay systems: dysts ddeint)",
           "lyapunov": "dysts 0.95 maximum_lyapunov_estimated",
           "vpt": "cumulative sMAPE < 30 (vpt_smape), pointwise sMAPE < 30, normalised error < 0.4"}
    _write_text(args.out / "run.json", json.dumps(run, indent=2) + "\n")
    print(f"\nwrote {args.out}/results.jsonl, results.csv, summary.txt, scores_smape.png, run.json")
    return 0


def _tune(parser, args):
    from .evaluate import evaluate_task

    from .._optional import require

    try:
        require("optuna", "bench", "reservoir tune")
    except ImportError as err:
        parser.exit(1, f"error: {parser.prog}: {err}\n")
    protocol = PROTOCOLS[args.protocol]
    try:
        model = resolve_name(args.model, MODELS, "model")
        system = resolve_name(args.system, protocol.systems(), "system", hint="(see `reservoir systems`)")
    except ValueError as err:
        parser.error(str(err))
    if MODELS[model].search_space is None:
        parser.error(f"--model: {model} has no hyperparameters to tune; choose one of "
                     f"{sorted(m for m, s in MODELS.items() if s.search_space)}")
    out = args.out if args.out is not None else Path("out") / "tune" / f"{system}_{model}"
    if out.exists() and not out.is_dir():
        parser.error(f"--out: {out} exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    storage = args.storage or f"sqlite:///{out / 'tuning.db'}"
    if storage.startswith("sqlite:///"):
        Path(storage[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    try:
        record = evaluate_task(protocol, model, system, args.seed, tuning="optuna", n_trials=args.trials,
                               storage=storage, progress=not args.quiet and sys.stderr.isatty())
    except ImportError as err:  # Optuna without the [bench] extra
        parser.exit(1, f"error: {parser.prog}: {err}\n")
    record["wall_seconds"] = time.perf_counter() - start
    _write_text(out / "tune.json", json.dumps(record, indent=2, default=str) + "\n")
    if record["error"]:
        print(record["error"])
        return 1
    summary = _tune_summary(protocol, record, storage)
    _write_text(out / "summary.txt", summary + "\n")
    print(summary)
    print(f"\nwrote {out}/tune.json, summary.txt; the study is in {storage} (rerun to continue it)")
    return 0


def _split(protocol, system, seed, split):
    """Which data a split is, in words."""
    if protocol.data == "published":
        return f"the published {'train' if split == 'validation' else 'test'} file of {system}"
    ic = protocol.validation_seed(seed) if split == "validation" else protocol.test_seed(seed)
    return f"the {split} trajectory of {system} (initial-condition seed {ic})"


def _tune_summary(protocol, record, storage):
    metric = protocol.selection_metric
    m = record["metrics"]
    lines = [
        f"{record['model']} on {record['system']}, protocol {protocol.name}, seed {record['seed']}: "
        f"{record['n_trials']} Optuna trials (TPE), study in {storage}",
        "",
        f"chosen: {json.dumps(record['params'], default=str)}",
        f"  on {_split(protocol, record['system'], record['seed'], 'validation')}: fitted on its first "
        f"{protocol.n_fit} points, forecast {protocol.n_forecast} steps in closed loop; best validation "
        f"{metric} {record['validation']:.4g} ({'lower' if protocol.selection_mode == 'min' else 'higher'} "
        "is better).",
        f"test: the chosen model refitted on the first {protocol.n_fit} points of "
        f"{_split(protocol, record['system'], record['seed'], 'test')}, forecast {protocol.n_forecast} steps, "
        f"scored over {protocol.n_evaluated}:",
        f"  sMAPE {m['smape']:.4g} (0-200), VPT {m['vpt_smape']:.3g} LT (cumulative sMAPE < 30), "
        f"{m['vpt_error']:.3g} LT (normalised error < 0.4), NRMSE {m['nrmse']:.4g}.",
        "",
        f"The validation {metric} is the best of {record['n_trials']} tries on one trajectory, so it is "
        "optimistic;",
        "the test score, on an initial condition the search never saw, is the one to report. A large gap "
        "means the",
        "chosen model fits the validation segment rather than the system (try more seeds: --seed).",
    ]
    return "\n".join(lines)


def _bench_explanation(protocol, tuning, n_trials, n_systems, seeds):
    chosen = {"grid": "each model's grid", "optuna": f"an Optuna search of {n_trials} trials",
              "none": "no search (the registry's defaults)"}[tuning]
    if protocol.data == "published":
        validation, test = "the published train file", "the published test file"
    else:
        validation = "a validation trajectory (initial-condition seed 2 s + 1 for benchmark seed s)"
        test = "a test trajectory (seed 2 s + 2)"
    import textwrap

    text = (f"How to read it: for each of {n_systems} systems x {len(seeds)} seeds, hyperparameters were chosen "
            f"by {chosen} on {validation} (criterion: {protocol.selection_metric}); the chosen model was "
            f"refitted on the first {protocol.n_fit} points of {test} and scored on its next "
            f"{protocol.n_evaluated} points: the table gives those test scores.")
    return textwrap.fill(text, width=100)


def _parse_systems(parser, text, known):
    if text == "all":
        return known
    if text.startswith("first:"):
        try:
            k = int(text[len("first:"):])
        except ValueError:
            parser.error(f"--systems: expected first:K with an integer K, got {text!r}")
        if k < 1:
            parser.error(f"--systems: K must be positive, got {text!r}")
        return known[:k]
    try:
        systems = [resolve_name(s.strip(), known, "system", hint="(see `reservoir systems`)")
                   for s in text.split(",") if s.strip()]
    except ValueError as err:
        parser.error(f"--systems: {err}")
    if not systems:
        parser.error("--systems: give 'all', first:K or comma-separated names")
    return systems


def _write_text(path, text):
    # Atomic: a report is either the old one or the new one, never half written.
    from ..atomic import atomic_open

    with atomic_open(path, "w") as f:
        f.write(text)


def _version(package):
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None
