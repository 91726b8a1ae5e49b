"""The LSTM sequence classifier: its data feed, its model, and tiny real trainings."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from advisor.core.class_models import ClassifierConfig
from advisor.core.records import LayerConfig
from advisor.core.sequences import PAD_VALUE, SequenceSet

clf = pytest.importorskip("advisor.diagnostics.classifier")


def config(**kw) -> ClassifierConfig:
    base = dict(
        layers=(LayerConfig(4, 0.0, 0.0),),
        bidirectional=False,
        pooling="average",
        l2=0.0,
        learning_rate=1e-2,
        batch_size=8,
        epochs=2,
        early_stopping_patience=2,
        class_weights=False,
        max_length=None,
        scaling="standard",
    )
    base.update(kw)
    return ClassifierConfig(**base)


def sequence_set(sequences: list[np.ndarray], labels: list[int], n_classes: int = 2) -> SequenceSet:
    """A ``SequenceSet`` of (steps, channels) arrays, NaN-padded as intake pads them."""
    longest = max(len(s) for s in sequences)
    channels = sequences[0].shape[1]
    values = np.full((len(sequences), longest, channels), PAD_VALUE)
    for i, s in enumerate(sequences):
        values[i, : len(s)] = s
    return SequenceSet(
        path="test.csv",
        sha256="0" * 64,
        values=values,
        lengths=np.array([len(s) for s in sequences], dtype=np.int64),
        labels=np.array(labels, dtype=np.int64),
        classes=tuple(f"c{k}" for k in range(n_classes)),
        channels=tuple(f"dim_{c}" for c in range(channels)),
        ids=tuple(str(i) for i in range(len(sequences))),
        test=np.zeros(len(sequences), dtype=bool),
        layout="long",
        id_column="series_id",
        label_column="label",
        time_column="t",
        split_column=None,
    )


def waves(n: int, seed: int) -> tuple[list[np.ndarray], list[int]]:
    """Sines (class 0) and square waves (class 1) of random period and phase, ragged
    lengths 30-60, two channels (the wave and a quarter-period shift of it), alternating."""
    rng = np.random.default_rng(seed)
    sequences, labels = [], []
    for i in range(n):
        steps = int(rng.integers(30, 61))
        period = rng.uniform(8, 16)
        phase = rng.uniform(0, 2 * np.pi)
        t = 2 * np.pi * np.arange(steps) / period + phase
        shape = np.sin if i % 2 == 0 else (lambda a: np.sign(np.sin(a)))
        wave = np.stack([shape(t), shape(t + np.pi / 2)], axis=1)
        sequences.append(wave + rng.normal(scale=0.1, size=wave.shape))
        labels.append(i % 2)
    return sequences, labels


# --- model ------------------------------------------------------------------------------


@pytest.mark.parametrize("pooling", ["last", "average"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_model_shape_and_parameter_count(pooling, bidirectional):
    cfg = config(
        layers=(LayerConfig(5, 0.1, 0.0), LayerConfig(3, 0.0, 0.0)),
        bidirectional=bidirectional,
        pooling=pooling,
        l2=1e-3,
    )
    model = clf.build_classifier(cfg, channels=2, classes=3, length=20)
    assert model.input_shape == (None, 20, 2) and model.output_shape == (None, 3)
    # By hand: LSTM(5) over 2 inputs, LSTM(3) over the 5 (or 2 x 5) below, Dense(3).
    directions = 2 if bidirectional else 1
    lstm1 = 4 * (5 * (5 + 2) + 5)
    lstm2 = 4 * (3 * (3 + directions * 5) + 3)
    head = directions * 3 * 3 + 3
    expected = directions * (lstm1 + lstm2) + head
    assert model.count_params() == clf.count_params(cfg, 2, 3) == expected
    probabilities = model.predict(np.zeros((4, 20, 2), dtype=np.float32), verbose=0)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


@pytest.mark.parametrize("pooling", ["last", "average"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_padding_after_a_sequence_does_not_change_its_prediction(pooling, bidirectional):
    cfg = config(
        layers=(LayerConfig(6, 0.0, 0.0), LayerConfig(4, 0.0, 0.0)),
        bidirectional=bidirectional,
        pooling=pooling,
    )
    model = clf.build_classifier(cfg, channels=2, classes=3, length=None)
    seq = np.random.default_rng(0).normal(size=(15, 2)).astype(np.float32)

    def padded(steps: int) -> np.ndarray:
        x = np.full((1, steps, 2), clf.MASK, dtype=np.float32)
        x[0, :15] = seq
        return x

    # The MASK value is far from the data: were any padded step read, the output would move.
    alone, short, long = (model.predict(padded(n), verbose=0) for n in (15, 20, 60))
    np.testing.assert_allclose(short, alone, atol=1e-6)
    np.testing.assert_allclose(long, alone, atol=1e-6)


# --- data -------------------------------------------------------------------------------


def test_folding_puts_consecutive_steps_side_by_side_and_repeats_the_last_step():
    six = np.arange(1.0, 7.0)[:, None]
    np.testing.assert_array_equal(clf.fold(six, 3), [[1, 2, 3], [4, 5, 6]])
    # Two channels: a folded step holds step 1's channels, then step 2's; 5 steps by 2
    # leave a last stretch of one step, completed with a copy of it (never half mask).
    five = np.stack([np.arange(1.0, 6.0), 10 * np.arange(1.0, 6.0)], axis=1)
    np.testing.assert_array_equal(
        clf.fold(five, 2), [[1, 10, 2, 20], [3, 30, 4, 40], [5, 50, 5, 50]]
    )
    assert clf.fold(six, 1) is six


def test_the_patch_is_the_fewest_steps_that_bring_the_longest_sequence_within_max_length():
    from advisor.core.class_models import fold_patch, model_channels

    assert fold_patch(150, 64) == 3 and fold_patch(128, 64) == 2 and fold_patch(129, 64) == 3
    assert fold_patch(64, 64) == 1 and fold_patch(500, None) == 1
    assert model_channels(6, 100, 64) == 12 and model_channels(6, 100, None) == 6


def test_prepare_folds_by_the_longest_sequence_and_masks_the_rest():
    seqs = sequence_set(
        [np.arange(1.0, 7.0)[:, None], np.array([[2.0], [4.0]]), np.arange(4.0)[:, None]],
        [0, 1, 0],
    )
    # The longest has 6 steps: 2 to a step brings it to 3; every sequence folds by 2.
    feed = clf.prepare(seqs, np.arange(3), "none", max_length=3)
    assert feed.x.shape == (3, 3, 2) and feed.lengths.tolist() == [3, 1, 2]
    np.testing.assert_array_equal(feed.x[0], [[1, 2], [3, 4], [5, 6]])
    np.testing.assert_array_equal(feed.x[1], [[2, 4], [clf.MASK] * 2, [clf.MASK] * 2])
    np.testing.assert_array_equal(feed.x[2], [[0, 1], [2, 3], [clf.MASK] * 2])
    # None past max_length: nothing folded.
    assert clf.prepare(seqs, np.arange(3), "none", max_length=6).x.shape == (3, 6, 1)


def test_standardisation_is_fitted_on_the_training_sequences_only():
    train = [np.array([[1.0, 10.0], [2.0, 10.0], [3.0, 10.0]]), np.array([[6.0, 10.0]])]
    val = [np.array([[0.0, 0.0], [0.0, 0.0]])]
    seqs = sequence_set([*train, *val], [0, 1, 0])
    feed = clf.prepare(seqs, np.array([0, 1]), "standard", max_length=None)
    # The four real training steps, padding left out; a constant channel keeps scale 1.
    np.testing.assert_allclose(feed.mean, [3.0, 10.0])
    np.testing.assert_allclose(feed.scale, [np.std([1.0, 2.0, 3.0, 6.0]), 1.0])

    changed = sequence_set([*train, np.array([[500.0, -70.0], [900.0, 3.0]])], [0, 1, 0])
    again = clf.prepare(changed, np.array([0, 1]), "standard", max_length=None)
    np.testing.assert_array_equal(again.mean, feed.mean)
    np.testing.assert_array_equal(again.scale, feed.scale)
    np.testing.assert_array_equal(again.x[:2], feed.x[:2])
    # A channel constant on train maps to 0 there, a real value: its steps are not masked.
    assert np.all(feed.x[0, :, 1] == 0.0) and feed.x[1, 1:, 0].tolist() == [clf.MASK] * 2


def test_a_real_step_equal_to_the_mask_value_is_kept():
    seqs = sequence_set([np.array([[1.0], [clf.MASK], [2.0]]), np.array([[3.0], [4.0]])], [0, 1])
    feed = clf.prepare(seqs, np.arange(2), "none", max_length=None)
    assert feed.x[0, 1, 0] != clf.MASK and abs(feed.x[0, 1, 0] - clf.MASK) < 1e-2
    assert feed.x[1, 2, 0] == clf.MASK


def test_balanced_class_weights_on_an_imbalanced_label_vector():
    labels = np.array([0] * 6 + [1] * 3 + [2] * 1)
    weights = clf.balanced_weights(labels, 4)
    np.testing.assert_allclose(weights, [10 / 18, 10 / 9, 10 / 3, 0.0])
    # Each present class then carries the same total weight, and the mean weight is 1.
    totals = np.bincount(labels, weights=weights[labels])
    np.testing.assert_allclose(totals, [10 / 3] * 3)
    np.testing.assert_allclose(weights[labels].mean(), 1.0)
    np.testing.assert_allclose(clf.balanced_weights(np.array([0, 1, 1, 0]), 2), [1.0, 1.0])


def test_stratified_subsets_keep_every_class_and_nest():
    labels = np.array([0] * 12 + [1] * 4 + [2] * 1)
    rows = np.arange(17)
    half = clf.stratified_subset(rows, labels, 0.5, seed=3)
    quarter = clf.stratified_subset(rows, labels, 0.25, seed=3)
    assert np.bincount(labels[half]).tolist() == [6, 2, 1]
    assert np.bincount(labels[quarter]).tolist() == [3, 1, 1]
    assert set(quarter) <= set(half)
    assert clf.stratified_subset(rows, labels, 1.0, seed=3).tolist() == rows.tolist()


def test_scores_of_hand_made_probabilities():
    probabilities = np.array([[0.9, 0.1, 0.0], [0.2, 0.8, 0.0], [0.6, 0.4, 0.0], [0.1, 0.2, 0.7]])
    labels = np.array([0, 1, 1, 2])
    s = clf.score(probabilities, labels)
    assert s.correct == (1, 1, 0, 1) and s.accuracy == 0.75
    np.testing.assert_allclose(s.log_loss, -np.log([0.9, 0.8, 0.4, 0.7]))
    assert s.loss == pytest.approx(np.mean(s.log_loss))
    assert s.balanced_accuracy == pytest.approx((1 + 0.5 + 1) / 3)
    assert s.macro_f1 == pytest.approx((2 / 3 + 2 / 3 + 1) / 3)
    broken = clf.score(np.full((4, 3), np.nan), labels)
    assert broken.loss == np.inf and np.isnan(broken.accuracy) and broken.correct == ()


# --- training ---------------------------------------------------------------------------


def tiny_trainer() -> object:
    sequences, labels = waves(8, seed=5)
    return clf.ClassifierTrainer(sequence_set(sequences, labels), np.arange(6), np.arange(6, 8))


def test_a_deadline_already_past_stops_after_one_epoch_as_budget():
    run = tiny_trainer().run("late", config(epochs=5), seed=0, deadline=time.monotonic() - 1)
    assert run.stopped_reason == "budget" and run.curve.epochs == 1
    assert len(run.val_correct) == len(run.val_log_loss) == 2


def test_same_seed_same_curve():
    trainer = tiny_trainer()
    first = trainer.run("a", config(epochs=2), seed=7)
    again = trainer.run("b", config(epochs=2), seed=7)
    other = trainer.run("c", config(epochs=2), seed=8)
    assert first.curve == again.curve and first.val_log_loss == again.val_log_loss
    assert other.curve != first.curve


def test_an_exploding_loss_stops_as_diverged():
    # Adam's steps are about the learning rate whatever the gradient: at 1e3 the logits
    # blow up after one epoch.
    run = tiny_trainer().run("wild", config(epochs=6, learning_rate=1e3), seed=0)
    assert run.stopped_reason == "diverged" and run.curve.epochs < 6


def test_a_deadline_stops_training_only_after_its_first_epochs():
    from types import SimpleNamespace

    from advisor.diagnostics.model import DeadlineStop

    stop = DeadlineStop(deadline=0.0, not_before=3)  # long past
    stop.set_model(SimpleNamespace(stop_training=False))
    for epoch in (0, 1):
        stop.on_epoch_end(epoch)
        assert not stop.hit and not stop.model.stop_training
    stop.on_epoch_end(2)
    assert stop.hit and stop.model.stop_training


def test_a_tenfold_rise_from_a_near_perfect_fit_is_not_divergence():
    from types import SimpleNamespace

    from advisor.diagnostics.model import _Divergence

    watch = _Divergence(floor=np.log(2))
    watch.set_model(SimpleNamespace(stop_training=False))
    for loss in (0.69, 0.001, 0.05, 0.3):
        watch.on_epoch_end(0, {"loss": loss})
    assert not watch.hit
    watch.on_epoch_end(0, {"loss": 10 * np.log(2) + 0.1})
    assert watch.hit and watch.model.stop_training


@pytest.mark.slow
def test_an_lstm_tells_sines_from_square_waves():
    sequences, labels = waves(52, seed=1)
    seqs = sequence_set(sequences, labels)
    # Alternating labels: each block of indices is balanced.
    trainer = clf.ClassifierTrainer(seqs, np.arange(28), np.arange(28, 40))
    cfg = config(
        layers=(LayerConfig(16, 0.0, 0.0),),
        learning_rate=5e-3,
        epochs=30,
        early_stopping_patience=8,
        class_weights=True,
        max_length=40,
    )
    run = trainer.run("smoke", cfg, seed=0)
    assert run.val_accuracy >= 0.8, run
    assert 1 <= run.best_epoch <= run.curve.epochs <= 30
    assert all(np.isfinite(run.curve.train_loss)) and all(np.isfinite(run.curve.val_loss))
    assert len(run.curve.val_loss) == run.curve.epochs
    assert run.stopped_reason in ("early_stopping", "epochs")
    assert run.val_loss == pytest.approx(np.mean(run.val_log_loss))
    assert sum(run.val_correct) == round(run.val_accuracy * 12)

    test = np.arange(40, 52)
    final = trainer.fit_final(cfg, seeds=(0, 1), test_idx=test, epochs=run.best_epoch)
    assert final.epochs_trained == run.best_epoch and final.stopped_reason == "epochs"
    assert sum(map(sum, final.confusion)) == 12
    assert [sum(row) for row in final.confusion] == [6, 6]
    assert final.test_accuracy >= 0.75, final
    assert len(final.precision) == len(final.recall) == len(final.f1) == 2
    # The final model averages the two trainings' class probabilities: the saved model
    # reproduces the scores, and each training's own accuracy is kept beside them.
    assert final.seeds == (0, 1) and len(final.member_test_accuracy) == 2 and not final.dropped
    feed = trainer.feed(cfg, np.arange(40))
    probabilities = trainer.final_model.predict(feed.x[test], verbose=0)
    assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    assert tuple(int(c) for c in probabilities.argmax(axis=1)) == final.predicted

    # A budget already spent: the first seed trains all its epochs, no later one starts.
    import time

    spent = trainer.fit_final(cfg, (0, 1, 2), test, 3, seeds_until=time.monotonic())
    assert spent.seeds == (0,) and spent.epochs_trained == 3 and not spent.dropped
    assert len(spent.member_test_accuracy) == 1

    # To convergence: the first seed stops where its training loss stops falling, well
    # before the cap on these easy sequences, and keeps that epoch's weights; the second
    # trains as many epochs, the count the result's config holds (model.py's EPOCHS).
    converged = trainer.fit_final(cfg, (0, 1), test, 400, converge=True)
    assert converged.stopped_reason == "early_stopping", converged
    assert 1 <= converged.epochs_trained <= 400 - clf.CONVERGED_PATIENCE
    assert converged.config.epochs == converged.epochs_trained
    assert converged.seeds == (0, 1) and converged.test_accuracy >= 0.75
    # A budget already spent cuts the convergence, never the epochs cross-validation
    # settled on: the first seed trains those 5, and no later seed starts.
    cut = trainer.fit_final(
        cfg, (0, 1), test, 400, seeds_until=time.monotonic(), converge=True, min_epochs=5
    )
    assert cut.stopped_reason == "budget" and cut.config.epochs == cut.epochs_trained == 5
    assert cut.seeds == (0,)


class _Weights:
    """What EarlyStopping asks of a model: weights to keep and a flag to stop."""

    def __init__(self) -> None:
        self.stop_training = False
        self.epoch = 0

    def get_weights(self):
        return [self.epoch]

    def set_weights(self, weights):
        self.epoch = weights[0]


def _train(stopper, losses, val_losses):
    """Feed ``stopper`` one epoch's logs at a time; the epoch it stopped after (1-based),
    or None where it ran them all."""
    model = _Weights()
    stopper.set_model(model)
    stopper.on_train_begin()
    for epoch, (loss, val) in enumerate(zip(losses, val_losses, strict=True)):
        model.epoch = epoch
        stopper.on_epoch_end(epoch, {"loss": loss, "val_loss": val})
        if model.stop_training:
            return epoch + 1
    return None


def test_patience_does_not_run_down_while_the_loss_sits_at_guessing():
    from advisor.diagnostics.model import LearnFirstStopping, keras

    chance = math.log(2)
    # 25 flat epochs at chance (validation flat too), then it learns, then it settles
    plateau = [chance * (1 - 0.001 * k) for k in range(25)]
    learning = [0.5, 0.4, 0.3, 0.25, 0.22, 0.21, 0.21, 0.21, 0.21, 0.21, 0.21, 0.21]
    losses = plateau + learning
    val = [chance + 0.001 * k for k in range(25)] + [0.55, 0.45, 0.35, 0.3] + [0.31] * 8
    plain = keras.callbacks.EarlyStopping(patience=5, restore_best_weights=True)
    assert _train(plain, losses, val) == 6  # stopped on the plateau, at chance
    learn_first = LearnFirstStopping(chance, patience=5, restore_best_weights=True)
    stopped = _train(learn_first, losses, val)
    assert stopped == 25 + 4 + 5  # the best epoch (29) plus five that did not improve
    assert learn_first.plateau_epochs == 25
    assert learn_first.best_epoch == 28  # 0-based: the lowest validation loss, 0.3


def test_a_model_that_never_leaves_the_plateau_trains_to_the_cap():
    from advisor.diagnostics.model import LearnFirstStopping

    chance = math.log(3)
    flat = [chance] * 40
    stopper = LearnFirstStopping(chance, patience=5, restore_best_weights=True)
    assert _train(stopper, flat, flat) is None
