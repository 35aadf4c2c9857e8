"""The ``reservoir`` command line, run in-process on a small Lorenz case."""

import json
import math
import subprocess
import sys

import numpy as np
import pytest

from reservoir.cli import MODELS, main

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SMALL = ["--system", "Lorenz", "--model", "esn", "--n-units", "200", "--train", "2000",
         "--test-steps", "300"]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    path = tmp_path / "cache"
    monkeypatch.setenv("RESERVOIR_CACHE_DIR", str(path))
    return path


@pytest.fixture(scope="module")
def forecast_run(tmp_path_factory):
    """One small forecast shared by the tests that only read its outputs."""
    root = tmp_path_factory.mktemp("cli")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RESERVOIR_CACHE_DIR", str(root / "cache"))
        out = root / "out"
        code = main(["forecast", *SMALL, "--out", str(out)])
    return code, out, root / "cache"


def test_forecast_writes_outputs(forecast_run):
    code, out, cache = forecast_run
    assert code == 0
    assert (out / "metrics.json").is_file()
    png = (out / "forecast.png").read_bytes()
    assert png.startswith(PNG_SIGNATURE)
    # IHDR: width and height are big-endian uint32 at bytes 16-24.
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width > 300 and height > 300
    assert any(cache.glob("Lorenz-trajectory-*.npz")), "the trajectory is cached in RESERVOIR_CACHE_DIR"


def test_forecast_metrics_json(forecast_run):
    _, out, _ = forecast_run
    record = json.loads((out / "metrics.json").read_text())
    assert record["system"] == "Lorenz" and record["model"] == "esn"
    metrics = record["metrics"]
    for key in ("nrmse", "smape", "vpt_error_steps", "vpt_error_lyapunov", "vpt_smape_steps",
                "vpt_smape_lyapunov", "error_threshold", "smape_threshold", "diverged"):
        assert key in metrics
    assert 0 <= metrics["smape"] <= 200
    assert metrics["nrmse"] >= 0
    assert metrics["error_threshold"] == 0.4 and metrics["smape_threshold"] == 30
    for kind in ("error", "smape"):
        steps = metrics[f"vpt_{kind}_steps"]
        assert isinstance(steps, int) and 0 <= steps <= 300
        assert metrics[f"vpt_{kind}_lyapunov"] >= 0
    # A 200-unit ESN with the default augmentation is valid for some steps on Lorenz.
    assert metrics["vpt_error_steps"] > 0

    settings = record["settings"]
    assert settings["train"] == 2000 and settings["test_steps"] == 300
    assert settings["pts_per_period"] == 100 and settings["seed"] == 0
    assert math.isclose(settings["dt"], 1.5008 / 100)
    assert math.isclose(settings["lyapunov_exponent"], 0.8917, rel_tol=1e-3)
    assert "maximum_lyapunov_estimated" in settings["lyapunov_source"]
    assert math.isclose(metrics["vpt_error_lyapunov"],
                        metrics["vpt_error_steps"] * settings["lyapunov_times_per_step"])
    assert settings["integrator"]["method"]
    esn = settings["model_params"]["params"]["reservoir"]["params"]
    assert esn["n_units"] == 200 and esn["random_state"] == 0
    # the default readout: no readout given, the penalty chosen by the forecaster and recorded
    assert settings["model_params"]["params"]["readout"] is None
    from reservoir.forecaster import DEFAULT_ALPHAS

    assert settings["ridge_alpha_chosen"] in DEFAULT_ALPHAS
    assert record["versions"]["dysts"] == "0.95"
    for package in ("numpy", "jax", "reservoir"):
        assert record["versions"][package]
    for value in record["timing"].values():
        assert value >= 0


def test_forecast_prints_table(capsys, cache, tmp_path):
    args = ["forecast", "--system", "Lorenz", "--model", "esn", "--n-units", "50", "--train", "400",
            "--test-steps", "20", "--out", str(tmp_path / "o")]
    assert main(args) == 0
    printed = capsys.readouterr().out
    for text in ("NRMSE", "sMAPE", "normalised error < 0.4", "cumulative sMAPE < 30", "LT",
                 "fit wall time", "forecast wall time"):
        assert text in printed


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["forecast", "--system", "Lorenz63", "--model", "esn"], "unknown system 'Lorenz63'"),
        (["forecast", "--system", "Lorenz", "--model", "lstm"], "unknown model 'lstm'"),
        (["forecast", "--system", "Lorenz", "--model", "esn", "--n-units", "0"], "--n-units"),
        (["forecast", "--system", "Lorenz", "--model", "esn", "--train", "50"], "--train"),
        (["forecast", "--system", "Lorenz", "--model", "esn", "--leak-rate", "2"], "leak rate"),
        ([], "COMMAND"),
    ],
)
def test_usage_errors_exit_2(argv, message, capsys, cache, tmp_path):
    with pytest.raises(SystemExit) as excinfo:
        main([*argv, *(["--out", str(tmp_path / "o")] if argv else [])])
    assert excinfo.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_unknown_system_suggests_close_names(capsys, cache):
    with pytest.raises(SystemExit):
        main(["forecast", "--system", "Lorenz84x", "--model", "esn"])
    assert "Lorenz84" in capsys.readouterr().err


