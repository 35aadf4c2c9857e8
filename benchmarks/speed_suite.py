"""Speed suite: state harvesting, fitting, forecasting, batches, ensembles, memory, spiking and
quantum steps, side by side with reservoirpy 0.4 in one process, and as a fraction of what this
machine allows (a roofline measured in the same run).

What is measured (``--quick`` shortens every run and skips N = 4000 and the 10⁶-step fit):

1. **machine**: achievable bandwidth (numpy copies of a 512 KiB array, repeated: L2; 16 MiB:
   L3; 512 MiB: DRAM) and FLOP rate (numpy matmul, one thread and all threads, f64 and f32);
2. **harvest**: ``reservoir.runner.run`` of one 20,000-step sequence (3 inputs) for N = 100,
   1000, 4000, in-degree 10 and dense, in float64 and float32, against reservoirpy's
   ``Reservoir.run`` **on the same matrices** (ours exported to it); also the fused input
   projection (``U @ W_in.T`` before the scan) at N = 1000, in-degree 10;
3. **batch / ensemble**: 16 sequences (one reservoir) and 16 reservoirs (one sequence), our
   batched paths (``run`` of a (16, T, d) array: batch-last; ``run_ensemble``: block-diagonal
   up to 4096 units in all, else member by member) against the generic vmap, 16 separate runs, and
   reservoirpy running them one by one;
4. **lorenz**: fit (harvest + ridge, 10,000 points) and a 2,000-step closed-loop forecast on
   Lorenz-63 at N = 1000, end to end, for reservoirpy and for our ESN with its weights and
   the same readout (states + bias, ridge 1e-6): same model, so the same valid prediction
   time is expected; VPT (normalised error 0.4, in Lyapunov times) from the end of the training
   data and over test initial conditions (500-step context). Also our default forecaster
   (squared features) in float64 and float32: the float32 VPT effect;
5. **memory**: peak resident memory (VmHWM of a fresh subprocess per measurement: the whole
   process, numpy and jax buffers alike, including the interpreter and imports, shown
   separately as the baseline), including fitting a forecaster on 10⁶ steps at N = 1000;
6. **spiking / quantum**: ``LSM`` neuron-steps/s (1 neuron × 1 ms) and ``QRNNReservoir``
   (``backend="exact"``) circuit-steps/s.

Roofline: each step's floating-point operations and bytes are counted (the formulas are in
``step_cost``; tanh counted as 20 flops, gathered values as cache reads), and the fastest
time the measured machine rates allow, ``max(flops / F, bytes / B)``, is divided by the
measured time: the "fraction of roofline". F is the one-thread matmul rate (our scans and
reservoirpy's loop use one core); B is the L2 rate (a numpy copy) when the step's working
set fits in L2, else the L3 or DRAM one. It is given for sparse steps. A dense step is a
multithreaded BLAS product in both libraries, for which this single-core model came out
below the measured time; it is compared with a bare numpy ``W @ x`` of the same matrix
instead (N >= 1000; at N = 100 a numpy call costs more than our whole step).

Our two paths: the sparse float64 tanh ESN is harvested by the compiled kernel
(``reservoir/kernels/sparse_esn.c``, built on this machine with -march=$RESERVOIR_NATIVE_MARCH,
default native) where it can be built, else by the jax scan; both are timed ("ours" is what a
user gets, "jax scan" the fallback, which also runs on a GPU). For the kernel, the time is split into the step itself
(writing into an array allocated once) and the fresh output's first touch (page faults and
zeroing by the kernel), and the share of its vector tanh (timed alone on as many values) is
given. A batch runs its groups of 8 sequences on all cores; the single-core time is given too.

Timing hygiene: best of ``--repeats`` after a warm-up (compilation excluded, printed
separately), ratios taken within this run, load average printed with the tables.

Run: ``python benchmarks/speed_suite.py [--quick] [--out out/speed_suite.json]``
"""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_timing import best_time  # noqa: E402

# Working-set sizes up to which a step is taken to run from L2 / L3 (picks B below).
L2_BYTES, L3_BYTES = 2**20, 64 * 2**20
TANH_FLOPS = 20


def load():
    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None


# -- the machine -------------------------------------------------------------------------------


