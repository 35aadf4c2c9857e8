"""QRNNReservoir: the exact fast path against qiskit, the aer backend, and the shared API."""

import warnings

import numpy as np
import pytest
from qiskit import qasm3, transpile
from qiskit.quantum_info import Statevector

from quantum import QRNNReservoir
from quantum.circuits import bind_inputs
from reservoir import ReservoirForecaster, ReservoirRegressor, load, save
from reservoir.runner import run, run_closed_loop, run_ensemble


def random_inputs(shape, seed=0):
    # Standardised-looking values with some large ones, where arctan saturates.
    return np.random.default_rng(seed).normal(scale=1.5, size=shape)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("n_inputs, observables", [(1, "zz"), (2, "z")])
def test_exact_path_matches_qiskit_statevector(cell, n_inputs, observables):
    exact = QRNNReservoir(cell=cell, n_qubits=4, n_layers=2, observables=observables, random_state=7)
    reference = QRNNReservoir(cell=cell, n_qubits=4, n_layers=2, observables=observables,
                              backend="qiskit", random_state=7)
    params = exact.initialize(n_inputs)
    inputs = random_inputs((2, 6, n_inputs), seed=n_inputs)
    fast, fast_final = run(exact, params, inputs)  # batched: vmapped scan
    slow, slow_final = run(reference, params, inputs)  # qiskit Statevector per circuit per step
    assert fast.shape == slow.shape == (2, 6, exact.n_features(params))
    np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-10)
    np.testing.assert_allclose(fast_final, slow_final, rtol=0, atol=1e-10)


def test_bound_circuits_reproduce_the_first_step():
    qres = QRNNReservoir(cell="rnn", n_qubits=3, n_layers=1, random_state=0)
    params = qres.initialize(1)
    u = np.array([0.4])
    features, _ = run(qres, params, u[None])
    circuit = qres.circuits(params)["hidden"]
    probs = Statevector(bind_inputs(circuit, [0.4, 0.0, 0.0])).probabilities()  # h starts at 0
    z = [(probs * (1 - 2 * ((np.arange(8) >> q) & 1))).sum() for q in range(3)]
    np.testing.assert_allclose(features[0, 2:], z, atol=1e-12)  # features = [h (2), ⟨Z⟩ (3)]
    np.testing.assert_allclose(features[0, :2], np.tanh(z[:2]), atol=1e-12)


def test_circuits_transpile_to_a_device_basis():
    qres = QRNNReservoir(cell="gru", n_qubits=3, n_layers=1, random_state=0)
    circuit = bind_inputs(qres.circuits(qres.initialize(1))["candidate"], [0.2, -0.5, 1.0])
    native = transpile(circuit, basis_gates=["rz", "sx", "cx"], optimization_level=1)
    assert set(native.count_ops()) <= {"rz", "sx", "cx"}
    np.testing.assert_allclose(Statevector(native).probabilities(), Statevector(circuit).probabilities(), atol=1e-10)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_features_stay_in_range(cell):
    qres = QRNNReservoir(cell=cell, n_qubits=3, n_layers=2, observables="zz", random_state=1)
    params = qres.initialize(1)
    features, _ = run(qres, params, random_inputs((200, 1)) * 5)
    hidden = 2
    assert np.all(np.isfinite(features))
    assert np.all(np.abs(features[:, :hidden]) <= 1 + 1e-12)  # h: tanh or ⟨Z⟩
    observables = features[:, -6:]
    assert np.all(np.abs(observables) <= 1 + 1e-12)
    if cell == "lstm":
        cell_state = features[:, hidden:hidden + 3]
        # |c_t| <= |c_{t-1}| + 1 from c = f·c + i·g with f, i in (0, 1) and |g| < 1.
        assert np.all(np.abs(cell_state) <= np.arange(1, 201)[:, None])


