"""The ``esn`` with its free-run check against the same ESN without it, on the short-horizon
``gilpin2023`` protocol (fit 1000, forecast 200, sMAPE): does the check, tuned for 5000-step
forecasts, cost the 200-step ones anything?

Both models share the grid and the validation choice; ``esn_plain`` is the former template
``ReservoirForecaster(ESN())``. Systems: every K-th of the 135 (default 7: 20 systems).

Run: ``python benchmarks/esn_free_run_gilpin.py --out FILE [--every 7]`` (resumes FILE).
"""

import argparse
import json
from dataclasses import replace

import numpy as np

from reservoir import ESN, ReservoirForecaster
from reservoir.bench import run_benchmark
from reservoir.bench.models import get_model
from reservoir.chaos import list_systems


def _plain():
    return ReservoirForecaster(ESN())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--every", type=int, default=7)
    args = parser.parse_args()
    new = get_model("esn")
    plain = replace(new, name="esn_plain", template=_plain)
    run_benchmark("gilpin2023", [new, plain], list_systems()[::args.every], store=args.out, scheduler="serial",
                  progress=False)
    records = [json.loads(line) for line in open(args.out)]
    smape = {name: {r["system"]: r["metrics"]["smape"] for r in records if r["model"] == name and r["metrics"]}
             for name in ("esn", "esn_plain")}
    for name, scores in smape.items():
        values = np.array(list(scores.values()))
        q1, med, q3 = np.percentile(values, [25, 50, 75])
        print(f"{name:>9}: {len(values)} systems, median sMAPE {med:.2f} (IQR {q1:.2f}-{q3:.2f})")
    both = sorted(set(smape["esn"]) & set(smape["esn_plain"]))
    delta = np.array([smape["esn"][s] - smape["esn_plain"][s] for s in both])
    print(f"with the check: sMAPE lower on {int(np.sum(delta < -1e-9))}, higher on {int(np.sum(delta > 1e-9))}, "
          f"equal on {int(np.sum(np.abs(delta) <= 1e-9))}")


if __name__ == "__main__":
    main()
