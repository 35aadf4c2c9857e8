"""ResistiveLSM: weights from device pairs with the predicted spread, deterministic, classifies."""

import numpy as np
import pytest

from hardware.resistive_lsm import ResistiveLSM


def test_device_weights_zero_mean_with_predicted_spread():
    lsm = ResistiveLSM(n_units=300, weight_scale=1.0, random_state=0)
    W = lsm.initialize(2)["W_rec"]
    assert abs(W.mean()) < 0.05 * lsm.pair_std_uS()
    assert W.std() == pytest.approx(lsm.pair_std_uS(), rel=0.02)
    # With no spread and p_formed 0.5, a pair is 0 or +-G_on: a ternary random matrix.
    W0 = ResistiveLSM(n_units=100, weight_scale=1.0, g_on_std_uS=0.0, random_state=0).initialize(1)["W_rec"]
    assert set(np.unique(np.round(W0, 9))) == {-12.3, 0.0, 12.3}


def test_deterministic_and_spiking():
    U = np.random.default_rng(0).uniform(0, 1, (6, 5))
    a = ResistiveLSM(n_units=60, random_state=1).fit_transform(U)
    b = ResistiveLSM(n_units=60, random_state=1).fit_transform(U)
    np.testing.assert_array_equal(a, b)
    assert a.max() > 0 and a.max() <= 1  # rates per ms
    assert ResistiveLSM(n_units=60, weights="gaussian", random_state=1).fit_transform(U).max() > 0


def test_classifies_separable_inputs():
    from sklearn.linear_model import LogisticRegression

    from reservoir import ReservoirClassifier

    rng = np.random.default_rng(0)
    centres = rng.uniform(0, 1, (2, 8))
    X = [np.repeat(np.clip(centres[k] + 0.1 * rng.standard_normal(8), 0, 1)[None], 3, axis=0)
         for k in (0, 1) * 20]
    y = np.array([0, 1] * 20)
    clf = ReservoirClassifier(ResistiveLSM(n_units=80, spike_features="cumulative", random_state=0),
                              readout=LogisticRegression(max_iter=1000), pooling="last")
    clf.fit(X[:30], y[:30])
    assert clf.score(X[30:], y[30:]) >= 0.9


def test_bad_hyperparameters():
    with pytest.raises(ValueError, match="weights"):
        ResistiveLSM(weights="sram").initialize(1)
    with pytest.raises(ValueError, match="decay"):
        ResistiveLSM(decay=1.5).initialize(1)
    with pytest.raises(ValueError, match="spike_features"):
        ResistiveLSM(spike_features="trace").initialize(1)
