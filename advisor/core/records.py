"""Typed records passed between the stages of an analysis.

Data flows one way: ``SeriesData -> Profile -> DiagnosticRun(s) -> Diagnosis ->
Facts -> RuleHit(s) -> Recommendation -> Verification -> FinalResult -> Analysis``.
Every record is frozen, so a stage can never change what an earlier stage produced,
and a misspelt field is an ``AttributeError`` rather than a silent ``None``.

One module of declarations, in the order the data flows through them (some 600 lines):
its length is the size of the vocabulary, not of any logic, and one place to read the
whole flow beats several files to keep in step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from advisor.core.history import HistoryUse

if TYPE_CHECKING:
    import pandas as pd

Task = Literal["forecast", "classify"]
TaskChoice = Literal["forecast", "classify", "auto"]
"""What the user may ask for: a task, or ``auto`` to let the data decide."""
Tuner = Literal["bayesian", "hyperband", "random", "grid"]
Outcome = Literal["confirmed", "refined", "widen", "untested"]
"""What verification found: the suggestion held against the search's alternatives, one of
them replaced it (on an edge of its range: widen), or nothing was compared with it."""
Verdict = Literal["confirmed", "refined", "widen", "untested", "provisional"]
"""The outcome, or ``provisional`` where a user's --budget cut any stage short."""
Scaling = Literal["standard", "minmax", "none"]
# What the models compute in: float32, or bfloat16 (float32 weights, bfloat16 arithmetic).
Precision = Literal["float32", "bfloat16"]
PrecisionChoice = Literal["auto", "float32", "bfloat16"]


@dataclass(frozen=True)
class Settings:
    """What the user asked for; every field has a command-line flag."""

    target: str | None = None
    time_col: str | None = None
    task: TaskChoice = "auto"
    horizon: int | None = None
    budget_s: float | None = None
    """The user's wall-clock budget in seconds; ``None`` is ``auto``: the whole plan runs
    uncut, whatever the machine's speed, and only the estimate depends on it."""
    seed: int = 0
    season: int | None = None
    max_units: int | None = None
    lookback: int | None = None
    tuner: Tuner = "bayesian"
    metric: str | None = None
    """The search's objective; ``None`` follows the task (validation RMSE)."""
    max_trials: int | None = None
    """The search's trial budget; ``None`` leaves it to the advisor."""
    precision: PrecisionChoice = "auto"
    """What the models compute in; ``auto`` compares bfloat16 with float32 where the GPU
    computes in bfloat16 natively, and is float32 elsewhere."""


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
    target_missing: int = 0
    """Target values missing in the file (inside the series) that intake filled in."""

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
    val_errors: tuple[float, ...] = ()
    """Squared error at each validation origin (mean over the horizon, target units), on
    the origins ``forecast_eval.origins`` gives, as ``DiagnosticRun.val_errors``: what a
    paired comparison with an LSTM needs. Empty where not measured."""


SeasonSource = Literal["user", "acf", "frequency", "none"]
"""Where the season came from: ``--season``, the data (periodogram and autocorrelation),
the time column's calendar (no repeating pattern in the data), or nowhere."""


@dataclass(frozen=True)
class SeasonCandidate:
    """One period the season probe weighed, with the evidence for and against it."""

    period: int
    source: Literal["spectrum", "acf", "frequency", "user"]
    autocorrelation: float
    """Correlation of the detrended series with itself one period back."""
    strength: float
    """Share of the detrended variance a fixed profile over the period explains (0..1)."""
    threshold: float
    """The autocorrelation this period had to reach: chance level or materiality."""
    verdict: str
    """``season``, or why not: ``weak``, ``no rise``, ``harmonic of 12``, ``adds nothing to 24``."""
    naive_rmse: float | None = None
    """Validation RMSE of the seasonal naive forecast at this period: the primary season
    is the one that forecasts best."""


