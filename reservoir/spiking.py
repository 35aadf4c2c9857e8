"""Leaky integrate-and-fire (LIF) core and spike encoders shared by the spiking reservoirs.

The LIF neuron is current-based, with a fixed time step ``dt`` (1 ms in the liquid state
machines) and a refractory period; everything is an elementwise jax function of arrays of
neurons, so one call advances a whole population and runs inside ``jax.lax.scan``/``vmap``.

The membrane follows ``dv/dt = -v / tau_m + I(t)`` (``I`` in potential per unit time) and is
advanced over one step of length ``dt`` as

.. math:: v \\leftarrow \\alpha\\, v + \\gamma\\, I

with ``(alpha, gamma) = (1 - dt/tau_m, dt)`` for the Euler update (the NALSM authors' code:
``v <- v - v/tau_m + I`` at dt = 1 ms) or ``(exp(-dt/tau_m), tau_m (1 - exp(-dt/tau_m)))``
for the exact update with the current held constant over the step. Both have the same
rheobase ``threshold / tau_m``: a constant current at or below it never fires.

Order within one step (the NALSM authors' order, which the resistive-memory LSM's
``mem_t = decay * mem_{t-1} * (1 - spike_{t-1}) + input_t`` also matches):

1. :func:`lif_spikes`: neurons at or above threshold that are not refractory spike;
2. the caller computes the current of this step (synapses see this step's spikes);
3. :func:`lif_update`: spiking neurons are reset, every membrane integrates (also while
   refractory, as in the authors' code: only spiking is blocked), the refractory counters
   are set and counted down.

A refractory period of ``r`` steps is thus a minimum inter-spike interval of ``max(r, 1)``
steps. The resistive-memory LSM neuron (``reference/methods.md`` section 6.2) is this core
with ``decay`` = its decay factor, ``gain = 1``, ``refractory_steps = 0`` and its recurrent
and input products as the current; it fires at ``mem > V_th`` where this core fires at
``>=``, which differs only on the measure-zero event ``mem == V_th``, and the spikes it reports
at step ``t`` are the ones this core detects at the start of step ``t + 1``.

Encoders turn a real input value ``u`` into an input intensity ``r = scale * u + offset``
and then into spikes each step: Bernoulli (probability ``clip(r, 0, 1)``, the NALSM MNIST
encoding), Poisson (``Poisson(max(r, 0))`` spikes), or no spikes at all (``"current"``:
the liquid receives ``r`` directly as a current, a deterministic mean-field of the rate
code, which suits forecasting).

Examples
--------
>>> import numpy as np
>>> spikes, v = simulate_lif(np.full((100, 1), 1.0), tau_m=64.0, threshold=20.0, refractory=2)
>>> np.flatnonzero(spikes[:, 0])[:3].tolist()   # a period of 24 ms (see simulate_lif)
[24, 48, 72]
"""

import jax
import jax.numpy as jnp
import numpy as np

from . import _jax  # noqa: F401  (float64 on)
from .base import make_rng
from .validation import check_array_2d, check_nonnegative_int, check_positive_int, check_real

__all__ = [
    "ENCODINGS",
    "encode_spikes",
    "input_spikes",
    "lif_coefficients",
    "lif_spikes",
    "lif_update",
    "simulate_lif",
    "trace_update",
]

ENCODINGS = ("bernoulli", "poisson", "current")
_METHODS = ("euler", "exact")


def lif_coefficients(tau_m, dt=1.0, method="euler"):
    """Decay ``alpha`` and input gain ``gamma`` of one LIF step ``v <- alpha v + gamma I``.

    Parameters
    ----------
    tau_m : float
        Membrane time constant (same unit as ``dt``), > 0; with Euler, ``tau_m >= dt``.
    dt : float, default=1.0
        Step length.
    method : {"euler", "exact"}, default="euler"
        Forward Euler (the NALSM code) or the exact solution for a current held constant
        over the step.

    Returns
    -------
    (float, float)

    Examples
    --------
    >>> lif_coefficients(64.0)
    (0.984375, 1.0)
    >>> a, g = lif_coefficients(64.0, method="exact")
    >>> round(a, 6), round(g, 6)
    (0.984496, 0.992228)
    """
    tau_m = check_real(tau_m, "tau_m", low=0, low_inclusive=False)
    dt = check_real(dt, "dt", low=0, low_inclusive=False)
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}")
    if method == "euler":
        if tau_m < dt:
            # 1 - dt/tau_m < 0 would make the membrane oscillate in sign.
            raise ValueError(f"tau_m ({tau_m}) must be >= dt ({dt}) for the Euler update; use method='exact'")
        return 1.0 - dt / tau_m, dt
    decay = float(np.exp(-dt / tau_m))
    return decay, tau_m * (1.0 - decay)


def lif_spikes(v, refractory, threshold):
    """Which neurons spike now: ``v >= threshold`` and not refractory (``refractory == 0``)."""
    return (v >= threshold) & (refractory <= 0)


def lif_update(v, refractory, spikes, current, decay, gain, refractory_steps, v_reset=0.0):
    """Reset the neurons that spiked, integrate ``current`` for one step, count down.

    Parameters
    ----------
    v, refractory : arrays of shape (N,)
        Membrane potentials and refractory counters (steps left).
    spikes : bool array of shape (N,)
        From :func:`lif_spikes` at this step.
    current : array of shape (N,)
        Input current over this step.
    decay, gain : float
        From :func:`lif_coefficients`.
    refractory_steps : int
        Counter value set on a spike; spiking is blocked while it is positive.
    v_reset : float, default=0.0

    Returns
    -------
    (v, refractory)
    """
    v = decay * jnp.where(spikes, v_reset, v) + gain * current
    refractory = jnp.maximum(jnp.where(spikes, refractory_steps, refractory) - 1, 0)
    return v, refractory