def machine_limits(quick):
    from threadpoolctl import threadpool_limits

    def copy_rate(n_bytes, total):
        src, dst = np.ones(n_bytes // 8), np.empty(n_bytes // 8)
        repeats = max(1, total // n_bytes)

        def copies():
            for _ in range(repeats):
                np.copyto(dst, src)

        return 2 * n_bytes * repeats / best_time(copies, 3)

    # A copy reads and writes each byte: 2 bytes moved per byte copied.
    limits = {"bandwidth_l2": copy_rate(2**19, 2**30), "bandwidth_l3": copy_rate(2**24, 2**31),
              "bandwidth_dram": copy_rate(2**28 if quick else 2**29, 2**29)}
    for dtype in ("float64", "float32"):
        a = np.random.default_rng(0).standard_normal((2000, 2000)).astype(dtype)
        flop = 2 * 2000**3
        with threadpool_limits(1):
            limits[f"flops_1thread_{dtype}"] = flop / best_time(lambda: a @ a, 3)
        limits[f"flops_all_threads_{dtype}"] = flop / best_time(lambda: a @ a, 3)
    return limits


def step_cost(n_units, in_degree, n_inputs=3, itemsize=8, batch=1):
    """(flops, bytes, working-set bytes) of one sparse ESN step per sequence.

    N·k gathered values (a 4-byte index, a weight, the gathered state value) with a
    multiply-add each; N·d input multiply-adds (W_inᵀ rows); bias, leak (3 flops), tanh; the
    new state written once. In a batch of B, the weights and indices are read once per step
    for all B sequences.
    """
    n, d = n_units, n_inputs
    weights = n * in_degree * (4 + itemsize)
    flops = 2 * n * in_degree + n * (2 * d + 1 + 3 + TANH_FLOPS)
    state_bytes = n * itemsize * (3 + in_degree)  # read, gathered, written
    bytes_ = weights / batch + n * d * itemsize / batch + state_bytes
    return flops, bytes_, weights + n * (d + 2) * itemsize * batch


def roofline_seconds(flops, bytes_, working_set, limits, dtype="float64", threads="1thread"):
    level = "l2" if working_set <= L2_BYTES else "l3" if working_set <= L3_BYTES else "dram"
    bandwidth = limits[f"bandwidth_{level}"]
    return max(flops / limits[f"flops_{threads}_{dtype}"], bytes_ / bandwidth)


# -- reservoirpy with our matrices -------------------------------------------------------------


def reservoirpy_node(params, W_sparse_or_dense, leak_rate):
    from reservoirpy.nodes import Reservoir

    node = Reservoir(units=params["W_in"].shape[0], lr=leak_rate, W=W_sparse_or_dense,
                     Win=np.asarray(params["W_in"], dtype=np.float64),
                     bias=np.asarray(params["bias"], dtype=np.float64), seed=0)
    return node


def our_matrix(params):
    from reservoir.weights import to_scipy

    if "W" in params:
        return np.asarray(params["W"], dtype=np.float64)
    return to_scipy(np.asarray(params["W_idx"]), np.asarray(params["W_val"], dtype=np.float64),
                    params["bias"].shape[0])


def rpy_run(node, U):
    if hasattr(node, "state"):  # initialised: start from the zero state, as ours does
        node.reset()
    return node.run(U)


# -- 2. harvesting -----------------------------------------------------------------------------


def harvest(args, limits, rows):
    from reservoir import ESN
    from reservoir.runner import run

    rng = np.random.default_rng(0)
    sizes = [100, 1000] if args.quick else [100, 1000, 4000]
    for n in sizes:
        for k in (10, None):
            steps = args.steps
            if k is None:
                steps = min(steps, max(200, int(4e9 / (n * n) / (2 if args.quick else 1) // 10)))  # bounded work
            U = rng.standard_normal((steps, 3))
            esn = ESN(n_units=n, in_degree=k, leak_rate=0.3, random_state=0)
            params = esn.initialize(3)
            entry = {"section": "harvest", "n_units": n, "in_degree": k or "dense", "steps": steps}
            start = time.perf_counter()
            run(esn, params, U)
            entry["compile_s"] = time.perf_counter() - start
            entry["ours_f64_s"] = best_time(lambda: run(esn, params, U), args.repeats)
            entry["kernel"] = esn.run_native(params, U[:2]) is not None
            with native_off():
                run(esn, params, U)
                entry["ours_jax_s"] = best_time(lambda: run(esn, params, U), args.repeats)
            if entry["kernel"]:
                entry.update(kernel_parts(esn, params, U, args.repeats))
            esn32 = ESN(n_units=n, in_degree=k, leak_rate=0.3, random_state=0, dtype="float32")
            p32 = esn32.initialize(3)
            run(esn32, p32, U)
            entry["ours_f32_s"] = best_time(lambda: run(esn32, p32, U), args.repeats)
            node = reservoirpy_node(params, our_matrix(params), 0.3)
            theirs = rpy_run(node, U)
            ours = run(esn, params, U)[0]
            entry["max_abs_diff_vs_reservoirpy"] = float(np.abs(theirs - ours).max())
            entry["reservoirpy_s"] = best_time(lambda: rpy_run(node, U), max(1, args.repeats - 1))
            if k is None:
                # Dense W @ x goes to a multithreaded BLAS, which a busy 2-core machine can
                # slow down badly; reservoirpy is credited with the faster of the two.
                from threadpoolctl import threadpool_limits

                with threadpool_limits(1):
                    entry["reservoirpy_1thread_s"] = best_time(lambda: rpy_run(node, U), max(1, args.repeats - 1))
                entry["reservoirpy_s"] = min(entry["reservoirpy_s"], entry["reservoirpy_1thread_s"])
            if k is not None:
                flops, bytes_, ws = step_cost(n, k)
                entry["roofline_step_s"] = roofline_seconds(flops, bytes_, ws, limits)
                f32 = step_cost(n, k, itemsize=4)
                entry["roofline_step_f32_s"] = roofline_seconds(f32[0], f32[1], f32[2], limits, "float32")
            elif n >= 1000:
                # A dense step is a BLAS matrix-vector product in both libraries: the bare product
                # (numpy, all threads) is what the machine does for it, caches included.
                W, x = np.asarray(params["W"]), np.ones(n)
                entry["bare_matvec_s"] = best_time(lambda: [W @ x for _ in range(50)], args.repeats) / 50
            if n == 1000 and k == 10:
                entry["fused_projection_s"] = fused_projection_time(esn, params, U, args.repeats)
            rows.append(entry)
            print_harvest_row(entry, flush=True)


class native_off:
    """Within: the jax scan, as on a machine where the compiled kernel cannot be built."""

    def __enter__(self):
        self.before = os.environ.get("RESERVOIR_NATIVE")
        os.environ["RESERVOIR_NATIVE"] = "0"

    def __exit__(self, *exc):
        if self.before is None:
            del os.environ["RESERVOIR_NATIVE"]
        else:
            os.environ["RESERVOIR_NATIVE"] = self.before


def kernel_parts(esn, params, U, repeats):
    """The kernel's time with an output allocated once (the step alone) and its tanh alone on
    as many values (seconds for the whole run)."""
    from reservoir.kernels.native import tanh_kernel
    from reservoir.runner import run

    out = np.empty((len(U), esn.n_features(params)))
    reused = best_time(lambda: run(esn, params, U, out=out), repeats)
    tanh = tanh_kernel()
    x = np.random.default_rng(0).uniform(-2, 2, min(out.size, 2_000_000))
    tanh_s = best_time(lambda: tanh(x), repeats) * out.size / x.size
    return {"kernel_reused_out_s": reused, "kernel_tanh_s": tanh_s}


def _without_kernel(build):
    with native_off():
        return build()


def fused_projection_time(esn, params, U, repeats):
    """Our run with ``U @ W_in.T`` computed for all steps before the scan (timed together)."""
    from reservoir.esn import ESN, recurrent_product
    from reservoir.runner import run

    class Projected(ESN):
        # The input of each step is the precomputed projection W_in @ u_t (N values).
        def step(self, params, state, p):
            pre = recurrent_product(params, state) + p + params["bias"]
            return (1.0 - params["leak_rate"]) * state + params["leak_rate"] * _jnp_tanh(pre)

    proj = Projected(n_units=esn.n_units, in_degree=esn.in_degree)
    pparams = {k: v for k, v in params.items()}
    W_in = np.asarray(params["W_in"])
    direct = run(esn, params, U)[0]
    fused = run(proj, pparams, U @ W_in.T)[0]
    assert np.abs(direct - fused).max() < 1e-10
    return best_time(lambda: run(proj, pparams, U @ W_in.T), repeats)


def _jnp_tanh(x):
    import jax.numpy as jnp

    return jnp.tanh(x)


def print_harvest_row(e, flush=False):
    per = lambda key: e[key] / e["steps"] * 1e6  # noqa: E731
    print(f"  N={e['n_units']:>5} k={str(e['in_degree']):>5} steps={e['steps']:>6}  "
          f"ours f64 {per('ours_f64_s'):8.2f} us/step ({'kernel' if e['kernel'] else 'jax'})  "
          f"jax scan {per('ours_jax_s'):8.2f}  f32 {per('ours_f32_s'):8.2f}  "
          f"reservoirpy {per('reservoirpy_s'):8.2f}  ratio f64 {e['reservoirpy_s'] / e['ours_f64_s']:5.2f}x  "
          + (f"roofline f64 {e['roofline_step_s'] * e['steps'] / e['ours_f64_s']:6.1%} "
             f"f32 {e['roofline_step_f32_s'] * e['steps'] / e['ours_f32_s']:6.1%}" if "roofline_step_s" in e else "")
          + (f"bare W @ x {e['bare_matvec_s'] * 1e6:.2f} us: ours at "
             f"{e['bare_matvec_s'] * e['steps'] / e['ours_f64_s']:.0%} of it" if "bare_matvec_s" in e else "")
          + (f"  kernel: step {per('kernel_reused_out_s'):.2f} us (tanh {per('kernel_tanh_s'):.2f}) + "
             f"fresh output {per('ours_f64_s') - per('kernel_reused_out_s'):.2f}"
             if "kernel_reused_out_s" in e else "")
          + (f"  (jax with fused input projection: {per('fused_projection_s'):.2f} us/step)"
             if "fused_projection_s" in e else ""), flush=flush)


# -- 3. batch and ensemble ---------------------------------------------------------------------


def batch_and_ensemble(args, limits, rows):
    import jax
    import jax.numpy as jnp

    from reservoir import ESN
    from reservoir import runner
    from reservoir.runner import run, run_ensemble

    n, k, B, steps = 1000, 10, 16, args.steps
    rng = np.random.default_rng(1)
    batch = rng.standard_normal((B, steps, 3))
    esn = ESN(n_units=n, in_degree=k, leak_rate=0.3, random_state=0)
    params = esn.initialize(3)
    jparams = jax.tree.map(jnp.asarray, params)
    keep = jnp.ones((B, steps), dtype=bool)
    state = jnp.zeros((B, n))
    vmapped = runner._compiled("run_batch", esn, runner._build_run_batch)

    def vmap_batch():
        final, feats = vmapped(jparams, state, jnp.asarray(batch), keep)
        return np.asarray(feats)

    fast = run(esn, params, batch)[0]
    assert np.abs(fast - vmap_batch()).max() < 1e-10
    entry = {"section": "batch16", "n_units": n, "in_degree": k, "batch": B, "steps": steps}
    entry["ours_batch_last_s"] = best_time(lambda: run(esn, params, batch), args.repeats)
    entry["kernel"] = esn.run_native(params, batch[:, :2]) is not None
    if entry["kernel"]:
        from reservoir.kernels import sparse_esn

        sparse_esn.MAX_WORKERS, workers = 1, sparse_esn.MAX_WORKERS
        try:
            entry["ours_kernel_1core_s"] = best_time(lambda: run(esn, params, batch), args.repeats)
        finally:
            sparse_esn.MAX_WORKERS = workers
        entry["kernel_cores"] = min(os.cpu_count(), -(-B // sparse_esn.GROUP))
    with native_off():
        run(esn, params, batch)
        entry["ours_jax_batch_last_s"] = best_time(lambda: run(esn, params, batch), max(1, args.repeats - 1))
    entry["ours_vmap_s"] = best_time(vmap_batch, max(1, args.repeats - 1))
    entry["ours_separate_s"] = best_time(lambda: [run(esn, params, b) for b in batch], max(1, args.repeats - 1))
    node = reservoirpy_node(params, our_matrix(params), 0.3)
    entry["reservoirpy_one_by_one_s"] = best_time(lambda: [rpy_run(node, b) for b in batch],
                                                  max(1, args.repeats - 2))
    flops, bytes_, ws = step_cost(n, k, batch=B)
    entry["roofline_step_per_seq_s"] = roofline_seconds(flops, bytes_, ws, limits)
    cores = entry.get("kernel_cores", 1)
    # On all the cores the kernel uses: FLOP rate of all threads, each core its own L2.
    entry["roofline_step_per_seq_all_cores_s"] = roofline_seconds(
        flops, bytes_ / cores, ws / cores, limits, threads="all_threads" if cores > 1 else "1thread")
    rows.append(entry)
    print_batch_row(entry, "batch_last", flush=True)

    members = [esn.initialize(3, random_state=s) for s in range(B)]
    U = batch[0]
    stacked = jax.tree.map(jnp.asarray, runner.stack_params(members))
    states = jnp.zeros((B, n))
    vm = runner._compiled("run_ensemble", esn, runner._build_run_ensemble)
    keep1 = jnp.ones(steps, dtype=bool)

    def vmap_ensemble():
        return np.asarray(vm(stacked, states, jnp.asarray(U), keep1)[1])

    fast = run_ensemble(esn, members, U)
    assert np.abs(fast - vmap_ensemble()).max() < 1e-10
    entry = {"section": "ensemble16", "n_units": n, "in_degree": k, "batch": B, "steps": steps}
    entry["ours_run_ensemble_s"] = best_time(lambda: run_ensemble(esn, members, U), args.repeats)
    entry["ours_vmap_s"] = best_time(vmap_ensemble, max(1, args.repeats - 1))
    entry["ours_separate_s"] = best_time(lambda: [run(esn, m, U) for m in members], max(1, args.repeats - 1))
    nodes = [reservoirpy_node(m, our_matrix(m), 0.3) for m in members]
    entry["reservoirpy_one_by_one_s"] = best_time(lambda: [rpy_run(nd, U) for nd in nodes], max(1, args.repeats - 2))
    flops, bytes_, ws = step_cost(n, k)
    entry["roofline_step_per_seq_s"] = roofline_seconds(flops, bytes_, ws * B, limits)
    rows.append(entry)
    print_batch_row(entry, "run_ensemble", flush=True)


def print_batch_row(e, fast, flush=False):
    per = lambda key: e[key] / (e["steps"] * e["batch"]) * 1e6  # noqa: E731
    ours = e[f"ours_{fast}_s"]
    print(f"  {e['section']}: per sequence-step: ours {fast} {per(f'ours_{fast}_s'):.2f} us"
          + (f" (kernel on {e['kernel_cores']} cores; on 1 core {per('ours_kernel_1core_s'):.2f}, "
             f"{e['reservoirpy_one_by_one_s'] / e['ours_kernel_1core_s']:.2f}x)" if "ours_kernel_1core_s" in e else "")
          + (f", jax scan batch-last {per('ours_jax_batch_last_s'):.2f}" if "ours_jax_batch_last_s" in e else "")
          + f", vmap {per('ours_vmap_s'):.2f}, 16 separate {per('ours_separate_s'):.2f}, reservoirpy one by one "
          f"{per('reservoirpy_one_by_one_s'):.2f}; ratio {e['reservoirpy_one_by_one_s'] / ours:.2f}x"
          + (f"; roofline {e['roofline_step_per_seq_all_cores_s'] / (ours / (e['steps'] * e['batch'])):.1%} "
             f"(on {e.get('kernel_cores', 1)} cores)" if "roofline_step_per_seq_all_cores_s" in e else ""),
          flush=flush)


# -- 4. Lorenz fit + forecast ------------------------------------------------------------------


def lorenz(args, limits, rows):
    from reservoir import ESN, ReservoirForecaster, Ridge
    from reservoir.chaos import system_info, trajectory
    from reservoir.metrics import valid_prediction_time
    from reservoirpy.nodes import Ridge as RpyRidge

    n_train, horizon, context = 10000, 2000, 500
    lt = system_info("Lorenz").lyapunov_times_per_step(100)
    _, data = trajectory("Lorenz", n=n_train + horizon, pts_per_period=100, seed=0)
    train, truth = data[:n_train], data[n_train:]
    tests = [trajectory("Lorenz", n=context + horizon, pts_per_period=100, seed=s)[1]
             for s in range(1, args.tests + 1)]
    vpt = lambda y, yhat: valid_prediction_time(y, yhat, threshold=0.4, lyapunov_steps=lt)  # noqa: E731
    esn = ESN(n_units=1000, spectral_radius=0.9, leak_rate=0.3, input_scaling=0.3, random_state=0)
    params = esn.initialize(3)
    mean, std = train.mean(axis=0), train.std(axis=0)

    def ours_same(solver="cholesky"):
        # The peer's readout: ridge 1e-6 (Cholesky, as reservoirpy), or the accurate solve.
        same = ESN.from_weights(our_matrix(params), params["W_in"], params["bias"], leak_rate=0.3)
        fc = ReservoirForecaster(same, Ridge(alpha=1e-6, solver=solver), washout=100, input_concat=False,
                                 squared=False)
        fc.fit(train)
        return fc, lambda ctx, n: fc.forecast(n, context=ctx, on_divergence="ignore"), \
            lambda n: fc.forecast(n, on_divergence="ignore")

    def reservoirpy_model():
        node = reservoirpy_node(params, our_matrix(params), 0.3)
        model = node >> RpyRidge(ridge=1e-6)
        z = (train - mean) / std
        # Fitted on inputs z[:-1]: the state is then the one after z[-2], so feeding z[-1]
        # first makes the first output the prediction of the point after the training data.
        model.fit(z[:-1], z[1:], warmup=100)

        def closed(y, n):
            out = np.empty((n, 3))
            for t in range(n):
                y = model(y)
                out[t] = y
            return out * std + mean

        def from_context(ctx, n):
            node.reset()  # initialised by fit
            zc = (ctx - mean) / std
            model.run(zc[:-1])
            return closed(zc[-1], n)

        return model, from_context, lambda n: closed(z[-1], n)

    def default(dtype, readout=None):
        fc = ReservoirForecaster(ESN(n_units=1000, random_state=0, dtype=dtype), readout).fit(train)
        return fc, lambda ctx, n: fc.forecast(n, context=ctx, on_divergence="ignore"), \
            lambda n: fc.forecast(n, on_divergence="ignore")

    models = [("reservoirpy 0.4 (our weights, states+bias, ridge 1e-6)", reservoirpy_model),
              ("ours, same model (ESN.from_weights)", ours_same),
              ("ours, same model, qr solve", lambda: ours_same("qr")),
              ("ours, same model, jax scan (no kernel)", lambda: _without_kernel(ours_same)),
              ("ours, default forecaster f64 (squared, alpha validated)", lambda: default("float64")),
              ("ours, squared features, Ridge(1e-6) cholesky", lambda: default("float64", Ridge(1e-6, solver="cholesky"))),
              ("ours, squared features, Ridge(1e-6) qr", lambda: default("float64", Ridge(1e-6, solver="qr"))),
              ("ours, default forecaster f32 (squared, alpha validated)", lambda: default("float32"))]
    _without_kernel(ours_same)[2](horizon)
    ours_same()[2](horizon)  # compiles our scans and closed loops once (excluded, as for every timing)
    default("float64")[2](horizon)
    default("float32")[2](horizon)
    for name, build in models:
        fits, forecasts = [], []
        for _ in range(max(1, args.repeats - 2)):
            start = time.perf_counter()
            _, from_context, continue_ = build()
            fits.append(time.perf_counter() - start)
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                Y = continue_(horizon)
            forecasts.append(time.perf_counter() - start)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            vpts = [vpt(X[context:], from_context(X[:context], horizon)) for X in tests]
        entry = {"section": "lorenz", "model": name, "fit_s": min(fits), "forecast_s": min(forecasts),
                 "end_to_end_s": min(f + g for f, g in zip(fits, forecasts)),
                 "vpt_from_training_end_lt": vpt(truth, Y), "vpt_tests_lt": vpts,
                 "vpt_tests_median_lt": float(np.median(vpts))}
        rows.append(entry)
        print(f"  {name:<52} fit {entry['fit_s']:6.2f} s  forecast {entry['forecast_s']:6.2f} s  "
              f"end to end {entry['end_to_end_s']:6.2f} s  VPT {entry['vpt_from_training_end_lt']:5.2f} LT, "
              f"tests median {entry['vpt_tests_median_lt']:5.2f} LT", flush=True)
    limit = lorenz_limit_seconds(n_train, horizon, 1000, 10, limits)
    rows.append({"section": "lorenz_limit", "limit_s": limit})
    print(f"  machine limit of the same-model fit + forecast: {limit:.3f} s (see lorenz_limit_seconds)", flush=True)


def lorenz_limit_seconds(n_train, horizon, n_units, in_degree, limits):
    """The fastest the same-model Lorenz fit + forecast could be on this machine.

    Its parts at their roofline: the harvest and the closed-loop steps (one core each step:
    a scan is sequential), the Gram matrix XᵀX (T·F² flops as BLAS syrk, at the all-core
    FLOP rate) and the Cholesky solve (F³/3). Taken one after another except that the
    Gram product may overlap the harvest: a lower bound, not a plan.
    """
    features = n_units + 1
    step = roofline_seconds(*step_cost(n_units, in_degree), limits)
    readout_flops = 2 * features * 3
    harvest = n_train * step
    gram = n_train * features**2 / limits["flops_all_threads_float64"]
    solve = features**3 / 3 / limits["flops_1thread_float64"]
    forecast = horizon * (step + readout_flops / limits["flops_1thread_float64"])
    return max(harvest, gram) + solve + forecast


# -- 5. memory (one subprocess per measurement) ------------------------------------------------


def memory_child(spec):
    """Run one measurement in this (fresh) process; print peak RSS and seconds as JSON."""
    kind = spec["kind"]
    import jax  # noqa: F401  (imports are part of the baseline)
    import reservoirpy  # noqa: F401

    from reservoir import ESN, ReservoirForecaster
    from reservoir.runner import run

    rng = np.random.default_rng(0)
    start = time.perf_counter()
    if kind == "harvest_ours":
        esn = ESN(n_units=1000, leak_rate=0.3, random_state=0)
        run(esn, esn.initialize(3), rng.standard_normal((spec["steps"], 3)))
    elif kind == "harvest_reservoirpy":
        esn = ESN(n_units=1000, leak_rate=0.3, random_state=0)
        params = esn.initialize(3)
        rpy_run(reservoirpy_node(params, our_matrix(params), 0.3), rng.standard_normal((spec["steps"], 3)))
    elif kind == "batch_ours":
        esn = ESN(n_units=1000, leak_rate=0.3, random_state=0)
        run(esn, esn.initialize(3), rng.standard_normal((16, spec["steps"], 3)))
    elif kind == "batch_reservoirpy":
        esn = ESN(n_units=1000, leak_rate=0.3, random_state=0)
        params = esn.initialize(3)
        node = reservoirpy_node(params, our_matrix(params), 0.3)
        batch = rng.standard_normal((16, spec["steps"], 3))
        _ = [rpy_run(node, b) for b in batch]  # kept, as a user keeps the states
    elif kind in ("lorenz_ours", "lorenz_reservoirpy", "stream_fit"):
        from reservoir.chaos import trajectory

        n = spec["steps"]
        _, train = trajectory("Lorenz", n=min(n, 10000), pts_per_period=100, seed=0)
        if n > len(train):  # long series: the trajectory repeated (memory and time only)
            train = np.tile(train, (-(-n // len(train)), 1))[:n]
        if kind == "lorenz_reservoirpy":
            from reservoirpy.nodes import Ridge as RpyRidge

            esn = ESN(n_units=1000, spectral_radius=0.9, leak_rate=0.3, input_scaling=0.3, random_state=0)
            params = esn.initialize(3)
            node = reservoirpy_node(params, our_matrix(params), 0.3)
            model = node >> RpyRidge(ridge=1e-6)
            z = (train - train.mean(0)) / train.std(0)
            model.fit(z[:-1], z[1:], warmup=100)
            y = z[-1]
            for _ in range(2000):
                y = model(y)
        else:
            squared = kind == "stream_fit"
            fc = ReservoirForecaster(ESN(n_units=1000, spectral_radius=0.9, leak_rate=0.3, random_state=0),
                                     input_concat=squared, squared=squared).fit(train)
            fc.forecast(2000, on_divergence="ignore")
    seconds = time.perf_counter() - start
    print(json.dumps({"kind": kind, "steps": spec.get("steps"), "peak_rss_mib": peak_rss_mib(), "seconds": seconds}))


def peak_rss_mib():
    """This process's peak resident memory in MiB: VmHWM, which (unlike ``ru_maxrss``) starts
    afresh at exec, so a child does not inherit the peak of the process that forked it."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def memory(args, rows):
    specs = [{"kind": "baseline"},
             {"kind": "harvest_ours", "steps": args.steps}, {"kind": "harvest_reservoirpy", "steps": args.steps},
             {"kind": "batch_ours", "steps": args.steps}, {"kind": "batch_reservoirpy", "steps": args.steps},
             {"kind": "lorenz_ours", "steps": 10000}, {"kind": "lorenz_reservoirpy", "steps": 10000},
             {"kind": "stream_fit", "steps": 100_000 if args.quick else 1_000_000}]
    for spec in specs:
        out = subprocess.run([sys.executable, __file__, "--child", json.dumps(spec)], capture_output=True,
                             text=True, check=False)
        lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
        if out.returncode != 0 or not lines:
            print(f"  memory {spec}: failed\n{out.stderr[-2000:]}", flush=True)
            continue
        entry = {"section": "memory", **json.loads(lines[-1])}
        if spec["kind"] == "stream_fit":
            # What the unchunked fit would have held: the (T, F) float64 feature matrix alone.
            entry["unchunked_feature_matrix_mib"] = spec["steps"] * (1 + 3 + 2 * 1000) * 8 / 2**20
        rows.append(entry)
        print(f"  memory {entry['kind']:<20} steps={str(entry['steps']):>8}  peak RSS {entry['peak_rss_mib']:8.0f} MiB  "
              f"({entry['seconds']:.1f} s)", flush=True)


# -- 6. spiking and quantum --------------------------------------------------------------------


def spiking_and_quantum(args, limits, rows):
    from quantum import QRNNReservoir
    from reservoir import LSM
    from reservoir.runner import run

    rng = np.random.default_rng(2)
    steps_per_input, n = 10, 1000
    n_in = 200 if args.quick else 500
    lsm = LSM(n_units=n, steps_per_input=steps_per_input, initial_weight=1.0, random_state=0)
    params = lsm.initialize(64)
    U = rng.uniform(0, 0.3, (n_in, 64))
    run(lsm, params, U)
    seconds = best_time(lambda: run(lsm, params, U), args.repeats)
    k_mean = float((np.asarray(params["W_sign"]) != 0).sum(axis=0).mean())
    neuron_steps = n * n_in * steps_per_input
    # per neuron-ms: a multiply-add per synapse (k gathers) and ~10 flops of LIF update;
    # bytes: index + weight + gathered spike per synapse, ~6 state values read and written.
    flops = neuron_steps * (2 * k_mean + 10)
    bytes_ = neuron_steps * (k_mean * (4 + 8 + 8) + 6 * 16)
    roof = max(flops / limits["flops_1thread_float64"], bytes_ / limits["bandwidth_l2"])
    entry = {"section": "spiking", "n_units": n, "mean_in_degree": k_mean, "neuron_steps_per_s": neuron_steps / seconds,
             "roofline_fraction": roof / seconds}
    rows.append(entry)
    print(f"  LSM N={n}: {entry['neuron_steps_per_s'] / 1e6:.1f} M neuron-steps/s, "
          f"{entry['roofline_fraction']:.1%} of roofline", flush=True)

    q = QRNNReservoir(cell="lstm", n_qubits=4, n_layers=2, random_state=0)
    qp = q.initialize(1)
    circuits = int(np.shape(qp["unitaries"])[0])
    dim = 2 ** 4
    for label, inputs in (("1 sequence", rng.normal(size=(2000, 1))), ("batch of 64", rng.normal(size=(64, 300, 1)))):
        run(q, qp, inputs)
        seconds = best_time(lambda: run(q, qp, inputs), args.repeats)
        steps = int(np.prod(inputs.shape[:-1]))
        # per circuit: a complex (2^n x 2^n) matrix-vector product (8 flops per complex MAC),
        # encoding and |amplitude|^2; the unitary (16 bytes per entry) read from cache.
        flops = steps * circuits * (8 * dim * dim + 4 * dim)
        bytes_ = steps * circuits * (16 * dim * dim + 32 * dim)
        roof = max(flops / limits["flops_1thread_float64"], bytes_ / limits["bandwidth_l2"])
        entry = {"section": "quantum", "path": label, "circuits_per_step": circuits,
                 "steps_per_s": steps / seconds, "circuit_steps_per_s": steps * circuits / seconds,
                 "roofline_fraction": roof / seconds}
        rows.append(entry)
        print(f"  QRNN exact, {label}: {entry['steps_per_s']:.0f} steps/s = "
              f"{entry['circuit_steps_per_s']:.0f} circuit-steps/s, {entry['roofline_fraction']:.1%} of roofline",
              flush=True)


# -- summary -----------------------------------------------------------------------------------


def summary(rows, limits):
    lines = []
    get = lambda section, **kw: [r for r in rows if r["section"] == section  # noqa: E731
                                 and all(r.get(k) == v for k, v in kw.items())]
    h = get("harvest", n_units=1000, in_degree=10)
    if h:
        ratio = h[0]["reservoirpy_s"] / h[0]["ours_f64_s"]
        ratio32 = h[0]["reservoirpy_s"] / h[0]["ours_f32_s"]
        lines.append(f"harvest N=1000 k=10 >= 3x reservoirpy: {'MET' if ratio >= 3 else 'UNMET'} "
                     f"(f64 {ratio:.2f}x {'with the kernel' if h[0]['kernel'] else 'jax scan'}; jax scan "
                     f"{h[0]['reservoirpy_s'] / h[0]['ours_jax_s']:.2f}x; f32 {ratio32:.2f}x); "
                     f"{h[0]['roofline_step_s'] * h[0]['steps'] / h[0]['ours_f64_s']:.0%} of the FLOP/byte roofline")
    b = get("batch16")
    if b:
        ratio = b[0]["reservoirpy_one_by_one_s"] / b[0]["ours_batch_last_s"]
        one_core = (f"; on one core {b[0]['reservoirpy_one_by_one_s'] / b[0]['ours_kernel_1core_s']:.2f}x"
                    if "ours_kernel_1core_s" in b[0] else "")
        lines.append(f"batch of 16 >= 8x reservoirpy one by one: {'MET' if ratio >= 8 else 'UNMET'} ({ratio:.2f}x "
                     f"on {b[0].get('kernel_cores', 1)} cores{one_core}; jax scan "
                     f"{b[0]['reservoirpy_one_by_one_s'] / b[0]['ours_jax_batch_last_s']:.2f}x)")
    e = get("ensemble16")
    if e:
        ratio = e[0]["reservoirpy_one_by_one_s"] / e[0]["ours_run_ensemble_s"]
        lines.append(f"(ensemble of 16 vs reservoirpy one by one: {ratio:.2f}x)")
    lz = get("lorenz")
    if len(lz) >= 2:
        theirs, ours = lz[0], lz[1]
        ratio = theirs["end_to_end_s"] / ours["end_to_end_s"]
        same = abs(ours["vpt_tests_median_lt"] - theirs["vpt_tests_median_lt"])
        limit = get("lorenz_limit")
        lines.append(f"Lorenz N=1000 fit + forecast >= 2x reservoirpy: {'MET' if ratio >= 2 else 'UNMET'} "
                     f"({ratio:.2f}x end to end; VPT tests median ours {ours['vpt_tests_median_lt']:.2f} vs "
                     f"reservoirpy {theirs['vpt_tests_median_lt']:.2f} LT, |diff| {same:.2f}; from training end "
                     f"{ours['vpt_from_training_end_lt']:.2f} vs {theirs['vpt_from_training_end_lt']:.2f} LT)"
                     + (f"; {limit[0]['limit_s'] / ours['end_to_end_s']:.0%} of the machine limit "
                        f"({limit[0]['limit_s']:.3f} s)" if limit else ""))
    m = get("memory", kind="stream_fit")
    if m:
        peak = m[0]["peak_rss_mib"]
        lines.append(f"fit {m[0]['steps']} steps at N=1000 < 1 GB: {'MET' if peak < 1000 else 'UNMET'} "
                     f"(peak RSS {peak:.0f} MiB incl. imports; unchunked features alone would be "
                     f"{m[0]['unchunked_feature_matrix_mib']:.0f} MiB)")
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short runs; no N=4000, no 10^6-step fit")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--only", default="machine,harvest,batch,lorenz,memory,spiking",
                        help="comma-separated sections")
    parser.add_argument("--out", default="out/speed_suite.json")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        spec = json.loads(args.child)
        if spec["kind"] == "baseline":
            import jax  # noqa: F401
            import reservoirpy  # noqa: F401

            import reservoir  # noqa: F401

            print(json.dumps({"kind": "baseline", "steps": None, "peak_rss_mib": peak_rss_mib(), "seconds": 0.0}))
        else:
            memory_child(spec)
        return
    args.steps = 5000 if args.quick else 20000
    args.tests = 3 if args.quick else 10
    args.repeats = args.repeats or (3 if args.quick else 5)
    sections = set(args.only.split(","))

    import jax

    rows = []
    loads = [load()]
    from reservoir.kernels import native

    print(f"jax {jax.__version__} on {jax.default_backend()}, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, load average {loads[0]}; compiled kernel for -march={native.target()} "
          f"(RESERVOIR_NATIVE_MARCH): {'built' if native.sparse_esn_kernel() else 'unavailable, jax scan'}", flush=True)
    limits = machine_limits(args.quick)
    print("machine: " + ", ".join(f"{k} {v / 1e9:.1f} G/s" for k, v in limits.items()), flush=True)
    runs = [
        ("harvest", "harvest (one sequence, 3 inputs, leak 0.3, float64 unless said):",
         lambda: harvest(args, limits, rows)),
        ("batch", "batch of 16 sequences / ensemble of 16 reservoirs, N=1000, k=10:",
         lambda: batch_and_ensemble(args, limits, rows)),
        ("lorenz", "Lorenz-63, N=1000, fit on 10,000 points + 2,000-step closed-loop forecast:",
         lambda: lorenz(args, limits, rows)),
        ("spiking", "spiking and quantum steps:", lambda: spiking_and_quantum(args, limits, rows)),
        ("memory", "peak memory (a fresh subprocess per line; VmHWM = whole process incl. imports):",
         lambda: memory(args, rows)),
    ]
    for section, title, measure in runs:
        if section in sections:
            print(title, flush=True)
            measure()
            loads.append(load())
    lines = summary(rows, limits)
    print(f"\nbars (load average during the run: {loads}):")
    for line in lines:
        print("  " + line)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"quick": args.quick, "steps": args.steps, "repeats": args.repeats,
                               "jax": jax.__version__, "backend": jax.default_backend(),
                               "cores": os.cpu_count(), "load_average": loads, "machine": limits,
                               "kernel_march": native.target(),
                               "rows": rows, "bars": lines}, indent=2, default=str))
    print(f"written: {out}")


if __name__ == "__main__":
    main()