@dataclass(frozen=True)
class Seasonality:
    """Seasons found in the data and how much of the series they and the trend explain."""

    periods: tuple[int, ...]
    """Every season the data shows, shortest first; empty where none."""
    calendar_periods: tuple[int, ...]
    """The time column's natural cycles (12 for months, 24 and 168 for hours): hints."""
    seasonal_strength: float
    """STL seasonal strength at the chosen period, 0..1 (Wang, Smith & Hyndman 2006)."""
    trend_strength: float
    """STL trend strength, 0..1 (a moving-average trend where there is no season)."""
    snr: float
    """Variance of trend + season over the variance of the remainder."""
    candidates: tuple[SeasonCandidate, ...]
    rows_used: int


@dataclass(frozen=True)
class UnitRoot:
    """The tests behind ``Profile.stationarity`` and the differencing they suggest."""

    adf_trend_pvalue: float
    """ADF with constant and trend: a small value rejects a unit root around a trend."""
    kpss_trend_pvalue: float
    """KPSS around a trend: a small value rejects trend-stationarity."""
    differencing_order: int
    """First differences needed for KPSS to stop rejecting (0..2), as in ``ndiffs``."""
    seasonal_differencing_order: int
    """1 where the seasonal strength calls for a seasonal difference, as in ``nsdiffs``."""
    rows_used: int
    differencing_after_season: int = -1
    """First differences KPSS asks for once a season back is subtracted (``ndiffs`` after
    ``nsdiffs``); -1 where no seasonal difference is called for."""


@dataclass(frozen=True)
class LagStructure:
    """Partial autocorrelation, the linear memory, and the lookback they suggest."""

    pacf: tuple[float, ...]
    """Partial autocorrelation by lag (lag 0 first) of the differenced series."""
    significant_pacf_lags: tuple[int, ...]
    ar_order: int
    """Order of the AR model with the lowest AIC, counted in levels (differences included)."""
    lookback: int
    lookback_low: int
    lookback_high: int
    lookback_reason: str


@dataclass(frozen=True)
class Complexity:
    """How predictable and how linear the (differenced where needed) series is."""

    differenced: int
    """Times the series was differenced before these measures (0: levels)."""
    ar_r2: float
    """Share of the variance the selected AR model explains one step ahead."""
    spectral_entropy: float
    """Normalised entropy of the power spectrum: 0 one pure cycle, 1 white noise."""
    permutation_entropy: float
    """Normalised Bandt-Pompe entropy of ordinal patterns: 1 is fully random."""
    permutation_order: int
    bds_statistic: float
    bds_pvalue: float
    """BDS test on the AR residuals: a small value means structure a linear model misses."""
    nonlinear: bool
    rows_used: int


@dataclass(frozen=True)
class CovariateLink:
    """A covariate's strongest correlation with the target at a lag usable for forecasting."""

    name: str
    lag: int
    """The covariate ``lag`` steps earlier is compared with the target now (>= 1)."""
    correlation: float
    significant: bool


@dataclass(frozen=True)
class Quality:
    """Scale and data quality of the target on train."""

    outliers: int
    """Remainder values with a robust z-score above 3.5 (Iglewicz & Hoaglin)."""
    outlier_share: float
    outlier_rows: tuple[int, ...]
    """Positions (0-based rows of train) of the largest few outliers."""
    level_shifts: tuple[int, ...]
    """Positions where the level jumps and stays."""
    skewness: float
    """Of the training values: far from 0, a log or power transform may help."""
    excess_kurtosis: float
    """Of the remainder; a normal distribution has 0."""
    heavy_tails: bool
    spread_ratio: float
    """Remainder spread in the last third of train over the first third (1: steady)."""
    positive: bool
    """Every training value is above zero, so a log transform is possible."""
    covariates: tuple[CovariateLink, ...] = ()


@dataclass(frozen=True)
class SizeBudget:
    """How much data there is for the weights an LSTM of a given width has."""

    lookback: int
    train_windows: int
    """Training windows at ``lookback`` and the horizon."""
    inputs: int
    """Values per time step: the target and the covariates."""
    widths: tuple[int, ...]
    params: tuple[int, ...]
    """Weights of ``LSTM(width) -> Dense(horizon)`` for each width."""
    max_units: int
    """The widest ``LSTM -> Dense`` within ten weights per training window (the rules'
    ``PARAMS_PER_WINDOW``)."""


