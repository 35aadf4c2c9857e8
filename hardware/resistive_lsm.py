"""Resistive-memory liquid state machine (Lin et al., Nat. Comput. Sci. 2025; methods.md section 6).

The liquid's fixed random weights are the conductances of *unprogrammed* devices: every device
of a differential pair is formed with probability ``p_formed`` (conductance ~ N(g_on_mean_uS,
g_on_std_uS)) or stays unformed (``g_off_uS``), with no write-verify ("zero-shot"). A weight is
``weight_scale * (G+ - G-)`` (µS), zero-mean by symmetry. Neurons follow the authors' LIF cell

    mem_t = decay * mem_{t-1} * (1 - spike_{t-1}) + W_in x_t + W_rec spike_{t-1},
    spike_t = 1[mem_t >= threshold]

(advanced with :func:`reservoir.spiking.lif_spikes` / :func:`~reservoir.spiking.lif_update`,
no refractory period), inputs are Bernoulli spikes (:func:`reservoir.spiking.input_spikes`),
features are spike rates. Every read of the arrays carries multiplicative read noise
(``read_noise_rel``), sampled per output as one Gaussian of the summed variance, as in
:mod:`hardware.crossbar`. ``weights="gaussian"`` gives the software LSM of the paper's
comparison: the same network with N(0, sigma^2) weights of the same standard deviation as the
device pairs and no read noise.
"""

from numbers import Integral, Real

import jax
import jax.numpy as jnp
import numpy as np

from reservoir import _jax  # noqa: F401  (float64 on)
from reservoir.base import Reservoir, make_rng
from reservoir.spiking import input_spikes, lif_spikes, lif_update
from reservoir.validation import Interval, Options, check_positive_int, validate_parameters


