"""benchmarks/constructed_datasets.py: the seeded series the verdicts must survive, read
back through the advisor's own intake and probes: each file reads, and its primary
season, lookback and best validation baseline are what the series was built to show."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest
from support import REPO

from advisor.api import load
from advisor.core.options import make_settings
from advisor.diagnostics.probe import lookback_candidates, probe_lookback

SCRIPT = REPO / "benchmarks" / "constructed_datasets.py"


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, dict]]:
    spec = importlib.util.spec_from_file_location("constructed_datasets", SCRIPT)
    assert spec and spec.loader
    module: ModuleType = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path_factory.mktemp("constructed")
    module.write(out, 0)
    manifest = json.loads((out / "manifest.json").read_text())
    return out, {e["name"]: e for e in manifest}


_PROFILES: dict[tuple[Path, str], tuple] = {}


def profile_of(out: Path, entry: dict):
    """Each file's profile once per session: the probes fit statsforecast's models."""
    key = (out, entry["name"])
    if key not in _PROFILES:
        _PROFILES[key] = _profile(out, entry)
    return _PROFILES[key]


def _profile(out: Path, entry: dict):
    settings = make_settings(
        None,
        target=entry["target"],
        time_col=entry["time_column"],
        horizon=entry["suggested_horizon"],
    )
    data, profile = load(out / entry["file"], settings)
    return data, profile, settings


def test_the_manifest_names_every_file_as_the_public_one_does(written) -> None:
    out, entries = written
    assert set(entries) == {
        "harmonic_monthly",
        "random_walk",
        "decade_cycle",
        "halfhourly_two_seasons",
    }
    for e in entries.values():
        assert (out / e["file"]).exists() and e["task"] == "univariate_forecast"


@pytest.mark.parametrize(
    ("name", "season"),
    [("harmonic_monthly", 12), ("decade_cycle", 10), ("halfhourly_two_seasons", 336)],
)
def test_the_primary_season_is_the_true_one(written, name: str, season: int) -> None:
    out, entries = written
    _, profile, _ = profile_of(out, entries[name])
    assert profile.seasonal_period == season == entries[name]["seasonal_period"]


def test_a_stronger_harmonic_is_a_candidate_that_forecasts_worse(written) -> None:
    out, entries = written
    _, profile, _ = profile_of(out, entries["harmonic_monthly"])
    assert 6 in profile.seasonality.periods
    scores = {b.name: b.rmse for b in profile.baselines}
    assert scores["seasonal_naive"] < 0.7 * scores["seasonal_naive_6"]


def test_the_random_walk_reads_its_step_column_and_looks_back_a_few_steps(written) -> None:
    out, entries = written
    data, profile, settings = profile_of(out, entries["random_walk"])
    assert data.rows == entries["random_walk"]["n_rows"]
    assert profile.seasonal_period is None
    assert probe_lookback(profile, settings) <= 10
    scores = {b.name: b.rmse for b in profile.baselines}
    assert min(scores["naive"], scores["drift"]) <= 1.01 * profile.best_baseline.rmse


def test_the_half_hourly_weekly_window_is_compared_with_a_short_one(written) -> None:
    out, entries = written
    _, profile, settings = profile_of(out, entries["halfhourly_two_seasons"])
    assert lookback_candidates(profile, settings) == (96, 336)
