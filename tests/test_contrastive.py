"""Contrastive heads, the InfoNCE loss, retrieval metrics and the zero-shot protocol's splits."""

import numpy as np
import pytest

from reservoir.contrastive import ContrastiveHeads, info_nce
from reservoir.retrieval import prototype_top1, retrieval_top1
from reservoir.zero_shot import evaluate_retrieval, group_split, spike_counts, stratified_split, train_heads


def _log_softmax(x, axis):
    x = x - x.max(axis=axis, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=axis, keepdims=True))


def test_info_nce_known_values():
    # Orthonormal pairs at temperature 1: each row is softmax([1, 0]) -> log(1 + e^-1).
    assert float(info_nce(np.eye(2), np.eye(2))) == pytest.approx(np.log1p(np.exp(-1.0)), abs=1e-12)
    # Identical embeddings for everything: log(B) whatever the temperature.
    assert float(info_nce(np.ones((4, 3)), np.ones((4, 3)), temperature=0.1)) == pytest.approx(np.log(4))
    # The general case against a direct numpy computation, asymmetric inputs.
    rng = np.random.default_rng(0)
    za, zb = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    s = za @ zb.T / 0.5
    expected = -0.5 * (np.trace(_log_softmax(s, 1)) + np.trace(_log_softmax(s, 0))) / 5
    assert float(info_nce(za, zb, temperature=0.5)) == pytest.approx(expected, rel=1e-10)
    # Cosine variant is scale invariant.
    assert float(info_nce(3 * za, zb, 0.5, normalize=True)) == pytest.approx(float(info_nce(za, zb, 0.5, True)))


def test_retrieval_top1_hand_made_case():
    queries = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [-1.0, 0.0]])
    gallery = np.array([[1.0, 0.0], [0.0, 2.0], [0.5, 0.5]])
    labels_g = np.array([0, 1, 0])
    # Dot products pick items 0, 1, 1 (2 > 1), and 2 for the last (-0.5 beats -1 and 0? no: item 1 scores 0).
    assert retrieval_top1(queries, [0, 1, 1, 1], gallery, labels_g) == 1.0
    assert retrieval_top1(queries, [0, 1, 0, 0], gallery, labels_g) == 0.5
    # Cosine: the third query matches item 2 exactly.
    assert retrieval_top1(queries[2:3], [0], gallery, labels_g, normalize=True) == 1.0
    assert prototype_top1(queries[:2], [0, 1], gallery, labels_g) == 1.0
    with pytest.raises(ValueError, match="query_labels"):
        retrieval_top1(queries, [0, 1], gallery, labels_g)
    with pytest.raises(ValueError, match="embedding size"):
        retrieval_top1(queries, [0, 1, 0, 0], gallery[:, :1], labels_g)


def _two_modalities(n_per_class=30, classes=4, seed=0):
    # The classes (their centres) are the same in every draw; only the samples change with seed.
    fixed = np.random.default_rng(100)
    centres_a, centres_b = fixed.normal(size=(classes, 6)) * 3, fixed.normal(size=(classes, 5)) * 3
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(classes), n_per_class)
    xa = centres_a[y] + rng.normal(size=(len(y), 6))
    xb = centres_b[y] + rng.normal(size=(len(y), 5))
    return xa, xb, y


def test_heads_align_two_modalities_and_select_on_validation():
    xa, xb, y = _two_modalities()
    va, vb, vy = _two_modalities(seed=1)
    ta, tb, ty = _two_modalities(seed=2)
    scores = []

    def validation(h):
        scores.append(retrieval_top1(h.transform_a(va[::3]), vy[::3], h.transform_b(vb[::3]), vy[::3]))
        return scores[-1]

    heads = ContrastiveHeads(dim=8, epochs=15, learning_rate=1e-2, random_state=0).fit(xa, y, xb, y,
                                                                                     validation=validation)
    # The first call scores the untrained heads (epoch 0); the kept epoch is the best one.
    assert len(heads.history_) == 15 and heads.best_epoch_ == int(np.argmax(scores))
    losses = [h[0] for h in heads.history_]
    assert losses[-1] < losses[0]
    assert retrieval_top1(heads.transform_a(ta), ty, heads.transform_b(tb), ty) > 0.9
    again = ContrastiveHeads(dim=8, epochs=15, learning_rate=1e-2, random_state=0).fit(xa, y, xb, y,
                                                                                      validation=validation)
    np.testing.assert_array_equal(again.params_["a"]["W"], heads.params_["a"]["W"])


def test_heads_validate_input():
    xa, xb, y = _two_modalities(n_per_class=5)
    with pytest.raises(ValueError, match="classes"):
        ContrastiveHeads(epochs=1).fit(xa, y, xb[y < 2], y[y < 2])
    with pytest.raises(ValueError, match="ya and yb"):
        ContrastiveHeads(epochs=1).fit(xa, y[:-1], xb, y)
    with pytest.raises(ValueError, match="temperature"):
        ContrastiveHeads(epochs=1, temperature=0).fit(xa, y, xb, y)
    with pytest.raises(ValueError, match="not fitted"):
        ContrastiveHeads().transform_a(xa)


def test_splits():
    s = stratified_split(np.repeat(np.arange(3), 20), random_state=1)
    for k, n in (("train", 10), ("val", 4), ("test", 6)):
        assert all(int(((s == k) & (np.repeat(np.arange(3), 20) == c)).sum()) == n for c in range(3))
    groups = np.repeat(np.arange(20), 4)
    g = group_split(groups, random_state=0)
    for k in ("train", "val", "test"):
        members = set(groups[g == k].tolist())
        assert members and all(set(g[groups == m].tolist()) == {k} for m in members)
    with pytest.raises(ValueError, match="fractions"):
        stratified_split([0, 1], fractions=(0.5, 0.5))


