"""The shipped N-TIDIGITS-like spoken-digit events (``data/spoken_digits_events.npz``).

Synthetic speech (espeak-ng: 96 "speakers" = 8 English accents x 12 voice variants, random rate,
pitch and pink background noise) encoded by a 64-channel gammatone / integrate-and-fire cochlea
(:class:`~reservoir.events.cochlea.Cochlea`); built by ``benchmarks/build_spoken_digits.py``
(provenance in ``data/README.md``). The file's SHA-256 is checked on load.

Examples
--------
>>> data = load_spoken_digits()
>>> X = spoken_digit_inputs(data, n_steps=129, step_ms=10.0)
>>> X.shape[1:], sorted(set(data["labels"].tolist())) == list(range(10))
((129, 64), True)
"""

import functools

import numpy as np

from ..shipped_data import read_checked_npz
from .binning import bin_audio_events

__all__ = ["load_spoken_digits", "spoken_digit_inputs", "utterance_events"]

_FILE = "spoken_digits_events.npz"


@functools.lru_cache(maxsize=1)
def _read():
    return read_checked_npz(_FILE)


def load_spoken_digits():
    """All arrays of the shipped file, as a dict (copies: the cache stays intact).

    Keys: ``times_ms`` (uint16), ``channels`` (uint8), ``offsets`` (utterance ``i`` is
    ``offsets[i]:offsets[i + 1]``), ``labels``, ``speakers``, ``speed_wpm``, ``pitch``,
    ``snr_db``, ``speaker_names``, ``words``.
    """
    return {key: value.copy() for key, value in _read().items()}


def utterance_events(data, i):
    """``(times_ms, channels)`` of utterance ``i``."""
    n = len(data["labels"])
    if not 0 <= int(i) < n:
        raise ValueError(f"i must lie in [0, {n}), got {i}")
    a, b = data["offsets"][i], data["offsets"][i + 1]
    return data["times_ms"][a:b].astype(np.float64), data["channels"][a:b].astype(np.int64)


def spoken_digit_inputs(data, n_steps=129, step_ms=10.0):
    """Binary input tensor ``(n_utterances, n_steps, 64)`` of all utterances (see
    :func:`~reservoir.events.binning.bin_audio_events`)."""
    return np.stack([bin_audio_events(*utterance_events(data, i), n_channels=64, n_steps=n_steps, step_ms=step_ms)
                     for i in range(len(data["labels"]))]).astype(np.float32)
