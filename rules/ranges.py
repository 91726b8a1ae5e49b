"""The narrowed search range of each setting, handed to the verification search.

A rule may declare a range or choices around its value; otherwise a default range fits
the kind of setting. Either way the range is kept inside the valid values and the hard
limits and always holds the recommended value, so the search can confirm the
suggestion and never tries what the limits ruled out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from advisor.core.records import Range
from advisor.core.settings import Setting
from advisor.rules.evaluation import (
    Firing,
    Trace,
    evaluate_number,
    is_nan,
    round_half_up,
    run_expression,
)
from advisor.rules.rule import Value


def search_range(trace: Trace, thing: Mapping[str, Any]) -> Range:
    """The range of one resolved setting: declared by its rule, else the default."""
    assert trace.value is not None
    declared = _declared_range(trace.range_rule, thing) if trace.range_rule else None
    return _fit_range(declared or _default_range(trace.spec, trace.value), trace)


def _powers_of_two(low: float, high: float) -> list[int]:
    return [2**k for k in range(0, 12) if low <= 2**k <= high]


def _default_range(spec: Setting, value: Value) -> Range:
    """A narrowed range around the value, for a setting whose rule declared none."""
    setting = spec.name
    if spec.switch_or_text or setting in ("differencing", "season_position", "deseasonalize"):
        return Range(setting, choices=(value,))
    v = float(value)
    if setting == "units":
        return Range(setting, choices=tuple(_powers_of_two(v / 2, v * 2)))
    if setting == "layers":
        return Range(setting, choices=tuple(n for n in (v - 1, v, v + 1) if 1 <= n <= 3))
    if setting in ("dropout", "recurrent_dropout"):
        return Range(setting, low=max(0.0, v - 0.1), high=min(0.6, v + 0.1))
    if setting == "l2":
        return (
            Range(setting, choices=(0.0, 1e-5, 1e-4))
            if v == 0
            else Range(setting, low=v / 10, high=v * 10, log=True)
        )
    if setting == "learning_rate":
        return Range(setting, low=v / 3, high=v * 3, log=True)
    if setting == "epochs":
        return Range(setting, low=max(1.0, v // 2), high=v * 2)
    return Range(setting, choices=(v / 2, v, v * 2))  # batch, patience, lookback, max_length


def _declared_range(f: Firing, thing: Mapping[str, Any]) -> Range | None:
    rule, c = f.rule, f.rule.compiled
    if any(is_nan(thing[n]) for n in c.range_facts):
        return None
    if c.choices:
        as_value = bool if c.spec.type is bool else float
        values = tuple(
            item
            if isinstance(item, str)
            else as_value(run_expression(rule, item, "choices", item.text, thing))
            for item in c.choices
        )
        return Range(rule.setting, choices=values)
    assert rule.range is not None
    low = evaluate_number(rule, c.low, "range low", thing)
    high = evaluate_number(rule, c.high, "range high", thing)
    log = c.spec.log if rule.range.log is None else rule.range.log
    return Range(rule.setting, low=low, high=high, log=log)


def _fit_range(r: Range, trace: Trace) -> Range:
    """Keep the range inside the valid values and the limits, and always holding the value."""
    spec, value = trace.spec, trace.value
    assert value is not None
    if trace.settled:
        return Range(trace.setting, choices=(value,))
    lows = [x for x in (spec.low, trace.low) if x is not None]
    highs = [x for x in (spec.high, trace.high) if x is not None]
    lo, hi = (max(lows) if lows else None), (min(highs) if highs else None)
    if r.choices:
        choices = _fit_choices(r.choices, value, spec, lo, hi)
        if len(choices) < 2 <= len(r.choices):
            # The limits removed every alternative (e.g. units capped far below the rule's
            # choices); search around the capped value rather than not at all.
            fallback = _default_range(spec, value).choices
            choices = _fit_choices((*choices, *fallback), value, spec, lo, hi)
        return Range(trace.setting, choices=choices)
    assert isinstance(value, int | float)
    low = r.low if r.low is not None else float(value)
    high = r.high if r.high is not None else float(value)
    low, high = _within(low, lo, hi), _within(high, lo, hi)
    low, high = min(low, float(value)), max(high, float(value))
    if spec.type is int:
        low, high = float(round_half_up(low)), float(round_half_up(high))
    return Range(trace.setting, low=low, high=high, log=r.log and low > 0)


def _within(x: float, lo: float | None, hi: float | None) -> float:
    if lo is not None:
        x = max(x, lo)
    if hi is not None:
        x = min(x, hi)
    return x


def _fit_choices(
    choices: Sequence[Value], value: Value, spec: Setting, lo: float | None, hi: float | None
) -> tuple[Value, ...]:
    if spec.switch_or_text:
        return tuple(dict.fromkeys([value, *choices]))
    assert isinstance(value, int | float)
    numbers = {round_half_up(float(c)) if spec.type is int else float(c) for c in choices}
    kept: set[int | float] = {c for c in numbers if _within(float(c), lo, hi) == c}
    kept.add(value)
    return tuple(sorted(kept))