# The log is tried where the spread grows almost in proportion to the level: Guerrero's
# lambda at most this (0 is a log, 1 no transform; halfway is the customary cut) ...
LOG_LAMBDA = 0.5
# ... and where the level moves enough for a log to bend the series: over a range of
# less than 2x a log is close to a straight line, and the comparison would cost training
# for a form the others already are.
LOG_RANGE = 2.0


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
    season_source: SeasonSource
    adf_pvalue: float
    kpss_pvalue: float
    stationarity: Literal["stationary", "trend-stationary", "difference-stationary", "unclear"]
    trend_strength: float
    """Share of the training variance a straight line explains (R squared)."""
    baselines: tuple[Baseline, ...]
    seasonality: Seasonality
    unit_root: UnitRoot
    lags: LagStructure
    complexity: Complexity
    quality: Quality
    size: SizeBudget
    notes: tuple[str, ...] = ()
    positive: bool = False
    """Every value of the target, on every row, is above zero: where its log is defined
    (the transform applies to all rows, so the check covers all; it reads no score)."""
    boxcox_lambda: float = math.nan
    """Guerrero's Box-Cox lambda on the training rows (coreforecast): the power that makes
    the spread within each season least dependent on its level. Near 0: the spread grows
    in proportion to the level, as a log undoes; near 1: it does not grow. NaN where a
    value is not positive."""

    @property
    def log_worth_trying(self) -> bool:
        """Whether the comparison of the target's forms also tries its log: the target is
        positive, its spread grows with its level (``boxcox_lambda`` at most LOG_LAMBDA)
        and its level changes enough for a log to bend it (the training rows' largest
        value at least LOG_RANGE times the smallest)."""
        return (
            self.positive
            and self.boxcox_lambda <= LOG_LAMBDA
            and self.maximum >= LOG_RANGE * self.minimum
        )

    @property
    def baseline_periods(self) -> tuple[int, ...]:
        """The seasons the baselines try: every one found, and the primary one (which may
        be the calendar's or the user's)."""
        found = self.seasonality.periods
        if self.seasonal_period and self.seasonal_period not in found:
            return (*found, self.seasonal_period)
        return found

    @property
    def best_baseline(self) -> Baseline:
        return min(self.baselines, key=lambda b: b.rmse)


@dataclass(frozen=True)
class Curve:
    """Per-epoch losses of one training run: mean squared error on scaled data for a
    forecaster, cross-entropy for a classifier (``class_models.ClassRun``)."""

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
    stopped_reason: Literal["completed", "early_stopping", "nan", "diverged", "budget"] = (
        "completed"
    )
    naive_loss: float = math.nan
    """Loss of the naive forecast (last value; no change where differenced) on the same
    training windows, in the same scaled units; NaN where not measured."""
    differencing: int = 0
    """Lag of the change the run's model learned (``ModelConfig.differencing``)."""
    deseasonalize: int = 0
    """Season whose average pattern was taken out before it (``ModelConfig.deseasonalize``)."""
    log_target: bool = False
    """Whether the run's model learned the target's log (``ModelConfig.log_target``)."""
    val_errors: tuple[float, ...] = ()
    """Squared error at each validation origin (mean over the horizon steps, target
    units), so ``val_rmse`` is the root of their mean. Two runs scored on the same origins
    are compared origin by origin (``diagnostics.noise``). Empty for runs saved before it
    was recorded: their comparisons have no noise band."""


@dataclass(frozen=True)
class NoiseBand:
    """How far a comparison of two validation scores could move by chance: a paired
    block bootstrap over the validation origins (``diagnostics.noise``), or over the
    validation sequences of a classifier (blocks of one: the sequences are independent)."""

    ratio: float
    """RMSE of the first over the second, on the origins both were scored on; for a
    classifier, its mean log loss or accuracy over the other's on the same sequences."""
    low: float
    high: float
    """The ratio's ``level`` bootstrap interval."""
    origins: int
    """Validation origins (a classifier's: validation sequences) resampled."""
    block: int
    """Origins per resampled block (neighbouring origins share target rows)."""
    level: float = 0.9

    @property
    def change(self) -> float:
        """Relative change of the first against the second (-0.03: 3% lower)."""
        return self.ratio - 1.0

    @property
    def bounded(self) -> bool:
        """False where the origins hold too few independent stretches to draw a band
        (``high`` is then infinite): nothing can be told from noise."""
        return math.isfinite(self.high)

    @property
    def lower(self) -> bool:
        """The first is lower beyond the noise: the whole band lies below 1."""
        return self.high < 1.0

    @property
    def higher(self) -> bool:
        return self.low > 1.0


