"""Echo state network whose tanh gains and biases adapt by intrinsic plasticity."""

from numbers import Integral, Real

import jax
import jax.numpy as jnp
import numpy as np

from . import _jax  # noqa: F401  (float64 on)
from .esn import ESN
from .signature import extends
from .sparse_ops import input_product, recurrent_product
from .validation import Interval


class IPReservoir(ESN):
    r"""ESN with intrinsic plasticity (IP) of every unit's gain and bias (Schrauwen et al. 2008).

    Each unit computes ``y = tanh(g * (W x + W_in u) + b)`` (then the leaky update of
    :class:`~reservoir.ESN`). :meth:`adapt` runs the reservoir over the training inputs and
    moves ``g`` and ``b`` online so that each unit's output distribution approaches a
    Gaussian ``N(mu, sigma^2)`` (the KL-divergence gradient rule for tanh units of
    Schrauwen, Wardermann, Verstraeten, Steil & Stroobandt, Neurocomputing 2008):

    .. math:: \Delta b = -\eta\Big(-\frac{\mu}{\sigma^2}
              + \frac{y}{\sigma^2}\big(2\sigma^2 + 1 - y^2 + \mu y\big)\Big), \qquad
              \Delta g = \frac{\eta}{g} + \Delta b\, (W x + W_{in} u).

    The learned gains are then folded into the weights (row ``i`` of ``W`` and of ``W_in``
    times ``g_i``; ``b`` replaces the bias), so the adapted reservoir runs as a plain ESN, on
    the same compiled paths, and is frozen for the readout.

    Parameters
    ----------
    n_units, spectral_radius, leak_rate, input_scaling, in_degree, bias_scaling, activation, dtype
        As in :class:`~reservoir.ESN` (the weights before adaptation; ``activation`` must be
        ``"tanh"``, the rule is derived for it).
    target_mean : float, default=0.0
        ``mu``, the mean of the target output distribution (in (-1, 1)).
    target_std : float, default=0.2
        ``sigma``, its standard deviation (> 0).
    learning_rate : float, default=5e-4
        ``eta`` (> 0).
    epochs : int, default=1
        Passes of the rule over all training sequences (each sequence from the zero state,
        gains and biases carried over).
    random_state : int, Generator or None

    Examples
    --------
    >>> import numpy as np
    >>> ip = IPReservoir(n_units=50, random_state=0)
    >>> U = np.random.default_rng(0).normal(size=(300, 1))
    >>> ip.fit_transform(U).shape
    (300, 50)
    """

    @extends(ESN)
    def __init__(self, target_mean=0.0, target_std=0.2, learning_rate=5e-4, epochs=1, **esn_params):
        super().__init__(**esn_params)
        self.target_mean = target_mean
        self.target_std = target_std
        self.learning_rate = learning_rate
        self.epochs = epochs

    _parameter_constraints = {
        "target_mean": Interval(Real, -1, 1, closed="neither"),
        "target_std": Interval(Real, 0, None, closed="neither"),
        "learning_rate": Interval(Real, 0, None, closed="neither"),
        "epochs": Interval(Integral, 1, None),
    }

    def _check_hyperparameters(self):
        super()._check_hyperparameters()
        if self.activation != "tanh":
            raise ValueError(f"activation must be 'tanh' for IPReservoir (the IP rule is derived for tanh), "
                             f"got {self.activation!r}")

    def adapt(self, params, inputs):
        """Learn the gains and biases on ``inputs`` (a list of (T, d) standardised sequences);
        return the params with the gains folded into ``W`` and ``W_in``."""
        self._check_hyperparameters()
        dtype = np.asarray(params["bias"]).dtype
        jparams = {k: jnp.asarray(v) for k, v in params.items()}
        gain = jnp.ones_like(jparams["bias"])
        bias = jparams["bias"]
        rule = (float(self.learning_rate), float(self.target_mean), float(self.target_std))
        for _ in range(int(self.epochs)):
            for sequence in inputs:
                gain, bias = _ip_pass(jparams, gain, bias, jnp.asarray(sequence, dtype=dtype), rule)
        return fold_gains(params, np.asarray(gain), np.asarray(bias))


def fold_gains(params, gain, bias):
    """ESN params with unit ``i``'s incoming weights (recurrent and input) times ``gain[i]``
    and the bias replaced by ``bias``: ``tanh(g (W x + W_in u) + b)`` as a plain ESN step.

    Examples
    --------
    >>> p = ESN(n_units=4, in_degree=2, random_state=0).initialize(1)
    >>> q = fold_gains(p, np.full(4, 2.0), p["bias"])
    >>> bool(np.allclose(q["W_in"], 2 * p["W_in"]))
    True
    """
    dtype = np.asarray(params["bias"]).dtype
    gain = np.asarray(gain, dtype=float)
    out = dict(params)
    out["W_in"] = (np.asarray(params["W_in"], dtype=float) * gain[:, None]).astype(dtype)
    out["bias"] = np.asarray(bias, dtype=dtype)
    if "W_idx" in params:
        # (k, N) layout: column i holds the presynaptic weights of unit i.
        out["W_val"] = (np.asarray(params["W_val"], dtype=float) * gain[None, :]).astype(dtype)
    else:
        out["W"] = (np.asarray(params["W"], dtype=float) * gain[:, None]).astype(dtype)
    return out


@jax.jit
def _ip_pass_impl(params, gain, bias, inputs, rule):
    eta, mu, sigma = rule
    var = sigma * sigma
    leak = params["leak_rate"]
    W_in_T = params["W_in"].T

    def body(carry, u):
        x, g, b = carry
        net = recurrent_product(params, x) + input_product(params["W_in"], u, W_in_T)
        y = jnp.tanh(g * net + b)
        db = -eta * (-mu / var + (y / var) * (2.0 * var + 1.0 - y * y + mu * y))
        dg = eta / g + db * net
        x = (1.0 - leak) * x + leak * y
        return (x, g + dg, b + db), None

    (_, gain, bias), _ = jax.lax.scan(body, (jnp.zeros_like(bias), gain, bias), inputs)
    return gain, bias


def _ip_pass(params, gain, bias, inputs, rule):
    """One pass of the IP rule over one sequence from the zero state; new ``(gain, bias)``."""
    rule = tuple(jnp.asarray(r, dtype=bias.dtype) for r in rule)
    return _ip_pass_impl(params, gain, bias, inputs, rule)
