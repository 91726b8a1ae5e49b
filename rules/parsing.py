"""One ``[[rule]]`` table to a validated, compiled ``Rule``.

Every key, setting, action and value is checked here, when the file loads, so a rule
file with a mistake fails at start with one line naming the file, the rule and a fix,
instead of misbehaving in the middle of an analysis.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import rule_engine
from rule_engine import DataType

from advisor.core.errors import RulebookError
from advisor.core.settings import Setting
from advisor.rules.expressions import Where, compile_expression
from advisor.rules.rule import (
    ACTIONS,
    DEFAULT_CONFIDENCE,
    DEFAULT_PRIORITY,
    RANGE_KEYS,
    RULE_KEYS,
    Compiled,
    Rule,
    RuleRange,
    check_text,
    did_you_mean,
    rule_error,
)
from advisor.rules.schema import FORECAST, Schema

_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class _Table:
    """One ``[[rule]]`` table with typed accessors that fail with a one-line error."""

    data: Mapping[str, Any]
    source: str
    rule_id: str
    schema: Schema = FORECAST

    def where(self, key: str) -> Where:
        return Where(self.source, self.rule_id, key)

    def compile(self, text: str, expect: Any, key: str) -> tuple[rule_engine.Rule, tuple[str, ...]]:
        return compile_expression(text, expect, self.where(key), self.schema)

    def fail(self, problem: str, fix: str | None = None) -> RulebookError:
        return rule_error(self.source, problem, self.rule_id, fix)

    def text(self, key: str) -> str:
        value = self.data.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{key!r} must be non-empty text", f'add {key} = "..."')
        return value.strip()

    def number(self, key: str, default: float) -> float:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(f"{key!r} must be a number, got {value!r}")
        return float(value)

    def expression(self, key: str, value: Any, switch: bool = False) -> str:
        """An expression given as text, or a plain TOML number for convenience (and, for
        a switch, a plain TOML true or false)."""
        if switch and isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.fail(f"{key!r} must be an expression in quotes, got {value!r}")
        text = value if isinstance(value, str) else repr(value)
        if not text.strip():
            raise self.fail(f"{key!r} is empty")
        return text.strip()


def check_keys(
    keys: Iterable[str], allowed: Sequence[str], source: str, rule_id: str | None, what: str
) -> None:
    for key in keys:
        if key not in allowed:
            fix = did_you_mean(key, allowed) or f"allowed keys: {', '.join(allowed)}"
            raise rule_error(source, f"unknown key {key!r} in {what}", rule_id, fix)


def _rule_id(data: Mapping[str, Any], source: str, position: int) -> str:
    rule_id = data.get("id")
    if not isinstance(rule_id, str) or not _ID_PATTERN.match(rule_id):
        problem = f"rule #{position} needs an id of letters, digits and dashes, got {rule_id!r}"
        raise rule_error(source, problem, fix='add id = "my-rule"')
    if rule_id.startswith("limit-"):
        raise rule_error(
            source,
            "ids starting with 'limit-' are kept for the hard limits",
            rule_id,
            "rename the rule",
        )
    return rule_id


@dataclass(frozen=True)
class _Expr:
    """A compiled optional expression (or a literal text choice) and the facts it names."""

    text: str
    compiled: rule_engine.Rule | str
    facts: tuple[str, ...] = ()


def _expect(spec: Setting) -> Any:
    """The type a value or choice of the setting must give."""
    if spec.type is str:
        return DataType.STRING
    return DataType.BOOLEAN if spec.type is bool else DataType.FLOAT


def _choice(t: _Table, spec: Setting, item: Any) -> _Expr:
    if spec.type is str:
        if item not in spec.choices:
            raise t.fail(
                f"choice {item!r} is not a {spec.name}", did_you_mean(str(item), spec.choices)
            )
        return _Expr(item, item)
    text = t.expression("choices", item, switch=spec.type is bool)
    return _Expr(text, *t.compile(text, _expect(spec), "choices"))


def parse_rule(data: Any, source: str, position: int, schema: Schema = FORECAST) -> Rule:
    """One rule table, checked against the facts and settings of ``schema``'s task."""
    if not isinstance(data, Mapping):
        raise rule_error(source, f"rule #{position} is not a table", fix="write it as [[rule]]")
    rule_id = _rule_id(data, source, position)
    check_keys(data.keys(), RULE_KEYS, source, rule_id, "a rule")
    t = _Table(data, source, rule_id, schema)
    spec, action = _setting_and_action(t)
    setting = spec.name
    when = t.text("when")
    when_rule, when_facts = t.compile(when, DataType.BOOLEAN, "when")
    value, value_rule, value_facts = _parse_value(t, spec, action)
    rule_range, bounds = _parse_range(t, spec, action)
    choices = _parse_choices(t, spec, rule_range)
    low, high = (cast(rule_engine.Rule, b.compiled) if b else None for b in bounds)
    range_facts = {n for e in (*bounds, *choices) if e for n in e.facts}
    confidence = t.number("confidence", DEFAULT_CONFIDENCE)
    if not 0.0 <= confidence <= 1.0:
        raise t.fail(f"confidence must be between 0 and 1, got {confidence}")
    return Rule(
        id=rule_id,
        when=when,
        priority=_priority(t),
        setting=setting,
        action=action,
        value=value,
        range=rule_range,
        choices=tuple(e.text for e in choices),
        confidence=confidence,
        rationale=t.text("rationale"),
        references=_references(t),
        source=source,
        facts=tuple(n for n in schema.fact_names if n in when_facts or n in value_facts),
        compiled=Compiled(
            spec,
            when_rule,
            value_rule,
            low,
            high,
            tuple(e.compiled for e in choices),
            tuple(n for n in schema.fact_names if n in range_facts),
        ),
    )


