"""What every command of the CLI shares: its two consoles and how a user's mistake ends.

Only the CLI prints. Bad input is one ``error:`` line on stderr and exit code 2; Ctrl-C
exits 130 with what finished kept. ``advisor.cli`` and its sub-apps (``history_cli``)
import these from here, so neither has to import the other.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer
from rich.console import Console

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130

out = Console()
err = Console(stderr=True)


def escape(text: str) -> str:
    from rich.markup import escape as rich_escape

    return rich_escape(text)


def fail(line: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    err.print(f"[bold red]error:[/] {escape(line)}", soft_wrap=True, highlight=False)
    raise typer.Exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Bad input becomes one line and exit 2; Ctrl-C exits 130 keeping finished files."""
    from advisor.core.errors import AdvisorInputError

    try:
        yield
    except AdvisorInputError as exc:
        fail(exc.one_line())
    except KeyboardInterrupt:
        err.print(
            "[yellow]interrupted[/]: what finished is written (marked partial); "
            "run the same command again to resume."
        )
        raise typer.Exit(EXIT_INTERRUPTED) from None
