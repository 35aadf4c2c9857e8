"""Memristor crossbar: a weight matrix on differential conductance pairs, read by analog MVMs.

Mapping. The matrix is split into tiles of ``tile_rows`` inputs x ``tile_cols`` outputs. Each
weight is ``unit * s_j * c_i`` with ``|unit| <= 1``, where ``s_j`` is the scale of the column
block that input ``j`` belongs to (``scaling="block"``: each block, e.g. the recurrent, input and
bias parts of a reservoir, spans the whole conductance window; optionally capped at
``clip_sigma`` standard deviations) and ``c_i`` an optional per-output gain. With
``dG = g_max - g_min``, ``g_pos = g_min + dG * max(unit, 0)`` and
``g_neg = g_min + dG * max(-unit, 0)``. Exact zeros are left unformed (``G = 0``, no programming
error, no fault), as a sparse matrix is laid out on a chip. The block scale is applied by the
amplitude of the row's read voltage ``V = v_read * (x_q / x_range) * s_j / max(s)`` and the
column gain digitally, so ``W = (g_pos - g_neg) * max(s) / dG * (s_j / max(s)) * c_i``. Each
column current ``I = sum G V`` is turned back into weight units, quantised by the ADC of that
tile column, and the partial sums of the tiles along the input dimension are added digitally.
``scaling="tile"`` with ``zero_weights="programmed"`` is the dense layout of earlier versions
(one scale per tile, zeros programmed at ``g_min``).

After programming, a read-verify finds stuck devices and (``compensate_stuck``) reprograms the
healthy partner of the pair so that the difference is the target one, where the window allows.

Non-idealities, each switched off by a zero parameter:

- device levels, programming error, d2d/c2c spread, stuck cells, drift: the device model;
- read noise: every cell's conductance is ``G (1 + s N(0, 1))`` at each read. Because the column
  current is a sum of independent Gaussians, it is sampled exactly as one Gaussian per output
  with variance ``s^2 sum_j G_j^2 V_j^2`` (O(N M) arithmetic, but only M random draws);
- wire (IR) drop, first-order (``ir_drop="first_order"``): a cell ``i`` segments along its row wire from the driver and ``j``
  segments along its column wire from the sense amplifier sees the series resistance
  ``r_wire (i + j)``, so ``G_eff = G / (1 + G r_wire (i + j))``. This ignores the currents of
  the other cells sharing the wires (it under-estimates the drop of a fully on array); it is
  exact for a single cell. ``ir_drop="nodal"`` solves the whole array instead
  (:mod:`hardware.ir_drop`; the G+ and G- arrays each on their own wires);
- DAC and ADC quantisation (``bits = 0`` means ideal).
"""

import numbers

import jax
import jax.numpy as jnp
import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError

from reservoir import _jax  # noqa: F401  (float64 on)
from reservoir.base import make_rng
from reservoir.validation import Boolean, Check, Interval, Options, validate_parameters

from .adc import _check_bits, quantize_uniform
from .devices import preset
from .ir_drop import effective_conductance


