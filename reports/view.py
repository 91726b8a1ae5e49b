"""What the report says, in plain language, built from ``recommendation.json`` alone.

``build_view(doc)`` parses the document once into typed records (``reports.info``) and
asks each section module (``reports.sections``) for its part; the HTML template and the
terminal summary only lay the result out. Where a stage did not run its part is
``None`` (or left out of a sentence), never filled with made-up numbers. Strings here
are plain text: escaping is the renderer's job. The words themselves live in
``reports.wording``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from advisor.reports.info import DocumentInfo, parse_document
from advisor.reports.sections.common import ChartView, Table
from advisor.reports.sections.data import DataSection, data_section
from advisor.reports.sections.experiments import ExperimentsSection, experiments_section
from advisor.reports.sections.final import FinalSection, final_section
from advisor.reports.sections.next_steps import next_steps
from advisor.reports.sections.reproducibility import Fact, reproducibility, versions_table
from advisor.reports.sections.settings import (
    SettingRow,
    ranges_table,
    settings_notes,
    settings_rows,
)
from advisor.reports.sections.snippet import keras_snippet, snippet_intro
from advisor.reports.sections.summary import headline, verdict_sentences
from advisor.reports.sections.verification import VerificationSection, verification_section
from advisor.reports.wording import GLOSSARY, Term


@dataclass(frozen=True)
class ReportView:
    title: str
    headline: str
    verdict: tuple[str, ...]
    settings: tuple[SettingRow, ...]
    settings_refined: bool
    """Whether any row has a ``final_value`` (the template adds a column)."""
    settings_notes: tuple[str, ...]
    ranges: Table | None
    data: DataSection
    experiments: ExperimentsSection
    verification: VerificationSection | None
    final: FinalSection | None
    next_steps: tuple[str, ...]
    glossary: tuple[Term, ...]
    snippet_intro: str
    snippet: str
    reproducibility: tuple[Fact, ...]
    versions: Table | None

    @property
    def charts(self) -> tuple[ChartView, ...]:
        sections = (self.data, self.experiments, self.verification, self.final)
        return tuple(c for s in sections if s is not None for c in s.charts)


def view_of(info: DocumentInfo) -> ReportView:
    settings = settings_rows(info)
    data = info.data
    return ReportView(
        title=f"LSTM advice for “{data.target}”",
        headline=headline(info),
        verdict=verdict_sentences(info),
        settings=settings,
        settings_refined=any(row.final_value for row in settings),
        settings_notes=settings_notes(info),
        ranges=ranges_table(info),
        data=data_section(info),
        experiments=experiments_section(info),
        verification=verification_section(info),
        final=final_section(info),
        next_steps=next_steps(info),
        glossary=GLOSSARY,
        snippet_intro=snippet_intro(info),
        snippet=keras_snippet(info.final_config, data.horizon, 1 + len(data.features)),
        reproducibility=reproducibility(info),
        versions=versions_table(info),
    )


def build_view(doc: Mapping[str, Any]) -> ReportView:
    """The report's view of a ``recommendation.json`` document."""
    return view_of(parse_document(doc))
