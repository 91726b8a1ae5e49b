"""The classifier's model.py: it compiles, holds out exactly the advisor's test sequences,
reads and prepares every layout as the advisor does, and builds the advisor's network;
one slow test runs it end to end on a tiny file.

The script's definitions are run without its main (``__name__`` is not ``__main__``),
so everything but the end-to-end test stays free of training.
"""

from __future__ import annotations

import ast
import csv
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from support.sequences import sequences, wide_csv

from advisor.core.class_models import ClassifierConfig
from advisor.core.class_records import ClassSplit
from advisor.core.records import LayerConfig
from advisor.core.sequences import SequenceSet
from advisor.core.splits import class_split
from advisor.final.class_script import (
    class_keras_snippet,
    class_script,
    paragraph,
    wrapped_list,
    write_class_script,
)
from advisor.intake.sequences import read_sequences

CHANNELS = ('acc "x"', "acc 'y'")  # quotes in names must stay literals in the script


def config(**kw: Any) -> ClassifierConfig:
    base: dict[str, Any] = dict(
        layers=(LayerConfig(6, 0.1, 0.0),),
        bidirectional=True,
        pooling="average",
        l2=1e-4,
        learning_rate=1e-2,
        batch_size=8,
        epochs=2,
        early_stopping_patience=2,
        class_weights=True,
        max_length=10,
        scaling="standard",
    )
    base.update(kw)
    return ClassifierConfig(**base)


def long_file(path: Path, split: bool = False, seed: int = 0) -> Path:
    """Two channels, ragged (6-16 steps), the rows shuffled so that only the time column
    orders them; with ``split``, every fourth sequence marked test."""
    seqs = sequences(counts=(8, 7, 6), channels=2, lengths=(6, 16), seed=seed)
    rows = []
    for k, (sid, label, values) in enumerate(seqs):
        for t, step in enumerate(values):
            row = [sid, str(t), *(str(v) for v in step), label]
            rows.append([*row, "test" if k % 4 == 0 else "train"] if split else row)
    order = np.random.default_rng(seed).permutation(len(rows))
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["series_id", "t", *CHANNELS, "label", *(["split"] if split else [])])
        writer.writerows(rows[i] for i in order)
    return path


@pytest.fixture(scope="module")
def long_set(tmp_path_factory) -> tuple[Path, SequenceSet, ClassSplit]:
    path = long_file(tmp_path_factory.mktemp("class_script") / "long.csv")
    seqs = read_sequences(path)
    assert seqs.layout == "long" and seqs.channels == CHANNELS and seqs.ragged
    return path, seqs, class_split(seqs, seed=0)