def test_train_heads_and_evaluate_on_unseen_classes():
    xa, xb, y = _two_modalities(n_per_class=24, classes=4)
    split = np.tile(np.array(["train"] * 12 + ["val"] * 6 + ["test"] * 6), 4)
    calls = []
    heads, info = train_heads(xa, y, split, xb, y, split, [dict(dim=8, epochs=5), dict(dim=8, epochs=3)],
                              seen=(0, 1, 2), monitor=calls.append)
    assert info["epoch"] <= 5 and 0 <= info["val_score"] <= 1
    assert len(calls) == (5 + 1) + (3 + 1)  # every epoch of both variants, and their untrained heads
    test = split == "test"
    r = evaluate_retrieval(heads, xa[test], y[test], xb[test], y[test])
    assert set(r) == {"a2i", "i2a", "a2i_prototype", "i2a_prototype"}
    assert all(0 <= v <= 1 for v in r.values())


def test_spike_counts_are_final_cumulative_counts():
    from hardware import ResistiveLSM

    x = (np.random.default_rng(0).random((3, 12, 5)) < 0.5).astype(float)
    lsm = ResistiveLSM(n_units=15, steps_per_input=1, spike_features="cumulative", weight_scale=0.5, random_state=0)
    counts = spike_counts(lsm, x)
    assert counts.shape == (3, 15) and np.all(counts == np.round(counts)) and counts.max() <= 12
    assert counts.sum() > 0
    np.testing.assert_array_equal(counts, spike_counts(lsm, x))  # one chip, deterministic


def test_balanced_test_sets_match_the_authors_per_class_counts():
    from reservoir.zero_shot import balanced_test_sets

    audio_y = np.array([8, 9, 8, 8, 9, 7, 8])
    image_y = np.array([9, 9, 9, 8, 8, 8, 8, 8, 7])
    a, i = balanced_test_sets(audio_y, audio_y != 7, image_y, np.ones(9, bool), (8, 9))
    # Class 8: 4 utterances, 5 images -> 4 each; class 9: 2 utterances, 3 images -> 2 each; first in index order.
    assert a.tolist() == [0, 2, 3, 6, 1, 4] and i.tolist() == [3, 4, 5, 6, 0, 1]
    np.testing.assert_array_equal(audio_y[a], image_y[i])
    a, i = balanced_test_sets(audio_y, np.ones(7, bool), image_y, np.ones(9, bool), (8, 9), per_class=1)
    assert a.tolist() == [0, 1] and i.tolist() == [3, 0]
    with pytest.raises(ValueError, match="class 7"):
        balanced_test_sets(audio_y, audio_y != 7, image_y, np.ones(9, bool), (7, 8))
    with pytest.raises(ValueError, match="per_class"):
        balanced_test_sets(audio_y, np.ones(7, bool), image_y, np.ones(9, bool), (8,), per_class=0)


def test_class_splits_partition_the_digits():
    from reservoir.zero_shot import SEEN, UNSEEN, class_splits

    assert class_splits("authors") == [(SEEN, UNSEEN)]
    pairs = class_splits("pairs")
    assert len(pairs) == 36 and len({u for _, u in pairs}) == 36
    assert all(len(u) == 2 and sorted(s + u) == list(range(1, 10)) for s, u in pairs)
    assert class_splits("triple") == [((0, 1, 2, 3, 4, 5, 6), (7, 8, 9))]
    with pytest.raises(ValueError, match="name"):
        class_splits("all")


def test_two_unseen_classes_swapped_labels_give_one_minus_accuracy():
    # Heads trained on seen classes never see which unseen image class goes with which unseen
    # audio class: relabelling the two unseen image classes changes no trained weight and turns
    # every hit into a miss. So unseen top-1 is acc under one convention and 1 - acc under the
    # other, and no method trained on seen classes alone can beat 0.5 on average over them.
    xa, xb, y = _two_modalities(n_per_class=20, classes=5)
    split = np.tile(np.array(["train"] * 10 + ["val"] * 4 + ["test"] * 6), 5)
    heads, _ = train_heads(xa, y, split, xb, y, split, [dict(dim=8, epochs=3)], seen=(0, 1, 2))
    test = (split == "test") & (y >= 3)
    swapped = np.where(y == 3, 4, np.where(y == 4, 3, y))
    r = evaluate_retrieval(heads, xa[test], y[test], xb[test], y[test])
    s = evaluate_retrieval(heads, xa[test], y[test], xb[test], swapped[test])
    assert s["a2i"] == pytest.approx(1 - r["a2i"]) and s["i2a"] == pytest.approx(1 - r["i2a"])


def test_weight_decay_shrinks_the_dense_weights_only():
    xa, xb, y = _two_modalities(n_per_class=10)
    plain = ContrastiveHeads(dim=8, epochs=4, learning_rate=1e-2, random_state=0).fit(xa, y, xb, y)
    decayed = ContrastiveHeads(dim=8, epochs=4, learning_rate=1e-2, weight_decay=5.0, random_state=0).fit(xa, y, xb, y)
    for side in ("a", "b"):
        assert np.linalg.norm(decayed.params_[side]["W"]) < 0.8 * np.linalg.norm(plain.params_[side]["W"])
    with pytest.raises(ValueError, match="weight_decay"):
        ContrastiveHeads(epochs=1, weight_decay=-1.0).fit(xa, y, xb, y)
