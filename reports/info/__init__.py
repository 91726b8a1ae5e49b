"""The ``recommendation.json`` document, parsed once into typed, frozen records.

Every section of the report and every chart reads these records, never the raw dict:
a misspelt key fails here, in one place (``KeyError``), or at the attribute (mypy,
``AttributeError``), instead of turning into a silent ``None`` deep in a sentence.
The parse keeps the document's leniency where the report always had it: optional
parts (a stage that did not run, a profile section an older document lacks) become
``None`` or empty, and ``verification.cv``'s several shapes collapse into one record.
NaN is JSON null in the document and ``None`` here; numbers are not rounded.

The records sit in ``data`` (data, profile, series), ``experiments`` (diagnosis,
recommendation) and ``checks`` (verification, final); this module holds the document
and the run, and names every record the sections use.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from advisor.core.records import ModelConfig
from advisor.reports.info.checks import (
    CvInfo,
    CvScores,
    FinalInfo,
    Metrics,
    TrialInfo,
    VerificationInfo,
)
from advisor.reports.info.data import (
    BaselineInfo,
    CovariateInfo,
    DataInfo,
    ProfileInfo,
    SeasonCandidateInfo,
    SeriesInfo,
    SplitInfo,
)
from advisor.reports.info.experiments import (
    BandInfo,
    DiagnosisInfo,
    DifferencingInfo,
    FindingInfo,
    RangeInfo,
    RecommendationInfo,
    RuleHitInfo,
    RunInfo,
)
from advisor.reports.info.history import HistoryInfo, NeighbourInfo
from advisor.reports.info.pretrained import PanelInfo, PretrainedInfo
from advisor.reports.info.values import Scalar, defined, opt_float, opt_text

__all__ = [
    "BandInfo",
    "BaselineInfo",
    "CovariateInfo",
    "CvInfo",
    "CvScores",
    "DataInfo",
    "DiagnosisInfo",
    "DifferencingInfo",
    "DocumentInfo",
    "FinalInfo",
    "FindingInfo",
    "HistoryInfo",
    "Metrics",
    "NeighbourInfo",
    "PanelInfo",
    "PretrainedInfo",
    "ProfileInfo",
    "RangeInfo",
    "RecommendationInfo",
    "RuleHitInfo",
    "RunInfo",
    "RunRecord",
    "Scalar",
    "SeasonCandidateInfo",
    "SeriesInfo",
    "SplitInfo",
    "TrialInfo",
    "VerificationInfo",
    "defined",
    "parse_document",
]


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
            dir=opt_text(r.get("dir")),
            seed=r.get("seed"),
            budget_s=opt_float(r.get("budget_s")),
            seconds=opt_float(r.get("seconds")),
            command=opt_text(r.get("command")),
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
    history: HistoryInfo | None = None
    """The similar earlier analyses tried first; ``None``: history off (or an older file)."""
    pretrained: PretrainedInfo | None = None
    """Fine-tuning a pretrained model against from scratch; ``None``: none was given."""
    panel: PanelInfo | None = None
    """Pretraining across a many-series file's series; ``None``: one series."""

    @property
    def no_gain_over_baseline(self) -> bool:
        """The LSTM showed no clear gain over the best baseline: on validation, in the
        diagnostic trainings or with the configuration the search chose, or a gain there
        that the test rows contradicted."""
        ver = self.verification
        return self.recommendation.baseline_warning or (
            ver is not None and (ver.beats_baseline is False or ver.gain_held is False)
        )

    @property
    def baseline_advised(self) -> bool:
        """The LSTM's gain over the best baseline was not established (no gain on the
        validation rows, one within the noise, or one the test rows contradicted): the
        simpler, cheaper baseline is the
        advice and the LSTM the alternative. Needs the baseline's name, which documents
        record under ``verification.baseline``."""
        ver = self.verification
        return self.no_gain_over_baseline and ver is not None and ver.baseline is not None

    @property
    def final_config(self) -> ModelConfig:
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
        history=HistoryInfo.parse(doc.get("history")),
        pretrained=PretrainedInfo.parse(doc.get("pretrained")),
        panel=PanelInfo.parse(doc.get("panel")),
    )
