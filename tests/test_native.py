"""The compiled sparse ESN kernel (reservoir.kernels) against the jax scan it stands in for,
for each build target this machine runs (native, and on x86-64 also x86-64-v3 = AVX2 + FMA
and the plain x86-64 = SSE2 build), its argument checks and its build selection."""

import ctypes
import functools
import platform
import shutil
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pytest

from reservoir import ESN
from reservoir import esn as esn_module
from reservoir.kernels import applies, native, run_sparse_esn
from reservoir.kernels.native import sparse_esn_kernel, tanh_kernel
from reservoir.runner import run, run_ensemble, run_sequences

pytestmark = pytest.mark.skipif(sparse_esn_kernel() is None,
                                reason="no compiled kernel on this machine (no C compiler, or jax not on the CPU)")

X86 = platform.machine().lower() in ("x86_64", "amd64")
TARGETS = ["native"] + (["x86-64-v3", "x86-64"] if X86 else [])
TOLERANCE = 1e-12  # the kernel's contract: the jax scan's states to 1e-12


@pytest.fixture(params=TARGETS)
def march(request, monkeypatch):
    """Harvests within the test use the kernel built for this target."""
    monkeypatch.setenv(native.MARCH_VARIABLE, request.param)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if sparse_esn_kernel() is None:
            pytest.skip(f"this machine cannot build or run -march={request.param}")
    return request.param


def esn_params(n=100, d=3, k=10, seed=0, **kwargs):
    esn = ESN(n_units=n, in_degree=k, spectral_radius=0.9, leak_rate=0.3, random_state=seed, **kwargs)
    return esn, esn.initialize(d)


def jax_run(*args, **kwargs):
    with pytest.MonkeyPatch.context() as m:
        m.setenv("RESERVOIR_NATIVE", "0")
        return run(*args, **kwargs)


@functools.lru_cache(maxsize=None)
def one_sequence_case(n, k, d):
    esn, params = esn_params(n=n, d=d, k=k)
    U = np.random.default_rng(1).normal(size=(700, d))
    return esn, params, U, jax_run(esn, params, U)


def test_tanh_within_a_few_ulp_and_special_values(march):
    tanh = tanh_kernel()
    x = np.concatenate([np.linspace(-25, 25, 200_001), np.geomspace(1e-300, 2, 5000),
                        -np.geomspace(1e-300, 2, 5000), np.random.default_rng(0).normal(size=10_000)])
    ref = np.tanh(x)
    ulp = np.abs(tanh(x) - ref) / np.spacing(np.abs(ref))
    assert ulp.max() <= 4
    special = tanh(np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e308, -1e308]))
    np.testing.assert_array_equal(special[:4], [0.0, -0.0, 1.0, -1.0])
    assert not np.signbit(special[0]) and np.signbit(special[1]) and np.isnan(special[4])
    np.testing.assert_array_equal(special[5:], [1.0, -1.0])


@pytest.mark.parametrize("n, k, d", [(100, 10, 3), (37, 3, 1), (8, 1, 12), (1000, 10, 3)])
def test_one_sequence_matches_the_jax_scan(march, n, k, d):
    esn, params, U, (ref, ref_final) = one_sequence_case(n, k, d)
    assert applies(esn, params)
    feats, final = run(esn, params, U)
    np.testing.assert_allclose(feats, ref, rtol=0, atol=TOLERANCE)
    np.testing.assert_allclose(final, ref_final, rtol=0, atol=TOLERANCE)
    np.testing.assert_array_equal(feats[-1], final)


def test_chunks_carry_the_state_and_out_may_be_a_column_slice(march):
    esn, params = esn_params()
    U = np.random.default_rng(2).normal(size=(300, 3))
    whole, _ = run(esn, params, U)
    wide = np.full((300, 105), -7.0)
    first, state = run(esn, params, U[:120], out=wide[:120, 2:102])
    second, _ = run(esn, params, U[120:], state, out=wide[120:, 2:102])
    np.testing.assert_array_equal(wide[:, 2:102], whole)
    assert np.all(wide[:, :2] == -7.0) and np.all(wide[:, 102:] == -7.0)  # nothing else written


