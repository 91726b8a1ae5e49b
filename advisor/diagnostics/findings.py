"""Learning curves in, named findings out. Pure: no training, no I/O.

The runs are a capacity sweep (one full-data run per width) and a data-size curve (the
best width on fewer training windows). Each finding carries the numbers it rests on and
the runs it is about, so the report can show the evidence and the rules can use it.
Thresholds are named here with where they come from.

A finding is about the model the advice builds on, the best full-data run, unless it
says otherwise: ``overfitting`` also counts widths wider than the best (what the sweep
shows about going wider), ``underfitting`` also counts narrower widths when the best
is the widest tried (what it shows about going wider still). One run is never reported
as both overfitting and underfitting unless its own curve shows both: high training
loss and a validation loss that turned up.

Every comparison of two validation scores a finding rests on (a width against a
width, a data fraction against another, the LSTM against the best baseline) must clear
its noise band as well as its margin: those findings are in ``comparisons``; a
difference inside the band is "no difference found", a note, not a finding.

Overfitting is still read off one run's curve (validation loss turning up after its
best epoch): a band for "best epoch against last epoch" would need every epoch's
per-origin errors, which the trainings do not keep (only the best epoch's weights are
scored on the validation origins). The curve test has its own guard against noise:
the rise is read off a line fitted to the epochs after the best, and must exceed 10%.

A run whose validation loss was lowest after its first epoch did not learn anything that
carries over to the validation rows (``not_learning``): what follows is not a fit it
reached, so it is never read as overfitting.

Several findings can hold at once; ``diagnosis.examine`` runs them all and picks the
one the advice follows by ``core.findings.PRECEDENCE``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from advisor.core.findings import FindingId
from advisor.core.records import Curve, DiagnosticRun, Finding
from advisor.diagnostics.comparisons import (
    CAPACITY_GAIN,
    Noise,
    clearly_lower,
    compare,
    score,
)

# Validation loss this far above its minimum at the end of training means it turned
# up: 10% is the usual margin above epoch-to-epoch noise on small validation sets
# (Prechelt, "Early stopping - but when?", generalization loss GL > 10).
OVERFIT_VAL_RISE = 0.10
# The rise is read off a straight line fitted to the validation losses from the best
# epoch on, so one noisy epoch is not read as a turn; it needs this many epochs.
TREND_EPOCHS = 3
# A validation loss more than this multiple of the training loss is a wide
# generalisation gap (bias/variance recipe: gap >> training error) ...
OVERFIT_GAP_RATIO = 2.0
# ... and it widens when it grows by a quarter or more after the best epoch.
OVERFIT_GAP_GROWTH = 0.25
# Training loss above this share of the predict-the-mean loss: the model explains less
# than 30% of the variance of what it has to predict even on data it trains on.
UNDERFIT_TRAIN_SHARE = 0.7
# An LSTM can represent a linear autoregression, so one that leaves over twice the
# variance a linear AR model leaves unexplained (the profile's AR fit, one step ahead on
# train) lacks fit; within that, high training loss is the noise in the data.
UNDERFIT_LINEAR_RATIO = 2.0
# A wider run that halves the training loss and also lowers the validation loss shows
# the narrower one lacked capacity; smaller differences are within the seed-to-seed
# spread of short trainings.
UNDERFIT_WIDTH_RATIO = 2.0
# Still improving by more than 1% per epoch over the last epochs: training stopped early.
NOT_CONVERGED_SLOPE = 0.01
NOT_CONVERGED_WINDOW = 5
# The loss rising tenfold above its minimum, or a NaN: the optimiser is diverging. The
# trainings (model.fit, sweep.Sweep.fit) stop at this same point, so more epochs are not
# spent on a run this already names diverging.
DIVERGENCE_FACTOR = 10.0
# Validation loss jumping around its local trend with a spread above about 25% of its
# level (0.25 in logs) is noise that makes early stopping and model comparison
# unreliable.
NOISY_VAL_CV = 0.25
# An epoch's training loss 25% above the epoch before, at least twice in a run: the
# epoch mean of a stable Adam run falls almost monotonically, and repeated jumps are
# the oscillation of a learning rate near the edge of stability (Deep Learning Tuning
# Playbook, "training instability").
UNSTABLE_JUMP = 0.25
UNSTABLE_MIN_JUMPS = 2
# A run needs this many epochs before "best after the first epoch" says it did not learn.
NOT_LEARNING_EPOCHS = 3


def finite_values(values: Sequence[float]) -> np.ndarray:
    return np.array([v for v in values if math.isfinite(v)], dtype=float)


def _trend_after(values: np.ndarray, best: int) -> tuple[float, float]:
    """Validation loss from the best epoch on, read off a fitted straight line: its
    relative rise to the last epoch, and its value there (the raw last value and no
    rise where there are too few epochs)."""
    after = values[best:]
    if len(after) < TREND_EPOCHS:
        return 0.0, float(values[-1])
    slope, start = np.polyfit(np.arange(len(after)), after, 1)
    end = float(start + slope * (len(after) - 1))
    level = max(float(start), float(values[best]))
    return (float(slope * (len(after) - 1) / level) if level > 0 else 0.0), end


def _widths(runs: Sequence[DiagnosticRun]) -> str:
    units = sorted({r.units for r in runs})
    return ", ".join(str(u) for u in units)


def best_run(runs: tuple[DiagnosticRun, ...]) -> DiagnosticRun:
    full = [r for r in runs if r.train_fraction >= 1.0] or list(runs)
    return min(full, key=score)


def sweep_runs(runs: Sequence[DiagnosticRun]) -> list[DiagnosticRun]:
    """The capacity sweep: the best full-data run of each width, narrowest first."""
    full = [r for r in runs if r.train_fraction >= 1.0] or list(runs)
    by_width: dict[int, DiagnosticRun] = {}
    for run in full:
        if run.units not in by_width or score(run) < score(by_width[run.units]):
            by_width[run.units] = run
    return [by_width[u] for u in sorted(by_width)]


# ----------------------------------------------------------------- one run's curve


@dataclass(frozen=True)
class Overfit:
    best_epoch: int
    val_rise: float
    gap_ratio: float
    gap_growth: float
    turned_up: bool


def overfit_evidence(run: DiagnosticRun) -> Overfit | None:
    """Validation turning up while training loss keeps falling, or a wide gap that
    keeps widening after the best epoch."""
    return curve_overfit(run.curve)


def curve_overfit(curve: Curve) -> Overfit | None:
    """``overfit_evidence`` of a curve alone: any learning curve, a classifier's too."""
    val, train = curve.val_loss, curve.train_loss
    n = min(len(val), len(train))
    if n < 3 or not all(math.isfinite(v) for v in (*val[:n], *train[:n])):
        return None
    v, t = np.array(val[:n]), np.array(train[:n])
    best = int(np.argmin(v))
    if best == 0:
        # Best after the first epoch: the model did not learn (``not_learning``); the
        # curve after it is no fit it reached, so its rise is not overfitting.
        return None
    rise, val_end = _trend_after(v, best)
    turned_up = rise > OVERFIT_VAL_RISE and best < n - 1 and t[-1] <= t[best]
    gap = float(v[best] / t[best]) if t[best] > 0 else 1.0
    gap_end = float(val_end / t[-1]) if t[-1] > 0 else 1.0
    growth = gap_end / gap - 1.0 if gap > 0 else 0.0
    widening = gap_end > OVERFIT_GAP_RATIO and growth > OVERFIT_GAP_GROWTH
    if turned_up or widening:
        return Overfit(best + 1, rise, gap, growth, turned_up)
    return None


