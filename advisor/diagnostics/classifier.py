"""The LSTM sequence classifier: data preparation, the Keras model, and its trainer.

Sequence classification's counterpart of ``model`` and ``trainer``: ``prepare`` turns a
``SequenceSet`` into a model feed (shortened, standardised, padding marked for the
``Masking`` layer), ``build_classifier`` builds ``Masking -> LSTM layers -> pooling ->
Dense(softmax)``, and ``ClassifierTrainer`` trains one configuration on the training
sequences (``run``: a diagnostic run scored on validation) or on train + validation
(``fit_final``: scored once on test).

The data preparation is numpy only; Keras (taken from ``model``, so it loads after that
module's thread setting) and scikit-learn are imported inside the functions that train
and score, so importing this module stays cheap. Keras 3 API only (``keras``,
``keras.ops`` through its layers), never ``tf.*``: the same code runs under the
TensorFlow, JAX and PyTorch backends.
"""

from __future__ import annotations

import math
import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from advisor.core import interrupt
from advisor.core.class_models import (
    ClassFinal,
    ClassifierConfig,
    ClassRun,
    ClassScaling,
    StopReason,
    fold_patch,
    model_channels,
)
from advisor.core.records import Curve
from advisor.core.sequences import SequenceSet
from advisor.core.sizing import model_params

if TYPE_CHECKING:
    import keras

MASK = -1.0e4
"""What the model feed holds on every channel past a sequence's end, for
``keras.layers.Masking``, which skips a step whose channels ALL equal it.

Not 0.0: standardisation maps the training mean to 0, so a real step at the mean (and
every step of a constant channel) would vanish, and unscaled files often hold real zeros.
Not NaN: ``Masking`` tests equality, and NaN equals nothing. Not infinite: some LSTM
kernels still multiply the masked steps by their weights before discarding the result,
and ``inf * 0`` is NaN. A large finite value is far outside what standardised data
reaches (the training steps themselves lie within ``sqrt(steps)`` standard deviations of
the mean, so within 100 for up to 10,000 steps), and ``prepare`` moves the rare real
step that equals it on every channel one float up, so no real step is ever masked."""

LOG_LOSS_FLOOR = 1e-7
"""Probabilities are clipped to at least this before the log: Keras' own epsilon in its
cross-entropy, so a sequence's log loss matches what the training curve counts."""
# The final classifier trains until its training loss stops falling (by CONVERGED_DELTA
# over CONVERGED_PATIENCE epochs), at most FINAL_MAX_EPOCHS, and keeps its best epoch's
# weights. Refitting for the epoch count where the validation loss bottomed out
# undertrained it: on a handful of validation sequences the cross-entropy bottoms out
# long before the accuracy does. Stratified 5-fold cross-validation of the official
# training sequences (bidirectional LSTM of 32, average pooling; the test splits unread):
# GunPoint 0.68 refit at each fold's early-stopping epoch, 0.90 trained to convergence;
# ItalyPowerDemand 0.77 and 0.91; ArrowHead 0.66 and 0.73
# (benchmarks/final_epochs_classifier.py). Deep-learning time-series
# classification trains on all of a small training set and keeps the minimum training
# loss for the same reason (Fawaz et al., "Deep learning for time series classification:
# a review", Data Mining and Knowledge Discovery 33, 2019).
CONVERGED_PATIENCE = 20
CONVERGED_DELTA = 1e-3
FINAL_MAX_EPOCHS = 300


# --- data --------------------------------------------------------------------------------


def fold(values: np.ndarray, patch: int) -> np.ndarray:
    """``values`` (steps, channels) as ``ceil(steps / patch)`` steps of ``patch * channels``:
    every ``patch`` consecutive steps side by side, the first step's channels first. A last
    stretch short of ``patch`` repeats its final step, so no step is part real, part mask.

    Folding, not averaging: an LSTM over hundreds of steps of one channel learns slowly
    (its gradient fades step by step), and averaging stretches of time to shorten the
    sequence erases the detail inside them. A fold shortens the sequence as much and
    keeps every value, so the input weights can still see a sharp bend within a stretch.
    In 5-fold cross-validation of training sequences (one bidirectional LSTM of 32, 150
    epochs): on GunPoint's 50 (150 steps) a fold to 50 steps of 3 reached 0.90 accuracy,
    averaging down to 64 steps 0.84 and every step as it is 0.76; on ArrowHead's 36 (251
    steps) a fold to 63 steps of 4 reached 0.70, averaging down to 64 steps 0.61.
    """
    if patch <= 1:
        return values
    steps, channels = values.shape
    short = -steps % patch
    if short:
        values = np.concatenate([values, np.repeat(values[-1:], short, axis=0)])
    return values.reshape(-1, patch * channels)


