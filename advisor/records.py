"""Typed records passed between the stages of an analysis.

Data flows one way: ``SeriesData -> Profile -> DiagnosticRun(s) -> Diagnosis ->
Facts -> RuleHit(s) -> Recommendation -> Verification -> FinalResult -> Analysis``.
Every record is frozen, so a stage can never change what an earlier stage produced,
and a misspelt field is an ``AttributeError`` rather than a silent ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import pandas as pd

Task = Literal["forecast", "classify"]
Scaling = Literal["standard", "minmax", "none"]


@dataclass(frozen=True)
class Settings:
    """What the user asked for; every field has a command-line flag."""

    target: str | None = None
    time_col: str | None = None
    task: Literal["forecast", "classify", "auto"] = "auto"
    horizon: int | None = None
    budget_s: float = 120.0
    seed: int = 0
    season: int | None = None
    max_units: int | None = None
    lookback: int | None = None


@dataclass(frozen=True, eq=False)
class SeriesData:
    """A cleaned, time-ordered forecasting table read from the user's file.

    ``frame`` holds the target first, then the numeric covariates, indexed by time
    (or by row number where the file has no time column).
    """

    path: str
    sha256: str
    target: str
    time_column: str | None
    features: tuple[str, ...]
    frame: pd.DataFrame
    frequency: str | None
    notices: tuple[str, ...] = ()
    task: Task = "forecast"

    @property
    def rows(self) -> int:
        return len(self.frame)


@dataclass(frozen=True)
class Split:
    """Chronological train / validation / test boundaries (row counts)."""

    train: int
    validation: int
    test: int

    @property
    def train_end(self) -> int:
        return self.train

    @property
    def validation_end(self) -> int:
        return self.train + self.validation


@dataclass(frozen=True)
class Baseline:
    name: str
    rmse: float
    mae: float


@dataclass(frozen=True)
class Profile:
    """What the probes found; every figure is measured on the training split only
    except ``rows`` and ``split``, and the baselines, scored on validation."""

    rows: int
    split: Split
    horizon: int
    missing_share: float
    mean: float
    std: float
    minimum: float
    maximum: float
    acf: tuple[float, ...]
    acf_confidence: float
    significant_lags: tuple[int, ...]
    seasonal_period: int | None
    season_source: Literal["user", "acf", "none"]
    adf_pvalue: float
    kpss_pvalue: float
    stationarity: Literal["stationary", "trend-stationary", "difference-stationary", "unclear"]
    trend_strength: float
    baselines: tuple[Baseline, ...]
    notes: tuple[str, ...] = ()

    @property
    def best_baseline(self) -> Baseline:
        return min(self.baselines, key=lambda b: b.rmse)


@dataclass(frozen=True)
class Curve:
    """Per-epoch losses of one training run (mean squared error on scaled data)."""

    train_loss: tuple[float, ...]
    val_loss: tuple[float, ...]

    @property
    def epochs(self) -> int:
        return len(self.train_loss)


@dataclass(frozen=True)
class DiagnosticRun:
    """One short training: its settings, its curve and its validation score."""

    name: str
    units: int
    lookback: int
    train_fraction: float
    params: int
    curve: Curve
    val_rmse: float
    seconds: float
    reference_loss: float
    """Loss of always predicting the training mean, in the same scaled units."""
    best_epoch: int
    stopped_reason: Literal["completed", "early_stopping", "nan", "budget"] = "completed"


@dataclass(frozen=True)
class Finding:
    """A named diagnosis with the numbers behind it."""

    id: str
    summary: str
    evidence: dict[str, float]
    confidence: float


@dataclass(frozen=True)
class Diagnosis:
    runs: tuple[DiagnosticRun, ...]
    findings: tuple[Finding, ...]
    planned: str
    cut: tuple[str, ...] = ()

    def has(self, finding_id: str) -> bool:
        return any(f.id == finding_id for f in self.findings)


@dataclass(frozen=True)
class LayerConfig:
    units: int
    dropout: float
    recurrent_dropout: float


@dataclass(frozen=True)
class ModelConfig:
    """Everything needed to rebuild and retrain the model (``final.config``)."""

    lookback: int
    layers: tuple[LayerConfig, ...]
    l2: float
    learning_rate: float
    batch_size: int
    epochs: int
    early_stopping_patience: int
    scaling: Scaling
    differencing: int


@dataclass(frozen=True)
class RuleHit:
    """One rule that fired: which setting it touched and why."""

    rule_id: str
    setting: str
    value: float | int | str
    rationale: str
    evidence: dict[str, float | int | str | bool]
    confidence: float
    priority: int
    applied: bool = True
    overridden_by: str | None = None


@dataclass(frozen=True)
class Range:
    """A narrowed search range for one setting: either choices or low..high."""

    setting: str
    choices: tuple[float | int | str, ...] = ()
    low: float | None = None
    high: float | None = None
    log: bool = False


@dataclass(frozen=True)
class Recommendation:
    config: ModelConfig
    ranges: tuple[Range, ...]
    rules_fired: tuple[RuleHit, ...]
    rules_not_fired: tuple[str, ...] = ()
    baseline_warning: bool = False


@dataclass(frozen=True)
class Trial:
    trial_id: str
    config: ModelConfig
    val_rmse: float
    is_suggestion: bool = False


@dataclass(frozen=True)
class Verification:
    tuner: str
    trials: tuple[Trial, ...]
    suggestion_val_rmse: float
    best_val_rmse: float
    best_config: ModelConfig
    verdict: Literal["confirmed", "refined", "widen"]
    verdict_reason: str
    widen: tuple[str, ...] = ()
    seconds: float = 0.0
    partial: bool = False


@dataclass(frozen=True)
class FinalResult:
    config: ModelConfig
    test_metrics: dict[str, float]
    baseline_test_metrics: dict[str, dict[str, float]]
    forecast: tuple[float, ...]
    actual: tuple[float, ...]
    model_path: str | None
    seconds: float


@dataclass(frozen=True)
class Analysis:
    """The whole result; the CLI, the report and ``recommendation.json`` render it."""

    data: SeriesData
    settings: Settings
    profile: Profile
    diagnosis: Diagnosis
    recommendation: Recommendation
    verification: Verification | None
    final: FinalResult | None
    run_dir: str
    versions: dict[str, str] = field(default_factory=dict)
    command: str = ""
    seconds: float = 0.0

    def _repr_html_(self) -> str:
        from advisor.reports.html import render_html

        return render_html(self)
