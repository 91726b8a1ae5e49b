"""Verification of a classification recommendation, with a scripted ClassTrainer: the
narrowed space, the suggestion first, stratified folds, and the verdicts.

No test here trains a network but the one marked slow; keras-tuner's oracle runs for
real, as in ``test_search``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pytest

from advisor.core.class_models import ClassifierConfig, ClassRecommendation, ClassRun
from advisor.core.class_records import ClassSplit
from advisor.core.class_settings import CLASS_SETTING_NAMES, class_config_values
from advisor.core.records import Curve, LayerConfig, Range
from advisor.diagnostics.classifier import ClassTrainer
from advisor.verification.class_crossval import (
    MAX_FOLDS,
    MIN_FOLDS,
    MIN_PAIRS,
    fold_count,
    plan_class_folds,
    seeds_for,
)
from advisor.verification.class_search import (
    build_class_space,
    class_search,
    verify_class,
)
from advisor.verification.search import SearchOptions
from advisor.verification.space import defaults, open_settings
from advisor.verification.verdict import Budget

CLASSES = ("fall", "rise", "wave")
SUGGESTION = ClassifierConfig(
    layers=(LayerConfig(16, 0.1, 0.0),),
    bidirectional=True,
    pooling="average",
    l2=1e-4,
    learning_rate=1e-3,
    batch_size=16,
    epochs=60,
    early_stopping_patience=10,
    class_weights=False,
    max_length=None,
    scaling="standard",
)
# Open: units (a middle value to win), bidirectional and pooling (true/false and text
# choices); settled: everything else, class weights among them.
RANGES = (
    Range("units", choices=(16, 32, 64)),
    Range("layers", choices=(1,)),
    Range("bidirectional", choices=(True, False)),
    Range("pooling", choices=("average", "last")),
    Range("class_weights", choices=(False,)),
    Range("learning_rate", choices=(1e-3,)),
)
LATER = 600.0
N_VAL = 12

Loss = Callable[[str, ClassifierConfig, int], float]


def recommendation(ranges: tuple[Range, ...] = RANGES) -> ClassRecommendation:
    return ClassRecommendation(SUGGESTION, ranges, ())


def shaped(name: str, config: ClassifierConfig, seed: int) -> float:
    """0.40 at 32 units, bidirectional, average pooling; more elsewhere; a seed effect
    small against the gain from 16 to 32 units."""
    return (
        0.40
        + abs(math.log2(config.layers[0].units / 32)) * 0.15
        + (0.0 if config.bidirectional else 0.05)
        + (0.0 if config.pooling == "average" else 0.03)
        + 0.002 * ((seed * 7919) % 5)
    )


class ScriptedClassTrainer(ClassTrainer):
    """Replays ``loss(name, config, seed)`` as the validation cross-entropy, with accuracy
    falling as the loss rises; records each call. ``sleep``: the seconds every run reports,
    slept only in cross-validation, so a search is quick and sizes the plan by them."""

    def __init__(self, loss: Loss = shaped, sleep: float = 0.0):
        self.loss = loss
        self.sleep = sleep
        self.calls: list[tuple[str, ClassifierConfig, int]] = []

    def run(
        self,
        name: str,
        config: ClassifierConfig,
        seed: int,
        deadline: float | None = None,
        train_fraction: float = 1.0,
    ) -> ClassRun:
        self.calls.append((name, config, seed))
        if self.sleep and name.startswith("cv-"):
            time.sleep(self.sleep)
        loss = self.loss(name, config, seed)
        if not math.isfinite(loss):  # diverged: as ClassifierTrainer scores it
            return replace(
                self.scored(name, config, 1.0, train_fraction),
                val_loss=math.inf,
                val_accuracy=math.nan,
                val_macro_f1=math.nan,
                val_balanced_accuracy=math.nan,
                val_correct=(),
                val_log_loss=(),
                stopped_reason="diverged",
            )
        return self.scored(name, config, loss, train_fraction)

    def scored(
        self, name: str, config: ClassifierConfig, loss: float, train_fraction: float
    ) -> ClassRun:
        right = max(0, min(N_VAL, round(N_VAL * (1.3 - loss))))
        accuracy = right / N_VAL
        return ClassRun(
            name=name,
            units=config.layers[0].units,
            params=100,
            curve=Curve((1.0, 0.6), (1.1, loss)),
            best_epoch=7,
            val_loss=loss,
            val_accuracy=accuracy,
            val_macro_f1=accuracy * 0.95,
            val_balanced_accuracy=accuracy * 0.97,
            val_correct=tuple([1] * right + [0] * (N_VAL - right)),
            val_log_loss=(loss,) * N_VAL,
            seconds=self.sleep or 0.01,
            stopped_reason="early_stopping",
            train_fraction=train_fraction,
            config=config,
        )


# 30 sequences, classes interleaved: 8 test, then 6 validation, 16 train (by class
# 6/5/5 train, 2/2/2 validation) as class_split would deal them.
LABELS = np.array([0, 1, 2] * 10)
SPLIT = ClassSplit(
    train=tuple(range(14, 30)),
    validation=tuple(range(8, 14)),
    test=tuple(range(8)),
    test_source="advisor",
    seed=0,
    validation_share=0.2,
    test_share=0.25,
    train_counts=(6, 5, 5),
    validation_counts=(2, 2, 2),
    test_counts=(3, 3, 2),
)


def verify(
    tmp_path,
    loss: Loss = shaped,
    trials: int = 12,
    seed: int = 0,
    search_left: float = LATER,
    cv_left: float = LATER,
    budget_s: float | None = None,
    sleep: float = 0.0,
    ranges: tuple[Range, ...] = RANGES,
):
    trainer = ScriptedClassTrainer(loss, sleep)
    folds: list[tuple[np.ndarray, np.ndarray]] = []

    def trainer_for(train: np.ndarray, validation: np.ndarray) -> ClassTrainer:
        folds.append((train, validation))
        return trainer

    now = time.monotonic()
    ver = verify_class(
        recommendation(ranges),
        trainer,
        trainer_for,
        SPLIT,
        LABELS,
        CLASSES,
        tmp_path,
        SearchOptions("bayesian", trials, seed),
        Budget(now + search_left, now + cv_left),
        budget_s=budget_s,
    )
    return ver, trainer, folds


# ----------------------------------------------------------------------------- the space


def test_the_space_opens_only_the_ranges_and_offers_both_booleans():
    hp = build_class_space(recommendation())
    params = {p.name: p for p in open_settings(hp)}
    assert set(params) == {"units", "bidirectional", "pooling"}
    # keras-tuner keeps true/false as 0/1; the trial's configuration is a bool again
    assert params["bidirectional"].values == [0, 1]
    assert params["bidirectional"].default == 1
    assert params["pooling"].values == ["average", "last"]
    assert params["units"].values == [16, 32, 64]
    suggestion = class_config_values(SUGGESTION)
    for name in CLASS_SETTING_NAMES:
        assert hp.get(name) == suggestion[name], name
    assert hp.get("class_weights") is False  # settled: Fixed at the suggestion


def test_a_continuous_range_keeps_its_bounds_and_log_scale():
    ranges = (*RANGES[:-1], Range("learning_rate", low=3e-4, high=3e-3, log=True))
    hp = build_class_space(recommendation(ranges))
    lr = next(p for p in open_settings(hp) if p.name == "learning_rate")
    assert (lr.min_value, lr.max_value, lr.sampling, lr.default) == (3e-4, 3e-3, "log", 1e-3)


@pytest.mark.parametrize("tuner", ["bayesian", "random", "grid"])
def test_the_suggestion_is_trial_0_and_every_trial_stays_in_its_ranges(tmp_path, tuner):
    trainer = ScriptedClassTrainer()
    result = class_search(
        recommendation(), trainer, tmp_path, time.monotonic() + LATER, SearchOptions(tuner, 6)
    )
    first = result.trials[0]
    assert first.trial_id == "0" and first.is_suggestion and first.config == SUGGESTION
    assert trainer.calls[0][0] == "trial-0" and trainer.calls[0][1] == SUGGESTION
    assert len(result.trials) == 6 and sum(t.is_suggestion for t in result.trials) == 1
    for t in result.trials:
        values = class_config_values(t.config)
        assert values["units"] in (16, 32, 64)
        assert isinstance(values["bidirectional"], bool)
        assert values["pooling"] in ("average", "last")
        assert values["class_weights"] is False and values["learning_rate"] == 1e-3
        # ranked on cross-entropy, the other metrics beside it
        assert t.score == pytest.approx(t.val_loss) and 0 < t.val_accuracy <= 1


@pytest.mark.parametrize("tuner", ["bayesian", "random", "grid"])
def test_a_similar_earlier_classifier_is_tried_right_after_the_suggestion(tmp_path, tuner):
    """Its settings as they were where the ranges are open (48 units joins the choices;
    average pooling kept), the settled learning rate this search's own, as trial 1."""
    from dataclasses import replace

    earlier = replace(SUGGESTION, pooling="average", learning_rate=5e-3)
    earlier = replace(earlier, layers=(replace(SUGGESTION.layers[0], units=48),))
    values = class_config_values(earlier)
    values.pop("epochs")
    result = class_search(
        recommendation(),
        ScriptedClassTrainer(),
        tmp_path,
        time.monotonic() + LATER,
        SearchOptions(tuner, 4, 0, ((3, values),)),
    )
    second = result.trials[1]
    assert result.trials[0].is_suggestion and result.trials[0].history_id is None
    assert second.history_id == 3 and not second.is_suggestion
    tried = class_config_values(second.config)
    assert tried["units"] == 48 and tried["pooling"] == "average"
    assert tried["learning_rate"] == 1e-3  # settled here: the suggestion's
    assert sum(t.history_id == 3 for t in result.trials) == 1


