"""How the estimators fit a readout: one path, chosen by what the readout offers.

- ``fit_streamed(chunks)``: the readout reads re-iterable ``(X, y)`` chunks itself, so the
  memory of a fit does not grow with the length of the data (this package's ``Ridge`` and
  ``RLS``); a readout whose ``fit_streamed`` also takes ``penalty_rows`` accepts extra
  Tikhonov rows (the forecaster's Jacobian penalty).
- anything else with ``fit(X, y)`` (any scikit-learn regressor): the chunks are copied into
  one matrix and fitted at once. scikit-learn's ``partial_fit`` is not used to stream: it
  means one incremental pass (an SGD epoch), not the model ``fit`` would give.
"""

import inspect

import numpy as np


def streams(readout):
    """Whether ``readout`` fits from streamed chunks (offers ``fit_streamed``).

    Examples
    --------
    >>> from reservoir import Ridge
    >>> from sklearn.linear_model import Lasso
    >>> streams(Ridge()), streams(Lasso())
    (True, False)
    """
    return callable(getattr(readout, "fit_streamed", None))


def takes_penalty_rows(readout):
    """Whether ``readout.fit_streamed`` accepts ``penalty_rows`` (extra Tikhonov rows).

    Examples
    --------
    >>> from reservoir import RLS, Ridge
    >>> takes_penalty_rows(Ridge()), takes_penalty_rows(RLS())
    (True, False)
    """
    return streams(readout) and "penalty_rows" in inspect.signature(readout.fit_streamed).parameters


def fit_readout(readout, chunks, penalty_rows=None):
    """Fit ``readout`` on the ``(X, y)`` chunks (re-iterable; the arrays of a chunk may be
    reused for the next one) and return it.

    Examples
    --------
    >>> from reservoir import Ridge
    >>> from sklearn.linear_model import LinearRegression
    >>> X = np.arange(12.0).reshape(6, 2) ** 2
    >>> y = X @ np.array([1.0, -1.0])
    >>> chunks = [(X[:3], y[:3]), (X[3:], y[3:])]
    >>> a = fit_readout(Ridge(alpha=0.0, solver="svd"), chunks).coef_
    >>> b = fit_readout(LinearRegression(), chunks).coef_
    >>> bool(np.allclose(a, [1.0, -1.0]) and np.allclose(b, [1.0, -1.0]))
    True
    """
    if streams(readout):
        if penalty_rows is None:
            return readout.fit_streamed(chunks)
        if not takes_penalty_rows(readout):
            raise ValueError(f"penalty_rows: {type(readout).__name__}.fit_streamed takes no penalty rows")
        return readout.fit_streamed(chunks, penalty_rows=penalty_rows)
    if penalty_rows is not None:
        raise ValueError(f"penalty_rows: {type(readout).__name__} does not stream (no fit_streamed)")
    X, y = concatenate_chunks(chunks)
    return readout.fit(X, y)


def concatenate_chunks(chunks):
    """``(X, y)`` of all chunks, copied (a chunk's arrays may be reused for the next one).

    Examples
    --------
    >>> X, y = concatenate_chunks([(np.ones((2, 3)), np.zeros(2)), (np.ones((1, 3)), np.ones(1))])
    >>> X.shape, y.tolist()
    ((3, 3), [0.0, 0.0, 1.0])
    """
    xs, ys = [], []
    for X, y in chunks:
        xs.append(np.array(X, dtype=np.float64))
        ys.append(np.array(y))
    if not xs:
        raise ValueError("chunks is empty: there is nothing to fit")
    return np.concatenate(xs), np.concatenate(ys)
