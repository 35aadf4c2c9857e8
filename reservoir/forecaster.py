"""Autonomous forecasting: teacher-forced one-step training, closed-loop generation."""

import warnings
from numbers import Integral, Real

import jax
import numpy as np
from sklearn.utils.validation import check_is_fitted

from . import _jax  # noqa: F401  (float64 on)
from .augment import augment
from .defaults import default_readout
from .estimator_base import Reiterable, ReservoirEstimatorBase
from .jacobian_penalty import input_jacobian_rows
from .readouts import Ridge, fit_readout, linear_weights
from .readouts.protocol import takes_penalty_rows
from .runner import run, run_closed_loop, step_features
from .validation import Check, Each, Interval, Options, check_n_steps, in_layout

#: The penalties among which the default readout's is chosen on validation data.
DEFAULT_ALPHAS = (1e-2, 1e-4, 1e-6, 1e-8, 1e-10, 1e-12, 1e-14, 0.0)
#: The penalty of the default readout when the series is too short to hold out validation.
FALLBACK_ALPHA = 1e-6
#: What the readout may learn (``target``): the next point or the step to it.
TARGETS = ("next", "increment")


class ForecastDivergenceWarning(RuntimeWarning):
    """A closed-loop forecast left the range of the training data (or became non-finite)."""


class ForecastDivergenceError(RuntimeError):
    """Raised instead of the warning when ``on_divergence="raise"``."""


