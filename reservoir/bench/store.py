"""An append-only results store that survives being killed at any point.

Each finished task is one line of JSON in ``results.jsonl``, written with a single ``write``
and flushed to disk before the next task is recorded. A run killed mid-write leaves at most
one incomplete last line; reading skips it and the next append first cuts it off, so a
resumed run re-does only the task whose line was lost. Records are keyed by
:func:`reservoir.bench.evaluate.task_key`; a key seen twice keeps its first record.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

__all__ = ["ResultsStore"]


class ResultsStore:
    """Finished benchmark tasks, one JSON line each.

    Parameters
    ----------
    path : str or Path
        The ``.jsonl`` file; created (with its directory) on the first append.

    Examples
    --------
    >>> import tempfile, os
    >>> store = ResultsStore(os.path.join(tempfile.mkdtemp(), "results.jsonl"))
    >>> store.append({"key": "a", "metrics": {"smape": 1.0}})
    >>> store.keys()
    {'a'}
    """

    def __init__(self, path):
        self.path = Path(path)

    def records(self) -> list[dict]:
        """All complete records, first occurrence of each key, in the order written."""
        if not self.path.exists():
            return []
        records, seen = [], set()
        with open(self.path, "rb") as f:
            for line in f:
                if not line.endswith(b"\n"):
                    break  # the partial last line of a killed run
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if record.get("key") in seen:
                    continue
                seen.add(record.get("key"))
                records.append(record)
        return records

    def keys(self) -> set:
        """Keys of the finished tasks."""
        return {r["key"] for r in self.records()}

    def append(self, record: dict) -> None:
        """Write one finished task durably (flushed and fsynced before returning)."""
        if "key" not in record:
            raise ValueError("record must have a 'key'")
        line = (json.dumps(record, allow_nan=True, default=_jsonable) + "\n").encode()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._cut_partial_line()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)

    def tidy_rows(self) -> list[dict]:
        """One row per (task, metric): protocol, model, system, seed, fit_length, metric, value.

        Failed tasks give one row with metric ``"error"`` and value NaN.
        """
        rows = []
        for r in self.records():
            base = {k: r[k] for k in ("protocol", "model", "system", "seed", "fit_length")}
            if r.get("metrics") is None:
                rows.append({**base, "metric": "error", "value": float("nan")})
                continue
            rows.extend({**base, "metric": name, "value": value} for name, value in r["metrics"].items())
        return rows

    def write_csv(self, path) -> Path:
        """Write :meth:`tidy_rows` as CSV and return the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fields = ["protocol", "model", "system", "seed", "fit_length", "metric", "value"]
        with open(path, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=fields)
            writer.writeheader()
            writer.writerows(self.tidy_rows())
        return path

    def _cut_partial_line(self):
        if not self.path.exists() or self.path.stat().st_size == 0:
            return
        with open(self.path, "rb+") as f:
            f.seek(-1, os.SEEK_END)
            if f.read(1) == b"\n":
                return
            f.seek(0)
            data = f.read()
            f.truncate(data.rfind(b"\n") + 1)


def _jsonable(value):
    """numpy scalars and tuples in params become plain JSON values."""
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
