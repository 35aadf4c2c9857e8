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

import importlib

# Public names -> the module defining them. They are imported when first used (PEP 562), so
# `import reservoir` does not pay for JAX, scikit-learn or matplotlib: a command-line call or a
# script that only needs the data or the metrics starts fast. The first access to a name
# that needs JAX turns on its 64-bit mode for the process (reservoir._jax).
_LAZY = {
    "Reservoir": "base",
    "ContextParroting": "baselines",
    "MeanForecaster": "baselines",
    "PersistenceForecaster": "baselines",
    "ReservoirClassifier": "classifier",
    "DeepESN": "deep_esn",
    "EIReservoir": "ei",
    "EnsembleForecaster": "ensemble_forecaster",
    "ESN": "esn",
    "ForecastDivergenceError": "forecaster",
    "ForecastDivergenceWarning": "forecaster",
    "ReservoirForecaster": "forecaster",
    "HybridESN": "hybrid",
    "IPReservoir": "ip",
    "LSM": "lsm",
    "NeuronAstrocyteLSM": "nalsm",
    "lyapunov_spectrum": "lyapunov",
    "NVARFeatures": "nvar_features",
    "NVARForecaster": "nvar",
    "OnionESN": "onion",
    "load": "persistence",
    "save": "persistence",
    "RLS": "readouts",
    "Ridge": "readouts",
    "ReservoirRegressor": "regressor",
}


def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'reservoir' has no attribute {name!r}")
    importlib.import_module(f"{__name__}._jax")  # float64 on before any array is made
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


__version__ = "0.1.0"

__all__ = [
    "ContextParroting",
    "DeepESN",
    "EIReservoir",
    "ESN",
    "EnsembleForecaster",
    "RLS",
    "ForecastDivergenceError",
    "ForecastDivergenceWarning",
    "HybridESN",
    "IPReservoir",
    "LSM",
    "MeanForecaster",
    "NVARFeatures",
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
