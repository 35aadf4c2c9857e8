"""QRNN regression over sequences, fully trained by gradient or as a reservoir (QRNN-RC).

Chen et al. (arXiv 2211.02612) compare a quantum recurrent network whose circuit angles and
linear head are all trained by gradient ("fully trained QRNN") with the same network whose
angles stay at their random draw and only the head is fitted ("QRNN-RC").
:class:`QRNNRegressor` offers both behind one scikit-learn regressor:

- ``training="readout"`` is :class:`~reservoir.ReservoirRegressor` around a
  :class:`~quantum.QRNNReservoir`: frozen angles, ridge head solved in closed form;
- ``training="full"`` starts from the same angles and a small random head and trains every
  angle and the head with RMSprop (optax) on the mean squared error, back-propagating
  through the exact statevector path: the variational layers are rebuilt from their angles
  in JAX (:func:`layers_unitary_jax`, equal to qiskit's ``Operator`` to machine precision)
  and the cell's classical glue is the reservoir's own.

After fitting, both modes hold the same fitted attributes (``reservoir_params_`` with the
final angles and their qiskit unitaries, and a linear ``readout_``), so prediction, scoring
and the circuits a user draws are the same code in both.
"""

import functools
import time
from numbers import Integral, Real

import jax
import jax.numpy as jnp
import numpy as np
from qiskit import QuantumCircuit
from qiskit.quantum_info import Operator

from reservoir import _jax  # noqa: F401  (float64 on)
from reservoir.augment import augment
from reservoir.base import make_rng
from reservoir.readouts import Ridge
from reservoir.regressor import ReservoirRegressor
from reservoir.validation import Interval, Options, validate_parameters

from .circuits import layers_unitary, ring_pairs
from .qrnn import QRNNReservoir, encoded_states

__all__ = ["QRNNRegressor", "layers_unitary_jax"]

TRAININGS = ("full", "readout")


@functools.lru_cache(maxsize=None)
def _entangler(n_qubits):
    """The two CNOT rings of one layer as a (real permutation) matrix, taken from qiskit."""
    qc = QuantumCircuit(n_qubits)
    for control, target in ring_pairs(n_qubits, 1) + ring_pairs(n_qubits, 2):
        qc.cx(control, target)
    return np.real(Operator(qc).data)


def _rotations(angles):
    """Rot(α, β, γ) = RZ(γ)·RY(β)·RZ(α) with qiskit's sign conventions: (..., 3) -> (..., 2, 2)."""
    alpha, beta, gamma = angles[..., 0], angles[..., 1], angles[..., 2]
    c, s = jnp.cos(beta / 2), jnp.sin(beta / 2)
    ry = jnp.stack([jnp.stack([c, -s], axis=-1), jnp.stack([s, c], axis=-1)], axis=-2)
    signs = jnp.array([-1.0, 1.0])
    rz_alpha = jnp.exp(0.5j * alpha[..., None] * signs)
    rz_gamma = jnp.exp(0.5j * gamma[..., None] * signs)
    return rz_gamma[..., :, None] * ry * rz_alpha[..., None, :]


def layers_unitary_jax(angles):
    """The variational layers of one block as a matrix, differentiable in ``angles``.

    The JAX twin of :func:`quantum.circuits.layers_unitary` (which asks qiskit's
    ``Operator``): each layer is the fixed CNOT permutation followed by the Kronecker
    product of the per-qubit rotations, in qiskit's little-endian order (qubit 0 is the
    last factor).

    Parameters
    ----------
    angles : array of shape (n_layers, n_qubits, 3)

    Returns
    -------
    jax array of shape (2**n, 2**n), complex128.

    Examples
    --------
    >>> import numpy as np
    >>> from quantum.circuits import layers_unitary
    >>> a = np.random.default_rng(0).uniform(0, 6.3, (2, 3, 3))
    >>> bool(np.allclose(layers_unitary_jax(a), layers_unitary(a), atol=1e-12))
    True
    """
    angles = jnp.asarray(angles, dtype=jnp.float64)
    n_layers, n_qubits, _ = angles.shape
    # The CNOT rings permute basis states: row i of (P @ U) is row source[i] of U.
    source = np.argmax(_entangler(n_qubits), axis=1)
    rotations = _rotations(angles)  # (L, n, 2, 2)
    # Kronecker product over the qubits, all layers at once, most significant qubit first.
    product = rotations[:, n_qubits - 1]
    for q in range(n_qubits - 2, -1, -1):
        size = 2 * product.shape[1]
        product = (product[:, :, None, :, None] * rotations[:, q, None, :, None, :]).reshape(n_layers, size, size)
    unitary = jnp.eye(2**n_qubits, dtype=jnp.complex128)
    for layer in range(n_layers):
        unitary = product[layer] @ unitary[source]
    return unitary


