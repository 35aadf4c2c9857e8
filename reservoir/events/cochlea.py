"""A silicon-cochlea-like spike encoder: a gammatone filterbank and integrate-and-fire channels.

N-TIDIGITS was recorded by playing TIDIGITS through a loudspeaker to a CochleaAMS1b, a 64-channel
binaural silicon cochlea whose channels are band-pass filters followed by half-wave rectification
and integrate-and-fire neurons (Anumula et al., Front. Neurosci. 2018). This encoder does the
same in software: 64 fourth-order gammatone filters (:func:`scipy.signal.gammatone`) with centre
frequencies evenly spaced on the ERB-rate scale, half-wave rectification, a compressive power
law (the cochlea's automatic gain control, to first order), and a non-leaky integrate-and-fire
neuron per channel with reset by subtraction. That neuron fires exactly when the running
integral of its drive crosses a multiple of the threshold, so it is computed without a loop;
a refractory period then drops spikes closer than ``refractory_ms`` to the previous one.
"""

import numpy as np
from scipy.signal import gammatone, lfilter

from ..validation import check_positive_int, check_real

__all__ = ["Cochlea", "erb_space"]


def erb_space(f_low, f_high, n):
    """``n`` frequencies from ``f_low`` to ``f_high`` (Hz) evenly spaced on the ERB-rate scale.

    ERB-rate (Glasberg & Moore 1990): ``21.4 log10(1 + 0.00437 f)``.

    Examples
    --------
    >>> f = erb_space(100, 8000, 64)
    >>> round(float(f[0])), round(float(f[-1])), bool(np.all(np.diff(f) > 0))
    (100, 8000, True)
    """
    check_real(f_low, "f_low", low=0, low_inclusive=False)
    check_real(f_high, "f_high", low=f_low, low_inclusive=False)
    n = check_positive_int(n, "n", minimum=2)
    rate = np.linspace(21.4 * np.log10(1 + 0.00437 * f_low), 21.4 * np.log10(1 + 0.00437 * f_high), n)
    return (10 ** (rate / 21.4) - 1) / 0.00437


class Cochlea:
    """Waveform to spike events: gammatone channels and integrate-and-fire neurons.

    Parameters
    ----------
    n_channels : int, default=64
        Channels (the CochleaAMS1b has 64 per ear).
    f_low, f_high : float, default=100.0, 8000.0
        Lowest and highest centre frequency (Hz); ``f_high`` must be below half the sampling rate.
    compression : float, default=0.3
        Exponent applied to the rectified filter output.
    threshold : float, default=2.0
        Integrate-and-fire threshold, in units of (compressed amplitude x ms).
    refractory_ms : float, default=1.0
        Minimum interval between two spikes of one channel.

    Examples
    --------
    >>> fs = 22050
    >>> t = np.arange(fs // 4) / fs
    >>> tone = 0.1 * np.sin(2 * np.pi * 1000 * t)
    >>> times, channels = Cochlea().encode(tone, fs)
    >>> best = np.bincount(channels, minlength=64).argmax()
    >>> bool(abs(Cochlea().centre_frequencies()[best] - 1000) < 150)
    True
    """

    def __init__(self, n_channels=64, f_low=100.0, f_high=8000.0, compression=0.3, threshold=2.0, refractory_ms=1.0):
        self.n_channels = n_channels
        self.f_low = f_low
        self.f_high = f_high
        self.compression = compression
        self.threshold = threshold
        self.refractory_ms = refractory_ms

    def centre_frequencies(self):
        """Centre frequencies (Hz) of the channels, lowest first."""
        return erb_space(self.f_low, self.f_high, check_positive_int(self.n_channels, "n_channels", minimum=2))

    def filter(self, waveform, fs):
        """Gammatone channel outputs, shape ``(n_channels, len(waveform))``."""
        waveform = np.asarray(waveform, dtype=np.float64)
        if waveform.ndim != 1 or waveform.size == 0 or not np.all(np.isfinite(waveform)):
            raise ValueError("waveform must be a non-empty, finite 1-D array")
        fs = check_real(fs, "fs", low=0, low_inclusive=False)
        if self.f_high >= fs / 2:
            raise ValueError(f"f_high ({self.f_high} Hz) must be below half the sampling rate fs={fs}")
        out = np.empty((self.n_channels, waveform.size))
        for i, f in enumerate(self.centre_frequencies()):
            b, a = gammatone(f, "iir", fs=fs)
            out[i] = lfilter(b, a, waveform)
        return out

    def encode(self, waveform, fs):
        """Spike events of a waveform sampled at ``fs`` Hz.

        Returns
        -------
        times_ms : float ndarray
            Spike times in ms from the start of the waveform, sorted.
        channels : int ndarray
            Channel of each spike (0 = lowest frequency).
        """
        check_real(self.compression, "compression", low=0, low_inclusive=False)
        check_real(self.threshold, "threshold", low=0, low_inclusive=False)
        check_real(self.refractory_ms, "refractory_ms", low=0)
        fs = check_real(fs, "fs", low=0, low_inclusive=False)
        drive = np.maximum(self.filter(waveform, fs), 0.0) ** self.compression
        # Non-leaky IF with reset by subtraction: spike k when the integral first reaches k thresholds.
        level = np.floor(np.cumsum(drive, axis=1) * (1000.0 / fs) / self.threshold)
        channels, samples = np.nonzero(np.diff(level, axis=1, prepend=0.0) > 0)
        times = samples * (1000.0 / fs)
        if self.refractory_ms > 0 and times.size:
            keep = np.ones(times.size, dtype=bool)
            last = np.full(self.n_channels, -np.inf)
            for j in range(times.size):  # spikes are sorted by channel, then time
                if times[j] - last[channels[j]] < self.refractory_ms:
                    keep[j] = False
                else:
                    last[channels[j]] = times[j]
            channels, times = channels[keep], times[keep]
        order = np.argsort(times, kind="stable")
        return times[order], channels[order]
