"""Faults, concurrency and bad input (issue #18): one test (or a few) per item of the issue.

Nothing a user saved or computed is lost when a process is killed or several run at once;
nothing is silently wrong; bad input gets a ValueError/TypeError naming the argument.
"""

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time
import warnings
import zipfile

import numpy as np
import pytest
import scipy.sparse as sp

from hardware import Crossbar, RampADC
from reservoir import (
    ESN,
    RLS,
    MeanForecaster,
    NVARForecaster,
    ReservoirForecaster,
    ReservoirRegressor,
    Ridge,
    load,
    save,
)
from reservoir import chaos, validation
from reservoir.bench import ModelSpec, ResultsStore, evaluate_task, run_benchmark, task_key
from reservoir.cli import main

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV = {**os.environ, "PYTHONPATH": REPO}
# The multi-process tests fork this (JAX-importing) process; their children only write files.
pytestmark = pytest.mark.filterwarnings("ignore:.*fork.*:RuntimeWarning", "ignore:.*fork.*:DeprecationWarning")


def sine(n=400, d=1):
    t = np.arange(n) * 0.1
    return np.column_stack([np.sin(t + k) for k in range(d)])


@pytest.fixture
def forecaster():
    return ReservoirForecaster(ESN(n_units=30, random_state=0), washout=10).fit(sine())


# ---------------------------------------------------------------- 1. kill during save

def _fork():
    """A fork context: the children start at once, with this process's imports (the tests'
    children only write files; they never call into JAX)."""
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("needs os.fork")
    return multiprocessing.get_context("fork")


def _save_forever(path, ready):
    W = np.random.default_rng(1).normal(size=(1200, 1200))
    model = ReservoirRegressor(ESN.from_weights(W, np.ones((1200, 1))))
    ready.set()
    while True:
        save(model, path)


def test_kill_during_save_keeps_the_previous_file(tmp_path):
    ctx = _fork()
    path = tmp_path / "model.npz"
    W0 = np.random.default_rng(0).normal(size=(1200, 1200))
    save(ReservoirRegressor(ESN.from_weights(W0, np.ones((1200, 1)))), path)
    W1 = np.random.default_rng(1).normal(size=(1200, 1200))
    rng = np.random.default_rng(0)
    replaced = False
    for trial in range(6):
        ready = ctx.Event()
        process = ctx.Process(target=_save_forever, args=(path, ready))
        process.start()
        assert ready.wait(30)
        time.sleep(0.05 + 0.3 * rng.random())  # saves of 11 MB, back to back: killed mid-write
        os.kill(process.pid, signal.SIGKILL)
        process.join()
        W = load(path).reservoir.W  # never empty or truncated
        assert np.array_equal(W, W0) or np.array_equal(W, W1)
        replaced = replaced or np.array_equal(W, W1)
        # what a kill leaves besides the file: at most hidden temporaries
        assert all(p.name == "model.npz" or p.name.startswith(".model.npz.") for p in tmp_path.iterdir())
    assert replaced  # the saver did replace the file


# ---------------------------------------------------------------- 2. concurrent stores

def _append_all(path, seed):
    store = ResultsStore(path)
    for k in np.random.default_rng(seed).permutation(60):
        store.append({"key": f"task{k}", "writer": seed, "error": None, "metrics": {"x": 1.0},
                      "padding": "x" * 2000})


def test_concurrent_writers_lose_and_repeat_nothing(tmp_path):
    ctx = _fork()
    path = tmp_path / "results.jsonl"
    path.write_bytes(b'{"key": "task0", "err')  # a line cut by a killed run, before the writers start
    processes = [ctx.Process(target=_append_all, args=(path, i)) for i in range(3)]
    for p in processes:
        p.start()
    for p in processes:
        p.join(120)
    assert all(p.exitcode == 0 for p in processes)
    lines = path.read_bytes().split(b"\n")
    assert lines[-1] == b""
    records = [json.loads(line) for line in lines[:-1]]  # every line is whole
    keys = [r["key"] for r in records]
    assert sorted(keys) == sorted(f"task{k}" for k in range(60))  # each task exactly once
    assert len(ResultsStore(path).finished_keys()) == 60


