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
from .cholesky_qr import change_of_basis, largest_eigenvalue, shifted_cholesky, solve_in_basis
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


#: The sums of the two passes of the qr solve (``Ridge._qr_sums``): the change of basis
#: ``factor``, the means of all rows, the scale (trace) of their scatter, and per part of
#: the rows (all, or head and tail) the sums of pass one and of pass two; ``cache`` keeps
#: what several solves from the same sums share.
_QRSums = collections.namedtuple("_QRSums", "factor x_mean y_mean scale firsts seconds cache")


def _crossover(factor, largest_alpha, share, cache):
    """The penalty from which :func:`~.cholesky_qr.solve_in_basis` solves the normal
    equations of ``w``: sqrt(eps) times the largest eigenvalue of the rows' Gram matrix (``RᵀR``
    times ``share``, the part of the rows solved for). The eigenvalue is estimated only when
    ``largest_alpha`` may reach it (it lies between the trace and the trace / F), once per
    ``cache``."""
    trace = share * float(np.einsum("ij,ij->", factor, factor))
    if largest_alpha < np.sqrt(np.finfo(float).eps) * trace / len(factor):
        return np.inf
    if "largest" not in cache:
        cache["largest"] = largest_eigenvalue(factor)
    return np.sqrt(np.finfo(float).eps) * share * cache["largest"]


def _combined(parts):
    """The field-by-field total of several ``Sums``."""
    first, *others = parts
    return first._replace(**{field: sum((getattr(part, field) for part in others), getattr(first, field))
                             for field in first._fields})


