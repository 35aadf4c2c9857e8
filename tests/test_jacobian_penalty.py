"""The Jacobian penalty of the closed loop, the general penalty rows of Ridge, and the
stability check of the default readout's validation."""

import numpy as np
import pytest

from reservoir import ESN, ReservoirForecaster, Ridge
from reservoir.augment import augment
from reservoir.forecaster import validation_score
from reservoir.jacobian_penalty import input_jacobian_rows
from reservoir.runner import run


def _data(n=300, f=6, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, f)) + 2.0
    Y = X @ rng.normal(size=(f, 2)) + 0.1 * rng.normal(size=(n, 2)) + 1.0
    return X, Y


@pytest.mark.parametrize("solver", ["qr", "cholesky", "auto"])
def test_penalty_rows_solve_the_generalised_ridge_problem(solver):
    X, Y = _data()
    B = np.random.default_rng(1).normal(size=(4, X.shape[1]))
    alpha = 0.3
    chunks = [(X[i:i + 70], Y[i:i + 70]) for i in range(0, len(X), 70)]
    model = Ridge(alpha=alpha, solver=solver).fit_streamed(chunks, penalty_rows=B)
    # Closed form: the intercept unpenalised (centred data), B and alpha on the weights only.
    Xc, Yc = X - X.mean(axis=0), Y - Y.mean(axis=0)
    W = np.linalg.solve(Xc.T @ Xc + alpha * np.eye(X.shape[1]) + B.T @ B, Xc.T @ Yc)
    np.testing.assert_allclose(model.coef_, W.T, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(model.intercept_, Y.mean(axis=0) - X.mean(axis=0) @ W, rtol=1e-9)


def test_penalty_rows_in_fit_path_shift_every_penalty():
    X, Y = _data()
    scaled_identity = np.sqrt(2.0) * np.eye(X.shape[1])
    models = Ridge(solver="qr").fit_path([(X, Y)], [0.5, 1.0], penalty_rows=scaled_identity)
    for model, alpha in zip(models, [2.5, 3.0]):
        np.testing.assert_allclose(model.coef_, Ridge(alpha=alpha, solver="qr").fit(X, Y).coef_, rtol=1e-9)


@pytest.mark.parametrize("rows, match", [(np.ones((2, 5)), "shape"), (np.full((2, 6), np.nan), "NaN")])
def test_penalty_rows_are_checked(rows, match):
    X, Y = _data()
    with pytest.raises(ValueError, match=match):
        Ridge(solver="qr").fit_streamed([(X, Y)], penalty_rows=rows)


def test_input_jacobian_rows_equal_finite_differences():
    esn = ESN(n_units=15, leak_rate=0.5, random_state=3)
    params = esn.initialize(2)
    u = np.random.default_rng(2).normal(size=(60, 2))
    augmentation = (True, True, True)
    rows, m = input_jacobian_rows(esn, params, [u], augmentation, washout=10, n_samples=5)
    assert m == 5 and rows.shape == (10, 1 + 2 + 2 * 15)
    # The first sampled step is the first step the readout sees, t = washout.
    t = 10
    _, state = run(esn, params, u[:t])

    def features(v):
        feats, _ = run(esn, params, v[None], state)
        return augment(feats, v[None], *augmentation)[0]

    h = 1e-6
    for k in range(2):
        e = np.zeros(2)
        e[k] = h
        numeric = (features(u[t] + e) - features(u[t] - e)) / (2 * h)
        np.testing.assert_allclose(rows[k], numeric, rtol=1e-6, atol=1e-8)


def test_jacobian_penalty_reduces_the_input_sensitivity_of_the_readout():
    t = np.arange(1500) * 0.05
    series = np.column_stack([np.sin(t), np.cos(1.3 * t)])
    esn = ESN(n_units=80, random_state=0)
    norms = []
    for beta in (0.0, 1e-4, 1e-2):
        fc = ReservoirForecaster(esn, jacobian_penalty=beta).fit(series)
        rows, _ = input_jacobian_rows(fc.reservoir_, fc.reservoir_params_, [fc._scale(series)],
                                      fc._augmentation, fc.washout)
        norms.append(np.linalg.norm(rows @ fc.readout_.coef_.T))
    assert norms[0] > norms[1] > norms[2]


def test_jacobian_penalty_arguments_are_checked():
    series = np.random.default_rng(0).normal(size=(400, 2))
    with pytest.raises(ValueError, match="jacobian_penalty"):
        ReservoirForecaster(ESN(n_units=20), jacobian_penalty=-1.0).fit(series)
    with pytest.raises(ValueError, match="jacobian_penalty needs"):
        ReservoirForecaster(ESN(n_units=20), Ridge(solver="svd"), jacobian_penalty=1e-3).fit(series)
    with pytest.raises(ValueError, match="stability_steps"):
        ReservoirForecaster(ESN(n_units=20), stability_steps=-5).fit(series)


def test_validation_score_ranks_runs_that_leave_the_box_last():
    held = np.zeros((5, 1))
    box = (np.array([-1.0]), np.array([1.0]))
    inside_but_wrong = np.full((10, 1), 0.9)
    leaves_late = np.zeros((10, 1))
    leaves_late[8] = 5.0
    leaves_early = np.zeros((10, 1))
    leaves_early[1] = np.nan
    scores = [validation_score(run_, held, 1.0, box) for run_ in (inside_but_wrong, leaves_late, leaves_early)]
    assert scores == sorted(scores) and scores[0] <= 1.0 < scores[1]
    # Without a box only the held-out steps count.
    assert validation_score(leaves_late, held, 1.0) == 0.0


def test_several_jacobian_penalties_are_chosen_with_alpha_on_validation():
    t = np.arange(1200) * 0.05
    series = np.column_stack([np.sin(t), np.cos(1.3 * t)])
    fc = ReservoirForecaster(ESN(n_units=60, random_state=0), jacobian_penalty=(0.0, 1e-3)).fit(series)
    assert fc.validation_errors_.shape == (2, 8)
    best = np.unravel_index(np.argmin(fc.validation_errors_), fc.validation_errors_.shape)
    assert fc.jacobian_penalty_ == (0.0, 1e-3)[best[0]]
    # The first candidate alone reproduces its row of the errors.
    single = ReservoirForecaster(ESN(n_units=60, random_state=0), jacobian_penalty=1e-3).fit(series)
    np.testing.assert_allclose(single.validation_errors_, fc.validation_errors_[1])
    with pytest.raises(ValueError, match="default readout only"):
        ReservoirForecaster(ESN(n_units=20), Ridge(), jacobian_penalty=(0.0, 1e-3)).fit(series)
