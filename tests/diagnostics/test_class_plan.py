"""Sequence classification's diagnostic plan: the neutral probe, the width ladder, the
budgeted sweep and data-size run, and the findings, with a fake trainer that replays
scripted curves and per-sequence scores instead of training (keras-tuner style)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pytest

from advisor.core.class_models import ClassDiagnosis, ClassifierConfig, ClassRun
from advisor.core.class_records import ClassBaseline, ClassProfile, ClassSplit
from advisor.core.findings import PRECEDENCE, FindingId, choose_primary
from advisor.core.records import Curve, Settings
from advisor.diagnostics import class_plan
from advisor.diagnostics.class_findings import examine_classifier
from advisor.diagnostics.class_plan import DATA_FRACTION, epoch_seconds, run_class_diagnostics
from advisor.diagnostics.class_probe import (
    MIN_STEPS_PER_EPOCH,
    PROBE_MAX_LENGTH,
    class_sweep_widths,
    probe_class_batch,
    probe_class_config,
)
from advisor.diagnostics.classifier import ClassTrainer, count_params
from advisor.diagnostics.findings import NOT_CONVERGED_SLOPE, curve_overfit, tail_slope
from advisor.diagnostics.noise import paired_band
from advisor.probes.class_baselines import DTW, MAJORITY, MINIROCKET

N_VAL = 20


# ------------------------------------------------------------------------- the records


def profile(
    train_counts: tuple[int, ...] = (20, 20),
    validation_counts: tuple[int, ...] = (10, 10),
    *,
    max_length: int = 40,
    channels: int = 1,
    baselines: tuple[ClassBaseline, ...] | None = None,
) -> ClassProfile:
    n_train, n_val = sum(train_counts), sum(validation_counts)
    split = ClassSplit(
        train=tuple(range(n_train)),
        validation=tuple(range(n_train, n_train + n_val)),
        test=(),
        test_source="advisor",
        seed=0,
        validation_share=0.2,
        test_share=0.2,
        train_counts=train_counts,
        validation_counts=validation_counts,
        test_counts=tuple(0 for _ in train_counts),
    )
    present = [c for c in train_counts if c > 0]
    return ClassProfile(
        n_sequences=n_train + n_val,
        classes=tuple(f"c{k}" for k in range(len(train_counts))),
        class_counts=train_counts,
        imbalance_ratio=max(present) / min(present),
        min_length=max_length // 2,
        median_length=0.75 * max_length,
        max_length=max_length,
        ragged=True,
        channels=tuple(f"x{c}" for c in range(channels)),
        curve_points=max_length,
        mean_curves=(),
        scales=(),
        split=split,
        baselines=baselines if baselines is not None else default_baselines(),
    )


def baseline(name: str, right: int, n: int = N_VAL) -> ClassBaseline:
    correct = tuple([1] * right + [0] * (n - right))
    return ClassBaseline(name, right / n, right / n, right / n, 0.1, correct=correct)


def default_baselines() -> tuple[ClassBaseline, ...]:
    # Majority at chance on the balanced validation sequences; MiniRocket well below what
    # the scripted LSTMs reach, so only the scripts that mean to lose to it do.
    return (baseline(MAJORITY, 10), baseline(MINIROCKET, 12))


def decay(start: float, end: float, n: int, rate: float = 0.3) -> list[float]:
    return list(end + (start - end) * np.exp(-rate * np.arange(n)))


def per_sequence(mean: float, seed: int = 0, n: int = N_VAL) -> tuple[float, ...]:
    """``n`` sequences' log losses spread around ``mean`` (their mean exactly)."""
    spread = np.random.default_rng(seed).uniform(0.5, 1.5, n)
    return tuple(float(v) for v in mean * spread / spread.mean())


def scripted(
    train: list[float],
    val: list[float],
    *,
    log_loss: tuple[float, ...] | None = None,
    right: int = N_VAL,
    balanced: float | None = None,
    reason: str = "early_stopping",
    seconds: float = 1.0,
) -> ClassRun:
    """A replayed run: its curves, and per-sequence scores at its best epoch (log losses
    spread around its lowest validation loss unless given; the first ``right`` validation
    sequences right)."""
    finite = [v if math.isfinite(v) else math.inf for v in val]
    losses = log_loss if log_loss is not None else per_sequence(min(finite))
    correct = tuple([1] * right + [0] * (N_VAL - right))
    accuracy = right / N_VAL
    return ClassRun(
        name="",
        units=0,
        params=0,
        curve=Curve(tuple(train), tuple(val)),
        best_epoch=int(np.argmin(finite)) + 1,
        val_loss=float(np.mean(losses)) if losses else math.inf,
        val_accuracy=accuracy,
        val_macro_f1=accuracy,
        val_balanced_accuracy=accuracy if balanced is None else balanced,
        val_correct=correct,
        val_log_loss=losses,
        seconds=seconds,
        stopped_reason=reason,  # type: ignore[arg-type]
        train_fraction=1.0,
        config=probe_class_config(profile(), 8),
    )


