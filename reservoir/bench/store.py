"""An append-only results store that survives being killed at any point and shared writers.

Each finished task is one line of JSON in ``results.jsonl``, written with a single ``write``
and flushed to disk before the next task is recorded. A run killed mid-write leaves at most
one incomplete last line; reading skips it and the next append first cuts it off, so a
resumed run re-does only the task whose line was lost. Appends hold a lock
(``results.jsonl.lock``, :mod:`filelock`), so several runs sharing one store neither cut each
other's lines nor write a task twice: a task already finished in the store is not appended
again. Records are keyed by :func:`reservoir.bench.evaluate.task_key`; for each key the first
successful record is kept (a failed task is retried by the next run), else the last failure.
Lines that are not a JSON object with a string ``key`` (a damaged or hand-edited file) are
skipped with a warning, not a crash.
"""

from __future__ import annotations

import csv
import json
import os
import warnings
from pathlib import Path

from filelock import FileLock

from ..atomic import atomic_open

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
    True
    >>> store.append({"key": "a", "metrics": {"smape": 2.0}})  # already finished: not written
    False
    >>> store.keys()
    {'a'}
    """

    def __init__(self, path):
        self.path = Path(path)
        # Keys finished so far and the byte offset read up to: appends and reruns check
        # for finished tasks by reading only what was added since, not the whole file.
        self._finished, self._offset = set(), 0

    @property
    def lock(self) -> FileLock:
        """The inter-process lock every append holds (``<path>.lock``)."""
        return FileLock(str(self.path) + ".lock")

    def records(self) -> list[dict]:
        """All complete records, one per key (its first success, else its last failure),
        in the order the keys were first written."""
        if not self.path.exists():
            return []
        chosen, bad = {}, []
        with open(self.path, "rb") as f:
            for number, line in enumerate(f, 1):
                if not line.endswith(b"\n"):
                    break  # the partial last line of a killed run
                try:
                    record = json.loads(line)
                except ValueError:  # not JSON, not UTF-8, NUL bytes
                    record = None
                if not (isinstance(record, dict) and isinstance(record.get("key"), str)):
                    if line.strip():
                        bad.append(number)
                    continue
                key = record["key"]
                # A failure is replaced by any later record of its key; a success never is.
                if key not in chosen or _failed(chosen[key]):
                    chosen[key] = record
        if bad:
            warnings.warn(f"{self.path}: skipped {len(bad)} malformed line(s) (first: line {bad[0]}); "
                          "each line must be a JSON object with a string 'key'", RuntimeWarning, stacklevel=2)
        return list(chosen.values())

    def keys(self) -> set:
        """Keys of the recorded tasks, failed ones included."""
        return {r["key"] for r in self.records()}

    def finished_keys(self) -> set:
        """Keys of the tasks that finished without error (a rerun skips these, retries the rest)."""
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            size = 0
        if size < self._offset:  # the file was replaced: read it again from the start
            self._finished, self._offset = set(), 0
        if size > self._offset:
            with open(self.path, "rb") as f:
                f.seek(self._offset)
                data = f.read(size - self._offset)
            complete = data[:data.rfind(b"\n") + 1]  # a partial last line is read next time
            self._offset += len(complete)
            for line in complete.splitlines():
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                if isinstance(record, dict) and isinstance(record.get("key"), str) and not _failed(record):
                    self._finished.add(record["key"])
        return set(self._finished)

    def append(self, record: dict) -> bool:
        """Write one task durably (flushed and fsynced before returning).

        Returns False, writing nothing, when the store already holds a successful record
        of the same key (another run sharing the store finished it first).
        """
        if not isinstance(record, dict) or not isinstance(record.get("key"), str):
            raise ValueError("record must be a dict with a string 'key'")
        line = (json.dumps(record, allow_nan=True, default=_jsonable) + "\n").encode()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Under the lock: cutting a partial line and appending must not interleave with
        # another process's append (it would cut that process's fresh line).
        with self.lock:
            self._cut_partial_line()
            if record["key"] in self.finished_keys():
                return False
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)
        return True

    def tidy_rows(self) -> list[dict]:
        """One row per (task, metric): protocol, model, system, seed, fit_length, metric, value.

        Failed tasks give one row with metric ``"error"`` and value NaN.
        """
        rows = []
        fields = ("protocol", "model", "system", "seed", "fit_length")
        for r in self.records():
            if not all(k in r for k in fields):
                continue  # not a benchmark task record
            base = {k: r[k] for k in fields}
            if r.get("metrics") is None:
                rows.append({**base, "metric": "error", "value": float("nan")})
                continue
            if isinstance(r["metrics"], dict):
                rows.extend({**base, "metric": name, "value": value} for name, value in r["metrics"].items())
        return rows

    def write_csv(self, path) -> Path:
        """Write :meth:`tidy_rows` as CSV and return the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fields = ["protocol", "model", "system", "seed", "fit_length", "metric", "value"]
        with atomic_open(path, "w", newline="") as f:
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


def _failed(record):
    """A record of a task that raised (``error`` set) or produced no metrics."""
    return record.get("error") is not None or ("metrics" in record and record["metrics"] is None)


def _jsonable(value):
    """numpy scalars and tuples in params become plain JSON values."""
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
