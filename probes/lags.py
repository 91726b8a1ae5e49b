"""Autocorrelation, partial autocorrelation, the linear memory, and the lookback range.

The lookback must hold the series' linear memory (the order of the AR model the data
support, counted in levels) and at least one full season; a second season or a long
horizon widen the range worth searching.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from statsmodels.tsa.stattools import acf, levinson_durbin

from advisor.core.records import LagStructure
from advisor.core.sizing import (
    MAX_SEASON_WINDOW,
    long_season_window,
    max_lookback,
    season_fits_window,
)

# The largest lag worth drawing and testing: long enough for yearly seasons of weekly data.
MAX_ACF_LAGS = 400
# 95% band for a single autocorrelation under white noise (Box & Jenkins).
BAND_Z = 1.96
# R's ar() searches up to 10 log10(n); a season's lag must also be reachable.
AR_ORDER_PER_DECADE = 10
MAX_AR_ORDER = 400
# Nothing shorter than two steps can show a change.
MIN_LOOKBACK = 2
# Beyond about a thousand steps an LSTM trained by backpropagation through time gains
# little from the extra history (Hochreiter & Schmidhuber 1997 test lags up to 1000);
# longer seasons are better given as features.
MAX_LOOKBACK = 1_000


@dataclass(frozen=True)
class ArFit:
    """The AIC-selected AR model of a (stationary) series, from Levinson-Durbin."""

    order: int
    coefficients: np.ndarray
    r2: float
    pacf: np.ndarray


def autocorrelation(x: np.ndarray) -> tuple[np.ndarray, float, tuple[int, ...]]:
    """ACF up to ``MAX_ACF_LAGS`` (FFT), its 95% band and the lags outside it."""
    nlags = int(min(MAX_ACF_LAGS, len(x) // 2 - 1))
    values = np.asarray(acf(x, nlags=nlags, fft=True, missing="conservative"))
    band = BAND_Z / math.sqrt(len(x))
    significant = tuple(int(k) for k in range(1, len(values)) if abs(values[k]) > band)
    return values, band, significant


def fit_ar(x: np.ndarray, season: int | None) -> ArFit:
    """The AR order with the lowest AIC, its coefficients and the variance it explains.

    Levinson-Durbin on the sample autocovariance fits every order at once (Yule-Walker),
    so the search is cheap even up to a seasonal lag.
    """
    n = len(x)
    top = max(1, int(AR_ORDER_PER_DECADE * math.log10(max(n, 10))), (season or 0) + 1)
    top = int(min(top, MAX_AR_ORDER, n // 4))
    if top < 1 or np.var(x) == 0:
        return ArFit(0, np.zeros(0), 0.0, np.ones(1))
    acov = np.asarray(acf(x, nlags=top, fft=True, adjusted=False)) * float(np.var(x))
    result = levinson_durbin(acov, nlags=top, isacov=True)
    sigma = np.array(result[3], dtype=float)  # innovation variance by order 1..top
    sigma[0] = acov[0]  # order 0: the variance itself (the recursion leaves it unset)
    sigma = np.maximum(sigma, np.finfo(float).tiny)
    orders = np.arange(len(sigma))
    aic = n * np.log(sigma) + 2 * orders
    order = int(np.argmin(aic))
    phi = np.asarray(result[4])
    coefficients = phi[1 : order + 1, order] if order else np.zeros(0)
    r2 = max(0.0, 1.0 - float(sigma[order] / sigma[0]))
    return ArFit(order, np.asarray(coefficients), r2, np.asarray(result[2]))


def lookback_range(
    ar_order: int,
    periods: tuple[int, ...],
    season: int | None,
    horizon: int,
    train_rows: int,
) -> tuple[int, int, int, str]:
    """(suggested, low, high, reason): one season and the AR memory at least, up to two
    seasons, the longest season or the horizon."""
    reasons = []
    low = max(MIN_LOOKBACK, ar_order)
    if ar_order >= MIN_LOOKBACK:
        reasons.append(f"the AR memory is {ar_order} steps")
    if season and not season_fits_window(season):
        # Seasonal differencing takes the season out; the window holds what is shorter.
        held = long_season_window(periods, season, ar_order)
        reasons.append(
            f"one season is {season} steps, longer than a window holds "
            f"({MAX_SEASON_WINDOW}): a seasonal difference takes it out"
        )
        if held:
            reasons.append(f"the window holds {held} steps")
        low = max(MIN_LOOKBACK, held)
        periods = tuple(p for p in periods if season_fits_window(p))
        season = None
    if season:
        low = max(low, season)
        reasons.append(f"one season is {season} steps")
    longest = max((*periods, season or 0), default=0)
    high = max(2 * low, longest, horizon)
    if longest > low:
        reasons.append(f"the longest season is {longest} steps")
    # The rules' cap (advisor.core.sizing), and never past the longest window tested.
    cap = min(MAX_LOOKBACK, max(MIN_LOOKBACK, max_lookback(train_rows)))
    if high > cap or low > cap:
        reasons.append(f"capped at {cap} steps")
    low, high = min(low, cap), min(high, cap)
    suggested = low
    return suggested, low, max(low, high), "; ".join(reasons) or "no memory or season found"


def lag_structure(
    stationary: np.ndarray,
    differenced: int,
    periods: tuple[int, ...],
    season: int | None,
    horizon: int,
    train_rows: int,
) -> tuple[LagStructure, ArFit]:
    """PACF and AR order of the stationary series, and the lookback they suggest."""
    fit = fit_ar(stationary, season)
    band = BAND_Z / math.sqrt(max(len(stationary), 1))
    pacf = fit.pacf
    significant = tuple(int(k) for k in range(1, len(pacf)) if abs(pacf[k]) > band)
    order_in_levels = fit.order + differenced if fit.order else 0
    suggested, low, high, reason = lookback_range(
        order_in_levels, periods, season, horizon, train_rows
    )
    record = LagStructure(
        pacf=tuple(float(v) for v in pacf),
        significant_pacf_lags=significant,
        ar_order=order_in_levels,
        lookback=suggested,
        lookback_low=low,
        lookback_high=high,
        lookback_reason=reason,
    )
    return record, fit
