"""Chaotic trajectories and metadata from the dysts catalogue (pinned to dysts 0.95).

The 135 continuous dysts systems are the benchmark data of this package. This module
names them, exposes the metadata needed to convert forecast steps into Lyapunov times,
and integrates trajectories with a pinned integrator from seeded on-attractor initial
conditions, caching every result on disk so a study never integrates the same
trajectory twice.

Cache location: the directory in the environment variable ``RESERVOIR_CACHE_DIR``,
or ``~/.cache/reservoir`` when it is unset.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.metadata
import json
import math
import numbers
import os
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from filelock import FileLock

from .atomic import atomic_open, tmp_prefix
from .names import resolve_name

__all__ = ["SystemInfo", "list_systems", "system_info", "trajectory"]

_TIMESCALES = ("Fourier", "Lyapunov")
_METHODS = ("DOP853", "RK45", "RK23", "Radau", "BDF", "LSODA")

# The initial-condition recipe of dysts.analysis.sample_initial_conditions: a
# 1000-point reference run at 30 points per dominant period, from which one point
# is drawn. The first fifth (about 6.7 periods) is dropped so that a draw never lands
# on a transient from the stored initial condition.
_REFERENCE_LENGTH = 1000
_REFERENCE_PTS_PER_PERIOD = 30
_REFERENCE_TRANSIENT = 200

# Part of every cache key: bump it whenever the recipe above or the meaning of a
# cached array changes, so that stale files are never read back. (2: delay systems
# sampled as the published files, _DELAY_PERIOD_FACTOR.)
_CACHE_FORMAT = 2

# The six delay systems sampled at the JSON period oscillate at rates per sample far from
# those of the published 2023 benchmark files, which used another time unit for them:
# MackeyGlass 11 times slower, VossDelay 6 times slower, ScrollDelay 3 times faster. Their
# sampling period is the JSON period times this factor: the published rate of zero crossings
# of the first coordinate (train and test files, 2400 points) over ours at the JSON period
# (two 4000-point runs, seeds 11 and 12), corrected once for VossDelay and SprottDelay after
# checking 1200-point runs (seeds 1-4). tests/test_chaos.py checks the rates.
_DELAY_PERIOD_FACTOR = {"IkedaDelay": 0.85, "MackeyGlass": 11.2, "PiecewiseCircuit": 1.16,
                        "ScrollDelay": 0.32, "SprottDelay": 1.5, "VossDelay": 4.9}


@dataclass(frozen=True)
class SystemInfo:
    """Metadata of one dysts system, read from the JSON file shipped with dysts.

    Attributes
    ----------
    name : str
        The dysts class name, e.g. ``"Lorenz"``.
    dimension : int
        Number of coordinates of a trajectory (for delay systems: the number of
        stacked delayed copies dysts returns, 10 for all six).
    period : float
        Dominant Fourier period (the JSON ``period``): the time unit of the default
        ``"Fourier"`` sampling grid.
    maximum_lyapunov : float
        Largest Lyapunov exponent as estimated by dysts (the JSON
        ``maximum_lyapunov_estimated``). This is the value Gilpin's benchmarks use to
        express horizons in Lyapunov times; it can differ from literature values
        (Lorenz: 0.8917 here, about 0.906 in the literature).
    lyapunov_time : float
        ``1 / maximum_lyapunov``.
    is_delay : bool
        True for the six delay differential equations (IkedaDelay, MackeyGlass,
        PiecewiseCircuit, ScrollDelay, SprottDelay, VossDelay).
    nonautonomous : bool
        True for the 15 explicitly forced systems (the JSON ``nonautonomous``).

    Examples
    --------
    >>> info = system_info("Lorenz")
    >>> info.period, round(info.maximum_lyapunov, 4)
    (1.5008, 0.8917)
    >>> round(info.lyapunov_times_per_step(pts_per_period=100), 5)
    0.01338
    """

    name: str
    dimension: int
    period: float
    maximum_lyapunov: float
    lyapunov_time: float
    is_delay: bool
    nonautonomous: bool

    def dt(self, pts_per_period: float = 100, timescale: str = "Fourier") -> float:
        """Sample spacing of a trajectory in the system's time units.

        Parameters
        ----------
        pts_per_period : float, default 100
            Samples per time unit of the grid.
        timescale : {"Fourier", "Lyapunov"}, default "Fourier"
            The time unit: the dominant Fourier period, or the Lyapunov time.

        Returns
        -------
        float
            ``period / pts_per_period`` or ``lyapunov_time / pts_per_period``. For the six
            delay systems the Fourier unit is the period at which the published 2023 files
            sample them (``period`` times a factor between 0.32 and 11.2, see
            ``_DELAY_PERIOD_FACTOR``).

        Examples
        --------
        >>> round(system_info("Lorenz").dt(100), 9)
        0.015008
        """
        pts_per_period = _check_pts_per_period(pts_per_period)
        if _check_timescale(timescale) == "Fourier":
            unit = self.period * _DELAY_PERIOD_FACTOR.get(self.name, 1.0)
        else:
            unit = self.lyapunov_time
        return unit / pts_per_period

    def lyapunov_times_per_step(
        self, pts_per_period: float = 100, timescale: str = "Fourier"
    ) -> float:
        """Lyapunov times elapsed per sample, ``dt * maximum_lyapunov``.

        Multiply a number of forecast steps by this to get Lyapunov times (it is the
        ``lyapunov_steps`` argument of :func:`reservoir.metrics.valid_prediction_time`).

        Parameters
        ----------
        pts_per_period : float, default 100
            Samples per time unit of the grid.
        timescale : {"Fourier", "Lyapunov"}, default "Fourier"
            The time unit of the grid.

        Returns
        -------
        float

        Examples
        --------
        >>> system_info("Lorenz").lyapunov_times_per_step(30, timescale="Lyapunov")
        0.03333333333333333
        """
        return self.dt(pts_per_period, timescale) * self.maximum_lyapunov


def list_systems() -> list[str]:
    """Names of the 135 continuous dysts systems, sorted.

    These are ``dysts.systems.get_attractor_list()``: 129 ordinary differential
    equations and 6 delay equations; the discrete maps are not included.

    Returns
    -------
    list of str

    Examples
    --------
    >>> names = list_systems()
    >>> len(names), names[:2]
    (135, ['Aizawa', 'AnishchenkoAstakhov'])
    """
    return list(_system_names())


def system_info(name: str) -> SystemInfo:
    """Metadata of a dysts system: dimension, period, Lyapunov exponent and flags.

    Parameters
    ----------
    name : str
        A name from :func:`list_systems` (case-insensitive: ``lorenz`` is ``Lorenz``).

    Returns
    -------
    SystemInfo

    Raises
    ------
    ValueError
        If the name is not a dysts continuous system; the message lists close matches.

    Examples
    --------
    >>> info = system_info("MackeyGlass")
    >>> info.dimension, info.is_delay
    (10, True)
    """
    if not isinstance(name, str):
        raise TypeError(f"system name must be a str, got {type(name).__name__}")
    names = _system_names()
    # Case-insensitive ("lorenz" is Lorenz), with close matches in the error.
    name = resolve_name(name, names, "system", hint=f"(not one of the {len(names)} dysts continuous "
                        "systems; see list_systems())")
    entry = _metadata()[name]
    lyapunov = float(entry["maximum_lyapunov_estimated"])
    return SystemInfo(
        name=name,
        dimension=len(entry["initial_conditions"]),
        period=float(entry["period"]),
        maximum_lyapunov=lyapunov,
        lyapunov_time=1.0 / lyapunov,
        is_delay=bool(entry["delay"]),
        nonautonomous=bool(entry["nonautonomous"]),
    )


def trajectory(
    system: str,
    n: int,
    pts_per_period: float = 100,
    seed: int = 0,
    timescale: str = "Fourier",
    method: str = "DOP853",
    rtol: float = 1e-10,
    atol: float = 1e-10,
    cache: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Integrate a dysts system from a seeded point on its attractor.

    Parameters
    ----------
    system : str
        A name from :func:`list_systems`.
    n : int
        Number of samples.
    pts_per_period : float, default 100
        Samples per dominant Fourier period (or per Lyapunov time, see
        ``timescale``); 100 is the Gilpin 2023 benchmark granularity.
    seed : int, default 0
        Selects the initial condition (see Notes). The same seed always gives the
        same trajectory; the global numpy random state is neither used nor changed.
    timescale : {"Fourier", "Lyapunov"}, default "Fourier"
        Time unit of the sampling grid: the dominant period (JSON ``period``) or the
        Lyapunov time ``1 / maximum_lyapunov_estimated``.
    method : {"DOP853", "RK45", "RK23", "Radau", "BDF", "LSODA"}, default "DOP853"
        ``scipy.integrate.solve_ivp`` method. Ignored by the six delay systems.
    rtol, atol : float, default 1e-10
        Integrator tolerances. Ignored by the six delay systems.
    cache : bool, default True
        Read and write the on-disk cache; False always integrates and writes nothing.

    Returns
    -------
    t : ndarray of shape (n,)
        Sample times ``k * dt`` with ``dt = system_info(system).dt(pts_per_period,
        timescale)``.
    X : ndarray of shape (n, dimension)
        The trajectory in the coordinates dysts returns by default: phase-like
        unbounded variables of 19 systems are mapped to bounded ones (e.g. sin or
        cos), and delay systems give 10 delayed copies of their scalar variable.

    Raises
    ------
    ValueError, TypeError
        On an unknown system or invalid argument.
    RuntimeError
        If the integration fails or produces non-finite values.

    Notes
    -----
    **Integrator.** The default is DOP853 at ``rtol = atol = 1e-10``, not dysts' own
    default (Radau at 1e-12), which is much slower. Over 1200 steps at 100
    points per period the two agree (error below 0.1 standard deviations) for about
    84 % of the systems; chaos amplifies the difference for the others, and LiuChen
    separates within one period. A forecast's valid prediction time is only
    meaningful while two accurate solvers still agree, so pass
    ``method="Radau", rtol=1e-12, atol=1e-12`` when a study needs a longer
    ground-truth horizon.

    **Delay systems** use dysts' bundled ddeint (scipy's ``vode`` at its default
    tolerances, stepping sample to sample, with the delayed value linearly
    interpolated between samples), so their accuracy depends on ``pts_per_period``;
    ``method``, ``rtol`` and ``atol`` have no effect. It runs on the output grid
    itself rather than through dysts' ``make_trajectory``, whose integration grid
    coarsens for short trajectories; the 10 columns are x(t - lag) for lags evenly
    spaced over [0, tau], as dysts returns them.

    **Initial condition.** As in ``dysts.analysis.sample_initial_conditions``, a
    reference run of 1000 points at 30 points per period is integrated (with the
    same integrator) from the initial condition stored in dysts; its first 200
    points are discarded as transient and ``np.random.default_rng(seed)`` picks one
    of the remaining 800 points (in raw, un-mapped coordinates). The initial
    condition therefore depends on ``seed`` and the integrator but not on ``n``,
    ``pts_per_period`` or ``timescale``, and there are 800 distinct initial
    conditions. A delay system starts from the reference run's history over the
    preceding delay interval, so it too starts on the attractor.

    **Grid.** Samples are exactly ``dt`` apart. dysts' ``make_trajectory`` spreads
    ``n`` samples over ``n / pts_per_period`` periods, a spacing ``n / (n - 1)``
    times larger; the exact spacing keeps step-to-Lyapunov-time conversions exact
    and makes a shorter trajectory a prefix of a longer one (up to integrator error).

    **Cache.** Results are stored as ``.npz`` files under ``RESERVOIR_CACHE_DIR``
    (default ``~/.cache/reservoir``), keyed by a hash of all arguments and the
    dysts and scipy versions. Files are written to a temporary name and renamed,
    so concurrent processes never read a partial file; a missing trajectory is integrated
    by one process at a time (a file lock per entry), and a cached file that is not a
    finite float array of the expected shape is recomputed.

    Examples
    --------
    >>> t, X = trajectory("Lorenz", n=1200, pts_per_period=100, seed=0)
    >>> t.shape, X.shape
    ((1200,), (1200, 3))
    >>> round(float(t[1]), 9)
    0.015008
    """
    info = system_info(system)
    n = _check_positive_int(n, "n")
    pts_per_period = _check_pts_per_period(pts_per_period)
    seed = _check_seed(seed)
    timescale = _check_timescale(timescale)
    method, rtol, atol = _check_integrator(method, rtol, atol)

    key = {
        "kind": "trajectory",
        "system": info.name,
        "n": n,
        "pts_per_period": pts_per_period,
        "seed": seed,
        "timescale": timescale,
        **_integrator_key(info, method, rtol, atol),
    }

    def compute():
        reference = _reference_run(info, method, rtol, atol, cache)
        rng = np.random.default_rng(seed)
        start = int(rng.integers(_first_usable_index(info), len(reference)))
        if info.is_delay:
            initial = _history_function(reference[:, 0], start, info)
        else:
            initial = reference[start]
        X = _integrate(info, n, info.dt(pts_per_period, timescale), method, rtol,
                       atol, initial=initial, postprocess=True)
        return {"X": X}

    X = _cached(key, cache, compute, (n, info.dimension))["X"]
    t = np.arange(n) * info.dt(pts_per_period, timescale)
    return t, X


