"""ReservoirForecaster(free_run_steps=..., alphas=...): the penalty kept is the best-validated
one whose closed loop from the end of the training series stays in the training box."""

import warnings

import numpy as np
import pytest

from reservoir import ESN, ReservoirForecaster
from reservoir.chaos import trajectory
from reservoir.forecaster import DEFAULT_ALPHAS
from reservoir.readouts import Ridge

ALPHAS = (1.0, 0.1) + DEFAULT_ALPHAS


@pytest.fixture(scope="module")
def rossler():
    # 400 points (4 periods) and 100 units: the held-out error picks a weak penalty whose
    # long closed loop escapes (measured; seed 2, spectral radius 0.9).
    return trajectory("Rossler", 400, 100, seed=1)[1]


def _box(series):
    low, high = series.min(axis=0), series.max(axis=0)
    return low - 0.5 * (high - low), high + 0.5 * (high - low)


def _inside(forecast, box):
    return bool(np.all(np.isfinite(forecast)) and np.all((forecast >= box[0]) & (forecast <= box[1])))


def _model(**kwargs):
    return ReservoirForecaster(ESN(n_units=100, spectral_radius=0.9, random_state=2), **kwargs)


def test_free_run_keeps_the_best_validated_penalty_that_stays_in_the_box(rossler):
    box = _box(rossler)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = _model(alphas=ALPHAS).fit(rossler)
        checked = _model(alphas=ALPHAS, free_run_steps=2000).fit(rossler)
        # Without the check the chosen readout's forecast leaves the attractor's box ...
        assert not _inside(plain.forecast(2000, on_divergence="ignore"), box)
        # ... with it, the forecast (the checked run itself) stays inside.
        assert checked.free_run_exit_ == -1
        assert _inside(checked.forecast(2000, on_divergence="ignore"), box)
        assert plain.free_run_exit_ is None
        # Same validation, same ranking; the kept penalty is the first in that ranking that is
        # stable: every better-validated one escapes when refitted on the whole series.
        np.testing.assert_array_equal(plain.validation_errors_, checked.validation_errors_)
        order = list(np.argsort(checked.validation_errors_, kind="stable"))
        kept = order.index(ALPHAS.index(checked.alpha_))
        assert kept >= 1
        for i in order[:kept]:
            refit = _model(readout=Ridge(alpha=ALPHAS[i], solver="qr")).fit(rossler)
            assert not _inside(refit.forecast(2000, on_divergence="ignore"), box)


def test_free_run_readout_is_the_refit_at_the_kept_penalty(rossler):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = _model(alphas=(1.0,)).fit(rossler)
        checked = _model(alphas=(1.0,), free_run_steps=500).fit(rossler)
    assert checked.free_run_exit_ == -1
    assert checked.alpha_ == plain.alpha_
    np.testing.assert_allclose(checked.forecast(200), plain.forecast(200), rtol=1e-6, atol=1e-6)


def test_alphas_sets_the_candidates(rossler):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = _model(alphas=(0.5, 1e-3)).fit(rossler)
    assert model.alpha_ in (0.5, 1e-3)
    assert model.validation_errors_.shape == (2,)


@pytest.mark.parametrize("kwargs, match", [
    ({"alphas": ()}, "alphas"),
    ({"alphas": (1e-3, -1.0)}, "alphas"),
    ({"alphas": "1e-3"}, "alphas"),
    ({"free_run_steps": -1}, "free_run_steps"),
    ({"free_run_steps": 2.5}, "free_run_steps"),
])
def test_bad_free_run_arguments_are_named(rossler, kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        _model(**kwargs).fit(rossler)


def test_the_bench_esn_keeps_its_long_forecast_in_the_training_box(rossler):
    from reservoir.bench.models import get_model

    # The registry's ESN (as the long_horizon protocol builds it, at 100 units to stay fast):
    # the same weak-penalty reservoir as above, whose default choice escapes.
    model = get_model("esn").build({"n_units": 100, "spectral_radius": 0.9}, seed=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(rossler)
        assert _inside(model.forecast(5000, on_divergence="ignore"), _box(rossler))
    assert model.free_run_exit_ == -1
