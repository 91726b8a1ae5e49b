"""A small classification analysis without training: a seeded synthetic sequence set, its
real profile (the aeon baselines run, a second or two once numba has compiled), and
hand-made runs, findings, rules, search, cross-validation and final model.

``make_analysis`` gives the two verdicts the report must tell apart: MiniRocket advised
(it classifies every validation sequence right, the LSTM does not), or the LSTM ahead of
every baseline; and the stages a run may lack (verification, final, a partial run).
"""

from __future__ import annotations

import dataclasses
import math
from functools import cache

import numpy as np

from advisor.core.class_analysis import BaselineVerdict, ClassAnalysis
from advisor.core.class_models import (
    ClassDiagnosis,
    ClassFinal,
    ClassifierConfig,
    ClassRecommendation,
    ClassRun,
)
from advisor.core.class_records import ClassBaseline, ClassProfile
from advisor.core.class_verification import (
    ClassCrossValidation,
    ClassCVRun,
    ClassFold,
    ClassTrial,
    ClassVerification,
)
from advisor.core.findings import FindingId
from advisor.core.records import (
    Curve,
    CVSummary,
    Finding,
    LayerConfig,
    NoiseBand,
    Range,
    RuleHit,
    Settings,
)
from advisor.core.sequences import PAD_VALUE, SequenceSet
from advisor.probes.class_profile import build_class_profile
from support.sequences import CLASSES, sequences

SEED = 0


@cache
def sequence_set() -> SequenceSet:
    """30 ragged two-channel sequences of three shapes, ten of each."""
    seqs = sequences(counts=(10, 10, 10), channels=2, lengths=(12, 20), seed=SEED)
    width = max(len(v) for _, _, v in seqs)
    values = np.full((len(seqs), width, 2), PAD_VALUE)
    for i, (_, _, v) in enumerate(seqs):
        values[i, : len(v)] = v
    return SequenceSet(
        path="shapes.csv",
        sha256="a" * 64,
        values=values,
        lengths=np.array([len(v) for _, _, v in seqs], dtype=np.int64),
        labels=np.array([CLASSES.index(label) for _, label, _ in seqs], dtype=np.int64),
        classes=CLASSES,
        channels=("x0", "x1"),
        ids=tuple(sid for sid, _, _ in seqs),
        test=np.zeros(len(seqs), dtype=bool),
        layout="long",
        id_column="series_id",
        label_column="label",
        time_column="t",
        split_column=None,
        notices=("Dropped 2 rows with an empty label.",),
    )


@cache
def profile() -> ClassProfile:
    return build_class_profile(sequence_set(), SEED)


def config(units: int = 32, dropout: float = 0.2, bidirectional: bool = False) -> ClassifierConfig:
    return ClassifierConfig(
        layers=(LayerConfig(units, dropout, 0.0),),
        bidirectional=bidirectional,
        pooling="average",
        l2=1e-4,
        learning_rate=1e-3,
        batch_size=8,
        epochs=60,
        early_stopping_patience=8,
        class_weights=False,
        max_length=None,
        scaling="standard",
    )


def _curve(start: float, floor: float, epochs: int) -> tuple[float, ...]:
    return tuple(floor + (start - floor) * math.exp(-e / 4) for e in range(epochs))


def run(name: str, units: int, accuracy: float, loss: float, fraction: float = 1.0) -> ClassRun:
    n = profile().split.n_validation
    right = round(accuracy * n)
    return ClassRun(
        name=name,
        units=units,
        params=units * 200,
        curve=Curve(_curve(1.1, 0.4, 12), _curve(1.1, loss, 12)),
        best_epoch=12,
        val_loss=loss,
        val_accuracy=right / n,
        val_macro_f1=right / n - 0.05,
        val_balanced_accuracy=right / n,
        val_correct=tuple(1 if i < right else 0 for i in range(n)),
        val_log_loss=(loss,) * n,
        seconds=4.2,
        stopped_reason="early_stopping",
        train_fraction=fraction,
        config=config(units),
    )


