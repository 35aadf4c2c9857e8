"""QRNN reservoir computing: quantum RNN, LSTM and GRU cells with frozen random circuits.

Chen et al. (arXiv 2211.02612) freeze every circuit parameter of a quantum recurrent network
and train only the final linear layer; this module is that reservoir, filling the
:class:`reservoir.base.Reservoir` contract so that it runs inside ``ReservoirRegressor`` and
``ReservoirForecaster`` unchanged. The cells (``reference/methods.md`` section 5.2), with
``v_t = [x_t, h_{t-1}]`` and VQC_k the k-th variational block of :mod:`quantum.circuits`
returning ⟨Z⟩ of every qubit:

- ``"rnn"``:  ``o = VQC₁(v)``, ``h = tanh(o[:H])``;
- ``"lstm"``: ``f, i, o = σ(VQC₁,₂,₄(v))``, ``g = tanh(VQC₃(v))``, ``c = f⊙c + i⊙g``,
  ``m = o⊙tanh(c)``, ``h = VQC₅(m)[:H]``, output ``VQC₆(m)``;
- ``"gru"``:  ``r, z = σ(VQC₁,₂(v)[:H])``, ``o = VQC₃([x, r⊙h])``, ``h̃ = tanh(o[:H])``,
  ``h = z⊙h + (1-z)⊙h̃``.

As in the authors' code, the input and the hidden state together fill the register, so the
hidden size is ``H = n_qubits - n_inputs``, and the LSTM's cell state and gates have one entry
per qubit.
"""

from numbers import Integral

import jax.numpy as jnp
import numpy as np
from qiskit.quantum_info import Statevector

from reservoir import _jax  # noqa: F401  (float64 on)
from reservoir.base import Reservoir, make_rng
from reservoir.validation import Interval, Options, check_positive_int, validate_parameters

from .backends import (BACKEND_CONSTRAINTS, check_backend, counts_to_probabilities, make_noise_model, make_simulator,
                       prepare_for_noise, shot_seed)
from .circuits import (CELL_CIRCUITS, OBSERVABLES, bind_inputs, cell_circuits, layers_unitary,
                       n_observables, observable_signs)

ANGLE_INITS = ("uniform", "paper")
MAX_QUBITS = 12  # dense 2**n x 2**n unitaries: 12 qubits already take 256 MiB per circuit