def test_systems_lists_lorenz(capsys):
    assert main(["systems"]) == 0
    lines = capsys.readouterr().out.splitlines()
    lorenz = [line for line in lines if line.split()[:1] == ["Lorenz"]]
    assert len(lorenz) == 1
    _, dim, lyapunov = lorenz[0].split()[:3]
    assert dim == "3" and math.isclose(float(lyapunov), 0.8917, rel_tol=1e-3)
    assert any("135 systems" in line for line in lines)


def test_models_registry_is_the_benchmarks():
    from reservoir.bench import MODELS as BENCH_MODELS

    assert MODELS is BENCH_MODELS and "esn" in MODELS


class _BlowUp:
    """A registered stand-in model whose forecast is exact for 5 steps, then non-finite."""

    def fit(self, series):
        self.n_dims_ = series.shape[1]
        return self

    def forecast(self, n_steps, on_divergence="warn"):
        from reservoir.chaos import trajectory

        _, X = trajectory("Lorenz", n=400 + n_steps)
        out = X[400:].copy()
        out[5:] = np.inf
        return out

    def get_params(self, deep=True):
        return {}


def test_registered_model_and_non_finite_forecast(monkeypatch, cache, tmp_path, capsys):
    from reservoir.bench import ModelSpec

    monkeypatch.setitem(MODELS, "blowup", ModelSpec("blowup", "test stand-in", lambda params, seed: _BlowUp()))
    out = tmp_path / "o"
    assert main(["forecast", "--system", "Lorenz", "--model", "blowup", "--train", "400",
                 "--test-steps", "50", "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())["metrics"]
    assert metrics["diverged"] is True and metrics["nrmse"] is None
    assert metrics["vpt_error_steps"] == 5
    assert 0 <= metrics["smape"] <= 200
    assert "undefined" in capsys.readouterr().out
    assert (out / "forecast.png").read_bytes().startswith(PNG_SIGNATURE)


def test_python_dash_m(tmp_path):
    result = subprocess.run([sys.executable, "-m", "reservoir", "--help"], check=False, capture_output=True,
                            text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "forecast" in result.stdout and "systems" in result.stdout


# ----------------------------------------------------------------------------------
# Every registry model, --set, --data, names (fast: small windows)

TINY = ["--train", "400", "--test-steps", "40"]


@pytest.mark.parametrize("model", ["persistence", "mean", "parroting", "nvar", "ngrc"])
def test_cheap_registry_models_forecast(model, cache, tmp_path):
    out = tmp_path / model
    assert main(["forecast", "--system", "lorenz", "--model", model, *TINY, "--quiet", "--out", str(out)]) == 0
    record = json.loads((out / "metrics.json").read_text())
    assert record["system"] == "Lorenz" and record["model"] == model
    assert 0 <= record["metrics"]["smape"] <= 200


def test_set_nested_and_short_hyperparameters(cache, tmp_path):
    out = tmp_path / "o"
    assert main(["forecast", "--system", "Lorenz", "--model", "ESN", *TINY, "--quiet", "--out", str(out),
                 "--set", "reservoir__spectral_radius=0.7", "--set", "n_units=60", "--set", "alpha=1e-6",
                 "--set", "squared=False"]) == 0
    record = json.loads((out / "metrics.json").read_text())
    params = record["settings"]["model_params"]["params"]
    esn = params["reservoir"]["params"]
    assert (esn["spectral_radius"], esn["n_units"], esn["random_state"]) == (0.7, 60, 0)
    assert params["squared"] is False
    assert params["readout"]["params"]["alpha"] == 1e-6 and params["readout"]["params"]["solver"] == "qr"
    assert record["settings"]["hyperparameters_set"]["n_units"] == 60


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--set", "reservoir__spectral_radious=0.9"], "unknown esn hyperparameter 'reservoir__spectral_radious'"),
        (["--set", "spectral_radius"], "expected NAME=VALUE"),
        (["--model", "onoin"], "did you mean 'onion'"),
        (["--model", "mean", "--n-units", "10"], "unknown mean hyperparameter 'n_units'"),
    ],
)
def test_bad_model_settings_exit_2(argv, message, capsys, cache, tmp_path):
    with pytest.raises(SystemExit) as excinfo:
        main(["forecast", "--system", "Lorenz", *TINY, "--out", str(tmp_path / "o"), *argv])
    assert excinfo.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


@pytest.fixture(scope="module")
def lorenz_series(tmp_path_factory):
    from reservoir.chaos import trajectory

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RESERVOIR_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        return trajectory("Lorenz", n=500, pts_per_period=100, seed=3)[1]


@pytest.mark.parametrize("suffix", [".csv", ".npy", ".npz"])
def test_forecast_own_data(suffix, lorenz_series, tmp_path):
    path = tmp_path / f"series{suffix}"
    if suffix == ".csv":
        np.savetxt(path, lorenz_series, delimiter=",", header="x,y,z", comments="")
    elif suffix == ".npy":
        np.save(path, lorenz_series)
    else:
        np.savez(path, series=lorenz_series)
    out = tmp_path / "o"
    assert main(["forecast", "--data", str(path), "--model", "ngrc", "--test-steps", "60", "--quiet",
                 "--out", str(out)]) == 0
    record = json.loads((out / "metrics.json").read_text())
    assert record["settings"]["train"] == 440 and record["settings"]["dimension"] == 3
    if suffix == ".csv":
        assert record["settings"]["columns"] == ["x", "y", "z"]
    metrics = record["metrics"]
    # No time scale given: VPTs in steps only.
    assert metrics["vpt_error_lyapunov"] is None and 0 < metrics["vpt_error_steps"] <= 60
    if suffix != ".npy":
        return
    # The same fit with dt and lambda: Lyapunov times = steps * dt * lambda.
    out2 = tmp_path / "o2"
    assert main(["forecast", "--data", str(path), "--model", "ngrc", "--test-steps", "60", "--quiet",
                 "--dt", "0.015", "--lyapunov-exponent", "0.9", "--out", str(out2)]) == 0
    metrics2 = json.loads((out2 / "metrics.json").read_text())["metrics"]
    assert metrics2["vpt_error_steps"] == metrics["vpt_error_steps"]
    assert math.isclose(metrics2["vpt_error_lyapunov"], metrics["vpt_error_steps"] * 0.015 * 0.9)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--lyapunov-exponent", "0.9"], "--lyapunov-exponent needs --dt"),
        (["--train", "480"], "fewer than --train (480) + --test-steps (60)"),
    ],
)
def test_own_data_errors(extra, message, lorenz_series, tmp_path, capsys):
    path = tmp_path / "s.npy"
    np.save(path, lorenz_series)
    with pytest.raises(SystemExit):
        main(["forecast", "--data", str(path), "--test-steps", "60", *extra, "--out", str(tmp_path / "o")])
    assert message in capsys.readouterr().err


