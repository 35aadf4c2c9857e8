"""Ridge regression readout from streamed sufficient statistics."""

import collections.abc
import contextlib
from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.utils.validation import check_is_fitted, validate_data

from ..validation import Boolean, Interval, Options, validate_parameters
from .blas_threads import blas_threads
from .block_sums import BlockSums, block_products, solve_upper_right
from .cholesky_qr import change_of_basis, shifted_cholesky, solve_in_basis
from .protocol import concatenate_chunks
from .ridge_solvers import check_penalty_rows, cholesky_solve, eigh_solve, svd_solve

SOLVERS = ("auto", "cholesky", "eigh", "svd", "qr")
# Rows per accumulated block (see Ridge._accumulate_blocks): large enough for an efficient
# matrix product (one-thread dsyrk runs as fast per row at 1024 rows as at 4096), small
# enough that the blocks in flight stay small (BlockSums keeps at most 4, plus the one being
# filled: 5 x 1024 x 2004 features = 82 MB) and that the last block, which one core computes
# alone at the end, is short.
_BLOCK_ROWS = 1024


def _check_reiterable(chunks, reader):
    """Raise unless ``chunks`` can be iterated twice (the two passes of the qr solve)."""
    if isinstance(chunks, collections.abc.Iterator):
        raise ValueError(f"chunks: {reader} reads the chunks twice; pass a list or a re-iterable "
                         "object whose __iter__ starts again, not a generator or iterator")


