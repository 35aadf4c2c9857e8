"""Running any reservoir, written once from its ``step``: scan over time, vmap over sequences
and ensemble members, and the closed loop used for autonomous forecasting.

Compiled functions are cached per (reservoir class, ``static_config()``), so refitting with
other numeric hyperparameters (which live in ``params``) reuses the compiled code. jax compiles
once per input shape, so short sequences are padded to a few bucket lengths (and the padded
steps masked out of the state update): a ragged data set then costs a handful of
compilations, not one per length.

What a reservoir can do beyond ``step`` is declared on :class:`reservoir.base.Reservoir`,
each capability with a generic default that a family overrides with its faster way; this
module asks them and keeps only the scan, the vmap and the closed loop:

- ``python_loop`` (a step jax cannot trace, e.g. the qiskit and aer backends of the quantum
  reservoirs): ``run``, ``run_ensemble`` and ``step_features`` call the reservoir's own
  ``run_sequence``, and ``run_closed_loop`` refuses it (the forecaster steps it instead);
- ``run_native``: a compiled harvest in place of the scan (the sparse float64 tanh ESN, see
  :mod:`reservoir.kernels`), for one sequence, batches and ragged groups; the closed loop
  stays a jax scan;
- ``batch_last``: batches of sequences (3-D inputs, ``run_sequences``) run as one ``(N, B)``
  state, where a sparse gather reads a contiguous row of B values per presynaptic unit
  instead of the B scattered values of a vmap;
- ``run_members``: ensembles run the family's way (the ESN's block-diagonal reservoir)
  instead of a vmap over members.

Each gives the same states as the generic vmapped scan, to rounding
(``tests/test_speed_paths.py``, ``tests/test_native.py``). Sequences longer than
``2 * RUN_CHUNK`` steps run as a series of equal-shaped scans, each copied into the result
while the next computes. The precision follows the params: float32 params
(``ESN(dtype="float32")``) run in float32, with inputs rounded to it; everything else in
float64.

Nothing here is device specific: on a machine where JAX sees a GPU the same code runs there.
"""

import copy

import jax
import jax.numpy as jnp
import numpy as np

from . import _jax  # noqa: F401  (float64 on)
from .augment import augment

_COMPILED = {}


def _compiled(kind, reservoir, build):
    key = (kind, type(reservoir), reservoir.static_config())
    fn = _COMPILED.get(key)
    if fn is None:
        # A shallow copy: later set_params on the user's object cannot change compiled code.
        fn = build(copy.copy(reservoir))
        _COMPILED[key] = fn
    return fn


def _scan_features(res, params, state, inputs, keep):
    params = res.prepare(params)

    def body(s, u_keep):
        u, keep_step = u_keep
        new = res.step(params, s, u)
        # Padded steps (keep_step False) leave the state as it was.
        s = jax.tree.map(lambda a, b: jnp.where(keep_step, a, b), new, s)
        return s, res.features(params, s)

    return jax.lax.scan(body, state, (inputs, keep))


def _scan_batch_last(res, params, state, inputs, keep):
    """B sequences as one state with a trailing batch axis: ``state`` (B, N) is carried as
    (N, B), inputs (B, T, d) are scanned as (T, d, B), keep is (B, T). Features come out as
    (T, B, F), which is (B, T, F) after a free ``moveaxis`` in numpy (an XLA transpose of the
    (T, F, B) scan output would cost a pass over the largest array of the run)."""
    params = res.prepare(params)

    def body(s, u_keep):
        u, keep_step = u_keep
        new = res.step(params, s, u)
        s = jnp.where(keep_step[None, :], new, s)
        return s, res.features(params, s).T

    final, feats = jax.lax.scan(body, state.T, (jnp.transpose(inputs, (1, 2, 0)), keep.T))
    return final.T, feats


def _build_run(res):
    return jax.jit(lambda params, state, inputs, keep: _scan_features(res, params, state, inputs, keep))


