"""Keras 3 model code for one LSTM: data preparation, lazy windows, the model, training,
forecasting, and its parameter count.

This module and ``sweep`` (the fused capacity sweep, built on the windows and callbacks
here) are the only ones that import Keras (and through it the backend); Keras loads
here first, so the thread setting below comes before it. They use ``keras`` and
``keras.utils.PyDataset`` only, never ``tf.*`` (``sweep.gpu_present`` asks torch alone,
where Keras lists no devices), so the same code runs under
``KERAS_BACKEND=tensorflow``, ``jax`` or ``torch``.
"""

from __future__ import annotations

import logging
import os
import random
import time
from dataclasses import dataclass, field

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from advisor.core import interrupt
from advisor.core.backend import quiet_native_stderr
from advisor.core.records import Curve, ModelConfig, Scaling
from advisor.core.sizing import EPOCH_WINDOWS, MAX_VAL_WINDOWS, model_params
from advisor.diagnostics.findings import DIVERGENCE_FACTOR

# One thread per TensorFlow op on the CPU, read when TensorFlow starts its first op (so
# also after an earlier import); the user's own setting wins, and other backends ignore
# it. The LSTMs here are small: splitting one small matrix product over cores costs more
# than it saves, and with one thread an op, the fused sweep's separate layers run side
# by side on the cores instead. Measured on 2 cores (best of 4, one training batch):
# the 8-to-128 sweep 33 -> 23 ms; one LSTM(64) 10.1 -> 10.2 ms, LSTM(128) over 168
# steps 176 -> 129 ms, LSTM(256) over 24 steps 52 -> 63 ms (the one case that loses).
os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "1")

with quiet_native_stderr():
    import keras

# Each diagnostic run builds a new model, so the TensorFlow backend warns about
# retracing; that is expected here and says nothing to a user.
logging.getLogger("tensorflow").setLevel(logging.ERROR)


# Layers whose output is a forecast (heads, an average of models) compute in float32
# whatever Keras' dtype policy (``device.use_precision``): under bfloat16 a forecast
# would keep three significant digits, and the losses and scores read it.
OUTPUT_DTYPE = "float32"
# The largest log a forecast is turned back from: exp(700) is near float64's limit.
LOG_CEILING = 700.0


def set_random_seed(seed: int) -> None:
    """Seeds Python's, numpy's and the backend's generators: ``keras.utils.set_random_seed``,
    without TensorFlow under another backend.

    Keras' function also seeds TensorFlow wherever it is installed, for ``tf.data``
    pipelines, and so imports it under JAX or PyTorch too: seconds of start-up, its native
    log lines on stderr and its memory, for a library those backends never call here.
    Everything random in this model code draws from the generators seeded here: Keras
    gives an initializer or dropout layer built without a seed one from Python's
    ``random``, and shuffles arrays with numpy's (``WindowDataset`` has its own).
    """
    backend = keras.config.backend()
    if backend == "tensorflow":
        keras.utils.set_random_seed(seed)
        return
    # The rest of what Keras' function does: it records the seed and drops its global
    # SeedGenerator (``keras.random`` calls without a seed draw from it), so that a new
    # one starts from this seed. Keras has no public call for that alone.
    try:
        from keras.src.backend.common import global_state
        from keras.src.random import seed_generator
        from keras.src.utils.rng_utils import GLOBAL_RANDOM_SEED

        global_state.set_global_attribute(GLOBAL_RANDOM_SEED, seed)
        global_state.set_global_attribute(seed_generator.GLOBAL_SEED_GENERATOR, None)
    except (
        ImportError,
        AttributeError,
    ):  # another Keras layout: Python's and numpy's seeds still hold
        pass
    random.seed(seed)
    np.random.seed(seed)
    if backend == "torch":
        import torch

        torch.manual_seed(seed)


