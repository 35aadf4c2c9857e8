"""Event data: the simulated event camera, the saccade movies, the cochlea and the shipped audio."""

import hashlib
from pathlib import Path

import numpy as np
import pytest

from reservoir.events import (Cochlea, EventCamera, bin_audio_events, bin_image_events, digit_events, digit_movies,
                              load_spoken_digits, saccade_path, spoken_digit_inputs, upsample_digits,
                              utterance_events)


def test_static_scene_gives_no_events_without_noise():
    frames = np.tile(np.random.default_rng(0).random((1, 6, 7)), (40, 1, 1))
    ev = EventCamera(noise_rate=0.0, random_state=0).record(frames)
    assert len(ev) == 0


def test_static_scene_gives_only_noise_events():
    rate = 0.01
    frames = np.tile(np.random.default_rng(0).random((1, 20, 20)), (200, 1, 1))
    counts = EventCamera(noise_rate=rate, random_state=0).record(frames, dense=True)
    n = counts.sum()
    expected = rate * counts[..., 0].size
    assert abs(n - expected) < 5 * np.sqrt(expected)
    # Noise is balanced between polarities.
    assert abs(counts[..., 0].sum() - counts[..., 1].sum()) < 5 * np.sqrt(n)


def test_polarity_follows_brightening_and_darkening():
    t = np.linspace(0, 1, 30)
    up = np.broadcast_to((0.1 + t)[:, None, None], (30, 3, 3))
    down = up[::-1]
    cam = EventCamera(noise_rate=0.0, threshold_mismatch=0.0, random_state=0)
    ev_up, ev_down = cam.record(up), cam.record(down)
    assert len(ev_up) > 0 and np.all(ev_up["p"] == 1)
    assert len(ev_down) > 0 and np.all(ev_down["p"] == -1)
    # Without refractoriness the count is the number of thresholds crossed: log(1.12/0.12)/0.5 -> 4 per pixel.
    assert len(ev_up) == 9 * int(np.log(1.12 / 0.12) / 0.5)


def test_step_change_gives_one_event_per_threshold():
    frames = np.full((4, 1, 1), 0.1)
    frames[2:] = 1.0
    ev = EventCamera(noise_rate=0.0, threshold_mismatch=0.0, threshold=0.3, random_state=0).record(frames)
    assert len(ev) == int(np.log(1.02 / 0.12) / 0.3) and set(ev["t"].tolist()) == {2}


@pytest.mark.parametrize("refractory", [0, 2, 5])
def test_refractory_period_is_respected(refractory):
    # A steady fast ramp would fire every frame; refractory pixels must skip frames.
    frames = np.broadcast_to(np.exp(np.linspace(0, 10, 60))[:, None, None], (60, 2, 2))
    ev = EventCamera(noise_rate=0.0, refractory=refractory, threshold_mismatch=0.0, random_state=0).record(frames)
    for x in range(2):
        for y in range(2):
            times = np.unique(ev["t"][(ev["x"] == x) & (ev["y"] == y)])
            assert len(times) > 3
            assert np.diff(times).min() > refractory


def test_camera_is_deterministic_and_validates():
    frames = np.random.default_rng(1).random((10, 5, 5))
    a = EventCamera(random_state=3).record(frames, random_state=4)
    b = EventCamera(random_state=3).record(frames, random_state=4)
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="frames"):
        EventCamera().record(-frames)
    with pytest.raises(ValueError, match="threshold"):
        EventCamera(threshold=0.0).record(frames)


def test_saccade_path_is_a_closed_triangle():
    p = saccade_path(10)
    assert p.shape == (31, 2)
    np.testing.assert_allclose(p[0], p[-1])
    np.testing.assert_allclose(p[[10, 20]], [[3, 6], [6, 0]])
    steps = np.linalg.norm(np.diff(p, axis=0), axis=1)
    for k in range(3):  # constant speed within each saccade
        np.testing.assert_allclose(steps[10 * k:10 * k + 10], steps[10 * k])


def test_digit_movies_conserve_the_digit_while_it_moves():
    digits = upsample_digits(np.random.default_rng(0).integers(0, 17, (2, 8, 8)), scale=16)
    movies = digit_movies(digits, steps_per_saccade=7, background=0.0)
    # Bilinear translation inside the canvas keeps the total intensity.
    total = np.broadcast_to(digits.sum(axis=(1, 2))[:, None], movies.shape[:2])
    np.testing.assert_allclose(movies.sum(axis=(2, 3)), total, rtol=1e-5)
    with pytest.raises(ValueError, match="canvas"):
        digit_movies(np.ones((1, 30, 30)))


