"""Liquid state machines of LIF neurons: the plain LSM and the neuron-astrocyte LSM (NALSM).

After Ivanov & Michmizos, "Increasing liquid state machine performance with edge-of-chaos
dynamics organized by astrocyte-modulated plasticity" (NeurIPS 2021), as read from the
authors' code ``combra-lab/NALSM`` (see ``reference/methods.md`` section 4). The liquid sits
on a 3-D grid, 80 % excitatory; connections are drawn with a probability that falls with
distance; the neurons are the current-based LIF of :mod:`reservoir.spiking` at dt = 1 ms.

In the NALSM, spike-timing-dependent plasticity (STDP) runs during an unsupervised phase
(:meth:`NeuronAstrocyteLSM.adapt`) with its depression rate set by one astrocyte that
integrates the liquid's spikes minus the input's; the weights are then frozen and the
features (spike counts or traces) go to the readout.
"""

import functools

import jax
import jax.numpy as jnp
import numpy as np

from . import _jax  # noqa: F401  (float64 on)
from .base import Reservoir, make_rng
from .esn import input_product, recurrent_product
from .spiking import ENCODINGS, input_spikes, lif_coefficients, lif_spikes, lif_update, trace_update
from .validation import check_array_2d, check_nonnegative_int, check_positive_int, check_real
from .weights import to_scipy

__all__ = [
    "LSM",
    "NeuronAstrocyteLSM",
    "astrocyte_update",
    "distance_connectivity",
    "grid_positions",
    "stdp_delta",
]

_SPIKE_FEATURES = ("counts", "cumulative", "trace")
_NORMALIZE = (None, "l1")


