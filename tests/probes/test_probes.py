"""The probes against synthetic series whose truth is known, and the packaged example.

Every series comes from a seeded ``numpy.random.default_rng``, so each assertion is about
a fixed input; the truths are the textbook ones (a sine of period 7 has season 7, a
random walk needs one difference, an AR(2) has order 2, a logistic map is nonlinear).
"""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from advisor.api import data_source, example_path, example_settings, load
from advisor.core import forecast_eval as fe
from advisor.core.records import LayerConfig, ModelConfig, SeriesData, Settings
from advisor.core.sizing import PARAMS_PER_WINDOW, lstm_params, model_params
from advisor.probes.baselines import ETS_NAME, baseline_forecasts, baselines
from advisor.probes.complexity import (
    ar_residuals,
    bds_test,
    permutation_entropy,
    spectral_entropy,
)
from advisor.probes.lags import fit_ar, lookback_range
from advisor.probes.profile import build_profile
from advisor.probes.quality import level_shifts, outliers
from advisor.probes.seasonality import calendar_cycles, detect_seasonality
from advisor.probes.size import size_budget
from advisor.probes.stationarity import differencing_order, joint_reading, unit_root
from advisor.store.document import profile_to_dict


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def series(
    y: np.ndarray, freq: str | None = None, features: dict[str, np.ndarray] | None = None
) -> SeriesData:
    frame = pd.DataFrame({"y": y, **(features or {})})
    if freq:
        frame.index = pd.date_range("2000-01-01", periods=len(y), freq=freq)
    return SeriesData(
        path="synthetic.csv",
        sha256="0" * 64,
        target="y",
        time_column="t" if freq else None,
        features=tuple(features or ()),
        frame=frame,
        frequency=freq,
    )


def series_and_profile(frame: pd.DataFrame, settings: Settings):
    """Through the intake, as a user's file would go: the time column's frequency is read."""
    source, settings = data_source(frame, None, settings)
    return load(source, settings)


def ar_process(coefs: list[float], n: int, seed: int = 0) -> np.ndarray:
    e = rng(seed).normal(size=n + 200)
    x = np.zeros_like(e)
    for t in range(len(coefs), len(e)):
        x[t] = sum(c * x[t - i - 1] for i, c in enumerate(coefs)) + e[t]
    return x[200:]


def seasons_of(y: np.ndarray, freq: str | None = None) -> tuple[int | None, tuple[int, ...]]:
    record, period, _, _ = detect_seasonality(y, freq, None)
    return period, record.periods


# --- seasonality ---------------------------------------------------------------------


def test_a_sine_of_period_7_has_season_7_without_any_calendar_hint():
    t = np.arange(700)
    y = 3 * np.sin(2 * np.pi * t / 7) + rng().normal(size=700)
    assert seasons_of(y) == (7, (7,))


def test_a_spiky_monthly_pattern_is_found_at_its_fundamental_not_its_harmonics():
    # One sharp December peak: its spectrum has strong harmonics at 6, 4, 3 ...
    t = np.arange(240)
    y = 10 * (t % 12 == 11) + 0.05 * t + rng(1).normal(size=240)
    period, periods = seasons_of(y, "MS")
    assert period == 12 and periods == (12,)


