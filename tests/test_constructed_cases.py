"""End to end on series whose truth is known by construction: ``analyze`` must report it.

- A long, clean, nonlinear series (Mackey-Glass, delay 17, sampled every 3 time units)
  that narrow LSTMs cannot follow: ``underfitting`` of the small widths, and the widest
  width still gaining (``capacity_limited``).
- A short, noisy seasonal series with a long input window: wide LSTMs memorise the noise
  within the probes' epochs, so ``overfitting``.
- Fifteen years of a monthly series whose fixed seasonal pattern lies under noise and a
  wandering level: the seasonal difference copies last season's noise into every
  forecast, so the comparison of the target's forms takes the season's average pattern
  out instead, and the final LSTM beats the seasonal naive forecast on test.
- Twenty years of a monthly series growing 1.2% a month whose season swings by 30% of
  its level: no additive pattern or fixed difference follows it, so the comparison of the
  target's forms takes the log, and the final LSTM beats the seasonal naive forecast.

Real trainings of a minute or two each: ``pytest -m slow``.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from advisor import Settings, analyze

pytestmark = pytest.mark.slow


def mackey_glass(rows: int, seed: int = 0, tau: int = 17, sample: int = 3) -> np.ndarray:
    """Euler steps of 0.1 of dx/dt = 0.2 x(t-tau) / (1 + x(t-tau)^10) - 0.1 x(t), from
    a seeded random history; the first 500 time units are discarded as transient."""
    dt = 0.1
    lag, per = round(tau / dt), round(sample / dt)
    burn = round(500 / dt)
    x = np.empty(lag + 1 + burn + rows * per)
    x[: lag + 1] = 1.2 + 0.1 * np.random.default_rng(seed).standard_normal(lag + 1)
    for i in range(lag, len(x) - 1):
        delayed = x[i - lag]
        x[i + 1] = x[i] + dt * (0.2 * delayed / (1 + delayed**10) - 0.1 * x[i])
    return x[lag + 1 + burn :: per][:rows]


def noisy_season(rows: int, seed: int = 0) -> np.ndarray:
    """A weak 12-step season under noise twice as strong."""
    rng = np.random.default_rng(seed)
    t = np.arange(rows)
    return 10 + np.sin(2 * np.pi * t / 12) + rng.normal(size=rows)


def fixed_season_under_noise(rows: int, seed: int = 0) -> np.ndarray:
    """A 12-step pattern drawn once (spread 4) under noise of spread 2 and a level that
    wanders slowly (steps of spread 0.3): a year-on-year change carries twice the noise."""
    rng = np.random.default_rng(seed)
    pattern = rng.normal(0, 4, 12)
    level = 100 + np.cumsum(rng.normal(0, 0.3, rows))
    return level + pattern[np.arange(rows) % 12] + rng.normal(0, 2, rows)


def findings(tmp_path, values, settings):
    path = tmp_path / "series.csv"
    pd.DataFrame({"y": values}).to_csv(path, index=False)
    analyze(path, settings=settings, out=tmp_path / "run")
    doc = json.loads((tmp_path / "run" / "recommendation.json").read_text())
    return doc["diagnosis"], {f["id"]: f for f in doc["diagnosis"]["findings"]}


def test_mackey_glass_small_widths_underfit(tmp_path):
    diagnosis, found = findings(
        tmp_path, mackey_glass(2500), Settings(horizon=4, budget_s=120, seed=0, max_trials=2)
    )
    assert "underfitting" in found, diagnosis["findings"]
    assert "width-8" in found["underfitting"]["runs"]
    assert "overfitting" not in found
    scores = {r["units"]: r["val_rmse"] for r in diagnosis["runs"] if r["train_fraction"] == 1}
    assert scores[8] > scores[max(scores)]  # wider is better on this series


def test_short_noisy_series_wide_models_overfit(tmp_path):
    # Overfitting shows only once the curves run past their best epoch: the budget must
    # leave the diagnostics their full 60-epoch plan after the differencing comparison
    # (at 30 epochs the widest run is still at its best on this series).
    diagnosis, found = findings(
        tmp_path,
        noisy_season(300),
        Settings(horizon=1, lookback=24, budget_s=360, seed=0, max_trials=2),
    )
    assert "epochs capped" not in " ".join(diagnosis["cut"]), diagnosis["cut"]
    assert "overfitting" in found, diagnosis["findings"]
    widest = max(r["units"] for r in diagnosis["runs"])
    assert f"width-{widest}" in found["overfitting"]["runs"]
    assert "underfitting" not in found


def analyze_monthly(values: np.ndarray, tmp_path) -> dict:
    """``values`` as a monthly CSV, analysed with a 12-month horizon: its document."""
    dates = pd.date_range("2000-01-01", periods=len(values), freq="MS")
    path = tmp_path / "series.csv"
    pd.DataFrame({"month": dates, "y": values}).to_csv(path, index=False)
    analyze(path, settings=Settings(horizon=12, seed=0, max_trials=2), out=tmp_path / "run")
    return json.loads((tmp_path / "run" / "recommendation.json").read_text())


def test_a_fixed_season_under_noise_is_taken_out_not_differenced(tmp_path):
    doc = analyze_monthly(fixed_season_under_noise(180), tmp_path)
    forms = doc["diagnosis"]["differencing"]
    scores = {r["name"]: r["val_rmse"] for r in forms["runs"]}
    assert forms["deseasonalize"] == 12, scores
    assert doc["final"]["config"]["deseasonalize"] == 12
    assert min(scores["deseasonalized-0"], scores["deseasonalized-1"]) < scores["differencing-12"]
    test = doc["final"]["baseline_test_metrics"]
    assert doc["final"]["test_metrics"]["rmse"] < test["seasonal_naive"]["rmse"]


def multiplicative_season(rows: int, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(rows)
    level = 50 * np.exp(0.012 * t)
    return level * (1 + 0.3 * np.sin(2 * np.pi * t / 12)) * np.exp(rng.normal(0, 0.03, rows))


def test_a_season_that_grows_with_the_level_is_learned_in_the_log(tmp_path):
    doc = analyze_monthly(multiplicative_season(240), tmp_path)
    assert doc["profile"]["positive"] and doc["profile"]["boxcox_lambda"] < 0.5
    forms = doc["diagnosis"]["differencing"]
    scores = {r["name"]: r["val_rmse"] for r in forms["runs"]}
    assert forms["log_target"] is True, scores
    assert doc["final"]["config"]["log_target"] is True
    best_log = min(v for k, v in scores.items() if k.startswith("log-"))
    assert best_log < 0.95 * min(v for k, v in scores.items() if not k.startswith("log-"))
    test = doc["final"]["baseline_test_metrics"]
    assert doc["final"]["test_metrics"]["rmse"] < test["seasonal_naive"]["rmse"]