class LSM(Reservoir):
    r"""Liquid state machine: LIF neurons on a 3-D grid with distance-dependent connections.

    Each input vector ``u`` is presented for ``steps_per_input`` milliseconds (dt = 1 ms).
    The encoder turns it into the intensities ``r = input_scale * u + input_offset`` of one
    input neuron per input dimension, which spike (``"bernoulli"``: with probability
    ``clip(r, 0, 1)`` each ms; ``"poisson"``: ``Poisson(max(r, 0))`` spikes each ms) or drive
    the liquid with the current ``W_in r`` directly (``"current"``).

    Every neuron follows (authors' Euler form, ``tau_syn = 1`` ms)

    .. math:: v_i \leftarrow v_i - \frac{v_i}{\tau_m}
              + \frac{1}{\tau_{syn}}\sum_j W_{ij}\, e^{-\Delta t_j / \tau_{syn}} + b

    with ``Δt_j`` the time since presynaptic neuron ``j`` last spiked (input neurons
    included), a spike and reset to 0 at ``v >= threshold`` and a refractory period.

    Parameters
    ----------
    n_units : int, default=1000
        Liquid neurons. They take ``n_units`` random sites of the smallest cubic grid that
        holds them (10x10x10 for 1000, 20x20x20 for 8000, the authors' sizes).
    excitatory_fraction : float, default=0.8
        Fraction of excitatory neurons, in (0, 1).
    connectivity : tuple of 4 floats, default=(0.2, 0.1, 0.3, 0.05)
        ``(C_EE, C_EI, C_IE, C_II)``: the connection probability from a presynaptic neuron
        of the first type to a postsynaptic neuron of the second type at distance 0; at
        grid distance ``D`` it is ``C exp(-(D / length_scale)**2)``. No self-connections.
    length_scale : float, default=3.0
        ``lambda`` of the connection probability, in grid units.
    input_density : float, default=0.15
        Fraction of the ``n_units * n_inputs`` input-to-liquid pairs that are connected
        (exactly ``round(input_density * n_units * n_inputs)``, at least one).
    initial_weight : float, default=3.0
        Magnitude of every weight at the start: excitatory ``+w``, inhibitory ``-w``, input
        ``±w`` with a random sign. The authors start at the bound ``max_weight = 3``.
    max_weight : float, default=3.0
        Bound of the weights under plasticity (excitatory in [0, w], inhibitory in [-w, 0],
        input in [-w, w]); unused by the plain LSM.
    tau_m : float, default=64.0
        Membrane time constant in ms.
    threshold : float, default=20.0
        Firing threshold (reset potential 0).
    refractory : int, default=2
        Refractory period in ms (minimum inter-spike interval). The membrane keeps
        integrating while refractory, as in the authors' code.
    tau_syn : float, default=1.0
        Synaptic time constant in ms (the authors' ``tau_u``).
    method : {"euler", "exact"}, default="euler"
        Membrane update (see :func:`reservoir.spiking.lif_coefficients`).
    bias : float, default=0.0
        Constant current ``b`` into every liquid neuron.
    steps_per_input : int, default=10
        Milliseconds each input vector is presented for (one reservoir step).
    encoding : {"bernoulli", "poisson", "current"}, default="bernoulli"
        Spike encoder of the input (see above).
    input_scale, input_offset : float, default=1.0, 0.0
        Map from input values to intensities ``r = input_scale * u + input_offset``. The
        defaults pass intensities in [0, 1] through (pixel intensities as spike
        probabilities per ms). With a spike encoder the estimators (``standardize=True``)
        map each input's training range onto the ``u`` whose intensities span [0, 1]
        (:meth:`input_interval`; [0, 1] with the defaults, [-2.5, 2.5] with ``input_scale=0.2,
        input_offset=0.5``) instead of z-scoring it.
    spike_features : {"counts", "cumulative", "trace"}, default="counts"
        What the readout sees after each input step: every neuron's spike count during the
        step; its spike count since the start of the sequence (with ``pooling="last"`` in
        :class:`~reservoir.ReservoirClassifier`, the authors' per-sample spike counts); or its
        spike trace filtered with time constant ``trace_tau`` (``x <- x exp(-1/trace_tau) + s``
        each ms), which keeps a fading memory across steps (for time series).
    trace_tau : float, default=20.0
        Time constant (ms) of the ``"trace"`` features.
    normalize : {None, "l1"}, default=None
        ``"l1"`` divides the feature vector by its sum (the authors' ``s / ||s||_1``; their
        further division by the largest value in the batch is one global constant, which
        only rescales the readout's regularisation and is left out).
    random_state : int, Generator or None
        Seed of the network, the input weights and the spike encoder.

    Notes
    -----
    The encoder's randomness comes from a PRNG key carried in the state and seeded from
    ``random_state``, so runs are deterministic. Every sequence starts from the same key:
    two identical sequences give identical features.

    Compared with the authors' MNIST pipeline, input neurons here are spike sources, not
    LIF neurons driven by a current of 100 (which spike on every event except during their
    2 ms refractory period), and the synaptic kernel ``exp(-Δt/tau_syn)`` is kept as a
    trace (exact, without the authors' cap of ``Δt`` at 100 ms).

    Examples
    --------
    >>> import numpy as np
    >>> lsm = LSM(n_units=125, steps_per_input=5, random_state=0)
    >>> features = lsm.fit_transform(np.full((20, 2), 0.5))
    >>> features.shape
    (20, 125)
    """

    def __init__(
        self,
        n_units=1000,
        excitatory_fraction=0.8,
        connectivity=(0.2, 0.1, 0.3, 0.05),
        length_scale=3.0,
        input_density=0.15,
        initial_weight=3.0,
        max_weight=3.0,
        tau_m=64.0,
        threshold=20.0,
        refractory=2,
        tau_syn=1.0,
        method="euler",
        bias=0.0,
        steps_per_input=10,
        encoding="bernoulli",
        input_scale=1.0,
        input_offset=0.0,
        spike_features="counts",
        trace_tau=20.0,
        normalize=None,
        random_state=None,
    ):
        self.n_units = n_units
        self.excitatory_fraction = excitatory_fraction
        self.connectivity = connectivity
        self.length_scale = length_scale
        self.input_density = input_density
        self.initial_weight = initial_weight
        self.max_weight = max_weight
        self.tau_m = tau_m
        self.threshold = threshold
        self.refractory = refractory
        self.tau_syn = tau_syn
        self.method = method
        self.bias = bias
        self.steps_per_input = steps_per_input
        self.encoding = encoding
        self.input_scale = input_scale
        self.input_offset = input_offset
        self.spike_features = spike_features
        self.trace_tau = trace_tau
        self.normalize = normalize
        self.random_state = random_state

    # -- hyperparameters -------------------------------------------------------------------

    def _check_hyperparameters(self):
        n = check_positive_int(self.n_units, "n_units", minimum=2)
        fraction = check_real(self.excitatory_fraction, "excitatory_fraction", low=0, high=1,
                              low_inclusive=False, high_inclusive=False)
        n_exc = int(round(fraction * n))
        if not 1 <= n_exc <= n - 1:
            raise ValueError(f"excitatory_fraction={fraction} leaves an empty population with n_units={n}")
        try:
            probabilities = tuple(self.connectivity)
        except TypeError:
            raise TypeError(
                f"connectivity must be a tuple (C_EE, C_EI, C_IE, C_II), got {self.connectivity!r}") from None
        if len(probabilities) != 4:
            raise ValueError(
                f"connectivity must hold 4 probabilities (C_EE, C_EI, C_IE, C_II), got {self.connectivity!r}")
        for p in probabilities:
            check_real(p, "connectivity", low=0, high=1)
        check_real(self.length_scale, "length_scale", low=0, low_inclusive=False)
        check_real(self.input_density, "input_density", low=0, high=1, low_inclusive=False)
        check_real(self.initial_weight, "initial_weight", low=0)
        check_real(self.max_weight, "max_weight", low=0)
        if self.initial_weight > self.max_weight:
            raise ValueError(f"initial_weight ({self.initial_weight}) must not exceed max_weight ({self.max_weight})")
        lif_coefficients(self.tau_m, 1.0, self.method)  # checks tau_m and method
        check_real(self.threshold, "threshold", low=0, low_inclusive=False)
        check_nonnegative_int(self.refractory, "refractory")
        check_real(self.tau_syn, "tau_syn", low=0, low_inclusive=False)
        check_real(self.bias, "bias")
        check_positive_int(self.steps_per_input, "steps_per_input")
        if self.encoding not in ENCODINGS:
            raise ValueError(f"encoding must be one of {ENCODINGS}, got {self.encoding!r}")
        check_real(self.input_scale, "input_scale")
        check_real(self.input_offset, "input_offset")
        if self.spike_features not in _SPIKE_FEATURES:
            raise ValueError(f"spike_features must be one of {_SPIKE_FEATURES}, got {self.spike_features!r}")
        check_real(self.trace_tau, "trace_tau", low=0, low_inclusive=False)
        if self.normalize not in _NORMALIZE:
            raise ValueError(f"normalize must be None or 'l1', got {self.normalize!r}")
        return n, n_exc

    # -- the Reservoir contract --------------------------------------------------------------

    def initialize(self, n_inputs, random_state=None):
        """Draw the liquid, the input projection and the encoder's PRNG key."""
        n, n_exc = self._check_hyperparameters()
        n_inputs = check_positive_int(n_inputs, "n_inputs")
        rng = make_rng(self.random_state if random_state is None else random_state)
        # One child generator per part: changing the input dimension leaves the liquid unchanged.
        rng_net, rng_in, rng_key = rng.spawn(3)
        excitatory = np.arange(n) < n_exc
        positions = grid_positions(n, rng_net)
        W_idx, W_sign = distance_connectivity(positions, excitatory, self.connectivity, self.length_scale, rng_net)
        w0 = float(self.initial_weight)
        W_in, W_in_mask = _input_weights(n, n_inputs, self.input_density, w0, rng_in)
        decay, gain = lif_coefficients(self.tau_m, 1.0, self.method)
        key = jax.random.PRNGKey(int(rng_key.integers(2**31 - 1)))
        return {
            "W_idx": W_idx,
            "W_val": W_sign * w0,
            "W_sign": W_sign,
            "W_in": W_in,
            "W_in_mask": W_in_mask,
            "excitatory": excitatory,
            "positions": positions,
            "decay": _scalar(decay),
            "gain": _scalar(gain),
            "threshold": _scalar(self.threshold),
            "refractory": np.asarray(int(self.refractory), dtype=np.int32),
            "syn_decay": _scalar(np.exp(-1.0 / self.tau_syn)),
            "syn_scale": _scalar(1.0 / self.tau_syn),
            "bias": _scalar(self.bias),
            "input_scale": _scalar(self.input_scale),
            "input_offset": _scalar(self.input_offset),
            "feature_decay": _scalar(np.exp(-1.0 / self.trace_tau)),
            "max_weight": _scalar(self.max_weight),
            "key": np.asarray(key),
        }

    def input_interval(self):
        """With a spike encoder, the inputs whose intensities ``input_scale * u +
        input_offset`` span [0, 1] (the estimators map the data's range onto them); with
        ``encoding="current"``, None (z-scored inputs)."""
        if self.encoding == "current" or self.input_scale == 0:
            return None
        ends = sorted(((0.0 - self.input_offset) / self.input_scale, (1.0 - self.input_offset) / self.input_scale))
        return (float(ends[0]), float(ends[1]))

    def initial_state(self, params):
        return _initial_state(params)

    def step(self, params, state, u):
        state, _ = _input_step(params, params["W_val"], params["W_in"], state, u, self.steps_per_input,
                               self.encoding, self.spike_features, record=False)
        return state

    def features(self, params, state):
        out = state["out"]
        if self.normalize == "l1":
            total = jnp.sum(out)
            return jnp.where(total > 0, out / jnp.where(total > 0, total, 1.0), 0.0)
        return out

    def n_features(self, params):
        return int(params["W_in"].shape[0])

    def static_config(self):
        # Everything numeric is in params; only loop lengths and code paths are compiled in.
        return (("steps_per_input", int(self.steps_per_input)), ("encoding", self.encoding),
                ("spike_features", self.spike_features), ("normalize", self.normalize))

    # -- analysis ----------------------------------------------------------------------------

    def spike_raster(self, params, inputs):
        """Spikes of every liquid neuron at every millisecond, from the initial state.

        Parameters
        ----------
        params : dict of arrays
            From :meth:`initialize` (and :meth:`adapt`).
        inputs : array of shape (T, d)
            Input sequence, as the reservoir receives it (already standardised).

        Returns
        -------
        bool ndarray of shape (T * steps_per_input, n_units)
        """
        inputs = check_array_2d(inputs, "inputs")
        raster = _raster(_as_jax(params), jnp.asarray(inputs), int(self.steps_per_input), self.encoding)
        return np.asarray(raster).astype(bool)

    @staticmethod
    def adjacency(params):
        """Liquid connectivity as a scipy CSR matrix ``A[post, pre] = 1`` (weights aside)."""
        n = params["W_in"].shape[0]
        A = to_scipy(np.asarray(params["W_idx"]), (np.asarray(params["W_sign"]) != 0).astype(float), n)
        A.eliminate_zeros()  # the padding of the (k, N) layout
        return A

    @staticmethod
    def weight_matrix(params):
        """Signed liquid weights as a scipy CSR matrix ``W[post, pre]``."""
        n = params["W_in"].shape[0]
        W = to_scipy(np.asarray(params["W_idx"]), np.asarray(params["W_val"], dtype=float), n)
        W.eliminate_zeros()
        return W


