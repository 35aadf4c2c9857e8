"""Standard reservoir tasks that take any reservoir: memory capacity and NARMA.

Both drive the reservoir through the shared contract (``initialize``, ``adapt``, ``step``),
so an ESN, an onion ESN or an E/I reservoir is scored the same way.

Examples
--------
>>> from reservoir import ESN
>>> from reservoir.tasks import memory_capacity_task, narma_task
>>> mc, per_delay = memory_capacity_task(ESN(n_units=50, random_state=0), n_steps=2000)
>>> 5 < mc < 50
True
"""

import numpy as np

from .base import make_rng
from .metrics import memory_capacity, nrmse
from .readouts import Ridge
from .regressor import ReservoirRegressor
from .runner import run
from .validation import check_nonnegative_int, check_positive_int, check_real

__all__ = ["memory_capacity_task", "narma", "narma_task", "prediction_task"]


def memory_capacity_task(reservoir, n_steps=4000, max_delay=None, washout=200, alpha=1e-8,
                         random_state=0, input_seed=None):
    """Linear memory capacity of ``reservoir`` driven by i.i.d. uniform input (Jaeger 2002).

    The input is uniform with zero mean and unit variance (on ``[-sqrt 3, sqrt 3]``), the
    scale the estimators feed a reservoir after standardisation. The reservoir's weights are
    drawn for one input, its ``adapt`` phase (if any) runs on an independent input sequence
    of the same law, and the capacity is computed by :func:`reservoir.metrics.memory_capacity`
    (one ridge readout per delay, fitted on the first half of the states and scored on the
    second half).

    Parameters
    ----------
    reservoir : Reservoir
        Any reservoir of the package.
    n_steps : int, default=4000
        Length of the driving sequence.
    max_delay : int, optional
        Largest delay; default ``min(2 N, 200)`` for N features.
    washout : int, default=200
        Initial steps dropped.
    alpha : float, default=1e-8
        Ridge penalty of the per-delay readouts.
    random_state : int or None, default=0
        Seed of the weights and (unless ``input_seed`` is given) of the input.
    input_seed : int, optional
        Seed of the adaptation and driving inputs alone: the same reservoir scored on
        independent data (a validation set for tuning, another for testing).

    Returns
    -------
    total : float
        The memory capacity (sum over delays of the squared correlation).
    per_delay : ndarray of shape (max_delay,)

    Examples
    --------
    >>> from reservoir import ESN
    >>> total, per_delay = memory_capacity_task(ESN(n_units=30, random_state=0), n_steps=1500)
    >>> per_delay.shape, bool(per_delay[0] > 0.9)
    ((60,), True)
    """
    n_steps = check_positive_int(n_steps, "n_steps")
    washout = check_nonnegative_int(washout, "washout")
    rng = make_rng(random_state)
    rng_weights, rng_adapt, rng_input = rng.spawn(3)
    if input_seed is not None:
        rng_adapt, rng_input = make_rng(input_seed).spawn(2)
    params = reservoir.initialize(1, rng_weights)
    half_width = np.sqrt(3.0)
    adapt_input = rng_adapt.uniform(-half_width, half_width, (n_steps, 1))
    params = reservoir.adapt(params, [adapt_input])
    u = rng_input.uniform(-half_width, half_width, (n_steps, 1))
    states, _ = run(reservoir, params, u)
    if max_delay is None:
        max_delay = min(2 * states.shape[1], 200)
    return memory_capacity(states, u[:, 0], max_delay=max_delay, washout=washout, alpha=alpha)


def narma(order=10, n=2000, seed=0):
    """A NARMA series of the given order driven by i.i.d. ``U(0, 0.5)`` input.

    .. math:: y_{t+1} = 0.3 y_t + 0.05 y_t \\sum_{j=0}^{n-1} y_{t-j} + 1.5 u_{t-n+1} u_t + 0.1

    (Atiya and Parlos 2000). Orders much above 10 can diverge for some inputs; a diverging
    series raises instead of returning garbage.

    Parameters
    ----------
    order : int, default=10
        Memory ``n`` of the system.
    n : int, default=2000
        Number of samples.
    seed : int, default=0
        Seed of the input.

    Returns
    -------
    u : ndarray of shape (n,)
        The input.
    y : ndarray of shape (n,)
        The target; ``y[t]`` depends on ``u`` up to ``u[t - 1]``.

    Examples
    --------
    >>> u, y = narma(10, 500, seed=0)
    >>> u.shape, y.shape, bool(0 < y.mean() < 1)
    ((500,), (500,), True)
    """
    order = check_positive_int(order, "order")
    n = check_positive_int(n, "n")
    u = np.random.default_rng(seed).uniform(0.0, 0.5, n)
    y = np.zeros(n)
    for t in range(order - 1, n - 1):
        window = y[t - order + 1:t + 1]
        y[t + 1] = 0.3 * y[t] + 0.05 * y[t] * window.sum() + 1.5 * u[t - order + 1] * u[t] + 0.1
        if not np.isfinite(y[t + 1]) or abs(y[t + 1]) > 1e3:
            raise ValueError(f"NARMA-{order} diverged at step {t + 1} for seed {seed}; try another seed or order")
    return u, y


