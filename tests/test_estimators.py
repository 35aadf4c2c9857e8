"""The estimators: scikit-learn compatibility, regression, classification, forecasting, errors."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.linear_model import Ridge as SkRidge
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from reservoir import (
    ESN,
    RLS,
    ForecastDivergenceError,
    ForecastDivergenceWarning,
    ReservoirClassifier,
    ReservoirForecaster,
    ReservoirRegressor,
    Ridge,
)
from reservoir.runner import run

# -- scikit-learn's own checks ---------------------------------------------------------------

RECURRENT_REASON = (
    "a reservoir is a recurrent model: the prediction for row t depends on all earlier rows "
    "(the rows of X are time steps of one sequence), so predictions cannot be invariant to "
    "the order of the rows or to taking a subset of them"
)


def expected_failed_checks(estimator):
    if isinstance(estimator, ReservoirRegressor):
        return {
            "check_methods_sample_order_invariance": RECURRENT_REASON,
            "check_methods_subset_invariance": RECURRENT_REASON,
        }
    return {}


@parametrize_with_checks(
    [ReservoirRegressor(reservoir=ESN(n_units=30, random_state=0)), Ridge(), RLS(alpha=1e-3)],
    expected_failed_checks=expected_failed_checks,
    xfail_strict=True,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


# -- data ------------------------------------------------------------------------------------


def memory_task(n=400, delay=2, seed=0):
    u = np.random.default_rng(seed).uniform(-1, 1, (n, 1))
    return u, np.roll(u[:, 0], delay)


def sine_classes(n_per_class=12, length=60, seed=0, ragged=False):
    """Sequences of a noisy sine with a class-dependent frequency and a random phase."""
    rng = np.random.default_rng(seed)
    X, y = [], []
    for label, freq in (("slow", 0.15), ("mid", 0.45), ("fast", 0.9)):
        for _ in range(n_per_class):
            # three distinct lengths: every new length costs one compilation of the scan
            T = int(rng.choice([length - 15, length, length + 15])) if ragged else length
            t = np.arange(T)
            X.append(np.sin(freq * t + rng.uniform(0, 2 * np.pi))[:, None] + 0.05 * rng.normal(size=(T, 1)))
            y.append(label)
    order = rng.permutation(len(y))
    return [X[i] for i in order], np.array(y)[order]


def sine_cosine(n=2000, dt=0.05):
    t = np.arange(n) * dt
    return np.column_stack([np.sin(t), np.cos(t)])


# -- regressor -------------------------------------------------------------------------------


def test_regressor_learns_a_memory_task():
    u, y = memory_task(600)
    esn = ESN(n_units=100, spectral_radius=0.9, input_scaling=0.5, bias_scaling=0.1, random_state=0)
    model = ReservoirRegressor(esn, washout=20).fit(u[:400], y[:400])
    prediction = model.predict(u)
    assert prediction.shape == (600,)
    assert r2_score(y[400:], prediction[400:]) > 0.95  # held-out steps, after a warm reservoir
    assert model.score(u[:400], y[:400]) > 0.95


def test_regressor_equals_hand_built_states_and_ridge():
    rng = np.random.default_rng(0)
    seqs = [rng.normal(size=(n, 2)) for n in (50, 70, 50)]
    targets = [np.column_stack([s[:, 0] * s[:, 1], np.roll(s[:, 0], 1)]) for s in seqs]
    esn = ESN(n_units=40, random_state=3)
    model = ReservoirRegressor(esn, Ridge(alpha=1e-4), washout=5, standardize=False, input_concat=True)
    model.fit(seqs, targets)
    # by hand: every sequence from the zero state, [1, u, x] features, washout dropped
    params = esn.initialize(2)
    feats = [np.hstack([np.ones((len(s), 1)), s, run(esn, params, s)[0]]) for s in seqs]
    readout = Ridge(alpha=1e-4).fit(np.vstack([f[5:] for f in feats]), np.vstack([t[5:] for t in targets]))
    predictions = model.predict(seqs)
    assert isinstance(predictions, list) and [p.shape for p in predictions] == [(50, 2), (70, 2), (50, 2)]
    for f, p in zip(feats, predictions):
        np.testing.assert_allclose(p, readout.predict(f), rtol=0, atol=1e-10)


def test_regressor_layouts_agree():
    rng = np.random.default_rng(1)
    batch = rng.normal(size=(4, 30, 1))
    targets = np.cumsum(batch[..., 0], axis=1) * 0.1
    model = ReservoirRegressor(ESN(n_units=30, random_state=0)).fit(batch, targets)
    as_array = model.predict(batch)
    as_list = model.predict(list(batch))
    assert as_array.shape == (4, 30)
    for i in range(4):
        np.testing.assert_allclose(as_array[i], as_list[i], rtol=0, atol=1e-12)
        np.testing.assert_allclose(as_array[i], model.predict(batch[i]), rtol=0, atol=1e-12)
    assert model.score(batch, targets) == pytest.approx(model.score(list(batch), list(targets)))


def test_regressor_with_sklearn_and_rls_readouts():
    u, y = memory_task(500, delay=1)
    for readout in (SkRidge(alpha=1e-6), RLS(alpha=1e-2)):
        model = ReservoirRegressor(ESN(n_units=60, random_state=0), readout, washout=10).fit(u, y)
        assert model.score(u[10:], y[10:]) > 0.9
        assert model.readout_ is not readout and not hasattr(readout, "coef_")  # a fitted clone


def test_fit_does_not_touch_hyperparameter_objects():
    u, y = memory_task(100)
    esn, readout = ESN(n_units=20, random_state=0), Ridge()
    model = ReservoirRegressor(esn, readout).fit(u, y)
    assert not hasattr(esn, "params_") and not hasattr(readout, "coef_")
    assert model.reservoir is esn and model.reservoir_ is not esn


def test_clone_gridsearch_and_pipeline():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (12, 80, 1))
    y = np.roll(X[..., 0], 1, axis=1)
    model = ReservoirRegressor(ESN(n_units=30, random_state=0), Ridge(alpha=1e-6), washout=5)

    copy = clone(model)
    assert copy.get_params()["reservoir__spectral_radius"] == model.get_params()["reservoir__spectral_radius"]
    assert copy.reservoir is not model.reservoir and not hasattr(copy, "readout_")

    grid = {"reservoir__spectral_radius": [0.5, 0.95], "readout__alpha": [1e-6, 10.0]}
    search = GridSearchCV(model, grid, cv=KFold(3)).fit(X, y)  # folds of whole sequences
    assert search.best_params_["readout__alpha"] == 1e-6
    assert search.best_estimator_.reservoir_params_ is not None
    assert search.score(X, y) > 0.9
    assert search.predict(X).shape == X.shape[:2]

    # StandardScaler + unstandardised reservoir model == the standardising reservoir model
    u, target = memory_task(300)
    u = u * 3.0 + 1.0
    piped = make_pipeline(StandardScaler(), ReservoirRegressor(ESN(n_units=30, random_state=0), standardize=False))
    direct = ReservoirRegressor(ESN(n_units=30, random_state=0), standardize=True)
    np.testing.assert_allclose(piped.fit(u, target).predict(u), direct.fit(u, target).predict(u), atol=1e-9)

    # the reservoir as a transformer in a pipeline == the regressor without augmentation
    pipe = make_pipeline(ESN(n_units=30, random_state=0), Ridge(alpha=1e-6)).fit(u, target)
    bare = ReservoirRegressor(ESN(n_units=30, random_state=0), Ridge(alpha=1e-6), standardize=False, bias=False,
                              input_concat=False).fit(u, target)
    np.testing.assert_allclose(pipe.predict(u), bare.predict(u), rtol=0, atol=1e-10)


def test_regressor_determinism():
    u, y = memory_task(200)
    a = ReservoirRegressor(ESN(n_units=40, random_state=5)).fit(u, y).predict(u)
    b = ReservoirRegressor(ESN(n_units=40, random_state=5)).fit(u, y).predict(u)
    np.testing.assert_array_equal(a, b)
    c = ReservoirRegressor(ESN(n_units=40, random_state=6)).fit(u, y).predict(u)
    assert np.abs(a - c).max() > 1e-6
    # the estimator's random_state overrides the reservoir's own seed
    d = ReservoirRegressor(ESN(n_units=40), random_state=5).fit(u, y).predict(u)
    e = ReservoirRegressor(ESN(n_units=40, random_state=9), random_state=5).fit(u, y).predict(u)
    np.testing.assert_array_equal(d, e)
    np.testing.assert_array_equal(a, d)


# -- classifier ------------------------------------------------------------------------------


@pytest.mark.parametrize("ragged", [False, True])
@pytest.mark.parametrize("readout", [None, LogisticRegression(C=1e4, max_iter=5000)], ids=["Ridge", "Logistic"])
def test_classifier(ragged, readout):
    X, y = sine_classes(ragged=ragged)
    X_test, y_test = sine_classes(n_per_class=6, seed=1, ragged=ragged)
    if not ragged:
        X, X_test = np.stack(X), np.stack(X_test)
        assert X.ndim == 3
    clf = ReservoirClassifier(ESN(n_units=50, spectral_radius=0.9, random_state=0), readout, washout=10).fit(X, y)
    assert list(clf.classes_) == ["fast", "mid", "slow"]
    pred = clf.predict(X_test)
    assert pred.shape == (18,) and set(pred) <= set(clf.classes_)
    # chance is 1/3; the logistic readout on unscaled pooled states is a little weaker
    assert clf.score(X_test, y_test) >= (0.9 if readout is None else 0.8)
    scores = clf.decision_function(X_test)
    assert scores.shape == (18, 3)
    np.testing.assert_array_equal(clf.classes_[np.argmax(scores, axis=1)], pred)
    if readout is None:
        # a regressor readout has no probabilities, and scikit-learn tools must see that
        assert not hasattr(clf, "predict_proba")
        with pytest.raises(AttributeError, match="predict_proba"):
            clf.predict_proba(X_test)
    else:
        proba = clf.predict_proba(X_test)
        assert proba.shape == (18, 3)
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=1e-12)
        np.testing.assert_array_equal(clf.classes_[np.argmax(proba, axis=1)], pred)


def test_classifier_pooling_and_list_equals_array():
    X, y = sine_classes()
    a = ReservoirClassifier(ESN(n_units=30, random_state=0), pooling="last").fit(np.stack(X), y)
    b = ReservoirClassifier(ESN(n_units=30, random_state=0), pooling="last").fit(X, y)
    np.testing.assert_allclose(a.decision_function(X), b.decision_function(np.stack(X)), rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="pooling"):
        ReservoirClassifier(pooling="max").fit(X, y)
    with pytest.raises(ValueError, match="one label per sequence"):
        ReservoirClassifier(ESN(n_units=10)).fit(X, y[:-1])


# -- forecaster ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sine_forecaster():
    series = sine_cosine()
    fc = ReservoirForecaster(ESN(n_units=100, random_state=0), Ridge(alpha=1e-8)).fit(series[:1500])
    return fc, series


def test_forecaster_continues_a_sine_cosine_pair(sine_forecaster):
    fc, series = sine_forecaster
    with warnings.catch_warnings():
        warnings.simplefilter("error", ForecastDivergenceWarning)
        forecast = fc.forecast(300)
    assert forecast.shape == (300, 2)
    assert np.abs(forecast - series[1500:1800]).max() < 1e-3
    # forecasting is pure: the same call gives the same numbers
    np.testing.assert_array_equal(fc.forecast(300), forecast)


def test_forecaster_teacher_forced_predict(sine_forecaster):
    fc, series = sine_forecaster
    one_step = fc.predict(series[:600])
    assert one_step.shape == (600, 2)
    np.testing.assert_allclose(one_step[100:-1], series[101:600], atol=1e-5)


def test_forecast_from_a_context(sine_forecaster):
    fc, series = sine_forecaster
    forecast = fc.forecast(200, context=series[700:1000])
    assert np.abs(forecast - series[1000:1200]).max() < 1e-3
    # a context equal to the training series continues exactly like the default
    np.testing.assert_allclose(fc.forecast(50, context=series[:1500]), fc.forecast(50), rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="context has 3 features"):
        fc.forecast(5, context=np.zeros((200, 3)))


def test_stepwise_closed_loop_equals_compiled_one():
    # A pipeline holding a linear model is not recognised as linear: it runs the stepwise loop.
    series = sine_cosine(1200)
    compiled = ReservoirForecaster(ESN(n_units=60, random_state=1), SkRidge(alpha=1e-8)).fit(series[:1000])
    stepwise = ReservoirForecaster(ESN(n_units=60, random_state=1), make_pipeline(SkRidge(alpha=1e-8)))
    stepwise.fit(series[:1000])
    np.testing.assert_allclose(stepwise.forecast(100), compiled.forecast(100), rtol=0, atol=1e-9)


def test_forecaster_with_a_nonlinear_readout():
    series = sine_cosine(1400)
    fc = ReservoirForecaster(ESN(n_units=60, random_state=0), KNeighborsRegressor(n_neighbors=2)).fit(series[:1200])
    forecast = fc.forecast(100)
    assert forecast.shape == (100, 2) and np.all(np.isfinite(forecast))
    assert np.abs(forecast - series[1200:1300]).max() < 0.05


def test_forecaster_with_rls_and_multiple_series():
    series = sine_cosine(1600)
    fc = ReservoirForecaster(ESN(n_units=80, random_state=0), RLS(alpha=1e-6)).fit([series[:700], series[700:1400]])
    assert np.abs(fc.forecast(100) - series[1400:1500]).max() < 0.01


def test_divergence_is_reported():
    series = sine_cosine(1200)
    for readout in (Ridge(alpha=1e-8), make_pipeline(SkRidge(alpha=1e-8))):  # compiled and stepwise loops
        fc = ReservoirForecaster(ESN(n_units=50, random_state=0), readout).fit(series[:1000])
        linear = fc.readout_ if isinstance(fc.readout_, Ridge) else fc.readout_[-1]
        linear.coef_ = linear.coef_ * 50.0  # a deliberately unstable closed loop
        with pytest.warns(ForecastDivergenceWarning, match="diverged at step"):
            fc.forecast(100)
        with pytest.raises(ForecastDivergenceError, match="diverged"):
            fc.forecast(100, on_divergence="raise")
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert fc.forecast(100, on_divergence="ignore").shape == (100, 2)


def test_overfitted_model_on_noise_diverges():
    # alpha=0 and nearly as many units as training steps of white noise: an interpolating
    # readout with large weights, whose closed loop blows up.
    noise = np.random.default_rng(0).normal(size=(190, 1))
    fc = ReservoirForecaster(ESN(n_units=200, spectral_radius=1.5, random_state=0), Ridge(alpha=0.0),
                             washout=10).fit(noise)
    with pytest.raises(ForecastDivergenceError, match="diverged at step"):
        fc.forecast(300, on_divergence="raise")
    with pytest.warns(ForecastDivergenceWarning):
        forecast = fc.forecast(300)
    assert forecast.shape == (300, 1)


def test_forecaster_determinism():
    series = sine_cosine(600)
    a = ReservoirForecaster(ESN(n_units=40, random_state=2)).fit(series).forecast(50)
    b = ReservoirForecaster(ESN(n_units=40, random_state=2)).fit(series).forecast(50)
    np.testing.assert_array_equal(a, b)


# -- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_inputs_are_rejected(bad):
    u, y = memory_task(100)
    u_bad, y_bad = u.copy(), y.copy()
    u_bad[10, 0], y_bad[20] = bad, bad
    reg = ReservoirRegressor(ESN(n_units=10, random_state=0))
    with pytest.raises(ValueError, match="X contains NaN or infinite"):
        reg.fit(u_bad, y)
    with pytest.raises(ValueError, match="y contains NaN or infinite"):
        reg.fit(u, y_bad)
    reg.fit(u, y)
    with pytest.raises(ValueError, match="X contains NaN or infinite"):
        reg.predict(u_bad)
    X, labels = sine_classes(n_per_class=3)
    X[1] = X[1].copy()
    X[1][3, 0] = bad
    with pytest.raises(ValueError, match=r"X\[1\] contains NaN"):
        ReservoirClassifier(ESN(n_units=10)).fit(X, labels)
    with pytest.raises(ValueError, match="X contains NaN"):
        ReservoirForecaster(ESN(n_units=10), washout=5).fit(u_bad)


def test_wrong_dimension_between_fit_and_predict():
    rng = np.random.default_rng(0)
    u, y = rng.normal(size=(100, 2)), rng.normal(size=100)
    reg = ReservoirRegressor(ESN(n_units=10, random_state=0)).fit(u, y)
    with pytest.raises(ValueError, match="X has 3 features, but ReservoirRegressor is expecting 2"):
        reg.predict(rng.normal(size=(10, 3)))
    fc = ReservoirForecaster(ESN(n_units=10, random_state=0), washout=5).fit(u)
    with pytest.raises(ValueError, match="X has 1 features"):
        fc.predict(u[:, :1])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        ReservoirRegressor(ESN(n_units=10)).fit(u, y[:-1])
    with pytest.raises(ValueError, match="same number of features"):
        reg.predict([u, rng.normal(size=(10, 3))])


def test_refit_with_another_input_dimension():
    rng = np.random.default_rng(0)
    reg = ReservoirRegressor(ESN(n_units=10, random_state=0)).fit(rng.normal(size=(50, 2)), rng.normal(size=50))
    reg.fit(rng.normal(size=(50, 3)), rng.normal(size=50))
    assert reg.n_features_in_ == 3 and reg.predict(rng.normal(size=(5, 3))).shape == (5,)
    clf = ReservoirClassifier(ESN(n_units=10, random_state=0)).fit(rng.normal(size=(6, 20, 2)), [0, 1] * 3)
    clf.fit(rng.normal(size=(6, 20, 3)), [0, 1] * 3)
    assert clf.n_features_in_ == 3
    fc = ReservoirForecaster(ESN(n_units=10, random_state=0), washout=5).fit(rng.normal(size=(50, 2)))
    fc.fit(rng.normal(size=(50, 3)))
    assert fc.forecast(4, on_divergence="ignore").shape == (4, 3)
    with pytest.raises(ValueError, match="context must be one series"):
        fc.forecast(4, context=[rng.normal(size=(20, 3)), rng.normal(size=(20, 3))])


def test_sequences_shorter_than_washout():
    u, y = memory_task(30)
    with pytest.raises(ValueError, match="washout"):
        ReservoirRegressor(ESN(n_units=10), washout=30).fit(u, y)
    with pytest.raises(ValueError, match="washout"):
        ReservoirRegressor(ESN(n_units=10), washout=10).fit([u, u[:10]], [y, y[:10]])
    with pytest.raises(ValueError, match="washout"):
        ReservoirForecaster(ESN(n_units=10), washout=29).fit(u)
    X, labels = sine_classes(n_per_class=2, length=20)
    with pytest.raises(ValueError, match="washout"):
        ReservoirClassifier(ESN(n_units=10), washout=40).fit(X, labels)


@pytest.mark.parametrize(
    "kwargs, error, pattern",
    [
        ({"washout": -1}, ValueError, "washout"),
        ({"washout": 2.5}, TypeError, "washout"),
        ({"reservoir": "esn"}, TypeError, "reservoir must be a Reservoir"),
        ({"reservoir": SkRidge()}, TypeError, "reservoir must be a Reservoir"),
        ({"readout": object()}, TypeError, "readout"),
        ({"standardize": "yes"}, TypeError, "standardize"),
        ({"squared": 1}, TypeError, "squared"),
    ],
)
@pytest.mark.parametrize("cls", [ReservoirRegressor, ReservoirForecaster])
def test_bad_estimator_parameters(cls, kwargs, error, pattern):
    u, y = memory_task(150)
    model = cls(**{"reservoir": ESN(n_units=10), **kwargs})
    with pytest.raises(error, match=pattern):
        model.fit(u, y) if cls is ReservoirRegressor else model.fit(u)


def test_forecast_arguments_and_fitting_state():
    series = sine_cosine(300)
    fc = ReservoirForecaster(ESN(n_units=10, random_state=0), washout=10)
    with pytest.raises(NotFittedError):
        fc.forecast(5)
    with pytest.raises(ValueError, match="divergence_factor"):
        ReservoirForecaster(ESN(n_units=10), divergence_factor=0.0).fit(series)
    fc.fit(series)
    for n_steps in (0, -3, 2.5, True):
        with pytest.raises(ValueError, match="n_steps"):
            fc.forecast(n_steps)
    with pytest.raises(ValueError, match="on_divergence"):
        fc.forecast(5, on_divergence="explode")
    with pytest.raises(NotFittedError):
        ReservoirRegressor().predict(series)
    with pytest.raises(NotFittedError):
        ReservoirClassifier().predict([series])


def test_harvest_chunks_mark_gives_the_state_inside_a_sequence():
    # The default forecaster's held-out validation starts from the state at the end of the
    # head, taken from the same streamed pass (a chunk ends at the mark), not a second run.
    from reservoir import ESN, ReservoirForecaster
    from reservoir.runner import run

    series = np.sin(np.arange(2500)[:, None] * np.array([[0.05, 0.031]]))
    fc = ReservoirForecaster(ESN(n_units=40, random_state=0), Ridge(1e-6)).fit(series)
    scaled = [fc._scale(series)]
    plain, marked_finals, marked = [], [None], {}
    for _, start, Z in fc._harvest_chunks(scaled, [None]):
        plain.append((start, Z.copy()))
    with_mark = [(start, Z.copy()) for _, start, Z in fc._harvest_chunks(scaled, marked_finals, {0: 1700}, marked)]
    assert np.array_equal(np.concatenate([Z for _, Z in plain]), np.concatenate([Z for _, Z in with_mark]))
    assert 1700 in [start for start, _ in with_mark]
    expected = run(fc.reservoir_, fc.reservoir_params_, scaled[0][:1700])[1]
    assert np.allclose(np.asarray(marked[0]), np.asarray(expected), rtol=0, atol=1e-12)


def test_default_forecaster_fit_runs_the_reservoir_chunk_by_chunk(monkeypatch):
    # The default readout's validation and refit stream the series: no run of the reservoir
    # on more than one chunk, whose states would fill memory on long series.
    import reservoir.estimator_base as base
    import reservoir.forecaster as forecaster_module
    from reservoir import ESN, ReservoirForecaster

    lengths = []
    for module in (base, forecaster_module):
        original = module.run

        def recording(reservoir, params, inputs, *args, _original=original, **kwargs):
            lengths.append(np.shape(inputs)[-2])
            return _original(reservoir, params, inputs, *args, **kwargs)

        monkeypatch.setattr(module, "run", recording)
    series = np.sin(np.arange(5000)[:, None] * np.array([[0.05, 0.031]]))
    fc = ReservoirForecaster(ESN(n_units=40, random_state=0)).fit(series)
    assert fc.alpha_ is not None and lengths and max(lengths) <= base.STREAM_CHUNK
