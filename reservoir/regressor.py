"""Sequence-to-sequence regression with a reservoir and a trained readout."""

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils.validation import check_is_fitted

from .estimator_base import ReservoirEstimatorBase, Reiterable
from .readouts import fit_readout
from .validation import check_array_2d, in_layout


class ReservoirRegressor(RegressorMixin, ReservoirEstimatorBase):
    """Map an input sequence to a target sequence, step by step: y_t = readout(features_t).

    Parameters
    ----------
    reservoir : Reservoir, default=None
        Any reservoir of the package; ``None`` means ``ESN()``.
    readout : estimator, default=None
        ``Ridge``, ``RLS`` or any scikit-learn regressor; ``None`` means
        ``Ridge(alpha=1e-6, solver="qr")``.
    washout : int, default=0
        Leading steps of every training sequence left out of the readout fit.
    standardize : bool, default=True
        z-score inputs with the statistics of the training inputs.
    bias, input_concat, squared : bool, default=True, True, False
        State augmentation: constant, current input, squared features.
    random_state : int or None, default=None
        Overrides the reservoir's seed when not None.

    Attributes
    ----------
    reservoir_params_ : dict of ndarray
        The drawn (and adapted) reservoir weights.
    readout_ : estimator
        The fitted readout.

    Examples
    --------
    >>> import numpy as np
    >>> from reservoir import ESN, ReservoirRegressor
    >>> u = np.random.default_rng(0).uniform(-1, 1, (500, 1))
    >>> y = np.roll(u[:, 0], 2)  # recall the input two steps back
    >>> model = ReservoirRegressor(ESN(n_units=100, random_state=0), washout=10).fit(u, y)
    >>> from sklearn.metrics import r2_score
    >>> bool(r2_score(y[10:], model.predict(u)[10:]) > 0.9)  # the steps after the washout
    True
    """

    def __init__(self, reservoir=None, readout=None, washout=0, standardize=True, bias=True,
                 input_concat=True, squared=False, random_state=None):
        self.reservoir = reservoir
        self.readout = readout
        self.washout = washout
        self.standardize = standardize
        self.bias = bias
        self.input_concat = input_concat
        self.squared = squared
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.single_output = True
        tags.target_tags.multi_output = True
        return tags

    def fit(self, X, y):
        """Fit on one sequence ``X`` (T, d) with targets ``y`` (T,) or (T, k), or on lists of them."""
        self._check_common_params()
        sequences, layout = self._check_inputs(X, reset=True)
        targets = self._check_targets(y, sequences, layout)
        for i, seq in enumerate(sequences):
            if len(seq) <= self.washout:
                raise ValueError(
                    f"sequence {i} of X has n_samples = {len(seq)}, not more than washout = {self.washout}"
                )
        self._fit_reservoir(sequences)
        scaled = [self._scale(s) for s in sequences]
        # One fit path, chunk by chunk: a streaming readout's memory does not grow with the
        # length of the sequences (reservoir.readouts.protocol).
        def chunks():
            for i, start, Z in self._harvest_chunks(scaled, [None] * len(scaled)):
                lo = max(start, self.washout)
                if start + len(Z) > lo:
                    Y = targets[i][lo:start + len(Z)]
                    yield Z[lo - start:], Y[:, 0] if self._y_was_1d else Y

        self.readout_ = fit_readout(self._new_readout(), Reiterable(chunks, checked=True))
        return self

    def _check_targets(self, y, sequences, layout):
        if y is None:
            raise ValueError("y is required: requires y to be passed, but the target y is None")
        if layout == "single":
            raw = [y]
        elif layout == "array":
            arr = np.asarray(y)
            raw = list(arr) if arr.ndim >= 2 else [arr]
        else:
            raw = list(y) if isinstance(y, (list, tuple)) else None
        if raw is None or len(raw) != len(sequences):
            raise ValueError(f"y must hold one target sequence per input sequence ({len(sequences)})")
        self._y_was_1d = np.asarray(raw[0]).ndim == 1
        targets = []
        for i, (t, seq) in enumerate(zip(raw, sequences)):
            t = check_array_2d(t, "y" if layout == "single" else f"y[{i}]", allow_1d=True)
            if len(t) != len(seq):
                raise ValueError(f"X and y have inconsistent numbers of samples: {len(seq)} and {len(t)}")
            targets.append(t)
        if len({t.shape[1] for t in targets}) > 1:
            raise ValueError("all target sequences in y must have the same number of columns")
        return targets

    def predict(self, X):
        """Targets for every step of every sequence of ``X``, in the layout of ``X``."""
        check_is_fitted(self, "readout_")
        sequences, layout = self._check_inputs(X)
        features, _ = self._harvest([self._scale(s) for s in sequences])
        return in_layout([np.asarray(self.readout_.predict(f)) for f in features], layout)

    def score(self, X, y, sample_weight=None):
        """R² of the predictions over the steps after each sequence's washout.

        The first ``washout`` steps of a sequence are the reservoir's transient from its zero
        state: they are left out of the fit and, for the same reason, out of the score (a
        readout extrapolating over the transient would otherwise dominate R² on short
        sequences). ``sample_weight`` has one weight per step of the concatenated sequences.
        """
        check_is_fitted(self, "readout_")
        sequences, layout = self._check_inputs(X)
        y_was_1d = self._y_was_1d  # checking targets must not change the fitted model
        try:
            targets = self._check_targets(y, sequences, layout)
        finally:
            self._y_was_1d = y_was_1d
        w = self.washout
        if all(len(seq) <= w for seq in sequences):
            raise ValueError(f"X has no steps after the washout of {w}: nothing to score")
        features, _ = self._harvest([self._scale(s) for s in sequences])
        pred = np.concatenate([np.asarray(self.readout_.predict(f)).reshape(len(f), -1)[w:] for f in features])
        true = np.concatenate([t.reshape(len(t), -1)[w:] for t in targets])
        if sample_weight is not None:
            lengths = [len(seq) for seq in sequences]
            weights = np.asarray(sample_weight, dtype=float).reshape(-1)
            if len(weights) != sum(lengths):
                raise ValueError(f"sample_weight has {len(weights)} values; X has {sum(lengths)} steps")
            sample_weight = np.concatenate([part[w:] for part in np.split(weights, np.cumsum(lengths)[:-1])])
        return r2_score(true, pred, sample_weight=sample_weight)