# ---------------------------------------------------------------- 3. impossible sizes


@pytest.mark.parametrize("readout", [None, RLS(alpha=1e-2)])
def test_huge_forecast_is_refused_before_allocating(readout):
    fc = ReservoirForecaster(ESN(n_units=20, random_state=0), readout=readout, washout=10).fit(sine())
    for n in (10**12, 10**15):
        with pytest.raises(ValueError, match="n_steps"):
            fc.forecast(n)
    assert fc.forecast(3).shape == (3, 1)


def test_huge_forecast_of_nvar_and_baselines_is_refused():
    for model in (NVARForecaster(delay=2).fit(sine()), MeanForecaster().fit(sine())):
        with pytest.raises(ValueError, match="n_steps"):
            model.forecast(10**12)


def test_memory_limit_is_read_from_the_process_limit(monkeypatch):
    monkeypatch.setattr(validation, "available_memory", lambda: 4 * 2**30)
    with pytest.raises(ValueError, match="n_steps"):
        validation.check_n_steps(2 * 10**8, bytes_per_step=24)
    assert validation.check_n_steps(10**6, bytes_per_step=24) == 10**6


def test_huge_reservoir_is_refused_at_once():
    start = time.perf_counter()
    with pytest.raises(ValueError, match="n_units"):
        ReservoirRegressor(ESN(n_units=10**9)).fit(sine(), sine()[:, 0])
    assert time.perf_counter() - start < 5


# ---------------------------------------------------------------- 4. benchmark keys

COUNT = {"calls": 0}


def _flaky(params, seed):
    COUNT["calls"] += 1
    if COUNT["calls"] == 1:
        raise RuntimeError("transient failure")
    return MeanForecaster()


def test_task_key_holds_the_tuning_mode():
    keys = {task_key("p", "m", "s", 0, 10, tuning) for tuning in ("grid", "none")}
    keys |= {task_key("p", "m", "s", 0, 10, "optuna", n) for n in (5, 30)}
    assert len(keys) == 4


def test_rerun_with_another_tuning_runs_its_tasks_and_failures_are_retried(tmp_path):
    store = tmp_path / "r.jsonl"
    run_benchmark("gilpin2023", ["mean"], ["Lorenz"], store=store, scheduler="serial", tuning="none",
                  progress=False)
    run_benchmark("gilpin2023", ["mean"], ["Lorenz"], store=store, scheduler="serial", tuning="grid",
                  progress=False)
    records = ResultsStore(store).records()
    assert sorted(r["tuning"] for r in records) == ["grid", "none"]

    flaky = ModelSpec("flaky", "fails once", _flaky)
    COUNT["calls"] = 0
    run_benchmark("gilpin2023", [flaky], ["Lorenz"], store=store, scheduler="serial", tuning="none", progress=False)
    assert [r["error"] is not None for r in ResultsStore(store).records() if r["model"] == "flaky"] == [True]
    run_benchmark("gilpin2023", [flaky], ["Lorenz"], store=store, scheduler="serial", tuning="none", progress=False)
    flaky_records = [r for r in ResultsStore(store).records() if r["model"] == "flaky"]
    assert len(flaky_records) == 1 and flaky_records[0]["error"] is None  # retried, success kept


def test_zero_trials_is_refused(tmp_path, capsys):
    with pytest.raises(ValueError, match="n_trials"):
        evaluate_task("gilpin2023", "mean", "Lorenz", tuning="optuna", n_trials=0)
    with pytest.raises(SystemExit) as exit_info:
        main(["bench", "--tuning", "optuna", "--trials", "0", "--out", str(tmp_path)])
    assert exit_info.value.code == 2 and "--trials" in capsys.readouterr().err


# ---------------------------------------------------------------- 5. extreme input scales


