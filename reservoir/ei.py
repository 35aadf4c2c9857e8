"""E/I self-adapting reservoir: sigmoid rate neurons obeying Dale's law, with homeostatic
inhibition that drives every neuron to its target firing rate.

After Srinivasan, Plenz and Girvan (2025), "Boosting reservoir computing with brain-inspired
adaptive dynamics" (Nat. Commun., arXiv 2504.12480). The paper's claims are solid but its
equations are reconstructed here (see ``reference/methods.md`` section 1): the balance
parameter as a log ratio of total excitation to total inhibition, the additive homeostatic
rule on existing inhibitory synapses, and the mean-field "one-step design".
"""

from numbers import Integral, Real

import jax
import jax.numpy as jnp
import numpy as np

from . import _jax  # noqa: F401  (float64 on)
from .base import Reservoir, make_rng
from .sparse_ops import input_product, recurrent_product
from .validation import Interval, Options, check_positive_int, check_real, validate_parameters
from .weights import to_scipy

__all__ = ["EIReservoir"]

_ADAPTATIONS = (None, "homeostatic", "one_step")
_TARGET_DISTRIBUTIONS = ("constant", "beta", "lognormal")
# Shape constants of the heterogeneous target distributions: Beta(4m, 4(1 - m)) is the
# Beta(2, 2) of the third-party demo at m = 0.5; the log-normal has median m and log-sd 0.5.
_BETA_CONCENTRATION = 4.0
_LOGNORMAL_SIGMA = 0.5


