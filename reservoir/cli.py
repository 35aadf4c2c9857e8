"""Command-line interface: ``reservoir forecast``, ``reservoir bench``, ``reservoir tune`` and ``reservoir systems``.

``reservoir forecast`` fits a model of the registry on the beginning of a series (one
trajectory of a dysts system, or the user's own file), forecasts the rest in closed loop,
prints the scores and writes ``forecast.png`` and ``metrics.json``. ``reservoir systems``
lists the systems.

Models are looked up by name in :data:`MODELS`, the registry that ``reservoir bench`` and
``reservoir tune`` use too (:mod:`reservoir.bench.models`); any nested hyperparameter is set
with ``--set name=value``.

Examples
--------
Shell::

    reservoir forecast --system Lorenz --model esn --set reservoir__spectral_radius=0.8
    reservoir forecast --data series.csv --dt 0.01 --lyapunov-exponent 0.9 --model ngrc
    reservoir systems
    python -m reservoir --help
"""

from __future__ import annotations

import argparse
import ast
import math
import sys
from pathlib import Path

from . import forecast_pipeline, forecast_report
from .bench.models import MODELS
from .names import resolve_name

__all__ = ["MODELS", "main"]

_LAMBDA_SOURCE = "dysts 0.95 chaotic_attractors.json: maximum_lyapunov_estimated"
_DEFAULT_TRAIN = 10000

#: Shortcut options of ``reservoir forecast`` -> the hyperparameter (short name) they set.
_SHORTCUTS = {"n_units": "n_units", "spectral_radius": "spectral_radius", "leak_rate": "leak_rate",
              "input_scaling": "input_scaling", "ridge": "alpha", "washout": "washout"}


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


def _assignment(text):
    """``name=value`` -> (name, value); the value is a Python literal (``0.9``, ``None``,
    ``(0.2, 0.5)``, ``'lstm'``) or else taken as a string (``lstm``)."""
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    try:
        return name, ast.literal_eval(value.strip())
    except (ValueError, SyntaxError):
        return name, value.strip()