@dataclass(frozen=True, eq=False)
class Prepared:
    """Model-ready arrays: channel 0 is the (logged, deseasonalized, differenced, scaled)
    target, then features."""

    inputs: np.ndarray
    target: np.ndarray
    levels: np.ndarray
    differencing: int
    target_offset: float
    target_scale: float
    season: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """The average pattern taken out of the target, by position in its season (row ``t``
    at ``t % len(season)``); empty where none was."""
    adjusted: np.ndarray | None = None
    """``levels`` logged and with ``season`` taken out, as far as either was: the values
    differencing works on; ``None`` where neither was (``levels`` then)."""
    log: bool = False
    """Whether the target's log was taken first (``ModelConfig.log_target``)."""

    def to_levels(self, scaled: np.ndarray, ts: np.ndarray) -> np.ndarray:
        """Undo scaling, differencing, deseasonalizing and the log of predictions made at
        origins ``ts``.

        With differencing at lag ``d`` each step adds its predicted change to the level
        ``d`` rows back: an observed one before the origin, else one forecast earlier.
        A season's pattern taken out is added back by each step's position in it, and a
        log is undone last (its pattern and changes are then ratios).
        """
        values = scaled * self.target_scale + self.target_offset
        lag = self.differencing
        if lag:
            base = self.levels if self.adjusted is None else self.adjusted
            out = np.empty_like(values, dtype=np.float64)
            for k in range(values.shape[1]):
                prev = out[:, k - lag] if k >= lag else base[ts + k - lag]
                out[:, k] = prev + values[:, k]
            values = out
        if len(self.season):
            rows = ts[:, None] + np.arange(values.shape[1])[None, :]
            values = values + self.season[rows % len(self.season)]
        if self.log:
            # A forecast whose log overflows is a diverged one: kept finite, so that
            # its error counts against it instead of turning every score into NaN.
            values = np.exp(np.minimum(values, LOG_CEILING))
        return values


def _scaler(scaling: Scaling) -> StandardScaler | MinMaxScaler | None:
    if scaling == "standard":
        return StandardScaler()
    if scaling == "minmax":
        return MinMaxScaler()
    return None


def prepare(
    values: np.ndarray,
    fit_rows: int,
    scaling: Scaling,
    differencing: int,
    season_position: int = 0,
    deseasonalize: int = 0,
    log_target: bool = False,
) -> Prepared:
    """``values``: (rows, channels), target first. Scalers see rows ``[:fit_rows]`` only.

    ``log_target`` takes the target's natural log first (every value must be positive).
    ``deseasonalize``, a season's length, takes that season's average pattern, estimated
    on rows ``[:fit_rows]`` (``season_pattern``), out of the target first.
    ``differencing`` is the lag of the change the model learns: 0 the values themselves,
    1 the step-to-step change, a seasonal period the change since one season back.
    ``season_position``, a season's length, adds two last channels: the sine and cosine
    of each row's position in that season (``season_inputs``).
    """
    levels = values[:, 0].astype(np.float64)
    data = values.astype(np.float64).copy()
    season = np.zeros(0)
    adjusted = None
    if log_target:
        adjusted = np.log(levels)
        data[:, 0] = adjusted
    if deseasonalize:
        work = levels if adjusted is None else adjusted
        season = season_pattern(work[:fit_rows], deseasonalize)
        adjusted = work - season[np.arange(len(levels)) % deseasonalize]
        data[:, 0] = adjusted
    base = levels if adjusted is None else adjusted
    lag = differencing
    if lag:
        data[lag:, 0] = base[lag:] - base[:-lag]
        data[:lag, 0] = 0.0
    scaler = _scaler(scaling)
    offset, scale = 0.0, 1.0
    if scaler is not None:
        # The first ``lag`` rows of a differenced series are placeholders: kept out of the fit.
        scaler.fit(data[lag:fit_rows])
        data = scaler.transform(data)
        if isinstance(scaler, StandardScaler):
            offset, scale = float(scaler.mean_[0]), float(scaler.scale_[0])
        else:
            offset, scale = float(scaler.data_min_[0]), float(1.0 / scaler.scale_[0])
    if season_position:
        data = np.concatenate([data, season_inputs(len(data), season_position)], axis=1)
    data = data.astype(np.float32)
    return Prepared(
        data, data[:, 0].copy(), levels, differencing, offset, scale, season, adjusted, log_target
    )


def season_pattern(values: np.ndarray, season: int) -> np.ndarray:
    """``(season,)``: the average pattern of a season in ``values`` by position (row ``t``
    at ``t % season``), summing to zero: statsmodels' classical additive decomposition,
    whose centred moving average takes the trend out first. It needs two whole seasons."""
    from statsmodels.tsa.seasonal import seasonal_decompose

    pattern = seasonal_decompose(values, model="additive", period=season).seasonal[:season]
    return np.asarray(pattern, dtype=np.float64)


