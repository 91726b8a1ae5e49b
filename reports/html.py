"""The HTML report: one self-contained page rendered from ``recommendation.json``.

Every data string goes through Jinja2's autoescape; the only markup let through
unescaped is the SVG matplotlib drew (it escapes its own text), so a column named
``<script>`` shows as text and runs nothing.
"""

from __future__ import annotations

import html
from functools import cache
from typing import TYPE_CHECKING, Any

import jinja2
from markupsafe import Markup

from advisor.reports import charts
from advisor.reports.view import build_view
from advisor.store.schema import is_classification

if TYPE_CHECKING:
    from advisor.core.class_analysis import ClassAnalysis
    from advisor.core.records import Analysis

TEMPLATE = "report.html.j2"
CLASS_TEMPLATE = "class_report.html.j2"


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("advisor.reports", "templates"),
        autoescape=jinja2.select_autoescape(("html", "j2"), default_for_string=True, default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _svgs(view_charts: tuple[Any, ...]) -> dict[str, Markup]:
    # Markup only here, and only for matplotlib's output: see the module docstring.
    return {c.key: Markup(charts.draw(c.data, salt=c.key)) for c in view_charts}


def render_document(doc: dict[str, Any]) -> str:
    """The report page for a ``recommendation.json`` document, of either task."""
    if is_classification(doc):
        return render_class_document(doc)
    view = build_view(doc)
    return _environment().get_template(TEMPLATE).render(view=view, svgs=_svgs(view.charts))


def render_class_document(doc: dict[str, Any]) -> str:
    """The report page for a classification ``recommendation.json`` document."""
    from advisor.reports.class_view import build_class_view

    view = build_class_view(doc)
    return _environment().get_template(CLASS_TEMPLATE).render(view=view, svgs=_svgs(view.charts))


def render_html(analysis: Analysis) -> str:
    """The report page for a live analysis, through the same document ``advisor report`` reads."""
    from advisor.store.document import to_document

    return render_document(to_document(analysis))


def render_class_html(analysis: ClassAnalysis) -> str:
    """The report page for a live classification analysis, through its document."""
    from advisor.store.class_document import to_class_document

    return render_class_document(to_class_document(analysis))


def inline_html(page: str, height: str = "80vh") -> str:
    """A report page for a notebook cell (``_repr_html_``): the whole page in an iframe.

    A Content-Security-Policy meta tag does nothing once its page is pasted into a
    notebook, and the page's CSS would restyle the notebook. Inside ``srcdoc`` the page
    is a document of its own again, under its own CSP; ``sandbox`` with no permission
    runs no script in it and gives it no origin, so nothing in the notebook can reach
    into it or it out. The whole page is one attribute value, escaped as such.
    """
    return (
        '<iframe class="advisor-report-frame" title="LSTM advisor report" sandbox="" '
        f'style="width: 100%; height: {html.escape(height, quote=True)}; '
        'border: 1px solid #d5dde6; border-radius: 4px;" '
        f'srcdoc="{html.escape(page, quote=True)}"></iframe>'
    )


def render_inline(analysis: Analysis) -> str:
    """The report of a live analysis as a notebook shows it (see ``inline_html``)."""
    return inline_html(render_html(analysis))