def test_the_search_defaults_are_the_suggestion():
    hp = build_class_space(recommendation())
    assert defaults(hp) == {**class_config_values(SUGGESTION), "advisor/role": "search"}


# ------------------------------------------------------------------------- the folds


def test_stratified_folds_hold_every_class_in_each_fold():
    pool = np.concatenate([SPLIT.train, SPLIT.validation])
    folds, trains, notes = plan_class_folds(pool, LABELS, CLASSES, seed=0)
    # 22 sequences, the smallest class 7: five folds
    assert len(folds) == MAX_FOLDS and not notes
    held = np.concatenate([f.validation for f in folds])
    assert sorted(held.tolist()) == sorted(pool.tolist())  # each validated on once
    for f, train in zip(folds, trains, strict=True):
        assert all(c > 0 for c in f.validation_counts), f
        assert not set(f.validation) & set(train.tolist())
        assert f.train == len(train) == len(pool) - len(f.validation)
        assert not set(train.tolist()) & set(SPLIT.test)  # test never in the pool


def test_seeds_make_up_the_pairs_only_where_folds_are_few():
    pairs = {k: k * seeds_for(k) for k in range(MIN_FOLDS, MAX_FOLDS + 1)}
    assert all(n >= MIN_PAIRS for n in pairs.values()), pairs
    # no seed beyond the one that reaches the pairs
    assert all(k * (seeds_for(k) - 1) < MIN_PAIRS for k in pairs), pairs
    assert seeds_for(MAX_FOLDS) == 1 and seeds_for(MIN_FOLDS) == 3