@pytest.mark.parametrize("scale", [1e200, 1e160, 1e-170, 1e-200])
def test_extreme_input_scales_are_standardised(scale):
    X, y = sine(600), np.roll(sine(600)[:, 0], -3)
    base = ReservoirRegressor(ESN(n_units=40, random_state=0)).fit(X, y)
    model = ReservoirRegressor(ESN(n_units=40, random_state=0)).fit(X * scale, y)
    assert np.isfinite(model.input_scale_).all()
    np.testing.assert_allclose(model.input_scale_ / scale, base.input_scale_, rtol=1e-9)
    np.testing.assert_allclose(model.predict(X * scale), base.predict(X), atol=1e-6)
    nvar = NVARForecaster().fit(X * scale)
    np.testing.assert_allclose(nvar.input_scale_ / scale, base.input_scale_, rtol=1e-9)


# ---------------------------------------------------------------- 6. tampered model files


def _tamper(path, out, change_tree=None, change_arrays=None):
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    meta = json.loads(str(arrays["__meta__"]))
    if change_tree:
        change_tree(meta["tree"])
    if change_arrays:
        change_arrays(arrays)
    arrays["__meta__"] = np.array(json.dumps(meta))
    np.savez(out, **arrays)
    return out


def test_sparse_indices_outside_the_reservoir_are_refused(forecaster, tmp_path):
    save(forecaster, tmp_path / "m.npz")
    key = forecaster_params_key(tmp_path / "m.npz", "W_idx")

    def shift(arrays):
        arrays[key] = arrays[key] + 1000

    bad = _tamper(tmp_path / "m.npz", tmp_path / "bad.npz", change_arrays=shift)
    with pytest.raises(ValueError, match="W_idx"):
        load(bad)


def forecaster_params_key(path, name):
    with np.load(path) as data:
        meta = json.loads(str(data["__meta__"]))
    node = meta["tree"]["__estimator__"] and meta["tree"]["state"]["__dict__"]["reservoir_params_"]
    return node["__dict__"][name]["__array__"]


def test_invalid_hyperparameters_are_refused_on_load(forecaster, tmp_path):
    save(forecaster, tmp_path / "m.npz")

    def negative_units(tree):
        tree["params"]["__dict__"]["reservoir"]["params"]["__dict__"]["n_units"] = -5

    bad = _tamper(tmp_path / "m.npz", tmp_path / "bad.npz", change_tree=negative_units)
    with pytest.raises(ValueError, match="n_units"):
        load(bad)


@pytest.mark.parametrize("family", ["onion", "ei", "lsm", "qrnn", "analog"])
def test_load_checks_accept_every_reservoir_family(family, tmp_path):
    from hardware import AnalogReservoir
    from quantum import QRNNReservoir
    from reservoir import LSM, EIReservoir, OnionESN

    reservoir = {"onion": lambda: OnionESN(n_units=20, random_state=0), "ei": lambda: EIReservoir(random_state=0),
                 "lsm": lambda: LSM(random_state=0), "qrnn": lambda: QRNNReservoir(random_state=0),
                 "analog": lambda: AnalogReservoir(ESN(n_units=20, random_state=0))}[family]()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ReservoirForecaster(reservoir, washout=10).fit(sine(300))
        save(model, tmp_path / "m.npz")
        np.testing.assert_array_equal(load(tmp_path / "m.npz").forecast(3), model.forecast(3))