def train_share(run: DiagnosticRun) -> float:
    """Lowest training loss as a share of the predict-the-mean loss (1: learnt nothing)."""
    train = finite_values(run.curve.train_loss)
    if not len(train) or run.reference_loss <= 0:
        return math.nan
    return float(train.min() / run.reference_loss)


def _learnable(runs: Sequence[DiagnosticRun], predictable: float) -> bool:
    """Whether the targets have structure a model can fit: a linear AR model (the
    profile's ``predictable``), the naive forecast or some width explains more than
    1 - UNDERFIT_TRAIN_SHARE of their variance on train. Where neither the profile nor
    the naive loss says, assume so."""
    if math.isfinite(predictable) and predictable > 1 - UNDERFIT_TRAIN_SHARE:
        return True
    shares = [train_share(r) for r in runs]
    naive = [r.naive_loss / r.reference_loss for r in runs if r.reference_loss > 0]
    if (not naive or any(math.isnan(x) for x in naive)) and not math.isfinite(predictable):
        return True
    return min([x for x in (*shares, *naive) if math.isfinite(x)], default=1.0) < (
        UNDERFIT_TRAIN_SHARE
    )


def _underfits_alone(run: DiagnosticRun, learnable: bool, predictable: float) -> bool:
    """Explains little even of its own training data where there is something to learn
    (and, where the profile says how much a linear model explains, less than half of
    that), or fits its training windows worse than the naive forecast does."""
    share = train_share(run)
    if not learnable or math.isnan(share):
        return False
    if math.isfinite(predictable) and share <= UNDERFIT_LINEAR_RATIO * (1 - predictable):
        return False
    train = finite_values(run.curve.train_loss)
    naive_share = run.naive_loss / run.reference_loss if run.reference_loss > 0 else math.nan
    worse_than_naive = naive_share < UNDERFIT_TRAIN_SHARE and float(train.min()) > run.naive_loss
    return share > UNDERFIT_TRAIN_SHARE or worse_than_naive


