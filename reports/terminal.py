"""The terminal summary: rich renderables built from ``recommendation.json``.

By default it fits one screen: the verdict, what limits it (a partial run, a cut
budget, the data notices), one row per setting, the primary diagnosis, the test
table and where the report is. The reasons (every rule that fired and why, all
findings, the verification) stay in the report; ``explain=True`` prints them too.

It returns renderables and prints nothing, so the CLI alone decides where output goes.
Every data string reaches rich as ``Text`` or through ``rich.markup.escape``: a column
called ``[red]`` must show as typed, not recolour the terminal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from advisor.core.findings import FindingId
from advisor.core.records import ModelConfig
from advisor.reports.info import DocumentInfo, FindingInfo, defined, parse_document
from advisor.reports.sections.common import fmt
from advisor.reports.view import ReportView, view_of
from advisor.reports.wording import FINDING_PHRASES, METRIC_LABELS, QUIET_FINDINGS
from advisor.store.schema import is_classification

# The one-screen summary's caps: beyond them a line says how many more the report has.
MAX_BASELINES = 4
MAX_NOTES = 3
# What the analysis (and ``advisor report``) names the page in the run folder.
REPORT_NAME = "report.html"

# Without ``diagnosis.primary`` the finding shown is the first of these the diagnosis
# made: a training that blew up or never settled undermines every other reading of the
# curves, so it outranks what the curves say about the fit.
FINDING_PRECEDENCE = (
    FindingId.DIVERGING,
    FindingId.NOT_CONVERGED,
    FindingId.OVERFITTING,
    FindingId.UNDERFITTING,
    FindingId.NOISY_VALIDATION,
)


@dataclass(frozen=True)
class _Extras:
    """Entries the typed records (``reports.info``) do not carry yet, read in one place
    with the same leniency: absent in an older document means "not said"."""

    primary: str | None
    """``diagnosis.primary``: the id of the finding that matters most, where written."""
    partial: bool
    """``run.partial``: the run was interrupted and some stages did not finish."""

    @classmethod
    def parse(cls, doc: Mapping[str, Any]) -> _Extras:
        primary = (doc.get("diagnosis") or {}).get("primary")
        return cls(
            primary=str(primary) if primary else None,
            partial=bool((doc.get("run") or {}).get("partial")),
        )


def _line(*parts: str | tuple[str, str]) -> Text:
    """One line that never wraps: cut with an ellipsis at the terminal's width."""
    return Text.assemble(*parts, no_wrap=True, overflow="ellipsis")


# ---------------------------------------------------------------------------- verdict


def _verdict(view: ReportView, target: str, explain: bool) -> RenderableType:
    if explain:
        body = f"[bold]{escape(view.headline)}[/bold]\n\n" + escape(" ".join(view.verdict))
        return Panel(body, title="Verdict", title_align="left", border_style="cyan")
    return Text.assemble(
        ("Verdict for “", "bold cyan"),
        (target, "bold cyan"),
        ("”: ", "bold cyan"),
        (view.headline, "bold"),
    )


def _cuts(info: DocumentInfo) -> list[tuple[str, str]]:
    """What the time budget cut short, as (a few words, the full note). What the data's
    size left out (widths too wide, folds too early) is the plan, not a cut: it is said
    under ``--explain`` and in the report."""
    cuts = []
    ver = info.verification
    diagnostic = info.diagnosis.budget_cut
    if diagnostic:
        cuts.append(
            (
                f"{len(diagnostic)} diagnostic step{'s' if len(diagnostic) > 1 else ''}",
                "The time budget cut in the diagnostics: " + "; ".join(diagnostic) + ".",
            )
        )
    if ver is not None and ver.budget_cut:
        cuts.append(
            (
                "the verification",
                "The time budget cut in the verification: " + "; ".join(ver.budget_cut) + ".",
            )
        )
    return cuts


def _left_out(info: DocumentInfo) -> list[str]:
    """What the plan left out for the data's size: said with ``--explain`` only."""
    budget = set(info.diagnosis.budget_cut)
    notes = [c for c in info.diagnosis.cut if c not in budget]
    ver = info.verification
    if ver is not None and ver.cv is not None:
        budget_cv = {c.removeprefix("cross-validation: ") for c in ver.budget_cut}
        notes += [c for c in ver.cv.cut if c not in budget_cv]
    return ["Left out for the data's size: " + "; ".join(notes) + "."] if notes else []


