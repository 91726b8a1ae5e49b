"""The rules engine: loads the TOML rulebook and turns ``Facts`` into a ``Recommendation``.

Rules are data. Every condition and value is an expression evaluated by the
``rule-engine`` package (never ``eval``), type-checked against ``Facts`` when the file
loads, so a misspelt fact or a type error stops the program at start with one line that
names the file, the rule and a suggestion, instead of a rule that silently never fires.

Resolution, per setting: the rules that fire are applied in ascending priority (ties in
rulebook order); ``set`` replaces the value so far, ``raise`` / ``lower`` / ``clamp``
adjust it. So the highest-priority ``set`` wins and the adjustments above it apply on
top. Hard limits (``limit-*``) come last and are recorded like rules. The format is
described in ``docs/rules.md`` and in the header of ``rulebook/defaults.toml``.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
import tomllib
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal, cast

import rule_engine
from rule_engine import DataType

from advisor.core.errors import RulebookError
from advisor.core.records import LayerConfig, ModelConfig, Range, Recommendation, RuleHit, Scaling
from advisor.rules.facts import FACT_NAMES, Facts

Value = float | int | str
Kind = Literal["int", "float", "str"]


@dataclass(frozen=True)
class SettingSpec:
    """What a setting holds and the values that are valid at all (not a search range)."""

    kind: Kind
    low: float | None = None
    high: float | None = None
    log: bool = False
    """Searched on a log scale: its sensible values span orders of magnitude."""


SETTINGS: dict[str, SettingSpec] = {
    "units": SettingSpec("int", 1, 1024),
    "layers": SettingSpec("int", 1, 4),
    "dropout": SettingSpec("float", 0.0, 0.9),
    "recurrent_dropout": SettingSpec("float", 0.0, 0.9),
    "l2": SettingSpec("float", 0.0, 1.0, log=True),
    "learning_rate": SettingSpec("float", 1e-6, 1.0, log=True),
    "batch_size": SettingSpec("int", 1, 4096),
    "epochs": SettingSpec("int", 1, 10_000),
    "early_stopping_patience": SettingSpec("int", 1, 1_000),
    "lookback": SettingSpec("int", 1, None),
    "scaling": SettingSpec("str"),
    "differencing": SettingSpec("int", 0, None),
}
SCALINGS: tuple[str, ...] = ("standard", "minmax", "none")
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

# Windows overlap, so they carry far less information than their count suggests; yet
# early stopping and dropout let an LSTM carry more weights than it has examples. Ten
# weights per training window is a loose guard: it only bites on short series (100
# windows -> at most 1,000 weights -> 14 units), where a wider net can only memorise.
PARAMS_PER_WINDOW = 10
# Activation memory one training step may take: 1 GiB fits the smallest GPUs in use and
# leaves a laptop's memory for everything else.
BATCH_MEMORY_BYTES = 1 << 30
LSTM_VECTORS_PER_STEP = 6
# Below four units an LSTM cannot hold a level, a trend and a season at once.
MIN_UNITS = 4
# Each window needs `lookback` rows of history; a third of the training rows keeps at
# least two thirds of them usable as window starts.
LOOKBACK_SHARE_OF_TRAIN = 3
LIMIT_PRIORITY = 1_000
"""Hard limits apply after every rule, so their hits sort after any rule priority."""

# String facts with a closed set of values: a typo in a compared literal would make the
# rule silently never fire, so it is caught at load like an unknown fact.
KNOWN_STRING_VALUES: dict[str, tuple[str, ...]] = {
    "stationarity": ("stationary", "trend-stationary", "difference-stationary", "unclear"),
}
_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_ALWAYS = "true"


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class RuleRange:
    """A declared search range: expressions for ``low`` / ``high`` (either may be absent)."""

    low: str | None = None
    high: str | None = None
    log: bool | None = None


@dataclass(frozen=True)
class _Compiled:
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
    """Facts named in ``when`` and ``value``, in ``Facts`` order: the evidence of a hit."""
    compiled: _Compiled = field(compare=False, repr=False)

    @property
    def always(self) -> bool:
        """A default rule: fires on any data, so the setting always has a value."""
        return self.when.strip().lower() == _ALWAYS and self.action == "set"


# --------------------------------------------------------------------------- errors


def _did_you_mean(word: str, options: Iterable[str], suggestion: str | None = None) -> str | None:
    if suggestion:
        return f"did you mean {suggestion!r}?"
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.5)
    return f"did you mean {close[0]!r}?" if close else None


def _error(
    source: str, problem: str, rule_id: str | None = None, fix: str | None = None
) -> RulebookError:
    where = f"rule {rule_id!r}" if rule_id else None
    return RulebookError(source, problem, where=where, fix=fix)


# --------------------------------------------------------------------------- compiling


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
def _fact_types() -> dict[str, Any]:
    hints = typing.get_type_hints(Facts)
    return {name: _datatype(hints[name]) for name in FACT_NAMES}


@cache
def _type_resolver() -> Any:
    return rule_engine.type_resolver_from_dict(_fact_types())


@dataclass(frozen=True)
class _Where:
    """Where an expression sits, for error messages."""

    source: str
    rule_id: str
    key: str


def _compile(text: str, expect: Any, where: _Where) -> tuple[rule_engine.Rule, tuple[str, ...]]:
    """Parse and type-check one expression; returns it and the facts it names."""
    context = rule_engine.Context(type_resolver=_type_resolver())
    try:
        compiled = rule_engine.Rule(text, context=context)
    except rule_engine.SymbolResolutionError as exc:
        fix = _did_you_mean(exc.symbol_name, FACT_NAMES, exc.suggestion)
        problem = f"{where.key} {text!r} names an unknown fact {exc.symbol_name!r}"
        raise _error(where.source, problem, where.rule_id, fix) from None
    except rule_engine.errors.SyntaxError as exc:
        # RuleSyntaxError and its siblings for malformed literals (floats, strings, ...)
        problem = f"syntax error in {where.key} {text!r} {_syntax_position(exc)}"
        fix = 'write e.g. "overfitting and train_windows < 300" or "2 * best_units"'
        raise _error(where.source, problem, where.rule_id, fix) from None
    except rule_engine.EngineError as exc:
        problem = f"type error in {where.key} {text!r} ({exc.message})"
        fix = "compare numbers with numbers and text with text; flags need no comparison"
        raise _error(where.source, problem, where.rule_id, fix) from None
    result = compiled.statement.expression.result_type
    if not DataType.is_compatible(result, expect):
        problem = f"{where.key} {text!r} gives {result.name}, expected {expect.name}"
        raise _error(where.source, problem, where.rule_id, _type_fix(expect)) from None
    names = tuple(name for name in FACT_NAMES if name in context.symbols)
    _check_string_literals(text, where)
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


def _check_string_literals(text: str, where: _Where) -> None:
    for fact, known in KNOWN_STRING_VALUES.items():
        pattern = rf"\b{fact}\s*[!=]=\s*(['\"])(.*?)\1"
        for match in re.finditer(pattern, text):
            literal = match.group(2)
            if literal not in known:
                problem = f"{fact} is never {literal!r} (it is one of {', '.join(known)})"
                raise _error(where.source, problem, where.rule_id, _did_you_mean(literal, known))


# --------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class _Table:
    """One ``[[rule]]`` table with typed accessors that fail with a one-line error."""

    data: Mapping[str, Any]
    source: str
    rule_id: str

    def fail(self, problem: str, fix: str | None = None) -> RulebookError:
        return _error(self.source, problem, self.rule_id, fix)

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

    def expression(self, key: str, value: Any) -> str:
        """An expression given as text, or a plain TOML number for convenience."""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.fail(f"{key!r} must be an expression in quotes, got {value!r}")
        text = value if isinstance(value, str) else repr(value)
        if not text.strip():
            raise self.fail(f"{key!r} is empty")
        return text.strip()


def _check_keys(
    keys: Iterable[str], allowed: Sequence[str], source: str, rule_id: str | None, what: str
) -> None:
    for key in keys:
        if key not in allowed:
            fix = _did_you_mean(key, allowed) or f"allowed keys: {', '.join(allowed)}"
            raise _error(source, f"unknown key {key!r} in {what}", rule_id, fix)


def _rule_id(data: Mapping[str, Any], source: str, position: int) -> str:
    rule_id = data.get("id")
    if not isinstance(rule_id, str) or not _ID_PATTERN.match(rule_id):
        problem = f"rule #{position} needs an id of letters, digits and dashes, got {rule_id!r}"
        raise _error(source, problem, fix='add id = "my-rule"')
    if rule_id.startswith("limit-"):
        raise _error(
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


def _choice(setting: str, item: Any, where: _Where) -> _Expr:
    if SETTINGS[setting].kind == "str":
        if item not in SCALINGS:
            raise _error(
                where.source,
                f"choice {item!r} is not a {setting}",
                where.rule_id,
                _did_you_mean(str(item), SCALINGS),
            )
        return _Expr(item, item)
    table = _Table({}, where.source, where.rule_id)
    text = table.expression("choices", item)
    return _Expr(text, *_compile(text, DataType.FLOAT, where))


def _parse_rule(data: Any, source: str, position: int) -> Rule:
    if not isinstance(data, Mapping):
        raise _error(source, f"rule #{position} is not a table", fix="write it as [[rule]]")
    rule_id = _rule_id(data, source, position)
    _check_keys(data.keys(), RULE_KEYS, source, rule_id, "a rule")
    t = _Table(data, source, rule_id)
    setting, action = _setting_and_action(t)
    when = t.text("when")
    when_rule, when_facts = _compile(when, DataType.BOOLEAN, _Where(source, rule_id, "when"))
    value, value_rule, value_facts = _parse_value(t, setting, action)
    rule_range, bounds = _parse_range(t, setting, action)
    choices = _parse_choices(t, setting, rule_range)
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
        facts=tuple(n for n in FACT_NAMES if n in when_facts or n in value_facts),
        compiled=_Compiled(
            when_rule,
            value_rule,
            low,
            high,
            tuple(e.compiled for e in choices),
            tuple(n for n in FACT_NAMES if n in range_facts),
        ),
    )


def _setting_and_action(t: _Table) -> tuple[str, str]:
    setting = t.text("setting")
    if setting not in SETTINGS:
        fix = _did_you_mean(setting, SETTINGS) or f"one of {', '.join(SETTINGS)}"
        raise t.fail(f"unknown setting {setting!r}", fix)
    action = t.text("action")
    if action not in ACTIONS:
        raise t.fail(
            f"unknown action {action!r}",
            _did_you_mean(action, ACTIONS) or f"one of {', '.join(ACTIONS)}",
        )
    if SETTINGS[setting].kind == "str" and action != "set":
        raise t.fail(f"{setting} is text, so it can only be 'set', not {action!r}")
    return setting, action


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
    t: _Table, setting: str, action: str
) -> tuple[str | None, rule_engine.Rule | None, tuple[str, ...]]:
    raw = t.data.get("value")
    if raw is None:
        if action == "clamp":
            return None, None, ()
        raise t.fail(f"a {action!r} rule needs a value", 'add value = "..."')
    if action == "clamp":
        raise t.fail("a 'clamp' rule takes range low/high, not a value", "remove value")
    text = t.expression("value", raw)
    spec = SETTINGS[setting]
    expect = DataType.STRING if spec.kind == "str" else DataType.FLOAT
    compiled, names = _compile(text, expect, _Where(t.source, t.rule_id, "value"))
    if not names and spec.kind == "str":
        # A constant text value can be checked now rather than when the rule first fires.
        _check_scaling(str(compiled.evaluate({})), t.source, t.rule_id)
    return text, compiled, names


def _check_scaling(value: str, source: str, rule_id: str) -> None:
    if value not in SCALINGS:
        raise _error(
            source,
            f"scaling {value!r} is not one of {', '.join(SCALINGS)}",
            rule_id,
            _did_you_mean(value, SCALINGS),
        )


def _parse_range(
    t: _Table, setting: str, action: str
) -> tuple[RuleRange | None, tuple[_Expr | None, _Expr | None]]:
    raw = t.data.get("range")
    if raw is None:
        if action == "clamp":
            raise t.fail("a 'clamp' rule needs range = { low = ..., high = ... }")
        return None, (None, None)
    if not isinstance(raw, Mapping):
        raise t.fail("range must be a table", 'e.g. range = { low = "0.1", high = "0.4" }')
    _check_keys(raw.keys(), RANGE_KEYS, t.source, t.rule_id, "range")
    if SETTINGS[setting].kind == "str":
        raise t.fail(f"{setting} is text: give choices = [...] instead of a range")
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
    return _Expr(text, *_compile(text, DataType.FLOAT, _Where(t.source, t.rule_id, f"range {key}")))


def _parse_choices(t: _Table, setting: str, rule_range: RuleRange | None) -> list[_Expr]:
    raw = t.data.get("choices")
    if raw is None:
        return []
    if not isinstance(raw, list) or not raw:
        raise t.fail("choices must be a non-empty list", 'e.g. choices = ["16", "32", "64"]')
    if rule_range is not None:
        raise t.fail("give either range or choices, not both")
    where = _Where(t.source, t.rule_id, "choices")
    return [_choice(setting, item, where) for item in raw]


# --------------------------------------------------------------------------- files


def _read_toml(read: Any, source: str) -> dict[str, Any]:
    try:
        text = read()
    except FileNotFoundError:
        raise _error(source, "rule file not found", fix="check the path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _error(
            source, f"cannot read the rule file ({exc})", fix="give a UTF-8 .toml file"
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _error(
            source, f"not valid TOML ({exc})", fix="see docs/rules.md for the format"
        ) from None


def _parse_document(data: Mapping[str, Any], source: str) -> tuple[Rule, ...]:
    _check_keys(data.keys(), ("rule",), source, None, "the file (only [[rule]] tables)")
    tables = data.get("rule")
    if not isinstance(tables, list) or not tables:
        raise _error(source, "no [[rule]] tables found", fix="see docs/rules.md for the format")
    rules: list[Rule] = []
    seen: set[str] = set()
    for position, table in enumerate(tables, start=1):
        rule = _parse_rule(table, source, position)
        if rule.id in seen:
            raise _error(source, "duplicate rule id in this file", rule.id, "rename one of them")
        seen.add(rule.id)
        rules.append(rule)
    return tuple(rules)


def _load_file(path: Path) -> tuple[Rule, ...]:
    source = str(path)
    return _parse_document(_read_toml(lambda: path.read_text(encoding="utf-8"), source), source)


@cache
def _packaged_rules() -> tuple[Rule, ...]:
    # Parsed once per process: the packaged files cannot change while it runs.
    folder = resources.files("advisor.rules") / "rulebook"
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".toml")), key=lambda f: f.name)
    rules: list[Rule] = []
    for file in files:
        source = str(file)
        rules.extend(
            _parse_document(_read_toml(lambda f=file: f.read_text("utf-8"), source), source)
        )
    return tuple(rules)


def _merge(base: Sequence[Rule], extra: Sequence[Rule]) -> list[Rule]:
    """Override by id: a replacing rule keeps the position of the one it replaces."""
    merged = list(base)
    index = {rule.id: i for i, rule in enumerate(merged)}
    for rule in extra:
        if rule.id in index:
            merged[index[rule.id]] = rule
        else:
            index[rule.id] = len(merged)
            merged.append(rule)
    return merged


def _check_defaults(rules: Sequence[Rule], source: str) -> None:
    # Without an always-firing `set` a setting could end up with no value on some data,
    # which would only show much later as a crash; catch it while loading.
    for setting in SETTINGS:
        if not any(rule.setting == setting and rule.always for rule in rules):
            problem = f'no rule with when = "true" and action = "set" gives {setting!r} a value'
            packaged = f"default-{_dash(setting)}"
            fix = f"keep a default rule for {setting} (the packaged one is {packaged!r})"
            raise _error(source, problem, fix=fix)


def _dash(setting: str) -> str:
    return setting.replace("_", "-")


def load_rulebook(extra: Sequence[Path] = ()) -> Rulebook:
    """The packaged rulebook, then each user file in order; a user rule with the id of an
    earlier rule replaces it, a new id adds a rule."""
    rules = list(_packaged_rules())
    sources = [*dict.fromkeys(rule.source for rule in rules)]
    for path in extra:
        rules = _merge(rules, _load_file(Path(path)))
        sources.append(str(path))
    _check_defaults(rules, sources[-1] if extra else "packaged rulebook")
    return Rulebook(tuple(rules), tuple(sources))


def check_rule_file(path: Path | str) -> list[Rule]:
    """Validate one user rule file (``advisor rules check FILE``), also as merged over the
    packaged rulebook; raises ``RulebookError`` with one line on the first problem."""
    rules = _load_file(Path(path))
    load_rulebook([Path(path)])
    return list(rules)


# --------------------------------------------------------------------------- evaluation


@dataclass(frozen=True)
class _Firing:
    rule: Rule
    order: int
    proposal: Value | None
    """The rule's value (set / raise / lower), or ``None`` for clamp."""
    low: float | None = None
    high: float | None = None


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _run(rule: Rule, expr: rule_engine.Rule, key: str, text: str, thing: Mapping[str, Any]) -> Any:
    try:
        return expr.evaluate(thing)
    except (rule_engine.EngineError, ArithmeticError) as exc:
        problem = f"{key} {text!r} failed on this data ({exc})"
        fix = 'guard it in the condition, e.g. "seasonal_period > 0 and ..."'
        raise _error(rule.source, problem, rule.id, fix) from None