GOOD = scripted(decay(0.7, 0.05, 30), decay(0.7, 0.2, 30))
Script = Callable[[int, float], ClassRun]
"""(width, train fraction) -> the run the fake trainer replays."""


class ReplayTrainer(ClassTrainer):
    """Replays scripted runs and keeps a fake clock: each run moves it on by the run's
    seconds, so the plan's budget reads the time the run "took"."""

    def __init__(self, script: Script, clock: list[float] | None = None):
        self.script = script
        self.clock = clock if clock is not None else [0.0]
        self.calls: list[tuple[str, int, float, float | None]] = []

    def run(
        self,
        name: str,
        config: ClassifierConfig,
        seed: int,
        deadline: float | None = None,
        train_fraction: float = 1.0,
    ) -> ClassRun:
        units = config.layers[0].units
        self.calls.append((name, units, train_fraction, deadline))
        run = self.script(units, train_fraction)
        self.clock[0] += run.seconds
        return replace(
            run,
            name=name,
            units=units,
            params=count_params(config, 1, 2),
            train_fraction=train_fraction,
            config=config,
        )


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [0.0]
    monkeypatch.setattr(class_plan, "monotonic", lambda: now[0])
    return now


def diagnose(
    script: Script, prof: ClassProfile | None = None, deadline: float = math.inf
) -> ClassDiagnosis:
    trainer = ReplayTrainer(script)
    return run_class_diagnostics(trainer, prof or profile(), Settings(), deadline)


def same(run: ClassRun) -> Script:
    return lambda units, fraction: run


# --------------------------------------------------------------------- the probe config


def test_the_probe_batch_gives_an_epoch_enough_steps():
    assert probe_class_batch(40) == 8  # 5 steps: the smallest batch, as close as it gets
    assert probe_class_batch(200) == 16
    assert probe_class_batch(400) == 32
    assert math.ceil(400 / probe_class_batch(400)) >= MIN_STEPS_PER_EPOCH
    assert probe_class_config(profile((20, 20)), 16).batch_size == 8
    assert probe_class_config(profile((200, 200)), 16).batch_size == 32


def test_the_probe_is_bidirectional_average_pooled_and_unregularised():
    config = probe_class_config(profile(), 32)
    assert config.bidirectional and config.pooling == "average"
    assert config.l2 == 0.0 and all(layer.dropout == 0.0 for layer in config.layers)
    assert config.layers[0].units == 32 and config.learning_rate == 1e-3
    assert (config.epochs, config.early_stopping_patience) == (60, 10)


def test_long_sequences_are_shortened_and_short_ones_kept():
    assert probe_class_config(profile(max_length=150), 8).max_length == PROBE_MAX_LENGTH
    assert probe_class_config(profile(max_length=40), 8).max_length is None
    assert probe_class_config(profile(max_length=PROBE_MAX_LENGTH), 8).max_length is None


def test_classes_are_weighed_only_where_imbalanced():
    assert not probe_class_config(profile((22, 18)), 8).class_weights
    assert probe_class_config(profile((30, 10), (6, 2)), 8).class_weights


def test_the_ladder_is_capped_on_a_small_set_and_keeps_three_widths():
    widths, cut = class_sweep_widths(profile((20, 20)), Settings())
    assert widths == (8, 16, 32)
    assert any("width 64" in c and "40 training sequences" in c for c in cut)
    large, _ = class_sweep_widths(profile((200, 200)), Settings())
    assert large == (8, 16, 32, 64)
    tiny, _ = class_sweep_widths(profile((4, 4), (2, 2)), Settings())
    assert tiny == (8, 16, 32)


def test_the_ladder_respects_max_units():
    widths, cut = class_sweep_widths(profile((200, 200)), Settings(max_units=16))
    assert widths == (8, 16)
    assert "width 32 (above --max-units 16)" in cut


# ---------------------------------------------------------------------- the plan itself


