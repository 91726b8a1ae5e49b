"""Sequence classification's record: labelled sequences read from the user's file.

``intake.sequences.read_sequences`` builds a ``SequenceSet``; the probes, the baselines
and the trainings of a classification analysis read it. Sequences of different lengths
share one padded array, so the ``lengths`` (or ``mask``) say where each one ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from advisor.core.records import Settings, Task

Layout = Literal["long", "wide"]
"""How the file holds its sequences: ``long`` is one row per time step of a sequence
(``series_id, t, features..., label``), ``wide`` one row per sequence (a label and one
column per step)."""
LayoutChoice = Literal["long", "wide", "auto"]

PAD_VALUE = float("nan")
"""What fills ``SequenceSet.values`` past each sequence's end. NaN rather than 0.0: a
statistic that forgets ``lengths`` turns NaN instead of silently counting zeros, and a
zero is a real measurement in many files. A model feed puts its own mask value there
after scaling."""


@dataclass(frozen=True)
class SequenceOptions:
    """What the user said about a classification file; ``None`` or ``auto``: detected."""

    id_col: str | None = None
    label: str | None = None
    time_col: str | None = None
    split_col: str | None = None
    layout: LayoutChoice = "auto"

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        id_col: str | None = None,
        split_col: str | None = None,
        layout: LayoutChoice = "auto",
    ) -> SequenceOptions:
        """The options ``Settings`` already carries: its ``target`` is the label column,
        its ``time_col`` the time column; the rest it has no field for."""
        return cls(
            id_col=id_col,
            label=settings.target,
            time_col=settings.time_col,
            split_col=split_col,
            layout=layout,
        )


@dataclass(frozen=True, eq=False)
class SequenceSet:
    """Labelled sequences, cleaned and padded, in the order the file first names them.

    ``values[i, :lengths[i]]`` is sequence ``i`` (time steps by channels) and
    ``values[i, lengths[i]:]`` is ``PAD_VALUE``. Label codes index ``classes``. The
    arrays are made read-only here, so the record is as frozen as its fields.
    """

    path: str
    """The file as messages and the report name it (what the user typed)."""
    sha256: str
    values: np.ndarray
    """float64, ``(n_sequences, max_length, n_channels)``, padded after each end."""
    lengths: np.ndarray
    """int64, ``(n_sequences,)``: time steps of each sequence, all at least 2."""
    labels: np.ndarray
    """int64, ``(n_sequences,)``: codes into ``classes``."""
    classes: tuple[str, ...]
    """Class names as text, sorted: numerically where every name is a whole number
    (``2`` before ``10``), else alphabetically."""
    channels: tuple[str, ...]
    """Names of the feature columns, one per channel (the step columns' label in a
    wide file, which has one channel)."""
    ids: tuple[str, ...]
    """Each sequence's id as written in the file (``row N`` in a wide file without one)."""
    test: np.ndarray
    """bool, ``(n_sequences,)``: the file's split column says ``test``; all False where
    the file has no split column (``split_column`` is then ``None``)."""
    layout: Layout
    id_column: str | None
    label_column: str
    time_column: str | None
    """``None``: the rows of each sequence are in file order (or the file is wide)."""
    split_column: str | None
    notices: tuple[str, ...] = ()
    task: Task = "classify"

    def __post_init__(self) -> None:
        n = len(self.ids)
        if self.values.ndim != 3 or self.values.shape[0] != n:
            raise ValueError(f"values must be (n_sequences={n}, steps, channels)")
        if self.values.shape[2] != len(self.channels):
            raise ValueError("values' last axis must match channels")
        for name in ("lengths", "labels", "test"):
            if getattr(self, name).shape != (n,):
                raise ValueError(f"{name} must have one entry per sequence")
        for array in (self.values, self.lengths, self.labels, self.test):
            array.flags.writeable = False

    @property
    def n_sequences(self) -> int:
        return len(self.ids)

    @property
    def n_channels(self) -> int:
        return len(self.channels)

    @property
    def mask(self) -> np.ndarray:
        """bool, ``(n_sequences, max_length)``: True on real steps, False on padding."""
        return np.arange(self.max_length)[None, :] < self.lengths[:, None]

    @property
    def min_length(self) -> int:
        return int(self.lengths.min())

    @property
    def median_length(self) -> float:
        return float(np.median(self.lengths))

    @property
    def max_length(self) -> int:
        return int(self.values.shape[1])

    @property
    def ragged(self) -> bool:
        """The sequences differ in length, so a model needs masking (or trimming)."""
        return self.min_length != self.max_length

    @property
    def class_counts(self) -> dict[str, int]:
        """Sequences per class, in the order of ``classes``."""
        counts = np.bincount(self.labels, minlength=len(self.classes))
        return {name: int(c) for name, c in zip(self.classes, counts, strict=True)}

    @property
    def imbalance_ratio(self) -> float:
        """Sequences in the largest class over those in the smallest (1.0: balanced)."""
        counts = self.class_counts.values()
        return max(counts) / min(counts)

    @property
    def n_test(self) -> int:
        return int(self.test.sum())
