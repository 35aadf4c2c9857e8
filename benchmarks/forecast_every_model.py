"""`reservoir forecast` with every model of the registry: exit status, wall time and scores.

Runs ``reservoir forecast --system Lorenz --model M --train 2000 --test-steps 200`` (the
registry's defaults for each model, seed 0) in a fresh process per model and prints one row
per model: exit status, wall time (including the interpreter, JIT compilation and the
trajectory cache read) and the sMAPE and valid prediction times from its metrics.json.
Timings on a shared machine are noisy; the exit status is the point.

Usage::

    python benchmarks/forecast_every_model.py [--models esn,ngrc] [--out out/every_model] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path


def main(argv=None):
    from reservoir.bench import MODELS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated models (default: all)")
    parser.add_argument("--system", default="Lorenz")
    parser.add_argument("--train", default="2000")
    parser.add_argument("--test-steps", default="200")
    parser.add_argument("--out", type=Path, default=Path("out/every_model"))
    parser.add_argument("--json", default=None, metavar="OUT")
    args = parser.parse_args(argv)
    rows = []
    print(f"{'model':<12} {'exit':>4} {'wall s':>7} {'sMAPE':>7} {'VPT err (LT)':>13} {'VPT sMAPE (LT)':>15}")
    for model in [m for m in args.models.split(",") if m]:
        out = args.out / model
        command = [sys.executable, "-m", "reservoir", "forecast", "--system", args.system, "--model", model,
                   "--train", args.train, "--test-steps", args.test_steps, "--quiet", "--out", str(out)]
        start = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True)
        wall = time.perf_counter() - start
        row = {"model": model, "exit": result.returncode, "wall_s": wall}
        if result.returncode == 0:
            metrics = json.loads((out / "metrics.json").read_text())["metrics"]
            row.update(smape=metrics["smape"], vpt_error=metrics["vpt_error_lyapunov"],
                       vpt_smape=metrics["vpt_smape_lyapunov"])
            print(f"{model:<12} {0:>4} {wall:>7.1f} {row['smape']:>7.2f} {row['vpt_error']:>13.2f} "
                  f"{row['vpt_smape']:>15.2f}", flush=True)
        else:
            row["stderr"] = result.stderr[-2000:]
            print(f"{model:<12} {result.returncode:>4} {wall:>7.1f}  {result.stderr.strip().splitlines()[-1:]}",
                  flush=True)
        rows.append(row)
    failed = [r["model"] for r in rows if r["exit"] != 0]
    print(f"\n{len(rows) - len(failed)}/{len(rows)} models exit 0" + (f"; failed: {failed}" if failed else ""))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
