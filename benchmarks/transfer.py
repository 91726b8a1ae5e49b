"""What earlier knowledge is worth: the history of analyses and a pretrained model.

Three phases over the public forecasting datasets of a manifest folder, then tables:

- ``solo``: ``advisor analyze`` on every dataset with an empty history of its own (so
  nothing is borrowed), at ``--budget``; each run records itself there.
- ``history``: leave one dataset out: for each dataset, a history holding the solo
  records of every other dataset, and the analysis run again with it. Read from both
  runs' search logs: the time from the search's start until the best validation RMSE
  so far reaches the solo run's best (the same split, so the same score), and the best
  each reached.
- ``pretrained``: for each dataset, the solo ``model.keras`` of the most similar other
  dataset (profile distance, ``advisor.core.similarity``; same channels) fine-tuned
  against the dataset's own solo configuration trained from scratch, on the same
  walk-forward folds and seeds (``advisor.verification.pretrained``).

    python benchmarks/transfer.py --datasets ../shared/datasets --out bench-transfer \\
        --budget 4m --jobs 2 --phase solo history pretrained tables

Seconds are wall-clock on whatever machine runs it; ``--jobs`` runs that many analyses
side by side, so compare ratios measured in one run.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

PHASES = ("solo", "history", "pretrained", "tables")


def forecasting_entries(folder: Path) -> list[dict[str, Any]]:
    manifest = json.loads((folder / "manifest.json").read_text())
    entries = manifest["datasets"] if isinstance(manifest, dict) else manifest
    return [e for e in entries if "forecast" in str(e.get("task", "forecast"))]


def analyze(entry: dict[str, Any], folder: Path, out: Path, history: Path, budget: str) -> float:
    """One analysis as a user runs it; its wall seconds (the run folder keeps the rest)."""
    cmd = [sys.executable, "-m", "advisor", "analyze", str(folder / entry["file"])]
    cmd += ["--target", entry["target"], "--horizon", str(entry["suggested_horizon"])]
    if entry.get("time_column"):
        cmd += ["--time-col", entry["time_column"]]
    cmd += ["--budget", budget, "--history", str(history), "--out", str(out), "--fresh"]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:]
        raise RuntimeError(f"advisor failed on {entry['name']}: {tail}")
    return time.perf_counter() - start


def search_curve(run: Path) -> list[tuple[float, float]]:
    """(seconds since the search's first trial started, best validation RMSE so far)
    after each finished trial, from the search's own log."""
    logs = sorted(run.glob("state/search-*/trials.log"))
    if not logs:
        return []
    events = []
    for line in logs[-1].read_text().splitlines():
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    starts = [e["time"] for e in events if e.get("event") == "start"]
    if not starts:
        return []
    t0, best, curve = min(starts), math.inf, []
    for e in sorted((e for e in events if e.get("event") == "end"), key=lambda e: e["time"]):
        score = e.get("score")
        if isinstance(score, int | float) and math.isfinite(score):
            best = min(best, float(score))
        curve.append((e["time"] - t0, best))
    return curve


def time_to(curve: list[tuple[float, float]], target: float) -> float | None:
    return next((t for t, best in curve if best <= target * (1 + 1e-9)), None)


def run_solo(
    entries: list[dict[str, Any]], folder: Path, out: Path, budget: str, jobs: int
) -> None:
    def one(e: dict[str, Any]) -> tuple[str, float]:
        name = e["name"]
        return name, analyze(
            e, folder, out / "solo" / name, out / "solo" / f"{name}.sqlite3", budget
        )

    (out / "solo").mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(jobs) as pool:
        for name, seconds in pool.map(one, entries):
            _save(out / "solo" / f"{name}.json", {"seconds": seconds})
            print(f"solo {name}: {seconds:.0f} s", flush=True)


def run_history(
    entries: list[dict[str, Any]], folder: Path, out: Path, budget: str, jobs: int
) -> None:
    from advisor.store.history import History

    records = {}
    for e in entries:
        db = out / "solo" / f"{e['name']}.sqlite3"
        if db.is_file():
            with History(db) as h:
                records[e["name"]] = h.all("forecast")
    (out / "history").mkdir(parents=True, exist_ok=True)

    def one(e: dict[str, Any]) -> tuple[str, float]:
        name = e["name"]
        db = out / "history" / f"{name}.sqlite3"
        db.unlink(missing_ok=True)
        with History(db) as h:
            for other, recs in records.items():
                if other != name:
                    for r in recs:
                        h.add(r)
        return name, analyze(e, folder, out / "history" / name, db, budget)

    with ThreadPoolExecutor(jobs) as pool:
        for name, seconds in pool.map(one, entries):
            _save(out / "history" / f"{name}.json", {"seconds": seconds})
            print(f"history {name}: {seconds:.0f} s", flush=True)


def run_pretrained(entries: list[dict[str, Any]], out: Path, seed: int = 0) -> None:
    from advisor.core.similarity import distance
    from advisor.diagnostics.trainer import KerasTrainer
    from advisor.store.document import config_from_dict
    from advisor.verification.objective import FORECAST_OBJECTIVES
    from advisor.verification.pretrained import compare_pretrained, load_pretrained

    docs = {}
    for e in entries:
        path = out / "solo" / e["name"] / "recommendation.json"
        if path.is_file():
            docs[e["name"]] = json.loads(path.read_text())
    for e in entries:
        name = e["name"]
        doc = docs.get(name)
        if doc is None or not doc.get("final"):
            continue
        features = (doc.get("history") or {}).get("features") or {}
        channels = 1 + len(doc["data"].get("features") or [])
        others = sorted(
            (
                distance(features, (d.get("history") or {}).get("features") or {}),
                other,
            )
            for other, d in docs.items()
            if other != name
            and d.get("final")
            and 1 + len(d["data"].get("features") or []) == channels
        )
        if not others:
            continue
        dist, source = others[0]
        from advisor.api import load

        series, profile = load(str(Path(doc["data"]["path"])), _settings(doc))
        values = series.frame.to_numpy(dtype=float)
        pre = load_pretrained(out / "solo" / source / "model.keras", channels, profile.horizon)
        chosen = config_from_dict(doc["final"]["config"])
        start = time.perf_counter()
        c = compare_pretrained(
            pre,
            chosen,
            "suggestion",
            math.nan,
            None,
            lambda split, v=values, h=profile.horizon: KerasTrainer(v, split, h),
            profile.split,
            len(values),
            profile.horizon,
            FORECAST_OBJECTIVES["val_rmse"],
            seed,
            math.inf,
        )
        _save(
            out / "pretrained" / f"{name}.json",
            {
                "source": source,
                "distance": dist,
                "head_replaced": c.head_replaced,
                "scratch": c.scratch.mean if c.scratch else None,
                "fine_tuned": c.fine_tuned.mean if c.fine_tuned else None,
                "pairs": c.fine_tuned.n if c.fine_tuned else 0,
                "improvement": c.improvement,
                "stderr": c.improvement_stderr,
                "winner": c.winner,
                "scratch_seconds": c.scratch_seconds,
                "fine_tune_seconds": c.fine_tune_seconds,
                "seconds": time.perf_counter() - start,
            },
        )
        print(f"pretrained {name} <- {source}: {c.winner} ({c.improvement})", flush=True)


def _settings(doc: dict[str, Any]) -> Any:
    from advisor.core.records import Settings

    data = doc["data"]
    return Settings(
        target=data.get("target"),
        time_col=data.get("time_column"),
        horizon=data.get("horizon"),
    )


def _save(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=1, default=float) + "\n")


