"""Products of the rate reservoirs' weight layouts, written for the jax scan.

A sparse recurrent matrix with a fixed in-degree ``k`` is stored as ``W_idx`` (k, N) integer
indices and ``W_val`` (k, N) values: unit ``i`` sums ``W_val[j, i] * x[W_idx[j, i]]`` over
its ``k`` presynaptic slots, one step costing O(N·k). The ESN, the E/I reservoir, the LSM
and their variants share these products; :func:`block_diagonal` packs several such matrices
into one (ensemble members run as one reservoir).
"""

import jax
import jax.numpy as jnp
import numpy as np


def recurrent_product(params, state):
    """``W @ state`` for ``W`` in the ``(k, N)`` padded layout, or dense.

    ``state`` is ``(N,)`` or ``(N, B)`` (batch-last: gathering unit ``i`` then reads one
    contiguous row of B values).

    Examples
    --------
    >>> params = {"W_idx": np.array([[1, 0]]), "W_val": np.array([[2.0, 3.0]])}
    >>> recurrent_product(params, jnp.array([1.0, 10.0])).tolist()
    [20.0, 3.0]
    """
    if "W_idx" not in params:
        return params["W"] @ state
    indices, values = params["W_idx"], params["W_val"]
    # k separate gathers of N (not one (k, N) gather): XLA on the CPU fuses them with the
    # sums and the activation into one loop.
    total = column(values[0], state) * state.at[indices[0]].get(mode="promise_in_bounds")
    for j in range(1, indices.shape[0]):
        total = total + column(values[j], state) * state.at[indices[j]].get(mode="promise_in_bounds")
    return total


def input_product(W_in, u, W_in_T=None):
    """``W_in @ u`` for ``u`` of shape (d,) or (d, B).

    For a few inputs it is written as a sum of contiguous rows of ``W_in.T`` (pass
    ``W_in_T``, prepared once per run as ``LeakyRateReservoir.prepare`` does), which XLA
    fuses into the step's single loop, where a matrix-vector kernel call or strided columns
    of ``W_in`` would be separate passes. (Projecting all time steps at once, ``U @ W_in.T``
    before the scan, adds a (T, N) array that each step must read back;
    ``benchmarks/speed_suite.py`` compares the two.)

    Examples
    --------
    >>> input_product(jnp.array([[1.0, 2.0], [3.0, 4.0]]), jnp.array([1.0, 1.0])).tolist()
    [3.0, 7.0]
    """
    if W_in.shape[1] > 8 or jnp.ndim(u) == 2:
        # A batch (d, B) is one small matrix product: broadcast rows were slower there.
        return W_in @ u
    rows = W_in.T if W_in_T is None else W_in_T
    total = rows[0] * u[0]
    for i in range(1, W_in.shape[1]):
        total = total + rows[i] * u[i]
    return total


def column(vector, like):
    """``vector`` (N,) as a column (N, 1) when ``like`` has a trailing batch axis."""
    if jnp.ndim(like) == 2 and jnp.ndim(vector) == 1:
        return vector[:, None]
    return vector


def dense_matrix(params, product):
    """The dense (N, N) matrix of ``product(params, x)`` (linear in ``x``), from the unit
    vectors; N is the length of ``params["bias"]``.

    Examples
    --------
    >>> params = {"W_idx": np.array([[1, 0]]), "W_val": np.array([[2.0, 3.0]]), "bias": np.zeros(2)}
    >>> dense_matrix(params, recurrent_product).tolist()
    [[0.0, 2.0], [3.0, 0.0]]
    """
    n = int(np.shape(params["bias"])[0])
    jparams = {k: jnp.asarray(v) for k, v in params.items()}
    return np.asarray(jax.vmap(lambda e: product(jparams, e))(jnp.eye(n, dtype=jnp.float64))).T


def block_diagonal(params_list):
    """Sparse params of M same-shaped members as one reservoir with a block-diagonal ``W``
    (M·N units), or None when a member's ``W`` is dense.

    Member ``m``'s units are ``m·N ... (m+1)·N - 1`` of the combined state, and driving it
    with an input gives every member's states at once: one gather per in-degree slot over
    all M·N units, where ``vmap`` over members makes a gather per member. A block-diagonal
    dense ``W`` would cost M times more per step, hence None. Members of a smaller in-degree
    are padded with zero-weight slots.

    Examples
    --------
    >>> member = {"W_idx": np.zeros((1, 2), dtype=np.int32), "W_val": np.ones((1, 2)),
    ...           "W_in": np.ones((2, 1)), "bias": np.zeros(2), "leak_rate": np.array(1.0)}
    >>> block_diagonal([member, member])["W_idx"].tolist()
    [[0, 0, 2, 2]]
    """
    if any("W_idx" not in p for p in params_list):
        return None
    n = params_list[0]["bias"].shape[0]
    if any(p["bias"].shape[0] != n or p["W_in"].shape != params_list[0]["W_in"].shape for p in params_list):
        raise ValueError("params_list: every ensemble member must have the same shapes")
    k = max(p["W_idx"].shape[0] for p in params_list)
    idx = np.zeros((k, n * len(params_list)), dtype=np.int32)
    val = np.zeros((k, n * len(params_list)), dtype=np.asarray(params_list[0]["W_val"]).dtype)
    for m, p in enumerate(params_list):
        km = p["W_idx"].shape[0]
        idx[:km, m * n:(m + 1) * n] = np.asarray(p["W_idx"]) + m * n
        idx[km:, m * n:(m + 1) * n] = m * n
        val[:km, m * n:(m + 1) * n] = np.asarray(p["W_val"])
    leak = np.concatenate([np.broadcast_to(np.asarray(p["leak_rate"]), (n,)) for p in params_list])
    return {"W_idx": idx, "W_val": val,
            "W_in": np.concatenate([np.asarray(p["W_in"]) for p in params_list]),
            "bias": np.concatenate([np.asarray(p["bias"]) for p in params_list]),
            "leak_rate": leak}
