"""Resistive-memory (ReRAM) device model and presets that cite their numbers.

A device is described by one frozen dataclass, :class:`ReRAMDevice`, whose field names carry
their units (``g_max_uS`` is in microsiemens, ``t_inference_s`` in seconds). The non-idealities
follow the three lifecycles of crossbar simulators (crossbar.md, section 6.3):

- once per chip instance: level quantisation, write-verify programming error, device-to-device
  gain spread, cycle-to-cycle spread, stuck-at-low/high faults (:meth:`ReRAMDevice.program`);
- at an inference time: power-law conductance drift (:meth:`ReRAMDevice.drift`);
- on every read: multiplicative Gaussian read noise (``read_noise_rel``; applied by the
  crossbar, which knows when a read happens).

Every non-ideality is off when its parameter is zero (``n_levels = 0`` means continuous
conductances), so :func:`preset` ``("ideal")`` is an exact analog multiplier.
"""

from dataclasses import dataclass, fields, replace

import numpy as np
from sklearn.base import BaseEstimator

from reservoir.base import make_rng


@dataclass(frozen=True)
class ReRAMDevice(BaseEstimator):
    """A resistive-memory cell.

    Parameters
    ----------
    g_min_uS, g_max_uS : float
        Lowest and highest programmable conductance (µS), 0 <= g_min_uS < g_max_uS.
    n_levels : int
        Number of evenly spaced programmable levels in [g_min_uS, g_max_uS]; 0 = continuous.
    program_error_std_uS : float
        Standard deviation (µS) of the residual error after write-verify programming.
    d2d_rel : float
        Device-to-device relative gain spread: each device's conductance is multiplied once per
        chip by ``1 + d2d_rel * N(0, 1)``.
    c2c_rel : float
        Cycle-to-cycle relative spread, re-drawn at every programming of a device.
    read_noise_rel : float
        Relative standard deviation of the conductance on every read.
    drift_nu : float
        Power-law drift exponent: ``G(t) = G(t0) * (t / t0) ** (-drift_nu)`` for t >= t0.
    drift_nu_std : float
        Device-to-device spread of the exponent: each device drifts with its own
        ``max(0, drift_nu + drift_nu_std * N(0, 1))``, drawn once per chip (aihwkit's PCM model
        draws ``nu`` per device the same way). A spread is what global drift compensation
        cannot undo.
    drift_t0_s : float
        Reference time (s) of the drift law (conductances are exact at t0).
    stuck_low_prob, stuck_high_prob : float
        Probability that a device is stuck at g_min_uS (OFF) or g_max_uS (ON).
    source : str
        Where the numbers come from.

    Examples
    --------
    >>> dev = ReRAMDevice(n_levels=3)
    >>> dev.quantize(np.array([4.0, 21.0, 40.0])).tolist()
    [4.0, 22.0, 40.0]
    """

    g_min_uS: float = 4.0
    g_max_uS: float = 40.0
    n_levels: int = 16
    program_error_std_uS: float = 1.1
    d2d_rel: float = 0.0
    c2c_rel: float = 0.0
    read_noise_rel: float = 0.01
    drift_nu: float = 0.0
    drift_nu_std: float = 0.0
    drift_t0_s: float = 1.0
    stuck_low_prob: float = 0.0
    stuck_high_prob: float = 0.0
    source: str = ""

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "source":
                if not isinstance(value, str):
                    raise TypeError(f"source must be a string, got {value!r}")
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
                raise TypeError(f"{f.name} must be a number, got {value!r}")
            if not np.isfinite(value) or value < 0:
                raise ValueError(f"{f.name} must be finite and >= 0, got {value!r}")
        if not self.g_max_uS > self.g_min_uS:
            raise ValueError(f"g_max_uS ({self.g_max_uS}) must exceed g_min_uS ({self.g_min_uS})")
        if int(self.n_levels) != self.n_levels or self.n_levels == 1:
            raise ValueError(f"n_levels must be 0 (continuous) or an integer >= 2, got {self.n_levels!r}")
        if self.stuck_low_prob + self.stuck_high_prob > 1:
            raise ValueError("stuck_low_prob + stuck_high_prob must be <= 1")
        if self.drift_t0_s <= 0:
            raise ValueError(f"drift_t0_s must be > 0, got {self.drift_t0_s!r}")

    def quantize(self, g_uS):
        """Round target conductances to the nearest programmable level (clipped to the range)."""
        g = np.clip(np.asarray(g_uS, dtype=float), self.g_min_uS, self.g_max_uS)
        if self.n_levels == 0:
            return g
        step = (self.g_max_uS - self.g_min_uS) / (self.n_levels - 1)
        return self.g_min_uS + np.round((g - self.g_min_uS) / step) * step

    def program(self, g_target_uS, random_state=None):
        """Conductances (µS) actually reached when programming ``g_target_uS`` once.

        Order of effects: level quantisation, device gain (d2d, c2c), write-verify residual,
        clipping to the physical range [0, g_max_uS] (a cell cannot be negative, and verify
        stops at the top level), then stuck devices override everything.

        Examples
        --------
        >>> g = preset("ideal").program(np.array([5.0, 30.0]), random_state=0)
        >>> g.tolist()
        [5.0, 30.0]
        """
        return self.program_cells(g_target_uS, random_state)[0]

    def program_cells(self, g_target_uS, random_state=None):
        """Like :meth:`program`, and also say which devices came out stuck.

        A read-verify after programming finds the stuck devices (they ignore every pulse), so a
        mapper can compensate them; this returns what that read would report.

        Returns
        -------
        g_uS : ndarray
            Programmed conductances (µS).
        stuck : ndarray of bool
            True where the device is stuck at ``g_min_uS`` or ``g_max_uS``.

        Examples
        --------
        >>> g, stuck = ReRAMDevice(stuck_high_prob=1.0).program_cells(np.array([10.0]), 0)
        >>> g.tolist(), stuck.tolist()
        ([40.0], [True])
        """
        rng = make_rng(random_state)
        g = self.quantize(g_target_uS)
        shape = g.shape
        if self.d2d_rel or self.c2c_rel:
            gain = 1.0 + self.d2d_rel * rng.standard_normal(shape) + self.c2c_rel * rng.standard_normal(shape)
            g = g * gain
        if self.program_error_std_uS:
            g = g + self.program_error_std_uS * rng.standard_normal(shape)
        if self.d2d_rel or self.c2c_rel or self.program_error_std_uS:
            g = np.clip(g, 0.0, self.g_max_uS)
        stuck = np.zeros(shape, dtype=bool)
        if self.stuck_low_prob or self.stuck_high_prob:
            draw = rng.random(shape)
            g = np.where(draw < self.stuck_low_prob, self.g_min_uS, g)
            g = np.where((draw >= self.stuck_low_prob) & (draw < self.stuck_low_prob + self.stuck_high_prob),
                         self.g_max_uS, g)
            stuck = draw < self.stuck_low_prob + self.stuck_high_prob
        return g, stuck

    def drift(self, g_uS, t_s, random_state=None):
        """Conductances at time ``t_s`` (s) after programming (expectation mode: one law per
        device, no trajectory). ``random_state`` draws the per-device exponents when
        ``drift_nu_std > 0`` (pass the chip's generator so that one chip keeps its exponents).

        Examples
        --------
        >>> ReRAMDevice(drift_nu=0.1).drift(np.array([10.0]), 10.0).round(4).tolist()
        [7.9433]
        """
        if t_s < 0:
            raise ValueError(f"t_s must be >= 0, got {t_s!r}")
        g = np.asarray(g_uS, dtype=float)
        nu = self.drift_nu
        if self.drift_nu_std:
            # Drawn whatever t_s is, so a chip read at several times keeps the same exponents.
            nu = np.maximum(nu + self.drift_nu_std * make_rng(random_state).standard_normal(g.shape), 0.0)
        if not np.any(nu) or t_s <= self.drift_t0_s:
            return g
        return g * (t_s / self.drift_t0_s) ** (-nu)

    def with_(self, **changes):
        """A copy with some fields changed (for sweeps)."""
        return replace(self, **changes)


