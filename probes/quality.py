"""Scale and quality of the target: outliers, level shifts, tails, changing spread, and
which covariates move with the target at lags a forecast can use.

Outliers and tails are judged on the remainder of the decomposition (what trend and
season leave), so a peak season is not an outlier and a trend is not a level shift.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import signal, stats

from advisor.core.records import CovariateLink, Quality
from advisor.probes.seasonality import Decomposition

# Modified z-score above 3.5 marks an outlier (Iglewicz & Hoaglin 1993); 0.6745 makes
# the median absolute deviation a standard deviation for normal data.
OUTLIER_Z = 3.5
MAD_TO_SD = 1.4826
MAX_LISTED = 5
# A step of more than five noise standard deviations that the level keeps for a while is
# a level shift; an outlier's step is undone at the next row (Tsay 1988 tells the two
# apart the same way).
LEVEL_SHIFT_Z = 5.0
LEVEL_SHIFT_KEPT = 0.5
MIN_SHIFT_WINDOW = 5
# Excess kurtosis above 3 (the Laplace distribution's) calls the tails heavy.
HEAVY_TAIL_KURTOSIS = 3.0
# A covariate correlation is significant outside the white-noise 95% band.
BAND_Z = 1.96
MAX_COVARIATE_LAG = 400


def _robust_z(x: np.ndarray) -> np.ndarray:
    med = np.median(x)
    mad = float(np.median(np.abs(x - med)))
    if mad == 0:
        sd = float(np.std(x))
        return np.zeros_like(x) if sd == 0 else (x - med) / sd
    return (x - med) / (MAD_TO_SD * mad)


def outliers(remainder: np.ndarray, start: int) -> tuple[int, tuple[int, ...]]:
    z = np.abs(_robust_z(remainder))
    flagged = np.flatnonzero(z > OUTLIER_Z)
    worst = flagged[np.argsort(z[flagged])[::-1][:MAX_LISTED]]
    return len(flagged), tuple(sorted(int(i) + start for i in worst))


def level_shifts(deseasonalised: np.ndarray, window: int, start: int) -> tuple[int, ...]:
    """Rows where the level steps by more than ``LEVEL_SHIFT_Z`` noise deviations and
    keeps at least half the step over the next ``window`` rows."""
    z = deseasonalised
    if len(z) < 2 * window + 2:
        return ()
    steps = np.diff(z)
    mad = float(np.median(np.abs(steps - np.median(steps))))
    if mad == 0:
        return ()
    big = np.flatnonzero(np.abs(steps - np.median(steps)) > LEVEL_SHIFT_Z * MAD_TO_SD * mad) + 1
    shifts: list[int] = []
    for t in big[np.argsort(-np.abs(steps[big - 1]))]:
        if t < window or t + window > len(z):
            continue
        kept = float(np.median(z[t : t + window]) - np.median(z[t - window : t]))
        step = float(steps[t - 1])
        holds = np.sign(kept) == np.sign(step) and abs(kept) >= LEVEL_SHIFT_KEPT * abs(step)
        if holds and all(abs(t - s) > window for s in shifts):
            shifts.append(int(t))
        if len(shifts) >= MAX_LISTED:
            break
    return tuple(sorted(s + start for s in shifts))


def _lagged_correlations(feature: np.ndarray, target: np.ndarray, max_lag: int) -> np.ndarray:
    """corr(feature[t - k], target[t]) for k = 0..max_lag (FFT cross-correlation)."""
    f = (feature - feature.mean()) / (feature.std() or 1.0)
    y = (target - target.mean()) / (target.std() or 1.0)
    full = signal.correlate(y, f, mode="full", method="fft") / len(y)
    zero = len(f) - 1
    return np.asarray(full[zero : zero + max_lag + 1])


def covariate_links(
    frame: pd.DataFrame, target: str, features: tuple[str, ...], differences: int, max_lag: int
) -> tuple[CovariateLink, ...]:
    """Each covariate's strongest correlation with the target at lags 1..max_lag, both
    differenced like the target so a shared trend does not pass for a link."""
    y = frame[target].to_numpy(dtype=float)
    y = np.diff(y, n=differences) if differences else y
    lag_cap = int(min(max_lag, MAX_COVARIATE_LAG, len(y) // 4))
    if lag_cap < 1 or np.std(y) == 0:
        return ()
    band = BAND_Z / math.sqrt(len(y))
    links = []
    for name in features:
        f = frame[name].to_numpy(dtype=float)
        f = np.diff(f, n=differences) if differences else f
        if np.std(f) == 0:
            continue
        r = _lagged_correlations(f, y, lag_cap)[1:]
        k = int(np.argmax(np.abs(r)))
        links.append(CovariateLink(name, k + 1, float(r[k]), bool(abs(r[k]) > band)))
    return tuple(links)


def quality(
    train: np.ndarray,
    decomposition: Decomposition,
    season: int | None,
    covariates: tuple[CovariateLink, ...],
) -> Quality:
    rest = decomposition.remainder
    count, rows = outliers(rest, decomposition.start)
    sample = train[decomposition.start : decomposition.start + len(rest)]
    window = max(MIN_SHIFT_WINDOW, season or 0)
    shifts = level_shifts(sample - decomposition.seasonal, window, decomposition.start)
    third = len(rest) // 3
    spread = (
        float(np.std(rest[-third:]) / np.std(rest[:third]))
        if third >= 2 and np.std(rest[:third]) > 0
        else 1.0
    )
    kurt = float(stats.kurtosis(rest)) if len(rest) > 3 and np.std(rest) > 0 else 0.0
    skew = float(stats.skew(sample)) if len(sample) > 2 and np.std(sample) > 0 else 0.0
    return Quality(
        outliers=count,
        outlier_share=count / max(1, len(rest)),
        outlier_rows=rows,
        level_shifts=shifts,
        skewness=skew,
        excess_kurtosis=kurt,
        heavy_tails=kurt > HEAVY_TAIL_KURTOSIS,
        spread_ratio=spread,
        positive=bool(np.min(train) > 0),
        covariates=covariates,
    )