class QRNNReservoir(Reservoir):
    """Quantum recurrent reservoir: a QRNN, QLSTM or QGRU cell with frozen random circuits.

    Every step evaluates the cell's variational circuits on fresh qubits (each starts in
    ``|0…0⟩``); memory is the classical hidden state (and LSTM cell state) fed back through
    the input encoding, as in the paper. The features are the state after the step:
    ``[h, c (LSTM only), output observables]``, where the output observables are the ⟨Z_i⟩
    (and with ``observables="zz"`` the ⟨Z_i Z_j⟩) of the cell's last circuit.

    Parameters
    ----------
    cell : {"rnn", "lstm", "gru"}, default="lstm"
        The recurrent cell.
    n_qubits : int, default=4
        Qubits of every circuit; must exceed the number of inputs (the rest carry ``h``).
    n_layers : int, default=2
        Variational layers per circuit (the paper uses 2 or 4).
    observables : {"z", "zz"}, default="z"
        Read out of the output circuit: ⟨Z_i⟩ only, or also the pair correlators ⟨Z_i Z_j⟩
        (obtained from the same measurements on hardware).
    angle_init : {"uniform", "paper"}, default="uniform"
        Frozen rotation angles: U(0, 2π), or 0.01·N(0, 1) as in the authors' code (almost the
        identity, which leaves little more than the encoding and the CNOT pattern).
    backend : {"exact", "qiskit", "aer"}, default="exact"
        See :mod:`quantum.backends`. Only ``"exact"`` runs compiled and batched.
    shots : int, default=1024
        Shots per circuit evaluation (``"aer"`` only).
    depolarizing, readout_error : float, default=0.0
        Noise of the ``"aer"`` backend (see :func:`quantum.backends.make_noise_model`).
    noise_model : qiskit_aer.noise.NoiseModel, optional
        A user noise model for ``"aer"`` (overrides the two above; cannot be saved).
    random_state : int, Generator or None
        Seed of the angles (and of the shots).

    Examples
    --------
    >>> import numpy as np
    >>> from reservoir import ReservoirRegressor
    >>> u = np.sin(np.linspace(0, 20, 300))[:, None]
    >>> qres = QRNNReservoir(cell="gru", n_qubits=3, n_layers=2, random_state=0)
    >>> model = ReservoirRegressor(qres, washout=20).fit(u[:-1], u[1:, 0])
    >>> model.predict(u[:-1]).shape
    (299,)
    >>> qres.circuits(model.reservoir_params_)["candidate"].num_qubits
    3
    """

    def __init__(self, cell="lstm", n_qubits=4, n_layers=2, observables="z", angle_init="uniform",
                 backend="exact", shots=1024, depolarizing=0.0, readout_error=0.0, noise_model=None,
                 random_state=None):
        self.cell = cell
        self.n_qubits = n_qubits
        self.n_layers = n_layers
        self.observables = observables
        self.angle_init = angle_init
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

    _parameter_constraints = {
        "cell": Options(*CELL_CIRCUITS),
        "n_qubits": Interval(Integral, 1, MAX_QUBITS),  # dense 2**n unitaries
        "n_layers": Interval(Integral, 1, None),
        "observables": Options(*OBSERVABLES),
        "angle_init": Options(*ANGLE_INITS),
        **BACKEND_CONSTRAINTS,
    }

    def _check_hyperparameters(self):
        validate_parameters(self)
        check_backend(self.backend, self.shots, self.depolarizing, self.readout_error, self.noise_model)

    def _sizes(self, n_inputs):
        """(hidden size H, state length S)."""
        hidden = self.n_qubits - n_inputs
        cell_state = self.n_qubits if self.cell == "lstm" else 0
        return hidden, hidden + cell_state + n_observables(self.n_qubits, self.observables)

    def initialize(self, n_inputs, random_state=None):
        """Draw the frozen angles; take each circuit's fixed unitary from qiskit once.

        Returns a flat dict: ``angles`` (n_circuits, n_layers, n_qubits, 3), ``unitaries``
        (n_circuits, 2**n, 2**n) complex, ``initial_state`` (zeros) and ``shot_seed``.
        """
        self._check_hyperparameters()
        n_inputs = check_positive_int(n_inputs, "n_inputs")
        if self.n_qubits <= n_inputs:
            raise ValueError(
                f"n_qubits ({self.n_qubits}) must exceed the number of inputs ({n_inputs}): the "
                f"hidden state is fed back on the other n_qubits - n_inputs qubits")
        rng = make_rng(self.random_state if random_state is None else random_state)
        shape = (len(CELL_CIRCUITS[self.cell]), self.n_layers, self.n_qubits, 3)
        if self.angle_init == "uniform":
            angles = rng.uniform(0.0, 2 * np.pi, shape)
        else:
            angles = 0.01 * rng.standard_normal(shape)
        _, size = self._sizes(n_inputs)
        return {
            "angles": angles,
            "unitaries": np.stack([layers_unitary(a) for a in angles]),
            "initial_state": np.zeros(size),
            "shot_seed": np.asarray(rng.integers(2**31)),
        }

    def initial_state(self, params):
        return jnp.asarray(params["initial_state"])

    def n_features(self, params):
        return int(np.shape(params["initial_state"])[-1])

    def static_config(self):
        return (("cell", self.cell), ("n_qubits", self.n_qubits), ("n_layers", self.n_layers),
                ("observables", self.observables))

    def step(self, params, state, u):
        """One exact step (jax, traceable): the cell update with statevector probabilities."""
        unitaries = params["unitaries"]

        def probabilities(indices, v):
            amplitudes = jnp.einsum("kij,bj->bki", unitaries[np.asarray(indices)], encoded_states(v))
            return jnp.abs(amplitudes) ** 2

        return self._update(probabilities, state[None], u[None], jnp)[0]

    def _update(self, probabilities, state, u, xp):
        """The cell's classical glue, written once for every backend.

        ``state`` (B, S) and ``u`` (B, d) hold a batch; ``probabilities(indices, v)`` returns
        the basis-state probabilities (B, len(indices), 2**n) of the circuits ``indices``
        evaluated on the inputs ``v`` (B, n). ``xp`` is ``jax.numpy`` for the traced exact
        step and ``numpy`` for the Python loops (where eager jax calls would cost more than
        the small arrays are worth).
        """
        n = self.n_qubits
        hidden = n - u.shape[-1]
        z_signs = observable_signs(n, "z").astype(float)
        out_signs = observable_signs(n, self.observables).astype(float)

        def sigmoid(x):
            return 1 / (1 + xp.exp(-x))

        h = state[:, :hidden]
        v = xp.concatenate([u, h], axis=1)
        if self.cell == "rnn":
            out = probabilities((0,), v)[:, 0] @ out_signs.T
            return xp.concatenate([xp.tanh(out[:, :hidden]), out], axis=1)
        if self.cell == "lstm":
            c = state[:, hidden:hidden + n]
            gates = probabilities((0, 1, 2, 3), v) @ z_signs.T
            c = sigmoid(gates[:, 0]) * c + sigmoid(gates[:, 1]) * xp.tanh(gates[:, 2])
            m = sigmoid(gates[:, 3]) * xp.tanh(c)
            p = probabilities((4, 5), m)
            h = (p[:, 0] @ z_signs.T)[:, :hidden]
            return xp.concatenate([h, c, p[:, 1] @ out_signs.T], axis=1)
        gates = sigmoid(probabilities((0, 1), v) @ z_signs.T)[:, :, :hidden]
        reset, update = gates[:, 0], gates[:, 1]
        out = probabilities((2,), xp.concatenate([u, reset * h], axis=1))[:, 0] @ out_signs.T
        h = update * h + (1 - update) * xp.tanh(out[:, :hidden])
        return xp.concatenate([h, out], axis=1)

    # -- the qiskit and aer backends: a Python loop over steps ---------------------------------

    def run_sequence(self, params, inputs, state=None):
        """Run ``inputs`` (T, d) or (B, T, d) with the qiskit or aer backend.

        Called by :func:`reservoir.runner.run` in place of the compiled scan when
        ``python_loop`` is true; returns ``(features, final_state)`` as numpy, with the same
        shapes as the runner's. Sequences of a batch are evaluated together (one aer job per
        group of circuits per step).
        """
        self._check_hyperparameters()
        inputs = np.asarray(inputs, dtype=float)
        single = inputs.ndim == 2
        batch = inputs[None] if single else inputs
        size = self.n_features(params)
        if state is None:
            state = np.zeros((batch.shape[0], size))
        state = np.broadcast_to(np.asarray(state, dtype=float), (batch.shape[0], size))
        probabilities = (self._statevector_probabilities(params) if self.backend == "qiskit"
                         else self._aer_probabilities(params))
        features = np.empty(batch.shape[:2] + (size,))
        for t in range(batch.shape[1]):
            state = self._update(probabilities, state, batch[:, t], np)
            features[:, t] = state
        return (features[0], state[0]) if single else (features, state)

    def _statevector_probabilities(self, params):
        templates = list(cell_circuits(self.cell, self.n_qubits, self.n_layers, params["angles"]).values())

        def probabilities(indices, v):
            v = np.asarray(v)
            return np.array([[Statevector(bind_inputs(templates[k], row)).probabilities() for k in indices]
                             for row in v])

        return probabilities

    def _aer_probabilities(self, params):
        noise = make_noise_model(self.depolarizing, self.readout_error, self.noise_model)
        simulator = make_simulator(noise)
        templates = prepare_for_noise(
            list(cell_circuits(self.cell, self.n_qubits, self.n_layers, params["angles"], measure=True).values()),
            noise)
        base_seed = int(params["shot_seed"])

        def probabilities(indices, v):
            v = np.asarray(v)
            circuits = [bind_inputs(templates[k], row) for row in v for k in indices]
            result = simulator.run(circuits, shots=self.shots,
                                   seed_simulator=shot_seed(base_seed, v, np.asarray(indices))).result()
            probs = [counts_to_probabilities(result.get_counts(i), self.n_qubits, self.shots)
                     for i in range(len(circuits))]
            return np.reshape(probs, (len(v), len(indices), -1))

        return probabilities

    def circuits(self, params=None, measure=False):
        """The cell's circuits as qiskit ``QuantumCircuit`` objects, by role.

        With ``params`` (from ``initialize``, ``fit`` or an estimator's ``reservoir_params_``)
        the frozen angles are bound and only the step inputs ``x`` stay free; without, the
        fitted ``params_`` are used if present, else every angle stays free.

        Examples
        --------
        >>> qres = QRNNReservoir(cell="lstm", n_qubits=4, n_layers=1, random_state=0)
        >>> sorted(qres.circuits(qres.initialize(1)))
        ['candidate', 'forget', 'hidden', 'input', 'output', 'readout']
        """
        if params is None:
            params = getattr(self, "params_", None)
        angles = None if params is None else np.asarray(params["angles"])
        return cell_circuits(self.cell, self.n_qubits, self.n_layers, angles, measure=measure)


