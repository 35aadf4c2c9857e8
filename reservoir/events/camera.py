"""A simulated event camera (dynamic vision sensor): log-intensity changes become ON/OFF events.

Each pixel keeps the log intensity at its last event (its reference). When the present log
intensity differs from the reference by at least the pixel's contrast threshold, the pixel emits
one event per threshold crossed (ON when brighter, OFF when darker) and moves its reference by
that many thresholds, unless it is still refractory from its previous event, in which case the
change waits (the reference is kept, as in a real pixel whose comparator is reset only after the
refractory period). Thresholds vary from pixel to pixel (fixed-pattern mismatch) and every pixel
also fires background-activity noise events at a small Poisson rate, as the ATIS sensor of
N-MNIST does. The first frame sets the references and emits nothing but noise.
"""

import numpy as np

from ..base import make_rng
from ..validation import check_nonnegative_int, check_real

__all__ = ["EventCamera", "EVENT_DTYPE"]

#: One event: time step, column, row, polarity (+1 ON, -1 OFF).
EVENT_DTYPE = np.dtype([("t", np.int32), ("x", np.int16), ("y", np.int16), ("p", np.int8)])


class EventCamera:
    """Turn a movie of intensity frames into a list of ON/OFF events.

    Parameters
    ----------
    threshold : float, default=0.5
        Mean contrast threshold: the change of ``log(intensity + eps)`` that makes one event.
    threshold_mismatch : float, default=0.03
        Standard deviation of the per-pixel threshold around ``threshold`` (fixed per camera).
    refractory : int, default=1
        Frames after an event during which the pixel emits nothing (0: none).
    noise_rate : float, default=0.002
        Probability per pixel and frame of a background-activity event (random polarity).
    eps : float, default=0.02
        Offset inside the logarithm; it keeps dark pixels from producing endless events.
    random_state : int, Generator or None
        Seed of the threshold mismatch (the camera) and, unless given to :meth:`record`, of the
        noise.

    Examples
    --------
    >>> import numpy as np
    >>> frames = np.full((5, 4, 4), 0.1)
    >>> frames[2:, 1, 1] = 1.0                      # one pixel brightens at frame 2
    >>> cam = EventCamera(noise_rate=0.0, threshold_mismatch=0.0, random_state=0)
    >>> ev = cam.record(frames)
    >>> [(int(e["t"]), int(e["x"]), int(e["y"]), int(e["p"])) for e in ev][:2]
    [(2, 1, 1, 1), (2, 1, 1, 1)]
    """

    def __init__(self, threshold=0.5, threshold_mismatch=0.03, refractory=1, noise_rate=0.002, eps=0.02,
                 random_state=None):
        self.threshold = threshold
        self.threshold_mismatch = threshold_mismatch
        self.refractory = refractory
        self.noise_rate = noise_rate
        self.eps = eps
        self.random_state = random_state

    def _check(self):
        check_real(self.threshold, "threshold", low=0, low_inclusive=False)
        check_real(self.threshold_mismatch, "threshold_mismatch", low=0)
        check_nonnegative_int(self.refractory, "refractory")
        check_real(self.noise_rate, "noise_rate", low=0, high=1)
        check_real(self.eps, "eps", low=0, low_inclusive=False)

    def thresholds(self, shape):
        """Per-pixel contrast thresholds of this camera (the same for every recording)."""
        self._check()
        rng = make_rng(self.random_state)
        theta = self.threshold + self.threshold_mismatch * rng.standard_normal(shape)
        # A pixel with a vanishing threshold would fire on every frame; real comparators cannot.
        return np.maximum(theta, 0.2 * self.threshold)

    def record(self, frames, random_state=None, dense=False):
        """Events of one movie.

        Parameters
        ----------
        frames : array of shape (T, H, W) or (B, T, H, W)
            Non-negative intensities; a batch of movies is recorded with one camera.
        random_state : int, Generator or None
            Seed of the noise events (defaults to the camera's ``random_state``).
        dense : bool, default=False
            Return signed event counts of shape ``(..., T, H, W, 2)`` (channel 0 ON, 1 OFF)
            instead of an event list; a batch always gives dense counts.

        Returns
        -------
        events : structured array of :data:`EVENT_DTYPE`, sorted by time, or dense counts.
        """
        frames = np.asarray(frames, dtype=np.float64)
        if frames.ndim not in (3, 4):
            raise ValueError(f"frames must have shape (T, H, W) or (B, T, H, W), got {frames.shape}")
        if frames.shape[-3] < 1 or not np.all(np.isfinite(frames)) or np.any(frames < 0):
            raise ValueError("frames must be finite, non-negative intensities with at least one frame")
        batch = frames.ndim == 4
        movies = frames if batch else frames[None]
        theta = self.thresholds(movies.shape[-2:])
        rng = make_rng(self.random_state if random_state is None else random_state)
        counts = self._simulate(np.log(movies + self.eps), theta, rng)
        if batch or dense:
            return counts if batch else counts[0]
        return _event_list(counts[0])

    def _simulate(self, log_frames, theta, rng):
        B, T, H, W = log_frames.shape
        # int8 counts: a frame-to-frame log change would need 127 thresholds to overflow.
        counts = np.zeros((B, T, H, W, 2), dtype=np.int8)
        log_frames = log_frames.astype(np.float32)
        theta = theta.astype(np.float32)
        reference = log_frames[:, 0].copy()
        # Frames since the last event; large at the start so that nothing is refractory.
        since = np.full((B, H, W), 1 << 20, dtype=np.int32)
        for t in range(1, T):
            since += 1
            diff = log_frames[:, t] - reference
            n = np.floor(np.abs(diff) / theta)
            n[since <= self.refractory] = 0
            fire = n > 0
            reference += np.sign(diff) * n * theta
            n = np.minimum(n, 127).astype(np.int8)
            counts[:, t, ..., 0] = np.where(diff > 0, n, 0)
            counts[:, t, ..., 1] = np.where(diff < 0, n, 0)
            since[fire] = 0
        if self.noise_rate > 0:
            # Background activity, independent of the signal (leakage events ignore refractoriness).
            n_noise = rng.binomial(B * T * H * W, self.noise_rate)
            flat = rng.integers(0, B * T * H * W, n_noise)
            channel = rng.integers(0, 2, n_noise)
            np.add.at(counts.reshape(-1, 2), (flat, channel), 1)
        return counts


def _event_list(counts):
    """Dense (T, H, W, 2) counts to a time-sorted event list (one entry per event)."""
    t, y, x, c = np.nonzero(counts)
    reps = counts[t, y, x, c].astype(np.int64)
    events = np.zeros(int(reps.sum()), dtype=EVENT_DTYPE)
    events["t"] = np.repeat(t, reps)
    events["x"] = np.repeat(x, reps)
    events["y"] = np.repeat(y, reps)
    events["p"] = np.repeat(np.where(c == 0, 1, -1), reps)
    return events