def _training_rng(random_state):
    """Generator of the head's initial weights and of the minibatch order; independent of the
    angles' stream for an integer seed."""
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool) and random_state >= 0:
        return np.random.default_rng([int(random_state), 1])
    return make_rng(random_state)


class QRNNRegressor(ReservoirRegressor):
    """Sequence regressor on a quantum RNN/LSTM/GRU cell: fully trained, or a reservoir.

    ``y_t = W·[1, u_t, features_t] + b``, where the features are those of
    :class:`~quantum.QRNNReservoir` (hidden state, LSTM cell state, ⟨Z⟩ of the output
    circuit). With ``training="readout"`` the angles stay at their random draw and the head
    is a ridge regression (this is exactly ``ReservoirRegressor(QRNNReservoir(...))``); with
    ``training="full"`` every circuit angle and the head are trained by RMSprop on the mean
    squared error over the steps after ``washout``, with gradients through the exact
    statevector simulation.

    Parameters
    ----------
    cell : {"rnn", "lstm", "gru"}, default="rnn"
        The recurrent cell (see :class:`~quantum.QRNNReservoir`).
    n_qubits : int, default=4
        Qubits per circuit; the hidden state has ``n_qubits - n_inputs`` entries.
    n_layers : int, default=2
        Variational layers per circuit.
    training : {"full", "readout"}, default="full"
        Train everything by gradient, or only the linear head in closed form.
    observables : {"z", "zz"}, default="z"
        Read-out of the output circuit.
    angle_init : {"uniform", "paper"}, default="uniform"
        Initial (and, for ``"readout"``, frozen) angles: U(0, 2π) or 0.01·N(0, 1).
    n_epochs : int, default=100
        Passes over the training sequences (``"full"``).
    batch_size : int or None, default=32
        Sequences per gradient step (``"full"``); None uses all of them.
    learning_rate, decay, momentum : float, default=0.01, 0.99, 0.5
        RMSprop settings of the reproductions of the paper (PyTorch's form: ``eps`` added
        outside the square root).
    alpha : float, default=1e-6
        Ridge penalty of the closed-form head (``"readout"``).
    washout : int, default=0
        Leading steps of every sequence left out of the loss (and of the score).
    standardize, bias, input_concat : bool, default=True
        As in :class:`~reservoir.ReservoirRegressor`.
    random_state : int, Generator or None
        Seed of the angles, the head's initial weights and the minibatch order.

    Attributes
    ----------
    reservoir_params_ : dict of ndarray
        ``angles`` (trained or frozen) and their ``unitaries`` taken from qiskit.
    readout_ : Ridge
        The linear head (``coef_``, ``intercept_``), trained or solved.
    loss_curve_ : list of float
        ``"full"`` only: mean training loss (MSE) of each epoch's minibatches.
    epoch_times_ : list of float
        ``"full"`` only: seconds from the start of training to the end of each epoch (the
        first includes the compilation).
    n_iter_ : int
        ``"full"`` only: epochs run.
    fit_time_ : float
        Wall-clock seconds of the last ``fit`` (compilation included).

    Examples
    --------
    >>> import numpy as np
    >>> t = np.linspace(0, 12, 160)
    >>> s = np.exp(-0.1 * t) * np.cos(2 * t)
    >>> X = np.stack([s[i:i + 4] for i in range(150)])[:, :, None]
    >>> y = np.stack([s[i + 1:i + 5] for i in range(150)])
    >>> model = QRNNRegressor(n_qubits=3, n_layers=1, n_epochs=20, washout=3, random_state=0).fit(X, y)
    >>> model.loss_curve_[-1] < model.loss_curve_[0]
    True
    >>> model.predict(X).shape
    (150, 4)
    """

    def __init__(self, cell="rnn", n_qubits=4, n_layers=2, training="full", observables="z",
                 angle_init="uniform", n_epochs=100, batch_size=32, learning_rate=0.01, decay=0.99,
                 momentum=0.5, alpha=1e-6, washout=0, standardize=True, bias=True, input_concat=True,
                 random_state=None):
        self.cell = cell
        self.n_qubits = n_qubits
        self.n_layers = n_layers
        self.training = training
        self.observables = observables
        self.angle_init = angle_init
        self.n_epochs = n_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.decay = decay
        self.momentum = momentum
        self.alpha = alpha
        self.washout = washout
        self.standardize = standardize
        self.bias = bias
        self.input_concat = input_concat
        self.random_state = random_state

    # The shared estimator machinery reads these three; here they follow from the parameters.
    @property
    def reservoir(self):
        return QRNNReservoir(cell=self.cell, n_qubits=self.n_qubits, n_layers=self.n_layers,
                             observables=self.observables, angle_init=self.angle_init,
                             random_state=self.random_state)

    @property
    def readout(self):
        return Ridge(alpha=self.alpha, solver="qr")

    @property
    def squared(self):
        return False

    # cell, n_qubits, n_layers, observables and angle_init: as QRNNReservoir declares them.
    _parameter_constraints = {
        "training": Options(*TRAININGS),
        "n_epochs": Interval(Integral, 1, None),
        "batch_size": [None, Interval(Integral, 1, None)],
        "learning_rate": Interval(Real, 0, None, closed="neither"),
        "decay": Interval(Real, 0, 1, closed="left"),
        "momentum": Interval(Real, 0, 1, closed="left"),
        "alpha": Interval(Real, 0, None),
    }

    def _check_training_params(self):
        validate_parameters(self)
        self.reservoir._check_hyperparameters()

    def fit(self, X, y):
        """Fit on sequences ``X`` (n, T, d) (or a list of equal-length (T, d) arrays, or one
        (T, d) sequence) with per-step targets ``y`` of matching layout."""
        self._check_training_params()
        start = time.perf_counter()
        if self.training == "readout":
            super().fit(X, y)
            self.fit_time_ = time.perf_counter() - start
            return self
        self._check_common_params()
        sequences, layout = self._check_inputs(X, reset=True)
        targets = self._check_targets(y, sequences, layout)
        lengths = {len(s) for s in sequences}
        if len(lengths) > 1:
            raise ValueError(f"training='full' needs sequences of equal length in X, got lengths {sorted(lengths)}")
        if min(lengths) <= self.washout:
            raise ValueError(f"sequences of X have n_samples = {min(lengths)}, not more than washout = {self.washout}")
        self._fit_reservoir(sequences)
        inputs = np.stack([self._scale(s) for s in sequences])
        outputs = np.stack(targets)
        angles, coef, intercept = self._train(inputs, outputs)
        self.reservoir_params_ = {**self.reservoir_params_, "angles": angles,
                                  "unitaries": np.stack([layers_unitary(a) for a in angles])}
        self.readout_ = _linear_readout(self.alpha, coef, intercept, self._y_was_1d)
        self.fit_time_ = time.perf_counter() - start
        return self

    def _train(self, inputs, outputs):
        """RMSprop on every angle and the head; returns the final (angles, coef, intercept)."""
        rng = _training_rng(self.random_state)
        params = self.reservoir_params_
        size = self.reservoir_.n_features(params)
        width = size + int(self.bias) + (inputs.shape[2] if self.input_concat else 0)
        bound = 1 / np.sqrt(width)  # PyTorch's default initialisation of a linear layer
        theta = {
            "angles": jnp.asarray(params["angles"]),
            "coef": jnp.asarray(rng.uniform(-bound, bound, (outputs.shape[2], width))),
            "intercept": jnp.asarray(rng.uniform(-bound, bound, outputs.shape[2])),
        }
        optimizer, update = _training_step(self.cell, self.n_qubits, self.observables, size, bool(self.bias),
                                           bool(self.input_concat), self.washout, float(self.learning_rate),
                                           float(self.decay), float(self.momentum))
        state = optimizer.init(theta)
        n = len(inputs)
        batch = n if self.batch_size is None else min(self.batch_size, n)
        n_batches = -(-n // batch)
        padding = n_batches * batch - n
        self.loss_curve_, self.epoch_times_ = [], []
        start = time.perf_counter()
        for epoch in range(self.n_epochs):
            # The last minibatch is padded (with weight 0) to the common size: one shape, so
            # one compilation, which costs far more than the training steps themselves.
            order = np.concatenate([rng.permutation(n), np.zeros(padding, dtype=int)]).reshape(n_batches, batch)
            weights = (np.arange(n_batches * batch) < n).astype(float).reshape(n_batches, batch)
            total = 0.0
            for idx, weight in zip(order, weights):
                theta, state, value = update(theta, state, inputs[idx], outputs[idx], weight)
                total += float(value) * weight.sum()
            epoch_loss = float(total / n)
            if not np.isfinite(epoch_loss):
                raise ValueError(f"training diverged at epoch {epoch} (loss {epoch_loss}); "
                                 f"lower learning_rate or standardise the targets")
            self.loss_curve_.append(epoch_loss)
            self.epoch_times_.append(time.perf_counter() - start)
        self.n_iter_ = self.n_epochs
        return np.asarray(theta["angles"]), np.asarray(theta["coef"]), np.asarray(theta["intercept"])

    def _forward_function(self):
        """``forward(theta, x)``: predictions (B, T, k) of a batch of scaled sequences (B, T, d),
        differentiable in ``theta`` (angles, coef, intercept)."""
        return _forward(self.reservoir_, self.reservoir_.n_features(self.reservoir_params_),
                        bool(self.bias), bool(self.input_concat))


def _forward(reservoir, size, bias, input_concat):
    """The differentiable forward pass of a QRNN with a linear head (see ``_forward_function``)."""

    def forward(theta, x):
        x = jnp.asarray(x)
        unitaries = jax.vmap(layers_unitary_jax)(theta["angles"])

        def probabilities(indices, v):
            amplitudes = jnp.einsum("kij,bj->bki", unitaries[np.asarray(indices)], encoded_states(v))
            return jnp.abs(amplitudes) ** 2

        def body(state, u):
            state = reservoir._update(probabilities, state, u, jnp)
            return state, state

        _, states = jax.lax.scan(body, jnp.zeros((x.shape[0], size)), jnp.swapaxes(x, 0, 1))
        z = augment(jnp.swapaxes(states, 0, 1), x, bias, input_concat, False)
        return z @ theta["coef"].T + theta["intercept"]

    return forward


@functools.lru_cache(maxsize=16)
def _training_step(cell, n_qubits, observables, size, bias, input_concat, washout, learning_rate, decay,
                   momentum):
    """``(optimizer, update)`` for one configuration, cached: refits (seeds, cross-validation)
    reuse the compiled step instead of compiling it again."""
    import optax

    forward = _forward(QRNNReservoir(cell=cell, n_qubits=n_qubits, observables=observables), size, bias,
                       input_concat)

    def loss(theta, x, y, weight):
        # weight (B,) is 0 on the padding of the last minibatch
        errors = jnp.mean((forward(theta, x)[:, washout:] - y[:, washout:]) ** 2, axis=(1, 2))
        return jnp.sum(weight * errors) / jnp.sum(weight)

    optimizer = optax.rmsprop(learning_rate, decay=decay, eps=1e-8, eps_in_sqrt=False, momentum=momentum or None)

    @jax.jit
    def update(theta, state, x, y, weight):
        value, grads = jax.value_and_grad(loss)(theta, x, y, weight)
        updates, state = optimizer.update(grads, state, theta)
        return optax.apply_updates(theta, updates), state, value

    return optimizer, update


def _linear_readout(alpha, coef, intercept, one_target):
    """A fitted :class:`~reservoir.Ridge` holding a head trained elsewhere, so that prediction
    goes through the same readout code in both training modes."""
    readout = Ridge(alpha=alpha, solver="qr")
    readout.coef_ = coef[0].copy() if one_target else coef.copy()
    readout.intercept_ = float(intercept[0]) if one_target else intercept.copy()
    readout.n_features_in_ = coef.shape[1]
    return readout
