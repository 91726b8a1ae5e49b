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
    # the GPU's form: every width in one block-diagonal layer
    assert fusion.branch_groups([64, 8, 128, 16], "block") == [(8, 16, 64, 128)]


@pytest.mark.parametrize(
    ("gpu", "form", "layers", "text"),
    [
        (True, "block", [88], "trained together in one block-diagonal LSTM"),
        (False, "branches", [24, 64], "trained together in 2 layers (8+16, 64)"),
    ],
)
def test_the_sweep_takes_its_form_from_the_device_and_the_plan_says_which(
    monkeypatch, data, gpu, form, layers, text
):
    from advisor.diagnostics.levels import choose_plan

    monkeypatch.setattr(fusion, "gpu_present", lambda: gpu)
    assert fusion.sweep_form() == form
    sweep = fusion.Sweep(config(), [8, 16, 64], 1, 1, seed=0)
    lstms = [x for x in sweep.model.layers if isinstance(x, keras.layers.LSTM)]
    assert sweep.form == form and [x.units for x in lstms] == layers
    cost = sweep.calibrate(*data)
    assert cost.form == text
    plan = choose_plan((8, 16, 64), 133, 16, cost, 600.0)
    assert f"capacity sweep of widths 8/16/64 {text};" in plan.describe()


def test_the_form_can_be_forced_whatever_the_device(monkeypatch):
    monkeypatch.setattr(fusion, "gpu_present", lambda: False)
    monkeypatch.setattr(fusion, "FORM", "block")
    assert fusion.sweep_form() == "block"
    monkeypatch.setattr(fusion, "FORM", None)
    assert fusion.sweep_form() == "branches"
    assert fusion.Sweep(config(), [8, 64], 1, 1, seed=0, form="block").form == "block"
    assert fusion.describe_form([16], "block") == ""  # one width: nothing trains together


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
    model = fusion.build_sweep_model(config(), [8, 16, 128], 1, 2, seed=0, form="branches")
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


@pytest.mark.parametrize("depth", [1, 2])
def test_in_one_block_diagonal_layer_no_width_learns_from_another(depth):
    # The GPU's form: every width in one layer (two stacked, so that the second layer's
    # input kernel is masked too). One plain SGD step on the loss of one branch alone
    # moves that branch's weights and no other width's: not its input kernel, its
    # recurrent block, its bias, its head; and the blocks between widths stay zero.
    widths = (8, 16, 32)
    layer = LayerConfig(8, 0.0, 0.0)
    model = fusion.build_sweep_model(
        config(layers=(layer,) * depth), widths, 1, 2, seed=0, form="block"
    )
    lstms = [x for x in model.layers if isinstance(x, keras.layers.LSTM)]
    assert [x.units for x in lstms] == [56] * depth
    x = np.random.default_rng(0).normal(size=(5, 6, 1)).astype("float32")
    starts = dict(zip(widths, np.cumsum([0, *widths[:-1]]), strict=True))

    def cols(width):  # the gate columns of ``width``'s units
        start = starts[width]
        return np.concatenate([np.arange(g * 56 + start, g * 56 + start + width) for g in range(4)])

    def rows(width):
        return np.arange(starts[width], starts[width] + width)

    initial = model.get_weights()
    for b, trained in enumerate(widths):
        model.set_weights(initial)
        model.compile(
            optimizer=keras.optimizers.SGD(0.5),
            loss=lambda y, p, b=b: keras.ops.sum(keras.ops.square(p[:, b, :] - 1.0)),
        )
        before = {w.path: np.array(w.numpy()) for w in model.weights}
        model.train_on_batch(x, np.zeros((5, 1, 2), dtype="float32"))
        moved = {w.path: np.array(w.numpy()) - before[w.path] for w in model.weights}
        for depth_, lstm_layer in enumerate(lstms):
            kernel, recurrent, bias = (moved[w.path] for w in lstm_layer.weights)
            after_recurrent = np.array(lstm_layer.weights[1].numpy())
            assert np.abs(recurrent[np.ix_(rows(trained), cols(trained))]).any()
            for other in widths:
                if other == trained:
                    continue
                assert not kernel[:, cols(other)].any(), (trained, other, depth_)
                assert not recurrent[:, cols(other)].any(), (trained, other, depth_)
                assert not bias[cols(other)].any(), (trained, other, depth_)
                # what connects one width to another is zero and stays zero
                assert not after_recurrent[np.ix_(rows(other), cols(trained))].any()
                if depth_ > 0:
                    after_kernel = np.array(lstm_layer.weights[0].numpy())
                    assert not after_kernel[np.ix_(rows(other), cols(trained))].any()
        for other in widths:
            head = model.get_layer(f"head_w{other}")
            changed = any(moved[w.path].any() for w in head.weights)
            assert changed == (other == trained)


@pytest.mark.parametrize("form", fusion.FORMS)
def test_a_fused_branch_trains_exactly_as_that_width_alone(data, form):
    prepared, train_ts, val_ts = data
    fused = fusion.Sweep(config(), [8, 16, 64], 1, 1, seed=1, form=form)
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