def test_the_sweep_then_a_half_data_run_at_the_best_width():
    def script(units: int, fraction: float) -> ClassRun:
        # width 16 scores best on validation
        return replace(GOOD, val_loss=0.1 if units == 16 else 0.3)

    trainer = ReplayTrainer(script)
    diagnosis = run_class_diagnostics(trainer, profile(), Settings(seed=3), math.inf)
    assert [c[:3] for c in trainer.calls] == [
        ("width-8", 8, 1.0),
        ("width-16", 16, 1.0),
        ("width-32", 32, 1.0),
        ("width-16-data-50%", 16, DATA_FRACTION),
    ]
    assert [r.name for r in diagnosis.runs] == [c[0] for c in trainer.calls]
    assert diagnosis.budget_cut == ()
    assert "8/16/32" in diagnosis.planned and "50%" in diagnosis.planned


def test_a_run_that_would_not_fit_the_deadline_is_skipped_and_listed(clock):
    # width-8 takes 100 s over 20 epochs: a wider width's 60 epochs cannot fit in the 50
    # s left, nor can half the data's at width 8 (150 s at the least).
    slow = scripted(decay(0.7, 0.05, 20), decay(0.7, 0.2, 20), seconds=100.0)
    trainer = ReplayTrainer(same(slow), clock)
    diagnosis = run_class_diagnostics(trainer, profile(), Settings(), deadline=150.0)
    assert [c[0] for c in trainer.calls] == ["width-8"]
    assert diagnosis.budget_cut == (
        "width-16 (time budget)",
        "width-32 (time budget)",
        "width-8-data-50% (time budget)",
    )
    assert set(diagnosis.budget_cut) <= set(diagnosis.cut)
    assert trainer.calls[0][3] == 150.0  # the deadline reaches the training too


def test_a_deadline_already_past_trains_nothing(clock):
    clock[0] = 10.0
    diagnosis = run_class_diagnostics(ReplayTrainer(same(GOOD), clock), profile(), Settings(), 5.0)
    assert diagnosis.runs == () and diagnosis.findings == () and diagnosis.primary is None
    assert "width-8 (time budget)" in diagnosis.budget_cut
    assert any(c.startswith("data-size run") for c in diagnosis.budget_cut)


def test_a_run_the_deadline_stopped_is_listed_and_not_read_as_data_size():
    def script(units: int, fraction: float) -> ClassRun:
        if fraction < 1:
            return replace(
                GOOD, val_loss=5.0, val_log_loss=per_sequence(5.0), stopped_reason="budget"
            )
        return GOOD

    diagnosis = diagnose(script)
    assert "width-8-data-50% stopped at the deadline" in diagnosis.budget_cut
    assert not diagnosis.has(FindingId.DATA_LIMITED)


def test_the_next_width_is_costed_from_the_runs_done():
    one = replace(GOOD, params=1000, seconds=10.0)  # 30 epochs: 1/3 s an epoch
    assert epoch_seconds([], 2000) is None
    assert epoch_seconds([one], 2000) == pytest.approx(2 / 3)
    two = replace(GOOD, params=3000, seconds=15.0)  # 1/2 s an epoch
    # the line through both: 1/3 s plus 1/12,000 s a weight past the first
    assert epoch_seconds([one, two], 5000) == pytest.approx(0.5 + 2000 / 12000)


# ------------------------------------------------------------------- one finding each


def not_learning_first_epoch(units: int, fraction: float) -> ClassRun:
    return scripted(decay(0.7, 0.1, 15), [0.68, *np.linspace(0.7, 0.9, 14)], right=11)


def at_chance(units: int, fraction: float) -> ClassRun:
    # validation loss edges down, but accuracy stays one sequence above the majority's
    return scripted(decay(0.7, 0.3, 30), decay(0.7, 0.66, 30), right=11)


def underfit(units: int, fraction: float) -> ClassRun:
    # training cross-entropy barely below ln 2, the cost of answering "either class"
    return scripted(decay(0.7, 0.6, 30), decay(0.7, 0.62, 30), right=15)


def overfit(units: int, fraction: float) -> ClassRun:
    val = decay(0.7, 0.2, 12) + list(np.linspace(0.22, 0.45, 13))
    return scripted(decay(0.7, 0.01, 25), val)


def still_falling(units: int, fraction: float) -> ClassRun:
    return scripted(
        list(np.linspace(0.7, 0.1, 60)), list(np.linspace(0.7, 0.2, 60)), reason="epochs"
    )