class ResistiveLSM(Reservoir):
    """LIF liquid with weights from the stochastic conductances of unprogrammed ReRAM pairs.

    Parameters
    ----------
    n_units : int, default=200
        Liquid neurons (the authors use 200).
    decay : float, default=0.9
        Membrane decay per ms, in (0, 1].
    threshold : float, default=5.0
        Firing threshold (reset to 0).
    weight_scale : float, default=0.07
        ``const`` of the authors: weight per µS of conductance difference.
    input_weight_scale : float or None, default=None
        The same for the input array; None uses ``weight_scale``.
    p_formed : float, default=0.5
        Probability that a device is formed (conducting).
    g_on_mean_uS, g_on_std_uS : float, default=12.3, 1.8
        Conductance of formed devices (ESGNN measured maps, crossbar.md 4.1 ``RandomForming``).
    g_off_uS : float, default=0.0
        Conductance of unformed devices [assumption: negligible].
    read_noise_rel : float, default=0.02
        Relative read noise of every device on every read.
    weights : {"devices", "gaussian"}, default="devices"
        Device conductances, or the software LSM's Gaussian weights of equal spread.
    steps_per_input : int, default=10
        Milliseconds each input vector is presented.
    input_scale : float, default=1.0
        Input spike probability per ms is ``clip(input_scale * u, 0, 1)``.
    spike_features : {"counts", "cumulative"}, default="counts"
        Spike rate of each neuron during the step, or spike count since the sequence start
        (use with ``pooling="last"`` for classification, the authors' sum over T_w).
    random_state : int, Generator or None
        Seed of the devices, the read noise and the input spikes.

    Examples
    --------
    >>> import numpy as np
    >>> lsm = ResistiveLSM(n_units=50, steps_per_input=5, random_state=0)
    >>> lsm.fit_transform(np.full((4, 3), 0.5)).shape
    (4, 50)
    """

    def __init__(self, n_units=200, decay=0.9, threshold=5.0, weight_scale=0.07, input_weight_scale=None,
                 p_formed=0.5, g_on_mean_uS=12.3, g_on_std_uS=1.8, g_off_uS=0.0, read_noise_rel=0.02,
                 weights="devices", steps_per_input=10, input_scale=1.0, spike_features="counts",
                 random_state=None):
        self.n_units = n_units
        self.decay = decay
        self.threshold = threshold
        self.weight_scale = weight_scale
        self.input_weight_scale = input_weight_scale
        self.p_formed = p_formed
        self.g_on_mean_uS = g_on_mean_uS
        self.g_on_std_uS = g_on_std_uS
        self.g_off_uS = g_off_uS
        self.read_noise_rel = read_noise_rel
        self.weights = weights
        self.steps_per_input = steps_per_input
        self.input_scale = input_scale
        self.spike_features = spike_features
        self.random_state = random_state

    _parameter_constraints = {
        "n_units": Interval(Integral, 1, None),
        "decay": Interval(Real, 0, 1, closed="right"),
        "threshold": Interval(Real, 0, None, closed="neither"),
        "weight_scale": Interval(Real, 0, None, closed="neither"),
        "input_weight_scale": [None, Interval(Real, 0, None, closed="neither")],
        "p_formed": Interval(Real, 0, 1),
        "g_on_mean_uS": Interval(Real, 0, None),
        "g_on_std_uS": Interval(Real, 0, None),
        "g_off_uS": Interval(Real, 0, None),
        "read_noise_rel": Interval(Real, 0, None),
        "weights": Options("devices", "gaussian"),
        "steps_per_input": Interval(Integral, 1, None),
        "input_scale": Interval(Real, 0, None),
        "spike_features": Options("counts", "cumulative"),
    }

    def _check(self):
        validate_parameters(self)

    def _conductances(self, shape, rng):
        formed = rng.random(shape) < self.p_formed
        g_on = np.clip(self.g_on_mean_uS + self.g_on_std_uS * rng.standard_normal(shape), 0.0, None)
        return np.where(formed, g_on, self.g_off_uS)

    def pair_std_uS(self):
        """Standard deviation (µS) of ``G+ - G-`` for two independent devices."""
        p, m, s, off = self.p_formed, self.g_on_mean_uS, self.g_on_std_uS, self.g_off_uS
        mean = p * m + (1 - p) * off
        second = p * (m**2 + s**2) + (1 - p) * off**2
        return float(np.sqrt(2 * (second - mean**2)))

    def initialize(self, n_inputs, random_state=None):
        """Draw the device pairs of the recurrent and input arrays (once per chip)."""
        self._check()
        n_inputs = check_positive_int(n_inputs, "n_inputs")
        rng = make_rng(self.random_state if random_state is None else random_state)
        rng_rec, rng_in, rng_key = rng.spawn(3)
        n = self.n_units
        in_scale = self.weight_scale if self.input_weight_scale is None else self.input_weight_scale
        params = {}
        for name, shape, scale, sub in (("rec", (n, n), self.weight_scale, rng_rec),
                                        ("in", (n, n_inputs), in_scale, rng_in)):
            if self.weights == "devices":
                g_pos, g_neg = self._conductances(shape, sub), self._conductances(shape, sub)
                params[f"W_{name}"] = scale * (g_pos - g_neg)
                # Read-noise variance per unit input: scale^2 s^2 (G+^2 + G-^2).
                params[f"noise_{name}"] = (scale * self.read_noise_rel) ** 2 * (g_pos**2 + g_neg**2)
            else:
                params[f"W_{name}"] = scale * self.pair_std_uS() * sub.standard_normal(shape)
                params[f"noise_{name}"] = np.zeros(shape)
        params["decay"] = np.asarray(float(self.decay))
        params["threshold"] = np.asarray(float(self.threshold))
        params["input_scale"] = np.asarray(float(self.input_scale))
        params["key"] = np.asarray(jax.random.PRNGKey(int(rng_key.integers(2**31))))
        return params

    def initial_state(self, params):
        n = params["W_rec"].shape[0]
        zeros = jnp.zeros(n, dtype=jnp.float64)
        return {"v": zeros, "rate": zeros, "total": zeros, "key": jnp.asarray(params["key"])}

    def step(self, params, state, u):
        key, k_in, k_read = jax.random.split(state["key"], 3)
        n_ms = self.steps_per_input
        spikes_in = input_spikes(k_in, params["input_scale"] * u, n_ms, "bernoulli")
        read_keys = jax.random.split(k_read, n_ms)
        no_refractory = jnp.zeros_like(state["v"])

        def per_ms(carry, inputs):
            v, count = carry
            s_in, k = inputs
            s = lif_spikes(v, no_refractory, params["threshold"]).astype(v.dtype)
            current = params["W_in"] @ s_in + params["W_rec"] @ s
            sigma = jnp.sqrt(params["noise_in"] @ s_in**2 + params["noise_rec"] @ s)
            current = current + sigma * jax.random.normal(k, current.shape)
            v, _ = lif_update(v, no_refractory, s > 0, current, params["decay"], 1.0, 0)
            return (v, count + s), None

        (v, count), _ = jax.lax.scan(per_ms, (state["v"], jnp.zeros_like(state["v"])), (spikes_in, read_keys))
        return {"v": v, "rate": count / n_ms, "total": state["total"] + count, "key": key}

    def features(self, params, state):
        return state["rate"] if self.spike_features == "counts" else state["total"]

    def n_features(self, params):
        return int(params["W_rec"].shape[0])

    def static_config(self):
        return (("steps_per_input", self.steps_per_input), ("spike_features", self.spike_features))
