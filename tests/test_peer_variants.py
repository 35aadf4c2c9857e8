"""DeepESN, IPReservoir and HybridESN (the peer libraries' variants), and the defaults for
natural use (classifier penalty by cross-validation, intensity inputs for spike encoders)."""

import os
import tempfile

import jax
import numpy as np
import pytest
from sklearn.base import clone

from reservoir import (ESN, LSM, DeepESN, HybridESN, IPReservoir, ReservoirClassifier, ReservoirForecaster, Ridge,
                       load, save)
from reservoir.chaos import system_info, trajectory
from reservoir.classifier import CLASSIFIER_ALPHAS
from reservoir.estimator_base import range_map
from reservoir.runner import run

RNG = np.random.default_rng(0)
U = RNG.normal(size=(60, 3))


@pytest.fixture(scope="module")
def lorenz():
    info = system_info("Lorenz")
    _, X = trajectory("Lorenz", n=700, pts_per_period=100, seed=0)
    return X, info.dt(100)


# -- DeepESN ---------------------------------------------------------------------------------

def test_deep_esn_layers_shapes_and_features():
    deep = DeepESN(n_units=(30, 20, 10), random_state=0)
    params = deep.initialize(3)
    assert params["0_W_in"].shape == (30, 3)
    assert params["1_W_in"].shape == (20, 30)
    assert params["2_W_in"].shape == (10, 20)
    states = run(deep, params, U)[0]
    assert states.shape == (60, 60) and deep.n_features(params) == 60
    # Layer l is an ESN driven by layer l - 1's states.
    for i, (lo, mid, hi) in enumerate([(0, 30, 50), (30, 50, 60)], start=1):
        layer = {k.split("_", 1)[1]: v for k, v in params.items() if k.startswith(f"{i}_")}
        np.testing.assert_allclose(run(ESN(), layer, states[:, lo:mid])[0], states[:, mid:hi], atol=1e-12)
    with_all = DeepESN(n_units=(30, 20), input_to_all=True, random_state=0).initialize(3)
    assert with_all["1_W_in"].shape == (20, 33)


def test_one_layer_deep_esn_is_the_esn():
    deep = DeepESN(n_units=(40,), spectral_radius=0.8, leak_rate=0.5, random_state=3).fit_transform(U)
    esn = ESN(n_units=40, spectral_radius=0.8, leak_rate=0.5, random_state=3).fit_transform(U)
    np.testing.assert_allclose(deep, esn, atol=1e-12)


def test_deep_esn_per_layer_hyperparameters_and_errors():
    params = DeepESN(n_units=(20, 20), spectral_radius=(0.5, 1.1), leak_rate=(1.0, 0.3), random_state=0).initialize(2)
    assert float(params["1_leak_rate"]) == 0.3
    for kwargs, name in [({"n_units": ()}, "n_units"), ({"n_units": 100}, "n_units"), ({"n_units": (10, 0)}, "n_units"),
                         ({"spectral_radius": (0.9,)}, "spectral_radius"), ({"interlayer_scaling": 0}, "interlayer_scaling"),
                         ({"leak_rate": (1.0, 2.0)}, "leak_rate"), ({"input_to_all": "yes"}, "input_to_all")]:
        with pytest.raises((ValueError, TypeError), match=name):
            DeepESN(**{"n_units": (10, 10), **kwargs}).initialize(2)


# -- IPReservoir -----------------------------------------------------------------------------

def _gaussian_kl(states, mu, sigma):
    """Mean over units of KL(N(m_i, s_i^2) || N(mu, sigma^2))."""
    m, s = states.mean(axis=0), states.std(axis=0)
    return float(np.mean(np.log(sigma / s) + (s ** 2 + (m - mu) ** 2) / (2 * sigma ** 2) - 0.5))


