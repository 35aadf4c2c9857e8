"""Measured lower bounds of one sparse ESN step on this machine, part by part.

A FLOP/byte roofline says little about a sparse step: with in-degree k, each of the N·k
products needs three loads (the index, the weight and the gathered state value), and the
load ports, not the FPU or the memory bus, set the pace. So each part of the step is timed
alone, in the cheapest form found, and the parts are added:

- **gathers**: ``pre_i = sum_j W[i, j] x[idx[i, j]]`` over the real weights, compiled by
  numba (row-wise layout, unsigned 32-bit indices: the fastest of the layouts tried; the
  same loop in C with ``gcc -O3 -march=native`` was about 20 % faster), the state fed back
  each step;
- **tanh**: numpy's vectorised ``tanh`` over a block of steps, per N values;
- **output**: writing each step's N states into a freshly allocated (T, N) array, page
  faults included (any harvest must produce that array).

The sum is not a strict bound: out-of-order cores overlap some of it.

:func:`c_reference_step` times the whole step written by hand in C (``reference_step.c``,
compiled with gcc when there is one): what a specialised kernel would reach on this machine.

Used by ``speed_suite.py``; run alone: ``python benchmarks/step_floor.py``.
"""

import shutil
import subprocess
import tempfile
from pathlib import Path

import numba
import numpy as np

from bench_timing import best_time


@numba.njit(nogil=True, fastmath={"contract"})
def _gathers(idx, val, x, n_steps, k):
    n = x.shape[0]
    pre = np.empty(n)
    for _ in range(n_steps):
        for i in range(n):
            acc = 0.1  # a bias, so that the state does not decay into (slow) subnormals
            base = i * k
            for j in range(k):
                acc += val[base + j] * x[idx[base + j]]
            pre[i] = acc
        for i in range(n):
            x[i] = 0.5 * pre[i]
    return x


@numba.njit(nogil=True, fastmath={"contract"})
def _gathers_batch(idx, val, x, n_steps, k):
    # x is (N, B): each gathered unit is a contiguous row of B values.
    n, n_batch = x.shape
    pre = np.empty((n, n_batch))
    for _ in range(n_steps):
        for i in range(n):
            for b in range(n_batch):
                pre[i, b] = 0.1
            for j in range(k):
                w = val[i * k + j]
                src = idx[i * k + j]
                for b in range(n_batch):
                    pre[i, b] += w * x[src, b]
        for i in range(n):
            for b in range(n_batch):
                x[i, b] = 0.5 * pre[i, b]
    return x


@numba.njit(nogil=True)
def _write_rows(out, x):
    for t in range(out.shape[0]):
        for i in range(x.shape[0]):
            out[t, i] = x[i]


def _row_layout(params):
    """``W_idx``/``W_val`` (k, N) as flat row-wise arrays (unit i's k entries together)."""
    idx = np.ascontiguousarray(np.asarray(params["W_idx"]).T).astype(np.uint32).ravel()
    val = np.ascontiguousarray(np.asarray(params["W_val"], dtype=np.float64).T).ravel()
    return idx, val, int(np.shape(params["W_idx"])[0])


def step_floor(params, n_steps=5000, repeats=3, batch=1):
    """Seconds per step (per sequence-step for ``batch`` > 1) of each part; a dict with
    ``gathers``, ``tanh``, ``output`` and their ``total``."""
    idx, val, k = _row_layout(params)
    n = len(params["bias"])
    rng = np.random.default_rng(0)
    if batch == 1:
        x = rng.uniform(-0.5, 0.5, n)
        _gathers(idx, val, x.copy(), 2, k)
        gathers = best_time(lambda: _gathers(idx, val, x.copy(), n_steps, k), repeats) / n_steps
    else:
        x = rng.uniform(-0.5, 0.5, (n, batch))
        _gathers_batch(idx, val, x.copy(), 2, k)
        gathers = best_time(lambda: _gathers_batch(idx, val, x.copy(), n_steps, k), repeats) / (n_steps * batch)
    block = rng.uniform(-2, 2, (256, n))
    tanh_out = np.empty_like(block)
    tanh = best_time(lambda: np.tanh(block, out=tanh_out), repeats * 10) / 256
    row = rng.uniform(-1, 1, n)
    _write_rows(np.empty((2, n)), row)
    output = best_time(lambda: _write_rows(np.empty((n_steps, n)), row), repeats) / n_steps
    return {"gathers": gathers, "tanh": tanh, "output": output, "total": gathers + tanh + output}


def c_reference_step(esn, params, inputs, repeats=3):
    """Seconds per step of ``reference_step.c`` run on ``params`` of ``esn`` (a sparse ESN with
    tanh units) and ``inputs`` (T, d) from the zero state, or None without gcc. Its last state
    is checked against ``reservoir.runner.run`` (to 1e-12)."""
    from reservoir.runner import run

    compiler = shutil.which("gcc")
    if compiler is None:
        return None
    source = Path(__file__).resolve().parent / "reference_step.c"
    idx, val, k = _row_layout(params)
    n, d = len(params["bias"]), inputs.shape[1]
    leak = float(np.asarray(params["leak_rate"]))
    with tempfile.TemporaryDirectory() as folder:
        binary = Path(folder) / "reference_step"
        # -ffast-math lets gcc call glibc's vectorised tanh; -fopenmp-simd honours the pragma.
        flags = ["-O3", "-march=native", "-ffast-math", "-fopenmp-simd", f"-DKDEG={k}", f"-DDIN={d}"]
        built = subprocess.run([compiler, *flags, "-o", str(binary), str(source), "-lm", "-lmvec"],
                               capture_output=True, text=True)
        if built.returncode != 0:
            built = subprocess.run([compiler, *flags, "-o", str(binary), str(source), "-lm"],
                                   capture_output=True, text=True)
        if built.returncode != 0:
            return None
        idx.astype(np.int32).tofile(Path(folder) / "idx.bin")
        val.tofile(Path(folder) / "val.bin")
        np.ascontiguousarray(params["W_in"], dtype=np.float64).tofile(Path(folder) / "win.bin")
        np.asarray(params["bias"], dtype=np.float64).tofile(Path(folder) / "bias.bin")
        np.ascontiguousarray(inputs, dtype=np.float64).tofile(Path(folder) / "inputs.bin")
        done = subprocess.run([str(binary), folder, str(n), str(len(inputs)), repr(leak), str(repeats)],
                              capture_output=True, text=True, check=True)
        last = np.fromfile(Path(folder) / "last.bin")
    ours = run(esn, params, inputs)[0][-1]
    if np.abs(last - ours).max() > 1e-12:
        raise AssertionError(f"the C step disagrees with ours: max |diff| {np.abs(last - ours).max():.2e}")
    return float(done.stdout) / len(inputs)


if __name__ == "__main__":
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from reservoir import ESN

    for n_units, batch in ((100, 1), (1000, 1), (4000, 1), (1000, 16)):
        esn = ESN(n_units=n_units, leak_rate=0.3, random_state=0)
        params = esn.initialize(3)
        floor = step_floor(params, batch=batch)
        line = f"N={n_units} k=10 batch={batch}: " + ", ".join(f"{key} {value * 1e6:.2f} us" for key, value in floor.items())
        if batch == 1:
            c_step = c_reference_step(esn, params, np.random.default_rng(0).standard_normal((20000, 3)))
            line += "; hand-written C step " + ("(no gcc)" if c_step is None else f"{c_step * 1e6:.2f} us")
        print(line)
