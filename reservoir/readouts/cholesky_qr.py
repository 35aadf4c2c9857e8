r"""The accurate ridge solve: a two-pass shifted Cholesky-QR of the feature matrix.

Solving the normal equations :math:`(X^\top X + \alpha I) w = X^\top y` squares the
condition number of the features. Reservoir features of smooth, noiseless data are nearly
rank-deficient: on Lorenz-63 (N = 1000 with squared states, 10,000 rows) half of the 2004
singular values lie below 1e-10 of the largest, yet the directions between 1e-12 and 1e-8
carry the information a long closed-loop forecast needs. The Gram matrix cannot resolve
anything below about 1e-8 (its rounding error is eps times its largest eigenvalue), so no
choice of ``alpha`` lets a Cholesky solve reach them, while a QR or SVD of ``X`` itself does.

A Householder QR of the streamed rows (TSQR) is backward stable but, with LAPACK, costs
5-7 times the Gram product. Here the rows are read twice instead, and every heavy step is a
BLAS-3 product (Fukaya et al., "Shifted Cholesky QR for computing the QR factorization of
ill-conditioned matrices", SIAM J. Sci. Comput. 2020):

1. Pass one (the caller's ordinary sums): :math:`G = X_c^\top X_c`, with :math:`X_c` the
   centred features. :math:`R_1` is the Cholesky factor of :math:`G + sI`, with the
   smallest shift ``s`` (a small multiple of eps times the trace) for which it factors.
2. Pass two re-reads the rows and maps each block to :math:`Q_1 = X_c R_1^{-1}`
   (a triangular solve, :func:`change_of_basis`), summing :math:`Q_1^\top Q_1` and
   :math:`Q_1^\top y_c`. The singular values of :math:`Q_1` are
   :math:`\sigma/\sqrt{\sigma^2 + s}`: the directions the Gram matrix lost are now
   resolved down to :math:`\sigma^2 \approx \epsilon s`, i.e. at the level of a QR of X.
3. With :math:`w = R_1^{-1} v` the ridge problem reads
   :math:`\min_v \|Q_1 v - y_c\|^2 + \alpha \|R_1^{-1} v\|^2`, a well-scaled
   positive definite system solved by Cholesky (:func:`solve_in_basis`); large penalties
   (from about sqrt(eps) times the largest eigenvalue of the Gram matrix) by the normal
   equations of ``w`` instead, which are accurate there while that system is not.

The rows of the regularisation are exact (``alpha`` is applied through
:math:`R_1^{-\top} R_1^{-1}`, not added to the rounded Gram matrix), the intercept comes
from centring the rows themselves in pass two, and the result equals the SVD solution of
the same ridge problem to the accuracy of the SVD (``tests/test_readouts.py``).
"""

import numpy as np
import scipy.linalg
import scipy.linalg.blas

from .block_sums import solve_upper_right

_EPS = np.finfo(float).eps


def shifted_cholesky(gram, shift):
    """Upper Cholesky factor (C order) of ``gram + s I`` for the smallest
    ``s = shift * 10**k`` (k = 0, 1, ...) whose factorisation succeeds with a reciprocal
    condition number above eps; returns ``(factor, s)``.

    Examples
    --------
    >>> factor, s = shifted_cholesky(np.array([[4.0, 2.0], [2.0, 1.0]]), 1e-12)
    >>> s > 0, np.allclose(factor.T @ factor, [[4.0, 2.0], [2.0, 1.0]], atol=1e-5)
    (True, True)
    """
    if not shift > 0:
        raise ValueError(f"shift must be positive, got {shift!r}")
    column_norms = np.abs(gram).sum(axis=0)
    diagonal = np.diagonal(gram)
    while np.isfinite(shift):
        # Fortran order, so LAPACK factors it in place without another copy; gram is
        # symmetric, so this is gram itself.
        shifted = np.array(gram, dtype=np.float64, order="F")
        shifted.flat[::len(gram) + 1] = diagonal + shift
        norm = (column_norms + shift).max()  # the 1-norm (the shift has the diagonal's sign)
        factor, info = scipy.linalg.lapack.dpotrf(shifted, lower=False, clean=False, overwrite_a=True)
        if info == 0:
            rcond, info = scipy.linalg.lapack.dpocon(factor, norm)
            if info == 0 and rcond >= _EPS:
                return np.triu(factor), shift
        shift *= 10.0
    raise np.linalg.LinAlgError("the Gram matrix could not be factored with any shift (non-finite values?)")


def change_of_basis(x_mean, y_mean, factor):
    """The pass-two map of a block: ``(X, y) -> ((X - x_mean) R⁻¹, y - y_mean)``, in place
    on ``X`` (a C-contiguous float64 buffer), for ``BlockSums(transform=...)``.

    Examples
    --------
    >>> transform = change_of_basis(np.array([1.0]), 0.5, np.array([[2.0]]))
    >>> X, y = transform(np.array([[3.0], [5.0]]), np.array([1.0, 2.0]))
    >>> X.ravel().tolist(), y.tolist()
    ([1.0, 2.0], [0.5, 1.5])
    """
    def transform(X, y):
        np.subtract(X, x_mean, out=X)
        solve_upper_right(X, factor)
        return X, y - y_mean

    return transform