class NeuronAstrocyteLSM(LSM):
    r"""The LSM with astrocyte-modulated STDP that self-organises it near criticality (NALSM).

    :meth:`adapt` presents each training sequence (``adapt_steps_per_input`` ms per input
    vector, state reset before each sequence, weights carried over) while every synapse
    follows STDP with spike traces ``x <- m (x + 0.1 s)``, ``m = exp(-1/stdp_tau)``. For a
    synapse from ``j`` to ``i``:

    - ``j`` excitatory or input: ``Δw = eta x_j s_i - A x_i s_j``
    - ``j`` inhibitory:          ``Δw = -A x_j s_i + eta x_i s_j``

    (causal pairs make inhibition stronger), then clipping to the bounds of
    :class:`LSM`. The depression rate ``A`` is the astrocyte's state,

    .. math:: A \leftarrow A + \frac{w_a\,(\sum_{liquid} s - \sum_{input} s) + b_a - A}{\tau_a},

    with ``b_a = eta (1 + astro_offset)``: more liquid than input spikes raises depression,
    which pulls the liquid's branching factor toward 1. ``A`` starts at ``eta`` for every
    sequence. With ``astro_weight=0`` (and ``astro_offset=0``) ``A`` stays at ``eta``: the
    paper's "LSM + STDP" ablation. The weights are then frozen for the readout.

    Parameters
    ----------
    n_units, ..., normalize
        As in :class:`LSM`.
    stdp_rate : float, default=0.15
        Potentiation rate ``eta`` (and the astrocyte's initial value).
    astro_weight : float, default=0.015
        ``w_a``: 0.015 for 1000-neuron liquids, 0.0075 for 8000 (authors).
    astro_tau : float, default=100.0
        ``tau_a`` in ms (>= 1).
    astro_offset : float, default=0.0
        Relative offset of the astrocyte bias ``b_a``.
    stdp_tau : float, default=10.0
        Time constant (ms) of the STDP traces.
    adapt_steps_per_input : int or None, default=None
        Milliseconds per input vector during :meth:`adapt` (the authors use 20 ms per image
        there and 250 ms for the features); None uses ``steps_per_input``.
    random_state : int, Generator or None

    Notes
    -----
    Differences from the authors' protocol: the features are taken with the adapted weights
    frozen (the authors keep plasticity on during the 250 ms feature run, with every rate
    multiplied by 0.99 each ms and the weights reset before every sample); with the
    ``"current"`` encoding there are no input spikes, so the input synapses are not plastic
    and the astrocyte counts ``sum(max(r, 0))`` expected input spikes per ms instead.

    Examples
    --------
    >>> import numpy as np
    >>> nalsm = NeuronAstrocyteLSM(n_units=125, steps_per_input=5, random_state=0)
    >>> U = [np.full((10, 2), 0.5)] * 3
    >>> params = nalsm.adapt(nalsm.initialize(2), U)
    >>> W = NeuronAstrocyteLSM.weight_matrix(params).toarray()
    >>> exc = params["excitatory"]
    >>> bool((W[:, exc] >= 0).all() and (W[:, ~exc] <= 0).all())   # Dale's law kept
    True
    """

    def __init__(
        self,
        n_units=1000,
        excitatory_fraction=0.8,
        connectivity=(0.2, 0.1, 0.3, 0.05),
        length_scale=3.0,
        input_density=0.15,
        initial_weight=3.0,
        max_weight=3.0,
        tau_m=64.0,
        threshold=20.0,
        refractory=2,
        tau_syn=1.0,
        method="euler",
        bias=0.0,
        steps_per_input=10,
        encoding="bernoulli",
        input_scale=1.0,
        input_offset=0.0,
        spike_features="counts",
        trace_tau=20.0,
        normalize=None,
        stdp_rate=0.15,
        astro_weight=0.015,
        astro_tau=100.0,
        astro_offset=0.0,
        stdp_tau=10.0,
        adapt_steps_per_input=None,
        random_state=None,
    ):
        super().__init__(
            n_units=n_units, excitatory_fraction=excitatory_fraction, connectivity=connectivity,
            length_scale=length_scale, input_density=input_density, initial_weight=initial_weight,
            max_weight=max_weight, tau_m=tau_m, threshold=threshold, refractory=refractory, tau_syn=tau_syn,
            method=method, bias=bias, steps_per_input=steps_per_input, encoding=encoding,
            input_scale=input_scale, input_offset=input_offset, spike_features=spike_features,
            trace_tau=trace_tau, normalize=normalize, random_state=random_state,
        )
        self.stdp_rate = stdp_rate
        self.astro_weight = astro_weight
        self.astro_tau = astro_tau
        self.astro_offset = astro_offset
        self.stdp_tau = stdp_tau
        self.adapt_steps_per_input = adapt_steps_per_input

    def _check_hyperparameters(self):
        sizes = super()._check_hyperparameters()
        check_real(self.stdp_rate, "stdp_rate", low=0)
        check_real(self.astro_weight, "astro_weight", low=0)
        # The astrocyte's Euler step A += (target - A) / tau overshoots for tau < 1 ms.
        check_real(self.astro_tau, "astro_tau", low=1)
        check_real(self.astro_offset, "astro_offset")
        check_real(self.stdp_tau, "stdp_tau", low=0, low_inclusive=False)
        if self.adapt_steps_per_input is not None:
            check_positive_int(self.adapt_steps_per_input, "adapt_steps_per_input")
        return sizes

    def initialize(self, n_inputs, random_state=None):
        """The :class:`LSM` parameters plus the plasticity rates."""
        params = super().initialize(n_inputs, random_state)
        params.update(
            stdp_rate=_scalar(self.stdp_rate),
            astro_weight=_scalar(self.astro_weight),
            astro_bias=_scalar(self.stdp_rate * (1.0 + self.astro_offset)),
            astro_tau=_scalar(self.astro_tau),
            stdp_decay=_scalar(np.exp(-1.0 / self.stdp_tau)),
        )
        return params

    def adapt(self, params, inputs):
        """Self-organise the liquid with astrocyte-modulated STDP on the input sequences.

        Parameters
        ----------
        params : dict of arrays
            From :meth:`initialize`.
        inputs : list of arrays of shape (T_i, d)
            The (standardised) training sequences, presented one after another.

        Returns
        -------
        dict of arrays
            ``params`` with the adapted ``W_val`` and ``W_in``.
        """
        self._check_hyperparameters()
        n_ms = int(self.adapt_steps_per_input or self.steps_per_input)
        jparams = _as_jax(params)
        W_val, W_in = jparams["W_val"], jparams["W_in"]
        # A key of its own, so that adaptation and feature runs draw different spikes.
        key = jax.random.fold_in(jparams["key"], 1)
        for sequence in inputs:
            sequence = check_array_2d(sequence, "inputs")
            key, sub = jax.random.split(key)
            W_val, W_in = _adapt_sequence(jparams, W_val, W_in, jnp.asarray(sequence), sub, n_ms, self.encoding)
        return {**params, "W_val": np.asarray(W_val), "W_in": np.asarray(W_in)}


