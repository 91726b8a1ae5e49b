"""Small seeded classification files, long or wide, written as a user would save them.

Each class has its own shape (a rising ramp, a sine, a falling ramp) under noise, so the
baselines have something to find; lengths vary, so the files are ragged. Kept small:
the aeon baselines on them take a second or two once numba has compiled.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

CLASSES = ("fall", "rise", "wave")


def _shape(label: str, length: int, channel: int) -> np.ndarray:
    t = np.linspace(0.0, 1.0, length)
    if label == "rise":
        return t * (1 + channel)
    if label == "fall":
        return (1 - t) * (1 + channel)
    return np.sin(2 * np.pi * (t + 0.25 * channel))


def sequences(
    counts: tuple[int, ...] = (12, 10, 8),
    channels: int = 2,
    lengths: tuple[int, int] = (12, 24),
    seed: int = 0,
) -> list[tuple[str, str, np.ndarray]]:
    """``(id, label, values (length, channels))`` per sequence, classes interleaved."""
    rng = np.random.default_rng(seed)
    out = []
    for label, count in zip(CLASSES, counts, strict=False):
        for _ in range(count):
            length = int(rng.integers(lengths[0], lengths[1] + 1))
            values = np.stack([_shape(label, length, c) for c in range(channels)], axis=1)
            values += rng.normal(scale=0.2, size=values.shape)
            out.append((label, np.round(values, 4)))
    order = rng.permutation(len(out))
    return [(f"s{i:02d}", out[k][0], out[k][1]) for i, k in enumerate(order)]


def long_csv(path: Path, **kwargs: object) -> Path:
    """``series_id,t,x0,x1,...,label``: one row per time step, no split column."""
    seqs = sequences(**kwargs)  # type: ignore[arg-type]
    channels = seqs[0][2].shape[1]
    lines = ["series_id,t," + ",".join(f"x{c}" for c in range(channels)) + ",label"]
    for sid, label, values in seqs:
        for t, step in enumerate(values):
            lines.append(f"{sid},{t}," + ",".join(str(v) for v in step) + f",{label}")
    path.write_text("\n".join(lines) + "\n")
    return path


def wide_csv(path: Path, **kwargs: object) -> Path:
    """``class,t0,t1,...``: one row per sequence (one channel), empty cells past its end."""
    seqs = sequences(channels=1, **kwargs)  # type: ignore[arg-type]
    width = max(len(values) for _, _, values in seqs)
    lines = ["class," + ",".join(f"t{k}" for k in range(width))]
    for _, label, values in seqs:
        cells = [str(v) for v in values[:, 0]] + [""] * (width - len(values))
        lines.append(label + "," + ",".join(cells))
    path.write_text("\n".join(lines) + "\n")
    return path
