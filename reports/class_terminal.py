"""What the terminal shows for a classification file, as rich renderables.

``advisor profile``: the file's shape (layout and columns, sequences per split, classes
and their balance, lengths, channels), then the baselines an LSTM has to beat, scored on
validation, with what capped them, then the notices.

``advisor analyze`` (and ``advisor report``): the verdict, what limits it, the LSTM and
each baseline on the test sequences, the recommended configuration in one table, and
where the report and ``model.py`` were written, all from ``recommendation.json`` through
the report's own view, so the terminal and the page say the same.

Like ``terminal`` it prints nothing, and every string from the data reaches rich as
``Text``: a class called ``[red]`` shows as typed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from advisor.probes.class_baselines import BASELINE_NAMES

if TYPE_CHECKING:
    from advisor.core.class_analysis import ClassAnalysis
    from advisor.core.class_records import ClassBaseline, ClassProfile
    from advisor.core.sequences import SequenceSet
    from advisor.reports.class_info import ClassDocumentInfo
    from advisor.reports.class_view import ClassReportView

# Beyond these the line says how many more: a file of 60 classes or 40 channels must
# not push the baselines off the screen. profile.json has them all.
MAX_CLASSES = 8
MAX_CHANNELS = 8
# The analysis summary's notes beyond this are counted, not shown (the report has them).
MAX_NOTES = 3
REPORT_NAME = "report.html"


def _listed(names: list[str], limit: int) -> str:
    more = len(names) - limit
    return ", ".join(names[:limit]) + (f" and {more} more" if more > 0 else "")


def _columns(seqs: SequenceSet) -> str:
    roles = [
        ("id", seqs.id_column),
        ("time", seqs.time_column),
        ("label", seqs.label_column),
        ("split", seqs.split_column),
    ]
    named = ", ".join(f"{role} {name!r}" for role, name in roles if name is not None)
    if seqs.layout == "long":
        rows = "one row per time step"
    else:
        rows = "one row per sequence, one column per step"
    return f"{seqs.layout}: {rows} ({named})"


def _sequences(profile: ClassProfile) -> str:
    split = profile.split
    # The advisor's draw is explained in the split's own note, shown below the table.
    test = "the file's split column" if split.test_source == "file" else "drawn by the advisor"
    return (
        f"{profile.n_sequences:,}: {split.n_train:,} train, {split.n_validation:,} "
        f"validation, {split.n_test:,} test ({test})"
    )


def _classes(seqs: SequenceSet) -> str:
    counts = seqs.class_counts
    listed = _listed([f"{name} ({count:,})" for name, count in counts.items()], MAX_CLASSES)
    return f"{len(counts)}: {listed}; imbalance {seqs.imbalance_ratio:.2f} (largest/smallest)"


def _lengths(seqs: SequenceSet) -> str:
    if not seqs.ragged:
        return f"{seqs.max_length:,} steps each (not ragged)"
    return (
        f"min {seqs.min_length:,} / median {seqs.median_length:,.0f} / max "
        f"{seqs.max_length:,} steps (ragged)"
    )


def _facts(seqs: SequenceSet, profile: ClassProfile) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    rows = [
        ("layout", _columns(seqs)),
        ("sequences", _sequences(profile)),
        ("classes", _classes(seqs)),
        ("lengths", _lengths(seqs)),
        ("channels", f"{seqs.n_channels}: {_listed(list(seqs.channels), MAX_CHANNELS)}"),
    ]
    for what, value in rows:
        table.add_row(what, Text(value))
    return table


def _score(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{x:.3f}"


def _baselines(profile: ClassProfile) -> Table:
    best = profile.best_baseline
    table = Table(box=None, pad_edge=False, header_style="bold", show_edge=False)
    table.add_column("Baseline", no_wrap=True)
    for header in ("accuracy", "macro-F1", "balanced acc.", "seconds"):
        table.add_column(header, justify="right", no_wrap=True)
    for b in profile.baselines:
        name = BASELINE_NAMES.get(b.name, b.name) + (" (capped)" if b.capped else "")
        table.add_row(
            Text(name),
            _score(b.accuracy),
            _score(b.macro_f1),
            _score(b.balanced_accuracy),
            "n/a" if b.skipped else f"{b.seconds:.2f}",
            style="bold" if best is not None and b.name == best.name else None,
        )
    return table


def _notes(
    seqs: SequenceSet, baselines: tuple[ClassBaseline, ...], notes: tuple[str, ...]
) -> Table | None:
    # Every note in full, wrapped under its mark: a cap's note says what the score was
    # measured on, and the data's notices what was changed; cut short, neither could be
    # acted on.
    lines = [(f"{BASELINE_NAMES.get(b.name, b.name)}: ", b.note) for b in baselines if b.note]
    lines += [("data: ", n) for n in (*seqs.notices, *notes)]
    if not lines:
        return None
    table = Table.grid(padding=(0, 1))
    table.add_column(style="yellow", no_wrap=True)
    table.add_column()
    for label, note in lines:
        table.add_row("!", Text.assemble((label, "bold"), note))
    return table


def class_profile_renderables(
    seqs: SequenceSet, profile: ClassProfile, written: str | None = None
) -> list[RenderableType]:
    """``advisor profile``'s screen for labelled sequences; ``written`` is the path of
    the ``profile.json`` it wrote, said last."""
    validation = profile.split.n_validation
    parts: list[RenderableType] = [
        Text(f"Profile of {seqs.path}: sequence classification", style="bold cyan"),
        _facts(seqs, profile),
        Text(),
        Text(
            f"Baselines on the {validation:,} validation sequences: the bar an LSTM must clear",
            style="bold",
        ),
        _baselines(profile),
    ]
    notes = _notes(seqs, profile.baselines, profile.notes)
    if notes is not None:
        parts.append(notes)
    if written:
        parts += [Text(), Text.assemble(("wrote ", "bold"), written)]
    return parts


# ---------------------------------------------------------------- analysis summary


def _limits(info: ClassDocumentInfo) -> list[str]:
    """What limits the verdict, most important first."""
    notes = []
    if info.partial:
        notes.append(
            "Partial run: it was interrupted before every stage finished; the same command "
            "resumes it."
        )
    ver = info.verification
    if ver is None:
        notes.append("The verification search did not run in this analysis.")
    elif ver.verdict == "provisional" and ver.verdict_reason:
        notes.append(ver.verdict_reason)
    if info.final is None:
        notes.append("The final training and test did not run: no test scores yet.")
    if info.verdict is None:
        notes.append("No baseline could be scored, so the LSTM was compared with none.")
    notes += [f"Data: {n}" for n in info.data.notices]
    return notes


def _limit_notes(notes: list[str], explain: bool) -> RenderableType | None:
    if not notes:
        return None
    shown = notes if explain or len(notes) <= MAX_NOTES else notes[: MAX_NOTES - 1]
    if len(shown) < len(notes):
        shown = [*shown, f"{len(notes) - len(shown)} more notes in the report (or --explain)."]
    table = Table.grid(padding=(0, 1))
    table.add_column(style="yellow", no_wrap=True)
    table.add_column()
    for note in shown:
        table.add_row("!", Text(note))
    return table


def _pct(x: float | None) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{x:.0%}"


def _f1(x: float | None) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{x:.2f}"


def _scores(info: ClassDocumentInfo) -> Table:
    """The LSTM and each baseline: validation accuracy (where the advice is decided),
    test accuracy and macro-F1 (what it was worth, where the final stage ran); the
    advice in bold."""
    best, final, verdict = info.diagnosis.best_run, info.final, info.verdict
    tests = {b.name: b for b in info.test_baselines}
    tested = final is not None or bool(tests)
    table = Table(box=None, pad_edge=False, header_style="bold", show_edge=False)
    table.add_column("Model", no_wrap=True)
    headers = ("val. accuracy", "test accuracy", "test macro-F1") if tested else ("val. accuracy",)
    for header in headers:
        table.add_column(header, justify="right", no_wrap=True)
    lstm_advised = verdict is None or not verdict.advised
    lstm_test = [_pct(final.test_accuracy), _f1(final.test_macro_f1)] if final else ["n/a"] * 2
    # The configuration the advice ends on (the verdict's), as the verdict line reports it;
    # the best diagnostic run's only where no verdict was reached. Under a tight budget the
    # two differ widely (a ragged file at --budget 3m: 24% against 90%).
    lstm_val = verdict.lstm_val_accuracy if verdict is not None else None
    if lstm_val is None and best is not None:
        lstm_val = best.val_accuracy
    table.add_row(
        Text("LSTM"),
        _pct(lstm_val),
        *(lstm_test if tested else []),
        style="bold" if lstm_advised else None,
    )
    for b in info.profile.baselines:
        t = tests.get(b.name)
        advised = verdict is not None and verdict.advised and b.name == verdict.baseline
        test = [_pct(t.accuracy), _f1(t.macro_f1)] if t else ["n/a"] * 2
        table.add_row(
            Text(b.label + (" (capped)" if b.capped else "")),
            _pct(b.accuracy),
            *(test if tested else []),
            style="bold" if advised else None,
        )
    return table


def _config(view: ClassReportView, explain: bool) -> Table:
    table = Table(box=None, pad_edge=False, header_style="bold", show_edge=False)
    table.add_column("Recommended LSTM", no_wrap=True)
    table.add_column("Value", style="bold", overflow="fold")
    if explain:
        table.add_column("Why (rule)", ratio=1)
    for row in view.settings:
        cell = Text(row.value)
        if row.final_value:
            cell.append(f"  (final model: {row.final_value})", "not bold dim")
        why: list[RenderableType] = []
        if explain:
            reason = Text(row.why)
            reason.append("\n" + (", ".join(row.rule_ids) or "default"), style="dim")
            why.append(reason)
        table.add_row(Text(row.label), cell, *why)
    return table


def _where(info: ClassDocumentInfo, run_dir: str | None) -> list[RenderableType]:
    lines: list[RenderableType] = []
    folder = run_dir or info.run.dir
    if folder:
        lines.append(Text.assemble(("Report: ", "bold"), str(PurePath(folder) / REPORT_NAME)))
    final = info.final
    if final is not None and final.script_path:
        lines.append(Text.assemble(("model.py: ", "bold"), final.script_path))
    if final is not None and final.model_path:
        lines.append(Text.assemble(("Model: ", "bold"), final.model_path))
    return lines


def class_summary_renderables(
    doc: Mapping[str, Any], run_dir: str | None = None, *, explain: bool = False
) -> list[RenderableType]:
    """What ``advisor analyze`` shows at the end of a classification analysis, from its
    ``recommendation.json`` (``advisor report`` shows the same). ``run_dir`` is the
    folder that holds ``report.html`` (default: the document's ``run.dir``)."""
    from advisor.reports.class_info import parse_class_document
    from advisor.reports.class_view import class_view_of

    info = parse_class_document(doc)
    view = class_view_of(info)
    parts: list[RenderableType | None] = [
        Text.assemble(
            ("Verdict for “", "bold cyan"),
            (info.data.label_column, "bold cyan"),
            ("”: ", "bold cyan"),
            (view.headline, "bold"),
        ),
        _limit_notes(_limits(info), explain),
        Text(),
        _scores(info),
        Text(),
        _config(view, explain),
    ]
    if explain and view.why_short:
        parts += [Text(), Text("Why the LSTM falls short", style="bold")]
        parts += [Text.assemble("- ", line) for line in view.why_short]
    parts.append(Text())
    parts += _where(info, run_dir)
    return [p for p in parts if p is not None]


def class_analysis_renderables(
    analysis: ClassAnalysis, *, explain: bool = False
) -> list[RenderableType]:
    """The summary of a finished (or interrupted) classification analysis: the verdict,
    the LSTM and each baseline on the test sequences, the recommended configuration,
    and where the report and ``model.py`` were written. Drawn from the same document
    ``recommendation.json`` holds, so ``advisor report`` prints the same screen."""
    from advisor.store.class_document import to_class_document

    return class_summary_renderables(to_class_document(analysis), analysis.run_dir, explain=explain)
