"""State-harvesting throughput against reservoirpy, measured in the same process.

N = 1000 units, in-degree 10 (reservoirpy: rc_connectivity = 10 / N), 20,000 steps of a
3-D input, float64 on the CPU. Each library runs the same sequence several times; the best
time counts (compilation excluded for ours; it is printed separately). Also reported: our
throughput per sequence when 8 sequences run batched in one call.

``--march`` times the compiled kernel built for each ``-march`` target listed (the value of
``RESERVOIR_NATIVE_MARCH``; ``jax`` is the jax scan, ``RESERVOIR_NATIVE=0``), all in this one
process, with the largest difference of its states from the jax scan's and the number of
AVX-512 (zmm) operands in its library (``objdump``), so that e.g. an AVX2 build can be
measured on an AVX-512 machine.

``--clock cpu`` times with the process's CPU time (all its threads, user + system) instead of
the wall clock: on a machine shared with other jobs, time slices lost to them do not count.

Run: ``python benchmarks/harvest_speed.py [--units 1000] [--steps 20000] [--repeats 5]
[--march native,x86-64-v3,x86-64,jax] [--clock wall|cpu]``
"""

import argparse
import os
import shutil
import subprocess
import time

import numpy as np

from reservoir import ESN
from reservoir.kernels import applies, native
from reservoir.runner import run


def use(target):
    """Route harvests to the kernel built for ``target`` (or to the jax scan for "jax")."""
    if target == "jax":
        os.environ["RESERVOIR_NATIVE"] = "0"
    else:
        os.environ.pop("RESERVOIR_NATIVE", None)
        os.environ[native.MARCH_VARIABLE] = target


def zmm_operands(target):
    """Instructions using a zmm (AVX-512) register in the library built for ``target``, or None."""
    path = native.library_path(target)
    if path is None or shutil.which("objdump") is None:
        return None
    listing = subprocess.run(["objdump", "-d", str(path)], capture_output=True, text=True).stdout
    return sum("zmm" in line for line in listing.splitlines())


def best_time(fn, repeats, clock=time.perf_counter):
    """The shortest ``clock`` time of ``repeats`` calls of ``fn()``."""
    times = []
    for _ in range(repeats):
        start = clock()
        fn()
        times.append(clock() - start)
    return min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--in-degree", type=int, default=10)
    parser.add_argument("--steps", type=int, default=20000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--march", default=os.environ.get(native.MARCH_VARIABLE, "native"),
                        help="comma-separated -march targets for the kernel, or jax (default: "
                             "$RESERVOIR_NATIVE_MARCH or native)")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="wall clock, or the process's CPU time (robust on a shared machine)")
    args = parser.parse_args()
    clock = time.process_time if args.clock == "cpu" else time.perf_counter

    rng = np.random.default_rng(0)
    inputs = rng.standard_normal((args.steps, 3))
    batch = rng.standard_normal((args.batch, args.steps, 3))
    esn = ESN(n_units=args.units, in_degree=args.in_degree, spectral_radius=0.9, leak_rate=0.3, random_state=0)
    params = esn.initialize(3)
    use("jax")
    reference = run(esn, params, inputs)[0]

    rows = []
    for target in args.march.split(","):
        use(target)
        if target != "jax" and not applies(esn, params):
            print(f"{target}: no kernel could be built or run here; skipped")
            continue
        start = time.perf_counter()
        feats = run(esn, params, inputs)[0]
        first = time.perf_counter() - start
        diff = float(np.abs(feats - reference).max())
        single = best_time(lambda: run(esn, params, inputs), args.repeats, clock)
        run(esn, params, batch)
        batched = best_time(lambda: run(esn, params, batch), max(1, args.repeats // 2), clock) / args.batch
        rows.append((target, single, batched, diff, None if target == "jax" else zmm_operands(target), first))
    use(args.march.split(",")[0])

    try:
        from reservoirpy.nodes import Reservoir
    except ImportError:
        Reservoir = None
    theirs = None
    if Reservoir is not None:
        peer = Reservoir(args.units, rc_connectivity=args.in_degree / args.units, sr=0.9, lr=0.3, seed=0)
        peer.run(inputs[:10])
        theirs = best_time(lambda: peer.run(inputs), args.repeats, clock)

    print(f"\nState harvesting: N={args.units}, in-degree {args.in_degree}, {args.steps} steps, best of "
          f"{args.repeats} ({args.clock} clock); batched: {args.batch} sequences in one call, time per sequence")
    print(f"{'ours (target)':<14} {'1 seq (s)':>9} {'steps/s':>9} {'batched (s)':>11} {'max|x - jax|':>12} "
          f"{'zmm ops':>7} {'first call':>10}" + (f" {'x rpy':>6} {'x rpy batched':>13}" if theirs else ""))
    for target, single, batched, diff, zmm, first in rows:
        print(f"{target:<14} {single:>9.3f} {args.steps / single:>9.0f} {batched:>11.3f} {diff:>12.1e} "
              f"{'-' if zmm is None else zmm:>7} {first:>9.2f}s"
              + (f" {theirs / single:>5.2f}x {theirs / batched:>12.2f}x" if theirs else ""))
    if theirs:
        print(f"{'reservoirpy 0.4 Reservoir.run (scipy CSR, f64)':<52} {theirs:.3f} s, "
              f"{args.steps / theirs:.0f} steps/s")


if __name__ == "__main__":
    main()
