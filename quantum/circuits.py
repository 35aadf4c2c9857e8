"""Qiskit circuits of the QRNN reservoirs: the variational block (VQC) and the cells built from it.

The block follows the QRNN / QLSTM code of Chen et al. (arXiv 2211.02612, see
``reference/methods.md`` section 5.1):

1. encoding, on every qubit ``i``: H, then RY(arctan v_i), then RZ(arctan v_i²);
2. ``n_layers`` variational layers, each a CNOT ring ``(i, i+1 mod n)``, a second CNOT ring
   ``(i, i+2 mod n)`` and a general rotation Rot(α, β, γ) = RZ(γ)·RY(β)·RZ(α) on every qubit;
3. readout: the Pauli-Z expectation ⟨Z_i⟩ of every qubit (and, optionally, ⟨Z_i Z_j⟩).

Every circuit here is a real :class:`~qiskit.QuantumCircuit` with free
:class:`~qiskit.circuit.ParameterVector` entries ``x`` (the classical input of the step) and
``θ`` (the fixed random rotation angles), so a user can draw, transpile or export it.

Qubit order is qiskit's: qubit 0 is the least significant bit of a basis-state index.
"""

import itertools

import numpy as np
from qiskit import QuantumCircuit
from qiskit.circuit import ParameterVector
from qiskit.quantum_info import Operator

# The variational circuits of each cell, in the order their angles are stored in params.
CELL_CIRCUITS = {
    "rnn": ("hidden",),
    "lstm": ("forget", "input", "candidate", "output", "hidden", "readout"),
    "gru": ("reset", "update", "candidate"),
}

OBSERVABLES = ("z", "zz")


def ring_pairs(n_qubits, offset):
    """Control/target pairs ``(i, i + offset mod n)`` of a CNOT ring, without self-loops.

    With 2 qubits the offset-2 ring would pair every qubit with itself, so it is empty;
    with 1 qubit both rings are empty.

    Examples
    --------
    >>> ring_pairs(4, 2)
    [(0, 2), (1, 3), (2, 0), (3, 1)]
    >>> ring_pairs(2, 2)
    []
    """
    return [(i, (i + offset) % n_qubits) for i in range(n_qubits) if (i + offset) % n_qubits != i]


def encoding_circuit(n_qubits):
    """The input encoding: H, RY(arctan x_i), RZ(arctan x_i²) on every qubit ``i``.

    The angles are qiskit parameter expressions of the free parameters ``x[i]``, so the
    circuit is bound with the raw classical values.

    Examples
    --------
    >>> qc = encoding_circuit(2)
    >>> [p.name for p in qc.parameters]
    ['x[0]', 'x[1]']
    """
    x = ParameterVector("x", n_qubits)
    qc = QuantumCircuit(n_qubits, name="encoding")
    for i in range(n_qubits):
        qc.h(i)
        qc.ry(x[i].arctan(), i)
        qc.rz((x[i] ** 2).arctan(), i)
    return qc


def variational_layers(n_qubits, n_layers):
    """``n_layers`` entangling + rotation layers with free angles ``θ`` (length 3·n·L).

    Angle ``θ[3·(l·n + q) + r]`` is rotation ``r`` (α, β, γ) of qubit ``q`` in layer ``l``,
    the C-order flattening of an ``(n_layers, n_qubits, 3)`` array.

    Examples
    --------
    >>> variational_layers(3, 2).num_parameters
    18
    """
    theta = ParameterVector("θ", 3 * n_qubits * n_layers)
    qc = QuantumCircuit(n_qubits, name="layers")
    for layer in range(n_layers):
        for control, target in ring_pairs(n_qubits, 1) + ring_pairs(n_qubits, 2):
            qc.cx(control, target)
        for q in range(n_qubits):
            first = 3 * (layer * n_qubits + q)
            qc.rz(theta[first], q)
            qc.ry(theta[first + 1], q)
            qc.rz(theta[first + 2], q)
    return qc


def vqc_block(n_qubits, n_layers, name="vqc", measure=False):
    """One variational block: encoding then ``n_layers`` layers (free ``x`` and ``θ``).

    Parameters
    ----------
    n_qubits, n_layers : int
    name : str
        The circuit's name (shown when drawn).
    measure : bool, default=False
        Append a measurement of every qubit (for shot-based execution).

    Examples
    --------
    >>> qc = vqc_block(4, 2)
    >>> qc.num_qubits, qc.num_parameters
    (4, 28)
    >>> print(qc.draw(fold=-1))  # doctest: +SKIP
    """
    qc = encoding_circuit(n_qubits).compose(variational_layers(n_qubits, n_layers))
    qc.name = name
    if measure:
        qc.measure_all()
    return qc