def test_digit_events_shapes_and_activity():
    images = np.zeros((2, 8, 8))
    images[1, 2:6, 3:5] = 16.0
    x, n_events = digit_events(images, steps_per_saccade=20, n_steps=10, camera=EventCamera(noise_rate=0.0))
    assert x.shape == (2, 10, 256) and set(np.unique(x)) <= {0.0, 1.0}
    assert n_events[0] == 0 and n_events[1] > 0  # a blank screen gives nothing


def test_bin_image_events_polarity_channels():
    c = np.zeros((1, 6, 34, 34, 2), dtype=np.int8)
    c[0, 1, 1, 1, 0] = 1  # ON at pixel (1, 1): block (0, 0) of the 32x32 crop at offset 1
    c[0, 4, 1, 1, 1] = 2  # OFF later
    both = bin_image_events(c, n_steps=3, polarity="both")
    assert both.shape == (1, 3, 512)
    assert both[0, 0, 0] == 1 and both[0, 2, 256] == 1 and both.sum() == 2
    assert bin_image_events(c, n_steps=3, polarity="on").sum() == 1


def test_cochlea_is_tonotopic_deterministic_and_level_dependent():
    fs = 22050
    t = np.arange(fs // 5) / fs
    cochlea = Cochlea()
    freqs = cochlea.centre_frequencies()
    assert freqs.shape == (64,) and np.all(np.diff(freqs) > 0)
    for f0 in (300.0, 3000.0):
        times, channels = cochlea.encode(0.1 * np.sin(2 * np.pi * f0 * t), fs)
        best = freqs[np.bincount(channels, minlength=64).argmax()]
        assert abs(np.log(best / f0)) < 0.15
        assert np.all(np.diff(times) >= 0) and times.max() < 1000 * t[-1] + 1
    x = 0.05 * np.random.default_rng(0).standard_normal(fs // 5)
    a, b = cochlea.encode(x, fs), cochlea.encode(x, fs)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert len(cochlea.encode(4 * x, fs)[0]) > len(a[0])
    assert len(cochlea.encode(np.zeros(1000), fs)[0]) == 0
    with pytest.raises(ValueError, match="f_high"):
        cochlea.encode(x, 8000)


def test_cochlea_refractory_period():
    fs = 22050
    x = np.sin(2 * np.pi * 1000 * np.arange(fs // 10) / fs)
    times, channels = Cochlea(refractory_ms=3.0, threshold=0.01).encode(x, fs)
    for c in np.unique(channels):
        assert np.diff(times[channels == c]).min() >= 3.0 - 1e-9


def test_bin_audio_events():
    x = bin_audio_events(np.array([1.0, 5.0, 25.0, 999.0]), np.array([0, 0, 63, 2]), n_steps=3, step_ms=10.0)
    assert x.shape == (3, 64)
    assert x[0, 0] == 1 and x[2, 63] == 1 and x.sum() == 2  # two events in one bin count once; late one dropped
    with pytest.raises(ValueError, match="channels"):
        bin_audio_events(np.array([1.0]), np.array([64]))


def test_shipped_spoken_digits_load_and_checksum():
    root = Path(__file__).resolve().parents[1] / "data"
    raw = (root / "spoken_digits_events.npz").read_bytes()
    assert hashlib.sha256(raw).hexdigest() == (root / "spoken_digits_events.npz.sha256").read_text().split()[0]
    data = load_spoken_digits()
    n = len(data["labels"])
    assert n >= 1000 and np.bincount(data["labels"]).min() >= 100
    assert data["offsets"][0] == 0 and data["offsets"][-1] == len(data["times_ms"])
    assert np.all(np.diff(data["offsets"]) > 100)
    assert data["channels"].max() < 64
    assert list(data["words"][:3]) == ["zero", "one", "two"]
    t, c = utterance_events(data, 5)
    assert np.all(np.diff(t) >= 0) and len(t) == data["offsets"][6] - data["offsets"][5]
    x = spoken_digit_inputs({k: (v[:3] if k in ("labels",) else v) for k, v in data.items()}, n_steps=20)
    assert x.shape == (3, 20, 64) and x.max() == 1.0


def test_docstring_examples():
    import doctest

    import reservoir.events.binning
    import reservoir.events.camera
    import reservoir.events.cochlea
    import reservoir.events.saccades
    import reservoir.retrieval

    for module in (reservoir.events.binning, reservoir.events.camera, reservoir.events.cochlea,
                   reservoir.events.saccades, reservoir.retrieval):
        assert doctest.testmod(module).failed == 0, module.__name__
