"""How faithfully a sparse ESN runs on a simulated ReRAM chip: mapping, forecasting, drift, energy.

Sections (``--sections``, default all):

``mapping``
    The programmed recurrent matrix of an ESN (N = ``--units``, in-degree 10, spectral radius
    0.9) on the ``reram_default`` device with ideal converters, per chip: spectral radius and
    relative (Frobenius) error of the effective matrix, stuck cells, compensated pairs,
    programming operations and energy; the sparse default mapping against the dense layout of
    earlier versions (zeros programmed at g_min, one scale per tile, no stuck compensation).
``lorenz``
    Lorenz-63 valid prediction time (the protocol of ``benchmarks/hardware_lorenz.py``: dysts
    Lorenz at 100 points per period, ``--train`` fit points, ``--tests`` test initial
    conditions with 500 points of context each, VPT at normalised error 0.4, in Lyapunov times)
    of the default forecaster on: the float ESN; the default chip (reram_default, 5-bit ramp-ADC
    tanh with the devices' programming error and 5 calibration cells, 8-bit DAC) on ``--chips``
    chips, 4 reads per step whose conversions are averaged (``AnalogReservoir(n_reads=4)``, the
    default: the read noise dithers the 5-bit ramp ADC); the same with 1 read (before) and 8
    reads, with their energy and latency factors; the same with the optional mapping choices (digital bias, weights
    clipped at 2.5 sigma, per-column gain); ideal devices with the same converters (an ideal ramp: one
    deterministic chip); the dense layout. Median and interquartile range over all ICs x chips,
    and a bootstrap over the test ICs of the median (how far these few ICs can move it).
``reads``
    How the default reads per step (``AnalogReservoir(n_reads=4)``) was chosen: Lorenz VPT of
    the default chip with 1, 4 and 8 reads on validation data only (2 x ``--tests`` ICs with
    seeds 101.., ``--chips`` chips with seeds 100..), never the test ICs and chips of ``lorenz``.
``mackey``
    Mackey-Glass (tau = 17, beta 0.2, gamma 0.1, n 10; RK4 at dt 0.1, sampled every 1 time unit)
    one-step teacher-forced NRMSE on 1000 test points after a fit on 3000, float and chips.
``drift``
    The default device with a PCM-like power-law drift (nu ~ N(0.05, 0.02) per device:
    aihwkit's PCM model draws mean exponents in [0.049, 0.1], crossbar.md section 2.1): the
    readout is fitted at t = 1 s and the chip read from 1 s to a year, with and without global
    drift compensation; Mackey-Glass one-step NRMSE and the effective matrix's relative error.
``classify``
    An analog classifier: scikit-learn's 8x8 digits read row by row (8 steps of 8 pixels), ESN
    N = 100, mean state over the rows, standardised, ridge classifier; 1200 train / 597 test
    (a fixed random split); software against ideal devices and the default chip (``--chips``
    chips) with 5- and 8-bit ramp-ADC activations. The resistive LSM against its software
    version is ``benchmarks/hardware_lsm.py``.
``energy``
    Energy-accuracy: activation-ADC bits against Lorenz VPT (median over ICs x chips) and
    energy per reservoir step (``hardware.energy.analog_step``), default chip; a plot.

Run: ``python benchmarks/hardware_mapping.py [--units 300] [--tests 10] [--chips 3]
[--sections mapping reads lorenz mackey drift classify energy] [--out out/hardware]``
"""

import argparse
import copy
import os
import time
import warnings

import numpy as np

from hardware import AnalogReservoir, Crossbar, MappingWarning, RampADC, preset
from hardware.energy import analog_step
from reservoir import ESN, ReservoirForecaster
from reservoir.chaos import system_info, trajectory
from reservoir.metrics import nrmse, valid_prediction_time

DENSE = dict(zero_weights="programmed", scaling="tile", compensate_stuck=False)


