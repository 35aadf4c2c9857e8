"""Sums of XᵀX, Xᵀy and the column sums over blocks of rows, computed on worker threads while
the caller produces the next blocks.

Fitting a readout on reservoir states is two jobs of similar size: harvesting the states (a
sequential scan, one core) and the XᵀX product (BLAS). Run one after the other, the second
core idles through the harvest. Here block ``i`` goes to lane ``i % 2``; each lane adds its
blocks, in order, on its own worker thread, with single-threaded BLAS ``dsyrk`` into its
running sum, while the caller harvests the next block. A semaphore with one token per core
keeps the caller and the workers from oversubscribing the machine: while the caller produces,
one lane computes; while it waits, and once it is done, both do.

The result does not depend on timing: which lane gets a block is fixed by its index, each lane
adds its blocks in order with single-threaded BLAS, and the two lanes are added at the end, so
the same blocks give the same bits. (Threaded BLAS would not: OpenBLAS's two-thread XᵀX
differs from its one-thread XᵀX in the last bits.) ``benchmarks/speed_suite.py`` and
``benchmarks/gram_products.py`` time the overlapped fit against one phase after the other.
"""

import collections
import ctypes
import functools
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.linalg.cython_blas
from threadpoolctl import ThreadpoolController

_CONTROLLER = None


def blas_controller():
    """The process's ``threadpoolctl.ThreadpoolController``, created on first use."""
    # Scanning the loaded BLAS libraries takes milliseconds: once per process.
    global _CONTROLLER
    if _CONTROLLER is None:
        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER


def block_products(X, y):
    """``(XᵀX, Xᵀy, X.sum(0), y.sum(0), len(X))`` of one block."""
    return X.T @ X, X.T @ y, X.sum(axis=0), y.sum(axis=0), len(X)


def _capsule_function(capsule, restype, *argtypes):
    """A C function exported by a Cython module (its ``__pyx_capi__`` capsule) as a ctypes
    function, which releases the GIL while it runs."""
    # Private prototypes: setting argtypes on ctypes.pythonapi's shared attributes would
    # change them for every other user in the process.
    get_name = ctypes.PYFUNCTYPE(ctypes.c_char_p, ctypes.py_object)(("PyCapsule_GetName", ctypes.pythonapi))
    get_pointer = ctypes.PYFUNCTYPE(ctypes.c_void_p, ctypes.py_object, ctypes.c_char_p)(
        ("PyCapsule_GetPointer", ctypes.pythonapi))
    address = get_pointer(capsule, get_name(capsule))
    return ctypes.CFUNCTYPE(restype, *argtypes)(address)


@functools.lru_cache(maxsize=None)
def _cython_blas(name, n_arguments):
    """scipy's BLAS routine ``name`` (all arguments pointers, no result) as a ctypes function."""
    return _capsule_function(scipy.linalg.cython_blas.__pyx_capi__[name], None, *[ctypes.c_void_p] * n_arguments)


def _check_blas_operands(X, square, caller):
    """Rows of ``X``; raise unless ``X`` (rows, F) and ``square`` (F, F) are C-contiguous float64."""
    rows, n = X.shape
    if not (X.flags.c_contiguous and square.flags.c_contiguous and square.shape == (n, n)
            and X.dtype == square.dtype == np.float64):
        raise ValueError(f"{caller} needs C-contiguous float64 arrays of shapes (rows, F) and (F, F)")
    return rows


def syrk_accumulate(total, X):
    """``total += Xᵀ X`` on the upper triangle of ``total`` (C order, F x F), in place.

    BLAS ``dsyrk`` (scipy's, from ``scipy.linalg.cython_blas``) through ctypes, with the GIL
    released while it runs (the wrapper in ``scipy.linalg.blas`` holds it, which stalls the
    thread producing the blocks). numpy runs ``dsyrk`` for ``X.T @ X`` too; this one adds
    into the running sum, without an F x F temporary and the pass that adds it
    (``benchmarks/gram_products.py`` compares the two). The lower triangle is left untouched.
    """
    rows = _check_blas_operands(X, total, "syrk_accumulate")
    if rows == 0:
        return
    n_, k_ = ctypes.c_int(X.shape[1]), ctypes.c_int(rows)
    one = ctypes.c_double(1.0)
    # Column-major BLAS sees X as Xᵀ (F x rows, leading dimension F) and total's upper
    # triangle as its lower one: C = A Aᵀ + C with A = Xᵀ, uplo "L", trans "N".
    _cython_blas("dsyrk", 10)(ctypes.c_char_p(b"L"), ctypes.c_char_p(b"N"), ctypes.byref(n_), ctypes.byref(k_),
                              ctypes.byref(one), X.ctypes.data, ctypes.byref(n_), ctypes.byref(one),
                              total.ctypes.data, ctypes.byref(n_))


