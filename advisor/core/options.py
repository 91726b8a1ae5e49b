"""The user's options, checked once for the command line and the Python API alike.

``advisor analyze --horizon 12 --budget 5m`` and ``analyze(df, horizon=12, budget="5m")``
go through ``make_settings``, so both accept the same values and refuse the same ones
with the same one-line error; only the spelling of the option's name follows the caller
(``--max-units`` on the command line, ``max_units=`` in Python).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, Literal, get_args

from advisor.core.errors import AdvisorInputError
from advisor.core.records import PrecisionChoice, Settings, TaskChoice, Tuner
from advisor.core.sequences import LayoutChoice, SequenceOptions
from advisor.core.suggest import did_you_mean

TASKS: tuple[str, ...] = get_args(TaskChoice)
TUNERS: tuple[str, ...] = get_args(Tuner)
PRECISIONS: tuple[str, ...] = get_args(PrecisionChoice)
LAYOUTS: tuple[str, ...] = get_args(LayoutChoice)
Spelling = Literal["flag", "keyword"]

_BUDGET = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h)?\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"": 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}
# Whole numbers of at least one: a zero horizon or season has no meaning.
_POSITIVE = ("horizon", "season", "max_units", "lookback", "trials")
# Option name -> Settings field, where they differ.
_FIELD = {"budget": "budget_s", "trials": "max_trials"}
OPTIONS = (
    "target",
    "time_col",
    "task",
    "horizon",
    "budget",
    "seed",
    "season",
    "max_units",
    "lookback",
    "tuner",
    "metric",
    "trials",
    "precision",
)


def option_name(name: str, spelling: Spelling) -> str:
    return "--" + name.replace("_", "-") if spelling == "flag" else name


AUTO = "auto"


def parse_budget(value: str | float, spelling: Spelling = "flag") -> float | None:
    """``90s``, ``2m``, ``1.5h``, plain seconds, or a number of seconds; ``auto`` (None):
    the budget the whole plan needs, estimated on this machine and never cut."""
    seconds: float | None = None
    if isinstance(value, str) and value.strip().lower() == AUTO:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str) and (match := _BUDGET.match(value)):
        seconds = float(match.group(1)) * _UNIT_SECONDS[(match.group(2) or "").lower()]
    if seconds is None or not seconds > 0 or seconds == float("inf"):
        raise AdvisorInputError(
            _shown("budget", value, spelling),
            "not a duration",
            fix="write it like 90s, 2m or 1h, or auto",
        )
    return seconds


def make_settings(
    base: Settings | None = None, spelling: Spelling = "keyword", **options: Any
) -> Settings:
    """``base`` with the given options set; an option left at ``None`` keeps base's value."""
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        from difflib import get_close_matches

        close = get_close_matches(unknown[0], OPTIONS, n=1)
        hint = f"did you mean {option_name(close[0], spelling)}?" if close else None
        raise AdvisorInputError(
            option_name(unknown[0], spelling),
            "no such option",
            fix=hint or f"use one of: {', '.join(option_name(o, spelling) for o in OPTIONS)}",
        )
    changes: dict[str, Any] = {}
    for name, value in options.items():
        if value is None:
            continue  # not given: the base's value stays (``budget="auto"`` sets None)
        changes[_FIELD.get(name, name)] = _checked(name, value, spelling)
    settings = replace(base or Settings(), **changes)
    return settings


def _checked(name: str, value: Any, spelling: Spelling) -> Any:
    if name == "budget":
        return parse_budget(value, spelling)
    if name == "task" and value not in TASKS:
        raise AdvisorInputError(
            _shown(name, value, spelling), "unknown task", fix=_choose(value, TASKS)
        )
    if name == "tuner" and value not in TUNERS:
        raise AdvisorInputError(
            _shown(name, value, spelling), "unknown tuner", fix=f"use one of {', '.join(TUNERS)}"
        )
    if name == "precision" and value not in PRECISIONS:
        raise AdvisorInputError(
            _shown(name, value, spelling), "unknown precision", fix=_choose(value, PRECISIONS)
        )
    if name in _POSITIVE or name == "seed":
        least = 0 if name == "seed" else 1
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise AdvisorInputError(
                _shown(name, value, spelling),
                f"not a whole number of at least {least}",
                fix=f"pass {option_name(name, spelling)} as an integer >= {least}",
            )
    if name in ("target", "time_col", "metric") and not isinstance(value, str):
        raise AdvisorInputError(
            _shown(name, value, spelling),
            "not a column or metric name",
            fix=f"pass {option_name(name, spelling)} as a string",
        )
    return value


def _choose(value: Any, choices: tuple[str, ...]) -> str:
    hint = did_you_mean(str(value), choices, ignore_case=True)
    return (f"{hint} " if hint else "") + f"use {', '.join(choices)}"


def make_sequence_options(
    settings: Settings,
    spelling: Spelling = "keyword",
    *,
    id_col: Any = None,
    label: Any = None,
    split_col: Any = None,
    layout: Any = None,
) -> SequenceOptions:
    """What the user said about a classification file; ``settings`` gives the time column.

    Only the values are checked here: whether a named column exists is the reader's to
    say (with the nearest column name), once the file is open.
    """
    for name, value in (("id_col", id_col), ("label", label), ("split_col", split_col)):
        if value is not None and not isinstance(value, str):
            raise AdvisorInputError(
                _shown(name, value, spelling),
                "not a column name",
                fix=f"pass {option_name(name, spelling)} as a string",
            )
    layout = AUTO if layout is None else layout
    if layout not in LAYOUTS:
        raise AdvisorInputError(
            _shown("layout", layout, spelling), "unknown layout", fix=_choose(layout, LAYOUTS)
        )
    if label is not None and settings.target is not None and label != settings.target:
        raise AdvisorInputError(
            f"{_shown('label', label, spelling)} and {_shown('target', settings.target, spelling)}",
            "two different label columns",
            fix=f"pass {option_name('label', spelling)} alone for a classification file",
        )
    return SequenceOptions(
        id_col=id_col,
        label=label,
        time_col=settings.time_col,
        split_col=split_col,
        layout=layout,
    )


def _shown(name: str, value: Any, spelling: Spelling) -> str:
    if spelling == "flag":
        return f"{option_name(name, spelling)} {value}"
    return f"{name}={value!r}"
