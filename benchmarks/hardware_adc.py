"""Ramp-ADC activations: maximum error in LSB for tanh and sigmoid at 4-8 bits.

For each function and resolution: the ideal pre-distorted ramp; the ramp built from devices
with write-verify error sigma (default 1.1 µS, the low end of the NeuRRAM/Wan 2022 polynomial);
the same with offset calibration by 5 cells (the paper's 5-bit design: one device per ramp
step plus 5 calibration memristors, Yang, Mao et al., Nat. Commun. 2025). Mean and 95th
percentile of the maximum |ADC(x) - f(x)| over the input range, in LSB of the output, over
``--draws`` chip instances. The paper gives no LSB figures; crossbar.md 5.4 gives a Monte-Carlo
INL of 0.78 LSB mean (1.45 p95) at 5 bits and 1.1 µS without calibration.

Run: ``python benchmarks/hardware_adc.py [--draws 200] [--sigma-uS 1.1] [--out out/hardware]``
"""

import argparse
import os

import numpy as np

from hardware import RampADC


def error_stats(bits, activation, sigma_uS, calib_cells, draws):
    errors = [RampADC(bits=bits, activation=activation, program_error_std_uS=sigma_uS,
                      calib_cells=calib_cells, random_state=seed).program().max_error_lsb(4001)
              for seed in range(draws)]
    return np.mean(errors), np.percentile(errors, 95)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=200)
    parser.add_argument("--sigma-uS", type=float, default=1.1)
    parser.add_argument("--out", default="out/hardware")
    args = parser.parse_args()

    print(f"max |ADC(x) - f(x)| in LSB, mean (p95) over {args.draws} chips; ramp device sigma "
          f"{args.sigma_uS} µS, window 4-40 µS")
    print(f"{'f':<8}{'bits':>5}{'span':>7}{'devices':>9}{'ideal':>8}{'no calib':>18}{'5 calib cells':>18}")
    for activation in ("tanh", "sigmoid"):
        for bits in range(4, 9):
            ideal = RampADC(bits=bits, activation=activation).program()
            raw = error_stats(bits, activation, args.sigma_uS, 0, args.draws)
            cal = error_stats(bits, activation, args.sigma_uS, 5, args.draws)
            mark = "  <- paper design" if bits == 5 else ""
            print(f"{activation:<8}{bits:>5}{ideal.ramp_span():>6.1f}x{ideal.n_ramp_devices_:>9}"
                  f"{ideal.max_error_lsb():>8.2f}{raw[0]:>11.2f} ({raw[1]:.2f}){cal[0]:>11.2f} ({cal[1]:.2f}){mark}")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    os.makedirs(args.out, exist_ok=True)
    x = np.linspace(-2.5, 2.5, 2001)
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(x, np.tanh(x), "k", lw=1, label="tanh")
    ax.step(x, RampADC(bits=5).program()(x), where="post", label="5-bit ideal ramp")
    ax.step(x, RampADC(bits=5, program_error_std_uS=args.sigma_uS, random_state=0).program()(x),
            where="post", label=f"5-bit, sigma {args.sigma_uS} µS")
    ax.set_xlabel("column output x (pre-activation)")
    ax.set_ylabel("ADC output")
    ax.legend(fontsize=8)
    fig.tight_layout()
    path = os.path.join(args.out, "ramp_adc_transfer.png")
    fig.savefig(path, dpi=120)
    print(f"transfer curve: {path}")


if __name__ == "__main__":
    main()
