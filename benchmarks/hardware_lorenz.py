"""Lorenz-63 valid prediction time of an ESN run on a simulated ReRAM crossbar.

The protocol of ``benchmarks/lorenz_vpt.py`` (dysts Lorenz at 100 points per period, one-step
teacher-forced fit, closed-loop forecasts from ``--tests`` on-attractor initial conditions, VPT
at normalised error 0.4 in Lyapunov times), at a smaller size so the sweep runs in minutes.
The float64 ESN is the reference; the analog ESN uses the same weights (same ESN seed) mapped
onto the ``reram_default`` device preset (16 levels, 1.1 µS programming error, 1 % read noise,
0.5 % stuck cells, 8-bit DAC) with its tanh computed by a 5-bit ramp ADC whose 31 ramp
devices have the same programming error and 5 calibration cells. Then one factor at a time is
swept: ADC bits, device levels (0 = continuous), read noise, programming error (devices and
ramp), stuck devices; then ADC bits on an otherwise ideal array (8-bit DAC) and DAC bits on an
ideal array with an 8-bit ramp ADC. Reported: median VPT over the
test ICs, and its fraction of the float64 median.

Run: ``python benchmarks/hardware_lorenz.py [--units 300] [--tests 5] [--out out/hardware]``
"""

import argparse
import os
import time
import warnings

import numpy as np

from hardware import AnalogReservoir, Crossbar, RampADC, preset
from reservoir import ESN, ReservoirForecaster
from reservoir.chaos import system_info, trajectory
from reservoir.metrics import valid_prediction_time


def median_vpt(reservoir, train, tests, context, lt_per_step):
    model = ReservoirForecaster(reservoir).fit(train)
    vpts = []
    for X in tests:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            Y = model.forecast(len(X) - context, context=X[:context], on_divergence="ignore")
        vpts.append(valid_prediction_time(X[context:], Y, criterion="error", threshold=0.4,
                                          lyapunov_steps=lt_per_step))
    return float(np.median(vpts))


def analog(esn, bits=5, n_levels=16, read_noise_rel=0.01, program_error_std_uS=1.1, stuck_prob=0.005,
           dac_bits=8, chip_seed=0):
    device = preset("reram_default").with_(n_levels=n_levels, read_noise_rel=read_noise_rel,
                                           program_error_std_uS=program_error_std_uS,
                                           stuck_low_prob=stuck_prob / 2, stuck_high_prob=stuck_prob / 2)
    adc = RampADC(bits=bits, activation="tanh", program_error_std_uS=program_error_std_uS, calib_cells=5)
    return AnalogReservoir(esn, crossbar=Crossbar(device=device, dac_bits=dac_bits), activation_adc=adc,
                           random_state=chip_seed)


def dac_sweep(esn, vpt, reference):
    """DAC bits (0 = ideal) with ideal devices and an 8-bit ramp ADC."""
    ideal_devices = dict(n_levels=0, read_noise_rel=0.0, program_error_std_uS=0.0, stuck_prob=0.0)
    for dac_bits in (6, 8, 10, 0):  # 0 = ideal
        fraction = vpt(analog(esn, bits=8, dac_bits=dac_bits, **ideal_devices)) / reference
        print(f"  DAC bits, ideal devices, 8b ADC  {dac_bits:>7}: VPT fraction {fraction:.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--train", type=int, default=5000)
    parser.add_argument("--tests", type=int, default=5)
    parser.add_argument("--context", type=int, default=500)
    parser.add_argument("--horizon", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0, help="ESN seed")
    parser.add_argument("--out", default="out/hardware")
    args = parser.parse_args()

    lt_per_step = system_info("Lorenz").lyapunov_times_per_step(100)
    _, train = trajectory("Lorenz", n=args.train, pts_per_period=100, seed=0)
    tests = [trajectory("Lorenz", n=args.context + args.horizon, pts_per_period=100, seed=s)[1]
             for s in range(1, args.tests + 1)]
    esn = ESN(n_units=args.units, random_state=args.seed)

    def vpt(res):
        return median_vpt(res, train, tests, args.context, lt_per_step)

    start = time.perf_counter()
    reference = vpt(esn)
    print(f"Lorenz-63, N={args.units}, {args.train} training points, {args.tests} test ICs, "
          f"horizon {args.horizon * lt_per_step:.1f} LT")
    print(f"float64 ESN: median VPT {reference:.2f} LT")
    default = vpt(analog(esn))
    print(f"analog ESN (reram_default, 5-bit ramp-ADC tanh): median VPT {default:.2f} LT "
          f"= {default / reference:.2f} of float64")

    sweeps = {
        "ADC bits": ("bits", [3, 4, 5, 6, 8]),
        "device levels (0 = continuous)": ("n_levels", [4, 8, 16, 32, 0]),
        "read noise (relative)": ("read_noise_rel", [0.0, 0.0025, 0.005, 0.01, 0.02, 0.05]),
        "programming error (µS)": ("program_error_std_uS", [0.0, 0.1, 0.3, 1.1]),
        "stuck devices (fraction)": ("stuck_prob", [0.0, 0.001, 0.005]),
    }
    results = {}
    for title, (name, values) in sweeps.items():
        fractions = []
        for value in values:
            fractions.append(vpt(analog(esn, **{name: value})) / reference)
            print(f"  {title:<32} {value!s:>7}: VPT fraction {fractions[-1]:.2f}")
        results[title] = (values, fractions)
    ideal_devices = dict(n_levels=0, read_noise_rel=0.0, program_error_std_uS=0.0, stuck_prob=0.0)
    ideal_adc = []
    for bits in results["ADC bits"][0]:
        ideal_adc.append(vpt(analog(esn, bits=bits, **ideal_devices)) / reference)
        print(f"  ADC bits with ideal devices      {bits:>7}: VPT fraction {ideal_adc[-1]:.2f}")
    dac_sweep(esn, vpt, reference)
    print(f"total {time.perf_counter() - start:.0f} s")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    os.makedirs(args.out, exist_ok=True)
    fig, axes = plt.subplots(1, len(results), figsize=(3.6 * len(results), 3.2), sharey=True)
    for ax, (title, (values, fractions)) in zip(axes, results.items()):
        labels = [str(v) for v in values]
        ax.plot(range(len(values)), fractions, "o-", label="reram_default")
        if title == "ADC bits":
            ax.plot(range(len(values)), ideal_adc, "s--", label="ideal devices")
            ax.legend(fontsize=7)
        ax.set_xticks(range(len(values)), labels)
        ax.set_xlabel(title)
        ax.axhline(1.0, color="k", lw=0.5)
    axes[0].set_ylabel("VPT / VPT(float64)")
    fig.suptitle(f"Analog ESN (N={args.units}) on Lorenz-63: one factor varied from the default "
                 "(reram_default, 5-bit ramp tanh)", fontsize=9)
    fig.tight_layout()
    path = os.path.join(args.out, "hardware_lorenz_vpt.png")
    fig.savefig(path, dpi=120)
    print(f"plot: {path}")


if __name__ == "__main__":
    main()
