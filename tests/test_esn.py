"""ESN weights, dynamics, hyperparameter validation, the runner and the sparse layout."""

import jax.numpy as jnp
import numpy as np
import pytest
import scipy.sparse as sp

from reservoir import ESN
from reservoir.esn import recurrent_product
from reservoir.runner import bucket_length, run, run_ensemble, run_sequences
from reservoir.weights import fixed_in_degree, from_matrix, spectral_radius, to_scipy


def dense_W(params):
    """The recurrent matrix of ESN params as a dense array, whichever layout holds it."""
    if "W" in params:
        return np.asarray(params["W"])
    n = params["bias"].shape[0]
    return to_scipy(np.asarray(params["W_idx"]), np.asarray(params["W_val"]), n).toarray()


def numpy_esn(W, W_in, bias, leak, U, activation=np.tanh):
    """Reference loop: x_{t+1} = (1 - a) x_t + a f(W x_t + W_in u_{t+1} + b), from x_0 = 0."""
    x = np.zeros(W.shape[0])
    states = []
    for u in U:
        x = (1 - leak) * x + leak * activation(W @ x + W_in @ u + bias)
        states.append(x)
    return np.array(states)


# -- weights ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "n_units, in_degree, rho",
    [(50, 5, 0.9), (200, 10, 1.25), (120, 1, 0.5), (80, None, 0.8), (700, 4, 0.95)],
)
def test_spectral_radius_is_the_requested_one(n_units, in_degree, rho):
    # n_units=700 exercises the ARPACK branch of spectral_radius (n > 600, sparse).
    params = ESN(n_units=n_units, in_degree=in_degree, spectral_radius=rho, random_state=3).initialize(2)
    eig = np.linalg.eigvals(dense_W(params))
    assert abs(np.max(np.abs(eig)) - rho) < 1e-6


def test_each_row_has_exactly_in_degree_distinct_presynaptic_units():
    n, k = 150, 7
    params = ESN(n_units=n, in_degree=k, random_state=0).initialize(1)
    W = to_scipy(params["W_idx"], params["W_val"], n)
    assert params["W_idx"].shape == (k, n)
    np.testing.assert_array_equal(np.diff(W.indptr), np.full(n, k))
    np.testing.assert_array_equal((dense_W(params) != 0).sum(axis=1), np.full(n, k))
    # no repeated presynaptic unit in a row (a repeat would silently merge two weights)
    for i in range(n):
        assert len(np.unique(params["W_idx"][:, i])) == k


def test_fixed_in_degree_large_n_branch_has_distinct_columns():
    idx, val = fixed_in_degree(4100, 3, np.random.default_rng(0))
    assert idx.shape == val.shape == (3, 4100)
    assert np.all(np.diff(idx, axis=0) > 0)  # sorted and distinct per unit


def test_dense_path():
    params = ESN(n_units=40, in_degree=None, spectral_radius=0.7, random_state=1).initialize(3)
    assert "W" in params and "W_idx" not in params
    W = params["W"]
    assert W.shape == (40, 40)
    assert np.count_nonzero(W) == 40 * 40
    assert abs(np.max(np.abs(np.linalg.eigvals(W))) - 0.7) < 1e-6


def test_input_weights_and_bias_ranges():
    params = ESN(n_units=300, input_scaling=0.3, bias_scaling=0.2, random_state=0).initialize(4)
    assert params["W_in"].shape == (300, 4)
    assert np.all(np.abs(params["W_in"]) <= 0.3) and np.abs(params["W_in"]).max() > 0.25
    assert params["bias"].shape == (300,)
    assert np.all(np.abs(params["bias"]) <= 0.2) and np.abs(params["bias"]).max() > 0.15
    # per-input scaling
    params = ESN(n_units=300, input_scaling=[0.1, 1.0], random_state=0).initialize(2)
    assert np.abs(params["W_in"][:, 0]).max() <= 0.1 < np.abs(params["W_in"][:, 1]).max()


def test_zero_bias_scaling_gives_zero_bias():
    params = ESN(n_units=30, bias_scaling=0.0, random_state=0).initialize(1)
    np.testing.assert_array_equal(params["bias"], 0.0)


# -- determinism -----------------------------------------------------------------------------


def test_same_random_state_same_params_and_states():
    U = np.random.default_rng(0).normal(size=(60, 2))
    a, b = ESN(n_units=50, random_state=7), ESN(n_units=50, random_state=7)
    pa, pb = a.initialize(2), b.initialize(2)
    assert pa.keys() == pb.keys()
    for key in pa:
        np.testing.assert_array_equal(pa[key], pb[key])
    np.testing.assert_array_equal(a.fit_transform(U), b.fit_transform(U))