def capacity(units: int, fraction: float) -> ClassRun:
    # each width about 30% lower on every validation sequence than the one before
    level = {8: 0.5, 16: 0.35, 32: 0.25}[units]
    return replace(GOOD, val_loss=level, val_log_loss=per_sequence(level))


def data(units: int, fraction: float) -> ClassRun:
    level = 0.2 if fraction >= 1 else 0.4
    return replace(GOOD, val_loss=level, val_log_loss=per_sequence(level))


def diverged(units: int, fraction: float) -> ClassRun:
    if units == 32:
        return scripted([0.7, 0.5, math.nan], [0.7, 0.6, math.nan], reason="diverged")
    return GOOD


SCRIPTS: dict[FindingId, tuple[Script, tuple[ClassBaseline, ...] | None]] = {
    FindingId.NOT_LEARNING: (not_learning_first_epoch, None),
    FindingId.UNDERFITTING: (underfit, None),
    FindingId.OVERFITTING: (overfit, None),
    FindingId.NOT_CONVERGED: (still_falling, None),
    FindingId.CAPACITY_LIMITED: (capacity, None),
    FindingId.DATA_LIMITED: (data, None),
    FindingId.NO_GAIN_OVER_BASELINE: (same(GOOD), (baseline(MINIROCKET, N_VAL),)),
    FindingId.DIVERGING: (diverged, None),
    FindingId.GOOD_FIT: (same(GOOD), None),
}


@pytest.mark.parametrize("fid", list(SCRIPTS), ids=str)
def test_each_scripted_plan_gives_its_finding(fid):
    script, baselines = SCRIPTS[fid]
    diagnosis = diagnose(script, profile(baselines=baselines))
    found = {f.id for f in diagnosis.findings}
    assert fid in found, diagnosis.findings
    assert diagnosis.primary == choose_primary({f.id: f.confidence for f in diagnosis.findings})


def test_the_good_fit_is_alone():
    diagnosis = diagnose(same(GOOD))
    assert [f.id for f in diagnosis.findings] == [FindingId.GOOD_FIT]
    assert diagnosis.primary == FindingId.GOOD_FIT and diagnosis.notes == ()


def test_accuracy_at_the_majority_level_is_not_learning():
    diagnosis = diagnose(at_chance)
    assert diagnosis.primary == FindingId.NOT_LEARNING
    finding = next(f for f in diagnosis.findings if f.id == FindingId.NOT_LEARNING)
    assert "always answering the largest class (0.50)" in finding.summary
    assert finding.evidence["first_epoch_best"] == 0.0


def test_a_class_weighted_run_that_recognises_the_small_class_has_learnt():
    # 3:1 imbalance: the majority answer scores 0.75; this run scores 0.75 too, but by
    # telling the classes apart (balanced accuracy 0.8, not 0.5)
    prof = profile((30, 10), (15, 5), baselines=(baseline(MAJORITY, 15),))
    run = scripted(decay(0.7, 0.05, 30), decay(0.7, 0.2, 30), right=15, balanced=0.8)
    assert not diagnose(same(run), prof).has(FindingId.NOT_LEARNING)
    blind = replace(run, val_balanced_accuracy=0.5)
    assert diagnose(same(blind), prof).has(FindingId.NOT_LEARNING)


def test_overfitting_names_the_epoch_validation_bottomed_at():
    diagnosis = diagnose(overfit)
    finding = next(f for f in diagnosis.findings if f.id == FindingId.OVERFITTING)
    assert finding.evidence["best_epoch"] == 12 and "epoch 12" in finding.summary
    assert not diagnosis.has(FindingId.GOOD_FIT)


def test_a_wide_gap_with_a_flat_validation_loss_is_not_overfitting():
    # training cross-entropy falls toward zero while validation settles: the usual
    # picture of a classifier, which forecasting's widening-gap test would call overfitting
    run = scripted(decay(0.7, 0.001, 30, rate=0.2), [*decay(0.7, 0.25, 20), *[0.26] * 10])
    evidence = curve_overfit(run.curve)
    assert evidence is not None and not evidence.turned_up
    assert not diagnose(same(run)).has(FindingId.OVERFITTING)


