"""Walk-forward cross-validation and the verdict, with scripted trainers."""

from __future__ import annotations

import math
import time
from dataclasses import replace

import pytest
from support.search import RANGES, SUGGESTION, ScriptedTrainer, recommendation

from advisor.core.records import CVRun, LayerConfig, Range, Split, Trial
from advisor.verification.crossval import compare, cross_validate, fold_split, plan_folds
from advisor.verification.objective import FORECAST_OBJECTIVES
from advisor.verification.verdict import decide, on_edge

RMSE = FORECAST_OBJECTIVES["val_rmse"]
SPLIT = Split(train=300, validation=60, test=60)
BETTER = replace(SUGGESTION, layers=(LayerConfig(16, 0.25, 0.0),), learning_rate=2e-3)


def test_folds_walk_back_from_the_end_of_validation_and_never_touch_test():
    folds, cut = plan_folds(SPLIT, 12, [SUGGESTION], 3)
    assert [(f.train_end, f.validation_end) for f in folds] == [(300, 360), (240, 300), (180, 240)]
    assert not cut
    for f in folds:
        s = fold_split(f, 420)
        assert s.train == f.train_end and s.validation_end == f.validation_end <= 360
        assert s.validation_end + s.test == 420


def test_folds_without_enough_training_windows_are_cut_and_said_so():
    short = Split(train=96, validation=24, test=24)
    folds, cut = plan_folds(short, 12, [replace(SUGGESTION, lookback=24)], 3)
    assert [f.train_end for f in folds] == [96, 72]
    assert cut and "fewer than" in cut[0]


def test_folds_too_short_to_measure_a_seasons_pattern_on_are_cut_and_said_so():
    split = Split(train=122, validation=27, test=27)
    taken_out = replace(SUGGESTION, lookback=12, differencing=0, deseasonalize=24)
    folds, cut = plan_folds(split, 12, [SUGGESTION, taken_out], 3)
    assert [f.train_end for f in folds] == [122]  # 95 rows hold fewer than 4 seasons of 24
    assert cut == [
        "2 earlier fold(s): fewer than 4 seasons before them to measure the season's pattern on"
    ]
    monthly = replace(taken_out, deseasonalize=12)
    assert len(plan_folds(split, 12, [SUGGESTION, monthly], 3)[0]) == 3


def test_the_search_fold_is_always_kept():
    tiny = Split(train=30, validation=10, test=10)
    folds, _ = plan_folds(tiny, 12, [SUGGESTION], 3)
    assert [f.train_end for f in folds] == [30]


