"""Reading a user's own time series from a file: ``.csv``, ``.npy`` or ``.npz``, columns = variables.

Used by ``reservoir forecast --data FILE``; rows are time steps at a constant spacing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["load_series"]

_SUFFIXES = (".csv", ".npy", ".npz")


def load_series(path, key=None):
    """A series of shape (T, D) and its column names from a ``.csv``, ``.npy`` or ``.npz`` file.

    Parameters
    ----------
    path : str or path-like
        ``.csv``: comma-separated numbers, one row per time step, an optional header row of
        column names, ``#`` comments; ``.npy``: one array of shape (T,) or (T, D); ``.npz``:
        such an array, the only one in the file or the one named ``key``.
    key : str, optional
        The array of an ``.npz`` file holding several.

    Returns
    -------
    series : ndarray of shape (T, D)
    names : list of str or None
        The CSV header, if there is one.

    Raises
    ------
    ValueError
        On a missing file, an unknown suffix, a wrong shape, or NaN/infinite values.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "s.csv")
    >>> _ = open(path, "w").write("x,y\\n1,2\\n3,4\\n5,6\\n")
    >>> X, names = load_series(path)
    >>> X.shape, names
    ((3, 2), ['x', 'y'])
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _SUFFIXES:
        raise ValueError(f"data file {str(path)!r}: expected a .csv, .npy or .npz file, got suffix {suffix!r}")
    if not path.is_file():
        raise ValueError(f"data file {str(path)!r} does not exist")
    names = None
    if suffix == ".csv":
        series, names = _read_csv(path)
    elif suffix == ".npy":
        series = np.load(path, allow_pickle=False)
    else:
        with np.load(path, allow_pickle=False) as archive:
            keys = list(archive.files)
            if key is None and len(keys) != 1:
                raise ValueError(f"data file {str(path)!r} holds {len(keys)} arrays {keys}; name one "
                                 "(--data-key in the command line)")
            if key is not None and key not in keys:
                raise ValueError(f"data file {str(path)!r} has no array {key!r}; it holds {keys}")
            series = archive[keys[0] if key is None else key]
    try:
        series = np.asarray(series, dtype=float)
    except (TypeError, ValueError) as err:
        raise ValueError(f"data file {str(path)!r}: expected numbers, got {err}") from None
    if series.ndim == 1:
        series = series[:, None]
    if series.ndim != 2 or series.shape[0] < 2 or series.shape[1] < 1:
        raise ValueError(f"data file {str(path)!r}: expected a series of shape (T, D) or (T,), "
                         f"got {series.shape}")
    bad = ~np.isfinite(series)
    if bad.any():
        row = int(np.argwhere(bad)[0, 0])
        raise ValueError(f"data file {str(path)!r} contains NaN or infinite values (first in row {row})")
    return series, names


def _read_csv(path):
    lines = [line.strip() for line in path.read_text().splitlines()]
    lines = [line for line in lines if line and not line.startswith("#")]
    if not lines:
        raise ValueError(f"data file {str(path)!r} is empty")
    names = None
    first = [f.strip() for f in lines[0].split(",")]
    try:
        [float(f) for f in first]
    except ValueError:
        names, lines = first, lines[1:]
    rows = []
    for number, line in enumerate(lines, start=1 if names is None else 2):
        fields = line.split(",")
        try:
            rows.append([float(f) for f in fields])
        except ValueError:
            raise ValueError(f"data file {str(path)!r}, data row {number}: expected comma-separated "
                             f"numbers, got {line[:60]!r}") from None
    widths = {len(r) for r in rows}
    if len(widths) > 1 or (names is not None and rows and len(names) != len(rows[0])):
        raise ValueError(f"data file {str(path)!r}: rows have different numbers of columns")
    return np.array(rows, dtype=float), names
