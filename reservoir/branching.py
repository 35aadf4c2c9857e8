"""Branching factor of a spiking network: descendants per ancestor of every spike.

The measure is the NALSM authors' (``compute_branching_factor.py`` in ``combra-lab/NALSM``,
see ``reference/methods.md`` section 4.5). For every spike of neuron ``j`` at time ``t``::

    descendants = spikes of j's postsynaptic neurons in [t + 1, t + window]
    ancestors   = spikes of j's presynaptic neurons in [t - window, t - 1]
    ratio       = descendants / max(1, ancestors)

The ratios are averaged over the spikes of each neuron, then over neurons (those that
spiked), then over samples. The first and last ``discard`` steps of every sample are left
out (no spike there is counted), and reference spikes are taken only where both windows fit.
A value of 1 is the critical point between dying-out (< 1) and runaway (> 1) activity.

The windows count every spike of a target or source, caused or not: on sparse activity the
measure recovers the branching ratio of a branching process (``tests/test_lsm.py``), on dense
activity it is biased (upward for the toy process).
"""

import numpy as np
import scipy.sparse as sp

from .validation import check_nonnegative_int, check_positive_int

__all__ = ["branching_factor", "reservoir_branching_factor"]


def branching_factor(spikes, adjacency, window=4, discard=25):
    """Average branching factor of spike rasters on a network.

    Parameters
    ----------
    spikes : array of shape (T, N) or (S, T, N)
        Spike raster(s) (nonzero = spike; counts are used as they are), one per sample.
    adjacency : array or scipy sparse matrix of shape (N, N)
        ``adjacency[post, pre]`` nonzero where ``pre`` projects to ``post``.
    window : int, default=4
        Width in steps of the ancestor and descendant windows.
    discard : int, default=25
        Steps dropped at both ends of every sample.

    Returns
    -------
    float
        The mean over samples of the mean over neurons; NaN when no sample has a spike
        where both windows fit.

    Examples
    --------
    A chain 0 -> 1 -> 2 -> ... in which every spike causes exactly one spike downstream:

    >>> import numpy as np
    >>> n = 60
    >>> chain = np.eye(n, k=-1)                # chain[i + 1, i] = 1: i projects to i + 1
    >>> spikes = np.eye(n)                     # neuron t spikes at time t
    >>> branching_factor(spikes, chain, window=4, discard=5)
    1.0
    """
    spikes = np.asarray(spikes)
    if spikes.ndim == 2:
        spikes = spikes[None]
    if spikes.ndim != 3:
        raise ValueError(f"spikes must have shape (T, N) or (S, T, N), got {spikes.shape}")
    n = spikes.shape[-1]
    if adjacency.shape != (n, n):
        raise ValueError(f"adjacency must have shape ({n}, {n}) to match spikes, got {adjacency.shape}")
    window = check_positive_int(window, "window")
    discard = check_nonnegative_int(discard, "discard")
    A = sp.csr_matrix((sp.csr_matrix(adjacency) != 0).astype(float))
    values = [_sample_branching(s.astype(float), A, window, discard) for s in spikes]
    values = [v for v in values if np.isfinite(v)]
    return float(np.mean(values)) if values else float("nan")


def _sample_branching(S, A, window, discard, chunk=2048):
    S = S[discard: len(S) - discard]
    T = len(S)
    if T <= 2 * window:
        return float("nan")
    # cumulative[t] = spikes in [0, t): window sums are differences of it.
    cumulative = np.concatenate([np.zeros((1, S.shape[1])), np.cumsum(S, axis=0)])
    ratio_sum = np.zeros(S.shape[1])
    n_spikes = np.zeros(S.shape[1])
    # Reference times in chunks keep memory at O(chunk * N) for long rasters.
    for start in range(window, T - window, chunk):
        t = np.arange(start, min(start + chunk, T - window))
        future = cumulative[t + 1 + window] - cumulative[t + 1]   # spikes in [t + 1, t + window]
        past = cumulative[t] - cumulative[t - window]              # spikes in [t - window, t - 1]
        # descendants[t, j] = sum_i A[i, j] future[t, i]; ancestors[t, j] = sum_k A[j, k] past[t, k]
        descendants = np.asarray((A.T @ future.T).T)
        ancestors = np.asarray((A @ past.T).T)
        reference = S[t] > 0
        ratio_sum += np.where(reference, descendants / np.maximum(ancestors, 1.0), 0.0).sum(axis=0)
        n_spikes += reference.sum(axis=0)
    spiking = n_spikes > 0
    if not spiking.any():
        return float("nan")
    return float((ratio_sum[spiking] / n_spikes[spiking]).mean())


def reservoir_branching_factor(reservoir, params, sequences, window=4, discard=25):
    """Branching factor of a spiking reservoir driven by input sequences.

    Works for any reservoir that provides ``spike_raster(params, inputs)`` (the spikes of
    every neuron at every simulation step, shape (T_steps, N)) and ``adjacency(params)``
    (``A[post, pre]``), such as :class:`~reservoir.LSM` and
    :class:`~reservoir.NeuronAstrocyteLSM`. Each sequence is one sample, run from the
    initial state; the authors use 20 samples of 250 ms.

    Parameters
    ----------
    reservoir : Reservoir
    params : dict of arrays
        The reservoir's (adapted) parameters.
    sequences : list of arrays of shape (T, d)
        Inputs as the reservoir receives them (standardised if the estimator standardises).
    window, discard : int
        As in :func:`branching_factor`.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from reservoir import LSM
    >>> lsm = LSM(n_units=125, steps_per_input=100, initial_weight=1.0, random_state=0)
    >>> params = lsm.initialize(4)
    >>> bf = reservoir_branching_factor(lsm, params, [np.full((1, 4), 0.5)])
    >>> bool(bf > 0)
    True
    """
    if not (hasattr(reservoir, "spike_raster") and hasattr(reservoir, "adjacency")):
        raise TypeError(f"{type(reservoir).__name__} does not expose spike_raster and adjacency; "
                        "the branching factor needs spike times and the connectivity")
    adjacency = reservoir.adjacency(params)
    rasters = [reservoir.spike_raster(params, seq) for seq in sequences]
    values = [branching_factor(r, adjacency, window, discard) for r in rasters]
    values = [v for v in values if np.isfinite(v)]
    return float(np.mean(values)) if values else float("nan")
