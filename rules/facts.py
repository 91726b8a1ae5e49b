"""The named facts rule conditions may use, built from the profile and the diagnosis.

A rule file is type-checked against this dataclass when it loads, so a misspelt fact
fails at start with a suggestion instead of silently never firing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from advisor.records import Diagnosis, Profile, Settings
from advisor.splits import train_windows


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
    max_significant_lag: int
    """Largest lag whose autocorrelation is significant (0 where none)."""
    stationarity: str
    """stationary, trend-stationary, difference-stationary or unclear."""
    adf_pvalue: float
    kpss_pvalue: float
    trend_strength: float
    """0..1: share of variation a straight line explains, on train."""
    missing_share: float
    # --- the diagnostic trainings ---
    underfitting: bool
    overfitting: bool
    not_converged: bool
    diverging: bool
    noisy_validation: bool
    good_fit: bool
    no_gain_over_baseline: bool
    best_units: int
    """Width with the lowest validation loss in the capacity sweep."""
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


def build_facts(
    profile: Profile,
    diagnosis: Diagnosis,
    settings: Settings,
    n_features: int,
    default_lookback: int,
) -> Facts:
    """Flatten the profile, the diagnosis and the user's flags into rule facts."""
    from advisor.diagnosis import best_run

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
        max_significant_lag=max(profile.significant_lags, default=0),
        stationarity=profile.stationarity,
        adf_pvalue=profile.adf_pvalue,
        kpss_pvalue=profile.kpss_pvalue,
        trend_strength=profile.trend_strength,
        missing_share=profile.missing_share,
        underfitting="underfitting" in ids,
        overfitting="overfitting" in ids,
        not_converged="not_converged" in ids,
        diverging="diverging" in ids,
        noisy_validation="noisy_validation" in ids,
        good_fit="good_fit" in ids,
        no_gain_over_baseline="no_gain_over_baseline" in ids,
        best_units=best.units if best else 0,
        best_epoch=best.best_epoch if best else 0,
        epochs_run=best.curve.epochs if best else 0,
        lstm_to_baseline=ratio if math.isfinite(ratio) else 10.0,
        user_lookback=settings.lookback or 0,
        user_max_units=settings.max_units or 0,
        budget_s=settings.budget_s,
    )
