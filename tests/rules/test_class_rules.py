"""Sequence classification's rulebook: its settings table, its facts, every packaged rule's
behaviour, its load-time checks, its hard limits, and its defaults as the probe's
classifier. Forecasting's rulebook is tested in ``test_rules.py`` and must not change.
"""

from __future__ import annotations

import dataclasses
import math
import subprocess
import sys
import typing
from pathlib import Path
from typing import Any

import pytest

from advisor.core.class_models import (
    ClassDiagnosis,
    ClassifierConfig,
    ClassRecommendation,
    ClassRun,
)
from advisor.core.class_records import ClassBaseline, ClassProfile, ClassSplit
from advisor.core.class_settings import (
    CLASS_SETTINGS,
    POOLINGS,
    class_config_from_values,
    class_config_values,
)
from advisor.core.errors import RulebookError
from advisor.core.findings import FindingId
from advisor.core.records import Curve, Finding, LayerConfig, RuleHit, Settings
from advisor.diagnostics.class_probe import (
    IMBALANCE_FOR_WEIGHTS,
    PROBE_MAX_LENGTH,
    probe_class_batch,
    probe_class_config,
)
from advisor.diagnostics.probe import PROBE_EPOCHS, PROBE_PATIENCE
from advisor.probes.class_baselines import BASELINE_NAMES, MAJORITY, MINIROCKET
from advisor.rules import (
    ACTIONS,
    CLASS_FACT_NAMES,
    FACT_NAMES,
    ClassFacts,
    build_class_facts,
    check_rule_file,
    load_class_rulebook,
    load_rulebook,
    recommend_class,
)
from advisor.rules.class_rulebook import PARAMS_PER_SEQUENCE, class_params, max_class_units
from advisor.rules.schema import CLASSIFY

BOOK = load_class_rulebook()
PACKAGED = {rule.id: rule for rule in BOOK.rules}

# A well-fitting run on 300 training sequences of 60 steps, one channel, two balanced
# classes: no finding but good_fit, no length cap, the probe's batch of 32.
NEUTRAL: dict[str, Any] = {
    "sequences": 400,
    "train_sequences": 300,
    "classes": 2,
    "imbalance": 1.0,
    "shortest_length": 60,
    "median_length": 60.0,
    "longest_length": 60,
    "ragged": False,
    "channels": 1,
    "best_baseline": MINIROCKET,
    "baseline_accuracy": 0.8,
    "primary_finding": "good_fit",
    "not_learning": False,
    "underfitting": False,
    "overfitting": False,
    "not_converged": False,
    "diverging": False,
    "capacity_limited": False,
    "data_limited": False,
    "no_gain_over_baseline": False,
    "good_fit": True,
    "best_units": 0,
    "best_epoch": 0,
    "epochs_run": 30,
    "lstm_accuracy": 0.9,
    "user_max_units": 0,
    "budget_s": 0.0,
}


def make_facts(**overrides: Any) -> ClassFacts:
    unknown = set(overrides) - set(CLASS_FACT_NAMES)
    assert not unknown, f"not classification facts: {unknown}"
    return ClassFacts(**{**NEUTRAL, **overrides})


def hit(rec: ClassRecommendation, rule_id: str) -> RuleHit:
    found = [h for h in rec.rules_fired if h.rule_id == rule_id]
    assert len(found) == 1, f"{rule_id} fired {len(found)} times: {rec.rules_fired}"
    return found[0]


