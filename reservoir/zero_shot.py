"""The zero-shot audio <-> image protocol of Lin et al. (Nat. Comput. Sci. 2025), offline.

Two frozen liquids encode event data of two modalities into spike counts (computed once); two
one-layer GELU heads (:class:`~reservoir.contrastive.ContrastiveHeads`) are trained on
class-matched audio/image pairs of the *seen* classes 1-7 with a symmetric InfoNCE loss; the
epoch (and the loss variant) are selected on a validation split of the seen classes only; then
audio queries retrieve images (and images retrieve audio) by top-1 dot product
(:func:`~reservoir.retrieval.retrieval_top1`) among all test items of the seen classes, and
among all test items of the *unseen* classes 8-9, which no head ever saw
(:func:`balanced_test_sets`: per class as many items of each modality, as the authors' test
sets; :func:`class_splits` gives other seen/unseen splits).

With two unseen classes the score cannot tell a method from a coin: relabelling the two unseen
image classes changes nothing the heads were trained on and turns every hit into a miss, so
the same heads score ``acc`` under one naming and ``1 - acc`` under the other; what decides is
whether the two modalities happen to place the unseen classes alike relative to the seen ones.
Only many splits and seeds say whether a method transfers. The authors selected
checkpoints on the test set; here the test split plays no part in any choice.

Splits: images are split per class at random (50/20/30 % train/validation/test); audio by
speaker (speaker-disjoint train/validation/test, as TIDIGITS), so that retrieval is tested
on voices the heads never heard.
"""

import itertools

import numpy as np

from .base import make_rng
from .class_scores import ClassScoreEmbedding
from .contrastive import ContrastiveHeads
from .retrieval import prototype_top1, retrieval_top1
from .runner import run_sequences
from .validation import check_positive_int

__all__ = ["SEEN", "UNSEEN", "balanced_test_sets", "class_splits", "evaluate_retrieval", "group_split",
           "spike_counts", "stratified_split", "train_class_scores", "train_heads"]

#: Seen (training) and unseen (zero-shot) classes of the authors' protocol; digit 0 is unused.
SEEN = (1, 2, 3, 4, 5, 6, 7)
UNSEEN = (8, 9)


def spike_counts(reservoir, inputs, chunk=300):
    """Each sequence's final feature vector (spike counts with ``spike_features="cumulative"``).

    The reservoir's weights are drawn once (its ``random_state``: one chip) and every sequence
    runs from the initial state.

    Parameters
    ----------
    reservoir : Reservoir
        E.g. ``hardware.ResistiveLSM(steps_per_input=1, spike_features="cumulative")``.
    inputs : array of shape (n, T, d)
    chunk : int
        Sequences run together in one vmapped scan.

    Returns
    -------
    ndarray of shape (n, n_features)

    Examples
    --------
    >>> from hardware import ResistiveLSM
    >>> lsm = ResistiveLSM(n_units=20, steps_per_input=1, spike_features="cumulative", random_state=0)
    >>> spike_counts(lsm, np.ones((3, 10, 4))).shape
    (3, 20)
    """
    inputs = np.asarray(inputs, dtype=np.float64)
    if inputs.ndim != 3 or len(inputs) == 0:
        raise ValueError(f"inputs must have shape (n, T, d) with n >= 1, got {inputs.shape}")
    params = reservoir.initialize(inputs.shape[2], reservoir.random_state)
    out = []
    for start in range(0, len(inputs), chunk):
        feats, _ = run_sequences(reservoir, params, list(inputs[start:start + chunk]))
        out.append(np.stack([f[-1] for f in feats]))
    return np.concatenate(out)


def stratified_split(labels, fractions=(0.5, 0.2, 0.3), random_state=0):
    """``"train"``/``"val"``/``"test"`` for each sample, the fractions taken within each class.

    Examples
    --------
    >>> s = stratified_split(np.repeat([0, 1], 10))
    >>> [int((s == k).sum()) for k in ("train", "val", "test")]
    [10, 4, 6]
    """
    labels = np.asarray(labels)
    rng = make_rng(random_state)
    split = np.empty(len(labels), dtype="<U5")
    for c in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == c))
        a, b = _cuts(len(idx), fractions)
        split[idx[:a]], split[idx[a:b]], split[idx[b:]] = "train", "val", "test"
    return split


