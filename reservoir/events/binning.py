"""Event streams to the binary step tensors a liquid reads (the authors' preprocessing).

Both modalities become ``(n_steps, n_inputs)`` arrays of 0/1: an input is 1 in a step when at
least one event of it fell into that step (Lin et al.'s "any spike in chunk -> 1"). Image events
are pooled over ``pool x pool`` pixel blocks of the central crop (N-MNIST's 34x34 to 16x16, the
authors' input dimension 256; both polarities merged); audio events keep their 64 channels.
"""

import numpy as np

from ..validation import check_positive_int

__all__ = ["bin_audio_events", "bin_image_events"]


def bin_image_events(counts, n_steps=50, side=16, pool=2, polarity="merge"):
    """Bin dense camera counts into a binary ``(n, n_steps, n_inputs)`` input tensor.

    Parameters
    ----------
    counts : array of shape (n, T, H, W, 2)
        Event counts (channel 0 ON, 1 OFF), as :meth:`EventCamera.record` returns for a batch.
    n_steps : int, default=50
        Time steps (the authors' T_w = 50); frames are split into ``n_steps`` near-equal chunks.
    side, pool : int, default=16, 2
        The central ``side * pool`` square is pooled into ``side x side`` blocks.
    polarity : {"merge", "both", "on", "off"}
        Merge ON and OFF into one input per block (``side**2`` inputs), keep both
        (``2 side**2``), or keep one.

    Examples
    --------
    >>> c = np.zeros((1, 10, 34, 34, 2), dtype=np.int16); c[0, 3, 17, 17, 0] = 1
    >>> x = bin_image_events(c, n_steps=5)
    >>> x.shape, int(x.sum()), int(np.argmax(x[0].sum(1)))
    ((1, 5, 256), 1, 1)
    """
    counts = np.asarray(counts)
    if counts.ndim != 5 or counts.shape[-1] != 2:
        raise ValueError(f"counts must have shape (n, T, H, W, 2), got {counts.shape}")
    n_steps = check_positive_int(n_steps, "n_steps")
    side, pool = check_positive_int(side, "side"), check_positive_int(pool, "pool")
    n, T, H, W, _ = counts.shape
    crop = side * pool
    if crop > min(H, W) or n_steps > T:
        raise ValueError(f"a {crop}-pixel crop in {n_steps} steps does not fit counts of shape {counts.shape}")
    channels = {"merge": [0, 1], "both": [0, 1], "on": [0], "off": [1]}
    if polarity not in channels:
        raise ValueError(f"polarity must be 'merge', 'both', 'on' or 'off', got {polarity!r}")
    top, left = (H - crop) // 2, (W - crop) // 2
    c = counts[:, :, top:top + crop, left:left + crop, channels[polarity]] > 0
    c = c.reshape(n, T, side, pool, side, pool, -1).any(axis=(3, 5))
    if polarity == "merge":
        c = c.any(axis=-1, keepdims=True)
    edges = np.linspace(0, T, n_steps + 1).round().astype(int)
    steps = np.logical_or.reduceat(c, edges[:-1], axis=1)
    # Channel-major for "both" so that inputs [0, side**2) are ON and the rest OFF.
    steps = np.moveaxis(steps, -1, 2).reshape(n, n_steps, -1)
    return steps.astype(np.float64)


def bin_audio_events(times_ms, channels, n_channels=64, n_steps=129, step_ms=10.0):
    """Bin one utterance's cochlea events into a binary ``(n_steps, n_channels)`` array.

    Steps are ``step_ms`` long from time 0; events after ``n_steps * step_ms`` are dropped and
    shorter utterances are zero-padded (the authors' 129 steps).

    Examples
    --------
    >>> x = bin_audio_events(np.array([0.5, 12.0, 12.5]), np.array([3, 3, 5]), n_steps=4)
    >>> x.shape, float(x[0, 3]), float(x[1, 3]), float(x[1, 5]), int(x.sum())
    ((4, 64), 1.0, 1.0, 1.0, 3)
    """
    times_ms = np.asarray(times_ms, dtype=np.float64)
    channels = np.asarray(channels)
    if times_ms.shape != channels.shape or times_ms.ndim != 1:
        raise ValueError("times_ms and channels must be 1-D arrays of one length")
    n_channels, n_steps = check_positive_int(n_channels, "n_channels"), check_positive_int(n_steps, "n_steps")
    if step_ms <= 0:
        raise ValueError(f"step_ms must be > 0, got {step_ms}")
    if channels.size and (channels.min() < 0 or channels.max() >= n_channels):
        raise ValueError(f"channels must lie in [0, {n_channels})")
    step = np.floor(times_ms / step_ms).astype(np.int64)
    keep = (step >= 0) & (step < n_steps)
    out = np.zeros((n_steps, n_channels))
    out[step[keep], channels[keep].astype(np.int64)] = 1.0
    return out
