"""How alike two datasets are, from the meta-features the probes measure.

An earlier analysis is worth reusing where its data looked like this one to the probes:
a similar size, season, trend, memory and noise. Each meta-feature is mapped onto
[0, 1] by a fixed transform (below), so that no one feature's units dominate and a
stored record keeps its meaning whatever else the history holds; the distance is the
root mean square of the differences over the features both records have, 0 for
identical profiles and 1 at the most. Fixed transforms rather than scaling by the
history's own spread: with a handful of records, a spread says little, and a distance
that moved each time an analysis was added would make a resumed run see other
neighbours than it started with.

| feature | from | transform |
| --- | --- | --- |
| ``rows`` | rows of the series | log10(rows) / 7 (10 million rows: 1) |
| ``horizon`` | forecast horizon | log10(horizon) / 3 |
| ``season`` | primary seasonal period (0 where none) | log10(1 + period) / 4 |
| ``seasonal_strength``, ``trend_strength`` | STL strengths on train | as measured, in [0, 1] |
| ``acf1`` | lag-1 autocorrelation of the stationary series | (1 + acf) / 2 |
| ``ar_r2`` | variance a linear AR model explains | as measured |
| ``spectral_entropy``, ``permutation_entropy`` | how noise-like the series is | as measured |
| ``nonlinear`` | BDS test rejects linearity | 0 or 1 |
| ``differencing`` | differences the unit-root tests ask for | min(d, 2) / 2 |
| ``seasonal_differencing`` | seasonal differences asked for | min(D, 1) |
| ``covariates`` | numeric covariates | min(n, 10) / 10 |
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from advisor.core.class_records import ClassProfile
from advisor.core.history import Neighbour, PastAnalysis
from advisor.core.records import Profile

SIMILAR_DISTANCE = 0.25
"""Neighbours farther than this are not similar enough to bring their settings along:
every feature off by a quarter of its range, or about one in sixteen at the opposite
end of it. On the eleven public forecasting datasets (all different series) the
nearest other dataset lies 0.17-0.30 away, and the two US macroeconomic series 0.17
apart; at 0.15 none had a neighbour. A borrowed configuration takes the place of one of
the search's own first draws, so a loose match costs a trial, not the answer."""
MAX_NEIGHBOURS = 3
"""Earlier configurations that join the search's first trials: a few, so the search
keeps most of its trials for the space the rules narrowed."""


def _unit(x: float) -> float:
    return min(1.0, max(0.0, x)) if math.isfinite(x) else math.nan


def forecast_features(profile: Profile, covariates: int) -> dict[str, float]:
    """The profile's meta-features, each on [0, 1] (see the module's table)."""
    acf1 = profile.acf[1] if len(profile.acf) > 1 else math.nan
    raw = {
        "rows": math.log10(max(profile.rows, 1)) / 7,
        "horizon": math.log10(max(profile.horizon, 1)) / 3,
        "season": math.log10(1 + (profile.seasonal_period or 0)) / 4,
        "seasonal_strength": profile.seasonality.seasonal_strength,
        "trend_strength": profile.seasonality.trend_strength,
        "acf1": (1 + acf1) / 2,
        "ar_r2": profile.complexity.ar_r2,
        "spectral_entropy": profile.complexity.spectral_entropy,
        "permutation_entropy": profile.complexity.permutation_entropy,
        "nonlinear": float(profile.complexity.nonlinear),
        "differencing": min(profile.unit_root.differencing_order, 2) / 2,
        "seasonal_differencing": float(min(profile.unit_root.seasonal_differencing_order, 1)),
        "covariates": min(covariates, 10) / 10,
    }
    return {k: round(_unit(v), 6) for k, v in raw.items() if math.isfinite(_unit(v))}


def class_features(profile: ClassProfile) -> dict[str, float]:
    """A classification profile's meta-features, each on [0, 1]: the sequences, their
    length and raggedness, channels, classes and their balance, and how far the best
    baseline got on validation (easy data for MiniRocket is easy data)."""
    finite = [b.accuracy for b in profile.baselines if math.isfinite(b.accuracy)]
    raw = {
        "sequences": math.log10(max(profile.n_sequences, 1)) / 5,
        "length": math.log10(max(profile.median_length, 1.0)) / 4,
        "ragged": float(profile.ragged),
        "channels": min(len(profile.channels), 16) / 16,
        "classes": math.log2(max(profile.n_classes, 2)) / 6,
        "imbalance": math.log10(max(profile.imbalance_ratio, 1.0)) / 2,
        "baseline_accuracy": max(finite) if finite else math.nan,
    }
    return {k: round(_unit(v), 6) for k, v in raw.items() if math.isfinite(_unit(v))}


def _number(x: object) -> bool:
    # A stored record reads a feature that was not finite back as None.
    return isinstance(x, int | float) and math.isfinite(x)


def distance(a: Mapping[str, float | None], b: Mapping[str, float | None]) -> float:
    """Root mean square difference over the features both have; 1 where none is shared."""
    shared = [k for k in a if k in b and _number(a[k]) and _number(b[k])]
    if not shared:
        return 1.0
    return math.sqrt(sum((float(a[k] or 0) - float(b[k] or 0)) ** 2 for k in shared) / len(shared))


def nearest(
    features: Mapping[str, float],
    history: Sequence[PastAnalysis],
    task: str,
    *,
    limit: int = MAX_NEIGHBOURS,
    within: float = SIMILAR_DISTANCE,
    exclude_run_dir: str | None = None,
) -> tuple[Neighbour, ...]:
    """The ``limit`` earlier analyses of ``task`` closest to ``features`` and within
    ``within``, nearest first (ties: the most recent first); the same configuration
    found twice counts once, at its nearest. ``exclude_run_dir``: this run's own
    earlier record (a rerun of the same directory is not an earlier dataset)."""
    ranked = sorted(
        (
            Neighbour(p, distance(features, p.features))
            for p in history
            if p.task == task and p.run_dir != exclude_run_dir
        ),
        key=lambda n: (n.distance, -n.past.id),
    )
    chosen: list[Neighbour] = []
    seen: set[str] = set()
    for n in ranked:
        if n.distance > within or len(chosen) >= limit:
            break
        key = repr(sorted(n.past.config.items()))
        if key in seen:
            continue
        seen.add(key)
        chosen.append(n)
    return tuple(chosen)
