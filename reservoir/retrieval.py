"""Cross-modal retrieval metrics: top-1 accuracy of query embeddings against a gallery.

The authors' protocol (Lin et al. 2025, ``zero_shot_sim.py``): every query (e.g. an audio
embedding) scores every gallery item (all image embeddings of the same test set) by their dot
product; the top-scoring item is retrieved and the query counts as a hit when the retrieved
item's class equals the query's. Chance is about one over the number of classes in the gallery
(1/7 on seen classes 1-7, 1/2 on unseen classes 8-9) when the classes are balanced.
"""

import numpy as np

__all__ = ["prototype_top1", "retrieval_top1"]


def _check(queries, query_labels, gallery, gallery_labels):
    queries, gallery = np.asarray(queries, dtype=np.float64), np.asarray(gallery, dtype=np.float64)
    query_labels, gallery_labels = np.asarray(query_labels), np.asarray(gallery_labels)
    if queries.ndim != 2 or gallery.ndim != 2 or queries.shape[1] != gallery.shape[1]:
        raise ValueError(f"queries and gallery must be 2-D with one embedding size, got {queries.shape} "
                         f"and {gallery.shape}")
    if query_labels.shape != (len(queries),) or gallery_labels.shape != (len(gallery),):
        raise ValueError("query_labels and gallery_labels must hold one label per row of queries and gallery")
    if len(queries) == 0 or len(gallery) == 0:
        raise ValueError("queries and gallery must not be empty")
    return queries, query_labels, gallery, gallery_labels


def _unit(x):
    norm = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norm > 0, norm, 1.0)


def retrieval_top1(queries, query_labels, gallery, gallery_labels, normalize=False):
    """Fraction of queries whose highest-scoring gallery item has the query's class.

    Parameters
    ----------
    queries : array of shape (n, d)
    query_labels : array of shape (n,)
    gallery : array of shape (m, d)
    gallery_labels : array of shape (m,)
    normalize : bool, default=False
        Score by cosine similarity instead of the dot product.

    Examples
    --------
    >>> q = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.1]])
    >>> g = np.array([[2.0, 0.0], [0.0, 1.0]])
    >>> retrieval_top1(q, [0, 1, 1], g, [0, 1])
    0.6666666666666666
    """
    queries, query_labels, gallery, gallery_labels = _check(queries, query_labels, gallery, gallery_labels)
    if normalize:
        queries, gallery = _unit(queries), _unit(gallery)
    best = np.argmax(queries @ gallery.T, axis=1)
    return float(np.mean(gallery_labels[best] == query_labels))


def prototype_top1(queries, query_labels, gallery, gallery_labels, normalize=True):
    """Top-1 accuracy against class prototypes: the mean (unit) gallery embedding per class.

    A less noisy variant of :func:`retrieval_top1`: one gallery item per class.

    Examples
    --------
    >>> q = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> g = np.array([[1.0, 0.2], [1.0, -0.2], [0.1, 1.0]])
    >>> prototype_top1(q, [0, 1], g, [0, 0, 1])
    1.0
    """
    queries, query_labels, gallery, gallery_labels = _check(queries, query_labels, gallery, gallery_labels)
    if normalize:
        queries, gallery = _unit(queries), _unit(gallery)
    classes = np.unique(gallery_labels)
    prototypes = np.stack([gallery[gallery_labels == c].mean(axis=0) for c in classes])
    return float(np.mean(classes[np.argmax(queries @ prototypes.T, axis=1)] == query_labels))
