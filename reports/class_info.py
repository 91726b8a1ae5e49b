"""A classification ``recommendation.json``, parsed once into typed, frozen records.

The classifier's counterpart of ``reports.info``, with its leniency: a stage that did
not run is ``None``, a list a document leaves out is empty, NaN (JSON null) is ``None``.
A missing required entry fails here (``KeyError``), in one place, so ``advisor report``
can say which. What both tasks write alike is read by forecasting's own records
(findings and their bands, rule hits, ranges, the run).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from advisor.core.class_models import ClassifierConfig
from advisor.probes.class_baselines import BASELINE_NAMES
from advisor.reports.info import BandInfo, FindingInfo, RangeInfo, RuleHitInfo, RunRecord
from advisor.reports.info.history import HistoryInfo
from advisor.reports.info.values import floats, opt_bool, opt_float, opt_text, pairs
from advisor.store.class_document import class_config_from_dict


def _texts(values: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in values or ())


def _ints(values: Any) -> tuple[int, ...]:
    return tuple(int(v) for v in values or ())


# ------------------------------------------------------------------------ data


@dataclass(frozen=True)
class ClassDataInfo:
    path: str
    sha256: str
    layout: str
    id_column: str | None
    label_column: str
    time_column: str | None
    split_column: str | None
    sequences: int
    classes: tuple[str, ...]
    channels: tuple[str, ...]
    notices: tuple[str, ...]
    longest: int | None
    """Steps of the longest sequence in the file (files before it was recorded: None)."""

    @classmethod
    def parse(cls, d: Mapping[str, Any]) -> ClassDataInfo:
        return cls(
            path=str(d["path"]),
            sha256=str(d["sha256"]),
            layout=str(d.get("layout") or "long"),
            id_column=opt_text(d.get("id_column")),
            label_column=str(d["label_column"]),
            time_column=opt_text(d.get("time_column")),
            split_column=opt_text(d.get("split_column")),
            sequences=int(d["sequences"]),
            classes=_texts(d["classes"]),
            channels=_texts(d.get("channels")),
            notices=_texts(d.get("notices")),
            longest=None if d.get("longest") is None else int(d["longest"]),
        )


@dataclass(frozen=True)
class ScoreInfo:
    """A baseline's scores on one split (validation in the profile, test after it)."""

    name: str
    label: str
    """Its name in the report's words."""
    accuracy: float | None
    macro_f1: float | None
    balanced_accuracy: float | None
    seconds: float | None
    capped: bool
    note: str

    @classmethod
    def parse(cls, b: Mapping[str, Any], split: str) -> ScoreInfo:
        name = str(b["name"])
        return cls(
            name=name,
            label=str(b.get("label") or BASELINE_NAMES.get(name, name)),
            accuracy=opt_float(b.get(f"{split}_accuracy")),
            macro_f1=opt_float(b.get(f"{split}_macro_f1")),
            balanced_accuracy=opt_float(b.get(f"{split}_balanced_accuracy")),
            seconds=opt_float(b.get("seconds")),
            capped=bool(b.get("capped")),
            note=str(b.get("note") or ""),
        )


@dataclass(frozen=True)
class MeanCurveInfo:
    class_name: str
    channel: str
    sequences: int
    mean: tuple[float | None, ...]
    std: tuple[float | None, ...]


@dataclass(frozen=True)
class ClassSplitInfo:
    train: int
    validation: int
    test: int
    test_source: str
    """``file`` (its split column) or ``advisor`` (a stratified draw)."""
    train_counts: tuple[int, ...]
    validation_counts: tuple[int, ...]
    test_counts: tuple[int, ...]


