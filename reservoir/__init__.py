"""Reservoir computing and dynamical-systems computing with one scikit-learn style API.

Reservoirs (``ESN`` and the other families) fill one small contract; readouts (``Ridge``,
``RLS`` or any scikit-learn estimator) map their features to targets; the estimators
``ReservoirRegressor``, ``ReservoirClassifier`` and ``ReservoirForecaster`` compose the two.

Examples
--------
>>> from reservoir import ESN, Ridge, ReservoirForecaster
>>> from reservoir.chaos import trajectory
>>> t, X = trajectory("Lorenz", n=3000, pts_per_period=100, seed=0)  # doctest: +SKIP
>>> fc = ReservoirForecaster(ESN(n_units=500, random_state=0), Ridge(alpha=1e-6)).fit(X[:2500])  # doctest: +SKIP
>>> Y = fc.forecast(500)  # doctest: +SKIP
"""

from . import _jax  # noqa: F401  (float64 on)
from .base import Reservoir
from .baselines import ContextParroting, MeanForecaster, PersistenceForecaster
from .classifier import ReservoirClassifier
from .deep_esn import DeepESN
from .ei import EIReservoir
from .esn import ESN
from .forecaster import ForecastDivergenceError, ForecastDivergenceWarning, ReservoirForecaster
from .hybrid import HybridESN
from .ip import IPReservoir
from .lsm import LSM, NeuronAstrocyteLSM
from .lyapunov import lyapunov_spectrum
from .nvar import NVARForecaster
from .onion import OnionESN
from .persistence import load, save
from .readouts import RLS, Ridge
from .regressor import ReservoirRegressor

__version__ = "0.1.0"

__all__ = [
    "ContextParroting",
    "DeepESN",
    "EIReservoir",
    "ESN",
    "RLS",
    "ForecastDivergenceError",
    "ForecastDivergenceWarning",
    "HybridESN",
    "IPReservoir",
    "LSM",
    "MeanForecaster",
    "NVARForecaster",
    "NeuronAstrocyteLSM",
    "OnionESN",
    "PersistenceForecaster",
    "Reservoir",
    "ReservoirClassifier",
    "ReservoirForecaster",
    "ReservoirRegressor",
    "Ridge",
    "load",
    "lyapunov_spectrum",
    "save",
]