def _as_setting(setting: str, raw: Any, rule: Rule) -> Value:
    """Coerce a rule-engine result (Decimal or str) to the setting's Python type."""
    spec = SETTINGS[setting]
    if spec.kind == "str":
        _check_scaling(str(raw), rule.source, rule.id)
        return str(raw)
    number = float(raw)
    if not math.isfinite(number):
        raise _error(
            rule.source,
            f"{setting} value is {number} on this data",
            rule.id,
            "guard the expression in the condition",
        )
    return _round(number) if spec.kind == "int" else number


def _round(number: float) -> int:
    # Half up, not Python's half-to-even: 2.5 units reads as 3 to anyone checking by hand.
    return math.floor(number + 0.5)


def _number(
    rule: Rule, expr: rule_engine.Rule | None, key: str, thing: Mapping[str, Any]
) -> float | None:
    if expr is None:
        return None
    return float(_run(rule, expr, key, expr.text, thing))


def _fire(rule: Rule, order: int, thing: Mapping[str, Any]) -> _Firing | None:
    # A fact that could not be measured (NaN) gives no evidence either way: the rule
    # does not fire rather than fail on the comparison.
    if any(_is_nan(thing[name]) for name in rule.facts):
        return None
    if not _run(rule, rule.compiled.when, "when", rule.when, thing):
        return None
    c = rule.compiled
    proposal = None
    if c.value is not None:
        proposal = _as_setting(
            rule.setting, _run(rule, c.value, "value", c.value.text, thing), rule
        )
    if rule.action != "clamp":
        return _Firing(rule, order, proposal)
    return _Firing(
        rule,
        order,
        None,
        _number(rule, c.low, "range low", thing),
        _number(rule, c.high, "range high", thing),
    )


