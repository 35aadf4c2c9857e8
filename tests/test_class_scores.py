"""The seen-class score embedding, a zero-shot baseline with a shared coordinate system."""

import numpy as np
import pytest

from reservoir.class_scores import ClassScoreEmbedding
from reservoir.retrieval import retrieval_top1
from reservoir.zero_shot import evaluate_retrieval, train_class_scores


def _ordered_modalities(n_per_class=40, seed=0):
    # Class k sits at k along one random direction in each modality (different directions and
    # dimensions): an unseen class resembles the same seen neighbours in both.
    rng = np.random.default_rng(seed)
    da, db = rng.normal(size=6), rng.normal(size=5)
    y = np.repeat(np.arange(8), n_per_class)
    xa = 2.0 * y[:, None] * da / np.linalg.norm(da) + 0.3 * rng.normal(size=(len(y), 6))
    xb = 2.0 * y[:, None] * db / np.linalg.norm(db) + 0.3 * rng.normal(size=(len(y), 5))
    return xa, xb, y


def test_unseen_classes_transfer_when_both_modalities_share_the_class_structure():
    xa, xb, y = _ordered_modalities()
    seen = np.isin(y, (0, 1, 3, 4, 6, 7))
    emb = ClassScoreEmbedding(C=1.0).fit(xa[seen], y[seen], xb[seen], y[seen])
    assert emb.classes_.tolist() == [0, 1, 3, 4, 6, 7]
    za, zb = emb.transform_a(xa), emb.transform_b(xb)
    assert za.shape == (len(y), 6) and np.allclose(np.linalg.norm(za, axis=1), 1.0)
    unseen = ~seen  # classes 2 (between 1 and 3) and 5 (between 4 and 6)
    assert retrieval_top1(za[unseen], y[unseen], zb[unseen], y[unseen]) > 0.9
    assert retrieval_top1(zb[unseen], y[unseen], za[unseen], y[unseen]) > 0.9


def test_train_class_scores_selects_c_on_validation():
    xa, xb, y = _ordered_modalities(n_per_class=30)
    split = np.tile(np.array(["train"] * 15 + ["val"] * 6 + ["test"] * 9), 8)
    emb, info = train_class_scores(xa, y, split, xb, y, split, Cs=(0.001, 1.0), seen=(0, 1, 3, 4, 6, 7))
    assert info["C"] in (0.001, 1.0) and 0 <= info["val_score"] <= 1 and emb.C == info["C"]
    test = (split == "test") & np.isin(y, (2, 5))
    assert evaluate_retrieval(emb, xa[test], y[test], xb[test], y[test])["a2i"] > 0.9


def test_class_scores_validate_input():
    xa, xb, y = _ordered_modalities(n_per_class=5)
    with pytest.raises(ValueError, match="same classes"):
        ClassScoreEmbedding().fit(xa, y, xb[y < 4], y[y < 4])
    with pytest.raises(ValueError, match="C must be"):
        ClassScoreEmbedding(C=0).fit(xa, y, xb, y)
    with pytest.raises(ValueError, match="not fitted"):
        ClassScoreEmbedding().transform_a(xa)
    emb = ClassScoreEmbedding().fit(xa, y, xb, y)
    with pytest.raises(ValueError, match="features"):
        emb.transform_b(xa)
