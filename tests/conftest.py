"""Shared test setup: the helper modules in ``tests/support`` importable from every test.

pytest's importlib mode (pyproject's addopts) puts no test folder on ``sys.path``, which
keeps test modules of the same name in different package folders apart; the shared
helpers are made importable here, once, instead of in each test module.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from support import REPO


@pytest.fixture
def repo() -> Path:
    """The repository's root: the docs, the benchmark scripts and the sources some tests read."""
    return REPO