def test_different_random_state_different_params_and_states():
    U = np.random.default_rng(0).normal(size=(60, 2))
    pa, pb = ESN(n_units=50, random_state=7).initialize(2), ESN(n_units=50, random_state=8).initialize(2)
    assert not np.array_equal(pa["W_val"], pb["W_val"])
    assert not np.array_equal(pa["W_in"], pb["W_in"])
    assert not np.array_equal(pa["bias"], pb["bias"])
    sa = ESN(n_units=50, random_state=7).fit_transform(U)
    sb = ESN(n_units=50, random_state=8).fit_transform(U)
    assert np.abs(sa - sb).max() > 1e-3


def test_random_state_argument_of_initialize_overrides_hyperparameter():
    esn = ESN(n_units=30, random_state=1)
    np.testing.assert_array_equal(esn.initialize(1, random_state=5)["W_in"],
                                  ESN(n_units=30, random_state=5).initialize(1)["W_in"])


def test_recurrent_matrix_does_not_depend_on_input_dimension():
    esn = ESN(n_units=40, random_state=0)
    np.testing.assert_array_equal(dense_W(esn.initialize(1)), dense_W(esn.initialize(5)))


def test_random_state_none_draws_fresh_weights():
    a, b = ESN(n_units=30).initialize(1), ESN(n_units=30).initialize(1)
    assert not np.array_equal(a["W_in"], b["W_in"])


# -- dynamics --------------------------------------------------------------------------------


