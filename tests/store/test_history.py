"""The history database: what goes in comes out, writers side by side lose nothing, and
a file it cannot use is refused and left exactly as it was."""

from __future__ import annotations

import json
import math
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest

from advisor.core.history import PastAnalysis
from advisor.store import history as store
from advisor.store.history import History, HistoryError, default_history_path


def _record(**changes: object) -> PastAnalysis:
    base = PastAnalysis(
        task="forecast",
        name="airline.csv",
        sha256="ab" * 32,
        features={"rows": 144.0, "acf1": 0.95, "season": 12.0},
        config={"units": 32, "layers": 1, "dropout": 0.1, "lookback": [12, 24]},
        objective="val_rmse",
        val_score=12.5,
        test_score=25.0,
        baseline="arima",
        baseline_test_score=23.7,
        seconds=61.5,
        advisor_version="0.1.0",
        run_dir="advisor_runs/airline-0123456789ab",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


@contextmanager
def _raw(path: Path) -> Iterator[sqlite3.Connection]:
    """A plain connection, as another tool (or another advisor) would open the file."""
    db = sqlite3.connect(path, isolation_level=None)
    try:
        yield db
    finally:
        db.close()


def test_every_field_round_trips(tmp_path):
    path = tmp_path / "deep" / "folder" / "history.sqlite3"  # folders are created
    given = _record(created="2026-11-30T10:00:00+00:00")
    with History(path) as history:
        record_id = history.add(given)
        back = history.get(record_id)
    assert record_id > 0
    assert back == replace(given, id=record_id)
    assert isinstance(back.features["rows"], float)
    assert isinstance(back.config["units"], int)


def test_missing_scores_and_non_finite_numbers_read_back_as_none(tmp_path):
    given = _record(
        val_score=math.nan,
        test_score=math.inf,
        baseline=None,
        baseline_test_score=None,
        features={"acf1": math.nan, "rows": 144.0},
        config={"units": 32, "clip": -math.inf, "nested": {"lr": math.nan}, "pair": (1, 2.5)},
    )
    with History(tmp_path / "h.sqlite3") as history:
        back = history.get(history.add(given))
    assert back is not None
    assert (back.val_score, back.test_score) == (None, None)
    assert (back.baseline, back.baseline_test_score) == (None, None)
    assert back.features == {"acf1": None, "rows": 144.0}
    assert back.config == {"units": 32, "clip": None, "nested": {"lr": None}, "pair": [1, 2.5]}
    # Stored as SQL NULL and strict JSON, so other tools read the file too.
    with _raw(tmp_path / "h.sqlite3") as db:
        scores = db.execute("SELECT val_score, test_score, features FROM analyses").fetchone()
    assert scores[:2] == (None, None)
    assert json.loads(scores[2]) == {"acf1": None, "rows": 144.0}
    assert "NaN" not in scores[2]


def test_created_is_filled_in_utc_when_empty(tmp_path):
    with History(tmp_path / "h.sqlite3") as history:
        back = history.get(history.add(_record()))
    assert back is not None
    assert back.created.endswith("+00:00")
    assert abs(time.time() - _epoch(back.created)) < 60


def _epoch(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso).timestamp()


def test_a_non_finite_wall_time_is_a_bug(tmp_path):
    with History(tmp_path / "h.sqlite3") as history, pytest.raises(ValueError, match="finite"):
        history.add(_record(seconds=math.nan))


def test_all_is_oldest_first_and_filters_by_task(tmp_path):
    with History(tmp_path / "h.sqlite3") as history:
        first = history.add(_record(name="a.csv"))
        second = history.add(_record(name="b.csv", task="classify", objective="val_accuracy"))
        third = history.add(_record(name="c.csv"))
        assert [r.id for r in history.all()] == [first, second, third]
        assert [r.name for r in history.all(task="forecast")] == ["a.csv", "c.csv"]
        assert [r.name for r in history.all(task="classify")] == ["b.csv"]
        assert history.all(task="regress") == []


def test_forget_removes_one_record_and_its_id_is_not_reused(tmp_path):
    with History(tmp_path / "h.sqlite3") as history:
        keep = history.add(_record(name="keep.csv"))
        drop = history.add(_record(name="drop.csv"))
        assert history.forget(drop) is True
        assert history.forget(drop) is False
        assert history.get(drop) is None
        assert [r.id for r in history.all()] == [keep]
        later = history.add(_record(name="later.csv"))
    assert later > drop
    # The forget was committed: another connection sees it.
    with History(tmp_path / "h.sqlite3") as again:
        assert [r.name for r in again.all()] == ["keep.csv", "later.csv"]


def test_the_database_is_in_wal_mode_with_the_schema_version(tmp_path):
    path = tmp_path / "h.sqlite3"
    History(path).close()
    with _raw(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
    assert meta == {"schema_version": str(store.SCHEMA_VERSION)}


def test_default_path_honours_the_environment_variable(tmp_path, monkeypatch):
    monkeypatch.setenv(store.ENV_VAR, str(tmp_path / "mine.sqlite3"))
    assert default_history_path() == tmp_path / "mine.sqlite3"
    monkeypatch.delenv(store.ENV_VAR)
    path = default_history_path()
    assert path.name == "history.sqlite3"
    assert "advisor" in path.parent.parts[-2:]
    assert not path.exists() or path.is_file()  # computing it creates nothing


# ---------------------------------------------------------------------- side by side

_WRITER = """
import sys, time
from pathlib import Path
from advisor.core.history import PastAnalysis
from advisor.store.history import History

path, worker, go = sys.argv[1], sys.argv[2], Path(sys.argv[3])
(go.parent / f"ready-{worker}").touch()
while not go.exists():
    time.sleep(0.002)
ids = []
for n in range(25):
    # Open, add, close: as one analysis after another would.
    with History(path) as history:
        ids.append(history.add(PastAnalysis(
            task="forecast", name=f"{worker}-{n}.csv", sha256=worker, features={"n": n},
            config={"worker": worker}, objective="val_rmse", val_score=float(n),
            test_score=None, baseline=None, baseline_test_score=None, seconds=1.0,
            advisor_version="test", run_dir=f"runs/{worker}-{n}",
        )))
print(" ".join(map(str, ids)))
"""


def test_parallel_writers_lose_nothing(tmp_path):
    """Four processes add 25 records each to one file that none of them finds there:
    its creation and every insert race, and all 100 records arrive once each."""
    path, go = tmp_path / "h.sqlite3", tmp_path / "go"
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(path), f"w{k}", str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for k in range(4)
    ]
    # All at the start line (imports done) before any starts, so they really overlap.
    deadline = time.monotonic() + 60
    while len(list(tmp_path.glob("ready-*"))) < 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    go.touch()
    returned: dict[str, list[int]] = {}
    for k, proc in enumerate(workers):
        stdout, stderr = proc.communicate(timeout=60)
        assert proc.returncode == 0, stderr
        returned[f"w{k}"] = [int(i) for i in stdout.split()]
    with History(path) as history:
        records = history.all()
    assert len(records) == 100
    assert len({r.id for r in records}) == 100
    assert {r.name for r in records} == {f"w{k}-{n}.csv" for k in range(4) for n in range(25)}
    for worker, ids in returned.items():
        assert len(ids) == 25
        assert {r.id for r in records if r.sha256 == worker} == set(ids)


def test_a_database_locked_past_the_timeout_is_refused_and_nothing_is_lost(tmp_path):
    path = tmp_path / "h.sqlite3"
    with History(path) as history:
        history.add(_record(name="before.csv"))
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another analysis in the middle of its write
    try:
        with History(path, timeout=0.2) as history:
            started = time.monotonic()
            with pytest.raises(HistoryError, match="another analysis holds") as caught:
                history.add(_record(name="blocked.csv"))
            assert time.monotonic() - started >= 0.15
            assert "retry" in caught.value.one_line()
            assert str(path) in caught.value.one_line()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with History(path) as history:
        assert [r.name for r in history.all()] == ["before.csv"]
        history.add(_record(name="after.csv"))  # and it works once the lock is gone


# ------------------------------------------------------------------ refused files


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("journal", ["wal", "delete"])
def test_a_newer_schema_is_refused_and_left_byte_identical(tmp_path, journal):
    path = tmp_path / "h.sqlite3"
    with History(path) as history:
        history.add(_record())
    with _raw(path) as db:
        db.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
        db.execute(f"PRAGMA journal_mode={journal}")
    before = _files(tmp_path)
    with pytest.raises(HistoryError) as caught:
        History(path)
    line = caught.value.one_line()
    assert "written by a newer advisor (schema 3, this one reads up to 1)" in line
    assert "upgrade advisor, or pass --history with another file" in line
    assert _files(tmp_path) == before


def test_a_file_that_is_not_sqlite_is_refused_and_left_byte_identical(tmp_path):
    path = tmp_path / "h.sqlite3"
    path.write_text("date,value\n2026-01-01,3\n" * 200)
    before = _files(tmp_path)
    with pytest.raises(HistoryError) as caught:
        History(path)
    line = caught.value.one_line()
    assert str(path) in line
    assert "not an SQLite database" in line
    assert "move it aside" in line and "--history PATH" in line
    assert _files(tmp_path) == before


def test_another_programs_database_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "other.db"
    with _raw(path) as db:
        db.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, title TEXT)")
        db.execute("INSERT INTO photos (title) VALUES ('cat')")
    before = _files(tmp_path)
    with pytest.raises(HistoryError, match="not an advisor history"):
        History(path)
    assert _files(tmp_path) == before


