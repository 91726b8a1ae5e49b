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
its noise band as well as its margin (``noise.paired_band``, over the validation
origins both were scored on): a difference inside the band is "no difference found",
said in ``Examination.notes``, not a finding. Runs saved without per-origin errors have
no band; their comparisons fall back to the margin alone and say the band is unknown.

Overfitting is still read off one run's curve (validation loss turning up after its
best epoch): a band for "best epoch against last epoch" would need every epoch's
per-origin errors, which the trainings do not keep (only the best epoch's weights are
scored on the validation origins). The curve test has its own guard against noise:
the rise is read off a line fitted to the epochs after the best, and must exceed 10%.

A run whose validation loss was lowest after its first epoch did not learn anything that
carries over to the validation rows (``not_learning``): what follows is not a fit it
reached, so it is never read as overfitting.

Several findings can hold at once; ``primary_finding`` picks the one the advice
follows by ``core.findings.PRECEDENCE``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from advisor.core.findings import FindingId, choose_primary
from advisor.core.records import Baseline, DiagnosticRun, Finding, NoiseBand
from advisor.diagnostics.noise import band_words, paired_band

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
# A run counts as beating another (or the baseline) when its validation RMSE is at least
# 2% lower: smaller margins are within seed-to-seed noise of short trainings.
BASELINE_MARGIN = 0.02
CAPACITY_GAIN = BASELINE_MARGIN
DATA_GAIN = BASELINE_MARGIN
# A run needs this many epochs before "best after the first epoch" says it did not learn.
NOT_LEARNING_EPOCHS = 3
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


def _band_clause(band: NoiseBand | None) -> str:
    return f" ({band_words(band)})" if band is not None else f" ({BAND_UNKNOWN})"


def _finite(values: Sequence[float]) -> np.ndarray:
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


def _score(run: DiagnosticRun) -> float:
    return run.val_rmse if math.isfinite(run.val_rmse) else math.inf


def _widths(runs: Sequence[DiagnosticRun]) -> str:
    units = sorted({r.units for r in runs})
    return ", ".join(str(u) for u in units)


def best_run(runs: tuple[DiagnosticRun, ...]) -> DiagnosticRun:
    full = [r for r in runs if r.train_fraction >= 1.0] or list(runs)
    return min(full, key=_score)


def sweep_runs(runs: Sequence[DiagnosticRun]) -> list[DiagnosticRun]:
    """The capacity sweep: the best full-data run of each width, narrowest first."""
    full = [r for r in runs if r.train_fraction >= 1.0] or list(runs)
    by_width: dict[int, DiagnosticRun] = {}
    for run in full:
        if run.units not in by_width or _score(run) < _score(by_width[run.units]):
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
    val, train = run.curve.val_loss, run.curve.train_loss
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
    train = _finite(run.curve.train_loss)
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
    train = _finite(run.curve.train_loss)
    naive_share = run.naive_loss / run.reference_loss if run.reference_loss > 0 else math.nan
    worse_than_naive = naive_share < UNDERFIT_TRAIN_SHARE and float(train.min()) > run.naive_loss
    return share > UNDERFIT_TRAIN_SHARE or worse_than_naive