def season_inputs(rows: int, season: int, first: int = 0) -> np.ndarray:
    """``(rows, 2)``: the sine and cosine of rows ``first ..``'s position in a season of
    ``season`` steps, counted from the series' first row. Already within -1..1, so they
    need no scaler; a forecast past the data continues the count."""
    phase = 2.0 * np.pi * (np.arange(first, first + rows) % season) / season
    return np.stack([np.sin(phase), np.cos(phase)], axis=1)


def even_subset(ts: np.ndarray, most: int) -> np.ndarray:
    """At most ``most`` of ``ts``, evenly spaced, first and last kept."""
    if len(ts) <= most:
        return ts
    return ts[np.unique(np.linspace(0, len(ts) - 1, most).round().astype(np.int64))]


class WindowDataset(keras.utils.PyDataset):
    """Batches of (lookback window, next ``horizon`` targets) built on demand.

    ``sliding_window_view`` is a view, so memory stays O(rows); only the rows of one
    batch are ever copied. With ``per_epoch`` below the number of origins, each epoch
    is a fresh random draw of that many of them (``shuffle`` is then implied).
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
        per_epoch: int | None = None,
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
        self._per_epoch = per_epoch if per_epoch and per_epoch < len(self._origins) else None
        if self._per_epoch:
            self._order = self._draw()
        elif shuffle:
            self._rng.shuffle(self._order)

    def _draw(self) -> np.ndarray:
        return self._rng.choice(self._origins, self._per_epoch or 0, replace=False)

    def __len__(self) -> int:
        return max(1, -(-len(self._order) // self._batch))

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        ts = self._order[index * self._batch : (index + 1) * self._batch]
        x = np.ascontiguousarray(self._x[ts - self._lookback].transpose(0, 2, 1))
        return x, np.ascontiguousarray(self._y[ts])

    def on_epoch_end(self) -> None:
        if self._per_epoch:
            self._order = self._draw()
        elif self._shuffle:
            self._rng.shuffle(self._order)


def pool(parts: list[tuple[Prepared, np.ndarray]]) -> tuple[Prepared, np.ndarray]:
    """Several series' windows as one: their arrays end to end and each origin moved by
    its series' offset. No window crosses from one series into the next, since every
    origin leaves its lookback and horizon inside its own series. For training only:
    the pooled record's scale and levels mean nothing."""
    offsets = np.cumsum([0, *(len(p.target) for p, _ in parts[:-1])])
    pooled = Prepared(
        inputs=np.concatenate([p.inputs for p, _ in parts]),
        target=np.concatenate([p.target for p, _ in parts]),
        levels=np.concatenate([p.levels for p, _ in parts]),
        differencing=parts[0][0].differencing,
        target_offset=0.0,
        target_scale=1.0,
    )
    origins = np.concatenate([ts + off for (_, ts), off in zip(parts, offsets, strict=True)])
    return pooled, origins


def pretrain(
    config: ModelConfig,
    parts: list[tuple[Prepared, np.ndarray, np.ndarray]],
    horizon: int,
    seed: int,
    deadline: float | None = None,
) -> Fitted:
    """One model of ``config`` trained on the windows of several series, each part
    (prepared on its own training rows, training origins, validation origins) pooled
    end to end, early stopping on their pooled validation windows."""
    pooled, train_ts = pool([(p, tr) for p, tr, _ in parts])
    _, val_ts = pool([(p, va) for p, _, va in parts])
    return fit(config, pooled, train_ts, val_ts, horizon, seed, deadline)


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
    outputs = keras.layers.Dense(horizon, dtype=OUTPUT_DTYPE)(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate), loss="mse")
    return model


class InterruptCheck(keras.callbacks.Callback):
    """Raises a Ctrl-C noted during the fit at the next batch (see advisor.core.interrupt).

    It checks as a batch begins, never as one ends: a callback with a batch-end hook
    makes Keras turn each batch's logs into Python numbers in the training loop itself
    (under JAX and torch, whose Keras otherwise leaves that to a thread), so the host
    waits for the device at every batch instead of preparing the next batch meanwhile.
    A batch's beginning has no logs to wait for.
    """

    def on_train_batch_begin(self, batch: int, logs: dict[str, float] | None = None) -> None:
        interrupt.check()

    def on_test_batch_begin(self, batch: int, logs: dict[str, float] | None = None) -> None:
        interrupt.check()