@pytest.mark.parametrize("mu, sigma", [(0.0, 0.2), (0.1, 0.4)])
def test_ip_moves_output_moments_toward_the_target_gaussian(mu, sigma):
    drive = np.random.default_rng(1).normal(size=(3000, 2))
    ip = IPReservoir(n_units=100, target_mean=mu, target_std=sigma, learning_rate=1e-3, random_state=0)
    before = ip.initialize(2)
    after = ip.adapt(before, [drive])
    x0, x1 = run(ip, before, drive)[0][200:], run(ip, after, drive)[0][200:]
    assert _gaussian_kl(x1, mu, sigma) < 0.25 * _gaussian_kl(x0, mu, sigma)
    assert abs(x1.mean() - mu) < abs(x0.mean(axis=0) - mu).mean()
    assert abs(x1.std(axis=0).mean() - sigma) < 0.05


def test_ip_folds_gains_into_an_esn_step():
    ip = IPReservoir(n_units=30, learning_rate=1e-3, random_state=0)
    params = ip.adapt(ip.initialize(2), [U[:, :2]])
    # The adapted params run as a plain ESN with those weights.
    same = ESN.from_weights(ESN(n_units=30).linear_form(params)["W"], params["W_in"], params["bias"])
    np.testing.assert_allclose(run(ip, params, U[:, :2])[0], same.fit_transform(U[:, :2]), atol=1e-12)
    for kwargs, name in [({"target_std": 0}, "target_std"), ({"target_mean": 1.5}, "target_mean"),
                         ({"learning_rate": -1}, "learning_rate"), ({"epochs": 0}, "epochs"),
                         ({"activation": "relu"}, "activation")]:
        with pytest.raises((ValueError, TypeError), match=name):
            IPReservoir(n_units=10, **kwargs).initialize(2)


# -- HybridESN -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def hybrid_fit(lorenz):
    """A hybrid with the exact Lorenz model, fitted once (compiling it is the slow part)."""
    X, dt = lorenz
    res = HybridESN("Lorenz", dt=dt, parameter_error=0.0, n_units=60, random_state=0)
    return ReservoirForecaster(res, Ridge(alpha=1e-8, solver="qr"), washout=40).fit(X[:400])


def test_hybrid_features_hold_the_model_prediction(hybrid_fit, lorenz):
    X, dt = lorenz
    fc = hybrid_fit
    scaled = fc._scale(X[:400])
    feats = run(fc.reservoir_, fc.reservoir_params_, scaled)[0]
    assert feats.shape == (400, 63)
    prediction = feats[:, -3:] / fc.reservoir_.model_feature_scale
    # The exact model's prediction of the next (standardised) point.
    assert np.abs(prediction[:-1] - scaled[1:]).max() < 1e-5
    # A model 20 % off predicts worse, by an amount of the order of its error.
    off = HybridESN("Lorenz", dt=dt, parameter_error=0.2, n_units=60)
    params = off.with_input_map(off.initialize(3, 0), fc.input_mean_, fc.input_scale_)
    wrong = np.asarray(jax.jit(jax.vmap(lambda u: off.model_step(params, u)))(scaled[:50]))
    assert 1e-4 < np.abs(wrong[:-1] - scaled[1:50]).max() < 0.5


def test_hybrid_with_perfect_model_forecasts_at_least_as_well_as_the_esn(hybrid_fit, lorenz):
    X, _ = lorenz
    truth = X[400:550]
    esn = ReservoirForecaster(ESN(n_units=60, random_state=0), Ridge(alpha=1e-8, solver="qr"), washout=40).fit(X[:400])
    errors = {name: np.abs(fc.forecast(150, on_divergence="ignore") - truth).mean()
              for name, fc in (("esn", esn), ("hybrid", hybrid_fit))}
    assert errors["hybrid"] <= errors["esn"]
    assert errors["hybrid"] < 0.05 * np.abs(truth).mean()


def test_hybrid_save_load(hybrid_fit):
    path = os.path.join(tempfile.mkdtemp(), "hybrid.npz")
    save(hybrid_fit, path)
    np.testing.assert_allclose(load(path).forecast(150), hybrid_fit.forecast(150), atol=1e-10)


def test_hybrid_errors_name_the_argument():
    for kwargs, name in [({"system": "NotASystem"}, "system"), ({"system": 3}, "system"),
                         ({"system": "MackeyGlass"}, "system"), ({"dt": 0}, "dt"),
                         ({"perturbed_parameters": ("nope",)}, "perturbed_parameters"),
                         ({"model_substeps": 0}, "model_substeps"), ({"model_feature_scale": 0}, "model_feature_scale")]:
        with pytest.raises((ValueError, TypeError), match=name):
            HybridESN(**{"n_units": 20, **kwargs}).initialize(3)
    with pytest.raises(ValueError, match="dimensions"):
        HybridESN(n_units=20).initialize(2)


