"""How far a difference between two validation scores could move by chance.

Two runs scored on the same validation origins are compared origin by origin: a paired
bootstrap resamples the origins, the same draw for both runs, and reads the spread of
the RMSE ratio off the resamples. Pairing takes out what both runs share (a hard
stretch of the series hurts both), so what is left is the noise in their difference.
Pure numpy, vectorised: a band costs milliseconds. Seeded: the same errors and seed
give the same band.

Neighbouring origins are not independent: origins less than a horizon apart forecast
some of the same rows, and a model's errors drift with the series' level for a while.
Resampling single origins would treat 13 overlapping windows as 13 independent pieces
of evidence and draw a band far too narrow. So whole blocks of consecutive origins are
resampled (a block bootstrap, Kuensch 1989), each at least a horizon's worth of origins
long, so that the windows sharing rows stay together.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from advisor.core import forecast_eval as fe
from advisor.core.records import NoiseBand

# 2,000 resamples put the 5% and 95% quantiles within about half a percentage point of
# their limit (Efron & Tibshirani, An Introduction to the Bootstrap, ch. 19: 1,000 or more
# for percentile intervals); more costs time and changes no verdict.
DRAWS = 2_000
# A 90% interval: a difference is called real when the whole band lies on one side of
# no difference, which is a one-sided test at 5%.
LEVEL = 0.9
# With fewer origins than this no band is drawn: a handful of blocks have too few
# distinct resamples to say anything.
MIN_ORIGINS = 5
# Fewer blocks than this in the origins (fewer stretches that share no rows) and the
# resamples are nearly all the same few stretches: their spread would understate the
# noise (13 origins at a 12-step horizon are about one independent stretch, and every
# resample is nearly the whole set, so the band collapses onto the point). The band is
# then unbounded: the comparison cannot be told from noise. Five is where a t-interval's
# factor (2.1 at 4 degrees of freedom) is within a third of the normal one the
# percentile band approximates.
MIN_BLOCKS = 5


def origin_step(start: int, end: int, horizon: int) -> float:
    """Rows between neighbouring validation origins (1 unless ``forecast_eval`` thinned
    them to its cap on a long validation segment)."""
    ts = fe.origins(start, end, horizon)
    return float(np.mean(np.diff(ts))) if len(ts) > 1 else 1.0


def block_length(origins: int, horizon: int, step: float = 1.0) -> int:
    """Origins per resampled block: enough to keep the windows that share target rows
    together (a horizon's worth of rows, in origins ``step`` rows apart), and at least
    the cube root of the origins, the rate at which the block bootstrap's error is least
    for a mean (Hall, Horowitz & Jing 1995), for the dependence that outlasts the
    overlap (errors drifting with the series' level)."""
    if origins <= 1:
        return 1
    overlap = math.ceil(horizon / max(step, 1.0))
    rate = math.ceil(origins ** (1 / 3))
    return max(1, min(origins, max(overlap, rate)))


def paired_band(
    errors_a: Sequence[float],
    errors_b: Sequence[float],
    block: int,
    seed: int = 0,
    draws: int = DRAWS,
    level: float = LEVEL,
    root: bool = True,
) -> NoiseBand | None:
    """The RMSE ratio of ``a`` over ``b`` and its bootstrap band.

    ``errors_a`` and ``errors_b``: squared error at each validation origin, the same
    origins in the same order. ``None`` where they cannot be paired (different lengths,
    too few origins, a non-finite error, a zero score to divide by).

    ``root=False`` bands the plain ratio of the means instead, for per-item figures whose
    mean is the score itself (a classifier's log loss or correctness per validation
    sequence, which are independent: ``block=1``).
    """
    a, b = np.asarray(errors_a, dtype=float), np.asarray(errors_b, dtype=float)
    n = len(a)
    if n != len(b) or n < MIN_ORIGINS:
        return None
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))) or b.mean() <= 0:
        return None
    size = max(1, min(block, n))
    ratio = float(a.mean() / b.mean())
    if root:
        ratio = math.sqrt(ratio)
    if n / size < MIN_BLOCKS:
        return NoiseBand(ratio, 0.0, math.inf, n, size, level)
    per_draw = math.ceil(n / size)
    rng = np.random.default_rng(seed)
    # Circular blocks (Politis & Romano 1992): a block that runs past the last origin
    # wraps to the first, so the origins at either end are drawn as often as the rest.
    starts = rng.integers(0, n, size=(draws, per_draw))
    idx = ((starts[:, :, None] + np.arange(size)) % n).reshape(draws, -1)[:, :n]
    mean_a, mean_b = a[idx].mean(axis=1), b[idx].mean(axis=1)
    ratios = mean_a / np.maximum(mean_b, np.finfo(float).tiny)
    if root:
        ratios = np.sqrt(ratios)
    low, high = np.quantile(ratios, [(1 - level) / 2, (1 + level) / 2])
    return NoiseBand(
        ratio=ratio,
        low=float(low),
        high=float(high),
        origins=n,
        block=size,
        level=level,
    )


def band_words(
    band: NoiseBand, lower: str = "lower", higher: str = "higher", unit: str = "validation origins"
) -> str:
    """``3% lower (band -5% to +9%): within the noise`` — the change, its band, and
    whether the band leaves no difference possible. ``unit`` names what was resampled."""
    change = band.change
    side = lower if change < 0 else higher
    if not band.bounded:
        stretches = band.origins / band.block
        return (
            f"{abs(change):.0%} {side} ({band.origins} validation origins, about "
            f"{stretches:.0f} stretch{'es' if round(stretches) != 1 else ''} of them that share "
            "no rows): too few to tell from noise"
        )
    words = f"{abs(change):.0%} {side} (band {band.low - 1:+.0%} to {band.high - 1:+.0%}"
    words += f", {band.origins} {unit})"
    if not (band.lower or band.higher):
        words += ": within the noise"
    return words


__all__ = ["band_words", "block_length", "origin_step", "paired_band"]
