"""A classifier's learning curves in, named findings out. Pure: no training, no I/O.

Sequence classification's counterpart of ``findings``, ``comparisons`` and ``diagnosis``,
with the same finding ids (``core.findings.FindingId``), so the rules, the report and
``choose_primary`` read a classifier's diagnosis as they read a forecaster's. What
reads only a learning curve is forecasting's own code (``findings.curve_overfit``,
``findings.curve_learnt_nothing``); what reads a score is written here for the
classifier's scores: cross-entropy where runs are compared with runs, accuracy where
the LSTM is compared with the baselines (what a person judges a classifier by, and
what every baseline reports).

The best run is the full-data run with the lowest validation cross-entropy: a proper
score that moves with every sequence's probability, where accuracy on 6-40 validation
sequences moves in steps of a whole sequence. Every comparison of two scores counts
only beyond the noise band of a paired bootstrap over the validation sequences
(``noise.paired_band``, blocks of one: the sequences are independent). On such small
validation sets most differences stay inside the band: they are said as notes, "no
difference found", never as findings.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import pairwise

import numpy as np

from advisor.core.class_models import ClassRun
from advisor.core.class_records import ClassBaseline, ClassProfile, ClassSplit
from advisor.core.findings import FindingId
from advisor.core.records import Finding, NoiseBand
from advisor.diagnostics.comparisons import BASELINE_MARGIN, CAPACITY_GAIN, DATA_GAIN
from advisor.diagnostics.diagnosis import PROBLEMS, Examination, primary_finding
from advisor.diagnostics.findings import (
    NOT_CONVERGED_SLOPE,
    NOT_CONVERGED_WINDOW,
    OVERFIT_GAP_RATIO,
    UNDERFIT_TRAIN_SHARE,
    curve_learnt_nothing,
    curve_overfit,
    finite_values,
    tail_slope,
)
from advisor.diagnostics.noise import MIN_ORIGINS, band_words, paired_band
from advisor.probes.class_baselines import BASELINE_NAMES

UNIT = "validation sequences"
"""What a classifier's noise band resamples, as ``band_words`` says it."""


def class_score(run: ClassRun) -> float:
    return run.val_loss if math.isfinite(run.val_loss) else math.inf


def best_class_run(runs: Sequence[ClassRun]) -> ClassRun:
    """The full-data run with the lowest validation cross-entropy: the model the advice
    builds on."""
    full = [r for r in runs if r.train_fraction >= 1.0] or list(runs)
    return min(full, key=class_score)


def class_sweep(runs: Sequence[ClassRun]) -> list[ClassRun]:
    """The capacity sweep: the best full-data run of each width, narrowest first."""
    by_width: dict[int, ClassRun] = {}
    for run in runs:
        if run.train_fraction < 1.0:
            continue
        if run.units not in by_width or class_score(run) < class_score(by_width[run.units]):
            by_width[run.units] = run
    return [by_width[u] for u in sorted(by_width)]


def _widths(runs: Sequence[ClassRun]) -> str:
    return ", ".join(str(u) for u in sorted({r.units for r in runs}))


def label(baseline: ClassBaseline) -> str:
    return BASELINE_NAMES.get(baseline.name, baseline.name)


# ------------------------------------------------------------------------ the noise


def loss_band(a: ClassRun, b: ClassRun, seed: int) -> NoiseBand | None:
    """``a``'s mean validation cross-entropy over ``b``'s, paired sequence by sequence."""
    return paired_band(a.val_log_loss, b.val_log_loss, 1, seed, root=False)


def accuracy_band(run: ClassRun, baseline: ClassBaseline, seed: int) -> NoiseBand | None:
    """The run's validation accuracy over the baseline's, paired sequence by sequence.

    Accuracy over accuracy rather than error over error: a baseline that classifies every
    validation sequence right (MiniRocket often does) has no error to divide by, and on
    any resample the two ratios fall on the same side of one, so the verdict is the same.
    """
    return paired_band(run.val_correct, baseline.correct, 1, seed, root=False)


