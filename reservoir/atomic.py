"""Atomic writes: a temporary file in the target's folder, flushed to disk, renamed over it.

``os.replace`` within one folder is atomic, so a reader (or the user after a crash) sees the
old file or the complete new one, never a truncated mix: a process killed while saving leaves
the previous good file in place (and at most a hidden ``.NAME.*.tmp`` beside it).
"""

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["atomic_open", "tmp_prefix"]


def tmp_prefix(path):
    """Prefix of the temporary files written for ``path`` (to find those a killed writer left)."""
    return f".{Path(path).name}."


@contextlib.contextmanager
def atomic_open(path, mode="wb", **kwargs):
    """Open a temporary file for writing; on a clean exit it replaces ``path`` atomically.

    On an exception the temporary file is removed and ``path`` is left as it was.
    ``kwargs`` go to :func:`open` (``newline=""`` for the csv module).

    Examples
    --------
    >>> import tempfile, os
    >>> target = os.path.join(tempfile.mkdtemp(), "out.txt")
    >>> with atomic_open(target, "w") as f:
    ...     _ = f.write("done")
    >>> open(target).read()
    'done'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=tmp_prefix(path), suffix=".tmp")
    try:
        with os.fdopen(fd, mode, **kwargs) as fh:
            yield fh
            fh.flush()
            # On disk before the rename: otherwise a power cut could leave the new name empty.
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes files private; the target is an ordinary file
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder):
    # Makes the rename itself durable; not possible on every platform (Windows), so best effort.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
