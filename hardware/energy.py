"""Energy, latency and area estimates per inference step, from one table of cited constants.

Every constant is in :data:`CONSTANTS` as ``name: (value, source)``; names carry units. The
model is a first-order component count (NeuroSim/MNSIM style, re-derived, not copied):

- crossbar read: each cell dissipates ``V^2 G t_read`` at full-scale input; with inputs spread
  in [-1, 1] the mean ``V^2`` is ``v_read^2 * mean(x^2)`` (``input_power``, 1/3 for uniform);
- DAC: one conversion per array row per step;
- ramp ADC: one conversion per column per step, energy proportional to the ``2**bits`` ramp
  steps (scaled from the 8-bit counting-ADC figure); latency ``2**bits / f_clk`` plus the read
  pulse; the ramp column adds ``2**bits`` device reads, shared by all columns;
- digital baseline: multiply-accumulates plus one SRAM weight fetch per MAC;
- programming (once per chip): one write-verify operation per formed cell and per compensated
  stuck pair, one read-verify per cell (:func:`programming_energy`).
"""

CONSTANTS = {
    "v_read_V": (0.2, "crossbar.md section 4 (Synaptogen 0.2 V; NL-ADC tested 0.15-0.25 V)"),
    "t_read_s": (10e-9, "crossbar.md section 4 (NeuroSim 10 ns read pulse)"),
    "ramp_adc_8bit_J": (2.5e-12, "crossbar.md section 4: ~2.5 pJ per 8-bit counting conversion "
                                  "(MNSIM counting ADC, 58.4 uW at 6 GS/s x 2^8 steps) [derived]"),
    "sar_adc_8bit_J": (1.6e-12, "crossbar.md section 4: ISAAC SAR ADC 2 mW / 1.28 GS/s [derived]"),
    "dac_8bit_J": (0.1e-12, "[assumption, unverified] order of magnitude of an 8-bit current-steering "
                             "DAC conversion; no cited figure in reference/"),
    "f_clk_Hz": (1e9, "crossbar.md section 5.5 / methods.md 7.3 (1 GHz ramp clock)"),
    "cell_area_F2": (12.0, "[assumption] 1T1R cell footprint ~12 F^2 (40 nm node: F = 40 nm)"),
    "feature_size_m": (40e-9, "crossbar.md section 4.2 (40 nm 256 Kb macro, Lin et al. 2025)"),
    "program_op_J": (100e-12, "[assumption, unverified] one write-verify programming of a ReRAM cell: "
                              "~10 SET/RESET pulses of ~1.5 V x 50 uA x 100 ns plus their verify reads; "
                              "order of magnitude only, no cited figure in reference/"),
    "mac_fp32_J": (4.6e-12, "Horowitz, ISSCC 2014, 45 nm: fp32 mult 3.7 pJ + add 0.9 pJ"),
    "mac_int8_J": (0.23e-12, "Horowitz, ISSCC 2014, 45 nm: int8 mult 0.2 pJ + int32 add 0.1 pJ, "
                              "rounded [derived]"),
    "sram_read_64bit_J": (10e-12, "Horowitz, ISSCC 2014, 45 nm: 64-bit read from an 8 KB SRAM"),
}


def const(name):
    """Value of a constant of :data:`CONSTANTS` (units in its name)."""
    return CONSTANTS[name][0]


def analog_step(n_rows, n_cols, mean_g_uS, adc_bits=5, dac_bits=8, input_power=1 / 3, cells_per_weight=2,
                n_reads=1):
    """Energy (J), latency (s) and array area (m^2) of one crossbar MVM with ramp-ADC outputs.

    ``n_reads``: reads per step, each converted, averaged in the ramp ADC's counter
    (``AnalogReservoir(n_reads=...)``): the array read, the conversions and the ramp column
    are repeated, the DAC output is held, so energy (but the DAC's) and latency scale with it.

    Examples
    --------
    >>> e = analog_step(304, 300, mean_g_uS=6.0)
    >>> round(e["latency_s"] * 1e9)
    42
    """
    if min(n_rows, n_cols) < 1 or mean_g_uS < 0:
        raise ValueError("n_rows, n_cols must be >= 1 and mean_g_uS >= 0")
    if isinstance(n_reads, bool) or not isinstance(n_reads, int) or n_reads < 1:
        raise ValueError(f"n_reads must be a positive int, got {n_reads!r}")
    v2 = const("v_read_V") ** 2 * input_power
    cells = n_rows * n_cols * cells_per_weight
    read = n_reads * cells * v2 * mean_g_uS * 1e-6 * const("t_read_s")
    steps = 2**adc_bits
    adc = n_reads * n_cols * const("ramp_adc_8bit_J") * steps / 256
    # The ramp column: each of its 2^B steps reads one device at full V_read for one clock.
    ramp = n_reads * steps * const("v_read_V") ** 2 * 40e-6 / const("f_clk_Hz")
    dac = n_rows * const("dac_8bit_J") * 2 ** (dac_bits - 8)
    area = (cells + steps) * const("cell_area_F2") * const("feature_size_m") ** 2
    return {"crossbar_read_J": read, "adc_J": adc, "ramp_column_J": ramp, "dac_J": dac,
            "total_J": read + adc + ramp + dac,
            "latency_s": n_reads * (const("t_read_s") + steps / const("f_clk_Hz")), "array_area_m2": area}


def digital_step(n_macs, precision="fp32"):
    """Energy (J) of ``n_macs`` multiply-accumulates with one SRAM weight fetch each.

    Examples
    --------
    >>> round(digital_step(1000, "int8")["total_J"] * 1e12)
    1480
    """
    if precision == "fp32":
        mac, bits = const("mac_fp32_J"), 32
    elif precision == "int8":
        mac, bits = const("mac_int8_J"), 8
    else:
        raise ValueError(f"precision must be 'fp32' or 'int8', got {precision!r}")
    fetch = n_macs * const("sram_read_64bit_J") * bits / 64
    return {"mac_J": n_macs * mac, "weight_fetch_J": fetch, "total_J": n_macs * mac + fetch}


def programming_energy(programming_ops, verify_reads, mean_g_uS=20.0):
    """Energy (J) of programming a chip once: ``programming_ops`` write-verify operations and
    ``verify_reads`` read-verify reads (one full-scale read of a cell at ``mean_g_uS``).

    Examples
    --------
    >>> round(programming_energy(1000, 0) * 1e9, 3)
    100.0
    """
    if programming_ops < 0 or verify_reads < 0 or mean_g_uS < 0:
        raise ValueError("programming_ops, verify_reads and mean_g_uS must be >= 0")
    read = verify_reads * const("v_read_V") ** 2 * mean_g_uS * 1e-6 * const("t_read_s")
    return float(programming_ops * const("program_op_J") + read)
