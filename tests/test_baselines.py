"""Tests of the floor baselines: persistence, mean and context parroting."""

import doctest

import numpy as np
import pytest
from sklearn.base import clone

import reservoir.baselines
from reservoir.baselines import ContextParroting, MeanForecaster, PersistenceForecaster

ALL = [PersistenceForecaster, MeanForecaster, ContextParroting]


def periodic(n, period=50, phase=0.0):
    t = np.arange(n) + phase
    return np.column_stack([np.sin(2 * np.pi * t / period), np.cos(2 * np.pi * t / period)])


def test_docstring_examples():
    assert doctest.testmod(reservoir.baselines).failed == 0


def test_persistence_and_mean_values():
    X = np.array([[1.0, 10.0], [2.0, 20.0], [6.0, 0.0]])
    np.testing.assert_array_equal(PersistenceForecaster().fit(X).forecast(3), np.tile([6.0, 0.0], (3, 1)))
    np.testing.assert_array_equal(MeanForecaster().fit(X).forecast(2), np.tile([3.0, 10.0], (2, 1)))


def test_context_changes_persistence_but_not_mean():
    X = np.arange(12.0).reshape(6, 2)
    context = np.array([[-1.0, -2.0], [-3.0, -4.0]])
    np.testing.assert_array_equal(PersistenceForecaster().fit(X).forecast(2, context=context), [[-3, -4]] * 2)
    np.testing.assert_array_equal(MeanForecaster().fit(X).forecast(2, context=context), [[5, 6]] * 2)


def test_list_of_series():
    a, b = np.zeros((5, 1)), np.full((3, 1), 4.0)
    assert MeanForecaster().fit([a, b]).forecast(1)[0, 0] == pytest.approx(1.5)
    assert PersistenceForecaster().fit([a, b]).forecast(1)[0, 0] == 4.0


def test_parroting_copies_a_periodic_series_exactly():
    X = periodic(400)
    forecast = ContextParroting(context_length=10).fit(X[:250]).forecast(150)
    np.testing.assert_allclose(forecast, X[250:], atol=1e-12)


def test_parroting_copies_the_continuation_of_the_best_motif_and_wraps():
    # Scalar history where the query [7, 8] occurs once earlier, followed by 9, 5.
    history = np.array([1, 7, 8, 9, 5, 0, 7, 8], dtype=float)[:, None]
    forecast = ContextParroting(context_length=2).fit(history).forecast(9)
    # Continuation of the match (index 1..2) runs to the query start: 9, 5, 0, 7, 8, then repeats.
    np.testing.assert_array_equal(forecast[:, 0], [9, 5, 0, 7, 8, 9, 5, 0, 7])


def test_parroting_ignores_windows_overlapping_the_query():
    # A linear ramp: the window shifted back by one step, [24..28], is the closest, but it
    # overlaps the query [25..29]; the match must end before the query starts.
    X = np.arange(30.0)[:, None]
    forecast = ContextParroting(context_length=5).fit(X).forecast(3)
    # Best non-overlapping window is [20..24]; it is followed by 25, 26, 27.
    np.testing.assert_array_equal(forecast[:, 0], [25, 26, 27])


def test_parroting_searches_the_context_and_the_fitted_series():
    X = periodic(200)
    model = ContextParroting(context_length=8).fit(X)
    context = periodic(30, phase=13.0)  # shorter than 2 * m: the match must come from X
    expected = periodic(60, phase=43.0)
    np.testing.assert_allclose(model.forecast(60, context=context), expected, atol=1e-12)


def test_parroting_context_repeating_the_fitted_series_changes_nothing():
    X = np.random.default_rng(1).normal(size=(200, 2)).cumsum(axis=0)
    model = ContextParroting(context_length=6).fit(X)
    np.testing.assert_array_equal(model.forecast(40, context=X), model.forecast(40))
    np.testing.assert_array_equal(model.forecast(40, context=X[-20:]), model.forecast(40))


def test_parroting_is_invariant_to_a_common_shift():
    X = np.random.default_rng(0).normal(size=(300, 3)).cumsum(axis=0)
    a = ContextParroting(context_length=7).fit(X).forecast(50)
    b = ContextParroting(context_length=7).fit(X + 100.0).forecast(50)
    np.testing.assert_allclose(b, a + 100.0)


@pytest.mark.parametrize("cls", ALL)
def test_shapes_clone_and_params(cls):
    X = periodic(100)
    model = cls().fit(X)
    assert model.forecast(17).shape == (17, 2)
    assert model.n_features_in_ == 2
    fresh = clone(model)
    assert fresh.get_params() == model.get_params()
    assert not hasattr(fresh, "n_features_in_")
    np.testing.assert_array_equal(fresh.fit(X).forecast(5), model.forecast(5))


def test_clone_keeps_context_length():
    model = clone(ContextParroting(context_length=4))
    assert model.get_params() == {"context_length": 4}
    assert model.set_params(context_length=6).context_length == 6


@pytest.mark.parametrize("cls", ALL)
def test_invalid_input(cls):
    X = periodic(100)
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="X contains NaN"):
        cls().fit(bad)
    with pytest.raises(ValueError, match="X must be a 2-D array"):
        cls().fit(np.zeros((2, 3, 4))[0, 0])
    model = cls().fit(X)
    with pytest.raises(ValueError, match="n_steps must be a positive integer"):
        model.forecast(0)
    with pytest.raises(ValueError, match="on_divergence"):
        model.forecast(3, on_divergence="explode")
    with pytest.raises(ValueError, match="context has 3 features"):
        model.forecast(3, context=np.zeros((20, 3)))
    with pytest.raises(ValueError, match="context contains NaN"):
        model.forecast(3, context=bad)


def test_parroting_needs_enough_history():
    with pytest.raises(ValueError, match="at least 2 \\* context_length = 20"):
        ContextParroting(context_length=10).fit(np.zeros((19, 2)))
    with pytest.raises(ValueError, match="context_length must be >= 1"):
        ContextParroting(context_length=0).fit(np.zeros((19, 2)))
    model = ContextParroting(context_length=10).fit(np.zeros((50, 2)))
    with pytest.raises(ValueError, match="context has 5 steps"):
        model.forecast(3, context=np.zeros((5, 2)))


def test_unfitted_raises():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        ContextParroting().forecast(3)