@dataclass(frozen=True)
class ClassProfileInfo:
    classes: tuple[str, ...]
    class_counts: tuple[int, ...]
    """Training sequences of each class."""
    imbalance_ratio: float | None
    min_length: int
    median_length: float
    max_length: int
    ragged: bool
    channels: tuple[str, ...]
    split: ClassSplitInfo
    baselines: tuple[ScoreInfo, ...]
    """Scored on validation."""
    mean_curves: tuple[MeanCurveInfo, ...]
    notes: tuple[str, ...]

    @classmethod
    def parse(cls, p: Mapping[str, Any]) -> ClassProfileInfo:
        lengths, split = p["lengths"], p["split"]
        return cls(
            classes=_texts(p["classes"]),
            class_counts=_ints(p.get("class_counts")),
            imbalance_ratio=opt_float(p.get("imbalance_ratio")),
            min_length=int(lengths["min"]),
            median_length=float(lengths["median"]),
            max_length=int(lengths["max"]),
            ragged=bool(lengths.get("ragged")),
            channels=_texts(p.get("channels")),
            split=ClassSplitInfo(
                train=len(split["train"]),
                validation=len(split["validation"]),
                test=len(split["test"]),
                test_source=str(split.get("test_source") or "advisor"),
                train_counts=_ints(split.get("train_counts")),
                validation_counts=_ints(split.get("validation_counts")),
                test_counts=_ints(split.get("test_counts")),
            ),
            baselines=tuple(ScoreInfo.parse(b, "val") for b in p.get("baselines") or ()),
            mean_curves=tuple(
                MeanCurveInfo(
                    str(c["class"]),
                    str(c["channel"]),
                    int(c.get("sequences") or 0),
                    floats(c.get("mean")),
                    floats(c.get("std")),
                )
                for c in p.get("mean_curves") or ()
            ),
            notes=_texts(p.get("notes")),
        )


# ------------------------------------------------------------------- experiments


@dataclass(frozen=True)
class ClassRunInfo:
    """One diagnostic training of a classifier."""

    name: str
    units: int
    params: int
    train_fraction: float
    train_loss: tuple[float | None, ...]
    val_loss: tuple[float | None, ...]
    """Cross-entropy per epoch."""
    best_epoch: int
    val_cross_entropy: float | None
    val_accuracy: float | None
    val_macro_f1: float | None
    val_balanced_accuracy: float | None
    seconds: float
    stopped_reason: str

    @classmethod
    def parse(cls, r: Mapping[str, Any]) -> ClassRunInfo:
        return cls(
            name=str(r["name"]),
            units=int(r["units"]),
            params=int(r.get("params") or 0),
            train_fraction=float(r.get("train_fraction", 1.0)),
            train_loss=floats(r.get("train_loss")),
            val_loss=floats(r.get("val_loss")),
            best_epoch=int(r.get("best_epoch") or 0),
            val_cross_entropy=opt_float(r.get("val_cross_entropy")),
            val_accuracy=opt_float(r.get("val_accuracy")),
            val_macro_f1=opt_float(r.get("val_macro_f1")),
            val_balanced_accuracy=opt_float(r.get("val_balanced_accuracy")),
            seconds=float(r.get("seconds") or 0.0),
            stopped_reason=str(r.get("stopped_reason") or ""),
        )


@dataclass(frozen=True)
class ClassDiagnosisInfo:
    planned: str | None = None
    cut: tuple[str, ...] = ()
    budget_cut: tuple[str, ...] = ()
    runs: tuple[ClassRunInfo, ...] = ()
    findings: tuple[FindingInfo, ...] = ()
    primary: str | None = None
    notes: tuple[str, ...] = ()

    @classmethod
    def parse(cls, d: Mapping[str, Any]) -> ClassDiagnosisInfo:
        return cls(
            planned=opt_text(d.get("planned")),
            cut=_texts(d.get("cut")),
            budget_cut=_texts(d.get("budget_cut")),
            runs=tuple(ClassRunInfo.parse(r) for r in d.get("runs") or ()),
            findings=tuple(
                FindingInfo(
                    str(f["id"]),
                    str(f["summary"]),
                    float(f["confidence"]),
                    pairs(f.get("evidence")),
                    BandInfo.parse(f.get("band")),
                )
                for f in d.get("findings") or ()
            ),
            primary=opt_text(d.get("primary")),
            notes=_texts(d.get("notes")),
        )

    @property
    def best_run(self) -> ClassRunInfo | None:
        """The full-data run with the lowest validation cross-entropy: the run the
        diagnosis builds on (``class_findings.best_class_run``)."""
        full = [r for r in self.runs if r.train_fraction >= 1.0] or list(self.runs)
        if not full:
            return None

        def score(r: ClassRunInfo) -> float:
            x = r.val_cross_entropy
            return math.inf if x is None or not math.isfinite(x) else x

        return min(full, key=score)