def _notes(info: DocumentInfo, extras: _Extras, explain: bool) -> list[str]:
    """What limits the verdict, most important first: a run that did not finish, a stage
    that did not run, what was cut to fit the budget, then changes made to the data.
    The cuts share one line on the one screen; ``explain`` gives each its own."""
    notes = []
    if extras.partial:
        notes.append(
            "Partial run: it was interrupted before every stage finished; the same command "
            "resumes it."
        )
    ver = info.verification
    if ver is None:
        notes.append("The verification search did not run in this analysis.")
    elif not ver.compared:
        notes.append(
            "The verification search had time only for the suggestion: it is untested "
            "against other settings."
        )
    if info.final is None:
        notes.append("The final training and test did not run in this analysis.")
    cuts = _cuts(info)
    if explain:
        notes += [full for _, full in cuts] + _left_out(info)
    elif cuts:
        notes.append(
            "Cut by the time budget (see the report): "
            + ", ".join(short for short, _ in cuts)
            + "."
        )
    if ver is not None and ver.gain_held is False:
        notes.append(
            f"The LSTM's lead over the {ver.baseline} baseline on the validation rows did "
            "not hold on the test rows: no gain is claimed."
        )
    elif info.no_gain_over_baseline:
        notes.append("On the validation rows the LSTM did not clearly beat the simple baselines.")
    notes += [f"Data: {n}" for n in info.data.notices + info.profile.notes]
    return notes


def _notes_renderable(notes: list[str], explain: bool) -> RenderableType | None:
    if not notes:
        return None
    if explain:
        # Read in full: each note wraps instead of being cut.
        return Group(*(Text.assemble(("! ", "yellow"), n) for n in notes))
    shown = notes if len(notes) <= MAX_NOTES else notes[: MAX_NOTES - 1]
    lines = [_line(("! ", "yellow"), n) for n in shown]
    if len(shown) < len(notes):
        more = len(notes) - len(shown)
        lines.append(_line(("! ", "yellow"), f"{more} more notes in the report (or --explain)."))
    return Group(*lines)


# --------------------------------------------------------------------------- settings


# Short forms of the two values whose report wording is a sentence: a row must stay
# one line at 80 columns. The report and ``--explain`` keep the full wording.
_SHORT_SCALING = {"standard": "standardise", "minmax": "rescale to 0–1", "none": "none"}


def _short_differencing(d: int) -> str:
    if d == 0:
        return "none"
    return "first difference" if d == 1 else f"seasonal difference ({d} steps)"


# Settings most series never need (0: not used): a row only where a configuration uses one.
_NAMED_WHERE_USED = ("season_position", "deseasonalize", "log_target")


def _compact(key: str, config: ModelConfig) -> str | None:
    """The short form of a setting's value, where it has one."""
    if key == "scaling":
        return _SHORT_SCALING.get(config.scaling, config.scaling)
    if key == "differencing":
        return _short_differencing(config.differencing)
    if key == "season_position" and config.season_position:
        return f"{config.season_position}-step season"
    if key == "deseasonalize" and config.deseasonalize:
        return f"{config.deseasonalize}-step season's pattern"
    if key == "log_target" and config.log_target:
        return "log"
    return None


def _settings_compact(info: DocumentInfo, view: ReportView) -> Table:
    table = Table(box=None, pad_edge=False, header_style="bold", show_edge=False)
    table.add_column("Recommended settings", no_wrap=True)
    table.add_column("Value", style="bold", overflow="fold")
    suggested, trained = info.recommendation.config, info.final_config
    for row in view.settings:
        if row.setting in _NAMED_WHERE_USED and not (
            getattr(suggested, row.setting) or getattr(trained, row.setting)
        ):
            continue
        value = _compact(row.setting, suggested) or row.value
        final = row.final_value and (_compact(row.setting, trained) or row.final_value)
        # The final model's value beside the suggestion, only where it differs: a column
        # of "same" would cost the width the values need.
        cell = Text(value)
        if final:
            cell.append(f"  (final model: {final})", "not bold dim")
        table.add_row(Text(row.label), cell)
    return table


