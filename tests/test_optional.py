"""Extras: a missing optional dependency is an ImportError that names the extra to install."""

import importlib
import sys

import pytest

from reservoir._optional import require


def test_require_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "optuna", None)  # what a core install without [bench] looks like
    with pytest.raises(ImportError, match=r"reservoir tune needs optuna.*pip install 'reservoir\[bench\]'"):
        require("optuna", purpose="reservoir tune")


def test_tuning_without_optuna(monkeypatch):
    from reservoir.bench import tune

    monkeypatch.setitem(sys.modules, "optuna", None)
    with pytest.raises(ImportError, match=r"pip install 'reservoir\[bench\]'"):
        tune("esn", lambda params: 0.0, n_trials=1, storage=None)


def test_dask_benchmark_without_dask(monkeypatch, tmp_path):
    from reservoir.bench import run_benchmark

    for name in ("dask", "dask.distributed", "distributed"):
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ImportError, match=r"--scheduler serial.*pip install 'reservoir\[bench\]'"):
        run_benchmark("gilpin2023", ["mean"], ["Lorenz"], store=tmp_path / "r.jsonl", progress=False)


def test_quantum_without_qiskit(monkeypatch):
    monkeypatch.setitem(sys.modules, "qiskit", None)
    for name in [m for m in sys.modules if m == "quantum" or m.startswith("quantum.")]:
        monkeypatch.delitem(sys.modules, name)
    with pytest.raises(ImportError, match=r"quantum package.*pip install 'reservoir\[quantum\]'"):
        importlib.import_module("quantum")
    from reservoir.bench import get_model

    with pytest.raises(ImportError, match=r"the qrnn model needs qiskit.*reservoir\[quantum\]"):
        get_model("qrnn").build({}, seed=0)


def test_core_import_is_light():
    """`import reservoir` imports none of the heavy packages; they load when first used."""
    import subprocess

    code = ("import sys, reservoir, reservoir.cli; "
            "print(sorted(m for m in ('jax', 'qiskit', 'dask', 'optuna', 'matplotlib', 'sklearn') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert result.stdout.strip() == "[]"
