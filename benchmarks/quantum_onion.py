"""Onion quantum reservoir against a single quantum reservoir of the same qubit count.

Task (multi-timescale memory): the input is white noise u_t ~ U(-1, 1); the targets are four
signals at different time scales, exponential moving averages of the input
y_τ(t) = (1 - 1/τ) y_τ(t-1) + u_t/τ with τ = 1, 4, 16 and 64 steps, each standardised. The
readout (ridge, bias, no input concatenation: all memory must come from the reservoir) is
fitted on steps 500..3999 of one run and scored (R²) on steps 4000..5999 of the same run.

Models, all with 6 qubits and 3 measured qubits (3 ⟨Z⟩ features), exact density matrices:

- onion: three 2-qubit sub-reservoirs with memory angles θ = (0.03, 0.1, 0.3)·π, one
  measured qubit each;
- single: one 6-qubit reservoir with 3 measured qubits, for each θ in ``--single-angles``;
- onion + classical layer: the onion followed by a 30-unit ESN (the paper's best model), next
  to the same ESN alone;
- the onion on qiskit-aer with ``--shots`` shots per step (first seed only).

Scores are means over ``--seeds`` reservoir seeds. The memory time of each onion
sub-reservoir (``-1/ln|λ₂|`` of its one-step channel at u = 0) is printed too.

Run: ``python benchmarks/quantum_onion.py [--seeds 3] [--shots 1024]``
"""

import argparse
import time

import numpy as np
from sklearn.metrics import r2_score

from quantum import OnionQRC
from reservoir import ESN, ReservoirRegressor

TAUS = (1, 4, 16, 64)
N_STEPS, SPLIT, WASHOUT = 6000, 4000, 500
ONION_ANGLES = (0.03, 0.1, 0.3)


def task(seed=0):
    u = np.random.default_rng(seed).uniform(-1, 1, (N_STEPS, 1))
    targets = np.zeros((N_STEPS, len(TAUS)))
    for t in range(N_STEPS):
        previous = targets[t - 1] if t else 0.0
        targets[t] = previous + (u[t, 0] - previous) / np.asarray(TAUS)
    return u, (targets - targets.mean(axis=0)) / targets.std(axis=0)


def scores(reservoir, u, targets):
    model = ReservoirRegressor(reservoir, washout=WASHOUT, input_concat=False)
    model.fit(u[:SPLIT], targets[:SPLIT])
    prediction = model.predict(u)[SPLIT:]  # the run continues from the training steps
    return np.array([r2_score(targets[SPLIT:, i], prediction[:, i]) for i in range(len(TAUS))])


def onion(seed, **kwargs):
    return OnionQRC(angles=ONION_ANGLES, n_qubits=2, n_measured=1, random_state=seed, **kwargs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--shots", type=int, default=1024)
    parser.add_argument("--single-angles", type=float, nargs="*", default=[0.02, 0.05, 0.1, 0.2, 0.4])
    args = parser.parse_args()

    u, targets = task()
    models = {"onion 3x2 qubits": lambda s: onion(s)}
    for theta in args.single_angles:
        models[f"single 6 qubits, θ={theta:g}π"] = (
            lambda s, theta=theta: OnionQRC(angles=(theta,), n_qubits=6, n_measured=3, random_state=s))
    models["onion 3x2 + ESN 30"] = lambda s: onion(s, classical_layer=ESN(n_units=30, random_state=s))
    models["ESN 30 alone"] = lambda s: ESN(n_units=30, random_state=s)

    memory = [onion(s).memory_times(onion(s).initialize(1)) for s in range(args.seeds)]
    print("memory times of the onion sub-reservoirs (steps), θ = "
          + ", ".join(f"{a:g}π" for a in ONION_ANGLES) + ": "
          + "; ".join(", ".join(f"{t:.1f}" for t in times) for times in memory))
    print(f"R² on held-out steps, mean over {args.seeds} seeds; targets: EMAs of white noise")
    print(f"{'model':<30} {'qubits':>6} {'features':>8} " + " ".join(f"{f'τ={tau}':>7}" for tau in TAUS)
          + f" {'mean':>7} {'time (s)':>9}")

    def report(name, make, seeds):
        start = time.perf_counter()
        results = np.mean([scores(make(s), u, targets) for s in seeds], axis=0)
        reservoir = make(0)
        features = reservoir.n_features(reservoir.initialize(1))
        qubits = sum(np.broadcast_to(reservoir.n_qubits, len(reservoir.angles))) if isinstance(
            reservoir, OnionQRC) else 0
        print(f"{name:<30} {qubits:>6} {features:>8} " + " ".join(f"{r:>7.3f}" for r in results)
              + f" {results.mean():>7.3f} {time.perf_counter() - start:>9.1f}", flush=True)

    for name, make in models.items():
        report(name, make, range(args.seeds))
    report(f"onion 3x2, aer {args.shots} shots", lambda s: onion(s, backend="aer", shots=args.shots), [0])


if __name__ == "__main__":
    main()