@dataclass(frozen=True)
class ClassRecommendationInfo:
    config: ClassifierConfig
    ranges: tuple[RangeInfo, ...]
    rules_fired: tuple[RuleHitInfo, ...]
    rules_not_fired: tuple[str, ...]
    baseline_warning: str

    @classmethod
    def parse(cls, r: Mapping[str, Any]) -> ClassRecommendationInfo:
        return cls(
            config=class_config_from_dict(r["config"]),
            ranges=tuple(RangeInfo.parse(x) for x in r.get("ranges") or ()),
            rules_fired=tuple(RuleHitInfo.parse(h) for h in r.get("rules_fired") or ()),
            rules_not_fired=_texts(r.get("rules_not_fired")),
            baseline_warning=str(r.get("baseline_warning") or ""),
        )


# ------------------------------------------------------------------------ checks


@dataclass(frozen=True)
class ClassTrialInfo:
    trial_id: str
    config: ClassifierConfig
    val_loss: float | None
    val_accuracy: float | None
    val_macro_f1: float | None
    is_suggestion: bool
    cut: bool
    history_id: int | None = None


@dataclass(frozen=True)
class CvSideInfo:
    """One configuration in the cross-validation: its cross-entropy's spread and the
    mean readable scores."""

    mean: float | None
    std: float | None
    n: int
    accuracy: float | None
    macro_f1: float | None


@dataclass(frozen=True)
class ClassCvInfo:
    k: int
    folds: int
    seeds: int
    suggestion: CvSideInfo | None
    best: CvSideInfo | None
    improvement: float | None
    improvement_stderr: float | None
    beyond_noise: bool
    planned: str
    cut: tuple[str, ...]

    @classmethod
    def parse(cls, cv: Mapping[str, Any] | None) -> ClassCvInfo | None:
        if not cv:
            return None

        def side(label: str) -> CvSideInfo | None:
            summary = cv.get(label)
            if not summary:
                return None
            return CvSideInfo(
                opt_float(summary.get("mean")),
                opt_float(summary.get("std")),
                int(summary.get("n") or 0),
                opt_float((cv.get("mean_accuracy") or {}).get(label)),
                opt_float((cv.get("mean_macro_f1") or {}).get(label)),
            )

        return cls(
            k=int(cv.get("k") or 0),
            folds=len(cv.get("folds") or ()),
            seeds=len(cv.get("seeds") or ()),
            suggestion=side("suggestion"),
            best=side("best"),
            improvement=opt_float(cv.get("improvement")),
            improvement_stderr=opt_float(cv.get("improvement_stderr")),
            beyond_noise=bool(cv.get("beyond_noise")),
            planned=str(cv.get("planned") or ""),
            cut=_texts(cv.get("cut")),
        )


