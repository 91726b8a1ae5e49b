"""The rules engine and the packaged rulebook.

Every packaged rule passes a contract check and has a behaviour case (facts in ->
suggestion out), so a rule that stops firing, or a new rule without a case, fails here.
"""

from __future__ import annotations

import dataclasses
import math
import re
import subprocess
import sys
import typing
from pathlib import Path
from typing import Any

import pytest

from advisor.core.errors import RulebookError
from advisor.core.records import LayerConfig, ModelConfig, Recommendation, RuleHit, Scaling
from advisor.core.sizing import season_fits_window
from advisor.rules import (
    ACTIONS,
    FACT_NAMES,
    PARAMS_PER_WINDOW,
    SETTINGS,
    Facts,
    Rulebook,
    check_rule_file,
    load_rulebook,
    lstm_params,
    max_units_for_windows,
)
from advisor.rules.limits import BATCH_MEMORY_BYTES, batch_activation_bytes

BOOK = load_rulebook()

NEUTRAL: dict[str, Any] = {
    "rows": 1000,
    "train_rows": 700,
    "horizon": 1,
    "n_features": 0,
    "train_windows": 690,
    "seasonal_period": 0,
    "has_season": False,
    "season_fits_window": False,
    "long_season_window": 0,
    "max_significant_lag": 0,
    "stationarity": "stationary",
    "adf_pvalue": 0.01,
    "kpss_pvalue": 0.1,
    "trend_strength": 0.1,
    "missing_share": 0.0,
    "seasonal_strength": 0.0,
    "longest_seasonal_period": 0,
    "differencing_order": 0,
    "seasonal_differencing": 0,
    "differencing_after_season": -1,
    "ar_order": 0,
    "ar_r2": 0.5,
    "spectral_entropy": 0.8,
    "permutation_entropy": 0.9,
    "nonlinear": False,
    "snr": 1.0,
    "outlier_share": 0.0,
    "level_shifts": 0,
    "heavy_tails": False,
    "suggested_lookback": 2,
    "suggested_lookback_low": 2,
    "suggested_lookback_high": 4,
    "size_max_units": 64,
    "useful_covariates": 0,
    "baseline_stat_ratio": 1.0,
    "primary_finding": "good_fit",
    "not_learning": False,
    "underfitting": False,
    "overfitting": False,
    "not_converged": False,
    "diverging": False,
    "noisy_validation": False,
    "good_fit": True,
    "no_gain_over_baseline": False,
    "unstable_training": False,
    "capacity_limited": False,
    "data_limited": False,
    "best_units": 0,
    "best_differencing": -1,
    "best_deseasonalize": -1,
    "best_log_target": -1,
    "best_lookback": 0,
    "tied_lookback": 0,
    "best_epoch": 0,
    "epochs_run": 30,
    "lstm_to_baseline": 0.8,
    "user_lookback": 0,
    "user_max_units": 0,
    "budget_s": 0.0,
}


def make_facts(**overrides: Any) -> Facts:
    """Neutral facts: a clean, stationary, well-fitting series where no finding fires."""
    unknown = set(overrides) - set(FACT_NAMES)
    assert not unknown, f"not facts: {unknown}"
    if "seasonal_period" in overrides and "season_fits_window" not in overrides:
        overrides["season_fits_window"] = season_fits_window(overrides["seasonal_period"])
    return Facts(**{**NEUTRAL, **overrides})


def setting_value(config: ModelConfig, setting: str) -> float | int | str:
    layer = config.layers[0]
    per_layer = {"units": layer.units, "dropout": layer.dropout}
    per_layer["recurrent_dropout"] = layer.recurrent_dropout
    if setting == "layers":
        return len(config.layers)
    if setting in per_layer:
        return per_layer[setting]
    value: float | int | str = getattr(config, setting)
    return value


def hits_for(rec: Recommendation, setting: str) -> list[RuleHit]:
    return [h for h in rec.rules_fired if h.setting == setting]


def hit(rec: Recommendation, rule_id: str) -> RuleHit:
    found = [h for h in rec.rules_fired if h.rule_id == rule_id]
    assert len(found) == 1, f"{rule_id} fired {len(found)} times: {rec.rules_fired}"
    return found[0]


