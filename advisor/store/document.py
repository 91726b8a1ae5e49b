"""``recommendation.json``: the versioned document an analysis leaves behind.

The schema is documented in ``docs/recommendation-schema.md``; the report is rendered
from this document (not from live objects), so ``advisor report RUN_DIR`` draws exactly
what ``advisor analyze`` drew.
"""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from advisor.core.history import HistoryUse
from advisor.core.records import (
    Analysis,
    CrossValidation,
    CVSummary,
    Finding,
    ModelConfig,
    NoiseBand,
    PanelComparison,
    PretrainedComparison,
    Profile,
    Range,
    RuleHit,
    Seasonality,
)
from advisor.store.schema import SCHEMA_VERSION

if TYPE_CHECKING:
    from advisor.core.class_records import ClassBaseline, ClassProfile

# Enough points to draw the series faithfully without bloating the document.
MAX_SERIES_POINTS = 1500


def finite_or_null(x: float | None) -> float | None:
    """JSON has no NaN or infinity; an undefined figure is null."""
    return None if x is None or not math.isfinite(float(x)) else float(x)


def config_to_dict(config: ModelConfig) -> dict[str, Any]:
    return {
        "lookback": config.lookback,
        "layers": [asdict(layer) for layer in config.layers],
        "l2": config.l2,
        "learning_rate": config.learning_rate,
        "batch_size": config.batch_size,
        "epochs": config.epochs,
        "early_stopping_patience": config.early_stopping_patience,
        "scaling": config.scaling,
        "differencing": config.differencing,
        "season_position": config.season_position,
        "deseasonalize": config.deseasonalize,
        "log_target": config.log_target,
    }


def config_from_dict(d: dict[str, Any]) -> ModelConfig:
    from advisor.core.records import LayerConfig

    return ModelConfig(
        lookback=int(d["lookback"]),
        layers=tuple(LayerConfig(**layer) for layer in d["layers"]),
        l2=float(d["l2"]),
        learning_rate=float(d["learning_rate"]),
        batch_size=int(d["batch_size"]),
        epochs=int(d["epochs"]),
        early_stopping_patience=int(d["early_stopping_patience"]),
        scaling=d["scaling"],
        differencing=int(d["differencing"]),
        # Documents written before the setting existed trained without position inputs.
        season_position=int(d.get("season_position", 0)),
        # Documents written before the setting existed took no season out.
        deseasonalize=int(d.get("deseasonalize", 0)),
        # Documents written before the setting existed learned the values themselves.
        log_target=bool(d.get("log_target", False)),
    )


def hit_to_dict(hit: RuleHit) -> dict[str, Any]:
    return {
        "rule": hit.rule_id,
        "setting": hit.setting,
        "value": hit.value,
        "rationale": hit.rationale,
        "evidence": hit.evidence,
        "confidence": hit.confidence,
        "priority": hit.priority,
        "applied": hit.applied,
        "overridden_by": hit.overridden_by,
    }


def band_to_dict(band: NoiseBand) -> dict[str, Any]:
    return {
        "ratio": finite_or_null(band.ratio),
        "low": finite_or_null(band.low),
        "high": finite_or_null(band.high),
        "level": band.level,
        "origins": band.origins,
        "block": band.block,
    }


def finding_to_dict(f: Finding) -> dict[str, Any]:
    """A finding of either task's diagnosis: its band's limits null where unbounded."""
    return {
        "id": f.id,
        "summary": f.summary,
        "evidence": {k: finite_or_null(v) for k, v in f.evidence.items()},
        "confidence": f.confidence,
        "runs": list(f.runs),
        "band": None if f.band is None else band_to_dict(f.band),
    }


def range_to_dict(r: Range) -> dict[str, Any]:
    if r.choices:
        return {"setting": r.setting, "choices": list(r.choices)}
    return {"setting": r.setting, "low": r.low, "high": r.high, "log": r.log}


def _series_preview(analysis: Analysis) -> dict[str, Any]:
    frame = analysis.data.frame
    step = max(1, math.ceil(len(frame) / MAX_SERIES_POINTS))
    sample = frame.iloc[::step]
    return {
        "step": step,
        "index": [str(i) for i in sample.index],
        "values": [finite_or_null(v) for v in sample[analysis.data.target].to_numpy(dtype=float)],
    }