class ReservoirForecaster(ReservoirEstimatorBase):
    """Learn the one-step map of a time series, then generate it autonomously.

    ``fit(series)`` drives the reservoir with the series (teacher forcing) and trains the
    readout to predict the next point from the current augmented features. ``forecast(n)``
    then feeds each prediction back as the next input, continuing from the end of the fitted
    series, or from the end of a ``context`` series after synchronising the reservoir on it.

    Parameters
    ----------
    reservoir : Reservoir, default=None
        Any reservoir of the package; ``None`` means ``ESN()``.
    readout : estimator, default=None
        ``Ridge``/``RLS``/scikit-learn linear models run the closed loop compiled; any other
        scikit-learn regressor works through a step-by-step loop. ``None``: the accurate
        ``Ridge(solver="qr")`` with its penalty chosen on validation data (see Notes).
    washout : int, default=100
        Leading steps of every series left out of the readout fit (and used to synchronise).
    standardize : bool, default=True
        z-score each coordinate with the training statistics; forecasts are mapped back.
    bias, input_concat, squared : bool, default=True, True, True
        State augmentation (constant, current input, squared features).
    divergence_factor : float, default=10.0
        A forecast is flagged as diverged once a (standardised) coordinate exceeds this many
        times the largest absolute standardised training value.
    validation_fraction : float, default=0.2
        With the default readout: the share of the (last) series held out to choose the
        penalty in closed loop (see Notes).
    training_noise : float, default=0.0
        Standard deviation of Gaussian noise added to the (standardised) inputs that drive
        the reservoir during training, while the targets stay clean: the readout learns to
        pull perturbed states back towards the data, the standard remedy for closed loops
        that drift off the attractor (Wikner et al., Neural Networks 2024). Drawn from
        ``random_state`` (or the reservoir's seed), the same noise on every pass.
    jacobian_penalty : float or sequence of float, default=0.0
        Penalise the readout's sensitivity to its fed-back input: the mean squared Frobenius
        norm of ``W ∂z/∂u`` over (256 sampled) training steps, weighted so that the value is
        the variance of the input noise whose effect on the loss it reproduces to first
        order, deterministically (:mod:`reservoir.jacobian_penalty`). Needs a Ridge readout
        (the default or a streamed one) and a reservoir whose step JAX can trace. Several
        values: the default readout chooses one with ``alpha`` on validation data.
    input_delays : tuple of int, default=()
        Drive the reservoir with delayed copies of the input too, ``[u_t, u_{t-τ1}, ...]``
        for the delays ``τ1, ...`` (steps): a delay embedding that helps the reservoir
        reconstruct the state of a system observed through few coordinates (a scalar
        observable of a chaotic flow). The closed loop keeps the last ``max(input_delays)``
        outputs to feed them back.
    stability_steps : int, default=0
        With the default readout: also run each candidate penalty's closed loop this many
        steps from the validation start, and rank every candidate whose run leaves the
        training data's bounding box (enlarged by half its extent on every side) or becomes
        non-finite below every one that stays inside, the later exits first. 0: judge the
        held-out error only.
    free_run_steps : int, default=0
        With the default readout: refit the penalties on the whole series and run each
        one's closed loop this many steps from the end of the series, where the forecast
        starts, best-validated first; the penalty kept is the first whose run stays inside
        the training data's bounding box (enlarged by half its extent on every side) and
        finite, or, if none does, the one whose run stays inside longest. The check uses the
        training data only: it rejects readouts whose autonomous dynamics escape the range of
        the data they were fitted on. 0: no check.
    alphas : sequence of float, optional
        With the default readout: the penalties to choose from (default
        :data:`DEFAULT_ALPHAS`); a stronger one, e.g. 1.0, gives ``free_run_steps`` a
        stable fallback.
    target : {"next", "increment"}, default="next"
        What the readout learns: the next point ``u_{t+1}``, or the step ``u_{t+1} - u_t``
        (added to the current point in closed loop; the target of next-generation reservoir
        computing, Gauthier et al. 2021).
    random_state : int or None, default=None
        Overrides the reservoir's seed when not None.

    Attributes
    ----------
    alpha_ : float or None
        The penalty the default readout chose (None with a readout given by the user).
    lags_ : tuple of int
        ``(0,) + input_delays``, sorted.
    last_input_ : ndarray
        The closed loop's input memory after the training series: its last (scaled) point,
        shape (d,), or with delays its last ``max(input_delays) + 1`` points, most recent
        first.
    jacobian_penalty_ : float
        The Jacobian penalty used (the chosen one when ``jacobian_penalty`` lists several).
    free_run_exit_ : int or None
        With ``free_run_steps``: the step at which the kept readout's check run left the
        training box (-1: it stayed inside); None without the check.
    validation_errors_ : ndarray of shape (len(alphas),) or None
        For each penalty of ``alphas`` (default :data:`DEFAULT_ALPHAS`), the mean over the
        held-out steps of the normalised closed-loop error clipped at 1 (lower is better; see
        :func:`validation_score`, which also says how ``stability_steps`` scores a run).
        Shape (len(jacobian_penalty), len(alphas)) when ``jacobian_penalty`` is a
        sequence.

    Notes
    -----
    How much a closed-loop forecast gains from a smaller penalty depends on the data: on
    noiseless Lorenz-63 (10,000 points, N = 1000) the valid prediction time grows from 10
    to 20 Lyapunov times as ``alpha`` falls from 1e-6 to 1e-16, while on 1000-point
    univariate series, with more features than rows, penalties below 1e-10 interpolate the
    training data and diverge. So the default readout chooses: it fits
    ``Ridge(solver="qr")`` on the series without its last ``validation_fraction``, for
    every penalty in :data:`DEFAULT_ALPHAS` at once, forecasts the held-out steps in closed
    loop from the end of the rest, keeps the penalty with the lowest mean clipped
    normalised error, and refits on the whole series with it, from the same two passes over
    the data (``Ridge.fit_holdout_path``). Series
    too short to hold out (fewer than ``washout + 2`` steps left) use
    ``alpha=FALLBACK_ALPHA``.

    Examples
    --------
    >>> import numpy as np
    >>> from reservoir import ESN, ReservoirForecaster
    >>> t = np.arange(2000) * 0.05
    >>> series = np.column_stack([np.sin(t), np.cos(t)])
    >>> fc = ReservoirForecaster(ESN(n_units=200, random_state=0)).fit(series[:1500])
    >>> float(np.abs(fc.forecast(100) - series[1500:1600]).max()) < 0.05
    True
    """

    def __init__(self, reservoir=None, readout=None, washout=100, standardize=True, bias=True,
                 input_concat=True, squared=True, divergence_factor=10.0, validation_fraction=0.2,
                 training_noise=0.0, jacobian_penalty=0.0, stability_steps=0, input_delays=(),
                 target="next", free_run_steps=0, alphas=None, random_state=None):
        self.reservoir = reservoir
        self.readout = readout
        self.washout = washout
        self.standardize = standardize
        self.bias = bias
        self.input_concat = input_concat
        self.squared = squared
        self.divergence_factor = divergence_factor
        self.validation_fraction = validation_fraction
        self.training_noise = training_noise
        self.jacobian_penalty = jacobian_penalty
        self.stability_steps = stability_steps
        self.input_delays = input_delays
        self.target = target
        self.free_run_steps = free_run_steps
        self.alphas = alphas
        self.random_state = random_state

    _parameter_constraints = {
        "divergence_factor": Interval(Real, 0, None, closed="neither"),
        "validation_fraction": Interval(Real, 0, 1, closed="neither"),
        "training_noise": Interval(Real, 0, None),
        "jacobian_penalty": [Interval(Real, 0, None),
                             Each(Interval(Real, 0, None), description="a penalty or a sequence of penalties")],
        "stability_steps": Interval(Integral, 0, None),
        "input_delays": Check(lambda value, name: input_lags(value)),
        "target": Options(*TARGETS),
        "free_run_steps": Interval(Integral, 0, None),
        "alphas": [None, Each(Interval(Real, 0, None), description="a sequence of penalties >= 0")],
    }

    def fit(self, X, y=None):
        """Fit on one series (T, d) or a list of series (each continues from a zero state)."""
        self._check_common_params()
        sequences, _ = self._check_inputs(X, reset=True)
        for i, seq in enumerate(sequences):
            if len(seq) <= self.washout + 1:
                raise ValueError(
                    f"series {i} of X has {len(seq)} steps; it needs more than washout + 1 = {self.washout + 1}"
                )
        penalties = self._check_jacobian_penalty()
        self.lags_ = input_lags(self.input_delays)
        self._fit_reservoir(sequences)
        scaled = [self._scale(s) for s in sequences]
        drives = [self._drive(d) for d in self._noisy(scaled)]
        self.alpha_, self.validation_errors_, self.jacobian_penalty_ = None, None, penalties[0]
        self.free_run_exit_ = None
        fitted = None
        if self.readout is None:
            self.alpha_, self.jacobian_penalty_, self.validation_errors_, fitted = self._choose_penalties(
                scaled, drives, penalties)
        if fitted is None:
            readout = default_readout(self.alpha_) if self.readout is None else self._new_readout()
            fitted = self._fit_readout(readout, scaled, drives)
        self.readout_, finals = fitted
        self.state_ = self._final_state(scaled[-1], finals[-1])
        self.last_input_ = self._history(scaled[-1])
        self.train_bound_ = float(max(np.abs(s).max() for s in scaled))
        return self

    def _drive(self, scaled):
        """The reservoir's input for the (scaled) series: ``[u_t, u_{t-τ1}, ...]`` over the lags
        (steps before the start repeat its first point; the washout covers them)."""
        lags = getattr(self, "lags_", (0,))
        if lags == (0,):
            return scaled
        padded = self._padded(scaled, lags[-1])
        return np.concatenate([padded[lags[-1] - lag:len(padded) - lag] for lag in lags], axis=1)

    def _history(self, scaled):
        """The closed loop's input memory after the (scaled) series: its last point, or
        with delays its last ``max(lags) + 1`` points, most recent first."""
        lags = getattr(self, "lags_", (0,))
        if lags == (0,):
            return scaled[-1]
        return self._padded(scaled, lags[-1])[::-1][:lags[-1] + 1].copy()

    @staticmethod
    def _padded(scaled, n):
        """``scaled`` after ``n`` copies of its first point (the delayed inputs before the start)."""
        return np.concatenate([np.repeat(scaled[:1], n, axis=0), scaled])

    def _noisy(self, scaled):
        """The inputs that drive the reservoir in training: ``scaled`` plus the training noise."""
        if self.training_noise == 0:
            return scaled
        seed = self.reservoir_.random_state if self.random_state is None else self.random_state
        rng = np.random.default_rng(seed if isinstance(seed, (int, np.integer)) else None)
        return [s + self.training_noise * rng.standard_normal(s.shape) for s in scaled]

    def _final_state(self, series, state):
        """The state to forecast from after ``series``: ``state`` (reached while training),
        or, with training noise, the state synchronised on the clean series."""
        if self.training_noise == 0:
            return state
        return run(self.reservoir_, self.reservoir_params_, self._drive(series))[1]

    def _training_chunks(self, scaled, drives, finals, marks=None, marked=None):
        """Re-iterable ``(features, next inputs)`` chunks of the (scaled) series, the
        reservoir driven by ``drives``; each pass over them fills ``finals`` with the final
        states (and ``marked`` with the states at ``marks``, see ``_harvest_chunks``)."""
        def chunks():
            # Features after input t predict input t + 1 (the clean one, with training noise).
            for i, start, Z in self._harvest_chunks(drives, finals, marks, marked):
                lo, hi = max(start, self.washout), min(start + len(Z), len(scaled[i]) - 1)
                if hi > lo:
                    nxt = scaled[i][lo + 1:hi + 1]
                    yield Z[lo - start:hi - start], nxt - scaled[i][lo:hi] if self.target == "increment" else nxt

        return Reiterable(chunks, checked=True)

    def _check_jacobian_penalty(self):
        """``jacobian_penalty`` as a tuple of candidates (one unless the default readout
        chooses among several), or a ValueError naming it."""
        value = self.jacobian_penalty
        several = isinstance(value, (tuple, list, np.ndarray))
        penalties = tuple(value) if several else (value,)
        if not penalties:
            raise ValueError("jacobian_penalty: an empty sequence; give a float >= 0 or candidates")
        if several and len(penalties) > 1 and self.readout is not None:
            raise ValueError("jacobian_penalty: several candidates are chosen on validation data by the default "
                             f"readout only; with readout={self.readout!r} give one value")
        if any(penalties) and self.readout is not None and not (
                takes_penalty_rows(self.readout) and getattr(self.readout, "solver", None) != "svd"):
            raise ValueError("jacobian_penalty needs the default readout or one whose fit_streamed takes "
                             f"penalty_rows (Ridge with a solver other than 'svd'), got readout={self.readout!r}")
        return tuple(float(beta) for beta in penalties)

    def _penalty_rows(self, drives, beta):
        """The Jacobian penalty's rows for training driven by ``drives`` (None for ``beta`` 0),
        scaled so that the penalty weighs like input noise of variance ``beta`` on every
        training row (:mod:`reservoir.jacobian_penalty`)."""
        if not beta:
            return None
        rows, n_sampled = input_jacobian_rows(self.reservoir_, self.reservoir_params_, drives,
                                              self._augmentation, self.washout)
        n_rows = sum(max(len(d) - 1 - self.washout, 0) for d in drives)
        return rows * np.sqrt(beta * n_rows / n_sampled)

    def _fit_readout(self, readout, scaled, drives):
        """Fit ``readout`` on the one-step map of ``scaled``, the reservoir driven by
        ``drives``, chunk by chunk (streamed where the readout can); return it and the final
        states."""
        finals = [None] * len(scaled)
        chunks = self._training_chunks(scaled, drives, finals)
        rows = self._penalty_rows(drives, self.jacobian_penalty_)
        return fit_readout(readout, chunks, penalty_rows=rows), finals

    def _alphas(self):
        """The candidate penalties of the default readout, or an error naming ``alphas``."""
        alphas = DEFAULT_ALPHAS if self.alphas is None else tuple(float(a) for a in self.alphas)
        if not alphas:
            raise ValueError("alphas: an empty sequence; give at least one penalty >= 0")
        return alphas

    def _free_run_choice(self, ranking, refit, scaled, finals):
        """``(index, readout, exit step)``: the first penalty of ``ranking`` (indices into
        the alphas, best validated first) whose refitted readout's closed loop from the end
        of ``scaled`` stays in the training box for ``free_run_steps``, or the one that stays
        longest (see the class docstring)."""
        state, history = self._final_state(scaled[-1], finals[-1]), self._history(scaled[-1])
        data = np.concatenate(scaled)
        low, high = data.min(axis=0), data.max(axis=0)
        low, high = low - 0.5 * (high - low), high + 0.5 * (high - low)
        best = None
        for i in ranking:
            readout = refit(i)
            outputs = self._closed_loop(readout, state, history, int(self.free_run_steps))
            with np.errstate(invalid="ignore"):
                inside = np.all((outputs >= low) & (outputs <= high), axis=1)
            if inside.all():
                return i, readout, -1
            if best is None or np.argmin(inside) > best[2]:
                best = i, readout, int(np.argmin(inside))
        return best

    def _choose_penalties(self, scaled, drives, penalties):
        """The default readout's penalties and the readout fitted with them:
        ``(alpha, jacobian_penalty, validation errors, (readout, final states))``, the pair of
        ``alphas`` x ``penalties`` whose closed-loop forecast of the held-out end of
        the last series is best (see Notes); the last item is None for series too short to
        hold out (fitted afterwards with ``FALLBACK_ALPHA``)."""
        last = scaled[-1]
        n_held = int(round(self.validation_fraction * len(last)))
        if n_held < 1 or len(last) - n_held < self.washout + 2:
            return FALLBACK_ALPHA, penalties[0], None, None
        head, held = scaled[:-1] + [last[:-n_held]], last[-n_held:]
        head_drives = drives[:-1] + [drives[-1][:-n_held]]
        # The head's rows come first in the chunks of the whole series (row t predicts t + 1),
        # so one pair of passes fits the path on the head and, after the choice, every row.
        n_head = sum(max(len(s) - 1 - self.washout, 0) for s in head)
        finals, marked = [None] * len(scaled), {}
        # The passes also give the state at the end of the head (a chunk ends there).
        chunks = self._training_chunks(scaled, drives, finals, {len(scaled) - 1: len(head[-1])}, marked)
        alphas = self._alphas()
        readouts, refit = Ridge(solver="qr").fit_holdout_path(
            chunks, alphas, n_head, [self._penalty_rows(head_drives, beta) for beta in penalties])
        state = self._final_state(head[-1], marked[len(scaled) - 1])
        # The size of the attractor, from all of the last series (the held-out part can be short).
        scale = np.sqrt(np.mean(np.sum((last - last.mean(axis=0)) ** 2, axis=1)))
        box = None
        if self.stability_steps:
            low, high = last.min(axis=0), last.max(axis=0)
            box = low - 0.5 * (high - low), high + 0.5 * (high - low)
        n_run = max(n_held, int(self.stability_steps))
        history = self._history(head[-1])
        errors = np.array([[validation_score(self._closed_loop(readout, state, history, n_run), held, scale,
                                             box) for readout in path] for path in readouts])
        # argmin takes the first best: among equals, the first penalties (the strongest alpha).
        best_beta, best_alpha = np.unravel_index(int(np.argmin(errors)), errors.shape)
        beta = penalties[best_beta]
        rows = self._penalty_rows(drives, beta)
        if self.free_run_steps:
            # Best validated first (a stable sort: among equals the stronger penalty, as argmin).
            ranking = np.argsort(errors[best_beta], kind="stable")
            best_alpha, readout, self.free_run_exit_ = self._free_run_choice(
                ranking, lambda i: refit(alphas[i], rows), scaled, finals)
        else:
            readout = refit(alphas[best_alpha], rows)
        alpha = alphas[best_alpha]
        errors = errors if isinstance(self.jacobian_penalty, (tuple, list, np.ndarray)) else errors[0]
        return alpha, beta, errors, (readout, finals)

    def predict(self, X):
        """Teacher-forced one-step predictions: row t predicts ``X[t + 1]``."""
        check_is_fitted(self, "readout_")
        sequences, layout = self._check_inputs(X)
        scaled = [self._scale(s) for s in sequences]
        features, _ = self._harvest([self._drive(s) for s in scaled])
        outputs = [np.asarray(self.readout_.predict(f)).reshape(len(f), -1) for f in features]
        if self.target == "increment":
            outputs = [out + s for out, s in zip(outputs, scaled)]
        outputs = [self._unscale(out) for out in outputs]
        return in_layout(outputs, layout)

    def forecast(self, n_steps, context=None, on_divergence="warn"):
        """Generate ``n_steps`` points in closed loop.

        Parameters
        ----------
        n_steps : int
            Number of future points.
        context : array of shape (T, d), optional
            A series to synchronise on first (it should be longer than the reservoir's
            memory, e.g. the washout); the forecast continues from its last point. Default:
            continue from the end of the fitted series.
        on_divergence : {"warn", "raise", "ignore"}, default="warn"
            What to do when the forecast leaves the training range or becomes non-finite.

        Returns
        -------
        ndarray of shape (n_steps, d)
        """
        check_is_fitted(self, "readout_")
        # Checked against the memory left: XLA aborts the interpreter on a failed allocation.
        n_steps = check_n_steps(n_steps, bytes_per_step=32 * self.n_features_in_)
        if on_divergence not in ("warn", "raise", "ignore"):
            raise ValueError(f"on_divergence must be 'warn', 'raise' or 'ignore', got {on_divergence!r}")
        state, last = self._start(context)
        outputs = self._closed_loop(self.readout_, state, last, int(n_steps))
        self._check_divergence(outputs, on_divergence)
        return self._unscale(outputs)

    def _start(self, context):
        """The closed loop's starting point ``(state, last scaled input)``: the end of the
        fitted series, or of ``context`` after synchronising the reservoir on it."""
        if context is None:
            return self.state_, self.last_input_
        sequences, _ = self._check_inputs(context, "context")
        if len(sequences) != 1:
            raise ValueError(f"context must be one series of shape (T, d); got {len(sequences)} series")
        if len(sequences[0]) < self.washout:
            # Legal, but the reservoir then starts from a transient, not from the series.
            warnings.warn(f"context has {len(sequences[0])} step(s), fewer than washout={self.washout}: "
                          "the reservoir is not synchronised with it and the forecast may be poor",
                          UserWarning, stacklevel=3)
        scaled = self._scale(sequences[0])
        _, state = run(self.reservoir_, self.reservoir_params_, self._drive(scaled))
        return state, self._history(scaled)

    def _closed_loop(self, readout, state, last, n_steps):
        """``n_steps`` scaled outputs of ``readout`` fed back from ``state`` (after ``last``,
        the input memory of :meth:`_history`)."""
        weights = linear_weights(readout)
        # A reservoir with its own Python loop (python_loop) cannot run the compiled closed loop.
        if weights is not None and not self.reservoir_.python_loop:
            outputs, _ = run_closed_loop(self.reservoir_, self.reservoir_params_, state, last,
                                         weights[0], weights[1], self._augmentation, n_steps, self.lags_,
                                         increment=self.target == "increment")
            # As the step-by-step loop: nothing after the first non-finite value is a forecast.
            bad = ~np.all(np.isfinite(outputs), axis=1)
            if bad.any():
                outputs = np.array(outputs)
                outputs[int(np.argmax(bad)):] = np.nan
            return outputs
        return self._closed_loop_stepwise(readout, state, last, n_steps)

    def _closed_loop_stepwise(self, readout, state, last, n_steps):
        """Closed loop for readouts that are not linear maps (any scikit-learn regressor) and for
        reservoirs that run their own Python loop."""
        outputs = np.empty((n_steps, self.n_features_in_))
        features = np.asarray(self.reservoir_.features(jax.tree.map(np.asarray, self.reservoir_params_), state))
        lags = list(self.lags_)
        past = np.asarray(last, dtype=float).reshape(lags[-1] + 1, -1)
        for t in range(n_steps):
            z = augment(features[None], past[lags].reshape(1, -1), *self._augmentation)
            u = np.asarray(readout.predict(z), dtype=float).reshape(-1)
            if self.target == "increment":
                u = u + past[0]
            outputs[t] = u
            if not np.all(np.isfinite(u)):
                outputs[t:] = np.nan
                break
            past = np.concatenate([u[None], past[:-1]])
            state, features = step_features(self.reservoir_, self.reservoir_params_, state, past[lags].reshape(-1))
        return outputs

    def _check_divergence(self, outputs, on_divergence):
        check_divergence(outputs, self.divergence_factor * self.train_bound_, self.divergence_factor,
                         on_divergence)


