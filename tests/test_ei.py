"""E/I self-adapting reservoir: Dale's law, balance, homeostasis, one-step design, estimators."""

import numpy as np
import pytest
from sklearn.base import clone

from reservoir import EIReservoir, ReservoirForecaster, ReservoirRegressor, load, save
from reservoir.runner import run

WEAK = np.random.default_rng(0).standard_normal((2000, 1)) * 0.2


def mean_rate_error(reservoir, params, inputs, washout=200):
    """Mean over neurons of |time-averaged rate - target|."""
    states, _ = run(reservoir, params, inputs)
    return float(np.mean(np.abs(states[washout:].mean(axis=0) - params["target"])))


def test_dale_law_structure_and_balance():
    res = EIReservoir(n_units=200, in_degree=20, balance=-1.0, random_state=0)
    params = res.initialize(2)
    exc = params["excitatory"]
    assert exc.sum() == 160  # 80 % excitatory
    # E synapses come only from excitatory, I synapses only from inhibitory neurons;
    # 16 + 4 distinct partners per neuron
    assert params["E_idx"].shape == (16, 200) and params["I_idx"].shape == (4, 200)
    assert exc[params["E_idx"]].all() and not exc[params["I_idx"]].any()
    for col in range(200):
        assert len(set(params["E_idx"][:, col])) == 16 and len(set(params["I_idx"][:, col])) == 4
    assert np.all(params["E_val"] >= 0) and np.all(params["I_val"] >= 0)
    # totals: E about 1, I about exp(-balance)
    assert abs(params["E_val"].sum(axis=0).mean() - 1.0) < 0.05
    assert abs(params["I_val"].sum(axis=0).mean() - np.e) < 0.15
    assert abs(np.mean(EIReservoir.effective_balance(params)) + 1.0) < 0.05
    # 30 % of the neurons receive input
    assert (np.abs(params["W_in"]).sum(axis=1) > 0).sum() == 60


@pytest.mark.parametrize("schedule", [((1e-2, 500), (1e-3, 500)), ((1.0, 200),)])
def test_homeostasis_keeps_dale_law(schedule):
    # A huge learning rate drives some inhibitory weights to the clip at zero.
    res = EIReservoir(n_units=200, in_degree=20, balance=-2.0, adaptation_schedule=schedule, random_state=1)
    before = res.initialize(1)
    after = res.adapt(before, [np.random.default_rng(0).standard_normal((600, 1))])
    assert np.all(after["I_val"] >= 0) and np.all(after["E_val"] >= 0)
    assert not np.array_equal(after["I_val"], before["I_val"])
    # only inhibitory weights change; the connectivity (and so each neuron's sign) is fixed
    for key in ("E_idx", "E_val", "I_idx", "W_in", "excitatory"):
        np.testing.assert_array_equal(after[key], before[key])
    A_E, A_I = EIReservoir.weight_matrices(after)
    W = (A_E - A_I).toarray()
    exc = after["excitatory"]
    assert np.all(W[:, exc] >= 0) and np.all(W[:, ~exc] <= 0)


@pytest.mark.parametrize("balance", [1.0, -2.0])
def test_homeostasis_moves_rates_to_targets(balance):
    # From an excitation-dominated (saturated) or over-inhibited start alike.
    # From beta = -2 the inhibition must fall about six-fold: a faster first stage gets there.
    res = EIReservoir(n_units=300, target_rate=0.3, balance=balance, random_state=0,
                      adaptation_schedule=((3e-2, 1000), (1e-3, 1000)))
    params = res.initialize(1)
    before = mean_rate_error(res, params, WEAK)
    adapted = res.adapt(params, [WEAK])
    after = mean_rate_error(res, adapted, WEAK)
    # beta = -2 starts in a synchronous 0 <-> 0.5 oscillation (mean 0.25); beta = 1 saturated
    assert before > 0.04
    assert after < 0.02 and after < before / 2
    # the adapted network settles near the balanced regime from either side
    assert abs(np.mean(EIReservoir.effective_balance(adapted))) < 0.5


