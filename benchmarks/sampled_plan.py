"""Does drawing each epoch from the training windows change the advice?

A long series trains in epochs of at most ``EPOCH_WINDOWS`` windows (32,768), a fresh
random draw each epoch, and early stopping reads at most ``MAX_VAL_WINDOWS`` (4,096)
validation windows (``advisor.core.sizing``). The draw is scale-free: what matters is
the share of the windows an epoch sees. So the check runs where both plans fit on a
small machine: a seeded hourly series whose training windows are several times a cap
lowered for the run (``--cap``, default 512 windows an epoch, validation on a quarter
of that), analysed once with every window each epoch (the full plan) and once drawn,
same data, settings and seed. Reported: each run's recommended and final settings, its
chosen configuration's validation RMSE, its final model's test RMSE, the verdict and the
wall seconds, and the ratio of the two test RMSEs: within the seed-to-seed noise of one
configuration (a few percent) the sampled plan gives the same advice.

Usage::

    python benchmarks/sampled_plan.py [--rows 3000] [--cap 512] [--budget auto]
        [--seed 0] [--out sampled-plan]

Not a test: each analysis trains for minutes.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

# Every module that reads the caps by name, so a run can lower them all at once.
CAP_READERS = (
    "advisor.core.sizing",
    "advisor.final.training",
    "advisor.final.cost",
    "advisor.diagnostics.model",
    "advisor.diagnostics.levels",
    "advisor.diagnostics.sweep",
)


def hourly_series(rows: int, seed: int, weekly: float = 0.0) -> pd.DataFrame:
    """A daily cycle, an AR(1) wobble and noise, hour by hour; ``weekly`` the amplitude of
    a weekly cycle beside it (none by default: a 168-step window makes each analysis
    several times longer)."""
    rng = np.random.default_rng(seed)
    t = np.arange(rows)
    wobble = np.zeros(rows)
    shocks = rng.normal(scale=0.6, size=rows)
    for i in range(1, rows):
        wobble[i] = 0.8 * wobble[i - 1] + shocks[i]
    y = (
        20
        + 5 * np.sin(2 * np.pi * t / 24)
        + weekly * np.sin(2 * np.pi * t / 168)
        + wobble
        + rng.normal(scale=0.5, size=rows)
    )
    when = pd.date_range("2020-01-01", periods=rows, freq="h")
    return pd.DataFrame({"time": when.strftime("%Y-%m-%d %H:%M"), "load": y.round(3)})


def set_caps(epoch_windows: int, val_windows: int) -> None:
    import importlib

    for name in CAP_READERS:
        module = importlib.import_module(name)
        if hasattr(module, "EPOCH_WINDOWS"):
            module.EPOCH_WINDOWS = epoch_windows  # type: ignore[attr-defined]
        if hasattr(module, "MAX_VAL_WINDOWS"):
            module.MAX_VAL_WINDOWS = val_windows  # type: ignore[attr-defined]


def one_run(csv: Path, out: Path, budget: str, seed: int) -> dict[str, Any]:
    from advisor.api import analyze

    start = time.monotonic()
    result: Any = analyze(
        str(csv),
        target="load",
        time_col="time",
        horizon=24,
        budget=budget,
        seed=seed,
        out=out,
        fresh=True,
    )
    seconds = time.monotonic() - start
    ver, final = result.verification, result.final
    return {
        "seconds": round(seconds, 1),
        "planned": result.diagnosis.planned,
        "recommended": asdict(result.recommendation.config),
        "final": asdict(final.config) if final else None,
        "verdict": ver.verdict if ver else None,
        "chosen_val_rmse": ver.held_val_rmse if ver else None,
        "test_rmse": final.test_metrics["rmse"] if final else None,
        "best_baseline": result.profile.best_baseline.name,
    }


def differing(a: dict[str, Any] | None, b: dict[str, Any] | None) -> list[str]:
    if a is None or b is None:
        return ["(no configuration)"]
    return [f"{k}: {a[k]} / {b[k]}" for k in a if a[k] != b.get(k)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--cap", type=int, default=512, help="windows an epoch, drawn")
    parser.add_argument("--budget", default="auto")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("sampled-plan"))
    args = parser.parse_args()

    args.out.mkdir(parents=True, exist_ok=True)
    csv = args.out / "hourly.csv"
    hourly_series(args.rows, args.seed).to_csv(csv, index=False)

    from advisor.core import sizing

    full_caps = (sizing.EPOCH_WINDOWS, sizing.MAX_VAL_WINDOWS)
    runs = {}
    for name, caps in (("full", full_caps), ("sampled", (args.cap, max(64, args.cap // 4)))):
        set_caps(*caps)
        runs[name] = one_run(csv, args.out / name, args.budget, args.seed)
        runs[name]["caps"] = caps
    set_caps(*full_caps)

    full, sampled = runs["full"], runs["sampled"]
    ratio = (
        sampled["test_rmse"] / full["test_rmse"]
        if full["test_rmse"] and sampled["test_rmse"]
        else None
    )
    summary = {
        "rows": args.rows,
        "runs": runs,
        "recommended_differs": differing(full["recommended"], sampled["recommended"]),
        "final_differs": differing(full["final"], sampled["final"]),
        "test_rmse_sampled_over_full": ratio,
        "seconds_sampled_over_full": sampled["seconds"] / full["seconds"],
    }
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2, default=str) + "\n")
    for name, run in runs.items():
        print(
            f"{name:8s} caps {run['caps']}: {run['seconds']:.0f} s, verdict {run['verdict']}, "
            f"validation RMSE {run['chosen_val_rmse']:.4g}, test RMSE {run['test_rmse']:.4g}"
        )
        print(f"         plan: {run['planned']}")
    print("recommended settings that differ (full / sampled):", summary["recommended_differs"])
    print("final settings that differ (full / sampled):", summary["final_differs"])
    if ratio is not None:
        print(f"test RMSE sampled / full: {ratio:.3f}")
    print(f"wall seconds sampled / full: {summary['seconds_sampled_over_full']:.2f}")


if __name__ == "__main__":
    main()