def literals(source: str) -> dict[str, object]:
    out = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            try:
                out[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                continue
    return out


def definitions(source: str) -> dict[str, Any]:
    """The script's module-level names, its main left unrun."""
    namespace: dict[str, Any] = {"__name__": "model"}
    exec(compile(source, "model.py", "exec"), namespace)
    return namespace


def fit_rows(split: ClassSplit) -> np.ndarray:
    return np.sort(np.array([*split.train, *split.validation], dtype=np.int64))


# --- what the script holds ------------------------------------------------------------


def test_long_script_compiles_and_holds_out_exactly_the_advisors_test_sequences(long_set):
    path, seqs, split = long_set
    assert split.test_source == "advisor"  # a draw the script could not redo itself
    source = class_script(config(), seqs, split, str(path), 7)
    compile(source, "model.py", "exec")
    values = literals(source)
    assert values["TEST_IDS"] == [seqs.ids[i] for i in split.test]
    assert values["LAYOUT"] == "long" and values["HEADER"] is True
    assert values["ID_COLUMN"] == "series_id" and values["TIME_COLUMN"] == "t"
    assert values["LABEL_COLUMN"] == "label" and values["CHANNELS"] == list(CHANNELS)
    assert values["CLASSES"] == list(seqs.classes) and values["N_SEQUENCES"] == seqs.n_sequences
    assert values["SEEDS"] == [7, 8, 9] and values["EPOCHS"] == 2 and values["MAX_LENGTH"] == 10
    assert values["LAYERS"] == [{"units": 6, "dropout": 0.1, "recurrent_dropout": 0.0}]
    assert values["MASK"] == -1.0e4 and values["PRECISION"] == "float32"
    assert "advisor's own stratified draw" in source
    halved = class_script(config(), seqs, split, str(path), 7, precision="bfloat16")
    assert literals(halved)["PRECISION"] == "bfloat16"


def test_wide_script_holds_out_the_sequences_the_files_split_column_marks(tmp_path):
    path = tmp_path / "wide.csv"
    lines = ["id,split,label,v0,v1,v2,v3,v4"]
    rng = np.random.default_rng(1)
    for i in range(12):
        cells = [f"{v:.3f}" for v in rng.normal(size=5)]
        cells[4:] = [""] if i % 3 == 0 else cells[4:]  # ragged: some rows end early
        lines.append(",".join([f"q{i}", "test" if i % 4 == 1 else "train", "ab"[i % 2], *cells]))
    path.write_text("\n".join(lines) + "\n")
    seqs = read_sequences(path)
    split = class_split(seqs, seed=0)
    assert seqs.layout == "wide" and split.test_source == "file"
    source = class_script(config(), seqs, split, str(path), 0)
    compile(source, "model.py", "exec")
    values = literals(source)
    assert values["TEST_IDS"] == [f"q{i}" for i in range(12) if i % 4 == 1]
    assert values["LAYOUT"] == "wide" and values["CHANNELS"] is None
    assert values["SPLIT_COLUMN"] == "split" and values["ID_COLUMN"] == "id"
    assert "marked test in the file's split column" in source


def test_write_class_script_writes_model_py_in_the_run_directory(long_set, tmp_path):
    path, seqs, split = long_set
    run_dir = tmp_path / "run"
    written = write_class_script(config(), seqs, split, str(path), run_dir, 0)
    assert written == run_dir / "model.py"
    assert written.read_text() == class_script(config(), seqs, split, str(path), 0)
    assert [p.name for p in run_dir.iterdir()] == ["model.py"]  # no temporary file left


# --- reading and preparing as the advisor does ----------------------------------------


def headerless_wide(path: Path) -> Path:
    """The UCR archive's format: no header line, the class first; a short row's cells
    past its end are empty."""
    rows = sequences(channels=1, lengths=(5, 9), seed=4)
    width = max(len(values) for _, _, values in rows)
    lines = []
    for i, (_, _, values) in enumerate(rows):
        cells = [str(v) for v in values[:, 0]] + [""] * (width - len(values))
        lines.append(f"{i % 2 + 1}," + ",".join(cells))
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize(
    ("make", "max_length", "scaling"),
    [
        (lambda tmp: long_file(tmp / "long.csv"), 10, "standard"),
        (lambda tmp: long_file(tmp / "long_split.csv", split=True, seed=2), None, "standard"),
        (lambda tmp: wide_csv(tmp / "wide.csv", lengths=(6, 14)), 8, "standard"),
        (lambda tmp: headerless_wide(tmp / "ucr.csv"), None, "none"),
    ],
    ids=["long-shortened", "long-split-column", "wide-shortened", "wide-headerless"],
)
def test_script_reads_and_prepares_the_sequences_as_the_advisor_does(
    tmp_path, make, max_length, scaling
):
    from advisor.diagnostics.classifier import prepare

    path = make(tmp_path)
    seqs = read_sequences(path)
    split = class_split(seqs, seed=3)
    cfg = config(max_length=max_length, scaling=scaling)
    script = definitions(class_script(cfg, seqs, split, str(path), 0))
    assert script["HEADER"] is (path.name != "ucr.csv")
    ids, steps, labels = script["load"](str(path))
    assert ids == list(seqs.ids)
    assert np.array_equal(labels, seqs.labels)
    test = np.isin(ids, script["TEST_IDS"])
    assert np.array_equal(np.flatnonzero(test), np.sort(split.test))
    # The advisor's final training scales on train + validation: every non-test sequence.
    fit = np.flatnonzero(~test)
    assert np.array_equal(fit, fit_rows(split))
    feed = prepare(seqs, fit, cfg.scaling, cfg.max_length)
    assert np.array_equal(script["prepare"](steps, fit), feed.x)


def test_script_macro_f1_and_class_weights_match_scikit_learn(long_set):
    from sklearn.metrics import f1_score
    from sklearn.utils.class_weight import compute_sample_weight

    _, seqs, split = long_set
    script = definitions(class_script(config(), seqs, split, "data.csv", 0))
    rng = np.random.default_rng(5)
    n = len(script["CLASSES"])
    for _ in range(20):
        truth = rng.integers(0, n, size=15)
        predicted = rng.integers(0, n - 1, size=15)  # a class never predicted
        expected = f1_score(truth, predicted, average="macro", zero_division=0)
        assert script["macro_f1"](truth, predicted) == pytest.approx(expected)
        weights = compute_sample_weight("balanced", truth)
        assert np.allclose(script["balanced_weights"](truth), weights)


# --- the network ----------------------------------------------------------------------

CONFIGS = [
    config(),
    config(bidirectional=False, pooling="last", l2=0.0),
    config(layers=(LayerConfig(5, 0.0, 0.1), LayerConfig(3, 0.2, 0.0)), pooling="last"),
    config(layers=(LayerConfig(4, 0.0, 0.0), LayerConfig(7, 0.0, 0.0)), bidirectional=False),
]
IDS = ["bi-average", "uni-last-no-l2", "bi-last-2-layers", "uni-average-2-layers"]


def _weights_and_outputs_agree(ours: Any, theirs: Any, channels: int) -> None:
    assert ours.count_params() == theirs.count_params()
    assert [type(layer).__name__ for layer in ours.layers] == [
        type(layer).__name__ for layer in theirs.layers if type(layer).__name__ != "InputLayer"
    ]
    # The same weights must give the same outputs, padding and all: masking and pooling
    # then behave alike, not only the shapes.
    ours.set_weights(theirs.get_weights())
    from advisor.diagnostics.classifier import MASK

    x = np.random.default_rng(0).normal(size=(3, 9, channels)).astype("float32")
    x[0, 4:] = MASK
    x[1, 7:] = MASK
    assert np.allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), atol=1e-6)


