"""The Gram sum XᵀX of streamed blocks: scipy's BLAS ``dsyrk`` called through ctypes into the
running sum (``reservoir.readouts.block_sums.syrk_accumulate``) against ``acc += X.T @ X``,
measured in one process.

numpy computes ``X.T @ X`` with ``dsyrk`` too (it recognises the transposed pair) and
releases the GIL as the ctypes call does; what differs is the F x F temporary, the mirror
copy of its triangle and the ``+=`` pass over it. Two measurements, the variants interleaved:

1. one block of 1024 rows (the ridge readout's block size) with one BLAS thread, as each
   ``BlockSums`` lane runs it: seconds per block and the temporary's size (tracemalloc);
2. the whole fit of a forecaster on Lorenz-63 (10,000 points, N = 1000, squared features:
   F = 2004 columns incl. the input), with ``Ridge(1e-6)`` by Cholesky and by the two-pass
   ``"qr"`` solve (whose second pass sums QᵀQ the same way): time, peak memory allocated
   by numpy during the fit (tracemalloc, a separate untimed run), and the largest
   difference of the coefficients between the variants.

Timings on a shared machine are noisy: medians and IQR over ``--repeats`` interleaved runs.

Run: ``python benchmarks/gram_products.py [--repeats 7]``
"""

import argparse
import time
import tracemalloc

import numpy as np
from threadpoolctl import threadpool_limits

from reservoir import ESN, ReservoirForecaster, Ridge
from reservoir.chaos import trajectory
from reservoir.readouts import block_sums

CAPSULE = block_sums.syrk_accumulate


def matmul_accumulate(total, X):
    """The plain alternative: ``total += X.T @ X``."""
    total += X.T @ X


VARIANTS = {"capsule dsyrk": CAPSULE, "acc += X.T @ X": matmul_accumulate}


def quartiles(values):
    q1, q2, q3 = np.percentile(values, [25, 50, 75])
    return f"{q2:8.4f} s (IQR {q1:.4f}-{q3:.4f})"


def one_block(n_features, repeats):
    X = np.random.default_rng(0).standard_normal((1024, n_features))
    times = {name: [] for name in VARIANTS}
    temporary = {}
    with threadpool_limits(1, user_api="blas"):
        for name, accumulate in VARIANTS.items():
            total = np.zeros((n_features, n_features))
            accumulate(total, X)  # warm-up
            tracemalloc.start()
            accumulate(total, X)
            temporary[name] = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
        for _ in range(repeats):
            for name, accumulate in VARIANTS.items():
                total = np.zeros((n_features, n_features))
                start = time.perf_counter()
                accumulate(total, X)
                times[name].append(time.perf_counter() - start)
    for name in VARIANTS:
        print(f"  F={n_features:5d}  {name:<16} {quartiles(times[name])}  temporary {temporary[name]:6.1f} MiB")
    ratio = np.median(times["acc += X.T @ X"]) / np.median(times["capsule dsyrk"])
    print(f"  F={n_features:5d}  matmul / capsule: {ratio:.2f}x per block")


def whole_fit(repeats):
    _, data = trajectory("Lorenz", n=10000, pts_per_period=100, seed=0)
    for solver in ("cholesky", "qr"):
        times = {name: [] for name in VARIANTS}
        coefs = {}

        def fit():
            return ReservoirForecaster(ESN(n_units=1000, random_state=0), Ridge(1e-6, solver=solver)).fit(data)

        fit()  # compiles once
        peak = {}
        for name, accumulate in VARIANTS.items():
            block_sums.syrk_accumulate = accumulate
            try:
                tracemalloc.start()
                fit()
                peak[name] = tracemalloc.get_traced_memory()[1] / 2**20
                tracemalloc.stop()
            finally:
                block_sums.syrk_accumulate = CAPSULE
        for _ in range(repeats):
            for name, accumulate in VARIANTS.items():
                block_sums.syrk_accumulate = accumulate  # _Lane.add looks it up at each call
                try:
                    start = time.perf_counter()
                    model = fit()
                    times[name].append(time.perf_counter() - start)
                finally:
                    block_sums.syrk_accumulate = CAPSULE
                coefs[name] = np.asarray(model.readout_.coef_)
        for name in VARIANTS:
            print(f"  fit, Ridge(1e-6, solver={solver!r}), {name:<16} {quartiles(times[name])}  "
                  f"peak traced memory {peak[name]:6.0f} MiB")
        ratio = np.median(times["acc += X.T @ X"]) / np.median(times["capsule dsyrk"])
        diff = np.abs(coefs["acc += X.T @ X"] - coefs["capsule dsyrk"]).max() / np.abs(coefs["capsule dsyrk"]).max()
        print(f"  fit, solver={solver!r}: matmul / capsule {ratio:.2f}x; coefficients differ by "
              f"{diff:.1e} of the largest")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    print("one block of 1024 rows, one BLAS thread (median of interleaved runs):")
    for n_features in (1001, 2004):
        one_block(n_features, args.repeats * 3)
    print("whole fit, Lorenz-63, 10,000 points, N = 1000, squared features:")
    whole_fit(args.repeats)


if __name__ == "__main__":
    main()