def chip(esn, device="reram_default", bits=5, seed=0, dac_bits=8, adc_bits=8, **crossbar):
    """The analog ESN: ``device`` preset (or ReRAMDevice), ``bits``-bit ramp-ADC tanh whose devices
    carry the array's programming error (5 calibration cells when there is any)."""
    dev = preset(device)
    error = dev.program_error_std_uS
    adc = None if bits is None else RampADC(bits=bits, program_error_std_uS=error, calib_cells=5 if error else 0)
    xbar = Crossbar(device=dev, dac_bits=dac_bits, adc_bits=adc_bits, **crossbar)
    return AnalogReservoir(esn, crossbar=xbar, activation_adc=adc, random_state=seed)


def fit(reservoir, train):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MappingWarning)
        return ReservoirForecaster(reservoir).fit(train)


def vpts(reservoir, train, tests, context, lt_per_step):
    model = fit(reservoir, train)
    out = []
    for X in tests:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            Y = model.forecast(len(X) - context, context=X[:context], on_divergence="ignore")
        out.append(valid_prediction_time(X[context:], Y, criterion="error", threshold=0.4,
                                         lyapunov_steps=lt_per_step))
    return np.array(out)


def summary(values):
    q1, med, q3 = np.percentile(values, [25, 50, 75])
    return f"{med:5.2f} [{q1:4.2f}-{q3:4.2f}]"


def mackey_glass(n, tau=17.0, beta=0.2, gamma=0.1, power=10.0, dt=0.1, sample=1.0, transient=1000.0):
    """Mackey-Glass series by RK4 with the delayed value interpolated on the grid (x = 1.2 before 0)."""
    lag, every = int(round(tau / dt)), int(round(sample / dt))
    n_steps = int(round((transient + n * sample) / dt))
    x = np.full(n_steps + lag + 1, 1.2)

    def f(value, delayed):
        return beta * delayed / (1.0 + delayed**power) - gamma * value

    for k in range(lag, lag + n_steps):
        d0, d1 = x[k - lag], x[k - lag + 1]
        dm = 0.5 * (d0 + d1)
        k1 = f(x[k], d0)
        k2 = f(x[k] + 0.5 * dt * k1, dm)
        k3 = f(x[k] + 0.5 * dt * k2, dm)
        k4 = f(x[k] + dt * k3, d1)
        x[k + 1] = x[k] + dt * (k1 + 2 * k2 + 2 * k3 + k4) / 6
    series = x[lag + int(round(transient / dt))::every][:n]
    return series[:, None]


def mg_nrmse(model, test, washout=100):
    pred = model.predict(test)
    return nrmse(test[washout + 1:], pred[washout:-1])


def section_mapping(args, esn):
    print(f"\n## Mapping: ESN N={args.units}, in-degree 10, spectral radius 0.9, reram_default, ideal converters")
    print("| layout | chip | rho_eff | rel. error | stuck cells | compensated | programming ops | energy (uJ) |")
    print("|---|---|---|---|---|---|---|---|")
    for name, kw in (("sparse (default)", {}), ("dense (before)", DENSE)):
        for seed in range(args.chips):
            res = chip(esn, bits=None, seed=seed, dac_bits=0, adc_bits=0, **kw)
            res.initialize(3)
            r = res.mapping_report_
            print(f"| {name} | {seed} | {r['spectral_radius_effective']:.3f} | {r['relative_error']:.3f} | "
                  f"{r['stuck_cells']} | {r['compensated_pairs']} | {r['programming_ops']} | "
                  f"{r['programming_energy_J'] * 1e6:.2f} |")


def lorenz_data(args):
    lt_per_step = system_info("Lorenz").lyapunov_times_per_step(100)
    _, train = trajectory("Lorenz", n=args.train, pts_per_period=100, seed=0)
    tests = [trajectory("Lorenz", n=args.context + args.horizon, pts_per_period=100, seed=s)[1]
             for s in range(1, args.tests + 1)]
    return train, tests, lt_per_step