def _inverse_gram_of_rows(factor):
    """``R⁻ᵀ R⁻¹`` for upper triangular ``R``, in one LAPACK call.

    ``potri`` inverts ``L Lᵀ`` from a lower factor ``L``; with ``P`` the reversal of the
    indices, ``L = P R P`` is lower triangular and ``R⁻ᵀ R⁻¹ = P (L Lᵀ)⁻¹ P``: a third of
    the work of inverting ``R`` and multiplying.
    """
    reversed_inverse, info = scipy.linalg.lapack.dpotri(factor[::-1, ::-1], lower=1)
    if info != 0:
        raise np.linalg.LinAlgError(f"potri failed (info {info})")
    lower = np.tril(reversed_inverse)
    return (lower + np.tril(lower, -1).T)[::-1, ::-1]


def largest_eigenvalue(factor, n_iterations=30):
    """Estimate of the largest eigenvalue of ``RᵀR`` for upper triangular ``R`` (power
    iteration; a lower bound that is within a few percent after 30 steps unless the top two
    eigenvalues are close, which only moves the crossover of :func:`solve_in_basis`).

    Examples
    --------
    >>> round(largest_eigenvalue(np.array([[3.0, 0.0], [0.0, 1.0]])), 6)
    9.0
    """
    vector = np.ones(len(factor)) / np.sqrt(len(factor))
    value = 0.0
    for _ in range(n_iterations):
        image = factor.T @ (factor @ vector)
        value = float(np.linalg.norm(image))
        if value == 0.0:
            return 0.0
        vector = image / value
    return value


def solve_in_basis(qtq, qty, factor, alphas, crossover=np.inf, cache=None):
    r"""Ridge coefficients ``w`` from the pass-two sums, one set per penalty in ``alphas``.

    Below ``crossover`` a penalty is solved in the basis of the rows:
    :math:`(Q^\top Q + \alpha R^{-\top} R^{-1} + \delta I) v = Q^\top y` by Cholesky and
    :math:`w = R^{-1} v`. The tiny :math:`\delta = \epsilon \,\mathrm{tr}(\cdot)` (grown
    tenfold until the factorisation is well conditioned) only guards directions of no
    variance. That system carries :math:`\alpha R^{-\top} R^{-1}`, whose norm reaches
    :math:`\alpha / (\epsilon \lambda_{max})` (``R`` is only factored to a reciprocal
    condition number of eps, and :math:`\lambda_{max}` is the largest eigenvalue of
    :math:`R^\top R`): its rounding grows with the penalty, about
    :math:`\alpha / \lambda_{max}` relative. From ``crossover`` up, the normal equations of
    ``w`` itself, :math:`(R^\top Q^\top Q R + \alpha I) w = R^\top Q^\top y`, are solved
    instead: their rounding, at most :math:`\epsilon \lambda_{max} / \alpha`, falls with the
    penalty. The two are equal at :math:`\alpha = \sqrt{\epsilon} \lambda_{max}`, the
    crossover the caller passes (errors of about 1e-8 either side of it; far smaller away
    from it). Every penalty reuses the same sums: a path of penalties costs one
    factorisation of the F x F system each, no pass over the data.

    Parameters
    ----------
    qtq : ndarray (F, F)
        Sum of QᵀQ (symmetric).
    qty : ndarray (F,) or (F, k)
        Sum of Qᵀ y_c.
    factor : ndarray (F, F)
        The upper triangular R of the change of basis (C order).
    alphas : sequence of float
        The ridge penalties on ``w`` (>= 0).
    crossover : float, default inf
        The penalty from which the normal equations of ``w`` are solved instead.
    cache : dict, optional
        Keeps ``R⁻ᵀ R⁻¹`` (it depends on ``factor`` only) for the next call with the same
        ``factor`` and ``cache``.

    Returns
    -------
    list of ndarray, each shaped like ``qty``

    Examples
    --------
    >>> R = np.array([[2.0]])
    >>> [w] = solve_in_basis(np.array([[1.0]]), np.array([3.0]), R, [0.0])
    >>> np.allclose(w, [1.5])
    True
    >>> [small, large] = solve_in_basis(np.array([[1.0]]), np.array([3.0]), R, [1.0, 1.0], crossover=0.5)
    >>> bool(np.allclose(small, large)), bool(np.allclose(large, 6.0 / 5.0))
    (True, True)
    """
    cache = {} if cache is None else cache
    gram = None
    coefs = []
    for alpha in alphas:
        if alpha >= crossover and alpha > 0:
            if gram is None:
                # RᵀAR by two triangular products (A symmetric: AR, then Rᵀ(AR)).
                right = scipy.linalg.blas.dtrmm(1.0, factor, qtq, side=1, lower=0)
                gram = scipy.linalg.blas.dtrmm(1.0, factor, right, side=0, lower=0, trans_a=1)
                gram = (gram + gram.T) / 2
                rhs = factor.T @ qty
            system = gram + alpha * np.eye(len(gram))
            inner, _ = shifted_cholesky(system, _EPS * max(np.trace(system), np.finfo(float).tiny))
            coefs.append(scipy.linalg.cho_solve((inner, False), rhs))
            continue
        if alpha > 0 and "penalty" not in cache:
            cache["penalty"] = _inverse_gram_of_rows(factor)
        system = qtq + alpha * cache["penalty"] if alpha > 0 else qtq
        inner, _ = shifted_cholesky(system, _EPS * max(np.trace(system), np.finfo(float).tiny))
        v = scipy.linalg.cho_solve((inner, False), qty)
        coefs.append(scipy.linalg.solve_triangular(factor, v, lower=False))
    return coefs
