"""Onion quantum reservoir: small quantum reservoirs side by side, one memory time scale each.

Tandon et al. (arXiv 2505.22837) carry the onion idea to quantum reservoir computing: several
small quantum reservoirs run in parallel and each covers a different time scale, set by its
rotation angle and its number of mid-circuit measurements. Only the idea is public; the
circuit below is the reconstruction of ``reference/methods.md`` section 3.2. Sub-reservoir
``k`` has ``n_k`` qubits, a memory angle ``θ_k`` and ``m_k`` measured qubits (0 .. m_k-1). At
every step:

1. reset the ``m_k`` measured qubits (mid-circuit reset);
2. encode input ``j`` on qubit ``j``: RY(π·(1/2 + input_scaling·u_j));
3. apply a fixed scrambler, ``n_layers`` Trotter steps of a transverse-field Ising model, each
   RZZ(J_ij) on the ring of neighbouring pairs, RZ(h_i) and RX(θ_k) on every qubit (J and h
   drawn at random);
4. measure the ``m_k`` qubits: their ⟨Z⟩ (and with ``observables="zz"`` their ⟨Z_i Z_j⟩) are
   the features of the step.

Memory lives in the unmeasured qubits. A small ``θ_k`` moves information slowly between them
and the reset qubits (long memory); ``θ_k`` near π/2 scrambles it into the reset qubits within
a step or two (short memory). :meth:`OnionQRC.channel_spectra` gives the eigenvalues of each
sub-reservoir's one-step channel, whose moduli are these memory rates.

The state of a sub-reservoir is its density matrix (the resets are not unitary); the exact
backend evolves it with jax array code, the qiskit backend with qiskit's ``DensityMatrix``.
"""

import numbers

import jax.numpy as jnp
import numpy as np
from qiskit import QuantumCircuit
from qiskit.circuit import ParameterVector
from qiskit.quantum_info import DensityMatrix, Operator
from sklearn.base import clone

from reservoir import _jax  # noqa: F401  (float64 on)
from reservoir.base import Reservoir, make_rng
from reservoir.runner import run as run_reservoir
from reservoir.validation import Each, InstanceOf, Interval, Options, check_positive_int, validate_parameters

from .backends import (BACKEND_CONSTRAINTS, check_backend, counts_to_probabilities, make_noise_model, make_simulator,
                       prepare_for_noise, shot_seed)
from .circuits import OBSERVABLES, n_observables, observable_signs, ring_pairs

MAX_QUBITS = 10  # a density matrix of 10 qubits is already 16 MiB per sequence
MAX_SPECTRUM_QUBITS = 5  # a dense superoperator of 5 qubits is 16 MiB


def scrambler_circuit(n_qubits, theta, couplings, fields, n_layers=2):
    """The fixed scrambler of one sub-reservoir: ``n_layers`` Trotter steps of an Ising model.

    Each layer is RZZ(J_ij) on the ring of neighbouring pairs, RZ(h_i) and then RX(θ) on every
    qubit. Two layers at least are needed for the measured qubits to see the others: after a
    single layer a freshly reset qubit, untouched by the diagonal RZZ/RZ gates, would be
    rotated to the same state at every step.

    Parameters
    ----------
    n_qubits : int
    theta : float
        Memory angle in radians.
    couplings : array of shape (len(ising_pairs(n_qubits)),)
        RZZ angles of the ring of neighbouring pairs.
    fields : array of shape (n_qubits,)
        RZ angles.
    n_layers : int, default=2

    Examples
    --------
    >>> scrambler_circuit(3, 0.5, np.ones(3), np.zeros(3)).count_ops()["rzz"]
    6
    """
    qc = QuantumCircuit(n_qubits, name="scrambler")
    for _ in range(n_layers):
        for (i, j), coupling in zip(ising_pairs(n_qubits), couplings):
            qc.rzz(float(coupling), i, j)
        for q in range(n_qubits):
            qc.rz(float(fields[q]), q)
        for q in range(n_qubits):
            qc.rx(float(theta), q)
    return qc


def ising_pairs(n_qubits):
    """Neighbouring pairs of a ring of ``n_qubits``, each pair once.

    Examples
    --------
    >>> ising_pairs(2), ising_pairs(3)
    ([(0, 1)], [(0, 1), (0, 2), (1, 2)])
    """
    return sorted({tuple(sorted(pair)) for pair in ring_pairs(n_qubits, 1)})


