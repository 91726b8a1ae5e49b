"""The experiments and their advice, as typed records: ``diagnosis`` (the diagnostic
runs and findings) and ``recommendation`` (the configuration, the rules that fired,
the narrowed ranges). A configuration is core's own ``ModelConfig``, read by the
document module's ``config_from_dict`` (the inverse of what wrote it), so its fields are
written once.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from advisor.core.findings import choose_primary
from advisor.core.records import ModelConfig
from advisor.reports.info.values import Scalar, floats, opt_float, opt_text, pairs
from advisor.store.document import config_from_dict


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
            train_loss=floats(r.get("train_loss")),
            val_loss=floats(r.get("val_loss")),
            val_rmse=opt_float(r.get("val_rmse")),
            seconds=float(r.get("seconds") or 0),
            stopped_reason=r.get("stopped_reason"),
        )


@dataclass(frozen=True)
class DifferencingInfo:
    """Which target the small models learned best before the sweep: lag -> val RMSE."""

    chosen: int
    scores: tuple[tuple[int, float | None], ...]
    season_out: int = 0
    """The season whose average pattern the chosen target has taken out (0: none)."""
    seasons_out: tuple[int, ...] = ()
    """Per entry of ``scores``, the season its run took out (0: none); empty: none did."""

    @classmethod
    def parse(cls, d: Mapping[str, Any] | None, key: str) -> DifferencingInfo | None:
        """A comparison's record (``chosen`` and its ``runs``, each holding ``key``)."""
        if not d or not d.get("runs"):
            return None
        seasons = tuple(int(r.get("deseasonalize") or 0) for r in d["runs"])
        return cls(
            int(d["chosen"]),
            tuple((int(r[key]), opt_float(r["val_rmse"])) for r in d["runs"]),
            int(d.get("deseasonalize") or 0),
            seasons if any(seasons) else (),
        )


@dataclass(frozen=True)
class BandInfo:
    """A finding's noise band: the RMSE ratio of its comparison and its interval."""

    ratio: float
    low: float
    high: float
    level: float
    origins: int
    block: int

    @classmethod
    def parse(cls, b: Mapping[str, Any] | None) -> BandInfo | None:
        if not b:
            return None
        ratio = opt_float(b.get("ratio"))
        if ratio is None:
            return None
        # An unbounded band (too few independent stretches of origins) is written with
        # null limits, as every non-finite number is.
        low, high = opt_float(b.get("low")), opt_float(b.get("high"))
        return cls(
            ratio,
            0.0 if low is None else low,
            math.inf if high is None else high,
            float(b.get("level") or 0.9),
            int(b["origins"]),
            int(b["block"]),
        )

    @property
    def within_noise(self) -> bool:
        return self.low <= 1.0 <= self.high


@dataclass(frozen=True)
class FindingInfo:
    id: str
    summary: str
    confidence: float
    evidence: tuple[tuple[str, Scalar], ...]
    band: BandInfo | None = None


@dataclass(frozen=True)
class DiagnosisInfo:
    planned: str | None = None
    cut: tuple[str, ...] = ()
    budget_cut: tuple[str, ...] = ()
    """The part of ``cut`` the time budget caused (the rest: the data's size)."""
    runs: tuple[RunInfo, ...] = ()
    findings: tuple[FindingInfo, ...] = ()
    differencing: DifferencingInfo | None = None
    lookback: DifferencingInfo | None = None
    """The windows compared before the sweep (steps -> val RMSE), where they were."""
    primary: str | None = None
    """The finding the advice follows; where an older document lacks it, chosen from the
    findings by the same precedence as the diagnosis."""
    notes: tuple[str, ...] = ()
    """Comparisons that stayed within their noise band."""

    @classmethod
    def parse(cls, d: Mapping[str, Any]) -> DiagnosisInfo:
        findings = d.get("findings") or ()
        return cls(
            planned=opt_text(d.get("planned")),
            cut=tuple(str(c) for c in d.get("cut") or ()),
            budget_cut=tuple(str(c) for c in d.get("budget_cut") or ()),
            runs=tuple(RunInfo.parse(r) for r in d.get("runs") or ()),
            findings=tuple(
                FindingInfo(
                    str(f["id"]),
                    str(f["summary"]),
                    float(f["confidence"]),
                    pairs(f.get("evidence")),
                    BandInfo.parse(f.get("band")),
                )
                for f in findings
            ),
            differencing=DifferencingInfo.parse(d.get("differencing"), "differencing"),
            lookback=DifferencingInfo.parse(d.get("lookback"), "lookback"),
            primary=opt_text(d.get("primary"))
            or choose_primary({str(f["id"]): float(f["confidence"]) for f in findings}),
            notes=tuple(str(n) for n in d.get("notes") or ()),
        )

    @property
    def finding_ids(self) -> tuple[str, ...]:
        return tuple(f.id for f in self.findings)


# ------------------------------------------------------------------- recommendation


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
            evidence=pairs(h.get("evidence")),
            confidence=float(h["confidence"]),
            applied=bool(h.get("applied", True)),
            overridden_by=opt_text(h.get("overridden_by")),
        )


@dataclass(frozen=True)
class RangeInfo:
    """A narrowed range: a list of choices, else ``low`` to ``high``."""

    setting: str
    choices: tuple[Scalar, ...]
    low: Scalar = None
    high: Scalar = None
    log: bool = False

    @classmethod
    def parse(cls, x: Mapping[str, Any]) -> RangeInfo:
        """A ``recommendation.ranges`` entry, either task's."""
        return cls(
            str(x["setting"]),
            tuple(x.get("choices") or ()),
            x.get("low"),
            x.get("high"),
            bool(x.get("log")),
        )


@dataclass(frozen=True)
class RecommendationInfo:
    config: ModelConfig
    ranges: tuple[RangeInfo, ...]
    rules_fired: tuple[RuleHitInfo, ...]
    rules_not_fired: tuple[str, ...]
    baseline_warning: bool

    @classmethod
    def parse(cls, r: Mapping[str, Any]) -> RecommendationInfo:
        return cls(
            config=config_from_dict(r["config"]),
            ranges=tuple(RangeInfo.parse(x) for x in r.get("ranges") or ()),
            rules_fired=tuple(RuleHitInfo.parse(h) for h in r.get("rules_fired") or ()),
            rules_not_fired=tuple(str(x) for x in r.get("rules_not_fired") or ()),
            baseline_warning=bool(r.get("baseline_warning")),
        )
