"""What ``None`` means for the estimators' ``reservoir`` and ``readout``: in one place."""


def default_reservoir():
    """The reservoir of an estimator given ``reservoir=None``: ``ESN()``."""
    from .esn import ESN

    return ESN()


def default_readout(alpha=1e-6):
    """The readout of an estimator given ``readout=None``: the accurate streamed
    ``Ridge(alpha, solver="qr")`` (the forecaster and the classifier choose ``alpha`` on
    validation data).

    Examples
    --------
    >>> default_readout(1e-8)
    Ridge(alpha=1e-08, solver='qr')
    """
    from .readouts import Ridge

    return Ridge(alpha=alpha, solver="qr")
