"""Nodal IR-drop solver: a hand-written 2x2 circuit, the first-order model where it is exact, and
the direction of its error elsewhere."""

import numpy as np
import pytest

from hardware.crossbar import Crossbar
from hardware.ir_drop import effective_conductance, solve_currents


def test_two_by_two_against_hand_written_kirchhoff_equations():
    # Outputs i = 0, 1 (columns), inputs j = 0, 1 (rows); G[i, j] in siemens, r per segment.
    G = np.array([[30.0, 10.0], [20.0, 40.0]]) * 1e-6
    r, V = 500.0, np.array([0.2, -0.1])
    g = 1 / r
    # Unknowns: row nodes a(j, i) and column nodes c(j, i), order a00 a01 a10 a11 c00 c01 c10 c11.
    # Row j: source -> a(j,0) -> a(j,1); column i: c(0,i) -> c(1,i) -> sense amplifier (0 V).
    A = np.array([
        # a00: from source, to a01, cell to c00
        [2 * g + G[0, 0], -g, 0, 0, -G[0, 0], 0, 0, 0],
        # a01: from a00, cell to c01
        [-g, g + G[1, 0], 0, 0, 0, -G[1, 0], 0, 0],
        # a10: from source, to a11, cell to c10
        [0, 0, 2 * g + G[0, 1], -g, 0, 0, -G[0, 1], 0],
        # a11: from a10, cell to c11
        [0, 0, -g, g + G[1, 1], 0, 0, 0, -G[1, 1]],
        # c00: cell from a00, wire to c10
        [-G[0, 0], 0, 0, 0, G[0, 0] + g, 0, -g, 0],
        # c01: cell from a01, wire to c11
        [0, -G[1, 0], 0, 0, 0, G[1, 0] + g, 0, -g],
        # c10: cell from a10, wire from c00, wire to the sense amplifier
        [0, 0, -G[0, 1], 0, -g, 0, G[0, 1] + 2 * g, 0],
        # c11: cell from a11, wire from c01, wire to the sense amplifier
        [0, 0, 0, -G[1, 1], 0, -g, 0, G[1, 1] + 2 * g],
    ])
    b = np.array([g * V[0], 0, g * V[1], 0, 0, 0, 0, 0])
    nodes = np.linalg.solve(A, b)
    expected_uA = g * nodes[[6, 7]] * 1e6
    np.testing.assert_allclose(solve_currents(G * 1e6, V, r), expected_uA, rtol=1e-10)


def test_lone_cell_equals_first_order_model_and_small_drop_agrees():
    n_out, n_in = 5, 7
    for i, j in ((0, 0), (4, 6), (2, 3)):
        g = np.zeros((n_out, n_in))
        g[i, j] = 35.0
        r = 200.0
        first_order = 35.0 / (1 + 35e-6 * r * ((i + 1) + (n_in - j)))
        assert effective_conductance(g, r)[i, j] == pytest.approx(first_order, rel=1e-10)
    g = np.random.default_rng(0).uniform(4, 40, (6, 8))
    assert np.array_equal(effective_conductance(g, 0.0), g)
    # Small wires: both models agree to first order in r G N; the nodal drop is the larger,
    # since the first-order model ignores the other cells' currents on the shared wires.
    r = 0.5
    seg = np.arange(1, 7)[:, None] + np.arange(8, 0, -1)[None, :]
    first = g / (1 + g * 1e-6 * r * seg)
    nodal = effective_conductance(g, r)
    v = np.full(8, 0.2)
    drop_first, drop_nodal = (g - first) @ v, (g - nodal) @ v
    assert np.all(drop_nodal > drop_first)
    assert np.all(drop_nodal < 10 * drop_first)
    np.testing.assert_allclose(nodal, g, rtol=2e-3)


def test_crossbar_uses_the_nodal_solver_when_asked():
    W = np.random.default_rng(1).standard_normal((6, 9))
    x = np.random.default_rng(2).uniform(0.2, 1.0, 9)
    kw = dict(device="ideal", dac_bits=0, adc_bits=0, r_wire_ohm=20.0)
    first = Crossbar(**kw).program(W) @ x
    nodal = Crossbar(ir_drop="nodal", **kw).program(W) @ x
    assert np.abs(nodal - W @ x).max() > 0
    np.testing.assert_allclose(nodal, first, atol=0.02 * np.abs(W @ x).max())
    assert not np.allclose(nodal, first, rtol=0, atol=1e-12)


def test_bad_input():
    with pytest.raises(ValueError, match="g_uS"):
        effective_conductance(-np.ones((2, 2)), 1.0)
    with pytest.raises(ValueError, match="r_wire_ohm"):
        effective_conductance(np.ones((2, 2)), -1.0)
    with pytest.raises(ValueError, match="v_V"):
        solve_currents(np.ones((2, 2)), np.ones(3), 1.0)
