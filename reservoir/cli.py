"""Command-line interface: ``reservoir forecast``, ``reservoir bench``, ``reservoir tune`` and ``reservoir systems``.

``reservoir forecast`` integrates one trajectory of a dysts system, fits a reservoir
forecaster on its beginning, forecasts the rest in closed loop, prints the scores and
writes ``forecast.png`` and ``metrics.json``. ``reservoir systems`` lists the systems.

Models are looked up by name in :data:`MODELS`; adding a model to the CLI is adding a
factory there.

Examples
--------
Shell::

    reservoir forecast --system Lorenz --model esn --n-units 500 --out out/lorenz
    reservoir systems
    python -m reservoir --help
"""

from __future__ import annotations

import argparse
import importlib.metadata
import inspect
import json
import math
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from .atomic import atomic_open

__all__ = ["MODELS", "main"]

_ERROR_THRESHOLD = 0.4
_SMAPE_THRESHOLD = 30.0
_LAMBDA_SOURCE = "dysts 0.95 chaotic_attractors.json: maximum_lyapunov_estimated"


# ----------------------------------------------------------------------------------
# Models


def _esn_forecaster(args):
    """leaky echo state network + ridge readout (bias, input and squared-state augmentation)

    Options used: --n-units, --spectral-radius, --leak-rate, --input-scaling, --ridge,
    --washout, --seed (the weights' seed).
    """
    from . import ESN, ReservoirForecaster, Ridge

    esn_params = {"n_units": args.n_units, "random_state": args.seed}
    for name in ("spectral_radius", "leak_rate", "input_scaling"):
        if getattr(args, name) is not None:
            esn_params[name] = getattr(args, name)
    forecaster_params = {} if args.washout is None else {"washout": args.washout}
    # No --ridge: the forecaster's default readout (accurate qr solve, penalty validated).
    readout = None if args.ridge is None else Ridge(alpha=args.ridge, solver="qr")
    return ReservoirForecaster(ESN(**esn_params), readout, **forecaster_params)


#: Model name -> factory. A factory takes the parsed ``forecast`` arguments and returns an
#: unfitted forecaster with ``fit(series)``, ``forecast(n_steps, on_divergence=...)`` and
#: ``get_params()`` (a :class:`reservoir.ReservoirForecaster` in practice). Its docstring's
#: first line is the model's description in ``--help``.
MODELS = {
    "esn": _esn_forecaster,
}


# ----------------------------------------------------------------------------------
# Argument parsing


def _number(convert, allow_zero, description):
    """An argparse type: ``convert`` the text and require a finite value > 0 (>= 0)."""

    def parse(text):
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {description}, got {text!r}") from None
        if not (math.isfinite(value) and (value >= 0 if allow_zero else value > 0)):
            raise argparse.ArgumentTypeError(f"expected {description}, got {text!r}")
        return value

    return parse


_positive_int = _number(int, False, "a positive integer")
_nonnegative_int = _number(int, True, "a non-negative integer")
_positive_float = _number(float, False, "a positive finite number")
_nonnegative_float = _number(float, True, "a non-negative finite number")


def _leak_rate(text):
    value = _positive_float(text)
    if value > 1:
        raise argparse.ArgumentTypeError(f"expected a leak rate in (0, 1], got {text!r}")
    return value


