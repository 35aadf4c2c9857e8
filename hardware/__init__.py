"""Analog hardware simulation: ReRAM device models, the memristor crossbar, DAC/ADC and the
nonlinear ramp ADC, reservoirs run on simulated crossbars, and energy estimates.

Examples
--------
>>> import numpy as np
>>> from hardware import Crossbar
>>> xb = Crossbar(device="ideal", dac_bits=0, adc_bits=0).program(np.eye(2))
>>> (xb @ np.array([1.0, 2.0])).round(12).tolist()
[1.0, 2.0]
"""

from .adc import RampADC, quantize_uniform
from .analog_reservoir import AnalogReservoir, MappingWarning
from .crossbar import Crossbar
from .devices import ReRAMDevice, preset, preset_names

__all__ = ["AnalogReservoir", "Crossbar", "MappingWarning", "RampADC", "ReRAMDevice", "ResistiveLSM", "preset", "preset_names", "quantize_uniform"]


def __getattr__(name):
    # Imported on first use: the resistive LSM builds on reservoir.spiking, which the rate
    # crossbar code does not need.
    if name == "ResistiveLSM":
        from .resistive_lsm import ResistiveLSM

        return ResistiveLSM
    raise AttributeError(f"module 'hardware' has no attribute {name!r}")
