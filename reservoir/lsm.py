"""Liquid state machine of LIF neurons on a 3-D grid with distance-dependent connections.

After Maass et al. (2002) as configured by Ivanov & Michmizos, "Increasing liquid state
machine performance with edge-of-chaos dynamics organized by astrocyte-modulated
plasticity" (NeurIPS 2021), read from the authors' code ``combra-lab/NALSM`` (see
``reference/methods.md`` section 4). The liquid sits on a 3-D grid, 80 % excitatory;
connections are drawn with a probability that falls with distance
(:mod:`reservoir.geometry`); the neurons are the current-based LIF of
:mod:`reservoir.spiking` at dt = 1 ms, simulated by :mod:`reservoir.liquid`. The
plastic variant (NALSM) is :class:`reservoir.nalsm.NeuronAstrocyteLSM`.
"""

import importlib
from numbers import Integral, Real

import jax
import jax.numpy as jnp
import numpy as np

from . import _jax  # noqa: F401  (float64 on)
from . import liquid
from .base import Reservoir, make_rng
from .geometry import distance_connectivity, grid_positions, input_weights
from .spiking import _METHODS, ENCODINGS, lif_coefficients
from .validation import Each, Interval, Options, check_array_2d, check_positive_int, validate_parameters
from .weights import to_scipy

__all__ = ["LSM", "distance_connectivity", "grid_positions"]

_SPIKE_FEATURES = ("counts", "cumulative", "trace")
_NORMALIZE = (None, "l1")

# Names that lived here before NALSM moved to its own module: ``from reservoir.lsm import
# NeuronAstrocyteLSM`` and files saved as "reservoir.lsm:NeuronAstrocyteLSM" keep working.
_MOVED = {"NeuronAstrocyteLSM": "nalsm", "stdp_delta": "nalsm", "astrocyte_update": "nalsm"}


def __getattr__(name):
    if name in _MOVED:
        return getattr(importlib.import_module(f"{__package__}.{_MOVED[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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

    _parameter_constraints = {
        "n_units": Interval(Integral, 2, None),
        "excitatory_fraction": Interval(Real, 0, 1, closed="neither"),
        "connectivity": Each(Interval(Real, 0, 1), length=4, description="a tuple (C_EE, C_EI, C_IE, C_II)"),
        "length_scale": Interval(Real, 0, None, closed="neither"),
        "input_density": Interval(Real, 0, 1, closed="right"),
        "initial_weight": Interval(Real, 0, None),
        "max_weight": Interval(Real, 0, None),
        "tau_m": Interval(Real, 0, None, closed="neither"),
        "threshold": Interval(Real, 0, None, closed="neither"),
        "refractory": Interval(Integral, 0, None),
        "tau_syn": Interval(Real, 0, None, closed="neither"),
        "method": Options(*_METHODS),
        "bias": Interval(Real),
        "steps_per_input": Interval(Integral, 1, None),
        "encoding": Options(*ENCODINGS),
        "input_scale": Interval(Real),
        "input_offset": Interval(Real),
        "spike_features": Options(*_SPIKE_FEATURES),
        "trace_tau": Interval(Real, 0, None, closed="neither"),
        "normalize": Options(*_NORMALIZE),
    }

    def _check_hyperparameters(self):
        """The declared constraints, then those between arguments; returns the population
        sizes ``(n_units, n_excitatory)``."""
        validate_parameters(self)
        n = int(self.n_units)
        n_exc = int(round(self.excitatory_fraction * n))
        if not 1 <= n_exc <= n - 1:
            raise ValueError(f"excitatory_fraction={self.excitatory_fraction} leaves an empty population "
                             f"with n_units={n}")
        if self.initial_weight > self.max_weight:
            raise ValueError(f"initial_weight ({self.initial_weight}) must not exceed max_weight ({self.max_weight})")
        lif_coefficients(self.tau_m, 1.0, self.method)  # tau_m >= dt for the Euler update
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
        W_in, W_in_mask = input_weights(n, n_inputs, self.input_density, w0, rng_in)
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
            "decay": liquid.scalar(decay),
            "gain": liquid.scalar(gain),
            "threshold": liquid.scalar(self.threshold),
            "refractory": np.asarray(int(self.refractory), dtype=np.int32),
            "syn_decay": liquid.scalar(np.exp(-1.0 / self.tau_syn)),
            "syn_scale": liquid.scalar(1.0 / self.tau_syn),
            "bias": liquid.scalar(self.bias),
            "input_scale": liquid.scalar(self.input_scale),
            "input_offset": liquid.scalar(self.input_offset),
            "feature_decay": liquid.scalar(np.exp(-1.0 / self.trace_tau)),
            "max_weight": liquid.scalar(self.max_weight),
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
        return liquid.initial_state(params)

    def step(self, params, state, u):
        state, _ = liquid.input_step(params, params["W_val"], params["W_in"], state, u, self.steps_per_input,
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
        raster = liquid.raster(liquid.as_jax(params), jnp.asarray(inputs), int(self.steps_per_input), self.encoding)
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
