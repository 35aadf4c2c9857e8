"""Lyapunov spectrum of a fitted forecaster's autonomous closed loop (Benettin's method).

A fitted :class:`~reservoir.forecaster.ReservoirForecaster` with a linear readout generates
a series by the map

.. math:: y_t = C\\,z(r_t, u_t) + c, \\qquad r_{t+1} = \\mathrm{step}(r_t, y_t),
          \\qquad u_{t+1} = y_t

(``z`` is the augmented feature vector, ``C``, ``c`` the readout's weights). Its phase
space is the reservoir state ``r`` together with the fed-back input ``u`` when the readout
sees it (``input_concat=True``); otherwise ``u`` is a function of ``r`` and the phase
space is ``r`` alone. :func:`lyapunov_spectrum` follows an orthonormal block of tangent
vectors along an orbit of this map, pushing it through the map's Jacobian (forward-mode
``jax.linearize``, applied to the block's columns, so that the N x N Jacobian is never
formed when few exponents are asked for) and re-orthonormalising it by QR; the exponents
are the time averages of the logarithms of R's diagonal. The whole loop is one compiled
``jax.lax.scan``.
"""

import math

import jax
import jax.numpy as jnp
import numpy as np
from sklearn.utils.validation import check_is_fitted

from . import _jax  # noqa: F401  (float64 on)
from .augment import augment
from .base import make_rng
from .forecaster import ReservoirForecaster, check_divergence
from .readouts import linear_weights
from .runner import _compiled, _to_jax, compute_dtype
from .validation import check_positive_int, check_real

__all__ = ["lyapunov_spectrum"]