def seasonality_to_dict(season: Seasonality) -> dict[str, Any]:
    """``profile.seasonality``: every period weighed, with its seasonal naive score (null
    where it could not be scored), so the report can say why the primary season won."""
    return {
        "periods": list(season.periods),
        "calendar_periods": list(season.calendar_periods),
        "seasonal_strength": finite_or_null(season.seasonal_strength),
        "trend_strength": finite_or_null(season.trend_strength),
        "snr": finite_or_null(season.snr),
        "candidates": [
            {
                "period": c.period,
                "source": c.source,
                "autocorrelation": finite_or_null(c.autocorrelation),
                "strength": finite_or_null(c.strength),
                "threshold": finite_or_null(c.threshold),
                "verdict": c.verdict,
                "naive_rmse": None if c.naive_rmse is None else finite_or_null(c.naive_rmse),
            }
            for c in season.candidates
        ],
        "rows_used": season.rows_used,
    }


def profile_to_dict(profile: Profile) -> dict[str, Any]:
    """The ``profile`` section (also ``profile.json``): JSON-safe, undefined figures null."""
    season, root, lags = profile.seasonality, profile.unit_root, profile.lags
    cx, q, size = profile.complexity, profile.quality, profile.size
    return {
        "rows": profile.rows,
        "split": asdict(profile.split),
        "missing_share": profile.missing_share,
        "mean": finite_or_null(profile.mean),
        "std": finite_or_null(profile.std),
        "min": finite_or_null(profile.minimum),
        "max": finite_or_null(profile.maximum),
        "acf": [finite_or_null(v) for v in profile.acf],
        "acf_confidence": finite_or_null(profile.acf_confidence),
        "significant_lags": list(profile.significant_lags),
        "seasonal_period": profile.seasonal_period,
        "season_source": profile.season_source,
        "adf_pvalue": finite_or_null(profile.adf_pvalue),
        "kpss_pvalue": finite_or_null(profile.kpss_pvalue),
        "stationarity": profile.stationarity,
        "trend_strength": finite_or_null(profile.trend_strength),
        "positive": profile.positive,
        "boxcox_lambda": finite_or_null(profile.boxcox_lambda),
        "baselines": [
            {"name": b.name, "val_rmse": finite_or_null(b.rmse), "val_mae": finite_or_null(b.mae)}
            for b in profile.baselines
        ],
        "seasonality": seasonality_to_dict(season),
        "unit_root": {
            "adf_trend_pvalue": finite_or_null(root.adf_trend_pvalue),
            "kpss_trend_pvalue": finite_or_null(root.kpss_trend_pvalue),
            "differencing_order": root.differencing_order,
            "seasonal_differencing_order": root.seasonal_differencing_order,
            "differencing_after_season": root.differencing_after_season,
            "rows_used": root.rows_used,
        },
        "lags": {
            "pacf": [finite_or_null(v) for v in lags.pacf],
            "significant_pacf_lags": list(lags.significant_pacf_lags),
            "ar_order": lags.ar_order,
            "lookback": lags.lookback,
            "lookback_low": lags.lookback_low,
            "lookback_high": lags.lookback_high,
            "lookback_reason": lags.lookback_reason,
        },
        "complexity": {
            "differenced": cx.differenced,
            "ar_r2": finite_or_null(cx.ar_r2),
            "spectral_entropy": finite_or_null(cx.spectral_entropy),
            "permutation_entropy": finite_or_null(cx.permutation_entropy),
            "permutation_order": cx.permutation_order,
            "bds_statistic": finite_or_null(cx.bds_statistic),
            "bds_pvalue": finite_or_null(cx.bds_pvalue),
            "nonlinear": cx.nonlinear,
            "rows_used": cx.rows_used,
        },
        "quality": {
            "outliers": q.outliers,
            "outlier_share": finite_or_null(q.outlier_share),
            "outlier_rows": list(q.outlier_rows),
            "level_shifts": list(q.level_shifts),
            "skewness": finite_or_null(q.skewness),
            "excess_kurtosis": finite_or_null(q.excess_kurtosis),
            "heavy_tails": q.heavy_tails,
            "spread_ratio": finite_or_null(q.spread_ratio),
            "positive": q.positive,
            "covariates": [
                {
                    "name": c.name,
                    "lag": c.lag,
                    "correlation": finite_or_null(c.correlation),
                    "significant": c.significant,
                }
                for c in q.covariates
            ],
        },
        "size": {
            "lookback": size.lookback,
            "train_windows": size.train_windows,
            "inputs": size.inputs,
            "widths": list(size.widths),
            "params": list(size.params),
            "max_units": size.max_units,
        },
        "notes": list(profile.notes),
    }


