"""Cross-check against reservoirpy 0.4.2: same weights give the same states and readouts."""

import numpy as np
import pytest
import scipy.sparse as sp

from reservoir import ESN, Ridge

pytest.importorskip("reservoirpy", minversion="0.4")
from reservoirpy.mat_gen import uniform  # noqa: E402
from reservoirpy.nodes import Reservoir as RpyReservoir  # noqa: E402
from reservoirpy.nodes import Ridge as RpyRidge  # noqa: E402



def lorenz_like(n=600, dt=0.01, seed=0):
    """A Lorenz-63 trajectory by explicit RK4 (numpy only), standardised."""
    def f(s):
        x, y, z = s
        return np.array([10.0 * (y - x), x * (28.0 - z) - y, x * y - 8.0 / 3.0 * z])

    s = np.array([1.0, 1.0, 1.0]) + 0.01 * np.random.default_rng(seed).normal(size=3)
    out = np.empty((n, 3))
    for i in range(n + 500):
        k1 = f(s)
        k2 = f(s + dt / 2 * k1)
        k3 = f(s + dt / 2 * k2)
        k4 = f(s + dt * k3)
        s = s + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        if i >= 500:
            out[i - 500] = s
    return (out - out.mean(axis=0)) / out.std(axis=0)


def reservoirpy_reservoir(U, **kwargs):
    node = RpyReservoir(**{"units": 200, "lr": 0.3, "sr": 0.9, "input_scaling": 0.5, "rc_connectivity": 0.1,
                           "bias": uniform, "seed": 42, **kwargs})
    states = node.run(U)
    return node, states


def ours_from(node):
    # After initialisation reservoirpy holds W (scipy sparse), Win (sparse) and the bias
    # (shape (N,), (N, 1) or a float) as attributes.
    bias = node.bias
    if np.ndim(bias) == 0:
        bias = np.full(node.units, float(bias))
    return ESN.from_weights(node.W, node.Win, np.asarray(bias).reshape(-1), leak_rate=float(node.lr))


@pytest.mark.parametrize("data", ["lorenz", "random"])
def test_states_equal_reservoirpy(data):
    U = lorenz_like() if data == "lorenz" else np.random.default_rng(3).uniform(-1, 1, (400, 2))
    node, states = reservoirpy_reservoir(U)
    assert sp.issparse(node.W) and node.W.shape == (200, 200)
    assert np.count_nonzero(node.bias) > 0  # the cross-check includes a bias
    ours = ours_from(node).fit_transform(U)
    assert ours.shape == states.shape == (len(U), 200)
    assert np.abs(ours - states).max() < 1e-8
    assert np.abs(states).max() > 0.1  # not trivially small states


def test_states_equal_reservoirpy_dense_full_leak_without_bias():
    U = np.random.default_rng(4).normal(size=(300, 1))
    node, states = reservoirpy_reservoir(U, units=60, lr=1.0, sr=1.1, rc_connectivity=0.5, bias=0.0, seed=7)
    ours = ours_from(node).fit_transform(U)  # density 0.5: our dense path
    assert np.abs(ours - states).max() < 1e-8


def test_ridge_readout_equals_reservoirpy():
    U = lorenz_like(800)
    node, states = reservoirpy_reservoir(U)
    # one-step-ahead targets from the states, as in a forecasting readout
    X, Y = states[:-1][100:], U[1:][100:]
    rpy_ridge = RpyRidge(ridge=1e-5).fit(X, Y)
    ours = Ridge(alpha=1e-5, fit_intercept=True).fit(X, Y)
    rpy_pred = rpy_ridge.run(X)
    assert np.abs(ours.predict(X) - rpy_pred).max() < 1e-8
    np.testing.assert_allclose(ours.coef_, rpy_ridge.Wout.T, rtol=0, atol=1e-6)
    np.testing.assert_allclose(ours.intercept_, np.ravel(rpy_ridge.bias), rtol=0, atol=1e-6)
    # and the readout on our own states gives the same predictions
    our_states = ours_from(node).fit_transform(U)
    ours2 = Ridge(alpha=1e-5).fit(our_states[:-1][100:], Y)
    assert np.abs(ours2.predict(our_states[:-1][100:]) - rpy_pred).max() < 1e-7
