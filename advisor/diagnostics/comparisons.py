"""Findings that compare two validation scores, and the noise band each must clear.

A width against a width (``capacity_limited``), a data fraction against another
(``data_limited``), the LSTM against the best baseline (``baseline_gap``): each counts
only where one score beats the other by its margin and beyond the paired noise band over
the validation origins both were scored on (``noise.paired_band``). A difference inside
the band is said as a note, "no difference found", never as a finding. Runs saved without
per-origin errors have no band; their comparisons rest on the margin alone and say so.
The curve-based findings (one run's own learning curve) are in ``findings``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from advisor.core.findings import FindingId
from advisor.core.records import Baseline, DiagnosticRun, Finding, NoiseBand
from advisor.diagnostics.noise import band_words, paired_band

# A run counts as beating another (or the baseline) when its validation RMSE is at least
# 2% lower: smaller margins are within seed-to-seed noise of short trainings.
BASELINE_MARGIN = 0.02
CAPACITY_GAIN = BASELINE_MARGIN
DATA_GAIN = BASELINE_MARGIN
BAND_UNKNOWN = "no noise band: the runs carry no per-origin validation errors"


@dataclass(frozen=True)
class Noise:
    """How comparisons draw their noise band: origins per bootstrap block
    (``noise.block_length``) and the seed."""

    block: int = 1
    seed: int = 0


def compare(a: DiagnosticRun, b: DiagnosticRun | Baseline, noise: Noise) -> NoiseBand | None:
    """The band of ``a``'s validation RMSE over ``b``'s, paired origin by origin;
    ``None`` where either has no per-origin errors (or they do not pair)."""
    if not a.val_errors or not b.val_errors:
        return None
    return paired_band(a.val_errors, b.val_errors, noise.block, noise.seed)


def clearly_lower(a: float, b: float, band: NoiseBand | None, margin: float) -> bool:
    """``a`` beats ``b`` by more than ``margin`` and, where there is a band, beyond it."""
    if not (math.isfinite(a) and b > 0 and a < b * (1 - margin)):
        return False
    return band is None or band.lower


def band_clause(band: NoiseBand | None) -> str:
    return f" ({band_words(band)})" if band is not None else f" ({BAND_UNKNOWN})"


def score(run: DiagnosticRun) -> float:
    return run.val_rmse if math.isfinite(run.val_rmse) else math.inf


def _gain_beyond_noise(
    a: DiagnosticRun,
    b: DiagnosticRun,
    margin: float,
    noise: Noise | None,
    notes: list[str] | None,
    what: str,
    sign_of: str,
) -> tuple[float, NoiseBand | None] | None:
    """``a``'s relative gain over ``b`` and its band, where it clears ``margin`` and the
    band; else ``None``, and a gain past the margin but inside the band is noted."""
    gain = 1.0 - a.val_rmse / b.val_rmse if b.val_rmse > 0 else 0.0
    if gain <= margin:
        return None
    band = compare(a, b, noise or Noise())
    if clearly_lower(a.val_rmse, b.val_rmse, band, margin):
        return gain, band
    if notes is not None and band is not None:
        notes.append(
            f"{what}: validation error {band_words(band)}. No difference found, so no sign "
            f"that {sign_of}."
        )
    return None


def capacity_limited(
    sweep: Sequence[DiagnosticRun], noise: Noise | None = None, notes: list[str] | None = None
) -> Finding | None:
    """Validation keeps improving with width up to the widest tried, beyond the noise."""
    scored = [r for r in sweep if math.isfinite(r.val_rmse)]
    if len(scored) < 2:
        return None
    widest, runner_up = scored[-1], scored[-2]
    if min(scored, key=score) is not widest:
        return None
    gained = _gain_beyond_noise(
        widest,
        runner_up,
        CAPACITY_GAIN,
        noise,
        notes,
        f"{widest.units} units against {runner_up.units}",
        "a wider model would do better",
    )
    if gained is None:
        return None
    gain, band = gained
    # Improving at every step of the ladder is firmer evidence than at the last step only.
    steady = all(b.val_rmse < a.val_rmse * (1 - CAPACITY_GAIN) for a, b in pairwise(scored))
    return Finding(
        FindingId.CAPACITY_LIMITED,
        f"Validation error still fell from {runner_up.units} to {widest.units} units"
        f"{band_clause(band)}, the widest tried: a wider model may do better still.",
        {"widest_units": widest.units, "gain_over_next": gain, "widths": float(len(scored))},
        0.7 if steady else 0.55,
        tuple(r.name for r in scored),
        band,
    )


def data_limited(
    best: DiagnosticRun,
    runs: Sequence[DiagnosticRun],
    noise: Noise | None = None,
    notes: list[str] | None = None,
) -> Finding | None:
    """At the best width, validation still improves from half to all of the windows,
    beyond the noise. Runs the deadline cut are left out: their score reflects the cut,
    not the data."""
    curve = {
        r.train_fraction: r
        for r in runs
        if r.units == best.units and r.stopped_reason != "budget" and r.train_fraction < 1.0
    }
    curve[best.train_fraction] = best
    fractions = sorted(f for f in curve if math.isfinite(curve[f].val_rmse))
    smaller = [f for f in fractions if f < best.train_fraction]
    if not smaller:
        return None
    half = curve[smaller[-1]]
    gained = _gain_beyond_noise(
        best,
        half,
        DATA_GAIN,
        noise,
        notes,
        f"At {best.units} units, {best.train_fraction:.0%} of the training windows "
        f"against {half.train_fraction:.0%}",
        "more data would help",
    )
    if gained is None:
        return None
    gain, band = gained
    steady = len(smaller) >= 2 and half.val_rmse < curve[smaller[-2]].val_rmse * (1 - DATA_GAIN)
    return Finding(
        FindingId.DATA_LIMITED,
        f"At {best.units} units, validation error fell from {half.train_fraction:.0%} "
        f"to {best.train_fraction:.0%} of the training windows{band_clause(band)}: more "
        "data would likely help.",
        {
            "units": best.units,
            "gain_last_step": gain,
            "from_fraction": half.train_fraction,
            "val_rmse_fewer": half.val_rmse,
            "val_rmse_all": best.val_rmse,
        },
        0.7 if steady else 0.55,
        tuple(curve[f].name for f in fractions),
        band,
    )


def baseline_gap(
    best: DiagnosticRun, baseline: Baseline, noise: Noise | None = None
) -> Finding | None:
    """The best LSTM does not beat the best baseline on the same validation origins by
    more than the margin and beyond the noise band."""
    ratio = best.val_rmse / baseline.rmse if baseline.rmse > 0 else math.inf
    band = compare(best, baseline, noise or Noise()) if math.isfinite(ratio) else None
    if math.isfinite(ratio) and clearly_lower(best.val_rmse, baseline.rmse, band, BASELINE_MARGIN):
        return None
    scores = f"RMSE {best.val_rmse:.4g} vs {baseline.rmse:.4g}"
    if math.isfinite(ratio) and ratio <= 1.0 - BASELINE_MARGIN and band is not None:
        summary = (
            f"The best diagnostic LSTM ({best.name}) scores below the {baseline.name} "
            f"baseline on validation ({scores}), but not beyond the noise: "
            f"{band_words(band)}."
        )
    else:
        summary = (
            f"The best diagnostic LSTM ({best.name}) does not beat the {baseline.name} "
            f"baseline on validation ({scores}"
            + (f"; {band_words(band)}" if band is not None else "")
            + ")."
        )
    return Finding(
        FindingId.NO_GAIN_OVER_BASELINE,
        summary,
        {"lstm_val_rmse": best.val_rmse, "baseline_val_rmse": baseline.rmse, "ratio": ratio},
        0.7,
        (best.name,),
        band,
    )