def section_lorenz(args, esn):
    train, tests, lt = lorenz_data(args)

    def run(res):
        return vpts(res, train, tests, args.context, lt)

    print(f"\n## Lorenz-63 VPT (Lyapunov times), N={args.units}, {args.train} fit points, "
          f"{args.tests} test ICs x {args.chips} chips; median [IQR]")
    print("| setting | ICs x chips | VPT median [IQR] | per-chip medians |")
    print("|---|---|---|---|")
    results = {}
    ref = run(esn)
    results["float"] = ref
    print(f"| float64 ESN | {len(ref)} x 1 | {summary(ref)} | |")
    ideal = run(chip(esn, device="ideal"))
    results["ideal"] = ideal
    print(f"| ideal devices, 5-bit ramp ADC, 8-bit DAC | {len(ideal)} x 1 (deterministic) | {summary(ideal)} | |")
    settings = (("default chip (reram_default, 4 reads per step averaged)", {}, {}),
                ("default chip, 1 read per step (before)", {}, dict(n_reads=1)),
                ("default chip, 8 reads per step averaged", {}, dict(n_reads=8)),
                ("default chip, digital bias, clip 2.5 sigma, column gain",
                 dict(clip_sigma=2.5, column_gain=True), dict(bias="digital")),
                ("dense layout (before)", DENSE, dict(n_reads=1)))
    for name, kw, options in settings:
        per_chip = []
        for seed in range(args.chips):
            res = chip(esn, seed=seed, **kw)
            res.set_params(**options)
            per_chip.append(run(res))
        values = np.concatenate(per_chip)
        results[name] = values
        medians = ", ".join(f"{np.median(v):.2f}" for v in per_chip)
        print(f"| {name} | {args.tests} x {args.chips} | {summary(values)} | {medians} |")
    default = np.median(results["default chip (reram_default, 4 reads per step averaged)"])
    print(f"default chip / ideal devices: {default / np.median(ideal):.2f}; "
          f"/ float: {default / np.median(ref):.2f} (ideal devices have no read noise: the reads "
          "agree, and their number changes nothing there)")
    for name in ("default chip, 1 read per step (before)", "default chip, 8 reads per step averaged"):
        print(f"{name} / ideal devices: {np.median(results[name]) / np.median(ideal):.2f}")
    # How much the median of these few test ICs can move: bootstrap over the ICs (each chip
    # keeps its IC), the 90 % interval of the median.
    rng = np.random.default_rng(0)
    for name in ("ideal", "default chip (reram_default, 4 reads per step averaged)",
                 "default chip, 1 read per step (before)"):
        values = results[name].reshape(-1, args.tests)
        picks = rng.integers(args.tests, size=(2000, args.tests))
        medians = np.median(values[:, picks].transpose(1, 0, 2).reshape(2000, -1), axis=1)
        low, high = np.percentile(medians, [5, 95])
        print(f"bootstrap over the {args.tests} test ICs, 90 % interval of the median, {name}: {low:.2f}-{high:.2f}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MappingWarning)
        params = chip(esn, seed=0).initialize(3)
    mean_g = float(np.mean(np.concatenate([params["xbar_g_pos_uS"].ravel(), params["xbar_g_neg_uS"].ravel()])))
    step = [analog_step(args.units + 4, args.units, mean_g_uS=mean_g, n_reads=r) for r in (1, 4, 8)]
    print("energy / latency per step (hardware.energy.analog_step): "
          + ", ".join(f"{r} read(s) {e['total_J'] * 1e9:.3f} nJ / {e['latency_s'] * 1e9:.0f} ns"
                      for r, e in zip((1, 4, 8), step)))
    return results


def section_reads(args, esn):
    """How the default number of reads per step was chosen: on validation data only (Lorenz
    initial conditions and chip seeds that the ``lorenz`` section never uses)."""
    lt = system_info("Lorenz").lyapunov_times_per_step(100)
    _, train = trajectory("Lorenz", n=args.train, pts_per_period=100, seed=0)
    n_val = 2 * args.tests
    val = [trajectory("Lorenz", n=args.context + args.horizon, pts_per_period=100, seed=s)[1]
           for s in range(101, 101 + n_val)]
    print(f"\n## Reads per step, validation: Lorenz VPT over {n_val} validation ICs (seeds 101-{100 + n_val}) "
          f"x {args.chips} validation chips (seeds 100-{99 + args.chips}), default chip")
    print("| reads per step | VPT median [IQR] | per-chip medians |")
    print("|---|---|---|")
    ideal = vpts(chip(esn, device="ideal"), train, val, args.context, lt)
    print(f"| ideal devices, same converters (any number of reads) | {summary(ideal)} | deterministic |")
    for reads in (1, 4, 8):
        per_chip = [vpts(chip(esn, seed=100 + c).set_params(n_reads=reads), train, val, args.context, lt)
                    for c in range(args.chips)]
        print(f"| {reads} | {summary(np.concatenate(per_chip))} | "
              f"{', '.join(f'{np.median(v):.2f}' for v in per_chip)} |")


def section_mackey(args, esn):
    series = mackey_glass(4100)
    train, test = series[:3000], series[3000:]
    print(f"\n## Mackey-Glass (tau = 17) one-step NRMSE, N={args.units}, fit 3000, test {len(test) - 101} points")
    print("| setting | chips | NRMSE median [range] |")
    print("|---|---|---|")
    print(f"| float64 ESN | 1 | {mg_nrmse(fit(esn, train), test):.2e} |")
    for name, device, kw, reads in (("ideal devices, 5-bit ramp ADC, 8-bit DAC", "ideal", {}, 4),
                                    ("default chip (4 reads per step averaged)", "reram_default", {}, 4),
                                    ("default chip, 1 read per step", "reram_default", {}, 1),
                                    ("dense layout (before)", "reram_default", DENSE, 1)):
        values = [mg_nrmse(fit(chip(esn, device=device, seed=s, **kw).set_params(n_reads=reads), train), test)
                  for s in range(1 if device == "ideal" else args.chips)]
        print(f"| {name} | {len(values)} | {np.median(values):.4f} [{min(values):.4f}-{max(values):.4f}] |")
    print("published chips (reference/analog_mapping.md): 0.03 (eight rotating-neuron reservoirs) to 0.05")


def section_drift(args, esn):
    series = mackey_glass(4100)
    train, test = series[:3000], series[3000:]
    device = preset("reram_default").with_(drift_nu=0.05, drift_nu_std=0.02)
    times = [("1 s", 1.0), ("1 h", 3600.0), ("1 day", 86400.0), ("1 month", 2.6e6), ("1 year", 3.15e7)]
    print("\n## Drift (nu ~ N(0.05, 0.02) per device), readout fitted at 1 s; Mackey-Glass one-step NRMSE "
          f"and relative error of W_eff, median over {args.chips} chips")
    print("| time | NRMSE uncompensated | NRMSE compensated | W error uncomp. | W error comp. |")
    print("|---|---|---|---|---|")
    models = [fit(chip(esn, device=device, seed=s), train) for s in range(args.chips)]
    for label, t in times:
        row = {}
        for comp in (False, True):
            scores, errors = [], []
            for seed, model in enumerate(models):
                res = chip(esn, device=device, seed=seed, t_inference_s=t, drift_compensation=comp)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", MappingWarning)
                    params = res.initialize(1, seed)
                # Same chip (same seed: same programming and exponents), read at time t; the
                # readout, standardisation and calibration stay those fitted at 1 s.
                fitted = dict(model.reservoir_params_)
                fitted.update({k: np.asarray(v) for k, v in params.items()
                               if k.startswith("xbar_g") or k == "xbar_col_gain"})
                model_t = copy.copy(model)
                model_t.reservoir_params_ = fitted
                scores.append(mg_nrmse(model_t, test))
                errors.append(res.mapping_report_["relative_error"])
            row[comp] = (np.median(scores), np.median(errors))
        print(f"| {label} | {row[False][0]:.4f} | {row[True][0]:.4f} | {row[False][1]:.3f} | {row[True][1]:.3f} |")
    print("(at 1 s nothing has drifted: the two NRMSE differ by the read noise of two runs)")


def section_classify(args, esn):
    from sklearn.datasets import load_digits
    from sklearn.linear_model import RidgeClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = load_digits(return_X_y=True)
    seqs = list((X / 16.0).reshape(-1, 8, 8))
    order = np.random.default_rng(0).permutation(len(y))
    train, test = order[:1200], order[1200:]
    small = ESN(n_units=100, random_state=args.seed)

    def score(res):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MappingWarning)
            features = np.stack([f.mean(axis=0) for f in res.fit_transform(seqs)])
        clf = make_pipeline(StandardScaler(), RidgeClassifier(1.0))
        return 100 * clf.fit(features[train], y[train]).score(features[test], y[test])

    software = score(small)
    print(f"\n## Digits classification (ESN N=100, ridge classifier), accuracy %: software {software:.1f}")
    print("| activation ADC | ideal devices | default chip, per chip | default chip median - software |")
    print("|---|---|---|---|")
    for bits in (5, 8):
        ideal = score(chip(small, device="ideal", bits=bits))
        chips = [score(chip(small, bits=bits, seed=s)) for s in range(args.chips)]
        print(f"| {bits} bits | {ideal:.1f} | {', '.join(f'{c:.1f}' for c in chips)} | "
              f"{np.median(chips) - software:+.1f} |")


