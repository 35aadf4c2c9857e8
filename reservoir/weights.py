"""Recurrent weight matrices: fixed in-degree sparse draws, spectral radius, a fast layout.

Recurrent matrices are kept in a padded row layout (ELLPACK): for every unit ``i`` the
indices and values of its ``k`` presynaptic units, stored column-major as arrays of shape
``(k, N)``. One step then costs ``k`` gathers of length ``N`` (O(N·k)), which XLA on the CPU
runs several times faster than a general sparse product or a single ``(N, k)`` gather.
"""

import hashlib

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla


def fixed_in_degree(n_units, in_degree, rng):
    """Random sparse matrix with exactly ``in_degree`` nonzeros per row, N(0, 1) values.

    Returns ``(indices, values)`` in the ``(k, N)`` layout; column ``i`` lists the
    presynaptic units of unit ``i``, without repeats.

    Examples
    --------
    >>> idx, val = fixed_in_degree(100, 10, np.random.default_rng(0))
    >>> idx.shape, val.shape
    ((10, 100), (10, 100))
    """
    if in_degree > n_units:
        raise ValueError(f"in_degree ({in_degree}) cannot exceed n_units ({n_units})")
    if n_units <= 4000:
        # argpartition of a random matrix: k distinct columns per row, vectorised.
        indices = np.argpartition(rng.random((n_units, n_units)), in_degree - 1, axis=1)[:, :in_degree]
    else:
        indices = np.stack([rng.choice(n_units, in_degree, replace=False) for _ in range(n_units)])
    indices = np.sort(indices, axis=1)
    values = rng.standard_normal((n_units, in_degree))
    return np.ascontiguousarray(indices.T, dtype=np.int32), np.ascontiguousarray(values.T)


def to_scipy(indices, values, n_units):
    """The ``(k, N)`` layout as a scipy CSR matrix (row = postsynaptic unit)."""
    k = indices.shape[0]
    rows = np.repeat(np.arange(n_units), k)
    return sp.csr_matrix((values.T.ravel(), (rows, indices.T.ravel())), shape=(n_units, n_units))


def from_matrix(W):
    """Convert a dense or scipy sparse square matrix to the ``(k, N)`` layout.

    Rows with fewer than the largest in-degree are padded with zero weights (pointing at
    unit 0), which leaves the product unchanged.

    Examples
    --------
    >>> idx, val = from_matrix(np.array([[0., 2.], [3., 0.]]))
    >>> to_scipy(idx, val, 2).toarray().tolist()
    [[0.0, 2.0], [3.0, 0.0]]
    """
    W = sp.csr_matrix(W, dtype=np.float64)
    W.eliminate_zeros()
    n = W.shape[0]
    counts = np.diff(W.indptr)
    k = max(int(counts.max()) if n else 0, 1)
    indices = np.zeros((n, k), dtype=np.int32)
    values = np.zeros((n, k))
    for i in range(n):
        start, stop = W.indptr[i], W.indptr[i + 1]
        indices[i, : stop - start] = W.indices[start:stop]
        values[i, : stop - start] = W.data[start:stop]
    return np.ascontiguousarray(indices.T), np.ascontiguousarray(values.T)


def spectral_radius(W):
    """Largest eigenvalue modulus of a square matrix (dense or scipy sparse).

    Uses ARPACK for large sparse matrices, with a fixed start vector (ARPACK's default is
    random, which made the scaled weights differ between processes) and several Ritz values
    (with one, ARPACK can settle on an eigenvalue near, but not at, the edge of the spectrum);
    it falls back to a dense solve when it does not converge.

    Examples
    --------
    >>> round(spectral_radius(np.diag([0.5, -2.0, 1.0])), 6)
    2.0
    """
    key = _matrix_key(W)
    radius = _RADIUS_CACHE.get(key)
    if radius is None:
        radius = _spectral_radius(W)
        if len(_RADIUS_CACHE) >= _RADIUS_CACHE_SIZE:
            _RADIUS_CACHE.pop(next(iter(_RADIUS_CACHE)))
        _RADIUS_CACHE[key] = radius
    return radius


# Tuning refits the same unscaled draw with many spectral radii; the eigenvalue solve
# (a dense eigenproblem for a few hundred units) would dominate each refit, so radii are
# remembered by the matrix's content (hashing the values is far cheaper than the solve).
_RADIUS_CACHE = {}
_RADIUS_CACHE_SIZE = 64


def _matrix_key(W):
    if sp.issparse(W):
        W = W.tocsr()
        parts = (W.indptr, W.indices, W.data)
    else:
        parts = (np.asarray(W, dtype=np.float64),)
    digest = hashlib.sha1(str((W.shape, sp.issparse(W))).encode())
    for part in parts:
        digest.update(np.ascontiguousarray(part).tobytes())
    return digest.hexdigest()


def _spectral_radius(W):
    n = W.shape[0]
    if n <= 600 or not sp.issparse(W):
        dense = W.toarray() if sp.issparse(W) else np.asarray(W, dtype=np.float64)
        return float(np.max(np.abs(np.linalg.eigvals(dense))))
    try:
        eig = spla.eigs(W, k=6, ncv=min(n - 1, 40), which="LM", return_eigenvectors=False, tol=1e-10,
                        maxiter=20 * n, v0=np.ones(n))
        return float(np.max(np.abs(eig)))
    except spla.ArpackNoConvergence:
        return float(np.max(np.abs(np.linalg.eigvals(W.toarray()))))