class Crossbar(BaseEstimator):
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
        pre-scaling), so nothing clips. :meth:`calibrate` replaces it by a calibrated range.
    adc_range : float or None, default=None
        Full-scale output magnitude (weight units); None uses each tile column's worst case
        ``sum |W| * x_range``, so nothing clips (and 2-3 bits are wasted: see :meth:`calibrate`).
    r_wire_ohm : float, default=0.0
        Wire resistance per cell segment (Ω).
    ir_drop : {"first_order", "nodal"}, default="first_order"
        How wire resistance is applied: the per-cell series model, or the nodal-analysis
        solution of the whole array (:func:`hardware.ir_drop.solve_crossbar`).
    v_read_V : float, default=0.2
        Read voltage at full-scale input (V).
    t_inference_s : float, default=0.0
        Time since programming at which the array is read (drift).
    zero_weights : {"unformed", "programmed"}, default="unformed"
        Exact zeros are left as unformed cells (no current, no programming error, no stuck
        faults), as a sparse matrix is laid out on a chip; "programmed" puts both devices of
        the pair at ``g_min_uS`` with the full programming error (the dense layout).
    scaling : {"block", "tile"}, default="block"
        "block": each column block of the matrix (``blocks`` of :meth:`map_weights`; the whole
        matrix by default) spans the full conductance window with its own weight scale, realised
        by the read-voltage amplitude of its rows; "tile": one scale per physical tile.
    clip_sigma : float or None, default=None
        If set, a block's scale is at most ``clip_sigma`` standard deviations of its nonzero
        weights: the few larger weights are clipped to ``g_max_uS`` so that the bulk uses more
        of the window.
    column_gain : bool, default=False
        Per-output (column) gain, as on chips with a programmable sense amplifier: each column's
        largest weight is brought to ``g_max_uS`` (``scaling="block"`` only).
    compensate_stuck : bool, default=True
        Read-verify after programming finds stuck devices; the partner device of the pair is
        then reprogrammed so that the pair's difference is the target (as far as the window
        allows). Costs one extra programming per affected pair (see ``mapping_stats_``).
    drift_compensation : bool, default=True
        Global drift compensation (aihwkit's default): a reference input (all rows at full
        scale) is read right after programming and at ``t_inference_s``; every output is scaled
        digitally by the ratio of the two summed reads. Exact for a drift common to all devices;
        a device-to-device spread of the drift exponent remains.
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
                 dac_range=None, adc_range=None, r_wire_ohm=0.0, ir_drop="first_order", v_read_V=0.2,
                 t_inference_s=0.0, zero_weights="unformed", scaling="block", clip_sigma=None,
                 column_gain=False, compensate_stuck=True, drift_compensation=True, random_state=None):
        self.device = device
        self.tile_rows = tile_rows
        self.tile_cols = tile_cols
        self.dac_bits = dac_bits
        self.adc_bits = adc_bits
        self.dac_range = dac_range
        self.adc_range = adc_range
        self.r_wire_ohm = r_wire_ohm
        self.ir_drop = ir_drop
        self.v_read_V = v_read_V
        self.t_inference_s = t_inference_s
        self.zero_weights = zero_weights
        self.scaling = scaling
        self.clip_sigma = clip_sigma
        self.column_gain = column_gain
        self.compensate_stuck = compensate_stuck
        self.drift_compensation = drift_compensation
        self.random_state = random_state

    _parameter_constraints = {
        "tile_rows": Interval(numbers.Integral, 1, None),
        "tile_cols": Interval(numbers.Integral, 1, None),
        "dac_bits": Check(_check_bits),
        "adc_bits": Check(_check_bits),
        "dac_range": [None, Interval(numbers.Real, 0, None, closed="neither")],
        "adc_range": [None, Interval(numbers.Real, 0, None, closed="neither")],
        "r_wire_ohm": Interval(numbers.Real, 0, None),
        "ir_drop": Options("first_order", "nodal"),
        "v_read_V": Interval(numbers.Real, 0, None, closed="neither"),
        "t_inference_s": Interval(numbers.Real, 0, None),
        "zero_weights": Options("unformed", "programmed"),
        "scaling": Options("block", "tile"),
        "clip_sigma": [None, Interval(numbers.Real, 0, None, closed="neither")],
        "column_gain": Boolean(),
        "compensate_stuck": Boolean(),
        "drift_compensation": Boolean(),
    }

    def _check(self):
        validate_parameters(self)
        dev = preset(self.device)
        if self.column_gain and self.scaling != "block":
            raise ValueError("column_gain=True needs scaling='block'")
        return dev

    def _scales(self, W, blocks):
        """Per-row (input) scale of each block and per-column (output) gain: ``W`` is mapped as
        ``unit * row_scale[j] * col_gain[i]`` with ``|unit| <= 1``."""
        n_out, n_in = W.shape
        if blocks is None:
            blocks = (n_in,)
        blocks = tuple(int(b) for b in blocks)
        if any(b < 1 for b in blocks) or sum(blocks) != n_in:
            raise ValueError(f"blocks must be positive sizes summing to the {n_in} inputs of W, got {blocks}")
        row_scale = np.empty(n_in)
        n_clipped = 0
        start = 0
        for size in blocks:
            block = W[:, start:start + size]
            nonzero = np.abs(block[block != 0])
            scale = nonzero.max() if nonzero.size else 1.0
            if self.clip_sigma is not None and nonzero.size:
                # sigma of the nonzero weights about zero: the weights are zero-mean by design.
                scale = min(scale, self.clip_sigma * np.sqrt(np.mean(nonzero**2)))
                n_clipped += int(np.sum(nonzero > scale * (1 + 1e-12)))
            row_scale[start:start + size] = scale
            start += size
        col_gain = np.ones(n_out)
        if self.column_gain:
            largest = np.max(np.minimum(np.abs(W) / row_scale, 1.0), axis=1)
            col_gain = np.where(largest > 0, largest, 1.0)
        return row_scale, col_gain, n_clipped

    def _wires(self, g, a, b):
        """Conductances as seen through the wires (IR drop), per tile."""
        if not self.r_wire_ohm:
            return g
        if self.ir_drop == "nodal":
            # Each polarity as its own array (columns of G+ and G- are read separately).
            return np.stack([[effective_conductance(g[p, q], self.r_wire_ohm) for q in range(b)]
                             for p in range(a)])
        to, ti = g.shape[2:]
        segments = np.arange(1, to + 1)[:, None] + np.arange(ti, 0, -1)[None, :]
        return g / (1.0 + g * 1e-6 * self.r_wire_ohm * segments)

    def map_weights(self, W, random_state=None, blocks=None, return_stats=False):
        """Program ``W`` (n_out, n_in) once; return the flat dict of arrays that
        :meth:`matvec_arrays` reads (conductances in µS, scales, ADC ranges).

        Parameters
        ----------
        W : array of shape (n_out, n_in)
        random_state : int, Generator or None
            Seed of this programming; None uses the crossbar's ``random_state``.
        blocks : sequence of int or None
            Sizes of the column blocks of ``W`` (inputs) that get their own weight scale
            (``scaling="block"``), e.g. ``(n, d, 1)`` for ``[W | W_in | b]``. None: one block.
        return_stats : bool, default=False
            Also return the programming statistics (stuck devices, compensated pairs, clipped
            weights, programming pulses).

        Examples
        --------
        >>> xb = Crossbar(device="ideal", dac_bits=0, adc_bits=0)
        >>> arrays, stats = xb.map_weights(np.array([[0.0, 1.0]]), return_stats=True)
        >>> stats["formed_cells"], float(arrays["g_pos_uS"][0, 0, 0, 0])
        (2, 0.0)
        """
        dev = self._check()
        W = _real_array(W, "W")
        if W.ndim != 2 or W.size == 0 or not np.all(np.isfinite(W)):
            raise ValueError(f"W must be a finite, non-empty 2-D array, got shape {W.shape}")
        rng = make_rng(self.random_state if random_state is None else random_state)
        n_out, n_in = W.shape
        to, ti = min(self.tile_cols, n_out), min(self.tile_rows, n_in)
        a, b = -(-n_out // to), -(-n_in // ti)
        d_g = dev.g_max_uS - dev.g_min_uS

        def tiled(M, fill=0.0):
            padded = np.full((a * to, b * ti), fill, dtype=M.dtype)
            padded[:n_out, :n_in] = M
            return padded.reshape(a, to, b, ti).transpose(0, 2, 1, 3)  # (a, b, to, ti)

        tiles = tiled(W)
        n_clipped = 0
        if self.scaling == "tile":
            w_max = np.abs(tiles).max(axis=(2, 3))
            w_max = np.where(w_max > 0, w_max, 1.0)  # an all-zero tile: any scale will do
            w_per_uS = w_max / d_g
            row_gain = np.ones((b, ti))
            col_gain = np.ones((a, to))
            unit = tiles / w_max[..., None, None]
        else:
            row_scale, col, n_clipped = self._scales(W, blocks)
            s_max = row_scale.max()
            w_per_uS = np.full((a, b), s_max / d_g)
            # The block scale is realised by the amplitude of the rows' read voltage (<= v_read).
            row_gain = np.ones(b * ti)
            row_gain[:n_in] = row_scale / s_max
            row_gain = row_gain.reshape(b, ti)
            col_gain = np.ones(a * to)
            col_gain[:n_out] = col
            col_gain = col_gain.reshape(a, to)
            unit = np.clip(tiles / (s_max * row_gain[None, :, None, :] * col_gain[:, None, :, None]), -1.0, 1.0)
        target_pos = dev.g_min_uS + d_g * np.maximum(unit, 0)
        target_neg = dev.g_min_uS + d_g * np.maximum(-unit, 0)
        formed = np.ones(tiles.shape, dtype=bool)
        if self.zero_weights == "unformed":
            formed = tiles != 0
        g_pos, stuck_pos = dev.program_cells(target_pos, rng)
        g_neg, stuck_neg = dev.program_cells(target_neg, rng)
        stuck_pos &= formed
        stuck_neg &= formed
        n_compensated = 0
        if self.compensate_stuck and (stuck_pos.any() or stuck_neg.any()):
            # Read-verify found one stuck device of a pair: reprogram its partner so that the
            # pair's difference is the target one (clipped to the window: a device stuck at
            # g_min cannot be compensated for a large positive weight).
            diff = target_pos - target_neg
            fix_neg = stuck_pos & ~stuck_neg
            fix_pos = stuck_neg & ~stuck_pos
            # The partner was read healthy, so its reprogramming has no fault draw of its own.
            healthy = dev.with_(stuck_low_prob=0.0, stuck_high_prob=0.0)
            new_neg = healthy.program(np.clip(g_pos - diff, dev.g_min_uS, dev.g_max_uS), rng)
            new_pos = healthy.program(np.clip(g_neg + diff, dev.g_min_uS, dev.g_max_uS), rng)
            g_neg = np.where(fix_neg, new_neg, g_neg)
            g_pos = np.where(fix_pos, new_pos, g_pos)
            n_compensated = int(fix_neg.sum() + fix_pos.sum())
        g_pos = np.where(formed, g_pos, 0.0)
        g_neg = np.where(formed, g_neg, 0.0)
        drifting = dev.drift_nu or dev.drift_nu_std
        g_pos_t, g_neg_t = dev.drift(g_pos, self.t_inference_s, rng), dev.drift(g_neg, self.t_inference_s, rng)
        out_gain = np.ones((a, b, to))
        if self.drift_compensation and drifting and self.t_inference_s > dev.drift_t0_s:
            # One reference read (all rows at full scale) right after programming and one now,
            # through the same wires; the ratio of the summed |column outputs| rescales every
            # output digitally.
            pos0, neg0 = self._wires(g_pos, a, b), self._wires(g_neg, a, b)
            pos_t, neg_t = self._wires(g_pos_t, a, b), self._wires(g_neg_t, a, b)
            ref0 = np.abs(np.einsum("abij,bj->abi", pos0 - neg0, row_gain)).sum()
            ref_t = np.abs(np.einsum("abij,bj->abi", pos_t - neg_t, row_gain)).sum()
            out_gain = out_gain * (ref0 / ref_t if ref_t > 0 else 1.0)
            g_pos, g_neg = pos_t, neg_t
        else:
            g_pos, g_neg = self._wires(g_pos_t, a, b), self._wires(g_neg_t, a, b)
        # Worst-case |output| per tile column for |x| <= 1, used to set the ADC range.
        adc_fs = np.abs(tiles).sum(axis=3)
        arrays = {
            "g_pos_uS": g_pos, "g_neg_uS": g_neg, "g_sq_uS2": g_pos**2 + g_neg**2,
            "w_per_uS": w_per_uS, "row_gain": row_gain, "col_gain": col_gain[:, None, :] * out_gain,
            "adc_fs": np.where(adc_fs > 0, adc_fs, 1.0), "shape": np.array([n_out, n_in]),
        }
        if not return_stats:
            return arrays
        n_formed = int(2 * formed.sum())
        stats = {
            "formed_cells": n_formed,
            "unformed_cells": int(2 * formed.size - n_formed),
            "stuck_cells": int(stuck_pos.sum() + stuck_neg.sum()),
            "compensated_pairs": n_compensated,
            "clipped_weights": int(n_clipped),
            # One programming (write-verify sequence) per formed cell, one read-verify each,
            # plus one reprogramming and one more verify per compensated pair.
            "programming_ops": n_formed + n_compensated,
            "verify_reads": (n_formed + n_compensated) if self.compensate_stuck else 0,
        }
        return arrays, stats

    def matvec_arrays(self, arrays, x, key=None, shape=None):
        """Pure, jax-traceable ``W x`` on the mapped ``arrays``; ``key`` (a jax PRNG key) draws the
        read noise (None = no read noise). ``shape = (n_out, n_in)`` must be static under jit."""
        dev = preset(self.device)
        n_out, n_in = (int(s) for s in (arrays["shape"] if shape is None else shape))
        a, b, to, ti = arrays["g_pos_uS"].shape
        x = jnp.asarray(x, dtype=jnp.float64)
        if "dac_fs" in arrays:
            x_range = arrays["dac_fs"]
        elif self.dac_range is None:
            x_range = jnp.maximum(jnp.max(jnp.abs(x)), 1e-300)
        else:
            x_range = self.dac_range
        xq = quantize_uniform(x, self.dac_bits, x_range)
        volts = jnp.zeros(b * ti).at[:n_in].set(xq * (self.v_read_V / x_range)).reshape(b, ti)
        volts = volts * arrays["row_gain"]
        # Column currents in µA (µS x V); back to weight units through the scale and column gain.
        current = jnp.einsum("abij,bj->abi", arrays["g_pos_uS"] - arrays["g_neg_uS"], volts)
        to_weight = arrays["w_per_uS"][..., None] * arrays["col_gain"] * (x_range / self.v_read_V)
        y = current * to_weight
        if key is not None and dev.read_noise_rel:
            sigma = dev.read_noise_rel * jnp.sqrt(jnp.einsum("abij,bj->abi", arrays["g_sq_uS2"], volts**2))
            y = y + sigma * to_weight * jax.random.normal(key, y.shape)
        if self.adc_bits:
            full_scale = arrays["adc_fs"] * x_range if self.adc_range is None else self.adc_range
            y = quantize_uniform(y, self.adc_bits, full_scale)
        return y.sum(axis=1).reshape(a * to)[:n_out]

    def program(self, W, random_state=None, blocks=None):
        """Put ``W`` on the crossbar (sets ``arrays_`` and ``mapping_stats_``); returns ``self``
        so ``xb @ x`` works. ``blocks``: see :meth:`map_weights`."""
        rng = make_rng(self.random_state if random_state is None else random_state)
        self.arrays_, self.mapping_stats_ = self.map_weights(W, rng, blocks=blocks, return_stats=True)
        self._read_rng = rng
        return self

    def effective_weights(self, arrays=None):
        """The weight matrix the programmed conductances represent (no read noise, no converters).

        ``arrays``: mapped arrays (default: those of :meth:`program`).

        Examples
        --------
        >>> W = np.array([[0.5, 0.0], [0.0, -2.0]])
        >>> Crossbar(device="ideal").program(W).effective_weights().round(12).tolist()
        [[0.5, 0.0], [0.0, -2.0]]
        """
        arrays = self.arrays_ if arrays is None else arrays
        a, b, to, ti = np.shape(arrays["g_pos_uS"])
        w = (np.asarray(arrays["g_pos_uS"]) - np.asarray(arrays["g_neg_uS"])) * np.asarray(arrays["w_per_uS"])[..., None, None]
        w = w * np.asarray(arrays["row_gain"])[None, :, None, :] * np.asarray(arrays["col_gain"])[..., None]
        n_out, n_in = (int(v) for v in arrays["shape"])
        return w.transpose(0, 2, 1, 3).reshape(a * to, b * ti)[:n_out, :n_in]

    def calibrate_arrays(self, arrays, X, percentile=100.0):
        """Mapped ``arrays`` with converter ranges calibrated on inputs ``X`` (n_samples, n_in).

        The DAC range becomes the ``percentile`` of ``|X|`` (fixed from then on), and each tile
        column's ADC range the ``percentile`` of its partial sums over ``X`` (programmed weights,
        no noise), instead of the worst case ``sum |W|``, which wastes 2-3 bits.

        Examples
        --------
        >>> xb = Crossbar(device="ideal", dac_bits=8, adc_bits=4).program(np.array([[1.0, 1.0]]))
        >>> cal = xb.calibrate_arrays(xb.arrays_, np.array([[0.5, -0.5], [0.25, 0.0]]))
        >>> float(cal["dac_fs"]), float(cal["adc_fs"][0, 0, 0] * cal["dac_fs"])
        (0.5, 0.25)
        """
        X = np.asarray(X, dtype=float)
        n_out, n_in = (int(v) for v in arrays["shape"])
        if X.ndim != 2 or X.shape[1] != n_in or len(X) == 0 or not np.all(np.isfinite(X)):
            raise ValueError(f"X must be a finite array of shape (n_samples, {n_in}), got {X.shape}")
        if not (0 < percentile <= 100):
            raise ValueError(f"percentile must be in (0, 100], got {percentile!r}")
        a, b, to, ti = np.shape(arrays["g_pos_uS"])
        dac_fs = float(np.percentile(np.abs(X), percentile))
        dac_fs = dac_fs if dac_fs > 0 else 1.0
        padded = np.zeros((len(X), b * ti))
        padded[:, :n_in] = np.clip(X, -dac_fs, dac_fs)
        w = self.effective_weights(arrays)
        w_tiles = np.zeros((a * to, b * ti))
        w_tiles[:n_out, :n_in] = w
        w_tiles = w_tiles.reshape(a, to, b, ti).transpose(0, 2, 1, 3)
        partial = np.einsum("abij,nbj->nabi", w_tiles, padded.reshape(len(X), b, ti))
        adc_fs = np.percentile(np.abs(partial), percentile, axis=0) / dac_fs
        out = dict(arrays)
        out["adc_fs"] = np.where(adc_fs > 0, adc_fs, np.asarray(arrays["adc_fs"]))
        out["dac_fs"] = np.asarray(dac_fs)
        return out

    def calibrate(self, X, percentile=100.0):
        """Calibrate the converter ranges of the programmed crossbar on inputs ``X`` (see
        :meth:`calibrate_arrays`); returns ``self``."""
        if not hasattr(self, "arrays_"):
            raise RuntimeError("program(W) the crossbar before calibrating it")
        self.arrays_ = self.calibrate_arrays(self.arrays_, X, percentile)
        return self

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
