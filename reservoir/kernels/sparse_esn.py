"""The sparse ESN harvest through the compiled kernel (``sparse_esn.c``)."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .native import available_cores, sparse_esn_kernel

#: Sequences of a batch run together by one kernel call (one 8-lane vector each step); a
#: batch of more than GROUP sequences is split into groups run on separate cores.
GROUP = 8
#: Threads for the groups of a batch at most (None: one per available core).
MAX_WORKERS = None

_KEYS = ("W_idx", "W_val", "W_in", "bias", "leak_rate")
#: What the kernel computes in place of the jax step: a subclass of ESN that overrides one of
#: these runs its own step in the jax scan.
_STEP_METHODS = ("step", "recurrent", "features", "prepare", "initial_state")


def applies(reservoir, params, out=None):
    """Whether the compiled kernel harvests ``reservoir`` with ``params``: the one place
    that decides it.

    True when all hold:

    - the machine: a kernel was built and loads for the current target
      (:func:`reservoir.kernels.native.sparse_esn_kernel`: ``RESERVOIR_NATIVE`` not "0", jax
      on the CPU, a C compiler, a CPU that runs the ``RESERVOIR_NATIVE_MARCH`` target);
    - the model: an :class:`~reservoir.ESN` whose step is ESN's own (no subclass override of
      ``step``, ``recurrent``, ``features``, ``prepare`` or ``initial_state``), with tanh;
    - the weights: sparse (``W_idx``/``W_val``), all float64;
    - ``out``, if given: float64 with contiguous rows.

    Examples
    --------
    >>> from reservoir import ESN
    >>> esn = ESN(n_units=16, activation="relu", random_state=0)
    >>> applies(esn, esn.initialize(1))
    False
    """
    from ..esn import ESN  # here, not at the top: reservoir.esn imports this module

    if not isinstance(reservoir, ESN) or reservoir.activation != "tanh":
        return False
    if any(getattr(type(reservoir), name) is not getattr(ESN, name) for name in _STEP_METHODS):
        return False
    if any(key not in params for key in _KEYS):
        return False
    if any(np.asarray(params[key]).dtype != np.float64 for key in _KEYS if key != "W_idx"):
        return False
    if out is not None and (out.dtype != np.float64 or out.strides[-1] != out.itemsize):
        return False
    return sparse_esn_kernel() is not None


def run_sparse_esn(params, inputs, state, out=None, lengths=None):
    """Harvest the states of a sparse leaky-tanh ESN with the compiled kernel.

    Parameters
    ----------
    params : dict
        ``W_idx`` (k, N) int32, ``W_val`` (k, N), ``W_in`` (N, d), ``bias`` (N,) and
        ``leak_rate`` (scalar or (N,)), float64 (see :func:`applies`, which the caller
        asks first).
    inputs : ndarray of shape (T, d) or (B, T, d)
    state : ndarray of shape (N,) or (B, N)
        The state before the first input.
    out : ndarray of shape (T, N) or (B, T, N), optional
        Where the states go (contiguous rows of N, any row stride: e.g. a column slice of a
        wider array); default a new array.
    lengths : sequence of int, optional
        Batches only: real steps of each sequence; later steps keep the state (padding).

    Returns
    -------
    features : ndarray of shape (T, N) or (B, T, N)
    final_state : ndarray of shape (N,) or (B, N)

    Examples
    --------
    >>> from reservoir import ESN
    >>> esn = ESN(n_units=16, random_state=0)
    >>> params = esn.initialize(1)
    >>> if applies(esn, params):
    ...     feats, last = run_sparse_esn(params, np.ones((5, 1)), np.zeros(16))
    ...     assert feats.shape == (5, 16) and np.array_equal(feats[-1], last)
    """
    kernel = sparse_esn_kernel()
    if kernel is None:
        raise RuntimeError("no compiled kernel on this machine (see reservoir.kernels.applies)")
    idx = np.ascontiguousarray(params["W_idx"], dtype=np.int32)
    val = np.ascontiguousarray(params["W_val"], dtype=np.float64)
    k, n = idx.shape
    win_t = np.ascontiguousarray(np.asarray(params["W_in"], dtype=np.float64).T)
    bias = np.ascontiguousarray(params["bias"], dtype=np.float64)
    leak = np.ascontiguousarray(np.broadcast_to(np.asarray(params["leak_rate"], dtype=np.float64), (n,)))
    inputs = np.asarray(inputs, dtype=np.float64)
    d = win_t.shape[0]
    if inputs.shape[-1] != d:
        raise ValueError(f"inputs have {inputs.shape[-1]} features, W_in expects {d}")
    weights = (idx, val, win_t, bias, leak)
    if inputs.ndim == 2:
        final = np.array(state, dtype=np.float64).reshape(n)
        out = np.empty((len(inputs), n)) if out is None else out
        kernel(*weights, np.ascontiguousarray(inputs), final, out)
        return out, final
    B, T = inputs.shape[:2]
    lengths = None if lengths is None else np.ascontiguousarray(lengths, dtype=np.int64)
    final = np.array(state, dtype=np.float64).reshape(B, n)
    out = np.empty((B, T, n)) if out is None else out
    if out.shape != (B, T, n):
        raise ValueError(f"out must have shape {(B, T, n)}, got {out.shape}")

    def run_group(start):
        # Sequences start .. start + GROUP - 1: inputs as (T, d, b), state as (N, b).
        stop = min(start + GROUP, B)
        group_state = np.ascontiguousarray(final[start:stop].T)
        kernel(*weights, np.ascontiguousarray(inputs[start:stop].transpose(1, 2, 0)), group_state,
               out[start:stop], None if lengths is None else lengths[start:stop])
        final[start:stop] = group_state.T

    starts = range(0, B, GROUP)
    workers = min(len(starts), MAX_WORKERS or available_cores())
    if workers > 1:
        # The groups are independent over the whole run, and ctypes releases the GIL: one
        # thread per core, no synchronisation until the end.
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(run_group, starts))
    else:
        for start in starts:
            run_group(start)
    return out, final