def _setting_and_action(t: _Table) -> tuple[Setting, str]:
    settings = t.schema.settings
    setting = t.text("setting")
    if setting not in settings:
        fix = did_you_mean(setting, settings) or f"one of {', '.join(settings)}"
        raise t.fail(f"unknown setting {setting!r}", fix)
    action = t.text("action")
    if action not in ACTIONS:
        raise t.fail(
            f"unknown action {action!r}",
            did_you_mean(action, ACTIONS) or f"one of {', '.join(ACTIONS)}",
        )
    spec = settings[setting]
    if spec.switch_or_text and action != "set":
        kind = "text" if spec.type is str else "true or false"
        raise t.fail(f"{setting} is {kind}, so it can only be 'set', not {action!r}")
    return spec, action


def _priority(t: _Table) -> int:
    value = t.data.get("priority", DEFAULT_PRIORITY)
    if isinstance(value, bool) or not isinstance(value, int):
        raise t.fail(f"priority must be a whole number, got {value!r}", "e.g. priority = 60")
    return value


def _references(t: _Table) -> tuple[str, ...]:
    refs = t.data.get("references", [])
    if not isinstance(refs, list) or not all(isinstance(r, str) and r.strip() for r in refs):
        raise t.fail("references must be a list of text", 'e.g. references = ["FPP3 §9.1"]')
    return tuple(r.strip() for r in refs)


def _parse_value(
    t: _Table, spec: Setting, action: str
) -> tuple[str | None, rule_engine.Rule | None, tuple[str, ...]]:
    raw = t.data.get("value")
    if raw is None:
        if action == "clamp":
            return None, None, ()
        raise t.fail(f"a {action!r} rule needs a value", 'add value = "..."')
    if action == "clamp":
        raise t.fail("a 'clamp' rule takes range low/high, not a value", "remove value")
    text = t.expression("value", raw, switch=spec.type is bool)
    compiled, names = t.compile(text, _expect(spec), "value")
    if not names and spec.type is str:
        # A constant text value can be checked now rather than when the rule first fires.
        check_text(spec, str(compiled.evaluate({})), t.source, t.rule_id)
    return text, compiled, names


def _parse_range(
    t: _Table, spec: Setting, action: str
) -> tuple[RuleRange | None, tuple[_Expr | None, _Expr | None]]:
    raw = t.data.get("range")
    if raw is None:
        if action == "clamp":
            raise t.fail("a 'clamp' rule needs range = { low = ..., high = ... }")
        return None, (None, None)
    if not isinstance(raw, Mapping):
        raise t.fail("range must be a table", 'e.g. range = { low = "0.1", high = "0.4" }')
    check_keys(raw.keys(), RANGE_KEYS, t.source, t.rule_id, "range")
    if spec.type is str:
        raise t.fail(f"{spec.name} is text: give choices = [...] instead of a range")
    if spec.type is bool:
        raise t.fail(f"{spec.name} is true or false: give choices = [true, false] instead")
    if "low" not in raw and "high" not in raw:
        raise t.fail("range needs low, high or both")
    log = raw.get("log")
    if log is not None and not isinstance(log, bool):
        raise t.fail(f"range log must be true or false, got {log!r}")
    low, high = _bound(t, raw, "low"), _bound(t, raw, "high")
    rule_range = RuleRange(low.text if low else None, high.text if high else None, log)
    return rule_range, (low, high)


def _bound(t: _Table, raw: Mapping[str, Any], key: str) -> _Expr | None:
    if key not in raw:
        return None
    text = t.expression(f"range {key}", raw[key])
    return _Expr(text, *t.compile(text, DataType.FLOAT, f"range {key}"))


def _parse_choices(t: _Table, spec: Setting, rule_range: RuleRange | None) -> list[_Expr]:
    raw = t.data.get("choices")
    if raw is None:
        return []
    if not isinstance(raw, list) or not raw:
        raise t.fail("choices must be a non-empty list", 'e.g. choices = ["16", "32", "64"]')
    if rule_range is not None:
        raise t.fail("give either range or choices, not both")
    return [_choice(t, spec, item) for item in raw]
