"""Compiled kernels: built from their C source on first use, on the user's machine, and called
through declared, checked prototypes.

The sparse ESN harvest (``sparse_esn.c``) is plain C with the GCC/Clang vector extensions, so
it builds for any CPU those compilers target (x86-64 with or without AVX2/AVX-512, arm64).
It is compiled with the system C compiler (``$CC``, else ``cc`` or ``gcc``) with
``-O3 -march=TARGET``, where TARGET is ``$RESERVOIR_NATIVE_MARCH`` (default ``native``; e.g.
``x86-64-v3`` for AVX2 + FMA, ``x86-64`` for plain SSE2, ``armv8-a``), into a shared library
cached in ``$RESERVOIR_CACHE_DIR`` (default ``~/.cache/reservoir``, or a temporary directory when
that is not writable) under a name derived from the source, the compiler, the flags and, for
``native``, the CPU. It is loaded with ``ctypes``, which releases the GIL during the call.

Whether the kernel is used for a given reservoir is decided in one place,
:func:`reservoir.kernels.applies`; this module answers its machine half
(:func:`sparse_esn_kernel` is None when ``RESERVOIR_NATIVE=0``, jax runs on another device
than the CPU, there is no compiler, the build fails, or the CPU lacks an instruction set the
target assumes). Where it is None the runner uses its jax scan: results are the same to
rounding (``tests/test_native.py``). A target set explicitly that cannot be built or run here
is reported with a ``RuntimeWarning``.

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
import re
import shutil
import subprocess
import tempfile
import threading
import warnings
from pathlib import Path

import jax
import numpy as np

from .. import _jax  # noqa: F401  (float64 on)

SOURCE = Path(__file__).with_name("sparse_esn.c")
#: Compiler flags besides ``-march``. ``-ffp-contract=fast``: a * b + c as one FMA where the
#: target has it (``-std=c11`` alone turns contraction off in GCC).
FLAGS = ["-O3", "-ffp-contract=fast", "-shared", "-fPIC", "-std=c11", "-Wno-psabi"]
MARCH_VARIABLE = "RESERVOIR_NATIVE_MARCH"

_LOCK = threading.Lock()
_LOADED = {}  # target -> (library path or None, ctypes library or None)
_WARNED = set()


def enabled():
    """Whether native kernels may be used at all (``RESERVOIR_NATIVE`` not "0", jax on the CPU)."""
    return os.environ.get("RESERVOIR_NATIVE", "1") != "0" and jax.default_backend() == "cpu"


def target():
    """The ``-march`` value the kernels are built for: ``$RESERVOIR_NATIVE_MARCH``, default
    ``native``."""
    march = os.environ.get(MARCH_VARIABLE, "").strip() or "native"
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._+-]*", march):
        raise ValueError(f"{MARCH_VARIABLE} must be a -march value such as native or x86-64-v3, got {march!r}")
    return march


def available_cores():
    """Cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _compiler():
    for name in (os.environ.get("CC"), "cc", "gcc"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def _cache_dir():
    # The same variable as the trajectory cache (reservoir.chaos): one place for what the package caches.
    preferred = Path(os.environ.get("RESERVOIR_CACHE_DIR") or Path.home() / ".cache" / "reservoir").expanduser()
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
                if line.startswith(("model name", "flags", "Features")):
                    return line
    except OSError:
        pass
    return platform.processor()


def _warn(march, message):
    # Only a target the user chose is worth a warning; "native" without a compiler is the
    # ordinary fallback to jax.
    if os.environ.get(MARCH_VARIABLE) and march not in _WARNED:
        _WARNED.add(march)
        warnings.warn(f"{MARCH_VARIABLE}={march}: {message}; using the jax scan", RuntimeWarning, stacklevel=4)


def library_path(march=None, source=SOURCE):
    """Path of the library compiled from ``source`` for ``-march=march`` (default
    :func:`target`), compiling it if it is not in the cache; None when it cannot be built.

    The name holds a hash of the source, the compiler, the flags (``-march`` included) and,
    for ``native``, the CPU: each target has its own library. Where the compiler does not
    know ``-march=native`` (some arm64 compilers), ``native`` is built for the compiler's
    default target instead.
    """
    march = march or target()
    compiler, directory = _compiler(), _cache_dir()
    if compiler is None or directory is None:
        return None
    attempts = [[f"-march={march}"]] + ([[]] if march == "native" else [])
    for arch in attempts:
        flags = [*FLAGS, *arch]
        signature = _cpu_signature() if march == "native" else ""
        key = hashlib.sha256(source.read_bytes() + " ".join([compiler, *flags, signature]).encode()).hexdigest()[:16]
        library = directory / f"{source.stem}-{march}-{key}.so"
        if library.exists():
            return library
        # Compiled to a private name and renamed: concurrent processes (pytest -n) never load
        # a half-written library.
        partial = directory / f"{library.name}.{os.getpid()}.{threading.get_ident()}.tmp"
        result = subprocess.run([compiler, *flags, str(source), "-o", str(partial)], capture_output=True, text=True)
        if result.returncode == 0:
            os.replace(partial, library)
            return library
        partial.unlink(missing_ok=True)
    _warn(march, "the kernel did not compile: " + (result.stderr.strip().splitlines() or ["?"])[0])
    return None


def _library(march):
    """The compiled ``SOURCE`` for ``march`` with its prototypes declared, loaded once per
    process and target (None when it cannot be built or run here)."""
    with _LOCK:
        if march not in _LOADED:
            path = library_path(march)
            library = None if path is None else ctypes.CDLL(str(path))
            if library is not None:
                _declare(library)
                if not library.kernel_runs_here():
                    _warn(march, "this CPU lacks an instruction set the target assumes")
                    library = None
            _LOADED[march] = (path, library)
        return _LOADED[march][1]


_i64, _pointer = ctypes.c_int64, ctypes.c_void_p


def _array(dtype, writable=False):
    flags = "C_CONTIGUOUS,ALIGNED" + (",WRITEABLE" if writable else "")
    return np.ctypeslib.ndpointer(dtype=dtype, flags=flags)


def _declare(library):
    """Set the C prototypes: ctypes converts and checks each argument instead of passing
    whatever it is given. ``lengths`` and ``out`` are raw pointers (NULL, and a strided
    array), checked by :func:`_checked_sparse_esn`."""
    f64 = _array(np.float64)
    library.sparse_esn_run.argtypes = ([_i64] * 5 + [_array(np.int32), f64, f64, f64, f64, f64, _pointer,
                                                     _array(np.float64, writable=True), _pointer, _i64, _i64])
    library.sparse_esn_run.restype = ctypes.c_int
    library.tanh_array.argtypes = [_i64, f64, _array(np.float64, writable=True)]
    library.tanh_array.restype = None
    library.kernel_runs_here.argtypes = []
    library.kernel_runs_here.restype = ctypes.c_int


def _require(array, name, dtype, shape, contiguous=True, writable=False):
    if not isinstance(array, np.ndarray) or array.dtype != dtype:
        raise TypeError(f"{name} must be a numpy array of {np.dtype(dtype).name}, got "
                        f"{getattr(array, 'dtype', type(array).__name__)}")
    if array.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {array.shape}")
    if contiguous and not array.flags.c_contiguous:
        raise ValueError(f"{name} must be C-contiguous")
    if writable and not array.flags.writeable:
        raise ValueError(f"{name} must be writable")


def _checked_sparse_esn(function, idx, val, win_t, bias, leak, u, state, out, lengths=None):
    """Call ``sparse_esn_run`` after checking every argument against the others.

    One sequence: ``u`` (T, d), ``state`` (N,), ``out`` (T, N). A batch: ``u`` (T, d, B),
    ``state`` (N, B), ``out`` (B, T, N), ``lengths`` None or (B,) int64 in [0, T]. ``idx``
    (k, N) int32 in [0, N), ``val`` (k, N), ``win_t`` (d, N), ``bias`` and ``leak`` (N,); all
    float64 and C-contiguous except ``out``, whose rows of N must be contiguous (any row
    stride: a column slice of a wider array). ``state`` is updated in place to the final
    state. Raises TypeError or ValueError naming the argument, MemoryError when the kernel
    cannot allocate its scratch memory.
    """
    if not isinstance(idx, np.ndarray) or idx.ndim != 2 or not isinstance(u, np.ndarray) or u.ndim not in (2, 3):
        raise ValueError("idx must be a (k, N) array and u a (T, d) or (T, d, B) array")
    (k, n), (T, d) = idx.shape, u.shape[:2]
    batch = u.ndim == 3
    B = u.shape[2] if batch else 1
    _require(idx, "idx", np.int32, (k, n))
    if n == 0:
        raise ValueError("the reservoir must have at least one unit")
    # The kernel reads the gathered indices unchecked: one out of range would read outside
    # the state.
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise ValueError(f"idx must index units 0..{n - 1}")
    _require(val, "val", np.float64, (k, n))
    _require(win_t, "win_t", np.float64, (d, n))
    _require(bias, "bias", np.float64, (n,))
    _require(leak, "leak", np.float64, (n,))
    _require(u, "u", np.float64, (T, d, B) if batch else (T, d))
    _require(state, "state", np.float64, (n, B) if batch else (n,), writable=True)
    _require(out, "out", np.float64, (B, T, n) if batch else (T, n), contiguous=False, writable=True)
    if out.strides[-1] != 8 or any(stride < 0 or stride % 8 for stride in out.strides):
        raise ValueError("out must have contiguous rows and non-negative strides")
    if lengths is not None:
        if not batch:
            raise ValueError("lengths applies to a batch (u of shape (T, d, B)) only")
        _require(lengths, "lengths", np.int64, (B,))
        if lengths.size and (lengths.min() < 0 or lengths.max() > T):
            raise ValueError(f"lengths must lie in [0, {T}]")
    stride_b, stride_t = (out.strides[0] // 8, out.strides[1] // 8) if batch else (0, out.strides[0] // 8)
    status = function(n, k, d, B, T, idx, val, win_t, bias, leak, u,
                      None if lengths is None else lengths.ctypes.data, state, out.ctypes.data, stride_b, stride_t)
    if status != 0:
        raise MemoryError("the sparse ESN kernel could not allocate its scratch memory")


def sparse_esn_kernel():
    """The compiled ``sparse_esn_run`` for the current :func:`target` behind its argument
    checks (see :func:`_checked_sparse_esn`), or None where unavailable."""
    library = _library(target()) if enabled() else None
    if library is None:
        return None
    function = library.sparse_esn_run
    return lambda *args, **kwargs: _checked_sparse_esn(function, *args, **kwargs)


def tanh_kernel():
    """The kernel's vector tanh on a float64 array (for testing its accuracy), or None."""
    library = _library(target()) if enabled() else None
    if library is None:
        return None

    def tanh(x):
        x = np.ascontiguousarray(x, dtype=np.float64)
        out = np.empty_like(x)
        library.tanh_array(x.size, x, out)
        return out

    return tanh