# ----------------------------------------------------------------------------------
# Metadata


@functools.lru_cache(maxsize=1)
def _metadata() -> dict:
    # Read the JSON directly: instantiating 135 dysts objects would be slow and each
    # constructor reseeds the global numpy random state.
    from dysts.base import DATAPATH_CONTINUOUS

    with open(DATAPATH_CONTINUOUS) as fh:
        return json.load(fh)


@functools.lru_cache(maxsize=1)
def _system_names() -> tuple[str, ...]:
    from dysts.systems import get_attractor_list

    return tuple(sorted(get_attractor_list()))


@functools.lru_cache(maxsize=1)
def _versions() -> dict:
    return {
        "dysts": importlib.metadata.version("dysts"),
        "scipy": importlib.metadata.version("scipy"),
    }


# ----------------------------------------------------------------------------------
# Argument checks


def _check_positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a positive int, got {value!r}")
    if value <= 0:
        raise ValueError(f"{name} must be a positive int, got {value}")
    return int(value)


def _check_pts_per_period(value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"pts_per_period must be a positive number, got {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"pts_per_period must be a positive finite number, got {value}")
    return float(value)


def _check_seed(value) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"seed must be a non-negative int, got {value!r}")
    if value < 0:
        raise ValueError(f"seed must be a non-negative int, got {value}")
    return int(value)