def test_a_training_loss_still_falling_at_the_cap_is_not_read_as_not_converged():
    # sure of what it already classifies right, the classifier's training cross-entropy
    # keeps falling by a steady share an epoch; validation settled well before the cap
    train = decay(0.7, 0.0, 60, rate=0.1)
    run = scripted(train, [*decay(0.7, 0.25, 45), *[0.26] * 15], reason="epochs")
    assert tail_slope(np.array(train)) > NOT_CONVERGED_SLOPE
    assert not diagnose(same(run)).has(FindingId.NOT_CONVERGED)


def test_capacity_limited_rests_on_a_band_beyond_the_noise():
    diagnosis = diagnose(capacity)
    finding = next(f for f in diagnosis.findings if f.id == FindingId.CAPACITY_LIMITED)
    assert finding.band is not None and finding.band.lower
    assert finding.evidence["widest_units"] == 32
    assert "20 validation sequences" in finding.summary


def test_a_gain_within_the_noise_is_a_note_not_a_finding():
    # the widest width is better on one validation sequence only: a 10% lower mean, but
    # a resample without that sequence (a third of them) sees no difference
    base = per_sequence(0.3)
    better = (base[0] * 0.1 + 0.0, *base[1:])
    gain = 1 - np.mean(better) / np.mean(base)
    assert gain > 0.02

    def script(units: int, fraction: float) -> ClassRun:
        losses = better if units == 32 else base
        return replace(GOOD, val_loss=float(np.mean(losses)), val_log_loss=losses)

    diagnosis = diagnose(script)
    assert not diagnosis.has(FindingId.CAPACITY_LIMITED)
    assert any(
        n.startswith("32 units against 16") and "within the noise" in n for n in diagnosis.notes
    ), diagnosis.notes


def test_too_few_validation_sequences_give_no_comparison():
    n = 4
    prof = profile((20, 20), (2, 2), baselines=(baseline(MINIROCKET, 1, n=n),))

    def script(units: int, fraction: float) -> ClassRun:
        level = 0.2 if fraction >= 1 else 0.4
        return replace(
            GOOD,
            val_loss=level,
            val_log_loss=(level,) * n,
            val_correct=(1,) * n,
            val_accuracy=1.0,
        )

    diagnosis = diagnose(script, prof)
    assert not diagnosis.has(FindingId.DATA_LIMITED)
    assert any("only 4 validation sequences" in n for n in diagnosis.notes)
    # four right against one: clear by the margin, yet no band to show it is not luck
    gap = next(f for f in diagnosis.findings if f.id == FindingId.NO_GAIN_OVER_BASELINE)
    assert gap.band is None and "too few" in gap.summary


def test_data_limited_compares_all_with_half_at_the_best_width():
    diagnosis = diagnose(data)
    finding = next(f for f in diagnosis.findings if f.id == FindingId.DATA_LIMITED)
    assert finding.runs == ("width-8-data-50%", "width-8")
    assert finding.evidence["from_fraction"] == DATA_FRACTION
    assert finding.band is not None and finding.band.lower


def test_no_gain_over_baseline_names_the_baseline_and_both_scores():
    lstm = replace(GOOD, val_correct=(1,) * 12 + (0,) * 8, val_accuracy=0.6)
    perfect = (baseline(MAJORITY, 10), baseline(MINIROCKET, N_VAL))
    diagnosis = diagnose(same(lstm), profile(baselines=perfect))
    finding = next(f for f in diagnosis.findings if f.id == FindingId.NO_GAIN_OVER_BASELINE)
    assert finding.summary.startswith(
        "MiniRocket reaches 1.00 on validation, the best LSTM (width-8) 0.60"
    )
    assert finding.band is not None and finding.band.ratio == pytest.approx(0.6)
    assert finding.evidence["baseline_val_accuracy"] == 1.0


def test_a_tie_with_the_baseline_is_no_gain():
    prof = profile(baselines=(baseline(MAJORITY, 10), baseline(DTW, N_VAL)))
    finding = next(
        f for f in diagnose(same(GOOD), prof).findings if f.id == FindingId.NO_GAIN_OVER_BASELINE
    )
    assert finding.summary == (
        "1-NN DTW reaches 1.00 on validation, the best LSTM (width-8) 1.00 as well."
    )


def test_a_win_over_the_baseline_within_the_noise_is_no_gain():
    # 19 right against 17: higher, but two sequences are no evidence
    prof = profile(baselines=(baseline(MINIROCKET, 17),))
    lstm = replace(GOOD, val_correct=(1,) * 19 + (0,), val_accuracy=0.95)
    finding = next(
        f for f in diagnose(same(lstm), prof).findings if f.id == FindingId.NO_GAIN_OVER_BASELINE
    )
    assert (
        "0.85 on validation, the best LSTM (width-8) 0.95; accuracy 12% higher" in finding.summary
    )
    assert "(band +0% to" in finding.summary
    assert finding.summary.endswith("20 validation sequences): within the noise.")


