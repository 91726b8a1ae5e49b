"""Experiments: the diagnostic trainings (the runs table, the learning, capacity and
data-size curves with captions that say what they show) and the diagnosis' findings.

A curve that could not be drawn gets a sentence saying why, never an empty frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from advisor.reports import chart_data
from advisor.reports.info import DiagnosisInfo, DocumentInfo, FindingInfo, RunInfo, defined
from advisor.reports.sections.common import (
    ChartView,
    Table,
    and_,
    chart,
    evidence_words,
    fmt,
    pct,
    plural,
)
from advisor.reports.wording import STOP_WORDS, differencing_words, season_out_words

# A change in validation loss smaller than this share is read as "no change".
FLAT = 0.05


@dataclass(frozen=True)
class FindingView:
    id: str
    summary: str
    confidence: str
    evidence: str
    role: str = ""
    """``Primary diagnosis`` or ``Secondary`` where there are several findings."""


@dataclass(frozen=True)
class ExperimentsSection:
    intro: tuple[str, ...]
    runs: Table | None
    """``None`` where no diagnostic training ran."""
    findings: tuple[FindingView, ...]
    charts: tuple[ChartView, ...]
    missing: tuple[str, ...] = ()
    """One sentence per experiment chart that could not be drawn, saying why."""
    within_noise: tuple[str, ...] = ()
    """Comparisons that stayed within their noise band: no difference found."""


def _runs_table(runs: Sequence[RunInfo]) -> Table:
    rows = []
    for r in runs:
        best = [v for v in r.val_loss if defined(v)]
        rows.append(
            (
                r.name,
                str(r.units),
                str(r.lookback),
                pct(r.train_fraction),
                fmt(r.params),
                str(len(r.train_loss)),
                fmt(min(best) if best else None),
                fmt(r.val_rmse),
                STOP_WORDS.get(str(r.stopped_reason), str(r.stopped_reason)),
                fmt(r.seconds, 2),
            )
        )
    return Table(
        (
            "Run",
            "Units",
            "Lookback",
            "Share of train",
            "Parameters",
            "Epochs",
            "Best val loss",
            "Val RMSE",
            "Stopped because",
            "Seconds",
        ),
        tuple(rows),
    )


def _finding(f: FindingInfo, diagnosis: DiagnosisInfo) -> FindingView:
    role = ""
    if len(diagnosis.findings) > 1:
        role = "Primary diagnosis" if f.id == diagnosis.primary else "Secondary"
    return FindingView(f.id, f.summary, pct(f.confidence), evidence_words(f.evidence), role)


def _findings(diagnosis: DiagnosisInfo) -> tuple[FindingView, ...]:
    """The primary finding first, then the others in the diagnosis' order."""
    ordered = sorted(diagnosis.findings, key=lambda f: f.id != diagnosis.primary)
    return tuple(_finding(f, diagnosis) for f in ordered)


def _differencing_comparison(diagnosis: DiagnosisInfo) -> list[str]:
    """One sentence on which target the small models learned best."""
    compared = diagnosis.differencing
    if compared is None:
        return []

    def target(lag: int, season: int = 0) -> str:
        words = "the values themselves" if lag == 0 else differencing_words(lag)
        return f"{words}, {season_out_words(season)}" if season else words

    seasons = compared.seasons_out or (0,) * len(compared.scores)
    scores = ", ".join(
        f"{target(lag, season)}: {fmt(rmse)}"
        for (lag, rmse), season in zip(compared.scores, seasons, strict=True)
    )
    chosen = target(compared.chosen, compared.season_out)
    return [
        "Before the capacity sweep, the same small LSTM learned each candidate target; "
        f"validation RMSE {scores}. Every later run learned: {chosen}."
    ]


def _lookback_comparison(diagnosis: DiagnosisInfo) -> list[str]:
    """One sentence on which input window the small models learned best with."""
    compared = diagnosis.lookback
    if compared is None:
        return []
    scores = ", ".join(f"{steps} steps: {fmt(rmse)}" for steps, rmse in compared.scores)
    return [
        "Before the capacity sweep, the same small LSTM also learned with each candidate "
        f"lookback window; validation RMSE {scores}. A longer window was kept only where it "
        f"scored at least 5% better. Every later run looked back {compared.chosen} steps."
    ]


