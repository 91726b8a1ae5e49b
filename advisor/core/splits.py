"""The splits the evaluation protocol fixes, one per task.

Forecasting: chronological. ``T = max(2h, ceil(0.15 n))``: test is the last ``T`` rows,
validation the ``T`` rows before it, train the rest.

Classification: stratified by class. Test is the file's ``split == test`` sequences; a file
without any gets a stratified 20% test here (25% under 100 sequences, so a small file
still tests each class on more than one or two sequences). Validation is a stratified 20%
of the rest, drawn from ``numpy.random.default_rng(seed)``. The test draw uses a fixed
seed of its own (``TEST_SEED``), not the user's: a changed seed then reshuffles
validation only, and never moves a sequence into or out of the test set that the final
scores of different seeds are compared on.

Nothing of the test rows or sequences is seen before the final score.
"""

from __future__ import annotations

import math

import numpy as np

from advisor.core.class_records import ClassSplit
from advisor.core.records import Split
from advisor.core.sequences import SequenceSet

# A model needs a few dozen windows to learn anything; fewer and any advice is noise.
MIN_TRAIN_WINDOWS = 20


def holdout_rows(n: int, horizon: int) -> int:
    return max(2 * horizon, math.ceil(0.15 * n))


def chronological_split(n: int, horizon: int) -> Split:
    t = holdout_rows(n, horizon)
    return Split(train=n - 2 * t, validation=t, test=t)


def train_windows(train_rows: int, lookback: int, horizon: int) -> int:
    return max(0, train_rows - lookback - horizon + 1)


def minimum_rows(horizon: int, lookback: int) -> int:
    """The fewest rows that leave MIN_TRAIN_WINDOWS training windows after the holdouts."""
    n = lookback + horizon + MIN_TRAIN_WINDOWS - 1 + 4 * horizon
    while (
        train_windows(chronological_split(n, horizon).train, lookback, horizon) < MIN_TRAIN_WINDOWS
    ):
        n += 1
    return n


# --- sequence classification ------------------------------------------------------------

VALIDATION_SHARE = 0.2
TEST_SHARE = 0.2
SMALL_TEST_SHARE = 0.25
SMALL_SET = 100
"""Fewer sequences than this and the advisor's own test draw takes ``SMALL_TEST_SHARE``."""
TEST_SEED = 0


def class_split(seqs: SequenceSet, seed: int = 0) -> ClassSplit:
    """Stratified train / validation / test sequences of ``seqs`` (see the module's words)."""
    labels = seqs.labels
    notes: list[str] = []
    test_share: float | None = None
    if seqs.test.any():
        pool, test = np.flatnonzero(~seqs.test), np.flatnonzero(seqs.test)
    else:
        test_share = SMALL_TEST_SHARE if seqs.n_sequences < SMALL_SET else TEST_SHARE
        why = (
            f"the split column {seqs.split_column!r} marks no sequence test"
            if seqs.split_column
            else "the file has no split column"
        )
        notes.append(
            f"The advisor set aside a stratified {test_share:.0%} of each class's sequences "
            f"as the untouched test set ({why}); the draw is the same whatever the seed."
        )
        pool, test, short = _stratified(
            np.arange(seqs.n_sequences), labels, test_share, np.random.default_rng(TEST_SEED)
        )
        notes += _short_notes(seqs.classes, short, "test")
    train, validation, short = _stratified(
        pool, labels, VALIDATION_SHARE, np.random.default_rng(seed)
    )
    notes += _short_notes(seqs.classes, short, "validation")
    absent = [seqs.classes[c] for c in np.flatnonzero(_counts(labels, train, seqs) == 0)]
    if absent:
        notes.append(
            f"No training sequence of class(es) {', '.join(map(repr, absent))}: a model "
            "cannot learn them."
        )
    return ClassSplit(
        train=tuple(int(i) for i in train),
        validation=tuple(int(i) for i in validation),
        test=tuple(int(i) for i in test),
        test_source="advisor" if test_share is not None else "file",
        seed=seed,
        validation_share=VALIDATION_SHARE,
        test_share=test_share,
        train_counts=_count_tuple(labels, train, seqs),
        validation_counts=_count_tuple(labels, validation, seqs),
        test_counts=_count_tuple(labels, test, seqs),
        notes=tuple(notes),
    )


def _stratified(
    indices: np.ndarray, labels: np.ndarray, share: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, list[tuple[int, int]]]:
    """``indices`` parted into (kept, held out): about ``share`` of each class held out,
    at least one where the class has two or more, never all of it. Also the classes left
    with none held out, with their counts. Both parts come back sorted."""
    kept: list[np.ndarray] = []
    held: list[np.ndarray] = []
    short: list[tuple[int, int]] = []
    if len(indices) == 0:
        return indices.copy(), indices.copy(), short
    for code in np.unique(labels[indices]):
        members = rng.permutation(indices[labels[indices] == code])
        n = len(members)
        take = min(max(1, math.floor(share * n + 0.5)), n - 1)
        if take == 0:
            short.append((int(code), n))
        held.append(members[:take])
        kept.append(members[take:])
    return np.sort(np.concatenate(kept)), np.sort(np.concatenate(held)), short


def _short_notes(classes: tuple[str, ...], short: list[tuple[int, int]], part: str) -> list[str]:
    return [
        f"Class {classes[code]!r} has only {n} sequence(s) to split, so none is in {part}; "
        f"its {part} scores are missing."
        for code, n in short
    ]


def _counts(labels: np.ndarray, part: np.ndarray, seqs: SequenceSet) -> np.ndarray:
    return np.bincount(labels[part], minlength=len(seqs.classes))


def _count_tuple(labels: np.ndarray, part: np.ndarray, seqs: SequenceSet) -> tuple[int, ...]:
    return tuple(int(c) for c in _counts(labels, part, seqs))