# -- network construction ----------------------------------------------------------------------


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


def _input_weights(n_units, n_inputs, density, weight, rng):
    """Exactly ``round(density * N * d)`` (at least one) connected pairs, weights ``±weight``."""
    n_pairs = max(int(round(density * n_units * n_inputs)), 1)
    chosen = rng.choice(n_units * n_inputs, size=n_pairs, replace=False)
    mask = np.zeros(n_units * n_inputs, dtype=bool)
    mask[chosen] = True
    signs = rng.choice([-1.0, 1.0], size=n_units * n_inputs)
    W_in = np.where(mask, signs * weight, 0.0).reshape(n_units, n_inputs)
    return W_in, mask.reshape(n_units, n_inputs)


# -- plasticity --------------------------------------------------------------------------------


def stdp_delta(x_pre, s_pre, x_post, s_post, inhibitory_pre, potentiation, depression):
    """Weight change of the NALSM STDP rule (arrays broadcast elementwise).

    ``x`` are the spike traces before this step's update, ``s`` this step's spikes. A
    presynaptic excitatory (or input) neuron gets ``potentiation * x_pre * s_post -
    depression * x_post * s_pre``; an inhibitory one ``-depression * x_pre * s_post +
    potentiation * x_post * s_pre``, so that causal pairs strengthen inhibition.

    Examples
    --------
    >>> float(stdp_delta(1.0, 0.0, 0.0, 1.0, False, 0.15, 0.2))   # pre before post: potentiate
    0.15
    >>> float(stdp_delta(0.0, 1.0, 1.0, 0.0, False, 0.15, 0.2))   # post before pre: depress
    -0.2
    """
    causal = x_pre * s_post
    anticausal = x_post * s_pre
    return jnp.where(inhibitory_pre,
                     potentiation * anticausal - depression * causal,
                     potentiation * causal - depression * anticausal)