@dataclass
class _Trace:
    """How one setting got its value: the hits in order, and its bounds so far."""

    setting: str
    value: Value | None = None
    hits: list[RuleHit] = field(default_factory=list)
    range_rule: _Firing | None = None
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


def _hit(
    rule_id: str,
    setting: str,
    value: Value,
    rationale: str,
    evidence: Mapping[str, Any],
    confidence: float,
    priority: int,
) -> RuleHit:
    return RuleHit(rule_id, setting, value, rationale, dict(evidence), confidence, priority)


def _rule_hit(f: _Firing, value: Value, thing: Mapping[str, Any]) -> RuleHit:
    r = f.rule
    evidence = {name: thing[name] for name in r.facts}
    return _hit(r.id, r.setting, value, r.rationale, evidence, r.confidence, r.priority)


def _apply(trace: _Trace, f: _Firing, thing: Mapping[str, Any]) -> None:
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
        trace.value = _clamp_value(trace.setting, current, f.low, f.high)
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


def _clamp_value(setting: str, value: Value, low: float | None, high: float | None) -> Value:
    assert isinstance(value, int | float)
    number = float(value)
    if low is not None:
        number = max(number, low)
    if high is not None:
        number = min(number, high)
    return _round(number) if SETTINGS[setting].kind == "int" else number


