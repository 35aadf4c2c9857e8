"""Converters: a uniform DAC/ADC quantiser and the memristor ramp ADC with a pre-distorted ramp.

The nonlinear ramp ADC (Yang, Mao et al., Nat. Commun. 2025, doi 10.1038/s41467-025-56254-6;
methods.md section 7, crossbar.md section 5) compares the column output with a ramp whose steps
are made by switching in the devices of an extra memristor column. Step ``k`` adds a voltage
proportional to its conductance ``G_k``; choosing ``G_k`` proportional to the spacing of the
inverse images ``t_k = f^-1(level edge k)`` makes the latched count a quantised ``f(x)``.

Modelling choices (documented because the paper gives no circuit-level numbers):

- the ramp and the MAC share ``V_read`` and the integrator, so the conversion is ratiometric and
  is simulated directly in the units of ``x``;
- when the ramp's conductance span (max/min step, 5.8x for 5-bit tanh) fits in the device
  window, the largest step is one device at ``g_max_uS``; beyond it (tanh above ~6 bits in a 10x
  window) the smallest step sits at ``g_min_uS`` and larger steps use several parallel devices
  (``n_ramp_devices_`` counts them), each adding its own programming error;
- the calibration cells add an offset ``V_0`` chosen after measuring the programmed ramp, to
  minimise the largest threshold error; they are programmed with the same error, so the
  achieved offset has error ``sqrt(calib_cells) * sigma`` in conductance units.
"""

import jax.numpy as jnp
import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError

from reservoir import _jax  # noqa: F401  (float64 on)
from reservoir.base import make_rng


def quantize_uniform(x, bits, x_range):
    """Signed uniform quantiser with ``2**bits - 1`` levels on ``[-x_range, x_range]`` (clipped).

    ``bits = 0`` means ideal (returns ``x``). Works on numpy and jax arrays (jax-traceable).

    Examples
    --------
    >>> quantize_uniform(np.array([0.26, -2.0]), 2, 1.0).tolist()
    [0.0, -1.0]
    """
    if bits == 0:
        return x
    half = 2 ** (bits - 1) - 1  # symmetric code set keeps 0 exact, as a sign-magnitude DAC does
    step = x_range / half
    return jnp.clip(jnp.round(x / step), -half, half) * step


