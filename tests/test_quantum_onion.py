"""OnionQRC: exact density-matrix path against qiskit, channel spectra, aer, and the shared API."""

import warnings

import numpy as np
import pytest
from sklearn.metrics import r2_score
from qiskit import transpile
from qiskit.quantum_info import DensityMatrix, Pauli

from quantum import OnionQRC
from quantum.onion import reset_qubits, step_circuit
from reservoir import ESN, ReservoirForecaster, ReservoirRegressor, load, save
from reservoir.runner import run

LAYOUT = dict(angles=(0.05, 0.2, 0.5), n_qubits=(3, 2, 3), n_measured=(1, 2, 2))


def random_inputs(shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


@pytest.mark.parametrize("observables, classical", [("z", False), ("zz", True)])
def test_exact_path_matches_qiskit_density_matrix(observables, classical):
    layer = ESN(n_units=12, random_state=0) if classical else None
    exact = OnionQRC(**LAYOUT, observables=observables, classical_layer=layer, random_state=3)
    reference = OnionQRC(**LAYOUT, observables=observables, classical_layer=layer, backend="qiskit",
                         random_state=3)
    params = exact.initialize(2)
    inputs = random_inputs((2, 6, 2))
    fast, fast_final = run(exact, params, inputs)
    slow, slow_final = run(reference, params, inputs)
    assert fast.shape == (2, 6, exact.n_features(params))
    np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-10)
    for key in fast_final:
        np.testing.assert_allclose(fast_final[key], slow_final[key], rtol=0, atol=1e-10)


def test_reset_matches_qiskit():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(8, 8)) + 1j * rng.normal(size=(8, 8))
    rho = a @ a.conj().T
    rho /= np.trace(rho)
    np.testing.assert_allclose(reset_qubits(rho, 3, 2), DensityMatrix(rho).reset([0, 1]).data, atol=1e-14)


def test_density_matrices_stay_physical_and_features_in_range():
    onion = OnionQRC(**LAYOUT, observables="zz", random_state=0)
    params = onion.initialize(1)
    features, final = run(onion, params, random_inputs((300, 1)) * 3)
    assert np.all(np.abs(features) <= 1 + 1e-12)
    for rho in final.values():
        np.testing.assert_allclose(np.trace(rho), 1.0, atol=1e-12)
        np.testing.assert_allclose(rho, rho.conj().T, atol=1e-12)
        assert np.linalg.eigvalsh(rho).min() > -1e-12


def test_channel_spectra_and_memory_knobs():
    onion = OnionQRC(angles=(0.02, 0.05, 0.1), n_qubits=3, n_measured=1, random_state=0)
    params = onion.initialize(1)
    for spectrum in onion.channel_spectra(params):
        assert abs(spectrum[0] - 1) < 1e-10  # trace preservation
        assert np.all(np.abs(spectrum) <= 1 + 1e-10)
    times = onion.memory_times(params)
    # A small angle keeps information in the unmeasured qubits: memory grows about as 1/θ².
    assert times[0] > 3 * times[1] > 9 * times[2] > 0
    # More resets, shorter memory; resetting every qubit erases it.
    more_resets = OnionQRC(angles=(0.02,), n_qubits=3, n_measured=2, random_state=0)
    assert more_resets.memory_times(more_resets.initialize(1))[0] < times[0]
    erased = OnionQRC(angles=(0.1,), n_qubits=2, n_measured=2, random_state=0)
    assert erased.memory_times(erased.initialize(1))[0] < 0.05  # |λ₂| at round-off level


def test_same_random_state_same_reservoir():
    a = OnionQRC(random_state=4).initialize(1)
    b = OnionQRC(random_state=4).initialize(1)
    c = OnionQRC(random_state=5).initialize(1)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    assert not np.allclose(a["fields_0"], c["fields_0"])


def test_step_circuit_is_a_qiskit_circuit():
    qc = step_circuit(3, 2, 1, 0.3, np.ones(3), np.zeros(3), measure=True)
    ops = qc.count_ops()
    assert ops["reset"] == 2 and ops["measure"] == 2 and ops["rx"] == 6 and ops["rzz"] == 6  # 2 layers