def test_the_smallest_class_sets_k_and_two_is_the_least():
    assert fold_count(np.array([0] * 9 + [1] * 3)) == 3
    assert fold_count(np.array([0] * 40 + [1] * 40)) == MAX_FOLDS
    labels = np.array([0] * 6 + [1] * 5 + [2])
    folds, _, notes = plan_class_folds(np.arange(12), labels, CLASSES, seed=0)
    assert len(folds) == 2
    assert notes == [
        "Class 'wave' has 1 sequence(s) in training + validation, fewer than the 2 folds: "
        "1 fold(s) validate without it."
    ]


# ---------------------------------------------------------------------------- verdicts


def test_a_better_configuration_confirmed_by_cross_validation_refines(tmp_path):
    ver, _, folds = verify(tmp_path)
    assert ver.verdict == "refined" and ver.outcome == "refined" and not ver.widen
    assert ver.best_config.layers[0].units == 32
    assert ver.best_config.epochs == 7  # where early stopping settled
    chosen = next(t for t in ver.trials if t.trial_id == ver.chosen_trial)
    assert not chosen.is_suggestion and ver.best_val_loss < ver.suggestion_val_loss
    cv = ver.cv
    # Five folds give the paired test its five pairs with one seed.
    assert cv is not None and cv.k == 5 and len(cv.folds) == 5 and cv.seeds == (0,)
    assert len(cv.runs) == 5 * 1 * 2 and cv.beyond_noise and cv.improvement > 0
    assert len(folds) == 5  # one trainer per fold
    assert cv.mean("best", "accuracy") > cv.mean("suggestion", "accuracy")
    assert "stratified cross-validation" in ver.verdict_reason
    assert "relative fall in validation cross-entropy" in ver.verdict_reason
    assert "accuracy" in ver.verdict_reason and "macro-F1" in ver.verdict_reason


def test_a_gain_within_the_noise_keeps_the_suggestion(tmp_path):
    def loss(name: str, config: ClassifierConfig, seed: int) -> float:
        if name.startswith("trial-"):
            return shaped(name, config, seed)
        # Cross-validation: no real difference, a pair-by-pair swing of either sign.
        fold = int(name.split("fold")[1].split("-")[0])
        swing = 0.04 if (fold + seed) % 2 else -0.04
        return 0.5 + 0.01 * fold + (swing if name.startswith("cv-best") else 0.0)

    ver, _, _ = verify(tmp_path, loss)
    assert ver.verdict == "confirmed" and ver.outcome == "confirmed"
    assert ver.best_config.layers == SUGGESTION.layers
    assert ver.cv is not None and not ver.cv.beyond_noise
    assert "within the noise: the suggestion stays" in ver.verdict_reason


