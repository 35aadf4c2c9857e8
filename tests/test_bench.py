"""The chaos benchmark: protocols, scoring, task evaluation, the resumable store (including a
killed run), Dask execution, Optuna tuning, reports and the CLI."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from reservoir.bench import (MODELS, ModelSpec, ResultsStore, comparison_table, evaluate_task, get_model,
                             get_protocol, plan_tasks, published_results, run_benchmark, score_forecast,
                             summarize, summary_table, task_key, tune)
from reservoir.chaos import system_info, trajectory
from reservoir.cli import main
from reservoir.metrics import smape

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def small_esn(params, seed):
    from reservoir import ESN, ReservoirForecaster, Ridge

    return ReservoirForecaster(ESN(n_units=40, spectral_radius=params.get("spectral_radius", 0.9),
                                   random_state=seed), Ridge(alpha=1e-6))


SMALL_ESN = ModelSpec("small_esn", "40-unit ESN", small_esn,
                      grid=({"spectral_radius": 0.2}, {"spectral_radius": 0.9}))


def test_protocols():
    p = get_protocol("gilpin2023")
    assert (p.n_fit, p.n_forecast, p.pts_per_period, p.n_points) == (1000, 200, 100, 1200)
    assert p.validation_seed(0) != p.test_seed(0)
    assert len({p.validation_seed(s) for s in range(3)} | {p.test_seed(s) for s in range(3)}) == 6
    assert get_protocol("long_horizon").n_forecast == 5000
    assert get_protocol("data_limited").fit_lengths == (1000, 776, 551, 326, 101)
    with pytest.raises(ValueError, match="protocol must be one of"):
        get_protocol("gilpin2021")
    with pytest.raises(ValueError, match="model must be one of"):
        get_model("lstm")


def test_every_registered_model_builds_with_its_grid():
    for spec in MODELS.values():
        for params in spec.grid:
            forecaster = spec.build(dict(params), 0)
            assert hasattr(forecaster, "fit") and hasattr(forecaster, "forecast")
    with pytest.raises(ValueError, match="unknown esn hyperparameter 'spectral_radious'; did you mean 'spectral_radius'"):
        get_model("esn").build({"spectral_radious": 1.0}, 0)


def test_plan_tasks():
    tasks = plan_tasks("gilpin2023", ["mean", "persistence"], ["Lorenz", "Rossler"], seeds=[0, 1])
    assert len(tasks) == 8
    assert len(plan_tasks("gilpin2023", ["mean"], "all")) == 135
    with pytest.raises(ValueError, match="unknown systems"):
        plan_tasks("gilpin2023", ["mean"], ["Lorentz"])
    with pytest.raises(ValueError, match="seeds must not be empty"):
        plan_tasks("gilpin2023", ["mean"], ["Lorenz"], seeds=[])


def test_score_forecast_perfect_and_diverged():
    rng = np.random.default_rng(0)
    y = rng.standard_normal((50, 3)) + 5
    perfect = score_forecast(y, y, lyapunov_steps=0.1)
    assert perfect["smape"] == 0 and perfect["nrmse"] == 0 and perfect["diverged"] == 0
    for name in ("vpt_smape", "vpt_smape_pointwise", "vpt_error"):
        assert perfect[name] == pytest.approx(5.0)
    bad = y.copy()
    bad[10:] = np.nan
    scores = score_forecast(y, bad, lyapunov_steps=0.1)
    assert scores["diverged"] == 1 and scores["left_attractor"] == 1
    assert scores["vpt_error"] == pytest.approx(1.0)
    assert perfect["left_attractor"] == 0
    # Losing the phase is not leaving the attractor; escaping the enlarged box is.
    assert score_forecast(y, y[::-1], lyapunov_steps=0.1)["left_attractor"] == 0
    escaped = y.copy()
    escaped[-1, 0] = y[:, 0].max() + 0.6 * np.ptp(y[:, 0])
    assert score_forecast(y, escaped, lyapunov_steps=0.1)["left_attractor"] == 1
    # The 40 non-finite steps count as the maximal sMAPE term (200) each.
    assert scores["smape"] == pytest.approx(40 / 50 * 200)


def test_evaluate_task_scores_the_test_trajectory():
    record = evaluate_task("gilpin2023", "persistence", "Lorenz", seed=0)
    assert record["error"] is None and record["key"] == task_key("gilpin2023", "persistence", "Lorenz", 0, 1000)
    p = get_protocol("gilpin2023")
    _, test = trajectory("Lorenz", 1200, 100, seed=p.test_seed(0))
    expected = smape(test[1000:], np.repeat(test[999:1000], 200, axis=0))
    assert record["metrics"]["smape"] == pytest.approx(expected)
    lt = system_info("Lorenz").lyapunov_times_per_step(100)
    assert record["metrics"]["vpt_error"] / lt == pytest.approx(round(record["metrics"]["vpt_error"] / lt))
    json.dumps(record)  # JSON-ready


def test_evaluate_task_chooses_the_best_validation_candidate():
    record = evaluate_task("gilpin2023", SMALL_ESN, "Rossler", seed=0)
    p = get_protocol("gilpin2023")
    _, val = trajectory("Rossler", 1200, 100, seed=p.validation_seed(0))
    scores = []
    for params in SMALL_ESN.grid:
        fc = small_esn(params, 0).fit(val[:1000])
        scores.append(smape(val[1000:], fc.forecast(200, on_divergence="ignore")))
    assert record["params"] == SMALL_ESN.grid[int(np.argmin(scores))]
    assert record["validation"] == pytest.approx(min(scores))


def test_failed_task_is_recorded_not_raised():
    def broken(params, seed):
        raise RuntimeError("cannot build")

    record = evaluate_task("gilpin2023", ModelSpec("broken", "", broken), "Lorenz")
    assert record["metrics"] is None and "every hyperparameter candidate failed" in record["error"]
    with pytest.raises(ValueError, match="fit_length"):
        evaluate_task("gilpin2023", "mean", "Lorenz", fit_length=5000)
    with pytest.raises(ValueError, match="tuning"):
        evaluate_task("gilpin2023", "mean", "Lorenz", tuning="random")


def test_data_limited_fits_on_the_end_of_the_window():
    record = evaluate_task("data_limited", "mean", "Lorenz", fit_length=101)
    _, test = trajectory("Lorenz", 1200, 100, seed=get_protocol("data_limited").test_seed(0))
    expected = smape(test[1000:], np.repeat(test[899:1000].mean(axis=0, keepdims=True), 200, axis=0))
    assert record["metrics"]["smape"] == pytest.approx(expected)


def test_store_skips_partial_line_and_duplicates(tmp_path):
    store = ResultsStore(tmp_path / "r.jsonl")
    store.append({"key": "a", "v": 1})
    store.append({"key": "b", "v": 2})
    store.append({"key": "a", "v": 3})
    with open(store.path, "ab") as f:
        f.write(b'{"key": "c", "v"')  # a write cut by a kill
    assert [r["v"] for r in store.records()] == [1, 2]
    store.append({"key": "c", "v": 4})
    assert [r["v"] for r in store.records()] == [1, 2, 4]
    # the second "a" was not written: the store already held a successful "a"
    assert store.path.read_bytes().count(b"\n") == 3
    with pytest.raises(ValueError, match="key"):
        store.append({"v": 5})


def test_serial_run_resumes_without_repeating(tmp_path):
    store = run_benchmark("gilpin2023", ["mean"], ["Lorenz", "Rossler"], store=tmp_path / "r.jsonl",
                          scheduler="serial", progress=False)
    first = store.path.read_text()
    store = run_benchmark("gilpin2023", ["mean", "persistence"], ["Lorenz", "Rossler"], store=store,
                          scheduler="serial", progress=False)
    assert store.path.read_text().startswith(first)
    assert len(store.records()) == 4 and len(store.keys()) == 4
    rows = store.tidy_rows()
    assert {r["metric"] for r in rows} >= {"smape", "vpt_smape", "vpt_error"}
    assert len(rows) == 4 * 7
    csv = store.write_csv(tmp_path / "r.csv").read_text().splitlines()
    assert csv[0] == "protocol,model,system,seed,fit_length,metric,value" and len(csv) == 29


def test_dask_local_cluster_gives_the_serial_results(tmp_path):
    pytest.importorskip("dask.distributed")
    serial = run_benchmark("gilpin2023", ["persistence", SMALL_ESN], ["Lorenz", "Aizawa"],
                           store=tmp_path / "s.jsonl", scheduler="serial", progress=False)
    dask = run_benchmark("gilpin2023", ["persistence", SMALL_ESN], ["Lorenz", "Aizawa"],
                         store=tmp_path / "d.jsonl", n_workers=1, progress=False)
    a = {r["key"]: r["metrics"] for r in serial.records()}
    b = {r["key"]: r["metrics"] for r in dask.records()}
    assert a.keys() == b.keys() and len(a) == 4
    for key in a:
        for metric in a[key]:
            assert b[key][metric] == pytest.approx(a[key][metric], rel=1e-9, abs=1e-12)


KILLED_RUN = textwrap.dedent("""
    import sys, time
    from reservoir.bench import ModelSpec, run_benchmark
    from reservoir.baselines import MeanForecaster

    def slow_mean(params, seed):
        time.sleep(0.4)  # long enough for the test to kill the run mid-way
        return MeanForecaster()

    if __name__ == "__main__":  # Dask's worker processes import this file again
        run_benchmark("gilpin2023", [ModelSpec("slow_mean", "", slow_mean)], SYSTEMS, seeds=[0, 1],
                      store=sys.argv[1], scheduler=None if sys.argv[2] == "dask" else "serial",
                      n_workers=1, progress=False)
