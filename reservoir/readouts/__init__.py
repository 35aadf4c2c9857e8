"""Readouts: map reservoir features to targets.

``Ridge`` (streamed sufficient statistics, Cholesky / eigh / SVD solvers) and ``RLS``
(online FORCE). Any scikit-learn regressor or classifier can be passed as a readout too:
readouts are recognised by what they offer (:mod:`reservoir.readouts.protocol`: a
``fit_streamed`` streams; ``coef_`` and ``intercept_`` of a linear map compile the closed
loop, :func:`linear_weights`), never by class.
"""

from .linear import linear_weights
from .protocol import fit_readout, streams
from .ridge import Ridge
from .rls import RLS

__all__ = ["Ridge", "RLS", "fit_readout", "linear_weights", "streams"]