# --------------------------------------------------------------------------- hard limits


def lstm_params(units: int, n_inputs: int, layers: int = 1) -> int:
    """Weights of a stack of LSTM layers: ``4*(units*(units+inputs)+units)`` per layer,
    where a layer above the first takes the ``units`` outputs of the one below."""
    first = 4 * (units * (units + n_inputs) + units)
    return first + (layers - 1) * 4 * (units * (2 * units) + units)


def max_units_for_windows(train_windows: int, n_inputs: int, layers: int = 1) -> int:
    """The widest LSTM within ``PARAMS_PER_WINDOW`` weights per training window, never
    below ``MIN_UNITS``."""
    budget = max(0, train_windows) * PARAMS_PER_WINDOW
    ceiling = int(cast(float, SETTINGS["units"].high))
    units = MIN_UNITS
    while units < ceiling and lstm_params(units + 1, n_inputs, layers) <= budget:
        units += 1
    return units


def _limit(
    trace: _Trace, rule_id: str, value: Value, rationale: str, evidence: Mapping[str, Any]
) -> None:
    trace.value = value
    trace.hits.append(_hit(rule_id, trace.setting, value, rationale, evidence, 1.0, LIMIT_PRIORITY))


def _limit_valid(trace: _Trace) -> None:
    spec = SETTINGS[trace.setting]
    value = trace.value
    if spec.kind == "str" or not isinstance(value, int | float):
        return
    clipped = _clamp_value(trace.setting, value, spec.low, spec.high)
    if clipped != value:
        why = (
            f"The rules gave {trace.setting} = {value}, outside the values it can take "
            f"({spec.low} to {spec.high}); it is moved to the nearest valid value."
        )
        _limit(trace, "limit-valid-range", clipped, why, {trace.setting: value})


