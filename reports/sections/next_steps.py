"""What to do next: one imperative step per thing the analysis left open, most
important first (a baseline that wins, the findings' advice, a search cut short).

The findings' advice follows the primary finding and never contradicts itself: a
secondary finding whose advice pulls the other way (more units against stronger
dropout) is listed in the Experiments section but gives no step here.
"""

from __future__ import annotations

from advisor.core.findings import conflicts
from advisor.reports.info import DiagnosisInfo, DocumentInfo
from advisor.reports.sections.common import compare_to_baselines, pct
from advisor.reports.wording import FINDING_ADVICE


def finding_advice(diagnosis: DiagnosisInfo) -> list[str]:
    """The primary finding's advice first, then each secondary finding's where it does
    not pull against the primary (``core.findings.conflicts``: a ``not_learning``
    primary silences both sides). Where the primary takes neither side, findings that
    pull against each other both stay quiet."""
    primary = diagnosis.primary
    present = list(dict.fromkeys(diagnosis.finding_ids))
    ordered = ([primary] if primary in present else []) + [i for i in present if i != primary]
    steps = []
    for fid in ordered:
        if fid not in FINDING_ADVICE:
            continue
        if fid != primary and (
            (primary is not None and conflicts(fid, primary))
            or any(conflicts(fid, other) for other in present)
        ):
            continue
        steps.append(FINDING_ADVICE[fid])
    return steps


def next_steps(info: DocumentInfo) -> tuple[str, ...]:
    steps: list[str] = []
    comparison = compare_to_baselines(info)
    if comparison is not None and not comparison.lstm_wins:
        steps.append(
            "Weigh the simple baseline before investing more: it is cheaper and, here, "
            "at least as accurate."
        )
    elif info.no_gain_over_baseline:
        steps.append(
            "Keep the simple baseline in view: the LSTM did not clearly beat it on the "
            "validation rows"
            + (
                f" and beat it by only {pct(abs(comparison.change))} on the test rows."
                if comparison is not None and comparison.change > -0.2
                else "."
            )
        )
    steps += finding_advice(info.diagnosis)
    ver = info.verification
    if ver is None:
        steps.append(
            "The verification search did not run: give the analysis a larger time "
            "budget to check the suggestion against alternatives."
        )
    elif not ver.compared:
        steps.append(
            "Give the analysis a larger time budget: the verification search had no time to "
            "try any setting beside the suggestion."
        )
    elif ver.partial:
        steps.append(
            "Give the analysis a larger time budget so the verification search can finish."
        )
    if ver is not None and (ver.outcome or ver.verdict) == "widen":
        steps.append("Search wider ranges for: " + ", ".join(ver.widen) + ".")
    if info.final is None:
        steps.append(
            "The final test did not run: train with the snippet below and check it on "
            "rows the model has never seen before relying on it."
        )
    if info.diagnosis.cut:
        steps.append(
            "Some diagnostic runs were skipped for time; a larger budget makes the advice firmer."
        )
    if info.data.notices or info.profile.notes:
        steps.append("Read the data notices above: they describe changes made to your file.")
    if info.profile.stationarity == "unclear":
        steps.append(
            "Try the model with and without differencing: the stationarity tests disagreed."
        )
    steps.append(
        "Retrain on all your data with the snippet below, keeping the same scaling "
        "and differencing, and watch the validation loss."
    )
    return tuple(steps)
