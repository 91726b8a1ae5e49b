"""The neutral classifier every diagnostic run of sequence classification trains.

Sequence classification's counterpart of ``probe``: one configuration, fixed by the
profile and the user's settings, varied only in width along the capacity ladder
(``class_sweep_widths``), so the curves tell about capacity and data, not about choices
made differently from run to run. Nothing here trains; ``class_plan`` runs the probes.
"""

from __future__ import annotations

import math

from advisor.core.class_models import ClassifierConfig, model_channels
from advisor.core.class_records import ClassProfile
from advisor.core.records import LayerConfig, Settings
from advisor.diagnostics.classifier import count_params
from advisor.diagnostics.probe import (
    MIN_SWEEP_WIDTHS,
    PROBE_BATCH,
    PROBE_EPOCHS,
    PROBE_LEARNING_RATE,
    PROBE_PATIENCE,
    SWEEP_PARAMS_PER_WINDOW,
    WIDTH_LADDER,
)

# An epoch of a probe takes at least this many optimiser steps where the batch range
# allows: at batch 32 a probe on 40 training sequences takes 2 steps an epoch and, in a
# measured run on GunPoint, a tutorial-sized LSTM stayed at chance for all its epochs
# while the same model at batch 8 learned. Eight steps is the floor the forecasting
# plan keeps for a cut epoch too (levels.MIN_BATCHES_PER_EPOCH).
MIN_STEPS_PER_EPOCH = 8
# Batches tried, largest first: the forecasting probe's batch, halved down to 8, below
# which Adam's steps on a handful of sequences are mostly noise.
PROBE_BATCHES = (PROBE_BATCH, PROBE_BATCH // 2, PROBE_BATCH // 4)
# Sequences longer than this are folded to it: consecutive steps side by side as the
# channels of one step (``classifier.fold``). An LSTM carries its gradient back through
# every step, and over 150-250 steps of one channel it learns slowly: on GunPoint (150
# steps) the same LSTM reached about 0.70 test accuracy on sequences averaged down to 50
# steps against about 0.59 on all 150, and folding keeps the detail averaging loses. 64,
# a power of two near that measured 50, leaves room for the shapes that need more steps.
PROBE_MAX_LENGTH = 64
# The probes weigh classes equally (``ClassifierConfig.class_weights``) where the largest
# training class has more than this many times the sequences of the smallest: below it
# the imbalance moves a cross-entropy fit little, and unweighted losses are simpler to read.
IMBALANCE_FOR_WEIGHTS = 1.5


def probe_class_batch(train_sequences: int) -> int:
    """The largest batch of ``PROBE_BATCHES`` that gives an epoch ``MIN_STEPS_PER_EPOCH``
    steps on ``train_sequences``; the smallest where none does."""
    for batch in PROBE_BATCHES:
        if math.ceil(train_sequences / batch) >= MIN_STEPS_PER_EPOCH:
            return batch
    return PROBE_BATCHES[-1]


def probe_max_length(profile: ClassProfile) -> int | None:
    """``PROBE_MAX_LENGTH`` where some training sequence is longer; else ``None`` (every
    step kept)."""
    return PROBE_MAX_LENGTH if profile.max_length > PROBE_MAX_LENGTH else None


def probe_class_config(profile: ClassProfile, units: int) -> ClassifierConfig:
    """The neutral classifier at ``units`` per direction.

    Bidirectional: the whole sequence is known when it is classified, so reading it both
    ways costs only time. Average pooling: every step's output counts, where the last
    step alone must carry the whole sequence through its state. No dropout and no L2:
    the probes show how the bare model fits, which is what regularisation advice needs.
    """
    return ClassifierConfig(
        layers=(LayerConfig(units, 0.0, 0.0),),
        bidirectional=True,
        pooling="average",
        l2=0.0,
        learning_rate=PROBE_LEARNING_RATE,
        batch_size=probe_class_batch(profile.split.n_train),
        epochs=PROBE_EPOCHS,
        early_stopping_patience=PROBE_PATIENCE,
        class_weights=profile.imbalance_ratio > IMBALANCE_FOR_WEIGHTS,
        max_length=probe_max_length(profile),
        scaling="standard",
    )


def class_sweep_widths(
    profile: ClassProfile, settings: Settings
) -> tuple[tuple[int, ...], list[str]]:
    """The width ladder, capped by the user's ``--max-units`` and by the training
    sequences as forecasting's is by its windows (``probe.sweep_widths``): a width joins
    while the probe's weights number at most ``SWEEP_PARAMS_PER_WINDOW`` per training
    sequence, the narrowest ``MIN_SWEEP_WIDTHS`` always. Independent sequences carry at
    least as much as overlapping windows, so the same ratio is the cautious side.
    Returns the widths and what the cap left out, said for ``ClassDiagnosis.cut``."""
    sequences = max(1, profile.split.n_train)
    classes = profile.n_classes
    widths: list[int] = []
    cut: list[str] = []
    for width in WIDTH_LADDER:
        if settings.max_units and width > settings.max_units:
            cut.append(f"width {width} (above --max-units {settings.max_units})")
            continue
        probe = probe_class_config(profile, width)
        channels = model_channels(len(profile.channels), profile.max_length, probe.max_length)
        params = count_params(probe, channels, classes)
        if len(widths) >= MIN_SWEEP_WIDTHS and params > SWEEP_PARAMS_PER_WINDOW * sequences:
            cut.append(f"width {width} ({params:,} weights for {sequences:,} training sequences)")
            continue
        widths.append(width)
    if not widths:  # --max-units below the narrowest rung: try exactly that width
        widths.append(max(1, settings.max_units or WIDTH_LADDER[0]))
    return tuple(widths), cut


__all__ = [
    "class_sweep_widths",
    "probe_class_batch",
    "probe_class_config",
    "probe_max_length",
]