@functools.lru_cache(maxsize=None)
def batch_cases():
    """(esn, params, [(inputs, state, jax features, jax final)], [(sequence, jax features,
    jax final)]), computed once for all targets."""
    esn, params = esn_params(n=61)  # not a multiple of any vector width
    rng = np.random.default_rng(3)
    batches = []
    for B in (1, 5, 16, 19):
        U, state = rng.normal(size=(B, 50, 3)), rng.uniform(-0.5, 0.5, size=(B, 61))
        batches.append((U, state, *jax_run(esn, params, U, state)))
    sequences = [rng.normal(size=(n, 3)) for n in (40, 37, 33, 40, 5)]  # one bucket, ragged
    return esn, params, batches, [(seq, *jax_run(esn, params, seq)) for seq in sequences]


def test_batches_and_ragged_groups_match_the_jax_scan(march):
    esn, params, batches, sequences = batch_cases()
    for U, state, ref, ref_final in batches:
        given = state.copy()
        feats, final = run(esn, params, U, state)
        np.testing.assert_array_equal(state, given)  # the caller's state is not written to
        np.testing.assert_allclose(feats, ref, rtol=0, atol=TOLERANCE)
        np.testing.assert_allclose(final, ref_final, rtol=0, atol=TOLERANCE)
    feats, finals = run_sequences(esn, params, [seq for seq, _, _ in sequences])
    for (_, ref, ref_last), f, last in zip(sequences, feats, finals):
        np.testing.assert_allclose(f, ref, rtol=0, atol=TOLERANCE)
        np.testing.assert_allclose(last, ref_last, rtol=0, atol=TOLERANCE)  # padding kept the state


@pytest.mark.parametrize("block_diagonal_units", [4096, 0])
def test_ensembles_with_per_unit_leak_match(monkeypatch, block_diagonal_units):
    # 4096: one block-diagonal reservoir with a leak rate per unit; 0: members run on threads.
    monkeypatch.setattr(esn_module, "BLOCK_DIAGONAL_UNITS", block_diagonal_units)
    esn = ESN(n_units=50, in_degree=5, leak_rate=0.5, random_state=0)
    members = [esn.set_params(leak_rate=rate).initialize(2, random_state=s)
               for s, rate in enumerate((0.2, 0.6, 1.0, 0.3, 0.9))]
    U = np.random.default_rng(4).normal(size=(80, 2))
    feats = run_ensemble(esn, members, U)
    monkeypatch.setenv("RESERVOIR_NATIVE", "0")
    ref = run_ensemble(esn, members, U)
    np.testing.assert_allclose(feats, ref, rtol=0, atol=TOLERANCE)


def test_applies_decides_on_the_model_the_weights_and_the_machine(monkeypatch):
    esn, params = esn_params()
    assert applies(esn, params)
    assert not applies(esn.set_params(activation="relu"), params)
    assert not applies(*esn_params(dtype="float32"))
    dense = ESN(n_units=20, in_degree=None, random_state=0)
    assert not applies(dense, dense.initialize(1))
    assert not applies(esn_params()[0], params, out=np.zeros((3, 100), dtype=np.float32))
    relu = ESN(n_units=20, activation="relu", random_state=0)
    assert relu.run_native(relu.initialize(1), np.zeros((3, 1))) is None
    monkeypatch.setenv("RESERVOIR_NATIVE", "0")
    assert not applies(*esn_params())


def test_subclasses_with_their_own_step_keep_the_jax_scan():
    class Doubled(ESN):
        def step(self, params, state, u):
            return 2.0 * super().step(params, state, u)

    esn = Doubled(n_units=30, random_state=0)
    params = esn.initialize(2)
    assert not applies(esn, params) and esn.run_native(params, np.zeros((4, 2))) is None
    U = np.random.default_rng(5).normal(size=(4, 2))
    feats, _ = run(esn, params, U)
    plain, _ = run(ESN(n_units=30, random_state=0), params, U[:1])
    np.testing.assert_allclose(feats[0], 2.0 * plain[0], rtol=0, atol=1e-14)


