"""One earlier analysis as the local history keeps it (``advisor.store.history``).

A later analysis looks up similar earlier datasets by their ``features`` and starts from
what worked for them (``config``); the scores say how well it worked, the baseline's
score how much that was worth. The record is plain data with no heavy imports, so the
CLI and the store can use it without loading the pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PastAnalysis:
    """The summary of one finished analysis.

    ``features`` and ``config`` are opaque here: they are stored as JSON and read back
    as parsed; a non-finite number in them reads back as ``None``, as do the scores
    (``NaN`` is no score). ``created`` (ISO 8601, UTC) and ``id`` are filled when the
    record is saved: a record read back has both.
    """

    task: str  # "forecast" or "classify"
    name: str  # the data file's name, e.g. "airline.csv"
    sha256: str  # the data's hash: the same data analysed twice is recognisable
    features: dict[str, float]  # the profile's meta-features
    config: dict[str, Any]  # the final configuration, as recommendation.json writes it
    objective: str  # "val_rmse" or "val_accuracy": what the scores measure
    val_score: float | None  # the final configuration's validation score
    test_score: float | None  # its test score
    baseline: str | None  # the best baseline's name
    baseline_test_score: float | None
    seconds: float  # the analysis' wall time
    advisor_version: str
    run_dir: str
    created: str = ""  # ISO 8601 UTC, filled on insert when empty
    id: int = 0  # the row's id; 0 before it is saved


@dataclass(frozen=True)
class Neighbour:
    """An earlier analysis and how far its profile is from this one's."""

    past: PastAnalysis
    distance: float

    @property
    def similarity(self) -> float:
        """1 - distance: 1 for an identical profile."""
        return 1.0 - self.distance


@dataclass(frozen=True)
class HistoryUse:
    """What an analysis took from the history of earlier ones, and what it left there."""

    path: str
    features: dict[str, float]
    """This dataset's meta-features (``forecast_features``)."""
    neighbours: tuple[Neighbour, ...]
    """The similar earlier analyses whose configurations joined the search, nearest first."""
    considered: int = 0
    """Earlier analyses of the same task in the history (the neighbours are among them)."""
    recorded_id: int | None = None
    """This analysis' own record, once written (``None``: not recorded: partial, or failed)."""
    note: str = ""
    """Why nothing was read or recorded, where that happened."""
