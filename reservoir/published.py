"""The published record of the dysts chaos benchmark, univariate (Gilpin 2023), shipped in
``data/gilpin2023_univariate.npz``.

What the published benchmark ran on and what its models forecast, bit for bit: for 133
systems a train and a test trajectory of the first coordinate (1200 points at 100 points per
dominant period), and for the 131 scored systems the 200-step forecasts of 16 published
models (darts: NBEATS, LSTM, Transformer, ...) from the test trajectory's first 1000 points.
The published scores are sMAPE (0-200) over the 199 points ``test[1000:1199]``; they are
computed here from the shipped forecasts, never typed in. Provenance and licence (MIT, from
the dysts repository's history) in ``data/README.md``; ``benchmarks/build_published_data.py``
builds the file from the original JSON and checks it against the published scores.

Examples
--------
>>> t, x = published_series("Lorenz", "test")
>>> x.shape, len(published_systems())
((1200, 1), 131)
>>> round(float(np.median(list(published_scores("NBEATSModel").values()))), 1)
67.7
"""

import functools

import numpy as np

from .metrics import smape
from .shipped_data import read_checked_npz

__all__ = ["N_FIT", "N_SCORED", "published_forecast", "published_models", "published_scores",
           "published_series", "published_systems"]

_FILE = "gilpin2023_univariate.npz"
#: Points a model is fitted on (and, in the train file, validated after).
N_FIT = 1000
#: Points scored after the fit window: ``test[1000:1199]``.
N_SCORED = 199


@functools.lru_cache(maxsize=1)
def _load():
    return read_checked_npz(_FILE)


def published_systems(scored=True):
    """Names of the systems with published scores (131), or with trajectories (133).

    Examples
    --------
    >>> len(published_systems(scored=False)), "Lorenz" in published_systems()
    (133, True)
    """
    return [str(s) for s in _load()["scored_systems" if scored else "systems"]]


def published_models():
    """The darts models of the published run, by their published class names.

    Examples
    --------
    >>> published_models()[:3]
    ['ARIMA', 'AutoARIMA', 'ExponentialSmoothing']
    """
    return [str(m) for m in _load()["models"]]


def _index(names, name, what):
    from .names import resolve_name

    names = [str(n) for n in names]
    try:  # case-insensitive, close matches in the message
        return names.index(resolve_name(name, names, what))
    except (ValueError, TypeError) as err:
        raise ValueError(f"{what} {name!r} is not in the published univariate benchmark ({err})") from None


def published_series(system, split="test"):
    """The published univariate trajectory of ``system``: ``(time, values)`` with ``values``
    of shape (1200, 1) (the first coordinate).

    Parameters
    ----------
    system : str
        A dysts system name (:func:`published_systems` with ``scored=False``).
    split : {"train", "test"}
        ``"train"``: the trajectory hyperparameters are chosen on (fit ``[:1000]``, forecast
        ``[1000:1200]``); ``"test"``: the one scored (refit on ``[:1000]``, forecast, score
        ``[1000:1199]``).

    Examples
    --------
    >>> t, x = published_series("Lorenz", "train")
    >>> round(float(t[1] - t[0]), 6)
    0.015021
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    data = _load()
    row = _index(data["systems"], system, "system")
    return data[f"{split}_time"][row].copy(), data[f"{split}_values"][row][:, None].copy()


def published_forecast(model, system):
    """The 200-step forecast that published ``model`` made of ``system``'s test trajectory.

    Examples
    --------
    >>> published_forecast("NaiveSeasonal", "Lorenz")[:2].round(4).tolist()
    [-3.2242, -3.2242]
    """
    data = _load()
    return data["predictions"][_index(data["models"], model, "model"),
                               _index(data["scored_systems"], system, "system")].copy()


def published_scores(model):
    """``{system: sMAPE}`` of published ``model``, computed from its shipped forecasts over
    the 199 scored points, as published.

    Examples
    --------
    >>> round(published_scores("NaiveSeasonal")["Lorenz"], 2)
    143.02
    """
    data = _load()
    i = _index(data["models"], model, "model")
    rows = {str(s): k for k, s in enumerate(data["systems"])}
    scores = {}
    for j, system in enumerate(data["scored_systems"]):
        truth = data["test_values"][rows[str(system)], N_FIT:N_FIT + N_SCORED]
        scores[str(system)] = float(smape(truth, data["predictions"][i, j, :N_SCORED]))
    return scores