def _build_run_batch(res):
    return jax.jit(jax.vmap(lambda params, state, inputs, keep: _scan_features(res, params, state, inputs, keep),
                            in_axes=(None, 0, 0, 0)))


def _build_run_batch_last(res):
    return jax.jit(lambda params, state, inputs, keep: _scan_batch_last(res, params, state, inputs, keep))


def _run_batch(reservoir, params, state, inputs, keep):
    """The compiled batched scan for (B, T, d) inputs: batch-last where the reservoir allows
    it, else vmap. Returns ``(final_state, features (B, T, F))``; params etc. are jax."""
    if reservoir.batch_last and isinstance(state, jax.Array):
        final, feats = _compiled("run_batch_last", reservoir, _build_run_batch_last)(params, state, inputs, keep)
        return final, np.moveaxis(np.asarray(feats), 0, 1)
    final, feats = _compiled("run_batch", reservoir, _build_run_batch)(params, state, inputs, keep)
    return final, np.asarray(feats)


#: A sequence longer than two chunks runs as a series of scans of ``RUN_CHUNK`` steps (the
#: last one padded and masked, so all have one shape), each copied into the numpy result.
#: XLA allocates a scan's output afresh, and a large one is then first touched page by page
#: as the steps are written, a cost comparable to the step itself at N = 1000; the chunks'
#: buffers are recycled instead, and the numpy result is allocated by numpy, which asks for
#: huge pages. Batches stay in one scan: copying their chunks into the (B, T, F) result did
#: not pay (``benchmarks/speed_suite.py`` measures both).
RUN_CHUNK = 512


def _run_single(fn, params, state, inputs, keep, n_steps, out=None):
    """``fn(params, state, inputs, keep)`` (the compiled scan) on one (T, d) sequence padded
    from ``n_steps`` real steps, in chunks when it is long; returns ``(final_state, features)``
    with features (n_steps, F) in numpy, written into ``out`` when given."""
    if len(inputs) <= 2 * RUN_CHUNK:
        final, feats = fn(params, state, inputs, keep)
        feats = np.asarray(feats)[:n_steps]
        if out is not None:
            out[...] = feats
            return final, out
        return final, feats
    previous = None
    for start in range(0, len(inputs), RUN_CHUNK):
        part, part_keep = inputs[start:start + RUN_CHUNK], keep[start:start + RUN_CHUNK]
        if len(part) < RUN_CHUNK:
            part = np.pad(part, ((0, RUN_CHUNK - len(part)), (0, 0)))
            part_keep = np.pad(part_keep, (0, RUN_CHUNK - len(part_keep)))
        # jax dispatches asynchronously: this chunk computes while the previous one is copied.
        state, feats = fn(params, state, part, part_keep)
        if previous is not None:
            out = _copy_chunk(out, *previous, n_steps)
        previous = (start, feats)
    return state, _copy_chunk(out, *previous, n_steps)


def _copy_chunk(out, start, feats, n_steps):
    feats = np.asarray(feats)
    if out is None:
        out = np.empty((n_steps,) + feats.shape[1:], dtype=feats.dtype)
    stop = min(start + len(feats), n_steps)
    if stop > start:
        out[start:stop] = feats[:stop - start]
    return out


def _build_run_ensemble(res):
    return jax.jit(jax.vmap(lambda params, state, inputs, keep: _scan_features(res, params, state, inputs, keep),
                            in_axes=(0, 0, None, None)))


