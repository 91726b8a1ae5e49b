"""Similar datasets by their profiles: seeded series the probes measure for real, and
hand-made histories for the neighbour search."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from advisor.core.history import PastAnalysis
from advisor.core.records import SeriesData, Settings
from advisor.core.similarity import SIMILAR_DISTANCE, distance, forecast_features, nearest
from advisor.probes.profile import build_profile


def monthly(seed: int, level: float, n: int = 180) -> np.ndarray:
    """A trending monthly series with a 12-month season and noise."""
    t = np.arange(n)
    noise = np.random.default_rng(seed).normal(0, 0.04 * level, n)
    return level * (1 + 0.004 * t) * (1 + 0.2 * np.sin(2 * np.pi * t / 12)) + noise


def features_of(y: np.ndarray, freq: str) -> dict[str, float]:
    frame = pd.DataFrame({"y": y}, index=pd.date_range("2000-01-01", periods=len(y), freq=freq))
    data = SeriesData("s.csv", "0" * 64, "y", "t", (), frame, freq)
    return forecast_features(build_profile(data, Settings()), covariates=0)


@pytest.fixture(scope="module")
def profiles() -> dict[str, dict[str, float]]:
    walk = np.cumsum(np.random.default_rng(3).normal(size=1500))
    return {
        "sales": features_of(monthly(0, 100.0), "MS"),
        "passengers": features_of(monthly(1, 400.0, 144), "MS"),
        "walk": features_of(walk, "D"),
    }


def test_every_feature_is_on_the_unit_interval(profiles):
    for features in profiles.values():
        assert features and all(0.0 <= v <= 1.0 for v in features.values()), features


def test_two_seasonal_monthly_series_are_neighbours_and_a_random_walk_is_not(profiles):
    near = distance(profiles["sales"], profiles["passengers"])
    far = distance(profiles["sales"], profiles["walk"])
    assert near <= SIMILAR_DISTANCE < far
    assert distance(profiles["sales"], profiles["sales"]) == 0.0
    assert distance(profiles["sales"], profiles["walk"]) == distance(
        profiles["walk"], profiles["sales"]
    )


def test_distance_reads_only_shared_features():
    assert distance({"rows": 0.5, "acf1": 0.9}, {"rows": 0.7}) == pytest.approx(0.2)
    assert distance({"rows": 0.5}, {"season": 0.5}) == 1.0
    assert distance({"rows": 0.5, "acf1": None}, {"rows": 0.7, "acf1": 0.9}) == pytest.approx(0.2)
    assert math.isclose(distance({"a": 0.0, "b": 0.0}, {"a": 1.0, "b": 1.0}), 1.0)


def past(i: int, features: dict[str, float], units: int = 16, **kw) -> PastAnalysis:
    fields = {
        "task": "forecast",
        "name": f"d{i}.csv",
        "sha256": f"{i:064d}",
        "features": features,
        "config": {"layers": [{"units": units}]},
        "objective": "val_rmse",
        "val_score": 1.0,
        "test_score": 1.0,
        "baseline": "naive",
        "baseline_test_score": 1.2,
        "seconds": 10.0,
        "advisor_version": "0",
        "run_dir": f"/runs/{i}",
        "id": i,
    }
    return PastAnalysis(**{**fields, **kw})


def test_nearest_ranks_filters_and_keeps_each_configuration_once():
    me = {"rows": 0.5, "acf1": 0.8}
    history = [
        past(1, {"rows": 0.55, "acf1": 0.8}),  # 0.035
        past(2, {"rows": 0.5, "acf1": 0.8}, units=32),  # identical profile
        past(3, {"rows": 0.52, "acf1": 0.8}, units=32),  # same settings as 2, farther
        past(4, {"rows": 0.9, "acf1": 0.1}),  # far
        past(5, {"rows": 0.5, "acf1": 0.8}, task="classify"),  # another task
        past(6, {"rows": 0.5, "acf1": 0.8}, units=8, run_dir="/runs/me"),  # this run, before
        past(7, {"rows": 0.51, "acf1": 0.8}, units=64),
    ]
    found = nearest(me, history, "forecast", exclude_run_dir="/runs/me")
    assert [n.past.id for n in found] == [2, 7, 1]
    assert found[0].similarity == 1.0 and found[1].distance == pytest.approx(0.01 / math.sqrt(2))
    # Ties go to the most recent: without the exclusion, this run's own earlier record.
    assert [n.past.id for n in nearest(me, history, "forecast", limit=1)] == [6]
    assert nearest(me, history, "forecast", within=0.0, exclude_run_dir="/runs/me")[0].past.id == 2
    assert nearest({"rows": 0.0, "acf1": 0.0}, history, "forecast") == ()
