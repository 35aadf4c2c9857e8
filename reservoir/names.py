"""Looking up a name the user typed: exact, then case-insensitive, then a helpful error.

Every place a system, a model or a protocol is named (``reservoir.chaos.system_info``, the
model registry, ``reservoir forecast``, ``reservoir bench``, ``reservoir tune``) resolves it
with :func:`resolve_name`, so ``lorenz`` is accepted as ``Lorenz`` everywhere and a misspelt
name is answered with the same kind of suggestion everywhere.
"""

from __future__ import annotations

import difflib

__all__ = ["resolve_name"]


def resolve_name(name, choices, what="name", hint=None) -> str:
    """The entry of ``choices`` that ``name`` means.

    An exact match wins; otherwise a case-insensitive match is accepted when it is unique.
    Anything else raises a ``ValueError`` that names ``what`` and lists close matches
    (``difflib``, compared case-insensitively).

    Parameters
    ----------
    name : str
        What the user typed.
    choices : iterable of str
        The known names, in their canonical spelling.
    what : str, default "name"
        What a name is, for the message (``"system"``, ``"model"``, ...).
    hint : str, optional
        A sentence appended to the error (e.g. where to find the list).

    Returns
    -------
    str
        The canonical spelling.

    Raises
    ------
    TypeError
        If ``name`` is not a string.
    ValueError
        If no choice matches.

    Examples
    --------
    >>> resolve_name("lorenz", ["Lorenz", "Lorenz84", "Rossler"], "system")
    'Lorenz'
    >>> resolve_name("Lorenz48", ["Lorenz", "Lorenz84"], "system")
    Traceback (most recent call last):
    ...
    ValueError: unknown system 'Lorenz48'; did you mean 'Lorenz84' or 'Lorenz'?
    """
    if not isinstance(name, str):
        raise TypeError(f"{what} name must be a str, got {type(name).__name__}")
    choices = [str(c) for c in choices]
    if name in choices:
        return name
    folded = {}
    for choice in choices:
        folded.setdefault(choice.casefold(), []).append(choice)
    same = folded.get(name.casefold(), [])
    if len(same) == 1:
        return same[0]
    close = same or [c for f in difflib.get_close_matches(name.casefold(), list(folded), n=3, cutoff=0.6)
                     for c in folded[f]]
    message = f"unknown {what} {name!r}"
    if close:
        quoted = [repr(c) for c in close[:3]]
        message += "; did you mean " + (quoted[0] if len(quoted) == 1 else
                                       ", ".join(quoted[:-1]) + " or " + quoted[-1]) + "?"
    elif len(choices) <= 12:
        message += f"; available: {', '.join(sorted(choices))}"
    if hint:
        message += f" {hint}"
    raise ValueError(message)
