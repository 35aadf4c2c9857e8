"""One benchmark task: choose a model's hyperparameters on the validation trajectory of one
system, refit on the test trajectory, forecast in closed loop and score.

A task is (protocol, model, system, seed, fit length). Its result is a JSON-ready record:
the chosen hyperparameters, every metric, the time it took, and an ``error`` message instead
of metrics when the data or every candidate failed. Forecasts that blow up are scored as
forecasts (a non-finite value counts as the worst possible prediction), never dropped.
"""

from __future__ import annotations

import math
import time
import traceback
import warnings

import numpy as np

from ..chaos import system_info
from ..metrics import diverged_as_far, nrmse, smape, valid_prediction_time
from .models import get_model
from .protocols import get_protocol

__all__ = ["evaluate_task", "score_forecast", "task_key"]


def task_key(protocol, model, system, seed, fit_length, tuning="grid", n_trials=None) -> str:
    """The identity of a task in a results store: every setting that changes its result.

    The hyperparameter choice is part of it (``tuning``, and for Optuna the number of
    trials), so a rerun with another tuning mode runs its tasks instead of reusing results
    chosen differently.

    Examples
    --------
    >>> task_key("gilpin2023", "esn", "Lorenz", 0, 1000)
    'gilpin2023/esn/Lorenz/0/1000/grid'
    >>> task_key("gilpin2023", "esn", "Lorenz", 0, 1000, "optuna", 30)
    'gilpin2023/esn/Lorenz/0/1000/optuna30'
    """
    mode = f"optuna{int(n_trials)}" if tuning == "optuna" else str(tuning)
    return f"{protocol}/{model}/{system}/{int(seed)}/{int(fit_length)}/{mode}"


def score_forecast(y_true, y_pred, lyapunov_steps, attractor_metrics=False) -> dict:
    """All metrics of one forecast against the truth.

    Parameters
    ----------
    y_true, y_pred : ndarray of shape (T, D)
        Truth and closed-loop forecast in raw coordinates; ``y_pred`` may contain
        non-finite values (a diverged forecast), which score as maximal errors.
    lyapunov_steps : float
        Lyapunov times per step.
    attractor_metrics : bool, default False
        Also compute the KL divergence between attractors, the power-spectrum Hellinger
        distance and the correlation-dimension error (for long forecasts).

    Returns
    -------
    dict
        ``smape`` (0-200), ``nrmse``, ``vpt_smape`` (cumulative sMAPE < 30), ``vpt_smape_pointwise``
        (pointwise sMAPE < 30), ``vpt_error`` (normalised error < 0.4), all VPTs in Lyapunov
        times, ``diverged`` (1.0 if any forecast value was non-finite) and ``left_attractor``
        (1.0 if it diverged or any forecast point left the truth's bounding box enlarged by
        half its extent on every side: the forecast escaped the attractor rather than
        merely losing its phase; meaningful for forecasts long enough to cover it).

    Examples
    --------
    >>> y = np.ones((10, 2))
    >>> score_forecast(y, y, lyapunov_steps=0.1)["vpt_error"]
    1.0
    """
    finite = bool(np.all(np.isfinite(y_pred)))
    pred = diverged_as_far(y_pred)
    with np.errstate(over="ignore", invalid="ignore"):
        scores = {
            "smape": smape(y_true, pred),
            "nrmse": nrmse(y_true, pred),
            "vpt_smape": valid_prediction_time(y_true, pred, "smape", lyapunov_steps=lyapunov_steps),
            "vpt_smape_pointwise": valid_prediction_time(y_true, pred, "smape", cumulative=False,
                                                         lyapunov_steps=lyapunov_steps),
            "vpt_error": valid_prediction_time(y_true, pred, "error", lyapunov_steps=lyapunov_steps),
            "diverged": 0.0 if finite else 1.0,
            "left_attractor": 0.0 if finite and _inside_box(y_true, pred) else 1.0,
        }
    if attractor_metrics:
        from ..attractor_metrics import correlation_dimension_error, kl_divergence, power_spectrum_hellinger

        scores["kl_divergence"] = kl_divergence(y_true, y_pred)
        scores["hellinger"] = power_spectrum_hellinger(y_true, y_pred)
        scores["corr_dim_error"] = correlation_dimension_error(y_true, y_pred)
    return {k: float(v) for k, v in scores.items()}


def _inside_box(y_true, y_pred, margin=0.5):
    """Whether every point of ``y_pred`` lies in the bounding box of ``y_true`` enlarged by
    ``margin`` times its extent on every side."""
    low, high = np.min(y_true, axis=0), np.max(y_true, axis=0)
    pad = margin * (high - low)
    return bool(np.all((y_pred >= low - pad) & (y_pred <= high + pad)))


