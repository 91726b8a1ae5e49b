"""The fused capacity sweep: shapes, per-branch curves and stopping, branch independence,
and a tiny real training through the trainer (smoke tests, a few seconds each)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from advisor.core import forecast_eval as fe
from advisor.core.records import LayerConfig, ModelConfig, Split

lstm = pytest.importorskip("advisor.diagnostics.model")
fusion = pytest.importorskip("advisor.diagnostics.sweep")
keras = pytest.importorskip("keras")

from advisor.diagnostics.trainer import KerasTrainer, RunSpec, check_sweep  # noqa: E402


def config(units=8, **kw):
    base = dict(
        lookback=6,
        layers=(LayerConfig(units, 0.0, 0.0),),
        l2=0.0,
        learning_rate=1e-2,
        batch_size=16,
        epochs=4,
        early_stopping_patience=2,
        scaling="standard",
        differencing=0,
    )
    base.update(kw)
    return ModelConfig(**base)


def seasonal(rows=200, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(rows)
    return 100 + 10 * np.sin(2 * np.pi * t / 12) + rng.normal(scale=1.0, size=rows)


@pytest.fixture(scope="module")
def data():
    y = seasonal()
    prepared = lstm.prepare(y[:, None], fit_rows=140, scaling="standard", differencing=0)
    return prepared, np.arange(6, 139), np.arange(140, 168)


def test_narrow_widths_share_a_layer_and_wide_ones_get_their_own():
    assert fusion.branch_groups([8, 16, 32, 64, 128, 256]) == [(8, 16, 32), (64,), (128,), (256,)]
    assert fusion.branch_groups([32, 8, 16]) == [(8, 16, 32)]


def test_the_fused_model_has_one_output_per_branch_and_logs_each_branch(data):
    prepared, train_ts, val_ts = data
    model = fusion.build_sweep_model(config(), [8, 16, 32], channels=1, horizon=3, seed=0)
    assert model.output_shape == (None, 3, 3)
    windows = fusion.SweepWindows(prepared, train_ts, 6, 3, 16, shuffle=True)
    x, y = windows[0]
    assert x.shape == (16, 6, 1) and y.shape == (16, 1, 3)
    history = model.fit(
        windows,
        validation_data=fusion.SweepWindows(prepared, val_ts, 6, 3, 1),
        epochs=1,
        verbose=0,
    )
    for name in ("w8", "w16", "w32"):
        assert name in history.history and f"val_{name}" in history.history


def test_each_branch_starts_as_it_would_alone():
    fused = fusion.build_sweep_model(config(), [8, 16], 1, 1, seed=3)
    alone = fusion.build_sweep_model(config(), [16], 1, 1, seed=3)
    shared = fused.layers[1]  # the block-diagonal LSTM holding 8 and 16 units
    kernel, recurrent, _ = (np.asarray(w) for w in shared.get_weights())
    k16, r16, _ = (np.asarray(w) for w in alone.layers[1].get_weights())
    for gate in range(4):
        np.testing.assert_array_equal(
            kernel[:, gate * 24 + 8 : gate * 24 + 24], k16[:, gate * 16 : (gate + 1) * 16]
        )
        np.testing.assert_array_equal(
            recurrent[8:, gate * 24 + 8 : gate * 24 + 24], r16[:, gate * 16 : (gate + 1) * 16]
        )
        # nothing connects one branch's units to another's
        assert not recurrent[:8, gate * 24 + 8 : gate * 24 + 24].any()
        assert not recurrent[8:, gate * 24 : gate * 24 + 8].any()


def test_a_branch_loss_leaves_every_other_branch_untouched():
    # One plain SGD step on a loss that reads branch 0 only: any weight of another branch
    # that moves had a gradient from branch 0. Backend-neutral (no tape, no tf.*).
    model = fusion.build_sweep_model(config(), [8, 16, 128], 1, 2, seed=0)
    model.compile(
        optimizer=keras.optimizers.SGD(0.5),
        loss=lambda y, p: keras.ops.sum(keras.ops.square(p[:, 0, :])),
    )
    x = np.random.default_rng(0).normal(size=(5, 6, 1)).astype("float32")
    shared, own, wide = model.layers[1], model.get_layer("head_w16"), model.get_layer("head_w128")
    before = {w.path: np.array(w.numpy()) for w in model.weights}
    model.train_on_batch(x, np.zeros((5, 3, 2), dtype="float32"))
    after = {w.path: np.array(w.numpy()) for w in model.weights}
    kernel, recurrent = (after[w.path] - before[w.path] for w in shared.weights[:2])
    assert np.abs(kernel[:, 0:8]).any()  # branch 0 itself did learn
    for gate in range(4):
        assert not kernel[:, gate * 24 + 8 : gate * 24 + 24].any()  # 16 units' inputs
        assert not recurrent[8:, gate * 24 + 8 : gate * 24 + 24].any()  # 16 units' memory
    for w in (*own.weights, *wide.weights):
        np.testing.assert_array_equal(after[w.path], before[w.path])


def test_a_fused_branch_trains_exactly_as_that_width_alone(data):
    prepared, train_ts, val_ts = data
    fused = fusion.Sweep(config(), [8, 16, 64], 1, 1, seed=1)
    alone = fusion.Sweep(config(), [16], 1, 1, seed=1)
    together, _ = fused.fit(prepared, train_ts, val_ts, epochs=3, patience=5)
    single, _ = alone.fit(prepared, train_ts, val_ts, epochs=3, patience=5)
    np.testing.assert_allclose(together[1].curve.train_loss, single[0].curve.train_loss, rtol=1e-4)
    np.testing.assert_allclose(together[1].curve.val_loss, single[0].curve.val_loss, rtol=1e-4)


def test_the_zero_blocks_stay_zero_through_training(data):
    prepared, train_ts, val_ts = data
    sweep = fusion.Sweep(config(), [8, 16], 1, 1, seed=0)
    sweep.fit(prepared, train_ts, val_ts, epochs=2, patience=5)
    recurrent = np.asarray(sweep.model.layers[1].get_weights()[1])
    for gate in range(4):
        assert not recurrent[:8, gate * 24 + 8 : gate * 24 + 24].any()


def test_calibration_leaves_no_trace_in_the_training(data):
    prepared, train_ts, val_ts = data
    # with dropout: its seed generators' state is reset too
    cfg = config(layers=(LayerConfig(8, 0.2, 0.0),))
    plain = fusion.Sweep(cfg, [8, 16], 1, 1, seed=2)
    calibrated = fusion.Sweep(cfg, [8, 16], 1, 1, seed=2)
    timing = calibrated.calibrate(prepared, train_ts, val_ts)
    assert timing.setup > 0 and timing.batch > 0 and timing.epoch(10) > timing.epoch(1)
    a, _ = plain.fit(prepared, train_ts, val_ts, epochs=3, patience=5)
    b, _ = calibrated.fit(prepared, train_ts, val_ts, epochs=3, patience=5)
    assert [r.curve for r in a] == [r.curve for r in b]


class _Weights:
    """Stands in for the model in the per-branch stopper: weights are the epoch number."""

    def __init__(self):
        self.epoch = 0
        self.stop_training = False

    def get_weights(self):
        return [np.array(self.epoch)]


def test_each_branch_remembers_its_own_best_epoch_and_training_ends_when_all_stopped():
    stopper = fusion._PerBranchStopping([8, 64], patience=2, blowup=10.0)
    fake = _Weights()
    stopper.set_model(fake)
    val8 = [1.0, 0.9, 0.8, 0.7, 0.75, 0.76]  # best at epoch 4
    val64 = [1.0, 0.6, 0.7, 0.8, 0.9, 1.0]  # best at epoch 2, then overfits
    for epoch, (v8, v64) in enumerate(zip(val8, val64, strict=True)):
        fake.epoch = epoch + 1
        stopper.on_epoch_end(epoch, {"w8": 0.5, "val_w8": v8, "w64": 0.5, "val_w64": v64})
        if fake.stop_training:
            break
    assert fake.stop_training and stopper.epochs == 6  # width 8 was done at epoch 6
    fits = stopper.results("completed")
    assert [f.best_epoch for f in fits] == [4, 2]
    assert all(f.stopped_reason == "early_stopping" for f in fits)
    # width 64 stopped improving at 2 but its curve goes on: that is where it overfits
    assert fits[1].curve.val_loss == tuple(val64)
    assert {int(w[0]) for w in stopper.snapshots.values()} == {2, 4}


def test_a_nan_branch_stops_itself_but_not_the_others():
    stopper = fusion._PerBranchStopping([8, 64], patience=3, blowup=10.0)
    fake = _Weights()
    stopper.set_model(fake)
    stopper.on_epoch_end(0, {"w8": 0.5, "val_w8": 1.0, "w64": math.nan, "val_w64": math.nan})
    stopper.on_epoch_end(1, {"w8": 0.4, "val_w8": 0.9, "w64": math.nan, "val_w64": math.nan})
    assert not fake.stop_training
    fits = stopper.results("completed")
    assert fits[1].stopped_reason == "nan" and fits[0].stopped_reason == "completed"


def test_check_sweep_refuses_specs_that_differ_in_more_than_width():
    check_sweep([RunSpec("a", config(8)), RunSpec("b", config(16))])
    with pytest.raises(ValueError, match="width"):
        check_sweep([RunSpec("a", config(8)), RunSpec("b", config(16, lookback=7))])
    with pytest.raises(ValueError, match="distinct"):
        check_sweep([RunSpec("a", config(8)), RunSpec("b", config(8))])


def test_keras_trainer_runs_a_sweep_and_scores_every_branch():
    y = seasonal(rows=200)
    trainer = KerasTrainer(y[:, None], Split(140, 30, 30), horizon=2)
    specs = [RunSpec(f"width-{u}", config(u), 1.0, 0) for u in (4, 8, 16)]
    cost = trainer.sweep_cost(specs)
    assert cost.batch > 0 and cost.setup > 0
    runs = trainer.run_sweep(specs, deadline=None)
    assert [r.name for r in runs] == ["width-4", "width-8", "width-16"]
    for r in runs:
        assert r.curve.epochs == len(r.curve.val_loss) >= 1
        assert math.isfinite(r.val_rmse) and 1 <= r.best_epoch <= r.curve.epochs
        assert r.val_rmse < 30  # in the target's units (a ±10 season around 100)
        assert r.reference_loss > 0 and r.naive_loss > 0
        assert r.params == lstm.count_params(config(r.units), 1, 2)
        # one squared error per validation origin, the same origins the baselines use
        assert len(r.val_errors) == len(fe.origins(140, 170, 2))
        assert math.sqrt(np.mean(r.val_errors)) == pytest.approx(r.val_rmse)
    # a data-size run at one width reuses nothing of the others, and is the same model
    half = trainer.run_sweep([RunSpec("width-8-data-50%", config(8), 0.5, 0)])
    assert half[0].train_fraction == 0.5 and half[0].curve.epochs >= 1
