"""Tests of reservoir.chaos: dysts metadata, seeded trajectories and the on-disk cache."""

import dataclasses
import json
import os

import numpy as np
import pytest

from reservoir import chaos
from reservoir.chaos import list_systems, system_info, trajectory

DELAY_SYSTEMS = ["IkedaDelay", "MackeyGlass", "PiecewiseCircuit", "ScrollDelay",
                 "SprottDelay", "VossDelay"]


@pytest.fixture(scope="module", autouse=True)
def shared_cache(tmp_path_factory):
    """One cache per module, so reference runs are integrated once, never in $HOME."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RESERVOIR_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        yield


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    directory = tmp_path / "cache"
    monkeypatch.setenv("RESERVOIR_CACHE_DIR", str(directory))
    return directory


@pytest.fixture
def integrations(monkeypatch):
    """Count calls to the integrator (reference runs and trajectories alike)."""
    calls = []
    original = chaos._integrate

    def counting(info, *args, **kwargs):
        calls.append(info.name)
        return original(info, *args, **kwargs)

    monkeypatch.setattr(chaos, "_integrate", counting)
    return calls


def json_entry(name):
    import dysts.base

    with open(dysts.base.DATAPATH_CONTINUOUS) as fh:
        return json.load(fh)[name]


# ----------------------------------------------------------------------------------
# Metadata


def test_list_systems_has_all_135_sorted():
    names = list_systems()
    assert len(names) == 135
    assert names == sorted(names)
    assert "Lorenz" in names and "MackeyGlass" in names
    assert [name for name in names if system_info(name).is_delay] == DELAY_SYSTEMS
    assert sum(system_info(name).nonautonomous for name in names) == 15


def test_list_systems_returns_a_copy():
    names = list_systems()
    names.clear()
    assert len(list_systems()) == 135


def test_system_info_lorenz():
    info = system_info("Lorenz")
    assert info.name == "Lorenz"
    assert info.dimension == 3
    assert info.period == pytest.approx(1.5008)
    assert info.maximum_lyapunov == pytest.approx(0.8917, abs=1e-4)
    assert info.lyapunov_time == pytest.approx(1 / info.maximum_lyapunov)
    assert not info.is_delay and not info.nonautonomous
    assert info.dt() == pytest.approx(0.015008)
    assert info.dt(30, timescale="Lyapunov") == pytest.approx(1 / (30 * 0.8917098))
    # 74.7 samples per Lyapunov time at 100 points per period (benchmark reference 1.6).
    assert 1 / info.lyapunov_times_per_step(100) == pytest.approx(74.7, abs=0.05)
    assert info.lyapunov_times_per_step(25, timescale="Lyapunov") == pytest.approx(0.04)


def test_system_info_delay_and_forced_systems():
    mackey = system_info("MackeyGlass")
    assert mackey.is_delay and mackey.dimension == 10
    assert system_info("Duffing").nonautonomous


def test_system_info_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        system_info("Lorenz").period = 1.0


@pytest.mark.parametrize("name", ["Lorenz63", "Lorentz", "lorentz"])
def test_unknown_system_suggests_close_matches(name):
    with pytest.raises(ValueError, match="Lorenz") as excinfo:
        system_info(name)
    assert repr(name) in str(excinfo.value)


def test_system_name_is_case_insensitive():
    assert system_info("lorenz").name == "Lorenz"
    assert system_info("MACKEYGLASS").name == "MackeyGlass"


def test_system_name_must_be_str():
    with pytest.raises(TypeError, match="str"):
        system_info(3)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"pts_per_period": 0}, ValueError, "pts_per_period"),
        ({"pts_per_period": float("nan")}, ValueError, "pts_per_period"),
        ({"pts_per_period": "100"}, TypeError, "pts_per_period"),
        ({"timescale": "fourier"}, ValueError, "timescale"),
    ],
)
def test_system_info_dt_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        system_info("Lorenz").dt(**kwargs)


# ----------------------------------------------------------------------------------
# Trajectories


def test_lorenz_trajectory_is_on_the_attractor():
    t, X = trajectory("Lorenz", n=10000, pts_per_period=100, seed=0)
    assert t.shape == (10000,) and X.shape == (10000, 3)
    assert t.dtype == np.float64 and X.dtype == np.float64
    assert np.all(np.isfinite(X))
    np.testing.assert_allclose(np.diff(t), 0.015008, rtol=1e-10)  # t up to 150: rounding of the grid
    assert t[0] == 0.0
    # A hundred periods reproduce the long-run statistics stored in dysts. (Twenty did with
    # the integrator stack of 2025; with numpy 2.4 / scipy 1.17 the seed-0 path spends them
    # mostly on one wing, x mean 2.5 against -0.45: the means of x and y converge slowly.)
    entry = json_entry("Lorenz")
    mean, std = np.array(entry["mean"]), np.array(entry["std"])
    assert np.all(np.abs(X.mean(axis=0) - mean) < 0.3 * std)
    np.testing.assert_allclose(X.std(axis=0), std, rtol=0.15)


def test_same_seed_same_trajectory_different_seed_different():
    _, a = trajectory("Lorenz", n=300, seed=0, cache=False)
    _, b = trajectory("Lorenz", n=300, seed=0, cache=False)
    _, c = trajectory("Lorenz", n=300, seed=1, cache=False)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a[0], c[0])


def test_shorter_trajectory_is_a_prefix_of_a_longer_one():
    # Exact spacing dt (not dysts' n / (n - 1) stretched grid) makes grids nest.
    _, short = trajectory("Lorenz", n=300, seed=2)
    _, long = trajectory("Lorenz", n=600, seed=2)
    np.testing.assert_allclose(short, long[:300], atol=1e-6)


def test_lyapunov_timescale_grid():
    t, X = trajectory("Lorenz", n=50, pts_per_period=30, timescale="Lyapunov")
    assert X.shape == (50, 3)
    np.testing.assert_allclose(np.diff(t), 1 / (30 * 0.8917098035724058), rtol=1e-12)


def test_single_sample():
    t, X = trajectory("Lorenz", n=1)
    assert t.shape == (1,) and X.shape == (1, 3)


def test_trajectory_leaves_global_numpy_random_state_alone():
    # dysts reseeds np.random internally; trajectory must undo that.
    np.random.seed(1234)
    expected = np.random.random(3)
    np.random.seed(1234)
    trajectory("Lorenz", n=20, seed=5, cache=False)
    np.testing.assert_array_equal(np.random.random(3), expected)


def test_postprocessed_system_returns_bounded_coordinates():
    # Duffing's forcing phase is mapped to cos(phase) by dysts by default.
    _, X = trajectory("Duffing", n=200)
    assert X.shape == (200, 3)
    assert np.all(np.abs(X[:, 2]) <= 1.0)


def test_delay_system_mackey_glass():
    info = system_info("MackeyGlass")
    t, X = trajectory("MackeyGlass", n=400, pts_per_period=50, seed=0)
    assert X.shape == (400, 10) and np.all(np.isfinite(X))
    assert 0.1 < X.min() and X.max() < 2.0  # the Mackey-Glass attractor lives in (0, 1.5)
    # The 10 columns are delayed copies x(t - lag), lags evenly spaced over [0, tau], taken
    # from the integration grid: MackeyGlass is sampled 11.2 times more coarsely than its
    # JSON period (as the published files) and integrated on 23 substeps per sample here,
    # so linear interpolation between the samples only approximates them.
    tau = json_entry("MackeyGlass")["parameters"]["tau"]
    for j, lag in enumerate(np.linspace(0, tau, info.dimension)):
        valid = t >= lag
        np.testing.assert_allclose(X[valid, j], np.interp(t[valid] - lag, t, X[:, 0]), atol=0.02)
        if j:
            assert not np.allclose(X[:, j], X[:, 0])
    _, same = trajectory("MackeyGlass", n=400, pts_per_period=50, seed=0, cache=False)
    _, other = trajectory("MackeyGlass", n=400, pts_per_period=50, seed=1)
    np.testing.assert_array_equal(X, same)
    assert not np.allclose(X[0], other[0])


def test_delay_system_ignores_solver_settings(integrations):
    _, a = trajectory("MackeyGlass", n=50, seed=3)
    calls = len(integrations)
    _, b = trajectory("MackeyGlass", n=50, seed=3, method="RK45", rtol=1e-6)
    np.testing.assert_array_equal(a, b)
    assert len(integrations) == calls  # same cache entry: the settings are not in the key


def test_voss_delay_integrates():
    # Listed as failing in the dysts 0.96 benchmark when given solver arguments.
    _, X = trajectory("VossDelay", n=100, pts_per_period=20)
    assert X.shape == (100, 10) and np.all(np.isfinite(X))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n": 0}, ValueError, "n must"),
        ({"n": -5}, ValueError, "n must"),
        ({"n": 10.0}, TypeError, "n must"),
        ({"n": True}, TypeError, "n must"),
        ({"pts_per_period": 0}, ValueError, "pts_per_period"),
        ({"pts_per_period": -1.0}, ValueError, "pts_per_period"),
        ({"pts_per_period": float("inf")}, ValueError, "pts_per_period"),
        ({"timescale": "lyapunov"}, ValueError, "timescale"),
        ({"seed": -1}, ValueError, "seed"),
        ({"seed": 0.5}, TypeError, "seed"),
        ({"seed": None}, TypeError, "seed"),
        ({"method": "Euler"}, ValueError, "method"),
        ({"rtol": 0.0}, ValueError, "rtol"),
        ({"atol": "1e-10"}, TypeError, "atol"),
        ({"system": "NotASystem"}, ValueError, "NotASystem"),
    ],
)
def test_trajectory_rejects_bad_arguments(kwargs, error, match, integrations):
    arguments = {"system": "Lorenz", "n": 10, **kwargs}
    with pytest.raises(error, match=match):
        trajectory(**arguments)
    assert integrations == []  # rejected before any work


def test_failed_integration_raises_runtime_error_naming_the_system(monkeypatch):
    monkeypatch.setattr(chaos, "_integrate_ode", lambda *args: None)
    with pytest.raises(RuntimeError, match="Lorenz"):
        trajectory("Lorenz", n=10, cache=False)

    def explode(*args):
        raise ValueError("step size too small")

    monkeypatch.setattr(chaos, "_integrate_ode", explode)
    with pytest.raises(RuntimeError, match="Lorenz.*step size too small"):
        trajectory("Lorenz", n=10, cache=False)


def test_non_finite_integration_raises_runtime_error(monkeypatch):
    monkeypatch.setattr(chaos, "_integrate_ode", lambda *args: np.full((10, 3), np.nan))
    with pytest.raises(RuntimeError, match="Lorenz.*non-finite"):
        trajectory("Lorenz", n=10, cache=False)


# ----------------------------------------------------------------------------------
# Cache


def test_second_call_is_read_from_the_cache(fresh_cache, integrations):
    t1, X1 = trajectory("Lorenz", n=100, seed=0)
    assert integrations == ["Lorenz", "Lorenz"]  # the reference run, then the trajectory
    t2, X2 = trajectory("Lorenz", n=100, seed=0)
    assert len(integrations) == 2
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(t1, t2)
    # beside each entry, the lock its writer held (``.npz.lock``)
    files = sorted(p.name for p in fresh_cache.iterdir() if not p.name.endswith(".lock"))
    assert len(files) == 2 and all(name.endswith(".npz") for name in files)

    trajectory("Lorenz", n=100, seed=1)  # reuses the cached reference run
    assert len(integrations) == 3
    trajectory("Lorenz", n=100, seed=0, cache=False)  # bypasses the cache entirely
    assert len(integrations) == 5
    assert len(list(fresh_cache.glob("*.npz"))) == 3


def test_cache_key_depends_on_every_argument(fresh_cache, integrations):
    trajectory("Lorenz", n=50)
    for kwargs in [{"n": 51}, {"pts_per_period": 50}, {"pts_per_period": 100.5},
                   {"seed": 4}, {"timescale": "Lyapunov"}, {"rtol": 1e-9}]:
        before = len(integrations)
        trajectory("Lorenz", **{"n": 50, **kwargs})
        assert len(integrations) > before, kwargs
    before = len(integrations)
    trajectory("Lorenz", n=50, pts_per_period=100.0)  # 100 and 100.0 are one key
    assert len(integrations) == before


def test_cache_key_includes_the_dysts_version(fresh_cache, integrations, monkeypatch):
    trajectory("Lorenz", n=50)
    monkeypatch.setattr(chaos, "_versions", lambda: {"dysts": "0.0", "scipy": "0.0"})
    before = len(integrations)
    trajectory("Lorenz", n=50)
    assert len(integrations) == before + 2


def test_damaged_cache_file_is_recomputed(fresh_cache, integrations):
    _, expected = trajectory("Lorenz", n=60)
    for path in fresh_cache.iterdir():
        path.write_bytes(b"not a zip file")
    _, X = trajectory("Lorenz", n=60)
    np.testing.assert_array_equal(X, expected)
    assert len(integrations) == 4


def test_cache_writes_leave_no_temporary_files(fresh_cache):
    trajectory("Lorenz", n=30)
    assert all(path.suffix in (".npz", ".lock") for path in fresh_cache.iterdir())


def test_unwritable_cache_warns_and_still_returns(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache directory should be")
    monkeypatch.setenv("RESERVOIR_CACHE_DIR", str(blocker / "cache"))
    with pytest.warns(RuntimeWarning, match="cache"):
        _, X = trajectory("Lorenz", n=20)
    assert X.shape == (20, 3)


def test_default_cache_directory(monkeypatch):
    monkeypatch.delenv("RESERVOIR_CACHE_DIR", raising=False)
    assert chaos._cache_dir() == chaos.Path(os.path.expanduser("~/.cache/reservoir"))


# Sampling like the published 2023 files


def _zero_crossings(x):
    x = x - x.mean()
    return int(np.sum(np.signbit(x[1:]) != np.signbit(x[:-1])))


def test_ordinary_systems_sample_on_the_published_grid():
    from reservoir.published import published_series, published_systems

    for name in published_systems(scored=False):
        info = system_info(name)
        if info.is_delay:
            continue
        # the published time axis is a linspace over 12 periods: dt * 1200 / 1199
        published_dt = published_series(name, "test")[0][1] - published_series(name, "test")[0][0]
        assert abs(info.dt(100) * 1200 / 1199 / published_dt - 1) < 0.005, name


@pytest.mark.parametrize("name", ["IkedaDelay", "MackeyGlass", "PiecewiseCircuit", "ScrollDelay",
                                  "SprottDelay", "VossDelay"])
def test_delay_systems_oscillate_per_sample_as_in_the_published_files(name):
    # Their published time unit differs from the dysts JSON one: compare the oscillations
    # per 1200 points (zero crossings of the first coordinate), train and test against
    # the benchmark's first two test trajectories.
    from reservoir.published import published_series

    published = np.mean([_zero_crossings(published_series(name, split)[1][:, 0]) for split in ("train", "test")])
    ours = np.mean([_zero_crossings(trajectory(name, n=1200, pts_per_period=100, seed=s)[1][:, 0])
                    for s in (2, 4)])
    assert published / 1.6 < ours < published * 1.6, (ours, published)
