"""What the benchmark scripts share: each competitor's result on each dataset kept as an
entry file with its provenance, reused or run again on request, and the small arithmetic
and formatting of their tables.

``advice_quality.py`` (forecasting) and ``classification_quality.py`` import it from
beside them: Python puts a script's own folder first on ``sys.path``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any, Protocol, TypeVar


class Result(Protocol):
    """An entry of either script: a dataclass with these two fields and its scores."""

    name: str
    detail: dict[str, Any]


E = TypeVar("E", bound=Result)


class Skipped(RuntimeError):
    """A competitor that cannot run here. Its message is the one line said about it, once
    per run however many datasets it is skipped on."""


def provenance() -> dict[str, Any]:
    """Where and when an entry was measured: commit, machine, date and load."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            cwd=Path(__file__).parent,
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "commit": commit or "unknown",
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()}",
        "python": platform.python_version(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def save_entry(folder: Path, dataset: str, entry: Result) -> dict[str, Any]:
    """Write ``entry`` with its provenance (returned) to ``folder/DATASET.NAME.json``."""
    made = provenance()
    detail = {k: v for k, v in entry.detail.items() if k != "provenance"}
    _write_entry(folder, dataset, {**entry.__dict__, "detail": detail, "provenance": made})
    return made


def _write_entry(folder: Path, dataset: str, data: dict[str, Any]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    # Written aside and moved in, so a run stopped mid-write leaves no half entry to reuse.
    tmp = folder / f".{dataset}.{data['name']}.json.tmp"
    tmp.write_text(json.dumps(data, indent=2, default=float))
    tmp.replace(folder / f"{dataset}.{data['name']}.json")


def load_entry(folder: Path, dataset: str, name: str, kind: type[E]) -> E | None:
    """The saved entry of competitor ``name``, as a ``kind``; its provenance in ``detail``."""
    path = folder / f"{dataset}.{name}.json"
    if not path.exists():
        return None
    data = json.loads(path.read_text())
    detail = {**data.get("detail", {}), "provenance": data.get("provenance")}
    scores = {f.name: data[f.name] for f in fields(kind) if f.name != "detail"}  # type: ignore[arg-type]
    return kind(**scores, detail=detail)


def restore_entries(results: Path, folder: Path, kind: type[E]) -> int:
    """Write back as entry files the entries a saved ``results.json`` holds (``datasets``:
    each competitor's scores, its ratios to the others, its detail and provenance), so that
    a published table can be rebuilt, or one competitor run again beside the others,
    without training the rest. The ratios are left out (the tables compute them), the
    seconds are as the file rounds them (to a tenth), and an entry already in ``folder``
    is kept. Returns how many were written."""
    data = json.loads(results.read_text())
    measured = [f.name for f in fields(kind) if f.name not in ("name", "detail")]  # type: ignore[arg-type]
    written = 0
    for dataset, competitors in data.get("datasets", {}).items():
        for name, flat in competitors.items():
            if (folder / f"{dataset}.{name}.json").exists() or any(s not in flat for s in measured):
                continue
            detail = {
                k: v
                for k, v in flat.items()
                if k not in measured and k != "provenance" and not k.startswith("vs_")
            }
            entry = {"name": name, **{s: flat[s] for s in measured}, "detail": detail}
            _write_entry(folder, dataset, {**entry, "provenance": flat.get("provenance")})
            written += 1
    return written


def gather(
    steps: Mapping[str, Callable[[], list[E]]],
    folder: Path,
    dataset: str,
    kind: type[E],
    *,
    members: Mapping[str, tuple[str, ...]] | None = None,
    skip: Collection[str] = (),
    reuse: bool = False,
    rerun: Collection[str] = (),
    tables_only: bool = False,
    said: set[str] | None = None,
) -> Iterator[E]:
    """Each step's entries on ``dataset``, as each step finishes: saved ones where
    ``reuse`` (or ``tables_only``) finds them all, else from running the step, which saves
    them. A step may leave several entries (``members`` names them); one member in
    ``rerun`` runs its whole step again. ``tables_only`` runs nothing and yields what is
    saved. A step that raises ``Skipped`` yields nothing, its line said once into ``said``.
    """
    for name, step in steps.items():
        names = (members or {}).get(name, (name,))
        if name in skip or not names:
            continue
        again = name in rerun or any(n in rerun for n in names)
        saved = [
            e
            for n in names
            if (reuse or tables_only) and not again
            if (e := load_entry(folder, dataset, n, kind)) is not None
        ]
        kept = saved
        if not tables_only and len(saved) < len(names):
            try:
                kept = step()
            except Skipped as why:
                if said is None or str(why) not in said:
                    print(why, flush=True)
                if said is not None:
                    said.add(str(why))
                continue
            for e in kept:
                e.detail["provenance"] = save_entry(folder, dataset, e)
        yield from kept


def ratio(a: float, b: float) -> float:
    return a / b if b and math.isfinite(a) and math.isfinite(b) else math.nan


def med(xs: list[float]) -> float | None:
    xs = [x for x in xs if x is not None and math.isfinite(x)]
    return statistics.median(xs) if xs else None


def fmt(x: Any, digits: int = 3) -> str:
    return (
        "n/a" if x is None or (isinstance(x, float) and not math.isfinite(x)) else f"{x:.{digits}g}"
    )


def count_goal(label: str, hits: int, n: int, share: tuple[int, int]) -> str:
    # the share as a fraction, so that 1 of 3 meets a third exactly
    met = "yes" if n and hits * share[1] >= share[0] * n else "no"
    return f"| {label} | {hits} of {n} | {met} |"


def shared_budget(share: str, folder: Path, dataset: str) -> str:
    """An advisor ``--budget`` of ``share`` (``COMPETITOR:FRACTION``): that fraction of the
    competitor's recorded wall seconds on ``dataset`` in ``folder``, in whole seconds
    rounded down, so the advisor never gets more than the goal allows it."""
    name, _, fraction = share.partition(":")
    entry = folder / f"{dataset}.{name}.json"
    if not entry.exists():
        raise SystemExit(f"--budget-share {share}: no {name} entry for {dataset} in {folder}")
    seconds = json.loads(entry.read_text())["seconds"] * float(fraction)
    return f"{max(1, math.floor(seconds))}s"


def add_budget_arguments(ap: argparse.ArgumentParser, share_example: str) -> None:
    """``--budget`` and ``--budget-share`` for a script that runs the advisor;
    ``share_example`` says what a share of its competitors means."""
    ap.add_argument("--budget", help="advisor --budget (default: the advisor's own default)")
    ap.add_argument(
        "--budget-share",
        metavar="COMPETITOR:FRACTION",
        help="advisor --budget set per dataset to FRACTION of that competitor's recorded wall "
        f"seconds in OUT/entries ({share_example}); instead of --budget",
    )


def advisor_budget(args: argparse.Namespace, folder: Path, dataset: str) -> str | None:
    """The advisor's ``--budget`` on ``dataset``: ``--budget-share``'s where given, else
    ``--budget`` (``None``: the advisor's own default)."""
    if args.budget_share is None:
        return args.budget
    return shared_budget(args.budget_share, folder, dataset)