def lyapunov_spectrum(model, n_exponents, n_steps, dt=None, n_transient=1000, renormalize_every=1,
                      context=None, random_state=0, on_divergence="warn"):
    """The leading Lyapunov exponents of a fitted forecaster's closed loop.

    Parameters
    ----------
    model : ReservoirForecaster
        Fitted, with a linear readout (``Ridge``, ``RLS`` or a scikit-learn linear model,
        the default included) and a reservoir whose step jax can trace (not one with
        ``python_loop = True``).
    n_exponents : int
        How many exponents, from the largest; at most the dimension of the closed loop's
        phase space: the number of state variables of the reservoir, plus the input
        dimension when the readout sees the input (``input_concat=True``).
    n_steps : int
        Steps of the closed loop the exponents are averaged over (rounded up to a
        multiple of ``renormalize_every``). The statistical error falls like
        ``1 / sqrt(n_steps)``: thousands of Lyapunov times for two digits.
    dt : float, optional
        Time between two samples of the fitted series; the exponents are then per unit
        time (divided by ``dt``). Default: per step of the map.
    n_transient : int, default=1000
        Steps run first, and not averaged, so that the orbit settles on the model's
        attractor and the tangent vectors align with the leading directions.
    renormalize_every : int, default=1
        Steps between two QR re-orthonormalisations. More steps save QRs, which only
        matters when many exponents are asked for; the tangent vectors must not grow
        beyond floating point range (nor collapse onto one direction) in between.
    context : array of shape (T, d), optional
        Start from the end of this series (the reservoir synchronised on it, as in
        ``forecast``). Default: from the end of the fitted series.
    random_state : int, Generator or None, default=0
        Seed of the random initial orthonormal tangent vectors (the exponents do not
        depend on them once converged).
    on_divergence : {"warn", "raise", "ignore"}, default="warn"
        What to do when the orbit leaves the training range (as ``forecast`` judges it):
        the exponents then describe something other than the model's attractor.

    Returns
    -------
    ndarray of shape (n_exponents,)
        The exponents in the order Benettin's method yields them (decreasing once
        converged), per step, or per unit time when ``dt`` is given. A direction the
        map collapses exactly gives ``-inf``.

    Raises
    ------
    TypeError
        If ``model`` is not a ReservoirForecaster, its readout is not linear or its
        reservoir runs a Python loop.
    sklearn.exceptions.NotFittedError
        If ``model`` is not fitted.

    Notes
    -----
    The closed loop runs in the standardised coordinates ``forecast`` uses inside
    (``standardize=True``); an affine change of coordinates leaves the exponents
    unchanged, so they are those of the forecasts in data units. The orbit is the one
    ``forecast(n_transient + n_steps, context)`` generates, to rounding.

    Examples
    --------
    >>> import numpy as np
    >>> from reservoir import ESN, ReservoirForecaster, Ridge, lyapunov_spectrum
    >>> t = np.arange(2000) * 0.05
    >>> series = np.column_stack([np.sin(t), np.cos(t)])
    >>> fc = ReservoirForecaster(ESN(n_units=100, random_state=0), Ridge(1e-6)).fit(series)
    >>> exponents = lyapunov_spectrum(fc, 2, 2000, dt=0.05)
    >>> bool(abs(exponents[0]) < 0.05)  # a periodic orbit: the leading exponent is zero
    True
    """
    n_exponents = check_positive_int(n_exponents, "n_exponents")
    n_steps = check_positive_int(n_steps, "n_steps")
    n_transient = check_positive_int(n_transient, "n_transient", minimum=0)
    every = check_positive_int(renormalize_every, "renormalize_every")
    if dt is not None:
        dt = check_real(dt, "dt", low=0, low_inclusive=False)
    if on_divergence not in ("warn", "raise", "ignore"):
        raise ValueError(f"on_divergence must be 'warn', 'raise' or 'ignore', got {on_divergence!r}")
    rng = make_rng(random_state)
    closed_loop = _ClosedLoop(model, context)
    if n_exponents > closed_loop.dimension:
        raise ValueError(f"n_exponents must be at most the dimension of the closed loop's phase space, "
                         f"{closed_loop.dimension}; got {n_exponents}")

    n_blocks, n_transient_blocks = math.ceil(n_steps / every), math.ceil(n_transient / every)
    # Random, not the first unit vectors: those can start orthogonal to a leading direction
    # (a unit the readout never sees) and converge slowly.
    tangents = np.linalg.qr(rng.standard_normal(
        (closed_loop.dimension, n_exponents)))[0]
    fn = _compiled("lyapunov", model.reservoir_, _build_benettin)
    log_sums, largest = fn(_to_jax(model.reservoir_params_), _to_jax(closed_loop.state),
                           jnp.asarray(closed_loop.last_input, dtype=jnp.float64), jnp.asarray(closed_loop.coef),
                           jnp.asarray(closed_loop.intercept), jnp.asarray(tangents), model._augmentation,
                           closed_loop.carries_input, closed_loop.increment, n_transient_blocks, n_blocks, every)
    # One row holding the largest |output|: the divergence test of forecast().
    check_divergence(np.asarray(largest)[None, None], model.divergence_factor * model.train_bound_,
                     model.divergence_factor, on_divergence)
    exponents = np.asarray(log_sums) / (n_blocks * every)
    return exponents / dt if dt is not None else exponents


class _ClosedLoop:
    """The closed loop of a fitted forecaster: readout weights, starting point and the
    dimension of its phase space (checking that ``lyapunov_spectrum`` applies)."""

    def __init__(self, model, context):
        if not isinstance(model, ReservoirForecaster):
            raise TypeError(f"model must be a ReservoirForecaster, got {type(model).__name__}")
        check_is_fitted(model, "readout_")
        weights = linear_weights(model.readout_)
        if weights is None:
            raise TypeError(f"the model's readout must be linear (Ridge, RLS or a scikit-learn linear model, "
                            f"with coef_ and intercept_) for lyapunov_spectrum; got {type(model.readout_).__name__}")
        if model.reservoir_.python_loop:
            raise TypeError(f"{type(model.reservoir_).__name__} runs a Python loop (python_loop=True): jax cannot "
                            "differentiate its step, so lyapunov_spectrum does not apply")
        if tuple(getattr(model, "lags_", (0,))) != (0,):
            raise ValueError("lyapunov_spectrum does not cover forecasters with input_delays (the closed loop's "
                             "phase space then holds the delayed outputs too); fit one without them")
        self.coef, self.intercept = weights
        self.state, self.last_input = model._start(context)
        for leaf in jax.tree.leaves(self.state):
            if not np.issubdtype(np.asarray(leaf).dtype, np.floating):
                raise TypeError(f"{type(model.reservoir_).__name__} has a state of dtype {np.asarray(leaf).dtype}: "
                                "lyapunov_spectrum needs a floating-point state to differentiate")
        # Without input concatenation (or an increment target, which adds the last input to
        # the readout's output) the output depends on the reservoir state alone.
        self.increment = model.target == "increment"
        self.carries_input = bool(model.input_concat) or self.increment
        n_state = sum(int(np.size(leaf)) for leaf in jax.tree.leaves(self.state))
        self.dimension = n_state + (len(self.last_input) if self.carries_input else 0)


