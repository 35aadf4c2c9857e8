"""Data files shipped with the package (``data/``, installed as ``reservoir.data``), read with
their SHA-256 checked."""

import hashlib
import importlib.resources
import io
from pathlib import Path

import numpy as np


def read_checked_npz(filename):
    """The arrays of the shipped ``filename`` (an ``.npz`` beside its ``.sha256``), as a dict.

    Read from the source checkout's ``data/`` when there is one, else from the installed
    ``reservoir.data``; raises ``OSError`` when the bytes do not match the shipped checksum
    (a truncated or altered file must not give silently different numbers).

    Examples
    --------
    >>> sorted(read_checked_npz("gilpin2023_univariate.npz"))[:2]  # doctest: +SKIP
    ['models', 'scored_systems']
    """
    source = Path(__file__).resolve().parents[1] / "data"
    if (source / filename).is_file():
        raw = (source / filename).read_bytes()  # a source checkout
        expected = (source / (filename + ".sha256")).read_text().split()[0]
    else:
        files = importlib.resources.files("reservoir.data")
        raw = files.joinpath(filename).read_bytes()
        expected = files.joinpath(filename + ".sha256").read_text().split()[0]
    digest = hashlib.sha256(raw).hexdigest()
    if digest != expected:
        raise OSError(f"{filename} is corrupted: SHA-256 {digest}, expected {expected}; reinstall the package")
    with np.load(io.BytesIO(raw), allow_pickle=False) as data:
        return {key: data[key] for key in data.files}