def _settings_explained(view: ReportView) -> Table:
    table = Table(
        title="Recommended settings", title_justify="left", box=box.SIMPLE_HEAD, expand=True
    )
    # Setting names wrap at word breaks, never mid-word; the explanation gets the room.
    table.add_column("Setting", ratio=2, min_width=10)
    table.add_column("Value", style="bold", ratio=2, min_width=6)
    if view.settings_refined:
        table.add_column("Final model", ratio=1, min_width=6)
    # The rules go under their explanation (dim): a column of their own starved "Why"
    # at 80 characters.
    table.add_column("Why (rule)", ratio=6)
    for row in view.settings:
        refined = [escape(row.final_value or "same")] if view.settings_refined else []
        why = Text(row.why)
        why.append("\n" + (", ".join(row.rule_ids) or "default"), style="dim")
        table.add_row(escape(row.label), escape(row.value), *refined, why)
    return table


def _rules_not_applied(view: ReportView) -> RenderableType | None:
    if not view.settings_notes:
        return None
    return Text("\n".join(view.settings_notes), style="dim")


# -------------------------------------------------------------------------- diagnosis


def primary_finding(info: DocumentInfo, primary: str | None = None) -> FindingInfo | None:
    """The finding the summary leads with: ``primary`` where the diagnosis named one
    it made, else the first by ``FINDING_PRECEDENCE``, then the others in the
    document's order, the quiet ones (no problem, or said elsewhere) last."""
    findings = info.diagnosis.findings
    if not findings:
        return None
    named = next((f for f in findings if f.id == primary), None) if primary else None
    if named is not None:
        return named

    def rank(f: FindingInfo) -> int:
        if f.id in FINDING_PRECEDENCE:
            return FINDING_PRECEDENCE.index(FindingId(f.id))
        return len(FINDING_PRECEDENCE) + (1 if f.id in QUIET_FINDINGS else 0)

    return min(findings, key=rank)  # min keeps the first of equals: the document's order


def _finding_phrase(finding_id: str) -> str:
    return FINDING_PHRASES.get(finding_id, finding_id.replace("_", " "))


def _diagnosis_line(info: DocumentInfo, extras: _Extras) -> Text:
    label = ("Diagnosis: ", "bold")
    if not info.diagnosis.runs:
        return Text.assemble(label, "no diagnostic training ran in this analysis.")
    finding = primary_finding(info, extras.primary)
    if finding is None:
        return Text.assemble(label, "the diagnostic trainings flagged no problem.")
    # The other findings are in the report and under --explain: counting them here
    # would cost the line a third row at 80 columns.
    return Text.assemble(label, f"{_finding_phrase(finding.id)}. {finding.summary.strip()}")


def _findings_table(view: ReportView) -> RenderableType | None:
    if not view.experiments.findings:
        return None
    table = Table(title="Findings", title_justify="left", box=box.SIMPLE_HEAD, expand=True)
    # Wide enough for a finding's id whole: folded mid-word it read "underfittin g".
    longest = max(len(f.id) for f in view.experiments.findings)
    table.add_column("Finding", ratio=1, min_width=min(longest, 22), overflow="fold")
    table.add_column("Confidence", justify="right", no_wrap=True)
    table.add_column("What it means", ratio=4)
    for f in view.experiments.findings:
        name = f"{f.id} ({f.role.lower()})" if f.role else f.id
        table.add_row(escape(name), escape(f.confidence), escape(f.summary))
    for line in view.experiments.within_noise:
        table.add_row("within the noise", "", escape(line))
    return table


def _verification(view: ReportView) -> RenderableType | None:
    if view.verification is None:
        return None
    lines = "\n".join(escape(s) for s in view.verification.summary)
    return Panel(lines, title="Verification", title_align="left", border_style="blue")


# ------------------------------------------------------------------------------- test