def test_exposed_circuits_reproduce_a_step():
    onion = OnionQRC(angles=(0.1, 0.3), n_qubits=(2, 3), n_measured=1, random_state=0)
    params = onion.initialize(1)
    features, _ = run(onion, params, np.array([[0.7]]))
    angle = np.pi * (0.5 + 0.1 * 0.7)  # the default input_scaling
    for k, circuit in enumerate(onion.circuits(params, measure=False)):
        n = circuit.num_qubits
        ground = DensityMatrix.from_label("0" * n)
        rho = ground.evolve(transpile(circuit.assign_parameters([angle]), basis_gates=["rz", "sx", "cx", "reset"]))
        np.testing.assert_allclose(rho.expectation_value(Pauli("I" * (n - 1) + "Z")).real, features[0, k], atol=1e-10)


def test_aer_density_matrix_is_exact_and_features_are_estimates():
    kwargs = dict(angles=(0.1, 0.4), n_qubits=2, n_measured=1)
    params = OnionQRC(**kwargs, random_state=1).initialize(1)
    inputs = random_inputs((3, 1))
    exact, exact_final = run(OnionQRC(**kwargs), params, inputs)
    shots, shot_final = run(OnionQRC(**kwargs, backend="aer", shots=4000), params, inputs)
    for key in exact_final:
        np.testing.assert_allclose(shot_final[key], exact_final[key], atol=1e-10)
    assert 0 < np.abs(shots - exact).max() < 0.08  # 5 standard errors of 4000 shots
    noisy, _ = run(OnionQRC(**kwargs, backend="aer", shots=20000, readout_error=0.25), params, inputs)
    np.testing.assert_allclose(noisy, 0.5 * exact, atol=0.03)  # a bit flip p scales ⟨Z⟩ by 1 - 2p


def test_regressor_recalls_past_inputs():
    rng = np.random.default_rng(0)
    u = rng.uniform(-1, 1, (800, 1))
    y = np.roll(u[:, 0], 1)
    onion = OnionQRC(angles=(0.1, 0.2, 0.3, 0.4), n_qubits=3, n_measured=2, observables="zz", random_state=0)
    model = ReservoirRegressor(onion, washout=50).fit(u[:600], u[:600, 0])
    assert model.score(u[600:], u[600:, 0]) > 0.999  # the input itself (input_concat)
    model = ReservoirRegressor(onion, washout=50, input_concat=False).fit(u[:600], y[:600])
    prediction = model.predict(np.concatenate([u[:600], u[600:]]))[600:]  # from a synchronised state
    assert r2_score(y[600:], prediction) > 0.7


def test_forecaster_with_classical_layer_and_save_load(tmp_path):
    t = np.arange(400) * 0.1
    series = np.column_stack([np.sin(t), np.cos(1.3 * t)])
    onion = OnionQRC(angles=(0.1, 0.4), n_qubits=3, n_measured=1, classical_layer=ESN(n_units=20), random_state=0)
    model = ReservoirForecaster(onion, washout=20).fit(series)
    path = tmp_path / "onion.npz"
    save(model, path)
    loaded = load(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_array_equal(loaded.forecast(20), model.forecast(20))


@pytest.mark.parametrize("kwargs, error, match", [
    ({"angles": ()}, ValueError, "angles must be a non-empty sequence"),
    ({"angles": (0.1, np.nan)}, ValueError, "angles must be finite"),
    ({"n_qubits": 0}, ValueError, "n_qubits must be >= 1"),
    ({"n_qubits": (3, 3)}, ValueError, "one entry per angle"),
    ({"n_qubits": 11}, ValueError, "n_qubits must be <= 10"),
    ({"n_layers": 0}, ValueError, "n_layers must be >= 1"),
    ({"n_measured": 4}, ValueError, r"n_measured \(4\) cannot exceed n_qubits \(3\)"),
    ({"n_measured": 0}, ValueError, "n_measured must be >= 1"),
    ({"input_scaling": 0}, ValueError, "input_scaling must be > 0"),
    ({"observables": "x"}, ValueError, "observables must be one of"),
    ({"classical_layer": "esn"}, TypeError, "classical_layer must be a Reservoir"),
    ({"backend": "statevector"}, ValueError, "backend must be one of"),
])
def test_bad_hyperparameters_give_clear_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        OnionQRC(**kwargs).initialize(1)


def test_too_many_inputs_for_the_qubits():
    with pytest.raises(ValueError, match="at least one qubit per input"):
        OnionQRC(n_qubits=2).initialize(3)


def test_channel_spectra_refuse_large_sub_reservoirs():
    onion = OnionQRC(angles=(0.1,), n_qubits=6, random_state=0)
    with pytest.raises(ValueError, match="at most 5 qubits"):
        onion.memory_times(onion.initialize(1))