_PRESETS = {
    # Everything off: the crossbar is then an exact multiplier.
    "ideal": ReRAMDevice(n_levels=0, program_error_std_uS=0.0, read_noise_rel=0.0,
                         source="no non-idealities"),
    # The recommended ReRAM-1T1R-40nm profile of crossbar.md section 4.
    "reram_default": ReRAMDevice(
        g_min_uS=4.0, g_max_uS=40.0, n_levels=16, program_error_std_uS=1.1, read_noise_rel=0.01,
        stuck_low_prob=0.0025, stuck_high_prob=0.0025,
        source=("G_max 40 uS and programming sigma 1.1 uS (low end of the Wan polynomial at 1 s): "
                "NeuRRAM, Wan et al., Nature 2022, doi 10.1038/s41586-022-04992-8, as coded in "
                "aihwkit/CrossSim; on/off 10x and 16 levels: crossbar.md section 4; 1 % read noise: "
                "aihwkit ReRAM docstring; 0.5 % stuck devices (split evenly low/high): 99.8 % yield in "
                "Li et al., Nat. Electron. 2018, rounded up"),
    ),
    # NeuRRAM numbers one day after programming: relaxation widens sigma to about 2.5-3.9 uS.
    "reram_wan2022_1day": ReRAMDevice(
        g_min_uS=4.0, g_max_uS=40.0, n_levels=16, program_error_std_uS=2.5, read_noise_rel=0.01,
        source="Wan et al., Nature 2022 (doi 10.1038/s41586-022-04992-8), sigma after 1 day, "
               "from the aihwkit ReRAM model [derived, crossbar.md section 2.1]",
    ),
    # Unprogrammed (formed or not) devices used as random reservoir weights.
    "random_forming": ReRAMDevice(
        g_min_uS=0.0, g_max_uS=40.0, n_levels=0, program_error_std_uS=0.0, read_noise_rel=0.02,
        source="ESGNN measured maps (Nat. Mach. Intell. 2023, doi 10.1038/s42256-023-00609-5): "
               "p_formed 0.5, G_on ~ N(12.3, 1.8) uS, 2 % read noise [derived; units unverified]",
    ),
}


def preset(name):
    """A named device preset: ``"ideal"``, ``"reram_default"``, ``"reram_wan2022_1day"``,
    ``"random_forming"``; its ``source`` field says where the numbers come from.

    Examples
    --------
    >>> preset("reram_default").g_max_uS
    40.0
    """
    if isinstance(name, ReRAMDevice):
        return name
    if name not in _PRESETS:
        raise ValueError(f"device must be a ReRAMDevice or one of {sorted(_PRESETS)}, got {name!r}")
    return _PRESETS[name]


def preset_names():
    """Names accepted by :func:`preset`."""
    return sorted(_PRESETS)
