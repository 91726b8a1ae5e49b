"""benchmarks/classification_quality.py: the baselines on the file's own test split, the
LSTM competitors' configurations, the tables and goals from saved entries, and the
advisor entry (its analysis run by a subprocess only in the slow smoke test).

Tiny seeded files written here; no LSTM is trained for its full 100 epochs (the smoke
runs, marked slow, train for a few).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from support.scripts import load_script
from support.sequences import sequences

from advisor.core.records import LayerConfig


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_script("classification_quality")


def write_datasets(folder: Path, names: tuple[str, ...] = ("toy",), **kwargs: object) -> Path:
    """A long file per name (``series_id, split, t, dim_0, label``) as the shared datasets
    are laid out: alternate sequences of each class train and test, the first train. Also
    a forecasting file in the manifest, which this script must pass over."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest: list[dict[str, object]] = [
        {"name": "series", "file": "series.csv", "task": "univariate_forecast", "target": "y"}
    ]
    for name in names:
        lines = ["series_id,split,t,dim_0,label"]
        seen: dict[str, int] = {}
        for sid, label, values in sequences(**kwargs):  # type: ignore[arg-type]
            seen[label] = seen.get(label, 0) + 1
            split = "train" if seen[label] % 2 else "test"
            lines += [f"{sid},{split},{t},{v},{label}" for t, v in enumerate(values[:, 0])]
        (folder / f"{name}.csv").write_text("\n".join(lines) + "\n")
        manifest.append(
            {
                "name": name,
                "file": f"{name}.csv",
                "task": "classification",
                "target": "label",
                "id_column": "series_id",
                "time_column": "t",
                "split_column": "split",
                "label_column": "label",
                "feature_columns": ["dim_0"],
            }
        )
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


EASY = {"counts": (12, 8), "channels": 1, "lengths": (20, 30), "seed": 0}
"""Two classes, a falling and a rising ramp under noise: 6 + 4 of each in train / test."""