def test_nothing_compared_is_untested(tmp_path):
    ver, _, _ = verify(tmp_path, trials=1)
    assert [t.is_suggestion for t in ver.trials] == [True]
    assert ver.verdict == "untested" and "untested" in ver.verdict_reason
    assert ver.best_config.layers == SUGGESTION.layers
    # the cross-validation still gives the suggestion's spread
    assert ver.cv is not None and ver.cv.best is None and ver.cv.suggestion.n == 5


def test_a_deadline_cut_under_a_user_budget_is_provisional_and_says_why(tmp_path):
    ver, trainer, _ = verify(tmp_path, search_left=-1, cv_left=-1, budget_s=60)
    assert len(trainer.calls) == 1 and ver.trials[0].is_suggestion  # the suggestion alone
    assert ver.verdict == "provisional" and ver.outcome == "untested"
    assert ver.verdict_reason.startswith(
        "Provisional: the --budget of 60s cut the search after 1 of 12 trials; "
        "Cross-validation was skipped: the time budget was spent."
    )
    assert "Within what ran:" in ver.verdict_reason and ver.partial
    # the same cut under --budget auto is said in the notes, not made provisional
    auto, _, _ = verify(tmp_path / "auto", search_left=-1, cv_left=-1)
    assert auto.verdict == "untested"
    assert any("stopped on the time budget" in n for n in auto.notes)


def test_a_tight_cross_validation_budget_shrinks_the_plan_and_is_provisional(tmp_path):
    # 10 trainings of 0.1 s planned (5 folds x 1 seed x 2), about 0.5 s left for them
    ver, _, _ = verify(tmp_path, trials=4, sleep=0.1, cv_left=0.5, budget_s=120)
    assert ver.cv is not None and any("cut to" in c for c in ver.cv.cut)
    assert 0 < len(ver.cv.runs) < 10
    assert ver.verdict == "provisional" and "cross-validation:" in ver.verdict_reason


def test_same_seed_same_verification(tmp_path):
    a, _, folds_a = verify(tmp_path / "a", trials=6, seed=3)
    b, _, folds_b = verify(tmp_path / "b", trials=6, seed=3)
    _, _, folds_c = verify(tmp_path / "c", trials=6, seed=4)
    assert [t.config for t in a.trials] == [t.config for t in b.trials]
    assert a.cv.runs == b.cv.runs and a.cv.folds == b.cv.folds
    assert (a.verdict, a.verdict_reason, a.best_config) == (
        b.verdict,
        b.verdict_reason,
        b.best_config,
    )
    assert [v.tolist() for _, v in folds_a] == [v.tolist() for _, v in folds_b]
    assert [v.tolist() for _, v in folds_a] != [v.tolist() for _, v in folds_c]


def test_a_rerun_resumes_the_search_instead_of_training_it_again(tmp_path):
    verify(tmp_path, trials=4)
    ver, trainer, _ = verify(tmp_path, trials=4)
    assert len(ver.trials) == 4
    assert not [name for name, _, _ in trainer.calls if name.startswith("trial-")]


def test_a_diverged_trial_never_wins(tmp_path):
    def loss(name: str, config: ClassifierConfig, seed: int) -> float:
        return math.inf if config.layers[0].units == 32 else shaped(name, config, seed)

    ver, _, _ = verify(tmp_path, loss)
    diverged = [t for t in ver.trials if t.score is None]
    assert diverged and all(math.isinf(t.val_loss) for t in diverged)
    assert all(math.isnan(t.val_accuracy) for t in diverged)
    assert ver.best_config.layers[0].units != 32
    assert any("diverged" in n for n in ver.notes)


# ------------------------------------------------------------------------ a real one


@pytest.mark.slow
def test_a_tiny_real_verification_runs_end_to_end(tmp_path):
    from support.sequences import long_csv

    from advisor.core.splits import class_split
    from advisor.diagnostics.classifier import ClassifierTrainer
    from advisor.intake.sequences import read_sequences

    seqs = read_sequences(long_csv(tmp_path / "s.csv", counts=(8, 8, 8), lengths=(8, 12)))
    split = class_split(seqs, 0)
    tiny = replace(
        SUGGESTION, layers=(LayerConfig(2, 0.0, 0.0),), epochs=2, early_stopping_patience=1
    )
    rec = ClassRecommendation(tiny, (Range("units", choices=(2, 3)),), ())
    now = time.monotonic()
    ver = verify_class(
        rec,
        ClassifierTrainer(seqs, split.train, split.validation),
        lambda train, validation: ClassifierTrainer(seqs, train, validation),
        split,
        seqs.labels,
        seqs.classes,
        tmp_path / "state",
        SearchOptions("bayesian", 2, 0),
        Budget(now + 300, now + 300),
    )
    assert ver is not None and ver.trials[0].is_suggestion and ver.cv is not None
    assert ver.verdict in ("confirmed", "refined", "widen")
    assert all(math.isfinite(r.score) for r in ver.cv.runs)