def group_split(groups, fractions=(0.5, 0.2, 0.3), random_state=0):
    """Split by group (e.g. speaker): every group falls wholly into one of train/val/test.

    Examples
    --------
    >>> s = group_split(np.repeat(np.arange(10), 3))
    >>> all(len(set(s[3 * g: 3 * g + 3])) == 1 for g in range(10))
    True
    """
    groups = np.asarray(groups)
    names = np.unique(groups)
    order = make_rng(random_state).permutation(len(names))
    a, b = _cuts(len(names), fractions)
    role = {}
    for k, i in enumerate(order):
        role[names[i]] = "train" if k < a else ("val" if k < b else "test")
    return np.array([role[g] for g in groups], dtype="<U5")


def _cuts(n, fractions):
    if len(fractions) != 3 or min(fractions) <= 0 or not np.isclose(sum(fractions), 1.0):
        raise ValueError(f"fractions must be three positive numbers summing to 1, got {fractions}")
    a = int(round(fractions[0] * n))
    b = a + int(round(fractions[1] * n))
    return a, b


def balanced_test_sets(audio_labels, audio_mask, image_labels, image_mask, classes, per_class=100):
    """The authors' test sets: the same number of audio and image items of every class.

    For each class ``c`` the first ``n_c = min(#audio, #images, per_class)`` candidates of
    each modality (in index order) are kept, as ``zero_shot_sim.py`` keeps, per class, up to 100
    N-TIDIGITS test utterances and as many N-MNIST test images. A balanced gallery makes chance
    exactly ``1 / len(classes)`` in both directions.

    Parameters
    ----------
    audio_labels, image_labels : arrays of int
    audio_mask, image_mask : arrays of bool
        The candidates (e.g. the test split).
    classes : sequence of int
    per_class : int, default=100

    Returns
    -------
    audio_index, image_index : int arrays, class by class

    Examples
    --------
    >>> a, i = balanced_test_sets([1, 1, 2, 2, 2], [True] * 5, [2, 1, 2], [True] * 3, (1, 2))
    >>> a.tolist(), i.tolist()
    ([0, 2, 3], [1, 0, 2])
    """
    audio_labels, image_labels = np.asarray(audio_labels), np.asarray(image_labels)
    audio_mask, image_mask = np.asarray(audio_mask, dtype=bool), np.asarray(image_mask, dtype=bool)
    if audio_mask.shape != audio_labels.shape or image_mask.shape != image_labels.shape:
        raise ValueError("audio_mask and image_mask must have the shapes of audio_labels and image_labels")
    per_class = check_positive_int(per_class, "per_class")
    audio_index, image_index = [], []
    for c in classes:
        a = np.flatnonzero(audio_mask & (audio_labels == c))
        i = np.flatnonzero(image_mask & (image_labels == c))
        n = min(len(a), len(i), per_class)
        if n == 0:
            raise ValueError(f"class {c} has no candidate in one of the modalities")
        audio_index.append(a[:n])
        image_index.append(i[:n])
    return np.concatenate(audio_index), np.concatenate(image_index)


def class_splits(name):
    """Seen/unseen class splits: ``"authors"`` (1-7 / 8-9, digit 0 unused), ``"pairs"``
    (every pair of digits 1-9 unseen, the other seven seen: 36 splits), ``"triple"``
    (0-6 / 7-9: three unseen classes, chance 1/3).

    Examples
    --------
    >>> class_splits("authors")
    [((1, 2, 3, 4, 5, 6, 7), (8, 9))]
    >>> len(class_splits("pairs")), class_splits("pairs")[0][1]
    (36, (1, 2))
    """
    if name == "authors":
        return [(SEEN, UNSEEN)]
    if name == "pairs":
        return [(tuple(c for c in range(1, 10) if c not in pair), pair)
                for pair in itertools.combinations(range(1, 10), 2)]
    if name == "triple":
        return [(tuple(range(7)), (7, 8, 9))]
    raise ValueError(f"name must be 'authors', 'pairs' or 'triple', got {name!r}")