def test_heterogeneous_targets_are_tracked_per_neuron():
    res = EIReservoir(n_units=300, target_distribution="beta", leak_rate=0.5, random_state=0)
    params = res.adapt(res.initialize(1), [WEAK])
    states, _ = run(res, params, WEAK)
    rates = states[200:].mean(axis=0)
    assert np.corrcoef(rates, params["target"])[0, 1] > 0.95
    lognormal = EIReservoir(n_units=300, target_rate=0.2, target_distribution="lognormal", random_state=0)
    target = lognormal.initialize(1)["target"]
    assert np.all((target >= 0.01) & (target <= 0.99)) and abs(np.median(target) - 0.2) < 0.03


def test_one_step_design_sets_rates_near_targets():
    res = EIReservoir(n_units=300, target_distribution="beta", leak_rate=0.5, adaptation="one_step",
                      random_state=0)
    params = res.adapt(res.initialize(1), [WEAK])
    # zero input: the targets are the fixed point the design aims at
    states, _ = run(res, params, np.zeros((400, 1)))
    assert np.abs(states[-1] - params["target"]).max() < 0.05
    # weak fluctuating input: time-averaged rates stay near the targets
    assert mean_rate_error(res, params, WEAK) < 0.02
    assert np.all(params["I_val"] >= 0)


def test_excitation_dominated_network_saturates():
    # The regime the paper calls bad: with beta > 0 the units saturate and lose their variance.
    stds = {}
    for beta in (0.0, 1.0):
        res = EIReservoir(n_units=200, in_degree=20, balance=beta, adaptation=None, random_state=0)
        states, _ = run(res, res.initialize(1), WEAK * 5)
        stds[beta] = (states[200:].mean(), states[200:].std(axis=0).mean())
    assert stds[1.0][0] > 0.95 and stds[1.0][1] < 0.02
    assert stds[0.0][1] > 0.1


def test_non_adaptive_and_static_config():
    res = EIReservoir(n_units=50, in_degree=10, adaptation=None, random_state=0)
    params = res.initialize(1)
    assert res.adapt(params, [WEAK]) is params
    assert res.static_config() == EIReservoir(gain=3.0, leak_rate=0.2).static_config()
    a, b = res.initialize(1), clone(res).initialize(1)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])