def _underfits_beside(
    run: DiagnosticRun, sweep: Sequence[DiagnosticRun], noise: Noise
) -> float | None:
    """How many times a wider run's training loss this one's is, where that wider run
    fits training data UNDERFIT_WIDTH_RATIO times better and validation better too
    (beyond the noise band where there is one)."""
    own = finite_values(run.curve.train_loss)
    if not len(own):
        return None
    ratios = []
    for wider in sweep:
        other = finite_values(wider.curve.train_loss)
        if wider.units <= run.units or not len(other) or other.min() <= 0:
            continue
        ratio = float(own.min() / other.min())
        if ratio >= UNDERFIT_WIDTH_RATIO and clearly_lower(
            score(wider), score(run), compare(wider, run, noise), CAPACITY_GAIN
        ):
            ratios.append(ratio)
    return max(ratios) if ratios else None


# ----------------------------------------------------------------------- findings


def diverging(runs: Sequence[DiagnosticRun]) -> Finding | None:
    hits: list[tuple[DiagnosticRun, bool, float]] = []
    for run in runs:
        losses = run.curve.train_loss
        if not losses:
            continue
        has_nan = any(not math.isfinite(v) for v in losses) or run.stopped_reason == "nan"
        finite = finite_values(losses)
        blowup = float(finite[-1] / finite.min()) if len(finite) and finite.min() > 0 else 1.0
        if has_nan or blowup > DIVERGENCE_FACTOR or run.stopped_reason == "diverged":
            hits.append((run, has_nan, blowup))
    if not hits:
        return None
    run, has_nan, blowup = hits[0]
    what = "NaN loss" if has_nan else f"loss x{blowup:.0f}"
    return Finding(
        FindingId.DIVERGING,
        f"Training of {run.name} blew up ({what})"
        + (f", and of {len(hits) - 1} more run(s)." if len(hits) > 1 else "."),
        {"nan": float(has_nan), "loss_growth": blowup, "runs_diverged": float(len(hits))},
        0.9,
        tuple(r.name for r, _, _ in hits),
    )


