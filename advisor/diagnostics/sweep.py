"""The fused capacity sweep: every width of a sweep trained at once as one Keras model.

Apart from ``model`` (one LSTM) because it is a different model with its own machinery:
branch groups (their form chosen by device), block-diagonal shared layers, per-branch
early stopping, and ``Sweep``, which builds and traces the fused model once and then
calibrates and trains it. It takes ``keras`` from ``model`` rather than importing it
itself, so Keras always loads after ``model``'s thread setting; nothing light imports
this module. Whether it trains on a GPU it asks ``device.gpu_present``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from advisor.core import interrupt
from advisor.core.records import Curve, ModelConfig
from advisor.core.sizing import MAX_VAL_WINDOWS
from advisor.diagnostics.device import gpu_present
from advisor.diagnostics.findings import DIVERGENCE_FACTOR
from advisor.diagnostics.model import (
    OUTPUT_DTYPE,
    DeadlineStop,
    InterruptCheck,
    Prepared,
    WindowDataset,
    even_subset,
    keras,
    set_random_seed,
)
from advisor.diagnostics.trainer import SweepCost

# The widths of a capacity sweep train together as ONE model: one input, one LSTM branch
# per width, one head per branch, and a loss that is the sum of each branch's own mean
# squared error. The gradient of a sum reaching a branch's weights is the gradient of
# that branch's own loss, and Adam updates each weight from its own gradient alone, so
# every branch trains exactly as it would alone on the same batches; one pass over the
# data trains them all and pays the per-batch and per-step overhead once.
#
# Branches can share one LSTM layer whose weights are block-diagonal (a constraint
# zeroes the blocks between branches after every update, and they start at zero), so
# they cost one layer's overhead instead of one each. Which widths share depends on the
# device (``sweep_form``):
#
# - on a GPU, every width shares ONE block-diagonal layer ("block"). A small LSTM there
#   is launch-bound, not FLOP-bound: each of its time steps is a few kernel launches
#   whatever its width, so one wide layer costs about what its widest block alone does,
#   where separate layers cost one set of launches each (an earlier measurement on one
#   GPU, JAX backend: 8-to-128 in one layer 1.8x the widest alone, separately 5.7x);
# - on a CPU, narrow widths share one layer and wide ones get their own ("branches"):
#   there the arithmetic counts, and a shared layer does (sum of widths)^2 work where
#   separate layers do the sum of the squares (see SHARED_LAYER_UNITS). That pays under
#   TensorFlow, which runs a model's independent layers side by side on the cores;
# - on a CPU under JAX, each width is a model of its own, trained one after another
#   ("separate"): XLA runs a CPU step's layers one after another, so fusing saves
#   nothing and the fused step cost more. Measured on 2 cores (benchmarks/fused_sweep.py,
#   widths 8-128, 2,000 windows): one by one 0.81 s an epoch, "branches" 1.00 s,
#   "block" 1.23 s; under TensorFlow "branches" 1.38 s against 3.28 s one by one.
# - on a CPU under PyTorch, "block" too. Keras runs a torch LSTM on a CPU as a Python
#   loop over the time steps (torch's fused kernel only on CUDA), so a layer's cost is
#   mostly its per-step overhead, and the two fused forms tie: same benchmark, six
#   repeats each, "block" 2.60-3.03 s an epoch (median 2.82), "branches" 2.55-3.67 s
#   (2.91), one by one 4.1-5.5 s. With a tie, the form a GPU takes, so that the torch
#   tests on a CPU run the GPU's form.
#
# Everything else (heads, losses, stopping, data) is the same code for every form; a
# "separate" sweep is the trainer's loop over one-width sweeps (``KerasTrainer.run_sweep``).

SweepForm = Literal["block", "branches", "separate"]
FORMS: tuple[SweepForm, ...] = ("block", "branches", "separate")
# Forces the form whatever the device (benchmarks compare them); ``None``: by device.
FORM: SweepForm | None = None


def sweep_form() -> SweepForm:
    """The form a sweep takes here: ``FORM`` where set, else by device and backend."""
    if FORM is not None:
        return FORM
    backend = keras.config.backend()
    if gpu_present() or backend == "torch":
        return "block"
    return "separate" if backend == "jax" else "branches"


# On a CPU, widths whose units add up to at most this share one block-diagonal LSTM
# layer. Up to about 64 units a CPU LSTM step costs about the same whatever its width,
# because per-op overhead rather than arithmetic dominates: one training batch (32
# windows of 24 steps, 2 cores, best of 5) took 6-8 ms at 8 units, 10.5 ms at 64,
# 10.6 ms for 8+16+32 in one shared layer, but 18.5 ms for 8+16+32+64 and 21 ms at 128.
# A shared layer does (sum of widths)^2 work where separate layers do the sum of the
# squares, so beyond this a branch gets its own layer.
SHARED_LAYER_UNITS = 64


def branch_groups(widths: Sequence[int], form: SweepForm = "branches") -> list[tuple[int, ...]]:
    """Widths, narrowest first, grouped into layers: ``block``, all in one; ``branches``,
    packed into layers of at most SHARED_LAYER_UNITS units; ``separate``, one each."""
    if form == "block":
        return [tuple(sorted(widths))]
    if form == "separate":
        return [(width,) for width in sorted(widths)]
    groups: list[list[int]] = []
    for width in sorted(widths):
        if groups and sum(groups[-1]) + width <= SHARED_LAYER_UNITS:
            groups[-1].append(width)
        else:
            groups.append([width])
    return [tuple(g) for g in groups]


def describe_form(widths: Sequence[int], form: SweepForm) -> str:
    """How the widths train, for the plan: "trained together in one block-diagonal
    LSTM", "trained together in 3 layers (8+16+32, 64, 128)", or "trained one after
    another, a model each"; empty for a single width."""
    if len(widths) < 2:
        return ""
    if form == "separate":
        return "trained one after another, a model each"
    groups = branch_groups(widths, form)
    if len(groups) == 1:
        return "trained together in one block-diagonal LSTM"
    parts = ", ".join("+".join(str(w) for w in g) for g in groups)
    return f"trained together in {len(groups)} layers ({parts})"


