"""Loading the rulebook: the packaged TOML files, then the user's ``--rules`` files.

A user file overrides a packaged rule by its id or adds new ones; the merged book must
still give every setting a default, and every rule is parsed and checked against the
facts here, so all of a rule file's mistakes surface when the program starts.

Forecasting's rules (``rulebook/*.toml``) are checked against ``Facts`` and
``SETTINGS``; sequence classification's (``rulebook/classify/*.toml``,
``load_class_rulebook``) against ``ClassFacts`` and ``CLASS_SETTINGS``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from advisor.rules.parsing import check_keys, parse_rule
from advisor.rules.rule import Rule, dash, rule_error
from advisor.rules.rulebook import Rulebook
from advisor.rules.schema import CLASSIFY, FORECAST, Schema


def _read_toml(read: Any, source: str) -> dict[str, Any]:
    try:
        text = read()
    except FileNotFoundError:
        raise rule_error(source, "rule file not found", fix="check the path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise rule_error(
            source, f"cannot read the rule file ({exc})", fix="give a UTF-8 .toml file"
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise rule_error(
            source, f"not valid TOML ({exc})", fix="see docs/rules.md for the format"
        ) from None


def _parse_document(data: Mapping[str, Any], source: str, schema: Schema) -> tuple[Rule, ...]:
    check_keys(data.keys(), ("rule",), source, None, "the file (only [[rule]] tables)")
    tables = data.get("rule")
    if not isinstance(tables, list) or not tables:
        raise rule_error(source, "no [[rule]] tables found", fix="see docs/rules.md for the format")
    rules: list[Rule] = []
    seen: set[str] = set()
    for position, table in enumerate(tables, start=1):
        rule = parse_rule(table, source, position, schema)
        if rule.id in seen:
            raise rule_error(
                source, "duplicate rule id in this file", rule.id, "rename one of them"
            )
        seen.add(rule.id)
        rules.append(rule)
    return tuple(rules)


def _load_file(path: Path, schema: Schema) -> tuple[Rule, ...]:
    source = str(path)
    text = _read_toml(lambda: path.read_text(encoding="utf-8"), source)
    return _parse_document(text, source, schema)


@cache
def _packaged_rules(schema: Schema) -> tuple[Rule, ...]:
    # Parsed once per process: the packaged files cannot change while it runs.
    folder = resources.files("advisor.rules").joinpath(*schema.folder.split("/"))
    # Only the folder's own files: classification's folder sits inside forecasting's.
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".toml")), key=lambda f: f.name)
    rules: list[Rule] = []
    for file in files:
        source = str(file)
        rules.extend(
            _parse_document(_read_toml(lambda f=file: f.read_text("utf-8"), source), source, schema)
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


def _check_defaults(rules: Sequence[Rule], source: str, schema: Schema) -> None:
    # Without an always-firing `set` a setting could end up with no value on some data,
    # which would only show much later as a crash; catch it while loading.
    for setting in schema.settings:
        if not any(rule.setting == setting and rule.always for rule in rules):
            problem = f'no rule with when = "true" and action = "set" gives {setting!r} a value'
            packaged = f"default-{dash(setting)}"
            fix = f"keep a default rule for {setting} (the packaged one is {packaged!r})"
            raise rule_error(source, problem, fix=fix)


def _load(schema: Schema, extra: Sequence[Path]) -> Rulebook:
    rules = list(_packaged_rules(schema))
    sources = [*dict.fromkeys(rule.source for rule in rules)]
    for path in extra:
        rules = _merge(rules, _load_file(Path(path), schema))
        sources.append(str(path))
    packaged = "packaged rulebook" if schema is FORECAST else f"packaged {schema.task} rulebook"
    _check_defaults(rules, sources[-1] if extra else packaged, schema)
    return Rulebook(tuple(rules), tuple(sources), schema)


def load_rulebook(extra: Sequence[Path] = ()) -> Rulebook:
    """The packaged rulebook, then each user file in order; a user rule with the id of an
    earlier rule replaces it, a new id adds a rule."""
    return _load(FORECAST, extra)


def load_class_rulebook(extra: Sequence[Path] = ()) -> Rulebook:
    """Sequence classification's packaged rulebook, then each user file in order, merged
    as ``load_rulebook`` merges forecasting's."""
    return _load(CLASSIFY, extra)


def check_rule_file(path: Path | str, schema: Schema = FORECAST) -> list[Rule]:
    """Validate one user rule file (``advisor rules check FILE``), also as merged over the
    packaged rulebook of ``schema``'s task; raises ``RulebookError`` with one line on the
    first problem."""
    rules = _load_file(Path(path), schema)
    _load(schema, [Path(path)])
    return list(rules)