def bucket_length(n_steps):
    """Length a sequence of ``n_steps`` is padded to: a multiple of 8, with four buckets per
    octave from 32 to 2048 steps (at most 25 % padding), and no padding from 2048 steps on,
    where compiling once per length is cheap next to running.

    Examples
    --------
    >>> [bucket_length(n) for n in (5, 37, 100, 1000, 5000)]
    [8, 40, 112, 1024, 5000]
    """
    if n_steps >= 2048:
        return n_steps
    quantum = max(8, 2 ** (int(np.log2(n_steps)) - 2)) if n_steps > 0 else 8
    return -(-n_steps // quantum) * quantum


def _padded(inputs):
    """Inputs padded along time to their bucket length, and the mask of real steps."""
    n_steps = inputs.shape[-2]
    length = bucket_length(n_steps)
    if length != n_steps:
        pad = [(0, 0)] * inputs.ndim
        pad[-2] = (0, length - n_steps)
        inputs = np.pad(inputs, pad)
    return inputs, np.arange(length) < n_steps


def _to_jax(tree):
    return jax.tree.map(jnp.asarray, tree)


def compute_dtype(params):
    """The float dtype a reservoir with these params runs in: float32 when every float array
    of ``params`` is float32 (``ESN(dtype="float32")``), else float64.

    Examples
    --------
    >>> compute_dtype({"W": np.ones(2, dtype=np.float32), "idx": np.ones(2, dtype=np.int32)})
    dtype('float32')
    """
    floats = [np.dtype(leaf.dtype) for leaf in jax.tree.leaves(params)
              if hasattr(leaf, "dtype") and np.issubdtype(leaf.dtype, np.floating)]
    if floats and all(dtype == np.float32 for dtype in floats):
        return np.dtype(np.float32)
    return np.dtype(np.float64)


def _to_numpy(tree):
    return jax.tree.map(np.asarray, tree)


def run(reservoir, params, inputs, state=None, out=None):
    """Drive ``reservoir`` with ``inputs``; return ``(features, final_state)`` as numpy.

    Parameters
    ----------
    reservoir : Reservoir
    params : dict of arrays
        From ``reservoir.initialize``.
    inputs : array of shape (T, d) or (B, T, d)
        One sequence, or B sequences of equal length run together (vmapped).
    state : pytree, optional
        Starting state (batched along axis 0 for 3-D inputs); default: the initial state.
    out : ndarray of shape (T, F), optional
        For 2-D inputs: an array the features are written into (and returned), instead of a
        new one; its dtype must be the run precision (float64, or float32 for float32 params).

    Returns
    -------
    features : ndarray of shape (T, F) or (B, T, F)
        ``features`` after each input step.
    final_state : pytree of ndarray

    Examples
    --------
    >>> import numpy as np
    >>> from reservoir import ESN
    >>> esn = ESN(n_units=20, random_state=0)
    >>> params = esn.initialize(1)
    >>> feats, last = run(esn, params, np.zeros((5, 1)))
    >>> feats.shape
    (5, 20)
    """
    if reservoir.python_loop:
        feats, final = reservoir.run_sequence(_to_numpy(params), np.asarray(inputs, dtype=np.float64),
                                              None if state is None else _to_numpy(state))
        feats = np.asarray(feats)
        if out is not None:
            _check_out(out, np.asarray(inputs), feats.shape[-1], feats.dtype)
            out[...] = feats
            feats = out
        return feats, _to_numpy(final)
    dtype = compute_dtype(params)
    # numpy until the compiled call: slicing and padding jax arrays would cost a dispatch each.
    inputs = np.asarray(inputs, dtype=dtype)
    if inputs.ndim not in (2, 3):
        raise ValueError(f"inputs must have shape (T, d) or (B, T, d); got {inputs.shape}")
    if out is not None:
        _check_out(out, inputs, reservoir.n_features(params), dtype)
    native = _run_native(reservoir, params, inputs, state, out)
    if native is not None:
        return native
    params = _to_jax(params)
    if state is None:
        state = reservoir.initial_states(params, inputs.shape[0]) if inputs.ndim == 3 else reservoir.initial_state(params)
    state = _to_jax(state)
    n_steps = inputs.shape[-2]
    padded, keep = _padded(inputs)
    if inputs.ndim == 2:
        final, feats = _run_single(_compiled("run", reservoir, _build_run), params, state, padded, keep,
                                   n_steps, out)
    else:
        keep = np.broadcast_to(keep, inputs.shape[:1] + keep.shape)
        final, feats = _run_batch(reservoir, params, state, padded, keep)
        feats = feats[:, :n_steps]
    return feats, _to_numpy(final)


def _run_native(reservoir, params, inputs, state, out=None, lengths=None):
    """The reservoir's compiled harvest (``Reservoir.run_native``) with numpy arguments, or
    None where it has none or it does not apply."""
    return reservoir.run_native(_to_numpy(params), inputs, None if state is None else _to_numpy(state), out, lengths)


def _check_out(out, inputs, n_features, dtype):
    if inputs.ndim != 2:
        raise ValueError("out is only supported for one sequence (2-D inputs)")
    expected = (inputs.shape[0], n_features)
    if not isinstance(out, np.ndarray) or out.shape != expected or out.dtype != dtype:
        raise ValueError(f"out must be a numpy array of shape {expected} and dtype {dtype}, got "
                         f"{getattr(out, 'shape', type(out).__name__)} {getattr(out, 'dtype', '')}")


def run_sequences(reservoir, params, sequences):
    """Drive the reservoir with each of a list of (T_i, d) sequences, from the initial state.

    Sequences whose lengths fall in the same bucket (:func:`bucket_length`) are padded to it
    and run together in one vmapped scan, each with its own mask, so a ragged data set costs
    few compilations and few calls. Returns ``(features, final_states)``, two lists in the
    order of ``sequences``.

    Examples
    --------
    >>> import numpy as np
    >>> from reservoir import ESN
    >>> esn = ESN(n_units=20, random_state=0)
    >>> feats, finals = run_sequences(esn, esn.initialize(1), [np.ones((5, 1)), np.ones((7, 1))])
    >>> [f.shape for f in feats]
    [(5, 20), (7, 20)]
    """
    features, finals = [None] * len(sequences), [None] * len(sequences)
    groups = {}
    for i, seq in enumerate(sequences):
        groups.setdefault(bucket_length(len(seq)), []).append(i)
    for length, members in groups.items():
        if len(members) == 1 or reservoir.python_loop:
            for i in members:
                features[i], finals[i] = run(reservoir, params, sequences[i])
            continue
        lengths = [len(sequences[i]) for i in members]
        batch = np.zeros((len(members), length, sequences[members[0]].shape[1]), dtype=compute_dtype(params))
        keep = np.zeros((len(members), length), dtype=bool)
        for j, i in enumerate(members):
            batch[j, : len(sequences[i])] = sequences[i]
            keep[j, : len(sequences[i])] = True
        native = _run_native(reservoir, params, batch, None, lengths=lengths)
        if native is not None:
            feats, final = native
        else:
            params_j = _to_jax(params)
            state = reservoir.initial_states(params_j, len(members))
            final, feats = _run_batch(reservoir, params_j, state, batch, keep)
            final = _to_numpy(final)
        for j, i in enumerate(members):
            features[i] = feats[j, : len(sequences[i])]
            finals[i] = jax.tree.map(lambda leaf, j=j: leaf[j], final)
    return features, finals


def stack_params(params_list):
    """Stack a list of same-shaped params (ensemble members) along a new axis 0."""
    return jax.tree.map(lambda *leaves: np.stack(leaves), *params_list)


def run_ensemble(reservoir, params_list, inputs):
    """Drive every ensemble member with the same ``inputs`` (T, d) in one vmapped scan.

    Returns features of shape (M, T, F) for M members. A reservoir with a faster way to run
    its members (``Reservoir.run_members``, e.g. the sparse ESN's block-diagonal reservoir)
    runs them that way (same states).

    Examples
    --------
    >>> import numpy as np
    >>> from reservoir import ESN
    >>> esn = ESN(n_units=20)
    >>> members = [esn.initialize(1, random_state=seed) for seed in range(3)]
    >>> run_ensemble(esn, members, np.zeros((5, 1))).shape
    (3, 5, 20)
    """
    if reservoir.python_loop:
        return np.stack([run(reservoir, params, inputs)[0] for params in params_list])
    feats = reservoir.run_members(params_list, inputs)
    if feats is not None:
        return feats
    stacked = _to_jax(stack_params(params_list))
    states = jax.vmap(reservoir.initial_state)(stacked)
    inputs = np.asarray(inputs, dtype=compute_dtype(stacked))
    n_steps = inputs.shape[0]
    padded, keep = _padded(inputs)
    _, feats = _compiled("run_ensemble", reservoir, _build_run_ensemble)(stacked, states, padded, keep)
    return np.asarray(feats)[:, :n_steps]


def _build_closed_loop(res):
    def loop(params, state, history, coef, intercept, augmentation, lags, n_steps, increment):
        params = res.prepare(params)
        dtype = compute_dtype(params)
        taps = jnp.asarray(lags)

        def body(carry, _):
            s, past = carry
            # The readout runs in float64 whatever the reservoir's precision; its output is
            # rounded to that precision only to drive the reservoir.
            z = augment(res.features(params, s).astype(coef.dtype), past[taps].reshape(-1), *augmentation)
            y = coef @ z + intercept
            if increment:
                y = y + past[0]
            past = jnp.concatenate([y[None], past[:-1]])
            s = res.step(params, s, past[taps].reshape(-1).astype(dtype))
            return (s, past), y

        (state, _), outputs = jax.lax.scan(body, (state, history), None, length=n_steps)
        return outputs, state

    return jax.jit(loop, static_argnames=("augmentation", "lags", "n_steps", "increment"))


def run_closed_loop(reservoir, params, state, last_input, coef, intercept, augmentation, n_steps, lags=(0,),
                    increment=False):
    """Autonomous generation: the linear readout's output is fed back as the next input.

    From ``state`` (reached after ``last_input``), each step computes
    ``y = coef @ augment(features(state), u) + intercept``, emits ``y`` and drives the
    reservoir with it. ``augmentation`` is the ``(bias, input_concat, squared)`` tuple.

    With delayed inputs (``lags``, e.g. ``(0, 5, 10)``: the reservoir is driven by
    ``[u_t, u_{t-5}, u_{t-10}]``), ``last_input`` is the history of the last ``max(lags) + 1``
    outputs, most recent first, shape (max(lags) + 1, d), and ``u`` above is the
    concatenation of its rows ``lags``.

    With ``increment`` the readout gives the step, not the point: ``y = u_t + coef @ z +
    intercept`` (the next-generation reservoirs' target).

    Returns ``(outputs of shape (n_steps, d), final_state)`` as numpy.
    """
    if reservoir.python_loop:
        raise TypeError(f"{type(reservoir).__name__} runs a Python loop (python_loop=True) and cannot "
                        "run a compiled closed loop; step it with step_features instead")
    lags = tuple(int(lag) for lag in lags)
    history = jnp.asarray(last_input, dtype=jnp.float64)
    if lags == (0,) and history.ndim == 1:
        history = history[None]
    if history.ndim != 2 or len(history) != max(lags) + 1:
        raise ValueError(f"last_input must have shape ({max(lags) + 1}, d) for lags {lags}, got {history.shape}")
    fn = _compiled("closed_loop", reservoir, _build_closed_loop)
    outputs, final = fn(_to_jax(params), _to_jax(state), history, jnp.asarray(coef), jnp.asarray(intercept),
                        tuple(augmentation), lags, int(n_steps), bool(increment))
    return np.asarray(outputs), _to_numpy(final)


def _build_step(res):
    def one(params, state, u):
        state = res.step(params, state, u)
        return state, res.features(params, state)

    return jax.jit(one)


def step_features(reservoir, params, state, u):
    """One compiled step; returns ``(new_state, features)`` as numpy."""
    if reservoir.python_loop:
        feats, state = run(reservoir, params, np.asarray(u, dtype=np.float64)[None], state)
        return state, feats[-1]
    params = _to_jax(params)
    state, feats = _compiled("step", reservoir, _build_step)(params, _to_jax(state),
                                                             jnp.asarray(u, dtype=compute_dtype(params)))
    return _to_numpy(state), np.asarray(feats)