def write(tmp_path: Path, text: str, name: str = "mine.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def rule_toml(**fields: Any) -> str:
    """One classification [[rule]] table; defaults make a valid rule, None drops a key."""
    table: dict[str, Any] = {
        "id": "my-rule",
        "when": "overfitting",
        "priority": 60,
        "setting": "dropout",
        "action": "set",
        "value": "0.3",
        "rationale": "A test rule with a long enough rationale for the contract.",
        "references": ["a test"],
    }
    table.update(fields)
    lines = ["[[rule]]"]
    for key, value in table.items():
        if value is not None:
            lines.append(f"{key} = {toml_value(value)}")
    return "\n".join(lines) + "\n"


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    return repr(value)


# ------------------------------------------------------------------- the settings table


def test_settings_table_is_what_a_classifier_config_holds() -> None:
    # Every field of ClassifierConfig but scaling (fixed: each channel standardised), as
    # the rules resolve it: `layers` a count, the per-layer fields from LayerConfig,
    # `max_length` a number (0: every step kept).
    hints = {
        **typing.get_type_hints(LayerConfig),
        **typing.get_type_hints(ClassifierConfig),
        "layers": int,
        "pooling": str,
        "max_length": int,
    }
    del hints["scaling"]
    assert set(CLASS_SETTINGS) == set(hints)
    for name, setting in CLASS_SETTINGS.items():
        assert setting.name == name
        assert setting.type is hints[name], name
        assert setting.label and len(setting.meaning) >= 40, name
    assert CLASS_SETTINGS["pooling"].choices == POOLINGS == ("last", "average")
    assert "sequences" in CLASS_SETTINGS["batch_size"].meaning


@pytest.mark.parametrize("max_length", [None, 64])
def test_a_classifier_is_one_value_per_setting_and_back(max_length: int | None) -> None:
    config = dataclasses.replace(
        probe_class_config(profile(), 16), max_length=max_length, class_weights=True
    )
    values = class_config_values(config)
    assert tuple(values) == tuple(CLASS_SETTINGS)
    assert values["max_length"] == (max_length or 0)
    assert class_config_from_values(values) == config
    # Rule and search values arrive as floats; whole numbers and switches come back typed.
    floats = {
        k: float(v) if CLASS_SETTINGS[k].type in (int, bool) else v for k, v in values.items()
    }
    assert class_config_from_values(floats) == config


# --------------------------------------------------------------------------- the facts


def test_findings_are_facts_of_forecastings_names() -> None:
    """A rule reads a finding the same way in both rulebooks."""
    class_types = {f.name: f.type for f in dataclasses.fields(ClassFacts)}
    for finding in (
        FindingId.NOT_LEARNING,
        FindingId.UNDERFITTING,
        FindingId.OVERFITTING,
        FindingId.NOT_CONVERGED,
        FindingId.DIVERGING,
        FindingId.CAPACITY_LIMITED,
        FindingId.DATA_LIMITED,
        FindingId.NO_GAIN_OVER_BASELINE,
        FindingId.GOOD_FIT,
    ):
        assert class_types.get(finding.value) in (bool, "bool"), finding
        assert finding.value in FACT_NAMES
    shared = ("primary_finding", "best_units", "best_epoch", "epochs_run", "user_max_units")
    assert set(shared) <= set(CLASS_FACT_NAMES) & set(FACT_NAMES)


def test_build_class_facts_reads_profile_diagnosis_and_settings() -> None:
    prof = profile(train_counts=(30, 10), max_length=150, channels=3, ragged=True)
    runs = (run(8, val_loss=0.6, accuracy=0.7), run(16, val_loss=0.4, accuracy=0.8))
    findings = (
        Finding(FindingId.OVERFITTING, "", {}, 0.7),
        Finding(FindingId.NO_GAIN_OVER_BASELINE, "", {}, 0.7),
    )
    diagnosis = ClassDiagnosis(runs, findings, "plan", primary=FindingId.OVERFITTING)
    facts = build_class_facts(prof, diagnosis, Settings(max_units=64, budget_s=120.0))
    assert (facts.sequences, facts.train_sequences, facts.classes) == (60, 40, 2)
    assert facts.imbalance == 3.0 and facts.channels == 3 and facts.ragged
    assert (facts.shortest_length, facts.median_length, facts.longest_length) == (75, 112.5, 150)
    assert facts.best_baseline == MINIROCKET and facts.baseline_accuracy == 0.6
    assert facts.overfitting and facts.no_gain_over_baseline and not facts.good_fit
    assert facts.primary_finding == "overfitting"
    # The best run is the one with the lowest validation loss, not the widest.
    assert (facts.best_units, facts.lstm_accuracy, facts.best_epoch) == (16, 0.8, 5)
    assert facts.epochs_run == 10
    assert (facts.user_max_units, facts.budget_s) == (64, 120.0)


def test_facts_without_runs_or_baselines_leave_the_rules_nothing_to_read() -> None:
    prof = dataclasses.replace(profile(), baselines=())
    facts = build_class_facts(prof, ClassDiagnosis((), (), "plan"), Settings())
    assert facts.best_baseline == "" and math.isnan(facts.baseline_accuracy)
    assert facts.best_units == facts.best_epoch == facts.epochs_run == 0
    assert math.isnan(facts.lstm_accuracy) and facts.primary_finding == ""
    assert (facts.user_max_units, facts.budget_s) == (0, 0.0)
    rec = recommend_class(facts)
    assert rec.baseline_warning == ""
    assert "sweep-best-units" in rec.rules_not_fired


# ------------------------------------------------------------------------ the contract


def test_rulebook_is_spread_over_files_of_its_own_folder() -> None:
    names = {Path(rule.source).name for rule in BOOK.rules}
    assert names == {
        "defaults.toml",
        "capacity.toml",
        "regularization.toml",
        "optimization.toml",
        "data.toml",
    }
    assert all(Path(rule.source).parent.name == "classify" for rule in BOOK.rules)
    assert BOOK.schema is CLASSIFY


def test_forecasting_rulebook_reads_none_of_the_classification_rules() -> None:
    forecast = load_rulebook()
    assert all(Path(rule.source).parent.name == "rulebook" for rule in forecast.rules)
    assert all(rule.setting not in ("pooling", "bidirectional") for rule in forecast.rules)


@pytest.mark.parametrize("rule_id", sorted(PACKAGED))
def test_packaged_rule_contract(rule_id: str) -> None:
    rule = PACKAGED[rule_id]
    assert rule.setting in CLASS_SETTINGS
    assert rule.action in ACTIONS
    assert set(rule.facts) <= set(CLASS_FACT_NAMES)
    assert len(rule.rationale) >= 40, "say what was seen and why the change helps"
    assert rule.references and all(len(ref) >= 10 for ref in rule.references)
    assert rule.action == "clamp" or rule.value
    assert isinstance(rule.compiled.when.evaluate(dataclasses.asdict(make_facts())), bool)


def test_every_setting_has_a_default_rule() -> None:
    for setting in CLASS_SETTINGS:
        assert any(r.setting == setting and r.always for r in BOOK.rules), setting


# ----------------------------------------------------------------------- the behaviour

# (rule id, fact overrides, the rule's suggestion). Facts are chosen so the suggestion
# also reaches the final config unless a hard limit steps in.
BEHAVIOUR: list[tuple[str, dict[str, Any], float | int | str | bool]] = [
    ("default-units", {}, 32),
    ("default-layers", {}, 1),
    ("default-dropout", {}, 0.0),
    ("default-recurrent-dropout", {}, 0.0),
    ("default-l2", {}, 0.0),
    ("default-learning-rate", {}, 1e-3),
    ("default-batch-size", {}, 32),
    ("default-epochs", {}, 60),
    ("default-early-stopping-patience", {}, 10),
    ("default-bidirectional", {}, True),
    ("default-pooling", {}, "average"),
    ("default-class-weights", {}, False),
    ("default-max-length", {}, 0),
    ("patience-sane-bounds", {}, 10),
    ("short-fixed-last-state", {"longest_length": 24, "shortest_length": 24,
                                "median_length": 24.0}, "last"),
    ("ragged-masking-note", {"ragged": True, "shortest_length": 10, "longest_length": 24},
     "average"),
    ("imbalance-class-weights", {"imbalance": 2.0}, True),
    ("long-sequences-fold", {"longest_length": 150}, 64),
    ("sweep-best-units", {"best_units": 16}, 16),
    ("underfit-widen", {"underfitting": True, "good_fit": False, "best_units": 16,
                        "primary_finding": "underfitting"}, 32),
    ("capacity-limited-widen", {"capacity_limited": True, "good_fit": False, "best_units": 16,
                                "primary_finding": "capacity_limited"}, 32),
    ("overfit-shrink", {"overfitting": True, "good_fit": False, "best_units": 16,
                        "primary_finding": "overfitting"}, 16),
    ("no-gain-baseline-warning", {"no_gain_over_baseline": True, "good_fit": False}, 1),
    ("overfit-dropout", {"overfitting": True, "good_fit": False,
                         "primary_finding": "overfitting"}, 0.25),
    ("overfit-l2", {"overfitting": True, "good_fit": False,
                    "primary_finding": "overfitting"}, 1e-4),
    ("underfit-no-dropout", {"underfitting": True, "good_fit": False,
                             "primary_finding": "underfitting"}, 0.0),
    ("underfit-no-l2", {"underfitting": True, "good_fit": False,
                        "primary_finding": "underfitting"}, 0.0),
    ("diverging-lower-lr", {"diverging": True, "good_fit": False,
                            "primary_finding": "diverging"}, 3e-4),
    ("not-learning-lower-lr", {"not_learning": True, "good_fit": False,
                               "primary_finding": "not_learning"}, 5e-4),
    ("batch-steps-per-epoch", {"train_sequences": 40, "sequences": 50}, 8),
    ("epochs-from-best-epoch", {"best_epoch": 40}, 80),
    ("not-converged-more-epochs", {"not_converged": True, "epochs_run": 60}, 120),
    ("short-budget-fewer-epochs", {"budget_s": 30.0}, 30),
    ("patience-from-best-epoch", {"best_epoch": 60}, 15),
]  # fmt: skip

# Rules whose condition holds on the neutral facts too: the batch rule reads every
# dataset's size (there it keeps the default's 32).
FIRES_ON_NEUTRAL = {"batch-steps-per-epoch"}


def test_every_packaged_rule_has_a_behaviour_case() -> None:
    covered = [rule_id for rule_id, _, _ in BEHAVIOUR]
    assert len(covered) == len(set(covered))
    assert set(covered) == set(PACKAGED)


@pytest.mark.parametrize(
    ("rule_id", "overrides", "expected"), BEHAVIOUR, ids=[case[0] for case in BEHAVIOUR]
)
def test_rule_behaviour(rule_id: str, overrides: dict[str, Any], expected: Any) -> None:
    rec = recommend_class(make_facts(**overrides))
    rule = BOOK.get(rule_id)
    h = hit(rec, rule_id)
    assert h.applied and h.overridden_by is None
    if isinstance(expected, str | bool):
        assert h.value == expected and type(h.value) is type(expected)
    else:
        assert h.value == pytest.approx(expected)
    assert h.setting == rule.setting and h.rationale == rule.rationale
    assert set(h.evidence) == set(rule.facts)
    limited = any(
        x.rule_id.startswith("limit-") for x in rec.rules_fired if x.setting == rule.setting
    )
    assert not limited, "the case's facts should let the value through"
    final = class_config_values(rec.config)[rule.setting]
    assert final == (expected if isinstance(expected, str | bool) else pytest.approx(expected))


@pytest.mark.parametrize("rule_id", sorted(set(PACKAGED) - FIRES_ON_NEUTRAL))
def test_evidence_rules_stay_quiet_on_neutral_facts(rule_id: str) -> None:
    rec = recommend_class(make_facts())
    if PACKAGED[rule_id].when.strip() == "true":
        assert rule_id not in rec.rules_not_fired
    else:
        assert rule_id in rec.rules_not_fired


@pytest.mark.parametrize("primary", ["underfitting", "overfitting", "not_learning", "diverging"])
def test_over_and_underfitting_together_move_the_model_one_way_only(primary: str) -> None:
    facts = make_facts(
        underfitting=True, overfitting=True, good_fit=False, best_units=16, primary_finding=primary
    )
    config = recommend_class(facts).config
    units, dropout, l2 = config.layers[0].units, config.layers[0].dropout, config.l2
    if primary == "underfitting":
        assert (units, dropout, l2) == (32, 0.0, 0.0)
    elif primary == "overfitting":
        assert units == 16 and dropout == 0.25 and l2 == 1e-4
    else:
        assert (units, dropout, l2) == (16, 0.0, 0.0)


def test_the_batch_rule_is_the_probes_batch() -> None:
    """The rule's expression and ``probe_class_batch`` say the same thing twice; here they
    are held to each other on every size where the answer changes and around it."""
    for n in range(1, 600):
        batch = recommend_class(make_facts(train_sequences=n, sequences=n)).config.batch_size
        assert batch == probe_class_batch(n), n


@pytest.mark.parametrize(
    ("sequences", "choices"),
    [(40, (4, 8)), (150, (8, 16)), (300, (16, 32)), (1000, (16, 32, 64))],
)
def test_the_batch_search_keeps_eight_updates_a_pass(
    sequences: int, choices: tuple[int, ...]
) -> None:
    rec = recommend_class(make_facts(train_sequences=sequences, sequences=sequences))
    batch_range = next(r for r in rec.ranges if r.setting == "batch_size")
    assert batch_range.choices == choices
    # Above the probe's smallest batch, no choice gives fewer than 8 updates a pass.
    assert all(b <= 8 or math.ceil(sequences / b) >= 8 for b in choices)


def test_no_gain_warns_and_names_the_baseline() -> None:
    facts = make_facts(
        no_gain_over_baseline=True, good_fit=False, best_baseline=MINIROCKET, lstm_accuracy=0.71
    )
    rec = recommend_class(facts)
    assert BASELINE_NAMES[MINIROCKET] in rec.baseline_warning
    assert "0.80" in rec.baseline_warning and "0.71" in rec.baseline_warning
    assert hit(rec, "no-gain-baseline-warning").evidence["best_baseline"] == MINIROCKET
    assert recommend_class(make_facts()).baseline_warning == ""


def test_long_sequences_are_capped_at_the_probes_length() -> None:
    rule = BOOK.get("long-sequences-fold")
    assert rule.value is not None and int(rule.value) == PROBE_MAX_LENGTH
    assert str(PROBE_MAX_LENGTH) in rule.when
    at_cap = recommend_class(make_facts(longest_length=PROBE_MAX_LENGTH))
    assert at_cap.config.max_length is None


def test_class_weights_follow_the_probes_threshold() -> None:
    assert str(IMBALANCE_FOR_WEIGHTS) in BOOK.get("imbalance-class-weights").when
    assert not recommend_class(make_facts(imbalance=IMBALANCE_FOR_WEIGHTS)).config.class_weights


# --------------------------------------------------------------- the probe's classifier


@pytest.mark.parametrize(
    "prof",
    [
        # GunPoint-like: 40 training sequences of 150 steps, one channel.
        lambda: profile(train_counts=(20, 20), max_length=150, ragged=False),
        # Ragged and imbalanced, a medium count.
        lambda: profile(train_counts=(200, 60), max_length=50, ragged=True),
        # Many sequences of three channels, fixed length, three classes.
        lambda: profile(train_counts=(400, 400, 400), max_length=100, channels=3, ragged=False),
    ],
    ids=["gunpoint-like", "ragged-imbalanced", "large"],
)
def test_defaults_give_the_probe_classifier_on_neutral_facts(prof: Any) -> None:
    """With no diagnostic run yet, the rulebook recommends the classifier the probes
    train: what the diagnosis will measure is what the advice starts from."""
    p = prof()
    facts = build_class_facts(p, ClassDiagnosis((), (), "plan"), Settings())
    config = recommend_class(facts).config
    assert config == probe_class_config(p, config.layers[0].units)
    assert config.epochs == PROBE_EPOCHS and config.early_stopping_patience == PROBE_PATIENCE


def test_short_fixed_sequences_differ_from_the_probe_in_pooling_only() -> None:
    p = profile(train_counts=(100, 100), max_length=24, ragged=False)
    facts = build_class_facts(p, ClassDiagnosis((), (), "plan"), Settings())
    config = recommend_class(facts).config
    assert config.pooling == "last"
    probe = probe_class_config(p, config.layers[0].units)
    assert dataclasses.replace(config, pooling="average") == probe


# ---------------------------------------------------------------------- the hard limits


def test_units_capped_by_weights_per_training_sequence() -> None:
    facts = make_facts(underfitting=True, good_fit=False, best_units=0, train_sequences=40)
    rec = recommend_class(facts)
    units = rec.config.layers[0].units
    limit = hit(rec, "limit-params-per-sequence")
    assert limit.value == units == max_class_units(facts, 1, True)
    assert class_params(units, 1, True, 1, 2) <= PARAMS_PER_SEQUENCE * 40
    assert class_params(units + 1, 1, True, 1, 2) > PARAMS_PER_SEQUENCE * 40
    units_range = next(r for r in rec.ranges if r.setting == "units")
    assert max(float(c) for c in units_range.choices) <= units


def test_a_measured_width_survives_the_size_guard() -> None:
    facts = make_facts(best_units=32, train_sequences=20, sequences=30)
    assert max_class_units(facts, 1, True) < 32
    rec = recommend_class(facts)
    assert rec.config.layers[0].units == 32
    assert not [h for h in rec.rules_fired if h.rule_id == "limit-params-per-sequence"]


def test_channels_and_classes_count_in_the_size_guard() -> None:
    few = max_class_units(make_facts(train_sequences=100), 1, True)
    many_channels = max_class_units(make_facts(train_sequences=100, channels=12), 1, True)
    many_classes = max_class_units(make_facts(train_sequences=100, classes=40), 1, True)
    assert many_channels < few and many_classes < few
    assert max_class_units(make_facts(train_sequences=100), 1, False) > few


def test_user_max_units_wins() -> None:
    rec = recommend_class(make_facts(best_units=64, user_max_units=16))
    assert rec.config.layers[0].units == 16
    assert hit(rec, "limit-user-max-units").value == 16


def test_every_setting_gets_a_range_that_holds_its_value() -> None:
    facts = make_facts(
        overfitting=True, good_fit=False, best_units=16, imbalance=3.0, longest_length=300
    )
    rec = recommend_class(facts)
    assert [r.setting for r in rec.ranges] == list(CLASS_SETTINGS)
    values = class_config_values(rec.config)
    for r in rec.ranges:
        value = values[r.setting]
        if r.choices:
            assert value in r.choices, r
        else:
            assert r.low is not None and r.high is not None
            assert r.low <= value <= r.high, r
    by_name = {r.setting: r for r in rec.ranges}
    assert set(by_name["class_weights"].choices) == {True, False}
    assert all(type(c) is bool for c in by_name["class_weights"].choices)
    assert by_name["bidirectional"].choices == (True,)
    assert set(by_name["max_length"].choices) == {32, 64, 128}


def test_same_facts_give_equal_recommendations() -> None:
    facts = make_facts(overfitting=True, good_fit=False, best_units=32, best_epoch=20)
    assert recommend_class(facts) == recommend_class(facts, load_class_rulebook())


def test_a_rulebook_reads_only_its_own_tasks_facts() -> None:
    with pytest.raises(TypeError, match="ClassFacts"):
        BOOK.resolve(object())


# ----------------------------------------------------------------------- load errors

LOAD_ERRORS: list[tuple[str, str, list[str]]] = [
    ("unknown-fact", rule_toml(when="overfiting and not diverging"),
     ["my-rule", "unknown fact 'overfiting'", "did you mean 'overfitting'"]),
    ("forecasting-fact", rule_toml(when="train_windows < 300"),
     ["my-rule", "unknown fact 'train_windows'"]),
    ("unknown-fact-in-value", rule_toml(setting="units", value="2 * best_unit"),
     ["my-rule", "'best_unit'", "did you mean 'best_units'"]),
    ("forecasting-setting", rule_toml(setting="lookback", value="10"),
     ["my-rule", "unknown setting 'lookback'"]),
    ("unknown-setting", rule_toml(setting="class_weight", value="true"),
     ["my-rule", "unknown setting 'class_weight'", "did you mean 'class_weights'"]),
    ("bad-pooling", rule_toml(setting="pooling", value="'averge'"),
     ["my-rule", "'averge'", "did you mean 'average'"]),
    ("bad-pooling-choice", rule_toml(setting="pooling", value="'last'", choices=["lst"]),
     ["my-rule", "'lst'", "did you mean 'last'"]),
    ("number-for-switch", rule_toml(setting="bidirectional", value="1"),
     ["my-rule", "expected BOOLEAN"]),
    ("raise-switch", rule_toml(setting="class_weights", action="raise", value="true"),
     ["my-rule", "can only be 'set'"]),
    ("range-for-switch", rule_toml(setting="class_weights", value="true",
                                   range={"low": "0"}), ["my-rule", "choices = [true, false]"]),
    ("switch-for-number", rule_toml(setting="units", value=True),
     ["my-rule", "expression in quotes"]),
    ("bad-primary", rule_toml(when="primary_finding == 'overfiting'"),
     ["my-rule", "did you mean 'overfitting'"]),
    ("bad-baseline", rule_toml(when="best_baseline == 'minirocke'"),
     ["my-rule", "did you mean 'minirocket'"]),
]  # fmt: skip


@pytest.mark.parametrize(("case", "text", "expected"), LOAD_ERRORS, ids=[c[0] for c in LOAD_ERRORS])
def test_load_error_is_one_line(tmp_path: Path, case: str, text: str, expected: list[str]) -> None:
    path = write(tmp_path, text)
    with pytest.raises(RulebookError) as caught:
        check_rule_file(path, CLASSIFY)
    message = str(caught.value)
    assert "\n" not in message and str(path) in message
    for part in expected:
        assert part in message, f"{part!r} not in {message!r}"


def test_a_classification_setting_is_unknown_to_forecasting(tmp_path: Path) -> None:
    path = write(tmp_path, rule_toml(setting="pooling", value="'last'"))
    with pytest.raises(RulebookError, match="unknown setting 'pooling'"):
        check_rule_file(path)


def test_a_classification_fact_is_unknown_to_forecasting(tmp_path: Path) -> None:
    path = write(tmp_path, rule_toml(when="imbalance > 2"))
    with pytest.raises(RulebookError, match="unknown fact 'imbalance'"):
        load_rulebook([path])


def test_removing_a_default_fails_at_load(tmp_path: Path) -> None:
    path = write(tmp_path, rule_toml(id="default-pooling", setting="pooling", value="'last'"))
    with pytest.raises(RulebookError) as caught:
        load_class_rulebook([path])
    assert "'pooling'" in str(caught.value) and "default-pooling" in str(caught.value)


def test_user_rule_replaces_a_packaged_classification_rule(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        rule_toml(id="default-bidirectional", when="true", priority=0, setting="bidirectional",
                  value=False)
        + rule_toml(id="always-weigh", when="true", setting="class_weights", value="true"),
    )  # fmt: skip
    assert [r.id for r in check_rule_file(path, CLASSIFY)] == [
        "default-bidirectional",
        "always-weigh",
    ]
    book = load_class_rulebook([path])
    assert len(book.rules) == len(BOOK.rules) + 1
    config = recommend_class(make_facts(), book).config
    assert config.bidirectional is False and config.class_weights is True


def test_loading_the_classification_rules_does_not_import_tensorflow() -> None:
    code = (
        "import sys, advisor.rules as r; r.load_class_rulebook(); "
        "bad = [m for m in ('tensorflow', 'keras', 'aeon') if m in sys.modules]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_the_rules_guide_names_every_classification_fact_and_setting(repo: Path) -> None:
    guide = (repo / "docs" / "rules.md").read_text()
    section = guide[guide.index("## Classification") :]
    missing = [n for n in (*CLASS_FACT_NAMES, *CLASS_SETTINGS) if f"`{n}`" not in section]
    assert not missing, f"docs/rules.md's Classification section does not name: {missing}"


# ------------------------------------------------------------------------- the records


def profile(
    train_counts: tuple[int, ...] = (100, 100),
    *,
    max_length: int = 60,
    channels: int = 1,
    ragged: bool = False,
) -> ClassProfile:
    n_train = sum(train_counts)
    n_val = max(len(train_counts), n_train // 2)
    validation_counts = tuple(n_val // len(train_counts) for _ in train_counts)
    split = ClassSplit(
        train=tuple(range(n_train)),
        validation=tuple(range(n_train, n_train + sum(validation_counts))),
        test=(),
        test_source="advisor",
        seed=0,
        validation_share=0.2,
        test_share=0.2,
        train_counts=train_counts,
        validation_counts=validation_counts,
        test_counts=tuple(0 for _ in train_counts),
    )
    return ClassProfile(
        n_sequences=n_train + sum(validation_counts),
        classes=tuple(f"c{k}" for k in range(len(train_counts))),
        class_counts=train_counts,
        imbalance_ratio=max(train_counts) / min(train_counts),
        min_length=max_length // 2 if ragged else max_length,
        median_length=0.75 * max_length if ragged else float(max_length),
        max_length=max_length,
        ragged=ragged,
        channels=tuple(f"x{c}" for c in range(channels)),
        curve_points=max_length,
        mean_curves=(),
        scales=(),
        split=split,
        baselines=(
            ClassBaseline(MAJORITY, 0.5, 0.33, 0.5, 0.1),
            ClassBaseline(MINIROCKET, 0.6, 0.6, 0.6, 0.1),
        ),
    )


def run(units: int, *, val_loss: float, accuracy: float) -> ClassRun:
    val = [1.0, 0.8, 0.6, 0.5, val_loss, *([val_loss + 0.05] * 5)]
    return ClassRun(
        name=f"width-{units}",
        units=units,
        params=0,
        curve=Curve(tuple(v * 0.8 for v in val), tuple(val)),
        best_epoch=5,
        val_loss=val_loss,
        val_accuracy=accuracy,
        val_macro_f1=accuracy,
        val_balanced_accuracy=accuracy,
        val_correct=(),
        val_log_loss=(),
        seconds=1.0,
        stopped_reason="early_stopping",
        train_fraction=1.0,
        config=probe_class_config(profile(), units),
    )
