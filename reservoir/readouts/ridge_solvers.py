"""The numerical solves of :class:`~reservoir.readouts.Ridge` from its (centred) statistics.

Each solves ``(XᵀX + alpha I) coef = XᵀY`` for the centred Gram matrix ``gram = XᵀX`` and
cross products ``cross = XᵀY`` (one column per target, or a vector), or from the centred
data itself (:func:`svd_solve`); the estimator chooses among them (its ``solver``).
"""

import numpy as np
import scipy.linalg

__all__ = ["check_penalty_rows", "cholesky_solve", "eigh_solve", "svd_solve"]


def cholesky_solve(gram, cross, alpha):
    """Solve ``(gram + alpha I) coef = cross`` by Cholesky, overwriting ``gram``.

    LAPACK is called directly (potrf, pocon, potrs): ``scipy.linalg.solve(...,
    assume_a="pos")`` does the same plus input copies and finite checks, which cost more
    than the factorisation at a thousand features. Raises ``np.linalg.LinAlgError`` when
    the matrix is not positive definite or its reciprocal condition number is below machine
    precision (the solution would be noise).

    Examples
    --------
    >>> cholesky_solve(np.array([[2.0, 0.0], [0.0, 4.0]]), np.array([2.0, 4.0]), 0.0).round(12).tolist()
    [1.0, 1.0]
    """
    n = len(gram)
    gram.flat[::n + 1] += alpha
    norm = np.abs(gram).sum(axis=0).max()  # the 1-norm, which pocon needs
    factor, info = scipy.linalg.lapack.dpotrf(gram, lower=False, clean=False, overwrite_a=True)
    if info != 0:
        raise np.linalg.LinAlgError(f"the regularised Gram matrix is not positive definite (potrf info {info})")
    rcond, info = scipy.linalg.lapack.dpocon(factor, norm)
    if info != 0 or not rcond >= np.finfo(float).eps:
        raise np.linalg.LinAlgError(f"the regularised Gram matrix is ill-conditioned (rcond {rcond:.2e})")
    coef, info = scipy.linalg.lapack.dpotrs(factor, cross)
    if info != 0:
        raise np.linalg.LinAlgError(f"potrs failed (info {info})")
    return coef


def eigh_solve(gram, cross, alpha):
    """Solve ``(gram + alpha I) coef = cross`` by diagonalising ``gram`` (robust when it is
    singular or nearly so).

    Directions with (numerically) no variance and no regularisation are dropped: the
    minimum-norm solution, as ``lstsq`` gives.

    Examples
    --------
    >>> eigh_solve(np.array([[1.0, 0.0], [0.0, 0.0]]), np.array([3.0, 0.0]), 0.0).tolist()
    [3.0, 0.0]
    """
    eigval, eigvec = np.linalg.eigh(gram)
    eigval = np.clip(eigval, 0.0, None)
    denom = eigval + alpha
    keep = denom > np.finfo(float).eps * max(eigval.max(initial=0.0), 1e-300) * len(eigval)
    inv = np.where(keep, 1.0 / np.where(keep, denom, 1.0), 0.0)
    cross2d = cross.reshape(len(cross), -1)
    return (eigvec @ (inv[:, None] * (eigvec.T @ cross2d))).reshape(cross.shape)


def svd_solve(Xc, yc, alpha):
    """The ridge coefficients ``(n_features,) + yc.shape[1:]`` of centred data ``Xc``,
    ``yc`` from the SVD of ``Xc`` (singular values below the rounding cut-off of ``lstsq``
    dropped).

    Examples
    --------
    >>> X = np.array([[1.0], [-1.0]])
    >>> svd_solve(X, 2 * X[:, 0], 0.0).round(12).tolist()
    [2.0]
    """
    U, s, Vt = scipy.linalg.svd(Xc, full_matrices=False, lapack_driver="gesdd")
    cutoff = np.finfo(float).eps * max(Xc.shape) * (s[0] if len(s) else 0.0)
    shrink = np.where(s > cutoff, s / (s * s + alpha), 0.0)
    coef = Vt.T @ (shrink[:, None] * (U.T @ yc.reshape(len(yc), -1)))
    return coef.reshape((Xc.shape[1],) + yc.shape[1:])


def check_penalty_rows(rows, n_features):
    """``rows`` as a finite float64 array of shape (m, n_features), or a ValueError naming it."""
    rows = np.asarray(rows, dtype=np.float64)
    if rows.ndim != 2 or rows.shape[1] != n_features:
        raise ValueError(f"penalty_rows must have shape (m, {n_features}) (one column per feature), "
                         f"got {rows.shape}")
    if not np.all(np.isfinite(rows)):
        raise ValueError("penalty_rows contains NaN or infinite values")
    return rows
