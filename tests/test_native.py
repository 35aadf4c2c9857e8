"""The compiled sparse ESN kernel (reservoir.kernels) against the jax scan it stands in for."""

import numpy as np
import pytest

from reservoir import ESN
from reservoir.kernels import applies, run_sparse_esn
from reservoir.kernels.native import sparse_esn_kernel, tanh_kernel
from reservoir import runner
from reservoir.runner import run, run_ensemble, run_sequences

pytestmark = pytest.mark.skipif(sparse_esn_kernel() is None,
                                reason="no compiled kernel on this machine (no C compiler or no AVX-512)")


def esn_params(n=100, d=3, k=10, seed=0, **kwargs):
    esn = ESN(n_units=n, in_degree=k, spectral_radius=0.9, leak_rate=0.3, random_state=seed, **kwargs)
    return esn, esn.initialize(d)


def jax_run(monkeypatch, *args, **kwargs):
    with monkeypatch.context() as m:
        m.setattr(ESN, "run_native", lambda self, *a, **k: None)
        return run(*args, **kwargs)


def test_tanh_within_a_few_ulp_and_special_values():
    tanh = tanh_kernel()
    x = np.concatenate([np.linspace(-25, 25, 200_001), np.geomspace(1e-300, 2, 5000),
                        -np.geomspace(1e-300, 2, 5000), np.random.default_rng(0).normal(size=10_000)])
    ref = np.tanh(x)
    ulp = np.abs(tanh(x) - ref) / np.spacing(np.abs(ref))
    assert ulp.max() <= 4
    special = tanh(np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e308, -1e308]))
    np.testing.assert_array_equal(special[:4], [0.0, -0.0, 1.0, -1.0])
    assert np.signbit(special[1]) and np.isnan(special[4])
    np.testing.assert_array_equal(special[5:], [1.0, -1.0])


@pytest.mark.parametrize("n, k, d", [(100, 10, 3), (37, 3, 1), (8, 1, 12), (1000, 10, 3)])
def test_one_sequence_matches_the_jax_scan(monkeypatch, n, k, d):
    esn, params = esn_params(n=n, d=d, k=k)
    U = np.random.default_rng(1).normal(size=(700, d))
    feats, final = run(esn, params, U)
    ref, ref_final = jax_run(monkeypatch, esn, params, U)
    np.testing.assert_allclose(feats, ref, rtol=0, atol=1e-13)
    np.testing.assert_allclose(final, ref_final, rtol=0, atol=1e-13)
    np.testing.assert_array_equal(feats[-1], final)


def test_chunks_carry_the_state_and_out_may_be_a_column_slice():
    esn, params = esn_params()
    U = np.random.default_rng(2).normal(size=(300, 3))
    whole, _ = run(esn, params, U)
    wide = np.full((300, 105), -7.0)
    first, state = run(esn, params, U[:120], out=wide[:120, 2:102])
    second, _ = run(esn, params, U[120:], state, out=wide[120:, 2:102])
    np.testing.assert_array_equal(wide[:, 2:102], whole)
    assert np.all(wide[:, :2] == -7.0) and np.all(wide[:, 102:] == -7.0)  # nothing else written


def test_batches_and_ragged_groups_match_the_jax_scan(monkeypatch):
    esn, params = esn_params(n=64)
    rng = np.random.default_rng(3)
    for B in (1, 5, 16, 19):
        U = rng.normal(size=(B, 50, 3))
        state = rng.uniform(-0.5, 0.5, size=(B, 64))
        given = state.copy()
        feats, final = run(esn, params, U, state)
        np.testing.assert_array_equal(state, given)  # the caller's state is not written to
        ref, ref_final = jax_run(monkeypatch, esn, params, U, state)
        np.testing.assert_allclose(feats, ref, rtol=0, atol=1e-13)
        np.testing.assert_allclose(final, ref_final, rtol=0, atol=1e-13)
    sequences = [rng.normal(size=(n, 3)) for n in (40, 37, 33, 40, 5)]  # one bucket, ragged
    feats, finals = run_sequences(esn, params, sequences)
    for seq, f, last in zip(sequences, feats, finals):
        ref, ref_last = jax_run(monkeypatch, esn, params, seq)
        np.testing.assert_allclose(f, ref, rtol=0, atol=1e-13)
        np.testing.assert_allclose(last, ref_last, rtol=0, atol=1e-13)  # padding kept the state


@pytest.mark.parametrize("block_diagonal_units", [4096, 0])
def test_ensembles_with_per_unit_leak_match(monkeypatch, block_diagonal_units):
    # 4096: one block-diagonal reservoir with a leak rate per unit; 0: members run on threads.
    monkeypatch.setattr(runner, "_BLOCK_DIAGONAL_UNITS", block_diagonal_units)
    esn = ESN(n_units=50, in_degree=5, leak_rate=0.5, random_state=0)
    members = [esn.set_params(leak_rate=rate).initialize(2, random_state=s)
               for s, rate in enumerate((0.2, 0.6, 1.0, 0.3, 0.9))]
    U = np.random.default_rng(4).normal(size=(80, 2))
    feats = run_ensemble(esn, members, U)
    with monkeypatch.context() as m:
        m.setattr(ESN, "run_native", lambda self, *a, **k: None)
        ref = run_ensemble(esn, members, U)
    np.testing.assert_allclose(feats, ref, rtol=0, atol=1e-13)


def test_applies_only_to_sparse_float64_tanh():
    _, params = esn_params()
    assert applies(params, "tanh")
    assert not applies(params, "relu")
    assert not applies(esn_params(dtype="float32")[1], "tanh")
    assert not applies(ESN(n_units=20, in_degree=None, random_state=0).initialize(1), "tanh")
    esn = ESN(n_units=20, activation="relu", random_state=0)
    assert esn.run_native(esn.initialize(1), np.zeros((3, 1))) is None


def test_subclasses_with_their_own_step_keep_the_jax_scan():
    class Doubled(ESN):
        def step(self, params, state, u):
            return 2.0 * super().step(params, state, u)

    esn = Doubled(n_units=30, random_state=0)
    params = esn.initialize(2)
    assert esn.run_native(params, np.zeros((4, 2))) is None
    U = np.random.default_rng(5).normal(size=(4, 2))
    feats, _ = run(esn, params, U)
    plain, _ = run(ESN(n_units=30, random_state=0), params, U[:1])
    np.testing.assert_allclose(feats[0], 2.0 * plain[0], rtol=0, atol=1e-14)


def test_bad_arguments_are_refused():
    _, params = esn_params(n=20, k=2)
    with pytest.raises(ValueError, match="W_idx"):
        run_sparse_esn({**params, "W_idx": params["W_idx"] + 20}, np.zeros((3, 3)), np.zeros(20))
    with pytest.raises(ValueError, match="features"):
        run_sparse_esn(params, np.zeros((3, 2)), np.zeros(20))
    with pytest.raises(ValueError, match="out"):
        run_sparse_esn(params, np.zeros((3, 3)), np.zeros(20), out=np.zeros((3, 21)))