def narma_task(reservoir, order=10, n_train=4000, n_test=1000, washout=200, alpha=1e-8,
               random_state=0, input_seed=None):
    """Test NRMSE of ``reservoir`` on NARMA-``order`` with a ridge readout.

    One NARMA series of ``n_train + n_test`` steps is generated; a
    :class:`~reservoir.ReservoirRegressor` (standardised input, bias and input concatenation)
    is fitted on the first ``n_train`` steps, then predicts the test part after
    synchronising on the last ``washout`` training steps. The target at step ``t`` is
    ``y[t]``, which depends on inputs up to ``t - 1`` only.

    Parameters
    ----------
    reservoir : Reservoir
    order : int, default=10
    n_train, n_test : int, default=4000, 1000
    washout : int, default=200
        Steps dropped at the start of training and used to synchronise before testing.
    alpha : float, default=1e-8
        Ridge penalty.
    random_state : int or None, default=0
        Seed of the reservoir and (unless ``input_seed`` is given) of the NARMA input.
    input_seed : int, optional
        Seed of the NARMA input alone (validation and test series for the same reservoir).

    Returns
    -------
    float
        NRMSE on the test steps (1 is the error of predicting the mean).

    Examples
    --------
    >>> from reservoir import ESN
    >>> error = narma_task(ESN(n_units=100, random_state=0), n_train=1500, n_test=500)
    >>> bool(error < 0.9)
    True
    """
    n_train = check_positive_int(n_train, "n_train")
    n_test = check_positive_int(n_test, "n_test")
    washout = check_nonnegative_int(washout, "washout")
    check_real(alpha, "alpha", low=0)
    if washout >= n_train:
        raise ValueError(f"washout ({washout}) must be smaller than n_train ({n_train})")
    u, y = narma(order, n_train + n_test, seed=random_state if input_seed is None else input_seed)
    return _open_loop_nrmse(reservoir, u[:, None], y, n_train, washout, alpha, random_state)


def prediction_task(reservoir, series, horizon=1, train_fraction=0.75, washout=200, alpha=1e-8,
                    random_state=0):
    """Test NRMSE of predicting ``series[t + horizon]`` from the series up to ``t`` (open loop).

    A :class:`~reservoir.ReservoirRegressor` reads the series (standardised, with a bias and
    the current input concatenated) and is fitted on the first ``train_fraction`` of it; the
    rest is predicted after synchronising on the last ``washout`` training steps. This is
    the "time-series prediction" of the E/I paper's kind: the reservoir is never run in
    closed loop, so the score measures memory and nonlinearity, not the stability of a
    generated trajectory.

    Parameters
    ----------
    reservoir : Reservoir
    series : array of shape (T,) or (T, d)
        The series; all coordinates are inputs and targets.
    horizon : int, default=1
        How many steps ahead to predict.
    train_fraction : float, default=0.75
        Fraction of the usable steps used for fitting, in (0, 1).
    washout : int, default=200
    alpha : float, default=1e-8
        Ridge penalty.
    random_state : int or None, default=0
        Seed of the reservoir.

    Returns
    -------
    float
        NRMSE over the test steps (1 is the error of predicting the mean).

    See Also
    --------
    narma_task : the same readout and score on the NARMA benchmark.

    Examples
    --------
    >>> import numpy as np
    >>> from reservoir import ESN
    >>> x = np.sin(np.arange(3000) * 0.1)
    >>> bool(prediction_task(ESN(n_units=50, random_state=0), x, horizon=5) < 0.01)
    True
    """
    horizon = check_positive_int(horizon, "horizon")
    washout = check_nonnegative_int(washout, "washout")
    check_real(train_fraction, "train_fraction", low=0, high=1, low_inclusive=False, high_inclusive=False)
    series = np.asarray(series, dtype=float)
    if series.ndim == 1:
        series = series[:, None]
    inputs, targets = series[:-horizon], series[horizon:]
    n_train = int(round(train_fraction * len(inputs)))
    if n_train <= washout or len(inputs) - n_train < 2:
        raise ValueError(f"series of {len(series)} steps is too short for washout={washout}, "
                         f"horizon={horizon} and train_fraction={train_fraction}")
    return _open_loop_nrmse(reservoir, inputs, targets, n_train, washout, alpha, random_state)


def _open_loop_nrmse(reservoir, inputs, targets, n_train, washout, alpha, random_state):
    """Fit a ridge readout on the first ``n_train`` steps; the test NRMSE on the rest, predicted
    after synchronising on the last ``washout`` training steps."""
    model = ReservoirRegressor(reservoir, readout=Ridge(alpha=alpha), washout=washout,
                               random_state=random_state)
    model.fit(inputs[:n_train], targets[:n_train])
    start = n_train - washout
    prediction = np.asarray(model.predict(inputs[start:])).reshape((len(inputs) - start,) + targets.shape[1:])
    return nrmse(targets[n_train:], prediction[washout:])
