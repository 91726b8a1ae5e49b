"""What a rulebook's rules may name: the facts, the settings and the closed text values
of one task.

Forecasting and sequence classification share the rule format, the engine and the
load-time checks; they differ in the facts a condition may read (``Facts`` against
``ClassFacts``) and the settings a rule may move (``SETTINGS`` against
``CLASS_SETTINGS``). A ``Schema`` carries both, so each rule file is checked against
its own task's names, and a forecasting fact in a classification rule fails at start
like a misspelt one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from functools import cached_property
from types import MappingProxyType

from advisor.core.class_settings import CLASS_SETTINGS
from advisor.core.findings import FindingId
from advisor.core.settings import SETTINGS, Setting
from advisor.probes.class_baselines import BASELINE_NAMES
from advisor.rules.class_facts import ClassFacts
from advisor.rules.facts import Facts


# eq=False: hashed by identity, so per-schema caches (the type resolver) can key on it.
@dataclass(frozen=True, eq=False)
class Schema:
    task: str
    facts: type
    """The facts dataclass: its fields are the names a rule may use, its types theirs."""
    settings: Mapping[str, Setting]
    folder: str
    """Where the packaged rules live, inside ``advisor.rules``."""
    string_values: Mapping[str, tuple[str, ...]]
    """Text facts with a closed set of values: a typo in a compared literal would make
    the rule silently never fire, so it is caught at load like an unknown fact."""

    @cached_property
    def fact_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in fields(self.facts))


FORECAST = Schema(
    "forecasting",
    Facts,
    SETTINGS,
    "rulebook",
    MappingProxyType(
        {"stationarity": ("stationary", "trend-stationary", "difference-stationary", "unclear")}
    ),
)
CLASSIFY = Schema(
    "classification",
    ClassFacts,
    CLASS_SETTINGS,
    "rulebook/classify",
    MappingProxyType(
        {
            "primary_finding": ("", *(str(f) for f in FindingId)),
            "best_baseline": ("", *BASELINE_NAMES),
        }
    ),
)
