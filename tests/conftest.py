"""Shared test setup: the helper modules in ``tests/support`` importable from every test,
and a history database of its own for each test.

pytest's importlib mode (pyproject's addopts) puts no test folder on ``sys.path``, which
keeps test modules of the same name in different package folders apart; the shared
helpers are made importable here, once, instead of in each test module.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from support import REPO


@pytest.fixture
def repo() -> Path:
    """The repository's root: the docs, the benchmark scripts and the sources some tests read."""
    return REPO


def pytest_configure(config: pytest.Config) -> None:
    # Before any fixture, module-scoped ones included: nothing a test runs may record in
    # the user's real history.
    folder = Path(tempfile.mkdtemp(prefix="advisor-test-history-"))
    os.environ["ADVISOR_HISTORY"] = str(folder / "history.sqlite3")


@pytest.fixture(autouse=True)
def _own_history(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets an empty history database of its own: the CLI records analyses by
    default, and neither the user's real history nor another test's records may reach in."""
    path = tmp_path_factory.mktemp("history") / "history.sqlite3"
    monkeypatch.setenv("ADVISOR_HISTORY", str(path))
    return path
