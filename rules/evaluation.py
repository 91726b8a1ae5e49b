"""Evaluating rules on one dataset's facts, and the trace of how each setting got its value.

A rule fires or not (an unmeasured fact means it does not); the firings of one setting
then apply in ascending priority, ties in rulebook order: ``set`` replaces the value so
far and ``raise`` / ``lower`` / ``clamp`` adjust it, so the highest-priority ``set``
wins and the adjustments above it apply on top. Every step is kept as a ``RuleHit`` so
the report can say which rule chose what, and which rule a later one overrode.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import rule_engine

from advisor.core.records import RuleHit
from advisor.core.settings import Setting
from advisor.rules.rule import Rule, Value, check_text, rule_error


@dataclass(frozen=True)
class Firing:
    rule: Rule
    order: int
    proposal: Value | None
    """The rule's value (set / raise / lower), or ``None`` for clamp."""
    low: float | None = None
    high: float | None = None


def is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def run_expression(
    rule: Rule, expr: rule_engine.Rule, key: str, text: str, thing: Mapping[str, Any]
) -> Any:
    try:
        return expr.evaluate(thing)
    except (rule_engine.EngineError, ArithmeticError) as exc:
        problem = f"{key} {text!r} failed on this data ({exc})"
        fix = 'guard it in the condition, e.g. "seasonal_period > 0 and ..."'
        raise rule_error(rule.source, problem, rule.id, fix) from None


def _as_setting(spec: Setting, raw: Any, rule: Rule) -> Value:
    """Coerce a rule-engine result (Decimal, str or bool) to the setting's Python type."""
    if spec.type is str:
        check_text(spec, str(raw), rule.source, rule.id)
        return str(raw)
    if spec.type is bool:
        return bool(raw)
    number = float(raw)
    if not math.isfinite(number):
        raise rule_error(
            rule.source,
            f"{spec.name} value is {number} on this data",
            rule.id,
            "guard the expression in the condition",
        )
    return round_half_up(number) if spec.type is int else number


def round_half_up(number: float) -> int:
    # Half up, not Python's half-to-even: 2.5 units reads as 3 to anyone checking by hand.
    return math.floor(number + 0.5)


def evaluate_number(
    rule: Rule, expr: rule_engine.Rule | None, key: str, thing: Mapping[str, Any]
) -> float | None:
    if expr is None:
        return None
    return float(run_expression(rule, expr, key, expr.text, thing))


def fire(rule: Rule, order: int, thing: Mapping[str, Any]) -> Firing | None:
    # A fact that could not be measured (NaN) gives no evidence either way: the rule
    # does not fire rather than fail on the comparison.
    if any(is_nan(thing[name]) for name in rule.facts):
        return None
    if not run_expression(rule, rule.compiled.when, "when", rule.when, thing):
        return None
    c = rule.compiled
    proposal = None
    if c.value is not None:
        proposal = _as_setting(
            c.spec, run_expression(rule, c.value, "value", c.value.text, thing), rule
        )
    if rule.action != "clamp":
        return Firing(rule, order, proposal)
    return Firing(
        rule,
        order,
        None,
        evaluate_number(rule, c.low, "range low", thing),
        evaluate_number(rule, c.high, "range high", thing),
    )


@dataclass
class Trace:
    """How one setting got its value: the hits in order, and its bounds so far."""

    setting: str
    spec: Setting
    """The setting's row of its task's table: its type and valid values."""
    value: Value | None = None
    hits: list[RuleHit] = field(default_factory=list)
    range_rule: Firing | None = None
    low: float | None = None
    high: float | None = None
    settled: bool = False
    """The user fixed it: its range is the single value."""

    def override(self, by: str) -> None:
        self.hits = [
            dataclasses.replace(h, applied=False, overridden_by=by) if h.applied else h
            for h in self.hits
        ]
        self.range_rule = None

    def bound(self, low: float | None = None, high: float | None = None) -> None:
        if low is not None:
            self.low = low if self.low is None else max(self.low, low)
        if high is not None:
            self.high = high if self.high is None else min(self.high, high)


def make_hit(
    rule_id: str,
    setting: str,
    value: Value,
    rationale: str,
    evidence: Mapping[str, Any],
    confidence: float,
    priority: int,
) -> RuleHit:
    return RuleHit(rule_id, setting, value, rationale, dict(evidence), confidence, priority)


def _rule_hit(f: Firing, value: Value, thing: Mapping[str, Any]) -> RuleHit:
    r = f.rule
    evidence = {name: thing[name] for name in r.facts}
    return make_hit(r.id, r.setting, value, r.rationale, evidence, r.confidence, r.priority)


def apply_firing(trace: Trace, f: Firing, thing: Mapping[str, Any]) -> None:
    action, current = f.rule.action, trace.value
    if action == "set" or (current is None and action != "clamp"):
        assert f.proposal is not None
        trace.override(f.rule.id)
        trace.value = f.proposal
    elif action == "clamp":
        if current is None:
            # Nothing to clamp yet; a later `set` decides, so this left no mark.
            bound = f.low if f.low is not None else cast(float, f.high)
            trace.hits.append(dataclasses.replace(_rule_hit(f, bound, thing), applied=False))
            return
        trace.value = clamp_value(trace.spec, current, f.low, f.high)
        trace.bound(f.low, f.high)
    else:
        assert f.proposal is not None and isinstance(current, int | float)
        assert isinstance(f.proposal, int | float)
        pick = max if action == "raise" else min
        trace.value = pick(current, f.proposal)
    shown = trace.value if action == "clamp" else f.proposal
    assert shown is not None
    trace.hits.append(_rule_hit(f, shown, thing))
    if action != "clamp" and (f.rule.range is not None or f.rule.choices):
        trace.range_rule = f


def clamp_value(spec: Setting, value: Value, low: float | None, high: float | None) -> Value:
    assert isinstance(value, int | float)
    number = float(value)
    if low is not None:
        number = max(number, low)
    if high is not None:
        number = min(number, high)
    return round_half_up(number) if spec.type is int else number