def solve_upper_right(X, R):
    """``X ← X R⁻¹`` in place, for C-contiguous float64 ``X`` (rows, F) and upper triangular
    ``R`` (F, F, C order; its strict lower triangle is not read).

    BLAS ``dtrsm`` through ctypes, like :func:`syrk_accumulate`: no temporary, and the GIL
    released while it runs.

    Examples
    --------
    >>> import numpy as np
    >>> R = np.array([[2.0, 1.0], [0.0, 4.0]])
    >>> X = np.array([[2.0, 5.0]])
    >>> solve_upper_right(X, R); X.tolist()
    [[1.0, 1.0]]
    """
    rows = _check_blas_operands(X, R, "solve_upper_right")
    if rows == 0:
        return
    n_, rows_ = ctypes.c_int(X.shape[1]), ctypes.c_int(rows)
    one = ctypes.c_double(1.0)
    # Column-major BLAS sees X as Xᵀ (F x rows) and R as Rᵀ (lower): X R⁻¹ = (R⁻ᵀ Xᵀ)ᵀ is
    # the left solve with the lower triangle, side "L", uplo "L", no transpose.
    _cython_blas("dtrsm", 11)(ctypes.c_char_p(b"L"), ctypes.c_char_p(b"L"), ctypes.c_char_p(b"N"),
                              ctypes.c_char_p(b"N"), ctypes.byref(n_), ctypes.byref(rows_), ctypes.byref(one),
                              R.ctypes.data, ctypes.byref(n_), X.ctypes.data, ctypes.byref(n_))


class _Lane:
    """Sums of the blocks given to one lane, in the order given (XᵀX: upper triangle only)."""

    def __init__(self, n_features, y_shape, transform=None):
        self.xtx = np.zeros((n_features, n_features))
        self.xty = np.zeros((n_features,) + y_shape)
        self.x_sum = np.zeros(n_features)
        self.y_sum = np.zeros(y_shape)
        self.n_samples = 0
        self.gram_x_sum = np.zeros(n_features)
        self.gram_rows = 0
        self.transform = transform

    def add(self, X, y, in_gram=True):
        if self.transform is not None:
            X, y = self.transform(X, y)
        X = np.ascontiguousarray(X, dtype=np.float64)
        x_sum = X.sum(axis=0)
        if in_gram:
            syrk_accumulate(self.xtx, X)
            self.gram_x_sum += x_sum
            self.gram_rows += len(X)
        self.xty += X.T @ y
        self.x_sum += x_sum
        self.y_sum += y.sum(axis=0)
        self.n_samples += len(X)


#: What ``BlockSums.result`` returns. ``xtx`` sums the rows of the blocks in the Gram
#: matrix (all of them unless ``gram_sample``), ``gram_x_sum`` and ``gram_rows`` are their
#: column sums and count; the other sums are over all rows.
Sums = collections.namedtuple("Sums", "xtx xty x_sum y_sum n_samples gram_x_sum gram_rows")


