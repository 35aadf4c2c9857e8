"""Execution backends of the quantum reservoirs, and what the shot-based one needs.

``backend`` is one of

- ``"exact"``: the fixed part of each circuit is taken once from qiskit (``Operator``) and
  applied with jax array code inside the shared runner (compiled, batched over sequences);
- ``"qiskit"``: qiskit's own ``Statevector`` / ``DensityMatrix`` simulation of every circuit at
  every step, in a Python loop (the reference the exact path is tested against);
- ``"aer"``: qiskit-aer with a finite number of shots and, optionally, a noise model
  (depolarising gate errors, readout errors, or a user-supplied ``NoiseModel``): what a noisy
  intermediate-scale device would give.

The last two cannot run inside ``jax.lax.scan``; reservoirs using them set ``python_loop`` so
that :func:`reservoir.runner.run` calls their own ``run_sequence`` loop instead.
"""

import zlib
from numbers import Integral, Real

import numpy as np

from reservoir._optional import require
from reservoir.validation import Check, Interval, Options, check_values

BACKENDS = ("exact", "qiskit", "aer")

ONE_QUBIT_GATES = ["h", "rx", "ry", "rz"]
TWO_QUBIT_GATES = ["cx", "rzz"]


def _check_noise_model(noise_model, name):
    require("qiskit_aer", "quantum", "noisy and shot-based quantum simulation")
    from qiskit_aer.noise import NoiseModel

    if not isinstance(noise_model, NoiseModel):
        raise TypeError(f"{name} must be a qiskit_aer.noise.NoiseModel or None, got {type(noise_model).__name__}")


#: The backend hyperparameters shared by the quantum reservoirs, as declared constraints.
BACKEND_CONSTRAINTS = {
    "backend": Options(*BACKENDS),
    "shots": Interval(Integral, 1, None),
    "depolarizing": Interval(Real, 0, 1),
    "readout_error": Interval(Real, 0, 0.5),
    "noise_model": [None, Check(_check_noise_model)],
}


def check_backend(backend, shots, depolarizing, readout_error, noise_model):
    """Validate the backend hyperparameters shared by the quantum reservoirs."""
    check_values(BACKEND_CONSTRAINTS, {"backend": backend, "shots": shots, "depolarizing": depolarizing,
                                       "readout_error": readout_error, "noise_model": noise_model})
    if backend != "aer" and (depolarizing > 0 or readout_error > 0 or noise_model is not None):
        raise ValueError(f"noise (depolarizing, readout_error, noise_model) needs backend='aer', "
                         f"got backend={backend!r}")


def make_noise_model(depolarizing=0.0, readout_error=0.0, noise_model=None):
    """The aer noise model: the user's, or depolarising + symmetric readout errors, or None.

    ``depolarizing`` is the depolarising probability of every one-qubit gate; two-qubit gates
    get ten times that (capped at 1), the usual ratio on superconducting devices.
    ``readout_error`` is the probability that a measured bit is flipped.

    Examples
    --------
    >>> make_noise_model(0.0, 0.0) is None
    True
    >>> sorted(make_noise_model(1e-3, 0.02).noise_instructions)
    ['cx', 'h', 'measure', 'rx', 'ry', 'rz', 'rzz']
    """
    if noise_model is not None:
        return noise_model
    if depolarizing == 0 and readout_error == 0:
        return None
    require("qiskit_aer", "quantum", "noisy and shot-based quantum simulation")
    from qiskit_aer.noise import NoiseModel, ReadoutError, depolarizing_error

    model = NoiseModel()
    if depolarizing > 0:
        model.add_all_qubit_quantum_error(depolarizing_error(depolarizing, 1), ONE_QUBIT_GATES)
        model.add_all_qubit_quantum_error(depolarizing_error(min(10 * depolarizing, 1.0), 2),
                                          TWO_QUBIT_GATES)
    if readout_error > 0:
        p = readout_error
        model.add_all_qubit_readout_error(ReadoutError([[1 - p, p], [p, 1 - p]]))
    return model


def make_simulator(noise_model, method="automatic"):
    """An ``AerSimulator`` for the small circuits of a reservoir step.

    One thread: the circuits have a handful of qubits, and starting threads costs more than
    it saves (aer's default parallelism is slower per circuit on a machine with few cores).
    """
    require("qiskit_aer", "quantum", "noisy and shot-based quantum simulation")
    from qiskit_aer import AerSimulator

    return AerSimulator(method=method, noise_model=noise_model, max_parallel_threads=1,
                        max_parallel_experiments=1)


def prepare_for_noise(circuits, noise_model):
    """Transpile to the noise model's basis when it is a user model with other gate names.

    Our own models attach errors to the gates the circuits already use, so no change is needed.
    """
    if noise_model is None or set(noise_model.noise_instructions) <= set(ONE_QUBIT_GATES + TWO_QUBIT_GATES
                                                                          + ["measure", "reset"]):
        return circuits
    from qiskit import transpile

    return transpile(circuits, basis_gates=noise_model.basis_gates, optimization_level=0)


def shot_seed(base_seed, *arrays):
    """A simulator seed that is a deterministic function of ``base_seed`` and the arrays.

    The aer backends seed every call from the reservoir's seed and the current state and
    input, so a run is reproducible, yet successive steps draw different shots (a fixed seed
    would reuse the same random numbers at every step).

    Examples
    --------
    >>> shot_seed(0, np.ones(3)) == shot_seed(0, np.ones(3)) != shot_seed(0, np.zeros(3))
    True
    """
    digest = [zlib.crc32(np.ascontiguousarray(a).tobytes()) for a in arrays]
    return int(np.random.SeedSequence([int(base_seed)] + digest).generate_state(1, np.uint32)[0])


def counts_to_probabilities(counts, n_bits, shots):
    """Relative frequencies of the basis states, indexed as qiskit numbers them.

    ``counts`` maps bit strings (qubit 0 rightmost; spaces between registers ignored) to
    numbers of shots.

    Examples
    --------
    >>> counts_to_probabilities({"01": 3, "10": 1}, 2, 4).tolist()
    [0.0, 0.75, 0.25, 0.0]
    """
    probs = np.zeros(2**n_bits)
    for key, count in counts.items():
        probs[int(key.replace(" ", ""), 2)] += count
    return probs / shots
