"""The classification page's tables: the recommended settings with each rule's reason,
their search ranges, the test results (the LSTM beside the baselines, the confusion
matrix, per-class scores), and the data with its baselines on validation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from advisor.core.class_models import ClassifierConfig
from advisor.core.class_settings import NO_MAX_LENGTH
from advisor.reports.class_info import ClassDocumentInfo, ScoreInfo
from advisor.reports.class_wording import (
    BASELINE_WORDS,
    FINAL_STOP_WORDS,
    POOLING_WORDS,
    SETTING_LABELS,
)
from advisor.reports.info import RuleHitInfo, Scalar
from advisor.reports.sections.common import (
    Table,
    as_typed,
    evidence_words,
    pct,
    plural,
    score,
    seconds,
)
from advisor.reports.sections.settings import SettingRow, per_layer, rule_notes
from advisor.reports.wording import setting_key

BALANCED = 1.1
"""Largest class over smallest below which the report calls the classes balanced."""


# ---------------------------------------------------------------------- settings


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def setting_values(config: ClassifierConfig) -> dict[str, str]:
    """Each setting of a classifier as the report shows it, in the settings' order."""
    layers = config.layers
    units = ", ".join(str(layer.units) for layer in layers)
    return {
        "units": units + (" per direction" if config.bidirectional else ""),
        "layers": str(len(layers)),
        "dropout": per_layer(layers, "dropout"),
        "recurrent_dropout": per_layer(layers, "recurrent_dropout"),
        "l2": as_typed(config.l2),
        "learning_rate": as_typed(config.learning_rate),
        "batch_size": plural(config.batch_size, "sequence"),
        "epochs": str(config.epochs),
        "early_stopping_patience": plural(config.early_stopping_patience, "epoch"),
        "bidirectional": _yes(config.bidirectional),
        "pooling": POOLING_WORDS.get(config.pooling, config.pooling),
        "class_weights": "yes (balanced)" if config.class_weights else "no",
        "max_length": "every step"
        if config.max_length is None
        else plural(config.max_length, "step"),
    }


def _row(key: str, value: str, hits: Sequence[RuleHitInfo], final: str) -> SettingRow:
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
    seen: set[str] = set()
    evidence = "; ".join(p for h in hits if (p := evidence_words(h.evidence, seen)))
    return SettingRow(
        setting=key,
        label=label,
        value=value,
        why=" ".join(h.rationale.strip() for h in hits),
        confidence=pct(hits[0].confidence),
        rule_ids=tuple(h.rule for h in hits),
        evidence=evidence,
        reasons=tuple((h.rule, h.rationale.strip()) for h in hits),
        final_value=final,
    )


def settings_rows(info: ClassDocumentInfo) -> tuple[SettingRow, ...]:
    """One row per setting: the suggestion, the final model's value where the search
    changed it (epochs aside: early stopping sets them), the rules that set it."""
    rec = info.recommendation
    values, after = setting_values(rec.config), setting_values(info.final_config)
    applied: dict[str, list[RuleHitInfo]] = {}
    for hit in rec.rules_fired:
        if hit.applied:
            applied.setdefault(setting_key(hit.setting), []).append(hit)
    rows = [
        _row(
            key,
            value,
            applied.pop(key, []),
            after[key] if after[key] != value and key != "epochs" else "",
        )
        for key, value in values.items()
    ]
    rows += [
        _row(key, ", ".join(as_typed(h.value) for h in hits), hits, "")
        for key, hits in applied.items()
    ]
    return tuple(rows)


def settings_notes(info: ClassDocumentInfo) -> tuple[str, ...]:
    return rule_notes(info.recommendation.rules_fired, info.recommendation.rules_not_fired)


def _choice(key: str, choice: Scalar) -> str:
    if key == "max_length" and choice == NO_MAX_LENGTH:
        return "every step"
    if key == "pooling":
        return POOLING_WORDS.get(str(choice), str(choice))
    if isinstance(choice, bool):
        return _yes(choice)
    return as_typed(choice) if isinstance(choice, int | float) else str(choice)


def ranges_table(info: ClassDocumentInfo) -> Table | None:
    ranges = info.recommendation.ranges
    if not ranges:
        return None
    rows = []
    for r in ranges:
        key = setting_key(r.setting)
        choices = [_choice(key, c) for c in r.choices]
        if len(choices) == 1:
            text = f"kept at {choices[0]}"
        elif choices:
            text = ", ".join(choices)
        else:
            text = f"{as_typed(r.low)} to {as_typed(r.high)}" + (" (log scale)" if r.log else "")
        rows.append((SETTING_LABELS.get(key, r.setting), text))
    return Table(("Setting", "Sensible range"), tuple(rows))


# ----------------------------------------------------------------------- results


@dataclass(frozen=True)
class ConfusionView:
    """The test confusion matrix: ``counts[i][j]`` sequences of true class ``classes[i]``
    predicted as ``classes[j]``."""

    classes: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]


def confusion(info: ClassDocumentInfo) -> ConfusionView | None:
    final = info.final
    if final is None or not final.confusion or len(final.confusion) != len(final.classes):
        return None
    return ConfusionView(final.classes, final.confusion)


def per_class_table(info: ClassDocumentInfo) -> Table | None:
    final = info.final
    if final is None or not final.per_class:
        return None
    rows = tuple(
        (c.name, score(c.precision), score(c.recall), score(c.f1), str(c.support))
        for c in final.per_class
    )
    return Table(("Class", "Precision", "Recall", "F1", "Test sequences"), rows)