def write(tmp_path: Path, text: str, name: str = "mine.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def rule_toml(**fields: Any) -> str:
    """One [[rule]] table; defaults make a valid rule, keyword None drops a key."""
    table: dict[str, Any] = {
        "id": "my-rule",
        "when": "overfitting",
        "priority": 60,
        "setting": "dropout",
        "action": "set",
        "value": "0.3",
        "confidence": 0.6,
        "rationale": "A test rule with a long enough rationale for the contract.",
        "references": ["a test"],
    }
    table.update(fields)
    lines = ["[[rule]]"]
    for key, value in table.items():
        if value is None:
            continue
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


# --------------------------------------------------------------------------- (1) contract

PACKAGED = {rule.id: rule for rule in BOOK.rules}


def test_rulebook_is_spread_over_files_and_big_enough() -> None:
    assert len(BOOK.rules) >= 25
    names = {Path(rule.source).name for rule in BOOK.rules}
    assert {"defaults.toml", "capacity.toml", "regularization.toml"} <= names
    assert {"optimization.toml", "data.toml"} <= names


KEYWORDS = {"and", "or", "not", "true", "false", "null", "if", "in", "for"}


def names_in(expression: str) -> set[str]:
    """Identifiers an expression uses, found without the engine (text and $builtins removed)."""
    bare = re.sub(r"'[^']*'|\"[^\"]*\"", "", expression)
    return set(re.findall(r"(?<![$\w.])[A-Za-z_]\w*", bare)) - KEYWORDS


@pytest.mark.parametrize("rule_id", sorted(PACKAGED))
def test_packaged_rule_contract(rule_id: str) -> None:
    rule = PACKAGED[rule_id]
    assert rule.setting in SETTINGS
    assert rule.action in ACTIONS
    assert set(rule.facts) <= set(FACT_NAMES)
    for text in (rule.when, rule.value or "", *rule.choices):
        assert names_in(text) <= set(FACT_NAMES), f"{text!r} names something that is not a fact"
    assert len(rule.rationale) >= 40, "say what was seen and why the change helps"
    assert rule.references, "cite where the advice comes from"
    assert all(len(ref) >= 10 for ref in rule.references)
    assert 0.0 <= rule.confidence <= 1.0
    assert rule.action == "clamp" or rule.value
    # The condition must evaluate cleanly on ordinary facts, fired or not.
    assert isinstance(rule.compiled.when.evaluate(dataclasses.asdict(make_facts())), bool)


def test_every_setting_has_a_default_rule() -> None:
    for setting in SETTINGS:
        assert any(r.setting == setting and r.always for r in BOOK.rules), setting


def test_settings_table_is_what_a_model_config_holds() -> None:
    # The one table must name exactly what the rules resolve into a ModelConfig, with
    # the same types: `layers` is a count, the per-layer fields come from LayerConfig.
    hints = {
        **typing.get_type_hints(LayerConfig),
        **typing.get_type_hints(ModelConfig),
        "layers": int,
        "scaling": str,
    }
    assert set(SETTINGS) == set(hints)
    for name, setting in SETTINGS.items():
        assert setting.name == name
        assert setting.type is hints[name], name
        assert setting.label and len(setting.meaning) >= 40, name
        if setting.low is not None and setting.high is not None:
            assert setting.low < setting.high, name
    assert SETTINGS["scaling"].choices == typing.get_args(Scaling)


def test_a_config_is_one_value_per_setting_and_back() -> None:
    from advisor.core.settings import config_from_values, config_values

    config = BOOK.recommend(make_facts(overfitting=True, good_fit=False)).config
    values = config_values(config)
    assert tuple(values) == tuple(SETTINGS)
    assert config_from_values(values) == config
    # Rule and search values arrive as floats; whole-number settings come back as int.
    floats = {k: float(v) if SETTINGS[k].type is int else v for k, v in values.items()}
    assert config_from_values(floats) == config


def test_rules_use_the_settings_table() -> None:
    from advisor.core import settings

    assert SETTINGS is settings.SETTINGS
    assert "dropout" in SETTINGS and "layers" in SETTINGS


def test_every_setting_is_named_in_the_rules_guide(repo: Path) -> None:
    guide = (repo / "docs" / "rules.md").read_text()
    missing = [name for name in SETTINGS if f"| `{name}` |" not in guide]
    assert not missing, f"docs/rules.md has no settings row for: {missing}"


def test_recurrent_dropout_default_keeps_cudnn() -> None:
    rule = BOOK.get("default-recurrent-dropout")
    assert rule.value is not None and float(rule.value) == 0.0
    assert "cuDNN" in rule.rationale
    rec = BOOK.recommend(make_facts(overfitting=True, good_fit=False))
    assert all(layer.recurrent_dropout == 0.0 for layer in rec.config.layers)


# --------------------------------------------------------------------------- (2) behaviour

# (rule id, fact overrides, the rule's suggestion). Facts are chosen so the suggestion
# also reaches the final config unless a hard limit steps in.
BEHAVIOUR: list[tuple[str, dict[str, Any], float | int | str]] = [
    ("default-units", {}, 32),
    ("default-layers", {}, 1),
    ("default-dropout", {}, 0.0),
    ("default-recurrent-dropout", {}, 0.0),
    ("default-l2", {}, 0.0),
    ("default-learning-rate", {}, 1e-3),
    ("default-batch-size", {}, 32),
    ("default-epochs", {}, 50),
    ("default-early-stopping-patience", {}, 10),
    ("default-lookback", {}, 10),
    ("default-scaling", {}, "standard"),
    ("default-differencing", {}, 0),
    ("default-season-position", {}, 0),
    ("default-deseasonalize", {}, 0),
    ("default-log-target", {}, False),
    ("patience-sane-bounds", {}, 10),
    ("sweep-best-units", {"best_units": 16}, 16),
    (
        "underfit-widen",
        {"underfitting": True, "good_fit": False, "best_units": 16, "train_windows": 1900,
         "train_rows": 2000},
        64,
    ),
    (
        "underfit-deepen",
        {"underfitting": True, "good_fit": False, "train_windows": 3000, "train_rows": 3100},
        2,
    ),
    ("overfit-shrink", {"overfitting": True, "good_fit": False, "best_units": 16}, 16),
    ("small-data-cap-units", {"train_windows": 250, "train_rows": 300}, 32),
    ("no-gain-keep-small", {"no_gain_over_baseline": True}, 16),
    (
        "no-gain-single-layer",
        {"no_gain_over_baseline": True, "underfitting": True, "good_fit": False,
         "train_windows": 3000, "train_rows": 3100},
        1,
    ),
    ("overfit-dropout", {"overfitting": True, "good_fit": False}, 0.25),
    ("small-data-dropout", {"train_windows": 250, "train_rows": 300}, 0.1),
    ("underfit-no-dropout", {"underfitting": True, "good_fit": False}, 0.0),
    ("overfit-l2", {"overfitting": True, "good_fit": False}, 1e-4),
    (
        "overfit-small-data-l2",
        {"overfitting": True, "good_fit": False, "train_windows": 250, "train_rows": 300},
        5e-4,
    ),
    ("underfit-no-l2", {"underfitting": True, "good_fit": False}, 0.0),
    ("diverging-lower-lr", {"diverging": True, "good_fit": False}, 3e-4),
    ("not-learning-lower-lr", {"not_learning": True, "good_fit": False}, 5e-4),
    ("noisy-val-lower-lr", {"noisy_validation": True}, 5e-4),
    ("not-converged-raise-lr", {"not_converged": True}, 2e-3),
    ("small-data-smaller-batch", {"train_windows": 250, "train_rows": 300}, 16),
    ("noisy-val-bigger-batch", {"noisy_validation": True, "train_windows": 1500,
                                "train_rows": 1600}, 64),
    ("many-windows-bigger-batch", {"train_windows": 6000, "train_rows": 6100}, 128),
    ("epochs-from-best-epoch", {"best_epoch": 40}, 80),
    ("not-converged-more-epochs", {"not_converged": True, "epochs_run": 50}, 150),
    ("short-budget-fewer-epochs", {"budget_s": 30.0}, 30),
    ("patience-from-best-epoch", {"best_epoch": 60}, 15),
    ("noisy-val-more-patience", {"noisy_validation": True}, 15),
    ("season-lookback", {"has_season": True, "seasonal_period": 12}, 12),
    ("long-season-lookback", {"has_season": True, "seasonal_period": 1440,
                              "long_season_window": 60, "train_rows": 700_000}, 60),
    ("acf-lookback", {"ar_order": 5}, 5),
    ("lookback-as-trained", {"best_lookback": 48, "has_season": True, "seasonal_period": 336,
                             "train_rows": 3000}, 48),
    ("lookback-covers-horizon", {"horizon": 24, "has_season": True, "seasonal_period": 12}, 24),
    ("difference-unit-root", {"stationarity": "difference-stationary"}, 1),
    ("difference-strong-trend", {"trend_strength": 0.8}, 1),
    ("difference-trend-stationary", {"stationarity": "trend-stationary"}, 1),
    ("difference-as-trained", {"best_differencing": 12, "stationarity": "difference-stationary"}, 12),
    ("deseasonalize-as-trained", {"best_differencing": 0, "best_deseasonalize": 12,
                                  "has_season": True, "seasonal_period": 12}, 12),
    ("log-as-trained", {"best_differencing": 1, "best_log_target": 1}, True),
    ("difference-seasonal", {"has_season": True, "seasonal_period": 12, "seasonal_differencing": 1,
                             "trend_strength": 0.8, "train_rows": 100}, 12),
    ("season-position-inputs", {"has_season": True, "seasonal_period": 365,
                                "longest_seasonal_period": 365, "best_lookback": 13}, 365),
    ("difference-long-season", {"has_season": True, "seasonal_period": 1440,
                                "train_rows": 700_000}, 1440),
    ("season-not-unit-root", {"stationarity": "difference-stationary", "seasonal_period": 365,
                              "has_season": True, "seasonal_differencing": 1,
                              "differencing_after_season": 0, "train_rows": 1000}, 0),
    ("season-not-unit-root-seasonal", {"stationarity": "trend-stationary", "seasonal_period": 12,
                                       "has_season": True, "seasonal_differencing": 1,
                                       "differencing_after_season": 0, "train_rows": 100}, 12),
    ("missing-values-note", {"missing_share": 0.05}, "standard"),
]  # fmt: skip

# Rules whose condition holds on the neutral facts too (any forecast has a horizon).
FIRES_ON_NEUTRAL = {"lookback-covers-horizon"}


def test_every_packaged_rule_has_a_behaviour_case() -> None:
    covered = [rule_id for rule_id, _, _ in BEHAVIOUR]
    assert len(covered) == len(set(covered))
    assert set(covered) == set(PACKAGED)


@pytest.mark.parametrize(("rule_id", "overrides", "expected"), BEHAVIOUR, ids=lambda x: x
                         if isinstance(x, str) else "")  # fmt: skip
def test_rule_behaviour(rule_id: str, overrides: dict[str, Any], expected: Any) -> None:
    rec = BOOK.recommend(make_facts(**overrides))
    rule = BOOK.get(rule_id)
    h = hit(rec, rule_id)
    assert h.applied and h.overridden_by is None
    assert h.value == pytest.approx(expected) if not isinstance(expected, str) else expected
    assert h.setting == rule.setting and h.rationale == rule.rationale
    assert set(h.evidence) == set(rule.facts)
    limited = any(x.rule_id.startswith("limit-") for x in hits_for(rec, rule.setting))
    if not limited:
        final = setting_value(rec.config, rule.setting)
        assert final == (expected if isinstance(expected, str) else pytest.approx(expected))


@pytest.mark.parametrize("rule_id", sorted(set(PACKAGED) - FIRES_ON_NEUTRAL))
def test_evidence_rules_stay_quiet_on_neutral_facts(rule_id: str) -> None:
    rec = BOOK.recommend(make_facts())
    if PACKAGED[rule_id].when.strip() == "true":
        assert rule_id not in rec.rules_not_fired
    else:
        assert rule_id in rec.rules_not_fired


def test_fired_and_not_fired_partition_the_rulebook() -> None:
    rec = BOOK.recommend(make_facts(overfitting=True, good_fit=False))
    fired = {h.rule_id for h in rec.rules_fired if not h.rule_id.startswith("limit-")}
    assert fired.isdisjoint(rec.rules_not_fired)
    assert fired | set(rec.rules_not_fired) == set(PACKAGED)


def test_evidence_names_the_facts_of_the_condition() -> None:
    rec = BOOK.recommend(make_facts(underfitting=True, good_fit=False, best_units=16))
    assert hit(rec, "underfit-widen").evidence == {
        "underfitting": True,
        "diverging": False,
        "overfitting": False,
        "primary_finding": "good_fit",
        "best_units": 16,
    }


@pytest.mark.parametrize("primary", ["underfitting", "overfitting", "not_learning", "diverging"])
def test_over_and_underfitting_together_move_the_model_one_way_only(primary: str) -> None:
    """Both findings at once: the primary's side acts, the other stays quiet; where the
    primary is neither, neither side moves the model (no wider *and* more regularised)."""
    facts = make_facts(
        overfitting=True,
        underfitting=True,
        good_fit=False,
        best_units=16,
        train_windows=3000,
        train_rows=3100,
        primary_finding=primary,
        diverging=primary == "diverging",
        not_learning=primary == "not_learning",
    )
    rec = BOOK.recommend(facts)
    fired = {h.rule_id for h in rec.rules_fired}
    grow = {"underfit-widen", "underfit-deepen", "underfit-no-dropout", "underfit-no-l2"}
    constrain = {"overfit-shrink", "overfit-dropout", "overfit-l2"}
    assert not (fired & grow and fired & constrain)
    layer = rec.config.layers[0]
    regularised = layer.dropout > 0 or rec.config.l2 > 0
    assert not (layer.units > 16 and regularised)
    if primary == "underfitting":
        assert "underfit-widen" in fired and not regularised
    elif primary == "overfitting":
        assert {"overfit-dropout", "overfit-l2"} <= fired and layer.units <= 16
    else:
        assert not fired & (grow | constrain)


def test_a_model_that_did_not_learn_is_neither_widened_nor_regularised() -> None:
    """Underfitting beside a not_learning primary: the curve that shows it is not a fit
    the model reached, so the book does not act on it (it lowers the learning rate)."""
    rec = BOOK.recommend(
        make_facts(
            underfitting=True,
            not_learning=True,
            good_fit=False,
            best_units=16,
            primary_finding="not_learning",
        )
    )
    fired = {h.rule_id for h in rec.rules_fired}
    assert "not-learning-lower-lr" in fired and "underfit-widen" not in fired
    assert rec.config.layers[0].units == 16 and rec.config.learning_rate <= 5e-4


def test_no_gain_sets_the_baseline_warning_and_says_so() -> None:
    rec = BOOK.recommend(make_facts(no_gain_over_baseline=True))
    assert rec.baseline_warning
    assert "baseline" in hit(rec, "no-gain-keep-small").rationale
    assert not BOOK.recommend(make_facts()).baseline_warning


def test_unmeasured_fact_does_not_fire_its_rules() -> None:
    rec = BOOK.recommend(make_facts(trend_strength=math.nan))
    assert "difference-strong-trend" in rec.rules_not_fired
    assert rec.config.differencing == 0


def test_every_setting_gets_a_range_that_holds_its_value() -> None:
    rec = BOOK.recommend(make_facts(overfitting=True, good_fit=False, best_units=16))
    ranges = {r.setting: r for r in rec.ranges}
    assert set(ranges) == set(SETTINGS)
    for setting, r in ranges.items():
        value = setting_value(rec.config, setting)
        if r.choices:
            assert value in r.choices, setting
        else:
            assert r.low is not None and r.high is not None
            assert isinstance(value, int | float)
            assert r.low <= value <= r.high, setting
    assert ranges["dropout"].low == 0.2 and ranges["dropout"].high == 0.35
    assert ranges["l2"].log
    assert ranges["scaling"].choices == ("standard",)
    assert ranges["recurrent_dropout"].choices == (0.0,)


def test_default_range_when_the_winning_rule_declares_none() -> None:
    rec = BOOK.recommend(make_facts(best_epoch=60))
    patience = next(r for r in rec.ranges if r.setting == "early_stopping_patience")
    assert patience.choices == (8, 15, 30)  # value/2, value, 2*value (rounded, clamped)


# --------------------------------------------------------------------------- (3) load errors

LOAD_ERRORS: list[tuple[str, str, list[str]]] = [
    ("unknown-fact", rule_toml(when="overfiting and not diverging"),
     ["my-rule", "unknown fact 'overfiting'", "did you mean 'overfitting'"]),
    ("unknown-fact-in-value", rule_toml(value="2 * best_unit"),
     ["my-rule", "'best_unit'", "did you mean 'best_units'"]),
    ("syntax", rule_toml(when="overfitting and"), ["my-rule", "syntax error"]),
    ("type", rule_toml(when="overfitting + 1"), ["my-rule", "type error"]),
    ("not-a-condition", rule_toml(when="best_units * 2"), ["my-rule", "expected BOOLEAN"]),
    ("text-for-number", rule_toml(value="'high'"), ["my-rule", "expected FLOAT"]),
    ("unknown-setting", rule_toml(setting="unit"),
     ["my-rule", "unknown setting 'unit'", "did you mean 'units'"]),
    ("unknown-action", rule_toml(action="rise"),
     ["my-rule", "unknown action 'rise'", "did you mean 'raise'"]),
    ("unknown-key", rule_toml(rationle="x"),
     ["my-rule", "unknown key 'rationle'", "did you mean 'rationale'"]),
    ("unknown-range-key", rule_toml(range={"lo": "0.1"}),
     ["my-rule", "unknown key 'lo'", "did you mean 'low'"]),
    ("duplicate-id", rule_toml() + rule_toml(), ["my-rule", "duplicate rule id"]),
    ("bad-stationarity", rule_toml(when="stationarity == 'difference-stationry'"),
     ["my-rule", "did you mean 'difference-stationary'"]),
    ("bad-scaling", rule_toml(setting="scaling", value="'min-max'"),
     ["my-rule", "'min-max'", "did you mean 'minmax'"]),
    ("raise-text", rule_toml(setting="scaling", action="raise", value="'standard'"),
     ["my-rule", "can only be 'set'"]),
    ("clamp-without-range", rule_toml(action="clamp", value=None), ["my-rule", "needs range"]),
    ("set-without-value", rule_toml(value=None), ["my-rule", "needs a value"]),
    ("no-rationale", rule_toml(rationale=None), ["my-rule", "'rationale'"]),
    ("bad-confidence", rule_toml(confidence=2.0), ["my-rule", "confidence"]),
    ("reserved-id", rule_toml(id="limit-mine"), ["limit-mine", "hard limits"]),
    ("no-rules", 'title = "x"\n', ["unknown key 'title'"]),
    ("empty", "", ["no [[rule]] tables"]),
    ("not-toml", "this is [not toml\n", ["not valid TOML"]),
]  # fmt: skip


@pytest.mark.parametrize(("case", "text", "expected"), LOAD_ERRORS, ids=[c[0] for c in LOAD_ERRORS])
def test_load_error_is_one_line(tmp_path: Path, case: str, text: str, expected: list[str]) -> None:
    path = write(tmp_path, text)
    with pytest.raises(RulebookError) as caught:
        check_rule_file(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message == caught.value.one_line()
    assert str(path) in message
    for part in expected:
        assert part in message, f"{part!r} not in {message!r}"


def test_load_rulebook_reports_errors_in_user_files(tmp_path: Path) -> None:
    path = write(tmp_path, rule_toml(when="overfiting"))
    with pytest.raises(RulebookError, match="did you mean 'overfitting'"):
        load_rulebook([path])


def test_missing_file_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(RulebookError) as caught:
        check_rule_file(path)
    assert "not found" in str(caught.value) and str(path) in str(caught.value)
    assert "\n" not in str(caught.value)


def test_binary_file_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "blob.toml"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(RulebookError, match="cannot read"):
        check_rule_file(path)


def test_removing_a_default_fails_at_load(tmp_path: Path) -> None:
    path = write(tmp_path, rule_toml(id="default-units", setting="units", value="8"))
    with pytest.raises(RulebookError) as caught:
        load_rulebook([path])
    message = str(caught.value)
    assert "'units'" in message and "default-units" in message and str(path) in message


def test_unknown_rule_id_suggests_one() -> None:
    with pytest.raises(RulebookError, match="did you mean 'overfit-dropout'"):
        BOOK.get("overfit-dropuot")


def test_check_rule_file_returns_the_rules(tmp_path: Path) -> None:
    path = write(tmp_path, rule_toml() + rule_toml(id="other", value=0.2))
    rules = check_rule_file(path)
    assert [r.id for r in rules] == ["my-rule", "other"]
    assert rules[1].value == "0.2"
    assert rules[0].source == str(path)


def test_runtime_failure_names_the_rule(tmp_path: Path) -> None:
    path = write(tmp_path, rule_toml(when="true", setting="lookback", action="raise",
                                     value="100 / seasonal_period"))  # fmt: skip
    book = load_rulebook([path])
    with pytest.raises(RulebookError) as caught:
        book.recommend(make_facts(seasonal_period=0))
    assert "my-rule" in str(caught.value) and "division by zero" in str(caught.value)


# --------------------------------------------------------------------------- (4) override by id


def test_user_rule_replaces_packaged_rule_by_id(tmp_path: Path) -> None:
    text = rule_toml(id="default-units", when="true", priority=0, setting="units", value="24")
    text += rule_toml(id="my-extra", when="noisy_validation", setting="batch_size", value="48")
    path = write(tmp_path, text)
    book = load_rulebook([path])
    assert len(book.rules) == len(BOOK.rules) + 1
    assert book.get("default-units").source == str(path)
    assert book.sources[-1] == str(path)
    assert [r.id for r in book.rules][: len(BOOK.rules)] == [r.id for r in BOOK.rules]
    assert book.recommend(make_facts()).config.layers[0].units == 24
    assert book.recommend(make_facts(noisy_validation=True)).config.batch_size == 48
    assert BOOK.recommend(make_facts()).config.layers[0].units == 32  # packaged untouched


def test_later_user_file_wins(tmp_path: Path) -> None:
    first = write(tmp_path, rule_toml(when="true", setting="epochs", value="70"), "a.toml")
    second = write(tmp_path, rule_toml(when="true", setting="epochs", value="90"), "b.toml")
    rec = load_rulebook([first, second]).recommend(make_facts())
    assert rec.config.epochs == 90


def test_switch_a_rule_off_with_false(tmp_path: Path) -> None:
    path = write(tmp_path, rule_toml(id="overfit-dropout", when="false"))
    rec = load_rulebook([path]).recommend(make_facts(overfitting=True, good_fit=False))
    assert "overfit-dropout" in rec.rules_not_fired
    assert rec.config.layers[0].dropout == 0.0


# --------------------------------------------------------------------------- (5) hard limits


def test_units_capped_by_training_windows() -> None:
    rec = BOOK.recommend(make_facts(train_windows=100, train_rows=120, best_units=64))
    units = rec.config.layers[0].units
    assert lstm_params(units, 1, 1) <= 100 * PARAMS_PER_WINDOW < lstm_params(units + 1, 1, 1)
    limit = hit(rec, "limit-params-per-window")
    assert limit.value == units and limit.evidence["train_windows"] == 100
    assert "weights" in limit.rationale
    units_range = next(r for r in rec.ranges if r.setting == "units")
    assert max(float(c) for c in units_range.choices) <= units
    assert len(units_range.choices) >= 2


def test_params_count_every_input_layer_and_the_dense_head() -> None:
    assert lstm_params(32, 1, 1) == 4 * (32 * (32 + 1) + 32) + (32 + 1)
    assert lstm_params(32, 4, 1, layers=2) == lstm_params(32, 4, 1) + 4 * (32 * 64 + 32)
    assert lstm_params(32, 1, 24) == lstm_params(32, 1, 1) + 23 * (32 + 1)
    assert max_units_for_windows(1000, 6, 1) < max_units_for_windows(1000, 1, 1)
    assert max_units_for_windows(1000, 1, 1, layers=2) < max_units_for_windows(1000, 1, 1)
    assert max_units_for_windows(1000, 1, 24) < max_units_for_windows(1000, 1, 1)


@pytest.mark.parametrize(
    "train_rows, lookback, horizon, inputs",
    [(60, 12, 1, 1), (500, 20, 1, 1), (400, 24, 24, 1), (5_000, 48, 6, 11), (3_000_000, 10, 1, 1)],
)
def test_profile_and_rules_cap_the_width_alike(
    tmp_path: Path, train_rows: int, lookback: int, horizon: int, inputs: int
) -> None:
    # The profile's "widest LSTM this data can feed" and the rules' cap must be one number,
    # or the report would show a limit the recommendation does not keep.
    from advisor.probes.size import size_budget

    budget = size_budget(train_rows, lookback, horizon, inputs)
    widest = write(
        tmp_path, rule_toml(id="default-units", when="true", setting="units", value="1024")
    )
    facts = make_facts(
        train_rows=train_rows,
        train_windows=budget.train_windows,
        horizon=horizon,
        n_features=inputs - 1,
        user_lookback=lookback,
    )
    rec = load_rulebook([widest]).recommend(facts)
    assert len(rec.config.layers) == 1  # the profile sizes one layer
    assert rec.config.layers[0].units == budget.max_units
    assert max_units_for_windows(budget.train_windows, inputs, horizon) == budget.max_units


def test_units_never_below_four() -> None:
    rec = BOOK.recommend(make_facts(train_windows=1, train_rows=40))
    assert rec.config.layers[0].units == 4


def test_user_max_units_wins() -> None:
    rec = BOOK.recommend(make_facts(user_max_units=8, best_units=32))
    assert rec.config.layers[0].units == 8
    assert hit(rec, "limit-user-max-units").value == 8
    units_range = next(r for r in rec.ranges if r.setting == "units")
    assert all(float(c) <= 8 for c in units_range.choices)


def test_lookback_capped_to_leave_windows() -> None:
    facts = make_facts(train_rows=30, train_windows=20, has_season=True, seasonal_period=24)
    rec = BOOK.recommend(facts)
    assert rec.config.lookback == 10
    assert hit(rec, "limit-lookback-windows").value == 10


def test_user_lookback_beats_every_rule() -> None:
    rec = BOOK.recommend(make_facts(user_lookback=5, has_season=True, seasonal_period=12))
    assert rec.config.lookback == 5
    assert hit(rec, "season-lookback").overridden_by == "limit-user-lookback"
    assert hit(rec, "limit-user-lookback").applied
    assert next(r for r in rec.ranges if r.setting == "lookback").choices == (5,)


def test_values_outside_the_valid_range_are_clipped(tmp_path: Path) -> None:
    path = write(tmp_path, rule_toml(when="true", value="1.5", priority=99))
    rec = load_rulebook([path]).recommend(make_facts())
    assert rec.config.layers[0].dropout == 0.9
    assert hit(rec, "limit-valid-range").setting == "dropout"


# --------------------------------------------------------------------------- (6) resolution


def test_resolution_order_and_overridden_by(tmp_path: Path) -> None:
    rules = [
        rule_toml(id="a-set", when="noisy_validation", priority=10, value="0.1"),
        rule_toml(id="b-set", when="noisy_validation", priority=20, value="0.3"),
        rule_toml(id="c-raise", when="noisy_validation", priority=30, action="raise",
                  value="0.35"),
        rule_toml(id="d-lower", when="noisy_validation", priority=40, action="lower",
                  value="0.32"),
        # Listed last but lowest priority: applied first, then replaced by a-set.
        rule_toml(id="e-set", when="noisy_validation", priority=5, value="0.05"),
        rule_toml(id="f-clamp", when="noisy_validation", priority=50, action="clamp",
                  value=None, range={"high": "0.31"}),
    ]  # fmt: skip
    path = write(tmp_path, "".join(rules))
    rec = load_rulebook([path]).recommend(make_facts(noisy_validation=True))
    trail = [(h.rule_id, h.value, h.applied, h.overridden_by) for h in hits_for(rec, "dropout")]
    assert trail == [
        ("default-dropout", 0.0, False, "e-set"),
        ("e-set", 0.05, False, "a-set"),
        ("a-set", 0.1, False, "b-set"),
        ("b-set", 0.3, True, None),
        ("c-raise", 0.35, True, None),
        ("d-lower", 0.32, True, None),
        ("f-clamp", 0.31, True, None),
    ]
    assert rec.config.layers[0].dropout == pytest.approx(0.31)
    dropout_range = next(r for r in rec.ranges if r.setting == "dropout")
    assert dropout_range.high == pytest.approx(0.31)


def test_raise_and_lower_only_move_one_way(tmp_path: Path) -> None:
    rules = [
        rule_toml(id="up", when="true", priority=70, setting="epochs", action="raise",
                  value="10"),
        rule_toml(id="down", when="true", priority=71, setting="epochs", action="lower",
                  value="500"),
    ]  # fmt: skip
    rec = load_rulebook([write(tmp_path, "".join(rules))]).recommend(make_facts())
    assert rec.config.epochs == 50
    assert hit(rec, "up").applied and hit(rec, "down").applied


def test_equal_priority_follows_rulebook_order(tmp_path: Path) -> None:
    rules = [
        rule_toml(id="first", when="true", priority=7, setting="batch_size", value="48"),
        rule_toml(id="second", when="true", priority=7, setting="batch_size", value="24"),
    ]
    rec = load_rulebook([write(tmp_path, "".join(rules))]).recommend(make_facts())
    assert rec.config.batch_size == 24
    assert hit(rec, "first").overridden_by == "second"


# --------------------------------------------------------------------------- (7) determinism


def test_same_facts_give_equal_recommendations() -> None:
    facts = make_facts(overfitting=True, good_fit=False, best_units=24, has_season=True,
                       seasonal_period=7, best_epoch=33, noisy_validation=True)  # fmt: skip
    first = BOOK.recommend(facts)
    assert BOOK.recommend(facts) == first
    assert load_rulebook().recommend(facts) == first
    assert isinstance(first.config.layers[0].units, int)
    assert isinstance(first.config.learning_rate, float)


def test_rulebook_is_a_frozen_value() -> None:
    assert isinstance(BOOK, Rulebook)
    with pytest.raises(dataclasses.FrozenInstanceError):
        BOOK.rules = ()


def test_rules_package_does_not_import_tensorflow() -> None:
    code = (
        "import sys, advisor.rules as r; r.load_rulebook(); "
        "bad = [m for m in ('tensorflow', 'keras') if m in sys.modules]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_batch_capped_so_a_training_step_fits_in_memory(tmp_path: Path) -> None:
    wide = write(
        tmp_path,
        rule_toml(id="default-units", when="true", setting="units", value="512", priority=0)
        + rule_toml(
            id="default-batch-size", when="true", setting="batch_size", value="4096", priority=0
        ),
    )
    book = load_rulebook([wide])
    facts = make_facts(train_windows=10_000_000, train_rows=20_000_000, user_lookback=2000)
    rec = book.recommend(facts)
    limit = hit(rec, "limit-batch-memory")
    batch = rec.config.batch_size
    assert batch == limit.value < 4096
    units, lookback = rec.config.layers[0].units, rec.config.lookback
    assert batch_activation_bytes(batch, lookback, units, 1) <= BATCH_MEMORY_BYTES
    assert batch_activation_bytes(batch + 1, lookback, units, 1) > BATCH_MEMORY_BYTES
    batch_range = next(r for r in rec.ranges if r.setting == "batch_size")
    assert max(float(c) for c in batch_range.choices) <= batch


def test_ordinary_settings_never_hit_the_memory_limit() -> None:
    rec = BOOK.recommend(make_facts())
    assert not [h for h in rec.rules_fired if h.rule_id == "limit-batch-memory"]


def test_every_fact_a_rule_can_use_is_named_in_the_rules_guide(repo: Path) -> None:
    from advisor.rules.facts import FACT_NAMES

    guide = (repo / "docs" / "rules.md").read_text()
    missing = [name for name in FACT_NAMES if f"`{name}`" not in guide]
    assert not missing, f"docs/rules.md does not name: {missing}"


def test_every_finding_is_a_fact_of_its_own_name() -> None:
    """Rules name findings by the ids the diagnosis gives them: one list, FindingId."""
    from dataclasses import fields

    from advisor.core.findings import FindingId
    from advisor.rules.facts import Facts

    by_name = {f.name: f.type for f in fields(Facts)}
    for finding in FindingId:
        assert by_name.get(finding.value) in (bool, "bool"), finding


def test_a_drifting_series_without_memory_gets_the_short_default_window() -> None:
    """A random walk's autocorrelation is significant at every lag; its AR memory is none.
    The lookback is the short default, not as long as the ACF was computed."""
    rec = BOOK.recommend(make_facts(max_significant_lag=400, ar_order=0, horizon=1))
    assert rec.config.lookback == 10
    assert hit(rec, "default-lookback").applied


def test_stat_ratio_is_the_best_statistical_model_over_naive() -> None:
    from advisor.core.records import Baseline
    from advisor.probes.baselines import STATISTICAL
    from advisor.rules.facts import stat_ratio

    def scored(**rmse: float) -> list[Baseline]:
        return [Baseline(name, value, value) for name, value in rmse.items()]

    assert {"ets", "theta", "arima", "mstl"} == set(STATISTICAL)
    # ETS is not the only statistical model: the best one that ran sets the ratio, and a
    # seasonal naive rule, however good, is not a statistical model.
    assert stat_ratio(scored(naive=40.0, ets=30.0, theta=20.0, arima=25.0)) == 0.5
    assert stat_ratio(scored(naive=40.0, seasonal_naive=4.0, mstl=10.0)) == 0.25
    # ETS could not be fitted (absent) or scored NaN: the others still count.
    assert stat_ratio(scored(naive=40.0, ets=math.nan, arima=30.0)) == 0.75
    # Without naive or any statistical model the fact is neutral.
    assert stat_ratio(scored(naive=40.0, drift=35.0)) == 1.0
    assert stat_ratio(scored(theta=20.0)) == 1.0


def test_season_position_inputs_only_where_the_window_is_shorter_than_the_season():
    held = BOOK.recommend(
        make_facts(
            has_season=True, seasonal_period=12, longest_seasonal_period=12, best_lookback=12
        )
    )
    assert held.config.season_position == 0
    assert "season-position-inputs" in held.rules_not_fired
    # The search still tries them wherever a season was found; without one it cannot.
    (tried,) = [r for r in held.ranges if r.setting == "season_position"]
    assert set(tried.choices) == {0, 12}
    (none,) = [r for r in BOOK.recommend(make_facts()).ranges if r.setting == "season_position"]
    assert none.choices == (0,)
    # No lookback comparison ran: the longest window the data allow decides.
    short = BOOK.recommend(
        make_facts(
            has_season=True,
            seasonal_period=365,
            longest_seasonal_period=365,
            suggested_lookback_high=340,
        )
    )
    assert short.config.season_position == 365
    (space,) = [r for r in short.ranges if r.setting == "season_position"]
    assert set(space.choices) == {365, 0}  # the search also tries without them
