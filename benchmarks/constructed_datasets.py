"""Seeded series that show the failures the verdicts must survive, as a datasets folder.

Writes four CSV files and a ``manifest.json`` in the layout of the public datasets'
manifest, so ``advice_quality.py --datasets DIR`` runs on them as on real data:

- ``harmonic_monthly``: 20 years of monthly values whose season is 12 months but whose
  6-month harmonic is stronger than the 12-month wave (a spectrum's highest peak is at
  6; seasonal naive at 6 is much worse than at 12);
- ``random_walk``: 1,500 steps of a random walk with a slight drift and an integer step
  column ``t`` (no memory beyond the last value: the naive forecast is the best there is);
- ``decade_cycle``: 120 annual rows (``year``) with a ~10-year cycle, a slow trend and
  noise (a cycle that is not a calendar period);
- ``halfhourly_two_seasons``: 4,032 half-hourly rows (12 weeks) of demand with a daily
  profile, a weekend dip and noise: two seasons, the weekly one (336) forecasting best.

Usage::

    python benchmarks/constructed_datasets.py --out constructed [--seed 0]
    python benchmarks/advice_quality.py --datasets constructed --out bench-constructed
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


def harmonic_monthly(rng: np.random.Generator) -> tuple[pd.DataFrame, dict[str, Any]]:
    n = 240
    t = np.arange(n)
    y = (
        200
        + 0.3 * t
        + 6 * np.sin(2 * np.pi * t / 12)
        + 14 * np.sin(2 * np.pi * t / 6 + 0.8)
        + rng.normal(scale=2.0, size=n)
    )
    frame = pd.DataFrame(
        {"month": pd.date_range("2000-01-01", periods=n, freq="MS"), "kwh": y.round(3)}
    )
    meta = {"time_column": "month", "frequency": "MS", "seasonal_period": 12, "horizon": 12}
    return frame, {"target": "kwh", **meta}


def random_walk(rng: np.random.Generator) -> tuple[pd.DataFrame, dict[str, Any]]:
    n = 1500
    y = 1000 + np.cumsum(rng.normal(loc=0.05, scale=1.0, size=n))
    frame = pd.DataFrame({"t": np.arange(n), "index_level": y.round(3)})
    meta = {"time_column": "t", "frequency": None, "seasonal_period": None, "horizon": 5}
    return frame, {"target": "index_level", **meta}


def decade_cycle(rng: np.random.Generator) -> tuple[pd.DataFrame, dict[str, Any]]:
    n = 120
    t = np.arange(n)
    y = 5000 + 8 * t + 600 * np.sin(2 * np.pi * t / 10) + rng.normal(scale=120.0, size=n)
    frame = pd.DataFrame({"year": 1900 + t, "population": y.round(1)})
    meta = {"time_column": "year", "frequency": None, "seasonal_period": 10, "horizon": 5}
    return frame, {"target": "population", **meta}


def halfhourly_two_seasons(rng: np.random.Generator) -> tuple[pd.DataFrame, dict[str, Any]]:
    n = 4032
    t = np.arange(n)
    hour = (t % 48) / 2
    daily = 12 * np.exp(-(((hour - 9) / 2.5) ** 2)) + 16 * np.exp(-(((hour - 19) / 2.5) ** 2))
    weekend = (t // 48) % 7 >= 5
    y = 100 + np.where(weekend, 0.5, 1.0) * daily - 8 * weekend
    y = y + np.convolve(rng.normal(scale=1.5, size=n + 3), np.ones(4) / 2, mode="valid")
    frame = pd.DataFrame(
        {"time": pd.date_range("2021-01-04", periods=n, freq="30min"), "demand": y.round(3)}
    )
    meta = {"time_column": "time", "frequency": "30min", "seasonal_period": 336, "horizon": 48}
    return frame, {"target": "demand", **meta}


MAKERS = (harmonic_monthly, random_walk, decade_cycle, halfhourly_two_seasons)


def write(out: Path, seed: int) -> list[dict[str, Any]]:
    out.mkdir(parents=True, exist_ok=True)
    manifest = []
    for i, make in enumerate(MAKERS):
        frame, meta = make(np.random.default_rng([seed, i]))
        name = make.__name__
        frame.to_csv(out / f"{name}.csv", index=False)
        manifest.append(
            {
                "name": name,
                "file": f"{name}.csv",
                "task": "univariate_forecast",
                "target": meta["target"],
                "time_column": meta["time_column"],
                "feature_columns": [],
                "frequency": meta["frequency"],
                "seasonal_period": meta["seasonal_period"],
                "suggested_horizon": meta["horizon"],
                "n_rows": len(frame),
                "source": f"benchmarks/constructed_datasets.py, seed {seed}",
            }
        )
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("constructed"))
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    for entry in write(args.out, args.seed):
        print(f"{entry['name']}: {entry['n_rows']} rows -> {args.out / entry['file']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
