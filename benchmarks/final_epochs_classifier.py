"""How long the final classifier trains: the validation loss's best epoch, or to convergence.

The measurement behind ``advisor.diagnostics.classifier.CONVERGED_PATIENCE``. Stratified
5-fold cross-validation of a UCR dataset's official *training* sequences (the test split
is never read), sequences folded as the advisor folds them, one bidirectional LSTM of 32
units with average pooling, Adam 1e-3, batch 8. In each fold an inner 80/20 split finds
the epoch where the validation loss bottoms out (early stopping with the advisor's
learn-first patience, 10); then the fold's whole training part is trained again and
scored on the fold's held-out sequences:

- ``refit``: for that epoch count (the advisor's final training before);
- ``converged``: until the training loss stops falling by 1e-3 over 20 epochs (at most
  300), keeping the lowest epoch's weights (the final training now);
- ``fixed``: for ``--fixed`` epochs (a tutorial's fixed count).

Datasets come from the copies aeon ships, so no download is needed::

    python benchmarks/final_epochs_classifier.py GunPoint ItalyPowerDemand ArrowHead

Prints each fold's accuracies and epochs, then each policy's mean accuracy.
"""

from __future__ import annotations

import argparse
import math
import os
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def build(shape: tuple[int, ...], classes: int, seed: int):  # type: ignore[no-untyped-def]
    import keras

    keras.utils.set_random_seed(seed)
    inputs = keras.Input(shape)
    h = keras.layers.Bidirectional(keras.layers.LSTM(32, return_sequences=True))(inputs)
    h = keras.layers.GlobalAveragePooling1D()(h)
    model = keras.Model(inputs, keras.layers.Dense(classes, activation="softmax")(h))
    model.compile(keras.optimizers.Adam(1e-3), "sparse_categorical_crossentropy")
    return model


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("datasets", nargs="+", help="UCR names aeon ships (GunPoint, ArrowHead)")
    ap.add_argument("--fixed", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    import keras
    from aeon.datasets import load_classification
    from fold_vs_average import shaped
    from sklearn.model_selection import StratifiedKFold, train_test_split

    from advisor.diagnostics.classifier import (
        CONVERGED_DELTA,
        CONVERGED_PATIENCE,
        FINAL_MAX_EPOCHS,
    )
    from advisor.diagnostics.model import LearnFirstStopping

    seed = args.seed
    for name in args.datasets:
        X, labels = load_classification(name, split="train")
        codes = {v: i for i, v in enumerate(sorted(set(labels)))}
        y = np.array([codes[v] for v in labels])
        k = len(codes)
        x = shaped(np.transpose(X, (0, 2, 1)).astype("float32"), "fold")
        scores: dict[str, list[float]] = {"refit": [], "converged": [], "fixed": []}
        folds = StratifiedKFold(5, shuffle=True, random_state=0).split(x[:, 0, 0], y)
        for f, (train, held) in enumerate(folds):
            start = time.perf_counter()
            mean, std = x[train].mean(axis=(0, 1)), x[train].std(axis=(0, 1)) + 1e-8
            xs = (x - mean) / std
            fit, val = train_test_split(train, test_size=0.2, stratify=y[train], random_state=seed)
            stop = LearnFirstStopping(math.log(k), patience=10, restore_best_weights=True)
            inner = build(xs.shape[1:], k, seed).fit(
                xs[fit],
                y[fit],
                batch_size=8,
                epochs=FINAL_MAX_EPOCHS,
                validation_data=(xs[val], y[val]),
                callbacks=[stop],
                verbose=0,
            )
            best = int(np.argmin(inner.history["val_loss"])) + 1
            converge = keras.callbacks.EarlyStopping(
                monitor="loss",
                patience=CONVERGED_PATIENCE,
                min_delta=CONVERGED_DELTA,
                restore_best_weights=True,
            )
            epochs = {}
            for policy, count, callbacks in (
                ("refit", best, []),
                ("converged", FINAL_MAX_EPOCHS, [converge]),
                ("fixed", args.fixed, []),
            ):
                model = build(xs.shape[1:], k, seed)
                model.fit(
                    xs[train], y[train], batch_size=8, epochs=count, callbacks=callbacks, verbose=0
                )
                kept = converge.best_epoch + 1 if policy == "converged" else count
                epochs[policy] = kept
                predicted = model.predict(xs[held], verbose=0).argmax(axis=1)
                scores[policy].append(float((predicted == y[held]).mean()))
            print(
                f"{name} fold {f}: "
                + ", ".join(f"{p} {s[-1]:.3f} ({epochs[p]} epochs)" for p, s in scores.items())
                + f"; {time.perf_counter() - start:.0f}s",
                flush=True,
            )
        print(
            f"{name}: " + ", ".join(f"{p} {np.mean(s):.3f}" for p, s in scores.items()),
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
