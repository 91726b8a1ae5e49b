"""``advisor history``: list, show and forget the analyses the advisor learns from.

A sub-app of its own (``advisor.cli`` adds it as ``history``), printing as the rest of
the CLI does: results on stdout, a user's mistake as one ``error:`` line on stderr with
exit code 2. Imports stay light at module level, as in ``advisor.cli``: even
``advisor.core`` loads numpy, so the store is imported inside the commands.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.text import Text

from advisor.cli_common import fail as _fail
from advisor.cli_common import out
from advisor.cli_common import user_errors as _user_errors

if TYPE_CHECKING:
    from advisor.core.history import PastAnalysis

history_app = typer.Typer(
    help="List, show and forget the earlier analyses the advisor learns from.",
    no_args_is_help=True,
)

HistoryPath = Annotated[
    Path | None,
    typer.Option(
        "--history",
        help="The history database (default: $ADVISOR_HISTORY, else history.sqlite3 in "
        "the user's data folder).",
        show_default=False,
    ),
]
RecordId = Annotated[
    int, typer.Argument(help="The analysis' id, as `advisor history list` shows it.")
]


def _path(history: Path | None) -> Path:
    from advisor.store.history import default_history_path

    return history if history is not None else default_history_path()


def _unknown(path: Path, record_id: int) -> NoReturn:
    _fail(f"{path}: no analysis with id {record_id}; fix: `advisor history list` shows the ids")


@history_app.command("list")
def history_list(history: HistoryPath = None) -> None:
    """Every recorded analysis on one line, oldest first (`show ID` gives one in full)."""
    from rich import box
    from rich.table import Table

    from advisor.store.history import History

    path = _path(history)
    records: list[PastAnalysis] = []
    # Listing never creates the file: a missing one simply holds no analyses.
    if path.exists():
        with _user_errors(), History(path) as db:
            records = db.all()
    if not records:
        out.print(Text(f"No analyses recorded in {path}."))
        return
    # Borderless and unwrapped but for the name (folded, never cut: it is what a user
    # recognises), so eight columns fit an 80-column terminal.
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, padding=(0, 1, 0, 0), header_style="bold")
    table.add_column("id", justify="right", no_wrap=True)
    table.add_column("created", no_wrap=True)
    table.add_column("task", no_wrap=True)
    table.add_column("name", overflow="fold", min_width=8)
    table.add_column("metric", no_wrap=True)
    for column in ("val", "test", "secs"):
        table.add_column(column, justify="right", no_wrap=True)
    for record in records:
        # Text, not markup: a file's name is the user's and shows as typed.
        table.add_row(
            str(record.id),
            _when(record.created),
            record.task,
            Text(record.name),
            record.objective.removeprefix("val_"),  # the val and test columns say where
            _number(record.val_score),
            _number(record.test_score),
            f"{record.seconds:.0f}",
        )
    out.print(table)
    out.print(
        Text(
            f"{len(records)} {'analysis' if len(records) == 1 else 'analyses'} in {path}; "
            "`advisor history show ID` gives one in full."
        ),
        soft_wrap=True,
    )


@history_app.command("show")
def history_show(record_id: RecordId, history: HistoryPath = None) -> None:
    """One analysis in full: every field, its configuration and the profile's features."""
    path = _path(history)
    record = _get(path, record_id)
    fields: list[tuple[str, object]] = [
        ("id", record.id),
        ("created", record.created),
        ("task", record.task),
        ("name", record.name),
        ("sha256", record.sha256),
        ("objective", record.objective),
        ("validation score", _number(record.val_score)),
        ("test score", _number(record.test_score)),
        ("best baseline", record.baseline or "-"),
        ("its test score", _number(record.baseline_test_score)),
        ("seconds", f"{record.seconds:.1f}"),
        ("advisor version", record.advisor_version),
        ("run directory", record.run_dir),
    ]
    for name, value in fields:
        out.print(Text.assemble((f"{name}: ", "bold"), str(value)), soft_wrap=True)
    for name, document in (("config", record.config), ("features", record.features)):
        out.print(Text(f"{name}:", style="bold"))
        # soft_wrap: long JSON lines stay whole, so they copy and paste as JSON.
        out.print(Text(json.dumps(document, indent=2, sort_keys=True)), soft_wrap=True)


@history_app.command("forget")
def history_forget(
    record_id: RecordId,
    history: HistoryPath = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Remove one analysis from the history (its run directory is left as it is)."""
    from advisor.store.history import History

    path = _path(history)
    record = _get(path, record_id)
    if not yes and not typer.confirm(
        f"Forget analysis {record.id} ({record.name}, {_when(record.created)})?"
    ):
        out.print("Nothing forgotten.")
        return
    with _user_errors(), History(path) as db:
        forgotten = db.forget(record_id)
    if not forgotten:  # forgotten by another process since it was read
        _unknown(path, record_id)
    out.print(Text(f"Forgot analysis {record_id} ({record.name})."))


def _get(path: Path, record_id: int) -> PastAnalysis:
    """The record, or one line and exit 2; a missing file is not created."""
    from advisor.store.history import History

    if not path.exists():
        _unknown(path, record_id)
    with _user_errors(), History(path) as db:
        record = db.get(record_id)
    if record is None:
        _unknown(path, record_id)
    return record


def _when(created: str) -> str:
    """``2026-11-30T11:06:30+00:00`` as ``2026-11-30 11:06``."""
    return created[:16].replace("T", " ")


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}"
