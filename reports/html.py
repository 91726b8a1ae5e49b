"""The HTML report: one self-contained page rendered from ``recommendation.json``.

Every data string goes through Jinja2's autoescape; the only markup let through
unescaped is the SVG matplotlib drew (it escapes its own text), so a column named
``<script>`` shows as text and runs nothing.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

import jinja2
from markupsafe import Markup

from advisor.reports import charts
from advisor.reports.view import build_view

if TYPE_CHECKING:
    from advisor.records import Analysis

TEMPLATE = "report.html.j2"


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
    """The report page for a ``recommendation.json`` document."""
    view = build_view(doc)
    return _environment().get_template(TEMPLATE).render(view=view, svgs=_svgs(view.charts))


def render_html(analysis: Analysis) -> str:
    """The report page for a live analysis, through the same document ``advisor report`` reads."""
    from advisor.document import to_document

    return render_document(to_document(analysis))
