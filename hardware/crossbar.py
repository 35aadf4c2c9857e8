"""Memristor crossbar: a weight matrix on differential conductance pairs, read by analog MVMs.

Mapping (per tile of ``tile_rows`` inputs x ``tile_cols`` outputs): with ``w_max`` the largest
``|W|`` of the tile and ``dG = g_max - g_min``,
``g_pos = g_min + dG * max(W, 0) / w_max`` and ``g_neg = g_min + dG * max(-W, 0) / w_max``,
so ``W = (g_pos - g_neg) * w_max / dG``. Inputs go through a DAC to voltages
``V = v_read * x_q / x_range``; each column current ``I = sum G V`` is turned back into weight
units, quantised by the ADC of that tile column, and the partial sums of the tiles along the
input dimension are added digitally.

Non-idealities, each switched off by a zero parameter:

- device levels, programming error, d2d/c2c spread, stuck cells, drift: the device model;
- read noise: every cell's conductance is ``G (1 + s N(0, 1))`` at each read. Because the column
  current is a sum of independent Gaussians, it is sampled exactly as one Gaussian per output
  with variance ``s^2 sum_j G_j^2 V_j^2`` (O(N M) arithmetic, but only M random draws);
- wire (IR) drop, first-order: a cell ``i`` segments along its row wire from the driver and ``j``
  segments along its column wire from the sense amplifier sees the series resistance
  ``r_wire (i + j)``, so ``G_eff = G / (1 + G r_wire (i + j))``. This ignores the currents of
  the other cells sharing the wires (it under-estimates the drop of a fully on array); it is
  exact for a single cell;
- DAC and ADC quantisation (``bits = 0`` means ideal).
"""

import numbers

import jax
import jax.numpy as jnp
import numpy as np
from sklearn.exceptions import NotFittedError

from reservoir import _jax  # noqa: F401  (float64 on)
from reservoir.base import make_rng

from .adc import _check_bits, quantize_uniform
from .devices import preset


