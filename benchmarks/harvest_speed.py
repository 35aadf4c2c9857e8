"""State-harvesting throughput against reservoirpy, measured in the same process.

N = 1000 units, in-degree 10 (reservoirpy: rc_connectivity = 10 / N), 20,000 steps of a
3-D input, float64 on the CPU. Each library runs the same sequence several times; the best
time counts (compilation excluded for ours; it is printed separately). Also reported: our
throughput per sequence when 8 sequences run batched (vmapped) in one scan.

Run: ``python benchmarks/harvest_speed.py [--units 1000] [--steps 20000] [--repeats 5]``
"""

import argparse
import time

import numpy as np

from reservoir import ESN
from bench_timing import best_time
from reservoir.runner import run


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--in-degree", type=int, default=10)
    parser.add_argument("--steps", type=int, default=20000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch", type=int, default=8)
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    inputs = rng.standard_normal((args.steps, 3))
    rows = []

    esn = ESN(n_units=args.units, in_degree=args.in_degree, spectral_radius=0.9, leak_rate=0.3, random_state=0)
    params = esn.initialize(3)
    start = time.perf_counter()
    run(esn, params, inputs)
    first = time.perf_counter() - start
    ours = best_time(lambda: run(esn, params, inputs), args.repeats)
    rows.append(("reservoir ESN.run (jax scan, f64)", ours, args.steps / ours))
    print(f"(our first call, including compilation: {first:.2f} s)")

    batch = rng.standard_normal((args.batch, args.steps, 3))
    run(esn, params, batch)
    batched = best_time(lambda: run(esn, params, batch), max(1, args.repeats // 2))
    rows.append((f"reservoir, {args.batch} sequences batched (per sequence)", batched / args.batch,
                 args.batch * args.steps / batched))

    try:
        from reservoirpy.nodes import Reservoir
    except ImportError:
        Reservoir = None
    if Reservoir is not None:
        peer = Reservoir(args.units, rc_connectivity=args.in_degree / args.units, sr=0.9, lr=0.3, seed=0)
        peer.run(inputs[:10])
        theirs = best_time(lambda: peer.run(inputs), args.repeats)
        rows.append(("reservoirpy 0.4 Reservoir.run (scipy CSR, f64)", theirs, args.steps / theirs))

    print(f"\nState harvesting: N={args.units}, in-degree {args.in_degree}, {args.steps} steps, best of {args.repeats}")
    print(f"{'implementation':<52} {'time (s)':>9} {'steps/s':>10}")
    for name, seconds, rate in rows:
        print(f"{name:<52} {seconds:>9.3f} {rate:>10.0f}")
    if Reservoir is not None:
        print(f"\nthroughput ratio, ours / reservoirpy: {theirs / ours:.2f}x single sequence, "
              f"{theirs / rows[1][1]:.2f}x per sequence batched")


if __name__ == "__main__":
    main()
