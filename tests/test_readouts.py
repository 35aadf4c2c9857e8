"""Ridge and RLS readouts against closed forms and scikit-learn; linear_weights."""

import warnings

import numpy as np
import pytest
import sklearn.linear_model as sklm
from sklearn.neighbors import KNeighborsRegressor

from reservoir import RLS, Ridge
from reservoir.readouts import linear_weights


def regression_data(n=300, f=8, k=3, seed=0, noise=0.1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, f)) * rng.uniform(0.5, 3.0, f) + rng.normal(size=f)
    Y = X @ rng.normal(size=(f, k)) + rng.normal(size=k) + noise * rng.normal(size=(n, k))
    return X, Y


def ridge_closed_form(X, Y, alpha, fit_intercept=True):
    """Ridge with an unpenalised intercept via the augmented least-squares problem (no normal
    equations, so it stays accurate on ill-conditioned data)."""
    x_mean = X.mean(axis=0) if fit_intercept else np.zeros(X.shape[1])
    y_mean = Y.mean(axis=0) if fit_intercept else np.zeros(Y.shape[1:])
    Xc, Yc = X - x_mean, Y - y_mean
    A = np.vstack([Xc, np.sqrt(alpha) * np.eye(X.shape[1])])
    B = np.concatenate([Yc, np.zeros((X.shape[1],) + Y.shape[1:])])
    coef = np.linalg.lstsq(A, B, rcond=None)[0]
    return coef.T, y_mean - x_mean @ coef


# -- Ridge -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("alpha", [1e-6, 0.3, 50.0])
@pytest.mark.parametrize("multi", [False, True])
def test_ridge_equals_sklearn(fit_intercept, alpha, multi):
    X, Y = regression_data()
    y = Y if multi else Y[:, 0]
    ours = Ridge(alpha=alpha, fit_intercept=fit_intercept).fit(X, y)
    ref = sklm.Ridge(alpha=alpha, fit_intercept=fit_intercept, solver="svd").fit(X, y)
    assert ours.coef_.shape == ref.coef_.shape
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=1e-8)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=0, atol=1e-8)
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), rtol=0, atol=1e-8)
    assert ours.predict(X).shape == y.shape
    if not multi:
        assert isinstance(ours.intercept_, float)


@pytest.mark.parametrize("solver", ["auto", "cholesky", "eigh"])
@pytest.mark.parametrize("multi", [False, True])
def test_partial_fit_over_chunks_equals_fit(solver, multi):
    X, Y = regression_data(n=500)
    y = Y if multi else Y[:, 0]
    full = Ridge(alpha=1e-3, solver=solver).fit(X, y)
    streamed = Ridge(alpha=1e-3, solver=solver)
    for chunk in np.array_split(np.arange(len(X)), 7):
        streamed.partial_fit(X[chunk], y[chunk])
    assert streamed.n_samples_seen_ == len(X)
    np.testing.assert_allclose(streamed.coef_, full.coef_, rtol=0, atol=1e-10)
    np.testing.assert_allclose(streamed.intercept_, full.intercept_, rtol=0, atol=1e-10)


def test_fit_restarts_the_statistics():
    X, Y = regression_data(n=200)
    model = Ridge(alpha=1e-3).partial_fit(X[:100], Y[:100])
    model.fit(X[100:], Y[100:])
    ref = Ridge(alpha=1e-3).fit(X[100:], Y[100:])
    np.testing.assert_array_equal(model.coef_, ref.coef_)
    assert model.n_samples_seen_ == 100


def test_partial_fit_rejects_changing_targets_and_svd():
    X, Y = regression_data(n=100)
    model = Ridge().partial_fit(X, Y)
    with pytest.raises(ValueError, match="targets"):
        model.partial_fit(X, Y[:, :2])
    with pytest.raises(ValueError, match="features"):
        model.partial_fit(X[:, :3], Y)
    with pytest.raises(ValueError, match="svd"):
        Ridge(solver="svd").partial_fit(X, Y)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_solvers_agree_on_well_conditioned_data(fit_intercept):
    X, Y = regression_data(n=400, f=12)
    ref_coef, ref_intercept = ridge_closed_form(X, Y, 0.1, fit_intercept)
    for solver in ("auto", "cholesky", "eigh", "svd", "qr"):
        model = Ridge(alpha=0.1, fit_intercept=fit_intercept, solver=solver).fit(X, Y)
        assert model.solver_ == ("cholesky" if solver == "auto" else solver)
        np.testing.assert_allclose(model.coef_, ref_coef, rtol=0, atol=1e-10, err_msg=solver)
        np.testing.assert_allclose(model.intercept_, ref_intercept, rtol=0, atol=1e-10, err_msg=solver)


