"""Unit-root tests (ADF and KPSS), their joint reading and the differencing they suggest.

ADF's null is a unit root, KPSS's null is stationarity, so the two together say more than
either (FPP3 section 9.1; Kwiatkowski et al. 1992): a series both call stationary is;
one both call non-stationary needs differencing; one that is stationary only around a
straight line is trend-stationary (remove the line, do not difference).
"""

from __future__ import annotations

import math
import warnings
from typing import Literal

import numpy as np
from statsmodels.tools.sm_exceptions import InterpolationWarning
from statsmodels.tsa.stattools import adfuller, kpss

from advisor.core.records import UnitRoot

Reading = Literal["stationary", "trend-stationary", "difference-stationary", "unclear"]

# 5% is the conventional level for both tests, and the level of `ndiffs` in R's forecast.
STAT_TEST_ALPHA = 0.05
# `ndiffs` stops at two differences: a third is almost never what a series needs.
MAX_DIFFERENCES = 2
# A seasonal strength above 0.64 calls for a seasonal difference (`nsdiffs`, after Wang,
# Smith & Hyndman 2006).
SEASONAL_DIFFERENCE_STRENGTH = 0.64
# ADF's lag search grows with the rows (12 (n/100)^(1/4)); capping the rows bounds it.
UNIT_ROOT_ROWS = 5_000


def kpss_lags(n: int) -> int:
    """KPSS's long-run variance lags as R's ``ndiffs`` sets them, trunc(3 sqrt(n) / 13):
    the data-driven choice (``nlags="auto"``) takes so many lags on a random walk that
    the test loses its power to reject."""
    return max(1, math.trunc(3 * math.sqrt(n) / 13))


def _quiet_kpss(x: np.ndarray, regression: Literal["c", "ct"]) -> float:
    with warnings.catch_warnings():
        # KPSS warns when its p-value is outside its lookup table; the clipped value is fine.
        warnings.simplefilter("ignore", InterpolationWarning)
        result = kpss(x, regression=regression, nlags=kpss_lags(len(x)), result_object=False)
    return float(result[1])


def _adf(x: np.ndarray) -> tuple[float, float]:
    """ADF p-values around a constant and around a trend.

    The lag order is chosen by AIC once, on the regression with a trend, and reused
    without it: it describes the short-run dynamics, which a trend left out of the
    regression would distort, and the search is most of the test's cost.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trend = adfuller(x, regression="ct", autolag="AIC", result_object=False)
        level = adfuller(x, regression="c", maxlag=int(trend[2]), autolag=None, result_object=False)
    return float(level[1]), float(trend[1])


def joint_reading(adf_p: float, kpss_p: float, adf_ct_p: float, kpss_ct_p: float) -> Reading:
    """The four tests read together."""
    if adf_p < STAT_TEST_ALPHA and kpss_p >= STAT_TEST_ALPHA:
        return "stationary"
    if kpss_p < STAT_TEST_ALPHA and adf_ct_p < STAT_TEST_ALPHA and kpss_ct_p >= STAT_TEST_ALPHA:
        return "trend-stationary"
    if adf_p >= STAT_TEST_ALPHA and kpss_p < STAT_TEST_ALPHA:
        return "difference-stationary"
    return "unclear"


def differencing_order(x: np.ndarray) -> int:
    """Differences until KPSS stops rejecting level stationarity (R's ``ndiffs``)."""
    d = 0
    while d < MAX_DIFFERENCES and len(x) > 10 and _quiet_kpss(x, "c") < STAT_TEST_ALPHA:
        x = np.diff(x)
        d += 1
    return d


def unit_root(
    x: np.ndarray, seasonal_strength: float, has_season: bool, period: int | None = None
) -> tuple[float, float, Reading, UnitRoot]:
    """ADF and KPSS p-values (level), the joint reading and the record of the rest."""
    sample = x[-UNIT_ROOT_ROWS:]
    adf_p, adf_ct_p = _adf(sample)
    kpss_p, kpss_ct_p = _quiet_kpss(sample, "c"), _quiet_kpss(sample, "ct")
    seasonal = int(has_season and seasonal_strength > SEASONAL_DIFFERENCE_STRENGTH)
    # R's auto.arima asks for first differences only after the seasonal question is
    # settled (ndiffs on the seasonally differenced series): a strong season alone keeps
    # the level away from its mean for half a cycle, which ADF and KPSS read as a unit root.
    after = -1
    if seasonal and period and period > 1 and len(sample) > period + 10:
        after = differencing_order(sample[period:] - sample[:-period])
    record = UnitRoot(
        adf_trend_pvalue=adf_ct_p,
        kpss_trend_pvalue=kpss_ct_p,
        differencing_order=differencing_order(sample),
        seasonal_differencing_order=seasonal,
        rows_used=len(sample),
        differencing_after_season=after,
    )
    return adf_p, kpss_p, joint_reading(adf_p, kpss_p, adf_ct_p, kpss_ct_p), record