def section_energy(args, esn):
    train, tests, lt = lorenz_data(args)
    print(f"\n## Energy-accuracy, default chip, {args.tests} ICs x {args.chips} chips")
    print("| ADC bits | VPT median [IQR] | energy per step (nJ) | VPT per nJ |")
    print("|---|---|---|---|")
    rows = []
    for bits in args.bits:
        values = np.concatenate([vpts(chip(esn, bits=bits, seed=s), train, tests, args.context, lt)
                                 for s in range(args.chips)])
        res = chip(esn, bits=bits, seed=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MappingWarning)
            params = res.initialize(3)
        g = np.concatenate([params["xbar_g_pos_uS"].ravel(), params["xbar_g_neg_uS"].ravel()])
        n_rows, n_cols = args.units + 3 + 1, args.units
        # Unformed cells draw no current: the mean conductance is over all cells of the array.
        energy = analog_step(n_rows, n_cols, mean_g_uS=float(g.mean()), adc_bits=bits, n_reads=res.n_reads)["total_J"]
        rows.append((bits, values, energy))
        print(f"| {bits} | {summary(values)} | {energy * 1e9:.3f} | {np.median(values) / (energy * 1e9):.1f} |")
    import matplotlib
    import matplotlib.ticker

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.8, 3.6))
    energies = [r[2] * 1e9 for r in rows]
    med = [np.median(r[1]) for r in rows]
    q = np.array([np.percentile(r[1], [25, 75]) for r in rows])
    ax.errorbar(energies, med, yerr=[np.array(med) - q[:, 0], q[:, 1] - np.array(med)], fmt="o-", capsize=3)
    for (bits, _, _), e, m in zip(rows, energies, med):
        ax.annotate(f"{bits} b", (e, m), textcoords="offset points", xytext=(5, -10), fontsize=8)
    ax.set_xscale("log")
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.xaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
    ax.set_xticks(energies, [f"{e:.2g}" for e in energies])
    ax.set_xlabel("energy per reservoir step (nJ)")
    ax.set_ylabel("Lorenz VPT (Lyapunov times)")
    ax.set_title(f"Analog ESN N={args.units}, reram_default: activation-ADC bits", fontsize=9)
    fig.tight_layout()
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "hardware_energy_accuracy.png")
    fig.savefig(path, dpi=120)
    print(f"plot: {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--train", type=int, default=5000)
    parser.add_argument("--tests", type=int, default=10)
    parser.add_argument("--chips", type=int, default=3)
    parser.add_argument("--context", type=int, default=500)
    parser.add_argument("--horizon", type=int, default=1000)
    parser.add_argument("--bits", type=int, nargs="+", default=[4, 5, 6, 8])
    parser.add_argument("--seed", type=int, default=0, help="ESN seed")
    sections = ["mapping", "reads", "lorenz", "mackey", "drift", "classify", "energy"]
    parser.add_argument("--sections", nargs="+", default=sections, choices=sections)
    parser.add_argument("--out", default="out/hardware")
    args = parser.parse_args()
    esn = ESN(n_units=args.units, random_state=args.seed)
    start = time.perf_counter()
    for name in args.sections:
        globals()[f"section_{name}"](args, esn)
    print(f"\ntotal {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
