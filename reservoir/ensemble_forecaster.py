"""An ensemble of forecasters that differ only in their random draw, combined by the median."""

import warnings

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.utils.validation import check_is_fitted

from .forecaster import ReservoirForecaster, check_divergence
from .validation import check_positive_int


class EnsembleForecaster(BaseEstimator):
    """Fit ``n_members`` copies of a forecaster with different seeds; forecast their median.

    Each member is ``clone(forecaster)`` with ``random_state = seed + k`` (k = 0 … n_members-1;
    ``seed`` is ``random_state``, else the forecaster's, else its reservoir's, else 0), so the
    members draw different reservoirs and are fitted independently on the same series. Each
    runs its own closed loop; the forecast is the pointwise median of theirs, which one
    member that diverges does not move (a mean would follow it). Averaging reservoirs is the
    standard way to reduce the variance that one random draw adds to a forecast.

    Parameters
    ----------
    forecaster : ReservoirForecaster, default=None
        The member template (``None``: ``ReservoirForecaster()``).
    n_members : int, default=5
    random_state : int or None, default=None

    Attributes
    ----------
    members_ : list of fitted forecasters

    Examples
    --------
    >>> import numpy as np
    >>> from reservoir import ESN, EnsembleForecaster, ReservoirForecaster
    >>> t = np.arange(1500) * 0.05
    >>> series = np.column_stack([np.sin(t), np.cos(t)])
    >>> ens = EnsembleForecaster(ReservoirForecaster(ESN(n_units=50)), n_members=3, random_state=0)
    >>> ens.fit(series[:1200]).forecast(50).shape
    (50, 2)
    """

    def __init__(self, forecaster=None, n_members=5, random_state=None):
        self.forecaster = forecaster
        self.n_members = n_members
        self.random_state = random_state

    def _base_seed(self, template):
        for seed in (self.random_state, getattr(template, "random_state", None),
                     getattr(getattr(template, "reservoir", None), "random_state", None)):
            if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
                return int(seed)
        return 0

    def fit(self, X, y=None):
        """Fit every member on ``X`` (as ``ReservoirForecaster.fit``)."""
        n_members = check_positive_int(self.n_members, "n_members")
        template = ReservoirForecaster() if self.forecaster is None else self.forecaster
        if not (hasattr(template, "fit") and hasattr(template, "forecast") and "random_state" in template.get_params()):
            raise TypeError("forecaster must be a forecaster with fit, forecast and a random_state parameter "
                            f"(e.g. ReservoirForecaster), got {type(template).__name__}")
        seed = self._base_seed(template)
        self.members_ = [clone(template).set_params(random_state=seed + k).fit(X) for k in range(n_members)]
        self.n_features_in_ = self.members_[0].n_features_in_
        return self

    def forecast(self, n_steps, context=None, on_divergence="warn"):
        """The median of the members' closed-loop forecasts (see ``ReservoirForecaster.forecast``)."""
        check_is_fitted(self, "members_")
        if on_divergence not in ("warn", "raise", "ignore"):
            raise ValueError(f"on_divergence must be 'warn', 'raise' or 'ignore', got {on_divergence!r}")
        runs = np.stack([m.forecast(n_steps, context=context, on_divergence="ignore") for m in self.members_])
        runs[~np.isfinite(runs)] = np.nan
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a step where every member diverged: NaN
            combined = np.nanmedian(runs, axis=0)
        first = self.members_[0]
        scaled = first._scale(combined)
        check_divergence(scaled, first.divergence_factor * first.train_bound_, first.divergence_factor, on_divergence)
        return combined

    def predict(self, X):
        """The median of the members' teacher-forced one-step predictions."""
        check_is_fitted(self, "members_")
        return np.median(np.stack([np.asarray(m.predict(X)) for m in self.members_]), axis=0)