@dataclass(frozen=True, eq=False)
class SequenceFeed:
    """Every sequence of a ``SequenceSet``, ready for the model.

    ``x[i, :lengths[i]]`` is sequence ``i`` shortened and scaled; ``x[i, lengths[i]:]`` is
    ``MASK`` on every channel.
    """

    x: np.ndarray
    """float32, ``(n_sequences, steps, channels)``."""
    lengths: np.ndarray
    """int64: each sequence's steps after shortening."""
    labels: np.ndarray
    mean: np.ndarray
    """Per channel, subtracted before dividing by ``scale`` (0 and 1 unscaled)."""
    scale: np.ndarray


def fit_scaler(
    values: np.ndarray, lengths: np.ndarray, rows: np.ndarray, scaling: ClassScaling
) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and standard deviation over the real steps of sequences ``rows``.

    Only the training sequences' steps, pooled: what validation and test hold must not
    shape the inputs a model is scored on. A channel constant there keeps a scale of 1,
    as scikit-learn's ``StandardScaler`` does.
    """
    channels = values.shape[2]
    if scaling == "none":
        return np.zeros(channels), np.ones(channels)
    real = np.arange(values.shape[1])[None, :] < lengths[rows][:, None]
    steps = values[rows][real]
    mean = steps.mean(axis=0)
    std = steps.std(axis=0)
    return mean, np.where(std > 0, std, 1.0)


def prepare(
    seqs: SequenceSet,
    fit_rows: np.ndarray,
    scaling: ClassScaling,
    max_length: int | None,
) -> SequenceFeed:
    """Fold past ``max_length`` (``fold``, by the longest sequence's ``fold_patch``),
    standardise with a scaler fitted on the sequences ``fit_rows``, then put ``MASK`` on
    the padding.

    Folding comes first, so the scaler is fitted on the values the model sees, and the
    mask goes in last: scaled, a mask value would no longer be the one ``Masking`` looks for.
    """
    values = seqs.values
    lengths = seqs.lengths.astype(np.int64)
    patch = fold_patch(seqs.max_length, max_length)
    if patch > 1:
        steps = -(-seqs.max_length // patch)
        short = np.full((seqs.n_sequences, steps, patch * seqs.n_channels), np.nan)
        for i, n in enumerate(lengths):
            part = fold(values[i, :n], patch)
            short[i, : len(part)] = part
        values, lengths = short, -(-lengths // patch)
    mean, scale = fit_scaler(values, lengths, np.asarray(fit_rows, dtype=np.int64), scaling)
    x = ((values - mean) / scale).astype(np.float32)
    real = np.arange(x.shape[1])[None, :] < lengths[:, None]
    clash = real & np.all(x == np.float32(MASK), axis=2)
    x[clash, 0] = np.nextafter(np.float32(MASK), np.float32(0))
    x[~real] = MASK
    return SequenceFeed(x, lengths, seqs.labels.astype(np.int64), mean, scale)


def balanced_weights(labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Weight per class, ``n / (k * count)`` over the ``k`` classes present in ``labels``
    (scikit-learn's "balanced"): every class then carries the same total weight, and a
    balanced set weighs 1 throughout. A class absent from ``labels`` gets 0."""
    counts = np.bincount(labels, minlength=n_classes).astype(np.float64)
    present = counts > 0
    weights = np.zeros(n_classes)
    weights[present] = len(labels) / (present.sum() * counts[present])
    return weights


def stratified_subset(
    rows: np.ndarray, labels: np.ndarray, fraction: float, seed: int
) -> np.ndarray:
    """About ``fraction`` of ``rows`` (at least one sequence) from each class, chosen by
    ``seed``; every row where ``fraction >= 1``. With one seed the subsets are nested: a
    smaller fraction keeps the first part of the same shuffle of each class, so a
    data-size curve adds sequences rather than swapping them."""
    rows = np.asarray(rows, dtype=np.int64)
    if fraction >= 1.0:
        return rows
    rng = np.random.default_rng(seed)
    kept = []
    for code in np.unique(labels[rows]):
        members = rows[labels[rows] == code]
        keep = max(1, math.ceil(fraction * len(members)))
        kept.append(rng.permutation(members)[:keep])
    return np.sort(np.concatenate(kept))


# --- model -------------------------------------------------------------------------------


def count_params(config: ClassifierConfig, channels: int, classes: int) -> int:
    """Weights of the classifier ``build_classifier`` builds, without building it.

    Each direction of a layer is an LSTM over the layer below's outputs (both directions'
    outputs side by side where bidirectional); the dense head reads the last layer's.
    """
    directions = 2 if config.bidirectional else 1
    total, below = 0, channels
    for layer in config.layers:
        total += directions * model_params((layer.units,), below, 0)
        below = directions * layer.units
    return total + below * classes + classes


def build_classifier(
    config: ClassifierConfig, channels: int, classes: int, length: int | None
) -> keras.Model:
    """``Input -> Masking -> LSTM layers -> pooling -> Dense(classes, softmax)``.

    Every LSTM but the last returns its sequence; with ``average`` pooling the last does
    too, and ``GlobalAveragePooling1D`` averages it over the steps the mask keeps. With
    ``last`` pooling the last LSTM's output is its state after the last real step: a
    masked step carries the state over unchanged. ``length`` may be ``None`` (any length).
    """
    from advisor.diagnostics.model import OUTPUT_DTYPE, keras

    reg = keras.regularizers.L2(config.l2) if config.l2 > 0 else None
    inputs = keras.Input((length, channels))
    x = keras.layers.Masking(mask_value=MASK)(inputs)
    for i, layer in enumerate(config.layers):
        last = i == len(config.layers) - 1
        lstm = keras.layers.LSTM(
            layer.units,
            dropout=layer.dropout,
            recurrent_dropout=layer.recurrent_dropout,
            kernel_regularizer=reg,
            return_sequences=not last or config.pooling == "average",
        )
        x = keras.layers.Bidirectional(lstm)(x) if config.bidirectional else lstm(x)
    if config.pooling == "average":
        x = keras.layers.GlobalAveragePooling1D()(x)
    outputs = keras.layers.Dense(
        classes, activation="softmax", kernel_regularizer=reg, dtype=OUTPUT_DTYPE
    )(x)
    model = keras.Model(inputs, outputs)
    model.compile(
        optimizer=keras.optimizers.Adam(config.learning_rate),
        loss="sparse_categorical_crossentropy",
    )
    return model


# --- training ----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Fitted:
    model: keras.Model
    curve: Curve
    best_epoch: int
    stopped_reason: StopReason
    epochs: int


def _fit(
    config: ClassifierConfig,
    feed: SequenceFeed,
    n_classes: int,
    train_rows: np.ndarray,
    val_rows: np.ndarray | None,
    seed: int,
    deadline: float | None,
    epochs: int,
    learn_first: bool = True,
    converge: bool = False,
    min_epochs: int = 0,
) -> _Fitted:
    """Train one classifier; with validation rows, early stopping keeps the best epoch
    (its patience running only off the plateau of guessing, unless ``learn_first`` is
    false: Keras' own EarlyStopping, as a tutorial uses it). Without them and with
    ``converge``, training stops where the training loss stops falling and keeps the
    weights of its lowest (``CONVERGED_PATIENCE``), after ``min_epochs`` at least, which
    the ``deadline`` does not cut either."""
    from advisor.diagnostics.model import (
        DeadlineStop,
        InterruptCheck,
        LearnFirstStopping,
        _Divergence,
        keras,
        set_random_seed,
    )

    set_random_seed(seed)
    model = build_classifier(config, feed.x.shape[2], n_classes, feed.x.shape[1])
    y = feed.labels[train_rows]
    weights = None
    if config.class_weights:
        weights = balanced_weights(y, n_classes)[y].astype(np.float32)
    # Uniform guessing costs ln(classes) whatever the class weights (they average 1).
    divergence = _Divergence(floor=math.log(n_classes))
    callbacks: list[keras.callbacks.Callback] = [keras.callbacks.TerminateOnNaN(), divergence]
    stopper = None
    on_loss = None  # converging on the training loss: its kept epoch is the best
    validation = None
    if val_rows is not None and len(val_rows):
        validation = (feed.x[val_rows], feed.labels[val_rows])
        stopper = (
            LearnFirstStopping(
                math.log(n_classes),
                patience=config.early_stopping_patience,
                restore_best_weights=True,
            )
            if learn_first
            else keras.callbacks.EarlyStopping(
                patience=config.early_stopping_patience, restore_best_weights=True
            )
        )
        callbacks.append(stopper)
    elif converge:
        stopper = on_loss = keras.callbacks.EarlyStopping(
            monitor="loss",
            patience=CONVERGED_PATIENCE,
            min_delta=CONVERGED_DELTA,
            restore_best_weights=True,
            start_from_epoch=max(0, min_epochs - 1),
        )
        callbacks.append(stopper)
    limit = DeadlineStop(deadline, min_epochs) if deadline is not None else None
    if limit is not None:
        callbacks.append(limit)
    callbacks.append(InterruptCheck())
    with interrupt.deferred():
        history = model.fit(
            feed.x[train_rows],
            y,
            sample_weight=weights,
            batch_size=config.batch_size,
            epochs=epochs,
            shuffle=True,
            validation_data=validation,
            callbacks=callbacks,
            verbose=0,
        )
    train_loss = tuple(float(v) for v in history.history.get("loss", []))
    val_loss = tuple(float(v) for v in history.history.get("val_loss", []))
    finite = [v if math.isfinite(v) else math.inf for v in (val_loss or train_loss)]
    best = int(np.argmin(finite)) + 1 if finite and min(finite) < math.inf else 0
    if on_loss is not None and best:
        best = int(on_loss.best_epoch) + 1  # the weights kept: improved by CONVERGED_DELTA
    reason: StopReason
    if (train_loss and not math.isfinite(train_loss[-1])) or divergence.hit:
        reason = "diverged"
    elif stopper is not None and stopper.stopped_epoch > 0:
        reason = "early_stopping"
    elif limit is not None and limit.hit:
        reason = "budget"
    else:
        reason = "epochs"
    return _Fitted(model, Curve(train_loss, val_loss), best, reason, len(train_loss))


def _probabilities(model: keras.Model, x: np.ndarray) -> np.ndarray:
    return np.asarray(model.predict(x, batch_size=256, verbose=0), dtype=np.float64)


@dataclass(frozen=True)
class Scores:
    loss: float
    accuracy: float
    macro_f1: float
    balanced_accuracy: float
    correct: tuple[int, ...]
    log_loss: tuple[float, ...]


def score(probabilities: np.ndarray, labels: np.ndarray) -> Scores:
    """Cross-entropy and the protocol's metrics of class probabilities ``(n, classes)``.

    Balanced accuracy is the mean recall over the classes present in ``labels`` and macro
    F1 the mean over the classes present in either: a class neither held nor predicted
    says nothing either way. Outputs that are not finite (a diverged model) give an
    infinite loss, NaN metrics and no per-sequence figures, since nothing can pair them.
    """
    from sklearn.metrics import accuracy_score, f1_score, recall_score

    if not np.all(np.isfinite(probabilities)):
        return Scores(math.inf, math.nan, math.nan, math.nan, (), ())
    predicted = probabilities.argmax(axis=1)
    truth = probabilities[np.arange(len(labels)), labels]
    log_loss = -np.log(np.clip(truth, LOG_LOSS_FLOOR, 1.0))
    return Scores(
        loss=float(log_loss.mean()),
        accuracy=float(accuracy_score(labels, predicted)),
        macro_f1=float(f1_score(labels, predicted, average="macro", zero_division=0)),
        balanced_accuracy=float(
            recall_score(
                labels, predicted, labels=np.unique(labels), average="macro", zero_division=0
            )
        ),
        correct=tuple(int(c) for c in predicted == labels),
        log_loss=tuple(float(v) for v in log_loss),
    )


class ClassTrainer(ABC):
    """Trains one classifier configuration on the training sequences, scores it on
    validation. Diagnosis is tested with a fake that replays scripted runs; only
    ``ClassifierTrainer`` trains."""

    @abstractmethod
    def run(
        self,
        name: str,
        config: ClassifierConfig,
        seed: int,
        deadline: float | None = None,
        train_fraction: float = 1.0,
    ) -> ClassRun:
        """Train ``config`` and return its curve and validation scores."""


class ClassifierTrainer(ClassTrainer):
    """Keras trainings on a ``SequenceSet``: ``train_idx`` to learn from (and fit the
    scaler on), ``val_idx`` for early stopping and scores; the caller keeps the test
    sequences out of both."""

    def __init__(
        self,
        seqs: SequenceSet,
        train_idx: Sequence[int] | np.ndarray,
        val_idx: Sequence[int] | np.ndarray,
        learn_first: bool = True,
    ):
        self.seqs = seqs
        self.learn_first = learn_first
        """Early stopping's patience runs only off the plateau of guessing
        (``model.LearnFirstStopping``); false: Keras' plain EarlyStopping."""
        self.train_idx = np.asarray(train_idx, dtype=np.int64)
        self.val_idx = np.asarray(val_idx, dtype=np.int64)
        if np.intersect1d(self.train_idx, self.val_idx).size:
            raise ValueError("a sequence cannot be in both train_idx and val_idx")
        self._feeds: dict[tuple[object, ...], SequenceFeed] = {}
        self.final_model: Any = None
        """The Keras model of the last ``fit_final``, for saving."""

    def feed(self, config: ClassifierConfig, fit_rows: np.ndarray) -> SequenceFeed:
        """The prepared sequences, the scaler fitted on ``fit_rows``; kept per scaling,
        length cap and fit rows, since every run of one analysis shares them."""
        key = (config.scaling, config.max_length, tuple(fit_rows.tolist()))
        if key not in self._feeds:
            self._feeds[key] = prepare(self.seqs, fit_rows, config.scaling, config.max_length)
        return self._feeds[key]

    def run(
        self,
        name: str,
        config: ClassifierConfig,
        seed: int,
        deadline: float | None = None,
        train_fraction: float = 1.0,
    ) -> ClassRun:
        """Train on the training sequences (a stratified ``train_fraction`` of them, the
        scaler still fitted on all), early-stopped on validation loss; score the best
        epoch's weights on every validation sequence."""
        if not len(self.val_idx):
            raise ValueError("a diagnostic run needs validation sequences (val_idx)")
        start = time.monotonic()
        feed = self.feed(config, self.train_idx)
        n_classes = len(self.seqs.classes)
        rows = stratified_subset(self.train_idx, feed.labels, train_fraction, seed)
        fitted = _fit(
            config,
            feed,
            n_classes,
            rows,
            self.val_idx,
            seed,
            deadline,
            config.epochs,
            self.learn_first,
        )
        scores = score(
            _probabilities(fitted.model, feed.x[self.val_idx]), feed.labels[self.val_idx]
        )
        return ClassRun(
            name=name,
            units=config.layers[0].units,
            params=count_params(
                config,
                model_channels(self.seqs.n_channels, self.seqs.max_length, config.max_length),
                n_classes,
            ),
            curve=fitted.curve,
            best_epoch=fitted.best_epoch,
            val_loss=scores.loss,
            val_accuracy=scores.accuracy,
            val_macro_f1=scores.macro_f1,
            val_balanced_accuracy=scores.balanced_accuracy,
            val_correct=scores.correct,
            val_log_loss=scores.log_loss,
            seconds=time.monotonic() - start,
            stopped_reason=fitted.stopped_reason,
            train_fraction=train_fraction,
            config=config,
        )

    def fit_final(
        self,
        config: ClassifierConfig,
        seeds: Sequence[int],
        test_idx: Sequence[int] | np.ndarray,
        epochs: int,
        seeds_until: float | None = None,
        converge: bool = False,
        min_epochs: int = 0,
    ) -> ClassFinal:
        """Train on train + validation for ``epochs`` (no validation is left to stop on)
        once per seed, the scaler fitted on both; score the average of their class
        probabilities once on the test sequences.

        ``converge``: ``epochs`` is a cap; the first seed trains ``min_epochs`` (the
        count cross-validation's early stopping settled on: evidence, never cut), then on
        until its training loss stops falling (``CONVERGED_PATIENCE``) or ``seeds_until``
        passes, and keeps its lowest epoch's weights; the later seeds train for that many
        epochs, which the result's ``config`` holds (what ``model.py`` trains).

        ``seeds_until`` (``time.monotonic``'s clock; a user's budget): a seed after the
        first trains only where a training as long as the last one ends before it. Its
        epochs are never cut, the average being a refinement; the seeds that trained are
        ``seeds`` (with ``dropped``).

        One short training's test accuracy moves by several points with its seed on a
        few dozen test sequences; the average moves less, and its log loss is never
        above the mean of its members' (the loss is convex in the probabilities). A
        member whose probabilities are not finite (a diverged training) is left out of
        the average and said in ``dropped``."""
        from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

        from advisor.diagnostics.model import average_models

        start = time.monotonic()
        test = np.asarray(test_idx, dtype=np.int64)
        rows = np.sort(np.concatenate([self.train_idx, self.val_idx]))
        if np.intersect1d(rows, test).size:
            raise ValueError("the test sequences must be apart from train and validation")
        feed = self.feed(config, rows)
        n_classes = len(self.seqs.classes)
        truth = feed.labels[test]
        kept: list[tuple[int, _Fitted, np.ndarray]] = []
        accuracies: list[float] = []
        last: _Fitted | None = None
        took = 0.0
        for i, seed in enumerate(seeds):
            began = time.monotonic()
            if i and seeds_until is not None and began + took > seeds_until:
                break
            if converge and i == 0:
                last = _fit(
                    config,
                    feed,
                    n_classes,
                    rows,
                    None,
                    seed,
                    seeds_until,
                    epochs,
                    converge=True,
                    min_epochs=min(min_epochs, epochs),
                )
                epochs = max(1, last.best_epoch)
            else:
                last = _fit(config, feed, n_classes, rows, None, seed, None, epochs)
            took = time.monotonic() - began
            member = _probabilities(last.model, feed.x[test])
            accuracies.append(score(member, truth).accuracy)
            if np.all(np.isfinite(member)):
                kept.append((seed, last, member))
        if last is None:
            raise ValueError("the final classifier needs at least one seed")
        members = kept or [(seeds[-1], last, _probabilities(last.model, feed.x[test]))]
        self.final_model = average_models([fitted.model for _, fitted, _ in members])
        probabilities = np.mean([p for _, _, p in members], axis=0)
        fitted = members[0][1]
        scores = score(probabilities, truth)
        codes = list(range(n_classes))
        if np.all(np.isfinite(probabilities)):
            predicted = probabilities.argmax(axis=1)
            confusion = confusion_matrix(truth, predicted, labels=codes)
            precision, recall, f1, _ = precision_recall_fscore_support(
                truth, predicted, labels=codes, zero_division=0
            )
        else:
            predicted = np.full(len(test), -1)
            confusion = np.zeros((n_classes, n_classes), dtype=np.int64)
            precision = recall = f1 = np.full(n_classes, math.nan)
        return ClassFinal(
            classes=self.seqs.classes,
            test_accuracy=scores.accuracy,
            test_macro_f1=scores.macro_f1,
            test_balanced_accuracy=scores.balanced_accuracy,
            confusion=tuple(tuple(int(c) for c in row) for row in confusion),
            precision=tuple(float(v) for v in precision),
            recall=tuple(float(v) for v in recall),
            f1=tuple(float(v) for v in f1),
            # Converged: the epochs whose weights the first seed kept, which the others trained.
            epochs_trained=epochs if converge else fitted.epochs,
            seconds=time.monotonic() - start,
            stopped_reason=fitted.stopped_reason,
            config=replace(config, epochs=epochs),
            test_correct=scores.correct,
            predicted=tuple(int(c) for c in predicted),
            seeds=tuple(int(seed) for seed, _, _ in members),
            member_test_accuracy=tuple(accuracies),
            dropped=tuple(
                int(s) for s in seeds[: len(accuracies)] if s not in {m[0] for m in members}
            ),
        )
