"""One diagnosis from the learning curves: which findings hold, and which one leads.

``examine`` runs every finding of ``findings`` (one run's curve) and ``comparisons`` (two
scores against their noise band) over the sweep and the data-size curve, adds
``good_fit`` where no problem showed, and picks the primary finding the advice follows
(``core.findings.choose_primary``); the comparisons that stayed within the noise come
back as notes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from advisor.core.findings import FindingId, choose_primary
from advisor.core.records import Baseline, DiagnosticRun, Finding
from advisor.diagnostics.comparisons import Noise, baseline_gap, capacity_limited, data_limited
from advisor.diagnostics.findings import (
    NOT_LEARNING_EPOCHS,
    best_run,
    diverging,
    finite_values,
    noisy_validation,
    not_converged,
    not_learning,
    overfitting,
    sweep_runs,
    underfitting,
    unstable_training,
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
    problem = any(f.id in PROBLEMS for f in findings)
    epochs = len(best.curve.val_loss or best.curve.train_loss)
    if epochs < NOT_LEARNING_EPOCHS and not problem:
        # A curve of one or two epochs (a budget that stopped every run at once) shows
        # neither a fit nor a problem: saying "good fit" would claim what was not seen.
        cut = " at the time budget" if best.stopped_reason == "budget" else ""
        notes.append(
            f"No fit is read from the curves: the best run ({best.name}) stopped{cut} "
            f"after {epochs} epoch(s), too few to tell a good fit from under- or "
            "overfitting; a longer budget lets the diagnostic runs show it."
        )
    elif not problem:
        val = finite_values(best.curve.val_loss)
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
