"""Energy per step of the analog ESN (crossbar + 5-bit ramp-ADC tanh) against digital arithmetic.

Assumptions (constants and sources: ``hardware.energy.CONSTANTS``, printed below): one step is
one MVM of ``[W | W_in | b]`` (N x (N + d + 1)) on differential ReRAM pairs of the
``reram_default`` preset, read at 0.2 V for 10 ns with inputs uniform in [-1, 1]; N ramp-ADC
conversions at 5 bits and 1 GHz; N + d + 1 DAC conversions. The mean conductance is measured
on the programmed array. The digital ESN does the same MVM as MACs with one SRAM weight fetch
per MAC, either dense (as the crossbar does) or exploiting the fixed in-degree sparsity (k = 10
nonzeros per row of W); leak, tanh and readout are left out of both sides.

Run: ``python benchmarks/hardware_energy.py [--units 300]``
"""

import argparse

import numpy as np

from hardware import AnalogReservoir, RampADC
from hardware.energy import CONSTANTS, analog_step, digital_step
from reservoir import ESN


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--inputs", type=int, default=3)
    parser.add_argument("--adc-bits", type=int, default=5)
    args = parser.parse_args()
    n, d = args.units, args.inputs
    esn = ESN(n_units=n, random_state=0)
    res = AnalogReservoir(esn, activation_adc=RampADC(bits=args.adc_bits), random_state=0)
    params = res.initialize(d)
    mean_g = float(np.mean(np.concatenate([params["xbar_g_pos_uS"].ravel(), params["xbar_g_neg_uS"].ravel()])))
    # The reservoir's reads per step (their conversions averaged): each repeats the array read.
    analog = analog_step(n + d + 1, n, mean_g, adc_bits=args.adc_bits, n_reads=res.n_reads)

    print("constants:")
    for name, (value, source) in CONSTANTS.items():
        print(f"  {name:<20} {value:<10.3g} {source}")
    print(f"\nESN N={n}, d={d}; mean programmed conductance {mean_g:.2f} µS; {res.n_reads} reads per step")
    print("analog step:")
    for key, value in analog.items():
        unit = "pJ" if key.endswith("_J") else ("ns" if key.endswith("_s") else "mm^2")
        scale = 1e12 if unit == "pJ" else (1e9 if unit == "ns" else 1e6)
        print(f"  {key:<18} {value * scale:10.3f} {unit}")
    rows = [("fp32 dense", n * (n + d + 1), "fp32"), ("fp32 sparse k=10", n * (10 + d + 1), "fp32"),
            ("int8 dense", n * (n + d + 1), "int8"), ("int8 sparse k=10", n * (10 + d + 1), "int8")]
    print("digital step (MACs + weight fetches):")
    for name, macs, precision in rows:
        total = digital_step(macs, precision)["total_J"]
        print(f"  {name:<18} {macs:>7} MACs {total * 1e12:10.1f} pJ   analog advantage "
              f"{total / analog['total_J']:6.1f}x")


if __name__ == "__main__":
    main()
