"""The rulebook: TOML rules over ``Facts`` that choose the LSTM settings.

The engine is imported on first use: ``rule_engine`` builds its parser tables when it is
imported (about half a second), and ``advisor.rules.facts`` is needed on paths that
never evaluate a rule.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from advisor.rules.facts import FACT_NAMES, Facts

if TYPE_CHECKING:
    from advisor.rules.engine import (
        ACTIONS,
        PARAMS_PER_WINDOW,
        SETTINGS,
        Rule,
        Rulebook,
        RuleRange,
        check_rule_file,
        load_rulebook,
        lstm_params,
        max_units_for_windows,
    )

_ENGINE_NAMES = frozenset(
    {
        "ACTIONS",
        "PARAMS_PER_WINDOW",
        "SETTINGS",
        "Rule",
        "RuleRange",
        "Rulebook",
        "check_rule_file",
        "load_rulebook",
        "lstm_params",
        "max_units_for_windows",
    }
)

__all__ = [
    "ACTIONS",
    "FACT_NAMES",
    "PARAMS_PER_WINDOW",
    "SETTINGS",
    "Facts",
    "Rule",
    "RuleRange",
    "Rulebook",
    "check_rule_file",
    "load_rulebook",
    "lstm_params",
    "max_units_for_windows",
]


def __getattr__(name: str) -> Any:
    if name in _ENGINE_NAMES:
        return getattr(importlib.import_module("advisor.rules.engine"), name)
    raise AttributeError(f"module 'advisor.rules' has no attribute {name!r}")
