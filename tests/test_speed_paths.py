"""The fast paths give the same numbers as the reference paths.

- long sequences run in chunks of ``RUN_CHUNK`` steps == one scan;
- batches run in the batch-last layout (state (N, B)) == each sequence run alone;
- ensembles run as one block-diagonal reservoir == each member run alone (and the vmap);
- float32 ESNs run in float32 and stay close to float64;
- compiled code is reused across calls of the same shapes and across hyperparameter values;
- streamed (chunked) fitting == fitting on the whole feature matrix.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import reservoir.estimator_base as estimator_base
import reservoir.esn as esn_module
import reservoir.runner as runner
from reservoir import ESN, ReservoirForecaster, ReservoirRegressor, Ridge
from reservoir.runner import run, run_closed_loop, run_ensemble, run_sequences

# -- long sequences in chunks ------------------------------------------------------------------


@pytest.mark.parametrize("n_steps", [65, 96, 100])
def test_chunked_run_equals_one_scan(monkeypatch, n_steps):
    # 65: one padded step in the last chunk; 96: whole chunks; 100: a partly padded last chunk.
    esn = ESN(n_units=40, in_degree=4, leak_rate=0.5, random_state=3)
    params = esn.initialize(2)
    inputs = np.random.default_rng(3).normal(size=(n_steps, 2))
    start = np.random.default_rng(4).uniform(-0.5, 0.5, 40)
    monkeypatch.setattr(runner, "RUN_CHUNK", 10**6)
    whole, whole_final = run(esn, params, inputs, state=start)
    monkeypatch.setattr(runner, "RUN_CHUNK", 16)
    chunked, chunked_final = run(esn, params, inputs, state=start)
    assert chunked.shape == (n_steps, 40) and chunked.dtype == np.float64
    np.testing.assert_array_equal(chunked, whole)
    np.testing.assert_array_equal(chunked_final, whole_final)


def test_chunked_run_keeps_float32():
    esn = ESN(n_units=20, dtype="float32", random_state=0)
    feats, final = run(esn, esn.initialize(1), np.ones((3 * runner.RUN_CHUNK + 5, 1)))
    assert feats.dtype == np.float32 and final.dtype == np.float32
    assert feats.shape == (3 * runner.RUN_CHUNK + 5, 20)


# -- batch-last batches ----------------------------------------------------------------------


@pytest.mark.parametrize("in_degree", [3, None])
def test_batch_last_equals_single_runs(in_degree):
    esn = ESN(n_units=60, in_degree=in_degree, leak_rate=0.4, random_state=0)
    params = esn.initialize(3)
    batch = np.random.default_rng(0).normal(size=(5, 90, 3))
    feats, finals = run(esn, params, batch)
    assert feats.shape == (5, 90, 60) and finals.shape == (5, 60)
    for b in range(5):
        alone, last = run(esn, params, batch[b])
        np.testing.assert_allclose(feats[b], alone, rtol=0, atol=1e-12)
        np.testing.assert_allclose(finals[b], last, rtol=0, atol=1e-12)


def test_batch_last_equals_vmap_reference():
    esn = ESN(n_units=50, in_degree=4, random_state=1)
    params = jax.tree.map(jnp.asarray, esn.initialize(2))
    batch = jnp.asarray(np.random.default_rng(1).normal(size=(4, 40, 2)))
    state = jnp.zeros((4, 50))
    keep = jnp.ones((4, 40), dtype=bool)
    reference = runner._compiled("run_batch", esn, runner._build_run_batch)(params, state, batch, keep)
    fast = runner._run_batch(esn, params, state, batch, keep)
    np.testing.assert_allclose(fast[1], np.asarray(reference[1]), rtol=0, atol=1e-12)
    np.testing.assert_allclose(np.asarray(fast[0]), np.asarray(reference[0]), rtol=0, atol=1e-12)


def test_batch_last_with_given_state_and_many_inputs():
    # more than 8 inputs takes the matrix product branch of input_product
    esn = ESN(n_units=30, in_degree=5, random_state=2)
    params = esn.initialize(12)
    rng = np.random.default_rng(2)
    batch, state = rng.normal(size=(3, 20, 12)), rng.normal(size=(3, 30)) * 0.1
    feats, _ = run(esn, params, batch, state)
    for b in range(3):
        np.testing.assert_allclose(feats[b], run(esn, params, batch[b], state[b])[0], rtol=0, atol=1e-12)


def test_ragged_sequences_with_masks_equal_single_runs():
    esn = ESN(n_units=40, in_degree=5, random_state=3)
    params = esn.initialize(1)
    rng = np.random.default_rng(3)
    sequences = [rng.normal(size=(n, 1)) for n in (33, 37, 40, 300)]  # 33..40 share a bucket
    feats, finals = run_sequences(esn, params, sequences)
    for seq, f, last in zip(sequences, feats, finals):
        alone, alone_last = run(esn, params, seq)
        np.testing.assert_allclose(f, alone, rtol=0, atol=1e-12)
        np.testing.assert_allclose(last, alone_last, rtol=0, atol=1e-12)


# -- block-diagonal ensembles ----------------------------------------------------------------


def test_block_diagonal_ensemble_equals_member_runs():
    esn = ESN(n_units=40, in_degree=4, random_state=0)
    members = [ESN(n_units=40, in_degree=4, leak_rate=a).initialize(2, random_state=s)
               for s, a in enumerate((0.2, 0.5, 1.0))]
    U = np.random.default_rng(4).normal(size=(70, 2))
    feats = run_ensemble(esn, members, U)
    assert feats.shape == (3, 70, 40)
    for m, params in enumerate(members):
        np.testing.assert_allclose(feats[m], run(esn, params, U)[0], rtol=0, atol=1e-12)


def test_block_diagonal_pads_members_of_different_in_degree():
    rng = np.random.default_rng(5)
    W1 = np.diag(np.full(12, 0.5)) + np.diag(np.full(11, 0.2), 1)  # in-degree 2 (sparse layout)
    W2 = np.diag(np.full(12, -0.4))  # in-degree 1
    W_in = rng.uniform(-1, 1, (12, 1))
    a, b = ESN.from_weights(W1, W_in), ESN.from_weights(W2, W_in)
    members = [a.initialize(1), b.initialize(1)]
    assert members[0]["W_idx"].shape[0] != members[1]["W_idx"].shape[0]
    U = rng.normal(size=(25, 1))
    feats = run_ensemble(a, members, U)
    np.testing.assert_allclose(feats[0], run(a, members[0], U)[0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(feats[1], run(b, members[1], U)[0], rtol=0, atol=1e-12)


@pytest.mark.parametrize("n_steps", [30, 70])
def test_large_ensemble_runs_member_by_member(monkeypatch, n_steps):
    # 70 steps with RUN_CHUNK 16: each member in chunks, written straight into the result.
    monkeypatch.setattr(esn_module, "BLOCK_DIAGONAL_UNITS", 50)
    monkeypatch.setattr(runner, "RUN_CHUNK", 16)
    esn = ESN(n_units=40, in_degree=4)
    members = [esn.initialize(2, random_state=s) for s in range(3)]
    U = np.random.default_rng(12).normal(size=(n_steps, 2))
    feats = run_ensemble(esn, members, U)
    assert feats.shape == (3, n_steps, 40)
    for m, params in enumerate(members):
        np.testing.assert_array_equal(feats[m], run(esn, params, U)[0])


@pytest.mark.parametrize("n_steps", [20, 70])
def test_run_writes_into_out(monkeypatch, n_steps):
    monkeypatch.setattr(runner, "RUN_CHUNK", 16)
    esn = ESN(n_units=30, in_degree=3, random_state=0)
    params = esn.initialize(1)
    U = np.random.default_rng(13).normal(size=(n_steps, 1))
    out = np.full((n_steps, 30), np.nan)
    feats, final = run(esn, params, U, out=out)
    assert feats is out
    reference, reference_final = run(esn, params, U)
    np.testing.assert_array_equal(out, reference)
    np.testing.assert_array_equal(final, reference_final)


def test_run_out_is_checked():
    esn = ESN(n_units=10, random_state=0)
    params = esn.initialize(1)
    with pytest.raises(ValueError, match="out must be"):
        run(esn, params, np.zeros((5, 1)), out=np.empty((5, 11)))
    with pytest.raises(ValueError, match="out must be"):
        run(esn, params, np.zeros((5, 1)), out=np.empty((5, 10), dtype=np.float32))
    with pytest.raises(ValueError, match="one sequence"):
        run(esn, params, np.zeros((2, 5, 1)), out=np.empty((5, 10)))


def test_dense_ensemble_falls_back_to_vmap():
    esn = ESN(n_units=20, in_degree=None)
    members = [esn.initialize(1, random_state=s) for s in range(2)]
    assert esn.block_diagonal(members) is None
    U = np.random.default_rng(6).normal(size=(15, 1))
    feats = run_ensemble(esn, members, U)
    np.testing.assert_allclose(feats[1], run(esn, members[1], U)[0], rtol=0, atol=1e-12)


# -- float32 -----------------------------------------------------------------------------------


def test_float32_runs_in_float32_close_to_float64():
    U = np.random.default_rng(7).normal(size=(200, 3))
    esn64 = ESN(n_units=100, random_state=0)
    esn32 = ESN(n_units=100, random_state=0, dtype="float32")
    p32 = esn32.initialize(3)
    assert p32["W_val"].dtype == np.float32 and p32["W_idx"].dtype == np.int32
    f32, last = run(esn32, p32, U)
    assert f32.dtype == np.float32 and last.dtype == np.float32
    f64, _ = run(esn64, esn64.initialize(3), U)
    np.testing.assert_allclose(f32, f64, rtol=0, atol=1e-4)
    batched, _ = run(esn32, p32, np.stack([U, U]))
    assert batched.dtype == np.float32
    np.testing.assert_allclose(batched[1], f32, rtol=0, atol=1e-6)


def test_float32_forecaster_fits_and_forecasts():
    t = np.arange(1500) * 0.05
    series = np.column_stack([np.sin(t), np.cos(t)])
    fc = ReservoirForecaster(ESN(n_units=100, random_state=0, dtype="float32")).fit(series[:1200])
    out = fc.forecast(50)
    assert out.dtype == np.float64 and np.abs(out - series[1200:1250]).max() < 0.05


def test_bad_dtype_is_a_value_error_naming_it():
    with pytest.raises(ValueError, match="dtype"):
        ESN(n_units=10, dtype="float16").initialize(1)
    with pytest.raises(ValueError, match="dtype"):
        ESN.from_weights(np.eye(2) * 0.5, np.ones((2, 1)), dtype="int8").initialize(1)


# -- compile cache -----------------------------------------------------------------------------


def test_compiled_code_is_reused_for_same_shapes_and_other_hyperparameters():
    U = np.random.default_rng(8).normal(size=(3000, 2))
    esn = ESN(n_units=37, in_degree=3, random_state=0)
    run(esn, esn.initialize(2), U)
    key = ("run", ESN, esn.static_config())
    fn = runner._COMPILED[key]
    size = fn._cache_size()
    n_entries = len(runner._COMPILED)
    # Same shapes, other numeric hyperparameters (they live in params): no new compilation.
    other = ESN(n_units=37, in_degree=3, leak_rate=0.3, spectral_radius=0.5, input_scaling=0.7, random_state=1)
    run(other, other.initialize(2), U + 1.0)
    assert runner._COMPILED[key] is fn and fn._cache_size() == size
    assert len(runner._COMPILED) == n_entries


# -- streamed fitting --------------------------------------------------------------------------


def lorenz_like(n, seed=0):
    from reservoir.chaos import trajectory

    return trajectory("Lorenz", n=n, pts_per_period=100, seed=seed)[1]


@pytest.mark.parametrize("chunk", [64, 1000])
def test_streamed_forecaster_equals_unchunked(monkeypatch, chunk):
    series = lorenz_like(3000)
    make = lambda: ReservoirForecaster(ESN(n_units=80, random_state=0), washout=50)  # noqa: E731
    monkeypatch.setattr(estimator_base, "STREAM_CHUNK", 10**9)
    whole = make().fit(series[:2500])
    calls = []
    original = estimator_base.run

    def counting_run(reservoir, params, inputs, state=None, out=None):
        calls.append(len(inputs))
        return original(reservoir, params, inputs, state, out=out)

    monkeypatch.setattr(estimator_base, "STREAM_CHUNK", chunk)
    monkeypatch.setattr(estimator_base, "run", counting_run)
    chunked = make().fit(series[:2500])
    assert calls and max(calls) <= chunk  # the whole series was never harvested at once
    np.testing.assert_allclose(chunked.state_, whole.state_, rtol=0, atol=1e-12)
    np.testing.assert_allclose(chunked.predict(series[2000:2500]), whole.predict(series[2000:2500]),
                               rtol=0, atol=1e-10)
    np.testing.assert_allclose(chunked.forecast(50), whole.forecast(50), rtol=0, atol=1e-8)


def test_streamed_forecaster_with_short_and_long_series(monkeypatch):
    series = lorenz_like(2000)
    # The short series (150, 120 steps) fall in different length buckets, so both fits run
    # them alone: the same states, and the comparison isolates the chunking.
    parts = [series[:150], series[150:1300], series[1300:1420], series[1420:]]
    make = lambda: ReservoirForecaster(ESN(n_units=60, random_state=1), washout=20)  # noqa: E731
    monkeypatch.setattr(estimator_base, "STREAM_CHUNK", 10**9)
    whole = make().fit(parts)
    monkeypatch.setattr(estimator_base, "STREAM_CHUNK", 200)
    chunked = make().fit(parts)
    np.testing.assert_array_equal(chunked.readout_.coef_, whole.readout_.coef_)
    np.testing.assert_allclose(chunked.state_, whole.state_, rtol=0, atol=1e-12)
    np.testing.assert_allclose(chunked.predict(parts[1]), whole.predict(parts[1]), rtol=0, atol=1e-10)


def test_streamed_regressor_equals_unchunked(monkeypatch):
    rng = np.random.default_rng(9)
    seqs = [rng.normal(size=(n, 2)) for n in (700, 90, 1200)]
    targets = [s[:, 0] * np.roll(s[:, 1], 1) for s in seqs]
    make = lambda: ReservoirRegressor(ESN(n_units=50, random_state=2), washout=10)  # noqa: E731
    monkeypatch.setattr(estimator_base, "STREAM_CHUNK", 10**9)
    whole = make().fit(seqs, targets)
    monkeypatch.setattr(estimator_base, "STREAM_CHUNK", 128)
    chunked = make().fit(seqs, targets)
    for s in seqs:
        np.testing.assert_allclose(chunked.predict(s), whole.predict(s), rtol=0, atol=1e-10)


def test_non_streaming_readouts_still_fit_on_the_whole_matrix():
    from sklearn.linear_model import Ridge as SkRidge

    series = lorenz_like(800)
    ours = ReservoirForecaster(ESN(n_units=40, random_state=0), Ridge(alpha=1e-3, solver="svd")).fit(series)
    theirs = ReservoirForecaster(ESN(n_units=40, random_state=0), SkRidge(alpha=1e-3)).fit(series)
    np.testing.assert_allclose(ours.predict(series[:200]), theirs.predict(series[:200]), rtol=0, atol=1e-6)


def test_ridge_fit_streamed_equals_fit():
    rng = np.random.default_rng(10)
    X, y = rng.normal(size=(10000, 6)), rng.normal(size=(10000, 2))
    streamed = Ridge(alpha=1e-3).fit_streamed((X[i:i + 700], y[i:i + 700]) for i in range(0, 10000, 700))
    whole = Ridge(alpha=1e-3).fit(X, y)
    # Both accumulate the rows in the same fixed blocks: the same numbers, bit for bit.
    np.testing.assert_array_equal(streamed.coef_, whole.coef_)
    np.testing.assert_array_equal(streamed.intercept_, whole.intercept_)
    with pytest.raises(ValueError, match="features"):
        Ridge().fit_streamed([(X[:10], y[:10]), (X[10:30, :3], y[10:30])])
    with pytest.raises(ValueError, match="chunks"):
        Ridge().fit_streamed([])
    # The SVD gathers the chunks (it needs the whole matrix): the same fit as on all rows.
    gathered = Ridge(solver="svd").fit_streamed([(X[:4000], y[:4000]), (X[4000:], y[4000:])])
    np.testing.assert_allclose(gathered.coef_, Ridge(solver="svd").fit(X, y).coef_, rtol=1e-12, atol=1e-15)
    with pytest.raises(ValueError, match="penalty_rows"):
        Ridge(solver="svd").fit_streamed([(X, y)], penalty_rows=np.eye(6))


def test_closed_loop_float32_matches_stepwise():
    esn = ESN(n_units=30, random_state=0, dtype="float32")
    params = esn.initialize(2)
    rng = np.random.default_rng(11)
    coef, intercept = rng.normal(size=(2, 32)) * 0.05, np.zeros(2)
    outputs, _ = run_closed_loop(esn, params, np.zeros(30, np.float32), np.zeros(2), coef, intercept,
                                 (False, True, False), 5)
    state, u = np.zeros(30, np.float32), np.zeros(2)
    for t in range(5):
        y = coef @ np.concatenate([u, state.astype(np.float64)]) + intercept
        state = run(esn, params, y[None], state)[1]
        np.testing.assert_allclose(outputs[t], y, rtol=0, atol=1e-6)
        u = y


def test_run_out_with_a_python_loop_reservoir():
    from quantum import QRNNReservoir

    qrnn = QRNNReservoir(cell="rnn", n_qubits=2, n_layers=1, backend="qiskit", random_state=0)
    params = qrnn.initialize(1)
    U = np.random.default_rng(14).normal(size=(4, 1))
    reference, _ = run(qrnn, params, U)
    out = np.empty_like(reference)
    feats, _ = run(qrnn, params, U, out=out)
    assert feats is out
    np.testing.assert_array_equal(out, reference)
