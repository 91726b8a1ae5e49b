"""Noise and complexity of the (differenced where needed) series: how much a linear AR
model explains, how spread the spectrum is, how random the ordinal patterns are, and
whether structure is left that no linear model can use (BDS).

A series a linear model already explains well gives an LSTM little to add; a nonlinear
one is where it can beat the statistical baseline.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy import signal
from statsmodels.tsa.stattools import bds

from advisor.core.records import Complexity
from advisor.probes.lags import ArFit

# Welch segments: long enough to resolve the usual seasons, short enough to average many.
WELCH_SEGMENT = 256
# Bandt & Pompe suggest orders 3 to 7; the n > 5 D! rule (Riedl et al. 2013) caps it
# by the rows, and 5 keeps values comparable across long series.
PERMUTATION_ORDERS = (3, 4, 5)
PERMUTATION_ROWS_PER_PATTERN = 5
# BDS builds an n x n distance matrix: 1,500 residuals keep it near 20 MB and well
# above the few hundred the test needs for its asymptotic distribution.
BDS_ROWS = 1_500
BDS_MIN_ROWS = 100
BDS_MAX_DIM = 3
# 5%, split over the embedding dimensions tested (Bonferroni).
BDS_ALPHA = 0.05


def spectral_entropy(x: np.ndarray) -> float:
    """Shannon entropy of the normalised Welch spectrum over its maximum: 0 for one pure
    cycle, 1 for white noise."""
    if len(x) < 8 or np.var(x) == 0:
        return 0.0
    _, psd = signal.welch(x, nperseg=min(WELCH_SEGMENT, len(x)), detrend="constant")
    psd = psd[1:]  # the mean is not a frequency
    total = psd.sum()
    if total <= 0 or len(psd) < 2:
        return 0.0
    p = psd / total
    p = p[p > 0]
    return float(-(p * np.log(p)).sum() / math.log(len(psd)))


def permutation_entropy(x: np.ndarray) -> tuple[float, int]:
    """Normalised permutation entropy (Bandt & Pompe 2002) and the order used."""
    fitting = [
        d for d in PERMUTATION_ORDERS if PERMUTATION_ROWS_PER_PATTERN * math.factorial(d) <= len(x)
    ]
    if not fitting:
        return 1.0, PERMUTATION_ORDERS[0]
    order = fitting[-1]
    windows = np.lib.stride_tricks.sliding_window_view(x, order)
    ranks = np.argsort(windows, axis=1, kind="stable")
    codes = (ranks * order ** np.arange(order)).sum(axis=1)
    counts = np.unique(codes, return_counts=True)[1]
    p = counts / counts.sum()
    return float(-(p * np.log(p)).sum() / math.log(math.factorial(order))), order


def ar_residuals(x: np.ndarray, fit: ArFit) -> np.ndarray:
    """One-step errors of the AR model over the series (its first ``order`` rows dropped)."""
    z = x - x.mean()
    if fit.order == 0:
        return z
    a = np.concatenate(([1.0], -fit.coefficients))
    return np.asarray(signal.lfilter(a, [1.0], z)[fit.order :])


def bds_test(residuals: np.ndarray) -> tuple[float, float]:
    """BDS statistic and p-value at the dimension with the smallest p-value (NaN where
    too short)."""
    e = residuals[-BDS_ROWS:]
    if len(e) < BDS_MIN_ROWS or np.std(e) == 0:
        return float("nan"), float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stats, pvalues = bds(e, max_dim=BDS_MAX_DIM)
    stats, pvalues = np.atleast_1d(stats), np.atleast_1d(pvalues)
    best = int(np.nanargmin(pvalues))
    # Bonferroni over the dimensions tested, folded into the reported p-value.
    return float(stats[best]), float(min(1.0, pvalues[best] * len(pvalues)))


def complexity(stationary: np.ndarray, differenced: int, fit: ArFit) -> Complexity:
    pe, order = permutation_entropy(stationary)
    stat, p = bds_test(ar_residuals(stationary, fit))
    return Complexity(
        differenced=differenced,
        ar_r2=fit.r2,
        spectral_entropy=spectral_entropy(stationary),
        permutation_entropy=pe,
        permutation_order=order,
        bds_statistic=stat,
        bds_pvalue=p,
        nonlinear=bool(math.isfinite(p) and p < BDS_ALPHA),
        rows_used=len(stationary),
    )
