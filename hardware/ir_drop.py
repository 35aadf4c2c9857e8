"""Wire (IR) drop of a crossbar solved by nodal analysis (Kirchhoff's current law at every node).

Geometry (the one of the first-order model in :mod:`hardware.crossbar`): the array has ``n_in``
input rows and ``n_out`` output columns. Row ``j`` is driven at its left end by an ideal source
``V_j`` through one wire segment, and its wire passes the cells of outputs ``0 .. n_out - 1``
with one segment between neighbours. Column ``i``'s wire runs past the cells of inputs
``0 .. n_in - 1`` to a sense amplifier that holds its end at virtual ground, reached through one
segment after input ``n_in - 1``. Cell ``(i, j)`` joins row node ``(j, i)`` and column node
``(j, i)``. Every segment has resistance ``r_wire_ohm``. So a lone cell ``(i, j)`` sees
``i + 1`` row segments and ``n_in - j`` column segments in series, which is what the first-order
model charges every cell, ignoring the currents of the other cells on the same wires.

For fixed conductances the column currents are linear in the input voltages: ``I = G_eff V``.
:func:`effective_conductance` returns ``G_eff`` (one sparse LU factorisation of the nodal matrix
and one solve per input), so a programmed array with IR drop is read as fast as without.
"""

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla


def _nodal_system(g_S, r_wire_ohm):
    n_out, n_in = g_S.shape
    g_w = 1.0 / r_wire_ohm

    def row_node(j, i):
        return j * n_out + i

    def col_node(j, i):
        return n_in * n_out + j * n_out + i

    j, i = np.meshgrid(np.arange(n_in), np.arange(n_out), indexing="ij")
    rows, cols, vals = [], [], []

    def conductance(a, b, g):
        # Stamp a two-terminal conductance between node arrays a and b.
        rows.extend([a, b, a, b])
        cols.extend([a, b, b, a])
        vals.extend([g, g, -g, -g])

    # Cells: row node (j, i) to column node (j, i), conductance G[i, j].
    conductance(row_node(j, i).ravel(), col_node(j, i).ravel(), g_S.T.ravel())
    # Row wires between neighbouring outputs, column wires between neighbouring inputs.
    jr, ir = j[:, :-1].ravel(), i[:, :-1].ravel()
    conductance(row_node(jr, ir), row_node(jr, ir + 1), np.full(jr.size, g_w))
    jc, ic = j[:-1, :].ravel(), i[:-1, :].ravel()
    conductance(col_node(jc, ic), col_node(jc + 1, ic), np.full(jc.size, g_w))
    n_nodes = 2 * n_in * n_out
    # Driver segments (to the sources) and sense-amplifier segments (to virtual ground): a
    # conductance to a fixed potential, so only the diagonal here (sources go on the right side).
    drivers = row_node(np.arange(n_in), 0)
    senses = col_node(n_in - 1, np.arange(n_out))
    rows.extend([drivers, senses])
    cols.extend([drivers, senses])
    vals.extend([np.full(n_in, g_w), np.full(n_out, g_w)])
    matrix = sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                           shape=(n_nodes, n_nodes))
    return matrix, drivers, senses, g_w


def effective_conductance(g_uS, r_wire_ohm):
    """Effective conductance matrix ``G_eff`` (µS) of an array with wire resistance: the column
    currents are ``G_eff @ V`` for row voltages ``V``.

    Parameters
    ----------
    g_uS : array of shape (n_out, n_in)
        Cell conductances (µS), output-major as in :class:`hardware.Crossbar`.
    r_wire_ohm : float
        Resistance of one wire segment (Ω); 0 returns ``g_uS`` unchanged.

    Returns
    -------
    ndarray of shape (n_out, n_in)

    Examples
    --------
    >>> g = effective_conductance(np.array([[40.0]]), 1000.0)  # one cell, 2 kΩ of wire
    >>> round(float(g[0, 0]), 6) == round(1 / (1 / 40e-6 + 2000.0) * 1e6, 6)
    True
    """
    g_uS = np.asarray(g_uS, dtype=float)
    if g_uS.ndim != 2 or not np.all(np.isfinite(g_uS)) or np.any(g_uS < 0):
        raise ValueError(f"g_uS must be a finite, non-negative 2-D array, got shape {g_uS.shape}")
    if not (np.isfinite(r_wire_ohm) and r_wire_ohm >= 0):
        raise ValueError(f"r_wire_ohm must be finite and >= 0, got {r_wire_ohm!r}")
    if r_wire_ohm == 0:
        return g_uS.copy()
    matrix, drivers, senses, g_w = _nodal_system(g_uS * 1e-6, r_wire_ohm)
    n_out, n_in = g_uS.shape
    rhs = np.zeros((matrix.shape[0], n_in))
    rhs[drivers, np.arange(n_in)] = g_w  # a unit source on each row in turn
    # The nodal matrix is symmetric: a minimum-degree ordering of A + A^T keeps the fill low.
    volts = spla.splu(matrix, permc_spec="MMD_AT_PLUS_A").solve(rhs)
    return g_w * volts[senses, :] * 1e6


def solve_currents(g_uS, v_V, r_wire_ohm):
    """Column currents (µA) for row voltages ``v_V`` by nodal analysis (see the module doc).

    Examples
    --------
    >>> solve_currents(np.array([[10.0, 20.0]]), np.array([0.1, 0.2]), 0.0).round(9).tolist()
    [5.0]
    """
    v_V = np.asarray(v_V, dtype=float)
    g_uS = np.asarray(g_uS, dtype=float)
    if v_V.shape != (g_uS.shape[1],):
        raise ValueError(f"v_V must have shape ({g_uS.shape[1]},), got {v_V.shape}")
    return effective_conductance(g_uS, r_wire_ohm) @ v_V
