"""Sequence classification's probe records: the split, the profile and the baselines.

``core.splits.class_split`` makes the ``ClassSplit``; ``probes.class_profile`` builds the
``ClassProfile`` from a ``SequenceSet``, with the ``ClassBaseline`` scores of
``probes.class_baselines``. Indices are positions in the ``SequenceSet`` (its ``ids``
order), kept as tuples so that every record is frozen and comparable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

TestSource = Literal["file", "advisor"]
"""Where the test sequences came from: the file's split column, or the advisor's own
stratified draw (the file has none)."""


@dataclass(frozen=True)
class ClassSplit:
    """Train / validation / test sequences, each class in each part where it has enough.

    Test sequences are never seen by a probe, a baseline or a training; validation is a
    stratified share of the rest, drawn with ``numpy.random.default_rng(seed)``.
    """

    train: tuple[int, ...]
    validation: tuple[int, ...]
    test: tuple[int, ...]
    test_source: TestSource
    seed: int
    validation_share: float
    test_share: float | None
    """The share drawn for test where the advisor made the test split; ``None`` where the
    file's split column made it."""
    train_counts: tuple[int, ...]
    validation_counts: tuple[int, ...]
    test_counts: tuple[int, ...]
    """Sequences of each class (in ``SequenceSet.classes`` order) in each part."""
    notes: tuple[str, ...] = ()

    @property
    def n_train(self) -> int:
        return len(self.train)

    @property
    def n_validation(self) -> int:
        return len(self.validation)

    @property
    def n_test(self) -> int:
        return len(self.test)


@dataclass(frozen=True)
class ChannelScale:
    """One channel's level and spread over the valid (unpadded) steps of the training
    sequences: what a per-channel z-normalisation subtracts and divides by."""

    channel: str
    mean: float
    std: float


@dataclass(frozen=True)
class ClassCurve:
    """The mean shape of one class in one channel, each training sequence resampled to a
    common grid (linear interpolation over its own length), in the channel's units."""

    class_name: str
    channel: str
    sequences: int
    mean: tuple[float, ...]
    std: tuple[float, ...]
    """Spread across the class's sequences at each grid point (0 for a single one)."""


@dataclass(frozen=True)
class ClassBaseline:
    """One cheap classifier fitted on the split's training sequences and scored on its
    validation sequences: the bar an LSTM has to clear."""

    name: str
    accuracy: float
    macro_f1: float
    balanced_accuracy: float
    seconds: float
    """Wall seconds to fit and predict (a first run includes aeon's one-off numba
    compilation; measured, never used for a decision)."""
    capped: bool = False
    """The full fit would have cost more than its cap, so it ran reduced (``note`` says how)."""
    note: str = ""
    """Why it was reduced or skipped, and how its input was shaped; empty where nothing
    needs saying."""
    correct: tuple[int, ...] = ()
    """1 where the prediction is right, 0 where wrong, for each sequence of
    ``ClassSplit.validation`` in that order: what a paired comparison with an LSTM on the
    same sequences needs. Empty where skipped."""
    cv_accuracy: float = math.nan
    """Mean accuracy over ``cv_folds`` stratified folds of the training and validation
    sequences (``probes.class_baselines.cross_validate_baselines``); NaN where the
    validation split was large enough to rank the baselines on its own."""
    cv_folds: int = 0

    @property
    def skipped(self) -> bool:
        return math.isnan(self.accuracy)


@dataclass(frozen=True)
class ClassProfile:
    """What the probes found in a classification file. Every figure is measured on the
    split's training sequences only, except ``n_sequences`` and ``split``, and the
    baselines, scored on validation."""

    n_sequences: int
    classes: tuple[str, ...]
    class_counts: tuple[int, ...]
    """Training sequences of each class, in ``classes`` order."""
    imbalance_ratio: float
    """Sequences in the largest class over those in the smallest (1.0: balanced)."""
    min_length: int
    median_length: float
    max_length: int
    ragged: bool
    channels: tuple[str, ...]
    curve_points: int
    """Points of the common grid of ``mean_curves``: the median length, at most
    ``class_profile.MAX_CURVE_POINTS``."""
    mean_curves: tuple[ClassCurve, ...]
    """One per class and channel, classes outermost."""
    scales: tuple[ChannelScale, ...]
    split: ClassSplit
    baselines: tuple[ClassBaseline, ...]
    notes: tuple[str, ...] = ()

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    def curve(self, class_name: str, channel: str) -> ClassCurve:
        for c in self.mean_curves:
            if c.class_name == class_name and c.channel == channel:
                return c
        raise KeyError((class_name, channel))

    def baseline(self, name: str) -> ClassBaseline:
        for b in self.baselines:
            if b.name == name:
                return b
        raise KeyError(name)

    @property
    def best_baseline(self) -> ClassBaseline | None:
        """The most accurate baseline: by its cross-validated accuracy where the baselines
        were cross-validated (a few validation sequences cannot rank them), else on
        validation; ``None`` where all were skipped."""
        scored = [b for b in self.baselines if not b.skipped]
        if not scored:
            return None
        if all(math.isfinite(b.cv_accuracy) for b in scored):
            return max(scored, key=lambda b: (b.cv_accuracy, b.accuracy))
        return max(scored, key=lambda b: b.accuracy)
