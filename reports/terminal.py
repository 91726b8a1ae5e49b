"""The terminal summary: rich renderables built from ``recommendation.json``.

It returns renderables and prints nothing, so the CLI alone decides where output goes.
Every data string is passed through ``rich.markup.escape``: a column called ``[red]``
must show as typed, not recolour the terminal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from advisor.reports.info import DocumentInfo, parse_document
from advisor.reports.view import ReportView, view_of


def _verdict(view: ReportView) -> Panel:
    body = f"[bold]{escape(view.headline)}[/bold]\n\n" + escape(" ".join(view.verdict))
    return Panel(body, title="Verdict", title_align="left", border_style="cyan")


def _settings(view: ReportView) -> Table:
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


def _findings(view: ReportView) -> RenderableType:
    if view.experiments.runs is None:
        return Text("No diagnostic training ran in this analysis.", style="italic")
    if not view.experiments.findings:
        return Text("Findings: the diagnostic trainings flagged no problem.")
    table = Table(title="Findings", title_justify="left", box=box.SIMPLE_HEAD, expand=True)
    table.add_column("Finding", ratio=1, overflow="fold")
    table.add_column("Confidence", justify="right", no_wrap=True)
    table.add_column("What it means", ratio=4)
    for f in view.experiments.findings:
        name = f"{f.id} ({f.role.lower()})" if f.role else f.id
        table.add_row(escape(name), escape(f.confidence), escape(f.summary))
    for line in view.experiments.within_noise:
        table.add_row("within the noise", "", escape(line))
    return table


def _verification(view: ReportView) -> RenderableType:
    if view.verification is None:
        return Text("The verification search did not run in this analysis.", style="italic")
    lines = "\n".join(escape(s) for s in view.verification.summary)
    return Panel(lines, title="Verification", title_align="left", border_style="blue")


def _final(view: ReportView) -> RenderableType:
    if view.final is None:
        return Text("The final training and test did not run in this analysis.", style="italic")
    parts: list[RenderableType] = [Text(" ".join(view.final.summary))]
    metrics = view.final.metrics
    if metrics is not None:
        table = Table(
            title="Test errors (lower is better)", title_justify="left", box=box.SIMPLE_HEAD
        )
        for i, header in enumerate(metrics.headers):
            table.add_column(escape(header), justify="left" if i == 0 else "right")
        for row, best in zip(
            metrics.rows, metrics.highlight or [False] * len(metrics.rows), strict=True
        ):
            table.add_row(*(escape(cell) for cell in row), style="bold" if best else None)
        parts.append(table)
    return Panel(Group(*parts), title="Final test", title_align="left", border_style="green")


def _files(info: DocumentInfo, files: Sequence[str]) -> Text | None:
    run_dir = info.run.dir
    model = info.final.model_path if info.final else None
    lines = [f"Run folder: {run_dir}"] if run_dir else []
    lines += [f"  {path}" for path in files]
    if model and model not in files:
        lines.append(f"Model: {model}")
    # Text, not markup: paths are shown exactly as they are.
    return Text("\n".join(lines)) if lines else None


def summary_renderables(doc: Mapping[str, Any], files: Sequence[str] = ()) -> list[RenderableType]:
    """What ``advisor analyze`` shows at the end; ``files`` are the paths it wrote."""
    info = parse_document(doc)
    view = view_of(info)
    out: list[RenderableType] = [
        _verdict(view),
        _settings(view),
        _findings(view),
        _verification(view),
        _final(view),
    ]
    files_text = _files(info, files)
    if files_text is not None:
        out.append(files_text)
    return out