def _too_few(n: int) -> str:
    return (
        f"only {n} validation sequences, too few to tell any difference from noise "
        f"(a band needs {MIN_ORIGINS})"
    )


def _lower_beyond_noise(
    a: ClassRun,
    b: ClassRun,
    margin: float,
    seed: int,
    notes: list[str],
    what: str,
    sign_of: str,
) -> tuple[float, NoiseBand] | None:
    """``a``'s relative gain in validation cross-entropy over ``b`` and its band, where it
    clears ``margin`` and the whole band lies below one; else ``None``, and a gain past
    the margin that the band cannot tell from noise is noted."""
    if not (math.isfinite(a.val_loss) and math.isfinite(b.val_loss) and b.val_loss > 0):
        return None
    gain = 1.0 - a.val_loss / b.val_loss
    if gain <= margin:
        return None
    band = loss_band(a, b, seed)
    if band is None:
        notes.append(f"{what}: {_too_few(len(a.val_log_loss))}.")
        return None
    if band.lower:
        return gain, band
    notes.append(
        f"{what}: validation cross-entropy {band_words(band, unit=UNIT)}. No difference "
        f"found, so no sign that {sign_of}."
    )
    return None


# ------------------------------------------------------------------- one run's curve


def diverging(runs: Sequence[ClassRun]) -> Finding | None:
    """A run the trainer stopped as diverged, or whose loss went non-finite.

    Not forecasting's tenfold rise above the minimum: a classifier's cross-entropy near
    zero rises tenfold on noise (the trainer's divergence check has a floor for it)."""
    hits = [
        r
        for r in runs
        if r.stopped_reason == "diverged" or any(not math.isfinite(v) for v in r.curve.train_loss)
    ]
    if not hits:
        return None
    return Finding(
        FindingId.DIVERGING,
        f"Training of {hits[0].name} blew up (a NaN or exploding loss)"
        + (f", and of {len(hits) - 1} more run(s)." if len(hits) > 1 else "."),
        {"runs_diverged": float(len(hits))},
        0.9,
        tuple(r.name for r in hits),
    )


def majority_level(split: ClassSplit) -> tuple[float, float]:
    """Validation accuracy of always answering the training sequences' largest class
    (ties to the lower class code, as the majority baseline breaks them), and the
    balanced accuracy of any constant answer: one over the classes in validation."""
    n = split.n_validation
    if n == 0 or not split.train_counts:
        return math.nan, math.nan
    majority = int(np.argmax(split.train_counts))
    present = sum(1 for c in split.validation_counts if c > 0)
    return split.validation_counts[majority] / n, 1.0 / max(1, present)


def at_majority_level(run: ClassRun, split: ClassSplit) -> bool:
    """The run classifies validation no better than a constant answer: its accuracy at
    most one sequence above the majority class's, and its balanced accuracy at most one
    sequence's worth above chance (so a class-weighted run that gave up some accuracy to
    recognise the small classes has learnt something).

    A margin of one sequence, not the noise band: ``not_learning`` leads every other
    finding and silences the fit advice, so it needs a model at the level, not one that
    a handful of validation sequences cannot tell from it (whether the LSTM beats the
    baselines beyond the noise is ``no_gain_over_baseline``'s question)."""
    accuracy, chance = majority_level(split)
    n = split.n_validation
    if not n or math.isnan(accuracy):
        return False
    # Scores are counts over n: compare them past the rounding of their float quotients.
    slack = 1 / n + 1e-9
    return run.val_accuracy <= accuracy + slack and run.val_balanced_accuracy <= chance + slack


