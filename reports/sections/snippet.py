"""Keras code: the ready-to-run snippet for the final model's settings, and the line
that introduces it.

The code is a template (``templates/keras_snippet.py.j2``) whose model comes from the
macro that also writes model.py's ``build_model``, so the page and the script always
build the same network.
"""

from __future__ import annotations

from functools import cache

import jinja2

from advisor.core.records import ModelConfig
from advisor.reports.info import DocumentInfo
from advisor.reports.sections.settings import changed_settings

TEMPLATE = "keras_snippet.py.j2"


@cache
def _environment() -> jinja2.Environment:
    # Python source, not HTML: nothing is escaped here (the page escapes the whole
    # snippet), and the settings match advisor.final.training's, so the shared macro
    # renders alike in both.
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [
                jinja2.PackageLoader("advisor.reports", "templates"),
                jinja2.PackageLoader("advisor", "final/templates"),
            ]
        ),
        autoescape=False,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


def keras_snippet(config: ModelConfig, horizon: int, n_features: int) -> str:
    """Keras 3 code that builds and trains the recommended model; valid Python."""
    return (
        _environment()
        .get_template(TEMPLATE)
        .render(config=config, horizon=horizon, n_features=n_features)
    )


def snippet_intro(info: DocumentInfo) -> str:
    if info.final is not None and changed_settings(info):
        return (
            "Keras 3 code for the final model's settings (the verification's refinement of "
            "the suggestion). Replace x_train, y_train, x_val and y_val with your windows."
        )
    return (
        "Keras 3 code for the recommended settings. Replace x_train, y_train, x_val and "
        "y_val with your windows."
    )
