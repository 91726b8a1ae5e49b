"""Windows, transforms and a tiny real training (smoke test)."""

from __future__ import annotations

import numpy as np
import pytest

from advisor.core.records import LayerConfig, ModelConfig

lstm = pytest.importorskip("advisor.diagnostics.model")


def config(**kw):
    base = dict(
        lookback=4,
        layers=(LayerConfig(4, 0.0, 0.0),),
        l2=0.0,
        learning_rate=1e-2,
        batch_size=8,
        epochs=2,
        early_stopping_patience=2,
        scaling="standard",
        differencing=0,
    )
    base.update(kw)
    return ModelConfig(**base)


def test_windows_hold_the_rows_before_each_origin_and_the_next_h():
    values = np.arange(30, dtype=float)[:, None] * np.array([[1.0, 10.0]])
    prepared = lstm.prepare(values, fit_rows=30, scaling="none", differencing=0)
    ds = lstm.WindowDataset(prepared, np.array([5, 9]), lookback=3, horizon=2, batch_size=8)
    x, y = ds[0]
    assert x.shape == (2, 3, 2) and y.shape == (2, 2)
    assert x[0, :, 0].tolist() == [2, 3, 4] and x[0, :, 1].tolist() == [20, 30, 40]
    assert y[1].tolist() == [9, 10]


def test_an_epoch_of_a_long_series_is_a_fresh_draw_of_at_most_per_epoch_windows():
    prepared = lstm.prepare(np.arange(500, dtype=float)[:, None], 500, "none", 0)
    origins = np.arange(10, 490)
    ds = lstm.WindowDataset(prepared, origins, 5, 3, batch_size=16, seed=3, per_epoch=64)
    assert len(ds) == 4

    def epoch() -> list[int]:
        # The window's last input row is the origin's previous row.
        return [int(v) + 1 for b in range(len(ds)) for v in ds[b][0][:, -1, 0]]

    first = epoch()
    ds.on_epoch_end()
    second = epoch()
    for drawn in (first, second):
        assert len(drawn) == len(set(drawn)) == 64 and set(drawn) <= set(origins.tolist())
    assert first != second  # every window gets its turn over the epochs
    again = lstm.WindowDataset(prepared, origins, 5, 3, batch_size=16, seed=3, per_epoch=64)
    assert [int(v) + 1 for b in range(4) for v in again[b][0][:, -1, 0]] == first
    # Fewer windows than the cap: all of them every epoch, as without one.
    short = lstm.WindowDataset(prepared, origins[:40], 5, 3, batch_size=16, per_epoch=64)
    assert len(short) == 3


