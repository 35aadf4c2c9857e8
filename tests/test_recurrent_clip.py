"""The trained GRU reference of the zero-shot protocol."""

import numpy as np
import pytest

from reservoir.recurrent_clip import GRUClassifier, GRUContrastive, gru_pooled_state


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def test_gru_pooled_state_matches_a_direct_loop():
    rng = np.random.default_rng(0)
    n_in, hidden, T = 3, 4, 6
    params = {"Wx": rng.normal(size=(n_in, 3 * hidden)), "Wh": rng.normal(size=(hidden, 3 * hidden)),
              "b": rng.normal(size=3 * hidden)}
    x = rng.normal(size=(2, T, n_in))
    expected = []
    for seq in x:
        h, states = np.zeros(hidden), []
        for u in seq:
            px, ph = u @ params["Wx"] + params["b"], h @ params["Wh"]
            z = _sigmoid(px[:hidden] + ph[:hidden])
            r = _sigmoid(px[hidden:2 * hidden] + ph[hidden:2 * hidden])
            n = np.tanh(px[2 * hidden:] + r * ph[2 * hidden:])
            h = (1 - z) * n + z * h
            states.append(h)
        expected.append(np.mean(states, axis=0))
    np.testing.assert_allclose(np.asarray(gru_pooled_state(params, x)), expected, rtol=1e-10, atol=1e-12)


def test_gru_classifier_learns_a_separable_task_and_validates():
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(2), 32)
    x = rng.random((64, 6, 3)) * 0.5
    x[y == 1, :, 0] += 1.0
    clf = GRUClassifier(hidden=4, epochs=15, batch_size=16, learning_rate=3e-2, random_state=0).fit(x, y)
    assert clf.score(x, y) > 0.9
    with pytest.raises(ValueError, match="shape"):
        clf.fit(x[0], y)


def test_gru_contrastive_validates_before_training():
    rng = np.random.default_rng(1)
    y = np.repeat(np.arange(2), 16)
    xa, xb = rng.random((32, 5, 3)), rng.random((32, 4, 2))
    with pytest.raises(ValueError, match="batch_size"):
        GRUContrastive(batch_size=64).fit(xa, y, xb, y)
    with pytest.raises(ValueError, match="shape"):
        GRUContrastive().fit(xa[:, :, 0], y, xb, y)
