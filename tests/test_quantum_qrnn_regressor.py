"""QRNNRegressor: the trainable JAX path against qiskit, its gradient, training, readout mode, errors."""

import jax
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from quantum import QRNNRegressor, QRNNReservoir
from quantum.circuits import layers_unitary
from quantum.qrnn_regressor import layers_unitary_jax
from reservoir import ReservoirRegressor, Ridge, load, save
from reservoir.augment import augment
from reservoir.runner import run


def damped_windows(n=120, window=4):
    t = np.linspace(0, 15, n + window)
    s = np.exp(-0.15 * t) * np.cos(2.5 * t)
    X = np.stack([s[i:i + window] for i in range(n)])[:, :, None]
    Y = np.stack([s[i + 1:i + window + 1] for i in range(n)])
    return X, Y


@pytest.fixture(scope="module")
def trained():
    X, Y = damped_windows()
    model = QRNNRegressor(cell="gru", n_qubits=3, n_layers=1, n_epochs=30, washout=3, random_state=0)
    return model.fit(X, Y), X, Y


@pytest.mark.parametrize("shape", [(1, 1, 3), (2, 4, 3)])
def test_jax_layers_equal_qiskit_operator(shape):
    angles = np.random.default_rng(sum(shape)).uniform(-7, 7, shape)
    np.testing.assert_allclose(np.asarray(layers_unitary_jax(angles)), layers_unitary(angles), rtol=0, atol=1e-13)


def test_full_training_lowers_the_loss_on_a_damped_oscillation(trained):
    model, X, Y = trained
    curve = model.loss_curve_
    assert len(curve) == model.n_iter_ == 30 and len(model.epoch_times_) == 30
    assert curve[-1] <= 0.5 * curve[0]
    # the circuit angles are trained, not only the head; the last RZ of every qubit commutes
    # with the Z read-out, so its gradient is zero and RMSprop leaves it exactly where it was
    start = QRNNReservoir(cell="gru", n_qubits=3, n_layers=1, random_state=0).initialize(1)["angles"]
    moved = np.abs(model.reservoir_params_["angles"] - start) > 1e-6
    assert not moved[:, -1, :, 2].any()
    assert moved.mean() > 0.5
    # the model predicts the held-in windows' last step well
    assert model.score(X, Y) > 0.9


def test_trained_path_equals_qiskit_statevector(trained):
    """The path the gradient flows through, with trained angles, against qiskit's Statevector."""
    model, X, _ = trained
    params = model.reservoir_params_
    theta = {"angles": params["angles"], "coef": np.atleast_2d(model.readout_.coef_),
             "intercept": np.atleast_1d(model.readout_.intercept_)}
    x = model._scale(X[:3])
    jax_pred = np.asarray(jax.jit(model._forward_function())(theta, x))[..., 0]
    reference = QRNNReservoir(cell="gru", n_qubits=3, n_layers=1, backend="qiskit")
    states, _ = run(reference, params, x)  # the trained angles, bound into qiskit circuits
    qiskit_pred = augment(states, x, True, True, False) @ theta["coef"][0] + theta["intercept"][0]
    np.testing.assert_allclose(jax_pred, qiskit_pred, rtol=0, atol=1e-10)
    # predict runs the exact path with the unitaries qiskit gives for the trained angles
    np.testing.assert_allclose(model.predict(X[:3]), qiskit_pred, rtol=0, atol=1e-10)


def test_gradient_matches_finite_differences(trained):
    model, X, Y = trained
    forward = model._forward_function()
    x, y = model._scale(X[:8]), Y[:8, :, None]
    rng = np.random.default_rng(1)
    theta = {"angles": model.reservoir_params_["angles"],
             "coef": rng.normal(size=(1, model.readout_.n_features_in_)), "intercept": np.array([0.1])}

    # one compiled function gives the gradient and the loss values of the differences
    value_and_grad = jax.jit(jax.value_and_grad(lambda t: ((forward(t, x) - y) ** 2).mean()))
    grads = value_and_grad(theta)[1]

    def loss(t):
        return float(value_and_grad(t)[0])

    eps = 1e-6
    for key, index in [("angles", (0, 0, 0, 0)), ("angles", (2, 0, 2, 1)), ("angles", (1, 0, 1, 2)),
                       ("coef", (0, 3)), ("intercept", (0,))]:
        plus = {k: np.array(v, dtype=float) for k, v in theta.items()}
        minus = {k: np.array(v, dtype=float) for k, v in theta.items()}
        plus[key][index] += eps
        minus[key][index] -= eps
        numeric = (loss(plus) - loss(minus)) / (2 * eps)
        assert float(grads[key][index]) == pytest.approx(numeric, rel=1e-5, abs=1e-9)