def astrocyte_update(A, liquid_spikes, input_spikes, weight, bias, tau):
    """One ms of the astrocyte: ``A + (weight (liquid - input) + bias - A) / tau``.

    Examples
    --------
    >>> A = 0.15
    >>> for _ in range(2000):
    ...     A = astrocyte_update(A, 30.0, 10.0, 0.015, 0.15, 100.0)
    >>> round(float(A), 4)   # relaxes to weight * (30 - 10) + bias
    0.45
    """
    return A + (weight * (liquid_spikes - input_spikes) + bias - A) / tau


# -- simulation --------------------------------------------------------------------------------


def _scalar(value):
    return np.asarray(float(value))


def _as_jax(params):
    return {k: jnp.asarray(v) for k, v in params.items()}


def _initial_state(params):
    n, d = params["W_in"].shape
    dtype = jnp.asarray(params["W_val"]).dtype
    return {
        "v": jnp.zeros(n, dtype),
        "refractory": jnp.zeros(n, jnp.int32),
        # exp(-Δt / tau_syn) of every neuron's last spike; the authors start Δt at 20 ms
        # (a current of e^-20, about 0), here exactly 0.
        "syn": jnp.zeros(n, dtype),
        "syn_in": jnp.zeros(d, dtype),
        "out": jnp.zeros(n, dtype),
        "key": jnp.asarray(params["key"]),
    }


