"""The ``pretrained`` part of a document: fine-tuning a pretrained model against
training from scratch (``advisor.core.records.PretrainedComparison``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from advisor.reports.info.values import opt_float


@dataclass(frozen=True)
class PretrainedInfo:
    path: str
    lookback: int
    units: tuple[int, ...]
    head_replaced: bool
    winner: str
    improvement: float | None
    improvement_stderr: float | None
    scratch_rmse: float | None
    fine_tuned_rmse: float | None
    pairs: int
    scratch_seconds: float | None
    fine_tune_seconds: float | None
    notes: tuple[str, ...]

    @classmethod
    def parse(cls, p: Mapping[str, Any] | None) -> PretrainedInfo | None:
        if not p:
            return None
        scratch, tuned = p.get("scratch") or {}, p.get("fine_tuned") or {}
        return cls(
            path=str(p.get("path") or ""),
            lookback=int(p.get("lookback") or 0),
            units=tuple(int(u) for u in p.get("units") or ()),
            head_replaced=bool(p.get("head_replaced")),
            winner=str(p.get("winner") or "level"),
            improvement=opt_float(p.get("improvement")),
            improvement_stderr=opt_float(p.get("improvement_stderr")),
            scratch_rmse=opt_float(scratch.get("mean")),
            fine_tuned_rmse=opt_float(tuned.get("mean")),
            pairs=int(tuned.get("n") or 0),
            scratch_seconds=opt_float(p.get("scratch_seconds")),
            fine_tune_seconds=opt_float(p.get("fine_tune_seconds")),
            notes=tuple(str(n) for n in p.get("notes") or ()),
        )


@dataclass(frozen=True)
class SeriesInfo:
    series: str
    rows: int
    comparison: PretrainedInfo


@dataclass(frozen=True)
class PanelInfo:
    series_col: str
    series: int
    lead: str
    pretrained_on: tuple[str, ...]
    pretrain_windows: int
    pretrain_seconds: float | None
    compared: tuple[SeriesInfo, ...]
    notes: tuple[str, ...]

    @classmethod
    def parse(cls, p: Mapping[str, Any] | None) -> PanelInfo | None:
        if not p:
            return None
        compared = []
        for c in p.get("compared") or ():
            info = PretrainedInfo.parse(c)
            if info is not None:
                compared.append(SeriesInfo(str(c.get("series")), int(c.get("rows") or 0), info))
        return cls(
            series_col=str(p.get("series_col") or ""),
            series=int(p.get("series") or 0),
            lead=str(p.get("lead") or ""),
            pretrained_on=tuple(str(s) for s in p.get("pretrained_on") or ()),
            pretrain_windows=int(p.get("pretrain_windows") or 0),
            pretrain_seconds=opt_float(p.get("pretrain_seconds")),
            compared=tuple(compared),
            notes=tuple(str(n) for n in p.get("notes") or ()),
        )
