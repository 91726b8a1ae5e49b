"""The report: an HTML page and a terminal summary, both rendered from ``recommendation.json``.

``info`` parses the document once into typed records; ``sections`` (assembled by
``view``) turn them into plain-language text, with the words from ``wording``;
``chart_data`` turns them into chart numbers and ``charts`` those into inline SVG;
``html`` and ``terminal`` lay the result out.
"""