def _liquid_ms(params, W_val, W_in, state, s_in, current_in):
    """One millisecond of the liquid with weights ``W_val``, ``W_in``; returns (state, spikes).

    ``s_in`` are the input spikes of this ms (None with the current encoding) and
    ``current_in`` the input current (0 with a spike encoding).
    """
    spikes = lif_spikes(state["v"], state["refractory"], params["threshold"])
    s = spikes.astype(W_val.dtype)
    syn = jnp.where(spikes, 1.0, state["syn"])
    current = recurrent_product({"W_idx": params["W_idx"], "W_val": W_val}, syn)
    syn_in = state["syn_in"]
    if s_in is not None:
        syn_in = jnp.where(s_in > 0, s_in, syn_in)
        current = current + input_product(W_in, syn_in)
    current = params["syn_scale"] * current + current_in + params["bias"]
    v, refractory = lif_update(state["v"], state["refractory"], spikes, current, params["decay"],
                               params["gain"], params["refractory"])
    decay = params["syn_decay"]
    state = {**state, "v": v, "refractory": refractory, "syn": syn * decay, "syn_in": syn_in * decay}
    return state, s


def _encode(params, W_in, key, u, n_ms, encoding):
    """Input spikes for the ``n_ms`` ms of one input step (or None) and the input current."""
    rates = params["input_scale"] * u + params["input_offset"]
    if encoding == "current":
        return None, input_product(W_in, rates), jnp.sum(jnp.maximum(rates, 0.0))
    return input_spikes(key, rates, n_ms, encoding), 0.0, None


