"""How many BLAS threads a factorisation of the ridge readout may use."""

import contextlib

from .block_sums import blas_controller

__all__ = ["blas_threads"]


def blas_threads(n_features):
    """A context that limits BLAS to one thread for mid-sized factorisations.

    On a machine with few cores, a threaded Cholesky of a Gram matrix of about a thousand
    features run after a jax computation can be many times slower with two OpenBLAS threads
    than with one: threads spin-wait for a core that another thread pool holds
    (``benchmarks/speed_suite.py``'s Lorenz fit shows it). Below a few thousand features one
    thread loses little when the machine is idle; above, threading pays and is left alone.

    Examples
    --------
    >>> import numpy as np
    >>> with blas_threads(1000):
    ...     factor = np.linalg.cholesky(np.eye(1000))
    """
    if 256 <= n_features <= 4096:
        return blas_controller().limit(limits=1, user_api="blas")
    return contextlib.nullcontext()
