"""Compiled kernels for the hottest loops, with the jax scan as the fallback (see ``native``)."""

from .sparse_esn import applies, run_sparse_esn

__all__ = ["applies", "run_sparse_esn"]
