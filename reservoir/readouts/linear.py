"""Recognising readouts that are linear maps, so the closed loop can run compiled."""

import numpy as np
from sklearn.base import is_classifier
from sklearn.linear_model._base import LinearModel


def linear_weights(readout):
    """Return ``(coef, intercept)`` as 2-D / 1-D arrays if ``readout`` is a fitted linear
    regressor (this package's ``Ridge`` or ``RLS``, or a scikit-learn linear model), else None.

    Examples
    --------
    >>> import numpy as np
    >>> from reservoir import Ridge
    >>> coef, intercept = linear_weights(Ridge().fit(np.eye(3), np.arange(3.0)))
    >>> coef.shape, intercept.shape
    ((1, 3), (1,))
    """
    from .ridge import Ridge
    from .rls import RLS

    if not isinstance(readout, (Ridge, RLS, LinearModel)) or is_classifier(readout) or not hasattr(readout, "coef_"):
        return None
    coef = np.atleast_2d(np.asarray(readout.coef_, dtype=np.float64))
    intercept = np.broadcast_to(np.asarray(readout.intercept_, dtype=np.float64), (coef.shape[0],)).copy()
    return coef, intercept