def rank_deficient_data():
    """Exactly duplicated and linearly dependent columns: the centred design has rank 6 of 10."""
    X, Y = regression_data(n=200, f=6)
    Xd = np.column_stack([X, X[:, :2], X[:, 0] + 2.0 * X[:, 1], 3.0 * X[:, 4]])
    return Xd, Y


@pytest.mark.parametrize("alpha", [0.0, 1e-14])
def test_svd_gives_the_lstsq_minimum_norm_solution(alpha):
    X, Y = rank_deficient_data()
    x_mean, y_mean = X.mean(axis=0), Y.mean(axis=0)
    min_norm = np.linalg.lstsq(X - x_mean, Y - y_mean, rcond=None)[0]
    model = Ridge(alpha=alpha, solver="svd").fit(X, Y)
    np.testing.assert_allclose(model.coef_, min_norm.T, rtol=0, atol=1e-10)
    np.testing.assert_allclose(model.intercept_, y_mean - x_mean @ min_norm, rtol=0, atol=1e-10)
    # minimum norm: column 9 = 3 * column 4, so the weight splits 1 : 3 between them
    np.testing.assert_allclose(model.coef_[:, 9], 3.0 * model.coef_[:, 4], rtol=0, atol=1e-10)


@pytest.mark.parametrize("alpha", [0.0, 1e-14])
def test_auto_on_singular_gram_falls_back_without_crashing(alpha):
    X, Y = rank_deficient_data()
    x_mean, y_mean = X.mean(axis=0), Y.mean(axis=0)
    min_norm = np.linalg.lstsq(X - x_mean, Y - y_mean, rcond=None)[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # neither an exception nor a warning
        model = Ridge(alpha=alpha).fit(X, Y)
    assert model.solver_ == "eigh"
    assert np.all(np.isfinite(model.coef_))
    # the eigh fallback drops null directions: the same minimum-norm solution
    np.testing.assert_allclose(model.coef_, min_norm.T, rtol=0, atol=1e-6)
    np.testing.assert_allclose(model.predict(X), (X - x_mean) @ min_norm + y_mean, rtol=0, atol=1e-8)
    with pytest.raises(np.linalg.LinAlgError):
        Ridge(alpha=alpha, solver="cholesky").fit(X, Y)


def test_svd_on_near_collinear_features_with_tiny_alpha():
    rng = np.random.default_rng(1)
    X, Y = regression_data(n=300, f=5)
    X = np.column_stack([X, X[:, 0] + 1e-7 * rng.normal(size=len(X))])  # cond(Gram) ~ 1e17
    for alpha in (0.0, 1e-12, 1e-6):
        coef, intercept = ridge_closed_form(X, Y, alpha)
        model = Ridge(alpha=alpha, solver="svd").fit(X, Y)
        scale = np.abs(coef).max()
        np.testing.assert_allclose(model.coef_, coef, rtol=0, atol=1e-7 * scale)
        np.testing.assert_allclose(model.predict(X), X @ coef.T + intercept, rtol=0, atol=1e-8)
        auto = Ridge(alpha=alpha).fit(X, Y)  # Gram-based, less accurate, but must not crash
        assert np.all(np.isfinite(auto.predict(X)))
        np.testing.assert_allclose(auto.predict(X), model.predict(X), rtol=0, atol=1e-3)


def spread_spectrum_data(n=600, f=40, smallest=1e-11, seed=3):
    """Features whose singular values span 1 to ``smallest`` (below the 1e-8 that a Gram
    matrix can resolve), offset from zero, with consistent targets and a known solution."""
    rng = np.random.default_rng(seed)
    U = np.linalg.qr(rng.normal(size=(n, f)))[0]
    V = np.linalg.qr(rng.normal(size=(f, f)))[0]
    X = (U * np.logspace(0, np.log10(smallest), f)) @ V.T * 30.0 + rng.normal(size=f)
    coef = rng.normal(size=(f, 2))
    return X, X @ coef + 1.5


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("alpha", [0.0, 1e-18, 1e-12, 1e-6])
def test_qr_matches_the_least_squares_reference_on_ill_conditioned_features(fit_intercept, alpha):
    X, Y = spread_spectrum_data()
    coef, intercept = ridge_closed_form(X, Y, alpha, fit_intercept)
    model = Ridge(alpha=alpha, fit_intercept=fit_intercept, solver="qr").fit(X, Y)
    assert model.solver_ == "qr"
    reference = X @ coef.T + intercept
    np.testing.assert_allclose(model.predict(X), reference, rtol=0, atol=1e-9 * np.abs(Y).max())


def test_qr_resolves_what_the_normal_equations_cannot():
    # Consistent data, alpha = 0: the fit is exact up to rounding for an accurate solve.
    X, Y = spread_spectrum_data()
    qr = Ridge(alpha=0.0, solver="qr").fit(X, Y)
    svd = Ridge(alpha=0.0, solver="svd").fit(X, Y)
    gram = Ridge(alpha=0.0).fit(X, Y)  # Cholesky, falling back to eigh
    residual = {name: np.abs(m.predict(X) - Y).max() / np.abs(Y).max()
                for name, m in (("qr", qr), ("svd", svd), ("gram", gram))}
    assert residual["qr"] < 1e-10 and residual["svd"] < 1e-10
    assert residual["gram"] > 1e3 * residual["qr"]


@pytest.mark.parametrize("multi", [False, True])
def test_qr_fit_streamed_equals_fit_bit_for_bit(multi):
    X, Y = regression_data(n=2600, f=140)  # over BlockSums.min_features: the threaded lanes
    y = Y if multi else Y[:, 0]
    chunks = [(X[i:i + 333], y[i:i + 333]) for i in range(0, len(X), 333)]
    streamed = Ridge(alpha=1e-9, solver="qr").fit_streamed(chunks)
    full = Ridge(alpha=1e-9, solver="qr").fit(X, y)
    np.testing.assert_array_equal(streamed.coef_, full.coef_)
    np.testing.assert_array_equal(streamed.intercept_, full.intercept_)
    assert streamed.n_samples_seen_ == len(X)
    assert streamed.coef_.shape == sklm.Ridge().fit(X, y).coef_.shape


def test_qr_reads_the_chunks_twice_and_says_so():
    X, Y = regression_data(n=300)
    with pytest.raises(ValueError, match="chunks.*twice"):
        Ridge(solver="qr").fit_streamed((X[i:i + 50], Y[i:i + 50]) for i in range(0, 300, 50))
    with pytest.raises(ValueError, match="qr"):
        Ridge(solver="qr").partial_fit(X, Y)

    class Shrinking:  # gives fewer rows the second time
        calls = 0

        def __iter__(self):
            self.calls += 1
            return iter([(X, Y)] if self.calls == 1 else [(X[:10], Y[:10])])

    with pytest.raises(ValueError, match="same data twice"):
        Ridge(solver="qr").fit_streamed(Shrinking())
    with pytest.raises(ValueError, match="empty"):
        Ridge(solver="qr").fit_streamed([])


def test_ridge_parameter_validation():
    X, Y = regression_data(n=50)
    with pytest.raises(ValueError, match="alpha"):
        Ridge(alpha=-1.0).fit(X, Y)
    with pytest.raises(TypeError, match="alpha"):
        Ridge(alpha="big").fit(X, Y)
    with pytest.raises(ValueError, match="solver"):
        Ridge(solver="lu").fit(X, Y)


# -- RLS -------------------------------------------------------------------------------------


@pytest.mark.parametrize("alpha", [1e-2, 1.0, 30.0])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_rls_with_forgetting_one_is_ridge_with_penalised_intercept(alpha, fit_intercept):
    X, Y = regression_data(n=400, f=5, k=2)
    Xa = np.hstack([np.ones((len(X), 1)), X]) if fit_intercept else X
    # closed form: W = (alpha I + Xa^T Xa)^-1 Xa^T Y, the intercept column penalised too
    W = np.linalg.solve(alpha * np.eye(Xa.shape[1]) + Xa.T @ Xa, Xa.T @ Y).T
    model = RLS(alpha=alpha, fit_intercept=fit_intercept).fit(X, Y)
    coef = W[:, 1:] if fit_intercept else W
    intercept = W[:, 0] if fit_intercept else np.zeros(2)
    np.testing.assert_allclose(model.coef_, coef, rtol=0, atol=1e-9)
    np.testing.assert_allclose(model.intercept_, intercept, rtol=0, atol=1e-9)
    np.testing.assert_allclose(model.predict(X), Xa @ W.T, rtol=0, atol=1e-8)


def test_rls_single_target_and_streaming():
    X, Y = regression_data(n=300, f=4)
    y = Y[:, 0]
    model = RLS(alpha=1.0).fit(X, y)
    assert model.coef_.shape == (4,) and isinstance(model.intercept_, float)
    assert model.predict(X).shape == (300,)
    streamed = RLS(alpha=1.0)
    for chunk in np.array_split(np.arange(300), 5):
        streamed.partial_fit(X[chunk], y[chunk])
    np.testing.assert_allclose(streamed.coef_, model.coef_, rtol=0, atol=1e-12)
    # fit restarts from P = I / alpha
    again = RLS(alpha=1.0).fit(X[:50], y[:50]).fit(X, y)
    np.testing.assert_allclose(again.coef_, model.coef_, rtol=0, atol=1e-12)


def test_rls_with_small_alpha_approaches_least_squares():
    X, Y = regression_data(n=400, f=4, noise=0.0)
    model = RLS(alpha=1e-6).fit(X, Y)
    ref = sklm.LinearRegression().fit(X, Y)
    np.testing.assert_allclose(model.coef_, ref.coef_, atol=1e-6)
    np.testing.assert_allclose(model.intercept_, ref.intercept_, atol=1e-6)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_rls_forgetting_is_exponentially_weighted_ridge_and_tracks_a_change(fit_intercept):
    # 3000 steps: long enough for the classic instability of RLS with forgetting < 1
    # (loss of symmetry of P) to show if it is not guarded against.
    rng = np.random.default_rng(0)
    n, lam, alpha = 3000, 0.98, 1e-3
    X = rng.normal(size=(n, 3))
    w1, w2 = np.array([1.0, -1.0, 0.5]), np.array([-2.0, 0.3, 1.0])
    y = np.concatenate([X[:1000] @ w1, X[1000:] @ w2])
    Xa = np.hstack([np.ones((n, 1)), X]) if fit_intercept else X
    weights = lam ** np.arange(n - 1, -1, -1)
    A = (Xa.T * weights) @ Xa + lam**n * alpha * np.eye(Xa.shape[1])
    W = np.linalg.solve(A, (Xa.T * weights) @ y)
    model = RLS(alpha=alpha, forgetting_factor=lam, fit_intercept=fit_intercept).fit(X, y)
    np.testing.assert_allclose(model.coef_, W[1:] if fit_intercept else W, rtol=0, atol=1e-10)
    np.testing.assert_allclose(model.coef_, w2, atol=1e-8)
    np.testing.assert_allclose(model.P_, np.linalg.inv(A), rtol=1e-8, atol=1e-12)
    plain = RLS(alpha=alpha, fit_intercept=fit_intercept).fit(X, y)
    assert np.abs(plain.coef_ - w2).max() > 0.5


def test_rls_parameter_validation():
    X, Y = regression_data(n=20)
    with pytest.raises(ValueError, match="alpha"):
        RLS(alpha=0.0).fit(X, Y)
    with pytest.raises(ValueError, match="forgetting_factor"):
        RLS(forgetting_factor=1.2).fit(X, Y)
    with pytest.raises(ValueError, match="forgetting_factor"):
        RLS(forgetting_factor=0.0).fit(X, Y)
    model = RLS().fit(X, Y)
    with pytest.raises(ValueError, match="targets"):
        model.partial_fit(X, Y[:, :1])


# -- linear_weights --------------------------------------------------------------------------


@pytest.mark.parametrize("multi", [False, True])
@pytest.mark.parametrize(
    "readout", [Ridge(alpha=1e-3), RLS(alpha=1.0), sklm.LinearRegression(), sklm.Ridge(alpha=0.1),
                sklm.Ridge(alpha=0.1, fit_intercept=False)],
    ids=["Ridge", "RLS", "LinearRegression", "sklearn-Ridge", "sklearn-Ridge-no-intercept"],
)
def test_linear_weights_reproduce_predict(readout, multi):
    X, Y = regression_data(n=150, f=5)
    y = Y if multi else Y[:, 0]
    readout.fit(X, y)
    coef, intercept = linear_weights(readout)
    k = 3 if multi else 1
    assert coef.shape == (k, 5) and intercept.shape == (k,)
    np.testing.assert_allclose(X @ coef.T + intercept, readout.predict(X).reshape(len(X), -1), rtol=0, atol=1e-10)


def test_linear_weights_is_none_for_nonlinear_unfitted_or_classifiers():
    X, Y = regression_data(n=60, f=3)
    assert linear_weights(KNeighborsRegressor(n_neighbors=3).fit(X, Y)) is None
    assert linear_weights(Ridge()) is None  # not fitted
    labels = (Y[:, 0] > np.median(Y[:, 0])).astype(int)
    assert linear_weights(sklm.LogisticRegression().fit(X, labels)) is None
    assert linear_weights(sklm.RidgeClassifier().fit(X, labels)) is None


@pytest.mark.parametrize("solver", ["cholesky", "qr"])
def test_checked_chunks_fit_the_same_model_without_rechecking(solver):
    # An estimator's own harvest declares its chunks checked (Reiterable(checked=True)); Ridge
    # then skips scikit-learn's per-chunk validation and must fit exactly the same model.
    from reservoir.estimator_base import Reiterable

    rng = np.random.default_rng(3)
    X = rng.normal(size=(2600, 40))
    y = X @ rng.normal(size=(40, 2)) + 0.01 * rng.normal(size=(2600, 2))
    chunks = [(X[i:i + 700], y[i:i + 700]) for i in range(0, 2600, 700)]
    plain = Ridge(alpha=1e-6, solver=solver).fit_streamed(chunks)
    trusted = Ridge(alpha=1e-6, solver=solver).fit_streamed(Reiterable(lambda: iter(chunks), checked=True))
    assert np.array_equal(plain.coef_, trusted.coef_) and np.array_equal(plain.intercept_, trusted.intercept_)
    assert trusted.n_features_in_ == plain.n_features_in_ == 40


def test_unchecked_chunks_are_still_validated():
    X = np.ones((50, 3))
    X[10, 1] = np.nan
    for solver in ("cholesky", "qr"):
        with pytest.raises(ValueError, match="NaN"):
            Ridge(solver=solver).fit_streamed([(X, np.ones(50))])


def _lorenz_features(n_units=150, n=3000):
    # Reservoir features of noiseless chaos: squared states, nearly rank-deficient.
    from reservoir import ESN, ReservoirForecaster
    from reservoir.chaos import trajectory
    from reservoir.readouts.protocol import concatenate_chunks

    _, series = trajectory("Lorenz", n=n, pts_per_period=100, seed=0)
    fc = ReservoirForecaster(ESN(n_units=n_units, random_state=0), Ridge(1e-6)).fit(series)
    scaled = [fc._scale(series)]
    return fc, scaled, concatenate_chunks(fc._training_chunks(scaled, scaled, [None]))


@pytest.mark.parametrize("alpha, tolerance", [(1e-1, 1e-11), (1e-2, 1e-11), (1e-4, 3e-8), (1e-6, 1e-9),
                                              (1e-8, 1e-11), (1e-10, 1e-11)])
def test_qr_matches_the_svd_at_every_penalty(alpha, tolerance):
    # Small penalties are solved in the preconditioned basis, large ones by the normal
    # equations of w (their rounding falls with the penalty, the basis's grows; they cross
    # near sqrt(eps) times the largest eigenvalue, here about 1e-3): the predictions equal
    # the SVD's to about 1e-8 of their scale near the crossover and far better away from it
    # (they were 6e-7 off at 1e-2 and 6e-6 at 1e-1 when the basis solved every penalty).
    _, _, (X, y) = _lorenz_features()
    reference = Ridge(alpha=alpha, solver="svd").fit(X, y).predict(X)
    scale = np.abs(reference).max()
    for model in (Ridge(alpha=alpha, solver="qr").fit(X, y), Ridge(solver="qr").fit_path([(X, y)], [alpha])[0]):
        assert np.abs(model.predict(X) - reference).max() < tolerance * scale


def test_holdout_path_equals_a_path_on_the_head_and_a_refit_on_all():
    from reservoir.readouts.protocol import concatenate_chunks

    fc, scaled, (X, y) = _lorenz_features()
    n_held = 600
    head = [scaled[0][:-n_held]]
    head_X, head_y = concatenate_chunks(fc._training_chunks(head, head, [None]))
    alphas = [1e-2, 1e-6, 1e-10, 0.0]
    [path], refit = Ridge(solver="qr").fit_holdout_path([(X, y)], alphas, n_head=len(head_X))
    for model, reference in zip(path, Ridge(solver="qr").fit_path([(head_X, head_y)], alphas)):
        assert model.n_samples_seen_ == len(head_X)
        expected = reference.predict(head_X)
        assert np.abs(model.predict(head_X) - expected).max() < 1e-9 * np.abs(expected).max()
    full, expected = refit(1e-6), Ridge(alpha=1e-6, solver="qr").fit(X, y).predict(X)
    assert full.n_samples_seen_ == len(X) and full.alpha == 1e-6
    assert np.abs(full.predict(X) - expected).max() < 1e-9 * np.abs(expected).max()
    with pytest.raises(ValueError, match="n_head"):
        Ridge(solver="qr").fit_holdout_path([(X, y)], alphas, n_head=0)
    with pytest.raises(ValueError, match="n_head"):
        Ridge(solver="qr").fit_holdout_path([(X, y)], alphas, n_head=len(X))