CLASSIFICATION = "classification"
"""``task`` of a classification profile: a forecasting profile has no ``task`` entry
(its shape predates classification and stays as written)."""


def _class_baseline(b: ClassBaseline) -> dict[str, Any]:
    return {
        "name": b.name,
        "val_accuracy": finite_or_null(b.accuracy),
        "val_macro_f1": finite_or_null(b.macro_f1),
        "val_balanced_accuracy": finite_or_null(b.balanced_accuracy),
        "seconds": finite_or_null(b.seconds),
        "capped": b.capped,
        "note": b.note,
        "correct": list(b.correct),
        "cv_accuracy": finite_or_null(b.cv_accuracy),
        "cv_folds": b.cv_folds,
    }


def class_profile_to_dict(profile: ClassProfile) -> dict[str, Any]:
    """A classification file's ``profile.json``: JSON-safe, a skipped baseline's scores
    null. Sequence indices (the split, ``correct``) are positions in the file's order of
    first appearance; counts and lengths are of the training sequences."""
    split = profile.split
    return {
        "task": CLASSIFICATION,
        "sequences": profile.n_sequences,
        "classes": list(profile.classes),
        "class_counts": list(profile.class_counts),
        "imbalance_ratio": finite_or_null(profile.imbalance_ratio),
        "lengths": {
            "min": profile.min_length,
            "median": profile.median_length,
            "max": profile.max_length,
            "ragged": profile.ragged,
        },
        "channels": list(profile.channels),
        "scales": [
            {"channel": c.channel, "mean": finite_or_null(c.mean), "std": finite_or_null(c.std)}
            for c in profile.scales
        ],
        "split": {
            "train": list(split.train),
            "validation": list(split.validation),
            "test": list(split.test),
            "test_source": split.test_source,
            "seed": split.seed,
            "validation_share": split.validation_share,
            "test_share": split.test_share,
            "train_counts": list(split.train_counts),
            "validation_counts": list(split.validation_counts),
            "test_counts": list(split.test_counts),
            "notes": list(split.notes),
        },
        "baselines": [_class_baseline(b) for b in profile.baselines],
        "curve_points": profile.curve_points,
        "mean_curves": [
            {
                "class": c.class_name,
                "channel": c.channel,
                "sequences": c.sequences,
                "mean": [finite_or_null(v) for v in c.mean],
                "std": [finite_or_null(v) for v in c.std],
            }
            for c in profile.mean_curves
        ],
        "notes": list(profile.notes),
    }


