"""``advisor analyze`` on a million rows: does it finish inside its ``--budget``?

Writes a seeded minute series (a daily and an hourly cycle, a slow random walk, noise and
a temperature covariate that follows the daily cycle) to ``--out``, then runs
``advisor analyze --budget B`` on it as a subprocess and reports its wall seconds
against the budget, its peak resident memory (``os.wait4``: that one child's rusage),
what the plan sampled, what the budget cut, the window and differencing chosen, and the
final model's epochs and seeds, from the run's ``recommendation.json``.

Usage::

    python benchmarks/large_series.py [--rows 1000000] [--budget 15m] [--seed 0]
        [--out large-series]

Not a test: one run takes the whole budget.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd


def write_series(path: Path, rows: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    t = np.arange(rows)
    day = np.sin(2 * np.pi * t / 1440)
    temp = 12 + 6 * day + np.cumsum(rng.normal(0, 0.005, rows)) + rng.normal(0, 0.5, rows)
    y = (
        50
        + 3 * day
        + 1 * np.sin(2 * np.pi * t / 60)
        + 0.2 * (temp - 12)
        + np.cumsum(rng.normal(0, 0.01, rows))
        + rng.normal(0, 0.5, rows)
    )
    times = pd.date_range("2020-01-01", periods=rows, freq="min")
    frame = pd.DataFrame(
        {"time": times.strftime("%Y-%m-%d %H:%M"), "load": y.round(3), "temp": temp.round(2)}
    )
    frame.to_csv(path, index=False)


def seconds_of(budget: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600}
    return float(budget[:-1]) * units[budget[-1]] if budget[-1] in units else float(budget)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--budget", default="15m")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("large-series"))
    args = parser.parse_args()

    args.out.mkdir(parents=True, exist_ok=True)
    csv = args.out / "minutes.csv"
    if not csv.is_file():
        write_series(csv, args.rows, args.seed)
    run_dir = args.out / "run"
    command = [
        sys.executable, "-m", "advisor", "analyze", str(csv), "--target", "load",
        "--time-col", "time", "--horizon", "60", "--budget", args.budget,
        "--seed", str(args.seed), "--out", str(run_dir), "--fresh",
    ]  # fmt: skip
    start = time.monotonic()
    with open(args.out / "analyze.log", "w") as log:
        child = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)
    wall = time.monotonic() - start
    code = os.waitstatus_to_exitcode(status)
    doc = json.loads((run_dir / "recommendation.json").read_text()) if code == 0 else {}
    diagnosis, final = doc.get("diagnosis", {}), doc.get("final") or {}
    verification = doc.get("verification") or {}
    config = final.get("config") or {}
    budget = seconds_of(args.budget)
    report = {
        "rows": args.rows,
        "budget_s": budget,
        "wall_s": round(wall, 1),
        "inside_budget": wall <= budget,
        "exit_code": code,
        "peak_rss_mib": round(usage.ru_maxrss / 1024),
        "planned": diagnosis.get("planned"),
        "cut": [
            *diagnosis.get("budget_cut", []),
            *verification.get("budget_cut", []),
            *final.get("budget_cut", []),
        ],
        "verdict": verification.get("verdict"),
        "lookback": config.get("lookback"),
        "differencing": config.get("differencing"),
        "final_epochs": final.get("epochs_trained"),
        "final_seeds": final.get("seeds"),
        "final_seconds": final.get("seconds"),
        "test_rmse": (final.get("test_metrics") or {}).get("rmse"),
    }
    (args.out / "summary.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return 0 if code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