def diagnosis(partial: bool = False) -> ClassDiagnosis:
    runs = (run("width-16", 16, 1 / 3, 0.8), run("width-32", 32, 2 / 3, 0.7))
    if not partial:
        runs += (run("width-32-data-50%", 32, 1 / 3, 0.9, fraction=0.5),)
    gap = Finding(
        FindingId.NO_GAIN_OVER_BASELINE,
        "MiniRocket reaches 1.00 on validation, the best LSTM (width-32) 0.67.",
        {"lstm_val_accuracy": 2 / 3, "baseline_val_accuracy": 1.0, "ratio": 2 / 3},
        0.7,
        ("width-32",),
        NoiseBand(2 / 3, 0.0, math.inf, 3, 1),
    )
    overfit = Finding(
        FindingId.OVERFITTING,
        "Training cross-entropy kept falling while validation stalled.",
        {"gap_ratio": 1.75},
        0.6,
        ("width-32",),
    )
    return ClassDiagnosis(
        runs=runs,
        findings=(overfit, gap),
        planned="A capacity sweep over 16 and 32 units, then 50% of the sequences at the best.",
        cut=("width 64: past --max-units",)
        + (("the data-size run: the budget",) if partial else ()),
        budget_cut=("the data-size run: the budget",) if partial else (),
        primary=FindingId.OVERFITTING,
        notes=("16 against 32 units: validation cross-entropy within the noise.",),
    )


def recommendation() -> ClassRecommendation:
    return ClassRecommendation(
        config=config(32),
        ranges=(
            Range("units", low=16, high=64, log=True),
            Range("dropout", low=0.1, high=0.4),
            Range("pooling", choices=("average", "last")),
        ),
        rules_fired=(
            RuleHit(
                "sweep-best-units",
                "units",
                32,
                "32 units gave the lowest validation cross-entropy in the capacity sweep.",
                {"best_units": 32},
                0.7,
                10,
            ),
            RuleHit(
                "overfit-dropout",
                "dropout",
                0.2,
                "The model learns its training sequences better than new ones: drop inputs.",
                {"overfitting": True},
                0.6,
                10,
            ),
            RuleHit(
                "ragged-average",
                "pooling",
                "average",
                "Sequences differ in length: average the outputs over the real steps.",
                {"ragged": True},
                0.8,
                10,
                applied=False,
                overridden_by="user",
            ),
        ),
        rules_not_fired=("imbalance-weights",),
        baseline_warning="MiniRocket reaches 100% on validation, the LSTM 67%.",
    )


def verification(partial: bool = False) -> ClassVerification:
    trials = (
        ClassTrial("0", config(32), 0.7, 2 / 3, 0.6, 2 / 3, True, 0.7, 12, 3.0),
        ClassTrial("1", config(64, 0.3), 0.65, 2 / 3, 0.62, 2 / 3, False, 0.65, 10, 3.5),
        ClassTrial("2", config(16, 0.1), math.inf, math.nan, math.nan, math.nan, cut=True),
    )
    folds = tuple(ClassFold(k, 16, (k, k + 3, k + 6), (1, 1, 1)) for k in range(3))
    runs = tuple(
        ClassCVRun(label, k, 0, 0.7 - 0.02 * (label == "best"), 0.6, 0.55, 0.6, 10)
        for label in ("suggestion", "best")
        for k in range(3)
    )
    cv = ClassCrossValidation(
        objective="val_loss",
        k=3,
        folds=folds,
        seeds=(0,),
        runs=runs,
        suggestion=CVSummary(0.7, 0.05, 3),
        best=CVSummary(0.68, 0.04, 3),
        improvement=0.03,
        improvement_stderr=0.02,
        beyond_noise=False,
        planned="3 folds x 1 seed",
    )
    return ClassVerification(
        tuner="bayesian",
        trials=trials,
        suggestion_val_loss=0.7,
        best_val_loss=0.65,
        best_config=config(64, 0.3),
        verdict="provisional" if partial else "confirmed",
        verdict_reason="No trial did better beyond the noise of the cross-validation.",
        seconds=12.0,
        partial=partial,
        space_size=None,
        max_trials=3,
        cv=cv,
        notes=("Trial 2 was cut by the time budget.",),
        outcome="confirmed",
        budget_cut=("trial 2 stopped early",) if partial else (),
        chosen_trial="0",
    )


def _scores(confusion: np.ndarray) -> tuple[tuple[float, ...], ...]:
    right = np.diag(confusion).astype(float)
    predicted, actual = confusion.sum(axis=0), confusion.sum(axis=1)
    precision = np.divide(right, predicted, out=np.zeros_like(right), where=predicted > 0)
    recall = np.divide(right, actual, out=np.zeros_like(right), where=actual > 0)
    both = precision + recall
    f1 = np.divide(2 * precision * recall, both, out=np.zeros_like(right), where=both > 0)
    return tuple(precision), tuple(recall), tuple(f1)


