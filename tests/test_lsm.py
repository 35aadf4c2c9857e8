"""LSM and NALSM: the grid liquid, Dale's law, STDP, the astrocyte, branching, estimators."""

import numpy as np
import pytest
from sklearn.base import clone

from reservoir import LSM, NeuronAstrocyteLSM, ReservoirClassifier, ReservoirForecaster, load, save
from reservoir.branching import branching_factor, reservoir_branching_factor
from reservoir.lsm import astrocyte_update, distance_connectivity, grid_positions, stdp_delta
from reservoir.runner import run
from reservoir.spiking import trace_update

# A small liquid (5 x 5 x 5) keeps compilation and simulation cheap.
SMALL = dict(n_units=125, steps_per_input=5)


def signed_dense(params):
    return LSM.weight_matrix(params).toarray()


# -- the liquid ------------------------------------------------------------------------------


def test_grid_dale_law_and_initial_weights():
    lsm = LSM(n_units=1000, initial_weight=2.5, input_density=0.15, random_state=0)
    params = lsm.initialize(10)
    exc = params["excitatory"]
    assert exc.sum() == 800 and np.all(exc[:800])  # 80 % excitatory, lower indices
    # every site of the 10 x 10 x 10 grid is used once
    assert len({tuple(p) for p in params["positions"]}) == 1000 and params["positions"].max() == 9
    W = signed_dense(params)
    assert np.all(np.diag(W) == 0)
    # Dale's law: columns (presynaptic) of E neurons positive, of I neurons negative,
    # and every weight starts at the same magnitude
    assert np.all(W[:, exc] >= 0) and np.all(W[:, ~exc] <= 0)
    assert set(np.unique(np.abs(W[W != 0]))) == {2.5}
    # exactly round(0.15 * N * d) input pairs, weights +-2.5 with both signs
    assert params["W_in_mask"].sum() == 1500
    assert set(np.unique(params["W_in"][params["W_in_mask"]])) == {-2.5, 2.5}
    assert np.all(params["W_in"][~params["W_in_mask"]] == 0)


def test_connection_probability_falls_with_distance_as_a_gaussian():
    rng = np.random.default_rng(1)
    n = 1000
    pos = grid_positions(n, rng)
    exc = np.ones(n, dtype=bool)  # all excitatory: one probability C_EE = 0.3
    idx, sign = distance_connectivity(pos, exc, (0.3, 0.1, 0.1, 0.1), 3.0, rng)
    A = np.zeros((n, n), dtype=bool)
    for k in range(idx.shape[0]):
        A[np.arange(n)[sign[k] != 0], idx[k][sign[k] != 0]] = True
    D = np.sqrt(((pos[:, None] - pos[None]) ** 2).sum(-1))
    observed, expected = [], []
    for d in (1.0, np.sqrt(2), np.sqrt(3), 2.0, 3.0, 4.0):
        pairs = np.isclose(D, d)
        observed.append(A[pairs].mean())
        expected.append(0.3 * np.exp(-(d / 3.0) ** 2))
        assert abs(observed[-1] - expected[-1]) < 4 * np.sqrt(expected[-1] / pairs.sum()) + 0.005
    assert np.all(np.diff(observed) < 0)
    assert A[D > 9].sum() <= 2  # exp(-9) * 0.3: practically never


