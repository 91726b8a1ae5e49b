"""Sequence classification's verification records: the search's trials, the stratified
cross-validation of the suggestion against the search's best, and the verdict.

The classifier's counterparts of ``Trial``, ``CVRun``, ``Fold``, ``CrossValidation`` and
``Verification``; the verdict's vocabulary (``Verdict``, ``Outcome``) and the spread of a
configuration's scores (``CVSummary``) are forecasting's own. Every score is the
objective, validation cross-entropy (lower is better); accuracy, macro-F1 and balanced
accuracy ride beside it for people to read, never to rank on: with a dozen validation
sequences two configurations tie on accuracy more often than not.
``advisor.verification.class_search`` fills them in.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Literal

from advisor.core.class_models import ClassifierConfig
from advisor.core.records import CVSummary, Outcome, Verdict

Label = Literal["suggestion", "best"]
ClassMetric = Literal["accuracy", "macro_f1", "balanced_accuracy"]


@dataclass(frozen=True)
class ClassTrial:
    """One trial of the search: a configuration trained on the training sequences and
    scored on validation at its best epoch."""

    trial_id: str
    config: ClassifierConfig
    val_loss: float
    """Mean validation cross-entropy; ``inf`` where the training diverged."""
    val_accuracy: float
    val_macro_f1: float
    val_balanced_accuracy: float
    """NaN, like the two above, where the training diverged."""
    is_suggestion: bool = False
    score: float | None = None
    """The objective's value (``None`` where the training diverged)."""
    best_epoch: int = 0
    seconds: float = 0.0
    cut: bool = False
    """The time budget stopped its training early: its score is not comparable."""
    history_id: int | None = None
    """The earlier analysis whose settings this trial tried (``None``: the search's own)."""


@dataclass(frozen=True)
class ClassFold:
    """One stratified fold: validate on ``validation`` (sequence indices), train on the
    rest of the training + validation sequences."""

    index: int
    train: int
    """How many sequences it trains on."""
    validation: tuple[int, ...]
    validation_counts: tuple[int, ...]
    """Validation sequences of each class, in ``SequenceSet.classes`` order."""


@dataclass(frozen=True)
class ClassCVRun:
    """One cross-validation training: a configuration on one fold with one seed."""

    config: Label
    fold: int
    seed: int
    score: float
    """The objective; NaN where the training diverged."""
    accuracy: float
    macro_f1: float
    balanced_accuracy: float
    best_epoch: int
    cut: bool = False
    """The time budget stopped it while it was still improving."""


@dataclass(frozen=True)
class ClassCrossValidation:
    """Stratified k-fold cross-validation of the suggestion and the search's best.

    ``improvement`` is the best's relative fall in cross-entropy (positive: the best did
    better), averaged over each fold's (fold, seed) pairs and then over the folds;
    ``beyond_noise`` says whether it clears a t-test at 95% over the folds
    (``crossval.compare``).
    """

    objective: str
    k: int
    """The folds the sequences were dealt into (``folds`` may hold fewer: a budget cut)."""
    folds: tuple[ClassFold, ...]
    seeds: tuple[int, ...]
    runs: tuple[ClassCVRun, ...]
    suggestion: CVSummary | None
    best: CVSummary | None
    improvement: float | None = None
    improvement_stderr: float | None = None
    beyond_noise: bool = False
    planned: str = ""
    cut: tuple[str, ...] = ()
    seconds: float = 0.0

    def mean(self, label: Label, metric: ClassMetric) -> float:
        """Mean of ``metric`` over the finished runs of ``label``; NaN where none."""
        values = [
            v
            for r in self.runs
            if r.config == label and math.isfinite(v := float(getattr(r, metric)))
        ]
        return statistics.fmean(values) if values else math.nan


@dataclass(frozen=True)
class ClassVerification:
    """What the search and the cross-validation found, and the configuration to train."""

    tuner: str
    trials: tuple[ClassTrial, ...]
    suggestion_val_loss: float
    """The suggestion's trial; ``inf`` where it has no comparable score."""
    best_val_loss: float
    best_config: ClassifierConfig
    """The chosen configuration, its epochs those early stopping settled on."""
    verdict: Verdict
    verdict_reason: str
    widen: tuple[str, ...] = ()
    seconds: float = 0.0
    partial: bool = False
    objective: str = "val_loss"
    space_size: float | None = None
    """Distinct configurations in the narrowed space (``None``: a range is continuous)."""
    max_trials: int = 0
    cv: ClassCrossValidation | None = None
    notes: tuple[str, ...] = ()
    """What was cut or skipped, in plain words."""
    outcome: Outcome | None = None
    """What the comparison found, also where the verdict is ``provisional``."""
    budget_cut: tuple[str, ...] = ()
    """What the time budget cut in the search and the cross-validation, in plain words."""
    chosen_trial: str | None = None
    """The trial whose configuration became ``best_config``."""