class EIReservoir(Reservoir):
    r"""Rate reservoir with separate excitatory and inhibitory weights and adaptive inhibition.

    .. math::

        V_i(t+1) &= \sum_j A^E_{ij} r_j(t) - \sum_j A^I_{ij} r_j(t) + \sum_m W^{in}_{im} u_m(t+1) \\
        r_i(t+1) &= (1 - a)\,r_i(t) + a\,\sigma\big(c\,(V_i(t+1) - \theta)\big)

    ``A^E >= 0`` only has columns of excitatory neurons and ``A^I >= 0`` only columns of
    inhibitory ones, so every neuron's outgoing sign is fixed (Dale's law). Each neuron
    receives ``round(in_degree * excitatory_fraction)`` excitatory and the rest inhibitory
    inputs; mean weights make the total expected excitation 1 and the total inhibition
    ``exp(-balance)``. The features are the rates ``r`` in (0, 1).

    Parameters
    ----------
    n_units : int, default=500
        Number of neurons.
    excitatory_fraction : float, default=0.8
        Fraction of excitatory neurons, in (0, 1).
    in_degree : int, default=50
        Presynaptic partners per neuron (excitatory plus inhibitory).
    balance : float, default=0.0
        ``beta = ln(total excitation / total inhibition)`` onto a neuron: 0 is balanced,
        negative is inhibition-dominated (``-2``: about 7.4 times more inhibition), positive
        is excitation-dominated. It scales every inhibitory weight by ``exp(-balance)``.
    gain : float, default=10.0
        Slope ``c`` of the sigmoid (> 0).
    threshold : float, default=0.0
        Threshold ``theta`` of the sigmoid.
    leak_rate : float, default=1.0
        Leak rate ``a`` in (0, 1]; 1 is the paper's memoryless rate update.
    input_fraction : float, default=0.3
        Fraction of neurons that receive the input, in (0, 1].
    input_scaling : float, default=0.5
        Input weights are uniform on ``[-input_scaling / 2, input_scaling / 2]`` (> 0).
    weight_cv : float, default=0.2
        Spread of the recurrent weights: ``|N(mu, (weight_cv * mu_E)**2)|`` (>= 0).
    target_rate : float or array of shape (n_units,), default=0.5
        Target firing rate(s) in (0, 1) of the homeostatic rule and the one-step design; for a
        heterogeneous distribution, its mean (``"beta"``) or median (``"lognormal"``).
    target_distribution : {"constant", "beta", "lognormal"}, default="constant"
        Homogeneous targets, or one target per neuron drawn from
        ``Beta(4 m, 4 (1 - m))`` or from a log-normal with median ``m`` and log-sd 0.5
        clipped to (0.01, 0.99), where ``m = target_rate``.
    adaptation : {"homeostatic", "one_step", None}, default="homeostatic"
        What :meth:`adapt` does before the readout is fitted: run the local homeostatic rule
        on the training inputs, set every neuron's inhibition analytically from the
        mean-field fixed point, or nothing (a globally tuned, non-adaptive reservoir).
    adaptation_schedule : sequence of (rate, steps), default=((1e-2, 1000), (1e-3, 1000))
        Learning rate ``delta`` (> 0) and number of steps of each homeostatic stage.
    random_state : int, Generator or None
        Seed of the weights and of the targets.

    Notes
    -----
    The homeostatic rule (the paper's Eq. 7) changes every inhibitory synapse onto neuron
    ``i`` by ``delta * (r_i(t) - rho_i)`` and clips it at 0, so a neuron that fires above its
    target receives more inhibition. It runs once, in :meth:`adapt`, driven by the
    (standardised) training inputs, and the weights are then frozen: adapting while the
    readout's states are collected would make the features non-stationary.

    The one-step design assumes the fixed point ``r_j = rho_j`` and scales the inhibitory
    inputs of neuron ``i`` by

    .. math:: g_i = \frac{\sum_j A^E_{ij}\rho_j + \sum_m W^{in}_{im}\bar u_m - \theta
              - \mathrm{logit}(\rho_i)/c}{\sum_j A^I_{ij}\rho_j}, \quad g_i \ge 0,

    so that the sigmoid returns ``rho_i``. It ignores the input's fluctuations, which pull
    rates toward 0.5, so rates land near, not on, the targets.

    Regimes. With ``balance > 0`` the units saturate near rate 1; with strong inhibition
    (``balance`` around -1 and below, with the default gain and ``leak_rate=1``) the network
    locks into a synchronous oscillation between silence and rate 0.5. The homeostatic rule
    finds its way out of both, but a target rate far below 0.5 asks for so much net
    inhibition that the fixed point itself becomes unstable (period-2 synchrony) when the
    input is strong; the default target 0.5 (the mean of the reference recipe's Beta(2, 2))
    avoids this, and a ``leak_rate`` below 1 damps it.

    What is reconstructed (the paper's Methods were not available): the log-ratio
    definition of ``balance``, the leak form, the additive form of the rule, the one-step
    formula, and the defaults, which follow a third-party reading of the paper's Table I.

    Examples
    --------
    >>> import numpy as np
    >>> res = EIReservoir(n_units=200, in_degree=20, random_state=0)
    >>> u = np.random.default_rng(0).standard_normal((500, 1))
    >>> params = res.adapt(res.initialize(1), [u])
    >>> bool(np.all(params["I_val"] >= 0))
    True
    >>> res.fit_transform(u).shape
    (500, 200)
    """

    def __init__(
        self,
        n_units=500,
        excitatory_fraction=0.8,
        in_degree=50,
        balance=0.0,
        gain=10.0,
        threshold=0.0,
        leak_rate=1.0,
        input_fraction=0.3,
        input_scaling=0.5,
        weight_cv=0.2,
        target_rate=0.5,
        target_distribution="constant",
        adaptation="homeostatic",
        adaptation_schedule=((1e-2, 1000), (1e-3, 1000)),
        random_state=None,
    ):
        self.n_units = n_units
        self.excitatory_fraction = excitatory_fraction
        self.in_degree = in_degree
        self.balance = balance
        self.gain = gain
        self.threshold = threshold
        self.leak_rate = leak_rate
        self.input_fraction = input_fraction
        self.input_scaling = input_scaling
        self.weight_cv = weight_cv
        self.target_rate = target_rate
        self.target_distribution = target_distribution
        self.adaptation = adaptation
        self.adaptation_schedule = adaptation_schedule
        self.random_state = random_state

    # -- hyperparameters -------------------------------------------------------------------

    #: The rate function (fixed, not a hyperparameter): what ``linear_form`` reports, and what
    #: a wrapper such as ``hardware.AnalogReservoir`` applies after its own product.
    activation = "sigmoid"

    _parameter_constraints = {
        "n_units": Interval(Integral, 2, None),
        "excitatory_fraction": Interval(Real, 0, 1, closed="neither"),
        "in_degree": Interval(Integral, 2, None),
        "balance": Interval(Real),
        "gain": Interval(Real, 0, None, closed="neither"),
        "threshold": Interval(Real),
        "leak_rate": Interval(Real, 0, 1, closed="right"),
        "input_fraction": Interval(Real, 0, 1, closed="right"),
        "input_scaling": Interval(Real, 0, None, closed="neither"),
        "weight_cv": Interval(Real, 0, None),
        "target_distribution": Options(*_TARGET_DISTRIBUTIONS),
        "adaptation": Options(*_ADAPTATIONS),
    }

    def _population_sizes(self):
        n, f_e, k = int(self.n_units), float(self.excitatory_fraction), int(self.in_degree)
        n_e = int(round(f_e * n))
        if n_e < 1 or n_e > n - 1:
            raise ValueError(f"excitatory_fraction={f_e} leaves an empty population with n_units={n}")
        k_e = int(round(f_e * k))
        k_e = min(max(k_e, 1), k - 1)
        if k_e > n_e or k - k_e > n - n_e:
            raise ValueError(f"in_degree={k} needs {k_e} excitatory and {k - k_e} inhibitory partners, but there "
                             f"are only {n_e} excitatory and {n - n_e} inhibitory neurons")
        return n, n_e, k_e, k - k_e

    def _schedule(self):
        schedule = self.adaptation_schedule
        try:
            stages = [(rate, steps) for rate, steps in schedule]
        except (TypeError, ValueError):
            raise TypeError(
                f"adaptation_schedule must be a sequence of (rate, steps) pairs, got {schedule!r}"
            ) from None
        for rate, steps in stages:
            check_real(rate, "adaptation_schedule rate", low=0, low_inclusive=False)
            check_positive_int(steps, "adaptation_schedule steps", minimum=0)
        return stages

    def _check_hyperparameters(self):
        validate_parameters(self)
        sizes = self._population_sizes()
        self._schedule()
        return sizes

    def _targets(self, n, rng):
        target = np.asarray(self.target_rate, dtype=float) if not isinstance(self.target_rate, str) else None
        if target is None or target.ndim > 1 or (target.ndim == 1 and target.shape != (n,)):
            raise ValueError(f"target_rate must be a number or an array of shape ({n},), got {self.target_rate!r}")
        if not np.all((target > 0) & (target < 1)):
            raise ValueError(f"target_rate must lie in the open interval (0, 1), got {self.target_rate!r}")
        if self.target_distribution == "constant" or target.ndim == 1:
            if target.ndim == 1 and self.target_distribution != "constant":
                raise ValueError("target_rate given per neuron needs target_distribution='constant'")
            return np.broadcast_to(target, (n,)).copy()
        m = float(target)
        if self.target_distribution == "beta":
            return rng.beta(_BETA_CONCENTRATION * m, _BETA_CONCENTRATION * (1 - m), n)
        return np.clip(m * np.exp(_LOGNORMAL_SIGMA * rng.standard_normal(n)), 0.01, 0.99)

    # -- the Reservoir contract ------------------------------------------------------------

    def initialize(self, n_inputs, random_state=None):
        """Draw the E and I weights (scaled by the balance), the input weights and the targets."""
        n, n_e, k_e, k_i = self._check_hyperparameters()
        n_inputs = check_positive_int(n_inputs, "n_inputs")
        rng = make_rng(self.random_state if random_state is None else random_state)
        rng_e, rng_i, rng_in, rng_t = rng.spawn(4)
        mu_e = 1.0 / k_e
        # mu_I = (f_E / f_I) mu_E in the reference recipe; with k f_E excitatory and k f_I
        # inhibitory partners both totals are 1 (the balanced point, beta = 0).
        mu_i = 1.0 / k_i
        spread = self.weight_cv * mu_e
        E_idx = _partners(n, np.arange(n_e), k_e, rng_e)
        E_val = np.abs(rng_e.normal(mu_e, spread, E_idx.shape))
        I_idx = _partners(n, np.arange(n_e, n), k_i, rng_i)
        I_val = np.abs(rng_i.normal(mu_i, spread, I_idx.shape)) * np.exp(-float(self.balance))
        driven = rng_in.permutation(n) < int(round(self.input_fraction * n))
        W_in = rng_in.uniform(-0.5, 0.5, (n, n_inputs)) * self.input_scaling * driven[:, None]
        return {
            "E_idx": E_idx,
            "E_val": E_val,
            "I_idx": I_idx,
            "I_val": I_val,
            "W_in": W_in,
            "gain": np.asarray(float(self.gain)),
            "threshold": np.asarray(float(self.threshold)),
            "leak_rate": np.asarray(float(self.leak_rate)),
            "target": self._targets(n, rng_t),
            "excitatory": np.arange(n) < n_e,
        }

    def initial_state(self, params):
        return jnp.zeros(params["W_in"].shape[0], dtype=jnp.asarray(params["W_in"]).dtype)

    def n_features(self, params):
        return int(params["W_in"].shape[0])

    def step(self, params, state, u):
        return _ei_step(params, state, u)

    def prepare(self, params):
        # The transposed input weights, once per run (see esn.input_product).
        return {**params, "W_in_T": params["W_in"].T}

    def static_config(self):
        # Every hyperparameter step uses is in params: nothing is compiled in.
        return ()

    def linear_form(self, params):
        """The step as dense ``(W, W_in, bias, leak_rate, activation)``, with the gain folded in:
        ``sigmoid(g (drive - theta)) = sigmoid(g W x + g W_in u - g theta)``; see ``ESN.linear_form``."""
        A_E, A_I = self.weight_matrices(params)
        gain, threshold = float(params["gain"]), float(params["threshold"])
        n = int(params["W_in"].shape[0])
        return {"W": gain * (A_E - A_I).toarray(), "W_in": gain * np.asarray(params["W_in"], dtype=float),
                "bias": np.full(n, -gain * threshold), "leak_rate": np.asarray(params["leak_rate"], dtype=float),
                "activation": self.activation}

    def adapt(self, params, inputs):
        """Tune every neuron's inhibition toward its target rate (then frozen).

        ``inputs`` is a list of (standardised) 2-D input sequences. ``"homeostatic"`` runs
        the schedule's stages on them back to back (cycling through them when they are
        shorter than the schedule); ``"one_step"`` uses only their mean.
        """
        if self.adaptation is None:
            return params
        inputs = [np.asarray(x, dtype=float) for x in inputs]
        stacked = np.concatenate(inputs)
        if self.adaptation == "one_step":
            return one_step_design(params, stacked.mean(axis=0))
        rates = np.concatenate([np.full(steps, rate) for rate, steps in self._schedule()] + [np.zeros(0)])
        if len(rates) == 0:
            return params
        drive = stacked[np.arange(len(rates)) % len(stacked)]
        new_I = _homeostasis(_to_jax(params), jnp.asarray(drive), jnp.asarray(rates))
        return {**params, "I_val": np.asarray(new_I)}

    # -- helpers for analysis --------------------------------------------------------------

    @staticmethod
    def weight_matrices(params):
        """``(A_E, A_I)`` as scipy CSR matrices (row = postsynaptic neuron), both >= 0."""
        n = params["W_in"].shape[0]
        return (to_scipy(np.asarray(params["E_idx"]), np.asarray(params["E_val"]), n),
                to_scipy(np.asarray(params["I_idx"]), np.asarray(params["I_val"]), n))

    @staticmethod
    def effective_balance(params):
        """Per neuron, ``ln(total excitatory weight / total inhibitory weight)`` onto it.

        Equal to ``balance`` on average before adaptation; after it, shows how much
        inhibition each neuron settled on.
        """
        total_e = np.asarray(params["E_val"]).sum(axis=0)
        total_i = np.asarray(params["I_val"]).sum(axis=0)
        with np.errstate(divide="ignore"):
            return np.log(total_e / total_i)


