"""What a rule is: the record the rest of the package passes around, and its vocabulary.

Kept apart from parsing and evaluation so that both can share one definition of a rule
and of the error it raises, without importing each other. The settings a rule may name
are not listed here: they are the one table in ``advisor.core.settings``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import rule_engine

from advisor.core import suggest
from advisor.core.errors import RulebookError
from advisor.core.settings import Setting

Value = float | int | str
ACTIONS: tuple[str, ...] = ("set", "raise", "lower", "clamp")
RULE_KEYS: tuple[str, ...] = (
    "id",
    "when",
    "priority",
    "setting",
    "action",
    "value",
    "range",
    "choices",
    "confidence",
    "rationale",
    "references",
)
RANGE_KEYS: tuple[str, ...] = ("low", "high", "log")
DEFAULT_PRIORITY = 50
DEFAULT_CONFIDENCE = 0.5
_ALWAYS = "true"


@dataclass(frozen=True)
class RuleRange:
    """A declared search range: expressions for ``low`` / ``high`` (either may be absent)."""

    low: str | None = None
    high: str | None = None
    log: bool | None = None


@dataclass(frozen=True)
class Compiled:
    spec: Setting
    """The setting the rule moves, from its task's table: evaluation coerces to its type."""
    when: rule_engine.Rule
    value: rule_engine.Rule | None
    low: rule_engine.Rule | None
    high: rule_engine.Rule | None
    choices: tuple[rule_engine.Rule | str, ...]
    range_facts: tuple[str, ...]
    """Facts named in the range or choices: an unmeasured one means the default range."""


@dataclass(frozen=True)
class Rule:
    """One rule of the rulebook, validated and compiled."""

    id: str
    when: str
    priority: int
    setting: str
    action: str
    value: str | None
    range: RuleRange | None
    choices: tuple[str, ...]
    confidence: float
    rationale: str
    references: tuple[str, ...]
    source: str
    facts: tuple[str, ...]
    """Facts named in ``when`` and ``value``, in the facts' order: the evidence of a hit."""
    compiled: Compiled = field(compare=False, repr=False)

    @property
    def always(self) -> bool:
        """A default rule: fires on any data, so the setting always has a value."""
        return self.when.strip().lower() == _ALWAYS and self.action == "set"


# Looser than the intake's cutoff: a rule file's vocabularies are small (a dozen
# settings, four actions, a few keys) and its words short, so a loose match is rarely the
# wrong one, and one wrong letter in a four-letter word costs much of the ratio.
RULE_NAME_CUTOFF = 0.5


def did_you_mean(word: str, options: Iterable[str]) -> str | None:
    """The shared "did you mean" (``advisor.core.suggest``) with the rulebook's cutoff."""
    return suggest.did_you_mean(word, options, cutoff=RULE_NAME_CUTOFF)


def rule_error(
    source: str, problem: str, rule_id: str | None = None, fix: str | None = None
) -> RulebookError:
    where = f"rule {rule_id!r}" if rule_id else None
    return RulebookError(source, problem, where=where, fix=fix)


def check_text(spec: Setting, value: str, source: str, rule_id: str) -> None:
    """A text setting's value by name (a scaling, a pooling): checked at load for a
    constant, when the rule fires otherwise."""
    if value not in spec.choices:
        raise rule_error(
            source,
            f"{spec.name} {value!r} is not one of {', '.join(spec.choices)}",
            rule_id,
            did_you_mean(value, spec.choices),
        )


def dash(setting: str) -> str:
    """``early_stopping_patience`` -> ``early-stopping-patience``, as in the default ids."""
    return setting.replace("_", "-")
