"""``recommendation.json`` of a classification analysis: ``ClassAnalysis`` in, a plain,
strict-JSON dict out.

Forecasting's ``document`` is the model: the same top-level sections (``data``,
``profile``, ``diagnosis``, ``recommendation``, ``verification``, ``final``, ``run``),
the same helpers for findings, bands, rule hits and ranges, so one reader of a finding
reads both tasks; the classifier adds ``test_baselines`` and ``verdict``. Every number
that is not finite is null (JSON has no NaN), a stage that did not run is null. The
schema is in ``docs/recommendation-schema.md``; the report is drawn from this document
alone, so ``advisor report`` draws what ``advisor analyze`` drew.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any, cast

from advisor.core.class_analysis import BaselineVerdict, ClassAnalysis
from advisor.core.class_models import (
    ClassDiagnosis,
    ClassFinal,
    ClassifierConfig,
    ClassRecommendation,
    ClassRun,
    Pooling,
)
from advisor.core.class_records import ClassBaseline
from advisor.core.class_verification import ClassCrossValidation, ClassTrial, ClassVerification
from advisor.core.records import LayerConfig
from advisor.core.sequences import SequenceSet
from advisor.probes.class_baselines import BASELINE_NAMES
from advisor.store.document import (
    band_to_dict,
    class_profile_to_dict,
    cv_summary_to_dict,
    finding_to_dict,
    finite_or_null,
    hit_to_dict,
    range_to_dict,
)
from advisor.store.schema import SCHEMA_VERSION

_num = finite_or_null


def class_config_to_dict(config: ClassifierConfig) -> dict[str, Any]:
    return {
        "layers": [asdict(layer) for layer in config.layers],
        "bidirectional": config.bidirectional,
        "pooling": config.pooling,
        "l2": config.l2,
        "learning_rate": config.learning_rate,
        "batch_size": config.batch_size,
        "epochs": config.epochs,
        "early_stopping_patience": config.early_stopping_patience,
        "class_weights": config.class_weights,
        "max_length": config.max_length,
        "scaling": config.scaling,
    }


def class_config_from_dict(d: Mapping[str, Any]) -> ClassifierConfig:
    """The inverse of ``class_config_to_dict``: the configuration rebuilt exactly."""
    max_length = d.get("max_length")
    return ClassifierConfig(
        layers=tuple(LayerConfig(**layer) for layer in d["layers"]),
        bidirectional=bool(d["bidirectional"]),
        pooling=cast(Pooling, str(d["pooling"])),
        l2=float(d["l2"]),
        learning_rate=float(d["learning_rate"]),
        batch_size=int(d["batch_size"]),
        epochs=int(d["epochs"]),
        early_stopping_patience=int(d["early_stopping_patience"]),
        class_weights=bool(d["class_weights"]),
        max_length=None if max_length is None else int(max_length),
        scaling=d.get("scaling", "standard"),
    )


def _data(seqs: SequenceSet) -> dict[str, Any]:
    return {
        "path": seqs.path,
        "sha256": seqs.sha256,
        "task": seqs.task,
        "layout": seqs.layout,
        "id_column": seqs.id_column,
        "label_column": seqs.label_column,
        "time_column": seqs.time_column,
        "split_column": seqs.split_column,
        "sequences": seqs.n_sequences,
        "classes": list(seqs.classes),
        "channels": list(seqs.channels),
        "longest": seqs.max_length,
        "notices": list(seqs.notices),
    }


def _run(r: ClassRun) -> dict[str, Any]:
    return {
        "name": r.name,
        "units": r.units,
        "params": r.params,
        "train_fraction": r.train_fraction,
        "train_loss": [_num(v) for v in r.curve.train_loss],
        "val_loss": [_num(v) for v in r.curve.val_loss],
        "best_epoch": r.best_epoch,
        "val_cross_entropy": _num(r.val_loss),
        "val_accuracy": _num(r.val_accuracy),
        "val_macro_f1": _num(r.val_macro_f1),
        "val_balanced_accuracy": _num(r.val_balanced_accuracy),
        "seconds": round(r.seconds, 2),
        "stopped_reason": r.stopped_reason,
        "config": class_config_to_dict(r.config),
    }


def _diagnosis(d: ClassDiagnosis) -> dict[str, Any]:
    return {
        "planned": d.planned,
        "cut": list(d.cut),
        "budget_cut": list(d.budget_cut),
        "runs": [_run(r) for r in d.runs],
        "findings": [finding_to_dict(f) for f in d.findings],
        "primary": d.primary,
        "notes": list(d.notes),
    }


def _recommendation(rec: ClassRecommendation) -> dict[str, Any]:
    return {
        "config": class_config_to_dict(rec.config),
        "ranges": [range_to_dict(r) for r in rec.ranges],
        "rules_fired": [hit_to_dict(h) for h in rec.rules_fired],
        "rules_not_fired": list(rec.rules_not_fired),
        "baseline_warning": rec.baseline_warning,
    }


def _trial(t: ClassTrial) -> dict[str, Any]:
    return {
        "trial_id": t.trial_id,
        "config": class_config_to_dict(t.config),
        "val_loss": _num(t.val_loss),
        "val_accuracy": _num(t.val_accuracy),
        "val_macro_f1": _num(t.val_macro_f1),
        "val_balanced_accuracy": _num(t.val_balanced_accuracy),
        "is_suggestion": t.is_suggestion,
        "history_id": t.history_id,
        "score": None if t.score is None else _num(t.score),
        "best_epoch": t.best_epoch,
        "seconds": round(t.seconds, 2),
        "cut": t.cut,
    }


def _cv(cv: ClassCrossValidation | None) -> dict[str, Any] | None:
    if cv is None:
        return None
    return {
        "objective": cv.objective,
        "k": cv.k,
        "folds": [
            {
                "index": f.index,
                "train": f.train,
                "validation": list(f.validation),
                "validation_counts": list(f.validation_counts),
            }
            for f in cv.folds
        ],
        "seeds": list(cv.seeds),
        "runs": [
            {
                "config": r.config,
                "fold": r.fold,
                "seed": r.seed,
                "score": _num(r.score),
                "accuracy": _num(r.accuracy),
                "macro_f1": _num(r.macro_f1),
                "balanced_accuracy": _num(r.balanced_accuracy),
                "best_epoch": r.best_epoch,
                "cut": r.cut,
            }
            for r in cv.runs
        ],
        "suggestion": cv_summary_to_dict(cv.suggestion),
        "best": cv_summary_to_dict(cv.best),
        # The readable scores beside the objective: means over the finished runs.
        "mean_accuracy": {
            label: _num(cv.mean(label, "accuracy")) for label in ("suggestion", "best")
        },
        "mean_macro_f1": {
            label: _num(cv.mean(label, "macro_f1")) for label in ("suggestion", "best")
        },
        "improvement": None if cv.improvement is None else _num(cv.improvement),
        "improvement_stderr": (
            None if cv.improvement_stderr is None else _num(cv.improvement_stderr)
        ),
        "beyond_noise": cv.beyond_noise,
        "planned": cv.planned,
        "cut": list(cv.cut),
        "seconds": round(cv.seconds, 2),
    }


def _verification(ver: ClassVerification | None) -> dict[str, Any] | None:
    if ver is None:
        return None
    return {
        "tuner": ver.tuner,
        "objective": ver.objective,
        "trials": [_trial(t) for t in ver.trials],
        "suggestion_val_loss": _num(ver.suggestion_val_loss),
        "best_val_loss": _num(ver.best_val_loss),
        "best_config": class_config_to_dict(ver.best_config),
        "chosen_trial": ver.chosen_trial,
        "verdict": ver.verdict,
        "outcome": ver.outcome or ver.verdict,
        "verdict_reason": ver.verdict_reason,
        "widen": list(ver.widen),
        "budget_cut": list(ver.budget_cut),
        "seconds": round(ver.seconds, 2),
        "partial": ver.partial,
        "space_size": None if ver.space_size is None else _num(ver.space_size),
        "max_trials": ver.max_trials,
        "cv": _cv(ver.cv),
        "notes": list(ver.notes),
    }


def _final(fin: ClassFinal | None) -> dict[str, Any] | None:
    if fin is None:
        return None
    support = [sum(row) for row in fin.confusion]  # test sequences of each true class
    return {
        "config": class_config_to_dict(fin.config),
        "classes": list(fin.classes),
        "test_accuracy": _num(fin.test_accuracy),
        "test_macro_f1": _num(fin.test_macro_f1),
        "test_balanced_accuracy": _num(fin.test_balanced_accuracy),
        # Its class names with it, so the matrix reads without the data section beside it.
        "confusion": {
            "classes": list(fin.classes),
            "counts": [list(row) for row in fin.confusion],
        },
        "per_class": [
            {"class": name, "precision": _num(p), "recall": _num(r), "f1": _num(f), "support": n}
            for name, p, r, f, n in zip(
                fin.classes, fin.precision, fin.recall, fin.f1, support, strict=True
            )
        ],
        "epochs_trained": fin.epochs_trained,
        "stopped_reason": fin.stopped_reason,
        "seconds": round(fin.seconds, 2),
        "model_path": fin.model_path,
        "script_path": fin.script_path,
        "test_correct": list(fin.test_correct),
        "predicted": list(fin.predicted),
        "seeds": list(fin.seeds),
        "member_test_accuracy": [_num(a) for a in fin.member_test_accuracy],
        "dropped_seeds": list(fin.dropped),
    }


def _test_baseline(b: ClassBaseline) -> dict[str, Any]:
    return {
        "name": b.name,
        "label": BASELINE_NAMES.get(b.name, b.name),
        "test_accuracy": _num(b.accuracy),
        "test_macro_f1": _num(b.macro_f1),
        "test_balanced_accuracy": _num(b.balanced_accuracy),
        "seconds": _num(b.seconds),
        "capped": b.capped,
        "note": b.note,
        "correct": list(b.correct),
    }


def _verdict(v: BaselineVerdict | None) -> dict[str, Any] | None:
    if v is None:
        return None
    return {
        "baseline": v.baseline,
        "label": v.label,
        "advised": v.advised,
        "held_on_test": v.held_on_test,
        "val_accuracy": _num(v.val_accuracy),
        "lstm_val_accuracy": _num(v.lstm_val_accuracy),
        "val_band": None if v.val_band is None else band_to_dict(v.val_band),
        "test_accuracy": _num(v.test_accuracy),
        "lstm_test_accuracy": _num(v.lstm_test_accuracy),
        "test_band": None if v.test_band is None else band_to_dict(v.test_band),
        "baseline_seconds": _num(v.baseline_seconds),
        "cv_accuracy": _num(v.cv_accuracy),
        "cv_folds": v.cv_folds,
    }


def to_class_document(analysis: ClassAnalysis) -> dict[str, Any]:
    """``recommendation.json`` of a classification analysis (see the module docstring)."""
    from advisor.store.document import history_to_dict

    doc = {
        "schema_version": SCHEMA_VERSION,
        "data": _data(analysis.data),
        "profile": class_profile_to_dict(analysis.profile),
        "diagnosis": _diagnosis(analysis.diagnosis),
        "recommendation": _recommendation(analysis.recommendation),
        "verification": _verification(analysis.verification),
        "final": _final(analysis.final),
        "test_baselines": [_test_baseline(b) for b in analysis.test_baselines],
        "verdict": _verdict(analysis.verdict),
        "run": {
            "dir": analysis.run_dir,
            "seed": analysis.settings.seed,
            "budget_s": analysis.settings.budget_s,
            "seconds": round(analysis.seconds, 2),
            "command": analysis.command,
            "versions": dict(analysis.versions),
            "partial": analysis.partial,
        },
    }
    if analysis.history is not None:
        doc["history"] = history_to_dict(analysis.history)
    return doc


__all__ = ["class_config_from_dict", "class_config_to_dict", "to_class_document"]
