"""Autonomous forecasting: teacher-forced one-step training, closed-loop generation."""

import warnings

import jax
import numpy as np
from sklearn.utils.validation import check_is_fitted

from . import _jax  # noqa: F401  (float64 on)
from .augment import augment
from .estimator_base import ReservoirEstimatorBase, Reiterable
from .readouts import Ridge, linear_weights
from .runner import python_loop, run, run_closed_loop, step_features
from .validation import check_n_steps, check_real

#: The penalties among which the default readout's is chosen on validation data.
DEFAULT_ALPHAS = (1e-2, 1e-4, 1e-6, 1e-8, 1e-10, 1e-12, 1e-14, 0.0)
#: The penalty of the default readout when the series is too short to hold out validation.
FALLBACK_ALPHA = 1e-6


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
    random_state : int or None, default=None
        Overrides the reservoir's seed when not None.

    Attributes
    ----------
    alpha_ : float or None
        The penalty the default readout chose (None with a readout given by the user).
    validation_errors_ : ndarray of shape (len(DEFAULT_ALPHAS),) or None
        For each penalty of :data:`DEFAULT_ALPHAS`, the mean over the held-out steps of the
        normalised closed-loop error clipped at 1 (lower is better).

    Notes
    -----
    How much a closed-loop forecast gains from a smaller penalty depends on the data: on
    noiseless Lorenz-63 (10,000 points, N = 1000) the valid prediction time grows from 10
    to 20 Lyapunov times as ``alpha`` falls from 1e-6 to 1e-16, while on 1000-point
    univariate series, with more features than rows, penalties below 1e-10 interpolate the
    training data and diverge. So the default readout chooses: it fits
    ``Ridge(solver="qr")`` on the series without its last ``validation_fraction``, for
    every penalty in :data:`DEFAULT_ALPHAS` at once (``Ridge.fit_path``), forecasts the
    held-out steps in closed loop from the end of the rest, keeps the penalty with the
    lowest mean clipped normalised error, and refits on the whole series with it. Series
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
                 training_noise=0.0, random_state=None):
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
        self.random_state = random_state

    def fit(self, X, y=None):
        """Fit on one series (T, d) or a list of series (each continues from a zero state)."""
        self._check_common_params()
        check_real(self.divergence_factor, "divergence_factor", low=0, low_inclusive=False)
        sequences, _ = self._check_inputs(X, reset=True)
        for i, seq in enumerate(sequences):
            if len(seq) <= self.washout + 1:
                raise ValueError(
                    f"series {i} of X has {len(seq)} steps; it needs more than washout + 1 = {self.washout + 1}"
                )
        check_real(self.validation_fraction, "validation_fraction", low=0, high=1, low_inclusive=False,
                   high_inclusive=False)
        check_real(self.training_noise, "training_noise", low=0)
        self._fit_reservoir(sequences)
        scaled = [self._scale(s) for s in sequences]
        drives = self._noisy(scaled)
        self.alpha_, self.validation_errors_ = None, None
        if self.readout is None:
            self.alpha_, self.validation_errors_ = self._choose_alpha(scaled, drives)
            readout = Ridge(alpha=self.alpha_, solver="qr")
        else:
            readout = self._new_readout()
        self.readout_, finals = self._fit_readout(readout, scaled, drives)
        self.state_ = self._final_state(scaled[-1], finals[-1])
        self.last_input_ = scaled[-1][-1]
        self.train_bound_ = float(max(np.abs(s).max() for s in scaled))
        return self

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
        return run(self.reservoir_, self.reservoir_params_, series)[1]

    def _training_chunks(self, scaled, drives, finals):
        """Re-iterable ``(features, next inputs)`` chunks of the (scaled) series, the
        reservoir driven by ``drives``; each pass over them fills ``finals`` with the final
        states."""
        def chunks():
            # Features after input t predict input t + 1 (the clean one, with training noise).
            for i, start, Z in self._harvest_chunks(drives, finals):
                lo, hi = max(start, self.washout), min(start + len(Z), len(scaled[i]) - 1)
                if hi > lo:
                    yield Z[lo - start:hi - start], scaled[i][lo + 1:hi + 1]

        return Reiterable(chunks)

    def _fit_readout(self, readout, scaled, drives):
        """Fit ``readout`` on the one-step map of ``scaled``, the reservoir driven by
        ``drives``; return it and the final states."""
        if self._streams(readout):
            # Chunk by chunk: memory does not grow with the length of the series.
            finals = [None] * len(scaled)
            return readout.fit_streamed(self._training_chunks(scaled, drives, finals)), finals
        features, finals = self._harvest(drives)
        Z = np.concatenate([f[self.washout:-1] for f in features])
        Y = np.concatenate([s[self.washout + 1:] for s in scaled])
        return readout.fit(Z, Y), finals

    def _choose_alpha(self, scaled, drives):
        """The default readout's penalty: the one of ``DEFAULT_ALPHAS`` whose closed-loop
        forecast of the held-out end of the last series is best (see Notes)."""
        last = scaled[-1]
        n_held = int(round(self.validation_fraction * len(last)))
        if n_held < 1 or len(last) - n_held < self.washout + 2:
            return FALLBACK_ALPHA, None
        head, held = scaled[:-1] + [last[:-n_held]], last[-n_held:]
        finals = [None] * len(head)
        chunks = self._training_chunks(head, drives[:-1] + [drives[-1][:-n_held]], finals)
        readouts = Ridge(solver="qr").fit_path(chunks, DEFAULT_ALPHAS)
        state = self._final_state(head[-1], finals[-1])
        # The size of the attractor, from all of the last series (the held-out part can be short).
        scale = np.sqrt(np.mean(np.sum((last - last.mean(axis=0)) ** 2, axis=1)))
        errors = np.empty(len(DEFAULT_ALPHAS))
        for i, readout in enumerate(readouts):
            outputs = self._closed_loop(readout, state, head[-1][-1], n_held)
            with np.errstate(invalid="ignore", over="ignore"):
                error = np.linalg.norm(outputs - held, axis=1) / max(scale, np.finfo(float).tiny)
            errors[i] = np.mean(np.minimum(np.nan_to_num(error, nan=1.0), 1.0))
        # argmin takes the first best: among equals, the strongest penalty.
        return DEFAULT_ALPHAS[int(np.argmin(errors))], errors

    def predict(self, X):
        """Teacher-forced one-step predictions: row t predicts ``X[t + 1]``."""
        check_is_fitted(self, "readout_")
        sequences, layout = self._check_inputs(X)
        features, _ = self._harvest([self._scale(s) for s in sequences])
        outputs = [self._unscale(np.asarray(self.readout_.predict(f)).reshape(len(f), -1)) for f in features]
        if layout == "single":
            return outputs[0]
        return np.stack(outputs) if layout == "array" else outputs

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
        _, state = run(self.reservoir_, self.reservoir_params_, scaled)
        return state, scaled[-1]

    def _closed_loop(self, readout, state, last, n_steps):
        """``n_steps`` scaled outputs of ``readout`` fed back from ``state`` (after ``last``)."""
        weights = linear_weights(readout)
        # A reservoir with its own Python loop (python_loop) cannot run the compiled closed loop.
        if weights is not None and not python_loop(self.reservoir_):
            outputs, _ = run_closed_loop(self.reservoir_, self.reservoir_params_, state, last,
                                         weights[0], weights[1], self._augmentation, n_steps)
            return outputs
        return self._closed_loop_stepwise(readout, state, last, n_steps)

    def _closed_loop_stepwise(self, readout, state, last, n_steps):
        """Closed loop for readouts that are not linear maps (any scikit-learn regressor) and for
        reservoirs that run their own Python loop."""
        outputs = np.empty((n_steps, self.n_features_in_))
        features = np.asarray(self.reservoir_.features(jax.tree.map(np.asarray, self.reservoir_params_), state))
        u = last
        for t in range(n_steps):
            z = augment(features[None], u[None], *self._augmentation)
            u = np.asarray(readout.predict(z), dtype=float).reshape(-1)
            outputs[t] = u
            if not np.all(np.isfinite(u)):
                outputs[t:] = np.nan
                break
            state, features = step_features(self.reservoir_, self.reservoir_params_, state, u)
        return outputs

    def _check_divergence(self, outputs, on_divergence):
        check_divergence(outputs, self.divergence_factor * self.train_bound_, self.divergence_factor,
                         on_divergence)


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