def not_learning(best: ClassRun, sweep: Sequence[ClassRun], split: ClassSplit) -> Finding | None:
    """The best run's validation loss was lowest after its first epoch, or its validation
    accuracy is at the majority class's level: what its curve shows after that is no fit
    it reached."""
    first = curve_learnt_nothing(best.curve)
    level = at_majority_level(best, split)
    if not (first or level):
        return None
    others = [
        r
        for r in sweep
        if r is not best and (curve_learnt_nothing(r.curve) or at_majority_level(r, split))
    ]
    majority, _ = majority_level(split)
    if first:
        summary = (
            f"{best.name}: validation loss was lowest after the first epoch and no later "
            f"epoch (of {best.curve.epochs}) improved on it: the model did not learn anything "
            "that carries over to the validation sequences"
        )
    else:
        summary = (
            f"{best.name}: validation accuracy {best.val_accuracy:.2f} is at the level of "
            f"always answering the largest class ({majority:.2f}): the model did not learn "
            "to tell the classes apart"
        )
    summary += ", so its curve says nothing about over- or underfitting."
    if others:
        summary += f" Widths {_widths(others)} did not learn either."
    return Finding(
        FindingId.NOT_LEARNING,
        summary,
        {
            "best_epoch": float(best.best_epoch),
            "epochs": float(best.curve.epochs),
            "val_accuracy": best.val_accuracy,
            "majority_accuracy": majority,
            "first_epoch_best": float(first),
            "units": best.units,
            "runs_not_learning": float(1 + len(others)),
        },
        0.7,
        (best.name, *(r.name for r in others)),
    )


def constant_loss(split: ClassSplit, class_weights: bool) -> float:
    """Training cross-entropy of the best constant answer: the training class shares
    (their entropy), or, where the loss weighs classes equally, one over the classes
    (the logarithm of their number)."""
    counts = np.array([c for c in split.train_counts if c > 0], dtype=float)
    if len(counts) < 2:
        return 0.0
    if class_weights:
        return float(math.log(len(counts)))
    shares = counts / counts.sum()
    return float(-(shares * np.log(shares)).sum())


def underfitting(best: ClassRun, split: ClassSplit) -> Finding | None:
    """Even on its training sequences the best run's cross-entropy stayed above
    ``UNDERFIT_TRAIN_SHARE`` of the best constant answer's: forecasting's threshold on
    the share of the variance left, read here as McFadden's pseudo-R² (one minus the
    model's log loss over the constant model's) below 0.3."""
    reference = constant_loss(split, best.config.class_weights)
    train = finite_values(best.curve.train_loss)
    if not len(train) or reference <= 0:
        return None
    share = float(train.min()) / reference
    if share <= UNDERFIT_TRAIN_SHARE:
        return None
    return Finding(
        FindingId.UNDERFITTING,
        f"{best.name}: even on its training sequences the cross-entropy stayed at "
        f"{share:.0%} of what a constant answer costs ({train.min():.3g} against "
        f"{reference:.3g}): the model barely fits the data it learns from.",
        {
            "train_loss_share": share,
            "constant_loss": reference,
            "units": best.units,
            "best_underfits": 1.0,
            "runs_underfitting": 1.0,
        },
        0.75,
        (best.name,),
    )


def overfitting(best: ClassRun, sweep: Sequence[ClassRun]) -> Finding | None:
    """Validation loss turned up after its best epoch while training loss fell, in the
    best run or a wider one (forecasting's ``curve_overfit``, its turn only).

    Not forecasting's widening gap alone: a classifier's training cross-entropy falls
    toward zero on whatever it can memorise, so a gap many times the training loss is
    the rule, and would call nearly every run overfitting."""
    runs = sweep if any(r is best for r in sweep) else [best, *sweep]
    hits = [
        (r, e)
        for r in runs
        if r.units >= best.units
        for e in [curve_overfit(r.curve)]
        if e is not None and e.turned_up
    ]
    own = next(((r, e) for r, e in hits if r is best), None)
    if not hits:
        return None
    run, ev = own or hits[0]
    wider = [r for r, _ in hits if r is not best]
    if own is not None:
        confidence = 0.8 if ev.gap_ratio > OVERFIT_GAP_RATIO else 0.7
        lead = (
            f"{run.name}: validation loss bottomed at epoch {ev.best_epoch} and rose "
            f"{ev.val_rise:.0%} after, while training loss kept falling"
        )
        if wider:
            lead += f"; wider runs overfit too (widths {_widths(wider)})"
    else:
        confidence = 0.6
        lead = (
            f"Widths {_widths(wider)}, wider than the best ({best.units}), overfit: "
            f"{run.name}'s validation loss bottomed at epoch {ev.best_epoch} and rose "
            f"{ev.val_rise:.0%} after"
        )
    return Finding(
        FindingId.OVERFITTING,
        lead + ".",
        {
            "best_epoch": ev.best_epoch,
            "val_rise": ev.val_rise,
            "gap_ratio": ev.gap_ratio,
            "units": run.units,
            "best_units": best.units,
            "runs_overfitting": float(len(hits)),
        },
        confidence,
        tuple(r.name for r, _ in hits),
    )