@pytest.mark.parametrize("in_degree, leak", [(5, 1.0), (5, 0.3), (None, 0.7)])
def test_transform_matches_numpy_loop(in_degree, leak):
    U = np.random.default_rng(1).normal(size=(120, 3))
    esn = ESN(n_units=60, spectral_radius=0.95, leak_rate=leak, input_scaling=0.5, in_degree=in_degree,
              random_state=2)
    states = esn.fit_transform(U)
    p = esn.params_
    expected = numpy_esn(dense_W(p), p["W_in"], p["bias"], leak, U)
    assert states.shape == (120, 60)
    np.testing.assert_allclose(states, expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("activation, f", [("identity", lambda x: x),
                                           ("relu", lambda x: np.maximum(x, 0)),
                                           ("sigmoid", lambda x: 1 / (1 + np.exp(-x)))])
def test_other_activations_match_numpy_loop(activation, f):
    U = np.random.default_rng(1).normal(size=(50, 2))
    esn = ESN(n_units=30, spectral_radius=0.5, leak_rate=0.5, activation=activation, random_state=0)
    states = esn.fit_transform(U)
    p = esn.params_
    np.testing.assert_allclose(states, numpy_esn(dense_W(p), p["W_in"], p["bias"], 0.5, U, f), atol=1e-12)


def test_transform_layouts_and_input_dimension_check():
    rng = np.random.default_rng(0)
    esn = ESN(n_units=20, random_state=0).fit(rng.normal(size=(10, 2)))
    seqs = [rng.normal(size=(15, 2)), rng.normal(size=(8, 2))]
    out = esn.transform(seqs)
    assert isinstance(out, list) and [o.shape for o in out] == [(15, 20), (8, 20)]
    np.testing.assert_array_equal(out[1], esn.transform(seqs[1]))
    assert esn.transform(np.stack([seqs[0], seqs[0]])).shape == (2, 15, 20)
    with pytest.raises(ValueError, match="X has 3 features, but ESN is expecting 2"):
        esn.transform(rng.normal(size=(10, 3)))


# -- from_weights ----------------------------------------------------------------------------


def _random_weights(n=40, d=2, density=0.15, seed=0):
    rng = np.random.default_rng(seed)
    W = sp.random(n, n, density=density, random_state=seed, data_rvs=rng.standard_normal, format="csr")
    W = W * (0.9 / spectral_radius(W))
    return W, rng.uniform(-1, 1, (n, d)), rng.uniform(-0.2, 0.2, n)


@pytest.mark.parametrize("kind", ["dense", "scipy_sparse", "sparse_array", "dense_but_sparse_values"])
def test_from_weights_matches_numpy_loop(kind):
    W, W_in, bias = _random_weights()
    if kind == "dense":
        W_given = np.random.default_rng(5).normal(size=(40, 40)) * 0.1  # dense: density > 0.25
    elif kind == "scipy_sparse":
        W_given = W
    elif kind == "sparse_array":
        W_given = sp.csr_array(W)
    else:
        W_given = W.toarray()
    W_dense = W_given.toarray() if sp.issparse(W_given) else W_given
    U = np.random.default_rng(1).normal(size=(80, 2))
    esn = ESN.from_weights(W_given, W_in, bias, leak_rate=0.4)
    states = esn.fit_transform(U)
    np.testing.assert_allclose(states, numpy_esn(W_dense, W_in, bias, 0.4, U), rtol=0, atol=1e-12)
    # the weights are used as given (no rescaling)
    np.testing.assert_array_equal(dense_W(esn.params_), W_dense)


def test_from_weights_bias_shapes_and_errors():
    W, W_in, bias = _random_weights()
    U = np.random.default_rng(1).normal(size=(20, 2))
    a = ESN.from_weights(W, W_in, bias[:, None]).fit_transform(U)
    b = ESN.from_weights(W, W_in, bias).fit_transform(U)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(ESN.from_weights(W, W_in).fit_transform(U),
                               numpy_esn(W.toarray(), W_in, np.zeros(40), 1.0, U), atol=1e-12)
    with pytest.raises(ValueError, match="bias"):
        ESN.from_weights(W, W_in, np.ones(3)).fit(U)
    with pytest.raises(ValueError, match="W must be square"):
        ESN.from_weights(W[:, :30], W_in).fit(U)
    with pytest.raises(ValueError, match="W_in"):
        ESN.from_weights(W, W_in).fit(np.ones((5, 3)))
    with pytest.raises(ValueError, match="leak_rate"):
        ESN.from_weights(W, W_in, leak_rate=0.0).fit(U)


# -- hyperparameter validation ---------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, error, pattern",
    [
        ({"n_units": 0}, ValueError, "n_units"),
        ({"n_units": -5}, ValueError, "n_units"),
        ({"n_units": 10.5}, TypeError, "n_units"),
        ({"spectral_radius": 0.0}, ValueError, "spectral_radius"),
        ({"spectral_radius": -0.5}, ValueError, "spectral_radius"),
        ({"spectral_radius": np.nan}, ValueError, "spectral_radius"),
        ({"spectral_radius": "big"}, TypeError, "spectral_radius"),
        ({"leak_rate": 0.0}, ValueError, "leak_rate"),
        ({"leak_rate": 1.5}, ValueError, "leak_rate"),
        ({"leak_rate": -0.1}, ValueError, "leak_rate"),
        ({"n_units": 20, "in_degree": 21}, ValueError, "in_degree"),
        ({"in_degree": 0}, ValueError, "in_degree"),
        ({"activation": "softsign"}, ValueError, "activation"),
        ({"activation": 3}, ValueError, "activation"),
        ({"input_scaling": -0.1}, ValueError, "input_scaling"),
        ({"input_scaling": 0.0}, ValueError, "input_scaling"),
        ({"bias_scaling": -1.0}, ValueError, "bias_scaling"),
        ({"input_scaling": [0.1, 0.2]}, ValueError, "input_scaling"),  # 2 values for 1 input
        ({"input_scaling": [[0.1]]}, ValueError, "input_scaling"),
        ({"input_scaling": "wide"}, TypeError, "input_scaling"),
    ],
)
def test_bad_hyperparameters_raise_naming_the_argument(kwargs, error, pattern):
    esn = ESN(**{"n_units": 20, **kwargs})
    with pytest.raises(error, match=pattern):
        esn.initialize(1, random_state=0)
    with pytest.raises(error, match=pattern):
        esn.fit(np.zeros((5, 1)))


def test_hyperparameters_are_stored_verbatim_and_not_checked_in_init():
    esn = ESN(n_units=-1, leak_rate=7)  # no error before fit, as in scikit-learn
    assert esn.get_params()["n_units"] == -1 and esn.get_params()["leak_rate"] == 7


# -- runner ----------------------------------------------------------------------------------


def test_batched_run_equals_per_sequence_runs():
    esn = ESN(n_units=40, leak_rate=0.6, random_state=0)
    params = esn.initialize(2)
    batch = np.random.default_rng(0).normal(size=(4, 30, 2))
    feats, final = run(esn, params, batch)
    assert feats.shape == (4, 30, 40)
    for i in range(4):
        f_i, last_i = run(esn, params, batch[i])
        np.testing.assert_allclose(feats[i], f_i, rtol=0, atol=1e-13)
        np.testing.assert_allclose(final[i], last_i, rtol=0, atol=1e-13)
        np.testing.assert_array_equal(last_i, f_i[-1])