def _seen_masks(audio_split, audio_labels, image_split, image_labels, seen):
    """Masks of the seen-class training and validation items: ``(audio train, image train,
    audio val, image val)``; a ValueError when one of them is empty."""
    def pick(split, labels, name):
        return (split == name) & np.isin(labels, seen)

    masks = (pick(audio_split, audio_labels, "train"), pick(image_split, image_labels, "train"),
             pick(audio_split, audio_labels, "val"), pick(image_split, image_labels, "val"))
    if not all(mask.any() for mask in masks):
        raise ValueError("every split of both modalities needs samples of the seen classes")
    return masks


def evaluate_retrieval(heads, audio, audio_labels, images, image_labels):
    """Top-1 retrieval both ways among the given test items (the authors' metric), and
    against class prototypes.

    Returns
    -------
    dict with ``a2i``, ``i2a`` (gallery top-1), ``a2i_prototype``, ``i2a_prototype``.
    """
    za, zi = heads.transform_a(audio), heads.transform_b(images)
    return {"a2i": retrieval_top1(za, audio_labels, zi, image_labels),
            "i2a": retrieval_top1(zi, image_labels, za, audio_labels),
            "a2i_prototype": prototype_top1(za, audio_labels, zi, image_labels),
            "i2a_prototype": prototype_top1(zi, image_labels, za, audio_labels)}


def train_heads(audio, audio_labels, audio_split, images, image_labels, image_split, variants, seen=SEEN,
                random_state=0, monitor=None):
    """Train heads on the seen training pairs, select epoch and variant on seen validation data.

    Parameters
    ----------
    audio, images : arrays of shape (n_a, d_a), (n_i, d_i)
        Frozen features of every sample.
    audio_labels, image_labels : arrays of int
    audio_split, image_split : arrays of "train"/"val"/"test"
    variants : list of dict
        Keyword arguments of :class:`~reservoir.contrastive.ContrastiveHeads` to choose from.
    seen : tuple of int
        Classes used for training and validation.
    monitor : callable or None
        ``monitor(heads)`` is called after every epoch of every variant; its result is ignored
        (for diagnostics, e.g. recording what selection on other data would have picked).

    Returns
    -------
    heads : ContrastiveHeads
        The selected heads (best validation score over variants and epochs).
    info : dict
        The selected variant, its epoch and validation score (mean of the two directions).
    """
    tra, tri, vaa, vai = _seen_masks(audio_split, audio_labels, image_split, image_labels, seen)

    def score(h):
        r = evaluate_retrieval(h, audio[vaa], audio_labels[vaa], images[vai], image_labels[vai])
        return 0.5 * (r["a2i"] + r["i2a"])

    def validate(h):
        if monitor is not None:
            monitor(h)
        return score(h)

    best, best_score, best_variant = None, -np.inf, None
    for variant in variants:
        heads = ContrastiveHeads(random_state=random_state, **variant)
        heads.fit(audio[tra], audio_labels[tra], images[tri], image_labels[tri], validation=validate)
        value = score(heads)
        if value > best_score:
            best, best_score, best_variant = heads, value, variant
    return best, {"variant": best_variant, "epoch": best.best_epoch_, "val_score": best_score}


def train_class_scores(audio, audio_labels, audio_split, images, image_labels, image_split, Cs=(0.01, 0.1, 1.0),
                       seen=SEEN):
    """Fit :class:`~reservoir.class_scores.ClassScoreEmbedding` on the seen training samples,
    choosing ``C`` by validation retrieval of the seen classes (as :func:`train_heads`).

    Returns
    -------
    embedding : ClassScoreEmbedding
    info : dict
        The chosen ``C`` and its validation score (mean of the two directions).
    """
    tra, tri, vaa, vai = _seen_masks(audio_split, audio_labels, image_split, image_labels, seen)
    best, best_score, best_c = None, -np.inf, None
    for c in Cs:
        emb = ClassScoreEmbedding(C=c).fit(audio[tra], audio_labels[tra], images[tri], image_labels[tri])
        r = evaluate_retrieval(emb, audio[vaa], audio_labels[vaa], images[vai], image_labels[vai])
        value = 0.5 * (r["a2i"] + r["i2a"])
        if value > best_score:
            best, best_score, best_c = emb, value, c
    return best, {"C": best_c, "val_score": best_score}
