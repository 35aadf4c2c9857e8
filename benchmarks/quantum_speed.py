"""Speed of the exact fast path against qiskit's Statevector, per step, on one QLSTM reservoir.

The reservoir: ``QRNNReservoir(cell="lstm", n_qubits=4, n_layers=2)`` with one input (hidden
size 3, six circuits per step). The sequence: ``--steps`` standard-normal inputs. Compared:

- qiskit: ``backend="qiskit"``, qiskit's ``Statevector`` of every bound circuit at every step
  (the angles are bound once per sequence, only the step inputs per step);
- exact: ``backend="exact"``, the same cell as jax array code in the shared runner's compiled
  scan (timed after a warm-up call that compiles it), one sequence;
- exact, batched: ``--batch`` sequences of the same length in one vmapped scan (steps counted
  over all sequences).

The two paths' features are also compared (maximum absolute difference).

Run: ``python benchmarks/quantum_speed.py [--steps 300] [--batch 64] [--repeats 5]``
"""

import argparse
import time

import numpy as np

from quantum import QRNNReservoir
from bench_timing import best_time
from reservoir.runner import run


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    exact = QRNNReservoir(cell="lstm", n_qubits=4, n_layers=2, random_state=0)
    reference = QRNNReservoir(cell="lstm", n_qubits=4, n_layers=2, backend="qiskit", random_state=0)
    params = exact.initialize(1)
    inputs = np.random.default_rng(0).normal(size=(args.steps, 1))
    batch = np.random.default_rng(1).normal(size=(args.batch, args.steps, 1))

    start = time.perf_counter()
    slow, _ = run(reference, params, inputs)
    qiskit_seconds = time.perf_counter() - start
    fast, _ = run(exact, params, inputs)  # compiles
    exact_seconds = best_time(lambda: run(exact, params, inputs), args.repeats)
    run(exact, params, batch)  # compiles the batched scan
    batch_seconds = best_time(lambda: run(exact, params, batch), args.repeats)

    rows = [
        ("qiskit Statevector per step", qiskit_seconds, args.steps),
        ("exact (jax scan), 1 sequence", exact_seconds, args.steps),
        (f"exact (vmapped scan), {args.batch} sequences", batch_seconds, args.batch * args.steps),
    ]
    base = args.steps / qiskit_seconds
    print(f"4-qubit QLSTM reservoir (2 layers, 6 circuits/step), {args.steps}-step sequence; "
          f"max |exact - qiskit| over all features = {np.abs(fast - slow).max():.1e}")
    print(f"{'path':<38} {'seconds':>9} {'steps/s':>12} {'vs qiskit':>10}")
    for name, seconds, steps in rows:
        print(f"{name:<38} {seconds:>9.4f} {steps / seconds:>12.0f} {steps / seconds / base:>9.0f}x")


if __name__ == "__main__":
    main()