def test_a_damaged_record_names_its_id_and_the_fix(tmp_path):
    path = tmp_path / "h.sqlite3"
    with History(path) as history:
        record_id = history.add(_record())
    with _raw(path) as db:
        db.execute("UPDATE analyses SET config = '{not json' WHERE id = ?", (record_id,))
    with History(path) as history, pytest.raises(HistoryError) as caught:
        history.all()
    assert f"record {record_id} is damaged" in caught.value.one_line()
    assert f"advisor history forget {record_id}" in caught.value.one_line()


# -------------------------------------------------------------------- migrations


def _add_note(db: sqlite3.Connection) -> None:
    db.execute("ALTER TABLE analyses ADD COLUMN note TEXT")
    db.execute("UPDATE analyses SET note = 'migrated'")


def _version(path: Path) -> str:
    with _raw(path) as db:
        value = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
    return value


def _columns(path: Path) -> list[str]:
    with _raw(path) as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(analyses)")]
    return columns


def test_an_older_database_is_upgraded_keeping_its_records(tmp_path, monkeypatch):
    path = tmp_path / "h.sqlite3"
    with History(path) as history:
        saved = [history.get(history.add(_record(name=f"{n}.csv"))) for n in range(3)]
    assert _version(path) == "1"
    monkeypatch.setattr(store, "SCHEMA_VERSION", 2)
    monkeypatch.setattr(store, "MIGRATIONS", {**store.MIGRATIONS, 1: _add_note})

    with History(path) as history:
        assert history.all() == saved
    assert _version(path) == "2"
    assert "note" in _columns(path)
    with _raw(path) as db:
        assert db.execute("SELECT DISTINCT note FROM analyses").fetchall() == [("migrated",)]
    # Opening again runs no step twice (the ALTER would fail if it did).
    with History(path) as history:
        assert len(history.all()) == 3

    fresh = tmp_path / "fresh.sqlite3"  # an empty file takes every step, 0 to 1 to 2
    History(fresh).close()
    assert _version(fresh) == "2"
    assert "note" in _columns(fresh)