def test_readout_mode_is_the_reservoir_regressor():
    X, Y = damped_windows(60)
    ours = QRNNRegressor(cell="rnn", n_qubits=3, n_layers=2, training="readout", washout=3, random_state=4).fit(X, Y)
    reference = ReservoirRegressor(QRNNReservoir(cell="rnn", n_qubits=3, n_layers=2, random_state=4),
                                   readout=Ridge(alpha=1e-6, solver="qr"), washout=3).fit(X, Y)
    np.testing.assert_array_equal(ours.predict(X), reference.predict(X))
    np.testing.assert_array_equal(ours.reservoir_params_["angles"], reference.reservoir_params_["angles"])
    assert not hasattr(ours, "loss_curve_")


def test_same_seed_same_training_clone_and_save(trained, tmp_path):
    model, X, Y = trained
    # the fixture's configuration and minibatch shape: the compiled training step is reused
    again = clone(model).set_params(n_epochs=3).fit(X[:40], Y[:40])
    twice = clone(again).fit(X[:40], Y[:40])
    assert again.loss_curve_ == twice.loss_curve_
    np.testing.assert_array_equal(again.predict(X[:5]), twice.predict(X[:5]))
    assert clone(model).get_params()["training"] == "full"
    # the trained angles and head survive a save and load (arrays + JSON)
    save(twice, tmp_path / "qrnn.npz")
    np.testing.assert_array_equal(load(tmp_path / "qrnn.npz").predict(X[:5]), twice.predict(X[:5]))
    # one target column given as (n, T, 1) gives (n, T, 1) back
    assert twice.fit(X[:40], Y[:40, :, None]).predict(X[:5]).shape == (5, 4, 1)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(training="partial"), ValueError, "training must be one of"),
    (dict(n_epochs=0), ValueError, "n_epochs must be >= 1"),
    (dict(batch_size=0), ValueError, "batch_size must be >= 1"),
    (dict(batch_size=2.5), TypeError, "batch_size must be an integer"),
    (dict(learning_rate=-0.1), ValueError, "learning_rate must be > 0"),
    (dict(decay=1.0), ValueError, "decay must be < 1"),
    (dict(momentum=-0.5), ValueError, "momentum must be >= 0"),
    (dict(alpha=-1.0), ValueError, "alpha must be >= 0"),
    (dict(cell="transformer"), ValueError, "cell must be one of"),
    (dict(washout=-1), ValueError, "washout must be >= 0"),
])
def test_bad_hyperparameters_raise(kwargs, error, match):
    X, Y = damped_windows(10)
    with pytest.raises(error, match=match):
        QRNNRegressor(**{"n_qubits": 2, "n_layers": 1, "n_epochs": 1, "washout": 3, **kwargs}).fit(X, Y)


def test_bad_inputs_raise(trained):
    X, Y = damped_windows(10)
    model = QRNNRegressor(n_qubits=2, n_layers=1, n_epochs=1, washout=3)
    with pytest.raises(NotFittedError):
        model.predict(X)
    bad = X.copy()
    bad[0, 1, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        model.fit(bad, Y)
    with pytest.raises(ValueError, match="one target sequence per input sequence"):
        model.fit(X, Y[:5])
    with pytest.raises(ValueError, match="equal length"):
        model.fit([X[0], X[1][:3]], [Y[0], Y[1][:3]])
    with pytest.raises(ValueError, match="not more than washout"):
        QRNNRegressor(n_qubits=2, n_layers=1, n_epochs=1, washout=4).fit(X, Y)
    with pytest.raises(ValueError, match="must exceed the number of inputs"):
        model.fit(np.concatenate([X, X], axis=2), Y)
    with pytest.raises(ValueError, match="expecting 1 features"):
        trained[0].predict(np.concatenate([X, X], axis=2))