def _build_parser():
    parser = argparse.ArgumentParser(
        prog="reservoir",
        description="Reservoir computing on chaotic systems (dysts).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version('reservoir')}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    from . import ESN, ReservoirForecaster

    # Defaults shown in --help are read from the classes, so they cannot go stale.
    esn = _defaults(ESN)
    washout = _defaults(ReservoirForecaster)["washout"]
    models = "; ".join(f"{name}: {_first_line(factory)}" for name, factory in MODELS.items())
    fc = commands.add_parser(
        "forecast",
        help="fit a model on one trajectory of a system and forecast it in closed loop",
        description=(
            "Integrate one trajectory of a dysts system (pinned integrator, on-disk cache in "
            "$RESERVOIR_CACHE_DIR or ~/.cache/reservoir), fit the model on its first --train "
            "points, forecast the next --test-steps points in closed loop, print the scores and "
            "write forecast.png and metrics.json to the output folder."
        ),
    )
    fc.add_argument("--system", required=True, metavar="NAME",
                    help="dysts system name, e.g. Lorenz (see `reservoir systems`)")
    fc.add_argument("--model", required=True, metavar="NAME", help=f"model name; {models}")
    fc.add_argument("--n-units", type=_positive_int, default=1000, metavar="N",
                    help="reservoir size (default: %(default)s)")
    fc.add_argument("--train", type=_positive_int, default=10000, metavar="STEPS",
                    help="training points (default: %(default)s)")
    fc.add_argument("--test-steps", type=_positive_int, default=2000, metavar="STEPS",
                    help="closed-loop forecast steps (default: %(default)s)")
    fc.add_argument("--pts-per-period", type=_positive_float, default=100, metavar="P",
                    help="samples per dominant period of the system (default: %(default)s)")
    fc.add_argument("--seed", type=_nonnegative_int, default=0,
                    help="seed of the initial condition and of the reservoir weights (default: %(default)s)")
    fc.add_argument("--ridge", type=_nonnegative_float, default=None, metavar="ALPHA",
                    help="ridge penalty of the readout (default: chosen by closed-loop validation "
                         "on the end of the training series)")
    fc.add_argument("--spectral-radius", type=_positive_float, default=None, metavar="RHO",
                    help=f"spectral radius of the recurrent matrix (default: the ESN's, {esn['spectral_radius']})")
    fc.add_argument("--leak-rate", type=_leak_rate, default=None, metavar="A",
                    help=f"leak rate in (0, 1] (default: the ESN's, {esn['leak_rate']})")
    fc.add_argument("--input-scaling", type=_positive_float, default=None, metavar="S",
                    help=f"input weight scale (default: the ESN's, {esn['input_scaling']})")
    fc.add_argument("--washout", type=_nonnegative_int, default=None, metavar="STEPS",
                    help=f"training steps left out of the readout fit (default: the forecaster's, {washout})")
    fc.add_argument("--out", type=Path, default=None, metavar="DIR",
                    help="output folder (default: ./out/<system>_<model>)")
    fc.set_defaults(handler=_forecast, command_parser=fc)

    from .bench.cli import add_commands

    add_commands(commands, _positive_int, _nonnegative_int)

    sy = commands.add_parser("systems", help="list the dysts systems with dimension and Lyapunov exponent")
    sy.set_defaults(handler=_systems, command_parser=sy)
    return parser


def main(argv=None):
    """Run the ``reservoir`` command line; ``argv`` defaults to ``sys.argv[1:]``.

    Returns 0 on success. Usage errors (unknown system or model, bad values) exit with
    status 2 and a message, as argparse does; a failed run returns 1.

    Examples
    --------
    >>> main(["systems"])  # doctest: +SKIP
    """
    parser = _build_parser()
    args = parser.parse_args(argv)
    return args.handler(args.command_parser, args)


# ----------------------------------------------------------------------------------
# reservoir systems


def _systems(parser, args):
    from .chaos import list_systems, system_info

    rows = [system_info(name) for name in list_systems()]
    width = max(len(info.name) for info in rows)
    print(f"{'system':<{width}}  {'dim':>3}  {'lambda_max':>10}  {'Lyap. time':>10}  {'period':>9}  flags")
    for info in rows:
        flags = ",".join(flag for flag, on in (("delay", info.is_delay), ("forced", info.nonautonomous)) if on)
        print(f"{info.name:<{width}}  {info.dimension:>3}  {info.maximum_lyapunov:>10.4g}  "
              f"{info.lyapunov_time:>10.4g}  {info.period:>9.4g}  {flags}")
    print(f"\n{len(rows)} systems; lambda_max is dysts' maximum_lyapunov_estimated; "
          "delay: delay equation, forced: non-autonomous.")
    return 0


# ----------------------------------------------------------------------------------
# reservoir forecast


def _forecast(parser, args):
    from . import ForecastDivergenceWarning
    from .chaos import system_info, trajectory
    from .metrics import normalized_error, nrmse, smape, valid_prediction_time
    from .plotting import plot_forecast

    if args.model not in MODELS:
        parser.error(f"unknown model {args.model!r}; available: {', '.join(sorted(MODELS))}")
    try:
        info = system_info(args.system)
    except (ValueError, TypeError) as err:
        parser.error(f"{err} Run `reservoir systems` for the list.")

    out = args.out if args.out is not None else Path("out") / f"{info.name}_{args.model}"
    if out.exists() and not out.is_dir():
        # Checked before the work, not when writing the results at the end.
        parser.error(f"--out: {out} exists and is not a folder")
    integrator = _integrator(trajectory, info)
    lyap_per_step = info.lyapunov_times_per_step(args.pts_per_period)
    dt = info.dt(args.pts_per_period)

    try:
        model = MODELS[args.model](args)
    except (ValueError, TypeError) as err:
        parser.error(str(err))
    washout = model.get_params().get("washout") or 0
    if args.train <= washout + 1:
        # Checked before integrating: fit would refuse it anyway, but only after the work.
        parser.error(f"--train ({args.train}) must exceed the washout + 1 ({washout + 1})")

    n_total = args.train + args.test_steps
    _status(f"integrating {info.name}: {n_total} points, dt = {dt:.6g}, "
            f"{integrator['method']} (cached after the first run) ...")
    start = time.perf_counter()
    try:
        _, X = trajectory(info.name, n=n_total, pts_per_period=args.pts_per_period, seed=args.seed,
                          **integrator["arguments"])
    except RuntimeError as err:
        return _run_error(parser.prog, str(err))
    trajectory_s = time.perf_counter() - start
    train, truth = X[:args.train], X[args.train:]

    _status(f"fitting {args.model} on {args.train} points ...")
    start = time.perf_counter()
    try:
        model.fit(train)
    except (ValueError, TypeError) as err:
        parser.error(str(err))
    fit_s = time.perf_counter() - start

    _status(f"forecasting {args.test_steps} steps in closed loop ...")
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ForecastDivergenceWarning)
        forecast = np.asarray(model.forecast(args.test_steps, on_divergence="warn"), dtype=float)
    forecast_s = time.perf_counter() - start
    divergence = [str(w.message) for w in caught if issubclass(w.category, ForecastDivergenceWarning)]
    for w in caught:
        if not issubclass(w.category, ForecastDivergenceWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)

    # A forecast that blew up to inf/NaN counts as infinitely far from the truth: the
    # error curves then exceed every threshold there (sMAPE terms -> 200), so the VPTs
    # stay defined, while NRMSE over the window is reported as undefined.
    finite = bool(np.all(np.isfinite(forecast)))
    scored = forecast if finite else np.where(np.isfinite(forecast), forecast, truth + 1e100)
    error = normalized_error(truth, scored)
    vpt_error = valid_prediction_time(truth, scored, "error", threshold=_ERROR_THRESHOLD)
    vpt_smape = valid_prediction_time(truth, scored, "smape", threshold=_SMAPE_THRESHOLD, cumulative=True)
    metrics = {
        "nrmse": nrmse(truth, forecast) if finite else None,
        "smape": smape(truth, scored),
        "vpt_error_steps": vpt_error,
        "vpt_error_lyapunov": vpt_error * lyap_per_step,
        "vpt_smape_steps": vpt_smape,
        "vpt_smape_lyapunov": vpt_smape * lyap_per_step,
        "error_threshold": _ERROR_THRESHOLD,
        "smape_threshold": _SMAPE_THRESHOLD,
        "test_window_lyapunov": args.test_steps * lyap_per_step,
        "diverged": bool(divergence) or not finite,
        "divergence_message": divergence[0] if divergence else None,
    }
    timing = {"trajectory_s": trajectory_s, "fit_s": fit_s, "forecast_s": forecast_s}

    out.mkdir(parents=True, exist_ok=True)
    t_lyap = np.arange(1, args.test_steps + 1) * lyap_per_step
    plot_path = plot_forecast(
        t_lyap, truth, forecast, error, _ERROR_THRESHOLD, metrics["vpt_error_lyapunov"],
        out / "forecast.png",
        title=(f"{info.name}, {args.model} (N = {args.n_units}, {args.train} training points, "
               f"seed {args.seed}): closed-loop forecast\n"
               f"1 Lyapunov time = 1/\u03bb = {1 / lyap_per_step:.1f} steps "
               f"(\u03bb = {info.maximum_lyapunov:.4g}, dysts estimate)"),
    )
    record = {
        "system": info.name,
        "model": args.model,
        "metrics": metrics,
        "timing": timing,
        "settings": {
            "train": args.train,
            "test_steps": args.test_steps,
            "pts_per_period": args.pts_per_period,
            "seed": args.seed,
            "dt": dt,
            "period": info.period,
            "dimension": info.dimension,
            "lyapunov_exponent": info.maximum_lyapunov,
            "lyapunov_source": _LAMBDA_SOURCE,
            "lyapunov_times_per_step": lyap_per_step,
            "steps_per_lyapunov_time": 1.0 / lyap_per_step,
            "metric_definitions": (
                "nrmse: per-dimension std of the truth over the test window; smape: 0-200 scale; "
                "vpt_error: steps before normalised error > error_threshold; "
                "vpt_smape: steps before cumulative sMAPE > smape_threshold; *_lyapunov = steps * "
                "lyapunov_times_per_step"),
            "integrator": integrator["record"],
            "initial_condition": "reservoir.chaos.trajectory seed recipe (on-attractor point drawn by seed)",
            "model_params": _describe(model),
            # The penalty the default readout chose by closed-loop validation (None: given).
            "ridge_alpha_chosen": getattr(model, "alpha_", None),
        },
        "versions": _versions(),
        "outputs": {"figure": plot_path.name, "metrics": "metrics.json"},
    }
    with atomic_open(out / "metrics.json", "w") as fh:
        json.dump(_json_safe(record), fh, indent=2, allow_nan=False)
        fh.write("\n")

    _print_table(info, args, dt, lyap_per_step, metrics, timing)
    print(f"\nwrote {out / 'forecast.png'} and {out / 'metrics.json'}")
    return 0