def not_converged(best: ClassRun) -> Finding | None:
    """The best run stopped at the epoch cap or the deadline with its validation loss at
    its lowest yet and still falling (forecasting's validation test, same thresholds).

    Not forecasting's test of the training loss: a classifier's training cross-entropy
    keeps falling by a steady share an epoch as it grows surer of sequences it already
    classifies right, so that test would hold for nearly every run the cap stopped."""
    val = finite_values(best.curve.val_loss)
    if best.stopped_reason not in ("epochs", "budget") or len(val) <= NOT_CONVERGED_WINDOW:
        return None
    slope = tail_slope(val)
    if best.best_epoch < len(val) or slope <= NOT_CONVERGED_SLOPE / 2:
        return None
    stop = "the epoch cap" if best.stopped_reason == "epochs" else "the deadline"
    return Finding(
        FindingId.NOT_CONVERGED,
        f"{best.name}: validation loss was at its lowest yet, falling {slope:.1%} per epoch, "
        f"when {stop} stopped it after {len(val)} epochs.",
        {"val_slope_per_epoch": slope, "epochs": float(len(val))},
        0.6,
        (best.name,),
    )


# --------------------------------------------------------------- scores against scores


def capacity_limited(sweep: Sequence[ClassRun], seed: int, notes: list[str]) -> Finding | None:
    """The widest width scores best, and its validation cross-entropy is below the next
    narrower one's by ``CAPACITY_GAIN`` and beyond the noise."""
    scored = [r for r in sweep if math.isfinite(r.val_loss)]
    if len(scored) < 2:
        return None
    widest, runner_up = scored[-1], scored[-2]
    if min(scored, key=class_score) is not widest:
        return None
    gained = _lower_beyond_noise(
        widest,
        runner_up,
        CAPACITY_GAIN,
        seed,
        notes,
        f"{widest.units} units against {runner_up.units}",
        "a wider model would do better",
    )
    if gained is None:
        return None
    gain, band = gained
    # Improving at every step of the ladder is firmer evidence than at the last step only.
    steady = all(b.val_loss < a.val_loss * (1 - CAPACITY_GAIN) for a, b in pairwise(scored))
    return Finding(
        FindingId.CAPACITY_LIMITED,
        f"Validation cross-entropy still fell from {runner_up.units} to {widest.units} "
        f"units ({band_words(band, unit=UNIT)}), the widest tried: a wider model may do "
        "better still.",
        {"widest_units": widest.units, "gain_over_next": gain, "widths": float(len(scored))},
        0.7 if steady else 0.55,
        tuple(r.name for r in scored),
        band,
    )


