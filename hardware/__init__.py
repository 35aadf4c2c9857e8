"""Analog hardware simulation (memristor crossbars, ramp-ADC activations).

Empty for now: the crossbar runs reservoirs of :mod:`reservoir` as analog hardware would.
"""
