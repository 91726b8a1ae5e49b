"""Profile a sequence-classification file: the record the rules and the report use.

Every statistic is computed on the split's training sequences only, so nothing of
validation or test leaks into the advice; the baselines are scored on validation and the
test sequences are never looked at. Class balance, lengths, channel scales and each
class's mean shape are cheap; the baselines (``class_baselines``) hold the cost, capped
there.
"""

from __future__ import annotations

import numpy as np

from advisor.core.class_records import ClassCurve, ClassProfile
from advisor.core.sequences import SequenceSet
from advisor.core.splits import class_split
from advisor.probes.class_baselines import (
    DEFAULT_CAP_S,
    channel_scales,
    class_baselines,
    cross_validate_baselines,
)

MAX_CURVE_POINTS = 256
"""A mean curve is for the eye: more points than a plot's width show nothing more."""


def build_class_profile(
    seqs: SequenceSet,
    seed: int = 0,
    *,
    dtw_cap_s: float = DEFAULT_CAP_S,
    minirocket_cap_s: float = DEFAULT_CAP_S,
) -> ClassProfile:
    split = class_split(seqs, seed)
    train = np.array(split.train, dtype=np.int64)
    lengths = seqs.lengths[train]
    counts = [c for c in split.train_counts if c > 0]
    points = curve_points(lengths)
    scales = channel_scales(seqs, split.train)
    return ClassProfile(
        n_sequences=seqs.n_sequences,
        classes=seqs.classes,
        class_counts=split.train_counts,
        imbalance_ratio=max(counts) / min(counts),
        min_length=int(lengths.min()),
        median_length=float(np.median(lengths)),
        max_length=int(lengths.max()),
        ragged=bool(lengths.min() != lengths.max()),
        channels=seqs.channels,
        curve_points=points,
        mean_curves=mean_curves(seqs, train, points),
        scales=scales,
        split=split,
        baselines=cross_validate_baselines(
            seqs,
            split,
            class_baselines(
                seqs, split, scales, dtw_cap_s=dtw_cap_s, minirocket_cap_s=minirocket_cap_s
            ),
            seed,
            dtw_cap_s=dtw_cap_s,
            minirocket_cap_s=minirocket_cap_s,
        ),
        notes=split.notes,
    )


def curve_points(lengths: np.ndarray) -> int:
    return int(max(2, min(MAX_CURVE_POINTS, round(float(np.median(lengths))))))


def mean_curves(seqs: SequenceSet, indices: np.ndarray, points: int) -> tuple[ClassCurve, ...]:
    """Each class's mean and spread per channel, every sequence of ``indices`` resampled
    onto ``points`` evenly spaced steps of its own length (start and end kept), so
    sequences of different lengths line up by phase rather than by step."""
    grid = np.linspace(0.0, 1.0, points)
    resampled = np.stack(
        [_onto(seqs.values[i, : seqs.lengths[i]], grid) for i in indices]
    )  # (sequences, points, channels)
    labels = seqs.labels[indices]
    curves = []
    for code, name in enumerate(seqs.classes):
        members = resampled[labels == code]
        if len(members) == 0:
            continue  # the split's notes say which class has no training sequence
        for c, channel in enumerate(seqs.channels):
            curves.append(
                ClassCurve(
                    class_name=name,
                    channel=channel,
                    sequences=len(members),
                    mean=tuple(float(v) for v in members[:, :, c].mean(axis=0)),
                    std=tuple(float(v) for v in members[:, :, c].std(axis=0)),
                )
            )
    return tuple(curves)


def _onto(x: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """``x`` (length, channels) interpolated at ``grid``'s shares of its length."""
    own = np.linspace(0.0, 1.0, len(x))
    return np.stack([np.interp(grid, own, x[:, c]) for c in range(x.shape[1])], axis=1)