def trace_update(x, spikes, decay, increment):
    """Spike trace of the NALSM STDP rule: ``x <- decay * (x + increment * s)``."""
    return decay * (x + increment * spikes)


def input_spikes(key, rates, n_steps, encoding):
    """Spikes of the input neurons over ``n_steps`` steps at the given intensities.

    Parameters
    ----------
    key : jax PRNG key
    rates : array of shape (d,)
        Input intensities ``r`` (expected spikes per step).
    n_steps : int
    encoding : {"bernoulli", "poisson"}
        One spike with probability ``clip(r, 0, 1)``, or ``Poisson(max(r, 0))`` spikes,
        independently per input and step.

    Returns
    -------
    array of shape (n_steps, d)
        Spike counts (0/1 for Bernoulli).
    """
    shape = (n_steps,) + rates.shape
    if encoding == "bernoulli":
        return (jax.random.uniform(key, shape) < jnp.clip(rates, 0.0, 1.0)).astype(rates.dtype)
    if encoding == "poisson":
        return jax.random.poisson(key, jnp.maximum(rates, 0.0), shape).astype(rates.dtype)
    raise ValueError(f"encoding must be 'bernoulli' or 'poisson' to draw spikes, got {encoding!r}")


def encode_spikes(X, n_steps=10, encoding="bernoulli", scale=1.0, offset=0.0, random_state=None):
    """Spike-encode a real-valued sequence, as the spiking reservoirs do inside their step.

    Each row ``u`` of ``X`` is presented for ``n_steps`` steps at intensity
    ``r = scale * u + offset`` (see the module docstring).

    Parameters
    ----------
    X : array of shape (T, d)
    n_steps : int, default=10
        Steps per row.
    encoding : {"bernoulli", "poisson"}, default="bernoulli"
    scale, offset : float, default=1.0, 0.0
    random_state : int, Generator or None

    Returns
    -------
    ndarray of shape (T * n_steps, d)

    Examples
    --------
    >>> import numpy as np
    >>> s = encode_spikes(np.array([[0.0, 0.5, 1.0]]), n_steps=2000, random_state=0)
    >>> s.mean(axis=0).round(1).tolist()
    [0.0, 0.5, 1.0]
    """
    X = check_array_2d(X, "X", allow_1d=True)
    n_steps = check_positive_int(n_steps, "n_steps")
    if encoding not in ("bernoulli", "poisson"):
        raise ValueError(f"encoding must be 'bernoulli' or 'poisson', got {encoding!r}")
    scale = check_real(scale, "scale")
    offset = check_real(offset, "offset")
    seed = int(make_rng(random_state).integers(2**31 - 1))
    keys = jax.random.split(jax.random.PRNGKey(seed), len(X))
    rates = jnp.asarray(scale * X + offset)
    spikes = jax.vmap(lambda k, r: input_spikes(k, r, n_steps, encoding))(keys, rates)
    return np.asarray(spikes).reshape(len(X) * n_steps, X.shape[1])


def simulate_lif(currents, tau_m=64.0, threshold=20.0, refractory=2, dt=1.0, method="euler", v_reset=0.0):
    """Drive uncoupled LIF neurons with given currents; return spikes and potentials.

    Parameters
    ----------
    currents : array of shape (T, N)
        Current of every neuron at every step.
    tau_m, threshold, refractory, dt, method, v_reset
        As in :func:`lif_coefficients` and :func:`lif_update`; ``refractory`` in steps.

    Returns
    -------
    spikes : bool ndarray of shape (T, N)
        ``spikes[t]`` is detected at the start of step ``t``, from the potential reached at
        the end of step ``t - 1``.
    v : ndarray of shape (T, N)
        Potential at the end of each step.

    Notes
    -----
    Under a constant current ``I`` above the rheobase ``threshold / tau_m`` the potential
    after a reset is ``v_n = gamma I (1 - alpha^n) / (1 - alpha)`` after ``n`` steps, so the
    neuron fires every ``max(n*, refractory)`` steps with
    ``n* = ceil(ln(1 - threshold (1 - alpha) / (gamma I)) / ln(alpha))``: 24 ms for
    ``I = 1`` with the NALSM neuron.

    Examples
    --------
    >>> import numpy as np
    >>> spikes, _ = simulate_lif(np.full((200, 2), [0.3, 5.0]))
    >>> spikes.sum(axis=0).tolist()   # below rheobase (20/64) no spike; 5.0 fires every 5 ms
    [0, 39]
    """
    currents = check_array_2d(currents, "currents", allow_1d=True)
    decay, gain = lif_coefficients(tau_m, dt, method)
    threshold = check_real(threshold, "threshold")
    refractory = check_nonnegative_int(refractory, "refractory")
    v_reset = check_real(v_reset, "v_reset")
    spikes, v = _simulate(jnp.asarray(currents), decay, gain, threshold, refractory, v_reset)
    return np.asarray(spikes), np.asarray(v)


@jax.jit
def _simulate(currents, decay, gain, threshold, refractory, v_reset):
    def body(carry, current):
        v, ref = carry
        s = lif_spikes(v, ref, threshold)
        v, ref = lif_update(v, ref, s, current, decay, gain, refractory, v_reset)
        return (v, ref), (s, v)

    n = currents.shape[1]
    start = (jnp.zeros(n, currents.dtype), jnp.zeros(n, jnp.int32))
    _, (spikes, v) = jax.lax.scan(body, start, currents)
    return spikes, v