@pytest.fixture(scope="module")
def problem(bench: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> object:
    folder = write_datasets(tmp_path_factory.mktemp("data"), **EASY)
    entry = json.loads((folder / "manifest.json").read_text())[1]
    return bench.load_problem(entry, folder)


def test_train_and_test_are_the_files_split(bench: ModuleType, problem) -> None:
    seqs = problem.seqs
    np.testing.assert_array_equal(problem.test, np.flatnonzero(seqs.test))
    np.testing.assert_array_equal(problem.train, np.flatnonzero(~seqs.test))
    assert problem.describe() == {
        "train": 10,
        "test": 10,
        "classes": 2,
        "channels": 1,
        "lengths": [seqs.min_length, seqs.max_length],
        "test_source": "file",
    }
    # the baselines fit on every training sequence and score the test ones
    scored = bench.scored_on_test(problem)
    assert scored.train == tuple(problem.train) and scored.validation == tuple(problem.test)
    assert sum(scored.train_counts) == 10 and scored.validation_counts == (6, 4)


def test_majority_predicts_the_training_majority_on_every_test_sequence(
    bench: ModuleType, problem
) -> None:
    e = bench.baseline(problem, "majority")
    # 6 of the 10 test sequences are the training majority ("fall", 6 of 10 in train)
    assert e.accuracy == 0.6
    assert e.balanced_accuracy == 0.5
    assert e.macro_f1 == pytest.approx((2 * 0.6 / 1.6 + 0.0) / 2)
    assert e.detail["test_correct"] == [int(v) for v in problem.seqs.labels[problem.test] == 0]


def test_aeon_baselines_beat_chance_on_an_easy_two_class_set(bench: ModuleType, problem) -> None:
    pytest.importorskip("aeon")
    for name in ("dtw_1nn", "minirocket"):
        e = bench.baseline(problem, name)
        assert e.accuracy >= 0.9, name
        assert len(e.detail["test_correct"]) == 10 and e.seconds > 0
        # uncapped: every training sequence, every step
        assert not e.detail.get("capped") and "Capped" not in e.detail.get("note", "")


def test_the_tutorial_lstm_is_the_protocols(bench: ModuleType) -> None:
    from advisor.diagnostics.classifier import build_classifier

    config = bench.tutorial_config()
    assert config.layers == (LayerConfig(50, 0.0, 0.0),)
    assert (config.learning_rate, config.batch_size, config.epochs) == (1e-3, 32, 100)
    assert config.pooling == "last" and not config.bidirectional
    assert config.l2 == 0.0 and not config.class_weights
    assert config.max_length is None and config.scaling == "standard"
    # patience as long as the training: nothing could stop it early
    assert config.early_stopping_patience == config.epochs
    model = build_classifier(config, channels=3, classes=4, length=None)
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["InputLayer", "Masking", "LSTM", "Dense"]
    assert model.layers[2].units == 50 and model.layers[3].units == 4


def test_the_wide_search_space_is_the_protocols(bench: ModuleType) -> None:
    kt = pytest.importorskip("keras_tuner")
    hp = kt.HyperParameters()
    config = bench.wide_config(hp)
    space = {p.name: p for p in hp.space}
    assert (space["units"].min_value, space["units"].max_value) == (16, 128)
    assert (space["layers"].min_value, space["layers"].max_value) == (1, 2)
    assert (space["dropout"].min_value, space["dropout"].max_value) == (0.0, 0.5)
    lr = space["learning_rate"]
    assert (lr.min_value, lr.max_value, lr.sampling) == (1e-4, 1e-2, "log")
    assert list(space["batch_size"].values) == [16, 32]
    assert type(space["bidirectional"]).__name__ == "Boolean"
    assert (config.epochs, config.early_stopping_patience) == (100, 10)
    assert not config.class_weights and config.max_length is None


@pytest.mark.slow
def test_tutorial_lstm_smoke_trains_exactly_its_epochs(bench: ModuleType, problem) -> None:
    e = bench.tutorial_lstm(problem, seeds=1, epochs=2)
    assert e.name == "tutorial_lstm" and 0.0 <= e.accuracy <= 1.0
    assert e.detail["epochs_trained"] == [2] and e.detail["stopped"] == ["epochs"]
    assert "note" not in e.detail
    assert len(e.detail["test_correct"]) == 10


@pytest.mark.slow
def test_wide_search_smoke_records_its_trials_and_retrains_the_best(
    bench: ModuleType, problem, tmp_path: Path
) -> None:
    pytest.importorskip("keras_tuner")
    e = bench.wide_search(problem, trials=2, seeds=1, workdir=tmp_path, epochs=10)
    trials = e.detail["trials"]
    assert len(trials) == 2 and e.detail["trials_asked"] == 2
    assert all(16 <= t["units"] <= 128 and t["epochs_run"] <= 10 for t in trials)
    best = min(trials, key=lambda t: t["val_loss"])
    assert e.detail["best"] == {k: best[k] for k in e.detail["best"]}
    assert e.detail["epochs_trained"] == [max(1, best["best_epoch"])]
    assert e.detail["validation"] == 2  # a stratified 20% of the 10 training sequences
    assert 0.0 <= e.accuracy <= 1.0


# --- tables and goals --------------------------------------------------------------------


def entry(bench: ModuleType, name: str, accuracy: float, seconds: float = 1.0, **detail):
    return bench.Entry(name, accuracy, accuracy - 0.01, accuracy - 0.02, seconds, dict(detail))


def hand_made(bench: ModuleType) -> dict[str, list[object]]:
    return {
        "a": [
            entry(bench, "majority", 0.5),
            entry(bench, "dtw_1nn", 0.8),
            entry(bench, "minirocket", 0.9),
            entry(bench, "tutorial_lstm", 0.7, seconds=100.0),
            entry(bench, "wide_search", 0.85, seconds=900.0),
            entry(bench, "advisor", 0.72, seconds=200.0),
        ],
        "b": [
            entry(bench, "majority", 0.4),
            entry(bench, "dtw_1nn", 0.9),
            entry(bench, "minirocket", 0.8),
            entry(bench, "tutorial_lstm", 0.8, seconds=50.0),
            entry(bench, "wide_search", 0.95, seconds=600.0),
            entry(bench, "advisor", 0.75, seconds=300.0),
        ],
        # no advisor here: judged on nothing
        "c": [entry(bench, "dtw_1nn", 0.6), entry(bench, "tutorial_lstm", 0.9)],
    }


def goals(table: str) -> dict[str, tuple[str, str]]:
    rows = [r.split("|")[1:4] for r in table.splitlines() if r.count("|") == 4]
    return {
        g.strip(): (v.strip(), m.strip())
        for g, v, m in rows
        if g.strip() != "goal" and not g.strip().startswith("-")
    }


def test_ratios_are_to_the_better_of_dtw_and_minirocket(bench: ModuleType) -> None:
    report = bench.summarise(hand_made(bench))
    assert report["best_reference"] == {"a": "minirocket", "b": "dtw_1nn", "c": "dtw_1nn"}
    a, b = report["datasets"]["a"], report["datasets"]["b"]
    assert a["advisor"]["vs_best_reference"] == pytest.approx(0.8)
    assert b["wide_search"]["vs_best_reference"] == pytest.approx(0.95 / 0.9)
    across = report["across_datasets"]
    assert across["tutorial_lstm"]["datasets"] == 3
    assert across["tutorial_lstm"]["median_accuracy"] == pytest.approx(0.8)
    assert across["advisor"]["median_seconds"] == pytest.approx(250.0)
    assert across["majority"]["median_vs_best_reference"] == pytest.approx(
        (0.5 / 0.9 + 0.4 / 0.9) / 2
    )


def test_goal_lines_from_hand_made_entries(bench: ModuleType) -> None:
    report = bench.summarise(hand_made(bench))
    s = report["summary"]
    assert (s["advisor_at_or_above_tutorial"], s["compared_with_tutorial"]) == (1, 2)
    assert s["median_advisor_to_dtw_accuracy"] == pytest.approx((0.72 / 0.8 + 0.75 / 0.9) / 2)
    assert s["median_advisor_to_wide_wall"] == pytest.approx((200 / 900 + 300 / 600) / 2)
    g = goals(bench.markdown(report))
    assert g["advisor accuracy at or above the tutorial LSTM on every dataset"] == ("1 of 2", "no")
    assert g["advisor accuracy / 1-NN DTW, median >= 1.00"][1] == "no"
    assert g["advisor wall time / wide search, median <= 0.33"] == ("0.361", "no")
    # without per-sequence correctness nothing is judged against MiniRocket
    assert g["MiniRocket ahead of the advisor beyond the noise"] == ("0 of 0", "n/a")
    assert g["the verdict names MiniRocket wherever it is ahead beyond the noise"][1] == "n/a"

    # an advisor ahead everywhere, and fast
    better = {
        name: [
            entry(bench, "advisor", 0.95, seconds=100.0) if e.name == "advisor" else e
            for e in entries
        ]
        for name, entries in hand_made(bench).items()
    }
    g = goals(bench.markdown(bench.summarise(better)))
    assert g["advisor accuracy at or above the tutorial LSTM on every dataset"] == ("2 of 2", "yes")
    assert g["advisor accuracy / 1-NN DTW, median >= 1.00"][1] == "yes"
    assert g["advisor wall time / wide search, median <= 0.33"][1] == "yes"


def test_without_an_advisor_entry_every_goal_reads_n_a(bench: ModuleType) -> None:
    results = {n: [e for e in es if e.name != "advisor"] for n, es in hand_made(bench).items()}
    g = goals(bench.markdown(bench.summarise(results)))
    assert len(g) == 5
    assert {met for _, met in g.values()} == {"n/a"}
    assert g["advisor accuracy / 1-NN DTW, median >= 1.00"] == ("n/a", "n/a")


def test_minirocket_ahead_beyond_the_noise_is_a_paired_test_on_the_same_sequences(
    bench: ModuleType,
) -> None:
    right, wrong = [1] * 40, [0] * 40
    # MiniRocket right on 12 sequences the advisor misses, the advisor on 1 it misses
    rocket = entry(bench, "minirocket", 0.9, test_correct=[1] * 12 + [0] + right[13:])
    close = entry(bench, "advisor", 0.6, test_correct=[0] * 12 + [1] + right[13:])
    judged = bench.ahead_beyond_noise(rocket, close)
    assert (judged["only_ahead_right"], judged["only_behind_right"]) == (12, 1)
    assert judged["p_value"] == pytest.approx(14 / 2**13)  # P(X >= 12), X ~ Bin(13, 1/2)
    assert judged["beyond_noise"]
    # 3 against 1 is within the noise
    near = entry(bench, "advisor", 0.85, test_correct=[0] * 3 + [1] + right[4:])
    three = entry(bench, "minirocket", 0.9, test_correct=[1] * 3 + [0] + right[4:])
    assert not bench.ahead_beyond_noise(three, near)["beyond_noise"]
    # the same correctness: nothing to tell them apart
    assert (
        bench.ahead_beyond_noise(
            entry(bench, "minirocket", 0, test_correct=wrong),
            entry(bench, "advisor", 0, test_correct=wrong),
        )["p_value"]
        == 1.0
    )
    assert bench.ahead_beyond_noise(rocket, entry(bench, "advisor", 0.9)) is None

    report = bench.summarise({"a": [rocket, close], "b": [three, near]})
    assert report["minirocket_vs_advisor"]["a"]["beyond_noise"]
    assert report["summary"]["minirocket_ahead_beyond_noise"] == 1
    g = goals(bench.markdown(report))
    assert g["MiniRocket ahead of the advisor beyond the noise"] == ("1 of 2", "n/a")
    # the advisor entries here named no baseline: the verdict missed MiniRocket once
    assert g["the verdict names MiniRocket wherever it is ahead beyond the noise"] == (
        "0 of 1",
        "no",
    )
    assert "| a | 0.9 | 0.6 | 12 | 1 |" in bench.markdown(report)


# --- the run -----------------------------------------------------------------------------

ONLY_MAJORITY = ["--skip", "dtw_1nn", "minirocket", "tutorial_lstm", "wide_search", "advisor"]


def test_only_the_competitors_not_skipped_run_on_the_classification_files(
    bench: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write_datasets(tmp_path / "data", ("one", "two"), **EASY)
    out = tmp_path / "out"
    assert bench.main(["--datasets", str(data), "--out", str(out), *ONLY_MAJORITY]) == 0
    said = capsys.readouterr().out
    assert "one              majority" in said and "advisor" not in said.split("|")[0]
    assert sorted(p.name for p in (out / "entries").iterdir()) == [
        "one.majority.json",
        "two.majority.json",
    ]
    report = json.loads((out / "results.json").read_text())
    assert list(report["datasets"]) == ["one", "two"]  # the forecasting file is passed over


def test_tables_rebuild_from_saved_entries_without_training(
    bench: ModuleType, tmp_path: Path
) -> None:
    data, out = write_datasets(tmp_path / "data", **EASY), tmp_path / "out"
    argv = ["--datasets", str(data), "--out", str(out)]
    assert bench.main([*argv, *ONLY_MAJORITY]) == 0
    saved = out / "entries" / "toy.majority.json"
    first = saved.read_text()
    assert json.loads(first)["provenance"]["commit"]

    # finished LSTM runs, as the script would have saved them
    folder = out / "entries"
    bench.save_entry(folder, "toy", entry(bench, "dtw_1nn", 0.9))
    bench.save_entry(folder, "toy", entry(bench, "tutorial_lstm", 0.8, seconds=60.0, seeds=3))
    bench.save_entry(folder, "toy", entry(bench, "advisor", 0.85, seconds=30.0))
    assert bench.main([*argv, "--tables-only"]) == 0
    assert saved.read_text() == first  # nothing ran again
    assert not (folder / "toy.minirocket.json").exists()
    report = json.loads((out / "results.json").read_text())
    toy = report["datasets"]["toy"]
    assert list(toy) == ["majority", "dtw_1nn", "tutorial_lstm", "advisor"]
    assert toy["advisor"]["vs_best_reference"] == pytest.approx(0.85 / 0.9)
    assert toy["advisor"]["provenance"]["machine"]
    assert "test_correct" not in toy["majority"]  # kept in the entry file only
    table = (out / "results.md").read_text()
    assert "| toy | tutorial_lstm (median of 3 seeds) | 0.8 |" in table
    assert goals(table)["advisor accuracy at or above the tutorial LSTM on every dataset"] == (
        "1 of 1",
        "yes",
    )

    # --reuse keeps the saved entry, --rerun runs it again
    assert bench.main([*argv, *ONLY_MAJORITY, "--reuse"]) == 0
    assert saved.read_text() == first
    assert bench.main([*argv, *ONLY_MAJORITY, "--reuse", "--rerun", "majority"]) == 0
    again = json.loads(saved.read_text())
    assert again["accuracy"] == 0.6 and again["seconds"] != json.loads(first)["seconds"]
    assert math.isfinite(again["macro_f1"])