def test_connection_probability_by_type():
    rng = np.random.default_rng(2)
    n = 1000
    pos = grid_positions(n, rng)
    exc = np.arange(n) < 800
    idx, sign = distance_connectivity(pos, exc, (0.2, 0.1, 0.3, 0.05), 3.0, rng)
    A = np.zeros((n, n))
    for k in range(idx.shape[0]):
        keep = sign[k] != 0
        A[np.arange(n)[keep], idx[k][keep]] = 1
    D2 = ((pos[:, None] - pos[None]) ** 2).sum(-1)
    kernel = np.exp(-D2 / 9.0)
    np.fill_diagonal(kernel, 0)
    # observed / expected connection counts per (pre type, post type) block
    for post, pre, c in ((exc, exc, 0.2), (~exc, exc, 0.1), (exc, ~exc, 0.3), (~exc, ~exc, 0.05)):
        block = np.ix_(post, pre)
        assert A[block].sum() / (c * kernel[block].sum()) == pytest.approx(1.0, abs=0.06)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_units": 1}, "n_units"),
        ({"n_units": 10.5}, "n_units"),
        ({"excitatory_fraction": 1.0}, "excitatory_fraction"),
        ({"connectivity": (0.2, 0.1, 0.3)}, "connectivity"),
        ({"connectivity": (0.2, 0.1, 1.3, 0.1)}, "connectivity"),
        ({"length_scale": 0}, "length_scale"),
        ({"input_density": 0}, "input_density"),
        ({"initial_weight": 4.0}, "initial_weight"),
        ({"tau_m": 0.5}, "tau_m"),
        ({"method": "rk4"}, "method"),
        ({"threshold": -1}, "threshold"),
        ({"refractory": -1}, "refractory"),
        ({"refractory": 1.5}, "refractory"),
        ({"tau_syn": 0}, "tau_syn"),
        ({"steps_per_input": 0}, "steps_per_input"),
        ({"encoding": "rate"}, "encoding"),
        ({"input_scale": np.nan}, "input_scale"),
        ({"spike_features": "rates"}, "spike_features"),
        ({"trace_tau": -1}, "trace_tau"),
        ({"normalize": "l2"}, "normalize"),
        ({"stdp_rate": -0.1}, "stdp_rate"),
        ({"astro_weight": -1}, "astro_weight"),
        ({"astro_tau": 0.5}, "astro_tau"),
        ({"stdp_tau": 0}, "stdp_tau"),
        ({"adapt_steps_per_input": 0}, "adapt_steps_per_input"),
    ],
)
def test_bad_hyperparameters_raise(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        NeuronAstrocyteLSM(**kwargs).initialize(2)


def test_bad_inputs_raise():
    lsm = LSM(**SMALL, random_state=0)
    with pytest.raises(ValueError, match="n_inputs"):
        lsm.initialize(0)
    params = lsm.initialize(2)
    with pytest.raises(ValueError, match="inputs"):
        lsm.spike_raster(params, np.full((3, 2), np.nan))
    with pytest.raises(ValueError, match="adjacency"):
        branching_factor(np.zeros((50, 3)), np.zeros((4, 4)))


# -- simulation ------------------------------------------------------------------------------


def test_features_are_spike_counts_of_the_raster_and_deterministic():
    lsm = LSM(**SMALL, initial_weight=1.0, random_state=3)
    params = lsm.initialize(2)
    U = np.random.default_rng(0).uniform(0, 1, (12, 2))
    feats, _ = run(lsm, params, U)
    raster = lsm.spike_raster(params, U)
    assert raster.shape == (60, 125) and raster.any()
    np.testing.assert_array_equal(feats, raster.reshape(12, 5, 125).sum(axis=1))
    # the same random_state gives the same weights, spikes and features
    again = LSM(**SMALL, initial_weight=1.0, random_state=3)
    np.testing.assert_array_equal(run(again, again.initialize(2), U)[0], feats)
    other = LSM(**SMALL, initial_weight=1.0, random_state=4)
    assert not np.array_equal(run(other, other.initialize(2), U)[0], feats)
    # a batch (vmap) gives the features of each sequence run alone
    batch, _ = run(lsm, params, np.stack([U, U[::-1]]))
    np.testing.assert_array_equal(batch[0], feats)
    # cumulative features: the running total of the same spikes
    cumulative = clone(lsm).set_params(spike_features="cumulative")
    np.testing.assert_array_equal(run(cumulative, params, U)[0], np.cumsum(feats, axis=0))


def test_l1_normalisation_and_trace_features():
    U = np.full((10, 2), 0.6)
    lsm = LSM(**SMALL, initial_weight=1.0, normalize="l1", random_state=0)
    feats, _ = run(lsm, lsm.initialize(2), U)
    active = feats.sum(axis=1) > 0
    assert active.any()
    np.testing.assert_allclose(feats[active].sum(axis=1), 1.0)
    # traces carry memory across steps: after the input stops they decay, counts drop to 0 at once
    trace = LSM(**SMALL, initial_weight=1.0, spike_features="trace", trace_tau=20.0, random_state=0)
    silence = np.vstack([U, np.zeros((4, 2))])
    t_feats, _ = run(trace, trace.initialize(2), silence)
    assert t_feats[10].sum() > 0
    assert np.all(t_feats[11:].sum(axis=1) < t_feats[10].sum())


def test_current_encoding_is_deterministic_and_needs_no_spikes():
    lsm = LSM(**SMALL, encoding="current", input_density=1.0, input_scale=4.0, initial_weight=1.0, random_state=0)
    params = lsm.initialize(1)
    params_other_key = {**params, "key": np.asarray(params["key"]) + 1}
    U = np.sin(np.linspace(0, 6, 30))[:, None]
    a, _ = run(lsm, params, U)
    b, _ = run(lsm, params_other_key, U)
    np.testing.assert_array_equal(a, b)  # no randomness in the current mode
    assert a.sum() > 0


def test_poisson_encoding_drives_the_liquid_with_its_rate():
    lsm = LSM(**SMALL, encoding="poisson", initial_weight=1.0, input_density=0.5, random_state=0)
    params = lsm.initialize(2)
    weak, _ = run(lsm, params, np.full((20, 2), 0.4))
    strong, _ = run(lsm, params, np.full((20, 2), 1.5))  # more than one spike per ms on average
    assert strong.sum() > 2 * weak.sum() > 0


# -- plasticity ------------------------------------------------------------------------------


def run_pair(pre_times, post_times, steps=30, tau=10.0):
    """Accumulate the NALSM STDP change of one synapse for given spike times (traces from
    before each step's update, as in the simulation)."""
    m = np.exp(-1 / tau)
    x_pre = x_post = 0.0
    dw_exc = dw_inh = 0.0
    for t in range(steps):
        s_pre, s_post = float(t in pre_times), float(t in post_times)
        dw_exc += float(stdp_delta(x_pre, s_pre, x_post, s_post, False, 0.15, 0.15))
        dw_inh += float(stdp_delta(x_pre, s_pre, x_post, s_post, True, 0.15, 0.15))
        x_pre, x_post = trace_update(x_pre, s_pre, m, 0.1), trace_update(x_post, s_post, m, 0.1)
    return dw_exc, dw_inh


def test_stdp_potentiates_causal_and_depresses_acausal_pairs():
    causal_e, causal_i = run_pair({5}, {8})
    acausal_e, acausal_i = run_pair({8}, {5})
    assert causal_e > 0 and acausal_e < 0
    # inhibitory synapses (negative weights): causal pairs make them more negative
    assert causal_i < 0 and acausal_i > 0
    # the amplitude decays with the delay, exp(-Δt / 10)
    near, _ = run_pair({5}, {6})
    far, _ = run_pair({5}, {15})
    assert near > far > 0
    assert near == pytest.approx(0.15 * 0.1 * np.exp(-1 / 10))
    # simultaneous spikes do not pair (traces are read before their update)
    assert run_pair({5}, {5}) == (0.0, 0.0)


def test_astrocyte_tracks_liquid_minus_input_activity():
    w, b, tau = 0.015, 0.15, 100.0
    A = b
    for _ in range(tau.__int__()):
        A = astrocyte_update(A, 40.0, 10.0, w, b, tau)
    target = w * 30 + b
    # one time constant: about 63 % of the way to w * (liquid - input) + b
    assert A == pytest.approx(b + (target - b) * (1 - (1 - 1 / tau) ** 100))
    for _ in range(3000):
        A = astrocyte_update(A, 40.0, 10.0, w, b, tau)
    assert A == pytest.approx(target)
    # more input than liquid spikes lowers depression below its baseline
    assert astrocyte_update(b, 5.0, 20.0, w, b, tau) < b < astrocyte_update(b, 20.0, 5.0, w, b, tau)
    # the same difference gives the same drive: a difference, not a target rate
    assert astrocyte_update(b, 120.0, 100.0, w, b, tau) == astrocyte_update(b, 30.0, 10.0, w, b, tau)


@pytest.fixture(scope="module")
def adapted():
    """One plain-STDP and one astrocyte run from the same initial liquid (maximal weights)."""
    U = [np.random.default_rng(i).uniform(0, 1, (4, 8)) for i in range(6)]
    out = {}
    for name, weight in (("stdp", 0.0), ("astro", 0.05)):
        model = NeuronAstrocyteLSM(**SMALL, astro_weight=weight, adapt_steps_per_input=10, random_state=0)
        before = model.initialize(8)
        out[name] = (model, before, model.adapt(before, U), U)
    return out


def test_adaptation_keeps_dale_law_bounds_and_connectivity(adapted):
    for model, before, after, _ in adapted.values():
        W = signed_dense(after)
        exc = after["excitatory"]
        assert np.all(W[:, exc] >= 0) and np.all(W[:, ~exc] <= 0)
        assert np.abs(W).max() <= 3.0 and np.abs(after["W_in"]).max() <= 3.0
        assert not np.array_equal(after["W_val"], before["W_val"])
        # only existing synapses change; padding stays at zero
        np.testing.assert_array_equal(after["W_idx"], before["W_idx"])
        assert np.all(after["W_val"][before["W_sign"] == 0] == 0)
        assert np.all(after["W_in"][~before["W_in_mask"]] == 0)
        assert after["W_val"].dtype == np.float64


def test_astrocyte_depresses_the_liquid_more_than_plain_stdp(adapted):
    _, _, stdp, U = adapted["stdp"]
    model, _, astro, _ = adapted["astro"]
    exc_syn = astro["W_sign"] > 0
    assert astro["W_val"][exc_syn].mean() < stdp["W_val"][exc_syn].mean()
    rate = lambda p: model.spike_raster(p, U[0]).mean()  # noqa: E731
    assert rate(astro) < rate(stdp)


def test_adapt_is_deterministic(adapted):
    model, before, after, U = adapted["astro"]
    np.testing.assert_array_equal(clone(model).adapt(before, U)["W_val"], after["W_val"])


# -- branching factor ------------------------------------------------------------------------


def branching_process(sigma, n=2000, out_degree=4, avalanches=400, seed=0):
    """Raster of separate avalanches: a seed spike, then each spike makes each of its
    targets spike one step later with probability sigma / out_degree.

    Activity is kept sparse (a large network, few targets): the measure counts every
    spike of a target in the window, caused or not, so dense activity biases it upward.
    """
    rng = np.random.default_rng(seed)
    targets = np.stack([rng.choice(np.delete(np.arange(n), i), out_degree, replace=False) for i in range(n)])
    rows = []
    for _ in range(avalanches):
        active = np.array([rng.integers(n)])
        for _ in range(30):  # cap the rare long critical avalanches
            if active.size == 0:
                break
            row = np.zeros(n, dtype=bool)
            row[active] = True
            rows.append(row)
            children = targets[active][rng.random((active.size, out_degree)) < sigma / out_degree]
            active = np.unique(children)
        rows.extend([np.zeros(n, dtype=bool)] * 6)  # silence between avalanches
    adjacency = np.zeros((n, n))
    adjacency[targets.ravel(), np.repeat(np.arange(n), out_degree)] = 1  # [post, pre]
    return np.array(rows), adjacency


@pytest.mark.parametrize("sigma", [0.5, 1.0])
def test_branching_factor_of_a_branching_process(sigma):
    spikes, adjacency = branching_process(sigma)
    assert branching_factor(spikes, adjacency) == pytest.approx(sigma, abs=0.1)


def test_branching_factor_counts_windows_as_the_authors():
    # neuron 0 -> 1 and 0 -> 2; 0 spikes at t = 10, its targets at 11 and 14 (inside
    # [t+1, t+4]) and at 15 (outside); so 0's ratio is 2 (no ancestors: divide by 1)
    adjacency = np.zeros((3, 3))
    adjacency[1, 0] = adjacency[2, 0] = 1
    spikes = np.zeros((30, 3))
    spikes[10, 0] = spikes[11, 1] = spikes[14, 2] = spikes[15, 1] = 1
    # neurons 1 and 2 have no targets: ratio 0 for their spikes
    assert branching_factor(spikes, adjacency, discard=0) == pytest.approx((2 + 0 + 0) / 3)
    assert np.isnan(branching_factor(spikes, adjacency, discard=14))


def test_reservoir_branching_factor_rejects_non_spiking_reservoirs():
    from reservoir import ESN

    with pytest.raises(TypeError, match="spike_raster"):
        reservoir_branching_factor(ESN(n_units=10), {}, [np.zeros((3, 1))])


def test_reservoir_branching_factor_drops_with_astrocyte(adapted):
    model, before, astro, U = adapted["astro"]
    _, _, stdp, _ = adapted["stdp"]
    long_inputs = [np.repeat(u[:1], 20, axis=0) for u in U[:2]]  # 100 ms per sample
    values = [reservoir_branching_factor(model, p, long_inputs, discard=10) for p in (stdp, astro)]
    assert all(np.isfinite(values)) and values[1] < values[0]


# -- estimators and persistence --------------------------------------------------------------


def two_pattern_task(n=40, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    patterns = np.array([[0.9, 0.1, 0.9, 0.1], [0.1, 0.9, 0.1, 0.9]])
    X = np.clip(patterns[y][:, None, :] + 0.05 * rng.standard_normal((n, 3, 4)), 0, 1)
    return X, y


def test_nalsm_in_classifier_and_save_load_roundtrip(tmp_path):
    X, y = two_pattern_task()
    model = NeuronAstrocyteLSM(**SMALL, initial_weight=1.5, normalize="l1", adapt_steps_per_input=5, random_state=0)
    clf = ReservoirClassifier(model, standardize=False).fit(X[:30], y[:30])
    assert clf.score(X[30:], y[30:]) == 1.0
    assert not np.array_equal(clf.reservoir_params_["W_val"], model.initialize(4)["W_val"])  # adapted
    save(clf, tmp_path / "nalsm")
    loaded = load(tmp_path / "nalsm.npz")
    np.testing.assert_array_equal(loaded.decision_function(X), clf.decision_function(X))
    assert loaded.reservoir_.get_params() == clf.reservoir_.get_params()


def test_lsm_in_forecaster_closed_loop_and_save_load(tmp_path):
    t = np.arange(700) * 0.1
    series = np.column_stack([np.sin(t), np.cos(t)])
    lsm = LSM(**SMALL, encoding="current", input_density=1.0, input_scale=0.4, initial_weight=1.0,
              spike_features="trace", random_state=0)
    fc = ReservoirForecaster(lsm, washout=50).fit(series[:600])
    out = fc.forecast(20)
    assert out.shape == (20, 2) and np.all(np.isfinite(out))
    # teacher-forced one-step predictions are informative on this easy signal
    pred = fc.predict(series[:600])
    assert np.mean((pred[100:-1] - series[101:600]) ** 2) < 0.05
    save(fc, tmp_path / "fc.npz")
    np.testing.assert_array_equal(load(tmp_path / "fc.npz").forecast(20), out)


def test_sklearn_params_and_static_config():
    model = NeuronAstrocyteLSM(**SMALL, astro_weight=0.01)
    cloned = clone(model)
    assert cloned.get_params() == model.get_params()
    # numeric hyperparameters live in params: changing them does not recompile the step
    assert model.static_config() == clone(model).set_params(threshold=15.0, astro_weight=0.2).static_config()
    assert model.static_config() != clone(model).set_params(steps_per_input=7).static_config()