def _underfits_beside(
    run: DiagnosticRun, sweep: Sequence[DiagnosticRun], noise: Noise
) -> float | None:
    """How many times a wider run's training loss this one's is, where that wider run
    fits training data UNDERFIT_WIDTH_RATIO times better and validation better too
    (beyond the noise band where there is one)."""
    own = _finite(run.curve.train_loss)
    if not len(own):
        return None
    ratios = []
    for wider in sweep:
        other = _finite(wider.curve.train_loss)
        if wider.units <= run.units or not len(other) or other.min() <= 0:
            continue
        ratio = float(own.min() / other.min())
        if ratio >= UNDERFIT_WIDTH_RATIO and clearly_lower(
            _score(wider), _score(run), compare(wider, run, noise), CAPACITY_GAIN
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
        finite = _finite(losses)
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


def _slope(values: np.ndarray) -> float:
    """Mean relative fall per epoch over the last NOT_CONVERGED_WINDOW epochs."""
    tail = values[-NOT_CONVERGED_WINDOW - 1 :]
    return float((tail[0] - tail[-1]) / (NOT_CONVERGED_WINDOW * tail[0])) if tail[0] > 0 else 0.0


def not_converged(run: DiagnosticRun) -> Finding | None:
    """Stopped by the epoch cap or the deadline while the training loss, or the
    validation loss at its lowest yet, was still falling."""
    train, val = _finite(run.curve.train_loss), _finite(run.curve.val_loss)
    if len(train) <= NOT_CONVERGED_WINDOW or run.stopped_reason == "early_stopping":
        return None
    slope = _slope(train)
    val_slope = _slope(val) if len(val) > NOT_CONVERGED_WINDOW else 0.0
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
    val = _finite(run.curve.val_loss)
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
        train = _finite(run.curve.train_loss)
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


def capacity_limited(
    sweep: Sequence[DiagnosticRun], noise: Noise | None = None, notes: list[str] | None = None
) -> Finding | None:
    """Validation keeps improving with width up to the widest tried, beyond the noise."""
    scored = [r for r in sweep if math.isfinite(r.val_rmse)]
    if len(scored) < 2:
        return None
    widest, runner_up = scored[-1], scored[-2]
    if min(scored, key=_score) is not widest:
        return None
    gain = 1.0 - widest.val_rmse / runner_up.val_rmse if runner_up.val_rmse > 0 else 0.0
    if gain <= CAPACITY_GAIN:
        return None
    band = compare(widest, runner_up, noise or Noise())
    if not clearly_lower(widest.val_rmse, runner_up.val_rmse, band, CAPACITY_GAIN):
        if notes is not None and band is not None:
            notes.append(
                f"{widest.units} units against {runner_up.units}: validation error "
                f"{band_words(band)}. No difference found, so no sign that a wider model "
                "would do better."
            )
        return None
    # Improving at every step of the ladder is firmer evidence than at the last step only.
    steady = all(b.val_rmse < a.val_rmse * (1 - CAPACITY_GAIN) for a, b in pairwise(scored))
    return Finding(
        FindingId.CAPACITY_LIMITED,
        f"Validation error still fell from {runner_up.units} to {widest.units} units"
        f"{_band_clause(band)}, the widest tried: a wider model may do better still.",
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
    gain = 1.0 - best.val_rmse / half.val_rmse if half.val_rmse > 0 else 0.0
    if gain <= DATA_GAIN:
        return None
    band = compare(best, half, noise or Noise())
    if not clearly_lower(best.val_rmse, half.val_rmse, band, DATA_GAIN):
        if notes is not None and band is not None:
            notes.append(
                f"At {best.units} units, {best.train_fraction:.0%} of the training windows "
                f"against {half.train_fraction:.0%}: validation error {band_words(band)}. "
                "No difference found, so no sign that more data would help."
            )
        return None
    steady = len(smaller) >= 2 and half.val_rmse < curve[smaller[-2]].val_rmse * (1 - DATA_GAIN)
    return Finding(
        FindingId.DATA_LIMITED,
        f"At {best.units} units, validation error fell from {half.train_fraction:.0%} "
        f"to {best.train_fraction:.0%} of the training windows{_band_clause(band)}: more "
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


def learnt_nothing(run: DiagnosticRun) -> bool:
    """Validation loss lowest after the first epoch, over NOT_LEARNING_EPOCHS or more."""
    val = run.curve.val_loss
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


# Findings that mean the best run's fit has a problem; good_fit excludes them.
PROBLEMS = frozenset(
    {
        FindingId.DIVERGING,
        FindingId.NOT_LEARNING,
        FindingId.OVERFITTING,
        FindingId.UNDERFITTING,
        FindingId.NOT_CONVERGED,
        FindingId.UNSTABLE_TRAINING,
    }
)


def primary_finding(findings: Sequence[Finding]) -> str | None:
    """The finding the advice follows (``core.findings.choose_primary``)."""
    return choose_primary({f.id: f.confidence for f in findings})


@dataclass(frozen=True)
class Examination:
    """What the curves show: the findings, the one the advice follows, and the
    comparisons that stayed within the noise."""

    findings: tuple[Finding, ...]
    primary: str | None
    notes: tuple[str, ...] = ()


def examine(
    runs: tuple[DiagnosticRun, ...],
    baseline: Baseline,
    predictable: float = math.nan,
    noise: Noise | None = None,
) -> Examination:
    """Findings over the whole sweep and data-size curve, about the best full-data run.

    ``predictable``: the share of the variance a linear AR model explains on train (the
    profile's), which tells a model that learnt nothing from data with nothing to learn.
    ``noise``: how the comparisons draw their bands (block length and seed).
    """
    if not runs:
        return Examination((), None)
    noise = noise or Noise()
    notes: list[str] = []
    best = best_run(runs)
    sweep = sweep_runs(runs)
    candidates = (
        diverging(runs),
        not_learning(best, sweep),
        overfitting(best, sweep),
        underfitting(best, sweep, predictable, noise),
        not_converged(best),
        unstable_training(sweep),
        noisy_validation(best),
        capacity_limited(sweep, noise, notes),
        data_limited(best, runs, noise, notes),
        baseline_gap(best, baseline, noise),
    )
    findings = [f for f in candidates if f is not None]
    if not any(f.id in PROBLEMS for f in findings):
        val = _finite(best.curve.val_loss)
        findings.append(
            Finding(
                FindingId.GOOD_FIT,
                f"{best.name}: training and validation losses settled close together.",
                {"best_val_loss": float(val.min()) if len(val) else math.nan, "units": best.units},
                0.6,
                (best.name,),
            )
        )
    return Examination(tuple(findings), primary_finding(findings), tuple(notes))


def diagnose(
    runs: tuple[DiagnosticRun, ...],
    baseline: Baseline,
    predictable: float = math.nan,
    noise: Noise | None = None,
) -> tuple[Finding, ...]:
    """``examine``'s findings alone."""
    return examine(runs, baseline, predictable, noise).findings
