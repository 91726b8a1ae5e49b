"""What a classification report says, built from its ``recommendation.json`` alone.

``view``'s counterpart: ``build_class_view(doc)`` parses the document once
(``class_info``) and asks the ``class_*`` section modules for each part; the HTML
template and the terminal summary only lay it out. Strings are plain text: escaping is
the renderer's job.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from advisor.reports import class_chart_data
from advisor.reports.class_chart_data import MAX_CHANNELS_DRAWN, MAX_CLASS_PANELS
from advisor.reports.class_info import ClassDocumentInfo, parse_class_document
from advisor.reports.class_wording import GLOSSARY
from advisor.reports.sections import class_checks, class_results, class_summary
from advisor.reports.sections.class_checks import ClassExperiments, ClassVerificationSection
from advisor.reports.sections.class_results import ConfusionView
from advisor.reports.sections.common import ChartView, Table, chart, plural
from advisor.reports.sections.reproducibility import Fact
from advisor.reports.sections.settings import SettingRow
from advisor.reports.wording import Term


@dataclass(frozen=True)
class ClassReportView:
    title: str
    headline: str
    advised: bool
    """A baseline is the advice: the page links to why the LSTM falls short."""
    verdict: tuple[str, ...]
    why_short: tuple[str, ...]
    settings: tuple[SettingRow, ...]
    settings_refined: bool
    settings_notes: tuple[str, ...]
    ranges: Table | None
    test_summary: tuple[str, ...]
    models: Table
    confusion: ConfusionView | None
    per_class: Table | None
    data_facts: tuple[str, ...]
    notices: tuple[str, ...]
    baselines: Table | None
    baseline_notes: tuple[str, ...]
    data_notes: tuple[str, ...]
    shapes: tuple[ChartView, ...]
    shapes_missing: str
    experiments: ClassExperiments
    verification: ClassVerificationSection | None
    not_checked: tuple[str, ...]
    files: tuple[Fact, ...]
    glossary: tuple[Term, ...]
    snippet_intro: str
    snippet: str
    reproducibility: tuple[Fact, ...]
    versions: Table | None

    @property
    def charts(self) -> tuple[ChartView, ...]:
        return self.shapes + self.experiments.charts


def _shapes(info: ClassDocumentInfo) -> tuple[tuple[ChartView, ...], str]:
    panels = class_chart_data.class_shapes(info)
    if panels is None:
        return (), "No class shapes to draw: the profile holds no mean curves."
    classes, channels = len(info.profile.classes), len(info.profile.channels)
    caption = (
        "Each class's training sequences, stretched to a common length, averaged per channel "
        "(line) with one standard deviation either side (band): what tells the classes apart "
        "to the eye."
    )
    if classes > MAX_CLASS_PANELS:
        caption += f" The first {MAX_CLASS_PANELS} of {classes} classes are drawn."
    if channels > MAX_CHANNELS_DRAWN:
        caption += f" The first {MAX_CHANNELS_DRAWN} of {plural(channels, 'channel')} are drawn."
    return tuple(chart("chart-class-shapes", "Example shapes", caption, panels)), ""


def class_view_of(info: ClassDocumentInfo) -> ClassReportView:
    settings = class_results.settings_rows(info)
    shapes, shapes_missing = _shapes(info)
    verdict = info.verdict
    snippet_intro, snippet = class_checks.keras_code(info)
    return ClassReportView(
        title=f"LSTM advice for classifying “{info.data.label_column}”",
        headline=class_summary.headline(info),
        advised=verdict is not None and verdict.advised,
        verdict=class_summary.verdict_sentences(info),
        why_short=class_summary.why_short(info),
        settings=settings,
        settings_refined=any(row.final_value for row in settings),
        settings_notes=class_results.settings_notes(info),
        ranges=class_results.ranges_table(info),
        test_summary=class_results.test_metrics(info),
        models=class_results.models_table(info),
        confusion=class_results.confusion(info),
        per_class=class_results.per_class_table(info),
        data_facts=class_results.data_facts(info),
        notices=info.data.notices,
        baselines=class_results.baselines_table(info),
        baseline_notes=class_results.baseline_notes(info),
        data_notes=info.profile.notes,
        shapes=shapes,
        shapes_missing=shapes_missing,
        experiments=class_checks.experiments_section(info),
        verification=class_checks.verification_section(info),
        not_checked=class_checks.not_checked(info),
        files=class_checks.files(info),
        glossary=GLOSSARY,
        snippet_intro=snippet_intro,
        snippet=snippet,
        reproducibility=class_checks.reproducibility(info),
        versions=class_checks.versions_table(info),
    )


def build_class_view(doc: Mapping[str, Any]) -> ClassReportView:
    """The report's view of a classification ``recommendation.json`` document."""
    return class_view_of(parse_class_document(doc))