def test_daily_and_weekly_seasons_of_half_hourly_load_are_both_found():
    t = np.arange(48 * 7 * 12)
    day = np.sin(2 * np.pi * t / 48) + 0.5 * np.sin(4 * np.pi * t / 48)
    weekend = ((t // 48) % 7 >= 5).astype(float)
    y = 10 + 3 * day - 2.5 * weekend * (1 + day) + 0.3 * rng(2).normal(size=len(t))
    period, periods = seasons_of(y, "30min")
    assert period == 48 and periods == (48, 336)


def test_weekly_and_yearly_seasons_of_daily_data_are_both_found():
    t = np.arange(1280)  # three and a half years of training days
    y = (
        100
        + 10 * np.sin(2 * np.pi * t / 365.25)
        - 6 * (t % 7 >= 5)
        + 3 * rng(21).normal(size=len(t))
    )
    assert seasons_of(y, "D") == (7, (7, 365))


def test_the_time_columns_frequency_is_a_hint_not_the_answer():
    t = np.arange(900)
    y = 2 * np.sin(2 * np.pi * t / 10) + rng(22).normal(size=900)
    assert seasons_of(y, "D") == (10, (10,))


def test_a_daily_cycle_is_not_reported_again_at_its_multiples():
    t = np.arange(24 * 60)
    amplitude = 1 + 0.5 * np.sin(2 * np.pi * t / len(t))  # drifts over the weeks
    y = amplitude * np.sin(2 * np.pi * t / 24) + 0.3 * rng(3).normal(size=len(t))
    assert seasons_of(y, "h") == (24, (24,))


def test_white_noise_has_no_season_and_a_calendar_period_is_only_a_fallback():
    y = rng(4).normal(size=600)
    assert seasons_of(y) == (None, ())
    record, period, source, _ = detect_seasonality(y, "MS", None)
    assert (period, source, record.periods) == (12, "frequency", ())


def test_the_users_season_overrides_detection():
    t = np.arange(700)
    y = np.sin(2 * np.pi * t / 7) + 0.1 * rng().normal(size=700)
    _, period, source, _ = detect_seasonality(y, None, 5)
    assert (period, source) == (5, "user")


def test_calendar_cycles_follow_the_time_step():
    assert calendar_cycles("MS") == (12.0,)
    assert calendar_cycles("QS-JAN") == (4.0,)
    assert calendar_cycles("h") == (24.0, 168.0, 8766.0)
    assert calendar_cycles("W-SAT") == (52.18,)
    assert calendar_cycles("D") == (7.0, 365.25)
    assert calendar_cycles("YS") == () and calendar_cycles(None) == ()


# --- stationarity --------------------------------------------------------------------


def test_a_random_walk_is_difference_stationary_and_needs_one_difference():
    y = np.cumsum(rng(5).normal(size=800))
    prof = build_profile(series(y), Settings())
    assert prof.stationarity == "difference-stationary"
    assert prof.unit_root.differencing_order == 1


def test_white_noise_is_stationary_and_needs_no_difference():
    prof = build_profile(series(rng(6).normal(size=800)), Settings())
    assert prof.stationarity == "stationary"
    assert prof.unit_root.differencing_order == 0


def test_noise_around_a_line_is_trend_stationary_with_a_strong_trend():
    t = np.arange(600)
    # KPSS wrongly rejects a true null in about one draw in twenty: read several.
    readings = [unit_root(0.05 * t + rng(s).normal(size=600), 0.0, False)[2] for s in range(6)]
    assert readings.count("trend-stationary") >= 5
    prof = build_profile(series(0.05 * t + rng(8).normal(size=600)), Settings())
    assert prof.trend_strength > 0.9 and prof.seasonality.trend_strength > 0.9


def test_a_strong_season_is_not_taken_for_a_unit_root_once_a_season_back_is_subtracted():
    """Three cycles of a slow, strong season plus noise: ADF and KPSS on the levels see
    the level far from its mean for half a cycle at a time; the seasonal difference
    shows nothing wandering (R: nsdiffs, then ndiffs on the seasonally differenced data)."""
    from advisor.diagnostics.probe import probe_differencing

    t = np.arange(1100)
    y = 10 * np.sin(2 * np.pi * t / 365) + rng(9).normal(size=len(t))
    _, _, reading, root = unit_root(y, 0.9, True, 365)
    assert reading != "stationary"  # the premise: on the levels the tests are fooled
    assert root.seasonal_differencing_order == 1 and root.differencing_after_season == 0
    prof = build_profile(series(y), Settings(season=365))
    assert prof.unit_root.differencing_after_season == 0
    assert probe_differencing(prof) == 0  # too few seasons to difference one away: levels

    walk = y + np.cumsum(rng(10).normal(size=len(t)))
    assert unit_root(walk, 0.9, True, 365)[3].differencing_after_season >= 1
    assert unit_root(y, 0.2, True, 365)[3].differencing_after_season == -1  # no strong season


def test_joint_reading_of_the_four_tests():
    assert joint_reading(0.01, 0.5, 0.01, 0.5) == "stationary"
    assert joint_reading(0.5, 0.01, 0.01, 0.5) == "trend-stationary"
    assert joint_reading(0.5, 0.01, 0.5, 0.01) == "difference-stationary"
    assert joint_reading(0.01, 0.01, 0.5, 0.01) == "unclear"
    assert differencing_order(np.cumsum(np.cumsum(rng(8).normal(size=500)))) == 2


# --- lags and complexity -------------------------------------------------------------


def test_an_ar2_process_has_order_2_and_the_variance_it_explains():
    x = ar_process([0.6, -0.3], 3000, seed=9)
    fit = fit_ar(x, None)
    assert fit.order == 2
    # Theoretical R squared of this AR(2): 1 - sigma^2 / var(x).
    phi1, phi2 = 0.6, -0.3
    rho1 = phi1 / (1 - phi2)
    assert fit.r2 == pytest.approx(phi1 * rho1 + phi2 * (phi1 * rho1 + phi2), abs=0.05)


def test_white_noise_is_unpredictable_by_every_measure():
    x = rng(10).normal(size=2000)
    assert fit_ar(x, None).order == 0
    assert spectral_entropy(x) > 0.95
    assert permutation_entropy(x)[0] > 0.98
    assert bds_test(x)[1] > 0.05


def test_bds_finds_the_logistic_map_nonlinear_and_an_ar_process_linear():
    x = np.empty(1500)
    x[0] = 0.3
    for t in range(1, len(x)):
        x[t] = 3.9 * x[t - 1] * (1 - x[t - 1])
    chaos = x + 0.01 * rng(11).normal(size=len(x))
    assert bds_test(ar_residuals(chaos, fit_ar(chaos, None)))[1] < 0.001
    # On a linear process BDS is wrong at its 5% level: read several draws.
    linear = [ar_process([0.5, 0.2], 1500, seed=s) for s in range(5)]
    flagged = [bds_test(ar_residuals(x, fit_ar(x, None)))[1] < 0.05 for x in linear]
    assert sum(flagged) <= 1
    # A deterministic map is predictable: its ordinal patterns are far from random.
    assert permutation_entropy(chaos)[0] < permutation_entropy(linear[0])[0]


def test_the_lookback_covers_the_season_and_the_memory_within_a_third_of_train():
    assert lookback_range(3, (12,), 12, 1, 1000)[:3] == (12, 12, 24)
    assert lookback_range(20, (), None, 1, 1000)[:3] == (20, 20, 40)
    assert lookback_range(2, (48, 336), 48, 1, 10_000)[:3] == (48, 48, 336)
    assert lookback_range(2, (365,), 365, 7, 900)[:3] == (300, 300, 300)


def test_a_season_too_long_for_a_window_is_differenced_away_and_the_window_holds_less():
    """A day of minute data is 1,440 steps: the window holds the shorter season (or the
    AR memory) and seasonal differencing carries the long one."""
    assert lookback_range(2, (60, 1440), 1440, 60, 700_000)[:3] == (60, 60, 120)
    assert lookback_range(5, (480,), 480, 1, 100_000)[:3] == (5, 5, 10)
    assert "a seasonal difference takes it out" in lookback_range(5, (480,), 480, 1, 10**5)[3]


def test_a_long_season_with_a_shorter_one_trains_a_short_window_on_seasonal_differences():
    from advisor.diagnostics.probe import lookback_candidates, probe_differencing, probe_lookback

    t = np.arange(6000)
    y = (
        5 * np.sin(2 * np.pi * t / 480)
        + 2 * np.sin(2 * np.pi * t / 24)
        + 0.3 * rng(26).normal(size=len(t)).cumsum() / 10
        + 0.5 * rng(27).normal(size=len(t))
    )
    settings = Settings(season=480, horizon=12)
    prof = build_profile(series(y), settings)
    assert prof.seasonal_period == 480
    assert 24 in prof.baseline_periods
    assert probe_lookback(prof, settings) == 24
    assert probe_differencing(prof) == 480
    assert max(lookback_candidates(prof, settings), default=0) <= 400
    assert prof.lags.lookback <= 400


# --- quality -------------------------------------------------------------------------


def test_injected_outliers_and_a_level_shift_are_found_where_they_are():
    y = rng(13).normal(size=600)
    y[[100, 350]] += 12
    count, rows = outliers(y, start=0)
    # Normal noise crosses 3.5 robust deviations about once in 2,000 values.
    assert {100, 350} <= set(rows) and count <= 3
    shifted = rng(14).normal(size=600)
    shifted[400:] += 8
    assert level_shifts(shifted, 10, start=0) == (400,)
    assert level_shifts(rng(15).normal(size=600), 10, start=0) == ()


def test_heavy_tails_and_a_leading_covariate_are_reported():
    n = 800
    heavy = build_profile(series(rng(16).standard_t(3, size=n)), Settings())
    assert heavy.quality.heavy_tails
    driver = rng(17).normal(size=n)
    y = np.roll(driver, 3) + 0.3 * rng(18).normal(size=n)
    prof = build_profile(series(y, features={"driver": driver}), Settings())
    (link,) = prof.quality.covariates
    assert (link.name, link.lag, link.significant) == ("driver", 3, True)
    assert not prof.quality.heavy_tails


# --- size and baselines --------------------------------------------------------------


def test_size_budget_counts_lstm_weights_against_windows():
    assert lstm_params(32, 1, 1) == 4 * (32 * 33 + 32) + 32 + 1
    budget = size_budget(train_rows=500, lookback=20, horizon=1, inputs=1)
    assert budget.train_windows == 480
    assert lstm_params(budget.max_units, 1, 1) <= 480 * PARAMS_PER_WINDOW
    assert lstm_params(budget.max_units + 1, 1, 1) > 480 * PARAMS_PER_WINDOW


def test_size_budget_shows_the_count_of_each_width():
    budget = size_budget(train_rows=500, lookback=20, horizon=3, inputs=2)
    assert budget.params == tuple(lstm_params(w, 2, 3) for w in budget.widths)


def _config(widths: tuple[int, ...]) -> ModelConfig:
    return ModelConfig(
        lookback=8,
        layers=tuple(LayerConfig(w, 0.0, 0.0) for w in widths),
        l2=0.0,
        learning_rate=1e-3,
        batch_size=32,
        epochs=1,
        early_stopping_patience=1,
        scaling="standard",
        differencing=0,
    )


@pytest.mark.parametrize(
    "widths, inputs, horizon",
    [((4,), 1, 1), ((32,), 3, 24), ((17, 17, 17), 5, 7), ((6, 3), 2, 5)],
)
def test_sizing_counts_what_keras_builds(widths: tuple[int, ...], inputs: int, horizon: int):
    # Keras builds the very model the advisor trains; the size guard must count its weights.
    from advisor.diagnostics.model import build_model, count_params

    config = _config(widths)
    keras_count = build_model(config, inputs, horizon).count_params()
    assert model_params(widths, inputs, horizon) == keras_count
    assert count_params(config, inputs, horizon) == keras_count
    if len(set(widths)) == 1:
        assert lstm_params(widths[0], inputs, horizon, len(widths)) == keras_count


def test_statistical_baselines_run_forward_match_their_own_forecast_at_the_fit_end():
    """Fitted once, run forward: at the first origin (the fit's end) each model's forecast
    is the one the library itself makes from the fit."""
    from statsforecast.models import AutoETS, AutoTheta

    t = np.arange(200)
    y = 50 + 0.3 * t + 5 * np.sin(2 * np.pi * t / 12) + rng(19).normal(size=200)
    ts = np.array([150, 160, 170])
    forecasts = baseline_forecasts(y, 150, ts, 6, (12,), 12)
    own = {
        "ets": AutoETS(season_length=12).fit(y[:150]).predict(6)["mean"],
        "theta": AutoTheta(season_length=12).fit(y[:150]).predict(6)["mean"],
    }
    for name, expected in own.items():
        assert forecasts.by_name[name].shape == (3, 6)
        assert np.allclose(forecasts.by_name[name][0], expected), name


def test_baselines_keep_a_squared_error_per_validation_origin_on_the_lstms_origins():
    """What a paired comparison with an LSTM needs: one error per origin of
    ``forecast_eval.origins`` (the origins the diagnostic runs are scored on), whose
    root mean is the baseline's RMSE."""
    t = np.arange(160)
    y = 30 + 4 * np.sin(2 * np.pi * t / 12) + rng(23).normal(size=160)
    scored, _ = baselines(y, 120, 140, 3, (12,), 12)
    origins = fe.origins(120, 140, 3)
    for b in scored:
        assert len(b.val_errors) == len(origins), b.name
        assert math.sqrt(np.mean(b.val_errors)) == pytest.approx(b.rmse), b.name


def test_baselines_never_see_past_their_origin():
    """A level shift from the middle origin on changes no forecast made before it."""
    t = np.arange(300)
    y = 20 + 4 * np.sin(2 * np.pi * t / 12) + rng(21).normal(size=300)
    shifted = y.copy()
    shifted[260:] += 50
    ts = np.array([220, 240, 260, 280])
    before = baseline_forecasts(y, 200, ts, 6, (12, 24), 12).by_name
    after = baseline_forecasts(shifted, 200, ts, 6, (12, 24), 12).by_name
    assert set(before) == set(after) and {"mstl", "seasonal_naive_24"} <= set(before)
    for name in before:
        assert np.allclose(before[name][:3], after[name][:3]), name
        assert not np.allclose(before[name][3], after[name][3]), name


def test_the_primary_season_is_the_one_that_forecasts_best():
    """A 12-month season whose 6-month harmonic is stronger than its fundamental: both
    repeat, only the 12 repeats the whole year, and the 12 is the primary season."""
    t = np.arange(240)
    y = (
        100
        + 3 * np.sin(2 * np.pi * t / 12)
        + 10 * np.sin(2 * np.pi * t / 6 + 0.3)
        + rng(22).normal(scale=0.5, size=240)
    )
    frame = pd.DataFrame({"date": pd.date_range("2000-01-01", periods=240, freq="MS"), "load": y})
    _, prof = series_and_profile(frame, Settings(horizon=12))
    assert set(prof.seasonality.periods) >= {6, 12}
    assert prof.seasonal_period == 12
    scores = {c.period: c.naive_rmse for c in prof.seasonality.candidates}
    assert scores[12] is not None and scores[6] is not None and scores[12] < scores[6]
    names = {b.name for b in prof.baselines}
    assert {"seasonal_naive", "seasonal_naive_6"} <= names


def test_a_cycle_that_is_no_calendar_period_is_found_in_annual_data():
    """About ten-year cycles in 120 annual rows: no calendar names them, the data do."""
    t = np.arange(120)
    y = 50 + 10 * np.sin(2 * np.pi * t / 10) + rng(23).normal(scale=1.5, size=120)
    frame = pd.DataFrame({"year": pd.date_range("1900-01-01", periods=120, freq="YS"), "n": y})
    _, prof = series_and_profile(frame, Settings(horizon=5))
    assert prof.seasonal_period == 10 and prof.season_source == "acf"
    best = prof.best_baseline.name
    assert best != "naive", "a 10-step cycle is there to be forecast"


def test_several_seasons_bring_mstl_and_every_seasonal_naive():
    n = 2016
    t = np.arange(n)
    y = 100 + 10 * np.sin(2 * np.pi * t / 48) + 6 * ((t // 48) % 7 >= 5)
    y = y + rng(24).normal(size=n)
    frame = pd.DataFrame({"ts": pd.date_range("2020-01-06", periods=n, freq="30min"), "d": y})
    _, prof = series_and_profile(frame, Settings(horizon=4))
    assert {48, 336} <= set(prof.seasonality.periods)
    names = {b.name: b.rmse for b in prof.baselines}
    assert "mstl" in names and "drift" in names
    assert prof.best_baseline.rmse < names["naive"]
    assert any("no seasonal part" in note for note in prof.notes)


# --- the whole profile ---------------------------------------------------------------


def test_airline_example_profile():
    data, prof = load(example_path("airline"), example_settings("airline", Settings()))
    assert data.rows == 144
    assert prof.seasonal_period == 12 and prof.season_source == "acf"
    assert prof.seasonality.periods == (12,)
    assert prof.seasonality.seasonal_strength > 0.9
    assert prof.stationarity == "difference-stationary"
    assert prof.unit_root.differencing_order >= 1
    assert prof.lags.lookback_low >= 12
    names = {b.name: b.rmse for b in prof.baselines}
    assert set(names) == {"naive", "drift", "seasonal_naive", ETS_NAME, "theta", "arima"}
    for name in ("seasonal_naive", ETS_NAME, "theta", "arima"):
        assert names[name] < names["naive"], name
    # The record is JSON as written (no NaN leaks through).
    json.dumps(profile_to_dict(prof), allow_nan=False)


def test_profile_uses_only_the_training_rows():
    y = rng(20).normal(size=1000)
    changed = y.copy()
    changed[-300:] = 1e6  # validation and test rows only
    a, b = (build_profile(series(v), Settings()) for v in (y, changed))

    def train_only(s):  # the seasons' forecast scores are validation's, by design
        return replace(s, candidates=tuple(replace(c, naive_rmse=None) for c in s.candidates))

    assert train_only(a.seasonality) == train_only(b.seasonality) and a.unit_root == b.unit_root
    assert a.complexity.ar_r2 == b.complexity.ar_r2 and a.quality == b.quality
    assert math.isclose(a.mean, b.mean)
    # The test rows touch nothing at all, the validation scores included.
    only_test = y.copy()
    only_test[a.split.validation_end :] = 1e6
    c = build_profile(series(only_test), Settings())
    assert c.seasonality == a.seasonality and c.baselines == a.baselines


def test_missing_target_values_filled_by_intake_count_in_the_profile(tmp_path):
    from advisor.intake import read_series

    y = 10 + np.sin(np.arange(120) / 3) + rng(23).normal(size=120)
    cells = [f"{v:.3f}" for v in y]
    for i in (10, 50, 90):
        cells[i] = ""
    days = pd.date_range("2001-01-01", periods=120, freq="D").strftime("%Y-%m-%d")
    path = tmp_path / "gaps.csv"
    path.write_text(
        "day,y\n" + "\n".join(f"{d},{c}" for d, c in zip(days, cells, strict=True)) + "\n"
    )
    data = read_series(path, Settings())
    assert data.target_missing == 3
    assert build_profile(data, Settings()).missing_share == pytest.approx(3 / 120)


def test_a_random_walk_gets_a_short_lookback():
    """Levels of a random walk correlate at every lag, yet nothing is remembered beyond the
    last value: the window the probes train with stays short."""
    from advisor.diagnostics.probe import probe_lookback

    y = 1000 + rng(25).normal(size=1500).cumsum()
    prof = build_profile(series(y), Settings(horizon=1))
    assert max(prof.significant_lags, default=0) > 20  # what the old rule took for memory
    assert prof.seasonal_period is None
    assert probe_lookback(prof, Settings(horizon=1)) <= 10


def test_running_forward_from_a_window_forgets_the_start_as_the_whole_history_does():
    """Far from the fit, a model runs forward from about the fit's length of rows, in the
    season's phase: its forecast is the one it makes from the whole history since the fit."""
    from statsforecast.models import AutoETS

    from advisor.probes.baselines import FIT_ROWS, _window

    t = np.arange(9000)
    y = 50 + 5 * np.sin(2 * np.pi * t / 12) + rng(26).normal(size=9000)
    fit_end, origin = 2500, 8990
    start = fit_end - FIT_ROWS
    first = _window(start, origin, FIT_ROWS, 12)
    assert (first - start) % 12 == 0 and origin - first >= FIT_ROWS
    model = AutoETS(season_length=12).fit(y[start:fit_end])
    windowed = model.forward(y[first:origin], h=6)["mean"]
    whole = model.forward(y[start:origin], h=6)["mean"]
    assert np.allclose(windowed, whole, rtol=1e-3)
    forecasts = baseline_forecasts(y, fit_end, np.array([origin]), 6, (12,), 12)
    assert np.allclose(forecasts.by_name["ets"][0], windowed)


def test_a_daily_year_longer_than_any_window_gets_its_position_as_inputs():
    """Four years of seeded daily temperatures: a 365-day season, but a third of the
    training rows (the longest window the rows allow) is shorter than a year, so the window
    cannot show where in the year a forecast starts. From the profile alone (no lookback
    comparison ran) the rules give the year's position as inputs and let the search try
    without them; a monthly series whose window holds its season gets none."""
    from advisor.core.records import Diagnosis
    from advisor.rules import load_rulebook
    from advisor.rules.facts import build_facts

    t = np.arange(4 * 365)
    shocks = rng(41).normal(size=len(t))
    anomaly = np.zeros(len(t))
    for i in range(1, len(t)):  # weather: today's anomaly carries into tomorrow's
        anomaly[i] = 0.7 * anomaly[i - 1] + shocks[i]
    daily = 15 + 8 * np.sin(2 * np.pi * t / 365) + 2 * anomaly
    monthly = 100 + 10 * np.sin(2 * np.pi * np.arange(240) / 12) + rng(42).normal(size=240)
    none = Diagnosis(runs=(), findings=(), planned="")
    book = load_rulebook([])

    settings = Settings(horizon=7)
    prof = build_profile(series(daily, "D"), settings)
    assert prof.seasonal_period == 365 and prof.lags.lookback_high < 365
    rec = book.recommend(build_facts(prof, none, settings, 0, prof.lags.lookback))
    assert rec.config.season_position == 365
    (tried,) = [r for r in rec.ranges if r.setting == "season_position"]
    assert set(tried.choices) == {0, 365}

    settings = Settings(horizon=12)
    prof = build_profile(series(monthly, "MS"), settings)
    assert prof.seasonal_period == 12
    rec = book.recommend(build_facts(prof, none, settings, 0, prof.lags.lookback))
    assert rec.config.season_position == 0
