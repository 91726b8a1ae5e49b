""" "Did you mean": the known name closest to one a user mistyped.

Every one-line error that names something unknown (a column, a file, a fact, a setting,
a key of a rule file) offers the nearest known name; one helper keeps the matching, and
the phrase, the same wherever a user meets it.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable

CUTOFF = 0.6
"""difflib's similarity ratio a name must reach to be offered (its own default)."""


def closest(
    word: str, options: Iterable[str], *, cutoff: float = CUTOFF, ignore_case: bool = False
) -> str | None:
    """The option most like ``word``, or ``None`` when none is close enough.

    With ``ignore_case`` an option that differs only in case wins outright, and the
    option comes back as spelt in ``options`` (``Sales`` for ``sales``).
    """
    listed = list(options)
    if not ignore_case:
        close = difflib.get_close_matches(word, listed, n=1, cutoff=cutoff)
        return close[0] if close else None
    by_lower = {option.lower(): option for option in listed}
    if word.lower() in by_lower:
        return by_lower[word.lower()]
    close = difflib.get_close_matches(word.lower(), list(by_lower), n=1, cutoff=cutoff)
    return by_lower[close[0]] if close else None


def did_you_mean(
    word: str,
    options: Iterable[str],
    *,
    cutoff: float = CUTOFF,
    ignore_case: bool = False,
    quote: Callable[[str], str] = repr,
) -> str | None:
    """``did you mean 'x'?`` for the closest option, or ``None`` when none is close."""
    match = closest(word, options, cutoff=cutoff, ignore_case=ignore_case)
    return None if match is None else f"did you mean {quote(match)}?"
