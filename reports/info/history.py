"""The ``history`` part of a document: the similar earlier analyses an analysis tried
first, and its own record (``advisor.core.history.HistoryUse``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from advisor.reports.info.values import opt_float, opt_text


@dataclass(frozen=True)
class NeighbourInfo:
    id: int
    name: str
    created: str
    similarity: float | None
    val_score: float | None
    test_score: float | None


@dataclass(frozen=True)
class HistoryInfo:
    path: str
    considered: int
    neighbours: tuple[NeighbourInfo, ...]
    recorded_id: int | None
    note: str

    @classmethod
    def parse(cls, h: Mapping[str, Any] | None) -> HistoryInfo | None:
        if not h:
            return None
        recorded = h.get("recorded_id")
        return cls(
            path=str(h.get("path") or ""),
            considered=int(h.get("considered") or 0),
            neighbours=tuple(
                NeighbourInfo(
                    int(n["id"]),
                    str(n.get("name") or ""),
                    str(n.get("created") or ""),
                    opt_float(n.get("similarity")),
                    opt_float(n.get("val_score")),
                    opt_float(n.get("test_score")),
                )
                for n in h.get("neighbours") or ()
            ),
            recorded_id=None if recorded is None else int(recorded),
            note=opt_text(h.get("note")) or "",
        )
