"""Seasonal periods: candidates from the periodogram, the autocorrelation and the calendar,
each kept only where the detrended series really repeats at that lag.

The time column's frequency is a hint, not the answer: daily data need not have a weekly
cycle, and sunspots repeat every eleven years whatever the sampling. Candidates come from
the spectrum (peaks that stand out of the local background), the autocorrelation (its
peaks) and the calendar (12 for months, 24 and 168 for hours, ...). Each is then tested
the same way: after a centred moving average of one period removes the trend (it cancels
a cycle of exactly that period), the series must correlate with itself one period back
beyond chance and beyond a floor of materiality, and the correlation must rise again
after falling. A short period that only echoes part of a longer one (a harmonic) is
dropped; a multiple of a kept period is kept only where it repeats something the shorter
one does not (the weekly pattern of half-hourly load beside its daily one).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import signal, stats
from statsmodels.tsa.seasonal import STL
from statsmodels.tsa.stattools import acf

from advisor.core.records import Seasonality, SeasonCandidate, SeasonSource

Source = Literal["spectrum", "acf", "frequency", "user"]

# Two full cycles are the fewest STL and a seasonal-naive forecast can work with.
MIN_CYCLES = 2
# Peaks taken from each source before testing; more only cost time.
MAX_SPECTRAL_CANDIDATES = 8
MAX_ACF_CANDIDATES = 4
# The periodogram is zero-padded to at least this many points, so that a long period's
# peak is located between the Fourier frequencies instead of snapping to n/k.
MIN_FFT_POINTS = 1 << 16
# A periodogram ordinate over the spectrum beneath it is exponential (chi-squared with 2
# degrees of freedom, halved): a peak must beat its local background by the factor chance
# reaches with this probability over all the Fourier frequencies (Bonferroni).
SPECTRAL_ALPHA = 0.05
# The local background of a frequency is the median periodogram from half to twice it:
# wide enough that a peak's own lobe is a minority of the window.
BACKGROUND_OCTAVES = 1.0
# Peaks closer than this many Fourier bins to a stronger one are its leakage.
SIDELOBE_BINS = 3.0
# "Repeats at lag p" is tested at 0.1%, the level X-13ARIMA-SEATS uses for its test of
# stable seasonality.
SEASON_ALPHA = 0.001
# The lag-p correlation of the detrended series estimates the share of its variance the
# season carries; under a fifth, a cycle is too weak to set a lookback or a baseline by.
MIN_SEASON_CORRELATION = 0.2
# A shorter period repeating less than half as strongly as a multiple of it is a harmonic
# of that multiple's shape (the 4 inside a 12-month pattern), not a season of its own.
HARMONIC_SHARE = 0.5
# Periods this close (relative) are one cycle measured with jitter: the autocorrelation
# is high all around a true period, so its neighbours pass the test too.
CLUSTER_TOLERANCE = 0.05
# Rows the tests use (the most recent): plenty for any period that fits, bounded cost.
DETECT_ROWS = 50_000
DETECT_CYCLES = 10
# STL costs grow with the period and the rows; beyond these the classical decomposition
# (moving-average trend, mean seasonal profile) gives the strengths instead.
STL_ROWS = 10_000
STL_MAX_PERIOD = 400
# Without a season, the trend is a centred moving average over this share of the rows:
# it follows a trend but not the short-run noise.
TREND_WINDOW_SHARE = 0.1
# Natural cycles of calendar time, in seconds, for the frequency hint.
CALENDAR_CYCLES_S = (60.0, 3_600.0, 86_400.0, 7 * 86_400.0, 365.25 * 86_400.0)
# Calendar steps (months, quarters, business days) have no fixed length: their mean
# length over this many steps is used.
CALENDAR_STEPS_AVERAGED = 400


@dataclass(frozen=True)
class Decomposition:
    """Trend, season and remainder of the recent part of train; ``start`` is the train
    position of their first value."""

    start: int
    trend: np.ndarray
    seasonal: np.ndarray
    remainder: np.ndarray


@dataclass(frozen=True)
class _Candidate:
    period: int
    cycle: float
    """The period as a fraction of steps where known (52.18 weeks a year)."""
    source: Source
    alignment: int = 0
    """2: a calendar cycle itself; 1: a whole number of them; 0: neither."""


@dataclass(frozen=True)
class _Test:
    candidate: _Candidate
    correlation: float
    rise: float
    strength: float
    threshold: float

    @property
    def passed(self) -> bool:
        return self.correlation >= self.threshold and self.rise >= self.threshold


def calendar_cycles(frequency: str | None) -> tuple[float, ...]:
    """Natural cycles of the time step in steps: 12.0 for months, (24, 168, 8766) for hours.

    Cycles shorter than two steps are left out; a yearly series has none.
    """
    if not frequency:
        return ()
    try:
        offset = pd.tseries.frequencies.to_offset(frequency)
        start = pd.Timestamp("2001-01-01") + offset  # on the offset's anchor (W-SAT: a Saturday)
        span = start + CALENDAR_STEPS_AVERAGED * offset - start
    except (ValueError, TypeError, OverflowError):
        return ()
    step_s = span.total_seconds() / CALENDAR_STEPS_AVERAGED
    if step_s <= 0:
        return ()
    cycles = [c / step_s for c in CALENDAR_CYCLES_S]
    return tuple(round(c, 2) for c in cycles if c >= 2)


def moving_average_detrend(x: np.ndarray, period: int) -> np.ndarray:
    """``x`` minus its centred moving average over one period (2xp for an even p).

    The average of exactly one cycle cancels the season, so what is removed is the trend
    and what is left is season plus noise; the half-periods at both ends are dropped.
    """
    z = x - x.mean()
    c = np.concatenate(([0.0], np.cumsum(z)))
    ma = (c[period:] - c[:-period]) / period
    if period % 2 == 0:
        ma = 0.5 * (ma[:-1] + ma[1:])
    half = period // 2
    return z[half : half + len(ma)] - ma


def _lag_correlation(d: np.ndarray, lag: int) -> float:
    a, b = d[:-lag], d[lag:]
    sa, sb = a.std(), b.std()
    if sa == 0 or sb == 0:
        return 0.0
    return float(np.mean((a - a.mean()) * (b - b.mean())) / (sa * sb))


def _phase_profile(d: np.ndarray, cycle: float, period: int, offset: int = 0) -> np.ndarray:
    """The mean of ``d`` at each phase of the cycle, laid back onto ``d``'s positions.

    A fractional cycle (52.18 weeks a year) bins the phase so the profile does not drift.
    """
    t = np.arange(offset, offset + len(d), dtype=float)
    phase = np.floor(np.mod(t, cycle) / cycle * period).astype(np.int64) % period
    sums = np.bincount(phase, weights=d, minlength=period)
    counts = np.bincount(phase, minlength=period)
    means = sums / np.maximum(counts, 1)
    means -= means.mean()
    return np.asarray(means[phase])


def _test(x: np.ndarray, cand: _Candidate, searched: int) -> _Test:
    """Does the series repeat at ``cand.period``?

    A lag picked as the highest of ``searched`` autocorrelation peaks is tested at
    ``SEASON_ALPHA / searched`` (Bonferroni): the best of many lags beats a single lag's
    chance level by chance. Spectral candidates had their own test; calendar and user
    periods were named in advance.
    """
    p = cand.period
    rows = min(len(x), max(DETECT_ROWS, DETECT_CYCLES * p))
    sample = x[-rows:]
    d = moving_average_detrend(sample, p)
    if len(d) <= p + 2 or d.std() == 0:
        return _Test(cand, 0.0, 0.0, 0.0, 1.0)
    r = _lag_correlation(d, p)
    shorter = acf(d, nlags=p - 1, fft=True)[1:] if p > 1 else np.zeros(1)
    rise = r - float(np.min(shorter)) if len(shorter) else r
    profile = _phase_profile(d, cand.cycle, p, len(x) - rows + p // 2)
    rest = d - profile
    strength = max(0.0, 1.0 - float(rest.var() / d.var()))
    alpha = SEASON_ALPHA / searched if cand.source == "acf" else SEASON_ALPHA
    return _Test(cand, r, rise, strength, _threshold(rest, p, alpha))


def _alignment(period: int, calendar: tuple[float, ...]) -> int:
    if any(round(c) == period for c in calendar):
        return 2
    return int(any(round(c) >= 2 and period % round(c) == 0 for c in calendar))


def _candidate(
    period: int, cycle: float, source: Source, calendar: tuple[float, ...]
) -> _Candidate:
    return _Candidate(period, cycle, source, _alignment(period, calendar))


def _snap(p_spec: float, low: float, high: float, calendar: tuple[float, ...]) -> _Candidate:
    """A whole-step period for a spectral peak: a calendar cycle (or a whole number of
    them) where one lies within the peak's resolution, so that the season lines up with
    the calendar; else the nearest whole step."""
    for cycle in sorted(calendar, key=lambda c: abs(c - p_spec)):
        if low <= round(cycle) <= high:
            return _Candidate(round(cycle), cycle, "spectrum", alignment=2)
    for cycle in sorted((c for c in calendar if c < p_spec), reverse=True):
        k = round(p_spec / cycle)
        if k >= 2 and low <= k * round(cycle) <= high:
            return _Candidate(k * round(cycle), float(k * round(cycle)), "spectrum", alignment=1)
    p = max(2, round(p_spec))
    return _candidate(p, float(p), "spectrum", calendar)


def _background(power: np.ndarray) -> np.ndarray:
    """The spectrum beneath the periodogram near each frequency: from the median within
    an octave either side, which a few peaks cannot move."""
    n = len(power)
    centres = np.unique(np.geomspace(1, n - 1, num=max(2, int(8 * math.log2(n)))).astype(int))
    level = np.empty(len(centres))
    for i, c in enumerate(centres):
        lo = max(1, int(c / 2**BACKGROUND_OCTAVES))
        hi = min(n, int(c * 2**BACKGROUND_OCTAVES) + 1)
        # Periodogram ordinates are exponential, whose median is ln 2 times the mean.
        level[i] = np.median(power[lo:hi]) / math.log(2)
    level = np.maximum(level, np.finfo(float).tiny)
    idx = np.arange(n)
    return np.asarray(np.exp(np.interp(np.log(np.maximum(idx, 1)), np.log(centres), np.log(level))))


def spectral_candidates(x: np.ndarray, calendar: tuple[float, ...]) -> list[_Candidate]:
    """Periods of the periodogram peaks that stand out of their local background.

    Peaks are found on a Hann-windowed periodogram, whose sidelobes fall off fast enough
    that a strong cycle does not spawn neighbours; each is then located on the plain
    periodogram, whose peak is the least-squares frequency of a sinusoid.
    """
    n = len(x)
    nfft = n * max(1, math.ceil(MIN_FFT_POINTS / n))
    freqs, hann = signal.periodogram(x, window="hann", detrend="linear", nfft=nfft)
    _, plain = signal.periodogram(x, detrend="linear", nfft=nfft)
    ratio = hann / _background(hann)
    floor = math.log(max(1, n // 2) / SPECTRAL_ALPHA)
    peaks, _ = signal.find_peaks(hann)
    peaks = peaks[(freqs[peaks] >= MIN_CYCLES / n) & (freqs[peaks] <= 0.5)]
    peaks = peaks[ratio[peaks] >= floor]
    # Strongest first; a weaker peak within the window's resolution of a stronger one is
    # leakage from it, not a cycle.
    clear: list[int] = []
    for i in peaks[np.argsort(hann[peaks])[::-1]]:
        if all(abs(freqs[i] - freqs[j]) * n > SIDELOBE_BINS for j in clear):
            clear.append(int(i))
            if len(clear) >= 4 * MAX_SPECTRAL_CANDIDATES:
                break
    best = sorted(clear, key=lambda i: -ratio[i])[:MAX_SPECTRAL_CANDIDATES]
    pad = nfft // n
    out = []
    half_bin = 1.0 / (2 * n)
    for i in best:
        lo, hi = max(1, i - pad), min(len(plain), i + pad + 1)
        f = float(freqs[lo + int(np.argmax(plain[lo:hi]))])
        low = 1.0 / (f + half_bin)
        high = 1.0 / (f - half_bin) if f > half_bin else float(n)
        out.append(_snap(1.0 / f, low, high, calendar))
    return out


def acf_candidates(x: np.ndarray, max_period: int, calendar: tuple[float, ...]) -> list[_Candidate]:
    """Lags where the autocorrelation of the linearly detrended series peaks."""
    if max_period < 2:
        return []
    r = acf(signal.detrend(x), nlags=max_period, fft=True, adjusted=True)
    peaks, _ = signal.find_peaks(r[: max_period + 1])
    band = 1.96 / math.sqrt(len(x))
    peaks = peaks[(peaks >= 2) & (r[peaks] > band)]
    best = peaks[np.argsort(r[peaks])[::-1][:MAX_ACF_CANDIDATES]]
    return [_candidate(int(p), float(p), "acf", calendar) for p in best]


def _is_multiple(p: int, q: int) -> bool:
    """``p`` is a whole number of ``q`` cycles, give or take half a step per cycle (periods
    are rounded to whole steps: a year is 52.18 weeks)."""
    k = round(p / q)
    return k >= 2 and abs(p - k * q) <= k / 2


def _adds_to(x: np.ndarray, cand: _Candidate, base: _Candidate) -> bool:
    """Does ``cand`` (a multiple of ``base``) repeat something ``base`` does not?

    With ``base``'s mean profile removed, a fixed profile over ``cand``'s period must
    still explain a material share of what is left, beyond what chance profiles reach:
    a weekly pattern in half-hourly load does (weekends differ), a daily cycle whose
    amplitude drifts with the weather does not (its weekly means average out). Chance is
    the F test of stable seasonality (one-way analysis of variance of the phase means).
    """
    p = cand.period
    rows = min(len(x), max(DETECT_ROWS, DETECT_CYCLES * p))
    offset = len(x) - rows + p // 2
    d = moving_average_detrend(x[-rows:], p)
    e = d - _phase_profile(d, base.cycle, base.period, offset)
    if len(e) <= 2 * p or e.std() == 0:
        return False
    profile = _phase_profile(e, cand.cycle, p, offset)
    rest = e - profile
    strength = float(profile.var() / e.var())
    # Degrees of freedom of the F test, shrunk for correlated noise (Satterthwaite): a
    # smooth remainder moves neighbouring phase means together, and a remainder correlated
    # from one cycle to the next makes the cycles count for less.
    rho_step = min(max(_lag_correlation(rest, 1), 0.0), 0.99)
    rho_cycle = min(max(_lag_correlation(rest, p), 0.0), 0.99)
    between = max(1.0, (p - 1) * (1 - rho_step) / (1 + rho_step))
    within = (len(e) - p) * (1 - rho_cycle) / (1 + rho_cycle)
    if within <= p:
        return False
    ratio = (p - 1) / (len(e) - p) * float(stats.f.ppf(1 - SEASON_ALPHA, between, within))
    return strength >= max(MIN_SEASON_CORRELATION, ratio / (1 + ratio))


def _threshold(rest: np.ndarray, lag: int, alpha: float) -> float:
    """The lag correlation chance would not reach at ``alpha`` (two-sided), or the
    materiality floor.

    The noise ``rest`` is autocorrelated, so the pairs are counted with the AR(1)
    correction n (1 - rho) / (1 + rho) (Bayley & Hammersley 1946).
    """
    rho = min(max(_lag_correlation(rest, 1), 0.0), 0.99)
    pairs = len(rest) - lag
    effective = max(1.0, pairs * (1 - rho) / (1 + rho))
    z = float(stats.norm.ppf(1 - alpha / 2))
    return max(MIN_SEASON_CORRELATION, z / math.sqrt(effective))


def _clusters(tests: list[_Test]) -> list[list[_Test]]:
    groups: list[list[_Test]] = []
    for t in sorted(tests, key=lambda t: t.candidate.period):
        last = groups[-1][-1].candidate.period if groups else None
        if last is not None and t.candidate.period - last <= max(1, CLUSTER_TOLERANCE * last):
            groups[-1].append(t)
        else:
            groups.append([t])
    return groups


def _select(x: np.ndarray, tests: list[_Test]) -> tuple[list[_Test], dict[int, str]]:
    """Seasons among the tests that passed: one per cluster of neighbouring periods,
    harmonics dropped, multiples that add nothing dropped. Returns the kept tests
    (shortest first) and a verdict per period."""
    verdict = {t.candidate.period: ("season" if t.passed else "weak") for t in tests}
    for t in tests:
        if t.correlation >= t.threshold and t.rise < t.threshold:
            verdict[t.candidate.period] = "no rise"
    passed: list[_Test] = []
    for group in _clusters([t for t in tests if t.passed]):
        # Within a cluster the calendar breaks the tie (a calendar cycle, then a whole
        # number of them), then the strength of the mean profile, which peaks at the
        # true period.
        most = max(t.candidate.alignment for t in group)
        pool = [t for t in group if t.candidate.alignment == most]
        best = max(pool, key=lambda t: t.strength)
        passed.append(best)
        for t in group:
            if t is not best:
                verdict[t.candidate.period] = f"same cycle as {best.candidate.period}"
    kept: list[_Test] = []
    for t in passed:
        p = t.candidate.period
        longer = [
            u
            for u in passed
            if u.candidate.period > p
            and _is_multiple(u.candidate.period, p)
            and t.correlation < HARMONIC_SHARE * u.correlation
        ]
        if longer:
            verdict[p] = f"harmonic of {longer[0].candidate.period}"
            continue
        divisors = [k for k in kept if _is_multiple(p, k.candidate.period)]
        if divisors and not _adds_to(x, t.candidate, divisors[-1].candidate):
            verdict[p] = f"adds nothing to {divisors[-1].candidate.period}"
            continue
        kept.append(t)
    return kept, verdict


def _strengths(x: np.ndarray, period: int | None) -> tuple[float, float, float, Decomposition]:
    """STL seasonal and trend strength (Wang, Smith & Hyndman 2006; FPP3 section 4.3) and
    the signal-to-noise ratio var(trend + season) / var(remainder)."""
    n = len(x)
    if period and period <= STL_MAX_PERIOD:
        start = n - min(n, max(STL_ROWS, 4 * period))
        sample = x[start:]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = STL(sample, period=period, robust=False).fit()
        trend, seasonal = np.asarray(fit.trend), np.asarray(fit.seasonal)
    else:
        window = period or max(3, int(TREND_WINDOW_SHARE * n) | 1)
        first = n - min(n, max(DETECT_ROWS, DETECT_CYCLES * window)) if period else 0
        d = moving_average_detrend(x[first:], window)
        start = first + window // 2
        sample = x[start : start + len(d)]
        trend = sample - d
        seasonal = _phase_profile(d, float(period), period, start) if period else np.zeros_like(d)
    remainder = sample - trend - seasonal
    var_r = float(np.var(remainder))
    fs = max(0.0, 1 - var_r / float(np.var(seasonal + remainder))) if period else 0.0
    ft_den = float(np.var(trend + remainder))
    ft = max(0.0, 1 - var_r / ft_den) if ft_den > 0 else 0.0
    signal_var = float(np.var(trend + seasonal))
    snr = signal_var / var_r if var_r > 0 else float("inf")
    return fs, ft, snr, Decomposition(start, trend, seasonal, remainder)


def detect_seasonality(
    x: np.ndarray,
    frequency: str | None,
    user_season: int | None,
    score: Callable[[int], float] | None = None,
) -> tuple[Seasonality, int | None, SeasonSource, Decomposition]:
    """The seasons of the training series ``x``, the period to use and where it came from.

    ``score`` rates a period by how well it forecasts (lower is better: the profile passes
    the seasonal naive forecast's validation RMSE). Among several seasons the primary one
    is the best forecaster, not the shortest: a strong 6-month harmonic passes the tests
    beside the 12-month season it belongs to, but only the 12 repeats the whole year.
    """
    n = len(x)
    calendar = calendar_cycles(frequency)
    max_period = n // MIN_CYCLES
    raw: list[_Candidate] = []
    if n >= 4 * MIN_CYCLES and np.std(x) > 0:
        raw += spectral_candidates(x, calendar)
        tail = x[-min(n, DETECT_ROWS) :]
        raw += acf_candidates(tail, min(max_period, len(tail) // MIN_CYCLES), calendar)
    raw += [_Candidate(round(c), c, "frequency", alignment=2) for c in calendar]
    if user_season:
        raw.append(_candidate(user_season, float(user_season), "user", calendar))
    unique: dict[int, _Candidate] = {}
    for c in raw:
        if 2 <= c.period <= max_period and c.period not in unique:
            unique[c.period] = c
    searched = max(1, min(max_period, DETECT_ROWS // MIN_CYCLES))
    tests = [_test(x, c, searched) for c in sorted(unique.values(), key=lambda c: c.period)]
    kept, verdict = _select(x, tests)
    periods = tuple(t.candidate.period for t in kept)
    fitting_calendar = tuple(round(c) for c in calendar if 2 <= round(c) <= max_period)

    period: int | None
    source: SeasonSource
    scores = {t.candidate.period: score(t.candidate.period) for t in tests} if score else {}

    def best(options: Sequence[int]) -> int:
        finite = [p for p in options if math.isfinite(scores.get(p, math.nan))]
        return min(finite, key=lambda p: (scores[p], p)) if finite else options[0]

    if user_season:
        period, source = user_season, "user"
    elif periods:
        period, source = best(periods), "acf"
    elif fitting_calendar:
        period, source = best(fitting_calendar), "frequency"
    else:
        period, source = None, "none"
    strength_period = period if period and period <= max_period else None
    fs, ft, snr, decomposition = _strengths(x, strength_period)
    record = Seasonality(
        periods=periods,
        calendar_periods=tuple(round(c) for c in calendar),
        seasonal_strength=fs,
        trend_strength=ft,
        snr=snr if math.isfinite(snr) else 1e9,
        candidates=tuple(
            SeasonCandidate(
                period=t.candidate.period,
                source=t.candidate.source,
                autocorrelation=t.correlation,
                strength=t.strength,
                threshold=t.threshold,
                verdict=verdict[t.candidate.period],
                naive_rmse=scores.get(t.candidate.period),
            )
            for t in tests
        ),
        rows_used=min(n, DETECT_ROWS),
    )
    return record, period, source, decomposition