@pytest.mark.parametrize("cfg", CONFIGS, ids=IDS)
def test_script_builds_the_network_build_classifier_builds(long_set, cfg):
    from advisor.diagnostics.classifier import build_classifier, count_params

    _, seqs, split = long_set
    script = definitions(class_script(cfg, seqs, split, "data.csv", 0))
    ours = script["build_model"](9, 2, 3)
    theirs = build_classifier(cfg, 2, 3, 9)
    assert ours.count_params() == count_params(cfg, 2, 3)
    _weights_and_outputs_agree(ours, theirs, 2)


@pytest.mark.parametrize("cfg", CONFIGS, ids=IDS)
def test_snippet_is_valid_python_building_the_same_network(cfg):
    from advisor.diagnostics.classifier import build_classifier

    snippet = class_keras_snippet(cfg, channels=2, classes=3, length=None)
    namespace: dict[str, Any] = {}
    exec(compile(snippet, "snippet.py", "exec"), namespace)
    assert namespace["LENGTH"] is None
    _weights_and_outputs_agree(namespace["model"], build_classifier(cfg, 2, 3, None), 2)
    if cfg.l2 == 0:
        assert "regularizers" not in snippet  # none at all, as build_classifier has none


def test_snippet_says_how_its_sequences_were_shortened():
    from dataclasses import replace

    cfg = replace(config(), max_length=50)
    folded = class_keras_snippet(cfg, channels=2, classes=3, length=None, patch=3)
    namespace: dict[str, Any] = {}
    exec(compile(folded, "snippet.py", "exec"), namespace)
    assert namespace["CHANNELS"] == 6  # 3 steps of 2 channels side by side
    assert "every 3 consecutive steps side by side" in folded and "averaged" not in folded
    # A schema version 2 file's max_length averaged down; its snippet still says so.
    old = class_keras_snippet(cfg, channels=2, classes=3, length=None, averaged=True)
    assert "averaged down to 50" in old and "consecutive steps" not in old
    assert "consecutive steps" not in class_keras_snippet(config(), 2, 3, None)


# --- helpers --------------------------------------------------------------------------


def test_long_lists_wrap_to_readable_lines_and_stay_the_same_literal():
    ids = [f"sequence-{i:04d}" for i in range(300)]
    text = wrapped_list(ids)
    assert ast.literal_eval(text) == ids
    assert max(len(line) for line in text.splitlines()) <= 88
    assert wrapped_list(["a", "b"]) == "['a', 'b']"
    assert ast.literal_eval(wrapped_list(["it's", 'say "x"'])) == ["it's", 'say "x"']


def test_paragraph_collapses_template_line_breaks():
    assert paragraph("one\n  two\n\nthree", width=40) == "one two three"


# --- end to end -----------------------------------------------------------------------


@pytest.mark.slow
def test_model_script_trains_on_the_users_csv_and_prints_its_test_accuracy(tmp_path):
    path = long_file(tmp_path / "data.csv")
    seqs = read_sequences(path)
    split = class_split(seqs, seed=0)
    cfg = config(layers=(LayerConfig(4, 0.0, 0.0),), epochs=50)
    script = write_class_script(cfg, seqs, split, str(path), tmp_path, 0)
    proc = subprocess.run(
        [sys.executable, str(script), str(path), "--epochs", "2"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "test accuracy" in proc.stdout and "macro-F1" in proc.stdout
    assert f"on {split.n_test} sequences" in proc.stdout
    assert (tmp_path / "model_retrained.keras").is_file()