class _Blocks:
    """Rows re-blocked into exactly ``_BLOCK_ROWS`` rows per block for a ``BlockSums``,
    whatever the chunk sizes (see ``Ridge._accumulate_blocks``)."""

    def __init__(self, sums):
        self.sums = sums
        self.filled = 0
        self.buffers = None

    def add(self, X, y):
        start = 0
        while start < len(X):
            if self.buffers is None:
                self.buffers = (self.sums.free_buffers.pop() if self.sums.free_buffers else
                                (np.empty((_BLOCK_ROWS, X.shape[1])), np.empty((_BLOCK_ROWS,) + y.shape[1:])))
            buffer_x, buffer_y = self.buffers
            take = min(_BLOCK_ROWS - self.filled, len(X) - start)
            buffer_x[self.filled:self.filled + take] = X[start:start + take]
            buffer_y[self.filled:self.filled + take] = y[start:start + take]
            self.filled, start = self.filled + take, start + take
            if self.filled == _BLOCK_ROWS:
                self.sums.submit(buffer_x, buffer_y)
                self.buffers, self.filled = None, 0

    def result(self):
        if self.filled:
            buffer_x, buffer_y = self.buffers
            self.sums.submit(buffer_x[:self.filled], buffer_y[:self.filled])
        return self.sums.result()


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

    def _block_sums(self, chunks, validate=False, boundary=None, **options):
        """The :data:`~reservoir.readouts.block_sums.Sums` of ``chunks`` (see
        ``_accumulate_blocks``), with ``BlockSums(**options)``; None for no rows.

        With ``boundary`` (a number of rows), the rows before it and the rows from it on are
        summed apart, each in its own blocks: returns ``[head, tail]`` (None for no rows).
        """
        # Chunks that declare themselves checked (an estimator's own harvest, see
        # reservoir.estimator_base.Reiterable) are not checked again: a pass over every chunk.
        trusted = validate and getattr(chunks, "checked", False)
        segments = []
        with contextlib.ExitStack() as stack:
            blocks, seen, width = None, 0, None
            for X, y in chunks:
                reset = width is None and not hasattr(self, "xtx_")
                if trusted and reset:
                    self.n_features_in_ = X.shape[1]
                elif validate and not trusted:
                    X, y = validate_data(self, X, y, multi_output=True, y_numeric=True, dtype=np.float64,
                                         reset=reset)
                if width is None:
                    width = (X.shape[1], y.shape[1:])
                elif (X.shape[1], y.shape[1:]) != width:
                    raise ValueError("chunks: every chunk must have the same number of features and targets")
                start = 0
                while start < len(X):
                    if blocks is None:
                        # A stack per segment: a finished segment's threads and buffers go at once.
                        segment = stack.enter_context(contextlib.ExitStack())
                        blocks = _Blocks(segment.enter_context(BlockSums(width[0], width[1], **options)))
                    take = len(X) - start
                    if boundary is not None and seen < boundary:
                        take = min(take, boundary - seen)
                    blocks.add(X[start:start + take], y[start:start + take])
                    start, seen = start + take, seen + take
                    if seen == boundary:
                        segments.append(blocks.result())
                        segment.close()
                        blocks = None
            if boundary is not None and seen < boundary:
                raise ValueError(f"chunks gave {seen} rows, fewer than the {boundary} before the boundary")
            if blocks is not None:
                segments.append(blocks.result())
        if boundary is None:
            return segments[0] if segments else None
        return segments + [None] * (2 - len(segments))

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
        data (``ReservoirForecaster`` does so by default, with :meth:`fit_holdout_path`).

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
        alphas = self._check_path(chunks, alphas, "fit_path")
        sums = self._qr_sums(chunks, validate=True)
        return self._path_models(sums, alphas, penalty_rows)

    def fit_holdout_path(self, chunks, alphas, n_head, head_penalty_rows=(None,)):
        """A penalty path fitted on the first ``n_head`` rows of ``chunks`` and, from the same
        two passes, the fit on every row: a penalty chosen on the held-out rows is refitted
        on all of them for the cost of one ``fit_path`` (``ReservoirForecaster`` does this).

        The head's solutions are centred on the head's own means; they equal
        ``fit_path`` on the head rows alone to the accuracy of the solve, and ``refit`` equals
        ``Ridge(alpha, solver="qr").fit_streamed(chunks)`` to the same accuracy (the sums are
        blocked differently at the boundary, so the bits may differ).

        Parameters
        ----------
        chunks : list or re-iterable of (X, y)
        alphas : sequence of float
        n_head : int
            Rows of the head (the first rows of ``chunks``); at least one row must follow.
        head_penalty_rows : sequence of (None or ndarray)
            One path per entry, each with these penalty rows (as ``fit_streamed``'s
            ``penalty_rows``).

        Returns
        -------
        paths : list of list of Ridge
            ``paths[k][j]``: this ridge with ``alphas[j]``, fitted on the head with
            ``head_penalty_rows[k]``.
        refit : callable
            ``refit(alpha, penalty_rows=None)``: this ridge with ``alpha``, fitted on every row.

        Examples
        --------
        >>> import numpy as np
        >>> X = np.random.default_rng(0).normal(size=(100, 3))
        >>> y = X @ np.array([1.0, -2.0, 0.5]) + 0.1 * np.random.default_rng(1).normal(size=100)
        >>> [path], refit = Ridge(solver="qr").fit_holdout_path([(X, y)], [1.0, 0.0], n_head=80)
        >>> head = Ridge(alpha=1.0, solver="qr").fit(X[:80], y[:80])
        >>> bool(np.allclose(path[0].coef_, head.coef_)), path[0].n_samples_seen_
        (True, 80)
        >>> full = refit(1.0)
        >>> bool(np.allclose(full.coef_, Ridge(alpha=1.0, solver="qr").fit(X, y).coef_)), full.n_samples_seen_
        (True, 100)
        """
        alphas = self._check_path(chunks, alphas, "fit_holdout_path")
        if isinstance(n_head, bool) or not isinstance(n_head, (int, np.integer)) or n_head < 1:
            raise ValueError(f"n_head must be a positive integer, got {n_head!r}")
        sums = self._qr_sums(chunks, validate=True, boundary=int(n_head))
        paths = [self._path_models(sums, alphas, rows, head=True) for rows in head_penalty_rows]

        def refit(alpha, penalty_rows=None):
            [model] = self._path_models(sums, [alpha], penalty_rows)
            return model

        return paths, refit

    def _check_path(self, chunks, alphas, caller):
        if self.solver != "qr":
            raise ValueError(f"{caller} needs solver='qr', got solver={self.solver!r}")
        alphas = list(alphas)
        if not alphas:
            raise ValueError("alphas is empty: give at least one penalty")
        for alpha in alphas:
            validate_parameters(clone(self).set_params(alpha=alpha))
        _check_reiterable(chunks, caller)
        return alphas

    def _path_models(self, sums, alphas, penalty_rows=None, head=False):
        """One fitted copy of this ridge per penalty, solved from the pass sums ``sums``
        (on the head rows with ``head``)."""
        coefs, x_mean, y_mean, n_samples = self._qr_solve(sums, alphas, penalty_rows, head)
        models = []
        for alpha, coef in zip(alphas, coefs):
            model = clone(self).set_params(alpha=alpha)
            model.n_features_in_ = self.n_features_in_
            model.n_samples_seen_ = n_samples
            model._set_solution(coef, x_mean, y_mean, "qr")
            models.append(model)
        return models

    def _fit_qr(self, chunks, validate=False, penalty_rows=None):
        sums = self._qr_sums(chunks, validate)
        [coef], x_mean, y_mean, n_samples = self._qr_solve(sums, [self.alpha], penalty_rows)
        self.n_samples_seen_ = n_samples
        self._set_solution(coef, x_mean, y_mean, "qr")

    def _qr_sums(self, chunks, validate, boundary=None):
        """The two passes of the shifted Cholesky-QR solve (:mod:`.cholesky_qr`).

        Pass one takes the means of all rows and, as the preconditioner, the scatter of
        about a third of the blocks (``BlockSums(gram_sample=True)``: it only has to be close
        to the whole Gram matrix, not equal to it); pass two reads ``chunks`` again in the
        preconditioned basis. With ``boundary``, both passes sum the rows before it and the
        rows from it on apart (the head's solve needs its own sums).
        """
        first = self._block_sums(chunks, validate, boundary, gram_sample=True)
        firsts = [first] if boundary is None else first
        if firsts[0] is None:
            raise ValueError("chunks is empty: there is nothing to fit")
        if firsts[-1] is None:
            raise ValueError(f"chunks: no rows after the first n_head = {boundary}; the refit needs some")
        whole = _combined(firsts)
        # Only the sampled Gram matrix of all the rows is used, not each part's.
        firsts = [part._replace(xtx=None) for part in firsts]
        n_samples, n_features = whole.n_samples, len(whole.xtx)
        if self.fit_intercept:
            x_mean, y_mean = whole.x_sum / n_samples, whole.y_sum / n_samples
        else:
            x_mean, y_mean = np.zeros(n_features), np.zeros_like(whole.y_sum)
        # The scatter of the sampled rows about the mean of all rows, scaled to all rows.
        share = n_samples / whole.gram_rows
        cross = np.outer(x_mean, whole.gram_x_sum)
        scatter = share * (whole.xtx - cross - cross.T + whole.gram_rows * np.outer(x_mean, x_mean))
        scale = max(share * np.trace(whole.xtx), np.finfo(float).tiny)
        with blas_threads(n_features):
            # Ten times eps: the rounding of the (sampled, centred) scatter; smaller shifts
            # rarely factor, and each failed attempt costs a factorisation.
            factor, _ = shifted_cholesky(scatter, 10 * np.finfo(float).eps * scale)
        del first, whole, cross, scatter  # F x F each: not kept through pass two
        second = self._block_sums(chunks, validate, boundary, transform=change_of_basis(x_mean, y_mean, factor))
        seconds = [second] if boundary is None else second
        for one, two in zip(firsts, seconds):
            rows = 0 if two is None else two.n_samples
            if rows != one.n_samples:
                raise ValueError(f"chunks gave {rows} rows on the second pass of solver='qr' and "
                                 f"{one.n_samples} on the first: they must give the same data twice")
        return _QRSums(factor, x_mean, y_mean, scale, firsts, seconds, {})

    def _qr_solve(self, sums, alphas, penalty_rows=None, head=False):
        """``(coefs, x_mean, y_mean, n_samples)`` of the penalties ``alphas`` from the pass
        sums (all rows, or with ``head`` the rows before the boundary), one coefficient array
        per penalty. ``penalty_rows`` B are mapped to the basis like the rows (uncentred:
        ``B R⁻¹``) and their products added."""
        n_all = sum(part.n_samples for part in sums.firsts)
        if not head:
            if "all" not in sums.cache:  # summed once however many refits follow
                parts = sums.seconds
                qtq, qty = parts[0].xtx, parts[0].xty
                for part in parts[1:]:
                    qtq, qty = qtq + part.xtx, qty + part.xty
                sums.cache["all"] = qtq, qty
            qtq, qty = sums.cache["all"]
            x_mean, y_mean, n_samples, scale = sums.x_mean, sums.y_mean, n_all, sums.scale
        else:
            first, second = sums.firsts[0], sums.seconds[0]
            n_samples, scale = first.n_samples, sums.scale * first.n_samples / n_all
            qtq, qty = second.xtx, second.xty
            if self.fit_intercept:
                # Re-centred on the head's own means (in the basis, the head's mean row is
                # small: the means of all rows were subtracted).
                q_mean, r_mean = second.x_sum / n_samples, second.y_sum / n_samples
                qtq = qtq - n_samples * np.outer(q_mean, q_mean)
                qty = qty - n_samples * np.multiply.outer(q_mean, r_mean)
                x_mean, y_mean = first.x_sum / n_samples, first.y_sum / n_samples
            else:
                x_mean, y_mean = sums.x_mean, sums.y_mean
        n_features = len(qtq)
        if penalty_rows is not None:
            rows = np.array(check_penalty_rows(penalty_rows, n_features), order="C", copy=True)
            solve_upper_right(rows, sums.factor)
            qtq = qtq + rows.T @ rows
        # alpha = 0 is regularised at the rounding level, the cut-off of lstsq (see solver).
        floor = (np.finfo(float).eps * max(n_samples, n_features)) ** 2 * scale
        alphas = [alpha or floor for alpha in alphas]
        with blas_threads(n_features):
            coefs = solve_in_basis(qtq, qty, sums.factor, alphas,
                                   crossover=_crossover(sums.factor, max(alphas), n_samples / n_all, sums.cache),
                                   cache=sums.cache)
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
