"""Simulation speed of the spiking liquids: simulated neuron-steps (neuron x ms) per second.

For liquids of 1000 neurons (the authors' NALSM1000) and 8000 (NALSM8000), on the CPU:

- ``frozen, 1 sequence``: the LSM step through ``reservoir.runner.run`` (one sequence,
  ``jax.lax.scan``), Bernoulli-encoded input of ``--inputs`` dimensions, as in the readout
  phase;
- ``frozen, batch of B``: B sequences at once (``vmap``), as ``ReservoirClassifier`` runs
  equal-length sequences;
- ``STDP + astrocyte``: ``NeuronAstrocyteLSM.adapt`` (plasticity on every synapse each ms).

Each timing is the best of ``--repeats`` runs after a warm-up call that compiles; the
compile time is reported separately. A neuron-step is one neuron advanced by 1 ms.

Run: ``python benchmarks/spiking_speed.py [--sizes 1000 8000] [--ms 2000] [--batch 32]
[--out out/spiking_speed]``
"""

import argparse
import json
import os
import platform
import time
from pathlib import Path

import jax
import numpy as np

from reservoir import LSM, NeuronAstrocyteLSM
from reservoir.runner import run


def best_time(fn, repeats):
    start = time.perf_counter()
    fn()  # compiles
    compile_s = time.perf_counter() - start
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), compile_s


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 8000])
    parser.add_argument("--ms", type=int, default=2000, help="simulated ms per sequence")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--inputs", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default="out/spiking_speed")
    args = parser.parse_args()

    steps_per_input = 10
    n_steps = args.ms // steps_per_input
    rng = np.random.default_rng(0)
    U = rng.uniform(0, 0.3, (n_steps, args.inputs))
    batch = rng.uniform(0, 0.3, (args.batch, n_steps // 4, args.inputs))  # shorter sequences, B of them
    rows = []
    for n in args.sizes:
        kwargs = dict(n_units=n, steps_per_input=steps_per_input, initial_weight=1.0, random_state=0)
        lsm = LSM(**kwargs)
        params = lsm.initialize(args.inputs)
        degree = (params["W_sign"] != 0).sum(axis=0)
        single, c1 = best_time(lambda: run(lsm, params, U), args.repeats)
        batched, c2 = best_time(lambda: run(lsm, params, batch), args.repeats)
        nalsm = NeuronAstrocyteLSM(**kwargs)
        nparams = nalsm.initialize(args.inputs)
        plastic, c3 = best_time(lambda: nalsm.adapt(nparams, [U]), args.repeats)
        row = {
            "n_units": n,
            "mean_in_degree": float(degree.mean()),
            "padded_in_degree": int(params["W_idx"].shape[0]),
            "frozen_single": n * args.ms / single,
            "frozen_batch": n * batch.shape[0] * batch.shape[1] * steps_per_input / batched,
            "stdp_astrocyte": n * args.ms / plastic,
            "compile_s": [c1 - single, c2 - batched, c3 - plastic],
        }
        rows.append(row)
        print(f"N={n}: {row}", flush=True)

    cores = os.cpu_count()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\nneuron-steps per second (1 neuron x 1 ms), jax {jax.__version__} on {jax.default_backend()}, "
          f"{platform.processor() or platform.machine()}, {cores} cores, load average {load:.1f}, float64")
    print(f"{'neurons':>8} {'in-degree (mean/padded)':>24} {'frozen, 1 sequence':>20} "
          f"{f'frozen, batch of {args.batch}':>22} {'STDP + astrocyte':>18}")
    for r in rows:
        print(f"{r['n_units']:>8} {r['mean_in_degree']:>15.1f} / {r['padded_in_degree']:<6} "
              f"{r['frozen_single'] / 1e6:>18.1f} M {r['frozen_batch'] / 1e6:>20.1f} M "
              f"{r['stdp_astrocyte'] / 1e6:>16.1f} M")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps({"args": vars(args), "cores": cores, "load_average": load,
                                                  "rows": rows}, indent=2))
    print(f"\nwritten: {out / 'results.json'}")


if __name__ == "__main__":
    main()