@dataclass(frozen=True)
class ClassVerificationInfo:
    tuner: str
    trials: tuple[ClassTrialInfo, ...]
    suggestion_val_loss: float | None
    best_val_loss: float | None
    best_config: ClassifierConfig
    chosen_trial: str | None
    verdict: str
    outcome: str
    verdict_reason: str
    widen: tuple[str, ...]
    budget_cut: tuple[str, ...]
    notes: tuple[str, ...]
    max_trials: int
    cv: ClassCvInfo | None

    @classmethod
    def parse(cls, v: Mapping[str, Any]) -> ClassVerificationInfo:
        verdict = str(v["verdict"])
        return cls(
            tuner=str(v.get("tuner") or ""),
            trials=tuple(
                ClassTrialInfo(
                    str(t["trial_id"]),
                    class_config_from_dict(t["config"]),
                    opt_float(t.get("val_loss")),
                    opt_float(t.get("val_accuracy")),
                    opt_float(t.get("val_macro_f1")),
                    bool(t.get("is_suggestion")),
                    bool(t.get("cut")),
                    None if t.get("history_id") is None else int(t["history_id"]),
                )
                for t in v.get("trials") or ()
            ),
            suggestion_val_loss=opt_float(v.get("suggestion_val_loss")),
            best_val_loss=opt_float(v.get("best_val_loss")),
            best_config=class_config_from_dict(v["best_config"]),
            chosen_trial=opt_text(v.get("chosen_trial")),
            verdict=verdict,
            outcome=str(v.get("outcome") or verdict),
            verdict_reason=str(v.get("verdict_reason") or ""),
            widen=_texts(v.get("widen")),
            budget_cut=_texts(v.get("budget_cut")),
            notes=_texts(v.get("notes")),
            max_trials=int(v.get("max_trials") or 0),
            cv=ClassCvInfo.parse(v.get("cv")),
        )


@dataclass(frozen=True)
class PerClassInfo:
    name: str
    precision: float | None
    recall: float | None
    f1: float | None
    support: int


@dataclass(frozen=True)
class ClassFinalInfo:
    config: ClassifierConfig
    classes: tuple[str, ...]
    test_accuracy: float | None
    test_macro_f1: float | None
    test_balanced_accuracy: float | None
    confusion: tuple[tuple[int, ...], ...]
    """Row: true class, column: predicted class, both in ``classes`` order."""
    per_class: tuple[PerClassInfo, ...]
    epochs_trained: int
    stopped_reason: str
    seconds: float | None
    model_path: str | None
    script_path: str | None
    seeds: tuple[int, ...] = ()
    """The trainings averaged (documents from before the average: empty, one training)."""
    member_test_accuracy: tuple[float | None, ...] = ()
    dropped_seeds: tuple[int, ...] = ()

    @classmethod
    def parse(cls, f: Mapping[str, Any]) -> ClassFinalInfo:
        confusion = f.get("confusion") or {}
        return cls(
            config=class_config_from_dict(f["config"]),
            classes=_texts(confusion.get("classes") or f.get("classes")),
            test_accuracy=opt_float(f.get("test_accuracy")),
            test_macro_f1=opt_float(f.get("test_macro_f1")),
            test_balanced_accuracy=opt_float(f.get("test_balanced_accuracy")),
            confusion=tuple(_ints(row) for row in confusion.get("counts") or ()),
            per_class=tuple(
                PerClassInfo(
                    str(c["class"]),
                    opt_float(c.get("precision")),
                    opt_float(c.get("recall")),
                    opt_float(c.get("f1")),
                    int(c.get("support") or 0),
                )
                for c in f.get("per_class") or ()
            ),
            epochs_trained=int(f.get("epochs_trained") or 0),
            seeds=_ints(f.get("seeds") or ()),
            member_test_accuracy=tuple(opt_float(a) for a in f.get("member_test_accuracy") or ()),
            dropped_seeds=_ints(f.get("dropped_seeds") or ()),
            stopped_reason=str(f.get("stopped_reason") or ""),
            seconds=opt_float(f.get("seconds")),
            model_path=opt_text(f.get("model_path")),
            script_path=opt_text(f.get("script_path")),
        )