def _closed_loop_map(res, params, template, coef, intercept, augmentation, carries_input, increment=False):
    """The closed loop as a map of flat float64 vectors: ``F(x) -> (x_next, y)``.

    ``x`` is the reservoir state (``template``'s structure, raveled) followed by the last
    input when ``carries_input`` (needed with ``increment``: then ``y`` adds that input to the
    readout's output); ``y`` is the output emitted at this step. The arithmetic
    is that of ``runner._build_closed_loop`` (the readout in float64, its output rounded
    to the reservoir's precision to drive it), so the orbit is the forecast's. ``params``
    must be prepared (``res.prepare``).
    """
    leaves, treedef = jax.tree.flatten(template)
    shapes = [jnp.shape(leaf) for leaf in leaves]
    dtypes = [jnp.asarray(leaf).dtype for leaf in leaves]
    sizes = [math.prod(shape) for shape in shapes]
    n_state = sum(sizes)
    dtype = compute_dtype(params)

    def unravel(x):
        parts, start = [], 0
        for shape, leaf_dtype, size in zip(shapes, dtypes, sizes):
            parts.append(x[start:start + size].reshape(shape).astype(leaf_dtype))
            start += size
        return jax.tree.unflatten(treedef, parts)

    def closed_map(x):
        state = unravel(x[:n_state])
        # Without input concatenation augment never reads the input: any vector will do.
        u = x[n_state:] if carries_input else jnp.zeros(intercept.shape, coef.dtype)
        z = augment(res.features(params, state).astype(coef.dtype), u, *augmentation)
        y = coef @ z + intercept
        if increment:
            y = y + u
        new = jax.tree.leaves(res.step(params, state, y.astype(dtype)))
        parts = [leaf.reshape(-1).astype(jnp.float64) for leaf in new]
        if carries_input:
            parts.append(y)
        return jnp.concatenate(parts), y

    def ravel(state, u):
        parts = [jnp.ravel(leaf).astype(jnp.float64) for leaf in jax.tree.leaves(state)]
        if carries_input:
            parts.append(jnp.asarray(u, jnp.float64))
        return jnp.concatenate(parts)

    return closed_map, ravel


def _build_benettin(res):
    def benettin(params, state, u, coef, intercept, tangents, augmentation, carries_input, increment,
                 n_transient_blocks, n_blocks, every):
        params = res.prepare(params)
        closed_map, ravel = _closed_loop_map(res, params, state, coef, intercept, augmentation, carries_input,
                                             increment)

        def step(carry, _):
            x, V = carry
            x, push, y = jax.linearize(closed_map, x, has_aux=True)
            # Only the k tangent directions go through the Jacobian: k forward-mode products.
            V = jax.vmap(push, in_axes=1, out_axes=1)(V)
            return (x, V), jnp.max(jnp.abs(y))

        def block(carry, _):
            x, Q = carry
            (x, V), largest = jax.lax.scan(step, (x, Q), None, length=every)
            Q, R = jnp.linalg.qr(V)
            return (x, Q), (jnp.log(jnp.abs(jnp.diagonal(R))), jnp.max(largest))

        def accumulate(carry, _):
            x, Q, total = carry
            (x, Q), (logs, largest) = block((x, Q), None)
            return (x, Q, total + logs), largest

        (x, Q), (_, transient_largest) = jax.lax.scan(block, (ravel(state, u), tangents), None,
                                                      length=n_transient_blocks)
        (_, _, total), largest = jax.lax.scan(accumulate, (x, Q, jnp.zeros(tangents.shape[1])), None,
                                              length=n_blocks)
        # (jnp.max propagates NaN: a non-finite orbit is reported as diverged.)
        largest = jnp.maximum(jnp.max(transient_largest, initial=0.0), jnp.max(largest))
        return total, largest

    return jax.jit(benettin, static_argnames=("augmentation", "carries_input", "increment", "n_transient_blocks",
                                              "n_blocks", "every"))