def overfitting(best: DiagnosticRun, sweep: Sequence[DiagnosticRun]) -> Finding | None:
    """The best run overfits, or widths wider than it do (evidence of the narrowest)."""
    hits = [(r, e) for r in sweep if r.units >= best.units for e in [overfit_evidence(r)] if e]
    own = overfit_evidence(best)
    if own is not None and all(r is not best for r, _ in hits):
        hits.insert(0, (best, own))
    if not hits:
        return None
    run, ev = next(((r, e) for r, e in hits if r is best), hits[0])
    wider = [r for r, _ in hits if r is not best]
    if own is not None:
        confidence = 0.8 if ev.turned_up and ev.gap_ratio > OVERFIT_GAP_RATIO else 0.7
        lead = f"{run.name}: validation loss bottomed at epoch {ev.best_epoch} and " + (
            f"rose {ev.val_rise:.0%} after" if ev.turned_up else "the gap to training loss widened"
        )
    else:
        confidence = 0.6
        lead = (
            f"Widths {_widths(wider)}, wider than the best ({best.units}), overfit: "
            f"{run.name}'s validation loss bottomed at epoch {ev.best_epoch}"
        )
    if own is not None and wider:
        lead += f"; wider runs overfit too (widths {_widths(wider)})"
    return Finding(
        FindingId.OVERFITTING,
        lead + ".",
        {
            "best_epoch": ev.best_epoch,
            "val_rise": ev.val_rise,
            "gap_ratio": ev.gap_ratio,
            "gap_growth": ev.gap_growth,
            "units": run.units,
            "best_units": best.units,
            "runs_overfitting": float(len(hits)),
        },
        confidence,
        tuple(r.name for r, _ in hits),
    )


def underfitting(
    best: DiagnosticRun,
    sweep: Sequence[DiagnosticRun],
    predictable: float = math.nan,
    noise: Noise | None = None,
) -> Finding | None:
    """The best run underfits on its own evidence, or it is the widest tried and the
    narrower ones underfit beside it (training loss far above a wider run's)."""
    learnable = _learnable(sweep or [best], predictable)
    alone = _underfits_alone(best, learnable, predictable)
    narrow: list[tuple[DiagnosticRun, float]] = []
    if best.units >= max((r.units for r in sweep), default=best.units):
        for run in sweep:
            ratio = (
                _underfits_beside(run, sweep, noise or Noise()) if run.units < best.units else None
            )
            # A run whose validation turned up overfits; a high relative training loss
            # does not make it underfit too.
            if ratio is not None and overfit_evidence(run) is None:
                narrow.append((run, ratio))
    if not alone and not narrow:
        return None
    share = train_share(best)
    evidence = {
        "train_loss_share": share,
        "naive_loss_share": best.naive_loss / best.reference_loss
        if best.reference_loss > 0
        else math.nan,
        "units": best.units,
        "best_underfits": float(alone),
        "runs_underfitting": float(len(narrow) + alone),
    }
    if narrow:
        evidence["train_loss_ratio"] = max(r for _, r in narrow)
    if alone:
        summary = (
            f"{best.name}: even on its training data the model explains only "
            f"{max(0.0, 1 - share):.0%} of the variance"
            + (
                ", less than the naive forecast"
                if math.isfinite(best.naive_loss) and share * best.reference_loss > best.naive_loss
                else ""
            )
            + "."
        )
    else:
        summary = (
            f"Widths {_widths([r for r, _ in narrow])} underfit: their training loss is up to "
            f"{max(r for _, r in narrow):.1f}x that of the widest, {best.units} units, "
            "which also scores best on validation."
        )
    runs = ((best,) if alone else ()) + tuple(r for r, _ in narrow)
    return Finding(
        FindingId.UNDERFITTING,
        summary,
        evidence,
        0.75 if alone else 0.6,
        tuple(r.name for r in runs),
    )


def tail_slope(values: np.ndarray) -> float:
    """Mean relative fall per epoch over the last NOT_CONVERGED_WINDOW epochs."""
    tail = values[-NOT_CONVERGED_WINDOW - 1 :]
    return float((tail[0] - tail[-1]) / (NOT_CONVERGED_WINDOW * tail[0])) if tail[0] > 0 else 0.0


def not_converged(run: DiagnosticRun) -> Finding | None:
    """Stopped by the epoch cap or the deadline while the training loss, or the
    validation loss at its lowest yet, was still falling."""
    train, val = finite_values(run.curve.train_loss), finite_values(run.curve.val_loss)
    if len(train) <= NOT_CONVERGED_WINDOW or run.stopped_reason == "early_stopping":
        return None
    slope = tail_slope(train)
    val_slope = tail_slope(val) if len(val) > NOT_CONVERGED_WINDOW else 0.0
    val_falling = run.best_epoch >= len(val) and val_slope > NOT_CONVERGED_SLOPE / 2
    if slope > NOT_CONVERGED_SLOPE or val_falling:
        return Finding(
            FindingId.NOT_CONVERGED,
            f"{run.name}: "
            + (
                f"training loss was still falling {slope:.1%} per epoch when it stopped."
                if slope > NOT_CONVERGED_SLOPE
                else f"validation loss was at its lowest yet, falling {val_slope:.1%} per "
                "epoch, when it stopped."
            ),
            {"slope_per_epoch": slope, "val_slope_per_epoch": val_slope, "epochs": len(train)},
            0.6,
            (run.name,),
        )
    return None


