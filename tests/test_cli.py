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


def test_models_registry():
    assert "esn" in MODELS and callable(MODELS["esn"])


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
    monkeypatch.setitem(MODELS, "blowup", lambda args: _BlowUp())
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
