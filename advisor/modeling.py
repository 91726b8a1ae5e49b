"""Keras 3 model code: data preparation, lazy windows, the LSTM, training, forecasting.

This is the only module that imports Keras (and through it the backend). It uses
``keras`` and ``keras.utils.PyDataset`` only, never ``tf.*``, so the same code runs
under ``KERAS_BACKEND=tensorflow``, ``jax`` or ``torch``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from advisor.backend import quiet_native_stderr
from advisor.records import Curve, ModelConfig, Scaling

with quiet_native_stderr():
    import keras

# Each diagnostic run builds a new model, so the TensorFlow backend warns about
# retracing; that is expected here and says nothing to a user.
logging.getLogger("tensorflow").setLevel(logging.ERROR)


@dataclass(frozen=True, eq=False)
class Prepared:
    """Model-ready arrays: channel 0 is the (differenced, scaled) target, then features."""

    inputs: np.ndarray
    target: np.ndarray
    levels: np.ndarray
    differencing: int
    target_offset: float
    target_scale: float

    def to_levels(self, scaled: np.ndarray, ts: np.ndarray) -> np.ndarray:
        """Undo scaling and differencing of predictions made at origins ``ts``."""
        values = scaled * self.target_scale + self.target_offset
        if self.differencing:
            return self.levels[ts - 1][:, None] + np.cumsum(values, axis=1)
        return values


def _scaler(scaling: Scaling) -> StandardScaler | MinMaxScaler | None:
    if scaling == "standard":
        return StandardScaler()
    if scaling == "minmax":
        return MinMaxScaler()
    return None


def prepare(values: np.ndarray, fit_rows: int, scaling: Scaling, differencing: int) -> Prepared:
    """``values``: (rows, channels), target first. Scalers see rows ``[:fit_rows]`` only."""
    levels = values[:, 0].astype(np.float64)
    data = values.astype(np.float64).copy()
    if differencing:
        data[1:, 0] = np.diff(levels)
        data[0, 0] = 0.0
    scaler = _scaler(scaling)
    offset, scale = 0.0, 1.0
    if scaler is not None:
        # Row 0 of a differenced series is a placeholder, so it stays out of the fit.
        first = 1 if differencing else 0
        scaler.fit(data[first:fit_rows])
        data = scaler.transform(data)
        if isinstance(scaler, StandardScaler):
            offset, scale = float(scaler.mean_[0]), float(scaler.scale_[0])
        else:
            offset, scale = float(scaler.data_min_[0]), float(1.0 / scaler.scale_[0])
    data = data.astype(np.float32)
    return Prepared(data, data[:, 0].copy(), levels, differencing, offset, scale)


class WindowDataset(keras.utils.PyDataset):
    """Batches of (lookback window, next ``horizon`` targets) built on demand.

    ``sliding_window_view`` is a view, so memory stays O(rows); only the rows of one
    batch are ever copied.
    """

    def __init__(
        self,
        prepared: Prepared,
        origins: np.ndarray,
        lookback: int,
        horizon: int,
        batch_size: int,
        shuffle: bool = False,
        seed: int = 0,
    ):
        super().__init__()
        self._x = sliding_window_view(prepared.inputs, lookback, axis=0)
        self._y = sliding_window_view(prepared.target, horizon)
        self._origins = np.asarray(origins, dtype=np.int64)
        self._order = self._origins.copy()
        self._lookback = lookback
        self._batch = batch_size
        self._shuffle = shuffle
        self._rng = np.random.default_rng(seed)
        if shuffle:
            self._rng.shuffle(self._order)

    def __len__(self) -> int:
        return max(1, -(-len(self._origins) // self._batch))

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        ts = self._order[index * self._batch : (index + 1) * self._batch]
        x = np.ascontiguousarray(self._x[ts - self._lookback].transpose(0, 2, 1))
        return x, np.ascontiguousarray(self._y[ts])

    def on_epoch_end(self) -> None:
        if self._shuffle:
            self._rng.shuffle(self._order)


def build_model(config: ModelConfig, channels: int, horizon: int) -> keras.Model:
    reg = keras.regularizers.L2(config.l2) if config.l2 > 0 else None
    inputs = keras.Input((config.lookback, channels))
    x = inputs
    for i, layer in enumerate(config.layers):
        x = keras.layers.LSTM(
            layer.units,
            dropout=layer.dropout,
            recurrent_dropout=layer.recurrent_dropout,
            kernel_regularizer=reg,
            return_sequences=i < len(config.layers) - 1,
        )(x)
    outputs = keras.layers.Dense(horizon)(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate), loss="mse")
    return model


class _Deadline(keras.callbacks.Callback):
    """Stops training between epochs once a wall-clock deadline has passed."""

    def __init__(self, deadline: float):
        super().__init__()
        self.deadline = deadline
        self.hit = False

    def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        if time.monotonic() > self.deadline:
            self.hit = True
            self.model.stop_training = True


@dataclass(frozen=True, eq=False)
class Fitted:
    model: keras.Model
    curve: Curve
    best_epoch: int
    stopped_reason: str
    seconds: float


def fit(
    config: ModelConfig,
    prepared: Prepared,
    train_origins: np.ndarray,
    val_origins: np.ndarray | None,
    horizon: int,
    seed: int,
    deadline: float | None = None,
    epochs: int | None = None,
    extra_callbacks: list[keras.callbacks.Callback] | None = None,
) -> Fitted:
    """Train one model; with validation origins, early stopping keeps the best epoch."""
    keras.utils.set_random_seed(seed)
    start = time.monotonic()
    model = build_model(config, prepared.inputs.shape[1], horizon)
    train = WindowDataset(
        prepared, train_origins, config.lookback, horizon, config.batch_size, True, seed
    )
    callbacks: list[keras.callbacks.Callback] = [keras.callbacks.TerminateOnNaN()]
    stopper = None
    val = None
    if val_origins is not None and len(val_origins):
        val = WindowDataset(prepared, val_origins, config.lookback, horizon, config.batch_size)
        stopper = keras.callbacks.EarlyStopping(
            patience=config.early_stopping_patience, restore_best_weights=True
        )
        callbacks.append(stopper)
    limit = _Deadline(deadline) if deadline is not None else None
    if limit:
        callbacks.append(limit)
    callbacks.extend(extra_callbacks or [])
    history = model.fit(
        train, validation_data=val, epochs=epochs or config.epochs, verbose=0, callbacks=callbacks
    )
    train_loss = tuple(float(v) for v in history.history.get("loss", []))
    val_loss = tuple(float(v) for v in history.history.get("val_loss", []))
    curve = Curve(train_loss, val_loss)
    finite = [v if np.isfinite(v) else np.inf for v in (val_loss or train_loss)]
    best = int(np.argmin(finite)) + 1 if finite else 0
    if train_loss and not np.isfinite(train_loss[-1]):
        reason = "nan"
    elif stopper is not None and stopper.stopped_epoch > 0:
        reason = "early_stopping"
    elif limit is not None and limit.hit:
        reason = "budget"
    else:
        reason = "completed"
    return Fitted(model, curve, best, reason, time.monotonic() - start)


def forecast(
    model: keras.Model, prepared: Prepared, ts: np.ndarray, lookback: int, horizon: int
) -> np.ndarray:
    """Forecasts in the target's own units, shape ``(len(ts), horizon)``."""
    data = WindowDataset(prepared, ts, lookback, horizon, batch_size=256)
    scaled = np.asarray(model.predict(data, verbose=0), dtype=np.float64)
    return prepared.to_levels(scaled, ts)


def count_params(config: ModelConfig, channels: int, horizon: int) -> int:
    """LSTM + dense parameter count, without building a model."""
    total, width = 0, channels
    for layer in config.layers:
        total += 4 * (layer.units * (layer.units + width) + layer.units)
        width = layer.units
    return total + width * horizon + horizon
