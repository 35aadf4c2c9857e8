"""One millisecond of a liquid of LIF neurons, and one input step of many milliseconds.

The simulation shared by :class:`~reservoir.lsm.LSM` (features with frozen weights) and
:class:`~reservoir.nalsm.NeuronAstrocyteLSM` (the same liquid under plasticity): the state
(membranes, refractory counters, synaptic traces, the encoder's PRNG key), the spike
encoder of the input and the step over the milliseconds of one input vector.
"""

import functools

import jax
import jax.numpy as jnp
import numpy as np

from . import _jax  # noqa: F401  (float64 on)
from .sparse_ops import input_product, recurrent_product
from .spiking import input_spikes, lif_spikes, lif_update

__all__ = ["as_jax", "encode", "initial_state", "input_step", "liquid_ms", "raster", "scalar"]

def scalar(value):
    """``value`` as a 0-d float array (a leaf of the params, not a compiled constant)."""
    return np.asarray(float(value))


def as_jax(params):
    """The params as jax arrays."""
    return {k: jnp.asarray(v) for k, v in params.items()}


def initial_state(params):
    """The liquid at rest: no potential, no refractory neuron, no synaptic trace."""
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


def liquid_ms(params, W_val, W_in, state, s_in, current_in):
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


def encode(params, W_in, key, u, n_ms, encoding):
    """Input spikes for the ``n_ms`` ms of one input step (or None) and the input current."""
    rates = params["input_scale"] * u + params["input_offset"]
    if encoding == "current":
        return None, input_product(W_in, rates), jnp.sum(jnp.maximum(rates, 0.0))
    return input_spikes(key, rates, n_ms, encoding), 0.0, None


def input_step(params, W_val, W_in, state, u, n_ms, encoding, spike_features, record):
    """Present one input vector for ``n_ms`` ms; return the state (and the raster if recording)."""
    key, sub = jax.random.split(state["key"])
    drive, current_in, _ = encode(params, W_in, sub, u, n_ms, encoding)
    out = jnp.zeros_like(state["out"]) if spike_features == "counts" else state["out"]

    def body(carry, s_in):
        liquid, out = carry
        liquid, s = liquid_ms(params, W_val, W_in, liquid, s_in, current_in)
        out = out * params["feature_decay"] + s if spike_features == "trace" else out + s
        return (liquid, out), (s if record else None)

    (liquid, out), raster = jax.lax.scan(body, (state, out), drive, length=n_ms)
    return {**liquid, "out": out, "key": key}, raster


@functools.partial(jax.jit, static_argnames=("n_ms", "encoding"))
def raster(params, inputs, n_ms, encoding):
    """Spikes of every neuron at every ms of ``inputs``, from the initial state."""

    def body(state, u):
        return input_step(params, params["W_val"], params["W_in"], state, u, n_ms, encoding, "counts", True)

    state = initial_state(params)
    _, spikes = jax.lax.scan(body, state, inputs)
    return spikes.reshape(-1, spikes.shape[-1])