def data_limited(
    best: ClassRun, runs: Sequence[ClassRun], seed: int, notes: list[str]
) -> Finding | None:
    """At the best width, all the training sequences give a validation cross-entropy
    below the largest smaller share's by ``DATA_GAIN`` and beyond the noise. A run the
    deadline stopped is left out: its score reflects the cut, not the data."""
    fewer = [
        r
        for r in runs
        if r.units == best.units
        and r.train_fraction < best.train_fraction
        and r.stopped_reason != "budget"
        and math.isfinite(r.val_loss)
    ]
    if not fewer:
        return None
    half = max(fewer, key=lambda r: r.train_fraction)
    gained = _lower_beyond_noise(
        best,
        half,
        DATA_GAIN,
        seed,
        notes,
        f"At {best.units} units, {best.train_fraction:.0%} of the training sequences "
        f"against {half.train_fraction:.0%}",
        "more data would help",
    )
    if gained is None:
        return None
    gain, band = gained
    return Finding(
        FindingId.DATA_LIMITED,
        f"At {best.units} units, validation cross-entropy fell from {half.train_fraction:.0%} "
        f"to {best.train_fraction:.0%} of the training sequences ({band_words(band, unit=UNIT)})"
        ": more labelled sequences would likely help.",
        {
            "units": best.units,
            "gain_last_step": gain,
            "from_fraction": half.train_fraction,
            "val_loss_fewer": half.val_loss,
            "val_loss_all": best.val_loss,
        },
        0.55,
        (half.name, best.name),
        band,
    )


def baseline_gap(best: ClassRun, baseline: ClassBaseline, seed: int) -> Finding | None:
    """The best LSTM's validation accuracy is not above the best baseline's by
    ``BASELINE_MARGIN`` and beyond the noise band. Where either has no per-sequence
    results to pair, the margin alone decides, and the summary says so."""
    paired = bool(best.val_correct and baseline.correct)
    band = accuracy_band(best, baseline, seed) if paired else None
    lstm, bar = best.val_accuracy, baseline.accuracy
    margin_cleared = math.isfinite(lstm) and lstm > bar * (1 + BASELINE_MARGIN)
    if margin_cleared and (band.higher if band is not None else not paired):
        return None
    name = label(baseline)
    summary = f"{name} reaches {bar:.2f} on validation, the best LSTM ({best.name}) {lstm:.2f}"
    if lstm == bar:
        summary += " as well."
    elif band is not None:
        summary += f"; accuracy {band_words(band, unit=UNIT)}"
        # Beyond the noise yet a finding: the gain is below the margin.
        summary += f", less than the {BASELINE_MARGIN:.0%} it must gain." if band.higher else "."
    elif paired:
        summary += f" ({_too_few(len(best.val_correct))})."
    else:
        summary += " (no noise band: the baseline carries no per-sequence results)."
    return Finding(
        FindingId.NO_GAIN_OVER_BASELINE,
        summary,
        {
            "lstm_val_accuracy": lstm,
            "baseline_val_accuracy": bar,
            "ratio": lstm / bar if bar > 0 else math.inf,
        },
        0.7,
        (best.name,),
        band,
    )


# ------------------------------------------------------------------------- diagnosis


def examine_classifier(
    runs: Sequence[ClassRun], profile: ClassProfile, seed: int = 0
) -> Examination:
    """Findings over the sweep and the data-size run, about the best full-data run; the
    primary by ``core.findings.PRECEDENCE``; comparisons within the noise as notes."""
    if not runs:
        return Examination((), None)
    notes: list[str] = []
    best = best_class_run(runs)
    sweep = class_sweep(runs)
    split = profile.split
    baseline = profile.best_baseline
    candidates = (
        diverging(runs),
        not_learning(best, sweep, split),
        overfitting(best, sweep),
        underfitting(best, split),
        not_converged(best),
        capacity_limited(sweep, seed, notes),
        data_limited(best, runs, seed, notes),
        baseline_gap(best, baseline, seed) if baseline is not None else None,
    )
    findings = [f for f in candidates if f is not None]
    if baseline is None:
        notes.append("No baseline was scored on validation, so the LSTM was not compared.")
    if not any(f.id in PROBLEMS for f in findings):
        findings.append(
            Finding(
                FindingId.GOOD_FIT,
                f"{best.name}: it learnt, it fits its training sequences, and its "
                "validation loss settled without turning up.",
                {"best_val_loss": best.val_loss, "units": best.units},
                0.6,
                (best.name,),
            )
        )
    return Examination(tuple(findings), primary_finding(findings), tuple(notes))


__all__ = ["best_class_run", "class_sweep", "examine_classifier"]