""")


@pytest.mark.parametrize("scheduler", ["serial", "dask"])
def test_killed_run_resumes_losing_and_repeating_nothing(tmp_path, scheduler):
    systems = ["Lorenz", "Rossler", "Aizawa", "SprottA", "Chen", "Halvorsen"]
    for s in systems:  # integrate beforehand so task times are dominated by the model
        for seed in (1, 2, 3, 4):
            trajectory(s, 1200, 100, seed=seed)
    script = tmp_path / "run.py"
    script.write_text(KILLED_RUN.replace("SYSTEMS", repr(systems)))
    path = tmp_path / "results.jsonl"
    env = {**os.environ, "PYTHONPATH": REPO}
    process = subprocess.Popen([sys.executable, str(script), str(path), scheduler], env=env,
                               start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and (not path.exists() or path.read_bytes().count(b"\n") < 3):
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)  # the whole run, workers included
    process.wait()
    before = ResultsStore(path).records()
    assert 3 <= len(before) < 12, "the run must be killed mid-way for this test to mean anything"

    subprocess.run([sys.executable, str(script), str(path), scheduler], env=env, check=True, timeout=300,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after = ResultsStore(path).records()
    keys = [r["key"] for r in after]
    assert len(keys) == len(set(keys)) == 12
    assert after[:len(before)] == before  # nothing finished before the kill was lost or rewritten
    lines = [line for line in path.read_bytes().split(b"\n") if line]
    assert len(lines) == 12  # no duplicate line either


def test_tune_resumes_from_sqlite(tmp_path):
    pytest.importorskip("optuna")
    storage = f"sqlite:///{tmp_path / 'tune.db'}"
    objective = lambda p: (np.log(p["spectral_radius"]) - np.log(0.5)) ** 2  # noqa: E731
    study = tune("esn", objective, n_trials=4, storage=storage, study_name="s")
    assert len(study.trials) == 4
    study = tune("esn", objective, n_trials=4, storage=storage, study_name="s")
    assert len(study.trials) == 4  # finished trials count: nothing re-run
    study = tune("esn", objective, n_trials=7, storage=storage, study_name="s")
    assert len(study.trials) == 7
    assert study.best_value == min(t.value for t in study.trials)
    with pytest.raises(ValueError, match="has no search_space"):
        tune("mean", objective, storage=None)
    with pytest.raises(ValueError, match="n_trials"):
        tune("esn", objective, n_trials=0, storage=None)


def test_evaluate_task_with_optuna(tmp_path):
    pytest.importorskip("optuna")
    space = lambda trial: {"spectral_radius": trial.suggest_float("spectral_radius", 0.1, 1.2)}  # noqa: E731
    spec = ModelSpec("small_esn", "", small_esn, search_space=space)
    record = evaluate_task("gilpin2023", spec, "Lorenz", tuning="optuna", n_trials=3,
                           storage=f"sqlite:///{tmp_path / 't.db'}")
    assert record["error"] is None
    assert 0.1 <= record["params"]["spectral_radius"] <= 1.2


def test_reports():
    published = {r["method"]: r for r in published_results()}
    assert published["NBEATS"]["median_smape"] == 42.2
    assert published["ESN (paper)"]["vpt_smape"] == 0.47
    records = [{"model": "m", "fit_length": 1000, "system": s, "metrics": {"smape": v, "vpt_smape": v / 10}}
               for s, v in (("A", 10.0), ("B", 20.0), ("C", 60.0))]
    records.append({"model": "m", "fit_length": 1000, "system": "D", "metrics": None})
    row = summarize(records, ("smape",))[0]
    assert (row["median"], row["q1"], row["q3"], row["n"], row["failed"]) == (20.0, 15.0, 40.0, 3, 1)
    table = comparison_table(records)
    lines = table.splitlines()
    assert lines[2].startswith("m (this run)") and "2.00" in lines[2]
    assert "NBEATS (published)" in lines[3]
    assert "m" in summary_table(records)


def test_cli_bench_writes_results(tmp_path, capsys):
    out = tmp_path / "bench"
    assert main(["bench", "--models", "persistence,mean", "--systems", "Lorenz,Rossler", "--scheduler",
                 "serial", "--out", str(out), "--no-progress"]) == 0
    for name in ("results.jsonl", "results.csv", "summary.txt", "comparison.txt", "scores_smape.png", "run.json"):
        assert (out / name).exists(), name
    assert len(ResultsStore(out / "results.jsonl").records()) == 4
    assert "NBEATS (published)" in capsys.readouterr().out
    assert json.loads((out / "run.json").read_text())["n_systems"] == 2


@pytest.mark.parametrize("argv, message", [
    (["bench", "--models", "lstm"], "--models"),
    (["bench", "--systems", "Lorentz"], "--systems"),
    (["bench", "--seeds", "a"], "--seeds"),
    (["bench", "--systems", "first:0"], "--systems"),
    (["tune", "--system", "Lorentz"], "--system"),
])
def test_cli_errors(argv, message, capsys, tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        main(argv + (["--out", str(tmp_path)] if argv[0] == "bench" else []))
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_short_fit_windows_cap_the_washout():
    # A 101-point window with the forecaster's default washout of 100 could not be fitted;
    # the protocol's warm-up rule (at most 10 % of the window) makes it a valid task.
    record = evaluate_task("data_limited", SMALL_ESN, "Lorenz", fit_length=101)
    assert record["error"] is None and np.isfinite(record["metrics"]["smape"])


def test_every_search_space_gives_buildable_params():
    optuna = pytest.importorskip("optuna")
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for spec in MODELS.values():
        if spec.search_space is None:
            continue
        params = spec.search_space(study.ask())
        forecaster = spec.build(params, 0)
        assert hasattr(forecaster, "forecast")
        # The benchmark rebuilds the chosen params from Optuna's raw values.
        replayed = spec.search_space(optuna.trial.FixedTrial(
            {k: v for k, v in study.trials[-1].params.items()}))
        assert replayed == params
    assert {name for name, spec in MODELS.items() if spec.search_space} >= {"esn", "onion", "ei", "qrnn", "lsm", "analog"}