def _build_parser():
    parser = argparse.ArgumentParser(
        prog="reservoir",
        description="Reservoir computing on chaotic systems (dysts) and on your own series.",
    )
    version = forecast_report.package_version("reservoir")
    parser.add_argument("--version", action="version", version=f"%(prog)s {version}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    models = "; ".join(f"{name}: {spec.description}" for name, spec in MODELS.items())
    fc = commands.add_parser(
        "forecast",
        help="fit a model on a series (a dysts system or your file) and forecast it in closed loop",
        description=(
            "Fit the model on the first --train points of a series, forecast the next "
            "--test-steps points in closed loop, print the scores and write forecast.png and "
            "metrics.json to the output folder. The series is one trajectory of a dysts system "
            "(pinned integrator, on-disk cache in $RESERVOIR_CACHE_DIR or ~/.cache/reservoir) or "
            "your own file (--data)."
        ),
    )
    source = fc.add_mutually_exclusive_group()
    source.add_argument("--system", metavar="NAME",
                        help="dysts system name, e.g. Lorenz (case-insensitive; see `reservoir systems`)")
    source.add_argument("--data", type=Path, metavar="FILE",
                        help="your own series: .csv (optional header row), .npy or .npz; rows are "
                             "time steps, columns variables")
    fc.add_argument("--data-key", default=None, metavar="KEY", help="the array of an .npz file holding several")
    fc.add_argument("--model", default="esn", metavar="NAME", help=f"model name (default: esn); {models}")
    fc.add_argument("--set", dest="assignments", action="append", type=_assignment, default=[],
                    metavar="NAME=VALUE",
                    help="set a hyperparameter of the model, by nested scikit-learn name "
                         "(reservoir__spectral_radius=0.8) or short name (spectral_radius=0.8, "
                         "alpha=1e-6 for a fixed ridge penalty); values are Python literals; repeatable; "
                         "--list-params shows them")
    fc.add_argument("--list-params", action="store_true",
                    help="print the model's hyperparameters (nested names and defaults) and exit")
    fc.add_argument("--train", type=_positive_int, default=None, metavar="STEPS",
                    help=f"training points (default: {_DEFAULT_TRAIN} with --system; with --data all "
                         "points before the last --test-steps)")
    fc.add_argument("--test-steps", type=_positive_int, default=2000, metavar="STEPS",
                    help="closed-loop forecast steps (default: %(default)s)")
    fc.add_argument("--pts-per-period", type=_positive_float, default=100, metavar="P",
                    help="samples per dominant period of the system (default: %(default)s)")
    fc.add_argument("--dt", type=_positive_float, default=None, metavar="DT",
                    help="time step of the --data series; with --lyapunov-exponent, times are reported "
                         "in Lyapunov times, else in steps")
    fc.add_argument("--lyapunov-exponent", type=_positive_float, default=None, metavar="LAMBDA",
                    help="largest Lyapunov exponent of the --data series (per time unit; needs --dt)")
    fc.add_argument("--seed", type=_nonnegative_int, default=0,
                    help="seed of the initial condition and of the model's weights (default: %(default)s)")
    shortcuts = fc.add_argument_group("shortcuts for common hyperparameters (the same as --set NAME=VALUE; "
                                      "default: the model's)")
    shortcuts.add_argument("--n-units", type=_positive_int, default=None, metavar="N", help="reservoir size")
    shortcuts.add_argument("--ridge", type=_nonnegative_float, default=None, metavar="ALPHA",
                           help="ridge penalty of the readout (--set alpha=ALPHA; the reservoirs' default: "
                                "chosen by closed-loop validation on the end of the training series)")
    shortcuts.add_argument("--spectral-radius", type=_positive_float, default=None, metavar="RHO",
                           help="spectral radius of the recurrent matrix")
    shortcuts.add_argument("--leak-rate", type=_leak_rate, default=None, metavar="A", help="leak rate in (0, 1]")
    shortcuts.add_argument("--input-scaling", type=_positive_float, default=None, metavar="S",
                           help="input weight scale")
    shortcuts.add_argument("--washout", type=_nonnegative_int, default=None, metavar="STEPS",
                           help="training steps left out of the readout fit")
    fc.add_argument("--out", type=Path, default=None, metavar="DIR",
                    help="output folder (default: ./out/<system or file>_<model>)")
    fc.add_argument("--quiet", action="store_true", help="no progress bar or status messages")
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
    try:
        name = resolve_name(args.model, MODELS, "model")
    except ValueError as err:
        parser.error(f"--model: {err}")
    spec = MODELS[name]
    if args.list_params:
        return _list_params(spec)
    if args.system is None and args.data is None:
        parser.error("one of the arguments --system --data is required")
    source = _source(parser, args)
    out = args.out if args.out is not None else Path("out") / f"{source['label']}_{name}"
    if out.exists() and not out.is_dir():
        # Checked before the work, not when writing the results at the end.
        parser.error(f"--out: {out} exists and is not a folder")
    model, changed = _build_model(parser, args, spec)
    washout = model.get_params().get("washout") or 0 if hasattr(model, "get_params") else 0
    n_train = source["n_train"]
    if n_train <= washout + 1:
        # Checked before integrating: fit would refuse it anyway, but only after the work.
        parser.error(f"--train ({n_train}) must exceed the washout + 1 ({washout + 1})")

    progress = _Progress(args.quiet, ["data", "fit", "forecast", "scores and figure"])
    try:
        try:
            result = forecast_pipeline.run(model, source, n_train, args.test_steps, progress, name)
        except forecast_pipeline.DataUnavailable as err:
            return _run_error(parser.prog, str(err))
        except forecast_pipeline.FitRefused as err:
            parser.error(str(err))
        with progress.stage("scores and figure", "scoring and drawing ..."):
            metrics = forecast_pipeline.score(result["truth"], result["forecast"], result["divergence"],
                                              source["lyap_per_step"], args.test_steps)
            out.mkdir(parents=True, exist_ok=True)
            fig = forecast_report.figure(result["truth"], result["forecast"], source, name, args, n_train)
            fig.savefig(out / "forecast.png", dpi=120)
    finally:
        progress.close()

    timing = result["timing"]
    forecast_report.write_metrics(out, source, name, model, changed, n_train, args, metrics, timing)
    forecast_report.print_table(source, name, spec.description, changed, n_train, args, metrics, timing)
    print(f"\nwrote {out / 'forecast.png'} and {out / 'metrics.json'}")
    return 0


def _list_params(spec):
    try:
        params = spec.parameters()
    except ImportError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    params = {k: v for k, v in params.items() if k not in spec.aliases or "__" in k}
    width = max(len(k) for k in params) if params else 0
    print(f"{spec.name}: {spec.description}\nhyperparameters for --set NAME=VALUE (nested name, default):")
    for key, value in params.items():
        shown = repr(value) if " object at 0x" not in repr(value) else f"{type(value).__name__}(...)"
        print(f"  {key:<{width}}  {shown}")
    if spec.aliases:
        print(f"aliases: {', '.join(spec.aliases)} (alpha: None = the validated ridge, a number = fixed penalty)"
              if "alpha" in spec.aliases else f"aliases: {', '.join(spec.aliases)}")
    return 0


def _source(parser, args):
    """Where the series comes from: its name, how to load it, and its time scales."""
    if args.system is not None:
        from .chaos import system_info, trajectory

        if args.dt is not None or args.lyapunov_exponent is not None:
            parser.error("--dt and --lyapunov-exponent apply to --data; a system's come from dysts")
        try:
            info = system_info(args.system)
        except (ValueError, TypeError) as err:
            parser.error(f"{err} Run `reservoir systems` for the list.")
        integrator = forecast_pipeline.integrator(trajectory, info)
        n_train = _DEFAULT_TRAIN if args.train is None else args.train
        n_total = n_train + args.test_steps
        lyap_per_step = info.lyapunov_times_per_step(args.pts_per_period)
        dt = info.dt(args.pts_per_period)

        def load():
            return trajectory(info.name, n=n_total, pts_per_period=args.pts_per_period, seed=args.seed,
                              **integrator["arguments"])[1]

        return {
            "name": info.name, "label": info.name, "load": load, "n_train": n_train, "labels": None,
            "lyap_per_step": lyap_per_step, "dt": dt, "lyapunov_exponent": info.maximum_lyapunov,
            "status": f"integrating {info.name}: {n_total} points, dt = {dt:.6g}, {integrator['method']} "
                      "(cached after the first run) ...",
            "describe": f"{info.name} (dysts; dt = {dt:.6g}, lambda_max = {info.maximum_lyapunov:.4g}, "
                        f"{1 / lyap_per_step:.1f} steps per Lyapunov time)",
            "settings": {
                "pts_per_period": args.pts_per_period, "dt": dt, "period": info.period,
                "dimension": info.dimension, "lyapunov_exponent": info.maximum_lyapunov,
                "lyapunov_source": _LAMBDA_SOURCE, "lyapunov_times_per_step": lyap_per_step,
                "steps_per_lyapunov_time": 1.0 / lyap_per_step, "integrator": integrator["record"],
                "initial_condition": "reservoir.chaos.trajectory seed recipe (on-attractor point drawn by seed)",
            },
        }

    from .series_io import load_series

    if args.lyapunov_exponent is not None and args.dt is None:
        parser.error("--lyapunov-exponent needs --dt (the time step of the series)")
    try:
        series, labels = load_series(args.data, key=args.data_key)
    except ValueError as err:
        parser.error(f"--data: {err}")
    n_points = len(series)
    n_train = n_points - args.test_steps if args.train is None else args.train
    if n_train < 2 or n_train + args.test_steps > n_points:
        parser.error(f"--data: {args.data} has {n_points} points, fewer than --train ({n_train}) + "
                     f"--test-steps ({args.test_steps}); lower them")
    dt, lam = args.dt, args.lyapunov_exponent
    lyap_per_step = dt * lam if lam is not None else None
    timescale = (f"dt = {dt:g}, lambda_max = {lam:g} (given), {1 / lyap_per_step:.1f} steps per Lyapunov time"
                 if lyap_per_step else "times in steps: give --dt and --lyapunov-exponent for Lyapunov times")
    return {
        "name": str(args.data), "label": args.data.stem, "load": lambda: series, "n_train": n_train,
        "labels": labels, "lyap_per_step": lyap_per_step, "dt": dt, "lyapunov_exponent": lam,
        "status": f"reading {args.data} ...",
        "describe": f"{args.data} ({n_points} points x {series.shape[1]} variables; {timescale})",
        "settings": {"data": str(args.data), "n_points": n_points, "dimension": series.shape[1],
                     "columns": labels, "dt": dt, "lyapunov_exponent": lam,
                     "lyapunov_source": "given (--lyapunov-exponent)" if lam is not None else None,
                     "lyapunov_times_per_step": lyap_per_step},
    }


def _build_model(parser, args, spec):
    """The registry's model with the seed, the shortcut options and every --set applied."""
    params = {}
    for option, name in _SHORTCUTS.items():
        if getattr(args, option) is not None:
            params[name] = getattr(args, option)
    params.update(dict(args.assignments))
    try:
        return spec.build(params, seed=args.seed), params
    except (ValueError, TypeError) as err:
        parser.error(f"--set: {err}")
    except ImportError as err:  # a model from an extra that is not installed
        parser.exit(1, f"error: {parser.prog}: {err}\n")


class _Progress:
    """A tqdm bar over the stages of a command on a terminal; status lines otherwise; nothing
    with --quiet."""

    def __init__(self, quiet, stages):
        self.quiet = quiet
        self.bar = None
        if not quiet and sys.stderr.isatty():
            from tqdm.auto import tqdm

            self.bar = tqdm(total=len(stages), unit="stage", file=sys.stderr, dynamic_ncols=True,
                            bar_format="{desc} |{bar}| {n_fmt}/{total_fmt} stages [{elapsed}]")

    def stage(self, name, message):
        import contextlib

        @contextlib.contextmanager
        def run():
            if self.bar is not None:
                self.bar.set_description(message.rstrip(" ."))
            elif not self.quiet:
                _status(message)
            yield
            if self.bar is not None:
                self.bar.update()

        return run()

    def close(self):
        if self.bar is not None:
            self.bar.close()


# ----------------------------------------------------------------------------------
# Helpers


def _run_error(prog, message):
    print(f"error: {prog}: {message}", file=sys.stderr)
    return 1


def _status(message):
    print(message, file=sys.stderr, flush=True)
