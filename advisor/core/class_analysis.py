"""The whole result of analysing labelled sequences: what ``advisor analyze`` returns for
a classification file, and what its report and ``recommendation.json`` render.

The classifier's counterpart of ``records.Analysis``; every stage's record is its own
(``class_records``, ``class_models``, ``class_verification``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from advisor.core.class_models import (
    ClassDiagnosis,
    ClassFinal,
    ClassRecommendation,
)
from advisor.core.class_records import ClassBaseline, ClassProfile
from advisor.core.class_verification import ClassVerification
from advisor.core.history import HistoryUse
from advisor.core.records import NoiseBand, Settings
from advisor.core.sequences import SequenceSet


@dataclass(frozen=True)
class BaselineVerdict:
    """The chosen LSTM against the best baseline, on the validation sequences (where the
    advice is decided) and on the test sequences (where it is shown).

    ``advised`` is true where the baseline is the advice: the LSTM's gain over it is not
    established on validation (its accuracy not above the baseline's by the margin and
    beyond the paired noise band), or the test sequences contradicted it
    (``held_on_test``). The test figures choose nothing; they can only withdraw a gain
    that validation claimed and the sequences nothing was tuned on do not show."""

    baseline: str
    """``ClassBaseline.name`` of the best baseline on validation."""
    label: str
    """Its name in the report's words (``MiniRocket``, ``1-NN DTW``, ``majority class``)."""
    val_accuracy: float
    lstm_val_accuracy: float
    val_band: NoiseBand | None
    """The LSTM's validation accuracy over the baseline's, paired sequence by sequence
    (the best diagnostic run's, the run the band can pair); ``None`` where not paired."""
    advised: bool
    test_accuracy: float = float("nan")
    lstm_test_accuracy: float = float("nan")
    test_band: NoiseBand | None = None
    """The final LSTM's test accuracy over the baseline's, paired on the test sequences."""
    baseline_seconds: float = float("nan")
    """What the baseline took to fit on train + validation and score the test sequences."""
    cv_accuracy: float = float("nan")
    """The baseline's mean accuracy over ``cv_folds`` stratified folds of train +
    validation, where that (not the validation split) chose it as the best."""
    cv_folds: int = 0
    held_on_test: bool | None = None
    """Where validation found a gain: whether the final LSTM is also more accurate than
    the baseline on test (``False``: withdrawn, the baseline advised); else ``None``."""


@dataclass(frozen=True, eq=False)
class ClassAnalysis:
    data: SequenceSet
    settings: Settings
    profile: ClassProfile
    diagnosis: ClassDiagnosis
    recommendation: ClassRecommendation
    verification: ClassVerification | None
    final: ClassFinal | None
    test_baselines: tuple[ClassBaseline, ...]
    """Each baseline fitted on train + validation and scored on the test sequences
    (``correct`` in ``ClassSplit.test`` order); empty where the final stage did not run."""
    verdict: BaselineVerdict | None
    """``None`` where no baseline could be scored."""
    run_dir: str
    versions: dict[str, str] = field(default_factory=dict)
    command: str = ""
    seconds: float = 0.0
    partial: bool = False
    """Interrupted: some stages did not finish; a rerun resumes from the run directory."""
    history: HistoryUse | None = None
    """What the analysis took from earlier analyses and left for later ones (``None``:
    history off)."""
