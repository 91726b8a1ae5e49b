"""Progress events: the pipeline reports, the CLI draws (rich bars), tests record."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ProgressEvent:
    stage: str
    """One of: intake, profile, diagnostics, rules, search, final, report."""
    message: str
    done: int
    total: int


ProgressCallback = Callable[[ProgressEvent], None]


def ignore(event: ProgressEvent) -> None:
    """The default callback: a notebook or script that passes none sees nothing."""