class DeadlineStop(keras.callbacks.Callback):
    """Stops training between epochs once a wall-clock deadline has passed, but never
    before ``not_before`` epochs have run."""

    def __init__(self, deadline: float, not_before: int = 0):
        super().__init__()
        self.deadline = deadline
        self.not_before = not_before
        self.hit = False

    def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        if epoch + 1 >= self.not_before and time.monotonic() > self.deadline:
            self.hit = True
            self.model.stop_training = True


class _Divergence(keras.callbacks.Callback):
    """TerminateOnNaN's sibling for losses that explode without becoming NaN.

    ``floor``: a loss counts as exploding only above ``factor`` times the larger of the
    lowest loss so far and this. A classifier passes the loss of guessing (its
    cross-entropy falls towards 0 as it fits, so a tenfold rise from there is noise)."""

    def __init__(self, factor: float = DIVERGENCE_FACTOR, floor: float = 0.0):
        super().__init__()
        self.factor = factor
        self.floor = floor
        self.lowest = np.inf
        self.hit = False

    def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        loss = float((logs or {}).get("loss", np.nan))
        limit = self.factor * max(self.lowest, self.floor)
        if np.isfinite(loss) and self.lowest > 0 and loss > limit:
            self.hit = True
            self.model.stop_training = True
        if np.isfinite(loss):
            self.lowest = min(self.lowest, loss)


# A classifier's training loss starts at the cross-entropy of guessing, ln(classes), and
# on some data (long single-channel sequences) stays near it for dozens of epochs before
# the LSTM finds the signal. Early stopping that counts those epochs ends the training on
# the plateau and restores its first epoch: a model at chance, though it would have
# learnt. While the training loss is above this share of the plateau, the patience does
# not run down; the epoch cap still bounds the training.
PLATEAU_SHARE = 0.95