def _check_timescale(value) -> str:
    if value not in _TIMESCALES:
        raise ValueError(f"timescale must be one of {_TIMESCALES}, got {value!r}")
    return value


def _check_integrator(method, rtol, atol) -> tuple[str, float, float]:
    if method not in _METHODS:
        raise ValueError(f"method must be one of the solve_ivp methods {_METHODS}, "
                         f"got {method!r}")
    tolerances = []
    for name, value in (("rtol", rtol), ("atol", atol)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"{name} must be a positive number, got {value!r}")
        if not math.isfinite(value) or value <= 0:
            raise ValueError(f"{name} must be a positive finite number, got {value}")
        tolerances.append(float(value))
    return method, tolerances[0], tolerances[1]


# ----------------------------------------------------------------------------------
# Integration


def _integrator_key(info: SystemInfo, method: str, rtol: float, atol: float) -> dict:
    # Delay systems ignore the solver settings; leaving them out of the key stops
    # identical delay trajectories from being cached once per tolerance.
    if info.is_delay:
        return {"integrator": "dysts-ddeint"}
    return {"method": method, "rtol": rtol, "atol": atol}


def _reference_run(info, method, rtol, atol, cache) -> np.ndarray:
    key = {
        "kind": "reference",
        "system": info.name,
        "length": _REFERENCE_LENGTH,
        "pts_per_period": _REFERENCE_PTS_PER_PERIOD,
        **_integrator_key(info, method, rtol, atol),
    }

    def compute():
        X = _integrate(info, _REFERENCE_LENGTH, _reference_spacing(info),
                       method, rtol, atol, initial=None, postprocess=False)
        return {"X": X}

    return _cached(key, cache, compute, (_REFERENCE_LENGTH, info.dimension))["X"]