def test_ragged_sequences_padded_to_buckets_give_exact_states_and_final_states():
    # Lengths in the same bucket run together padded and masked; the padding must change
    # neither the features nor the final state (which the forecaster continues from).
    esn = ESN(n_units=30, leak_rate=0.6, random_state=2)
    params = esn.initialize(2)
    rng = np.random.default_rng(0)
    lengths = [5, 6, 7, 13, 14, 100, 101, 2100]
    assert len({bucket_length(n) for n in lengths}) < len(lengths)
    sequences = [rng.normal(size=(n, 2)) for n in lengths]
    features, finals = run_sequences(esn, params, sequences)
    W = dense_W(params)
    for seq, feats, final in zip(sequences, features, finals):
        expected = numpy_esn(W, params["W_in"], params["bias"], 0.6, seq)
        assert feats.shape == expected.shape
        np.testing.assert_allclose(feats, expected, rtol=0, atol=1e-12)
        np.testing.assert_allclose(final, expected[-1], rtol=0, atol=1e-12)


def test_bucket_lengths_pad_at_most_a_quarter():
    for n in range(1, 3000):
        length = bucket_length(n)
        # multiples of 8 for short sequences, at most 25 % padding from 32 steps on
        assert n <= length <= (n + 7 if n < 32 else 1.25 * n)
        assert length % 8 == 0 or n >= 2048


def test_run_continues_from_a_given_state():
    esn = ESN(n_units=30, random_state=0)
    params = esn.initialize(1)
    U = np.random.default_rng(0).normal(size=(40, 1))
    whole, _ = run(esn, params, U)
    first, state = run(esn, params, U[:25])
    second, _ = run(esn, params, U[25:], state=state)
    np.testing.assert_allclose(np.vstack([first, second]), whole, rtol=0, atol=1e-13)


def test_run_ensemble_equals_per_member_runs():
    esn = ESN(n_units=30, leak_rate=0.5, random_state=0)
    members = [esn.initialize(2, random_state=seed) for seed in range(3)]
    U = np.random.default_rng(1).normal(size=(25, 2))
    feats = run_ensemble(esn, members, U)
    assert feats.shape == (3, 25, 30)
    for m, params in enumerate(members):
        np.testing.assert_allclose(feats[m], run(esn, params, U)[0], rtol=0, atol=1e-13)
    assert np.abs(feats[0] - feats[1]).max() > 1e-3


def test_run_rejects_bad_input_rank():
    esn = ESN(n_units=10, random_state=0)
    with pytest.raises(ValueError, match="inputs"):
        run(esn, esn.initialize(1), np.zeros(5))


def test_compiled_code_follows_numeric_hyperparameter_changes():
    # Numeric hyperparameters live in params, so a cached compiled step must not freeze them.
    U = np.random.default_rng(0).normal(size=(30, 1))
    esn = ESN(n_units=20, leak_rate=1.0, random_state=0)
    s1 = esn.fit_transform(U)
    esn.set_params(leak_rate=0.2)
    s2 = esn.fit_transform(U)
    p = esn.params_
    np.testing.assert_allclose(s2, numpy_esn(dense_W(p), p["W_in"], p["bias"], 0.2, U), atol=1e-12)
    assert np.abs(s1 - s2).max() > 1e-3


# -- sparse layout ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["dense", "csr", "coo", "csr_array"])
def test_from_matrix_round_trip(fmt):
    rng = np.random.default_rng(0)
    M = sp.random(30, 30, density=0.1, random_state=1, format="csr").toarray()
    M[3] = 0.0  # an empty row
    M[5, :12] = rng.normal(size=12)  # a row with a larger in-degree than the rest
    M[7, 0] = 2.5  # a real entry in column 0, where padding also points
    given = {"dense": M, "csr": sp.csr_matrix(M), "coo": sp.coo_matrix(M), "csr_array": sp.csr_array(M)}[fmt]
    idx, val = from_matrix(given)
    assert idx.shape == val.shape == (12, 30)
    np.testing.assert_array_equal(to_scipy(idx, val, 30).toarray(), M)
    # the padded layout gives the same product as the matrix
    x = rng.normal(size=30)
    product = recurrent_product({"W_idx": idx, "W_val": val}, jnp.asarray(x))
    np.testing.assert_allclose(np.asarray(product), M @ x, rtol=0, atol=1e-13)


def test_to_scipy_of_fixed_in_degree():
    idx, val = fixed_in_degree(20, 3, np.random.default_rng(0))
    W = to_scipy(idx, val, 20)
    idx2, val2 = from_matrix(W)
    np.testing.assert_array_equal(idx2, idx)
    np.testing.assert_array_equal(val2, val)


def test_spectral_radius_helper():
    assert spectral_radius(np.diag([0.5, -2.0, 1.0])) == pytest.approx(2.0)
    R = np.array([[0.0, -1.5], [1.5, 0.0]])  # complex pair +-1.5i
    assert spectral_radius(sp.csr_matrix(R)) == pytest.approx(1.5)
