"""N-MNIST-like event data from scikit-learn's 8x8 digits, binned for a liquid.

The pipeline: upsample each digit to 28x28 (:func:`~reservoir.events.saccades.upsample_digits`),
move it along the three-saccade path on a 34x34 sensor for 300 frames of 1 ms
(:func:`~reservoir.events.saccades.digit_movies`), record it with a simulated event camera
(:class:`~reservoir.events.camera.EventCamera`) and bin the events into 50 binary steps over
16x16 pooled pixels (:func:`~reservoir.events.binning.bin_image_events`). Digits are processed in
chunks, so memory stays at a few hundred MB whatever their number.
"""

import numpy as np

from ..base import make_rng
from .binning import bin_image_events
from .camera import EventCamera
from .saccades import digit_movies, upsample_digits

__all__ = ["digit_events"]


def digit_events(images, camera=None, n_steps=50, side=16, pool=2, polarity="merge", steps_per_saccade=100,
                 chunk=100, random_state=0):
    """Binned event tensors of 8x8 digit images seen by a saccading event camera.

    Parameters
    ----------
    images : array of shape (n, 8, 8) or (n, 64)
        Digit images (scikit-learn's ``load_digits``, values 0..16).
    camera : EventCamera or None
        The sensor; None uses ``EventCamera(random_state=random_state)``.
    n_steps, side, pool, polarity
        Binning (see :func:`~reservoir.events.binning.bin_image_events`).
    steps_per_saccade : int, default=100
        1 ms frames per saccade.
    chunk : int, default=100
        Digits per batch of the simulation.
    random_state : int, Generator or None
        Seed of the noise events.

    Returns
    -------
    inputs : float ndarray of shape (n, n_steps, n_inputs), values 0/1
    events_per_digit : int ndarray of shape (n,)
        Events the camera emitted for each digit (noise included), before binning.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> X, events = digit_events(load_digits().images[:3], steps_per_saccade=20, n_steps=10)
    >>> X.shape, bool((events > 0).all())
    ((3, 10, 256), True)
    """
    images = np.asarray(images, dtype=np.float64)
    if images.ndim == 2 and images.shape[1] == 64:
        images = images.reshape(-1, 8, 8)
    if images.ndim != 3:
        raise ValueError(f"images must have shape (n, h, h) or (n, 64), got {images.shape}")
    camera = EventCamera(random_state=random_state) if camera is None else camera
    rng = make_rng(random_state)
    # One scale for all digits (16 for scikit-learn's), so that contrast is comparable.
    scale = images.max() if images.max() > 0 else 1.0
    inputs, counts_per_digit = [], []
    for start in range(0, len(images), chunk):
        digits = upsample_digits(images[start:start + chunk], scale=scale)
        movies = digit_movies(digits, steps_per_saccade=steps_per_saccade)
        counts = camera.record(movies, random_state=rng)
        counts_per_digit.append(counts.reshape(len(counts), -1).sum(axis=1, dtype=np.int64))
        inputs.append(bin_image_events(counts, n_steps=n_steps, side=side, pool=pool, polarity=polarity))
    return np.concatenate(inputs).astype(np.float32), np.concatenate(counts_per_digit)

