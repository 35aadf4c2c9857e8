"""Timing helper shared by the benchmark scripts (they run as ``python benchmarks/NAME.py``,
so this folder is on the import path)."""

import time


def best_time(fn, repeats):
    """The shortest wall time of ``repeats`` calls of ``fn()``: the least disturbed run."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)