def _ei_step(params, rates, u):
    excitation = recurrent_product({"W_idx": params["E_idx"], "W_val": params["E_val"]}, rates)
    inhibition = recurrent_product({"W_idx": params["I_idx"], "W_val": params["I_val"]}, rates)
    drive = excitation - inhibition + input_product(params["W_in"], u, params.get("W_in_T"))
    leak = params["leak_rate"]
    return (1.0 - leak) * rates + leak * jax.nn.sigmoid(params["gain"] * (drive - params["threshold"]))


@jax.jit
def _homeostasis(params, drive, rates):
    """Run the reservoir on ``drive`` while every inhibitory synapse onto neuron i moves by
    ``rate * (r_i - rho_i)``, clipped at 0; return the final inhibitory weights."""

    params = {**params, "W_in_T": params["W_in"].T}

    def body(carry, inp):
        state, I_val = carry
        u, rate = inp
        state = _ei_step({**params, "I_val": I_val}, state, u)
        # Only existing synapses change, so the sparsity pattern and Dale's law are kept.
        I_val = jnp.maximum(I_val + rate * (state - params["target"])[None, :], 0.0)
        return (state, I_val), None

    start = jnp.zeros(params["W_in"].shape[0])
    (_, I_val), _ = jax.lax.scan(body, (start, params["I_val"]), (drive, rates))
    return I_val


