"""The pipeline of ``reservoir forecast``: load the series, fit, forecast in closed loop, score.

Each stage is timed; what it gives goes to :mod:`reservoir.forecast_report` (table,
figure, ``metrics.json``). The command line (:mod:`reservoir.cli`) only parses the
arguments, builds the model and the source, and turns refusals into usage errors.
"""

from __future__ import annotations

import inspect
import time
import warnings

import numpy as np

__all__ = ["ERROR_THRESHOLD", "SMAPE_THRESHOLD", "DataUnavailable", "FitRefused", "closed_loop", "integrator",
           "run", "score"]

#: Normalised error under which a forecast step is valid (``vpt_error``).
ERROR_THRESHOLD = 0.4
#: Cumulative sMAPE (0-200 scale) under which a forecast step is valid (``vpt_smape``).
SMAPE_THRESHOLD = 30.0


class DataUnavailable(RuntimeError):
    """The series could not be had (integration failed, cache unreadable)."""


class FitRefused(ValueError):
    """The model refused the training data (too short, wrong shape, ...)."""


def run(model, source, n_train, n_steps, progress, name="the model"):
    """Load ``source``, fit ``model`` on its first ``n_train`` points and forecast ``n_steps``.

    ``source`` is a dict with a ``load()`` function and a ``status`` line (see
    ``reservoir.cli``); ``progress.stage(name, message)`` is a context per stage.

    Returns
    -------
    dict
        ``truth`` and ``forecast`` of shape (n_steps, d), ``divergence`` (the messages of
        the divergence warnings) and ``timing`` (seconds per stage, compile time included).

    Raises
    ------
    DataUnavailable, FitRefused
    """
    timing = {}
    with progress.stage("data", source["status"]):
        start = time.perf_counter()
        try:
            series = source["load"]()
        except RuntimeError as err:
            raise DataUnavailable(str(err)) from err
        timing["trajectory_s"] = time.perf_counter() - start
    train, truth = series[:n_train], series[n_train:n_train + n_steps]

    with progress.stage("fit", f"fitting {name} on {n_train} points ..."):
        start = time.perf_counter()
        try:
            model.fit(train)
        except (ValueError, TypeError) as err:
            raise FitRefused(str(err)) from err
        timing["fit_s"] = time.perf_counter() - start

    with progress.stage("forecast", f"forecasting {n_steps} steps in closed loop ..."):
        start = time.perf_counter()
        forecast, divergence = closed_loop(model, n_steps)
        timing["forecast_s"] = time.perf_counter() - start
    return {"truth": truth, "forecast": forecast, "divergence": divergence, "timing": timing}


def closed_loop(model, n_steps):
    """``model.forecast(n_steps)`` as a (n_steps, d) array and the messages of its divergence
    warnings (a diverged forecast is returned and scored, not raised)."""
    from .forecaster import ForecastDivergenceWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ForecastDivergenceWarning)
        forecast = np.asarray(model.forecast(n_steps, on_divergence="warn"), dtype=float)
    divergence = [str(w.message) for w in caught if issubclass(w.category, ForecastDivergenceWarning)]
    for w in caught:
        if not issubclass(w.category, ForecastDivergenceWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return forecast.reshape(n_steps, -1), divergence


def score(truth, forecast, divergence, lyap_per_step, n_steps):
    """NRMSE, sMAPE and the two valid prediction times (in steps and, with
    ``lyap_per_step``, Lyapunov times) of ``forecast`` against ``truth``."""
    from .metrics import diverged_as_far, nrmse, smape, valid_prediction_time

    # A forecast that blew up to inf/NaN counts as infinitely far from the truth (the
    # package's one convention, metrics.diverged_as_far): the error curves then exceed every
    # threshold there (sMAPE terms -> 200), so the VPTs stay defined, while NRMSE over the
    # window is reported as undefined.
    finite = bool(np.all(np.isfinite(forecast)))
    scored = diverged_as_far(forecast)
    vpt_error = valid_prediction_time(truth, scored, "error", threshold=ERROR_THRESHOLD)
    vpt_smape = valid_prediction_time(truth, scored, "smape", threshold=SMAPE_THRESHOLD, cumulative=True)
    lt = (lambda steps: steps * lyap_per_step) if lyap_per_step else (lambda steps: None)
    return {
        "nrmse": nrmse(truth, forecast) if finite else None,
        "smape": smape(truth, scored),
        "vpt_error_steps": vpt_error,
        "vpt_error_lyapunov": lt(vpt_error),
        "vpt_smape_steps": vpt_smape,
        "vpt_smape_lyapunov": lt(vpt_smape),
        "error_threshold": ERROR_THRESHOLD,
        "smape_threshold": SMAPE_THRESHOLD,
        "test_window_lyapunov": lt(n_steps),
        "diverged": bool(divergence) or not finite,
        "divergence_message": divergence[0] if divergence else None,
    }


def integrator(trajectory, info):
    """The integrator `trajectory` uses by default, passed explicitly and recorded."""
    defaults = inspect.signature(trajectory).parameters
    arguments = {name: defaults[name].default for name in ("method", "rtol", "atol") if name in defaults}
    if info.is_delay:
        record = {"method": "dysts bundled ddeint (scipy vode, default tolerances)",
                  "note": "method/rtol/atol do not apply to delay systems"}
    else:
        record = {"method": arguments.get("method"), "rtol": arguments.get("rtol"),
                  "atol": arguments.get("atol"), "solver": "scipy.integrate.solve_ivp via dysts"}
    return {"method": record["method"], "arguments": arguments, "record": record}
