"""Autonomous forecasting: teacher-forced one-step training, closed-loop generation."""

import warnings

import jax
import numpy as np
from sklearn.utils.validation import check_is_fitted

from .augment import augment
from .estimator_base import ReservoirEstimatorBase
from .readouts import linear_weights
from .runner import python_loop, run, run_closed_loop, step_features
from .validation import check_n_steps, check_real


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
        scikit-learn regressor works through a step-by-step loop. ``None``: ``Ridge(1e-6)``.
    washout : int, default=100
        Leading steps of every series left out of the readout fit (and used to synchronise).
    standardize : bool, default=True
        z-score each coordinate with the training statistics; forecasts are mapped back.
    bias, input_concat, squared : bool, default=True, True, True
        State augmentation (constant, current input, squared features).
    divergence_factor : float, default=10.0
        A forecast is flagged as diverged once a (standardised) coordinate exceeds this many
        times the largest absolute standardised training value.
    random_state : int or None, default=None
        Overrides the reservoir's seed when not None.

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
                 input_concat=True, squared=True, divergence_factor=10.0, random_state=None):
        self.reservoir = reservoir
        self.readout = readout
        self.washout = washout
        self.standardize = standardize
        self.bias = bias
        self.input_concat = input_concat
        self.squared = squared
        self.divergence_factor = divergence_factor
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
        self._fit_reservoir(sequences)
        scaled = [self._scale(s) for s in sequences]
        readout = self._new_readout()
        # Features after input t predict input t + 1.
        if self._streams(readout):
            # Chunk by chunk: memory does not grow with the length of the series.
            finals = [None] * len(scaled)

            def chunks():
                for i, start, Z in self._harvest_chunks(scaled, finals):
                    lo, hi = max(start, self.washout), min(start + len(Z), len(scaled[i]) - 1)
                    if hi > lo:
                        yield Z[lo - start:hi - start], scaled[i][lo + 1:hi + 1]

            self.readout_ = readout.fit_streamed(chunks())
        else:
            features, finals = self._harvest(scaled)
            Z = np.concatenate([f[self.washout:-1] for f in features])
            Y = np.concatenate([s[self.washout + 1:] for s in scaled])
            self.readout_ = readout.fit(Z, Y)
        self.state_ = finals[-1]
        self.last_input_ = scaled[-1][-1]
        self.train_bound_ = float(max(np.abs(s).max() for s in scaled))
        return self

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
        if context is None:
            state, last = self.state_, self.last_input_
        else:
            sequences, _ = self._check_inputs(context, "context")
            if len(sequences) != 1:
                raise ValueError(f"context must be one series of shape (T, d); got {len(sequences)} series")
            if len(sequences[0]) < self.washout:
                # Legal, but the reservoir then starts from a transient, not from the series.
                warnings.warn(f"context has {len(sequences[0])} step(s), fewer than washout={self.washout}: "
                              "the reservoir is not synchronised with it and the forecast may be poor",
                              UserWarning, stacklevel=2)
            scaled = self._scale(sequences[0])
            _, state = run(self.reservoir_, self.reservoir_params_, scaled)
            last = scaled[-1]
        weights = linear_weights(self.readout_)
        # A reservoir with its own Python loop (python_loop) cannot run the compiled closed loop.
        if weights is not None and not python_loop(self.reservoir_):
            outputs, _ = run_closed_loop(self.reservoir_, self.reservoir_params_, state, last,
                                         weights[0], weights[1], self._augmentation, int(n_steps))
        else:
            outputs = self._closed_loop_stepwise(state, last, int(n_steps))
        self._check_divergence(outputs, on_divergence)
        return self._unscale(outputs)

    def _closed_loop_stepwise(self, state, last, n_steps):
        """Closed loop for readouts that are not linear maps (any scikit-learn regressor) and for
        reservoirs that run their own Python loop."""
        outputs = np.empty((n_steps, self.n_features_in_))
        features = np.asarray(self.reservoir_.features(jax.tree.map(np.asarray, self.reservoir_params_), state))
        u = last
        for t in range(n_steps):
            z = augment(features[None], u[None], *self._augmentation)
            u = np.asarray(self.readout_.predict(z), dtype=float).reshape(-1)
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
