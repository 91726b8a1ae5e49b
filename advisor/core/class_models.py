"""Sequence classification's model records: the configuration of an LSTM classifier, one
diagnostic training of it, what the diagnostic trainings showed, and its final score on
the test sequences.

The classifier's counterparts of ``ModelConfig``, ``DiagnosticRun``, ``Diagnosis`` and
``FinalResult``; the layers, the per-epoch curve and the findings are the forecasting
records themselves (``LayerConfig``, ``Curve``, ``Finding``), so what reads a curve reads
a classifier's too.
``advisor.diagnostics.classifier`` builds, trains and scores what these describe.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from advisor.core.records import Curve, Finding, LayerConfig, Range, RuleHit

Pooling = Literal["last", "average"]
"""How the LSTM's steps become one vector: its output after the last real step, or the
mean of its outputs over the real steps (padding left out)."""
ClassScaling = Literal["standard", "none"]
StopReason = Literal["early_stopping", "epochs", "budget", "diverged"]
"""Why a training ended: validation loss stopped improving for ``early_stopping_patience``
epochs, the epoch cap, the time budget, or a NaN or exploding loss."""


@dataclass(frozen=True)
class ClassifierConfig:
    """Everything needed to rebuild and retrain a sequence classifier."""

    layers: tuple[LayerConfig, ...]
    """Stacked LSTM layers, bottom first."""
    bidirectional: bool
    """Each layer reads the sequence both ways (twice the weights and the time)."""
    pooling: Pooling
    l2: float
    """L2 penalty on the input kernel of every LSTM layer, as in forecasting, and on the
    dense head's kernel."""
    learning_rate: float
    batch_size: int
    epochs: int
    early_stopping_patience: int
    class_weights: bool
    """Weigh each training sequence by ``n / (classes * count of its class)``
    (scikit-learn's "balanced"), so every class counts alike in the loss."""
    max_length: int | None
    """The most steps the LSTM reads: where a sequence is longer, every ``fold_patch``
    consecutive steps become one step of that many times the channels; ``None`` keeps
    every step as it is."""
    scaling: ClassScaling


def fold_patch(longest: int, max_length: int | None) -> int:
    """How many consecutive steps ``max_length`` folds into one LSTM step, for sequences
    of at most ``longest`` steps: the fewest that bring ``longest`` down to ``max_length``
    (1: nothing folded)."""
    if max_length is None or longest <= max_length:
        return 1
    return -(-longest // max_length)


def model_channels(channels: int, longest: int, max_length: int | None) -> int:
    """The channels of each step the LSTM reads: the file's, times the steps folded."""
    return channels * fold_patch(longest, max_length)


@dataclass(frozen=True)
class ClassRun:
    """One diagnostic training of a classifier: its curve and its validation scores.

    Every ``val_`` figure is measured with the weights of ``best_epoch`` (early stopping
    restores them), on all the validation sequences.
    """

    name: str
    units: int
    """Width of the first LSTM layer (per direction)."""
    params: int
    curve: Curve
    """Train and validation cross-entropy per epoch (the training loss as weighed by the
    class weights, both with the L2 penalty added, as Keras reports them)."""
    best_epoch: int
    """1-based; 0 where no epoch gave a finite validation loss."""
    val_loss: float
    """Mean cross-entropy of the validation sequences (no L2 penalty, no class weights):
    the mean of ``val_log_loss``; ``inf`` where the model's outputs are not finite."""
    val_accuracy: float
    val_macro_f1: float
    val_balanced_accuracy: float
    """Mean recall over the classes. NaN, like the two above, where the outputs are not
    finite."""
    val_correct: tuple[int, ...]
    """1 where validation sequence ``i`` (in the order of the trainer's ``val_idx``) is
    classified right, else 0: paired comparisons of two runs resample these."""
    val_log_loss: tuple[float, ...]
    """Cross-entropy of each validation sequence, in the same order; both tuples are
    empty where the outputs are not finite."""
    seconds: float
    stopped_reason: StopReason
    train_fraction: float
    """Share of the training sequences used (a stratified subset below 1)."""
    config: ClassifierConfig


@dataclass(frozen=True)
class ClassDiagnosis:
    """What the diagnostic trainings of a classifier showed (``diagnostics.class_plan``):
    the runs, the findings with the one the advice follows, and what the plan left out."""

    runs: tuple[ClassRun, ...]
    """The capacity sweep (``width-<units>``), then the data-size run at the best width
    (``width-<units>-data-50%``)."""
    findings: tuple[Finding, ...]
    planned: str
    """The plan in one sentence, as it was made before any run."""
    cut: tuple[str, ...] = ()
    """What the plan left out and why: widths past the cap or ``--max-units``, runs the
    time budget did not allow or the deadline stopped."""
    budget_cut: tuple[str, ...] = ()
    """The part of ``cut`` the time budget caused."""
    primary: str | None = None
    """The one finding the advice follows (a ``FindingId``, ``core.findings.PRECEDENCE``);
    ``None`` where there is no finding (no run finished)."""
    notes: tuple[str, ...] = ()
    """Comparisons that stayed within their noise band, in plain words: no difference
    found, so no finding."""

    def has(self, finding_id: str) -> bool:
        return any(f.id == finding_id for f in self.findings)


@dataclass(frozen=True)
class ClassRecommendation:
    """What the classification rulebook chose (``advisor.rules.recommend_class``): the
    classifier, a narrowed search range per setting, and the trace of every rule."""

    config: ClassifierConfig
    ranges: tuple[Range, ...]
    rules_fired: tuple[RuleHit, ...]
    rules_not_fired: tuple[str, ...] = ()
    baseline_warning: str = ""
    """Empty where the diagnostic LSTM beat the best baseline (or none was compared);
    else a sentence naming the baseline and both accuracies: the report's warning that
    this recommendation may not beat it either."""


@dataclass(frozen=True)
class ClassFinal:
    """The final classifier, trained on train + validation, scored once on the test
    sequences. Per-class tuples follow the order of ``classes``."""

    classes: tuple[str, ...]
    test_accuracy: float
    test_macro_f1: float
    test_balanced_accuracy: float
    confusion: tuple[tuple[int, ...], ...]
    """Counts of test sequences: row = true class, column = predicted class."""
    precision: tuple[float, ...]
    recall: tuple[float, ...]
    f1: tuple[float, ...]
    """Per class; 0.0 for a class never predicted (precision) or never present (recall)."""
    epochs_trained: int
    seconds: float
    stopped_reason: StopReason
    config: ClassifierConfig
    test_correct: tuple[int, ...] = ()
    """1 where test sequence ``i`` (in ``ClassSplit.test`` order) is classified right:
    paired with a baseline's own on the same sequences."""
    predicted: tuple[int, ...] = ()
    """The predicted class code of each test sequence, in the same order."""
    seeds: tuple[int, ...] = ()
    """The seeds of the trainings whose class probabilities the final model averages."""
    member_test_accuracy: tuple[float, ...] = ()
    """Each training's own test accuracy, in the order the seeds were trained."""
    dropped: tuple[int, ...] = ()
    """Seeds whose training diverged (probabilities not finite): left out of the average."""
    model_path: str | None = None
    script_path: str | None = None
