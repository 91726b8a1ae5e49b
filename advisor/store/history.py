"""The local history of analyses: one SQLite file that later analyses learn from.

Every analysis adds one ``PastAnalysis``; a later one looks for similar earlier data in
it. Analyses run side by side (several terminals, a distributed search's chief), so
the file is in WAL mode (readers never wait for a writer) and every write is one short
``BEGIN IMMEDIATE`` transaction that waits up to ``timeout`` seconds for another one.

What is recorded is never lost: a file this module cannot read (not SQLite, damaged,
another program's database, written by a newer advisor) is refused with a
``HistoryError`` before anything is written to it, and a schema upgrade runs all its
steps in one transaction, so it happens whole or not at all. Nothing here deletes or
recreates a file.

Layout (``SCHEMA_VERSION`` 1)::

    meta(key TEXT PRIMARY KEY, value TEXT)       schema_version
    analyses(id, created, task, name, sha256, features JSON, config JSON, objective,
             val_score, test_score, baseline, baseline_test_score, seconds,
             advisor_version, run_dir)

A non-finite score is stored as NULL and reads back as ``None``; so does a non-finite
number inside ``features`` or ``config`` (JSON has no NaN).
"""

from __future__ import annotations

import json
import math
import numbers
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from advisor.core.errors import AdvisorInputError
from advisor.core.history import PastAnalysis

_T = TypeVar("_T")

SCHEMA_VERSION = 1
ENV_VAR = "ADVISOR_HISTORY"
FILE_NAME = "history.sqlite3"
# Long enough for another analysis's write (milliseconds) or a schema upgrade to end;
# short enough that a stuck process is reported instead of hanging the analysis.
DEFAULT_TIMEOUT_S = 10.0

_FIX_FILE = "move it aside (it is left as it is), or pass --history PATH to use another file"


class HistoryError(AdvisorInputError):
    """A history database that cannot be used: the CLI prints one line and exits 2."""


def default_history_path() -> Path:
    """``$ADVISOR_HISTORY`` where set, else the user's data folder (per platform)."""
    value = os.environ.get(ENV_VAR)
    if value:
        return Path(value).expanduser()
    import platformdirs

    return platformdirs.user_data_path("advisor", appauthor=False) / FILE_NAME


# ------------------------------------------------------------------------------- schema