def test_own_data_file_errors(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y\n1,2\n3,nan\n")
    with pytest.raises(SystemExit):
        main(["forecast", "--data", str(bad)])
    assert "NaN or infinite values (first in row 1)" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["forecast", "--data", str(tmp_path / "missing.npy")])
    assert "does not exist" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["forecast", "--data", str(bad), "--system", "Lorenz"])
    assert "not allowed with argument" in capsys.readouterr().err


def test_tune_writes_under_out_with_summary(cache, tmp_path, monkeypatch, capsys):
    pytest.importorskip("optuna")
    from reservoir.bench import ModelSpec

    def small():
        from reservoir import ESN, ReservoirForecaster, Ridge

        return ReservoirForecaster(ESN(n_units=40), Ridge(alpha=1e-6))

    space = lambda trial: {"spectral_radius": trial.suggest_float("spectral_radius", 0.2, 1.2)}  # noqa: E731
    monkeypatch.setitem(MODELS, "tiny", ModelSpec("tiny", "40-unit ESN", small, search_space=space))
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "tune"
    assert main(["tune", "--model", "Tiny", "--system", "lorenz", "--trials", "2", "--out", str(out)]) == 0
    assert {p.name for p in out.iterdir()} >= {"tuning.db", "tune.json", "summary.txt"}
    assert not (tmp_path / "out").exists(), "nothing is written outside --out"
    record = json.loads((out / "tune.json").read_text())
    assert record["system"] == "Lorenz" and record["n_trials"] == 2
    printed = capsys.readouterr().out
    assert "validation trajectory of Lorenz (initial-condition seed 1)" in printed
    assert "test trajectory of Lorenz (initial-condition seed 2)" in printed
    assert f"best validation smape {record['validation']:.4g}" in printed
    assert "optimistic" in printed


def test_list_params(capsys):
    assert main(["forecast", "--model", "esn", "--list-params"]) == 0
    printed = capsys.readouterr().out
    assert "reservoir__spectral_radius" in printed and "0.9" in printed and "aliases: alpha" in printed
