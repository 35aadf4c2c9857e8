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


def applies(params, activation):
    """Whether the kernel can run an ESN with these params: sparse float64 weights, tanh, and
    a kernel built for this machine."""
    if activation != "tanh" or any(key not in params for key in _KEYS):
        return False
    if any(np.asarray(params[key]).dtype != np.float64 for key in _KEYS if key != "W_idx"):
        return False
    return sparse_esn_kernel() is not None


def run_sparse_esn(params, inputs, state, out=None, lengths=None):
    """Harvest the states of a sparse leaky-tanh ESN with the compiled kernel.

    Parameters
    ----------
    params : dict
        ``W_idx`` (k, N) int32, ``W_val`` (k, N), ``W_in`` (N, d), ``bias`` (N,) and
        ``leak_rate`` (scalar or (N,)), float64 (see :func:`applies`).
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
    >>> if applies(params, "tanh"):
    ...     feats, last = run_sparse_esn(params, np.ones((5, 1)), np.zeros(16))
    ...     assert feats.shape == (5, 16) and np.array_equal(feats[-1], last)
    """
    kernel = sparse_esn_kernel()
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
    # The kernel reads the gathered indices unchecked: an index out of range would read
    # outside the state.
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise ValueError(f"W_idx must index units 0..{n - 1}")
    weights = (idx.ctypes.data, val.ctypes.data, win_t.ctypes.data, bias.ctypes.data, leak.ctypes.data)
    if inputs.ndim == 2:
        T = inputs.shape[0]
        u = np.ascontiguousarray(inputs)
        final = np.array(state, dtype=np.float64).reshape(n)
        if out is None:
            out = np.empty((T, n))
        elif out.shape != (T, n) or out.dtype != np.float64 or out.strides[1] != 8:
            raise ValueError(f"out must be a float64 array of shape {(T, n)} with contiguous rows")
        _check(kernel(n, k, d, 1, T, *weights, u.ctypes.data, None, final.ctypes.data,
                      out.ctypes.data, 0, out.strides[0] // 8))
        return out, final
    B, T = inputs.shape[:2]
    lengths = np.full(B, T, dtype=np.int64) if lengths is None else np.asarray(lengths, dtype=np.int64)
    final = np.array(state, dtype=np.float64).reshape(B, n)
    if out is None:
        out = np.empty((B, T, n))
    elif out.shape != (B, T, n) or out.dtype != np.float64 or out.strides[2] != 8:
        raise ValueError(f"out must be a float64 array of shape {(B, T, n)} with contiguous rows")

    def run_group(start):
        # Sequences start .. start + GROUP - 1: inputs as (T, d, b), state as (N, b).
        stop = min(start + GROUP, B)
        u = np.ascontiguousarray(inputs[start:stop].transpose(1, 2, 0))
        group_state = np.ascontiguousarray(final[start:stop].T)
        part = out[start:stop]
        _check(kernel(n, k, d, stop - start, T, *weights, u.ctypes.data, lengths[start:stop].ctypes.data,
                      group_state.ctypes.data, part.ctypes.data, part.strides[0] // 8, part.strides[1] // 8))
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


def _check(status):
    if status != 0:
        raise MemoryError("the sparse ESN kernel could not allocate its scratch memory")