def _reference_spacing(info: SystemInfo) -> float:
    # At the JSON period for every system: the reference run only supplies on-attractor
    # initial conditions (and delay histories, which the coarse sampling of some delay
    # systems would interpolate too roughly).
    return info.period / _REFERENCE_PTS_PER_PERIOD


def _first_usable_index(info: SystemInfo) -> int:
    if not info.is_delay:
        return _REFERENCE_TRANSIENT
    # A delay system's state is its history over one delay: start late enough in
    # the reference run for that whole history to lie inside it.
    spacing = _reference_spacing(info)
    needed = math.ceil(_delay(info) / spacing) + 1
    if needed >= _REFERENCE_LENGTH:
        raise RuntimeError(f"{info.name}: reference run is shorter than one delay")
    return max(_REFERENCE_TRANSIENT, needed)


def _delay(info: SystemInfo) -> float:
    return float(_metadata()[info.name]["parameters"]["tau"])


def _history_function(x: np.ndarray, start: int, info: SystemInfo):
    """History x(s), s <= 0, for a delay system restarted at reference sample `start`."""
    spacing = _reference_spacing(info)
    times = (np.arange(len(x)) - start) * spacing
    return lambda s: float(np.interp(s, times, x))


@contextlib.contextmanager
def _quiet_dysts():
    """Silence dysts' harmless noise and keep its reseeding away from user code."""
    # dysts reseeds the global numpy random state when a system is constructed and
    # in make_trajectory; restore it so a call here cannot change user randomness.
    state = np.random.get_state()
    with warnings.catch_warnings():
        # dysts passes the analytic Jacobian to every solver; explicit methods such
        # as DOP853 ignore it and scipy warns. Only that exact message is silenced.
        warnings.filterwarnings(
            "ignore", message=r"The following arguments have no effect for a chosen "
            r"solver: `jac`\.$", category=UserWarning)
        # The mapping of phase-like variables is documented in `trajectory`.
        warnings.filterwarnings(
            "ignore", message="This system has at least one unbounded variable",
            category=UserWarning)
        try:
            yield
        finally:
            np.random.set_state(state)