def test_a_clear_win_over_the_baseline_is_no_finding():
    diagnosis = diagnose(same(GOOD))  # 20 right against MiniRocket's 12
    assert not diagnosis.has(FindingId.NO_GAIN_OVER_BASELINE)


def test_the_primary_follows_precedence_when_several_hold():
    perfect = (baseline(MINIROCKET, N_VAL),)

    def overfit_with_data(units: int, fraction: float) -> ClassRun:
        run = overfit(units, fraction)
        level = 0.2 if fraction >= 1 else 0.4
        return replace(run, val_loss=level, val_log_loss=per_sequence(level), val_accuracy=0.9)

    diagnosis = diagnose(overfit_with_data, profile(baselines=perfect))
    found = {f.id for f in diagnosis.findings}
    assert {FindingId.OVERFITTING, FindingId.DATA_LIMITED, FindingId.NO_GAIN_OVER_BASELINE} <= found
    assert diagnosis.primary == FindingId.OVERFITTING
    first = min(found, key=PRECEDENCE.index)
    assert diagnosis.primary == first

    both = diagnose(underfit, profile(baselines=perfect))
    assert both.has(FindingId.NO_GAIN_OVER_BASELINE)
    assert both.primary == FindingId.UNDERFITTING


def test_a_diverged_width_leads_the_diagnosis_and_is_named():
    diagnosis = diagnose(diverged)
    assert diagnosis.primary == FindingId.DIVERGING
    finding = next(f for f in diagnosis.findings if f.id == FindingId.DIVERGING)
    assert finding.runs == ("width-32",)


def test_examine_without_runs_finds_nothing():
    exam = examine_classifier((), profile())
    assert exam.findings == () and exam.primary is None


# ------------------------------------------------------------------------- the band


def test_a_band_of_means_is_the_plain_ratio_of_the_means():
    a, b = np.array(per_sequence(0.3, seed=1)), np.array(per_sequence(0.4, seed=2))
    band = paired_band(a, b, block=1, seed=0, root=False)
    assert band is not None
    assert band.ratio == pytest.approx(0.75) and band.low < 0.75 < band.high
    rooted = paired_band(a, b, block=1, seed=0)
    assert rooted is not None and rooted.ratio == pytest.approx(math.sqrt(0.75))


# ---------------------------------------------------------------- one real training


@pytest.mark.slow
def test_the_plan_on_real_trainings_of_a_tiny_set():
    from support.sequences import CLASSES, sequences

    from advisor.core.sequences import PAD_VALUE, SequenceSet
    from advisor.diagnostics.classifier import ClassifierTrainer
    from advisor.probes.class_profile import build_class_profile

    drawn = sequences(counts=(14, 13, 13), channels=1, lengths=(20, 30), seed=4)
    values = np.full((len(drawn), 30, 1), PAD_VALUE)
    for i, (_, _, v) in enumerate(drawn):
        values[i, : len(v)] = v
    seqs = SequenceSet(
        path="tiny.csv",
        sha256="0" * 64,
        values=values,
        lengths=np.array([len(v) for _, _, v in drawn], dtype=np.int64),
        labels=np.array([CLASSES.index(label) for _, label, _ in drawn], dtype=np.int64),
        classes=CLASSES,
        channels=("x0",),
        ids=tuple(sid for sid, _, _ in drawn),
        test=np.zeros(len(drawn), dtype=bool),
        layout="long",
        id_column="series_id",
        label_column="label",
        time_column="t",
        split_column=None,
    )
    prof = build_class_profile(seqs, seed=0, dtw_cap_s=5, minirocket_cap_s=5)
    trainer = ClassifierTrainer(seqs, prof.split.train, prof.split.validation)
    diagnosis = run_class_diagnostics(trainer, prof, Settings(max_units=16), math.inf)
    assert [r.name for r in diagnosis.runs][:2] == ["width-8", "width-16"]
    assert diagnosis.runs[-1].train_fraction == DATA_FRACTION
    for run in diagnosis.runs:
        assert len(run.val_log_loss) == len(run.val_correct) == prof.split.n_validation
    assert diagnosis.primary in PRECEDENCE
