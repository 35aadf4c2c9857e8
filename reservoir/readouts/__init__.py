"""Readouts: map reservoir features to targets.

``Ridge`` (streamed sufficient statistics, Cholesky / eigh / SVD solvers) and ``RLS``
(online FORCE). Any scikit-learn regressor or classifier can be passed as a readout too.
"""

from .linear import linear_weights
from .ridge import Ridge
from .rls import RLS

__all__ = ["Ridge", "RLS", "linear_weights"]