def test_metrics(info: ClassDocumentInfo) -> tuple[str, ...]:
    final = info.final
    if final is None:
        return ()
    trained = (
        f"trained on the training and validation sequences for "
        f"{plural(final.epochs_trained, 'epoch')} ({seconds(final.seconds)})"
    )
    members = [a for a in final.member_test_accuracy if a is not None]
    if len(final.seeds) > 1:
        trained = (
            f"the average of {len(final.seeds)} trainings of these settings (seeds "
            f"{', '.join(str(s) for s in final.seeds)}) on the training and validation "
            f"sequences for {plural(final.epochs_trained, 'epoch')} each "
            f"({seconds(final.seconds)} in all)"
        )
    ended = FINAL_STOP_WORDS.get(final.stopped_reason)
    if ended:
        trained += f"; {ended}" + (
            ", and the others trained as many" if len(final.seeds) > 1 else ""
        )
    sentences = [
        f"The final LSTM, {trained}, classifies {pct(final.test_accuracy)} of the test "
        f"sequences right: macro-F1 {score(final.test_macro_f1)}, balanced accuracy "
        f"{score(final.test_balanced_accuracy)}."
    ]
    if len(members) > 1:
        sentences.append(
            f"Alone, its trainings classified {pct(min(members))} to {pct(max(members))} "
            "right: the average depends less on any one seed."
        )
    if final.dropped_seeds:
        sentences.append(
            f"The training(s) with seed(s) {', '.join(str(s) for s in final.dropped_seeds)} "
            "diverged and are left out of the average."
        )
    return tuple(sentences)


def models_table(info: ClassDocumentInfo) -> Table:
    """The LSTM beside every baseline, validation and test; the advice emphasised."""
    best, final, verdict = info.diagnosis.best_run, info.final, info.verdict
    tests = {b.name: b for b in info.test_baselines}
    lstm_advised = verdict is None or not verdict.advised
    rows = [
        (
            "LSTM",
            pct(best.val_accuracy if best else None),
            score(best.val_macro_f1 if best else None),
            pct(final.test_accuracy if final else None),
            score(final.test_macro_f1 if final else None),
            seconds(final.seconds if final else None),
        )
    ]
    highlight = [lstm_advised and (final is not None or best is not None)]
    for b in info.profile.baselines:
        t: ScoreInfo | None = tests.get(b.name)
        rows.append(
            (
                b.label + (" (capped)" if b.capped else ""),
                pct(b.accuracy),
                score(b.macro_f1),
                pct(t.accuracy if t else None),
                score(t.macro_f1 if t else None),
                seconds(t.seconds if t else b.seconds),
            )
        )
        highlight.append(verdict is not None and verdict.advised and b.name == verdict.baseline)
    return Table(
        (
            "Model",
            "Validation accuracy",
            "Validation macro-F1",
            "Test accuracy",
            "Test macro-F1",
            "Seconds",
        ),
        tuple(rows),
        tuple(highlight),
    )


# -------------------------------------------------------------------------- data


def data_facts(info: ClassDocumentInfo) -> tuple[str, ...]:
    data, profile = info.data, info.profile
    split = profile.split
    roles = [
        ("id", data.id_column),
        ("time", data.time_column),
        ("label", data.label_column),
        ("split", data.split_column),
    ]
    columns = ", ".join(f"{role} “{name}”" for role, name in roles if name)
    layout = (
        "one row per time step"
        if data.layout == "long"
        else "one row per sequence, a column per step"
    )
    test = (
        "the file's split column chose the test sequences"
        if split.test_source == "file"
        else "the advisor drew the test sequences, a stratified share of each class"
    )
    counts = ", ".join(
        f"{name} ({count:,})"
        for name, count in zip(profile.classes, profile.class_counts, strict=False)
    )
    lengths = (
        f"every training sequence is {plural(profile.max_length, 'step')} long"
        if not profile.ragged
        else f"training sequences run from {profile.min_length:,} to {profile.max_length:,} steps "
        f"(median {profile.median_length:,.0f}); the model masks the padding of the shorter ones"
    )
    return (
        f"{plural(data.sequences, 'sequence')} in a {data.layout} file ({layout}): {columns}.",
        f"Split: {split.train:,} training, {split.validation:,} validation and {split.test:,} "
        f"test sequences; {test}.",
        f"{plural(len(profile.classes), 'class', 'classes')}, with training sequences: {counts}; "
        f"{_balance(profile.imbalance_ratio)}.",
        f"Lengths: {lengths}.",
        f"{plural(len(data.channels), 'channel')}: {', '.join(data.channels)}.",
    )


def _balance(ratio: float | None) -> str:
    if ratio is None:
        return "their balance is unknown"
    if ratio < BALANCED:
        return "the classes are about equally common"
    return f"the largest class has {ratio:.1f} times the sequences of the smallest"


def baselines_table(info: ClassDocumentInfo) -> Table | None:
    baselines = info.profile.baselines
    if not baselines:
        return None
    rows = tuple(
        (
            b.label + (" (capped)" if b.capped else ""),
            BASELINE_WORDS.get(b.name, ""),
            pct(b.accuracy),
            score(b.macro_f1),
            score(b.balanced_accuracy),
            seconds(b.seconds) if b.accuracy is not None else "not run",
        )
        for b in baselines
    )
    return Table(
        ("Baseline", "What it does", "Accuracy", "Macro-F1", "Balanced accuracy", "Seconds"), rows
    )


def baseline_notes(info: ClassDocumentInfo) -> tuple[str, ...]:
    notes = [f"{b.label} (validation): {b.note}" for b in info.profile.baselines if b.note]
    said = {(b.name, b.note) for b in info.profile.baselines}
    # A note the test fit repeats word for word (the same padding, say) is said once.
    notes += [
        f"{b.label} (test): {b.note}"
        for b in info.test_baselines
        if b.note and (b.name, b.note) not in said
    ]
    return tuple(notes)
