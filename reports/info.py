"""The ``recommendation.json`` document, parsed once into typed, frozen records.

Every section of the report and every chart reads these records, never the raw dict:
a misspelt key fails here, in one place (``KeyError``), or at the attribute (mypy,
``AttributeError``), instead of turning into a silent ``None`` deep in a sentence.
The parse keeps the document's leniency where the report always had it: optional
parts (a stage that did not run, a profile section an older document lacks) become
``None`` or empty, and ``verification.cv``'s several shapes collapse into one record.
NaN is JSON null in the document and ``None`` here; numbers are not rounded.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard

Scalar = str | int | float | bool | None
"""A rule's value or a piece of evidence, as the document holds it."""

# The configurations ``verification.cv`` may score, in the order the report lists them.
CV_CONFIGS = ("suggestion", "best", "baseline")


def _float(x: Any) -> float | None:
    return None if x is None else float(x)


def _floats(values: Sequence[Any] | None) -> tuple[float | None, ...]:
    return tuple(_float(v) for v in values or ())


def _int_or_none(x: Any) -> int | None:
    """An integer the document may leave out; anything else is treated as absent."""
    return x if isinstance(x, int) and not isinstance(x, bool) else None


def _text(x: Any) -> str | None:
    """Text the document may leave out or empty: either way ``None``."""
    return str(x) if x else None


def _bool_or_none(x: Any) -> bool | None:
    return x if isinstance(x, bool) else None


def defined(x: float | None) -> TypeGuard[float]:
    """A finite number (JSON null stands for NaN)."""
    return x is not None and math.isfinite(x)


def _number(x: Any) -> float | None:
    """A finite number where the document holds one, else ``None`` (also for text)."""
    if isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x):
        return float(x)
    return None