def _test_table(info: DocumentInfo, explain: bool) -> RenderableType | None:
    """The LSTM and the baselines on the test split, lowest RMSE first; by default the
    LSTM and the best ``MAX_BASELINES`` baselines, saying how many more there are."""
    final = info.final
    if final is None:
        return None
    lstm = "LSTM (final model)"
    scored = [(lstm, final.test_metrics), *final.baseline_test_metrics.items()]

    def rmse_order(item: tuple[str, Mapping[str, float | None]]) -> tuple[bool, float]:
        rmse = item[1].get("rmse")
        if rmse is None or not defined(rmse):
            return (True, 0.0)
        return (False, rmse)

    scored.sort(key=rmse_order)  # stable: unscored rows keep the document's order, last
    baselines = [name for name, _ in scored if name != lstm]
    kept = set(baselines if explain else baselines[:MAX_BASELINES]) | {lstm}
    rows = [(name, m) for name, m in scored if name in kept]
    # RMSE and MASE on one screen (the error in the target's units, and against a
    # seasonal repeat); every metric the document has under --explain.
    keys = ["rmse", "mase"] + ([k for _, m in scored for k in m] if explain else [])
    metrics = [k for k in dict.fromkeys(keys) if any(defined(m.get(k)) for _, m in scored)]
    left_out = len(baselines) - (len(rows) - 1)
    # The count of the baselines left out goes in the header: a line of its own would
    # cost the screen a row.
    more = (
        f"; {left_out} more baseline{'s' if left_out > 1 else ''} in the report" if left_out else ""
    )
    table = Table(box=None, pad_edge=False, header_style="bold", show_edge=False)
    table.add_column(f"Test errors (lower is better{more})", no_wrap=True, overflow="ellipsis")
    for key in metrics:
        table.add_column(METRIC_LABELS.get(key, key), justify="right", no_wrap=True)
    best = rows[0][1].get("rmse") if rows else None
    for name, m in rows:
        style = "bold" if defined(best) and m.get("rmse") == best else None
        table.add_row(Text(name), *(Text(fmt(m.get(k))) for k in metrics), style=style)
    return table


# ------------------------------------------------------------------------------ files


@dataclass(frozen=True)
class _Where:
    """Where the report and the run folder are: one line where it fits the terminal,
    else the report and the folder on a line each (a path folded mid-way is hard to
    copy). Text, not markup: paths are shown exactly as they are."""

    run_dir: str
    model: str | None

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        report = Text.assemble(("Report: ", "bold"), str(PurePath(self.run_dir) / REPORT_NAME))
        folder = f"(run folder: {self.run_dir})"
        if report.cell_len + 2 + cell_len(folder) <= options.max_width:
            yield Text.assemble(report, "  ", folder)
        else:
            # A long path: the report's own path names its folder too, so one line it is.
            yield report
        if self.model:
            yield Text.assemble(("Model: ", "bold"), self.model)


def _where(info: DocumentInfo, run_dir: str | None, explain: bool) -> _Where | None:
    run_dir = run_dir or info.run.dir
    if not run_dir:
        return None
    model = info.final.model_path if info.final and explain else None
    return _Where(run_dir, model)


# ---------------------------------------------------------------------------- summary


def summary_renderables(
    doc: Mapping[str, Any], run_dir: str | None = None, *, explain: bool = False
) -> list[RenderableType]:
    """What ``advisor analyze`` shows at the end: one screen, or with ``explain`` the
    reasons too. ``run_dir`` is the folder that holds the run's files and its
    ``report.html`` (default: the document's ``run.dir``, which a moved folder outdates).
    A classification document gets its own summary (``class_terminal``)."""
    if is_classification(doc):
        from advisor.reports.class_terminal import class_summary_renderables

        return class_summary_renderables(doc, run_dir, explain=explain)
    info = parse_document(doc)
    extras = _Extras.parse(doc)
    view = view_of(info)
    parts: list[RenderableType | None] = [
        _verdict(view, info.data.target, explain),
        _notes_renderable(_notes(info, extras, explain), explain),
        Text(),
    ]
    if explain:
        parts += [
            _settings_explained(view),
            _rules_not_applied(view),
            Text(),
            _diagnosis_line(info, extras),
            _findings_table(view),
            _verification(view),
        ]
    else:
        parts += [_settings_compact(info, view), Text(), _diagnosis_line(info, extras)]
    test = _test_table(info, explain)
    if test is not None:
        parts += [Text(), test]
    parts += [Text(), _where(info, run_dir, explain)]
    return [p for p in parts if p is not None]
