"""benchmarks/advice_quality.py: the protocol's baselines, the statistical competitor's
causality, the summary's medians and counts, and tables rebuilt from saved entries.

Neural competitors are not trained here (the script's real runs take hours); their
entries are written by hand, as a finished run would have left them.
"""

from __future__ import annotations

import importlib.util
import json
import math
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest
from support import REPO

SCRIPT = REPO / "benchmarks" / "advice_quality.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("advice_quality", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["advice_quality"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def seasonal_series(n: int, period: int, seed: int = 0, noise: float = 0.3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return 10 + 0.02 * t + 2 * np.sin(2 * np.pi * t / period) + noise * rng.standard_normal(n)


def write_datasets(folder: Path, y: np.ndarray, period: int, horizon: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    times = pd.date_range("2000-01-01", periods=len(y), freq="MS")
    pd.DataFrame({"month": times.strftime("%Y-%m-%d"), "value": y}).to_csv(
        folder / "toy.csv", index=False
    )
    manifest = [
        {
            "name": "toy",
            "file": "toy.csv",
            "task": "univariate_forecast",
            "target": "value",
            "time_column": "month",
            "feature_columns": [],
            "seasonal_period": period,
            "suggested_horizon": horizon,
        },
        {"name": "shapes", "file": "shapes.csv", "task": "classification", "target": "label"},
    ]
    (folder / "manifest.json").write_text(json.dumps(manifest))


def problem(bench: ModuleType, y: np.ndarray, period: int, horizon: int) -> object:
    return bench.Problem(
        name="toy",
        path=Path("toy.csv"),
        target="value",
        time_column=None,
        features=[],
        horizon=horizon,
        period=period,
        values=y[:, None],
        split=bench.chronological_split(len(y), horizon),
    )


def test_seasonal_naive_is_exact_on_a_purely_periodic_series(bench: ModuleType) -> None:
    y = np.tile(np.arange(12, dtype=float), 20)
    p = problem(bench, y, 12, 6)
    by = {e.name: e for e in bench.simple_baselines(p)}
    assert by["seasonal_naive"].rmse == 0.0
    assert by["naive"].rmse > 1.0


def test_statistical_forecast_from_an_origin_ignores_everything_from_it_on(
    bench: ModuleType,
) -> None:
    y = seasonal_series(240, 12)
    p = problem(bench, y, 12, 6)
    origins = p.test_origins()
    cut = int(origins[len(origins) // 2])
    changed = y.copy()
    changed[cut:] += 50.0  # a level shift from the middle origin on
    pred, label = bench.statistical_forecasts(p)
    pred_changed, _ = bench.statistical_forecasts(problem(bench, changed, 12, 6))
    before = origins <= cut
    assert label == "ETS(A,Ad,A)"
    np.testing.assert_allclose(pred_changed[before], pred[before])
    assert not np.allclose(pred_changed[~before], pred[~before])


def test_statistical_beats_seasonal_naive_on_a_noisy_trending_season(bench: ModuleType) -> None:
    y = seasonal_series(240, 12, noise=0.5)
    p = problem(bench, y, 12, 6)
    stat = bench.statistical(p)
    naive = {e.name: e for e in bench.simple_baselines(p)}["seasonal_naive"]
    assert stat.rmse < naive.rmse


def entry(bench: ModuleType, name: str, rmse: float, seconds: float = 1.0, **detail) -> object:
    return bench.Entry(name, rmse, rmse, 1.0, seconds, dict(detail))


def test_summary_medians_and_counts_use_only_datasets_where_both_ran(bench: ModuleType) -> None:
    results = {
        "a": [
            entry(bench, "seasonal_naive", 10.0),
            entry(bench, "statistical", 5.0),
            entry(bench, "novice_lstm", 8.0),
            entry(bench, "wide_search", 10.0, seconds=1000.0),
            entry(bench, "advisor", 5.0, seconds=100.0, baseline_warning=None),
        ],
        "b": [
            entry(bench, "seasonal_naive", 10.0),
            entry(bench, "statistical", 4.0),
            entry(bench, "novice_lstm", 4.0),
            entry(bench, "wide_search", 5.0, seconds=200.0),
            entry(bench, "advisor", 5.2, seconds=100.0, baseline_warning="no gain"),
        ],
        # no wide search or novice here: counted against the statistical model only
        "c": [
            entry(bench, "naive", 10.0),
            entry(bench, "statistical", 3.0),
            entry(bench, "advisor", 6.0, seconds=100.0, baseline_warning=None),
        ],
    }
    s = bench.summarise(results)["summary"]
    assert s["median_advisor_to_wide_rmse"] == pytest.approx((0.5 + 1.04) / 2)
    assert s["advisor_within_5pct_of_wide"] == 2
    assert s["compared_with_wide"] == 2
    assert s["median_advisor_to_wide_wall"] == pytest.approx((0.1 + 0.5) / 2)
    assert s["median_advisor_to_statistical"] == pytest.approx(1.3)
    assert s["advisor_at_or_below_statistical"] == 1
    assert s["compared_with_statistical"] == 3
    assert s["advisor_beats_novice"] == 1
    assert s["compared_with_novice"] == 2
    assert s["advisor_says_no_gain_over_baseline"] == "b"
    per = bench.summarise(results)["datasets"]
    # without a seasonal period the naive forecast is the seasonal reference
    assert per["c"]["advisor"]["vs_seasonal_naive"] == pytest.approx(0.6)
    assert per["c"]["advisor"]["vs_wide_search"] is None


def test_goals_table_says_which_goal_is_missed(bench: ModuleType) -> None:
    results = {
        "a": [
            entry(bench, "seasonal_naive", 10.0),
            entry(bench, "statistical", 5.0),
            entry(bench, "novice_lstm", 4.0),
            entry(bench, "wide_search", 4.0, seconds=100.0),
            entry(bench, "advisor", 6.0, seconds=90.0, baseline_warning=None),
        ]
    }
    table = bench.markdown(bench.summarise(results))
    goals = {
        row.split("|")[1].strip(): row.split("|")[3].strip()
        for row in table.splitlines()
        if row.startswith("| advisor") and row.count("|") == 4
    }
    assert goals["advisor RMSE / wide search, median <= 1.00"] == "no"
    assert goals["advisor wall time / wide search, median <= 0.33"] == "no"
    assert goals["advisor RMSE / statistical, median <= 1.10"] == "no"
    assert goals["advisor at or below statistical on >= 1/3 of datasets"] == "no"
    assert goals["advisor better than the novice LSTM on >= 80%"] == "no"


def test_run_saves_entries_and_tables_rebuild_from_them_without_training(
    bench: ModuleType, tmp_path: Path
) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    write_datasets(data, seasonal_series(240, 12), 12, 6)
    argv = ["--datasets", str(data), "--out", str(out)]

    # the statistical competitor alone: the neural ones are skipped
    assert bench.main([*argv, "--skip", "novice_lstm", "wide_search", "advisor"]) == 0
    saved = json.loads((out / "entries" / "toy.statistical.json").read_text())
    assert saved["provenance"]["commit"]
    assert math.isfinite(saved["rmse"])

    # a finished neural run, as the script would have saved it
    bench.save_entry(out / "entries", "toy", entry(bench, "advisor", saved["rmse"] * 0.9))
    assert bench.main([*argv, "--tables-only"]) == 0
    report = json.loads((out / "results.json").read_text())
    assert list(report["datasets"]) == ["toy"]  # classification files are not forecast
    toy = report["datasets"]["toy"]
    assert set(toy) == {"naive", "seasonal_naive", "statistical", "advisor"}
    assert toy["advisor"]["vs_statistical"] == pytest.approx(0.9)
    assert toy["advisor"]["provenance"]["commit"]
    assert "| toy | advisor |" in (out / "results.md").read_text()
