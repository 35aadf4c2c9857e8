"""Wall time of the default forecaster's fit, repeated in one process.

``ReservoirForecaster(ESN(n_units=1000, random_state=0))`` (qr readout, penalty chosen by
closed-loop validation on the held-out 20 %) fitted on 10,000 Lorenz points (dysts, 100 points
per period, seed 0) ``--repeats`` times in a row; the first fit includes compilation. Compare
two versions of the package by running this script with each on ``PYTHONPATH``, alternating.

Run: ``python benchmarks/default_fit_time.py [--repeats 4] [--units 1000]``
"""

import argparse
import time

from reservoir import ESN, ReservoirForecaster
from reservoir.chaos import trajectory


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=4)
    parser.add_argument("--units", type=int, default=1000)
    args = parser.parse_args()
    _, data = trajectory("Lorenz", n=10000, pts_per_period=100, seed=0)
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        ReservoirForecaster(ESN(n_units=args.units, random_state=0)).fit(data)
        times.append(time.perf_counter() - start)
    print("fits (s): " + " ".join(f"{t:.2f}" for t in times) + f"; best after the first: {min(times[1:] or times):.2f} s")


if __name__ == "__main__":
    main()
