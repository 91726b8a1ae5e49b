"""The report: an HTML page and a terminal summary, both rendered from ``recommendation.json``.

``view`` turns the document into plain-language text, ``charts`` into chart numbers and
inline SVG, ``html`` and ``terminal`` lay them out.
"""