def encoded_states(v):
    """Product states of the encoding, H·RY(arctan v_i)·RZ(arctan v_i²) on |0⟩ per qubit.

    Parameters
    ----------
    v : array of shape (B, n)

    Returns
    -------
    jax array of shape (B, 2**n), complex128, in qiskit's basis order (qubit 0 least
    significant).

    Notes
    -----
    RY(a)·H|0⟩ = cos(a/2 + π/4)|0⟩ + sin(a/2 + π/4)|1⟩, and RZ(b) multiplies the two
    amplitudes by e^{∓ib/2}; the result is checked against qiskit's ``Statevector`` in the
    tests.

    Examples
    --------
    >>> import numpy as np
    >>> np.round(np.asarray(encoded_states(np.zeros((1, 1)))), 4).tolist()
    [[(0.7071+0j), (0.7071+0j)]]
    """
    v = jnp.asarray(v, dtype=jnp.float64)
    half_a = jnp.arctan(v) / 2 + jnp.pi / 4
    phase = jnp.exp(0.5j * jnp.arctan(v * v))
    qubits = jnp.stack([jnp.cos(half_a) / phase, jnp.sin(half_a) * phase], axis=-1)  # (B, n, 2)
    state = qubits[:, 0]
    for i in range(1, v.shape[1]):
        # Qubit i becomes the next more significant bit of the basis index.
        state = (qubits[:, i, :, None] * state[:, None, :]).reshape(v.shape[0], -1)
    return state