def step_circuit(n_qubits, n_measured, n_inputs, theta, couplings, fields, n_layers=2, measure=False):
    """One time step of a sub-reservoir as a circuit, with free input angles ``a``.

    Reset of the measured qubits, RY(a_j) on qubit j, the scrambler, and (with ``measure``)
    the measurement of qubits 0 .. n_measured-1 into as many classical bits.

    Examples
    --------
    >>> qc = step_circuit(3, 1, 1, 0.3, np.ones(3), np.zeros(3), measure=True)
    >>> qc.count_ops()["reset"], qc.num_parameters
    (1, 1)
    """
    a = ParameterVector("a", n_inputs)
    qc = QuantumCircuit(n_qubits, n_measured if measure else 0, name="onion_step")
    for q in range(n_measured):
        qc.reset(q)
    for j in range(n_inputs):
        qc.ry(a[j], j)
    qc.compose(scrambler_circuit(n_qubits, theta, couplings, fields, n_layers), inplace=True)
    if measure:
        qc.measure(range(n_measured), range(n_measured))
    return qc


class OnionQRC(Reservoir):
    """Onion quantum reservoir: parallel small quantum reservoirs with different memory angles.

    Parameters
    ----------
    angles : sequence of float, default=(0.05, 0.1, 0.2, 0.4)
        Memory angle θ_k of each sub-reservoir, in units of π; their number is the number of
        sub-reservoirs. The defaults give memory times from hundreds of steps down to a few
        (see :meth:`memory_times`).
    n_qubits : int or sequence of int, default=3
        Qubits of each sub-reservoir (one value for all, or one per angle); each must hold
        the inputs (one qubit per input dimension).
    n_measured : int or sequence of int, default=2
        Measured (and reset) qubits of each sub-reservoir, 1 .. n_qubits: the second memory
        knob (more resets, shorter memory) and the number of ⟨Z⟩ features.
    n_layers : int, default=2
        Trotter steps of the scrambler per time step (see :func:`scrambler_circuit`).
    input_scaling : float, default=0.1
        Input ``u`` is encoded as the angle π·(1/2 + input_scaling·u). Small values keep the
        encoding nearly linear around π/2, which favours memory over nonlinearity: on
        standardised white noise the linear memory capacity of the default reservoir (with
        ``observables="zz"``) is about 2.3 at 0.1 and 1.0 at 0.2.
    observables : {"z", "zz"}, default="z"
        ⟨Z⟩ of each measured qubit, or also ⟨Z_i Z_j⟩ of each pair of them.
    classical_layer : Reservoir, optional
        A classical reservoir (e.g. ``ESN(n_units=100)``) driven by the quantum features and
        the input, as in the paper's best model; its state is appended to the features.
    backend : {"exact", "qiskit", "aer"}, default="exact"
        See :mod:`quantum.backends`. ``"aer"`` evolves the noisy density matrix step by step
        and estimates the features of every step from ``shots`` measurements of it.
    shots : int, default=1024
    depolarizing, readout_error : float, default=0.0
        Noise of the ``"aer"`` backend (see :func:`quantum.backends.make_noise_model`).
    noise_model : qiskit_aer.noise.NoiseModel, optional
    random_state : int, Generator or None
        Seed of the couplings and fields (and of the shots).

    Notes
    -----
    The aer backend measures a copy of each step's state rather than collapsing the
    register: its features are those of the standard QRC protocol in which every step is
    measured on freshly repeated runs, so their per-step statistics equal those of one run
    with mid-circuit measurements, while the step stays a function of a state.

    Examples
    --------
    >>> import numpy as np
    >>> onion = OnionQRC(angles=(0.05, 0.5), n_qubits=3, n_measured=1, random_state=0)
    >>> onion.fit_transform(np.sin(np.arange(50.0))[:, None]).shape
    (50, 2)
    >>> [round(tau) for tau in onion.memory_times(onion.params_)]  # steps
    [154, 6]
    """

    def __init__(self, angles=(0.05, 0.1, 0.2, 0.4), n_qubits=3, n_measured=2, n_layers=2, input_scaling=0.1,
                 observables="z", classical_layer=None, backend="exact", shots=1024, depolarizing=0.0,
                 readout_error=0.0, noise_model=None, random_state=None):
        self.angles = angles
        self.n_qubits = n_qubits
        self.n_measured = n_measured
        self.n_layers = n_layers
        self.input_scaling = input_scaling
        self.observables = observables
        self.classical_layer = classical_layer
        self.backend = backend
        self.shots = shots
        self.depolarizing = depolarizing
        self.readout_error = readout_error
        self.noise_model = noise_model
        self.random_state = random_state

    @property
    def python_loop(self):
        """True when the backend calls a simulator per step (see :func:`reservoir.runner.run`)."""
        return self.backend != "exact"

    # -- hyperparameters -----------------------------------------------------------------------

    def _layout(self):
        """``[(n_qubits, n_measured), ...]``, one pair per sub-reservoir, validated."""
        if np.ndim(self.angles) != 1 or len(self.angles) == 0:
            raise ValueError(f"angles must be a non-empty sequence of numbers (units of π), got {self.angles!r}")
        count = len(self.angles)
        qubits = self._per_reservoir(self.n_qubits, "n_qubits", count)
        measured = self._per_reservoir(self.n_measured, "n_measured", count)
        for n, m in zip(qubits, measured):
            if m > n:
                raise ValueError(f"n_measured ({m}) cannot exceed n_qubits ({n})")
        return list(zip(qubits, measured))

    @staticmethod
    def _per_reservoir(value, name, count):
        values = [value] * count if isinstance(value, numbers.Integral) else list(value)
        if len(values) != count:
            raise ValueError(f"{name} must be an int or have one entry per angle ({count}), got {value!r}")
        return [int(v) for v in values]

    _parameter_constraints = {
        "angles": Each(Interval(numbers.Real), description="a non-empty sequence of numbers (units of π)"),
        "n_qubits": [Interval(numbers.Integral, 1, MAX_QUBITS), Each(Interval(numbers.Integral, 1, MAX_QUBITS))],
        "n_measured": [Interval(numbers.Integral, 1, None), Each(Interval(numbers.Integral, 1, None))],
        "n_layers": Interval(numbers.Integral, 1, None),
        "input_scaling": Interval(numbers.Real, 0, None, closed="neither"),
        "observables": Options(*OBSERVABLES),
        "classical_layer": [None, InstanceOf(Reservoir, "a Reservoir (e.g. ESN(...)) or None")],
        **BACKEND_CONSTRAINTS,
    }

    def _check_hyperparameters(self):
        validate_parameters(self)
        check_backend(self.backend, self.shots, self.depolarizing, self.readout_error, self.noise_model)
        return self._layout()

    def _n_quantum_features(self, layout):
        return sum(n_observables(m, self.observables) for _, m in layout)

    # -- the Reservoir contract ------------------------------------------------------------------

    def initialize(self, n_inputs, random_state=None):
        """Draw couplings and fields; take each scrambler's unitary from qiskit once.

        Returns a flat dict: per sub-reservoir ``k`` the ``scrambler_k`` unitary,
        ``couplings_k`` and ``fields_k``; ``angles`` (radians), ``input_scaling``,
        ``shot_seed``; and the classical layer's arrays prefixed ``classical_``.
        """
        layout = self._check_hyperparameters()
        n_inputs = check_positive_int(n_inputs, "n_inputs")
        if any(n < n_inputs for n, _ in layout):
            raise ValueError(f"every sub-reservoir needs at least one qubit per input ({n_inputs}); "
                             f"got n_qubits={self.n_qubits!r}")
        rng = make_rng(self.random_state if random_state is None else random_state)
        angles = np.pi * np.asarray(self.angles, dtype=float)
        params = {"angles": angles, "input_scaling": np.asarray(float(self.input_scaling)),
                  "shot_seed": np.asarray(rng.integers(2**31))}
        # Sub-reservoirs of the same size share their couplings and fields, so that θ_k (and
        # m_k) alone set their time scales. Couplings and fields of order one radian entangle
        # and dephase within a step; the memory time then falls roughly as 1/θ².
        ising = {}
        for n in sorted({n for n, _ in layout}):
            ising[n] = (rng.uniform(0.5, 1.5, len(ising_pairs(n))) * np.pi / 2, rng.uniform(0.0, 2 * np.pi, n))
        for k, ((n, _), theta) in enumerate(zip(layout, angles)):
            couplings, fields = ising[n]
            params[f"couplings_{k}"] = couplings
            params[f"fields_{k}"] = fields
            params[f"scrambler_{k}"] = Operator(scrambler_circuit(n, theta, couplings, fields,
                                                                  self.n_layers)).data
        if self.classical_layer is not None:
            layer = clone(self.classical_layer)
            seed = None if layer.random_state is not None else int(rng.integers(2**31))
            layer_params = layer.initialize(self._n_quantum_features(layout) + n_inputs, seed)
            params.update({f"classical_{key}": np.asarray(value) for key, value in layer_params.items()})
        return params

    def _classical_params(self, params):
        return {key[len("classical_"):]: value for key, value in params.items() if key.startswith("classical_")}

    def initial_state(self, params):
        layout = self._layout()
        state = {f"rho_{k}": _ground_state(n) for k, (n, _) in enumerate(layout)}
        if self.classical_layer is not None:
            state["classical"] = self.classical_layer.initial_state(self._classical_params(params))
        return state

    def n_features(self, params):
        count = self._n_quantum_features(self._layout())
        if self.classical_layer is not None:
            count += self.classical_layer.n_features(self._classical_params(params))
        return count

    def static_config(self):
        classical = None
        if self.classical_layer is not None:
            classical = (type(self.classical_layer).__name__, self.classical_layer.static_config())
        return (("layout", tuple(self._layout())), ("observables", self.observables), ("classical", classical))

    def quantum_features(self, state):
        """The measured observables of every sub-reservoir, concatenated (jax or numpy state)."""
        parts = []
        for k, (n, m) in enumerate(self._layout()):
            rho = state[f"rho_{k}"]
            probs = jnp.real(jnp.diagonal(rho, axis1=-2, axis2=-1))
            signs = jnp.asarray(observable_signs(n, self.observables, qubits=range(m)), dtype=jnp.float64)
            parts.append(probs @ signs.T)
        return jnp.concatenate(parts, axis=-1)

    def features(self, params, state):
        q = self.quantum_features(state)
        if self.classical_layer is None:
            return q
        return jnp.concatenate([q, jnp.asarray(state["classical"])], axis=-1)

    def step(self, params, state, u):
        """One exact step (jax, traceable): reset, encode, scramble every density matrix."""
        input_angles = jnp.pi * (0.5 + params["input_scaling"] * u)
        new = {}
        for k, (n, m) in enumerate(self._layout()):
            unitary = params[f"scrambler_{k}"] @ encoding_unitary(input_angles, n)
            rho = reset_qubits(state[f"rho_{k}"], n, m)
            new[f"rho_{k}"] = unitary @ rho @ unitary.conj().T
        if self.classical_layer is not None:
            drive = jnp.concatenate([self.quantum_features(new), u])
            new["classical"] = self.classical_layer.step(self._classical_params(params), state["classical"], drive)
        return new

    # -- the qiskit and aer backends -------------------------------------------------------------

    def run_sequence(self, params, inputs, state=None):
        """Run ``inputs`` (T, d) or (B, T, d) with the qiskit or aer backend.

        Called by :func:`reservoir.runner.run` in place of the compiled scan when
        ``python_loop`` is true; returns ``(features, final_state)`` as numpy. The classical
        layer, which does not feed back into the quantum part, then runs compiled on the
        quantum features.
        """
        layout = self._check_hyperparameters()
        inputs = np.asarray(inputs, dtype=float)
        single = inputs.ndim == 2
        batch = inputs[None] if single else inputs
        n_batch, n_steps, n_inputs = batch.shape
        if state is None:
            state = self.initial_state(params)
        state = {key: np.asarray(value) for key, value in state.items()}
        rhos = [np.broadcast_to(state[f"rho_{k}"], (n_batch, 2**n, 2**n)).astype(complex)
                for k, (n, _) in enumerate(layout)]
        templates = [step_circuit(n, m, n_inputs, params["angles"][k], params[f"couplings_{k}"],
                                  params[f"fields_{k}"], self.n_layers, measure=self.backend == "aer")
                     for k, (n, m) in enumerate(layout)]
        evolve = self._evolve_qiskit if self.backend == "qiskit" else self._evolve_aer(params, templates)
        quantum = np.empty((n_batch, n_steps, self._n_quantum_features(layout)))
        for t in range(n_steps):
            angles = np.pi * (0.5 + float(params["input_scaling"]) * batch[:, t])
            rhos, quantum[:, t] = evolve(templates, layout, rhos, angles)
        final = {f"rho_{k}": rho for k, rho in enumerate(rhos)}
        features = quantum
        if self.classical_layer is not None:
            drive = np.concatenate([quantum, batch], axis=-1)
            start = np.broadcast_to(state["classical"], (n_batch,) + state["classical"].shape[-1:])
            classical, final["classical"] = run_reservoir(self.classical_layer, self._classical_params(params),
                                                          drive, start)
            features = np.concatenate([quantum, classical], axis=-1)
        if single:
            return features[0], {key: value[0] for key, value in final.items()}
        return features, final

    def _evolve_qiskit(self, templates, layout, rhos, angles):
        """One step of every sub-reservoir and sequence with qiskit's ``DensityMatrix``."""
        new, feats = [], []
        for k, (n, m) in enumerate(layout):
            signs = observable_signs(m, self.observables)
            circuit = templates[k]
            evolved = [DensityMatrix(rho).evolve(circuit.assign_parameters(a)) for rho, a in zip(rhos[k], angles)]
            new.append(np.stack([r.data for r in evolved]))
            feats.append(np.stack([signs @ r.probabilities(list(range(m))) for r in evolved]))
        return new, np.concatenate(feats, axis=-1)

    def _evolve_aer(self, params, templates):
        noise = make_noise_model(self.depolarizing, self.readout_error, self.noise_model)
        simulator = make_simulator(noise, method="density_matrix")
        base_seed = int(params["shot_seed"])
        bodies = prepare_for_noise([t.remove_final_measurements(inplace=False) for t in templates], noise)

        def evolve(templates, layout, rhos, angles):
            circuits = []
            for k, (n, m) in enumerate(layout):
                for rho, a in zip(rhos[k], angles):
                    qc = QuantumCircuit(n, m)
                    qc.set_density_matrix(DensityMatrix(rho))
                    qc.compose(bodies[k].assign_parameters(a), inplace=True)
                    # Save the state before the measurement: it is the next step's state.
                    qc.save_density_matrix()
                    qc.measure(range(m), range(m))
                    circuits.append(qc)
            seed = shot_seed(base_seed, angles, *rhos)
            result = simulator.run(circuits, shots=self.shots, seed_simulator=seed).result()
            new, feats, i = [], [], 0
            for k, (n, m) in enumerate(layout):
                signs = observable_signs(m, self.observables)
                rho_k, feat_k = [], []
                for _ in range(len(angles)):
                    rho_k.append(np.asarray(result.data(i)["density_matrix"]))
                    feat_k.append(signs @ counts_to_probabilities(result.get_counts(i), m, self.shots))
                    i += 1
                new.append(np.stack(rho_k))
                feats.append(np.stack(feat_k))
            return new, np.concatenate(feats, axis=-1)

        return evolve

    def circuits(self, params=None, n_inputs=None, measure=True):
        """One time step of every sub-reservoir as a qiskit ``QuantumCircuit``.

        The couplings, fields and memory angle are bound; the input angles ``a`` stay free
        (bind them with ``assign_parameters``).

        Parameters
        ----------
        params : dict, optional
            From ``initialize``; default: the fitted ``params_``.
        n_inputs : int, optional
            Input dimensions (one RY each); default: that seen by ``fit``, else 1.
        measure : bool, default=True
            End with the measurement of the measured qubits.

        Examples
        --------
        >>> onion = OnionQRC(angles=(0.1, 0.3), random_state=0)
        >>> [qc.num_qubits for qc in onion.circuits(onion.initialize(1))]
        [3, 3]
        """
        if params is None:
            if not hasattr(self, "params_"):
                raise ValueError("pass params (from initialize) or fit the reservoir first")
            params = self.params_
        if n_inputs is None:
            n_inputs = getattr(self, "n_features_in_", 1)
        return [step_circuit(n, m, n_inputs, float(params["angles"][k]), params[f"couplings_{k}"],
                             params[f"fields_{k}"], self.n_layers, measure=measure)
                for k, (n, m) in enumerate(self._layout())]

    # -- memory time scales --------------------------------------------------------------------

    def channel_spectra(self, params, u=None):
        """Eigenvalues of every sub-reservoir's one-step channel (reset, encode, scramble).

        The channel is written as a dense 4**n x 4**n superoperator, so this is meant for
        small sub-reservoirs (up to ``MAX_SPECTRUM_QUBITS`` = 5 qubits).

        Parameters
        ----------
        params : dict
            From ``initialize`` (or ``params_`` / an estimator's ``reservoir_params_``).
        u : array of shape (n_inputs,), optional
            The constant input of the step; default zeros.

        Returns
        -------
        list of ndarray
            One array of 4**n_k eigenvalues per sub-reservoir, by decreasing modulus. The
            first is 1 (the channel preserves the trace); the moduli of the others are the
            per-step decay factors of the information the reservoir holds.
        """
        spectra = []
        for k, (n, m) in enumerate(self._layout()):
            if n > MAX_SPECTRUM_QUBITS:
                raise ValueError(f"channel spectra need a dense 4**n superoperator: at most "
                                 f"{MAX_SPECTRUM_QUBITS} qubits per sub-reservoir, got {n}")
            dim = 4**n
            basis = np.eye(dim, dtype=complex).reshape(dim, 2**n, 2**n)
            eigenvalues = np.linalg.eigvals(self._channel(params, k, n, m, u)(basis).reshape(dim, dim).T)
            spectra.append(eigenvalues[np.argsort(-np.abs(eigenvalues))])
        return spectra

    def _channel(self, params, k, n, m, u):
        """Sub-reservoir ``k``'s step for a constant input, on a batch of matrices (numpy)."""
        n_inputs = 1 if u is None else len(u)
        inputs = np.zeros(n_inputs) if u is None else np.asarray(u, dtype=float)
        angles = np.pi * (0.5 + float(params["input_scaling"]) * inputs)
        unitary = np.asarray(params[f"scrambler_{k}"]) @ np.asarray(encoding_unitary(angles, n))
        high, low = 2 ** (n - m), 2**m

        def channel(rhos):
            blocks = rhos.reshape(-1, high, low, high, low)
            reset = np.zeros_like(blocks)
            reset[:, :, 0, :, 0] = np.einsum("xaibi->xab", blocks)
            reset = reset.reshape(-1, 2**n, 2**n)
            return unitary @ reset @ unitary.conj().T

        return channel

    def memory_times(self, params, u=None):
        """Memory time of each sub-reservoir in steps, ``-1 / ln |λ₂|`` of its channel."""
        times = []
        for spectrum in self.channel_spectra(params, u):
            second = np.abs(spectrum[1])
            times.append(float("inf") if second >= 1 else (0.0 if second == 0 else float(-1.0 / np.log(second))))
        return times


