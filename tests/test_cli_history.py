"""`advisor history`: list, show and forget; a bad id or an unusable file is one line,
exit 2, and reading never creates the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from advisor.core.history import PastAnalysis
from advisor.history_cli import history_app
from advisor.store.history import ENV_VAR, History

# As advisor.cli mounts it, so the commands are invoked by the names a user types.
app = typer.Typer()
app.add_typer(history_app, name="history")
runner = CliRunner()


@pytest.fixture
def db_path(tmp_path, monkeypatch) -> Path:
    """The default history, pointed at a temporary file (the user's is never touched)."""
    path = tmp_path / "history.sqlite3"
    monkeypatch.setenv(ENV_VAR, str(path))
    return path


def _add(path: Path, **changes: object) -> int:
    fields: dict[str, object] = {
        "task": "forecast",
        "name": "airline.csv",
        "sha256": "cd" * 32,
        "features": {"rows": 144.0, "acf1": 0.95},
        "config": {"units": 11, "layers": 1, "lookback": 12},
        "objective": "val_rmse",
        "val_score": 12.345678,
        "test_score": 25.0,
        "baseline": "arima",
        "baseline_test_score": 23.7,
        "seconds": 61.5,
        "advisor_version": "0.1.0",
        "run_dir": "advisor_runs/airline-0123456789ab",
        "created": "2026-11-30T10:15:42+00:00",
        **changes,
    }
    with History(path) as history:
        return history.add(PastAnalysis(**fields))  # type: ignore[arg-type]


def _one_line_error(result) -> str:
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 2, result.output
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.output
    assert result.stderr.strip() == lines[0]  # on stderr, nothing on stdout
    return lines[0]


def test_list_without_a_database_says_so_and_creates_nothing(db_path):
    result = runner.invoke(app, ["history", "list"])
    assert result.exit_code == 0, result.output
    assert f"No analyses recorded in {db_path}." in " ".join(result.output.split())
    assert not db_path.exists()


def test_list_of_an_empty_database_says_so(db_path):
    History(db_path).close()
    result = runner.invoke(app, ["history", "list"])
    assert result.exit_code == 0, result.output
    assert "No analyses recorded in" in result.output


def test_list_shows_one_line_per_analysis_oldest_first(db_path):
    first = _add(db_path, name="airline.csv")
    second = _add(
        db_path,
        name="gestures.csv",
        task="classify",
        objective="val_accuracy",
        val_score=None,
        created="2026-12-01T08:00:00+00:00",
    )
    result = runner.invoke(app, ["history", "list"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.index("airline.csv") < out.index("gestures.csv")
    airline = next(line for line in out.splitlines() if "airline.csv" in line)
    assert airline.split() == [
        str(first),
        "2026-11-30",
        "10:15",
        "forecast",
        "airline.csv",
        "rmse",
        "12.35",
        "25",
        "62",
    ]
    gestures = next(line for line in out.splitlines() if "gestures.csv" in line)
    assert gestures.split() == [
        str(second),
        "2026-12-01",
        "08:00",
        "classify",
        "gestures.csv",
        "accuracy",
        "-",
        "25",
        "62",
    ]
    assert "2 analyses in" in out


def test_history_option_overrides_the_default(db_path, tmp_path):
    other = tmp_path / "elsewhere.sqlite3"
    _add(other, name="other.csv")
    result = runner.invoke(app, ["history", "list", "--history", str(other)])
    assert result.exit_code == 0, result.output
    assert "other.csv" in result.output
    assert not db_path.exists()


def test_show_prints_every_field_and_the_json(db_path):
    record_id = _add(db_path, baseline_test_score=None)
    result = runner.invoke(app, ["history", "show", str(record_id)])
    assert result.exit_code == 0, result.output
    out = result.output
    for line in (
        f"id: {record_id}",
        "created: 2026-11-30T10:15:42+00:00",
        "task: forecast",
        "name: airline.csv",
        f"sha256: {'cd' * 32}",
        "objective: val_rmse",
        "validation score: 12.35",
        "test score: 25",
        "best baseline: arima",
        "its test score: -",
        "seconds: 61.5",
        "advisor version: 0.1.0",
        "run directory: advisor_runs/airline-0123456789ab",
    ):
        assert line in out.splitlines(), line
    config_text = out.split("config:\n", 1)[1].split("features:\n", 1)[0]
    assert json.loads(config_text) == {"units": 11, "layers": 1, "lookback": 12}
    assert json.loads(out.split("features:\n", 1)[1]) == {"rows": 144.0, "acf1": 0.95}
    assert '\n  "units": 11' in config_text  # indented, one key a line


def test_forget_with_yes_removes_only_that_analysis(db_path):
    keep = _add(db_path, name="keep.csv")
    drop = _add(db_path, name="drop.csv")
    result = runner.invoke(app, ["history", "forget", str(drop), "--yes"])
    assert result.exit_code == 0, result.output
    assert f"Forgot analysis {drop} (drop.csv)." in result.output
    with History(db_path) as history:
        assert [r.id for r in history.all()] == [keep]


def test_forget_asks_first(db_path):
    record_id = _add(db_path)
    kept = runner.invoke(app, ["history", "forget", str(record_id)], input="n\n")
    assert kept.exit_code == 0, kept.output
    assert f"Forget analysis {record_id} (airline.csv, 2026-11-30 10:15)?" in kept.output
    assert "Nothing forgotten." in kept.output
    with History(db_path) as history:
        assert history.get(record_id) is not None
    gone = runner.invoke(app, ["history", "forget", str(record_id)], input="y\n")
    assert gone.exit_code == 0, gone.output
    with History(db_path) as history:
        assert history.get(record_id) is None


@pytest.mark.parametrize("command", [["show", "99"], ["forget", "99", "--yes"]])
def test_an_unknown_id_is_one_line_exit_2(db_path, command):
    _add(db_path)
    line = _one_line_error(runner.invoke(app, ["history", *command]))
    assert "no analysis with id 99" in line
    assert "advisor history list" in line


@pytest.mark.parametrize("command", ["show", "forget"])
def test_an_id_in_a_missing_database_is_one_line_and_creates_nothing(db_path, command):
    line = _one_line_error(runner.invoke(app, ["history", command, "1"]))
    assert "no analysis with id 1" in line
    assert not db_path.exists()


@pytest.mark.parametrize("command", [["list"], ["show", "1"], ["forget", "1", "--yes"]])
def test_a_corrupt_database_is_one_line_exit_2_and_left_alone(db_path, command):
    db_path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 200)  # a header, then junk
    before = db_path.read_bytes()
    line = _one_line_error(runner.invoke(app, ["history", *command]))
    assert str(db_path) in line
    assert "not an SQLite database, or a damaged one" in line
    assert db_path.read_bytes() == before


def test_a_newer_database_is_one_line_exit_2(db_path):
    import sqlite3

    _add(db_path)
    db = sqlite3.connect(db_path, isolation_level=None)
    db.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    db.close()
    line = _one_line_error(runner.invoke(app, ["history", "list"]))
    assert "written by a newer advisor (schema 3, this one reads up to 1)" in line


def test_no_command_prints_the_help(db_path):
    result = runner.invoke(app, ["history"])
    assert "List, show and forget" in result.output
    for command in ("list", "show", "forget"):
        assert command in result.output
