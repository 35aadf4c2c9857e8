"""Build ``data/gilpin2023_univariate.npz`` from the published files of the dysts benchmark.

The source files are the exact data and results of the published univariate benchmark run
(Gilpin, "Chaos as an interpretable benchmark for forecasting and data-driven modelling",
NeurIPS Datasets and Benchmarks 2021, and "Model scale versus domain knowledge in statistical
forecasting of chaotic systems", Phys. Rev. Research 2023), taken unchanged from the public
git history of williamgilpin/dysts (MIT licence):

- ``train_univariate__pts_per_period_100__periods_12.json.gz`` and
  ``test_univariate__pts_per_period_100__periods_12.json.gz`` (commit 54c2469, 2023-01-21,
  ``dysts/data/``): 133 systems, ``{dt, time[1200], values[1200]}`` each;
- ``results_test_univariate__pts_per_period_100__periods_12.json.gz`` (commit dc780a3,
  2023-02-11, ``benchmarks/results/``): for 131 systems the 199 scored test points and, for
  16 darts models, their 200-point ``prediction``.

The npz keeps every number bit for bit (float64): the trajectories with their time axes and
dt, and the predictions. The published per-system scores are not copied: the package computes
them from the predictions (``reservoir.published.published_scores``), and this script checks
that they equal the scores stored in the results file, and that the scored points are the
test trajectories' points 1000-1198. It writes the SHA-256 of the npz beside it, which the
loader verifies.

Run: ``python benchmarks/build_published_data.py [SOURCE_DIR]`` (default
``../shared/data/gilpin2023``).
"""

import gzip
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
STEM = "__pts_per_period_100__periods_12.json.gz"


def main():
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data" / "gilpin2023"
    train = json.load(gzip.open(source / f"train_univariate{STEM}"))
    test = json.load(gzip.open(source / f"test_univariate{STEM}"))
    results = json.load(gzip.open(source / f"results_test_univariate{STEM}"))
    systems = sorted(train)
    assert sorted(test) == systems
    scored = sorted(results)
    models = sorted(m for m in results[scored[0]] if m != "values")
    arrays = {"systems": np.array(systems), "scored_systems": np.array(scored), "models": np.array(models)}
    for split, data in (("train", train), ("test", test)):
        arrays[f"{split}_values"] = np.array([data[s]["values"] for s in systems], dtype=np.float64)
        arrays[f"{split}_time"] = np.array([data[s]["time"] for s in systems], dtype=np.float64)
        arrays[f"{split}_dt"] = np.array([data[s]["dt"] for s in systems], dtype=np.float64)
    arrays["predictions"] = np.array([[results[s][m]["prediction"] for s in scored] for m in models],
                                     dtype=np.float64)
    # Checks: the scored points are the test file's, and the stored scores are sMAPE of the
    # first 199 predicted points (so the package can recompute them).
    row = {s: i for i, s in enumerate(systems)}
    for j, s in enumerate(scored):
        truth = np.array(results[s]["values"])
        assert np.array_equal(truth, arrays["test_values"][row[s], 1000:1199]), s
        for i, m in enumerate(models):
            pred = arrays["predictions"][i, j, :len(truth)]
            score = 200 * np.mean(np.abs(truth - pred) / (np.abs(truth) + np.abs(pred)))
            assert abs(score - results[s][m]["smape"]) < 1e-12, (s, m)
    path = ROOT / "data" / "gilpin2023_univariate.npz"
    np.savez_compressed(path, **arrays)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    (path.parent / (path.name + ".sha256")).write_text(f"{digest}  {path.name}\n")
    print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB), sha256 {digest}")


if __name__ == "__main__":
    main()
