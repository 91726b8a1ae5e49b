"""A seeded, ragged, multichannel sequence-classification file, as a datasets folder entry.

The public classification files (GunPoint, BasicMotions, ArrowHead) all have sequences
of one length; this one has what they lack: lengths from 40 to 120 steps in every class
(so length alone tells nothing), three channels, classes of unequal size and a given
train/test split. Three kinds of motion, each under AR(1) noise:

- ``sway``: a slow oscillation (period 18-30 steps) on channel 0, its echo on channel 1;
- ``burst``: a short fast oscillation at a random moment on channels 0 and 1, quiet
  otherwise;
- ``drift``: a slow ramp on channel 2 with a faster oscillation (period 8-12) on
  channel 0.

Writes ``ragged_motions.csv`` (long layout: ``series_id, split, t, dim_0, dim_1, dim_2,
label``) and adds its entry to ``manifest.json`` in ``--out`` (created where missing; an
entry of the same name is replaced, the others are kept), in the public manifest's
format with ``task: classification``.

Usage::

    python benchmarks/constructed_sequences.py --out constructed [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

NAME = "ragged_motions"
CLASS_SIZES = {"sway": 60, "burst": 50, "drift": 40}
CHANNELS = 3
LENGTHS = (40, 120)
TEST_SHARE = 0.3
SIGNAL = 0.6
"""Signal over the noise. At seed 0 a logistic regression on each channel's spread scores
0.64 on test and one on band powers of the spectrum 0.98: summary statistics leave errors
that a model following the shape over time can remove, without a ceiling at 1.0."""


def _noise(rng: np.random.Generator, length: int, phi: float = 0.6) -> np.ndarray:
    """AR(1) noise per channel: neighbouring steps are alike, as a sensor's are."""
    shocks = rng.normal(scale=0.35, size=(length, CHANNELS))
    out = np.empty_like(shocks)
    out[0] = shocks[0]
    for t in range(1, length):
        out[t] = phi * out[t - 1] + shocks[t]
    return out


def motion(kind: str, length: int, rng: np.random.Generator) -> np.ndarray:
    """One sequence of ``kind``: ``(length, 3)``."""
    t = np.arange(length)
    signal = np.zeros((length, CHANNELS))
    phase = rng.uniform(0, 2 * np.pi)
    if kind == "sway":
        wave = np.sin(2 * np.pi * t / rng.uniform(18, 30) + phase)
        signal[:, 0] = rng.uniform(0.8, 1.4) * wave
        signal[:, 1] = 0.5 * np.roll(wave, 3)
    elif kind == "burst":
        centre, width = rng.uniform(0.2, 0.8) * length, rng.uniform(4, 8)
        envelope = np.exp(-(((t - centre) / width) ** 2))
        signal[:, 0] = 1.8 * envelope * np.sin(2 * np.pi * t / 5 + phase)
        signal[:, 1] = 1.2 * envelope * np.cos(2 * np.pi * t / 5 + phase)
    elif kind == "drift":
        signal[:, 0] = 0.7 * np.sin(2 * np.pi * t / rng.uniform(8, 12) + phase)
        signal[:, 2] = rng.choice([-1.0, 1.0]) * rng.uniform(1.0, 2.0) * t / length
    else:
        raise ValueError(f"unknown kind {kind!r}")
    return SIGNAL * signal + _noise(rng, length)


def frame(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    plan: list[tuple[str, str]] = []
    for kind, size in CLASS_SIZES.items():
        # Stratified: every class has the same share in test, and sequences in train.
        test = set(rng.choice(size, size=round(TEST_SHARE * size), replace=False).tolist())
        plan += [(kind, "test" if i in test else "train") for i in range(size)]
    order = rng.permutation(len(plan))
    parts = []
    for series_id, k in enumerate(order):
        kind, split = plan[k]
        length = int(rng.integers(LENGTHS[0], LENGTHS[1] + 1))
        values = motion(kind, length, rng).round(4)
        part = pd.DataFrame(values, columns=[f"dim_{c}" for c in range(CHANNELS)])
        part.insert(0, "t", np.arange(length))
        part.insert(0, "split", split)
        part.insert(0, "series_id", series_id)
        part["label"] = kind
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def entry(data: pd.DataFrame, path: Path, seed: int) -> dict[str, Any]:
    """The manifest entry, in the public classification entries' format."""
    per_series = data.groupby("series_id").agg(
        length=("t", "size"), split=("split", "first"), label=("label", "first")
    )
    features = [c for c in data.columns if c.startswith("dim_")]
    return {
        "name": NAME,
        "file": path.name,
        "set": "constructed",
        "task": "classification",
        "target": "label",
        "domain": "synthetic motion (three kinds, ragged lengths)",
        "source": f"benchmarks/constructed_sequences.py, seed {seed}",
        "n_rows": len(data),
        "n_columns": len(data.columns),
        "missing_values": int(data.isna().sum().sum()),
        "bytes": path.stat().st_size,
        "id_column": "series_id",
        "time_column": "t",
        "split_column": "split",
        "label_column": "label",
        "feature_columns": features,
        "n_dims": len(features),
        "n_series": len(per_series),
        "n_train": int((per_series["split"] == "train").sum()),
        "n_test": int((per_series["split"] == "test").sum()),
        "series_length_min": int(per_series["length"].min()),
        "series_length_max": int(per_series["length"].max()),
        "n_classes": int(per_series["label"].nunique()),
        "frequency": None,
        "seasonal_period": None,
    }


def _write_atomically(path: Path, text: str) -> None:
    # A run interrupted mid-write must not leave a half manifest that hides the others.
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text)
    os.replace(partial, path)


def write(out: Path, seed: int) -> dict[str, Any]:
    out.mkdir(parents=True, exist_ok=True)
    data = frame(seed)
    path = out / f"{NAME}.csv"
    _write_atomically(path, data.to_csv(index=False))
    record = entry(data, path, seed)
    manifest_path = out / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else []
    manifest = [e for e in manifest if e.get("name") != NAME] + [record]
    _write_atomically(manifest_path, json.dumps(manifest, indent=2) + "\n")
    return record


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("constructed"))
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    record = write(args.out, args.seed)
    print(
        f"{record['name']}: {record['n_series']} sequences ({record['n_train']} train, "
        f"{record['n_test']} test), lengths {record['series_length_min']}-"
        f"{record['series_length_max']}, {record['n_classes']} classes -> "
        f"{args.out / record['file']}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