def test_hybrid_perturbs_the_named_parameters_only():
    from reservoir.hybrid import dysts_vector_field

    _, exact, _ = dysts_vector_field("Lorenz")
    _, rho_only, _ = dysts_vector_field("Lorenz", 0.05, ("rho",))
    _, every, _ = dysts_vector_field("Lorenz", 0.05)
    np.testing.assert_allclose(rho_only / exact, [1.0, 1.05, 1.0])  # dysts order: beta, rho, sigma
    np.testing.assert_allclose(every / exact, 1.05)


# -- the sklearn contract and persistence -----------------------------------------------------

@pytest.mark.parametrize("reservoir", [DeepESN(n_units=(20, 10), spectral_radius=(0.5, 0.9), random_state=0),
                                       IPReservoir(n_units=20, target_std=0.3, random_state=0),
                                       HybridESN("Lorenz", dt=0.02, perturbed_parameters=("rho",), n_units=20,
                                                 random_state=0)])
def test_clone_get_params_round_trip(reservoir):
    copy = clone(reservoir)
    assert copy.get_params() == reservoir.get_params()
    assert type(reservoir)(**reservoir.get_params()).get_params() == reservoir.get_params()
    np.testing.assert_array_equal(copy.initialize(3)["W_in" if "W_in" in copy.initialize(3) else "0_W_in"],
                                  reservoir.initialize(3)["W_in" if "W_in" in copy.initialize(3) else "0_W_in"])


@pytest.mark.parametrize("reservoir", [DeepESN(n_units=(20, 10), random_state=0), IPReservoir(n_units=20, random_state=0)])
def test_save_load(reservoir, lorenz):
    X, _ = lorenz
    fc = ReservoirForecaster(reservoir, Ridge(alpha=1e-8, solver="qr"), washout=20).fit(X[:200])
    path = os.path.join(tempfile.mkdtemp(), "model.npz")
    save(fc, path)
    np.testing.assert_allclose(load(path).forecast(30), fc.forecast(30), atol=1e-10)


# -- defaults for natural use -----------------------------------------------------------------

def test_spike_encoded_lsm_declares_its_input_interval():
    assert LSM().input_interval() == (0.0, 1.0)
    assert LSM(input_scale=0.2, input_offset=0.5).input_interval() == pytest.approx((-2.5, 2.5))
    assert LSM(encoding="current").input_interval() is None
    assert ESN().input_interval() is None
    mean, scale = range_map(np.array([[2.0, 5.0], [6.0, 5.0], [4.0, 5.0]]), (-1.0, 1.0))
    np.testing.assert_allclose((np.array([[2.0, 5.0], [6.0, 5.0]]) - mean) / scale, [[-1.0, -1.0], [1.0, -1.0]])


def test_classifier_default_readout_chooses_its_penalty_by_cross_validation():
    rng = np.random.default_rng(0)
    t = np.linspace(0, 6, 30)
    X = np.array([np.sin(f * t + rng.uniform(0, 6))[:, None] + 0.3 * rng.normal(size=(30, 1))
                  for f in (1, 2) * 20])
    y = np.array([0, 1] * 20)
    clf = ReservoirClassifier(ESN(n_units=50, random_state=0)).fit(X, y)
    assert clf.alpha_ in CLASSIFIER_ALPHAS and clf.readout_.alpha == clf.alpha_
    assert clf.cv_scores_.shape == (len(CLASSIFIER_ALPHAS),)
    assert clf.cv_scores_[CLASSIFIER_ALPHAS.index(clf.alpha_)] == clf.cv_scores_.max()
    assert clf.score(X, y) > 0.9
    # A readout given by the user is used as it is.
    given = ReservoirClassifier(ESN(n_units=50, random_state=0), readout=Ridge(alpha=1e-3)).fit(X, y)
    assert given.alpha_ is None and given.readout_.alpha == 1e-3
