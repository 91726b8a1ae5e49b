"""What ``analyze`` hands a notebook: the ``Analysis`` (or ``ClassAnalysis``) record plus
its report inline.

Jupyter shows an object through its ``_repr_html_``. That method renders the report, so
it lives here, above the report layer, and not on ``Analysis`` in ``core.records``: the
records are the bottom layer and import nothing above them.
"""

from __future__ import annotations

from dataclasses import dataclass

from advisor.core.class_analysis import ClassAnalysis
from advisor.core.records import Analysis


@dataclass(frozen=True)
class NotebookAnalysis(Analysis):
    """An ``Analysis`` that Jupyter shows as its report; otherwise the same record."""

    def _repr_html_(self) -> str:
        """The report in a sandboxed iframe, so Jupyter shows it inline."""
        from advisor.reports.html import render_inline

        return render_inline(self)


@dataclass(frozen=True, eq=False)
class NotebookClassAnalysis(ClassAnalysis):
    """A ``ClassAnalysis`` that Jupyter shows as its report; otherwise the same record."""

    def _repr_html_(self) -> str:
        from advisor.reports.html import inline_html, render_class_html

        return inline_html(render_class_html(self))