def test_works_in_estimators_and_round_trips(tmp_path):
    t = np.arange(2500) * 0.05
    series = np.column_stack([np.sin(t), np.cos(1.3 * t)])
    res = EIReservoir(n_units=200, in_degree=20, random_state=0)
    fc = ReservoirForecaster(res).fit(series[:1500])
    # a short closed-loop forecast stays on the curve (a sigmoid rate network of 200 units is
    # no forecasting champion; the point here is that it runs inside the estimator)
    assert np.sqrt(np.mean((fc.forecast(20) - series[1500:1520]) ** 2)) < 0.1
    reg = ReservoirRegressor(res, washout=50).fit(series[:1000], series[3:1003, 0])
    assert reg.score(series[1000:2000], series[1003:2003, 0]) > 0.9
    # adapt ran inside fit: the stored inhibitory weights differ from a fresh draw
    assert not np.array_equal(fc.reservoir_params_["I_val"], res.initialize(2, 0)["I_val"])
    for model, check in ((reg, lambda m: m.predict(series[:300])), (fc, lambda m: m.forecast(30))):
        path = tmp_path / "ei.npz"
        save(model, path)
        np.testing.assert_array_equal(check(load(path)), check(model))


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(target_rate=1.2), ValueError, "target_rate must lie in the open interval \\(0, 1\\)"),
    (dict(target_rate=0.0), ValueError, "target_rate must lie in the open interval"),
    (dict(target_rate=np.full(3, 0.5)), ValueError, "target_rate must be a number or an array of shape \\(50,\\)"),
    (dict(target_rate=np.full(50, 0.5), target_distribution="beta"), ValueError, "per neuron needs"),
    (dict(target_distribution="gamma"), ValueError, "target_distribution must be one of"),
    (dict(adaptation="hebbian"), ValueError, "adaptation must be one of"),
    (dict(adaptation_schedule=((-1e-2, 100),)), ValueError, "adaptation_schedule rate must be > 0"),
    (dict(adaptation_schedule=((1e-2, -5),)), ValueError, "adaptation_schedule steps must be >= 0"),
    (dict(adaptation_schedule=0.01), TypeError, "sequence of \\(rate, steps\\) pairs"),
    (dict(excitatory_fraction=1.0), ValueError, "excitatory_fraction must be < 1"),
    (dict(excitatory_fraction=-0.2), ValueError, "excitatory_fraction must be > 0"),
    (dict(in_degree=60), ValueError, "needs 48 excitatory and 12 inhibitory partners"),
    (dict(gain=0.0), ValueError, "gain must be > 0"),
    (dict(leak_rate=0.0), ValueError, "leak_rate must be > 0"),
    (dict(input_fraction=1.5), ValueError, "input_fraction must be <= 1"),
    (dict(input_scaling=-1.0), ValueError, "input_scaling must be > 0"),
    (dict(weight_cv=-0.1), ValueError, "weight_cv must be >= 0"),
    (dict(balance=float("nan")), ValueError, "balance must be finite"),
    (dict(n_units=2.5), TypeError, "n_units must be an integer"),
])
def test_bad_hyperparameters_raise_clear_errors(kwargs, error, match):
    base = dict(n_units=50, in_degree=10)
    with pytest.raises(error, match=match):
        EIReservoir(**{**base, **kwargs}).initialize(1)


def test_paper_settings_are_the_defaults():
    # seed_details.md section 1: 80/20 populations, in-degree 50, inhibitory links 4x as
    # strong as excitatory ones, logistic gain 10, input to 30 % of the neurons
    res = EIReservoir(random_state=3)
    params = res.initialize(1)
    exc = params["excitatory"]
    assert len(exc) == 500 and exc.sum() == 400
    assert params["E_idx"].shape == (40, 500) and params["I_idx"].shape == (10, 500)  # in-degree 50
    for col in range(0, 500, 7):
        assert len(set(params["E_idx"][:, col]) | set(params["I_idx"][:, col])) == 50
    # Dale's law: every column of the signed matrix has one sign, that of its population
    A_E, A_I = EIReservoir.weight_matrices(params)
    W = (A_E - A_I).toarray()
    assert np.all(W[:, exc] >= 0) and np.all(W[:, ~exc] <= 0) and (W[:, ~exc] < 0).any()
    ratio = params["I_val"].mean() / params["E_val"].mean()
    assert abs(ratio - 4.0) < 0.05
    assert float(params["gain"]) == 10.0 and float(params["threshold"]) == 0.0
    assert (np.abs(params["W_in"][:, 0]) > 0).sum() == 150
    assert np.abs(params["W_in"]).max() <= 0.25  # U(-s/2, s/2), s = 0.5


@pytest.mark.parametrize("distribution", ["constant", "beta"])
def test_one_step_gain_hits_the_target_rate_in_steady_state(distribution):
    # paper settings (no leak, gain 10); a constant input is its own mean, so the designed
    # fixed point r = rho is where the network settles
    res = EIReservoir(n_units=200, target_distribution=distribution, adaptation="one_step", random_state=0)
    before = res.initialize(1)
    drive = np.full((300, 1), 0.4)
    params = res.adapt(before, [drive[:50]])
    states, _ = run(res, params, drive)
    np.testing.assert_allclose(states[-1], params["target"], atol=1e-8)
    # only the inhibitory weights changed, each neuron's by one common factor
    factor = params["I_val"] / before["I_val"]
    np.testing.assert_allclose(factor, np.broadcast_to(factor[:1], factor.shape), rtol=1e-12)
    np.testing.assert_array_equal(params["E_val"], before["E_val"])