def test_the_sweep_reads_no_batch_logs(data, monkeypatch):
    # A callback with a batch-end hook makes Keras wait for every step's numbers on the
    # host (under JAX and torch it otherwise reads them in a thread); the sweep's own
    # callbacks look at epochs only, and its Ctrl-C check looks as a batch begins.
    prepared, train_ts, val_ts = data
    sweep = fusion.Sweep(config(), [8, 16], 1, 1, seed=0)
    seen = []
    monkeypatch.setattr(sweep.model, "fit", lambda *a, callbacks, **kw: seen.extend(callbacks))
    sweep.fit(prepared, train_ts, val_ts, epochs=1, patience=1, deadline=1e12)
    assert len(seen) >= 3
    base = keras.callbacks.Callback
    for hook in ("on_batch_end", "on_train_batch_end", "on_test_batch_end"):
        assert all(getattr(type(cb), hook) is getattr(base, hook) for cb in seen), hook


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


def test_under_bfloat16_the_lstms_compute_in_it_and_forecasts_stay_float32():
    """The fused sweep and one plain model built under the trainer's bfloat16: LSTM
    layers compute in bfloat16 on float32 weights, the heads and the stacked output in
    float32, and the run scores close to float32's; the scope puts float32 back."""
    y = seasonal(rows=200)
    trainer = KerasTrainer(y[:, None], Split(140, 30, 30), horizon=2)
    specs = [RunSpec(f"width-{u}", config(u), 1.0, 0) for u in (4, 8)]
    plain = trainer.run_sweep(specs)
    with trainer.precision_scope():
        trainer.use_precision("bfloat16")
        assert trainer.precision == "bfloat16"
        half = trainer.run_sweep(specs)
        model = lstm.build_model(config(8), 1, 2)
        swept = fusion.build_sweep_model(config(8), (4, 8), 1, 2, 0)
    assert trainer.precision == "float32"
    assert keras.config.dtype_policy().name == "float32"
    for built in (model, swept):
        recurrent = [layer for layer in built.layers if isinstance(layer, keras.layers.LSTM)]
        assert recurrent and {layer.compute_dtype for layer in recurrent} == {"bfloat16"}
        assert {layer.variable_dtype for layer in recurrent} == {"float32"}
        assert built.output.dtype == "float32"
    for a, b in zip(plain, half, strict=True):
        assert math.isfinite(b.val_rmse)
        assert b.val_rmse == pytest.approx(a.val_rmse, rel=0.25)
    # a fused model traced under one precision is never reused under the other
    assert len(trainer._sweeps) == 2


def test_under_jax_on_a_cpu_each_width_is_a_model_of_its_own(monkeypatch):
    monkeypatch.setattr(fusion, "gpu_present", lambda: False)
    monkeypatch.setattr(fusion.keras.config, "backend", lambda: "jax")
    assert fusion.sweep_form() == "separate"
    monkeypatch.setattr(fusion, "gpu_present", lambda: True)
    assert fusion.sweep_form() == "block"  # a GPU takes one block-diagonal layer under any
    assert fusion.branch_groups([32, 8], "separate") == [(8,), (32,)]
    assert fusion.describe_form([8, 32], "separate") == "trained one after another, a model each"
    assert fusion.describe_form([8], "separate") == ""


def test_under_torch_even_a_cpu_takes_one_block_diagonal_layer(monkeypatch):
    # Keras loops over a torch LSTM's time steps in Python on a CPU: one layer, one loop.
    monkeypatch.setattr(fusion, "gpu_present", lambda: False)
    monkeypatch.setattr(fusion.keras.config, "backend", lambda: "torch")
    assert fusion.sweep_form() == "block"
    monkeypatch.setattr(fusion.keras.config, "backend", lambda: "tensorflow")
    assert fusion.sweep_form() == "branches"


def test_a_separate_sweep_trains_each_width_as_the_fused_one_does_and_sums_their_cost(
    monkeypatch,
):
    y = seasonal(rows=200)
    specs = [RunSpec(f"width-{u}", config(u), 1.0, 0) for u in (4, 8)]
    fused = KerasTrainer(y[:, None], Split(140, 30, 30), horizon=2).run_sweep(specs)
    monkeypatch.setattr(fusion, "FORM", "separate")
    trainer = KerasTrainer(y[:, None], Split(140, 30, 30), horizon=2)
    cost = trainer.sweep_cost(specs)
    alone = [trainer.sweep_cost([spec]) for spec in specs]  # calibrated once: the same
    assert cost.form == "trained one after another, a model each"
    assert cost.batch == pytest.approx(sum(c.batch for c in alone))
    assert cost.setup == pytest.approx(sum(c.setup for c in alone))
    runs = trainer.run_sweep(specs)
    assert [r.name for r in runs] == ["width-4", "width-8"] and len(trainer._sweeps) == 2
    for a, b in zip(fused, runs, strict=True):
        np.testing.assert_allclose(a.curve.train_loss, b.curve.train_loss, rtol=1e-4)
        np.testing.assert_allclose(a.curve.val_loss, b.curve.val_loss, rtol=1e-4)
        assert b.val_rmse == pytest.approx(a.val_rmse, rel=1e-3)


@pytest.mark.parametrize(("reported", "capable"), [("8.9\n", True), ("7.5\n", False)])
def test_under_tensorflow_the_driver_says_whether_the_gpu_computes_in_bfloat16(
    monkeypatch, reported, capable
):
    import subprocess

    from advisor.diagnostics import device

    class Answer:
        stdout = reported

    monkeypatch.setattr(device, "gpu_present", lambda: True)
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: Answer())
    device.bf16_capable.cache_clear()
    try:
        assert device.bf16_capable() is capable
    finally:
        device.bf16_capable.cache_clear()