def _integrate(info, n, dt, method, rtol, atol, initial, postprocess) -> np.ndarray:
    """Integrate `info.name` with dysts and return the samples at times k * dt, k < n.

    `initial` is a state vector (ODEs), a history function (delay systems), or None
    for the initial condition stored in dysts.
    """
    try:
        with _quiet_dysts():
            if info.is_delay:
                X = _integrate_delay(info, n, dt, initial)
            else:
                X = _integrate_ode(info, n, dt, method, rtol, atol, initial, postprocess)
    except Exception as err:
        raise RuntimeError(f"integration of {info.name} failed: {err}") from err
    if X is None:
        raise RuntimeError(f"integration of {info.name} failed: the solver stopped "
                           f"before reaching sample {n}")
    X = np.asarray(X, dtype=np.float64).reshape(-1, info.dimension)[:n]
    if not np.all(np.isfinite(X)):
        raise RuntimeError(f"integration of {info.name} produced non-finite values")
    return X


def _integrate_ode(info, n, dt, method, rtol, atol, initial, postprocess):
    import dysts.flows

    model = getattr(dysts.flows, info.name)()
    if initial is not None:
        model.ic = np.asarray(initial, dtype=float)
    # dysts spreads n samples over n / pts_per_period periods, a spacing of
    # period / pts_per_period * n / (n - 1); this pts_per_period makes it exactly dt.
    # At least two points, so that the grid has a spacing.
    n_points = max(n, 2)
    pts_per_period = info.period * n_points / ((n_points - 1) * dt)
    return model.make_trajectory(
        n_points, resample=True, pts_per_period=pts_per_period, timescale="Fourier",
        method=method, rtol=rtol, atol=atol, postprocess=postprocess)


