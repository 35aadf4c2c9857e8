"""The neuron-astrocyte liquid state machine (NALSM): an LSM that self-organises with STDP.

After Ivanov & Michmizos, "Increasing liquid state machine performance with edge-of-chaos
dynamics organized by astrocyte-modulated plasticity" (NeurIPS 2021), as read from the
authors' code ``combra-lab/NALSM`` (see ``reference/methods.md`` section 4). Spike-timing-
dependent plasticity (STDP) runs during an unsupervised phase
(:meth:`NeuronAstrocyteLSM.adapt`) with its depression rate set by one astrocyte that
integrates the liquid's spikes minus the input's; the weights are then frozen and the
features (spike counts or traces) go to the readout as in :class:`~reservoir.lsm.LSM`.
"""

import functools
from numbers import Integral, Real

import jax
import jax.numpy as jnp
import numpy as np

from . import _jax  # noqa: F401  (float64 on)
from . import liquid
from .lsm import LSM
from .signature import extends
from .spiking import trace_update
from .validation import Interval, check_array_2d

__all__ = ["NeuronAstrocyteLSM", "astrocyte_update", "stdp_delta"]


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

    @extends(LSM)
    def __init__(self, stdp_rate=0.15, astro_weight=0.015, astro_tau=100.0, astro_offset=0.0, stdp_tau=10.0,
                 adapt_steps_per_input=None, **lsm_params):
        super().__init__(**lsm_params)
        self.stdp_rate = stdp_rate
        self.astro_weight = astro_weight
        self.astro_tau = astro_tau
        self.astro_offset = astro_offset
        self.stdp_tau = stdp_tau
        self.adapt_steps_per_input = adapt_steps_per_input

    _parameter_constraints = {
        "stdp_rate": Interval(Real, 0, None),
        "astro_weight": Interval(Real, 0, None),
        # The astrocyte's Euler step A += (target - A) / tau overshoots for tau < 1 ms.
        "astro_tau": Interval(Real, 1, None),
        "astro_offset": Interval(Real),
        "stdp_tau": Interval(Real, 0, None, closed="neither"),
        "adapt_steps_per_input": [None, Interval(Integral, 1, None)],
    }

    def initialize(self, n_inputs, random_state=None):
        """The :class:`LSM` parameters plus the plasticity rates."""
        params = super().initialize(n_inputs, random_state)
        params.update(
            stdp_rate=liquid.scalar(self.stdp_rate),
            astro_weight=liquid.scalar(self.astro_weight),
            astro_bias=liquid.scalar(self.stdp_rate * (1.0 + self.astro_offset)),
            astro_tau=liquid.scalar(self.astro_tau),
            stdp_decay=liquid.scalar(np.exp(-1.0 / self.stdp_tau)),
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
        jparams = liquid.as_jax(params)
        W_val, W_in = jparams["W_val"], jparams["W_in"]
        # A key of its own, so that adaptation and feature runs draw different spikes.
        key = jax.random.fold_in(jparams["key"], 1)
        for sequence in inputs:
            sequence = check_array_2d(sequence, "inputs")
            key, sub = jax.random.split(key)
            W_val, W_in = _adapt_sequence(jparams, W_val, W_in, jnp.asarray(sequence), sub, n_ms, self.encoding)
        return {**params, "W_val": np.asarray(W_val), "W_in": np.asarray(W_in)}


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
    state = {**liquid.initial_state(params), "key": key}
    plastic = {"x": jnp.zeros(n), "x_in": jnp.zeros(d), "A": eta}

    def per_ms(carry, s_in, current_in, input_total):
        state, W_val, W_in, plastic = carry
        state, s = liquid.liquid_ms(params, W_val, W_in, state, s_in, current_in)
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
        drive, current_in, input_total = liquid.encode(params, W_in, sub, u, n_ms, encoding)
        carry = (state, W_val, W_in, plastic)
        carry, _ = jax.lax.scan(lambda c, s_in: (per_ms(c, s_in, current_in, input_total), None),
                                carry, drive, length=n_ms)
        state, W_val, W_in, plastic = carry
        return ({**state, "key": key}, W_val, W_in, plastic), None

    (_, W_val, W_in, _), _ = jax.lax.scan(per_input, (state, W_val, W_in, plastic), inputs)
    return W_val, W_in
