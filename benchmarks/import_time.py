"""Import time of ``reservoir`` against ``sklearn.linear_model``: best of N fresh processes each.

Each import runs in a new interpreter (``python -c "import X"``) so nothing is cached in the
process; the figure is the best (smallest) wall time of N runs, which is the least noisy
estimate on a shared machine. The interpreter's own start-up is measured too (``python -c
pass``) and shown, not subtracted. The two imports run interleaved, so both see the same
machine load.

Usage::

    python benchmarks/import_time.py [--repeat 5] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

CASES = {"python (no import)": "pass", "import sklearn.linear_model": "import sklearn.linear_model",
         "import reservoir": "import reservoir"}


def once(code):
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="fresh processes per import (default: 5)")
    parser.add_argument("--json", default=None, metavar="OUT", help="also write the results as JSON")
    args = parser.parse_args(argv)
    times = {name: [] for name in CASES}
    for _ in range(args.repeat):
        for name, code in CASES.items():
            times[name].append(once(code))
    best = {name: min(t) for name, t in times.items()}
    ratio = best["import reservoir"] / best["import sklearn.linear_model"]
    print(f"best of {args.repeat} fresh processes each (seconds, wall time incl. interpreter start-up)")
    print(f"{'case':<30} {'best':>7} {'median':>7}")
    for name, t in times.items():
        print(f"{name:<30} {best[name]:>7.3f} {sorted(t)[len(t) // 2]:>7.3f}")
    print(f"ratio import reservoir / import sklearn.linear_model: {ratio:.2f} (bar: <= 1.3)")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"repeat": args.repeat, "times": times, "best": best, "ratio": ratio}, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