def _branch_seed(seed: int, units: int, depth: int, part: int) -> int:
    """Each branch's initial weights depend on its width, not on which other widths it
    trains beside: a branch starts the same in any sweep and alone."""
    return (seed * 1_000_003 + units * 1009 + depth * 31 + part) % (2**31 - 1)


def _block_mask(group: Sequence[int], gates: int) -> np.ndarray:
    """1 where row unit and column unit belong to the same branch, for ``gates`` gate blocks."""
    owner = np.repeat(np.arange(len(group)), group)
    same = (owner[:, None] == owner[None, :]).astype(np.float32)
    return np.tile(same, (1, gates))


class _BlockDiagonal(keras.constraints.Constraint):
    """Keeps a shared LSTM's weights between branches at zero after every update."""

    def __init__(self, mask: np.ndarray):
        self.mask = mask

    def __call__(self, w: object) -> object:
        return keras.ops.multiply(w, keras.ops.convert_to_tensor(self.mask, dtype=w.dtype))  # type: ignore[attr-defined]


class _BlockInit(keras.initializers.Initializer):
    """Each branch's block initialised as its own ``LSTM(width)`` would be (Glorot input
    weights, orthogonal recurrent weights, seeded by width); zero between branches."""

    def __init__(self, group: Sequence[int], rows: int | None, depth: int, seed: int, part: int):
        self.group, self.rows, self.depth, self.seed, self.part = group, rows, depth, seed, part

    def __call__(self, shape: tuple[int, ...], dtype: object = None) -> object:
        total = sum(self.group)
        out = np.zeros(shape, dtype=np.float32)
        start = 0
        for width in self.group:
            rows = self.rows if self.rows is not None else width
            seed = _branch_seed(self.seed, width, self.depth, self.part)
            init = (
                keras.initializers.Orthogonal(seed=seed)
                if self.part
                else keras.initializers.GlorotUniform(seed=seed)
            )
            block = keras.ops.convert_to_numpy(init((rows, 4 * width))).astype(np.float32)
            row = slice(None) if self.rows is not None else slice(start, start + width)
            for gate in range(4):
                cols = slice(gate * total + start, gate * total + start + width)
                out[row, cols] = block[:, gate * width : (gate + 1) * width]
            start += width
        return keras.ops.convert_to_tensor(out, dtype=dtype)