@dataclass(frozen=True)
class VerdictInfo:
    """The chosen LSTM against the best baseline (``BaselineVerdict``)."""

    baseline: str
    label: str
    advised: bool
    val_accuracy: float | None
    lstm_val_accuracy: float | None
    val_band: BandInfo | None
    test_accuracy: float | None
    lstm_test_accuracy: float | None
    test_band: BandInfo | None
    baseline_seconds: float | None
    cv_accuracy: float | None = None
    cv_folds: int = 0
    held_on_test: bool | None = None
    """``False``: validation's gain was withdrawn, the test sequences contradicting it."""

    @classmethod
    def parse(cls, v: Mapping[str, Any]) -> VerdictInfo:
        name = str(v["baseline"])
        return cls(
            baseline=name,
            label=str(v.get("label") or BASELINE_NAMES.get(name, name)),
            advised=bool(v["advised"]),
            val_accuracy=opt_float(v.get("val_accuracy")),
            lstm_val_accuracy=opt_float(v.get("lstm_val_accuracy")),
            val_band=BandInfo.parse(v.get("val_band")),
            test_accuracy=opt_float(v.get("test_accuracy")),
            lstm_test_accuracy=opt_float(v.get("lstm_test_accuracy")),
            test_band=BandInfo.parse(v.get("test_band")),
            baseline_seconds=opt_float(v.get("baseline_seconds")),
            cv_accuracy=opt_float(v.get("cv_accuracy")),
            cv_folds=int(v.get("cv_folds") or 0),
            held_on_test=opt_bool(v.get("held_on_test")),
        )


# ---------------------------------------------------------------------- document


@dataclass(frozen=True)
class ClassDocumentInfo:
    """The whole classification document; a stage that did not run is ``None``."""

    schema_version: int | str | None
    data: ClassDataInfo
    profile: ClassProfileInfo
    diagnosis: ClassDiagnosisInfo
    recommendation: ClassRecommendationInfo
    verification: ClassVerificationInfo | None
    final: ClassFinalInfo | None
    test_baselines: tuple[ScoreInfo, ...]
    verdict: VerdictInfo | None
    run: RunRecord
    partial: bool
    history: HistoryInfo | None = None
    """The similar earlier analyses tried first; ``None``: history off (or an older file)."""

    @property
    def final_config(self) -> ClassifierConfig:
        """The configuration trained last: the final model's, else the recommendation's."""
        return self.final.config if self.final else self.recommendation.config


def parse_class_document(doc: Mapping[str, Any]) -> ClassDocumentInfo:
    """The typed records of a classification ``recommendation.json`` (see the module
    docstring); ``KeyError`` names a required entry that is missing."""
    ver, final, verdict = doc.get("verification"), doc.get("final"), doc.get("verdict")
    run = doc.get("run") or {}
    return ClassDocumentInfo(
        schema_version=doc.get("schema_version"),
        data=ClassDataInfo.parse(doc["data"]),
        profile=ClassProfileInfo.parse(doc["profile"]),
        diagnosis=ClassDiagnosisInfo.parse(doc.get("diagnosis") or {}),
        recommendation=ClassRecommendationInfo.parse(doc["recommendation"]),
        verification=ClassVerificationInfo.parse(ver) if ver else None,
        final=ClassFinalInfo.parse(final) if final else None,
        test_baselines=tuple(ScoreInfo.parse(b, "test") for b in doc.get("test_baselines") or ()),
        verdict=VerdictInfo.parse(verdict) if verdict else None,
        run=RunRecord.parse(run),
        partial=bool(run.get("partial")),
        history=HistoryInfo.parse(doc.get("history")),
    )


__all__ = [
    "ClassCvInfo",
    "ClassDataInfo",
    "ClassDiagnosisInfo",
    "ClassDocumentInfo",
    "ClassFinalInfo",
    "ClassProfileInfo",
    "ClassRecommendationInfo",
    "ClassRunInfo",
    "ClassTrialInfo",
    "ClassVerificationInfo",
    "CvSideInfo",
    "MeanCurveInfo",
    "PerClassInfo",
    "ScoreInfo",
    "VerdictInfo",
    "parse_class_document",
]
