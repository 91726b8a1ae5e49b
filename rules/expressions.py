"""Compiling one rule expression, checked against its task's facts when the file loads.

A condition that names a misspelt fact, compares text with a number or tests a string
fact against a value it never takes would otherwise be a rule that silently never
fires; here each one stops the program at start with one line and a "did you mean".
The facts are those of the rule's ``Schema``: forecasting's ``Facts`` unless told.
"""

from __future__ import annotations

import re
import typing
from dataclasses import dataclass
from functools import cache
from typing import Any

import rule_engine
from rule_engine import DataType

from advisor.rules.rule import did_you_mean, rule_error
from advisor.rules.schema import FORECAST, Schema

KNOWN_STRING_VALUES = FORECAST.string_values
"""Forecasting's text facts with a closed set of values (``Schema.string_values``)."""


@dataclass(frozen=True)
class Where:
    """Where an expression sits, for error messages."""

    source: str
    rule_id: str
    key: str


def _datatype(annotation: Any) -> Any:
    # bool before int: bool is a subclass of int, and a flag must stay a flag.
    if annotation is bool:
        return DataType.BOOLEAN
    if annotation in (int, float):
        return DataType.FLOAT
    if annotation is str:
        return DataType.STRING
    raise TypeError(f"Facts field type {annotation!r} has no rule-engine type")


@cache
def _type_resolver(schema: Schema) -> Any:
    hints = typing.get_type_hints(schema.facts)
    types = {name: _datatype(hints[name]) for name in schema.fact_names}
    return rule_engine.type_resolver_from_dict(types)


def compile_expression(
    text: str, expect: Any, where: Where, schema: Schema = FORECAST
) -> tuple[rule_engine.Rule, tuple[str, ...]]:
    """Parse and type-check one expression; returns it and the facts it names."""
    context = rule_engine.Context(type_resolver=_type_resolver(schema))
    try:
        compiled = rule_engine.Rule(text, context=context)
    except rule_engine.SymbolResolutionError as exc:
        # rule-engine offers its own guess first; it knows the names it resolved against.
        fix = (
            f"did you mean {exc.suggestion!r}?"
            if exc.suggestion
            else did_you_mean(exc.symbol_name, schema.fact_names)
        )
        problem = f"{where.key} {text!r} names an unknown fact {exc.symbol_name!r}"
        raise rule_error(where.source, problem, where.rule_id, fix) from None
    except rule_engine.errors.SyntaxError as exc:
        # RuleSyntaxError and its siblings for malformed literals (floats, strings, ...)
        problem = f"syntax error in {where.key} {text!r} {_syntax_position(exc)}"
        fix = 'write e.g. "overfitting and train_windows < 300" or "2 * best_units"'
        raise rule_error(where.source, problem, where.rule_id, fix) from None
    except rule_engine.EngineError as exc:
        problem = f"type error in {where.key} {text!r} ({exc.message})"
        fix = "compare numbers with numbers and text with text; flags need no comparison"
        raise rule_error(where.source, problem, where.rule_id, fix) from None
    result = compiled.statement.expression.result_type
    if not DataType.is_compatible(result, expect):
        problem = f"{where.key} {text!r} gives {result.name}, expected {expect.name}"
        raise rule_error(where.source, problem, where.rule_id, _type_fix(expect)) from None
    names = tuple(name for name in schema.fact_names if name in context.symbols)
    _check_string_literals(text, where, schema)
    return compiled, names


def _syntax_position(exc: rule_engine.errors.SyntaxError) -> str:
    token = getattr(exc, "token", None)
    if token is not None:
        return f"near {token.value!r}"
    if isinstance(exc, rule_engine.RuleSyntaxError):
        return "at the end (something is missing)"
    return f"({exc.message})"


def _type_fix(expect: Any) -> str:
    if expect is DataType.BOOLEAN:
        return 'a condition must be true or false, e.g. "trend_strength > 0.6"'
    if expect is DataType.STRING:
        return "quote text values, e.g. \"'standard'\""
    return 'give a number or arithmetic on numeric facts, e.g. "2 * best_units"'


def _check_string_literals(text: str, where: Where, schema: Schema) -> None:
    for fact, known in schema.string_values.items():
        pattern = rf"\b{fact}\s*[!=]=\s*(['\"])(.*?)\1"
        for match in re.finditer(pattern, text):
            literal = match.group(2)
            if literal not in known:
                problem = f"{fact} is never {literal!r} (it is one of {', '.join(known)})"
                raise rule_error(where.source, problem, where.rule_id, did_you_mean(literal, known))
