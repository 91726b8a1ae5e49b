"""``advisor profile`` on sequence classification files, and ``advisor analyze``'s refusal
of forecasting flags on them; the classification flags' bad values in one line with exit
code 2.

The profile runs the real aeon baselines, once per module for the long file: the first
aeon call compiles for a while in a fresh environment, the later ones take a second.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from support.sequences import CLASSES, long_csv, sequences, wide_csv
from typer.testing import CliRunner

from advisor.cli import app

runner = CliRunner()
COUNTS = (12, 10, 8)


def _one_line_error(result) -> str:
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 2, result.output
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    return lines[0]


@pytest.fixture(scope="module")
def long_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return long_csv(tmp_path_factory.mktemp("long") / "moves.csv", counts=COUNTS)


@pytest.fixture(scope="module")
def profiled(long_file: Path, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("run")
    # Wide enough that no row of the screen is cut: the assertions read whole phrases.
    result = runner.invoke(
        app, ["profile", str(long_file), "--out", str(out)], env={"COLUMNS": "200"}
    )
    return result, json.loads((out / "profile.json").read_text()) if result.exit_code == 0 else None


def test_profile_of_a_long_file_shows_classes_lengths_and_baselines(profiled) -> None:
    result, _ = profiled
    assert result.exit_code == 0, result.output
    text = result.output
    assert "sequence classification" in text
    assert "long: one row per time step (id 'series_id', time 't', label 'label')" in text
    # Classes sorted by name with their counts in the file; 12 over 8 is 1.50.
    assert "3: fall (12), rise (10), wave (8); imbalance 1.50 (largest/smallest)" in text
    lengths = [len(values) for _, _, values in sequences(counts=COUNTS)]
    assert f"min {min(lengths)} / " in text and f"/ max {max(lengths)} steps (ragged" in text
    assert "2: x0, x1" in text
    # No split column: the advisor drew a quarter of the 30 sequences for test.
    assert re.search(r"30: \d+ train, \d+ validation, \d+ test \(drawn by the advisor\)", text)
    assert "Baselines on the" in text and "validation sequences" in text
    assert "the untouched test set (the file has no split column)" in text  # the split's note
    for name in ("majority class", "1-NN DTW", "MiniRocket"):
        row = next(line for line in text.splitlines() if line.startswith(name))
        scores = [float(v) for v in row.split()[-4:]]
        assert all(0 <= s <= 1 for s in scores[:3]) and scores[3] >= 0, row
    assert "wrote " in text and "profile.json" in text


def test_profile_json_is_the_classification_profile(profiled) -> None:
    _, document = profiled
    assert document["task"] == "classification"
    assert document["classes"] == list(CLASSES)
    assert document["sequences"] == sum(COUNTS)
    assert document["channels"] == ["x0", "x1"]
    assert document["lengths"]["ragged"] is True
    names = [b["name"] for b in document["baselines"]]
    assert names == ["majority", "1nn_dtw", "minirocket"]
    validation = len(document["split"]["validation"])
    for b in document["baselines"]:
        assert 0 <= b["val_accuracy"] <= 1 and len(b["correct"]) == validation
    # The class shapes are plain under the noise: MiniRocket must see them.
    minirocket = document["baselines"][2]
    assert minirocket["val_accuracy"] > document["baselines"][0]["val_accuracy"]


def test_profile_of_a_wide_file_with_task_and_layout_given(tmp_path: Path) -> None:
    path = wide_csv(tmp_path / "wide.csv", counts=(6, 6), lengths=(10, 14))
    out = tmp_path / "run"
    result = runner.invoke(
        app,
        ["profile", str(path), "--task", "classify", "--layout", "wide", "--out", str(out)],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "wide: one row per sequence, one column per step (label 'class')" in result.output
    assert "2: fall (6), rise (6); imbalance 1.00" in result.output
    document = json.loads((out / "profile.json").read_text())
    assert document["channels"] == ["value"] and document["sequences"] == 12


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        (["--horizon", "12"], ["--horizon 12", "a forecasting option", "drop --horizon"]),
        (["--task", "classify", "--lookback", "5"], ["--lookback 5", "a forecasting option"]),
        (["--metric", "accuracy"], ["--metric accuracy", "validation cross-entropy"]),
        (["--task", "classify", "--metric", "val_rmse"], ["--metric val_rmse", "drop --metric"]),
    ],
)
def test_analyze_refuses_forecasting_flags_on_a_classification_file_in_one_line(
    long_file, tmp_path, flags, words
):
    out = tmp_path / "run"
    line = _one_line_error(
        runner.invoke(app, ["analyze", str(long_file), "--out", str(out), *flags])
    )
    for word in words:
        assert word in line, line
    assert not (out / "recommendation.json").exists()


@pytest.mark.parametrize("command", ["profile", "analyze"])
def test_a_label_that_names_no_column_suggests_the_nearest(long_file, command):
    line = _one_line_error(runner.invoke(app, [command, str(long_file), "--label", "lable"]))
    assert "no column named 'lable' (given as --label)" in line
    assert "did you mean 'label'? pass --label label" in line


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        (["--label", "passengers"], ["--label passengers", "reads as a forecasting file"]),
        (["--task", "forecast", "--id-col", "id"], ["--id-col id", "--task forecast reads"]),
        (["--layout", "wide"], ["--layout wide", "pass --task classify"]),
    ],
)
@pytest.mark.parametrize("command", ["profile", "analyze"])
def test_a_classification_flag_on_a_forecasting_file_is_one_line(command, flags, words):
    line = _one_line_error(runner.invoke(app, [command, "--example", "airline", *flags]))
    assert "a classification option" in line
    for word in words:
        assert word in line, line


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        (["--layout", "wdie"], ["--layout wdie: unknown layout", "did you mean 'wide'?"]),
        (["--task", "classification"], ["unknown task", "did you mean 'classify'?"]),
        (["--horizon", "3"], ["--horizon 3: a forecasting option", "drop --horizon"]),
        (["--label", "label", "--target", "x0"], ["two different label columns"]),
    ],
)
def test_bad_classification_flags_are_one_line(long_file, flags, words):
    line = _one_line_error(runner.invoke(app, ["profile", str(long_file), *flags]))
    for word in words:
        assert word in line, line
