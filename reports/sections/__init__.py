"""The report's sections, one module each, built from the typed document (``reports.info``).

``reports.view`` assembles them into the page's ``ReportView``; ``common`` holds what
they share (number formatting, the table and chart display types).
"""
