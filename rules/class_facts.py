"""The named facts a classification rule may use, built from the classification profile,
its diagnosis and the user's settings.

Sequence classification's counterpart of ``facts``. The diagnosis' findings keep the
names they have as forecasting facts (``overfitting``, ``no_gain_over_baseline``...),
so a rule reads the same in both rulebooks. Classification rules are type-checked
against this dataclass when they load, as forecasting's are against ``Facts``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from advisor.core.class_models import ClassDiagnosis
from advisor.core.class_records import ClassProfile
from advisor.core.findings import FindingId
from advisor.core.records import Settings


@dataclass(frozen=True)
class ClassFacts:
    # --- the data (probes) ---
    sequences: int
    """Sequences in the file, every part of the split."""
    train_sequences: int
    classes: int
    imbalance: float
    """Training sequences of the largest class over the smallest's (1: balanced)."""
    shortest_length: int
    median_length: float
    longest_length: int
    """Steps of the shortest, the median and the longest training sequence."""
    ragged: bool
    """The training sequences differ in length (shorter ones are padded and masked)."""
    channels: int
    best_baseline: str
    """Id of the most accurate baseline on validation (``majority``, ``1nn_dtw``,
    ``minirocket``); empty where every baseline was skipped."""
    baseline_accuracy: float
    """Its validation accuracy (NaN where none was scored)."""
    # --- the diagnostic trainings ---
    primary_finding: str
    """The finding the advice follows (``ClassDiagnosis.primary``); empty where none."""
    not_learning: bool
    underfitting: bool
    overfitting: bool
    not_converged: bool
    diverging: bool
    capacity_limited: bool
    data_limited: bool
    no_gain_over_baseline: bool
    good_fit: bool
    best_units: int
    """Width of the best full-data run (lowest validation cross-entropy); 0 where none ran."""
    best_epoch: int
    """1-based epoch of that run's lowest validation loss; 0 where none ran."""
    epochs_run: int
    lstm_accuracy: float
    """That run's validation accuracy (NaN where none ran or its outputs were not finite)."""
    # --- what the user said (0 where not given) ---
    user_max_units: int
    budget_s: float


CLASS_FACT_NAMES: tuple[str, ...] = tuple(f.name for f in fields(ClassFacts))


def build_class_facts(
    profile: ClassProfile, diagnosis: ClassDiagnosis, settings: Settings
) -> ClassFacts:
    """Flatten the profile, the diagnosis and the user's flags into rule facts."""
    from advisor.diagnostics.class_findings import best_class_run

    ids = {f.id for f in diagnosis.findings}
    best = best_class_run(diagnosis.runs) if diagnosis.runs else None
    baseline = profile.best_baseline
    return ClassFacts(
        sequences=profile.n_sequences,
        train_sequences=profile.split.n_train,
        classes=profile.n_classes,
        imbalance=profile.imbalance_ratio,
        shortest_length=profile.min_length,
        median_length=profile.median_length,
        longest_length=profile.max_length,
        ragged=profile.ragged,
        channels=len(profile.channels),
        best_baseline=baseline.name if baseline else "",
        baseline_accuracy=baseline.accuracy if baseline else math.nan,
        primary_finding=str(diagnosis.primary or ""),
        not_learning=FindingId.NOT_LEARNING in ids,
        underfitting=FindingId.UNDERFITTING in ids,
        overfitting=FindingId.OVERFITTING in ids,
        not_converged=FindingId.NOT_CONVERGED in ids,
        diverging=FindingId.DIVERGING in ids,
        capacity_limited=FindingId.CAPACITY_LIMITED in ids,
        data_limited=FindingId.DATA_LIMITED in ids,
        no_gain_over_baseline=FindingId.NO_GAIN_OVER_BASELINE in ids,
        good_fit=FindingId.GOOD_FIT in ids,
        best_units=best.units if best else 0,
        best_epoch=best.best_epoch if best else 0,
        epochs_run=best.curve.epochs if best else 0,
        lstm_accuracy=best.val_accuracy if best else math.nan,
        user_max_units=settings.max_units or 0,
        budget_s=settings.budget_s or 0.0,
    )
