"""EnsembleForecaster: members with different draws, the median forecast, checks."""

import numpy as np
import pytest
from sklearn.base import clone

from reservoir import ESN, EnsembleForecaster, ReservoirForecaster, Ridge
from reservoir.forecaster import ForecastDivergenceError


def _series(n=1000):
    t = np.arange(n) * 0.05
    return np.column_stack([np.sin(t), np.cos(1.7 * t)])


def test_members_differ_and_the_forecast_is_their_median():
    series = _series()
    template = ReservoirForecaster(ESN(n_units=30), Ridge(1e-6))
    ens = EnsembleForecaster(template, n_members=3, random_state=7).fit(series)
    seeds = [m.random_state for m in ens.members_]
    assert seeds == [7, 8, 9]
    runs = np.stack([m.forecast(40) for m in ens.members_])
    assert not np.allclose(runs[0], runs[1])
    np.testing.assert_allclose(ens.forecast(40), np.median(runs, axis=0))
    # Member k is the template fitted with seed 7 + k.
    alone = clone(template).set_params(random_state=8).fit(series)
    np.testing.assert_allclose(ens.members_[1].forecast(40), alone.forecast(40))


def test_one_diverged_member_does_not_move_the_median():
    series = _series()
    ens = EnsembleForecaster(ReservoirForecaster(ESN(n_units=30), Ridge(1e-6)), n_members=3, random_state=0).fit(series)
    good = [m.forecast(10) for m in ens.members_]
    ens.members_[2].forecast = lambda *a, **k: np.full((10, 2), np.inf)
    np.testing.assert_allclose(ens.forecast(10), np.median(np.stack(good[:2]), axis=0))


def test_divergence_of_the_ensemble_is_reported():
    series = _series()
    ens = EnsembleForecaster(ReservoirForecaster(ESN(n_units=20), Ridge(1e-6)), n_members=2, random_state=0).fit(series)
    for m in ens.members_:
        m.forecast = lambda *a, **k: np.full((5, 2), 1e9)
    with pytest.raises(ForecastDivergenceError):
        ens.forecast(5, on_divergence="raise")


@pytest.mark.parametrize("kwargs, error", [({"n_members": 0}, ValueError), ({"forecaster": Ridge()}, TypeError)])
def test_bad_arguments_are_refused(kwargs, error):
    with pytest.raises(error, match="n_members|forecaster"):
        EnsembleForecaster(**kwargs).fit(_series(300))
