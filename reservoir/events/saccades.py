"""Digit movies along the N-MNIST three-saccade path (Orchard et al., Front. Neurosci. 2015).

N-MNIST was recorded by an ATIS event camera on a pan-tilt unit that made three 100 ms
micro-saccades tracing a triangle in front of each MNIST digit on a monitor, giving 34x34-pixel
recordings of about 300 ms. Here the scikit-learn 8x8 digits are upsampled to 28x28 (the MNIST
size), put on a 34x34 canvas and translated, with sub-pixel bilinear interpolation, along a
triangle of the same kind. The vertices used here, (0, 0) -> (3, 6) -> (6, 0) -> (0, 0) pixels
(x, y), are an approximation: the exact pan-tilt angles of N-MNIST are not reproduced.
"""

import numpy as np
from scipy.ndimage import zoom

from ..validation import check_positive_int, check_real

__all__ = ["SACCADE_VERTICES", "digit_movies", "saccade_path", "upsample_digits"]

#: Vertices (x, y) in pixels of the triangle the three saccades trace.
SACCADE_VERTICES = np.array([[0.0, 0.0], [3.0, 6.0], [6.0, 0.0], [0.0, 0.0]])


def saccade_path(steps_per_saccade=100):
    """Offsets (x, y) in pixels at each frame of the three saccades.

    Each saccade moves at constant speed from one vertex of :data:`SACCADE_VERTICES` to the
    next in ``steps_per_saccade`` frames; the first frame is the start vertex.

    Examples
    --------
    >>> p = saccade_path(4)
    >>> p.shape, p[0].tolist(), p[4].tolist()
    ((13, 2), [0.0, 0.0], [3.0, 6.0])
    """
    n = check_positive_int(steps_per_saccade, "steps_per_saccade")
    parts = [SACCADE_VERTICES[:1]]
    for a, b in zip(SACCADE_VERTICES[:-1], SACCADE_VERTICES[1:]):
        f = np.arange(1, n + 1)[:, None] / n
        parts.append(a + f * (b - a))
    return np.concatenate(parts)


def upsample_digits(images, size=28, scale=None):
    """Upsample square grey images of shape (n, h, h) to (n, size, size), values in [0, 1].

    Cubic spline interpolation, clipped to the input range, so strokes stay smooth edges for
    the camera. Values are divided by ``scale`` (None: the largest value of ``images``; 16 for
    scikit-learn's digits).

    Examples
    --------
    >>> upsample_digits(np.ones((1, 8, 8)) * 16).shape
    (1, 28, 28)
    """
    images = np.asarray(images, dtype=np.float64)
    if images.ndim != 3 or images.shape[1] != images.shape[2]:
        raise ValueError(f"images must have shape (n, h, h), got {images.shape}")
    size = check_positive_int(size, "size", minimum=2)
    top = (images.max() if images.max() > 0 else 1.0) if scale is None else check_real(scale, "scale", low=0, low_inclusive=False)
    out = zoom(images / top, (1, size / images.shape[1], size / images.shape[2]), order=3)
    return np.clip(out, 0.0, 1.0)


def digit_movies(digits, canvas=34, steps_per_saccade=100, background=0.05, contrast=1.0):
    """Intensity movies of digits moving along the saccade path.

    Parameters
    ----------
    digits : array of shape (n, s, s)
        Digit images in [0, 1] (e.g. from :func:`upsample_digits`); ``s + 6 <= canvas``.
    canvas : int, default=34
        Side of the sensor in pixels (N-MNIST: 34).
    steps_per_saccade : int, default=100
        Frames per saccade (1 ms frames: N-MNIST's 100 ms saccades).
    background, contrast : float
        Intensity is ``background + contrast * digit`` (a bright digit on a dim screen).

    Returns
    -------
    ndarray of shape (n, 3 * steps_per_saccade + 1, canvas, canvas)

    Examples
    --------
    >>> m = digit_movies(np.ones((2, 28, 28)), steps_per_saccade=10)
    >>> m.shape
    (2, 31, 34, 34)
    """
    digits = np.asarray(digits, dtype=np.float64)
    if digits.ndim != 3:
        raise ValueError(f"digits must have shape (n, s, s), got {digits.shape}")
    canvas = check_positive_int(canvas, "canvas")
    check_real(background, "background", low=0)
    check_real(contrast, "contrast", low=0)
    path = saccade_path(steps_per_saccade)
    span = int(np.ceil(path.max()))
    s = digits.shape[1]
    if s + span > canvas:
        raise ValueError(f"digits of side {s} moved by up to {span} pixels do not fit a canvas of {canvas}")
    ix, iy = np.floor(path[:, 0]).astype(int), np.floor(path[:, 1]).astype(int)
    fx, fy = path[:, 0] - ix, path[:, 1] - iy
    # Bilinear interpolation: the digit is added at the four integer shifts around the offset.
    movies = np.zeros((digits.shape[0], len(path), canvas + 1, canvas + 1), dtype=np.float32)
    digits32 = digits.astype(np.float32)
    for t in range(len(path)):
        for dy, dx, w in ((0, 0, (1 - fx[t]) * (1 - fy[t])), (0, 1, fx[t] * (1 - fy[t])),
                          (1, 0, (1 - fx[t]) * fy[t]), (1, 1, fx[t] * fy[t])):
            if w > 0:
                y0, x0 = iy[t] + dy, ix[t] + dx
                movies[:, t, y0:y0 + s, x0:x0 + s] += np.float32(w) * digits32
    movies = movies[:, :, :canvas, :canvas]
    return background + contrast * movies