def test_same_random_state_same_circuit():
    a = QRNNReservoir(cell="gru", n_qubits=3, random_state=5).initialize(1)
    b = QRNNReservoir(cell="gru", n_qubits=3, random_state=5).initialize(1)
    c = QRNNReservoir(cell="gru", n_qubits=3, random_state=6).initialize(1)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    assert not np.allclose(a["angles"], c["angles"])
    circuit_a = QRNNReservoir(cell="gru", n_qubits=3).circuits(a)["candidate"]
    circuit_b = QRNNReservoir(cell="gru", n_qubits=3).circuits(b)["candidate"]
    # Exported as OpenQASM 3 (x stays a free input), the two circuits are the same program.
    assert qasm3.dumps(circuit_a) == qasm3.dumps(circuit_b)
    assert "ry(atan(_x_0_)) q[0];" in qasm3.dumps(circuit_a)


def test_params_are_flat_arrays_and_unitaries_are_unitary():
    params = QRNNReservoir(cell="lstm", n_qubits=3, n_layers=2, random_state=0).initialize(1)
    assert all(isinstance(v, np.ndarray) for v in params.values())
    assert params["angles"].shape == (6, 2, 3, 3)
    for U in params["unitaries"]:
        np.testing.assert_allclose(U.conj().T @ U, np.eye(8), atol=1e-12)


def test_paper_initialisation_is_near_identity():
    params = QRNNReservoir(n_qubits=3, angle_init="paper", random_state=0).initialize(1)
    assert np.abs(params["angles"]).max() < 0.1


def test_regressor_learns_a_short_memory_task():
    rng = np.random.default_rng(0)
    u = rng.uniform(-1, 1, (600, 1))
    y = np.roll(u[:, 0], 1)
    model = ReservoirRegressor(QRNNReservoir(cell="gru", n_qubits=4, random_state=0), washout=10,
                               input_concat=False).fit(u[:400], y[:400])
    assert model.score(u[400:], y[400:]) > 0.5


def test_windowed_sequences_run_batched_in_the_regressor():
    # The paper's protocol: windows of 4 values, each from a zero state, target after the last.
    series = np.sin(np.linspace(0, 12, 120))
    windows = np.stack([series[i:i + 4] for i in range(100)])[:, :, None]
    targets = np.stack([series[i + 1:i + 5] for i in range(100)])
    model = ReservoirRegressor(QRNNReservoir(cell="lstm", random_state=0), washout=3).fit(windows, targets)
    prediction = model.predict(windows)
    assert prediction.shape == (100, 4)
    assert np.mean((prediction[:, -1] - targets[:, -1]) ** 2) < 1e-2