def evaluate_task(protocol, model, system, seed=0, fit_length=None, tuning="grid", n_trials=30,
                  storage=None, progress=False) -> dict:
    """Run one benchmark task and return its record.

    Parameters
    ----------
    protocol : str or Protocol
    model : str or ModelSpec
    system : str
        A dysts system name.
    seed : int, default 0
        Benchmark seed: selects the validation and test initial conditions and the model's seed.
    fit_length : int, optional
        Points to fit on (the end of the fit window); default the protocol's ``n_fit``.
    tuning : {"grid", "optuna", "none"}, default "grid"
        How hyperparameters are chosen on the validation trajectory: the model's grid, an Optuna
        search of ``n_trials`` over its search space, or the model's defaults.
    n_trials : int, default 30
        Optuna trials (``tuning="optuna"``).
    storage : str, optional
        Optuna storage URL (``tuning="optuna"``); default in memory.
    progress : bool, default False
        A progress bar over the Optuna trials (``tuning="optuna"``).

    Returns
    -------
    dict
        ``key``, ``protocol``, ``model``, ``system``, ``seed``, ``fit_length``, ``params``
        (chosen), ``validation`` (the selection metric's value), ``metrics`` (dict or None),
        ``error`` (None or the message), ``seconds``.

    Examples
    --------
    >>> record = evaluate_task("gilpin2023", "persistence", "Lorenz")  # doctest: +SKIP
    >>> record["metrics"]["smape"] > 50  # doctest: +SKIP
    True
    """
    protocol = get_protocol(protocol)
    spec = get_model(model)
    fit_length = protocol.n_fit if fit_length is None else int(fit_length)
    if not 2 <= fit_length <= protocol.n_fit:
        raise ValueError(f"fit_length must be in [2, {protocol.n_fit}], got {fit_length}")
    if tuning not in ("grid", "optuna", "none"):
        raise ValueError(f"tuning must be 'grid', 'optuna' or 'none', got {tuning!r}")
    if tuning == "optuna" and (isinstance(n_trials, bool) or not isinstance(n_trials, int) or n_trials < 1):
        raise ValueError(f"n_trials must be a positive integer with tuning='optuna', got {n_trials!r}")
    record = {"key": task_key(protocol.name, spec.name, system, seed, fit_length, tuning, n_trials),
              "protocol": protocol.name, "model": spec.name, "system": system, "seed": int(seed),
              "fit_length": fit_length, "tuning": tuning,
              "n_trials": n_trials if tuning == "optuna" else None,
              "params": None, "validation": None, "metrics": None, "error": None}
    start = time.perf_counter()
    try:
        info = system_info(system)
        lt_per_step = info.lyapunov_times_per_step(protocol.pts_per_period)
        val = protocol.series(system, seed, "validation")
        test = protocol.series(system, seed, "test")

        def objective(params):
            pred = _fit_forecast(spec, params, seed, val, protocol, fit_length)
            scores = score_forecast(val[protocol.n_fit:], pred, lt_per_step)
            value = scores[protocol.selection_metric]
            if not math.isfinite(value):
                return math.inf if protocol.selection_mode == "min" else -math.inf
            if protocol.stable_first and scores["left_attractor"]:
                # Ranked below every candidate whose long forecast stayed on the attractor.
                return value + _UNSTABLE_OFFSET if protocol.selection_mode == "min" else value - _UNSTABLE_OFFSET
            return value

        if tuning == "grid":
            params, value = _choose_on_grid(spec, objective, protocol.selection_mode)
        elif tuning == "optuna":
            from .._optional import require
            from .tuning import tune

            optuna = require("optuna", "bench", "hyperparameter tuning (--tuning optuna)")

            study = tune(spec, objective, n_trials=n_trials, direction=_direction(protocol.selection_mode),
                         storage=storage, study_name=record["key"], seed=seed, progress=progress)
            params, value = spec.search_space(optuna.trial.FixedTrial(study.best_params)), study.best_value
        else:
            params, value = {}, None
        record["params"], record["validation"] = params, value
        pred = _fit_forecast(spec, params, seed, test, protocol, fit_length)
        scored = slice(protocol.n_fit, protocol.n_fit + protocol.n_evaluated)
        record["metrics"] = score_forecast(test[scored], pred[:protocol.n_evaluated], lt_per_step,
                                           protocol.attractor_metrics)
    except Exception as exc:  # a failed task is recorded, and the benchmark goes on
        record["error"] = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}"
    record["seconds"] = time.perf_counter() - start
    return record


#: Added to (or, when maximising, taken from) the selection metric of a candidate whose
#: validation forecast left the attractor (``Protocol.stable_first``): more than any metric spans.
_UNSTABLE_OFFSET = 1e6


def _fit_forecast(spec, params, seed, series, protocol, fit_length):
    forecaster = spec.build(dict(params), seed)
    # The protocol's warm-up rule (Gilpin 2023: min(100, 10 % of the fit window)): a reservoir
    # must not spend a short fit window synchronising.
    # (For an ensemble, the washout of its member template.)
    params = forecaster.get_params(deep=True) if hasattr(forecaster, "get_params") else {}
    for name in ("washout", "forecaster__washout"):
        washout = params.get(name)
        if isinstance(washout, int) and washout > fit_length // 10:
            forecaster.set_params(**{name: fit_length // 10})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # divergence is scored, not warned about
        forecaster.fit(series[protocol.n_fit - fit_length: protocol.n_fit])
        return forecaster.forecast(protocol.n_forecast, on_divergence="ignore")


def _choose_on_grid(spec, objective, mode):
    best_params, best_value, failures = None, None, []
    for params in spec.grid:
        try:
            value = objective(params)
        except Exception as exc:  # a candidate that cannot fit (e.g. too short data) is skipped
            failures.append(f"{params}: {type(exc).__name__}: {exc}")
            continue
        better = best_value is None or (value < best_value if mode == "min" else value > best_value)
        if better:
            best_params, best_value = params, value
    if best_params is None:
        raise RuntimeError("every hyperparameter candidate failed: " + "; ".join(failures[:3]))
    return dict(best_params), best_value


def _direction(mode):
    return "minimize" if mode == "min" else "maximize"
