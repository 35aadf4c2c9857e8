"""reservoir.tasks: memory capacity, NARMA and ahead prediction for any reservoir."""

import numpy as np
import pytest

from reservoir import ESN, EIReservoir, OnionESN
from reservoir.tasks import memory_capacity_task, narma, narma_task, prediction_task


def test_narma_follows_its_recursion_and_is_reproducible():
    u, y = narma(10, 400, seed=3)
    assert np.all((u >= 0) & (u <= 0.5))
    t = 200
    expected = 0.3 * y[t] + 0.05 * y[t] * y[t - 9:t + 1].sum() + 1.5 * u[t - 9] * u[t] + 0.1
    assert np.isclose(y[t + 1], expected)
    u2, y2 = narma(10, 400, seed=3)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(y, narma(10, 400, seed=4)[1])


def test_narma_divergence_and_bad_arguments_raise():
    with pytest.raises(ValueError, match="NARMA-30 diverged"):
        narma(30, 3000, seed=0)
    with pytest.raises(ValueError, match="order must be >= 1"):
        narma(0, 100)
    with pytest.raises(TypeError, match="n must be an integer"):
        narma(10, 100.0)


def test_memory_capacity_of_a_linear_reservoir_approaches_its_size():
    # A linear (identity) ESN with orthogonal-like dynamics near the edge of stability
    # remembers almost N independent inputs; a tanh ESN with a strong bias remembers fewer.
    linear = ESN(n_units=20, spectral_radius=0.95, in_degree=None, activation="identity", bias_scaling=0.0,
                 input_scaling=0.1)
    total, per_delay = memory_capacity_task(linear, n_steps=3000, random_state=0)
    assert per_delay.shape == (40,)
    assert 12 < total <= 20.5
    assert per_delay[0] > 0.99
    nonlinear, _ = memory_capacity_task(ESN(n_units=20, random_state=0), n_steps=3000)
    assert nonlinear < total


def test_tasks_accept_every_reservoir_family():
    for res in (OnionESN(n_units=60, radii=(0.5, 0.9), random_state=0),
                EIReservoir(n_units=60, in_degree=10, random_state=0)):
        mc, per_delay = memory_capacity_task(res, n_steps=1000, max_delay=30)
        assert 0.5 < mc <= 30 and per_delay.shape == (30,)
        error = narma_task(res, n_train=1000, n_test=300)
        assert 0 < error < 1.0


def test_narma_task_memory_helps():
    # NARMA-10 needs ten steps of memory: a 100-unit ESN beats a memoryless one (leak 1,
    # tiny spectral radius), which cannot do much better than the mean.
    good = narma_task(ESN(n_units=100, random_state=0), n_train=2000, n_test=500)
    memoryless = narma_task(ESN(n_units=100, spectral_radius=1e-3, random_state=0), n_train=2000, n_test=500)
    assert good < 0.8 < memoryless
    with pytest.raises(ValueError, match="washout \\(300\\) must be smaller than n_train"):
        narma_task(ESN(n_units=10), n_train=300, washout=300)


def test_prediction_task():
    x = np.sin(np.arange(2000) * 0.1)
    assert prediction_task(ESN(n_units=50, random_state=0), x, horizon=5) < 0.01
    two_d = np.column_stack([x, np.cos(np.arange(2000) * 0.1)])
    assert prediction_task(ESN(n_units=50, random_state=0), two_d, horizon=3) < 0.01
    with pytest.raises(ValueError, match="too short"):
        prediction_task(ESN(n_units=10), x[:100], horizon=5)
    with pytest.raises(ValueError, match="train_fraction must be < 1"):
        prediction_task(ESN(n_units=10), x, train_fraction=1.0)


def test_input_seed_scores_one_reservoir_on_independent_data():
    from reservoir import ESN
    from reservoir.tasks import memory_capacity_task, narma_task

    res = ESN(n_units=20, random_state=0)
    a = memory_capacity_task(res, n_steps=800, random_state=3, input_seed=10)[0]
    assert a == memory_capacity_task(res, n_steps=800, random_state=3, input_seed=10)[0]
    assert a != memory_capacity_task(res, n_steps=800, random_state=3, input_seed=11)[0]
    # the weights still come from random_state: another seed, another reservoir
    assert a != memory_capacity_task(res, n_steps=800, random_state=4, input_seed=10)[0]
    e = narma_task(res, n_train=600, n_test=200, washout=50, random_state=3, input_seed=10)
    assert e != narma_task(res, n_train=600, n_test=200, washout=50, random_state=3, input_seed=11)
    # without input_seed the input follows random_state, as before
    assert narma_task(res, n_train=600, n_test=200, washout=50, random_state=3) == \
        narma_task(res, n_train=600, n_test=200, washout=50, random_state=3, input_seed=3)
