"""The checks of the advice, as typed records: ``verification`` (the search's trials,
its verdict and the cross-validation) and ``final`` (the test scores and forecast).

``verification.cv`` comes in several shapes (per-training runs, per-configuration
score lists, or mean/std summaries); ``CvInfo.parse`` collapses them into one.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from advisor.core.records import ModelConfig
from advisor.reports.info.values import defined, finite, floats, opt_bool, opt_float, opt_text
from advisor.store.document import config_from_dict

# The configurations ``verification.cv`` may score, in the order the report lists them.
CV_CONFIGS = ("suggestion", "best", "baseline")


@dataclass(frozen=True)
class TrialInfo:
    trial_id: str
    config: ModelConfig
    val_rmse: float | None
    is_suggestion: bool
    history_id: int | None = None
    """The earlier analysis whose settings this trial tried (``None``: the search's own)."""


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
            improvement=finite(cv.get("improvement")),
            beyond_noise=opt_bool(cv.get("beyond_noise")),
            cut=tuple(str(c) for c in cv.get("cut") or ()),
        )


def _count(x: Any) -> int:
    return len(x) if isinstance(x, list) else int(x) if isinstance(x, int) else 0


def _numbers(values: Any) -> tuple[float, ...]:
    if not isinstance(values, list):
        return ()
    return tuple(n for n in map(finite, values) if n is not None)


def _cv_scores(name: str, scores: tuple[float, ...], summary: Any) -> CvScores | None:
    """From per-training scores where there are any, else from a ``{mean, std}`` summary."""
    if scores:
        spread = statistics.stdev(scores) if len(scores) > 1 else None
        return CvScores(name, scores, statistics.fmean(scores), spread)
    if not isinstance(summary, dict) or finite(summary.get("mean")) is None:
        return None
    std, n = finite(summary.get("std")), summary.get("n")
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
    outcome: str | None = None
    """What the comparison found; differs from ``verdict`` where that is provisional."""
    budget_cut: tuple[str, ...] = ()
    beats_baseline: bool | None = None
    """Whether the chosen configuration clearly beat the best baseline on validation;
    ``None`` where the document does not say."""
    baseline: str | None = None
    """That baseline's name."""
    baseline_val_rmse: float | None = None
    baseline_lstm_val_rmse: float | None = None
    """The chosen configuration's validation RMSE as held against the baseline (files
    written before it was recorded: the best trial's)."""
    baseline_test_rmse: float | None = None
    lstm_test_rmse: float | None = None
    gain_held: bool | None = None
    """Whether a gain on validation held on the test rows (``False``: withdrawn);
    ``None`` where none was claimed or the document does not say."""

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
                    config_from_dict(t["config"]),
                    opt_float(t.get("val_rmse")),
                    bool(t.get("is_suggestion")),
                    None if t.get("history_id") is None else int(t["history_id"]),
                )
                for t in v.get("trials") or ()
            ),
            verdict=str(v["verdict"]),
            verdict_reason=opt_text(v.get("verdict_reason")),
            widen=tuple(str(w) for w in v.get("widen") or ()),
            partial=bool(v.get("partial")),
            seconds=float(v.get("seconds") or 0),
            suggestion_val_rmse=opt_float(v.get("suggestion_val_rmse")),
            best_val_rmse=opt_float(v.get("best_val_rmse")),
            cv=CvInfo.parse(v.get("cv")),
            outcome=opt_text(v.get("outcome")),
            budget_cut=tuple(str(c) for c in v.get("budget_cut") or ()),
            beats_baseline=None if not v.get("baseline") else bool(v["baseline"].get("beaten")),
            baseline=opt_text((v.get("baseline") or {}).get("name")),
            baseline_val_rmse=opt_float((v.get("baseline") or {}).get("val_rmse")),
            baseline_lstm_val_rmse=opt_float(
                (v.get("baseline") or {}).get("lstm_val_rmse", v.get("best_val_rmse"))
            ),
            baseline_test_rmse=opt_float((v.get("baseline") or {}).get("test_rmse")),
            lstm_test_rmse=opt_float((v.get("baseline") or {}).get("lstm_test_rmse")),
            gain_held=opt_bool((v.get("baseline") or {}).get("held_on_test")),
        )


# ---------------------------------------------------------------------------- final


Metrics = Mapping[str, float | None]


@dataclass(frozen=True)
class FinalInfo:
    config: ModelConfig
    test_metrics: Metrics
    baseline_test_metrics: Mapping[str, Metrics]
    """Per baseline, in the document's order."""
    predicted: tuple[float | None, ...]
    actual: tuple[float | None, ...]
    model_path: str | None
    seconds: float
    seeds: tuple[int, ...] = ()
    """Seeds of the trainings the model averages; empty in files written before that."""
    member_rmse: tuple[float | None, ...] = ()

    @classmethod
    def parse(cls, f: Mapping[str, Any]) -> FinalInfo:
        forecast = f.get("forecast") or {}
        return cls(
            config=config_from_dict(f["config"]),
            test_metrics=_metrics(f.get("test_metrics")),
            baseline_test_metrics={
                str(name): _metrics(m) for name, m in (f.get("baseline_test_metrics") or {}).items()
            },
            predicted=floats(forecast.get("predicted")),
            actual=floats(forecast.get("actual")),
            model_path=opt_text(f.get("model_path")),
            seconds=float(f.get("seconds") or 0),
            seeds=tuple(int(v) for v in f.get("seeds") or ()),
            member_rmse=floats(f.get("member_test_rmse")),
        )


def _metrics(m: Mapping[str, Any] | None) -> Metrics:
    return {str(k): opt_float(v) for k, v in (m or {}).items()}
