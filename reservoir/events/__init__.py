"""Event data: a simulated event camera with N-MNIST-like saccades, a silicon-cochlea-like
spike encoder, the shipped N-TIDIGITS-like spoken digits, and binning for liquids.

Examples
--------
>>> from reservoir.events import EventCamera, Cochlea, digit_events, load_spoken_digits
"""

from .binning import bin_audio_events, bin_image_events
from .camera import EVENT_DTYPE, EventCamera
from .cochlea import Cochlea, erb_space
from .nmnist_like import digit_events
from .saccades import SACCADE_VERTICES, digit_movies, saccade_path, upsample_digits
from .spoken_digits import load_spoken_digits, spoken_digit_inputs, utterance_events

__all__ = [
    "EVENT_DTYPE",
    "Cochlea",
    "EventCamera",
    "SACCADE_VERTICES",
    "bin_audio_events",
    "bin_image_events",
    "digit_events",
    "digit_movies",
    "erb_space",
    "load_spoken_digits",
    "saccade_path",
    "spoken_digit_inputs",
    "upsample_digits",
    "utterance_events",
]
