"""Floor baselines and NVAR/NG-RC under the Gilpin 2023 protocol (fit 1000, forecast 200).

For each system: a 1200-point trajectory at 100 points per period
(``reservoir.chaos.trajectory``, DOP853 1e-10, seed 1 = test IC); fit on the first 1000
points, forecast 200 in closed loop, score sMAPE (0-200 scale) on raw coordinates.
The NVAR models pick their hyperparameters on a separate trajectory (seed 0, same split,
criterion sMAPE) as in the 2023 benchmark; the baselines have none (parroting: m = 10).

Reference (``reference/chaos_benchmark.md`` §5.2, different data): parroting median
50.7 over 134 systems, Lorenz 80.8; persistence Lorenz 117.2; linear NVAR median 69-84.

Measured (dysts 0.95, all 135 systems, median sMAPE and IQR):
persistence 116.2 (81.8-133.1), mean 134.3 (106.3-157.1), parroting 41.9 (16.8-92.2),
linear NVAR 73.7 (34.9-107.7), quadratic NG-RC 4.5 (0.2-200; 36 systems diverge and
score 200). NG-RC is so good here because the data are noise-free and densely sampled:
on a quadratic vector field it learns a multistep integrator of the flow.

Usage: ``PYTHONPATH=. python benchmarks/baselines_gilpin.py [--all] [SYSTEM ...]``
"""

import argparse
import time
import warnings

import numpy as np

from reservoir.baselines import ContextParroting, MeanForecaster, PersistenceForecaster
from reservoir.chaos import list_systems, trajectory
from reservoir.forecaster import ForecastDivergenceWarning
from reservoir.metrics import smape
from reservoir.nvar import NVARForecaster

DEFAULT_SYSTEMS = ["Lorenz", "Rossler", "Chen", "MackeyGlass", "HyperLorenz", "Duffing"]
N_FIT, N_TEST = 1000, 200

# Grids searched on the tuning trajectory. Linear NVAR: the 2023 delays (delay = number of
# copies, spaced by one step). NG-RC: a few memory lengths and penalties.
LINEAR_GRID = [dict(order=1, delay=tau, skip=1, alpha=1e-6) for tau in (2, 5, 15, 30, 60, 120)]
QUADRATIC_GRID = [dict(order=2, delay=k, skip=s, alpha=a)
                  for k in (2, 3) for s in (1, 5) for a in (1e-6, 1e-3)]


def score(model, X):
    """sMAPE of a 200-step forecast after fitting on the first 1000 points (inf if it fails)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ForecastDivergenceWarning)
        try:
            forecast = model.fit(X[:N_FIT]).forecast(N_TEST)
        except (ValueError, np.linalg.LinAlgError):
            return np.inf
    if not np.all(np.isfinite(forecast)):
        return 200.0  # a diverged forecast scores the sMAPE maximum
    return smape(X[N_FIT:N_FIT + N_TEST], forecast)


def tuned(grid, X_tune):
    scores = [score(NVARForecaster(**params), X_tune) for params in grid]
    return NVARForecaster(**grid[int(np.argmin(scores))])


def run(system):
    _, X_tune = trajectory(system, n=N_FIT + N_TEST, pts_per_period=100, seed=0)
    _, X = trajectory(system, n=N_FIT + N_TEST, pts_per_period=100, seed=1)
    linear, quadratic = tuned(LINEAR_GRID, X_tune), tuned(QUADRATIC_GRID, X_tune)
    models = {
        "persistence": PersistenceForecaster(),
        "mean": MeanForecaster(),
        "parroting": ContextParroting(context_length=10),
        "nvar_linear": linear,
        "ngrc_quadratic": quadratic,
    }
    row = {name: score(model, X) for name, model in models.items()}
    row["linear_delay"] = linear.delay
    q = quadratic.get_params()
    row["quadratic_params"] = f"k={q['delay']},s={q['skip']},a={q['alpha']:g}"
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("systems", nargs="*", default=None)
    parser.add_argument("--all", action="store_true", help="all 135 dysts systems")
    args = parser.parse_args()
    systems = list_systems() if args.all else (args.systems or DEFAULT_SYSTEMS)
    names = ["persistence", "mean", "parroting", "nvar_linear", "ngrc_quadratic"]
    print(f"{'system':<24}" + "".join(f"{n:>16}" for n in names) + "  tuned")
    rows = {}
    start = time.perf_counter()
    for system in systems:
        try:
            rows[system] = row = run(system)
        except RuntimeError as err:  # an integration failure (e.g. VossDelay)
            print(f"{system:<24} failed: {err}")
            continue
        print(f"{system:<24}" + "".join(f"{row[n]:>16.1f}" for n in names)
              + f"  tau={row['linear_delay']} {row['quadratic_params']}", flush=True)
    table = np.array([[rows[s][n] for n in names] for s in rows])
    print(f"{'median':<24}" + "".join(f"{v:>16.1f}" for v in np.median(table, axis=0)))
    print(f"{len(rows)} systems in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
