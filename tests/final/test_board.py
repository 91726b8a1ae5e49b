"""TensorBoard logs of a training, written without TensorFlow's summary API."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import replace

import numpy as np
import pytest
from support.board import scalars
from support.search import SUGGESTION

from advisor.core.records import LayerConfig
from advisor.final.board import tensorboard_callback

TINY = replace(
    SUGGESTION,
    lookback=4,
    layers=(LayerConfig(2, 0.0, 0.0),),
    epochs=3,
    batch_size=16,
    early_stopping_patience=5,
    learning_rate=0.01,
)


def tiny_training(callbacks):
    """Three epochs on a few dozen windows, validated on a dozen more."""
    from advisor.diagnostics.model import fit, prepare

    t = np.arange(60, dtype=float)
    values = (np.sin(t / 3) + 0.01 * t)[:, None]
    prepared = prepare(values, 48, TINY.scaling, TINY.differencing)
    train = np.arange(TINY.lookback + TINY.differencing, 48)
    val = np.arange(48, 60)
    return fit(TINY, prepared, train, val, 1, 0, extra_callbacks=callbacks)


def test_each_epochs_losses_and_learning_rate_read_back_as_keras_lays_them_out(tmp_path):
    board, note = tensorboard_callback(tmp_path / "seed-0")
    assert board is not None and note is None
    fitted = tiny_training([board])
    train = scalars(tmp_path / "seed-0" / "train")
    val = scalars(tmp_path / "seed-0" / "validation")
    assert {"epoch_loss", "epoch_learning_rate"} <= set(train)
    assert set(val) == {"epoch_loss"}
    epochs = fitted.curve.epochs
    assert epochs == TINY.epochs
    for points, expected in (
        (train["epoch_loss"], fitted.curve.train_loss),
        (val["epoch_loss"], fitted.curve.val_loss),
    ):
        assert [step for step, _ in points] == list(range(epochs))
        np.testing.assert_allclose([v for _, v in points], expected, rtol=1e-6)
    np.testing.assert_allclose([v for _, v in train["epoch_learning_rate"]], [0.01] * epochs)


def test_what_was_written_survives_a_ctrl_c(tmp_path):
    import keras

    class CtrlC(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise KeyboardInterrupt

    board, _ = tensorboard_callback(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        tiny_training([board, CtrlC()])
    # read before anything is closed: each epoch was flushed as it ended
    assert [s for s, _ in scalars(tmp_path / "train")["epoch_loss"]] == [0, 1]
    board.close()
    board.close()  # closing twice is harmless
    assert [s for s, _ in scalars(tmp_path / "validation")["epoch_loss"]] == [0, 1]


def test_the_writer_is_used_where_tensorflow_is_not_installed(tmp_path, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "tensorflow" else real(name, *a),
    )
    monkeypatch.setitem(sys.modules, "tensorflow", None)
    board, note = tensorboard_callback(tmp_path)
    assert board is not None and note is None
    board.on_epoch_end(0, {"loss": 0.5, "val_loss": np.float32(0.75), "note": "x"})
    board.on_train_end()
    assert scalars(tmp_path / "train") == {"epoch_loss": [(0, 0.5)]}
    assert scalars(tmp_path / "validation") == {"epoch_loss": [(0, 0.75)]}


def test_without_the_tensorboard_package_one_line_says_so(tmp_path, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "tensorboard" else real(name, *a),
    )
    board, note = tensorboard_callback(tmp_path)
    assert board is None and "tensorboard" in note and "\n" not in note
    assert "tensorflow" not in note.lower()