def _check_bits(bits, name, allow_zero=True):
    if isinstance(bits, bool) or not isinstance(bits, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {bits!r}")
    if bits < (0 if allow_zero else 1) or bits > 16:
        raise ValueError(f"{name} must be in [{0 if allow_zero else 1}, 16], got {bits!r}")
    return int(bits)


_FUNCTIONS = {
    "tanh": (np.tanh, np.arctanh, (-1.0, 1.0)),
    "sigmoid": (lambda x: 1.0 / (1.0 + np.exp(-x)), lambda y: np.log(y / (1.0 - y)), (0.0, 1.0)),
}


class RampADC(BaseEstimator):
    """Ramp ADC whose counter output is a quantised activation ``f(x)``.

    Parameters
    ----------
    bits : int, default=5
        Resolution B; the ramp has ``2**B - 1`` steps (one device per step).
    activation : {"tanh", "sigmoid", "identity"} or callable, default="tanh"
        Increasing function realised by the ramp. "identity" gives a linear ramp ADC over
        ``x_range``. A callable must be increasing and vectorised, and needs ``x_range``.
    x_range : tuple (low, high) or None
        Input range covered. For tanh/sigmoid the default is set by the outermost level edges
        (e.g. +-1.72 for 5-bit tanh); required for "identity" and callables.
    g_min_uS, g_max_uS : float, default=4.0, 40.0
        Conductance window of the ramp devices (µS).
    program_error_std_uS : float, default=0.0
        Write-verify error of each ramp device and calibration cell (µS).
    calib_cells : int, default=0
        Number of offset-calibration cells (the paper uses 5 at 5 bits); 0 = no calibration.
    random_state : int, Generator or None
        Seed of the ramp devices' programming error.

    Examples
    --------
    >>> adc = RampADC(bits=5, activation="tanh").program()
    >>> float(abs(adc(np.array([0.3]))[0] - np.tanh(0.3))) <= 0.5 * adc.lsb_
    True
    """

    def __init__(self, bits=5, activation="tanh", x_range=None, g_min_uS=4.0, g_max_uS=40.0,
                 program_error_std_uS=0.0, calib_cells=0, random_state=None):
        self.bits = bits
        self.activation = activation
        self.x_range = x_range
        self.g_min_uS = g_min_uS
        self.g_max_uS = g_max_uS
        self.program_error_std_uS = program_error_std_uS
        self.calib_cells = calib_cells
        self.random_state = random_state

    def ideal_design(self):
        """``(thresholds, levels, f)`` of the ideal ramp: ``2**B - 1`` increasing thresholds in x
        and the ``2**B`` output levels (centres of equal bins of the output range)."""
        bits = _check_bits(self.bits, "bits", allow_zero=False)
        n_codes = 2 ** bits
        act = self.activation
        if isinstance(act, str) and act in _FUNCTIONS:
            f, f_inv, (y_lo, y_hi) = _FUNCTIONS[act]
            if self.x_range is not None:
                lo, hi = _check_range(self.x_range)
                y_lo, y_hi = f(lo), f(hi)
        elif act == "identity" or callable(act):
            if self.x_range is None:
                raise ValueError(f"x_range is required for activation={act!r}")
            lo, hi = _check_range(self.x_range)
            f = (lambda x: np.asarray(x, dtype=float)) if act == "identity" else act
            grid = np.linspace(lo, hi, 20001)
            values = np.asarray(f(grid), dtype=float)
            if values.shape != grid.shape or not np.all(np.diff(values) > 0):
                raise ValueError("activation must be a vectorised, strictly increasing function on x_range")
            y_lo, y_hi = values[0], values[-1]
            f_inv = lambda y: np.interp(y, values, grid)  # noqa: E731  (inverse of a monotone table)
        else:
            raise ValueError(f"activation must be 'tanh', 'sigmoid', 'identity' or a callable, got {act!r}")
        edges = y_lo + (y_hi - y_lo) * np.arange(1, n_codes) / n_codes
        thresholds = f_inv(edges)
        levels = y_lo + (y_hi - y_lo) * (np.arange(n_codes) + 0.5) / n_codes
        return np.asarray(thresholds, dtype=float), levels, f

    def program(self, random_state=None):
        """Program the ramp column (and calibration cells); sets ``thresholds_``, ``levels_``,
        ``lsb_``, ``ramp_g_uS_`` and returns ``self``."""
        if not (np.isfinite(self.g_min_uS) and np.isfinite(self.g_max_uS) and 0 <= self.g_min_uS < self.g_max_uS):
            raise ValueError(f"need 0 <= g_min_uS < g_max_uS, got {self.g_min_uS!r}, {self.g_max_uS!r}")
        if not (np.isfinite(self.program_error_std_uS) and self.program_error_std_uS >= 0):
            raise ValueError(f"program_error_std_uS must be >= 0, got {self.program_error_std_uS!r}")
        calib = _check_bits(self.calib_cells, "calib_cells")
        ideal, levels, f = self.ideal_design()
        rng = make_rng(self.random_state if random_state is None else random_state)
        steps = np.diff(ideal)
        if steps.size == 0:
            # One bit: a single threshold and no ramp steps, hence no devices to scale.
            x_per_uS = 1.0 / self.g_max_uS
        elif steps.max() / steps.min() <= self.g_max_uS / max(self.g_min_uS, 1e-12):
            # The whole ramp fits in the window: one device per step, largest step at g_max.
            x_per_uS = steps.max() / self.g_max_uS
        else:
            # Too wide a span (tanh beyond ~5-6 bits): smallest step at g_min, and the larger
            # steps split over several parallel devices, each at most g_max.
            x_per_uS = steps.min() / self.g_min_uS
        g_step = steps / x_per_uS
        n_dev = np.ceil(g_step / self.g_max_uS - 1e-9).astype(int)
        # Each of the n_dev devices of a step carries g_step / n_dev and its own error.
        g = g_step + self.program_error_std_uS * np.sqrt(n_dev) * rng.standard_normal(g_step.shape)
        g = np.clip(g, 0.0, None)
        self.n_ramp_devices_ = int(n_dev.sum())
        thresholds = ideal[0] + x_per_uS * np.concatenate([[0.0], np.cumsum(g)])
        if calib:
            # Offset calibration: measure the ramp, cancel the mid-range of its errors.
            error = thresholds - ideal
            offset = -(error.max() + error.min()) / 2
            offset += x_per_uS * self.program_error_std_uS * np.sqrt(calib) * rng.standard_normal()
            thresholds = thresholds + offset
        self.ramp_g_uS_ = g
        self.ideal_thresholds_ = ideal
        self.thresholds_ = thresholds
        self.levels_ = levels
        self.lsb_ = float(levels[1] - levels[0])
        return self

    def codes(self, x):
        """Integer output codes: the number of ramp steps at or below ``x`` (jax-traceable)."""
        return jnp.sum(jnp.asarray(x)[..., None] >= jnp.asarray(self.thresholds_), axis=-1)

    def __call__(self, x):
        """The dequantised output level of each element of ``x`` (numpy in, numpy out).

        NaN has no code (a comparator would latch an arbitrary one), so it raises; +-inf
        saturate at the end levels as a real converter does.
        """
        if not hasattr(self, "thresholds_"):
            raise NotFittedError("program() the RampADC before converting")
        try:
            arr = np.asarray(x)
            if np.iscomplexobj(arr) or arr.dtype.kind not in "biuf":
                raise TypeError(f"dtype {arr.dtype}")
        except (TypeError, ValueError) as err:
            raise TypeError(f"x must be an array of real numbers, got {err}") from None
        if np.isnan(arr).any():
            raise ValueError("x contains NaN")
        return np.asarray(jnp.asarray(self.levels_)[self.codes(arr)])

    def max_error_lsb(self, n_points=20001):
        """Largest ``|ADC(x) - f(x)|`` in LSB over ``x_range``, or for tanh/sigmoid without one
        over the thresholds' span and half of it again each side (ideal: 0.5)."""
        if self.x_range is not None:
            lo, hi = _check_range(self.x_range)
        else:
            lo, hi = self.ideal_thresholds_[0], self.ideal_thresholds_[-1]
            lo, hi = lo - 0.5 * (hi - lo), hi + 0.5 * (hi - lo)
        x = np.linspace(lo, hi, n_points)
        # The function from the hyperparameters: a saved and loaded ADC holds no callable.
        f = self.ideal_design()[2]
        return float(np.max(np.abs(self(x) - f(x))) / self.lsb_)

    def inl_lsb(self):
        """Threshold errors in units of the local ideal step (integral nonlinearity per code)."""
        local = np.gradient(self.ideal_thresholds_) if len(self.ideal_thresholds_) > 1 else np.ones(1)
        return (self.thresholds_ - self.ideal_thresholds_) / local

    def ramp_span(self):
        """Conductance span max/min of the ideal ramp steps (before clipping to the window)."""
        steps = np.diff(self.ideal_design()[0])
        return float(steps.max() / steps.min())


def apply_ramp_adc(thresholds, levels, x):
    """Pure, jax-traceable conversion used inside reservoir steps: ``levels[#{thresholds <= x}]``."""
    codes = jnp.sum(x[..., None] >= thresholds, axis=-1)
    return levels[codes]


def _check_range(x_range):
    try:
        lo, hi = (float(v) for v in x_range)
    except (TypeError, ValueError):
        raise TypeError(f"x_range must be a pair (low, high), got {x_range!r}") from None
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"x_range must be finite with low < high, got {x_range!r}")
    return lo, hi
