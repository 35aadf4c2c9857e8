"""Compiled kernels: built from their C source on first use, on the user's machine.

The sparse ESN harvest (``sparse_esn.c``) is compiled with the system C compiler
(``$CC``, else ``cc`` or ``gcc``) with ``-O3 -march=native`` into a shared library, cached in
``$RESERVOIR_CACHE`` (default ``~/.cache/reservoir``, or a temporary directory when that is
not writable) under a name derived from the source, the flags and the CPU, and loaded with
``ctypes`` (which releases the GIL during the call). When there is no compiler, the CPU lacks
AVX-512, jax runs on another device than the CPU, or ``RESERVOIR_NATIVE=0`` is set, the
kernel is unavailable and the runner uses its jax scan: results are the same to rounding
(``tests/test_native.py``).

Examples
--------
>>> kernel = sparse_esn_kernel()  # None where it cannot be built
>>> kernel is None or callable(kernel)
True
"""

import ctypes
import hashlib
import os
import platform
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

import jax
import numpy as np

from .. import _jax  # noqa: F401  (float64 on)

SOURCE = Path(__file__).with_name("sparse_esn.c")
FLAGS = ["-O3", "-march=native", "-shared", "-fPIC", "-std=c11"]

_LOCK = threading.Lock()
_LOADED = {}


def enabled():
    """Whether native kernels may be used at all (``RESERVOIR_NATIVE`` not "0", jax on the CPU)."""
    if os.environ.get("RESERVOIR_NATIVE", "1") == "0":
        return False
    return jax.default_backend() == "cpu" and platform.machine().lower() in ("x86_64", "amd64")


def available_cores():
    """Cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _compiler():
    for name in (os.environ.get("CC"), "cc", "gcc"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def _cache_dir():
    preferred = Path(os.environ.get("RESERVOIR_CACHE", Path.home() / ".cache" / "reservoir"))
    user = os.getuid() if hasattr(os, "getuid") else "user"
    for directory in (preferred, Path(tempfile.gettempdir()) / f"reservoir-{user}"):
        try:
            directory.mkdir(parents=True, exist_ok=True)
            if os.access(directory, os.W_OK):
                return directory
        except OSError:
            continue
    return None


def _cpu_signature():
    # -march=native code must not be reused on another CPU (a shared home directory).
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name") or line.startswith("flags"):
                    return line
    except OSError:
        pass
    return platform.processor()


def _build(source, compiler):
    """Path of the compiled library for ``source``, compiling it if needed; None on failure."""
    directory = _cache_dir()
    if directory is None:
        return None
    key = hashlib.sha256(source.read_bytes() + " ".join([compiler] + FLAGS).encode()
                         + _cpu_signature().encode()).hexdigest()[:16]
    library = directory / f"{source.stem}-{key}.so"
    if library.exists():
        return library
    # Compiled to a private name and renamed: concurrent processes (pytest -n) never load a
    # half-written library.
    partial = directory / f"{library.name}.{os.getpid()}.{threading.get_ident()}.tmp"
    result = subprocess.run([compiler, *FLAGS, str(source), "-o", str(partial)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        return None
    os.replace(partial, library)
    return library


def _library():
    """The compiled ``SOURCE`` loaded once per process (None when it cannot be built)."""
    with _LOCK:
        if "library" not in _LOADED:
            compiler = _compiler()
            path = _build(SOURCE, compiler) if compiler else None
            _LOADED["library"] = None if path is None else ctypes.CDLL(str(path))
        return _LOADED["library"]


def _load(name, argtypes, restype=ctypes.c_int):
    """Function ``name`` of the library with its signature set, looked up once."""
    function = _LOADED.get(name)
    if function is None and name not in _LOADED:
        library = _library()
        if library is not None:
            function = getattr(library, name)
            function.argtypes, function.restype = argtypes, restype
        _LOADED[name] = function
    return function


_long = ctypes.c_long
_pointer = ctypes.c_void_p
_SPARSE_ESN_ARGS = [_long] * 5 + [_pointer] * 9 + [_long] * 2


def sparse_esn_kernel():
    """The compiled ``sparse_esn_run`` (see ``sparse_esn.c``), or None where unavailable."""
    if not enabled():
        return None
    return _load("sparse_esn_run", _SPARSE_ESN_ARGS)


def tanh_kernel():
    """The kernel's vector tanh on a float64 array (for testing its accuracy), or None."""
    if not enabled():
        return None
    function = _load("tanh_array", [_long, _pointer, _pointer], restype=None)
    if function is None:
        return None

    def tanh(x):
        x = np.ascontiguousarray(x, dtype=np.float64)
        out = np.empty_like(x)
        function(x.size, x.ctypes.data, out.ctypes.data)
        return out

    return tanh
