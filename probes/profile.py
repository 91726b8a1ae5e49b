"""Profile a forecasting series: size, autocorrelation, season, stationarity, baselines.

Every statistic is computed on the training split only, so nothing of validation or
test leaks into the advice; the baselines are scored on validation.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from statsmodels.tools.sm_exceptions import InterpolationWarning
from statsmodels.tsa.stattools import acf, adfuller, kpss

from advisor import forecast_eval as fe
from advisor.records import Baseline, Profile, SeriesData, Settings
from advisor.splits import chronological_split

# 5% is the conventional level for ADF/KPSS; the joint reading follows FPP3 section 9.1.
STAT_TEST_ALPHA = 0.05
# The largest lag worth looking at: long enough for yearly seasons of weekly data.
MAX_ACF_LAGS = 400
# A season must repeat at least this many times in train to be estimated honestly.
MIN_SEASON_REPEATS = 3
# Above this many training rows, ACF and the tests use the most recent rows only: their
# estimates are already stable and the cost grows with the length.
MAX_STAT_ROWS = 20_000


def _default_horizon(settings: Settings) -> int:
    return settings.horizon or 1


def _acf_values(x: np.ndarray, nlags: int) -> np.ndarray:
    return np.asarray(acf(x, nlags=nlags, fft=True, missing="conservative"))


def detect_season(x: np.ndarray, max_lag: int) -> int | None:
    """The lag of the highest significant ACF peak of the differenced, detrended series.

    Differencing removes the trend that would otherwise make every lag look
    significant; a peak must stand above its neighbours and the 95% band.
    """
    dx = np.diff(x)
    if len(dx) < 8 or max_lag < 2:
        return None
    values = _acf_values(dx, max_lag)
    band = 1.96 / math.sqrt(len(dx))
    best: tuple[float, int] | None = None
    for lag in range(2, len(values) - 1):
        v = values[lag]
        if (
            v > band
            and v >= values[lag - 1]
            and v >= values[lag + 1]
            and (best is None or v > best[0] + 0.05)
        ):
            best = (v, lag)
    return None if best is None else best[1]


def _stationarity(adf_p: float, kpss_p: float) -> str:
    adf_stationary = adf_p < STAT_TEST_ALPHA
    kpss_stationary = kpss_p >= STAT_TEST_ALPHA
    if adf_stationary and kpss_stationary:
        return "stationary"
    if not adf_stationary and not kpss_stationary:
        return "difference-stationary"
    if adf_stationary and not kpss_stationary:
        # ADF rejects a unit root yet KPSS rejects level stationarity: a deterministic trend.
        return "trend-stationary"
    return "unclear"


def _trend_strength(x: np.ndarray) -> float:
    """Share of the variance a straight line explains (R squared of a linear fit)."""
    t = np.arange(len(x), dtype=float)
    slope, intercept = np.polyfit(t, x, 1)
    resid = x - (slope * t + intercept)
    var = float(np.var(x))
    return 0.0 if var == 0 else float(max(0.0, 1.0 - np.var(resid) / var))


def _baselines(
    y: np.ndarray, start: int, end: int, horizon: int, period: int | None
) -> tuple[Baseline, ...]:
    ts = fe.origins(start, end, horizon)
    actual = fe.actuals(y, ts, horizon)
    pred = fe.naive(y, ts, horizon)
    out = [Baseline("naive", fe.rmse(pred, actual), fe.mae(pred, actual))]
    if period and period > 1:
        pred = fe.seasonal_naive(y, ts, horizon, period)
        out.append(Baseline("seasonal_naive", fe.rmse(pred, actual), fe.mae(pred, actual)))
    return tuple(out)


def build_profile(data: SeriesData, settings: Settings) -> Profile:
    y = data.frame[data.target].to_numpy(dtype=float)
    horizon = _default_horizon(settings)
    split = chronological_split(len(y), horizon)
    train = y[: split.train]
    notes: list[str] = []
    stat = train
    if len(stat) > MAX_STAT_ROWS:
        stat = stat[-MAX_STAT_ROWS:]
        notes.append(f"ACF and stationarity tests used the last {MAX_STAT_ROWS:,} training rows.")

    nlags = int(min(MAX_ACF_LAGS, len(stat) // 2 - 1))
    acf_vals = _acf_values(stat, nlags)
    band = 1.96 / math.sqrt(len(stat))
    significant = tuple(int(k) for k in range(1, len(acf_vals)) if abs(acf_vals[k]) > band)

    if settings.season:
        period: int | None = settings.season
        source = "user"
    else:
        period = detect_season(stat, int(min(MAX_ACF_LAGS, len(stat) // MIN_SEASON_REPEATS)))
        source = "acf" if period else "none"

    with warnings.catch_warnings():
        # KPSS warns when its p-value is outside its lookup table; the clipped value is fine.
        warnings.simplefilter("ignore", InterpolationWarning)
        adf_p = float(adfuller(stat, autolag="AIC", result_object=False)[1])
        kpss_p = float(kpss(stat, regression="c", nlags="auto", result_object=False)[1])

    return Profile(
        rows=len(y),
        split=split,
        horizon=horizon,
        missing_share=float(data.frame[data.target].isna().mean()),
        mean=float(np.mean(train)),
        std=float(np.std(train)),
        minimum=float(np.min(train)),
        maximum=float(np.max(train)),
        acf=tuple(float(v) for v in acf_vals),
        acf_confidence=band,
        significant_lags=significant,
        seasonal_period=period,
        season_source=source,  # type: ignore[arg-type]
        adf_pvalue=adf_p,
        kpss_pvalue=kpss_p,
        stationarity=_stationarity(adf_p, kpss_p),  # type: ignore[arg-type]
        trend_strength=_trend_strength(train),
        baselines=_baselines(y, split.train, split.validation_end, horizon, period),
        notes=tuple(notes),
    )