def to_document(analysis: Analysis) -> dict[str, Any]:
    data, profile, diagnosis, rec = (
        analysis.data,
        analysis.profile,
        analysis.diagnosis,
        analysis.recommendation,
    )
    doc: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "data": {
            "path": data.path,
            "sha256": data.sha256,
            "rows": data.rows,
            "task": data.task,
            "target": data.target,
            "time_column": data.time_column,
            "features": list(data.features),
            "horizon": profile.horizon,
            "frequency": data.frequency,
            "notices": list(data.notices),
        },
        "profile": profile_to_dict(profile),
        "diagnosis": {
            "planned": diagnosis.planned,
            "cut": list(diagnosis.cut),
            "budget_cut": list(diagnosis.budget_cut),
            "estimate_s": None if diagnosis.estimate_s is None else round(diagnosis.estimate_s, 1),
            "differencing": None
            if diagnosis.differencing is None
            else {
                "chosen": diagnosis.differencing,
                "deseasonalize": diagnosis.deseasonalize or 0,
                "log_target": bool(diagnosis.log_target),
                "runs": [
                    {
                        "name": r.name,
                        "differencing": r.differencing,
                        "deseasonalize": r.deseasonalize,
                        "log_target": r.log_target,
                        "units": r.units,
                        "val_rmse": finite_or_null(r.val_rmse),
                        "best_epoch": r.best_epoch,
                        "seconds": r.seconds,
                    }
                    for r in diagnosis.differencing_runs
                ],
            },
            "precision": {
                "used": diagnosis.precision,
                "runs": [
                    {
                        "name": r.name,
                        "units": r.units,
                        "val_rmse": finite_or_null(r.val_rmse),
                        "best_epoch": r.best_epoch,
                        "seconds": r.seconds,
                    }
                    for r in diagnosis.precision_runs
                ],
            },
            "lookback": None
            if diagnosis.lookback is None
            else {
                "chosen": diagnosis.lookback,
                "also_searched": diagnosis.lookback_tied,
                "runs": [
                    {
                        "name": r.name,
                        "lookback": r.lookback,
                        "units": r.units,
                        "val_rmse": finite_or_null(r.val_rmse),
                        "best_epoch": r.best_epoch,
                        "seconds": r.seconds,
                    }
                    for r in diagnosis.lookback_runs
                ],
            },
            "runs": [
                {
                    "name": r.name,
                    "units": r.units,
                    "lookback": r.lookback,
                    "train_fraction": r.train_fraction,
                    "params": r.params,
                    "train_loss": [finite_or_null(v) for v in r.curve.train_loss],
                    "val_loss": [finite_or_null(v) for v in r.curve.val_loss],
                    "val_rmse": finite_or_null(r.val_rmse),
                    "seconds": r.seconds,
                    "stopped_reason": r.stopped_reason,
                    "best_epoch": r.best_epoch,
                    "reference_loss": finite_or_null(r.reference_loss),
                    "naive_loss": finite_or_null(r.naive_loss),
                }
                for r in diagnosis.runs
            ],
            "findings": [finding_to_dict(f) for f in diagnosis.findings],
            "primary": None if diagnosis.primary is None else str(diagnosis.primary),
            "notes": list(diagnosis.notes),
        },
        "recommendation": {
            "config": config_to_dict(rec.config),
            "ranges": [range_to_dict(r) for r in rec.ranges],
            "rules_fired": [hit_to_dict(h) for h in rec.rules_fired],
            "rules_not_fired": list(rec.rules_not_fired),
            "baseline_warning": rec.baseline_warning,
        },
        "verification": None,
        "final": None,
        "series": _series_preview(analysis),
        "run": {
            "dir": analysis.run_dir,
            "seed": analysis.settings.seed,
            "budget_s": analysis.settings.budget_s,
            "seconds": round(analysis.seconds, 2),
            "command": analysis.command,
            "versions": analysis.versions,
            "partial": analysis.partial,
        },
    }
    ver = analysis.verification
    if ver is not None:
        doc["verification"] = {
            "tuner": ver.tuner,
            "trials": [
                {
                    "trial_id": t.trial_id,
                    "config": config_to_dict(t.config),
                    "val_rmse": finite_or_null(t.val_rmse),
                    "is_suggestion": t.is_suggestion,
                    "history_id": t.history_id,
                    "score": None if t.score is None else finite_or_null(t.score),
                    "best_epoch": t.best_epoch,
                    "seconds": round(t.seconds, 2),
                    "cut": t.cut,
                }
                for t in ver.trials
            ],
            "suggestion_val_rmse": finite_or_null(ver.suggestion_val_rmse),
            "best_val_rmse": finite_or_null(ver.best_val_rmse),
            "best_config": config_to_dict(ver.best_config),
            "verdict": ver.verdict,
            "outcome": ver.outcome or ver.verdict,
            "verdict_reason": ver.verdict_reason,
            "budget_cut": list(ver.budget_cut),
            "baseline": None
            if ver.beats_baseline is None
            else {
                "name": ver.baseline,
                "val_rmse": finite_or_null(ver.baseline_val_rmse or math.nan),
                "lstm_val_rmse": finite_or_null(ver.held_val_rmse),
                "beaten": ver.beats_baseline,
                "test_rmse": finite_or_null(ver.baseline_test_rmse),
                "lstm_test_rmse": finite_or_null(ver.lstm_test_rmse),
                "held_on_test": ver.gain_held,
            },
            "widen": list(ver.widen),
            "seconds": round(ver.seconds, 2),
            "partial": ver.partial,
            "objective": ver.objective,
            "space_size": ver.space_size,
            "max_trials": ver.max_trials,
            "workers": ver.workers,
            "cv": _cv(ver.cv),
            "notes": list(ver.notes),
        }
    fin = analysis.final
    if fin is not None:
        doc["final"] = {
            "config": config_to_dict(fin.config),
            "test_metrics": {k: finite_or_null(v) for k, v in fin.test_metrics.items()},
            "baseline_test_metrics": {
                name: {k: finite_or_null(v) for k, v in metrics.items()}
                for name, metrics in fin.baseline_test_metrics.items()
            },
            "forecast": {
                "predicted": [finite_or_null(v) for v in fin.forecast],
                "actual": [finite_or_null(v) for v in fin.actual],
            },
            "model_path": fin.model_path,
            "seconds": round(fin.seconds, 2),
            "script_path": fin.script_path,
            "tensorboard_dir": fin.tensorboard_dir,
            "epochs_trained": fin.epochs_trained,
            "notes": list(fin.notes),
            "seeds": list(fin.seeds),
            "member_test_rmse": [finite_or_null(v) for v in fin.member_test_rmse],
            "budget_cut": list(fin.budget_cut),
        }
    if analysis.history is not None:
        doc["history"] = history_to_dict(analysis.history)
    if analysis.pretrained is not None:
        doc["pretrained"] = pretrained_to_dict(analysis.pretrained)
    if analysis.panel is not None:
        doc["panel"] = panel_to_dict(analysis.panel)
    return doc


