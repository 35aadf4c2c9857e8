"""What the three estimators share: drawing the reservoir, input standardisation, harvesting
augmented features, and the common hyperparameters."""

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, clone

from .augment import augment, augment_into, n_augmented
from .base import Reservoir
from .defaults import default_readout, default_reservoir
from .runner import compute_dtype, run, run_sequences
from .validation import Boolean, Check, InstanceOf, Interval, check_sequences, standardization, validate_parameters

#: Steps harvested at a time: the reservoir runs chunk by chunk carrying its state, and a
#: streaming readout (:mod:`reservoir.readouts.protocol`) accumulates its statistics, so
#: fitting memory is O(STREAM_CHUNK · F + F²), not O(T · F). 1024 steps of N = 1000 squared
#: features are about 16 MB; larger chunks raised the peak memory without saving time
#: (``benchmarks/readout_solvers.py`` measures the fit's memory).
STREAM_CHUNK = 1024


class Reiterable:
    """An iterable that calls ``make()`` for a fresh iterator each time it is iterated.

    Streamed chunks of harvested features are produced by a generator; readouts that read
    the data twice (``Ridge(solver="qr")``) iterate this instead, and the reservoir is simply
    run again (harvesting is deterministic and cheap beside the solve).

    ``checked=True`` declares that every chunk ``(X, y)`` holds finite float arrays, ``X``
    below 1e150 in size and of the same width in every chunk: the estimators' own harvest,
    whose features pass ``_check_states`` and whose targets were validated on input. A
    readout may then skip checking them again (``Ridge`` does).

    Examples
    --------
    >>> chunks = Reiterable(lambda: (i * i for i in range(3)))
    >>> list(chunks), list(chunks)
    ([0, 1, 4], [0, 1, 4])
    """

    def __init__(self, make, checked=False):
        self.make = make
        self.checked = checked

    def __iter__(self):
        return iter(self.make())


def _check_readout(readout, name):
    if not (hasattr(readout, "fit") and hasattr(readout, "predict")):
        raise TypeError(f"{name} must have fit and predict methods, got {type(readout).__name__}")


