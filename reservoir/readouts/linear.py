"""Recognising readouts that are linear maps, so the closed loop can run compiled."""

import numpy as np
from sklearn.base import is_classifier

#: Rows on which a readout's ``predict`` is checked against ``coef_`` and ``intercept_``.
_PROBE_ROWS = 2


def linear_weights(readout):
    """``(coef, intercept)`` as 2-D / 1-D arrays if ``readout`` is a fitted linear map, else None.

    Recognised by protocol, not by class: a fitted regressor exposing ``coef_`` and
    ``intercept_`` whose ``predict`` is ``X @ coef_.T + intercept_`` (checked on two probe
    rows, so that models with such attributes but another link, e.g. scikit-learn's
    ``PoissonRegressor``, are not taken for linear ones). Classifiers are not linear maps of
    their outputs.

    Examples
    --------
    >>> import numpy as np
    >>> from reservoir import Ridge
    >>> coef, intercept = linear_weights(Ridge().fit(np.eye(3), np.arange(3.0)))
    >>> coef.shape, intercept.shape
    ((1, 3), (1,))
    >>> from sklearn.linear_model import PoissonRegressor
    >>> linear_weights(PoissonRegressor().fit(np.eye(3), np.arange(3.0))) is None
    True
    """
    if is_classifier(readout) or not (hasattr(readout, "coef_") and hasattr(readout, "intercept_")):
        return None
    try:
        coef = np.atleast_2d(np.asarray(readout.coef_, dtype=np.float64))
        intercept = np.broadcast_to(np.asarray(readout.intercept_, dtype=np.float64), (coef.shape[0],)).copy()
    except (TypeError, ValueError):
        return None
    if coef.ndim != 2:
        return None
    probe = np.random.default_rng(0).standard_normal((_PROBE_ROWS, coef.shape[1]))
    try:
        predicted = np.asarray(readout.predict(probe), dtype=np.float64).reshape(_PROBE_ROWS, -1)
    except Exception:  # noqa: BLE001  (any failure means: not usable as a plain linear map)
        return None
    expected = probe @ coef.T + intercept
    scale = np.abs(expected).max() + np.abs(coef).sum() + 1.0
    if predicted.shape != expected.shape or not np.allclose(predicted, expected, rtol=1e-9, atol=1e-9 * scale):
        return None
    return coef, intercept
