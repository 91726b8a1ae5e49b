"""Long sequences for an LSTM classifier: folded, averaged down, or every step as it is.

The measurement behind the classifier's ``max_length`` (``advisor.diagnostics.classifier.fold``):
one bidirectional LSTM of 32 units with average pooling, Adam 1e-3, 150 epochs, each
channel standardised on its training sequences, scored by stratified 5-fold
cross-validation of a UCR dataset's official *training* sequences (the test split is never
read, so nothing here is tuned on it). Datasets come from the copies aeon ships, so no
download is needed:

    python benchmarks/fold_vs_average.py GunPoint ArrowHead --modes fold average full

Prints, per dataset and mode, the input's shape, the mean accuracy over the folds, each
fold's, and the seconds.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

TARGET_STEPS = 64  # the rules' max_length for long sequences


def average_down(x: np.ndarray, length: int) -> np.ndarray:
    """(n, steps, channels) to ``length`` steps, each the mean of an equal stretch of time
    (piecewise aggregate approximation; a boundary step counts by its share)."""
    steps = x.shape[1]
    if steps <= length:
        return x
    j = np.arange(steps)[None, :]
    i = np.arange(length)[:, None]
    overlap = np.minimum((j + 1) * length, (i + 1) * steps) - np.maximum(j * length, i * steps)
    return np.einsum("ls,nsc->nlc", np.clip(overlap, 0, None) / steps, x)


def shaped(x: np.ndarray, mode: str) -> np.ndarray:
    from advisor.core.class_models import fold_patch
    from advisor.diagnostics.classifier import fold

    if mode == "average":
        return average_down(x, TARGET_STEPS)
    if mode == "fold":
        patch = fold_patch(x.shape[1], TARGET_STEPS)
        return np.stack([fold(s, patch) for s in x])
    return x


def accuracy(xtr, ytr, xte, yte, classes: int, seed: int, epochs: int) -> float:
    import keras

    keras.utils.set_random_seed(seed)
    mean, std = xtr.mean(axis=(0, 1)), xtr.std(axis=(0, 1)) + 1e-8
    inputs = keras.Input(xtr.shape[1:])
    h = keras.layers.Bidirectional(keras.layers.LSTM(32, return_sequences=True))(inputs)
    h = keras.layers.GlobalAveragePooling1D()(h)
    model = keras.Model(inputs, keras.layers.Dense(classes, activation="softmax")(h))
    model.compile(keras.optimizers.Adam(1e-3), "sparse_categorical_crossentropy")
    batch = max(4, min(32, len(xtr) // 8))
    model.fit((xtr - mean) / std, ytr, batch_size=batch, epochs=epochs, verbose=0)
    predicted = model.predict((xte - mean) / std, verbose=0).argmax(axis=1)
    return float((predicted == yte).mean())


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("datasets", nargs="+", help="UCR names aeon ships (GunPoint, ArrowHead)")
    ap.add_argument("--modes", nargs="+", default=["fold", "average", "full"])
    ap.add_argument("--epochs", type=int, default=150)
    args = ap.parse_args()
    from aeon.datasets import load_classification
    from sklearn.model_selection import StratifiedKFold

    for name in args.datasets:
        X, labels = load_classification(name, split="train")
        codes = {v: i for i, v in enumerate(sorted(set(labels)))}
        y = np.array([codes[v] for v in labels])
        x = np.transpose(X, (0, 2, 1)).astype("float32")  # (n, steps, channels)
        folds = StratifiedKFold(5, shuffle=True, random_state=0).split(x[:, 0, 0], y)
        splits = list(folds)
        for mode in args.modes:
            start = time.perf_counter()
            xm = shaped(x, mode)
            scores = [
                accuracy(xm[a], y[a], xm[b], y[b], len(codes), k, args.epochs)
                for k, (a, b) in enumerate(splits)
            ]
            print(
                f"{name} {mode:8s} input {xm.shape[1]}x{xm.shape[2]} "
                f"accuracy {np.mean(scores):.3f} folds {[round(s, 3) for s in scores]} "
                f"{time.perf_counter() - start:.0f}s",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
