"""How a user's names and values appear in the one-line messages and notices."""

from __future__ import annotations

import shlex
from collections.abc import Iterable

from advisor.core.errors import AdvisorInputError
from advisor.core.suggest import closest

SHOW_CHARS = 40  # long cell values and names are shortened in messages


def unknown_column(source: str, name: str, columns: list[str], flag: str) -> AdvisorInputError:
    close = closest(name, columns, ignore_case=True)
    fix = (
        f"did you mean {show(close)}? pass {flag} {shlex.quote(close)}"
        if close
        else f"pass {flag} with one of the column names"
    )
    return AdvisorInputError(
        source,
        f"no column named {show(name)} (given as {flag})",
        where=f"columns: {show_names(columns)}",
        fix=fix,
    )


def show(value: object) -> str:
    """A user's name or value, quoted and shortened, safe to print on one line."""
    text = str(value)
    if len(text) > SHOW_CHARS:
        text = text[: SHOW_CHARS - 3] + "..."
    return repr(text)


def show_names(names: Iterable[object], limit: int = 10) -> str:
    listed = [str(n) for n in names]
    shown = ", ".join(show(n) for n in listed[:limit])
    return shown + (f" and {len(listed) - limit} more" if len(listed) > limit else "")


def show_ranges(rows: list[int]) -> str:
    """2, 3, 4, 9 -> '2-4, 9'."""
    parts: list[str] = []
    for row in rows:
        if parts and row == int(parts[-1].split("-")[-1]) + 1:
            parts[-1] = f"{parts[-1].split('-')[0]}-{row}"
        else:
            parts.append(str(row))
    return ", ".join(parts)