def _input_step(params, W_val, W_in, state, u, n_ms, encoding, spike_features, record):
    """Present one input vector for ``n_ms`` ms; return the state (and the raster if recording)."""
    key, sub = jax.random.split(state["key"])
    drive, current_in, _ = _encode(params, W_in, sub, u, n_ms, encoding)
    out = jnp.zeros_like(state["out"]) if spike_features == "counts" else state["out"]

    def body(carry, s_in):
        liquid, out = carry
        liquid, s = _liquid_ms(params, W_val, W_in, liquid, s_in, current_in)
        out = out * params["feature_decay"] + s if spike_features == "trace" else out + s
        return (liquid, out), (s if record else None)

    (liquid, out), raster = jax.lax.scan(body, (state, out), drive, length=n_ms)
    return {**liquid, "out": out, "key": key}, raster


@functools.partial(jax.jit, static_argnames=("n_ms", "encoding"))
def _raster(params, inputs, n_ms, encoding):
    def body(state, u):
        return _input_step(params, params["W_val"], params["W_in"], state, u, n_ms, encoding, "counts", True)

    state = _initial_state(params)
    _, raster = jax.lax.scan(body, state, inputs)
    return raster.reshape(-1, raster.shape[-1])


@functools.partial(jax.jit, static_argnames=("n_ms", "encoding"))
def _adapt_sequence(params, W_val, W_in, inputs, key, n_ms, encoding):
    """Run one sequence with astrocyte-modulated STDP from a reset state; return the weights."""
    n, d = W_in.shape
    eta = params["stdp_rate"]
    w_max = params["max_weight"]
    inhibitory_pre = params["W_sign"] < 0
    # Clipping bounds by synapse type; padding entries (sign 0) are pinned at 0.
    lo, hi = jnp.minimum(params["W_sign"], 0.0) * w_max, jnp.maximum(params["W_sign"], 0.0) * w_max
    in_bound = jnp.where(params["W_in_mask"], w_max, 0.0)
    state = {**_initial_state(params), "key": key}
    plastic = {"x": jnp.zeros(n), "x_in": jnp.zeros(d), "A": eta}

    def per_ms(carry, s_in, current_in, input_total):
        state, W_val, W_in, plastic = carry
        state, s = _liquid_ms(params, W_val, W_in, state, s_in, current_in)
        x, x_in, A = plastic["x"], plastic["x_in"], plastic["A"]
        idx = params["W_idx"]
        dW = stdp_delta(x[idx], s[idx], x[None, :], s[None, :], inhibitory_pre, eta, A)
        W_val = jnp.clip(W_val + dW, lo, hi)
        if s_in is not None:
            # Input neurons follow the excitatory rule; the sign of an input weight may flip.
            dW_in = stdp_delta(x_in[None, :], s_in[None, :], x[:, None], s[:, None], False, eta, A)
            W_in = jnp.clip(W_in + dW_in, -in_bound, in_bound)
            x_in = trace_update(x_in, s_in, params["stdp_decay"], 0.1)
            input_total = jnp.sum(s_in)
        x = trace_update(x, s, params["stdp_decay"], 0.1)
        A = astrocyte_update(A, jnp.sum(s), input_total, params["astro_weight"], params["astro_bias"],
                             params["astro_tau"])
        return (state, W_val, W_in, {"x": x, "x_in": x_in, "A": A})

    def per_input(carry, u):
        state, W_val, W_in, plastic = carry
        key, sub = jax.random.split(state["key"])
        drive, current_in, input_total = _encode(params, W_in, sub, u, n_ms, encoding)
        carry = (state, W_val, W_in, plastic)
        carry, _ = jax.lax.scan(lambda c, s_in: (per_ms(c, s_in, current_in, input_total), None),
                                carry, drive, length=n_ms)
        state, W_val, W_in, plastic = carry
        return ({**state, "key": key}, W_val, W_in, plastic), None

    (_, W_val, W_in, _), _ = jax.lax.scan(per_input, (state, W_val, W_in, plastic), inputs)
    return W_val, W_in