class Ridge(RegressorMixin, BaseEstimator):
    r"""L2-regularised least squares, :math:`\min_W \|Y - XW^\top - b\|^2 + \alpha\|W\|^2`.

    ``partial_fit`` streams the sufficient statistics :math:`X^\top X`, :math:`X^\top Y`
    and the column sums, so any number of sequences or chunks is fitted in O(F²) memory and
    solved once; ``fit`` is ``partial_fit`` on a fresh accumulator. The intercept is not
    penalised (the data are centred through the streamed sums), as in scikit-learn and
    reservoirpy.

    Parameters
    ----------
    alpha : float, default=1e-6
        Regularisation strength (>= 0).
    fit_intercept : bool, default=True
        Learn an unpenalised intercept.
    solver : {"auto", "cholesky", "eigh", "qr", "svd"}, default="auto"
        ``"cholesky"`` solves the regularised normal equations; ``"eigh"`` diagonalises the
        Gram matrix (robust when it is singular or nearly so). Both square the condition
        number of the features, and so cannot resolve directions whose singular value is
        below about 1e-8 of the largest. ``"qr"`` has the accuracy of a QR or SVD of the
        feature matrix itself with the memory of the streamed solvers: a two-pass shifted
        Cholesky-QR (:mod:`reservoir.readouts.cholesky_qr`) that reads the rows twice
        (``fit_streamed`` needs chunks that can be iterated twice; not ``partial_fit``).
        The estimators use it by default. ``"svd"`` is the SVD of the whole feature matrix
        (needs ``fit``). ``"auto"`` uses Cholesky and falls back to ``"eigh"`` when the
        factorisation fails or is ill-conditioned. With ``alpha=0``, ``"qr"`` regularises at
        the rounding level, ``alpha = (eps · max(n_samples, n_features))² · tr(XᵀX)``, the
        cut-off that ``"svd"`` and ``lstsq`` apply to the singular values.

    Attributes
    ----------
    coef_ : ndarray of shape (n_targets, n_features) or (n_features,)
    intercept_ : ndarray of shape (n_targets,) or float
    solver_ : str
        The solver actually used.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(100, 3))
    >>> y = X @ np.array([1.0, -2.0, 0.5]) + 3.0
    >>> model = Ridge(alpha=1e-8).fit(X, y)
    >>> np.round(model.coef_, 4).tolist(), round(float(model.intercept_), 4)
    ([1.0, -2.0, 0.5], 3.0)
    """

    def __init__(self, alpha=1e-6, fit_intercept=True, solver="auto"):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.solver = solver

    _parameter_constraints = {
        "alpha": Interval(Real, 0, None),
        "fit_intercept": Boolean(),
        "solver": Options(*SOLVERS),
    }

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def fit(self, X, y):
        """Fit on ``X`` of shape (n_samples, n_features) and ``y`` (n_samples,) or (n_samples, n_targets)."""
        validate_parameters(self)
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=True, dtype=np.float64)
        self._reset_statistics()
        if self.solver == "qr":
            self._fit_qr([(X, y)])
            return self
        self._accumulate_blocks([(X, y)])
        if self.solver == "svd":
            self._solve_svd(X, y)
        else:
            self._solve()
        return self

    def fit_streamed(self, chunks, penalty_rows=None):
        """Fit on an iterable of ``(X, y)`` chunks, accumulating the statistics and solving once.

        The result equals ``fit`` on the concatenated chunks, bit for bit (both accumulate
        the rows in the same fixed blocks), while only one chunk is in memory at a time: this is how the estimators fit long series (see
        ``reservoir.estimator_base.STREAM_CHUNK``). Unlike a loop of ``partial_fit`` it solves
        once, not once per chunk.

        Examples
        --------
        >>> import numpy as np
        >>> X = np.random.default_rng(0).normal(size=(100, 3))
        >>> y = X @ np.array([1.0, -2.0, 0.5])
        >>> chunks = ((X[i:i + 30], y[i:i + 30]) for i in range(0, 100, 30))
        >>> np.array_equal(Ridge().fit_streamed(chunks).coef_, Ridge().fit(X, y).coef_)
        True

        ``solver="qr"`` reads the chunks twice, so they must be re-iterable (a list, or an
        object whose ``__iter__`` starts again), not a generator:

        >>> chunks = [(X[i:i + 30], y[i:i + 30]) for i in range(0, 100, 30)]
        >>> np.allclose(Ridge(solver="qr").fit_streamed(chunks).coef_, [1.0, -2.0, 0.5])
        True

        ``penalty_rows`` (B, of shape (m, n_features)) adds ``||B w||²`` per target to the
        penalty, a general Tikhonov term (rows that are not data: neither centred nor
        counted), e.g. the Jacobian penalty of :mod:`reservoir.jacobian_penalty`. With
        ``B = sqrt(a) I`` it is ``alpha = a`` more:

        >>> extra = Ridge(alpha=1.0, solver="qr").fit_streamed(chunks, penalty_rows=np.sqrt(3.0) * np.eye(3))
        >>> bool(np.allclose(extra.coef_, Ridge(alpha=4.0, solver="qr").fit_streamed(chunks).coef_))
        True
        """
        validate_parameters(self)
        if self.solver == "svd":
            # The SVD needs the whole data matrix: the chunks are gathered (memory grows with
            # the data, as the solver implies; solver="qr" has its accuracy without that).
            if penalty_rows is not None:
                raise ValueError("penalty_rows needs solver='qr', 'cholesky', 'eigh' or 'auto', not 'svd'")
            return self.fit(*concatenate_chunks(chunks))
        if self.solver == "qr":
            _check_reiterable(chunks, "solver='qr'")
        self._reset_statistics()
        if self.solver == "qr":
            self._fit_qr(chunks, validate=True, penalty_rows=penalty_rows)
            return self
        self._accumulate_blocks(chunks, validate=True)
        if not hasattr(self, "xtx_"):
            raise ValueError("chunks is empty: there is nothing to fit")
        if penalty_rows is not None:
            # Not data: the rows enter the Gram matrix only, not the sums that centre it.
            rows = check_penalty_rows(penalty_rows, len(self.xtx_))
            self.xtx_ += rows.T @ rows
        self._solve()
        return self

    def partial_fit(self, X, y):
        """Add a chunk to the streamed statistics and re-solve."""
        validate_parameters(self)
        if self.solver in ("svd", "qr"):
            raise ValueError(f"solver={self.solver!r} reads the data more than once: use fit or fit_streamed, "
                             "or solver='auto' for partial_fit")
        first = not hasattr(self, "xtx_")
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=True, dtype=np.float64, reset=first)
        if first:
            self._reset_statistics()
        elif (y.ndim == 1) != (self.xty_.ndim == 1) or (y.ndim == 2 and y.shape[1] != self.xty_.shape[1]):
            raise ValueError("y has a different number of targets than in the previous partial_fit calls")
        self._accumulate(X, y)
        self._solve()
        return self

    def _accumulate_blocks(self, chunks, validate=False):
        """Accumulate the rows of ``chunks`` in blocks of exactly ``_BLOCK_ROWS`` rows.

        The rows are re-blocked through buffers whatever the chunk sizes, so ``fit`` and
        ``fit_streamed`` with any chunking add up the same products in the same order and
        give the same numbers, bit for bit. This matters: the Gram matrices of reservoir
        features (squared states, small ``alpha``) can be so ill-conditioned that a rounding
        difference in XᵀX changes the solution in the fifth digit. The products of a block
        are computed on a worker thread while ``chunks`` produces the next rows
        (:class:`~reservoir.readouts.block_sums.BlockSums`).
        """
        sums = self._block_sums(chunks, validate)
        if sums is not None:
            self._add_statistics(*sums[:5])

    def _block_sums(self, chunks, validate=False, **options):
        """The :data:`~reservoir.readouts.block_sums.Sums` of ``chunks`` (see
        ``_accumulate_blocks``), with ``BlockSums(**options)``; None for no rows."""
        # Chunks that declare themselves checked (an estimator's own harvest, see
        # reservoir.estimator_base.Reiterable) are not checked again: a pass over every chunk.
        trusted = validate and getattr(chunks, "checked", False)
        with contextlib.ExitStack() as stack:
            sums = None
            filled = 0
            for X, y in chunks:
                reset = sums is None and not hasattr(self, "xtx_")
                if trusted and reset:
                    self.n_features_in_ = X.shape[1]
                elif validate and not trusted:
                    X, y = validate_data(self, X, y, multi_output=True, y_numeric=True, dtype=np.float64,
                                         reset=reset)
                if sums is None:
                    sums = stack.enter_context(BlockSums(X.shape[1], y.shape[1:], **options))
                    shapes = (_BLOCK_ROWS, X.shape[1]), (_BLOCK_ROWS,) + y.shape[1:]
                    buffer_x, buffer_y = np.empty(shapes[0]), np.empty(shapes[1])
                elif X.shape[1] != buffer_x.shape[1] or y.shape[1:] != buffer_y.shape[1:]:
                    raise ValueError("chunks: every chunk must have the same number of features and targets")
                start = 0
                while start < len(X):
                    take = min(_BLOCK_ROWS - filled, len(X) - start)
                    buffer_x[filled:filled + take] = X[start:start + take]
                    buffer_y[filled:filled + take] = y[start:start + take]
                    filled, start = filled + take, start + take
                    if filled == _BLOCK_ROWS:
                        sums.submit(buffer_x, buffer_y)
                        buffer_x, buffer_y = (sums.free_buffers.pop() if sums.free_buffers
                                              else (np.empty(shapes[0]), np.empty(shapes[1])))
                        filled = 0
            if sums is None:
                return None
            if filled:
                sums.submit(buffer_x[:filled], buffer_y[:filled])
            return sums.result()

    def _reset_statistics(self):
        for name in ("xtx_", "xty_", "x_sum_", "y_sum_", "n_samples_seen_", "coef_", "intercept_"):
            if hasattr(self, name):
                delattr(self, name)

    def _accumulate(self, X, y):
        self._add_statistics(*block_products(X, y))

    def _add_statistics(self, xtx, xty, x_sum, y_sum, n_samples):
        if not hasattr(self, "xtx_"):
            self.xtx_, self.xty_, self.x_sum_, self.y_sum_ = xtx, xty, x_sum, np.asarray(y_sum)
            self.n_samples_seen_ = n_samples
            return
        self.xtx_ += xtx
        self.xty_ += xty
        self.x_sum_ += x_sum
        self.y_sum_ += y_sum
        self.n_samples_seen_ += n_samples

    def _centred_statistics(self):
        n = self.n_samples_seen_
        if not self.fit_intercept:
            # Copies: the solvers may overwrite the Gram matrix; the statistics must stay.
            return self.xtx_.copy(), self.xty_, np.zeros_like(self.x_sum_), np.zeros_like(self.y_sum_)
        x_mean, y_mean = self.x_sum_ / n, self.y_sum_ / n
        gram = self.xtx_ - n * np.outer(x_mean, x_mean)
        cross = self.xty_ - n * (np.outer(x_mean, y_mean) if self.xty_.ndim == 2 else x_mean * y_mean)
        return gram, cross, x_mean, y_mean

    def _solve(self):
        with blas_threads(len(self.xtx_)):
            self._solve_statistics()

    def _solve_statistics(self):
        gram, cross, x_mean, y_mean = self._centred_statistics()
        solver = "cholesky" if self.solver == "auto" else self.solver
        coef = None
        if solver == "cholesky":
            try:
                coef = cholesky_solve(gram, cross, self.alpha)
            except np.linalg.LinAlgError:
                if self.solver == "cholesky":
                    raise
                solver = "eigh"
                gram = self._centred_statistics()[0]  # the factorisation overwrote it
        if coef is None:
            coef = eigh_solve(gram, cross, self.alpha)
        self._set_solution(coef, x_mean, y_mean, solver)

    def fit_path(self, chunks, alphas, penalty_rows=None):
        """Fit one copy of this ``Ridge(solver="qr")`` per penalty in ``alphas``, from the
        same two passes over ``chunks`` (a list of ``(X, y)`` or a re-iterable of them).

        The penalties share the change of basis and the sums; each costs one F x F
        factorisation, no pass over the data. This is how a penalty is chosen on validation
        data (``ReservoirForecaster`` does so by default).

        Returns
        -------
        list of Ridge, fitted, in the order of ``alphas``

        Examples
        --------
        >>> import numpy as np
        >>> X = np.random.default_rng(0).normal(size=(100, 3))
        >>> y = X @ np.array([1.0, -2.0, 0.5])
        >>> strong, weak = Ridge(solver="qr").fit_path([(X, y)], [100.0, 0.0])
        >>> bool(np.abs(strong.coef_).sum() < np.abs(weak.coef_).sum()), weak.alpha
        (True, 0.0)

        ``penalty_rows`` adds the same extra penalty to every fit, as in ``fit_streamed``.
        """
        if self.solver != "qr":
            raise ValueError(f"fit_path needs solver='qr', got solver={self.solver!r}")
        alphas = list(alphas)
        if not alphas:
            raise ValueError("alphas is empty: give at least one penalty")
        models = [clone(self).set_params(alpha=alpha) for alpha in alphas]
        for model in models:
            validate_parameters(model)
        _check_reiterable(chunks, "fit_path")
        coefs, x_mean, y_mean, n_samples = self._qr_passes(chunks, alphas, validate=True, penalty_rows=penalty_rows)
        for model, coef in zip(models, coefs):
            model.n_features_in_ = self.n_features_in_
            model.n_samples_seen_ = n_samples
            model._set_solution(coef, x_mean, y_mean, "qr")
        return models

    def _fit_qr(self, chunks, validate=False, penalty_rows=None):
        [coef], x_mean, y_mean, n_samples = self._qr_passes(chunks, [self.alpha], validate, penalty_rows)
        self.n_samples_seen_ = n_samples
        self._set_solution(coef, x_mean, y_mean, "qr")

    def _qr_passes(self, chunks, alphas, validate, penalty_rows=None):
        """The two-pass shifted Cholesky-QR solve (:mod:`.cholesky_qr`); returns
        ``(coefs, x_mean, y_mean, n_samples)`` with one coefficient array per penalty.

        Pass one takes the means of all rows and, as the preconditioner, the scatter of
        about a third of the blocks (``BlockSums(gram_sample=True)``: it only has to be close
        to the whole Gram matrix, not equal to it); pass two reads ``chunks`` again in the
        preconditioned basis. ``penalty_rows`` B are mapped to that basis like the rows
        (uncentred: ``B R⁻¹``) and their products added to the penalty.
        """
        first = self._block_sums(chunks, validate, gram_sample=True)
        if first is None:
            raise ValueError("chunks is empty: there is nothing to fit")
        n_samples, n_features = first.n_samples, len(first.xtx)
        if self.fit_intercept:
            x_mean, y_mean = first.x_sum / n_samples, first.y_sum / n_samples
        else:
            x_mean, y_mean = np.zeros(n_features), np.zeros_like(first.y_sum)
        # The scatter of the sampled rows about the mean of all rows, scaled to all rows.
        share = n_samples / first.gram_rows
        cross = np.outer(x_mean, first.gram_x_sum)
        scatter = share * (first.xtx - cross - cross.T + first.gram_rows * np.outer(x_mean, x_mean))
        scale = max(share * np.trace(first.xtx), np.finfo(float).tiny)
        # alpha = 0 is regularised at the rounding level, the cut-off of lstsq (see solver).
        floor = (np.finfo(float).eps * max(n_samples, n_features)) ** 2 * scale
        with blas_threads(n_features):
            # Ten times eps: the rounding of the (sampled, centred) scatter; smaller shifts
            # rarely factor, and each failed attempt costs a factorisation.
            factor, _ = shifted_cholesky(scatter, 10 * np.finfo(float).eps * scale)
        second = self._block_sums(chunks, validate, transform=change_of_basis(x_mean, y_mean, factor))
        if second is None or second.n_samples != n_samples:
            raise ValueError(f"chunks gave {0 if second is None else second.n_samples} rows on the second "
                             f"pass of solver='qr' and {n_samples} on the first: they must give the same "
                             "data twice")
        qtq = second.xtx
        if penalty_rows is not None:
            rows = np.array(check_penalty_rows(penalty_rows, n_features), order="C", copy=True)
            solve_upper_right(rows, factor)
            qtq = qtq + rows.T @ rows
        with blas_threads(n_features):
            coefs = solve_in_basis(qtq, second.xty, factor, [alpha or floor for alpha in alphas])
        return coefs, x_mean, y_mean, n_samples

    def _solve_svd(self, X, y):
        _, _, x_mean, y_mean = self._centred_statistics()
        self._set_solution(svd_solve(X - x_mean, y - y_mean, self.alpha), x_mean, y_mean, "svd")

    def _set_solution(self, coef, x_mean, y_mean, solver):
        # coef is (n_features, n_targets) or (n_features,); sklearn stores its transpose.
        self.coef_ = coef.T.copy()
        self.intercept_ = y_mean - x_mean @ coef if self.fit_intercept else np.zeros_like(y_mean)
        if np.ndim(self.intercept_) == 0:
            self.intercept_ = float(self.intercept_)
        self.solver_ = solver

    def predict(self, X):
        """Linear prediction ``X @ coef_.T + intercept_``."""
        check_is_fitted(self, "coef_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return X @ self.coef_.T + self.intercept_