@dataclass(frozen=True)
class Finding:
    """A named diagnosis with the numbers behind it."""

    id: str
    summary: str
    evidence: dict[str, float]
    confidence: float
    runs: tuple[str, ...] = ()
    """Names of the diagnostic runs the finding is about."""
    band: NoiseBand | None = None
    """The noise band of the comparison the finding rests on (a width against a width, a
    data fraction against another, the LSTM against the baseline); ``None`` where it
    rests on one run's curve, or where the runs have no per-origin errors."""


@dataclass(frozen=True)
class Diagnosis:
    runs: tuple[DiagnosticRun, ...]
    findings: tuple[Finding, ...]
    planned: str
    cut: tuple[str, ...] = ()
    differencing_runs: tuple[DiagnosticRun, ...] = ()
    """One small model per form of the target tried: per differencing lag (named
    ``differencing-<lag>``) and, where a season allows, per lag after the season's average
    pattern is taken out (``deseasonalized-<lag>``)."""
    differencing: int | None = None
    """The lag those runs chose (the one every diagnostic run used); ``None`` where they
    did not run and the statistical tests alone chose it."""
    deseasonalize: int | None = None
    """The season whose pattern those runs chose to take out (0: none); ``None`` where
    they did not run."""
    log_target: bool | None = None
    """Whether those runs chose the target's log; ``None`` where they did not run."""
    budget_cut: tuple[str, ...] = ()
    """The part of ``cut`` the time budget caused (the rest: the data's size, --max-units)."""
    estimate_s: float | None = None
    """Worst-case seconds of the whole uncut analysis on this machine (every training to
    its epoch cap), from the cost of an epoch measured before the diagnostics."""
    primary: str | None = None
    """The one finding the advice follows (a ``FindingId``), chosen by
    ``core.findings.PRECEDENCE``; the others are secondary. ``None`` where there is no
    finding (or the diagnosis was saved before this was recorded)."""
    notes: tuple[str, ...] = ()
    """Comparisons that stayed within their noise band, in plain words: no difference
    found, so no finding."""
    lookback_runs: tuple[DiagnosticRun, ...] = ()
    """One small model per candidate window tried (named ``lookback-<steps>``)."""
    lookback: int | None = None
    """The window those runs chose (the one every later diagnostic run used); ``None``
    where they did not run and the rules' default stood."""
    lookback_tied: int | None = None
    """Another window those runs could not tell from the chosen one (within the noise),
    which the search tries as well; ``None`` where the chosen one won clearly."""
    precision: Precision = "float32"
    """What every training after the comparison computed in: the diagnostic runs, the
    search, cross-validation and the final model."""
    precision_runs: tuple[DiagnosticRun, ...] = ()
    """One small model per precision compared (named ``precision-<name>``), where the
    comparison ran."""

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
    season_position: int = 0
    """A season whose position each step also gets as two inputs (the sine and cosine of
    its phase, counted from the series' first row); 0: none. The rules set it where the
    window is shorter than the season, so the window alone cannot show where in it a step
    lies; where the window holds a season, the search may choose it."""
    deseasonalize: int = 0
    """A season whose average pattern is taken out of the target before differencing and
    scaling, and added back to the forecasts; 0: none. The pattern is a classical
    additive decomposition's, estimated on the rows the scaler sees (the training rows),
    so a forecast adds the same fixed pattern a season repeats. Differencing at a season
    takes the last season's values, noise and all; the average pattern does not."""
    log_target: bool = False
    """Whether the model learns the target's natural log (before the season's pattern is
    taken out and before differencing) and its forecasts are turned back by ``exp``. A
    season whose swing grows with the level then has a fixed pattern in the log, and a
    change is a ratio: what an additive pattern or difference cannot follow. Only where
    every value is positive (``Profile.log_worth_trying``)."""


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
    score: float | None = None
    """The search objective's value (``None`` where training diverged)."""
    best_epoch: int = 0
    seconds: float = 0.0
    cut: bool = False
    """The time budget stopped its training early: its score is not comparable."""
    history_id: int | None = None
    """The earlier analysis (history database id) whose configuration this trial tried,
    its settled settings this search's own; ``None`` for the search's own proposals."""


