"""Learning curves in, named findings out. Pure: no training, no I/O.

Each finding carries the numbers it rests on, so the report can show the evidence and
the rules can use it. Thresholds are named here with where they come from.
"""

from __future__ import annotations

import math

import numpy as np

from advisor.records import Baseline, DiagnosticRun, Finding

# Validation loss this far above its minimum at the end of training means it turned
# up: 10% is the usual margin above epoch-to-epoch noise on small validation sets
# (Prechelt, "Early stopping - but when?", generalization loss GL > 10).
OVERFIT_VAL_RISE = 0.10
# A validation loss more than this multiple of the training loss at the best epoch is
# a wide generalisation gap (bias/variance recipe: gap >> training error).
OVERFIT_GAP_RATIO = 2.0
# Training loss above this share of the predict-the-mean loss: the model explains less
# than 30% of the variance of what it has to predict even on data it trains on.
UNDERFIT_TRAIN_SHARE = 0.7
# Still improving by more than 1% per epoch over the last epochs: training stopped early.
NOT_CONVERGED_SLOPE = 0.01
NOT_CONVERGED_WINDOW = 5
# The loss rising tenfold above its minimum, or a NaN: the optimiser is diverging.
DIVERGENCE_FACTOR = 10.0
# Epoch-to-epoch validation changes with a spread above 25% of its level are noise
# that makes early stopping and model comparison unreliable.
NOISY_VAL_CV = 0.25
# A run counts as beating the baseline when its validation RMSE is at least 2% lower:
# smaller margins are within seed-to-seed noise of short trainings.
BASELINE_MARGIN = 0.02


def _finite(values: tuple[float, ...]) -> np.ndarray:
    return np.array([v for v in values if math.isfinite(v)], dtype=float)


def diverging(run: DiagnosticRun) -> Finding | None:
    losses = run.curve.train_loss
    if not losses:
        return None
    has_nan = any(not math.isfinite(v) for v in losses) or run.stopped_reason == "nan"
    finite = _finite(losses)
    blowup = float(finite[-1] / finite.min()) if len(finite) and finite.min() > 0 else 1.0
    if has_nan or blowup > DIVERGENCE_FACTOR:
        return Finding(
            "diverging",
            f"Training of {run.name} blew up ({'NaN loss' if has_nan else f'loss x{blowup:.0f}'}).",
            {"nan": float(has_nan), "loss_growth": blowup},
            0.9,
        )
    return None


def overfitting(run: DiagnosticRun) -> Finding | None:
    val, train = _finite(run.curve.val_loss), _finite(run.curve.train_loss)
    if len(val) < 3 or len(train) < 3:
        return None
    best = int(np.argmin(val))
    rise = float(val[-1] / val[best] - 1.0) if val[best] > 0 else 0.0
    gap = float(val[best] / train[best]) if train[best] > 0 else 1.0
    turned_up = rise > OVERFIT_VAL_RISE and best < len(val) - 1
    if turned_up or gap > OVERFIT_GAP_RATIO:
        confidence = 0.8 if turned_up and gap > OVERFIT_GAP_RATIO else 0.6
        return Finding(
            "overfitting",
            f"{run.name}: validation loss bottomed at epoch {best + 1} and "
            f"{'rose ' + format(rise, '.0%') + ' after' if turned_up else 'stays well above training loss'}.",
            {"best_epoch": best + 1, "val_rise": rise, "gap_ratio": gap, "units": run.units},
            confidence,
        )
    return None


def underfitting(run: DiagnosticRun) -> Finding | None:
    train = _finite(run.curve.train_loss)
    if not len(train) or run.reference_loss <= 0:
        return None
    share = float(train.min() / run.reference_loss)
    if share > UNDERFIT_TRAIN_SHARE:
        return Finding(
            "underfitting",
            f"{run.name}: even on its training data the model explains only "
            f"{max(0.0, 1 - share):.0%} of the variance.",
            {"train_loss_share": share, "units": run.units},
            0.7,
        )
    return None


def not_converged(run: DiagnosticRun) -> Finding | None:
    train = _finite(run.curve.train_loss)
    if len(train) <= NOT_CONVERGED_WINDOW or run.stopped_reason == "early_stopping":
        return None
    tail = train[-NOT_CONVERGED_WINDOW - 1 :]
    slope = float((tail[0] - tail[-1]) / (NOT_CONVERGED_WINDOW * tail[0])) if tail[0] > 0 else 0.0
    if slope > NOT_CONVERGED_SLOPE:
        return Finding(
            "not_converged",
            f"{run.name}: training loss was still falling {slope:.1%} per epoch when it stopped.",
            {"slope_per_epoch": slope, "epochs": len(train)},
            0.6,
        )
    return None


def noisy_validation(run: DiagnosticRun) -> Finding | None:
    val = _finite(run.curve.val_loss)
    if len(val) < 5:
        return None
    steps = np.diff(val)
    cv = float(np.std(steps) / np.mean(val)) if np.mean(val) > 0 else 0.0
    if cv > NOISY_VAL_CV:
        return Finding(
            "noisy_validation",
            f"{run.name}: validation loss jumps by {cv:.0%} of its level from epoch to epoch.",
            {"val_step_cv": cv},
            0.5,
        )
    return None


def baseline_gap(best: DiagnosticRun, baseline: Baseline) -> Finding | None:
    ratio = best.val_rmse / baseline.rmse if baseline.rmse > 0 else math.inf
    if not math.isfinite(ratio) or ratio > 1.0 - BASELINE_MARGIN:
        return Finding(
            "no_gain_over_baseline",
            f"The best diagnostic LSTM ({best.name}) does not beat the {baseline.name} "
            f"baseline on validation (RMSE {best.val_rmse:.4g} vs {baseline.rmse:.4g}).",
            {"lstm_val_rmse": best.val_rmse, "baseline_val_rmse": baseline.rmse, "ratio": ratio},
            0.7,
        )
    return None


def best_run(runs: tuple[DiagnosticRun, ...]) -> DiagnosticRun:
    def key(run: DiagnosticRun) -> float:
        return run.val_rmse if math.isfinite(run.val_rmse) else math.inf

    full = [r for r in runs if r.train_fraction >= 1.0] or list(runs)
    return min(full, key=key)


def diagnose(runs: tuple[DiagnosticRun, ...], baseline: Baseline) -> tuple[Finding, ...]:
    """Findings for the best full-data run, plus divergence of any run."""
    if not runs:
        return ()
    findings: list[Finding] = []
    for run in runs:
        hit = diverging(run)
        if hit:
            findings.append(hit)
            break
    best = best_run(runs)
    for probe in (overfitting, underfitting, not_converged, noisy_validation):
        hit = probe(best)
        if hit:
            findings.append(hit)
    gap = baseline_gap(best, baseline)
    if gap:
        findings.append(gap)
    if not any(
        f.id in {"diverging", "overfitting", "underfitting", "not_converged"} for f in findings
    ):
        val = _finite(best.curve.val_loss)
        findings.append(
            Finding(
                "good_fit",
                f"{best.name}: training and validation losses settled close together.",
                {"best_val_loss": float(val.min()) if len(val) else math.nan, "units": best.units},
                0.6,
            )
        )
    return tuple(findings)
