"""Build ``data/spoken_digits_events.npz``: N-TIDIGITS-like cochlea events of synthetic speech.

N-TIDIGITS (Anumula et al. 2018) cannot be downloaded here, so this script makes an offline
counterpart. Every utterance is one English digit word ("zero" ... "nine") spoken by espeak-ng
with a random voice (an English accent with a voice variant: one "speaker"), speaking rate and
pitch, preceded by a random silence, scaled to a fixed peak level, mixed with pink background
noise at a random signal-to-noise ratio, and encoded by :class:`reservoir.events.Cochlea` (64
gammatone channels, integrate-and-fire) into spike events, as the CochleaAMS1b did for the
TIDIGITS recordings.

The npz holds, for all utterances concatenated, the spike times (uint16 ms, i.e. 1 ms
resolution, the authors' binning) and channels (uint8), the offsets of each utterance, and per
utterance its digit, speaker id, speaking rate, pitch and SNR. The SHA-256 goes beside it, and
``reservoir.events.load_spoken_digits`` checks it. Needs espeak-ng (Debian package
``espeak-ng``); the package and its tests only read the shipped file.

Run: ``python benchmarks/build_spoken_digits.py [--per-class 120] [--seed 0] [--out data/spoken_digits_events.npz]``
"""

import argparse
import hashlib
import io
import os
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy.io import wavfile

from reservoir.events.cochlea import Cochlea

ROOT = Path(__file__).resolve().parents[1]
WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
ACCENTS = ["en-us", "en-gb", "en-gb-scotland", "en-gb-x-gbclan", "en-gb-x-rp", "en-gb-x-gbcwmd", "en-029",
           "en-us-nyc"]
VARIANTS = ["m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5"]
PEAK = 0.5


def speak(word, voice, speed, pitch):
    """espeak-ng's waveform of ``word`` (float in [-1, 1]) and its sampling rate."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "w.wav")
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", path, word],
                       check=True, capture_output=True)
        fs, x = wavfile.read(path)
    return x.astype(np.float64) / 32768.0, fs


def pink_noise(n, rng):
    """Noise with a 1/f power spectrum (unit RMS)."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n)
    spectrum[1:] /= np.sqrt(f[1:])
    spectrum[0] = 0.0
    x = np.fft.irfft(spectrum, n)
    return x / np.sqrt(np.mean(x**2))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, default=120)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(ROOT / "data" / "spoken_digits_events.npz"))
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    cochlea = Cochlea()
    speakers = [f"{a}+{v}" for a in ACCENTS for v in VARIANTS]
    times, channels, offsets = [], [], [0]
    meta = {k: [] for k in ("label", "speaker", "speed", "pitch", "snr_db")}
    start = time.perf_counter()
    for i in range(args.per_class * len(WORDS)):
        label = i % len(WORDS)
        speaker = int(rng.integers(len(speakers)))
        speed, pitch = int(rng.integers(110, 221)), int(rng.integers(20, 81))
        snr_db = float(rng.uniform(5.0, 25.0))
        x, fs = speak(WORDS[label], speakers[speaker], speed, pitch)
        x = np.concatenate([np.zeros(int(rng.uniform(0.0, 0.1) * fs)), x])
        x *= PEAK / max(np.abs(x).max(), 1e-12)
        signal_rms = np.sqrt(np.mean(x[np.abs(x) > 1e-3 * PEAK] ** 2))
        x = x + signal_rms * 10 ** (-snr_db / 20) * pink_noise(x.size, rng)
        t, c = cochlea.encode(x, fs)
        times.append(np.round(t).astype(np.uint16))
        channels.append(c.astype(np.uint8))
        offsets.append(offsets[-1] + t.size)
        for key, value in zip(meta, (label, speaker, speed, pitch, snr_db)):
            meta[key].append(value)
    arrays = {
        "times_ms": np.concatenate(times), "channels": np.concatenate(channels),
        "offsets": np.asarray(offsets, dtype=np.int64),
        "labels": np.asarray(meta["label"], dtype=np.uint8), "speakers": np.asarray(meta["speaker"], dtype=np.uint8),
        "speed_wpm": np.asarray(meta["speed"], dtype=np.uint16), "pitch": np.asarray(meta["pitch"], dtype=np.uint8),
        "snr_db": np.asarray(meta["snr_db"], dtype=np.float32), "speaker_names": np.asarray(speakers),
        "words": np.asarray(WORDS),
    }
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    path = Path(args.out)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(buffer.getvalue())
    tmp.replace(path)  # atomic: a killed run leaves the old file
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    (path.parent / (path.name + ".sha256")).write_text(f"{digest}  {path.name}\n")
    n_events = np.diff(arrays["offsets"])
    print(f"{len(n_events)} utterances, {len(speakers)} speakers, events per utterance median "
          f"{np.median(n_events):.0f} (IQR {np.percentile(n_events, 25):.0f}-{np.percentile(n_events, 75):.0f}), "
          f"{time.perf_counter() - start:.0f} s")
    print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB), sha256 {digest}")


if __name__ == "__main__":
    main()