@dataclass(frozen=True)
class CVRun:
    """One walk-forward training: a configuration on one fold with one seed."""

    config: Literal["suggestion", "best"]
    fold: int
    seed: int
    score: float
    val_rmse: float
    best_epoch: int
    cut: bool = False
    """The time budget stopped it while it was still improving, so ``best_epoch`` is
    where the budget ran out, not where early stopping would have settled."""


@dataclass(frozen=True)
class Fold:
    """Train on rows ``[0, train_end)``, validate on ``[train_end, validation_end)``."""

    index: int
    train_end: int
    validation_end: int


@dataclass(frozen=True)
class CVSummary:
    mean: float
    std: float
    n: int


@dataclass(frozen=True)
class CrossValidation:
    """Walk-forward cross-validation of the suggestion and the search's best.

    ``improvement`` is the best's relative gain on the objective (positive: the best did
    better), averaged over each fold's (fold, seed) pairs and then over the folds;
    ``beyond_noise`` says whether it clears a t-test at 95% over the folds
    (``crossval.compare``).
    """

    objective: str
    folds: tuple[Fold, ...]
    seeds: tuple[int, ...]
    runs: tuple[CVRun, ...]
    suggestion: CVSummary | None
    best: CVSummary | None
    improvement: float | None = None
    improvement_stderr: float | None = None
    beyond_noise: bool = False
    planned: str = ""
    cut: tuple[str, ...] = ()
    seconds: float = 0.0


@dataclass(frozen=True)
class Verification:
    tuner: str
    trials: tuple[Trial, ...]
    suggestion_val_rmse: float
    best_val_rmse: float
    best_config: ModelConfig
    verdict: Verdict
    verdict_reason: str
    widen: tuple[str, ...] = ()
    seconds: float = 0.0
    partial: bool = False
    objective: str = "val_rmse"
    space_size: float | None = None
    """Distinct configurations in the narrowed space (``None``: a range is continuous)."""
    max_trials: int = 0
    cv: CrossValidation | None = None
    notes: tuple[str, ...] = ()
    """What was cut or skipped, in plain words."""
    workers: int = 0
    outcome: Outcome | None = None
    """What the comparison found, also where the verdict is ``provisional``."""
    budget_cut: tuple[str, ...] = ()
    """What the time budget cut in the search and the cross-validation, in plain words."""
    baseline: str | None = None
    """The best baseline on validation: what the chosen configuration has to beat."""
    baseline_val_rmse: float | None = None
    beats_baseline: bool | None = None
    """The chosen configuration's validation RMSE is clearly (by the diagnosis' margin)
    below the baseline's; ``None`` where it was not compared."""
    chosen_val_rmse: float | None = None
    """The chosen configuration's validation RMSE, as held against the baseline: the mean
    over the cross-validation's seeds on its most recent fold (the validation split), or
    its search trial's where that did not run. Not the best trial's, which is chosen
    for being lowest on these rows and may not be the configuration kept."""
    chosen_trial: str = ""
    """The search trial of the configuration kept (``""``: records made before it)."""
    chosen_label: Literal["suggestion", "best"] = "suggestion"
    """Which of the cross-validation's two configurations was kept."""
    baseline_test_rmse: float | None = None
    """That baseline's RMSE on the held-out test rows (``None``: no final model)."""
    lstm_test_rmse: float | None = None
    """The final model's RMSE on those rows."""
    final_epochs_settled: bool = True
    """Early stopping settled the final training's epoch count (a training of the chosen
    configuration ended by itself). Where the budget cut every one, the count is the
    rules' suggestion, which a user's budget may cut too."""

    @property
    def held_val_rmse(self) -> float:
        """The validation RMSE held against the baseline: ``chosen_val_rmse``, or the best
        trial's in records made before it was kept."""
        chosen = self.chosen_val_rmse
        return chosen if chosen is not None and math.isfinite(chosen) else self.best_val_rmse

    @property
    def gain_held(self) -> bool | None:
        """Whether a gain over the baseline on validation held on the test rows: the final
        model below the same baseline there. ``None`` where no gain was found on
        validation or the test side is missing; ``False`` withdraws the claim, since
        a lead the held-out rows contradict is not one to build on."""
        lstm, base = self.lstm_test_rmse, self.baseline_test_rmse
        if not self.beats_baseline or lstm is None or base is None:
            return None
        if not (math.isfinite(lstm) and math.isfinite(base)):
            return None
        return lstm < base

    @property
    def gain_claimed(self) -> bool:
        """The chosen configuration beat the baseline on validation and the test rows did
        not contradict it (or there were none)."""
        return bool(self.beats_baseline) and self.gain_held is not False