def input_lags(input_delays):
    """The lags of the reservoir's input, ``(0,) + input_delays`` sorted (an int is one
    delay), or an error naming ``input_delays``.

    Examples
    --------
    >>> input_lags((10, 5))
    (0, 5, 10)
    """
    delays = input_delays
    if isinstance(delays, (int, np.integer)) and not isinstance(delays, bool):
        delays = (delays,)
    try:
        delays = tuple(delays)
    except TypeError:
        raise TypeError(f"input_delays must be a tuple of positive integers, got {input_delays!r}") from None
    for delay in delays:
        if isinstance(delay, bool) or not isinstance(delay, (int, np.integer)) or delay < 1:
            raise ValueError(f"input_delays must hold positive integers, got {input_delays!r}")
    if len(set(delays)) != len(delays):
        raise ValueError(f"input_delays has repeated values: {input_delays!r}")
    return (0,) + tuple(sorted(int(d) for d in delays))


def validation_score(outputs, held, scale, box=None):
    """How well a closed-loop run ``outputs`` forecasts ``held`` (lower is better).

    The mean over the held-out steps of the normalised error ``|outputs[t] - held[t]| /
    scale``, clipped at 1 (non-finite counts as 1). With ``box = (low, high)``, a run that
    leaves the box or becomes non-finite at step ``k`` of its ``n`` (it may run past the
    held-out steps) scores ``2 - k / n`` instead: worse than any run that stays inside, and
    the later it leaves the better.

    Examples
    --------
    >>> held = np.zeros((4, 1))
    >>> validation_score(np.full((4, 1), 0.5), held, scale=1.0)
    0.5
    >>> validation_score(np.array([[0.0], [0.0], [9.0], [0.0]]), held, 1.0, box=(-1.0, 1.0))
    1.5
    """
    with np.errstate(invalid="ignore", over="ignore"):
        error = np.linalg.norm(outputs[:len(held)] - held, axis=1) / max(scale, np.finfo(float).tiny)
        if box is not None:
            inside = np.all((outputs >= box[0]) & (outputs <= box[1]), axis=1)
            if not inside.all():
                return float(2.0 - np.argmin(inside) / len(outputs))
    return float(np.mean(np.minimum(np.nan_to_num(error, nan=1.0), 1.0)))


def check_divergence(outputs, limit, factor, on_divergence):
    """Warn about or raise on a closed-loop forecast that left the training range.

    A row is diverged once a value is non-finite or beyond ``limit`` in absolute value
    (``factor`` times the largest training value, named in the message). ``on_divergence`` is
    ``"warn"`` (a :class:`ForecastDivergenceWarning` pointing at the caller's ``forecast``),
    ``"raise"`` (:class:`ForecastDivergenceError`) or ``"ignore"``.

    Examples
    --------
    >>> check_divergence(np.array([[0.5], [np.inf]]), 1.0, 10, "ignore")
    """
    with np.errstate(invalid="ignore"):
        bad = ~np.all(np.isfinite(outputs) & (np.abs(outputs) <= limit), axis=1)
    if on_divergence == "ignore" or not bad.any():
        return
    step = int(np.argmax(bad))
    message = (f"closed-loop forecast diverged at step {step}: values beyond {factor:g}x "
               "the training range or non-finite; later values are not a forecast")
    if on_divergence == "raise":
        raise ForecastDivergenceError(message)
    warnings.warn(message, ForecastDivergenceWarning, stacklevel=4)