class _Units(keras.layers.Layer):
    """One branch's slice of a shared layer's output units."""

    def __init__(self, start: int, stop: int, **kwargs: object):
        super().__init__(**kwargs)
        self.start, self.stop = start, stop

    def call(self, x: object) -> object:
        return x[..., self.start : self.stop]  # type: ignore[index]


class _Stack(keras.layers.Layer):
    """The branches' forecasts as one ``(batch, branches, horizon)`` output."""

    def call(self, xs: list[object]) -> object:
        return keras.ops.stack(xs, axis=1)


class _SumOfBranchLosses(keras.losses.Loss):
    """Sum over branches of each branch's mean squared error; targets are
    ``(batch, 1, horizon)`` and broadcast against every branch."""

    def call(self, y_true: object, y_pred: object) -> object:
        err = keras.ops.square(keras.ops.subtract(y_pred, y_true))
        return keras.ops.sum(keras.ops.mean(err, axis=-1), axis=-1)


class _BranchLosses(keras.metrics.Metric):
    """Every branch's mean squared error, logged as ``<name>`` and ``val_<name>`` for
    each of ``names`` (branches in output order): one metric, its running sums one
    vector, so a training step updates one metric however many branches there are."""

    def __init__(self, names: Sequence[str]):
        super().__init__(name="branch_losses")
        self.names = list(names)
        self.total = self.add_variable((len(self.names),), "zeros", name="total")
        self.count = self.add_variable((), "zeros", name="count")

    def update_state(self, y_true: object, y_pred: object, sample_weight: object = None) -> None:
        err = keras.ops.mean(keras.ops.square(keras.ops.subtract(y_pred, y_true)), axis=-1)
        # Summed as one row per branch: the order, and on TensorFlow's CPU the very bits,
        # of one Mean metric per branch (what this replaced), so the curves are unchanged.
        self.total.assign_add(keras.ops.sum(keras.ops.transpose(err), axis=-1))
        self.count.assign_add(keras.ops.cast(keras.ops.shape(err)[0], self.dtype))

    def reset_state(self) -> None:
        self.total.assign(keras.ops.zeros((len(self.names),), self.dtype))
        self.count.assign(0)

    def result(self) -> dict[str, object]:
        means = keras.ops.divide_no_nan(self.total, self.count)
        return {name: means[b] for b, name in enumerate(self.names)}


def branch_name(units: int) -> str:
    return f"w{units}"