def runs(pairs):
    out = []
    for i, (s, b) in enumerate(pairs):
        out += [
            CVRun("suggestion", 1 + i % 3, i // 3, s, s, 5),
            CVRun("best", 1 + i % 3, i // 3, b, b, 5),
        ]
    return out


def test_a_consistent_gain_is_beyond_the_noise():
    gain, stderr, beyond = compare(runs([(10, 9), (11, 9.9), (12, 10.7), (10, 9.1)]), RMSE)
    # Fold 1's two seeds (gains 0.10, 0.09) count as one fold of 0.095; folds 2, 3: 0.10, 0.108.
    assert gain == pytest.approx((0.095 + 0.1 + 1.3 / 12) / 3, abs=1e-4)
    assert stderr < 0.01 and beyond


def test_the_test_counts_folds_not_seeds():
    # Three folds, three seeds each: fold 1 gains a little, folds 2 and 3 a lot, every seed
    # alike. Nine pairs as nine samples would call it real (t = 4.8 on 8 degrees of
    # freedom); the three folds do not agree enough (t = 2.4 on 2).
    gains = {1: 0.01, 2: 0.08, 3: 0.09}
    pairs = [
        CVRun(c, f, s, v, v, 5)
        for f, g in gains.items()
        for s in range(3)
        for c, v in (("suggestion", 10.0 + 0.01 * s), ("best", (10.0 + 0.01 * s) * (1 - g)))
    ]
    gain, stderr, beyond = compare(pairs, RMSE)
    assert gain == pytest.approx(0.06, abs=1e-3) and not beyond
    assert stderr == pytest.approx(0.0252, abs=1e-3)


def test_one_folds_seeds_show_their_spread_but_never_a_gain_beyond_the_noise():
    same_fold = [
        CVRun(c, 1, s, v, v, 5)
        for s, (a, b) in enumerate([(10, 8), (10, 8.1), (10, 7.9)])
        for c, v in (("suggestion", a), ("best", b))
    ]
    gain, stderr, beyond = compare(same_fold, RMSE)
    assert gain == pytest.approx(0.2) and stderr is not None and stderr < 0.01
    assert not beyond


def test_a_gain_that_flips_sign_is_noise():
    gain, _, beyond = compare(runs([(10, 9), (10, 11), (10, 9.5), (10, 10.4)]), RMSE)
    assert abs(gain) < 0.05 and not beyond


def test_one_pair_cannot_tell_noise():
    gain, stderr, beyond = compare(runs([(10, 5)]), RMSE)
    assert gain == pytest.approx(0.5) and stderr is None and not beyond


def cv(trainer, deadline=60.0, seconds=0.0, configs=None):
    return cross_validate(
        configs or {"suggestion": SUGGESTION, "best": BETTER},
        lambda split: trainer,
        SPLIT,
        420,
        12,
        RMSE,
        0,
        time.monotonic() + deadline,
        {"suggestion": seconds, "best": seconds},
    )


def test_three_folds_three_seeds_two_configurations():
    trainer = ScriptedTrainer()
    result = cv(trainer)
    assert len(trainer.calls) == 18 and len(result.runs) == 18
    assert result.seeds == (0, 1, 2) and len(result.folds) == 3
    assert result.suggestion.n == 9 and result.best.n == 9
    assert result.best.mean < result.suggestion.mean
    assert result.improvement > 0 and result.beyond_noise
    assert not result.cut


def test_a_tight_budget_shrinks_the_plan_and_says_what_was_cut():
    trainer = ScriptedTrainer()
    # Each training is estimated at 10 s and 25 s are left: 2 folds x 1 seed fits
    # (the search's own fold and seed cost nothing; the older fold costs 2 x 8 s).
    result = cv(trainer, deadline=25, seconds=10)
    assert (len(result.folds), len(result.seeds)) == (2, 1)
    assert any("cut to 2 x 1" in c for c in result.cut)


def test_the_deadline_stops_cross_validation_between_trainings():
    trainer = ScriptedTrainer(sleep=0.3)
    result = cv(trainer, deadline=1.0, seconds=0.0)
    assert len(result.runs) < 18
    assert any("time budget ran out" in c for c in result.cut)


def test_suggestion_alone_gives_its_spread():
    trainer = ScriptedTrainer()
    result = cv(trainer, configs={"suggestion": SUGGESTION})
    assert result.best is None and result.improvement is None
    assert result.suggestion.n == 9 and result.suggestion.std > 0


# ------------------------------------------------------------------------- verdicts


def trial(tid, config, score, suggestion=False):
    return Trial(tid, config, score, suggestion, score=score, best_epoch=5, seconds=1.0)


def test_best_is_the_suggestion_confirms():
    s = trial("0", SUGGESTION, 10.0, True)
    verdict, _, edges, chosen = decide(s, s, None, RMSE, recommendation())
    assert verdict == "confirmed" and chosen is s and not edges


def test_nothing_compared_is_untested_never_confirmed():
    s = trial("0", SUGGESTION, 10.0, True)
    verdict, reason, _, chosen = decide(s, s, None, RMSE, recommendation(), compared=0)
    assert verdict == "untested" and chosen is s and "untested" in reason
    verdict, _, _, _ = decide(s, s, None, RMSE, recommendation(), compared=3)
    assert verdict == "confirmed"
    verdict, _, _, chosen = decide(None, trial("2", BETTER, 9.0), None, RMSE, recommendation())
    assert verdict == "untested"


def test_a_user_budget_that_cut_anything_makes_the_verdict_provisional():
    from advisor.verification.verdict import provisional

    s, b = trial("0", SUGGESTION, 10.0, True), trial("3", BETTER, 9.9)
    ver = verify_with(s, b)
    assert ver.verdict == "confirmed" and ver.outcome == "confirmed"
    cut = provisional(ver, ("epochs capped at 20 instead of 60 (time budget)",), 120.0, 500.0)
    assert cut.verdict == "provisional" and cut.outcome == "confirmed"
    assert cut.verdict_reason.startswith(
        "Provisional: the --budget of 2m cut epochs capped at 20 instead of 60 (time budget); "
        "--budget 10m or auto would not cut it."
    )
    assert ver.verdict_reason in cut.verdict_reason
    assert provisional(ver, (), 120.0, 500.0) is ver  # nothing cut
    assert provisional(ver, ("x",), None, 500.0) is ver  # auto: nothing is the user's cut


def test_the_chosen_configuration_must_itself_beat_the_best_baseline_on_validation():
    """The probe's gain over the baseline is not the chosen model's: a configuration whose
    own validation RMSE is not 2% below the baseline's is said to show no gain."""
    from advisor.core.records import Baseline
    from advisor.verification.verdict import against_baseline

    s, b = trial("0", SUGGESTION, 10.0, True), trial("3", BETTER, 9.9)
    ver = verify_with(s, b)
    level = against_baseline(ver, Baseline("seasonal_naive", ver.best_val_rmse * 1.01, 1.0))
    assert level.beats_baseline is False and level.baseline == "seasonal_naive"
    assert "not 2% below the seasonal_naive baseline's" in level.notes[-1]
    ahead = against_baseline(ver, Baseline("ets", ver.best_val_rmse * 1.2, 1.0))
    assert ahead.beats_baseline is True and ahead.notes == ver.notes
    assert against_baseline(ver, Baseline("naive", math.nan, 1.0)) is ver


def final_result(lstm: float, baselines: dict[str, float]):
    from advisor.core.records import FinalResult

    return FinalResult(
        config=SUGGESTION,
        test_metrics={"rmse": lstm},
        baseline_test_metrics={name: {"rmse": r} for name, r in baselines.items()},
        forecast=(),
        actual=(),
        model_path=None,
        seconds=1.0,
    )


def test_a_gain_on_validation_the_test_rows_contradict_is_withdrawn():
    """Validation chose both the configuration and the baseline, so a lead there is
    measured where it was picked; the claim stands only where the final model also beats
    that baseline on the held-out rows."""
    from advisor.core.records import Baseline
    from advisor.verification.verdict import against_baseline, held_on_test

    s, b = trial("0", SUGGESTION, 10.0, True), trial("3", BETTER, 9.9)
    ahead = against_baseline(verify_with(s, b), Baseline("mstl", 12.0, 1.0))
    assert ahead.beats_baseline is True and ahead.gain_claimed
    assert ahead.gain_held is None  # no test rows yet

    behind = held_on_test(ahead, final_result(33.8, {"mstl": 31.5, "naive": 30.0}))
    assert behind.gain_held is False and not behind.gain_claimed
    assert behind.beats_baseline is True  # what validation showed is kept, and said
    assert (behind.lstm_test_rmse, behind.baseline_test_rmse) == (33.8, 31.5)
    assert "17% lead over the mstl baseline on validation did not hold" in behind.notes[-1]
    assert "(mstl 31.5 against the final model's 33.8)" in behind.notes[-1]

    # Below the same baseline on test it holds, even where another baseline (naive,
    # not the one validation chose) did better there.
    held = held_on_test(ahead, final_result(31.0, {"mstl": 31.5, "naive": 30.0}))
    assert held.gain_held is True and held.gain_claimed and held.notes == ahead.notes

    # Nothing claimed, nothing withdrawn: a baseline that beat it on validation too.
    level = against_baseline(verify_with(s, b), Baseline("mstl", 10.0, 1.0))
    assert held_on_test(level, final_result(33.8, {"mstl": 31.5})).gain_held is None
    # No final model, or the baseline missing from its test table: unchanged.
    assert held_on_test(ahead, None) is ahead
    assert held_on_test(ahead, final_result(33.8, {"naive": 30.0})) is ahead


def test_the_baseline_is_held_against_the_kept_configuration_not_the_best_trial():
    """A best trial 1% ahead on the search's split does not replace the suggestion, so its
    score is not the one the baseline must be beaten by; where cross-validation ran, the
    kept configuration's score is its mean over the seeds on the validation split."""
    from advisor.core.records import Baseline, CVRun
    from advisor.verification.search import SearchResult
    from advisor.verification.verdict import against_baseline, assemble

    s, b = trial("0", SUGGESTION, 10.0, True), trial("3", BETTER, 9.9)
    ver = verify_with(s, b)
    assert ver.verdict == "confirmed" and ver.chosen_val_rmse == 10.0
    # 2.5% above the best trial, 1.5% above the suggestion that stays: not beaten.
    held = against_baseline(ver, Baseline("ets", 10.15, 1.0))
    assert held.beats_baseline is False

    runs = [
        CVRun(label, fold, seed, score, score, 5)
        for label, base in (("suggestion", 10.0), ("best", 9.9))
        for fold in (1, 2)
        for seed, score in ((0, base), (1, base + 1.0), (2, base + 2.0))
    ]
    noisy = replace(cv(ScriptedTrainer()), runs=tuple(runs), beyond_noise=False)
    result = SearchResult((s, b), 54.0, 2, "max trials", 1.0)
    ver = assemble(result, noisy, RMSE, recommendation(), "bayesian", 1.0, False)
    assert ver.verdict == "confirmed"
    assert ver.chosen_val_rmse == pytest.approx(11.0)  # fold 1, seeds 0-2 of the suggestion
    assert against_baseline(ver, Baseline("ets", 11.1, 1.0)).beats_baseline is False
    assert against_baseline(ver, Baseline("ets", 11.5, 1.0)).beats_baseline is True


def test_a_gain_within_noise_confirms(tmp_path):
    s, b = trial("0", SUGGESTION, 10.0, True), trial("3", BETTER, 9.0)
    noisy = cv(
        ScriptedTrainer(seed_noise=3.0), configs={"suggestion": SUGGESTION, "best": SUGGESTION}
    )
    verdict, reason, _, chosen = decide(s, b, noisy, RMSE, recommendation())
    assert verdict == "confirmed" and chosen is s and "within the noise" in reason


def test_a_gain_beyond_noise_refines():
    s, b = trial("0", SUGGESTION, 10.0, True), trial("3", BETTER, 9.0)
    ranges = (
        Range("units", choices=(4, 8, 16, 32)),
        Range("learning_rate", low=3e-4, high=3e-3, log=True),
    )
    verdict, reason, edges, chosen = decide(
        s, b, cv(ScriptedTrainer()), RMSE, recommendation(ranges=ranges)
    )
    assert verdict == "refined" and chosen is b and "beyond the noise" in reason and not edges


def test_a_winner_on_the_edge_of_its_range_says_widen():
    s, b = trial("0", SUGGESTION, 10.0, True), trial("3", BETTER, 9.0)
    verdict, reason, edges, chosen = decide(s, b, cv(ScriptedTrainer()), RMSE, recommendation())
    # units 16 is the top of (4, 8, 16)
    assert verdict == "widen" and "units" in edges and chosen is b and "units" in reason


def test_without_cross_validation_a_small_gain_on_one_split_confirms():
    s, b = trial("0", SUGGESTION, 10.0, True), trial("3", BETTER, 9.8)
    verdict, reason, _, _ = decide(s, b, None, RMSE, recommendation())
    assert verdict == "confirmed" and "5%" in reason


def test_edges_on_a_log_range_are_measured_in_log_space():
    ranges = (Range("learning_rate", low=1e-4, high=1e-2, log=True),)
    top = replace(SUGGESTION, learning_rate=9.5e-3)
    middle = replace(SUGGESTION, learning_rate=2e-3)
    assert on_edge(top, SUGGESTION, ranges) == ["learning_rate"]
    assert on_edge(middle, SUGGESTION, ranges) == []
    assert on_edge(SUGGESTION, SUGGESTION, RANGES) == []


def verify_one(t: Trial, cv_result=None, stop_reason: str = "time budget"):
    """The verification of a search that ran the single trial ``t``."""
    from advisor.verification.search import SearchResult
    from advisor.verification.verdict import assemble

    result = SearchResult((t,), 54.0, 12, stop_reason, 1.0)
    return assemble(result, cv_result, RMSE, recommendation(), "bayesian", 1.0, False)


def verify_with(*trials: Trial):
    """The verification of a search that finished ``trials`` within its trial budget."""
    from advisor.verification.search import SearchResult
    from advisor.verification.verdict import assemble

    result = SearchResult(tuple(trials), 54.0, len(trials), "max trials", 1.0)
    return assemble(result, None, RMSE, recommendation(), "bayesian", 1.0, False)


def test_the_final_config_trains_for_the_epochs_early_stopping_chose():
    s = trial("0", SUGGESTION, 10.0, True)
    ver = verify_one(s)
    # The suggestion alone was trained: nothing compared, so untested, never confirmed.
    assert ver.verdict == "untested" and ver.best_config.epochs == 5  # the trial's best epoch
    assert ver.partial and any("time budget after 1 of 12" in n for n in ver.notes)
    ver = verify_one(replace(s, best_epoch=SUGGESTION.epochs), stop_reason="trial budget")
    assert ver.best_config.epochs == SUGGESTION.epochs
    assert any("still improving" in n for n in ver.notes)


def test_epochs_from_trainings_the_budget_cut_short_are_not_taken_as_settled():
    """A training the deadline stopped at epoch 3 was still improving: its best epoch is
    where time ran out, and training the final model that long would undertrain it."""
    from advisor.core.records import CrossValidation
    from advisor.verification.crossval import median_best_epoch

    settled = [CVRun("suggestion", f, 0, 10.0, 10.0, 20) for f in (1, 2)]
    cut = [CVRun("suggestion", 3, 0, 10.0, 10.0, 3, cut=True)]
    assert median_best_epoch(tuple(settled + cut), "suggestion") == 20
    assert median_best_epoch(tuple(cut), "suggestion") is None

    cut_trial = replace(trial("0", SUGGESTION, 10.0, True), best_epoch=3, cut=True)
    only_cut = CrossValidation(RMSE.name, (), (0,), tuple(cut), None, None)
    ver = verify_one(cut_trial, only_cut)
    assert ver.best_config.epochs == SUGGESTION.epochs  # the rules' count, not 3
    assert any("before early stopping settled" in n for n in ver.notes)
    assert not any("still improving" in n for n in ver.notes)
    assert not ver.final_epochs_settled  # so the user's budget may bound the final training

    # one settled cross-validation run is enough to take its epoch count
    ver = verify_one(cut_trial, replace(only_cut, runs=(*cut, settled[0])))
    assert ver.best_config.epochs == 20
    assert not any("before early stopping settled" in n for n in ver.notes)
    assert ver.final_epochs_settled  # evidence: the final training is never cut below it

    # a finished trial without a recorded best epoch was not cut: no word of the budget
    unrecorded = replace(trial("0", SUGGESTION, 10.0, True), best_epoch=0)
    ver = verify_one(unrecorded, stop_reason="trial budget")
    assert ver.best_config.epochs == SUGGESTION.epochs
    assert not any("before early stopping settled" in n for n in ver.notes)