class BlockSums:
    """Sums of XᵀX, Xᵀy and the column sums over blocks of rows, computed while the caller
    produces the next blocks.

    Block ``i`` goes to lane ``i % 2``; each lane adds its blocks in order on its own worker
    thread with single-threaded BLAS, and the two lanes are added at the end. Which thread
    computed what, and when, cannot change a bit of the result. Use as a context manager:
    ``submit(X, y)`` hands a block over (its arrays come back in ``free_buffers`` once used;
    do not modify them before), ``result()`` waits for all blocks and returns the sums.

    Parameters
    ----------
    n_features : int
        Columns of X. Below ``min_features`` the lanes run inline in the caller's thread
        (threads would cost more than they save); the arithmetic is the same.
    y_shape : tuple
        Shape of one row of y: ``()`` for one target, ``(n_targets,)`` for several.
    max_pending : int, default=4
        Blocks in flight at most; beyond that the caller waits for the oldest, so memory
        stays bounded however long the stream is.
    gram_sample : bool, default=False
        Add only about a third of the blocks to XᵀX, in pairs (blocks 0, 1, 6, 7, 12, 13, ...
        so both lanes share the work), for when XᵀX is only needed approximately (the
        preconditioner of the ``"qr"`` ridge solve). The other sums still take every row.
    transform : callable, optional
        ``transform(X, y) -> (X', y')`` applied to each block on its lane before it is
        added (e.g. the change of basis of the second pass of the ``"qr"`` ridge solve); it
        may work in place on the block's buffers. ``X'`` keeps the number of columns.

    Examples
    --------
    >>> import numpy as np
    >>> X, y = np.arange(12.0).reshape(6, 2), np.ones(6)
    >>> with BlockSums(n_features=2, y_shape=()) as sums:
    ...     sums.submit(X[:3], y[:3]); sums.submit(X[3:], y[3:])
    ...     result = sums.result()
    >>> np.array_equal(result.xtx, X.T @ X), result.n_samples
    (True, 6)
    """

    min_features = 128
    n_lanes = 2

    def __init__(self, n_features, y_shape, max_pending=4, gram_sample=False, transform=None):
        self.threaded = n_features >= self.min_features and (os.cpu_count() or 1) > 1
        self.max_pending = max_pending
        self.gram_sample = gram_sample
        self.free_buffers = []
        self._lanes = [_Lane(n_features, tuple(y_shape), transform) for _ in range(self.n_lanes)]
        self._n_blocks = 0
        self._pending = collections.deque()

    def __enter__(self):
        if self.threaded:
            self._cores = threading.Semaphore(min(self.n_lanes, os.cpu_count()))
            self._cores.acquire()  # the caller's own core, while it produces blocks
            # One single-thread executor per lane: a lane's blocks are added in order.
            self._workers = [ThreadPoolExecutor(1, thread_name_prefix="reservoir-blocks")
                             for _ in self._lanes]
            self._limits = blas_controller().limit(limits=1, user_api="blas")
        return self

    def __exit__(self, *exc):
        if self.threaded:
            for future, _ in self._pending:
                future.cancel()
            for worker in self._workers:
                worker.shutdown(wait=True)
            self._limits.restore_original_limits()
        return False

    def submit(self, X, y):
        """Add block ``(X, y)`` to the sums (on a worker thread when threaded)."""
        index = self._n_blocks
        lane = self._lanes[index % self.n_lanes]
        in_gram = not self.gram_sample or (index // self.n_lanes) % 3 == 0
        self._n_blocks += 1
        if not self.threaded:
            lane.add(X, y, in_gram)
            self.free_buffers.append((X, y))
            return
        if len(self._pending) >= self.max_pending:
            self._wait_oldest()
        worker = self._workers[index % self.n_lanes]
        self._pending.append((worker.submit(self._add_on_a_core, lane, X, y, in_gram), (X, y)))

    def result(self):
        """Wait for every block; return the :data:`Sums`, or None if no block was
        submitted."""
        if self.threaded:
            # The caller is done producing: its core goes to the workers.
            self._cores.release()
            while self._pending:
                self._wait_oldest(holds_core=False)
            self._cores.acquire()
        if self._n_blocks == 0:
            return None
        first, *others = self._lanes
        for lane in others:
            first.xtx += lane.xtx
            first.xty += lane.xty
            first.x_sum += lane.x_sum
            first.y_sum += lane.y_sum
            first.n_samples += lane.n_samples
            first.gram_x_sum += lane.gram_x_sum
            first.gram_rows += lane.gram_rows
        xtx = first.xtx
        lower = np.tril_indices(len(xtx), -1)
        xtx[lower] = xtx.T[lower]  # the mirror of the upper triangle
        return Sums(xtx, first.xty, first.x_sum, first.y_sum, first.n_samples, first.gram_x_sum,
                    first.gram_rows)

    def _add_on_a_core(self, lane, X, y, in_gram):
        with self._cores:
            lane.add(X, y, in_gram)

    def _wait_oldest(self, holds_core=True):
        future, buffers = self._pending.popleft()
        if holds_core and not future.done():
            # While it waits, the caller lends its core to the other lane.
            self._cores.release()
            try:
                future.result()
            finally:
                self._cores.acquire()
        else:
            future.result()
        self.free_buffers.append(buffers)