class ReservoirEstimatorBase(BaseEstimator):
    """Base of ``ReservoirRegressor``, ``ReservoirClassifier`` and ``ReservoirForecaster``.

    Parameters common to all: ``reservoir`` (any :class:`~reservoir.base.Reservoir`; None
    means ``ESN()``), ``readout`` (this package's ``Ridge``/``RLS`` or any scikit-learn
    estimator; default the accurate ``Ridge(alpha=1e-6, solver="qr")``, whose penalty the
    forecaster chooses itself), ``washout`` (steps at the start of every sequence left out of
    training), ``standardize`` (z-score inputs with the training statistics, or map their
    training range onto the reservoir's ``input_interval()`` where it declares one), the state
    augmentation flags ``bias``, ``input_concat``, ``squared``, and ``random_state``
    (overrides the reservoir's own seed when not None).
    """

    _parameter_constraints = {
        "reservoir": [None, InstanceOf(Reservoir, "a Reservoir (e.g. ESN(...))")],
        "readout": [None, Check(_check_readout)],
        "washout": Interval(Integral, 0, None),
        "standardize": Boolean(),
        "bias": Boolean(),
        "input_concat": Boolean(),
        "squared": Boolean(),
    }

    def _check_common_params(self):
        validate_parameters(self)

    def _new_readout(self):
        return default_readout() if self.readout is None else clone(self.readout)

    @property
    def _augmentation(self):
        return (bool(self.bias), bool(self.input_concat), bool(self.squared))

    def _fit_reservoir(self, sequences):
        """Standardisation statistics, weights and adaptation, from the training inputs."""
        self.n_features_in_ = sequences[0].shape[1]
        # The reservoir actually run is a fitted copy: fit never changes hyperparameters.
        self.reservoir_ = default_reservoir() if self.reservoir is None else clone(self.reservoir)
        interval = self.reservoir_.input_interval()
        if self.standardize and interval is not None:
            # Intensity inputs (spike probabilities): each coordinate's training range is
            # mapped onto the reservoir's interval; z-scores would push half of the values
            # below 0, where a rate code is silent.
            self.input_mean_, self.input_scale_ = range_map(np.concatenate(sequences), interval)
        elif self.standardize:
            # Robust to inputs near the float64 limits; constant inputs are centred only.
            self.input_mean_, self.input_scale_ = standardization(np.concatenate(sequences))
        else:
            self.input_mean_ = np.zeros(self.n_features_in_)
            self.input_scale_ = np.ones(self.n_features_in_)
        seed = self.reservoir_.random_state if self.random_state is None else self.random_state
        drives = [self._drive(self._scale(s)) for s in sequences]
        params = self.reservoir_.initialize(drives[0].shape[1], seed)
        params = self.reservoir_.with_input_map(params, self.input_mean_, self.input_scale_)
        params = self.reservoir_.adapt(params, drives)
        self.reservoir_params_ = {k: np.asarray(v) for k, v in params.items()}

    def _check_inputs(self, X, name="X", reset=False):
        sequences, layout = check_sequences(X, name)
        # fit (reset=True) may change the input dimension; later calls must match it.
        if not reset and hasattr(self, "n_features_in_") and sequences[0].shape[1] != self.n_features_in_:
            raise ValueError(
                f"{name} has {sequences[0].shape[1]} features, but {type(self).__name__} "
                f"is expecting {self.n_features_in_} features as input"
            )
        return sequences, layout

    def _drive(self, scaled):
        """What drives the reservoir for the (scaled) input ``scaled``: the input itself
        (the forecaster adds delayed copies, see ``ReservoirForecaster.input_delays``)."""
        return scaled

    def _scale(self, sequence):
        return (sequence - self.input_mean_) / self.input_scale_

    def _unscale(self, sequence):
        return sequence * self.input_scale_ + self.input_mean_

    def _harvest(self, scaled_sequences):
        """Augmented features for every (scaled) sequence, plus each final state."""
        features, finals = run_sequences(self.reservoir_, self.reservoir_params_, scaled_sequences)
        features = [augment(f, s, *self._augmentation) for f, s in zip(features, scaled_sequences)]
        for f in features:
            _check_states(f)
        return features, finals

    def _harvest_chunks(self, scaled_sequences, finals, marks=None, marked=None):
        """Yield ``(i, start, Z)``: augmented features ``Z`` of steps ``start, start + 1, ...``
        of sequence ``i``, never more than about ``STREAM_CHUNK`` steps at once.

        Sequences longer than a chunk run chunk by chunk, carrying the state (the same states
        as one run: the scan is sequential anyway), each written straight into one augmented
        buffer that is reused for the next chunk: consumers copy what they keep (``Ridge``
        copies each chunk into its blocks). Shorter ones are grouped and run batched.
        ``finals[i]`` receives each final state. ``marks`` (a dict ``{i: t}``) asks for the
        state of sequence ``i`` after its first ``t`` steps as well (``0 < t < len``): a chunk
        ends there, and ``marked[i]`` receives it.
        """
        chunk = STREAM_CHUNK
        marks = {} if marks is None else marks
        group = []

        def flush():
            if not group:
                return
            features, group_finals = self._harvest([scaled_sequences[i] for i in group])
            for i, Z, final in zip(group, features, group_finals):
                finals[i] = final
                yield i, 0, Z
            group.clear()

        for i, seq in enumerate(scaled_sequences):
            mark = marks.get(i)
            if len(seq) <= chunk and mark is None:
                group.append(i)
                if sum(len(scaled_sequences[j]) for j in group) >= chunk:
                    yield from flush()
                continue
            # Keep the order of the sequences (the readout then sums in the same order).
            yield from flush()
            state, buffer = None, None
            starts = sorted(set(range(0, len(seq), chunk)) | ({mark} if mark is not None else set()))
            for start, end in zip(starts, starts[1:] + [len(seq)]):
                Z, state, buffer = self._augmented_run(seq[start:end], state, buffer, min(chunk, len(seq)))
                if end == mark:
                    marked[i] = state
                yield i, start, Z
            finals[i] = state
        if group:
            yield from flush()

    def _augmented_run(self, part, state, buffer, rows=STREAM_CHUNK):
        """Run ``part`` from ``state`` with the features written into their columns of the
        augmented ``buffer`` (allocated, with at least ``rows`` rows, when None or too small);
        return ``(Z, final_state, buffer)``.

        The same numbers as ``augment(run(...))``, without a new feature array and a
        concatenated copy per chunk.
        """
        bias, input_concat, squared = self._augmentation
        n = self.reservoir_.n_features(self.reservoir_params_)
        dtype = compute_dtype(self.reservoir_params_)
        width = n_augmented(n, part.shape[1], bias, input_concat, squared)
        if buffer is None or buffer.shape[1] != width or buffer.dtype != dtype or len(buffer) < len(part):
            buffer = np.empty((max(len(part), rows), width), dtype=dtype)
        Z = buffer[:len(part)]
        _, state = augment_into(Z, part, lambda view: run(self.reservoir_, self.reservoir_params_, part, state,
                                                           out=view), bias, input_concat, squared)
        _check_states(Z)
        return Z, state, buffer


def range_map(stacked, interval):
    """``(mean, scale)`` such that ``(x - mean) / scale`` maps each column's minimum and
    maximum of ``stacked`` onto ``interval = (low, high)``; a constant column goes to ``low``.

    Examples
    --------
    >>> mean, scale = range_map(np.array([[0.0, 2.0], [4.0, 2.0]]), (0.0, 1.0))
    >>> ((np.array([[0.0, 2.0], [4.0, 2.0]]) - mean) / scale).tolist()
    [[0.0, 0.0], [1.0, 0.0]]
    """
    low, high = float(interval[0]), float(interval[1])
    lo, hi = stacked.min(axis=0), stacked.max(axis=0)
    spread = hi - lo
    scale = np.where(spread > 0, spread / (high - low), 1.0)
    return lo - low * scale, scale


def _check_states(Z):
    """Raise when the harvested features overflowed (or are about to overflow the readout's
    products): the readout would otherwise report NaN in *its* input, which the user never
    gave (their X is finite), or silently fit NaN."""
    # Two numpy passes over (T, F), small beside the O(T F^2) readout statistics; not a BLAS
    # call (a sum of squares would be one pass, but BLAS calls from this thread wait on the
    # ones the readout's lanes make meanwhile). NaN propagates through min/max; beyond 1e150
    # the readout's products of features overflow.
    if Z.size == 0:
        return
    overflowed = not (abs(float(Z.min())) < 1e150 and abs(float(Z.max())) < 1e150)
    if overflowed:
        raise ValueError("reservoir: the harvested features (states, and the inputs and squares added "
                         "to them) became NaN, infinite or beyond 1e150 although X is finite: the states "
                         "overflowed or the inputs are too large; use standardize=True, a bounded activation, "
                         "a smaller spectral_radius or input_scaling")