def build_sweep_model(
    config: ModelConfig,
    widths: Sequence[int],
    channels: int,
    horizon: int,
    seed: int,
    form: SweepForm | None = None,
) -> keras.Model:
    """One model, one branch per width of ``config`` (everything but the width shared),
    in ``form`` (``None``: ``sweep_form()``).

    The output is ``(batch, branches, horizon)``, branches in ``widths`` order; each
    branch's loss is logged under ``branch_name(width)``.
    """
    if len(set(widths)) != len(widths):
        raise ValueError(f"a sweep needs distinct widths, got {list(widths)}")
    reg = keras.regularizers.L2(config.l2) if config.l2 > 0 else None
    inputs = keras.Input((config.lookback, channels))
    heads: dict[int, object] = {}
    for group in branch_groups(widths, form or sweep_form()):
        x, total = inputs, sum(group)
        for depth, layer in enumerate(config.layers):
            shared = len(group) > 1
            x = keras.layers.LSTM(
                total,
                dropout=layer.dropout,
                recurrent_dropout=layer.recurrent_dropout,
                kernel_regularizer=reg,
                return_sequences=depth < len(config.layers) - 1,
                kernel_initializer=_BlockInit(
                    group, channels if depth == 0 else None, depth, seed, 0
                ),
                recurrent_initializer=_BlockInit(group, None, depth, seed, 1),
                kernel_constraint=_BlockDiagonal(_block_mask(group, 4))
                if shared and depth > 0
                else None,
                recurrent_constraint=_BlockDiagonal(_block_mask(group, 4)) if shared else None,
            )(x)
        start = 0
        for width in group:
            part = _Units(start, start + width)(x) if len(group) > 1 else x
            heads[width] = keras.layers.Dense(
                horizon,
                kernel_initializer=keras.initializers.GlorotUniform(
                    seed=_branch_seed(seed, width, len(config.layers), 2)
                ),
                name=f"head_{branch_name(width)}",
                dtype=OUTPUT_DTYPE,
            )(part)
            start += width
    outputs = _Stack(dtype=OUTPUT_DTYPE)([heads[w] for w in widths])
    model = keras.Model(inputs, outputs)
    model.compile(
        optimizer=keras.optimizers.Adam(config.learning_rate),
        loss=_SumOfBranchLosses(),
        metrics=[_BranchLosses([branch_name(w) for w in widths])],
    )
    return model


