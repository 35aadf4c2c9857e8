"""Running many benchmark tasks: in this process, or on Dask workers, resumable.

:func:`run_benchmark` expands models × systems × seeds × fit lengths into tasks, drops those
already in the results store, and runs the rest: on a Dask ``LocalCluster`` by default (one
single-threaded worker process per core), on an existing cluster given its scheduler address,
or serially in this process (``scheduler="serial"``). Only this process writes the store, one
line per finished task as it completes, so a run killed at any moment loses at most the tasks
still running and a rerun of the same command picks up from there.
"""

from __future__ import annotations

import os

from ..names import resolve_name
from .evaluate import evaluate_task, task_key
from .models import get_model
from .protocols import get_protocol
from .store import ResultsStore

__all__ = ["plan_tasks", "run_benchmark"]


def plan_tasks(protocol, models, systems="all", seeds=(0,)) -> list[dict]:
    """The task list of a benchmark: one dict of :func:`evaluate_task` arguments per task.

    Examples
    --------
    >>> tasks = plan_tasks("data_limited", ["persistence"], ["Lorenz"], seeds=[0])
    >>> [t["fit_length"] for t in tasks]
    [1000, 776, 551, 326, 101]
    """
    protocol = get_protocol(protocol)
    specs = [get_model(m) for m in _as_list(models, "models")]
    systems = _check_systems(systems, protocol)
    seeds = [int(s) for s in _as_list(seeds, "seeds")]
    return [{"protocol": protocol, "model": spec, "system": system, "seed": seed, "fit_length": length}
            for spec in specs for system in systems for seed in seeds for length in protocol.fit_lengths]


def run_benchmark(protocol, models, systems="all", seeds=(0,), store="results.jsonl", scheduler=None,
                  n_workers=None, tuning="grid", n_trials=30, storage=None, progress=True) -> ResultsStore:
    """Run (or resume) a benchmark and return its results store.

    Parameters
    ----------
    protocol : str or Protocol
        ``"gilpin2023"``, ``"long_horizon"``, ``"data_limited"`` or a :class:`Protocol`.
    models : list of (str or ModelSpec)
        Model names from :data:`reservoir.bench.MODELS` or specs.
    systems : "all" or list of str, default "all"
        dysts system names.
    seeds : list of int, default (0,)
        Benchmark seeds (initial conditions and model seeds).
    store : str, Path or ResultsStore, default "results.jsonl"
        Where finished tasks are appended; tasks already there are skipped.
    scheduler : None, "serial" or str, default None
        ``None``: a Dask ``LocalCluster`` with ``n_workers`` single-threaded processes;
        ``"serial"``: run in this process; otherwise the address of a Dask scheduler.
    n_workers : int, optional
        Workers of the local cluster (default: the number of CPU cores).
    tuning, n_trials, storage
        Passed to :func:`reservoir.bench.evaluate.evaluate_task`.
    progress : bool, default True
        Show a tqdm progress bar.

    Returns
    -------
    ResultsStore

    Examples
    --------
    >>> store = run_benchmark("gilpin2023", ["mean"], ["Lorenz"], store="out/r.jsonl",
    ...                       scheduler="serial")  # doctest: +SKIP
    >>> len(store.records())  # doctest: +SKIP
    1
    """
    from tqdm.auto import tqdm

    if tuning not in ("grid", "optuna", "none"):
        raise ValueError(f"tuning must be 'grid', 'optuna' or 'none', got {tuning!r}")
    if tuning == "optuna" and (isinstance(n_trials, bool) or not isinstance(n_trials, int) or n_trials < 1):
        raise ValueError(f"n_trials must be a positive integer with tuning='optuna', got {n_trials!r}")
    store = store if isinstance(store, ResultsStore) else ResultsStore(store)
    tasks = plan_tasks(protocol, models, systems, seeds)
    options = {"tuning": tuning, "n_trials": n_trials, "storage": storage}
    # Failed tasks are not "done": a rerun retries them.
    done = store.finished_keys()
    todo = [t for t in tasks if _key(t, options) not in done]
    bar = tqdm(total=len(tasks), initial=len(tasks) - len(todo), disable=not progress, desc="benchmark",
               unit="task", dynamic_ncols=True)
    try:
        if scheduler == "serial":
            for task in todo:
                # Another run sharing the store may have finished it meanwhile.
                if _key(task, options) not in store.finished_keys():
                    store.append(evaluate_task(**task, **options))
                bar.update()
        else:
            _run_on_dask(todo, options, store, bar, scheduler, n_workers)
    finally:
        bar.close()
    return store


def _run_on_dask(tasks, options, store, bar, scheduler, n_workers):
    if not tasks:
        return
    from .._optional import require

    require("dask.distributed", "bench", "running the benchmark on Dask (use --scheduler serial without it)")
    from dask.distributed import Client, LocalCluster, as_completed

    if scheduler is None:
        n_workers = n_workers or os.cpu_count() or 1
        # Processes, one thread each: jax and BLAS run one task per core without contention.
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    else:
        cluster = None
        try:
            client = Client(scheduler)  # waits distributed.comm.timeouts.connect (dask config)
        except (OSError, TimeoutError, ValueError, TypeError) as err:
            raise ValueError(f"scheduler: cannot connect to the Dask scheduler {scheduler!r}: "
                             f"{type(err).__name__}: {err}") from None
    try:
        futures = [client.submit(evaluate_task, **task, **options, key=_future_key(task, options), pure=False)
                   for task in tasks]
        for future in as_completed(futures):
            store.append(future.result())
            future.release()
            bar.update()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _key(task, options):
    return task_key(task["protocol"].name, task["model"].name, task["system"], task["seed"], task["fit_length"],
                    options["tuning"], options["n_trials"])


def _future_key(task, options):
    return "task-" + _key(task, options).replace("/", "-")


def _as_list(value, name):
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        value = [value]
    value = list(value)
    if not value:
        raise ValueError(f"{name} must not be empty")
    return value


def _check_systems(systems, protocol):
    known = protocol.systems()
    if isinstance(systems, str) and systems == "all":
        return known
    systems = _as_list(systems, "systems")
    resolved, problems = [], []
    for system in systems:
        try:  # case-insensitive, close matches in the message
            resolved.append(resolve_name(system, known, "system"))
        except (ValueError, TypeError) as err:
            problems.append(str(err))
    if problems:
        raise ValueError(f"unknown systems for protocol {protocol.name}: {'; '.join(problems)} (see "
                         f"get_protocol({protocol.name!r}).systems())")
    return resolved