class LearnFirstStopping(keras.callbacks.EarlyStopping):
    """EarlyStopping whose patience runs only once the training loss has left the
    plateau of guessing (``plateau``: its cross-entropy, ``ln(classes)``)."""

    def __init__(self, plateau: float, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.plateau = plateau
        self.plateau_epochs = 0
        """Epochs the patience did not count."""

    def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        loss = float((logs or {}).get("loss", np.nan))
        if np.isfinite(loss) and loss > PLATEAU_SHARE * self.plateau:
            self.plateau_epochs += 1
            self.wait -= 1  # the parent adds it back: this epoch does not count
        super().on_epoch_end(epoch, logs)


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
    set_random_seed(seed)
    start = time.monotonic()
    model = build_model(config, prepared.inputs.shape[1], horizon)
    return _train(
        model,
        config,
        prepared,
        train_origins,
        val_origins,
        horizon,
        seed,
        start,
        deadline,
        epochs,
        extra_callbacks,
    )


def _train(
    model: keras.Model,
    config: ModelConfig,
    prepared: Prepared,
    train_origins: np.ndarray,
    val_origins: np.ndarray | None,
    horizon: int,
    seed: int,
    start: float,
    deadline: float | None = None,
    epochs: int | None = None,
    extra_callbacks: list[keras.callbacks.Callback] | None = None,
) -> Fitted:
    """``fit``'s training of a compiled ``model`` (built here, or a pretrained one)."""
    train = WindowDataset(
        prepared,
        train_origins,
        config.lookback,
        horizon,
        config.batch_size,
        True,
        seed,
        EPOCH_WINDOWS,
    )
    divergence = _Divergence()
    callbacks: list[keras.callbacks.Callback] = [keras.callbacks.TerminateOnNaN(), divergence]
    stopper = None
    val = None
    if val_origins is not None and len(val_origins):
        val = WindowDataset(
            prepared,
            even_subset(val_origins, MAX_VAL_WINDOWS),
            config.lookback,
            horizon,
            config.batch_size,
        )
        stopper = keras.callbacks.EarlyStopping(
            patience=config.early_stopping_patience, restore_best_weights=True
        )
        callbacks.append(stopper)
    limit = DeadlineStop(deadline) if deadline is not None else None
    if limit:
        callbacks.append(limit)
    callbacks.extend([*(extra_callbacks or []), InterruptCheck()])
    with interrupt.deferred():
        history = model.fit(
            train,
            validation_data=val,
            epochs=epochs or config.epochs,
            verbose=0,
            callbacks=callbacks,
        )
    train_loss = tuple(float(v) for v in history.history.get("loss", []))
    val_loss = tuple(float(v) for v in history.history.get("val_loss", []))
    curve = Curve(train_loss, val_loss)
    finite = [v if np.isfinite(v) else np.inf for v in (val_loss or train_loss)]
    best = int(np.argmin(finite)) + 1 if finite else 0
    if train_loss and not np.isfinite(train_loss[-1]):
        reason = "nan"
    elif divergence.hit:
        reason = "diverged"
    elif stopper is not None and stopper.stopped_epoch > 0:
        reason = "early_stopping"
    elif limit is not None and limit.hit:
        reason = "budget"
    else:
        reason = "completed"
    return Fitted(model, curve, best, reason, time.monotonic() - start)


# Fine-tuning's second phase moves every weight, at this share of the configuration's
# learning rate, so that it adapts what was learnt rather than overwrite it.
FINE_TUNE_RATE_SHARE = 0.1


def fine_tune(
    pretrained: keras.Model,
    config: ModelConfig,
    prepared: Prepared,
    train_origins: np.ndarray,
    val_origins: np.ndarray | None,
    horizon: int,
    seed: int,
    deadline: float | None = None,
) -> Fitted:
    """A copy of ``pretrained`` trained in two phases: its output layer alone, then every
    layer at ``FINE_TUNE_RATE_SHARE`` of the learning rate, each with early stopping
    (on ``val_origins``) and ``config``'s epochs and batch. ``config.lookback`` must be
    the pretrained model's window. The curve joins both phases; the best epoch counts
    from the first."""
    set_random_seed(seed)
    start = time.monotonic()
    model = keras.models.clone_model(pretrained)
    model.set_weights(pretrained.get_weights())
    for layer in model.layers[:-1]:
        layer.trainable = False
    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate), loss="mse")
    head = _train(
        model, config, prepared, train_origins, val_origins, horizon, seed, start, deadline
    )
    if head.stopped_reason in ("nan", "diverged", "budget"):
        return head
    for layer in model.layers:
        layer.trainable = True
    rate = config.learning_rate * FINE_TUNE_RATE_SHARE
    model.compile(optimizer=keras.optimizers.Adam(rate), loss="mse")
    whole = _train(
        model, config, prepared, train_origins, val_origins, horizon, seed, start, deadline
    )
    curve = Curve(
        head.curve.train_loss + whole.curve.train_loss, head.curve.val_loss + whole.curve.val_loss
    )
    finite = [v if np.isfinite(v) else np.inf for v in (curve.val_loss or curve.train_loss)]
    best = int(np.argmin(finite)) + 1 if finite else 0
    return Fitted(model, curve, best, whole.stopped_reason, time.monotonic() - start)


def forecast(
    model: keras.Model, prepared: Prepared, ts: np.ndarray, lookback: int, horizon: int
) -> np.ndarray:
    """Forecasts in the target's own units, shape ``(len(ts), horizon)``."""
    data = WindowDataset(prepared, ts, lookback, horizon, batch_size=256)
    scaled = np.asarray(model.predict(data, verbose=0), dtype=np.float64)
    return prepared.to_levels(scaled, ts)


def average_models(models: list[keras.Model]) -> keras.Model:
    """One model whose output is the mean of ``models``' outputs (one model: itself)."""
    if len(models) == 1:
        return models[0]
    inputs = keras.Input(models[0].input_shape[1:])
    outputs = keras.layers.Average(dtype=OUTPUT_DTYPE)([m(inputs) for m in models])
    return keras.Model(inputs, outputs, name="seed_average")


def count_params(config: ModelConfig, channels: int, horizon: int) -> int:
    """LSTM + dense parameter count, without building a model."""
    return model_params([layer.units for layer in config.layers], channels, horizon)
