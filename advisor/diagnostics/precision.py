"""Whether the models compute in bfloat16: faster where it is, and only where the
validation score holds.

On a GPU that computes in bfloat16 natively, the planner (``plan``) times one batch of
the comparison's small model in each precision and, where bfloat16 is clearly faster,
trains that model once in each on the same windows and seed. bfloat16 is kept where
its validation RMSE stays within the noise of float32's (``hold``); everything after
the comparison then computes in it. Nothing here imports Keras: the rule is tested on
scripted scores.
"""

from __future__ import annotations

import math

from advisor.core.records import DiagnosticRun, Precision
from advisor.diagnostics.comparisons import BASELINE_MARGIN, Noise, clearly_lower, compare
from advisor.diagnostics.noise import band_words

# bfloat16 is worth a comparison only if one batch takes at most this share of float32's
# time: a smaller gain does not pay for the two trainings that check it. A small LSTM on
# a GPU is launch-bound, not bound by arithmetic, and may gain nothing.
MAX_TIME_RATIO = 0.9
# bfloat16 is kept unless float32 scores lower by more than BASELINE_MARGIN beyond the
# noise band, and never where it scores more than this much worse: with too few
# validation origins for a band, the margin alone would let any loss through.
MAX_LOSS = 0.05
SKIPPED = "bfloat16 compared with float32 by training (time budget): float32"
ASKED = "computed in bfloat16 as asked, not compared with float32"


def faster(time_ratio: float) -> bool:
    """bfloat16's batch time over float32's leaves enough of a gain to compare."""
    return math.isfinite(time_ratio) and time_ratio <= MAX_TIME_RATIO


def hold(float32: DiagnosticRun, bfloat16: DiagnosticRun, noise: Noise) -> bool:
    """bfloat16's validation RMSE is within the noise of float32's, and at most MAX_LOSS
    above it."""
    if not (math.isfinite(bfloat16.val_rmse) and math.isfinite(float32.val_rmse)):
        return math.isfinite(bfloat16.val_rmse)
    if bfloat16.val_rmse > (1 + MAX_LOSS) * float32.val_rmse:
        return False
    band = compare(float32, bfloat16, noise)
    return not clearly_lower(float32.val_rmse, bfloat16.val_rmse, band, BASELINE_MARGIN)


def pick_precision(
    float32: DiagnosticRun, bfloat16: DiagnosticRun, time_ratio: float, noise: Noise
) -> tuple[Precision, str]:
    """The precision to train in, and the plan's words for the comparison."""
    kept: Precision = "bfloat16" if hold(float32, bfloat16, noise) else "float32"
    if math.isfinite(bfloat16.val_rmse) and math.isfinite(float32.val_rmse):
        band = compare(bfloat16, float32, noise)
        score = (
            f"validation RMSE {band_words(band)}"
            if band is not None
            else f"validation RMSE {bfloat16.val_rmse / float32.val_rmse:.2f}x"
        )
    else:
        score = "float32 did not score" if math.isfinite(bfloat16.val_rmse) else "no score"
    verdict = "kept" if kept == "bfloat16" else "not kept"
    return kept, (
        f"bfloat16 compared with float32 at width {float32.units}: a batch in "
        f"{time_ratio:.2f}x the time, {score}; {verdict}"
    )


def not_faster(time_ratio: float, units: int) -> str:
    """The plan's words where bfloat16 was timed and not trained."""
    if not math.isfinite(time_ratio):
        return f"bfloat16 timed against float32 at width {units}: no time measured; float32"
    return (
        f"bfloat16 timed against float32 at width {units}: a batch in {time_ratio:.2f}x "
        f"the time, too little gain to compare; float32"
    )


__all__ = [
    "MAX_LOSS",
    "MAX_TIME_RATIO",
    "SKIPPED",
    "faster",
    "hold",
    "not_faster",
    "pick_precision",
]
