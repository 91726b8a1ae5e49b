"""Reproducibility: the command, run folder, seed, data hash and budget that reproduce
the analysis, and the package versions it ran with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from advisor.reports.sections.common import Table, fmt


class RunDocument(Protocol):
    """What these facts read, the same in either task's parsed document
    (``DocumentInfo``, ``ClassDocumentInfo``)."""

    @property
    def run(self) -> Any: ...
    @property
    def data(self) -> Any: ...
    @property
    def schema_version(self) -> int | str | None: ...


@dataclass(frozen=True)
class Fact:
    label: str
    value: str


def reproducibility(info: RunDocument) -> tuple[Fact, ...]:
    run, data = info.run, info.data
    facts = [
        Fact("Command", run.command or "not recorded"),
        Fact("Run folder", run.dir or "not recorded"),
        Fact("Random seed", "not recorded" if run.seed is None else str(run.seed)),
        Fact("Data file", data.path),
        Fact("Data SHA-256", data.sha256),
    ]
    if run.budget_s is not None:
        facts.append(Fact("Time budget", f"{fmt(run.budget_s)} s"))
    if run.seconds is not None:
        facts.append(Fact("Time taken", f"{fmt(run.seconds)} s"))
    facts.append(Fact("Document schema version", str(info.schema_version)))
    return tuple(facts)


def versions_table(info: RunDocument) -> Table | None:
    versions = info.run.versions
    if not versions:
        return None
    return Table(("Package", "Version"), tuple(sorted(versions.items())))
