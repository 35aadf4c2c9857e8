"""The chaos forecasting benchmark: models × dysts systems × seeds under a named protocol.

Protocols (:data:`PROTOCOLS`): ``gilpin2023_univariate`` (the published 2023 univariate
files: tuned on train, scored on the 199 published test points of 131 systems, beside every
published model), ``gilpin2023`` (the same split on our own multivariate integrations: fit
1000, forecast 200 at 100 points per period, all 135 systems), ``long_horizon`` (forecast 5000, with attractor metrics) and
``data_limited`` (fit windows of 1000 down to 101 points). Models (:data:`MODELS`): the
reservoirs (``esn``, ``onion``, ``ei``) and the baselines (``persistence``, ``mean``,
``parroting``, ``nvar``, ``ngrc``), each with a validation grid and an Optuna search space.
Tasks run on Dask (a local cluster by default) and every finished task is appended to a
results store, so an interrupted run resumes.

Examples
--------
>>> from reservoir.bench import run_benchmark, summary_table
>>> store = run_benchmark("gilpin2023", ["esn", "parroting"], ["Lorenz", "Rossler"],
...                       store="out/bench/results.jsonl")  # doctest: +SKIP
>>> print(summary_table(store.records()))  # doctest: +SKIP

Shell::

    reservoir bench --protocol gilpin2023 --models esn,parroting --systems all --out out/bench
"""

from .evaluate import evaluate_task, score_forecast, task_key
from .execute import plan_tasks, run_benchmark
from .models import MODELS, ModelSpec, get_model
from .protocols import PROTOCOLS, Protocol, get_protocol
from .published_report import paired_comparison, published_comparison_table
from .report import comparison_table, plot_scores, published_results, summarize, summary_table
from .store import ResultsStore
from .tuning import tune
from ..published import published_forecast, published_scores, published_series

__all__ = [
    "MODELS",
    "PROTOCOLS",
    "ModelSpec",
    "Protocol",
    "ResultsStore",
    "comparison_table",
    "evaluate_task",
    "get_model",
    "get_protocol",
    "paired_comparison",
    "published_comparison_table",
    "published_forecast",
    "published_scores",
    "published_series",
    "plan_tasks",
    "plot_scores",
    "published_results",
    "run_benchmark",
    "score_forecast",
    "summarize",
    "summary_table",
    "task_key",
    "tune",
]
