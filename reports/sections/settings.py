"""Recommended settings: one row per setting with its value, the rules that set it and
their evidence; the rules that did not apply; the narrowed ranges for further tuning.

A rule names its setting as the rule file does (``layers[0].units``, ``lr``);
``wording.setting_key`` lands every spelling on one row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from advisor.core.records import LayerConfig, ModelConfig
from advisor.reports.info import DocumentInfo, RuleHitInfo, Scalar
from advisor.reports.sections.common import Table, as_typed, evidence_words, pct, plural
from advisor.reports.wording import (
    SCALING_WORDS,
    SETTING_LABELS,
    differencing_words,
    log_words,
    season_out_words,
    season_position_words,
    setting_key,
)


@dataclass(frozen=True)
class SettingRow:
    setting: str
    """The ``config`` key (``units`` stands for the units of every layer)."""
    label: str
    value: str
    why: str
    confidence: str
    """Of the rule that set it, as a percentage; empty where no rule did."""
    rule_ids: tuple[str, ...]
    evidence: str
    reasons: tuple[tuple[str, str], ...] = ()
    """(rule id, rationale) per applied rule, where several shaped the value."""
    final_value: str = ""
    """The final model's value where the verification changed it, else empty."""


def per_layer(layers: Sequence[LayerConfig], field: str) -> str:
    """One value where every layer has it, else each layer's in order."""
    values = [getattr(layer, field) for layer in layers]
    if len(set(values)) == 1:
        return as_typed(values[0])
    return ", ".join(as_typed(v) for v in values)


def setting_values(config: ModelConfig) -> dict[str, str]:
    """Each setting of a configuration as the report shows it, keyed as the rows are."""
    layers = config.layers
    return {
        "lookback": plural(config.lookback, "step"),
        "layers": str(len(layers)),
        "units": ", ".join(str(layer.units) for layer in layers),
        "dropout": per_layer(layers, "dropout"),
        "recurrent_dropout": per_layer(layers, "recurrent_dropout"),
        "l2": as_typed(config.l2),
        "learning_rate": as_typed(config.learning_rate),
        "batch_size": str(config.batch_size),
        "epochs": str(config.epochs),
        "early_stopping_patience": plural(config.early_stopping_patience, "epoch"),
        "scaling": SCALING_WORDS.get(config.scaling, config.scaling),
        "differencing": differencing_words(config.differencing),
        "season_position": season_position_words(config.season_position),
        "deseasonalize": season_out_words(config.deseasonalize),
        "log_target": log_words(config.log_target),
    }


def changed_settings(info: DocumentInfo) -> list[str]:
    """Settings the verification changed. Epochs are left out: the final model always
    trains for the epoch count early stopping found best, whatever the search chose."""
    before = setting_values(info.recommendation.config)
    after = setting_values(info.final_config)
    return [SETTING_LABELS[k].lower() for k in before if k != "epochs" and before[k] != after[k]]


def _hits_evidence(hits: Sequence[RuleHitInfo]) -> str:
    """The evidence of several rules, each fact named once."""
    seen: set[str] = set()
    parts = [evidence_words(h.evidence, seen) for h in hits]
    return "; ".join(p for p in parts if p)


def _setting_row(key: str, value: str, hits: Sequence[RuleHitInfo], final: str) -> SettingRow:
    """One row; ``hits`` are the applied rules for the setting, in the order they acted."""
    label = SETTING_LABELS.get(key, key)
    if not hits:
        return SettingRow(
            key,
            label,
            value,
            "No rule changed this; the advisor's default stands.",
            "",
            (),
            "",
            final_value=final,
        )
    return SettingRow(
        setting=key,
        label=label,
        value=value,
        why=" ".join(h.rationale.strip() for h in hits),
        # The first applied hit set the value (earlier sets were overridden); later ones
        # only nudge or bound it, and a hard limit's certainty says nothing of the choice.
        confidence=pct(hits[0].confidence),
        rule_ids=tuple(h.rule for h in hits),
        evidence=_hits_evidence(hits),
        reasons=tuple((h.rule, h.rationale.strip()) for h in hits),
        final_value=final,
    )


def settings_rows(info: DocumentInfo) -> tuple[SettingRow, ...]:
    rec = info.recommendation
    values = setting_values(rec.config)
    after = setting_values(info.final_config)
    applied: dict[str, list[RuleHitInfo]] = {}
    for hit in rec.rules_fired:
        if hit.applied:
            applied.setdefault(setting_key(hit.setting), []).append(hit)
    rows = [
        _setting_row(key, value, applied.pop(key, []), after[key] if after[key] != value else "")
        for key, value in values.items()
    ]
    # A rule on a setting this report does not know still deserves its line.
    rows += [
        _setting_row(key, ", ".join(as_typed(h.value) for h in hits), hits, "")
        for key, hits in applied.items()
    ]
    return tuple(rows)


def settings_notes(info: DocumentInfo) -> tuple[str, ...]:
    return rule_notes(info.recommendation.rules_fired, info.recommendation.rules_not_fired)


def rule_notes(
    rules_fired: Sequence[RuleHitInfo], rules_not_fired: Sequence[str]
) -> tuple[str, ...]:
    """The rules that fired but did not set their setting, and how many did not fire:
    either task's recommendation."""
    notes = [
        f"Rule {h.rule} would have set {h.setting} to {as_typed(h.value)}"
        + (
            f" but was overridden by {h.overridden_by}."
            if h.overridden_by
            else " but was not applied."
        )
        for h in rules_fired
        if not h.applied
    ]
    if rules_not_fired:
        notes.append(
            f"{plural(len(rules_not_fired), 'other rule')} checked the evidence and did not apply."
        )
    return tuple(notes)


def _choice_words(key: str, choice: Scalar) -> str:
    if key == "log_target":
        return log_words(bool(choice)).split(",")[0]
    if key == "differencing" and isinstance(choice, int) and not isinstance(choice, bool):
        return differencing_words(choice)
    if key == "scaling":
        return SCALING_WORDS.get(str(choice), str(choice)).split(" (")[0]
    if key in ("season_position", "deseasonalize") and isinstance(choice, int | float):
        return f"{int(choice)}-step season" if choice else "none"
    return as_typed(choice) if isinstance(choice, int | float) else str(choice)


def ranges_table(info: DocumentInfo) -> Table | None:
    ranges = info.recommendation.ranges
    if not ranges:
        return None
    rows = []
    for r in ranges:
        key = setting_key(r.setting)
        choices = [_choice_words(key, c) for c in r.choices]
        if len(choices) == 1:
            text = f"kept at {choices[0]}"
        elif choices:
            text = ", ".join(choices)
        else:
            text = f"{as_typed(r.low)} to {as_typed(r.high)}" + (" (log scale)" if r.log else "")
        rows.append((SETTING_LABELS.get(key, r.setting), text))
    return Table(("Setting", "Sensible range"), tuple(rows))
