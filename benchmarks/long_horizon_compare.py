"""Two ``long_horizon`` result stores side by side: the share of systems whose test forecast
diverged or left the attractor, the valid prediction times and the KL divergence.

Each store is the ``results.jsonl`` of ``reservoir bench --protocol long_horizon --models esn
--systems all --out DIR``. Printed for each: the combined share (``left_attractor``, which
counts a diverged forecast too), its parts (non-finite; finite but outside the truth's
bounding box enlarged by half its extent), the median valid prediction time (normalised error
< 0.4, Lyapunov times) with its IQR, and the median KL divergence between the forecast's and
the truth's attractors over the finite forecasts; then how many systems' VPT rose or fell,
and every system that left the attractor in either run.

Run: ``python benchmarks/long_horizon_compare.py BASE/results.jsonl NEW/results.jsonl``
"""

import argparse
import json

import numpy as np


def load(path):
    return {r["system"]: r for r in map(json.loads, open(path))}


def summary(name, store, systems):
    ms = [store[s]["metrics"] for s in systems if store[s]["metrics"]]
    left, div = np.mean([m["left_attractor"] for m in ms]), np.mean([m["diverged"] for m in ms])
    q1, med, q3 = np.percentile([m["vpt_error"] for m in ms], [25, 50, 75])
    kl = np.array([m["kl_divergence"] for m in ms], float)
    kl = kl[np.isfinite(kl)]
    print(f"{name:>5}: {len(ms)} systems ({len(systems) - len(ms)} failed tasks); diverged or off the attractor "
          f"{100 * left:.1f} % ({int(round(left * len(ms)))}) = non-finite {100 * div:.1f} % + finite but off "
          f"{100 * (left - div):.1f} %; median VPT {med:.2f} LT (IQR {q1:.2f}-{q3:.2f}); median KL "
          f"{np.median(kl):.3f} over {len(kl)} finite")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base")
    parser.add_argument("new")
    args = parser.parse_args()
    base, new = load(args.base), load(args.new)
    systems = sorted(set(base) & set(new))
    summary("base", base, systems)
    summary("new", new, systems)
    both = [s for s in systems if base[s]["metrics"] and new[s]["metrics"]]
    delta = np.array([new[s]["metrics"]["vpt_error"] - base[s]["metrics"]["vpt_error"] for s in both])
    print(f"VPT higher on {int(np.sum(delta > 1e-9))} systems, lower on {int(np.sum(delta < -1e-9))}, "
          f"equal on {int(np.sum(np.abs(delta) <= 1e-9))}")
    print(f"{'system':<26} {'off':>5} {'non-finite':>10} {'VPT (LT)':>13} {'KL':>17}  new params")
    for s in both:
        b, n = base[s]["metrics"], new[s]["metrics"]
        if b["left_attractor"] or n["left_attractor"]:
            print(f"{s:<26} {int(b['left_attractor'])}->{int(n['left_attractor'])} {int(b['diverged']):>7}->"
                  f"{int(n['diverged'])} {b['vpt_error']:>6.2f}->{n['vpt_error']:<6.2f} {b['kl_divergence']:>8.3g}->"
                  f"{n['kl_divergence']:<8.3g}  {new[s]['params']}")


if __name__ == "__main__":
    main()
