"""The named facts rule conditions may use, built from the profile and the diagnosis.

A rule file is type-checked against this dataclass when it loads, so a misspelt fact
fails at start with a suggestion instead of silently never firing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields

from advisor.core.findings import FindingId
from advisor.core.records import Baseline, Diagnosis, Profile, Settings
from advisor.core.sizing import long_season_window, season_fits_window
from advisor.core.splits import train_windows
from advisor.probes.baselines import STATISTICAL


@dataclass(frozen=True)
class Facts:
    # --- the data (probes) ---
    rows: int
    train_rows: int
    horizon: int
    n_features: int
    train_windows: int
    """Training windows at the default lookback."""
    seasonal_period: int
    """0 where no season was found."""
    has_season: bool
    season_fits_window: bool
    """The season is at most ``advisor.core.sizing.MAX_SEASON_WINDOW`` (400) steps: a window
    can hold it. A longer one is taken out by seasonal differencing instead."""
    long_season_window: int
    """Where the season is too long for a window: the window that holds what is shorter
    (a shorter season, else the AR memory; 0 where neither fits)."""
    max_significant_lag: int
    """Largest lag whose autocorrelation is significant (0 where none)."""
    stationarity: str
    """stationary, trend-stationary, difference-stationary or unclear."""
    adf_pvalue: float
    kpss_pvalue: float
    trend_strength: float
    """0..1: share of variation a straight line explains, on train."""
    missing_share: float
    seasonal_strength: float
    """0..1: STL seasonal strength at the seasonal period (0 where none)."""
    longest_seasonal_period: int
    """The longest season the data show (0 where none): 336 beside 48 on half-hourly load."""
    differencing_order: int
    """First differences KPSS asks for (0..2, as R's ndiffs)."""
    seasonal_differencing: int
    """1 where the seasonal strength calls for a seasonal difference (as R's nsdiffs)."""
    differencing_after_season: int
    """First differences KPSS asks for once a season back is subtracted (R's ndiffs after
    nsdiffs); -1 where no seasonal difference is called for."""
    ar_order: int
    """Order of the AIC-best AR model, in levels: the series' linear memory."""
    ar_r2: float
    """0..1: variance the AR model explains one step ahead (on the differenced series where
    it needs differencing)."""
    spectral_entropy: float
    """0..1: 0 one pure cycle, 1 white noise."""
    permutation_entropy: float
    """0..1: 1 fully random ordinal patterns."""
    nonlinear: bool
    """BDS finds structure in the AR residuals that a linear model misses."""
    snr: float
    """Variance of trend + season over the remainder's."""
    outlier_share: float
    level_shifts: int
    heavy_tails: bool
    suggested_lookback: int
    suggested_lookback_low: int
    suggested_lookback_high: int
    size_max_units: int
    """Widest one-layer LSTM with its dense head within ten weights per training window at
    the suggested lookback (``advisor.core.sizing``, the rules' own cap)."""
    useful_covariates: int
    """Covariates significantly correlated with the target at a lag >= 1."""
    baseline_stat_ratio: float
    """Validation RMSE of the best fitted statistical baseline (ETS, Theta, ARIMA or MSTL,
    whichever ran and scored lowest) over the naive one's (1 where naive or every
    statistical model is missing; below 1 the series has structure a simple model already
    uses)."""
    # --- the diagnostic trainings ---
    primary_finding: str
    """The finding the advice follows (``Diagnosis.primary``: ``overfitting``,
    ``underfitting``, ``not_learning``...; empty where none). Rules acting on a finding
    whose advice pulls the other way (more units against more regularisation) check it,
    so two contradicting findings never move the model both ways at once."""
    not_learning: bool
    """The best run's validation loss was lowest after its first epoch."""
    underfitting: bool
    overfitting: bool
    not_converged: bool
    diverging: bool
    noisy_validation: bool
    good_fit: bool
    no_gain_over_baseline: bool
    unstable_training: bool
    """Training loss jumped up repeatedly: the learning rate may be too high."""
    capacity_limited: bool
    """Validation error still fell at the widest width the sweep tried."""
    data_limited: bool
    """At the best width, validation error still fell from half to all training windows."""
    best_units: int
    """Width with the lowest validation loss in the capacity sweep."""
    best_differencing: int
    """Differencing lag that the diagnostic comparison chose (-1 where it did not run)."""
    best_deseasonalize: int
    """Season whose average pattern the diagnostic comparison chose to take out (0: none;
    -1 where it did not run)."""
    best_log_target: int
    """1 where the diagnostic comparison chose the target's log, 0 where it did not (-1
    where it did not run)."""
    best_lookback: int
    """Lookback window that the diagnostic comparison chose (0 where it did not run)."""
    tied_lookback: int
    """Another window the comparison could not tell from the chosen one (0 where none)."""
    best_epoch: int
    """1-based epoch of the lowest validation loss of the best run."""
    epochs_run: int
    lstm_to_baseline: float
    """Best diagnostic validation RMSE over the best baseline's (below 1: the LSTM wins)."""
    # --- what the user said (0 where not given) ---
    user_lookback: int
    user_max_units: int
    budget_s: float


FACT_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Facts))