def one_step_design(params, mean_input):
    """Scale each neuron's inhibitory weights so that the mean-field fixed point is its target.

    See the Notes of :class:`EIReservoir` for the formula; the gain is clipped at 0 (a neuron
    that cannot reach its target even without inhibition gets none).

    Examples
    --------
    >>> import numpy as np
    >>> res = EIReservoir(n_units=100, in_degree=10, adaptation="one_step", random_state=0)
    >>> params = one_step_design(res.initialize(1), np.zeros(1))
    >>> bool(np.all(params["I_val"] >= 0))
    True
    """
    target = np.asarray(params["target"])
    A_E, A_I = EIReservoir.weight_matrices(params)
    excitation = A_E @ target
    inhibition = A_I @ target
    logit = np.log(target / (1.0 - target))
    numerator = (excitation + np.asarray(params["W_in"]) @ np.asarray(mean_input, dtype=float)
                 - float(params["threshold"]) - logit / float(params["gain"]))
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.where(inhibition > 0, numerator / inhibition, 0.0)
    g = np.clip(g, 0.0, None)
    return {**params, "I_val": np.asarray(params["I_val"]) * g[None, :]}


def _partners(n_rows, pool, k, rng):
    """For each of ``n_rows`` neurons, ``k`` distinct presynaptic neurons drawn from ``pool``,
    in the ``(k, n_rows)`` layout of :mod:`reservoir.weights`.

    ``fixed_in_degree`` draws partners among all units; Dale's law needs them from one
    population, so the same argpartition trick is applied to the pool only.
    """
    if n_rows * len(pool) <= 16_000_000:
        choice = np.argpartition(rng.random((n_rows, len(pool))), k - 1, axis=1)[:, :k]
    else:
        # the vectorised draw would need a dense n_rows x pool matrix; draw row by row instead
        choice = np.stack([rng.choice(len(pool), k, replace=False) for _ in range(n_rows)])
    return np.ascontiguousarray(np.sort(pool[choice], axis=1).T, dtype=np.int32)


def _to_jax(params):
    return {key: jnp.asarray(value) for key, value in params.items()}