def _fmt(x: Any, digits: int = 4) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    return f"{x:.{digits}g}" if isinstance(x, float) else str(x)


def tables(entries: list[dict[str, Any]], out: Path) -> str:
    lines = [
        "| dataset | solo best val RMSE | with history | borrowed trials | their best rank | "
        "solo search s to its best | with history s to that score | solo wall s | "
        "with history wall s |",
        "| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    ratios = []
    for e in entries:
        name = e["name"]
        solo, hist = out / "solo" / name, out / "history" / name
        if (
            not (solo / "recommendation.json").is_file()
            or not (hist / "recommendation.json").is_file()
        ):
            continue
        a, b = search_curve(solo), search_curve(hist)
        if not a or not b:
            continue
        target = a[-1][1]
        t_solo, t_hist = time_to(a, target), time_to(b, target)
        doc = json.loads((hist / "recommendation.json").read_text())
        trials = (doc.get("verification") or {}).get("trials") or []
        scores = sorted(t["val_rmse"] for t in trials if t.get("val_rmse") is not None)
        borrowed = [t for t in trials if t.get("history_id") is not None]
        ranks = ", ".join(
            str(scores.index(t["val_rmse"]) + 1) + f"/{len(scores)}"
            for t in borrowed
            if t.get("val_rmse") is not None
        )
        walls = [
            json.loads((out / p / f"{name}.json").read_text())["seconds"]
            for p in ("solo", "history")
        ]
        if t_solo and t_hist:
            ratios.append(t_hist / t_solo)
        lines.append(
            f"| {name} | {_fmt(target)} | {_fmt(b[-1][1])} | {len(borrowed)} | {ranks or 'n/a'} | "
            f"{_fmt(t_solo, 3)} | {_fmt(t_hist, 3) if t_hist is not None else 'not reached'} | "
            f"{walls[0]:.0f} | {walls[1]:.0f} |"
        )
    if ratios:
        lines += [
            "",
            f"Median time to the solo best with history / without: {np.median(ratios):.3g} "
            f"({len(ratios)} datasets where both reached it).",
        ]
    lines += [
        "",
        "| dataset | pretrained on | distance | fine-tuned val RMSE | from scratch | gain | "
        "± | winner | s a fine-tuning | s from scratch |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |",
    ]
    for e in entries:
        path = out / "pretrained" / f"{e['name']}.json"
        if not path.is_file():
            continue
        r = json.loads(path.read_text())
        lines.append(
            f"| {e['name']} | {r['source']} | {_fmt(r['distance'], 2)} | {_fmt(r['fine_tuned'])} | "
            f"{_fmt(r['scratch'])} | {_fmt(r['improvement'], 2)} | {_fmt(r['stderr'], 2)} | "
            f"{r['winner']} | {_fmt(r['fine_tune_seconds'], 2)} | {_fmt(r['scratch_seconds'], 2)} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", type=Path, required=True, help="a folder with manifest.json")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--budget", default="4m", help="each analysis' --budget (default 4m)")
    parser.add_argument("--jobs", type=int, default=1, help="analyses side by side")
    parser.add_argument("--only", nargs="*", default=None, help="dataset names")
    parser.add_argument("--phase", nargs="+", choices=PHASES, default=list(PHASES))
    args = parser.parse_args(argv)
    entries = forecasting_entries(args.datasets)
    if args.only:
        entries = [e for e in entries if e["name"] in set(args.only)]
    args.out.mkdir(parents=True, exist_ok=True)
    if "solo" in args.phase:
        run_solo(entries, args.datasets, args.out, args.budget, args.jobs)
    if "history" in args.phase:
        run_history(entries, args.datasets, args.out, args.budget, args.jobs)
    if "pretrained" in args.phase:
        run_pretrained(entries, args.out)
    if "tables" in args.phase:
        text = tables(entries, args.out)
        (args.out / "transfer.md").write_text(text)
        print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
