"""What a time budget buys on this machine: the plan, its cuts, the verdict, the wall time.

Writes a seeded half-hourly series (a daily and a weekly season, noise; 4,032 rows by
default) and runs ``advisor analyze`` on it once per ``--budget`` given, each in a fresh
run directory, then prints one line per run: the wall seconds, the estimate the run
printed for its uncut plan, the epochs the diagnostics ran, whether the differencing
comparison ran, the trials the search finished, what the budget cut and the verdict.

Usage::

    python benchmarks/budget_plan.py [--budgets 2m auto] [--rows 4032] [--seed 0]
        [--horizon 1] [--out DIR]

Run it on two machines (e.g. ``KERAS_BACKEND=jax`` on a GPU and the CPU default) and
compare: under ``auto`` the plan must be the same everywhere and only the time differ;
under ``2m`` a faster machine should cut less. Not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def write_series(path: Path, rows: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    t = np.arange(rows)
    daily = 10 * np.sin(2 * np.pi * t / 48)
    weekend = 6.0 * ((t // 48) % 7 >= 5)
    y = 100 + daily + weekend + rng.normal(scale=1.0, size=rows)
    times = pd.date_range("2020-01-06", periods=rows, freq="30min")
    pd.DataFrame({"time": times, "demand": np.round(y, 3)}).to_csv(path, index=False)


def run_once(csv: Path, budget: str, horizon: int, seed: int, out: Path) -> dict[str, object]:
    command = [
        sys.executable,
        "-m",
        "advisor",
        "analyze",
        str(csv),
        "--budget",
        budget,
        "--horizon",
        str(horizon),
        "--seed",
        str(seed),
        "--out",
        str(out),
        "--fresh",
    ]
    start = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        return {"budget": budget, "error": (proc.stderr or proc.stdout)[-2000:], "wall_s": wall}
    doc = json.loads((out / "recommendation.json").read_text())
    diagnosis = doc["diagnosis"]
    verification = doc.get("verification") or {}
    epochs = sorted({len(r["val_loss"]) for r in diagnosis["runs"]})
    return {
        "budget": budget,
        "wall_s": round(wall, 1),
        "estimate_s": diagnosis.get("estimate_s"),
        "epochs_run": epochs,
        "planned": diagnosis["planned"],
        "compared_differencing": diagnosis.get("differencing") is not None,
        "trials": len(verification.get("trials") or ()),
        "budget_cut": [*diagnosis.get("budget_cut", ()), *verification.get("budget_cut", ())],
        "verdict": verification.get("verdict"),
        "outcome": verification.get("outcome"),
        "final_epochs": (doc.get("final") or {}).get("config", {}).get("epochs"),
        "test_rmse": ((doc.get("final") or {}).get("test_metrics") or {}).get("rmse"),
        "backend": doc["run"]["versions"].get("keras_backend"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--budgets", nargs="+", default=["2m", "auto"])
    parser.add_argument("--rows", type=int, default=4032)
    parser.add_argument("--horizon", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, help="where to keep the runs")
    args = parser.parse_args()
    root = args.out or Path(tempfile.mkdtemp(prefix="budget-plan-"))
    root.mkdir(parents=True, exist_ok=True)
    csv = root / "halfhourly.csv"
    write_series(csv, args.rows, args.seed)
    results = []
    for budget in args.budgets:
        result = run_once(csv, budget, args.horizon, args.seed, root / f"run-{budget}")
        results.append(result)
        print(json.dumps(result), flush=True)
    (root / "budget_plan.json").write_text(
        json.dumps({"machine": os.uname().nodename, "results": results}, indent=2) + "\n"
    )


if __name__ == "__main__":
    main()