def _create_v1(db: sqlite3.Connection) -> None:
    """Version 0 (an empty file) to 1: the first layout."""
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
    # AUTOINCREMENT: a forgotten record's id is never reused, so an id a user noted
    # (`advisor history forget 7`) cannot come to mean another analysis.
    db.execute(
        """
        CREATE TABLE analyses (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            created TEXT NOT NULL,
            task TEXT NOT NULL,
            name TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            features TEXT NOT NULL,
            config TEXT NOT NULL,
            objective TEXT NOT NULL,
            val_score REAL,
            test_score REAL,
            baseline TEXT,
            baseline_test_score REAL,
            seconds REAL NOT NULL,
            advisor_version TEXT NOT NULL,
            run_dir TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX analyses_task ON analyses (task)")


# Step N takes a database at version N to N+1. Steps run in order, all inside one
# transaction with the new version number, so a failed upgrade leaves the old database.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {0: _create_v1}

_COLUMNS = (
    "created",
    "task",
    "name",
    "sha256",
    "features",
    "config",
    "objective",
    "val_score",
    "test_score",
    "baseline",
    "baseline_test_score",
    "seconds",
    "advisor_version",
    "run_dir",
)
_SELECT = f"SELECT id, {', '.join(_COLUMNS)} FROM analyses"
_INSERT = f"INSERT INTO analyses ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"


# ------------------------------------------------------------------------------ History


class History:
    """An open history database; ``with History(path) as history: ...``.

    Opening creates the file (and its folders) where missing and upgrades an older
    schema; it refuses, with a ``HistoryError``, a file it cannot use.
    """

    def __init__(self, path: str | Path, timeout: float = DEFAULT_TIMEOUT_S):
        self.path = Path(path)
        self.timeout = timeout
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise HistoryError(
                str(self.path),
                f"cannot create its folder ({exc.strerror or exc})",
                None,
                "pass --history PATH with a path in a writable folder",
            ) from None
        with self._errors():
            self._db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        try:
            with self._errors():
                self._patiently(self._prepare)
        except BaseException:
            self._db.close()
            raise

    # ------------------------------------------------------------------ records

    def add(self, record: PastAnalysis) -> int:
        """Save ``record`` as a new row and return its id (``record.id`` is ignored);
        an empty ``created`` becomes now."""
        if not math.isfinite(record.seconds):
            raise ValueError(f"an analysis' wall time must be finite, not {record.seconds}")
        created = record.created or datetime.now(UTC).isoformat(timespec="seconds")
        values = (
            created,
            record.task,
            record.name,
            record.sha256,
            _dump(record.features),
            _dump(record.config),
            record.objective,
            _score(record.val_score),
            _score(record.test_score),
            record.baseline,
            _score(record.baseline_test_score),
            float(record.seconds),
            record.advisor_version,
            record.run_dir,
        )
        with self._errors(), self._transaction():
            cursor = self._db.execute(_INSERT, values)
        assert cursor.lastrowid is not None  # an INSERT into a rowid table always has one
        return cursor.lastrowid

    def all(self, task: str | None = None) -> list[PastAnalysis]:
        """Every record (only ``task``'s where given), oldest first."""
        with self._errors():
            if task is None:
                rows = self._db.execute(f"{_SELECT} ORDER BY id").fetchall()
            else:
                rows = self._db.execute(f"{_SELECT} WHERE task = ? ORDER BY id", (task,)).fetchall()
        return [self._record(row) for row in rows]

    def get(self, id: int) -> PastAnalysis | None:
        """The record with this id, or ``None``."""
        with self._errors():
            row = self._db.execute(f"{_SELECT} WHERE id = ?", (id,)).fetchone()
        return None if row is None else self._record(row)

    def forget(self, id: int) -> bool:
        """Delete one record; ``False`` where there was none with this id."""
        with self._errors(), self._transaction():
            cursor = self._db.execute("DELETE FROM analyses WHERE id = ?", (id,))
        return cursor.rowcount == 1

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ opening

    def _prepare(self) -> None:
        # The version is read before anything is written (even the WAL switch rewrites
        # the header), so a refused file stays byte for byte as it was.
        version = self._version()
        self._refuse_newer(version)
        self._db.execute("PRAGMA journal_mode=WAL")
        if version < SCHEMA_VERSION:
            self._migrate()

    def _migrate(self) -> None:
        with self._transaction():
            # Another process may have upgraded the file since it was read.
            version = self._version()
            self._refuse_newer(version)
            for step in range(version, SCHEMA_VERSION):
                MIGRATIONS[step](self._db)
            self._db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
                (str(SCHEMA_VERSION),),
            )

    def _version(self) -> int:
        """The file's schema version: 0 for an empty file."""
        tables = {
            row[0] for row in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        if "meta" not in tables:
            if tables:
                raise self._not_ours()
            return 0
        row = self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        try:
            version = int(row[0])
        except (TypeError, ValueError):  # no row, or no number in it
            raise self._not_ours() from None
        if version < 1:
            raise self._not_ours()
        return version

    def _refuse_newer(self, version: int) -> None:
        if version > SCHEMA_VERSION:
            raise HistoryError(
                str(self.path),
                f"written by a newer advisor (schema {version}, this one reads up to "
                f"{SCHEMA_VERSION})",
                None,
                "upgrade advisor, or pass --history with another file",
            )

    def _not_ours(self) -> HistoryError:
        return HistoryError(
            str(self.path),
            "an SQLite database, but not an advisor history (no schema version in it)",
            None,
            _FIX_FILE,
        )

    # ------------------------------------------------------------------ plumbing

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One write transaction: the lock is taken at BEGIN (waiting up to
        ``timeout``), so it never fails half-way for want of it."""
        self._patiently(lambda: self._db.execute("BEGIN IMMEDIATE"))
        try:
            yield
            self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:
                with suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")
            raise

    def _patiently(self, action: Callable[[], _T]) -> _T:
        """``action()``, retried while the database is busy, up to ``timeout``.

        SQLite's own busy timeout does not cover everything: switching to WAL answers
        "locked" at once while another connection has the file open (several analyses
        creating the history together), so those are retried here."""
        deadline = time.monotonic() + self.timeout
        pause = 0.005
        while True:
            try:
                return action()
            except sqlite3.OperationalError as exc:
                if not _busy(exc) or time.monotonic() + pause > deadline:
                    raise
            time.sleep(pause)
            pause = min(2 * pause, 0.1)

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """SQLite's errors as a ``HistoryError`` that names the file and the fix.
        An ``IntegrityError`` (a record missing a field) is a bug and stays one."""
        try:
            yield
        except sqlite3.IntegrityError:
            raise
        except sqlite3.DatabaseError as exc:
            raise self._explain(exc) from None

    def _explain(self, exc: sqlite3.DatabaseError) -> HistoryError:
        code = _code(exc)
        source = str(self.path)
        if _busy(exc):
            return HistoryError(
                source,
                "another analysis holds the history database "
                f"(still locked after {self.timeout:g} s)",
                None,
                "retry when it has finished",
            )
        if code in (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT):
            return HistoryError(
                source, f"not an SQLite database, or a damaged one ({exc})", None, _FIX_FILE
            )
        if code == sqlite3.SQLITE_CANTOPEN:
            return HistoryError(
                source,
                f"cannot open the history database ({exc})",
                None,
                "check that it and its folder are readable and writable, or pass --history PATH",
            )
        if code in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM):
            return HistoryError(
                source,
                f"cannot write the history database ({exc})",
                None,
                "make it writable, or pass --history PATH to use another file",
            )
        if code == sqlite3.SQLITE_FULL:
            return HistoryError(source, f"the disk is full ({exc})", None, "free some space")
        name = getattr(exc, "sqlite_errorname", type(exc).__name__)
        return HistoryError(source, f"the history database failed ({name}: {exc})", None, _FIX_FILE)

    def _record(self, row: sqlite3.Row) -> PastAnalysis:
        fields = {column: row[column] for column in _COLUMNS}
        try:
            features, config = json.loads(fields["features"]), json.loads(fields["config"])
            if not isinstance(features, dict) or not isinstance(config, dict):
                raise ValueError("features and config must be JSON objects")
        except (TypeError, ValueError) as exc:
            raise HistoryError(
                str(self.path),
                f"record {row['id']} is damaged ({exc})",
                None,
                f"`advisor history forget {row['id']}` removes it",
            ) from None
        record = PastAnalysis(**{**fields, "features": features, "config": config})
        return replace(record, id=int(row["id"]))


def _code(exc: sqlite3.Error) -> int:
    """SQLite's primary result code (the extended code's low byte)."""
    return (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF


def _busy(exc: sqlite3.Error) -> bool:
    return _code(exc) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or "locked" in str(exc)


# ------------------------------------------------------------------------------- values


def _score(value: float | None) -> float | None:
    """NULL for no score: ``None``, NaN or an infinity."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _dump(obj: Any) -> str:
    return json.dumps(_plain(obj), sort_keys=True, allow_nan=False)


def _plain(obj: Any) -> Any:
    """``obj`` as strict JSON takes it: numpy scalars as Python numbers, tuples as
    lists, a non-finite number as ``None``. Anything else fails in ``json.dumps``."""
    if isinstance(obj, dict):
        return {str(key): _plain(value) for key, value in obj.items()}
    if isinstance(obj, list | tuple):
        return [_plain(value) for value in obj]
    if isinstance(obj, bool | str) or obj is None:
        return obj
    if isinstance(obj, numbers.Integral):
        return int(obj)
    if isinstance(obj, numbers.Real):
        value = float(obj)
        return value if math.isfinite(value) else None
    return obj