def test_forecaster_and_save_load_round_trip(tmp_path):
    t = np.arange(500) * 0.1
    series = np.column_stack([np.sin(t), np.sin(2 * t)])
    model = ReservoirForecaster(QRNNReservoir(cell="lstm", n_qubits=4, random_state=0), washout=20).fit(series)
    path = tmp_path / "qlstm.npz"
    save(model, path)
    loaded = load(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_array_equal(loaded.forecast(30), model.forecast(30))
    np.testing.assert_array_equal(loaded.predict(series[:50]), model.predict(series[:50]))


def test_aer_backend_in_the_forecaster_is_deterministic():
    t = np.arange(60) * 0.3
    series = np.sin(t)[:, None]
    make = lambda: ReservoirForecaster(  # noqa: E731
        QRNNReservoir(cell="rnn", n_qubits=2, n_layers=1, backend="aer", shots=64, random_state=3),
        washout=5, squared=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        first = make().fit(series).forecast(4)
        second = make().fit(series).forecast(4)
    assert first.shape == (4, 1) and np.all(np.isfinite(first))
    np.testing.assert_array_equal(first, second)


def test_aer_without_noise_estimates_the_exact_features():
    params = QRNNReservoir(cell="lstm", n_qubits=3, n_layers=1, random_state=2).initialize(1)
    inputs = random_inputs((3, 1))
    exact, _ = run(QRNNReservoir(cell="lstm", n_qubits=3, n_layers=1), params, inputs)
    shots, _ = run(QRNNReservoir(cell="lstm", n_qubits=3, n_layers=1, backend="aer", shots=4000), params, inputs)
    # Standard error of a ⟨Z⟩ estimate is at most 1/sqrt(4000) ≈ 0.016; errors also propagate
    # through the fed-back state, so allow several of them.
    assert np.abs(shots - exact).max() < 0.12
    assert np.abs(shots - exact).max() > 0  # they are estimates


def test_readout_error_shrinks_expectations():
    params = QRNNReservoir(cell="rnn", n_qubits=2, n_layers=1, random_state=4).initialize(1)
    u = np.array([[0.3]])
    exact, _ = run(QRNNReservoir(cell="rnn", n_qubits=2, n_layers=1), params, u)
    noisy, _ = run(QRNNReservoir(cell="rnn", n_qubits=2, n_layers=1, backend="aer", shots=20000,
                                 readout_error=0.2), params, u)
    # A symmetric bit flip with probability p multiplies every ⟨Z_i⟩ by (1 - 2p) = 0.6.
    np.testing.assert_allclose(noisy[0, 1:], 0.6 * exact[0, 1:], atol=0.03)


def test_user_noise_model_is_transpiled_to_and_applied():
    from qiskit_aer.noise import NoiseModel, depolarizing_error

    model = NoiseModel(basis_gates=["rz", "sx", "cx", "measure"])
    model.add_all_qubit_quantum_error(depolarizing_error(0.3, 2), ["cx"])
    params = QRNNReservoir(cell="rnn", n_qubits=2, n_layers=2, random_state=1).initialize(1)
    u = np.array([[0.5]])
    exact, _ = run(QRNNReservoir(cell="rnn", n_qubits=2, n_layers=2), params, u)
    noisy, _ = run(QRNNReservoir(cell="rnn", n_qubits=2, n_layers=2, backend="aer", shots=4000,
                                 noise_model=model), params, u)
    # Depolarising noise pulls every ⟨Z⟩ towards 0.
    assert np.abs(noisy[0, 1:]).sum() < 0.8 * np.abs(exact[0, 1:]).sum()


def test_runner_hook_for_python_loop_backends():
    qres = QRNNReservoir(cell="rnn", n_qubits=2, n_layers=1, backend="qiskit")
    members = [qres.initialize(1, random_state=s) for s in range(2)]
    inputs = random_inputs((3, 1))
    stacked = run_ensemble(qres, members, inputs)
    exact = run_ensemble(QRNNReservoir(cell="rnn", n_qubits=2, n_layers=1), members, inputs)
    np.testing.assert_allclose(stacked, exact, atol=1e-10)
    with pytest.raises(TypeError, match="python_loop"):
        run_closed_loop(qres, members[0], np.zeros(3), np.zeros(1), np.zeros((1, 3)), np.zeros(1),
                        (False, False, False), 2)


def test_transform_uses_the_backend():
    u = random_inputs((5, 1))
    exact = QRNNReservoir(cell="gru", n_qubits=2, random_state=0).fit_transform(u)
    reference = QRNNReservoir(cell="gru", n_qubits=2, backend="qiskit", random_state=0).fit_transform(u)
    np.testing.assert_allclose(exact, reference, atol=1e-10)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"n_qubits": 0}, ValueError, "n_qubits must be >= 1"),
    ({"n_qubits": 2.5}, TypeError, "n_qubits must be an integer"),
    ({"n_qubits": 13}, ValueError, "n_qubits must be <= 12"),
    ({"n_qubits": 1}, ValueError, r"n_qubits \(1\) must exceed the number of inputs \(1\)"),
    ({"cell": "transformer"}, ValueError, "cell must be one of"),
    ({"backend": "gpu"}, ValueError, "backend must be one of"),
    ({"n_layers": 0}, ValueError, "n_layers must be >= 1"),
    ({"observables": "xx"}, ValueError, "observables must be one of"),
    ({"angle_init": "zeros"}, ValueError, "angle_init must be one of"),
    ({"depolarizing": 0.1}, ValueError, "needs backend='aer'"),
    ({"backend": "aer", "shots": 0}, ValueError, "shots must be >= 1"),
])
def test_bad_hyperparameters_give_clear_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        QRNNReservoir(**kwargs).initialize(1)