def final() -> ClassFinal:
    """The LSTM on the test sequences: every "fall" right, "rise" and "wave" mixed up."""
    seqs, split = sequence_set(), profile().split
    truth = [int(seqs.labels[i]) for i in split.test]
    mix = {0: 0, 1: 2, 2: 1}
    predicted = [t if k % 3 else mix[t] for k, t in enumerate(truth)]
    n = len(CLASSES)
    confusion = np.zeros((n, n), dtype=int)
    for t, p in zip(truth, predicted, strict=True):
        confusion[t, p] += 1
    precision, recall, f1 = _scores(confusion)
    correct = tuple(int(t == p) for t, p in zip(truth, predicted, strict=True))
    return ClassFinal(
        classes=CLASSES,
        test_accuracy=sum(correct) / len(correct),
        test_macro_f1=float(np.mean(f1)),
        test_balanced_accuracy=float(np.mean(recall)),
        confusion=tuple(tuple(int(c) for c in row) for row in confusion),
        precision=precision,
        recall=recall,
        f1=f1,
        epochs_trained=14,
        seconds=6.5,
        stopped_reason="early_stopping",
        config=config(64, 0.3),
        test_correct=correct,
        predicted=tuple(predicted),
        model_path="run/model.keras",
        script_path="run/model.py",
    )


def baselines_on_test(weak: bool = False) -> tuple[ClassBaseline, ...]:
    """Each baseline on the test sequences; ``weak``: none above a third."""
    n = profile().split.n_test
    dtw, rocket = (1 / 3, 1 / 3) if weak else (7 / 9, 8 / 9)
    return (
        ClassBaseline("majority", 1 / 3, 1 / 6, 1 / 3, 0.0001, correct=(1, 0, 0) * (n // 3)),
        ClassBaseline("1nn_dtw", dtw, dtw, dtw, 0.8),
        ClassBaseline("minirocket", rocket, rocket, rocket, 2.4),
    )


def make_analysis(
    *,
    advised: bool = True,
    with_verification: bool = True,
    with_final: bool = True,
    partial: bool = False,
) -> ClassAnalysis:
    """``advised``: MiniRocket is the advice; else the LSTM beats every baseline (the
    profile's baselines replaced by weaker ones)."""
    prof = profile()
    fin = final() if with_final else None
    lstm_test = fin.test_accuracy if fin is not None else math.nan
    if advised:
        verdict = BaselineVerdict(
            baseline="minirocket",
            label="MiniRocket",
            val_accuracy=1.0,
            lstm_val_accuracy=2 / 3,
            val_band=NoiseBand(2 / 3, 0.0, math.inf, 3, 1),
            advised=True,
            test_accuracy=8 / 9 if fin is not None else math.nan,
            lstm_test_accuracy=lstm_test,
            test_band=NoiseBand(0.75, 0.5, 1.0, 9, 1) if fin is not None else None,
            baseline_seconds=2.4 if fin is not None else math.nan,
        )
        baselines = baselines_on_test() if fin is not None else ()
    else:
        weak = tuple(
            dataclasses.replace(b, accuracy=min(b.accuracy, 1 / 3), macro_f1=min(b.macro_f1, 0.3))
            for b in prof.baselines
        )
        prof = dataclasses.replace(prof, baselines=weak)
        verdict = BaselineVerdict(
            baseline="minirocket",
            label="MiniRocket",
            val_accuracy=1 / 3,
            lstm_val_accuracy=2 / 3,
            val_band=NoiseBand(2.0, 1.2, 3.0, 30, 1),
            advised=False,
            test_accuracy=1 / 3 if fin is not None else math.nan,
            lstm_test_accuracy=lstm_test,
            baseline_seconds=2.4 if fin is not None else math.nan,
        )
        baselines = baselines_on_test(weak=True) if fin is not None else ()
    return ClassAnalysis(
        data=sequence_set(),
        settings=Settings(task="classify", seed=SEED, budget_s=None if not partial else 60.0),
        profile=prof,
        diagnosis=diagnosis(partial),
        recommendation=recommendation(),
        verification=verification(partial) if with_verification else None,
        final=fin,
        test_baselines=baselines,
        verdict=verdict,
        run_dir="runs/shapes-0",
        versions={"advisor": "0.1.0", "keras": "3.6.0", "aeon": "1.0.0"},
        command="advisor analyze shapes.csv --task classify",
        seconds=42.0,
        partial=partial,
    )