def _ground_state(n_qubits):
    rho = jnp.zeros((2**n_qubits, 2**n_qubits), dtype=jnp.complex128)
    return rho.at[0, 0].set(1.0)


def reset_qubits(rho, n_qubits, n_reset):
    """Reset qubits 0 .. n_reset-1 of the density matrix ``rho`` to |0⟩.

    The channel traces those qubits out and puts them back in |0⟩⟨0|; with qiskit's basis
    order they are the least significant bits of the index.

    Examples
    --------
    >>> rho = np.full((2, 2), 0.5)  # |+><+|
    >>> np.asarray(reset_qubits(rho, 1, 1)).real.tolist()
    [[1.0, 0.0], [0.0, 0.0]]
    """
    high, low = 2 ** (n_qubits - n_reset), 2**n_reset
    blocks = jnp.reshape(rho, (high, low, high, low))
    reduced = jnp.einsum("aibi->ab", blocks)
    out = jnp.zeros_like(blocks).at[:, 0, :, 0].set(reduced)
    return out.reshape(2**n_qubits, 2**n_qubits)


def encoding_unitary(angles, n_qubits):
    """RY(angles[j]) on qubit j for every input j, identity on the other qubits (qiskit order).

    Examples
    --------
    >>> np.round(np.asarray(encoding_unitary(np.array([np.pi]), 1)), 6).tolist()
    [[0.0, -1.0], [1.0, 0.0]]
    """
    angles = jnp.asarray(angles, dtype=jnp.float64)
    unitary = jnp.ones((1, 1), dtype=jnp.float64)
    for q in range(n_qubits):
        if q < angles.shape[0]:
            c, s = jnp.cos(angles[q] / 2), jnp.sin(angles[q] / 2)
            gate = jnp.array([[c, -s], [s, c]])
        else:
            gate = jnp.eye(2)
        # Qubit q is the next more significant bit: it goes on the left of the Kronecker product.
        unitary = jnp.kron(gate, unitary)
    return unitary
