"""ReservoirRegressor.score leaves each sequence's washout (the transient) out, as fit does."""

import numpy as np
import pytest
from sklearn.metrics import r2_score

from reservoir import ESN, ReservoirRegressor, Ridge


def _data():
    rng = np.random.default_rng(0)
    u = rng.uniform(-1, 1, (3, 200, 1))
    y = np.roll(u[..., 0], 2, axis=1)  # recall the input of two steps ago
    return u, y


def test_score_skips_the_washout_of_every_sequence():
    u, y = _data()
    model = ReservoirRegressor(ESN(n_units=50, random_state=0), Ridge(alpha=1e-6), washout=20).fit(u, y)
    pred = model.predict(u)
    expected = r2_score(y[:, 20:].reshape(-1), pred[:, 20:].reshape(-1))
    assert model.score(u, y) == pytest.approx(expected)
    assert model.score(list(u), list(y)) == pytest.approx(expected)
    weights = np.ones(600)
    weights[:300] = 0.0  # first sequence and half of the second weigh nothing
    kept = np.concatenate([part[20:] for part in np.split(weights, [200, 400])])
    expected_w = r2_score(y[:, 20:].reshape(-1), pred[:, 20:].reshape(-1), sample_weight=kept)
    assert model.score(u, y, sample_weight=weights) == pytest.approx(expected_w)


def test_score_errors():
    u, y = _data()
    model = ReservoirRegressor(ESN(n_units=30, random_state=0), washout=20).fit(u, y)
    with pytest.raises(ValueError, match="no steps after the washout"):
        model.score(u[:, :20], y[:, :20])
    with pytest.raises(ValueError, match="sample_weight has 5 values"):
        model.score(u, y, sample_weight=np.ones(5))