def _section(profile: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """A probe's sub-section of the profile; empty where an older document has none."""
    value = profile.get(key)
    return value if isinstance(value, dict) else {}


def _pairs(evidence: Mapping[str, Any] | None) -> tuple[tuple[str, Scalar], ...]:
    return tuple((str(k), v) for k, v in (evidence or {}).items())


# ---------------------------------------------------------------------------- data


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
            time_column=_text(d.get("time_column")),
            frequency=_text(d.get("frequency")),
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
        season, cx = _section(p, "seasonality"), _section(p, "complexity")
        quality, size = _section(p, "quality"), _section(p, "size")
        return cls(
            split=SplitInfo(int(split["train"]), int(split["validation"]), int(split["test"])),
            missing_share=_float(p.get("missing_share")),
            mean=_float(p.get("mean")),
            std=_float(p.get("std")),
            minimum=_float(p.get("min")),
            maximum=_float(p.get("max")),
            acf=_floats(p.get("acf")),
            acf_confidence=_float(p.get("acf_confidence")),
            significant_lags=tuple(int(k) for k in p.get("significant_lags") or ()),
            seasonal_period=int(p["seasonal_period"]) if p.get("seasonal_period") else None,
            season_source=p.get("season_source"),
            adf_pvalue=_float(p.get("adf_pvalue")),
            kpss_pvalue=_float(p.get("kpss_pvalue")),
            stationarity=p.get("stationarity"),
            trend_strength=_float(p.get("trend_strength")),
            baselines=tuple(
                BaselineInfo(str(b["name"]), _float(b.get("val_rmse")), _float(b.get("val_mae")))
                for b in p.get("baselines") or ()
            ),
            notes=tuple(str(n) for n in p.get("notes") or ()),
            periods=tuple(
                x for x in map(_int_or_none, season.get("periods") or ()) if x is not None
            ),
            seasonal_strength=_number(season.get("seasonal_strength")),
            ar_r2=_number(cx.get("ar_r2")),
            ar_differenced=bool(cx.get("differenced")),
            bds_pvalue=_number(cx.get("bds_pvalue")),
            nonlinear=_bool_or_none(cx.get("nonlinear")),
            outliers=_int_or_none(quality.get("outliers")),
            outlier_share=_number(quality.get("outlier_share")),
            level_shifts=tuple(
                r for r in map(_int_or_none, quality.get("level_shifts") or ()) if r is not None
            ),
            heavy_tails=_bool_or_none(quality.get("heavy_tails")),
            spread_ratio=_number(quality.get("spread_ratio")),
            covariates=tuple(
                CovariateInfo(
                    str(c["name"]),
                    int(c["lag"]),
                    _number(c.get("correlation")),
                    bool(c.get("significant")),
                )
                for c in quality.get("covariates") or ()
                if isinstance(c, dict)
            ),
            train_windows=_int_or_none(size.get("train_windows")),
            max_units=_int_or_none(size.get("max_units")),
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
            values=_floats(s.get("values")),
        )


# ------------------------------------------------------------------------ diagnosis


@dataclass(frozen=True)
class RunInfo:
    """One diagnostic training."""

    name: str
    units: int
    lookback: int
    train_fraction: float
    params: int
    train_loss: tuple[float | None, ...]
    val_loss: tuple[float | None, ...]
    val_rmse: float | None
    seconds: float
    stopped_reason: str | None

    @classmethod
    def parse(cls, r: Mapping[str, Any]) -> RunInfo:
        return cls(
            name=str(r["name"]),
            units=int(r["units"]),
            lookback=int(r["lookback"]),
            train_fraction=float(r["train_fraction"]),
            params=int(r["params"]),
            train_loss=_floats(r.get("train_loss")),
            val_loss=_floats(r.get("val_loss")),
            val_rmse=_float(r.get("val_rmse")),
            seconds=float(r.get("seconds") or 0),
            stopped_reason=r.get("stopped_reason"),
        )


@dataclass(frozen=True)
class DifferencingInfo:
    """Which target the small models learned best before the sweep: lag -> val RMSE."""

    chosen: int
    scores: tuple[tuple[int, float | None], ...]


@dataclass(frozen=True)
class FindingInfo:
    id: str
    summary: str
    confidence: float
    evidence: tuple[tuple[str, Scalar], ...]


@dataclass(frozen=True)
class DiagnosisInfo:
    planned: str | None = None
    cut: tuple[str, ...] = ()
    runs: tuple[RunInfo, ...] = ()
    findings: tuple[FindingInfo, ...] = ()
    differencing: DifferencingInfo | None = None

    @classmethod
    def parse(cls, d: Mapping[str, Any]) -> DiagnosisInfo:
        compared = d.get("differencing")
        differencing = None
        if compared and compared.get("runs"):
            differencing = DifferencingInfo(
                int(compared["chosen"]),
                tuple((int(r["differencing"]), _float(r["val_rmse"])) for r in compared["runs"]),
            )
        return cls(
            planned=_text(d.get("planned")),
            cut=tuple(str(c) for c in d.get("cut") or ()),
            runs=tuple(RunInfo.parse(r) for r in d.get("runs") or ()),
            findings=tuple(
                FindingInfo(
                    str(f["id"]),
                    str(f["summary"]),
                    float(f["confidence"]),
                    _pairs(f.get("evidence")),
                )
                for f in d.get("findings") or ()
            ),
            differencing=differencing,
        )

    @property
    def finding_ids(self) -> tuple[str, ...]:
        return tuple(f.id for f in self.findings)


# ------------------------------------------------------------------- recommendation


@dataclass(frozen=True)
class LayerInfo:
    units: int
    dropout: float
    recurrent_dropout: float


@dataclass(frozen=True)
class ConfigInfo:
    """A model configuration (``ModelConfig`` as the document writes it)."""

    lookback: int
    layers: tuple[LayerInfo, ...]
    l2: float
    learning_rate: float
    batch_size: int
    epochs: int
    early_stopping_patience: int
    scaling: str
    differencing: int

    @classmethod
    def parse(cls, c: Mapping[str, Any]) -> ConfigInfo:
        return cls(
            lookback=int(c["lookback"]),
            layers=tuple(
                LayerInfo(int(la["units"]), float(la["dropout"]), float(la["recurrent_dropout"]))
                for la in c["layers"]
            ),
            l2=float(c["l2"]),
            learning_rate=float(c["learning_rate"]),
            batch_size=int(c["batch_size"]),
            epochs=int(c["epochs"]),
            early_stopping_patience=int(c["early_stopping_patience"]),
            scaling=str(c["scaling"]),
            differencing=int(c["differencing"]),
        )


@dataclass(frozen=True)
class RuleHitInfo:
    rule: str
    setting: str
    """As the rule file names it: a path (``layers[0].units``) or a synonym (``lr``)."""
    value: Scalar
    rationale: str
    evidence: tuple[tuple[str, Scalar], ...]
    confidence: float
    applied: bool
    overridden_by: str | None

    @classmethod
    def parse(cls, h: Mapping[str, Any]) -> RuleHitInfo:
        return cls(
            rule=str(h["rule"]),
            setting=str(h["setting"]),
            value=h["value"],
            rationale=str(h["rationale"]),
            evidence=_pairs(h.get("evidence")),
            confidence=float(h["confidence"]),
            applied=bool(h.get("applied", True)),
            overridden_by=_text(h.get("overridden_by")),
        )


@dataclass(frozen=True)
class RangeInfo:
    """A narrowed range: a list of choices, else ``low`` to ``high``."""

    setting: str
    choices: tuple[Scalar, ...]
    low: Scalar = None
    high: Scalar = None
    log: bool = False


@dataclass(frozen=True)
class RecommendationInfo:
    config: ConfigInfo
    ranges: tuple[RangeInfo, ...]
    rules_fired: tuple[RuleHitInfo, ...]
    rules_not_fired: tuple[str, ...]
    baseline_warning: bool

    @classmethod
    def parse(cls, r: Mapping[str, Any]) -> RecommendationInfo:
        return cls(
            config=ConfigInfo.parse(r["config"]),
            ranges=tuple(
                RangeInfo(
                    str(x["setting"]),
                    tuple(x.get("choices") or ()),
                    x.get("low"),
                    x.get("high"),
                    bool(x.get("log")),
                )
                for x in r.get("ranges") or ()
            ),
            rules_fired=tuple(RuleHitInfo.parse(h) for h in r.get("rules_fired") or ()),
            rules_not_fired=tuple(str(x) for x in r.get("rules_not_fired") or ()),
            baseline_warning=bool(r.get("baseline_warning")),
        )


# --------------------------------------------------------------------- verification


@dataclass(frozen=True)
class TrialInfo:
    trial_id: str
    config: ConfigInfo
    val_rmse: float | None
    is_suggestion: bool


@dataclass(frozen=True)
class CvScores:
    name: str
    scores: tuple[float, ...]
    """Validation RMSE per (fold, seed) training; empty where only a summary is known."""
    mean: float
    spread: float | None
    """The standard deviation across folds and seeds; ``None`` with a single score."""


@dataclass(frozen=True)
class CvInfo:
    """``verification.cv``: the configurations it scored, the suggestion first."""

    candidates: tuple[CvScores, ...]
    folds: int
    seeds: int
    improvement: float | None
    """The search's best's relative gain over the suggestion (negative: a loss)."""
    beyond_noise: bool | None
    """The paired t-test's answer, where the document has one."""
    cut: tuple[str, ...]

    def by_name(self, name: str) -> CvScores | None:
        return next((c for c in self.candidates if c.name == name), None)

    @classmethod
    def parse(cls, cv: Any) -> CvInfo | None:
        """``None`` where ``cv`` is absent or in a shape that scores nothing."""
        if not isinstance(cv, dict):
            return None
        candidates = _cv_candidates(cv)
        if not candidates:
            return None
        return cls(
            candidates=candidates,
            folds=_count(cv.get("folds")),
            seeds=_count(cv.get("seeds")),
            improvement=_number(cv.get("improvement")),
            beyond_noise=_bool_or_none(cv.get("beyond_noise")),
            cut=tuple(str(c) for c in cv.get("cut") or ()),
        )


def _count(x: Any) -> int:
    return len(x) if isinstance(x, list) else int(x) if isinstance(x, int) else 0


def _numbers(values: Any) -> tuple[float, ...]:
    if not isinstance(values, list):
        return ()
    return tuple(n for n in map(_number, values) if n is not None)


def _cv_scores(name: str, scores: tuple[float, ...], summary: Any) -> CvScores | None:
    """From per-training scores where there are any, else from a ``{mean, std}`` summary."""
    if scores:
        spread = statistics.stdev(scores) if len(scores) > 1 else None
        return CvScores(name, scores, statistics.fmean(scores), spread)
    if not isinstance(summary, dict) or _number(summary.get("mean")) is None:
        return None
    std, n = _number(summary.get("std")), summary.get("n")
    spread = std if not isinstance(n, int) or n > 1 else None
    return CvScores(name, (), float(summary["mean"]), spread)


def _cv_candidates(cv: dict[str, Any]) -> tuple[CvScores, ...]:
    """The configurations ``cv`` scored: the suggestion, then the best.

    Read from ``runs`` (one ``{config, fold, seed, val_rmse}`` per training) where
    present, else from a per-configuration entry: a list of scores, ``{scores: [...]}``
    or a ``{mean, std, n}`` summary, at ``cv[name]`` or ``cv["scores"][name]``.
    """
    runs = [r for r in cv.get("runs") or [] if isinstance(r, dict)]
    listed: dict[str, Any] = cv["scores"] if isinstance(cv.get("scores"), dict) else cv
    names = ["suggestion", "best"] + [
        k for k in listed if k not in ("suggestion", "best") and k in CV_CONFIGS
    ]
    found = []
    for name in names:
        entry = listed.get(name)
        if runs:
            scores = _numbers([r.get("val_rmse") for r in runs if r.get("config") == name])
        elif isinstance(entry, dict):
            scores = _numbers(entry.get("scores", entry.get("val_rmse")))
        else:
            scores = _numbers(entry)
        candidate = _cv_scores(name, scores, entry)
        if candidate is not None:
            found.append(candidate)
    return tuple(found)


@dataclass(frozen=True)
class VerificationInfo:
    tuner: str
    trials: tuple[TrialInfo, ...]
    verdict: str
    verdict_reason: str | None
    widen: tuple[str, ...]
    partial: bool
    seconds: float
    suggestion_val_rmse: float | None
    best_val_rmse: float | None
    cv: CvInfo | None

    @property
    def compared(self) -> bool:
        """Whether the search scored anything beside the suggestion (else it checked nothing)."""
        return any(not t.is_suggestion and defined(t.val_rmse) for t in self.trials)

    @classmethod
    def parse(cls, v: Mapping[str, Any]) -> VerificationInfo:
        return cls(
            tuner=str(v["tuner"]),
            trials=tuple(
                TrialInfo(
                    str(t["trial_id"]),
                    ConfigInfo.parse(t["config"]),
                    _float(t.get("val_rmse")),
                    bool(t.get("is_suggestion")),
                )
                for t in v.get("trials") or ()
            ),
            verdict=str(v["verdict"]),
            verdict_reason=_text(v.get("verdict_reason")),
            widen=tuple(str(w) for w in v.get("widen") or ()),
            partial=bool(v.get("partial")),
            seconds=float(v.get("seconds") or 0),
            suggestion_val_rmse=_float(v.get("suggestion_val_rmse")),
            best_val_rmse=_float(v.get("best_val_rmse")),
            cv=CvInfo.parse(v.get("cv")),
        )


# ---------------------------------------------------------------------------- final


Metrics = Mapping[str, float | None]


@dataclass(frozen=True)
class FinalInfo:
    config: ConfigInfo
    test_metrics: Metrics
    baseline_test_metrics: Mapping[str, Metrics]
    """Per baseline, in the document's order."""
    predicted: tuple[float | None, ...]
    actual: tuple[float | None, ...]
    model_path: str | None
    seconds: float

    @classmethod
    def parse(cls, f: Mapping[str, Any]) -> FinalInfo:
        forecast = f.get("forecast") or {}
        return cls(
            config=ConfigInfo.parse(f["config"]),
            test_metrics=_metrics(f.get("test_metrics")),
            baseline_test_metrics={
                str(name): _metrics(m) for name, m in (f.get("baseline_test_metrics") or {}).items()
            },
            predicted=_floats(forecast.get("predicted")),
            actual=_floats(forecast.get("actual")),
            model_path=_text(f.get("model_path")),
            seconds=float(f.get("seconds") or 0),
        )


def _metrics(m: Mapping[str, Any] | None) -> Metrics:
    return {str(k): _float(v) for k, v in (m or {}).items()}


# ------------------------------------------------------------------------- the run


@dataclass(frozen=True)
class RunRecord:
    """How the analysis ran (``run``): enough to reproduce it."""

    dir: str | None = None
    seed: int | None = None
    budget_s: float | None = None
    seconds: float | None = None
    command: str | None = None
    versions: Mapping[str, str] | None = None

    @classmethod
    def parse(cls, r: Mapping[str, Any]) -> RunRecord:
        return cls(
            dir=_text(r.get("dir")),
            seed=r.get("seed"),
            budget_s=_float(r.get("budget_s")),
            seconds=_float(r.get("seconds")),
            command=_text(r.get("command")),
            versions={str(k): str(v) for k, v in (r.get("versions") or {}).items()},
        )


@dataclass(frozen=True)
class DocumentInfo:
    """The whole document; a stage that did not run is ``None``."""

    schema_version: int | str | None
    data: DataInfo
    profile: ProfileInfo
    diagnosis: DiagnosisInfo
    recommendation: RecommendationInfo
    verification: VerificationInfo | None
    final: FinalInfo | None
    series: SeriesInfo
    run: RunRecord

    @property
    def final_config(self) -> ConfigInfo:
        """The settings of the model actually trained last, else the recommendation's."""
        return self.final.config if self.final else self.recommendation.config


def parse_document(doc: Mapping[str, Any]) -> DocumentInfo:
    """The typed records of a ``recommendation.json`` document (see the module docstring)."""
    ver, final = doc.get("verification"), doc.get("final")
    return DocumentInfo(
        schema_version=doc.get("schema_version"),
        data=DataInfo.parse(doc["data"]),
        profile=ProfileInfo.parse(doc["profile"]),
        diagnosis=DiagnosisInfo.parse(doc.get("diagnosis") or {}),
        recommendation=RecommendationInfo.parse(doc["recommendation"]),
        verification=VerificationInfo.parse(ver) if ver else None,
        final=FinalInfo.parse(final) if final else None,
        series=SeriesInfo.parse(doc.get("series") or {}),
        run=RunRecord.parse(doc.get("run") or {}),
    )