def panel_to_dict(p: PanelComparison) -> dict[str, Any]:
    return {
        "series_col": p.series_col,
        "series": p.series,
        "lead": p.lead,
        "pretrained_on": list(p.pretrained_on),
        "pretrain_windows": p.pretrain_windows,
        "pretrain_seconds": round(p.pretrain_seconds, 2),
        "pretrain_epochs": p.pretrain_epochs,
        "compared": [
            {"series": c.series, "rows": c.rows, **pretrained_to_dict(c.comparison)}
            for c in p.compared
        ],
        "notes": list(p.notes),
    }


def pretrained_to_dict(c: PretrainedComparison) -> dict[str, Any]:
    return {
        "path": c.path,
        "sha256": c.sha256,
        "lookback": c.lookback,
        "units": list(c.units),
        "head_replaced": c.head_replaced,
        "winner": c.winner,
        "improvement": finite_or_null(c.improvement),
        "improvement_stderr": finite_or_null(c.improvement_stderr),
        "scratch": cv_summary_to_dict(c.scratch),
        "fine_tuned": cv_summary_to_dict(c.fine_tuned),
        "scratch_seconds": finite_or_null(c.scratch_seconds),
        "fine_tune_seconds": finite_or_null(c.fine_tune_seconds),
        "runs": [
            {
                "arm": r.config,
                "fold": r.fold,
                "seed": r.seed,
                "val_rmse": finite_or_null(r.val_rmse),
                "best_epoch": r.best_epoch,
            }
            for r in c.runs
        ],
        "notes": list(c.notes),
    }


def history_to_dict(use: HistoryUse) -> dict[str, Any]:
    """What the analysis took from earlier ones: each neighbour with what it scored, so
    the report can say whether its configuration won here too."""
    return {
        "path": use.path,
        "features": dict(use.features),
        "considered": use.considered,
        "neighbours": [
            {
                "id": n.past.id,
                "name": n.past.name,
                "created": n.past.created,
                "distance": round(n.distance, 4),
                "similarity": round(n.similarity, 4),
                "config": n.past.config,
                "objective": n.past.objective,
                "val_score": finite_or_null(n.past.val_score),
                "test_score": finite_or_null(n.past.test_score),
            }
            for n in use.neighbours
        ],
        "recorded_id": use.recorded_id,
        "note": use.note,
    }


def cv_summary_to_dict(s: CVSummary | None) -> dict[str, Any] | None:
    return (
        None
        if s is None
        else {"mean": finite_or_null(s.mean), "std": finite_or_null(s.std), "n": s.n}
    )


def _cv(cv: CrossValidation | None) -> dict[str, Any] | None:
    """``verification.cv``: the walk-forward cross-validation, see the schema doc."""
    if cv is None:
        return None
    return {
        "objective": cv.objective,
        "folds": [asdict(f) for f in cv.folds],
        "seeds": list(cv.seeds),
        "runs": [
            {
                "config": r.config,
                "fold": r.fold,
                "seed": r.seed,
                "score": finite_or_null(r.score),
                "val_rmse": finite_or_null(r.val_rmse),
                "best_epoch": r.best_epoch,
                "cut": r.cut,
            }
            for r in cv.runs
        ],
        "suggestion": cv_summary_to_dict(cv.suggestion),
        "best": cv_summary_to_dict(cv.best),
        "improvement": None if cv.improvement is None else finite_or_null(cv.improvement),
        "improvement_stderr": (
            None if cv.improvement_stderr is None else finite_or_null(cv.improvement_stderr)
        ),
        "beyond_noise": cv.beyond_noise,
        "planned": cv.planned,
        "cut": list(cv.cut),
        "seconds": round(cv.seconds, 2),
    }