# ---------------------------------------------------------------- 7. trajectory cache contents


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("RESERVOIR_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.mark.parametrize("wrong", ["short", "transposed", "nan", "integer", "other_name"])
def test_cache_entries_of_the_wrong_content_are_recomputed(cache_dir, wrong):
    _, truth = chaos.trajectory("Lorenz", 60, seed=0)
    path = next(p for p in cache_dir.glob("Lorenz-trajectory-*.npz"))
    fake = {"short": {"X": truth[:10]}, "transposed": {"X": truth.T.copy()},
            "nan": {"X": np.where(np.arange(60)[:, None] == 5, np.nan, truth)},
            "integer": {"X": truth.astype(int)}, "other_name": {"Y": truth}}[wrong]
    np.savez(path, **fake)
    _, X = chaos.trajectory("Lorenz", 60, seed=0)
    np.testing.assert_array_equal(X, truth)


# ---------------------------------------------------------------- 8. hardware inputs


def test_ramp_adc_refuses_nan_and_saturates_infinities():
    adc = RampADC(bits=4).program()
    with pytest.raises(ValueError, match="x"):
        adc(np.array([0.1, np.nan]))
    out = adc(np.array([-np.inf, np.inf]))
    assert out[0] == adc.levels_[0] and out[1] == adc.levels_[-1]


def test_crossbar_refuses_complex_weights_and_non_finite_inputs():
    with pytest.raises(TypeError, match="W"):
        Crossbar(device="ideal").program(np.eye(3) * 1j)
    xb = Crossbar(device="ideal").program(np.eye(3))
    for bad in (np.array([np.nan, 0, 0]), np.array([np.inf, 0, 0])):
        with pytest.raises(ValueError, match="x"):
            xb @ bad


# ---------------------------------------------------------------- 9. silent options


def test_ridge_fit_intercept_must_be_boolean():
    with pytest.raises(TypeError, match="fit_intercept"):
        Ridge(fit_intercept="no").fit(np.ones((5, 1)), np.ones(5))


def test_short_forecast_context_warns(forecaster):
    with pytest.warns(UserWarning, match="context"):
        forecaster.forecast(5, context=sine()[-1:])
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        forecaster.forecast(5, context=sine()[-50:])  # longer than the washout: no warning


# ---------------------------------------------------------------- 10. malformed result lines


def test_malformed_store_lines_are_skipped_with_a_warning(tmp_path, capsys):
    out = tmp_path / "bench"
    out.mkdir()
    (out / "results.jsonl").write_bytes(b'[1,2,3]\nnull\n{"foo":1}\n\x00\x00\xff\n{"key": "x"}\n'
                                        b'{"key": 5}\n')
    with pytest.warns(RuntimeWarning, match="malformed"):
        assert [r["key"] for r in ResultsStore(out / "results.jsonl").records()] == ["x"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert main(["bench", "--models", "mean", "--systems", "Lorenz", "--scheduler", "serial",
                     "--out", str(out), "--no-progress", "--tuning", "none"]) == 0
    assert "1 tasks (0 failed)" in capsys.readouterr().out


# ---------------------------------------------------------------- 11. foreign model files


def _foreign_files(tmp_path, forecaster):
    save(forecaster, tmp_path / "good.npz")
    files = {}
    files["pickled"] = tmp_path / "pickled.npz"
    np.savez(files["pickled"], __meta__=np.array([{"a": 1}], dtype=object))
    files["npy"] = tmp_path / "array.npy"
    np.save(files["npy"], np.ones(3))
    files["text"] = tmp_path / "text.npz"
    files["text"].write_text("hello")
    files["truncated"] = tmp_path / "truncated.npz"
    files["truncated"].write_bytes((tmp_path / "good.npz").read_bytes()[:700])
    files["empty"] = tmp_path / "empty.npz"
    files["empty"].write_bytes(b"")
    files["no_meta"] = tmp_path / "no_meta.npz"
    np.savez(files["no_meta"], a=np.ones(2))
    for name, meta in {"meta_list": [1, 2], "meta_number": 3,
                       "not_an_estimator": {"format": "reservoir-estimator", "version": 1, "tree": [[[]]]},
                       "missing_array": {"format": "reservoir-estimator", "version": 1, "tree": {"__array__": "a9"}},
                       "bad_node": {"format": "reservoir-estimator", "version": 1, "tree": {"__estimator__": 3}},
                       "bad_class": {"format": "reservoir-estimator", "version": 1,
                                     "tree": {"__estimator__": "reservoir.esn:ESN",
                                              "params": {"__dict__": {"no_such": 1}}, "state": {"__dict__": {}}}},
                       "bad_version": {"format": "reservoir-estimator", "version": "1", "tree": None}}.items():
        files[name] = tmp_path / f"{name}.npz"
        np.savez(files[name], __meta__=np.array(json.dumps(meta)))
    for name, depth in (("deep", 200), ("very_deep", 100000)):  # past our limit; past Python's
        files[name] = tmp_path / f"{name}.npz"
        text = ('{"format": "reservoir-estimator", "version": 1, "tree": {"__estimator__": "reservoir.esn:ESN", '
                '"params": ' + "[" * depth + "]" * depth + ', "state": {"__dict__": {}}}}')
        np.savez(files[name], __meta__=np.array(text))
    return files


def test_foreign_files_raise_value_error_naming_path(tmp_path, forecaster):
    for name, path in _foreign_files(tmp_path, forecaster).items():
        with pytest.raises(ValueError, match="path") as info:
            load(path)
        assert "allow_pickle" not in str(info.value), name


def test_load_closes_the_file_of_a_damaged_archive(tmp_path, forecaster):
    files = _foreign_files(tmp_path, forecaster)
    before = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None
    for _ in range(20):
        with pytest.raises(ValueError):
            load(files["truncated"])
    if before is not None:
        assert len(os.listdir("/proc/self/fd")) <= before


def test_load_finds_the_suffix_that_save_appended(tmp_path, forecaster):
    save(forecaster, tmp_path / "m")
    assert (tmp_path / "m.npz").exists()
    np.testing.assert_array_equal(load(tmp_path / "m").forecast(5), forecaster.forecast(5))


def test_load_reads_only_referenced_arrays_and_checks_sizes(tmp_path, forecaster, monkeypatch):
    save(forecaster, tmp_path / "m.npz")
    with zipfile.ZipFile(tmp_path / "m.npz", "a") as z:  # an unreferenced (pickled) array
        with z.open("extra.npy", "w") as f:
            np.lib.format.write_array(f, np.array([object()], dtype=object), allow_pickle=True)
    np.testing.assert_array_equal(load(tmp_path / "m.npz").forecast(3), forecaster.forecast(3))
    monkeypatch.setattr(validation, "available_memory", lambda: 100)
    with pytest.raises(ValueError, match="path"):
        load(tmp_path / "m.npz")


# ---------------------------------------------------------------- 12. overflowing states


def test_overflowing_states_name_the_reservoir_not_x():
    X = np.random.default_rng(0).normal(size=(400, 1))
    model = ReservoirRegressor(ESN(n_units=30, activation="identity", spectral_radius=5.0, random_state=0))
    with pytest.raises(ValueError, match="reservoir") as info:
        model.fit(X, X[:, 0])
    assert "HistGradientBoosting" not in str(info.value)


def test_from_weights_refuses_nan_weights():
    W = np.eye(4)
    W[0, 1] = np.nan
    with pytest.raises(ValueError, match="W"):
        ReservoirRegressor(ESN.from_weights(W, np.ones((4, 1)))).fit(sine(), sine()[:, 0])
    with pytest.raises(ValueError, match="W"):
        ESN.from_weights(sp.csr_matrix(W), np.ones((4, 1))).fit(sine())


# ---------------------------------------------------------------- 13. messages, not tracebacks


@pytest.mark.parametrize("call, error, name", [
    (lambda: ESN(n_units=10, random_state=-1).fit(sine()), ValueError, "random_state"),
    (lambda: ESN.from_weights(np.eye(3), None).fit(sine()), TypeError, "W_in"),
    (lambda: Crossbar().program(np.zeros((0, 0))), ValueError, "W"),
    (lambda: Crossbar(r_wire_ohm="x").program(np.eye(2)), TypeError, "r_wire_ohm"),
    (lambda: RampADC()(np.zeros(2)), ValueError, "program"),
    (lambda: NVARForecaster(delay=200).fit(np.random.default_rng(0).normal(size=(3000, 3))), ValueError, "delay"),
])
def test_bad_arguments_get_messages(call, error, name):
    with pytest.raises(error, match=name):
        call()


@pytest.mark.parametrize("command", [["bench", "--models", "mean", "--systems", "Lorenz"],
                                     ["forecast", "--system", "Lorenz"]])
def test_cli_out_naming_a_file_is_a_usage_error(tmp_path, capsys, command):
    target = tmp_path / "a_file"
    target.write_text("x")
    with pytest.raises(SystemExit) as exit_info:
        main(command + ["--out", str(target)])
    assert exit_info.value.code == 2 and "--out" in capsys.readouterr().err


def test_cli_unreachable_scheduler_is_a_usage_error(tmp_path, capsys):
    dask = pytest.importorskip("dask")
    # distributed's defaults must be loaded before config.set records what to restore:
    # otherwise leaving the block deletes the whole "distributed" section.
    pytest.importorskip("dask.distributed")
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        with pytest.raises(SystemExit) as exit_info:
            main(["bench", "--models", "mean", "--systems", "Lorenz", "--scheduler", "tcp://127.0.0.1:9",
                  "--out", str(tmp_path), "--no-progress", "--tuning", "none"])
    assert exit_info.value.code == 2 and "--scheduler" in capsys.readouterr().err


# ---------------------------------------------------------------- 14. cache temporaries and locks


def test_temporaries_of_killed_cache_writers_are_removed(cache_dir):
    _, truth = chaos.trajectory("Lorenz", 50, seed=1)
    path = next(p for p in cache_dir.glob("Lorenz-trajectory-*.npz"))
    stale = path.parent / (f".{path.name}.abc123.tmp")
    stale.write_bytes(b"\0" * 1000)  # what a writer killed mid-write leaves
    path.unlink()
    _, X = chaos.trajectory("Lorenz", 50, seed=1)
    assert not stale.exists()
    np.testing.assert_array_equal(X, truth)


def _count_integrations(log, out):
    integrate = chaos._integrate

    def counted(*args, **kwargs):
        with open(log, "a") as f:
            f.write("integrated\n")
        time.sleep(0.5)  # hold the lock while the other process arrives
        return integrate(*args, **kwargs)

    chaos._integrate = counted
    np.save(out, chaos.trajectory("Lorenz", 80, seed=7)[1])


def test_two_processes_missing_one_trajectory_integrate_it_once(cache_dir, tmp_path):
    ctx = _fork()
    log = tmp_path / "log.txt"
    processes = [ctx.Process(target=_count_integrations, args=(log, tmp_path / f"{i}.npy")) for i in range(2)]
    for p in processes:
        p.start()
    for p in processes:
        p.join(120)
    assert all(p.exitcode == 0 for p in processes)
    np.testing.assert_array_equal(np.load(tmp_path / "0.npy"), np.load(tmp_path / "1.npy"))
    assert log.read_text().count("integrated") == 2  # the reference run and the trajectory, once each


# ---------------------------------------------------------------- 15. reproducibility

WEIGHTS = textwrap.dedent("""
    import sys
    import numpy as np
    from reservoir import ESN
    np.save(sys.argv[1], ESN(n_units=300, random_state=3).initialize(2)["W_val"])
""")


def test_same_seed_gives_the_same_numbers_and_threads_only_rounding(tmp_path):
    X = sine(500, 2)
    a = ReservoirForecaster(ESN(n_units=60, random_state=3), washout=20).fit(X)
    b = ReservoirForecaster(ESN(n_units=60, random_state=3), washout=20).fit(X)
    np.testing.assert_array_equal(a.forecast(50), b.forecast(50))  # same process: bit for bit
    # One BLAS thread (what the README documents): the drawn weights agree to rounding.
    script = tmp_path / "weights.py"
    script.write_text(WEIGHTS)
    env = {**ENV, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    subprocess.run([sys.executable, str(script), str(tmp_path / "w.npy")], env=env, check=True, timeout=120)
    here = ESN(n_units=300, random_state=3).initialize(2)["W_val"]
    np.testing.assert_allclose(np.load(tmp_path / "w.npy"), here, rtol=1e-12, atol=0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_state_check_bounds(dtype):
    # Features are refused once one reaches 1e150 (the readout's products would overflow), or
    # is NaN or infinite; float32 features up to their own maximum are fine.
    from reservoir.estimator_base import _check_states

    Z = np.full((300, 20), 0.5, dtype=dtype)
    _check_states(Z)
    if dtype == np.float64:
        Z[7, 3] = 1e149
        _check_states(Z)
        Z[7, 3] = 2e150
        with pytest.raises(ValueError, match="reservoir"):
            _check_states(Z)
    else:
        Z[7, 3] = 1e38
        _check_states(Z)
    for bad in (np.nan, np.inf, -np.inf):
        Z[7, 3] = bad
        with pytest.raises(ValueError, match="reservoir"):
            _check_states(Z)
        with pytest.raises(ValueError, match="reservoir"):
            _check_states(np.asfortranarray(Z))