def stat_ratio(baselines: Sequence[Baseline]) -> float:
    """The ``baseline_stat_ratio`` fact from the profile's validation baselines."""
    # The best of the statistical models that ran: one that could not be fitted, or whose
    # season was left out, must not hide what another one found.
    naive = next((b.rmse for b in baselines if b.name == "naive"), None)
    fitted = [b.rmse for b in baselines if b.name in STATISTICAL and math.isfinite(b.rmse)]
    if not naive or not fitted or not math.isfinite(naive) or naive <= 0:
        return 1.0
    return min(fitted) / naive


def build_facts(
    profile: Profile,
    diagnosis: Diagnosis,
    settings: Settings,
    n_features: int,
    default_lookback: int,
) -> Facts:
    """Flatten the profile, the diagnosis and the user's flags into rule facts."""
    from advisor.diagnostics.findings import best_run

    ids = {f.id for f in diagnosis.findings}
    best = best_run(diagnosis.runs) if diagnosis.runs else None
    baseline = profile.best_baseline.rmse
    ratio = best.val_rmse / baseline if best and baseline > 0 else 1.0
    return Facts(
        rows=profile.rows,
        train_rows=profile.split.train,
        horizon=profile.horizon,
        n_features=n_features,
        train_windows=train_windows(profile.split.train, default_lookback, profile.horizon),
        seasonal_period=profile.seasonal_period or 0,
        has_season=bool(profile.seasonal_period and profile.seasonal_period > 1),
        season_fits_window=season_fits_window(profile.seasonal_period),
        long_season_window=long_season_window(
            profile.baseline_periods, profile.seasonal_period or 0, profile.lags.ar_order
        ),
        max_significant_lag=max(profile.significant_lags, default=0),
        stationarity=profile.stationarity,
        adf_pvalue=profile.adf_pvalue,
        kpss_pvalue=profile.kpss_pvalue,
        trend_strength=profile.trend_strength,
        missing_share=profile.missing_share,
        seasonal_strength=profile.seasonality.seasonal_strength,
        longest_seasonal_period=max(profile.seasonality.periods, default=0),
        differencing_order=profile.unit_root.differencing_order,
        seasonal_differencing=profile.unit_root.seasonal_differencing_order,
        differencing_after_season=profile.unit_root.differencing_after_season,
        ar_order=profile.lags.ar_order,
        ar_r2=profile.complexity.ar_r2,
        spectral_entropy=profile.complexity.spectral_entropy,
        permutation_entropy=profile.complexity.permutation_entropy,
        nonlinear=profile.complexity.nonlinear,
        snr=profile.seasonality.snr,
        outlier_share=profile.quality.outlier_share,
        level_shifts=len(profile.quality.level_shifts),
        heavy_tails=profile.quality.heavy_tails,
        suggested_lookback=profile.lags.lookback,
        suggested_lookback_low=profile.lags.lookback_low,
        suggested_lookback_high=profile.lags.lookback_high,
        size_max_units=profile.size.max_units,
        useful_covariates=sum(c.significant for c in profile.quality.covariates),
        baseline_stat_ratio=stat_ratio(profile.baselines),
        primary_finding=str(diagnosis.primary or ""),
        not_learning=FindingId.NOT_LEARNING in ids,
        underfitting=FindingId.UNDERFITTING in ids,
        overfitting=FindingId.OVERFITTING in ids,
        not_converged=FindingId.NOT_CONVERGED in ids,
        diverging=FindingId.DIVERGING in ids,
        noisy_validation=FindingId.NOISY_VALIDATION in ids,
        good_fit=FindingId.GOOD_FIT in ids,
        no_gain_over_baseline=FindingId.NO_GAIN_OVER_BASELINE in ids,
        unstable_training=FindingId.UNSTABLE_TRAINING in ids,
        capacity_limited=FindingId.CAPACITY_LIMITED in ids,
        data_limited=FindingId.DATA_LIMITED in ids,
        best_units=best.units if best else 0,
        best_differencing=-1 if diagnosis.differencing is None else diagnosis.differencing,
        best_deseasonalize=-1 if diagnosis.differencing is None else diagnosis.deseasonalize or 0,
        best_log_target=-1 if diagnosis.differencing is None else int(bool(diagnosis.log_target)),
        best_lookback=diagnosis.lookback or 0,
        tied_lookback=diagnosis.lookback_tied or 0,
        best_epoch=best.best_epoch if best else 0,
        epochs_run=best.curve.epochs if best else 0,
        lstm_to_baseline=ratio if math.isfinite(ratio) else 10.0,
        user_lookback=settings.lookback or 0,
        user_max_units=settings.max_units or 0,
        budget_s=settings.budget_s or 0.0,
    )