@dataclass(frozen=True)
class ArmRun:
    """One training of one arm of the pretrained comparison on one fold with one seed:
    ``config`` names the arm (``scratch`` or ``fine_tuned``), as ``CVRun.config`` names
    a configuration, so both pair alike (``crossval.compare``)."""

    config: Literal["scratch", "fine_tuned"]
    fold: int
    seed: int
    score: float
    val_rmse: float
    best_epoch: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class PretrainedComparison:
    """Fine-tuning a pretrained model against training the chosen configuration from
    scratch, on the same walk-forward folds and seeds (the cross-validation's, where it
    ran). ``improvement``: fine-tuning's mean relative gain on the objective (positive:
    it did better), with its standard error and a t-test at 95% over the folds
    (``crossval.compare``)."""

    path: str
    sha256: str
    lookback: int
    units: tuple[int, ...]
    head_replaced: bool
    """The pretrained model forecast another horizon: its output layer was replaced."""
    runs: tuple[ArmRun, ...]
    scratch: CVSummary | None
    fine_tuned: CVSummary | None
    improvement: float | None
    improvement_stderr: float | None
    scratch_seconds: float
    """Seconds of one training from scratch (the chosen configuration's search trial)."""
    fine_tune_seconds: float
    """Mean seconds of one fine-tuning (both phases)."""
    winner: Literal["fine_tuned", "scratch", "level"] = "level"
    """The arm ahead beyond the noise (a t-test at 95% over the folds, either way), else
    ``level``."""
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class SeriesComparison:
    """The pretrained comparison on one series of a many-series file."""

    series: str
    rows: int
    comparison: PretrainedComparison


@dataclass(frozen=True)
class PanelComparison:
    """Many related series in one file (``--series-col``): one model of the chosen
    configuration pretrained across some of them, fine-tuned against trained from
    scratch on a few others, which the pretraining never saw."""

    series_col: str
    series: int
    lead: str
    """The series the analysis chose its configuration on (the longest)."""
    pretrained_on: tuple[str, ...]
    pretrain_windows: int
    pretrain_seconds: float
    pretrain_epochs: int
    compared: tuple[SeriesComparison, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class FinalResult:
    config: ModelConfig
    test_metrics: dict[str, float]
    baseline_test_metrics: dict[str, dict[str, float]]
    forecast: tuple[float, ...]
    actual: tuple[float, ...]
    model_path: str | None
    seconds: float
    script_path: str | None = None
    """``model.py``: rebuilds and trains this configuration on the user's CSV."""
    tensorboard_dir: str | None = None
    epochs_trained: int = 0
    notes: tuple[str, ...] = ()
    seeds: tuple[int, ...] = ()
    """The seeds of the trainings whose forecasts the final model averages."""
    member_test_rmse: tuple[float, ...] = ()
    """Each of those trainings' own test RMSE, in ``seeds`` order."""
    budget_cut: tuple[str, ...] = ()
    """What the user's time budget cut of the final training, in plain words (only where
    no training had settled its epoch count)."""


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
    partial: bool = False
    """Interrupted: some stages did not finish; a rerun resumes from the run directory."""
    history: HistoryUse | None = None
    """What the analysis took from earlier analyses and left for later ones (``None``:
    history off)."""
    pretrained: PretrainedComparison | None = None
    """Fine-tuning ``--pretrained`` against training from scratch (``None``: none given,
    or the analysis stopped before it)."""
    panel: PanelComparison | None = None
    """Pretraining across the file's series against per-series training (``None``: one
    series, no ``--series-col``)."""