def noisy_validation(run: DiagnosticRun) -> Finding | None:
    val = finite_values(run.curve.val_loss)
    if len(val) < 5 or val.min() <= 0:
        return None
    # Each epoch against the mean of its neighbours, in logs: a curve falling (or rising)
    # steadily, even a hundredfold in a few epochs, leaves nothing; jumps around the
    # trend, relative to the level, are what is left.
    logs = np.log(val)
    wobble = logs[1:-1] - (logs[:-2] + logs[2:]) / 2
    cv = float(np.std(wobble))
    if cv > NOISY_VAL_CV:
        return Finding(
            FindingId.NOISY_VALIDATION,
            f"{run.name}: validation loss jumps by {cv:.0%} of its level from epoch to epoch.",
            {"val_step_cv": cv},
            0.5,
            (run.name,),
        )
    return None


def unstable_training(runs: Sequence[DiagnosticRun]) -> Finding | None:
    hits = []
    for run in runs:
        train = finite_values(run.curve.train_loss)
        if len(train) < 3:
            continue
        rises = train[1:] / np.maximum(train[:-1], 1e-12) - 1.0
        jumps = int(np.sum(rises > UNSTABLE_JUMP))
        if jumps >= UNSTABLE_MIN_JUMPS:
            hits.append((run, jumps, float(rises.max())))
    if not hits:
        return None
    run, jumps, worst = max(hits, key=lambda h: h[1])
    return Finding(
        FindingId.UNSTABLE_TRAINING,
        f"{run.name}: training loss jumped up by more than {UNSTABLE_JUMP:.0%} in {jumps} "
        f"epochs (worst +{worst:.0%}); the learning rate may be too high.",
        {"jumps": float(jumps), "worst_jump": worst, "runs_unstable": float(len(hits))},
        0.6,
        tuple(r.name for r, _, _ in hits),
    )


def learnt_nothing(run: DiagnosticRun) -> bool:
    """Validation loss lowest after the first epoch, over NOT_LEARNING_EPOCHS or more."""
    return curve_learnt_nothing(run.curve)


def curve_learnt_nothing(curve: Curve) -> bool:
    """``learnt_nothing`` of a curve alone: any learning curve, a classifier's too."""
    val = curve.val_loss
    if len(val) < NOT_LEARNING_EPOCHS or not all(math.isfinite(v) for v in val):
        return False
    return int(np.argmin(val)) == 0


def not_learning(best: DiagnosticRun, sweep: Sequence[DiagnosticRun]) -> Finding | None:
    """The best run's validation loss was lowest after its first epoch: its score is
    that of weights barely moved from their start, and nothing it learnt later carried
    over to the validation rows."""
    if not learnt_nothing(best):
        return None
    others = [r for r in sweep if r is not best and learnt_nothing(r)]
    val = best.curve.val_loss
    worse = float(val[-1] / val[0] - 1.0) if val[0] > 0 else math.nan
    summary = (
        f"{best.name}: validation loss was lowest after the first epoch and no later epoch "
        f"(of {len(val)}) improved on it: the model did not learn anything that carries over "
        "to the validation rows, so its curve says nothing about over- or underfitting."
    )
    if others:
        summary += f" Widths {_widths(others)} did not learn either."
    return Finding(
        FindingId.NOT_LEARNING,
        summary,
        {
            "best_epoch": 1,
            "epochs": float(len(val)),
            "val_change_to_last": worse,
            "units": best.units,
            "runs_not_learning": float(1 + len(others)),
        },
        0.7,
        (best.name, *(r.name for r in others)),
    )