def experiments_section(info: DocumentInfo) -> ExperimentsSection:
    diagnosis = info.diagnosis
    runs = diagnosis.runs
    intro = []
    if diagnosis.planned:
        intro.append(f"Plan: {diagnosis.planned}")
    if diagnosis.cut:
        intro.append("Skipped to fit the time budget: " + ", ".join(diagnosis.cut) + ".")
    intro.extend(_lookback_comparison(diagnosis))
    intro.extend(_differencing_comparison(diagnosis))
    curves = chart_data.learning_curves(info)
    short = [r.name for r in runs if chart_data.learning_curve(r) is None]
    capacity, data_size = chart_data.capacity_curve(info), chart_data.data_size_curve(info)
    chart_list = (
        chart(
            "chart-curves",
            "Learning curves",
            "Training loss (solid) and validation loss (dashed) per epoch for each diagnostic run; "
            "validation rising while training keeps falling is the sign of overfitting.",
            tuple(curves) if curves else None,
        )
        + chart("chart-capacity", "Capacity", _capacity_caption(capacity), capacity)
        + chart("chart-data-size", "Data size", _data_size_caption(data_size), data_size)
    )
    return ExperimentsSection(
        intro=tuple(intro),
        runs=_runs_table(runs) if runs else None,
        findings=_findings(diagnosis),
        charts=tuple(chart_list),
        missing=_missing_experiments(diagnosis, {c.key for c in chart_list}, short) if runs else (),
        within_noise=diagnosis.notes,
    )


def _capacity_caption(curve: chart_data.LineChartData | None) -> str:
    if curve is None:
        return ""
    (line,), best = curve.lines, curve.marks[0].x
    widths = f"{best:g} units"
    if best == max(line.x):
        verdict = (
            f"the widest model tried ({widths}) did best, so a wider one might do better still."
        )
    elif best == min(line.x):
        verdict = (
            f"the narrowest model tried ({widths}) did best: wider ones only learned the "
            "training rows more closely."
        )
    else:
        verdict = f"{widths} did best; both narrower and wider models did worse."
    return (
        "The best validation loss at each LSTM width, trained on all training rows (lower is "
        f"better; the red dot marks the best): {verdict}"
    )


def _data_size_caption(curve: chart_data.LineChartData | None) -> str:
    if curve is None:
        return ""
    (line,) = curve.lines
    last, before = line.y[-1], line.y[-2]
    intro = (
        "The best validation loss when the same model trained on part of the training rows "
        "(lower is better): "
    )
    if last is None or before is None or before <= 0:
        return intro + "a curve still falling at 100% suggests more data would help."
    share = pct(line.x[-2])
    if last < before * (1 - FLAT):
        return intro + (
            f"it was still falling from {share} to 100% of the rows, so more data of the same "
            "kind would likely help."
        )
    return intro + (
        f"it no longer fell from {share} to 100% of the rows, so more data of the same kind "
        "would likely help little."
    )


def _missing_experiments(
    diagnosis: DiagnosisInfo, drawn: set[str], short: Sequence[str] = ()
) -> tuple[str, ...]:
    cut = " Runs were skipped to fit the time budget (see above)." if diagnosis.cut else ""
    missing = []
    if short:
        missing.append(
            f"No learning curve for {and_(list(short))}: "
            + ("it" if len(short) == 1 else "they")
            + " stopped before a second epoch, too short to show a trend."
        )
    if "chart-capacity" not in drawn:
        widths = {r.units for r in diagnosis.runs if r.train_fraction >= 1.0}
        missing.append(
            "No capacity curve: it compares two or more LSTM widths trained on all training "
            f"rows, and this analysis trained {plural(len(widths), 'width')}." + cut
        )
    if "chart-data-size" not in drawn:
        missing.append(
            "No data-size curve: it needs the same model trained on two or more shares of the "
            "training rows, so whether more data would help was not measured." + cut
        )
    return tuple(missing)