def bind_angles(circuit, angles):
    """Bind the ``θ`` parameters of a block to ``angles`` (any shape, C-order), keeping ``x`` free.

    Examples
    --------
    >>> qc = bind_angles(vqc_block(2, 1), np.zeros((1, 2, 3)))
    >>> [p.name for p in qc.parameters]
    ['x[0]', 'x[1]']
    """
    theta = sorted((p for p in circuit.parameters if p.name.startswith("θ[")), key=lambda p: p.index)
    return circuit.assign_parameters(dict(zip(theta, np.ravel(angles))))


def bind_inputs(circuit, values):
    """Bind the ``x`` parameters of a block to the classical input values of one step."""
    x = sorted((p for p in circuit.parameters if p.name.startswith("x[")), key=lambda p: p.index)
    return circuit.assign_parameters(dict(zip(x, np.asarray(values, dtype=float))))


def cell_circuits(cell, n_qubits, n_layers, angles=None, measure=False):
    """The variational circuits of a QRNN, QLSTM or QGRU cell, by role.

    Parameters
    ----------
    cell : {"rnn", "lstm", "gru"}
    n_qubits, n_layers : int
    angles : array of shape (n_circuits, n_layers, n_qubits, 3), optional
        Fixed rotation angles to bind (e.g. ``params["angles"]`` of a fitted
        :class:`~quantum.QRNNReservoir`); default: leave ``θ`` free.
    measure : bool, default=False
        Append measurements of every qubit.

    Returns
    -------
    dict
        Role name (``"forget"``, ``"input"``, ... see ``CELL_CIRCUITS``) to QuantumCircuit.

    Examples
    --------
    >>> list(cell_circuits("gru", 3, 1))
    ['reset', 'update', 'candidate']
    """
    if cell not in CELL_CIRCUITS:
        raise ValueError(f"cell must be one of {tuple(CELL_CIRCUITS)}, got {cell!r}")
    circuits = {}
    for k, role in enumerate(CELL_CIRCUITS[cell]):
        qc = vqc_block(n_qubits, n_layers, name=f"{cell}_{role}", measure=measure)
        circuits[role] = qc if angles is None else bind_angles(qc, angles[k])
    return circuits


def layers_unitary(angles):
    """The fixed part of a block (all its layers) as a matrix, taken from qiskit's ``Operator``.

    Parameters
    ----------
    angles : array of shape (n_layers, n_qubits, 3)

    Returns
    -------
    ndarray of shape (2**n, 2**n), complex128, in qiskit's (little-endian) basis order.

    Examples
    --------
    >>> U = layers_unitary(np.zeros((1, 2, 3)))
    >>> bool(np.allclose(U.conj().T @ U, np.eye(4)))
    True
    """
    n_layers, n_qubits, _ = np.shape(angles)
    return Operator(bind_angles(variational_layers(n_qubits, n_layers), angles)).data


def qubit_bits(n_qubits):
    """``bits[i, j]``: the value (0/1) of qubit ``i`` in basis state ``j`` (qiskit order)."""
    return (np.arange(2**n_qubits)[None, :] >> np.arange(n_qubits)[:, None]) & 1


def observable_signs(n_qubits, observables="z", qubits=None):
    """Eigenvalues of the read-out Pauli-Z observables on every basis state.

    ``signs @ probabilities`` gives the expectation values: first ⟨Z_i⟩ for every qubit in
    ``qubits``, then (for ``"zz"``) ⟨Z_i Z_j⟩ for every pair i < j of them.

    Parameters
    ----------
    n_qubits : int
        Size of the register the probabilities are over.
    observables : {"z", "zz"}, default="z"
    qubits : sequence of int, optional
        The measured qubits; default: all.

    Returns
    -------
    ndarray of shape (n_observables, 2**n_qubits), entries ±1.

    Examples
    --------
    >>> observable_signs(2, "zz").tolist()
    [[1, -1, 1, -1], [1, 1, -1, -1], [1, -1, -1, 1]]
    """
    if observables not in OBSERVABLES:
        raise ValueError(f"observables must be one of {OBSERVABLES}, got {observables!r}")
    qubits = range(n_qubits) if qubits is None else qubits
    z = 1 - 2 * qubit_bits(n_qubits)[list(qubits)]
    if observables == "zz":
        pairs = [z[i] * z[j] for i, j in itertools.combinations(range(len(z)), 2)]
        z = np.concatenate([z, np.reshape(pairs, (-1, 2**n_qubits))])
    return z


def n_observables(n_measured, observables):
    """Number of expectation values read from ``n_measured`` qubits."""
    return n_measured + (n_measured * (n_measured - 1) // 2 if observables == "zz" else 0)