def kernel_arguments(n=20, k=2, d=3, T=4, B=None):
    """Valid arguments of the checked kernel call: (idx, val, win_t, bias, leak, u, state, out)."""
    _, params = esn_params(n=n, d=d, k=k)
    rng = np.random.default_rng(6)
    weights = [np.ascontiguousarray(params["W_idx"], dtype=np.int32), np.asarray(params["W_val"]),
               np.ascontiguousarray(np.asarray(params["W_in"]).T), np.asarray(params["bias"]), np.full(n, 0.3)]
    if B is None:
        return weights + [rng.normal(size=(T, d)), np.zeros(n), np.empty((T, n))]
    return weights + [rng.normal(size=(T, d, B)), np.zeros((n, B)), np.empty((B, T, n))]


@pytest.mark.parametrize("position, bad, error, match", [
    (0, lambda a: a.astype(np.int64), TypeError, "idx"),
    (0, lambda a: a + 20, ValueError, "idx must index"),
    (1, lambda a: a.astype(np.float32), TypeError, "val"),
    (2, lambda a: a[:, :-1], ValueError, "win_t"),
    (4, lambda a: list(a), TypeError, "leak"),
    (5, lambda a: np.asfortranarray(a), ValueError, "u must be C-contiguous"),
    (6, lambda a: a[:-1], ValueError, "state"),
    (6, lambda a: np.broadcast_to(a, a.shape), ValueError, "state must be writable"),
    (7, lambda a: np.empty((a.shape[0], 2 * a.shape[1]))[:, ::2], ValueError, "out must have contiguous rows"),
    (7, lambda a: a[:-1], ValueError, "out"),
])
def test_a_wrong_argument_raises_before_the_call(position, bad, error, match):
    kernel = sparse_esn_kernel()
    args = kernel_arguments()
    kernel(*args)  # the valid call runs
    args[position] = bad(args[position])
    with pytest.raises(error, match=match):
        kernel(*args)


def test_batch_arguments_and_lengths_are_checked():
    kernel = sparse_esn_kernel()
    args = kernel_arguments(B=3)
    kernel(*args, lengths=np.array([4, 0, 2]))
    with pytest.raises(ValueError, match="lengths"):
        kernel(*args, lengths=np.array([5, 0, 2]))  # beyond T = 4
    with pytest.raises(TypeError, match="lengths"):
        kernel(*args, lengths=np.array([4, 0, 2], dtype=np.int32))
    with pytest.raises(ValueError, match="lengths applies to a batch"):
        kernel(*kernel_arguments(), lengths=np.array([4]))
    args[6] = np.zeros((20, 2))  # state for 2 sequences, inputs for 3
    with pytest.raises(ValueError, match="state"):
        kernel(*args)


def test_the_c_prototypes_are_declared():
    # Even past the Python checks, ctypes refuses a float32 array where the C code reads doubles.
    function = native._library(native.target()).sparse_esn_run
    idx, val, win_t, bias, leak, u, state, out = kernel_arguments()
    with pytest.raises(ctypes.ArgumentError):
        function(20, 2, 3, 1, 4, idx, val.astype(np.float32), win_t, bias, leak, u, None, state,
                 out.ctypes.data, 0, 20)
    assert function.restype is ctypes.c_int and len(function.argtypes) == 16


def test_run_sparse_esn_refuses_bad_inputs():
    _, params = esn_params(n=20, k=2)
    with pytest.raises(ValueError, match="idx"):
        run_sparse_esn({**params, "W_idx": params["W_idx"] + 20}, np.zeros((3, 3)), np.zeros(20))
    with pytest.raises(ValueError, match="features"):
        run_sparse_esn(params, np.zeros((3, 2)), np.zeros(20))
    with pytest.raises(ValueError, match="out"):
        run_sparse_esn(params, np.zeros((3, 3)), np.zeros(20), out=np.zeros((3, 21)))


def test_the_march_variable_selects_the_build_and_its_cache_entry(monkeypatch):
    monkeypatch.delenv(native.MARCH_VARIABLE, raising=False)
    assert native.target() == "native"
    monkeypatch.setenv(native.MARCH_VARIABLE, "x86-64-v3" if X86 else "armv8-a")
    assert native.target() in ("x86-64-v3", "armv8-a")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if sparse_esn_kernel() is not None:
            path = native._LOADED[native.target()][0]
            assert path == native.library_path() != native.library_path("native")
            assert native.target() in path.name
    monkeypatch.setenv(native.MARCH_VARIABLE, "x86-64 -O0")
    with pytest.raises(ValueError, match="RESERVOIR_NATIVE_MARCH"):
        native.target()