def _print_table(info, args, dt, lyap_per_step, metrics, timing):
    def vpt(kind):
        steps = metrics[f"vpt_{kind}_steps"]
        # Valid over the whole window: the true VPT is at least this long.
        bound = " (whole window: a lower bound)" if steps == args.test_steps else ""
        return f"{steps} steps = {metrics[f'vpt_{kind}_lyapunov']:.2f} LT{bound}"

    nrmse = "undefined (non-finite forecast)" if metrics["nrmse"] is None else f"{metrics['nrmse']:.4f}"
    rows = [
        ("NRMSE (test window)", nrmse),
        ("sMAPE (0-200, test window)", f"{metrics['smape']:.2f}"),
        (f"VPT, normalised error < {metrics['error_threshold']:g}", vpt("error")),
        (f"VPT, cumulative sMAPE < {metrics['smape_threshold']:g}", vpt("smape")),
        ("fit wall time (incl. JIT compile)", f"{timing['fit_s']:.2f} s"),
        ("forecast wall time (incl. JIT compile)", f"{timing['forecast_s']:.2f} s"),
        ("trajectory (integration or cache read)", f"{timing['trajectory_s']:.2f} s"),
    ]
    print(f"\n{info.name} / {args.model}: N = {args.n_units}, train {args.train}, "
          f"test {args.test_steps} steps ({args.test_steps * lyap_per_step:.2f} LT), seed {args.seed}")
    print(f"dt = {dt:.6g}, lambda_max = {info.maximum_lyapunov:.4g} (dysts estimate), "
          f"{1 / lyap_per_step:.1f} steps per Lyapunov time")
    width = max(len(name) for name, _ in rows)
    print(f"{'metric':<{width}}  value")
    print(f"{'-' * width}  {'-' * 24}")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    if metrics["diverged"]:
        print(f"warning: {metrics['divergence_message'] or 'the forecast became non-finite'}")