class Crossbar:
    """A simulated analog crossbar (configuration; :meth:`program` puts a matrix on it).

    Parameters
    ----------
    device : str or ReRAMDevice, default="reram_default"
        Device model or preset name (see :func:`hardware.devices.preset`).
    tile_rows, tile_cols : int, default=256
        Inputs and outputs per physical array; larger matrices are split into tiles.
    dac_bits, adc_bits : int, default=8
        Converter resolutions; 0 = ideal.
    dac_range : float or None, default=None
        Full-scale input magnitude; None scales each input vector by its own max |x| (digital
        pre-scaling), so nothing clips.
    adc_range : float or None, default=None
        Full-scale output magnitude (weight units); None uses each tile column's worst case
        ``sum |W| * x_range``, so nothing clips.
    r_wire_ohm : float, default=0.0
        Wire resistance per cell segment (Ω).
    v_read_V : float, default=0.2
        Read voltage at full-scale input (V).
    t_inference_s : float, default=0.0
        Time since programming at which the array is read (drift).
    random_state : int, Generator or None
        Seed of the chip instance (programming) and of the read noise of ``@``.

    Examples
    --------
    >>> W = np.array([[1.0, -2.0], [0.5, 0.0]])
    >>> xb = Crossbar(device="ideal", dac_bits=0, adc_bits=0).program(W)
    >>> bool(np.allclose(xb @ np.array([1.0, 1.0]), W @ [1.0, 1.0], atol=1e-12))
    True
    """

    def __init__(self, device="reram_default", tile_rows=256, tile_cols=256, dac_bits=8, adc_bits=8,
                 dac_range=None, adc_range=None, r_wire_ohm=0.0, v_read_V=0.2, t_inference_s=0.0,
                 random_state=None):
        self.device = device
        self.tile_rows = tile_rows
        self.tile_cols = tile_cols
        self.dac_bits = dac_bits
        self.adc_bits = adc_bits
        self.dac_range = dac_range
        self.adc_range = adc_range
        self.r_wire_ohm = r_wire_ohm
        self.v_read_V = v_read_V
        self.t_inference_s = t_inference_s
        self.random_state = random_state

    def _check(self):
        dev = preset(self.device)
        for name in ("tile_rows", "tile_cols"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        _check_bits(self.dac_bits, "dac_bits")
        _check_bits(self.adc_bits, "adc_bits")
        for name in ("dac_range", "adc_range"):
            value = getattr(self, name)
            if value is not None and not (np.isfinite(_real(value, name)) and value > 0):
                raise ValueError(f"{name} must be None or > 0, got {value!r}")
        for name in ("r_wire_ohm", "t_inference_s"):
            value = getattr(self, name)
            if not (np.isfinite(_real(value, name)) and value >= 0):
                raise ValueError(f"{name} must be finite and >= 0, got {value!r}")
        if not (np.isfinite(_real(self.v_read_V, "v_read_V")) and self.v_read_V > 0):
            raise ValueError(f"v_read_V must be > 0, got {self.v_read_V!r}")
        return dev

    def map_weights(self, W, random_state=None):
        """Program ``W`` (n_out, n_in) once; return the flat dict of arrays that
        :meth:`matvec_arrays` reads (conductances in µS, per-tile scales, ADC ranges)."""
        dev = self._check()
        W = _real_array(W, "W")
        if W.ndim != 2 or W.size == 0 or not np.all(np.isfinite(W)):
            raise ValueError(f"W must be a finite, non-empty 2-D array, got shape {W.shape}")
        rng = make_rng(self.random_state if random_state is None else random_state)
        n_out, n_in = W.shape
        to, ti = min(self.tile_cols, n_out), min(self.tile_rows, n_in)
        a, b = -(-n_out // to), -(-n_in // ti)
        padded = np.zeros((a * to, b * ti))
        padded[:n_out, :n_in] = W
        tiles = padded.reshape(a, to, b, ti).transpose(0, 2, 1, 3)  # (a, b, to, ti)
        w_max = np.abs(tiles).max(axis=(2, 3))
        w_max = np.where(w_max > 0, w_max, 1.0)  # an all-zero tile maps to g_min everywhere
        d_g = dev.g_max_uS - dev.g_min_uS
        unit = tiles / w_max[..., None, None]
        g_pos = dev.program(dev.g_min_uS + d_g * np.maximum(unit, 0), rng)
        g_neg = dev.program(dev.g_min_uS + d_g * np.maximum(-unit, 0), rng)
        g_pos, g_neg = dev.drift(g_pos, self.t_inference_s), dev.drift(g_neg, self.t_inference_s)
        if self.r_wire_ohm:
            segments = np.arange(1, to + 1)[:, None] + np.arange(ti, 0, -1)[None, :]
            series_ohm = self.r_wire_ohm * segments
            g_pos = g_pos / (1.0 + g_pos * 1e-6 * series_ohm)
            g_neg = g_neg / (1.0 + g_neg * 1e-6 * series_ohm)
        # Worst-case |output| per tile column for |x| <= 1, used to set the ADC range.
        adc_fs = np.abs(tiles).sum(axis=3)
        return {
            "g_pos_uS": g_pos, "g_neg_uS": g_neg, "g_sq_uS2": g_pos**2 + g_neg**2,
            "w_per_uS": w_max / d_g, "adc_fs": np.where(adc_fs > 0, adc_fs, 1.0),
            "shape": np.array([n_out, n_in]),
        }

    def matvec_arrays(self, arrays, x, key=None, shape=None):
        """Pure, jax-traceable ``W x`` on the mapped ``arrays``; ``key`` (a jax PRNG key) draws the
        read noise (None = no read noise). ``shape = (n_out, n_in)`` must be static under jit."""
        dev = preset(self.device)
        n_out, n_in = (int(s) for s in (arrays["shape"] if shape is None else shape))
        a, b, to, ti = arrays["g_pos_uS"].shape
        x = jnp.asarray(x, dtype=jnp.float64)
        if self.dac_range is None:
            x_range = jnp.maximum(jnp.max(jnp.abs(x)), 1e-300)
        else:
            x_range = self.dac_range
        xq = quantize_uniform(x, self.dac_bits, x_range)
        volts = jnp.zeros(b * ti).at[:n_in].set(xq * (self.v_read_V / x_range)).reshape(b, ti)
        # Column currents in µA (µS x V); back to weight units through the tile scale.
        current = jnp.einsum("abij,bj->abi", arrays["g_pos_uS"] - arrays["g_neg_uS"], volts)
        to_weight = arrays["w_per_uS"][..., None] * (x_range / self.v_read_V)
        y = current * to_weight
        if key is not None and dev.read_noise_rel:
            sigma = dev.read_noise_rel * jnp.sqrt(jnp.einsum("abij,bj->abi", arrays["g_sq_uS2"], volts**2))
            y = y + sigma * to_weight * jax.random.normal(key, y.shape)
        if self.adc_bits:
            full_scale = arrays["adc_fs"] * x_range if self.adc_range is None else self.adc_range
            y = quantize_uniform(y, self.adc_bits, full_scale)
        return y.sum(axis=1).reshape(a * to)[:n_out]

    def program(self, W, random_state=None):
        """Put ``W`` on the crossbar (sets ``arrays_``); returns ``self`` so ``xb @ x`` works."""
        rng = make_rng(self.random_state if random_state is None else random_state)
        self.arrays_ = self.map_weights(W, rng)
        self._read_rng = rng
        return self

    def effective_weights(self):
        """The weight matrix the programmed conductances represent (no read noise, no converters)."""
        arrays = self.arrays_
        a, b, to, ti = arrays["g_pos_uS"].shape
        w = (arrays["g_pos_uS"] - arrays["g_neg_uS"]) * arrays["w_per_uS"][..., None, None]
        n_out, n_in = arrays["shape"]
        return w.transpose(0, 2, 1, 3).reshape(a * to, b * ti)[:n_out, :n_in]

    def matvec(self, x):
        """What the analog array returns for input vector ``x`` (one read, fresh read noise)."""
        if not hasattr(self, "arrays_"):
            raise NotFittedError("program(W) the crossbar before reading it")
        x = _real_array(x, "x")
        if not np.all(np.isfinite(x)):
            # A DAC has no code for NaN or infinity; the result would be NaN everywhere.
            raise ValueError("x contains NaN or infinite values")
        if x.shape != (int(self.arrays_["shape"][1]),):
            raise ValueError(f"x must have shape ({int(self.arrays_['shape'][1])},), got {x.shape}")
        key = jax.random.PRNGKey(int(self._read_rng.integers(2**31)))
        return np.asarray(self.matvec_arrays(self.arrays_, x, key))

    def __matmul__(self, x):
        return self.matvec(x)


def _real(value, name):
    """``value`` if it is a real number; a ``TypeError`` naming ``name`` otherwise."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    return value


def _real_array(value, name):
    """``value`` as a float array; complex or non-numeric input is a ``TypeError`` naming ``name``
    (numpy would drop the imaginary part with only a ComplexWarning)."""
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be an array of real numbers: {err}") from None
    if np.iscomplexobj(arr) or arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be an array of real numbers, got dtype {arr.dtype}")
    return arr.astype(float)