def test_a_training_on_a_long_series_takes_the_capped_epoch_and_validation(monkeypatch):
    """EPOCH_WINDOWS and MAX_VAL_WINDOWS bound every plain training's epoch."""
    monkeypatch.setattr(lstm, "EPOCH_WINDOWS", 32)
    monkeypatch.setattr(lstm, "MAX_VAL_WINDOWS", 8)
    seen: dict[str, int] = {}

    class Count(lstm.keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            seen["train"] = seen.get("train", 0) + 1

        def on_test_batch_begin(self, batch, logs=None):
            seen["val"] = seen.get("val", 0) + 1

    y = np.sin(np.arange(400) / 5)[:, None]
    prepared = lstm.prepare(y, fit_rows=300, scaling="standard", differencing=0)
    lstm.fit(
        config(epochs=1),
        prepared,
        np.arange(4, 299),
        np.arange(300, 399),
        horizon=2,
        seed=0,
        extra_callbacks=[Count()],
    )
    assert seen == {"train": 4, "val": 1}  # 32 of 295 windows, 8 of 99, in batches of 8


@pytest.mark.parametrize("scaling", ["standard", "minmax", "none"])
@pytest.mark.parametrize("differencing", [0, 1, 4])
@pytest.mark.parametrize("horizon", [3, 9])
@pytest.mark.parametrize("deseasonalize", [0, 4])
@pytest.mark.parametrize("log", [False, True])
def test_to_levels_inverts_scaling_and_differencing(
    scaling, differencing, horizon, deseasonalize, log
):
    # A horizon past the lag makes later steps build on earlier forecast steps.
    rng = np.random.default_rng(0)
    y = np.cumsum(rng.normal(size=60)) + 50 + 5 * np.sin(np.arange(60) * np.pi / 2)
    prepared = lstm.prepare(
        y[:, None], 40, scaling, differencing, deseasonalize=deseasonalize, log_target=log
    )
    ts = np.array([45, 50])
    steps = ts[:, None] + np.arange(horizon)[None, :]
    back = prepared.to_levels(prepared.target[steps].astype(np.float64), ts)
    np.testing.assert_allclose(back, y[steps], rtol=1e-4)


def test_seasonal_difference_of_a_pure_season_is_zero():
    season = np.tile([3.0, 7.0, 1.0, 5.0], 10)
    prepared = lstm.prepare(season[:, None], fit_rows=30, scaling="none", differencing=4)
    assert np.all(prepared.target[4:] == 0.0)
    # Predicting no change since one season back is the seasonal naive forecast.
    back = prepared.to_levels(np.zeros((1, 6)), np.array([32]))
    np.testing.assert_allclose(back[0], season[32:38])


def test_deseasonalizing_takes_out_the_pattern_the_fit_rows_show_and_adds_it_back():
    """A fixed pattern under noise: taken out of the target, measured on the fit rows
    alone, and added back by each step's position, past the data too."""
    rng = np.random.default_rng(1)
    pattern = np.array([3.0, -1.0, -4.0, 2.0])
    rows = 80
    y = 10 + np.tile(pattern, rows // 4) + rng.normal(0, 0.3, rows)
    prepared = lstm.prepare(y[:, None], 60, "none", 0, deseasonalize=4)
    np.testing.assert_allclose(prepared.season, pattern, atol=0.25)
    assert abs(prepared.season.sum()) < 1e-9
    # What the model learns is the level and the noise, not the season.
    assert np.std(prepared.target) < 0.5 < np.std(y)
    # Rows after the fit rows do not move the pattern.
    changed = y.copy()
    changed[60:] += np.tile([50.0, 0.0, 0.0, 0.0], 5)
    moved = lstm.prepare(changed[:, None], 60, "none", 0, deseasonalize=4)
    np.testing.assert_array_equal(moved.season, prepared.season)
    # A forecast of the level alone comes back with the pattern at its steps' positions.
    back = prepared.to_levels(np.full((1, 6), 10.0), np.array([rows]))
    np.testing.assert_allclose(back[0], 10 + prepared.season[np.arange(rows, rows + 6) % 4])


def test_in_the_log_a_season_that_grows_with_the_level_is_a_fixed_pattern():
    """A multiplicative season: its swing in the values grows tenfold, in the log it is
    the same every year, so taking its average pattern out of the log leaves the trend;
    the forecasts come back multiplied by the pattern, past the data too."""
    rows = 120
    t = np.arange(rows)
    factor = np.exp(0.3 * np.sin(2 * np.pi * t / 12))
    y = np.exp(np.log(100) + 0.02 * t) * factor
    logged = lstm.prepare(y[:, None], 96, "none", 1, deseasonalize=12, log_target=True)
    np.testing.assert_allclose(logged.target[1:], 0.02, atol=0.02)  # the growth rate alone
    plain = lstm.prepare(y[:, None], 96, "none", 1, deseasonalize=12)
    assert np.std(plain.target[1:]) > 10 * np.std(logged.target[1:])
    back = logged.to_levels(np.full((1, 12), 0.02), np.array([rows]))
    future = np.exp(np.log(100) + 0.02 * np.arange(rows, rows + 12))
    expected = future * np.exp(0.3 * np.sin(2 * np.pi * np.arange(rows, rows + 12) / 12))
    np.testing.assert_allclose(back[0], expected, rtol=0.03)


def test_a_diverged_forecast_of_the_log_stays_finite():
    y = np.linspace(10, 20, 40)
    prepared = lstm.prepare(y[:, None], 30, "standard", 0, log_target=True)
    back = prepared.to_levels(np.full((1, 3), 1e6), np.array([35]))
    assert np.all(np.isfinite(back)) and np.all(back > 1e200)


def test_season_position_adds_its_phase_after_the_scaled_columns():
    rng = np.random.default_rng(0)
    values = np.column_stack([rng.normal(size=50) + 10, rng.normal(size=50)])
    plain = lstm.prepare(values, fit_rows=30, scaling="standard", differencing=1)
    with_phase = lstm.prepare(
        values, fit_rows=30, scaling="standard", differencing=1, season_position=7
    )
    assert with_phase.inputs.shape == (50, 4)
    # The series' own columns and the target's scaling are untouched by the extra inputs.
    np.testing.assert_array_equal(with_phase.inputs[:, :2], plain.inputs)
    assert with_phase.target_offset == plain.target_offset
    # Row t's position in a 7-step season: one full turn a season, from the first row.
    sin, cos = with_phase.inputs[:, 2], with_phase.inputs[:, 3]
    np.testing.assert_allclose(sin[[0, 7, 14]], 0.0, atol=1e-6)
    np.testing.assert_allclose(cos[[0, 7, 14]], 1.0, atol=1e-6)
    np.testing.assert_allclose(sin[3], np.sin(2 * np.pi * 3 / 7), atol=1e-6)
    np.testing.assert_allclose(np.hypot(sin, cos), 1.0, atol=1e-6)
    # A forecast past the data continues the count.
    np.testing.assert_allclose(lstm.season_inputs(2, 7, first=50), lstm.season_inputs(52, 7)[50:])


def test_scalers_fit_on_train_rows_only():
    y = np.concatenate([np.zeros(20), np.full(20, 100.0)]) + np.arange(40) * 0.01
    prepared = lstm.prepare(y[:, None], fit_rows=20, scaling="standard", differencing=0)
    assert abs(prepared.target_offset) < 1.0  # the mean of the first 20 rows, not of all 40


def test_count_params_matches_keras():
    cfg = config(layers=(LayerConfig(6, 0.0, 0.0), LayerConfig(3, 0.0, 0.0)))
    model = lstm.build_model(cfg, channels=2, horizon=5)
    assert lstm.count_params(cfg, 2, 5) == model.count_params()


def test_tiny_training_runs_and_forecasts_in_original_units():
    rng = np.random.default_rng(1)
    t = np.arange(120)
    y = 100 + 10 * np.sin(2 * np.pi * t / 12) + rng.normal(scale=0.5, size=120)
    prepared = lstm.prepare(y[:, None], fit_rows=80, scaling="standard", differencing=0)
    fitted = lstm.fit(config(), prepared, np.arange(4, 79), np.arange(80, 99), horizon=2, seed=0)
    assert fitted.curve.epochs == 2 and len(fitted.curve.val_loss) == 2
    pred = lstm.forecast(fitted.model, prepared, np.array([100, 110]), lookback=4, horizon=2)
    assert pred.shape == (2, 2) and np.isfinite(pred).all()
    assert 70 < pred.mean() < 130  # back in the target's units, not scaled ones


def test_pooled_windows_are_each_series_own_windows():
    """Pretraining pools several series end to end: every pooled window is one of a
    series' own, none straddles two series."""
    import numpy as np

    from advisor.diagnostics.model import WindowDataset, pool, prepare

    rng = np.random.default_rng(0)
    parts = []
    for n in (40, 55):
        prepared = prepare(rng.normal(size=(n, 2)), n - 10, "standard", 1)
        parts.append((prepared, np.arange(6, n - 10 - 3 + 1)))
    pooled, origins = pool(parts)
    x, y = WindowDataset(pooled, origins, 5, 3, batch_size=len(origins))[0]
    own = [WindowDataset(p, ts, 5, 3, batch_size=len(ts))[0] for p, ts in parts]
    assert np.array_equal(x, np.concatenate([o[0] for o in own]))
    assert np.array_equal(y, np.concatenate([o[1] for o in own]))