# ----------------------------------------------------------------------------------
# Helpers


def _run_error(prog, message):
    print(f"error: {prog}: {message}", file=sys.stderr)
    return 1


def _status(message):
    print(message, file=sys.stderr, flush=True)


def _first_line(obj):
    return (inspect.getdoc(obj) or "").strip().splitlines()[0] if inspect.getdoc(obj) else ""


def _defaults(cls):
    return {name: p.default for name, p in inspect.signature(cls).parameters.items()}


def _integrator(trajectory, info):
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


def _describe(estimator):
    """JSON-friendly hyperparameters of an estimator, nested estimators included."""
    if not hasattr(estimator, "get_params"):
        return repr(estimator)
    params = {}
    for name, value in estimator.get_params(deep=False).items():
        params[name] = _describe(value) if hasattr(value, "get_params") else value
    return {"class": f"{type(estimator).__module__}.{type(estimator).__qualname__}", "params": params}


def _json_safe(value):
    """Plain JSON types: numpy scalars/arrays converted, non-finite floats as null."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return _json_safe(value.tolist())
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


def _version(package):
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def _versions():
    from . import __version__

    versions = {"reservoir": __version__, "python": platform.python_version()}
    for package in ("dysts", "numpy", "scipy", "jax", "jaxlib", "scikit-learn", "numba"):
        versions[package] = _version(package)
    return versions