class SweepWindows(WindowDataset):
    """Windows for a sweep model: targets ``(batch, 1, horizon)``.

    A training epoch is whole batches only, a fresh shuffled draw each epoch (so every
    window is seen over the epochs), at most ``max_batches`` of them: one batch shape
    means the training step is traced once, and a cap keeps an epoch of a very long
    series short enough to plan around. Validation is one batch of every window.
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
        max_batches: int | None = None,
    ):
        batch = batch_size if shuffle else max(1, len(origins))
        super().__init__(prepared, origins, lookback, horizon, batch, shuffle, seed)
        self._max_batches = max_batches

    def __len__(self) -> int:
        n = max(1, len(self._origins) // self._batch) if self._shuffle else 1
        return min(n, self._max_batches) if self._max_batches else n

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        x, y = super().__getitem__(index)
        return x, y[:, None, :]


@dataclass(frozen=True, eq=False)
class BranchFit:
    """One branch of a fused training: its own curve and its own best epoch."""

    units: int
    curve: Curve
    best_epoch: int
    """1-based; 0 where no epoch finished."""
    stopped_reason: str


class _PerBranchStopping(keras.callbacks.Callback):
    """Early stopping for every branch at once: training goes on until every branch has
    gone ``patience`` epochs without a better validation loss (or has a NaN or exploded
    loss: TerminateOnNaN for each branch), remembering each branch's best epoch and a
    copy of the weights there. A branch that stopped improving early keeps training
    while the others catch up; its curve records what it did meanwhile, which is where
    overfitting shows (it costs nothing: the fused model trains every branch anyway)."""

    def __init__(self, widths: Sequence[int], patience: int, blowup: float):
        super().__init__()
        self.widths = list(widths)
        self.patience = patience
        self.blowup = blowup
        n = len(self.widths)
        self.train: list[list[float]] = [[] for _ in range(n)]
        self.val: list[list[float]] = [[] for _ in range(n)]
        self.best = [np.inf] * n
        self.best_epoch = [0] * n
        self.broken: list[str | None] = [None] * n
        self.snapshots: dict[int, list[np.ndarray]] = {}
        self.epochs = 0

    def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        logs = logs or {}
        self.epochs = epoch + 1
        improved = False
        for b, width in enumerate(self.widths):
            name = branch_name(width)
            train = float(logs.get(name, np.nan))
            val = float(logs.get(f"val_{name}", np.nan))
            self.train[b].append(train)
            self.val[b].append(val)
            if self.broken[b] is not None:
                continue
            finite = [v for v in self.train[b] if np.isfinite(v)]
            if not (np.isfinite(train) and np.isfinite(val)):
                self.broken[b] = "nan"
            elif finite and min(finite) > 0 and train > self.blowup * min(finite):
                self.broken[b] = "diverged"
            elif val < self.best[b]:
                self.best[b], self.best_epoch[b] = val, epoch + 1
                improved = True
        if improved:
            self.snapshots[epoch + 1] = self.model.get_weights()
        wanted = set(self.best_epoch)
        for kept in [e for e in self.snapshots if e not in wanted]:
            del self.snapshots[kept]
        if all(self._done(b) for b in range(len(self.widths))):
            self.model.stop_training = True

    def _done(self, b: int) -> bool:
        return self.broken[b] is not None or self.epochs - self.best_epoch[b] >= self.patience

    def results(self, cut_reason: str) -> list[BranchFit]:
        out = []
        for b, w in enumerate(self.widths):
            if self.broken[b] is not None:
                reason = self.broken[b]
            elif self._done(b):
                reason = "early_stopping"
            else:
                reason = cut_reason
            curve = Curve(tuple(self.train[b]), tuple(self.val[b]))
            out.append(BranchFit(w, curve, self.best_epoch[b], reason or cut_reason))
        return out


class _SeedAtStart(keras.callbacks.Callback):
    """Seeds the global generators again as training begins, after Keras' build.

    Under PyTorch an unseeded dropout draws from torch's global generator, and a model's
    first ``fit`` draws from it while building, before the first batch; later fits do
    not. Without this, a sweep calibrated first (its first fit the calibration) would
    train otherwise than one that was not. Elsewhere dropout draws from its own seeded
    state, restored by ``reset``, and this changes nothing.
    """

    def __init__(self, seed: int) -> None:
        super().__init__()
        self.seed = seed

    def on_train_begin(self, logs: object = None) -> None:
        set_random_seed(self.seed)


class _EpochClock(keras.callbacks.Callback):
    def __init__(self) -> None:
        super().__init__()
        self.epochs: list[float] = []
        self.validation: list[float] = []
        self._epoch = self._test = 0.0

    def on_epoch_begin(self, epoch: int, logs: object = None) -> None:
        self._epoch = time.monotonic()

    def on_epoch_end(self, epoch: int, logs: object = None) -> None:
        self.epochs.append(time.monotonic() - self._epoch)

    def on_test_begin(self, logs: object = None) -> None:
        self._test = time.monotonic()

    def on_test_end(self, logs: object = None) -> None:
        self.validation.append(time.monotonic() - self._test)


class Sweep:
    """A fused multi-width model that is built and traced once, then calibrated and
    trained as often as needed: every ``fit`` starts from the same initial weights, dropout
    seeds and a fresh optimizer state, so nothing of a calibration or an earlier fit leaks in.
    ``form``: how the widths share layers (``None``: ``sweep_form()``, by device)."""

    # The calibration: one epoch that traces, then the quickest of two more (a passing
    # burst of load on a shared machine should not halve the plan), each of this many
    # training batches: enough that the per-epoch start-up is not read as batch cost.
    CALIBRATION_EPOCHS = 3
    CALIBRATION_BATCHES = 8

    def __init__(
        self,
        config: ModelConfig,
        widths: Sequence[int],
        channels: int,
        horizon: int,
        seed: int,
        form: SweepForm | None = None,
    ):
        start = time.monotonic()
        set_random_seed(seed)
        self.config, self.widths, self.horizon, self.seed = config, tuple(widths), horizon, seed
        self.form: SweepForm = form or sweep_form()
        self.model = build_sweep_model(config, widths, channels, horizon, seed, self.form)
        self.model.optimizer.build(self.model.trainable_variables)
        self._initial = self.model.get_weights()
        self._optimizer_initial = [
            keras.ops.convert_to_numpy(v) for v in self.model.optimizer.variables
        ]
        # State beside the weights: the dropout layers' seed generators, which advance with
        # every batch (``get_weights`` leaves them out).
        self._state_initial = [
            (v, keras.ops.convert_to_numpy(v)) for v in self.model.non_trainable_variables
        ]
        self.build_seconds = time.monotonic() - start
        self.timing: SweepCost | None = None

    def reset(self) -> None:
        self.model.set_weights(self._initial)
        for var, value in zip(self.model.optimizer.variables, self._optimizer_initial, strict=True):
            var.assign(value)
        for var, value in self._state_initial:
            var.assign(value)
        set_random_seed(self.seed)

    def _fit(
        self,
        prepared: Prepared,
        train_ts: np.ndarray,
        val_ts: np.ndarray,
        epochs: int,
        max_batches: int | None,
        callbacks: list[keras.callbacks.Callback],
    ) -> None:
        cfg = self.config
        with interrupt.deferred():
            self.model.fit(
                SweepWindows(
                    prepared,
                    train_ts,
                    cfg.lookback,
                    self.horizon,
                    cfg.batch_size,
                    True,
                    self.seed,
                    max_batches,
                ),
                validation_data=SweepWindows(
                    prepared, even_subset(val_ts, MAX_VAL_WINDOWS), cfg.lookback, self.horizon, 1
                ),
                epochs=epochs,
                # SweepWindows shuffles its windows itself, from its own seeded generator.
                # Keras' shuffle of the batch order draws on Python's global one, and under
                # JAX a model's first fit draws it once more (its build reads a batch), so a
                # sweep calibrated first would train otherwise than one that was not.
                shuffle=False,
                verbose=0,
                callbacks=[_SeedAtStart(self.seed), *callbacks, InterruptCheck()],
            )

    def calibrate(self, prepared: Prepared, train_ts: np.ndarray, val_ts: np.ndarray) -> SweepCost:
        """Trace the training and validation steps and time an epoch of a few batches,
        through ``fit`` itself (its traces are the ones later fits reuse), then undo it."""
        if self.timing is None:
            clock = _EpochClock()
            epochs, most = self.CALIBRATION_EPOCHS, self.CALIBRATION_BATCHES
            self._fit(prepared, train_ts, val_ts, epochs, most, [clock])
            batches = min(most, max(1, len(train_ts) // self.config.batch_size))
            quickest = min(range(1, epochs), key=lambda e: clock.epochs[e])
            steady, val = clock.epochs[quickest], clock.validation[quickest]
            self.timing = SweepCost(
                setup=self.build_seconds + max(0.0, clock.epochs[0] - steady),
                batch=max(0.0, steady - val) / batches,
                epoch_overhead=val,
                form=describe_form(self.widths, self.form),
            )
            self.reset()
        return self.timing

    def fit(
        self,
        prepared: Prepared,
        train_ts: np.ndarray,
        val_ts: np.ndarray,
        epochs: int,
        patience: int,
        deadline: float | None = None,
        max_batches: int | None = None,
        blowup: float = DIVERGENCE_FACTOR,
    ) -> tuple[list[BranchFit], dict[int, list[np.ndarray]]]:
        """Train every branch from its initial weights; return each branch's curve and the
        weights at each branch's best epoch (keyed by that epoch)."""
        self.reset()
        stopper = _PerBranchStopping(self.widths, patience, blowup)
        limit = DeadlineStop(deadline) if deadline is not None else None
        self._fit(
            prepared, train_ts, val_ts, epochs, max_batches, [stopper] + ([limit] if limit else [])
        )
        cut = "budget" if limit is not None and limit.hit else "completed"
        return stopper.results(cut), stopper.snapshots

    def forecast(self, prepared: Prepared, ts: np.ndarray, weights: list[np.ndarray]) -> np.ndarray:
        """Every branch's forecasts in the target's units, ``(branches, len(ts), horizon)``.

        A direct call, not ``predict``: one eager pass over a few hundred origins costs
        less than tracing a prediction step.
        """
        self.model.set_weights(weights)
        x, _ = WindowDataset(prepared, ts, self.config.lookback, self.horizon, max(1, len(ts)))[0]
        scaled = np.asarray(
            keras.ops.convert_to_numpy(self.model(x, training=False)), dtype=np.float64
        )
        return np.stack([prepared.to_levels(scaled[:, b, :], ts) for b in range(len(self.widths))])
