"""Seen-class scores as a shared embedding of two modalities (a zero-shot baseline).

Each modality gets its own multinomial logistic regression over the *seen* classes; a sample is
embedded as its standardised log-probabilities, one coordinate per seen class, unit-normalised.
The coordinates mean the same thing in both modalities by construction ("how much this looks
like a 3"), so an unseen class is placed by its resemblance to the seen ones, as in ConSE
(Norouzi et al., ICLR 2014, where the seen classes' word vectors play this role). Unlike
contrastive heads, nothing places the unseen classes arbitrarily; whether it transfers depends
on whether an unseen class resembles the same seen classes in both modalities.
"""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from .readouts.block_sums import blas_controller
from .validation import check_real

__all__ = ["ClassScoreEmbedding"]


class ClassScoreEmbedding:
    """Embed both modalities by their classifiers' log-probabilities over the seen classes.

    Parameters
    ----------
    C : float, default=1.0
        Inverse L2 regularisation of both logistic regressions.

    Attributes
    ----------
    classes_ : ndarray
        The seen classes, one embedding coordinate each.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat(np.arange(3), 20)
    >>> xa = rng.normal(size=(60, 5)) + y[:, None]; xb = rng.normal(size=(60, 4)) - y[:, None]
    >>> emb = ClassScoreEmbedding().fit(xa, y, xb, y)
    >>> za, zb = emb.transform_a(xa), emb.transform_b(xb)
    >>> za.shape, bool(np.allclose(np.linalg.norm(zb, axis=1), 1.0))
    ((60, 3), True)
    """

    def __init__(self, C=1.0):
        self.C = C

    def fit(self, xa, ya, xb, yb):
        """Fit one classifier per modality on its training features and seen-class labels."""
        C = check_real(self.C, "C", low=0, low_inclusive=False)
        ya, yb = np.asarray(ya), np.asarray(yb)
        self.classes_ = np.unique(ya)
        if len(self.classes_) < 2 or not np.array_equal(self.classes_, np.unique(yb)):
            raise ValueError("ya and yb must hold the same classes, at least two")
        self.sides_ = {}
        with blas_controller().limit(limits=1, user_api="blas"), warnings.catch_warnings():
            # Few hundred samples, well-conditioned after scaling; a loose optimum is harmless here.
            warnings.simplefilter("ignore", ConvergenceWarning)
            for side, x, y in (("a", xa, ya), ("b", xb, yb)):
                x = _features(x, f"x{side}")
                if len(y) != len(x):
                    raise ValueError(f"y{side} must hold one label per row of x{side}")
                mean, std = x.mean(0), x.std(0)
                std = np.where(std > 0, std, 1.0)
                clf = LogisticRegression(C=C, max_iter=1000).fit((x - mean) / std, y)
                logp = clf.predict_log_proba((x - mean) / std)
                self.sides_[side] = (mean, std, clf, logp.mean(0), logp.std(0) + 1e-12)
        return self

    def _embed(self, x, side):
        if not hasattr(self, "sides_"):
            raise ValueError("ClassScoreEmbedding is not fitted yet: call fit first")
        mean, std, clf, centre, scale = self.sides_[side]
        x = _features(x, "x")
        if x.shape[1] != mean.shape[0]:
            raise ValueError(f"x has {x.shape[1]} features, expected {mean.shape[0]}")
        z = (clf.predict_log_proba((x - mean) / std) - centre) / scale
        return z / np.maximum(np.linalg.norm(z, axis=1, keepdims=True), 1e-12)

    def transform_a(self, x):
        """Embeddings of modality ``a`` features, shape (n, n_seen_classes)."""
        return self._embed(x, "a")

    def transform_b(self, x):
        """Embeddings of modality ``b`` features, shape (n, n_seen_classes)."""
        return self._embed(x, "b")


def _features(x, name):
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or len(x) == 0 or not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must be a non-empty, finite 2-D array (n_samples, n_features), got shape {x.shape}")
    return x
