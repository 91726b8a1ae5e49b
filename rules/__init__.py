"""The rulebook: TOML rules over ``Facts`` that choose the LSTM settings.

The package's modules, one job each: ``rule`` (what a rule is), ``expressions``
(an expression compiled and checked against the facts), ``parsing`` (one rule table),
``loading`` (the packaged and user files), ``evaluation`` (firing and resolving),
``limits`` (the hard limits), ``ranges`` (search ranges) and ``rulebook``
(``Rulebook.recommend``); ``schema`` says which facts and settings each task's rules may
name. Sequence classification has its own facts (``class_facts``), rulebook
(``rulebook/classify``, ``load_class_rulebook``) and ``class_rulebook.recommend_class``.

They are imported on first use: ``rule_engine`` builds its parser tables when it is
imported (about half a second), and ``advisor.rules.facts`` is needed on paths that
never evaluate a rule.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from advisor.rules.facts import FACT_NAMES, Facts

if TYPE_CHECKING:
    from advisor.core.class_settings import CLASS_SETTINGS
    from advisor.core.settings import SETTINGS
    from advisor.core.sizing import PARAMS_PER_WINDOW, lstm_params, max_units_for_windows
    from advisor.rules.class_facts import CLASS_FACT_NAMES, ClassFacts, build_class_facts
    from advisor.rules.class_rulebook import recommend_class
    from advisor.rules.loading import check_rule_file, load_class_rulebook, load_rulebook
    from advisor.rules.rule import ACTIONS, Rule, RuleRange
    from advisor.rules.rulebook import Rulebook

# Where each lazily exported name lives.
_LAZY: dict[str, str] = {
    "ACTIONS": "advisor.rules.rule",
    "CLASS_FACT_NAMES": "advisor.rules.class_facts",
    "CLASS_SETTINGS": "advisor.core.class_settings",
    "ClassFacts": "advisor.rules.class_facts",
    "build_class_facts": "advisor.rules.class_facts",
    "load_class_rulebook": "advisor.rules.loading",
    "recommend_class": "advisor.rules.class_rulebook",
    "PARAMS_PER_WINDOW": "advisor.core.sizing",
    "SETTINGS": "advisor.core.settings",
    "Rule": "advisor.rules.rule",
    "RuleRange": "advisor.rules.rule",
    "Rulebook": "advisor.rules.rulebook",
    "check_rule_file": "advisor.rules.loading",
    "load_rulebook": "advisor.rules.loading",
    "lstm_params": "advisor.core.sizing",
    "max_units_for_windows": "advisor.core.sizing",
}

__all__ = [
    "ACTIONS",
    "CLASS_FACT_NAMES",
    "CLASS_SETTINGS",
    "FACT_NAMES",
    "PARAMS_PER_WINDOW",
    "SETTINGS",
    "ClassFacts",
    "Facts",
    "Rule",
    "RuleRange",
    "Rulebook",
    "build_class_facts",
    "check_rule_file",
    "load_class_rulebook",
    "load_rulebook",
    "lstm_params",
    "max_units_for_windows",
    "recommend_class",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'advisor.rules' has no attribute {name!r}")
