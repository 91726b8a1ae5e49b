"""The run directory: an analysis's results, and the state a rerun resumes from.

Layout (``state/`` is the advisor's own; the rest is for the user)::

    recommendation.json  profile.json  report.html  model.keras  model.py  logs/
    state/run.json          what the run is keyed by: the data's hash and the settings
    state/lock              held while an analysis runs here (released if it dies)
    state/runs/<key>.json   every finished training (diagnostic, trial, fold), by content
    state/recommendation.json  the finished diagnosis and recommendation
    state/search-<key>/     the keras-tuner project of one search space
    state/final.json        the finished final training

Every file is written atomically, so a ``kill -9`` at any moment leaves each file
either old or new, never torn. A file that is unreadable all the same (a full disk, a
hand edit) is set aside as ``*.corrupt`` and redone, never fatal.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from dataclasses import asdict
from pathlib import Path
from typing import Any

from advisor.core.errors import AdvisorInputError
from advisor.core.records import DiagnosticRun, Settings
from advisor.store.atomic import write_text
from advisor.store.plain import from_plain, to_plain

STATE = "state"
# What an analysis writes beside state/; `--fresh` removes these and nothing else, so
# a run directory the user shares with their own files loses none of them.
OUTPUTS = (
    "recommendation.json",
    "profile.json",
    "report.html",
    "model.keras",
    "model.py",
    "logs",
)
# Settings that bound how much work is done, not what a finished piece of work finds:
# a rerun with a longer budget or more trials resumes the same run instead of starting
# a new one (see docs/recommendation-schema.md, "Resuming").
RESUMABLE_SETTINGS = frozenset({"budget_s", "max_trials"})
# Bumped when a cached training's meaning changes, so stale entries miss. Adding
# ``DiagnosticRun.val_errors`` did not bump it: a run cached before loads with none (the
# field's default), its curve and score mean what they meant, and the findings that
# compare it say their noise band is unknown rather than retraining it.
CACHE_VERSION = 1


def identity(sha256: str, settings: Settings) -> dict[str, Any]:
    """What a run is keyed by: the data's bytes and the settings that shape results."""
    shaped = {k: v for k, v in asdict(settings).items() if k not in RESUMABLE_SETTINGS}
    # Only where asked for: the keys of runs made before the option existed stay as they were.
    if settings.precision == "auto":
        del shaped["precision"]
    return {"sha256": sha256, "settings": shaped}


def key_of(obj: Any, length: int = 12) -> str:
    blob = json.dumps(obj, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:length]


def set_aside(path: Path) -> Path:
    """Move an unreadable file out of the way (kept for a post-mortem), never delete it."""
    target = path.with_name(path.name + ".corrupt")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.corrupt{n}")
    os.replace(path, target)
    return target


def read_json(path: Path) -> Any | None:
    """The file's JSON, or ``None`` where it is missing; an unreadable one is set aside."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        return json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError):
        set_aside(path)
        return None


class RunDir:
    """An open run directory: locked, checked against the run's identity."""

    def __init__(self, path: Path, lock: Any):
        self.path = path
        self.state = path / STATE
        self._lock = lock
        self.cache = RunCache(self.state / "runs")

    @classmethod
    def open(cls, path: str | Path, ident: dict[str, Any], fresh: bool = False) -> RunDir:
        path = Path(path)
        state = path / STATE
        state.mkdir(parents=True, exist_ok=True)
        lock = _lock(state / "lock", path)
        try:
            if fresh:
                _clear(path)
            _remove_temporaries(path)
            recorded = read_json(state / "run.json")
            if recorded is not None and recorded.get("identity") != _plain(ident):
                raise AdvisorInputError(
                    str(path),
                    "this run directory holds a run of other data or settings",
                    None,
                    "pass --fresh to start over in it, or choose another --out",
                )
            if recorded is None:
                write_text(
                    state / "run.json",
                    json.dumps({"key": key_of(ident), "identity": ident}, indent=2) + "\n",
                )
        except BaseException:
            lock.close()
            raise
        return cls(path, lock)

    def search_dir(self, space_key: str) -> Path:
        return self.state / f"search-{space_key}"

    def load_stage(self, name: str, key: str) -> dict[str, Any] | None:
        """A finished stage's record (``state/<name>.json``) where it was made under
        ``key``; ``None`` where it is missing, stale or unreadable."""
        data = read_json(self.state / f"{name}.json")
        return data if isinstance(data, dict) and data.get("key") == key else None

    def save_stage(self, name: str, key: str, payload: dict[str, Any]) -> None:
        write_text(self.state / f"{name}.json", json.dumps({"key": key, **payload}) + "\n")

    def load_records(self, name: str, key: str, types: dict[str, type]) -> dict[str, Any] | None:
        """The records ``save_records`` kept for a finished stage, rebuilt as ``types``
        names them; ``None`` where missing, stale, or saved by an older layout of the
        records (the stage is then recomputed)."""
        saved = self.load_stage(name, key)
        if saved is None:
            return None
        try:
            return {field: from_plain(cls, saved[field]) for field, cls in types.items()}
        except (ValueError, KeyError):
            return None

    def save_records(self, name: str, key: str, **records: Any) -> None:
        self.save_stage(name, key, {field: to_plain(r) for field, r in records.items()})

    def close(self) -> None:
        self._lock.close()

    def __enter__(self) -> RunDir:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _plain(obj: Any) -> Any:
    """As it reads back from JSON (tuples become lists), for comparison."""
    return json.loads(json.dumps(obj, default=str))


def _lock(path: Path, run_dir: Path) -> Any:
    handle = open(path, "a+")  # noqa: SIM115 - held open for the whole run
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; two runs there are the user's risk
        return handle
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise AdvisorInputError(
            str(run_dir),
            "another advisor run is using this run directory",
            None,
            "wait for it to finish, or choose another --out",
        ) from None
    return handle


def _clear(path: Path) -> None:
    for name in OUTPUTS:
        target = path / name
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink(missing_ok=True)
    for child in (path / STATE).iterdir():
        if child.name == "lock":
            continue
        if child.is_dir():
            shutil.rmtree(child)
        else:
            child.unlink()


def _remove_temporaries(path: Path) -> None:
    """Temporary files of writes a kill interrupted (we hold the lock: none is live)."""
    for tmp in path.rglob(".*.tmp*"):
        if tmp.is_file():
            with contextlib.suppress(OSError):
                tmp.unlink()


# ------------------------------------------------------------------ finished trainings


def run_to_dict(run: DiagnosticRun) -> dict[str, Any]:
    return to_plain(run)


def run_from_dict(data: dict[str, Any]) -> DiagnosticRun:
    return from_plain(DiagnosticRun, data)


class RunCache:
    """Finished trainings by content, so a rerun never trains the same thing twice."""

    def __init__(self, directory: Path):
        self.directory = directory

    def get(self, key: str) -> DiagnosticRun | None:
        path = self.directory / f"{key}.json"
        data = read_json(path)
        if data is None:
            return None
        try:
            return run_from_dict(data)
        except ValueError:
            set_aside(path)
            return None

    def put(self, key: str, run: DiagnosticRun) -> None:
        write_text(self.directory / f"{key}.json", json.dumps(run_to_dict(run)) + "\n")
