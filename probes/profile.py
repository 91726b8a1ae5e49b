"""Profile a forecasting series: the record the rules, the report and ``profile.json`` use.

Every statistic is computed on the training split only, so nothing of validation or
test leaks into the advice; the baselines are scored on validation. Each part lives in
its own module; this one decides which rows each sees and says so in ``notes`` where a
long series is cut to its recent part.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from advisor.core import forecast_eval as fe
from advisor.core.records import Profile, SeriesData, Settings
from advisor.core.splits import chronological_split
from advisor.probes.baselines import baselines
from advisor.probes.complexity import complexity
from advisor.probes.lags import autocorrelation, lag_structure
from advisor.probes.quality import covariate_links, quality
from advisor.probes.seasonality import detect_seasonality
from advisor.probes.size import size_budget
from advisor.probes.spread import log_spread
from advisor.probes.stationarity import unit_root

# Above this many training rows the ACF, the AR fit and the complexity measures use the
# most recent rows only: their estimates are long stable and the cost grows with length.
MAX_STAT_ROWS = 20_000


def _trend_strength(x: np.ndarray) -> float:
    """Share of the variance a straight line explains (R squared of a linear fit)."""
    t = np.arange(len(x), dtype=float)
    slope, intercept = np.polyfit(t, x, 1)
    resid = x - (slope * t + intercept)
    var = float(np.var(x))
    return 0.0 if var == 0 else float(max(0.0, 1.0 - np.var(resid) / var))


def _sampling_notes(train_rows: int, used: dict[str, int]) -> list[str]:
    cut = [f"{what} used the last {rows:,}" for what, rows in used.items() if rows < train_rows]
    if not cut:
        return []
    return [
        f"To stay fast on {train_rows:,} training rows, " + "; ".join(cut) + " (the season "
        "search scans the periodogram of all of them)."
    ]


def build_profile(data: SeriesData, settings: Settings) -> Profile:
    y = data.frame[data.target].to_numpy(dtype=float)
    horizon = settings.horizon or 1
    split = chronological_split(len(y), horizon)
    train = y[: split.train]
    notes: list[str] = []
    stat = train[-MAX_STAT_ROWS:]

    acf_vals, band, significant = autocorrelation(stat)
    val_ts = fe.origins(split.train, split.validation_end, horizon)
    val_actual = fe.actuals(y, val_ts, horizon)

    def seasonal_naive_rmse(p: int) -> float:
        if not 1 < p < split.train or len(val_ts) == 0:
            return math.nan
        return fe.rmse(fe.seasonal_naive(y, val_ts, horizon, p), val_actual)

    season_rec, period, source, decomposition = detect_seasonality(
        train, data.frequency, settings.season, seasonal_naive_rmse
    )
    if source == "frequency":
        notes.append(
            f"No repeating cycle stands out in the data; the season of {period} steps is "
            f"the natural cycle of the time column ({data.frequency}), used for the "
            "seasonal-naive baseline and the lookback."
        )
    adf_p, kpss_p, reading, root = unit_root(
        train, season_rec.seasonal_strength, bool(season_rec.periods), period
    )
    d = root.differencing_order
    stationary = np.diff(stat, n=d) if d else stat
    lags, ar_fit = lag_structure(stationary, d, season_rec.periods, period, horizon, split.train)
    links = covariate_links(
        data.frame.iloc[max(0, split.train - MAX_STAT_ROWS) : split.train],
        data.target,
        data.features,
        d,
        lags.lookback_high,
    )
    notes += _sampling_notes(
        split.train,
        {
            "the autocorrelation, AR and complexity measures": len(stat),
            "the season tests": season_rec.rows_used,
            "the unit-root tests": root.rows_used,
            "the decomposition, outliers and level shifts": len(decomposition.remainder),
        },
    )
    positive, lam = log_spread(y, stat, period)
    profile = Profile(
        rows=len(y),
        split=split,
        horizon=horizon,
        missing_share=data.target_missing / max(1, data.rows),
        mean=float(np.mean(train)),
        std=float(np.std(train)),
        minimum=float(np.min(train)),
        maximum=float(np.max(train)),
        acf=tuple(float(v) for v in acf_vals),
        acf_confidence=band,
        significant_lags=significant,
        seasonal_period=period,
        season_source=source,
        adf_pvalue=adf_p,
        kpss_pvalue=kpss_p,
        stationarity=reading,
        trend_strength=_trend_strength(train),
        baselines=(),
        seasonality=season_rec,
        unit_root=root,
        lags=lags,
        complexity=complexity(stationary, d, ar_fit),
        quality=quality(train, decomposition, period, links),
        size=size_budget(
            split.train, settings.lookback or lags.lookback, horizon, 1 + len(data.features)
        ),
        notes=tuple(notes),
        positive=positive,
        boxcox_lambda=lam,
    )
    base, base_notes = baselines(
        y, split.train, split.validation_end, horizon, profile.baseline_periods, period
    )
    return replace(profile, baselines=base, notes=(*profile.notes, *base_notes))
