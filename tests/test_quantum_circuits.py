"""The qiskit circuits of the QRNN block and the helpers shared by the quantum backends."""

import numpy as np
import pytest
from qiskit.quantum_info import Operator, Pauli, Statevector

from quantum.backends import check_backend, counts_to_probabilities, make_noise_model, shot_seed
from quantum.circuits import (bind_angles, bind_inputs, cell_circuits, encoding_circuit, layers_unitary,
                              observable_signs, ring_pairs, variational_layers, vqc_block)
from quantum.qrnn import encoded_states


def test_block_has_the_papers_gates():
    n, layers = 4, 2
    ops = vqc_block(n, layers).count_ops()
    assert ops["h"] == n
    assert ops["ry"] == n + n * layers  # encoding + one per Rot
    assert ops["rz"] == n + 2 * n * layers
    assert ops["cx"] == 2 * n * layers  # rings with offsets 1 and 2
    assert vqc_block(n, layers).num_parameters == n + 3 * n * layers


def test_rings_never_pair_a_qubit_with_itself():
    assert ring_pairs(1, 1) == [] and ring_pairs(2, 2) == []
    assert ring_pairs(3, 2) == [(0, 2), (1, 0), (2, 1)]
    assert variational_layers(1, 3).count_ops().get("cx", 0) == 0


@pytest.mark.parametrize("n", [1, 3, 4])
def test_encoding_matches_qiskit_statevector(n):
    rng = np.random.default_rng(n)
    v = rng.normal(scale=3.0, size=(5, n))  # large values too: arctan saturates
    ours = np.asarray(encoded_states(v))
    for row, state in zip(v, ours):
        reference = Statevector(bind_inputs(encoding_circuit(n), row)).data
        np.testing.assert_allclose(state, reference, atol=1e-13)


def test_layers_unitary_is_qiskits_operator_and_unitary():
    angles = np.random.default_rng(0).uniform(0, 2 * np.pi, (2, 3, 3))
    U = layers_unitary(angles)
    np.testing.assert_allclose(U, Operator(bind_angles(variational_layers(3, 2), angles)).data, atol=1e-14)
    np.testing.assert_allclose(U.conj().T @ U, np.eye(8), atol=1e-12)


def test_bind_angles_follows_c_order_of_the_angle_array():
    angles = np.zeros((2, 3, 3))
    angles[1, 2, 0] = 0.7  # layer 1, qubit 2, first rotation (α)
    bound = bind_angles(variational_layers(3, 2), angles)
    rz_on_qubit_2 = [inst.operation.params[0] for inst in bound.data
                     if inst.operation.name == "rz" and bound.find_bit(inst.qubits[0]).index == 2]
    assert rz_on_qubit_2[2] == pytest.approx(0.7)


@pytest.mark.parametrize("observables", ["z", "zz"])
def test_observable_signs_give_qiskit_expectation_values(observables):
    n = 3
    rng = np.random.default_rng(1)
    circuit = bind_inputs(bind_angles(vqc_block(n, 2), rng.uniform(0, 2 * np.pi, (2, n, 3))), rng.normal(size=n))
    state = Statevector(circuit)
    ours = observable_signs(n, observables) @ state.probabilities()
    labels = ["".join("Z" if q == i else "I" for q in reversed(range(n))) for i in range(n)]
    if observables == "zz":
        labels += ["".join("Z" if q in (i, j) else "I" for q in reversed(range(n)))
                   for i in range(n) for j in range(i + 1, n)]
    reference = [state.expectation_value(Pauli(label)).real for label in labels]
    np.testing.assert_allclose(ours, reference, atol=1e-12)


def test_observable_signs_on_a_subset_of_qubits():
    signs = observable_signs(3, "z", qubits=[0])
    assert signs.shape == (1, 8)
    assert signs[0].tolist() == [1, -1, 1, -1, 1, -1, 1, -1]


def test_cell_circuits_roles_and_bound_angles():
    angles = np.random.default_rng(0).uniform(size=(6, 1, 4, 3))
    circuits = cell_circuits("lstm", 4, 1, angles, measure=True)
    assert list(circuits) == ["forget", "input", "candidate", "output", "hidden", "readout"]
    for qc in circuits.values():
        assert qc.num_parameters == 4  # only the step inputs x stay free
        assert qc.count_ops()["measure"] == 4
    with pytest.raises(ValueError, match="cell must be one of"):
        cell_circuits("transformer", 4, 1)


def test_counts_to_probabilities_uses_qiskit_bit_order():
    probs = counts_to_probabilities({"001": 2, "100": 6}, 3, 8)
    assert probs[1] == 0.25 and probs[4] == 0.75 and probs.sum() == 1


def test_shot_seed_is_deterministic_and_input_dependent():
    a, b = np.arange(4.0), np.arange(4.0) + 1e-9
    assert shot_seed(3, a) == shot_seed(3, a.copy())
    assert shot_seed(3, a) != shot_seed(3, b)
    assert shot_seed(3, a) != shot_seed(4, a)


def test_noise_models():
    assert make_noise_model() is None
    model = make_noise_model(depolarizing=0.01, readout_error=0.0)
    assert "cx" in model.noise_instructions and "measure" not in model.noise_instructions
    assert "measure" in make_noise_model(readout_error=0.05).noise_instructions


def test_backend_checks():
    with pytest.raises(ValueError, match="backend must be one of"):
        check_backend("gpu", 10, 0.0, 0.0, None)
    with pytest.raises(ValueError, match="shots"):
        check_backend("aer", 0, 0.0, 0.0, None)
    with pytest.raises(ValueError, match="needs backend='aer'"):
        check_backend("exact", 10, 0.01, 0.0, None)
    with pytest.raises(ValueError, match="readout_error"):
        check_backend("aer", 10, 0.0, 0.7, None)
    with pytest.raises(TypeError, match="noise_model"):
        check_backend("aer", 10, 0.0, 0.0, "depolarizing")