def test_a_failing_upgrade_step_leaves_the_old_database(tmp_path, monkeypatch):
    path = tmp_path / "h.sqlite3"
    with History(path) as history:
        saved = history.get(history.add(_record()))

    def half_done(db: sqlite3.Connection) -> None:
        _add_note(db)
        raise RuntimeError("step failed half-way")

    monkeypatch.setattr(store, "SCHEMA_VERSION", 2)
    monkeypatch.setattr(store, "MIGRATIONS", {**store.MIGRATIONS, 1: half_done})
    with pytest.raises(RuntimeError, match="half-way"):
        History(path)
    assert _version(path) == "1"
    assert "note" not in _columns(path)
    monkeypatch.setattr(store, "SCHEMA_VERSION", 1)
    with History(path) as history:
        assert history.all() == [saved]


def test_an_earlier_configuration_this_data_cannot_train_is_not_borrowed():
    """A million minute rows differenced a day back, offered to 96 monthly rows, left
    nothing to train on: the trial failed with scikit-learn's traceback on the terminal."""
    from advisor.api import trainable_here

    assert trainable_here({"lookback": 12, "differencing": 12}, 96)
    assert trainable_here({"lookback": 24, "differencing": 1}, 96)
    assert not trainable_here({"lookback": 60, "differencing": 1440}, 96)
    assert not trainable_here({"lookback": 12, "differencing": 48}, 96)  # two seasons only
    assert not trainable_here({"lookback": 60, "differencing": 0}, 96)  # past a third
    # A season's pattern is measured on four seasons of rows, as a seasonal lag needs.
    assert trainable_here({"lookback": 12, "differencing": 0, "deseasonalize": 12}, 96)
    assert not trainable_here({"lookback": 12, "differencing": 1, "deseasonalize": 48}, 96)
    assert trainable_here({"lookback": 60, "differencing": 1440}, 700_000)
    assert not trainable_here({"lookback": "sixty"}, 96)
