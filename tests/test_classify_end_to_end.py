"""``advisor analyze`` on a small ragged two-channel classification file, end to end: a
tiny real run (a few trials, a small budget), marked slow. What each stage decides is
pinned by its own scripted tests; this one checks that the stages meet and that every
file a user is promised is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.sequences import CLASSES, long_csv
from typer.testing import CliRunner

from advisor.cli import app

pytestmark = pytest.mark.slow


def test_analyze_classifies_a_ragged_multichannel_file_and_writes_every_file(
    tmp_path: Path,
) -> None:
    data = long_csv(tmp_path / "moves.csv", counts=(14, 12, 10))
    out = tmp_path / "run"
    result = CliRunner().invoke(
        app,
        ["analyze", str(data), "--out", str(out), "--trials", "2", "--budget", "90"],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    doc = json.loads((out / "recommendation.json").read_text())
    assert doc["schema_version"] == 3
    assert doc["data"]["task"] == "classify"
    final = doc["final"]
    assert 0.0 <= final["test_accuracy"] <= 1.0
    matrix = final["confusion"]
    assert matrix["classes"] == list(CLASSES)
    assert sum(map(sum, matrix["counts"])) == len(doc["profile"]["split"]["test"])
    for name in ("report.html", "profile.json", "model.keras", "model.py"):
        assert (out / name).is_file(), name
    html = (out / "report.html").read_text()
    assert "Confusion" in html or "confusion" in html
    assert "accuracy" in result.output.lower()
    # each diagnostic training's curve is one TensorBoard run
    names = {r["name"] for r in doc["diagnosis"]["runs"]}
    assert names and {p.name for p in (out / "logs" / "diagnostics").iterdir()} == names
    # the script it leaves compiles and holds out the same test sequences
    script = (out / "model.py").read_text()
    compile(script, "model.py", "exec")


@pytest.mark.timeout(1200)
def test_a_second_classification_of_similar_sequences_starts_from_the_first(
    tmp_path: Path,
) -> None:
    """Through the CLI with one history: the first analysis is recorded, the second
    (other sequences of the same kind) finds it, tries its settings and says so."""
    from advisor.store.history import History

    history = tmp_path / "history.sqlite3"
    for name, seed in (("first", 0), ("second", 1)):
        data = long_csv(tmp_path / f"{name}.csv", counts=(14, 12, 10), seed=seed)
        result = CliRunner().invoke(
            app,
            [
                "analyze",
                str(data),
                "--out",
                str(tmp_path / name),
                "--trials",
                "3",
                "--budget",
                "90",
                "--history",
                str(history),
            ],
            env={"COLUMNS": "200"},
        )
        assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "second" / "recommendation.json").read_text())
    assert [n["name"] for n in doc["history"]["neighbours"]] == ["first.csv"]
    assert doc["history"]["recorded_id"] == 2
    html = (tmp_path / "second" / "report.html").read_text()
    assert "Earlier analyses with a similar profile: first.csv" in html
    with History(history) as h:
        assert [p.task for p in h.all()] == ["classify", "classify"]
