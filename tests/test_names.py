"""One misspelling helper for systems and models: exact, case-insensitive, close matches."""

import pytest

from reservoir.bench import get_model
from reservoir.chaos import system_info
from reservoir.names import resolve_name

CHOICES = ["Lorenz", "Lorenz84", "Rossler", "esn", "onion"]


def test_exact_and_case_insensitive():
    assert resolve_name("Lorenz", CHOICES) == "Lorenz"
    assert resolve_name("lorenz", CHOICES) == "Lorenz"
    assert resolve_name("ROSSLER", CHOICES) == "Rossler"
    assert resolve_name("ESN", CHOICES) == "esn"


def test_close_matches_in_the_error():
    with pytest.raises(ValueError, match=r"unknown system 'Roessler'; did you mean 'Rossler'\?"):
        resolve_name("Roessler", CHOICES, "system")
    with pytest.raises(ValueError, match="unknown model 'lstm'; available: "):
        resolve_name("lstm", CHOICES, "model")


def test_ambiguous_case_is_refused():
    with pytest.raises(ValueError, match="'ABC' or 'abc'|'abc' or 'ABC'"):
        resolve_name("Abc", ["abc", "ABC"], "model")


def test_type_error():
    with pytest.raises(TypeError, match="model name must be a str"):
        resolve_name(3, CHOICES, "model")


def test_used_for_systems_and_models():
    assert system_info("lorenz84").name == "Lorenz84"
    assert get_model("NGRC").name == "ngrc"
    with pytest.raises(ValueError, match="did you mean 'Lorenz84'"):
        system_info("Lorenz48")