def _integrate_delay(info, n, dt, history):
    # dysts' make_trajectory for delay systems integrates on a grid of spacing
    # (duration + delay) / (n - 1) and interpolates onto the output grid, which is
    # coarse for small n. Calling its integrator (the bundled ddeint) on the output
    # grid itself keeps the spacing exactly dt; the output is then assembled as
    # dysts does: `dimension` copies of x(t - lag), lags evenly spaced over [0, tau],
    # starting one delay after the history ends.
    import dysts.flows
    from dysts.utils import ddeint

    model = getattr(dysts.flows, info.name)()
    if history is None:
        history = lambda s: model.ic[0]  # noqa: E731  dysts' default: constant history
    tau = float(model.tau)
    # ddeint steps from grid point to grid point and interpolates the delayed value
    # linearly between them: a coarser grid than 100 points per JSON period (the sampling
    # of some delay systems, see _DELAY_PERIOD_FACTOR) is integrated on substeps.
    substeps = max(1, math.ceil(dt / (info.period / 100) - 1e-9))
    step = dt / substeps
    lead = math.ceil(tau / step)
    grid = np.arange(lead + (n - 1) * substeps + 1) * step
    x = np.asarray(ddeint(model.rhs, history, grid), dtype=float)[:, 0]
    sample_times = grid[lead::substeps][:n]
    lags = np.linspace(0.0, tau, info.dimension)
    return np.stack([np.interp(sample_times - lag, grid, x) for lag in lags], axis=1)


# ----------------------------------------------------------------------------------
# On-disk cache


def _cache_dir() -> Path:
    return Path(os.environ.get("RESERVOIR_CACHE_DIR") or "~/.cache/reservoir").expanduser()


def _cache_path(key: dict) -> Path:
    full_key = {**key, "versions": _versions(), "format": _CACHE_FORMAT}
    digest = hashlib.sha256(json.dumps(full_key, sort_keys=True).encode()).hexdigest()
    return _cache_dir() / f"{key['system']}-{key['kind']}-{digest[:24]}.npz"


def _cached(key: dict, use_cache: bool, compute, shape: tuple) -> dict:
    """Return the arrays stored under `key`, computing and storing them on a miss.

    A file is used only if its ``X`` is a finite float array of the expected ``shape``;
    anything else (damaged, edited, left by another version) is recomputed and replaced.
    A miss is computed under a per-key lock (``<file>.lock``): a second process missing
    the same trajectory waits and reads the first one's file instead of integrating again.
    """
    if not use_cache:
        return compute()
    path = _cache_path(key)
    arrays = _read_npz(path, shape)
    if arrays is not None:
        return arrays
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(path) + ".lock")
        lock.acquire()
    except OSError as err:
        # An unusable cache folder must not stop the computation.
        warnings.warn(f"could not use cache folder {path.parent}: {err}", RuntimeWarning, stacklevel=3)
        return compute()
    try:
        arrays = _read_npz(path, shape)  # computed by another process while we waited
        if arrays is None:
            # Only the lock holder writes this key, so any temporary file of it is left by
            # a writer that was killed: remove it instead of letting them pile up.
            for stale in path.parent.glob(tmp_prefix(path) + "*.tmp"):
                with contextlib.suppress(OSError):
                    stale.unlink()
            arrays = compute()
            _write_npz(path, arrays)
    finally:
        lock.release()
    return arrays


def _read_npz(path: Path, shape: tuple) -> dict | None:
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
    except FileNotFoundError:
        return None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        # A file damaged outside our control (disk full, manual edit): recompute and
        # overwrite it rather than fail.
        return None
    X = arrays.get("X")
    if not (isinstance(X, np.ndarray) and X.dtype.kind == "f" and X.shape == tuple(shape)
            and np.all(np.isfinite(X))):
        return None  # a valid archive that is not this trajectory: recompute it too
    return arrays


def _write_npz(path: Path, arrays: dict) -> None:
    try:
        # Written to a temporary file and renamed: a concurrent reader (or a killed writer)
        # leaves either no file or a complete one.
        with atomic_open(path, "wb") as fh:
            np.savez(fh, **arrays)
    except OSError as err:
        # An unwritable cache must not lose a result that was already computed.
        warnings.warn(f"could not write cache file {path}: {err}", RuntimeWarning,
                      stacklevel=3)


# The exact trajectories of the published 2023 benchmark (univariate), by system name: the
# other data of this package's benchmark (see reservoir.published).
from .published import published_series, published_systems  # noqa: E402

__all__ += ["published_series", "published_systems"]
