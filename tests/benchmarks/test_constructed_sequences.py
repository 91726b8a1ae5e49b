"""benchmarks/constructed_sequences.py: the ragged classification file it writes reads
back through the classification intake as its manifest entry describes it."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest
from support import REPO

from advisor.intake.sequences import read_sequences

SCRIPT = REPO / "benchmarks" / "constructed_sequences.py"


@pytest.fixture(scope="module")
def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("constructed_sequences", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["constructed_sequences"] = module
    spec.loader.exec_module(module)
    return module


def test_the_file_reads_as_its_manifest_entry_says(script: ModuleType, tmp_path: Path) -> None:
    entry = script.write(tmp_path, seed=0)
    data = read_sequences(tmp_path / entry["file"])
    assert entry["task"] == "classification"
    assert data.values.shape == (entry["n_series"], entry["series_length_max"], entry["n_dims"])
    assert (data.n_sequences - data.n_test, data.n_test) == (entry["n_train"], entry["n_test"])
    assert data.min_length == entry["series_length_min"] >= 40
    assert data.max_length <= 120 and data.ragged
    assert data.class_counts == {"burst": 50, "drift": 40, "sway": 60}
    assert set(data.labels[~data.test]) == {0, 1, 2}  # every class is in train
    assert list(data.channels) == entry["feature_columns"] == ["dim_0", "dim_1", "dim_2"]
    assert (data.id_column, data.time_column, data.split_column, data.label_column) == (
        entry["id_column"],
        entry["time_column"],
        entry["split_column"],
        entry["label_column"],
    )


def test_same_seed_same_file_and_other_manifest_entries_are_kept(
    script: ModuleType, tmp_path: Path
) -> None:
    (tmp_path / "manifest.json").write_text(json.dumps([{"name": "random_walk"}]))
    script.write(tmp_path, seed=3)
    first = (tmp_path / "ragged_motions.csv").read_bytes()
    script.write(tmp_path, seed=3)
    assert (tmp_path / "ragged_motions.csv").read_bytes() == first
    names = [e["name"] for e in json.loads((tmp_path / "manifest.json").read_text())]
    assert names == ["random_walk", "ragged_motions"]
