"""The report: an HTML page and a terminal summary, both rendered from ``recommendation.json``.

``info`` parses the document once into typed records; ``sections`` (assembled by
``view``) turn them into plain-language text, with the words from ``wording``;
``chart_data`` turns them into chart numbers and ``charts`` those into inline SVG;
``html`` and ``terminal`` lay the result out. A classification document (``data.task``
``classify``) has its own parse, view, sections and page (``class_info``, ``class_view``,
``sections/class_*``, ``class_report.html.j2``), which ``html.render_document`` and
``terminal.summary_renderables`` hand it to.
"""
