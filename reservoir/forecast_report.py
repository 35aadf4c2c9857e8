"""What ``reservoir forecast`` reports: the table on the terminal, the figure and
``metrics.json`` (with the settings, the model's hyperparameters and the versions)."""

from __future__ import annotations

import importlib.metadata
import json
import math
import platform
from pathlib import Path

import numpy as np

from .atomic import atomic_open
from .forecast_pipeline import ERROR_THRESHOLD, SMAPE_THRESHOLD

__all__ = ["describe", "figure", "json_safe", "package_version", "print_table", "versions", "write_metrics"]

_METRIC_DEFINITIONS = (
    "nrmse: per-dimension std of the truth over the test window; smape: 0-200 scale; "
    "vpt_error: steps before normalised error > error_threshold; "
    "vpt_smape: steps before cumulative sMAPE > smape_threshold; *_lyapunov = steps * "
    "lyapunov_times_per_step (null without a Lyapunov exponent)")


def write_metrics(out, source, name, model, changed, n_train, args, metrics, timing):
    """Write ``out/metrics.json``: scores, timing, settings, hyperparameters, versions."""
    record = {
        "system": source["name"],
        "model": name,
        "metrics": metrics,
        "timing": timing,
        "settings": {
            **source["settings"],
            "train": n_train,
            "test_steps": args.test_steps,
            "seed": args.seed,
            "metric_definitions": _METRIC_DEFINITIONS,
            "hyperparameters_set": changed,
            "model_params": describe(model),
            # The penalty the default readout chose by closed-loop validation (None: given).
            "ridge_alpha_chosen": getattr(model, "alpha_", None),
        },
        "versions": versions(),
        "outputs": {"figure": "forecast.png", "metrics": "metrics.json"},
    }
    with atomic_open(Path(out) / "metrics.json", "w") as fh:
        json.dump(json_safe(record), fh, indent=2, allow_nan=False)
        fh.write("\n")


def figure(truth, forecast, source, name, args, n_train):
    """The closed-loop forecast against the truth (a matplotlib figure)."""
    from .plotting import plot_forecast

    title = f"{source['label']}, {name} ({n_train} training points, seed {args.seed}): closed-loop forecast"
    if source["lyap_per_step"]:
        title += (f"\n1 Lyapunov time = 1/\u03bb = {1 / source['lyap_per_step']:.1f} steps "
                  f"(\u03bb = {source['lyapunov_exponent']:.4g})")
    labels = source["labels"] if source["labels"] and len(source["labels"]) == truth.shape[1] else None
    lam = source["lyapunov_exponent"] if source["lyap_per_step"] else None
    # Lyapunov times when both scales are known, otherwise steps (not time units: the
    # table and metrics.json report steps then).
    return plot_forecast(truth, forecast, dt=source["dt"] if lam else None, lyapunov_exponent=lam,
                         threshold=ERROR_THRESHOLD, smape_threshold=SMAPE_THRESHOLD, title=title, labels=labels)


def print_table(source, name, description, changed, n_train, args, metrics, timing):
    """The scores and timings as a table on standard output."""
    in_lt = metrics["test_window_lyapunov"] is not None

    def vpt(kind):
        steps = metrics[f"vpt_{kind}_steps"]
        # Valid over the whole window: the true VPT is at least this long.
        bound = " (whole window: a lower bound)" if steps == args.test_steps else ""
        lt = f" = {metrics[f'vpt_{kind}_lyapunov']:.2f} LT" if in_lt else ""
        return f"{steps} steps{lt}{bound}"

    nrmse = "undefined (non-finite forecast)" if metrics["nrmse"] is None else f"{metrics['nrmse']:.4g}"
    rows = [
        ("NRMSE (test window)", nrmse),
        ("sMAPE (0-200, test window)", f"{metrics['smape']:.2f}"),
        (f"VPT, normalised error < {metrics['error_threshold']:g}", vpt("error")),
        (f"VPT, cumulative sMAPE < {metrics['smape_threshold']:g}", vpt("smape")),
        ("fit wall time (incl. JIT compile)", f"{timing['fit_s']:.2f} s"),
        ("forecast wall time (incl. JIT compile)", f"{timing['forecast_s']:.2f} s"),
        ("data (integration, cache or file read)", f"{timing['trajectory_s']:.2f} s"),
    ]
    window = f" ({metrics['test_window_lyapunov']:.2f} LT)" if in_lt else ""
    settings = ", ".join(f"{k}={v!r}" for k, v in changed.items()) or "the registry's defaults"
    print(f"\n{source['describe']}")
    print(f"model {name} ({description}) with {settings}, seed {args.seed}: fitted on the first "
          f"{n_train} points, forecast {args.test_steps} steps{window} in closed loop")
    width = max(len(label) for label, _ in rows)
    print(f"{'metric':<{width}}  value")
    print(f"{'-' * width}  {'-' * 24}")
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    if metrics["diverged"]:
        print(f"warning: {metrics['divergence_message'] or 'the forecast became non-finite'}")


def describe(estimator):
    """JSON-friendly hyperparameters of an estimator, nested estimators included."""
    if not hasattr(estimator, "get_params"):
        return repr(estimator)
    params = {}
    for name, value in estimator.get_params(deep=False).items():
        params[name] = describe(value) if hasattr(value, "get_params") else value
    return {"class": f"{type(estimator).__module__}.{type(estimator).__qualname__}", "params": params}


def json_safe(value):
    """Plain JSON types: numpy scalars/arrays converted, non-finite floats as null."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return json_safe(value.tolist())
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, Path):
        return str(value)
    return repr(value)


def package_version(package):
    """The installed version of ``package``, or None."""
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def versions():
    """Versions of this package, Python and the libraries that change the numbers."""
    from . import __version__

    versions = {"reservoir": __version__, "python": platform.python_version()}
    # numba: dysts integrates with it when present, which changes trajectories in the last bits.
    for package in ("dysts", "numpy", "scipy", "jax", "jaxlib", "scikit-learn", "numba"):
        versions[package] = package_version(package)
    return versions
