"""Sequence classification: one label per input sequence."""

import numpy as np
from sklearn.base import ClassifierMixin, is_classifier
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from .estimator_base import ReservoirEstimatorBase
from .defaults import default_readout
from .readouts import Ridge

#: The penalties among which the default readout's is chosen by cross-validation.
CLASSIFIER_ALPHAS = tuple(10.0 ** np.arange(-6, 5))
#: The default readout's penalty when some class has too few sequences to cross-validate.
FALLBACK_ALPHA = 1.0


class ReservoirClassifier(ClassifierMixin, ReservoirEstimatorBase):
    """Classify whole sequences from their pooled reservoir features.

    Each sequence is run from the initial state; the augmented features after the washout
    are pooled (their mean, or the last one) into one vector per sequence. A classifier
    readout (any scikit-learn classifier) is fitted on the labels; a regressor readout
    (the default ``Ridge``) is fitted on one-hot targets and predicts the arg-max.

    The default readout (``readout=None``) is ``Ridge(solver="qr")`` with its penalty chosen
    among :data:`CLASSIFIER_ALPHAS` by stratified 5-fold cross-validated accuracy on the
    training sequences (ties go to the stronger penalty). There are usually fewer sequences
    than features, and the small penalty a one-step forecast wants (1e-6) then interpolates
    the labels (measured on 8x8 digits in ``benchmarks/natural_defaults.py``).

    Parameters
    ----------
    reservoir, readout, washout, standardize, bias, input_concat, squared, random_state
        As in :class:`~reservoir.ReservoirRegressor`.
    pooling : {"mean", "last"}, default="mean"

    Attributes
    ----------
    alpha_ : float or None
        The penalty the default readout chose (None with a readout given by the user).
    cv_scores_ : ndarray of shape (len(CLASSIFIER_ALPHAS),) or None
        The cross-validated accuracy of each penalty (None when not cross-validated).

    Examples
    --------
    >>> import numpy as np
    >>> from reservoir import ESN, ReservoirClassifier
    >>> t = np.linspace(0, 6, 60)
    >>> X = np.array([np.sin(f * t)[:, None] for f in (1, 3) * 10])
    >>> y = np.array([0, 1] * 10)
    >>> clf = ReservoirClassifier(ESN(n_units=50, random_state=0)).fit(X, y)
    >>> clf.score(X, y)
    1.0
    """

    def __init__(self, reservoir=None, readout=None, washout=0, standardize=True, bias=True,
                 input_concat=False, squared=False, pooling="mean", random_state=None):
        self.reservoir = reservoir
        self.readout = readout
        self.washout = washout
        self.standardize = standardize
        self.bias = bias
        self.input_concat = input_concat
        self.squared = squared
        self.pooling = pooling
        self.random_state = random_state

    def _pooled(self, sequences):
        for i, seq in enumerate(sequences):
            if len(seq) <= self.washout:
                raise ValueError(f"sequence {i} of X has {len(seq)} steps, not more than washout = {self.washout}")
        features, _ = self._harvest([self._scale(s) for s in sequences])
        if self.pooling == "mean":
            return np.stack([f[self.washout:].mean(axis=0) for f in features])
        return np.stack([f[-1] for f in features])

    def fit(self, X, y):
        """Fit on a list of sequences or an array (n_samples, T, d) and one label per sequence."""
        self._check_common_params()
        if self.pooling not in ("mean", "last"):
            raise ValueError(f"pooling must be 'mean' or 'last', got {self.pooling!r}")
        sequences, _ = self._check_inputs(X, reset=True)
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != len(sequences):
            raise ValueError(f"y must hold one label per sequence: expected shape ({len(sequences)},), got {y.shape}")
        check_classification_targets(y)
        self.classes_, encoded = np.unique(y, return_inverse=True)
        self._fit_reservoir(sequences)
        Z = self._pooled(sequences)
        self.alpha_, self.cv_scores_ = None, None
        if self.readout is None:
            self.alpha_, self.cv_scores_ = _choose_alpha(Z, encoded, len(self.classes_))
            self.readout_ = default_readout(self.alpha_)
        else:
            self.readout_ = self._new_readout()
        if is_classifier(self.readout_):
            self.readout_.fit(Z, y)
        else:
            self.readout_.fit(Z, np.eye(len(self.classes_))[encoded])
        return self

    def decision_function(self, X):
        """Readout scores per class, shape (n_samples, n_classes)."""
        check_is_fitted(self, "readout_")
        sequences, _ = self._check_inputs(X)
        Z = self._pooled(sequences)
        if is_classifier(self.readout_):
            return self.readout_.decision_function(Z)
        return np.asarray(self.readout_.predict(Z)).reshape(len(Z), -1)

    def predict(self, X):
        """One label per sequence."""
        check_is_fitted(self, "readout_")
        if is_classifier(self.readout_):
            sequences, _ = self._check_inputs(X)
            return self.readout_.predict(self._pooled(sequences))
        return self.classes_[np.argmax(self.decision_function(X), axis=1)]

    def _readout_has_predict_proba(self):
        readout = getattr(self, "readout_", self.readout)
        return readout is not None and hasattr(readout, "predict_proba")

    @available_if(_readout_has_predict_proba)
    def predict_proba(self, X):
        """Class probabilities, when the readout is a classifier that provides them."""
        check_is_fitted(self, "readout_")
        sequences, _ = self._check_inputs(X)
        return self.readout_.predict_proba(self._pooled(sequences))


def _choose_alpha(Z, encoded, n_classes, n_folds=5):
    """The penalty of :data:`CLASSIFIER_ALPHAS` with the best stratified ``n_folds``-fold
    accuracy of a one-hot ``Ridge`` on pooled features ``Z``; ``(alpha, scores)``."""
    from sklearn.model_selection import StratifiedKFold

    counts = np.bincount(encoded, minlength=n_classes)
    n_folds = min(n_folds, int(counts.min()))
    if n_folds < 2:
        return FALLBACK_ALPHA, None
    targets = np.eye(n_classes)[encoded]
    correct = np.zeros(len(CLASSIFIER_ALPHAS))
    # A fixed split: the same data always choose the same penalty.
    for train, test in StratifiedKFold(n_folds, shuffle=True, random_state=0).split(Z, encoded):
        path = Ridge(solver="qr").fit_path([(Z[train], targets[train])], CLASSIFIER_ALPHAS)
        for i, model in enumerate(path):
            correct[i] += np.sum(np.argmax(model.predict(Z[test]), axis=1) == encoded[test])
    scores = correct / len(encoded)
    # The strongest penalty among the best (the last maximum of the increasing grid).
    best = len(scores) - 1 - int(np.argmax(scores[::-1]))
    return float(CLASSIFIER_ALPHAS[best]), scores