def _limit_units(trace: _Trace, facts: Facts, layers: int) -> None:
    n_inputs = 1 + facts.n_features
    cap = max_units_for_windows(facts.train_windows, n_inputs, layers)
    trace.bound(high=cap)
    units = cast(int, trace.value)
    if units > cap:
        why = (
            f"{units} units would give {lstm_params(units, n_inputs, layers):,} weights for "
            f"{facts.train_windows:,} training windows; with more than {PARAMS_PER_WINDOW} "
            f"weights per window the network can memorise the series instead of learning it, "
            f"so the width is capped at {cap} units."
        )
        evidence = {
            "train_windows": facts.train_windows,
            "n_features": facts.n_features,
            "layers": layers,
            "max_params": facts.train_windows * PARAMS_PER_WINDOW,
        }
        _limit(trace, "limit-params-per-window", cap, why, evidence)
    if facts.user_max_units > 0:
        trace.bound(high=facts.user_max_units)
        if cast(int, trace.value) > facts.user_max_units:
            why = f"You asked for at most {facts.user_max_units} units; your limit beats the rules."
            _limit(
                trace,
                "limit-user-max-units",
                facts.user_max_units,
                why,
                {"user_max_units": facts.user_max_units},
            )


def _limit_lookback(trace: _Trace, facts: Facts) -> None:
    cap = max(1, facts.train_rows // LOOKBACK_SHARE_OF_TRAIN)
    trace.bound(high=cap)
    if cast(int, trace.value) > cap:
        why = (
            f"A lookback of {trace.value} rows would leave too few training windows from "
            f"{facts.train_rows} training rows; it is capped at a third of them ({cap})."
        )
        _limit(trace, "limit-lookback-windows", cap, why, {"train_rows": facts.train_rows})
    if facts.user_lookback > 0:
        trace.override("limit-user-lookback")
        trace.settled = True
        why = f"You set the lookback to {facts.user_lookback} rows; your word beats the rules."
        _limit(
            trace,
            "limit-user-lookback",
            facts.user_lookback,
            why,
            {"user_lookback": facts.user_lookback},
        )


def batch_activation_bytes(batch: int, lookback: int, units: int, layers: int) -> int:
    """Activations kept for backpropagation through time, float32.

    Per time step and layer an LSTM keeps its four gate activations, the cell state and
    the hidden state for the backward pass: about six vectors of ``units`` numbers.
    """
    return batch * lookback * layers * units * LSTM_VECTORS_PER_STEP * 4


def _limit_batch_memory(trace: _Trace, lookback: int, units: int, layers: int) -> None:
    per_window = batch_activation_bytes(1, lookback, units, layers)
    cap = max(1, BATCH_MEMORY_BYTES // max(1, per_window))
    trace.bound(high=cap)
    batch = cast(int, trace.value)
    if batch > cap:
        why = (
            f"A batch of {batch} windows of {lookback} steps through {layers} x {units} units "
            f"keeps about {batch_activation_bytes(batch, lookback, units, layers) / 2**20:,.0f} MiB "
            f"of activations for training; the batch is capped at {cap} so a training step fits "
            f"in {BATCH_MEMORY_BYTES // 2**20} MiB, the memory of a small GPU."
        )
        evidence = {"lookback": lookback, "units": units, "layers": layers}
        _limit(trace, "limit-batch-memory", cap, why, evidence)


def _apply_limits(traces: Mapping[str, _Trace], facts: Facts) -> None:
    for trace in traces.values():
        _limit_valid(trace)
    _limit_units(traces["units"], facts, cast(int, traces["layers"].value))
    _limit_lookback(traces["lookback"], facts)
    _limit_batch_memory(
        traces["batch_size"],
        cast(int, traces["lookback"].value),
        cast(int, traces["units"].value),
        cast(int, traces["layers"].value),
    )


# --------------------------------------------------------------------------- ranges


def _powers_of_two(low: float, high: float) -> list[int]:
    return [2**k for k in range(0, 12) if low <= 2**k <= high]


def _default_range(setting: str, value: Value) -> Range:
    """A narrowed range around the value, for a setting whose rule declared none."""
    if isinstance(value, str) or setting == "differencing":
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
    return Range(setting, choices=(v / 2, v, v * 2))  # batch, patience, lookback


def _declared_range(f: _Firing, thing: Mapping[str, Any]) -> Range | None:
    rule, c = f.rule, f.rule.compiled
    if any(_is_nan(thing[n]) for n in c.range_facts):
        return None
    if c.choices:
        values = tuple(
            item if isinstance(item, str) else float(_run(rule, item, "choices", item.text, thing))
            for item in c.choices
        )
        return Range(rule.setting, choices=values)
    assert rule.range is not None
    low = _number(rule, c.low, "range low", thing)
    high = _number(rule, c.high, "range high", thing)
    log = SETTINGS[rule.setting].log if rule.range.log is None else rule.range.log
    return Range(rule.setting, low=low, high=high, log=log)


def _fit_range(r: Range, trace: _Trace) -> Range:
    """Keep the range inside the valid values and the limits, and always holding the value."""
    spec, value = SETTINGS[trace.setting], trace.value
    assert value is not None
    if trace.settled:
        return Range(trace.setting, choices=(value,))
    lows = [x for x in (spec.low, trace.low) if x is not None]
    highs = [x for x in (spec.high, trace.high) if x is not None]
    lo, hi = (max(lows) if lows else None), (min(highs) if highs else None)
    if r.choices:
        choices = _fit_choices(r.choices, value, spec.kind, lo, hi)
        if len(choices) < 2 <= len(r.choices):
            # The limits removed every alternative (e.g. units capped far below the rule's
            # choices); search around the capped value rather than not at all.
            fallback = _default_range(trace.setting, value).choices
            choices = _fit_choices((*choices, *fallback), value, spec.kind, lo, hi)
        return Range(trace.setting, choices=choices)
    assert isinstance(value, int | float)
    low = r.low if r.low is not None else float(value)
    high = r.high if r.high is not None else float(value)
    low, high = _within(low, lo, hi), _within(high, lo, hi)
    low, high = min(low, float(value)), max(high, float(value))
    if spec.kind == "int":
        low, high = float(_round(low)), float(_round(high))
    return Range(trace.setting, low=low, high=high, log=r.log and low > 0)


def _within(x: float, lo: float | None, hi: float | None) -> float:
    if lo is not None:
        x = max(x, lo)
    if hi is not None:
        x = min(x, hi)
    return x


def _fit_choices(
    choices: Sequence[Value], value: Value, kind: Kind, lo: float | None, hi: float | None
) -> tuple[Value, ...]:
    if kind == "str":
        return tuple(dict.fromkeys([value, *choices]))
    assert isinstance(value, int | float)
    numbers = {_round(float(c)) if kind == "int" else float(c) for c in choices}
    kept: set[int | float] = {c for c in numbers if _within(float(c), lo, hi) == c}
    kept.add(value)
    return tuple(sorted(kept))


# --------------------------------------------------------------------------- rulebook


@dataclass(frozen=True)
class Rulebook:
    """The merged, validated rules; ``recommend`` turns facts into settings."""

    rules: tuple[Rule, ...]
    sources: tuple[str, ...] = ()

    def get(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        ids = [rule.id for rule in self.rules]
        raise _error("rulebook", f"no rule with id {rule_id!r}", fix=_did_you_mean(rule_id, ids))

    def recommend(self, facts: Facts) -> Recommendation:
        thing = dataclasses.asdict(facts)
        firings: list[_Firing] = []
        not_fired: list[str] = []
        for order, rule in enumerate(self.rules):
            firing = _fire(rule, order, thing)
            if firing is None:
                not_fired.append(rule.id)
            else:
                firings.append(firing)
        traces = {s: self._resolve(s, firings, thing) for s in SETTINGS}
        _apply_limits(traces, facts)
        return Recommendation(
            config=_config(traces),
            ranges=tuple(self._range(t, thing) for t in traces.values()),
            rules_fired=tuple(hit for t in traces.values() for hit in t.hits),
            rules_not_fired=tuple(not_fired),
            baseline_warning=facts.no_gain_over_baseline,
        )

    def _resolve(
        self, setting: str, firings: Sequence[_Firing], thing: Mapping[str, Any]
    ) -> _Trace:
        trace = _Trace(setting)
        mine = [f for f in firings if f.rule.setting == setting]
        for f in sorted(mine, key=lambda f: (f.rule.priority, f.order)):
            _apply(trace, f, thing)
        if trace.value is None:
            # Only reachable when a default's value uses an unmeasured (NaN) fact.
            raise _error(
                "rulebook",
                f"no rule gave {setting!r} a value on this data",
                fix=f"make 'default-{_dash(setting)}' a constant",
            )
        return trace

    @staticmethod
    def _range(trace: _Trace, thing: Mapping[str, Any]) -> Range:
        assert trace.value is not None
        declared = _declared_range(trace.range_rule, thing) if trace.range_rule else None
        return _fit_range(declared or _default_range(trace.setting, trace.value), trace)


def _config(traces: Mapping[str, _Trace]) -> ModelConfig:
    v = {name: trace.value for name, trace in traces.items()}
    layer = LayerConfig(
        int(cast(int, v["units"])),
        float(cast(float, v["dropout"])),
        float(cast(float, v["recurrent_dropout"])),
    )
    return ModelConfig(
        lookback=int(cast(int, v["lookback"])),
        layers=tuple(layer for _ in range(int(cast(int, v["layers"])))),
        l2=float(cast(float, v["l2"])),
        learning_rate=float(cast(float, v["learning_rate"])),
        batch_size=int(cast(int, v["batch_size"])),
        epochs=int(cast(int, v["epochs"])),
        early_stopping_patience=int(cast(int, v["early_stopping_patience"])),
        scaling=cast(Scaling, v["scaling"]),
        differencing=int(cast(int, v["differencing"])),
    )
