"""Where the neurons of a liquid sit and whom they connect to.

The liquid of :class:`~reservoir.lsm.LSM` occupies random sites of a cubic grid and draws
its synapses with a probability that falls with distance and depends on the pre- and
postsynaptic types (excitatory or inhibitory), after Maass et al. (2002) and the NALSM
authors' code (see ``reference/methods.md`` section 4).
"""

import numpy as np

__all__ = ["distance_connectivity", "grid_positions", "input_weights"]


def grid_positions(n_units, rng):
    """``n_units`` distinct random sites of the smallest cubic integer grid holding them.

    A full grid (1000 = 10^3) is used entirely, in random order, as the authors permute
    grid positions over neuron indices.

    Examples
    --------
    >>> pos = grid_positions(27, np.random.default_rng(0))
    >>> pos.shape, int(pos.max()), len({tuple(p) for p in pos})
    ((27, 3), 2, 27)
    """
    side = int(np.ceil(round(n_units ** (1.0 / 3.0), 9)))
    while side**3 < n_units:
        side += 1
    sites = np.stack(np.meshgrid(*(np.arange(side),) * 3, indexing="ij"), axis=-1).reshape(-1, 3)
    return sites[rng.permutation(len(sites))[:n_units]].astype(np.int32)


def distance_connectivity(positions, excitatory, connectivity, length_scale, rng, block=512):
    """Draw connections with probability ``C_type exp(-(D / length_scale)**2)``.

    Parameters
    ----------
    positions : array of shape (N, 3)
    excitatory : bool array of shape (N,)
    connectivity : (C_EE, C_EI, C_IE, C_II)
        Probabilities by (presynaptic type, postsynaptic type); ``C_EI`` is E to I.
    length_scale : float
    rng : numpy Generator
    block : int, default=512
        Postsynaptic rows drawn at a time (memory stays O(block * N) for large liquids).

    Returns
    -------
    W_idx : int32 array of shape (k, N)
        Presynaptic neurons of each neuron in the padded layout of :mod:`reservoir.weights`
        (``k`` the largest in-degree; padding points at neuron 0).
    W_sign : array of shape (k, N)
        +1 for an excitatory synapse, -1 for an inhibitory one, 0 for padding.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> pos = grid_positions(1000, rng)
    >>> idx, sign = distance_connectivity(pos, np.arange(1000) < 800, (0.2, 0.1, 0.3, 0.05), 3.0, rng)
    >>> idx.shape[1], round(float((sign != 0).sum(axis=0).mean()))   # neurons, mean in-degree
    (1000, 17)
    """
    positions = np.asarray(positions, dtype=float)
    excitatory = np.asarray(excitatory, dtype=bool)
    n = len(positions)
    c_ee, c_ei, c_ie, c_ii = (float(c) for c in connectivity)
    presynaptic = []
    for start in range(0, n, block):
        rows = np.arange(start, min(start + block, n))
        dist2 = ((positions[rows, None, :] - positions[None, :, :]) ** 2).sum(axis=-1)
        post_exc = excitatory[rows, None]
        pre_exc = excitatory[None, :]
        c = np.where(pre_exc, np.where(post_exc, c_ee, c_ei), np.where(post_exc, c_ie, c_ii))
        prob = c * np.exp(-dist2 / length_scale**2)
        prob[np.arange(len(rows)), rows] = 0.0  # no self-connections
        drawn = rng.random(prob.shape) < prob
        presynaptic.extend(np.flatnonzero(row) for row in drawn)
    k = max(max(len(p) for p in presynaptic), 1)
    W_idx = np.zeros((k, n), dtype=np.int32)
    W_sign = np.zeros((k, n))
    for i, pre in enumerate(presynaptic):
        W_idx[: len(pre), i] = pre
        W_sign[: len(pre), i] = np.where(excitatory[pre], 1.0, -1.0)
    return W_idx, W_sign


def input_weights(n_units, n_inputs, density, weight, rng):
    """Exactly ``round(density * N * d)`` (at least one) connected pairs, weights ``±weight``."""
    n_pairs = max(int(round(density * n_units * n_inputs)), 1)
    chosen = rng.choice(n_units * n_inputs, size=n_pairs, replace=False)
    mask = np.zeros(n_units * n_inputs, dtype=bool)
    mask[chosen] = True
    signs = rng.choice([-1.0, 1.0], size=n_units * n_inputs)
    W_in = np.where(mask, signs * weight, 0.0).reshape(n_units, n_inputs)
    return W_in, mask.reshape(n_units, n_inputs)
