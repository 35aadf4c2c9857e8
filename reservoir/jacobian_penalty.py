r"""Jacobian (Tikhonov) regularisation of a closed-loop forecaster's readout.

In closed loop, each output is fed back as the next input, so a readout that amplifies small
errors in its input amplifies them at every step. With :math:`z_t` the augmented features
after input :math:`u_t` and :math:`A_t = \partial z_t / \partial u_t` (F x d), the readout
:math:`y_t = W z_t + b` responds to a perturbation :math:`\delta u_t` with
:math:`W A_t \delta u_t`. The penalty

.. math:: \beta \, n \, \frac{1}{m} \sum_{s=1}^{m} \| W A_{t_s} \|_F^2

over ``m`` sampled training steps (``n`` training rows) is what training with Gaussian
input noise of variance :math:`\beta` adds to the least-squares loss to first order (Bishop,
"Training with noise is equivalent to Tikhonov regularization", Neural Computation 1995),
without its sampling noise. It is quadratic in ``W``: the rows :math:`\sqrt{\beta n / m}\,
A_{t_s}^\top` enter the ridge solve as extra penalty rows (``Ridge(penalty_rows=...)``).

The Jacobians come from JAX (``jax.jacfwd`` of one reservoir step and the augmentation), so
every reservoir whose ``step`` JAX can trace is covered, not only the ESN.
"""

import jax
import jax.numpy as jnp
import numpy as np

from .augment import augment
from .runner import _to_jax, compute_dtype, run


def _step_jacobian(reservoir, augmentation):
    """Compiled ``(params, states, inputs) -> A`` of shape (m, F, d) for m stacked states."""
    def one(params, state, u):
        def features(v):
            s = reservoir.step(params, state, v.astype(compute_dtype(params)))
            return augment(reservoir.features(params, s).astype(jnp.float64), v, *augmentation)

        return jax.jacfwd(features)(u)

    def many(params, states, inputs):
        params = reservoir.prepare(params)
        return jax.vmap(one, in_axes=(None, 0, 0))(params, states, inputs)

    return jax.jit(many)


def input_jacobian_rows(reservoir, params, sequences, augmentation, washout, n_samples=256):
    r"""Penalty rows :math:`A_{t_s}^\top` of the input Jacobians at sampled training steps.

    Parameters
    ----------
    reservoir : Reservoir
        A fitted reservoir whose ``step`` JAX can trace (not a ``python_loop`` one).
    params : dict
        Its parameters.
    sequences : list of ndarray (T_i, d)
        The (scaled) inputs that drive the reservoir in training.
    augmentation : tuple of bool
        ``(bias, input_concat, squared)``, as the forecaster's.
    washout : int
        Leading steps of every sequence that the readout does not see.
    n_samples : int, default=256
        Steps sampled, evenly spaced over the steps the readout sees (all of them when fewer).

    Returns
    -------
    rows : ndarray of shape (m * d, F)
        For each sampled step, the ``d`` rows of :math:`A_t^\top`.
    n_sampled : int
        ``m``, the number of sampled steps.

    Examples
    --------
    >>> import numpy as np
    >>> from reservoir import ESN
    >>> esn = ESN(n_units=20, random_state=0)
    >>> params = esn.initialize(2)
    >>> u = np.random.default_rng(0).normal(size=(200, 2))
    >>> rows, m = input_jacobian_rows(esn, params, [u], (True, True, True), washout=50, n_samples=10)
    >>> rows.shape, m   # 10 steps x 2 inputs, 1 + 2 + 20 + 20 features
    ((20, 43), 10)
    """
    if reservoir.python_loop:
        raise TypeError(f"{type(reservoir).__name__} runs a Python loop that JAX cannot differentiate; "
                        "jacobian_penalty needs a reservoir with a traceable step")
    # The steps the readout sees: t in [washout, T - 1) of every sequence (t predicts t + 1).
    spans = [(i, washout, len(seq) - 1) for i, seq in enumerate(sequences) if len(seq) - 1 > washout]
    total = sum(hi - lo for _, lo, hi in spans)
    if total == 0:
        raise ValueError("sequences: no step left after the washout to take a Jacobian at")
    picks = np.unique(np.linspace(0, total - 1, min(int(n_samples), total)).round().astype(int))
    states, inputs, offset = [], [], 0
    for i, lo, hi in spans:
        mine = picks[(picks >= offset) & (picks < offset + hi - lo)] - offset + lo
        offset += hi - lo
        state, done = None, 0
        for t in mine:
            # The state before input t: run up to it from where the last sample left off.
            if t > done:
                _, state = run(reservoir, params, sequences[i][done:t], state)
                done = t
            states.append(reservoir.initial_state(_to_jax(params)) if state is None else state)
            inputs.append(sequences[i][t])
    stacked = jax.tree.map(lambda *leaves: jnp.stack([jnp.asarray(leaf) for leaf in leaves]), *states)
    jacobians = _step_jacobian(reservoir, tuple(augmentation))(
        _to_jax(params), stacked, jnp.asarray(np.array(inputs), dtype=jnp.float64))
    jacobians = np.asarray(jacobians)  # (m, F, d)
    return np.ascontiguousarray(jacobians.transpose(0, 2, 1).reshape(-1, jacobians.shape[1])), len(inputs)
