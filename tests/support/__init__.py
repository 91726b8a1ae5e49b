"""Helpers the tests share: a scripted trainer and tiny data, a report document, a browser."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
"""The repository's root: docs, benchmark scripts and sources some tests read."""