def test_a_target_that_cannot_be_built_warns_and_falls_back_to_jax(monkeypatch):
    monkeypatch.setenv(native.MARCH_VARIABLE, "no-such-cpu")
    esn, params = esn_params(n=30, k=3)
    with pytest.warns(RuntimeWarning, match="no-such-cpu"):
        assert sparse_esn_kernel() is None
    assert not applies(esn, params)
    U = np.random.default_rng(7).normal(size=(20, 3))
    np.testing.assert_array_equal(run(esn, params, U)[0], jax_run(esn, params, U)[0])


@pytest.mark.skipif(not X86 or shutil.which("objdump") is None, reason="x86-64 with objdump only")
def test_the_x86_64_v3_build_has_no_avx512_instruction():
    path = native.library_path("x86-64-v3")
    if path is None:
        pytest.skip("the compiler cannot target x86-64-v3")
    listing = subprocess.run(["objdump", "-d", str(path)], capture_output=True, text=True, check=True).stdout
    assert "zmm" not in listing and "ymm" in listing  # AVX2 registers, no AVX-512 ones


@pytest.mark.skipif(shutil.which("aarch64-linux-gnu-gcc") is None or shutil.which("qemu-aarch64") is None,
                    reason="needs an arm64 cross compiler and qemu-aarch64")
def test_the_arm64_build_matches_the_jax_scan_under_qemu(tmp_path):
    # The kernel and a small C driver built for arm64 (NEON, 2-double vectors, no gather) and
    # run by qemu on one sequence and a ragged batch.
    program = tmp_path / "kernel"
    flags = [flag for flag in native.FLAGS if flag not in ("-shared", "-fPIC")]  # a program, not a library
    subprocess.run(["aarch64-linux-gnu-gcc", *flags, "-march=armv8-a", str(native.SOURCE),
                    str(Path(__file__).with_name("native_driver.c")), "-o", str(program)], check=True)
    esn, params = esn_params(n=61)
    weights = [np.ascontiguousarray(params["W_idx"], dtype=np.int32), np.asarray(params["W_val"]),
               np.ascontiguousarray(np.asarray(params["W_in"]).T), np.asarray(params["bias"]), np.full(61, 0.3)]
    rng = np.random.default_rng(8)
    for lengths in (None, np.array([60, 25, 0, 60, 7])):
        B = 1 if lengths is None else len(lengths)
        U, state = rng.normal(size=(B, 60, 3)), rng.uniform(-0.5, 0.5, size=(B, 61))
        blob = np.array([61, 10, 3, B, 60], dtype=np.int64).tobytes() + b"".join(w.tobytes() for w in weights)
        blob += np.ascontiguousarray(U.transpose(1, 2, 0)).tobytes() + np.ascontiguousarray(state.T).tobytes()
        blob += b"" if lengths is None else lengths.astype(np.int64).tobytes()
        (tmp_path / "in").write_bytes(blob)
        sysroot = "/usr/aarch64-linux-gnu"
        subprocess.run(["qemu-aarch64", "-L", sysroot, str(program), str(tmp_path / "in"), str(tmp_path / "out")],
                       check=True)
        result = np.fromfile(tmp_path / "out")
        final, feats = result[:61 * B].reshape(61, B).T, result[61 * B:].reshape(B, 60, 61)
        for b in range(B):
            steps = 60 if lengths is None else lengths[b]
            ref, ref_final = jax_run(esn, params, U[b, :steps], state[b]) if steps else (np.empty((0, 61)), state[b])
            np.testing.assert_allclose(feats[b, :steps], ref, rtol=0, atol=TOLERANCE)
            np.testing.assert_allclose(feats[b, steps:], np.broadcast_to(ref_final, (60 - steps, 61)), rtol=0,
                                       atol=TOLERANCE)  # the padding keeps the state
            np.testing.assert_allclose(final[b], ref_final, rtol=0, atol=TOLERANCE)
