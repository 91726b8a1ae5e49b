"""The data and its profile, as typed records: ``data``, ``profile`` and ``series``.

The profile's per-probe sections (seasonality, complexity, quality, size) are flattened
into ``ProfileInfo``; a section an older document lacks leaves its fields ``None`` or
empty, and the report leaves their sentences out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from advisor.reports.info.values import (
    finite,
    floats,
    opt_bool,
    opt_float,
    opt_int,
    opt_text,
    section,
)


@dataclass(frozen=True)
class DataInfo:
    path: str
    sha256: str
    rows: int
    target: str
    horizon: int
    time_column: str | None
    frequency: str | None
    features: tuple[str, ...]
    notices: tuple[str, ...]

    @classmethod
    def parse(cls, d: Mapping[str, Any]) -> DataInfo:
        return cls(
            path=str(d["path"]),
            sha256=str(d["sha256"]),
            rows=int(d["rows"]),
            target=str(d["target"]),
            horizon=int(d["horizon"]),
            time_column=opt_text(d.get("time_column")),
            frequency=opt_text(d.get("frequency")),
            features=tuple(str(f) for f in d.get("features") or ()),
            notices=tuple(str(n) for n in d.get("notices") or ()),
        )


@dataclass(frozen=True)
class SplitInfo:
    train: int
    validation: int
    test: int


@dataclass(frozen=True)
class BaselineInfo:
    name: str
    val_rmse: float | None
    val_mae: float | None


@dataclass(frozen=True)
class SeasonCandidateInfo:
    """One period the season probe weighed (``profile.seasonality.candidates``)."""

    period: int
    source: str
    """``spectrum``, ``acf``, ``frequency`` (the time column's calendar) or ``user``."""
    verdict: str
    naive_rmse: float | None
    """Validation RMSE of repeating the value one period back; None where a document
    predates it or the period could not be scored."""


@dataclass(frozen=True)
class CovariateInfo:
    name: str
    lag: int
    correlation: float | None
    significant: bool


@dataclass(frozen=True)
class ProfileInfo:
    split: SplitInfo
    missing_share: float | None
    mean: float | None
    std: float | None
    minimum: float | None
    maximum: float | None
    acf: tuple[float | None, ...]
    """``acf[k]`` is lag ``k``, lag 0 first (statsmodels' convention)."""
    acf_confidence: float | None
    significant_lags: tuple[int, ...]
    seasonal_period: int | None
    season_source: str | None
    adf_pvalue: float | None
    kpss_pvalue: float | None
    stationarity: str | None
    trend_strength: float | None
    baselines: tuple[BaselineInfo, ...]
    notes: tuple[str, ...]
    # The probes' own sections; ``None`` or empty where an older document has none.
    periods: tuple[int, ...]
    season_candidates: tuple[SeasonCandidateInfo, ...]
    seasonal_strength: float | None
    ar_r2: float | None
    ar_differenced: bool
    """Whether the linear model above predicted the change rather than the value."""
    bds_pvalue: float | None
    nonlinear: bool | None
    outliers: int | None
    outlier_share: float | None
    level_shifts: tuple[int, ...]
    """Rows (0-based) where the level jumps and stays."""
    heavy_tails: bool | None
    spread_ratio: float | None
    covariates: tuple[CovariateInfo, ...]
    train_windows: int | None
    max_units: int | None

    @classmethod
    def parse(cls, p: Mapping[str, Any]) -> ProfileInfo:
        split = p["split"]
        season, cx = section(p, "seasonality"), section(p, "complexity")
        quality, size = section(p, "quality"), section(p, "size")
        return cls(
            split=SplitInfo(int(split["train"]), int(split["validation"]), int(split["test"])),
            missing_share=opt_float(p.get("missing_share")),
            mean=opt_float(p.get("mean")),
            std=opt_float(p.get("std")),
            minimum=opt_float(p.get("min")),
            maximum=opt_float(p.get("max")),
            acf=floats(p.get("acf")),
            acf_confidence=opt_float(p.get("acf_confidence")),
            significant_lags=tuple(int(k) for k in p.get("significant_lags") or ()),
            seasonal_period=int(p["seasonal_period"]) if p.get("seasonal_period") else None,
            season_source=p.get("season_source"),
            adf_pvalue=opt_float(p.get("adf_pvalue")),
            kpss_pvalue=opt_float(p.get("kpss_pvalue")),
            stationarity=p.get("stationarity"),
            trend_strength=opt_float(p.get("trend_strength")),
            baselines=tuple(
                BaselineInfo(
                    str(b["name"]), opt_float(b.get("val_rmse")), opt_float(b.get("val_mae"))
                )
                for b in p.get("baselines") or ()
            ),
            notes=tuple(str(n) for n in p.get("notes") or ()),
            periods=tuple(x for x in map(opt_int, season.get("periods") or ()) if x is not None),
            season_candidates=tuple(
                SeasonCandidateInfo(
                    int(c["period"]),
                    str(c["source"]),
                    str(c["verdict"]),
                    finite(c.get("naive_rmse")),
                )
                for c in season.get("candidates") or ()
                if isinstance(c, dict)
            ),
            seasonal_strength=finite(season.get("seasonal_strength")),
            ar_r2=finite(cx.get("ar_r2")),
            ar_differenced=bool(cx.get("differenced")),
            bds_pvalue=finite(cx.get("bds_pvalue")),
            nonlinear=opt_bool(cx.get("nonlinear")),
            outliers=opt_int(quality.get("outliers")),
            outlier_share=finite(quality.get("outlier_share")),
            level_shifts=tuple(
                r for r in map(opt_int, quality.get("level_shifts") or ()) if r is not None
            ),
            heavy_tails=opt_bool(quality.get("heavy_tails")),
            spread_ratio=finite(quality.get("spread_ratio")),
            covariates=tuple(
                CovariateInfo(
                    str(c["name"]),
                    int(c["lag"]),
                    finite(c.get("correlation")),
                    bool(c.get("significant")),
                )
                for c in quality.get("covariates") or ()
                if isinstance(c, dict)
            ),
            train_windows=opt_int(size.get("train_windows")),
            max_units=opt_int(size.get("max_units")),
        )


@dataclass(frozen=True)
class SeriesInfo:
    """The target as the document keeps it: every ``step``-th row, for the charts."""

    step: int = 1
    index: tuple[str, ...] = ()
    values: tuple[float | None, ...] = ()

    @classmethod
    def parse(cls, s: Mapping[str, Any]) -> SeriesInfo:
        return cls(
            step=int(s.get("step") or 1),
            index=tuple(str(i) for i in s.get("index") or ()),
            values=floats(s.get("values")),
        )
