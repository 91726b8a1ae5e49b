"""End to end on a small synthetic series: every stage real, the training tiny."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from advisor import Settings, analyze
from advisor.core.progress import ProgressEvent
from advisor.store.document import config_to_dict
from advisor.store.schema import SCHEMA_VERSION

CONFIG_KEYS = {
    "lookback",
    "season_position",
    "deseasonalize",
    "log_target",
    "layers",
    "l2",
    "learning_rate",
    "batch_size",
    "epochs",
    "early_stopping_patience",
    "scaling",
    "differencing",
}


def seasonal_csv(path, rows=160, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(rows)
    y = 50 + 0.2 * t + 8 * np.sin(2 * np.pi * t / 12) + rng.normal(scale=1.0, size=rows)
    pd.DataFrame({"date": pd.date_range("2000-01-01", periods=rows, freq="MS"), "sales": y}).to_csv(
        path, index=False
    )
    return path


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("run")
    events: list[ProgressEvent] = []
    result = analyze(
        seasonal_csv(tmp / "sales.csv"),
        settings=Settings(horizon=3, budget_s=20, seed=1),
        out=tmp / "out",
        progress=events.append,
    )
    return result, tmp / "out", events


def test_every_file_is_written(finished):
    _, out, _ = finished
    for name in ("recommendation.json", "profile.json", "report.html", "model.keras"):
        assert (out / name).is_file(), name
    assert not list(out.glob(".*.tmp*")), "a temporary file was left behind"


def test_logs_hold_each_final_seed_and_each_diagnostic_run(finished):
    from support.board import scalars

    result, out, _ = finished
    assert result.final.tensorboard_dir == str(out / "logs")
    for seed in result.final.seeds:
        assert scalars(out / "logs" / f"seed-{seed}" / "train")["epoch_loss"]
    diagnosis = result.diagnosis
    runs = (*diagnosis.lookback_runs, *diagnosis.differencing_runs, *diagnosis.runs)
    assert runs and {p.name for p in (out / "logs" / "diagnostics").iterdir()} == {
        r.name for r in runs
    }
    for r in runs:
        train = scalars(out / "logs" / "diagnostics" / r.name / "train")["epoch_loss"]
        assert [step for step, _ in train] == list(range(r.curve.epochs))
        np.testing.assert_allclose([v for _, v in train], r.curve.train_loss, rtol=1e-6)


def test_document_carries_every_stage(finished):
    result, out, _ = finished
    doc = json.loads((out / "recommendation.json").read_text())
    assert doc["schema_version"] == SCHEMA_VERSION
    assert doc["data"]["target"] == "sales" and doc["data"]["horizon"] == 3
    assert len(doc["data"]["sha256"]) == 64
    assert doc["profile"]["seasonal_period"] == 12
    assert doc["diagnosis"]["runs"] and all(r["train_loss"] for r in doc["diagnosis"]["runs"])
    assert doc["diagnosis"]["findings"] and all(
        "evidence" in f for f in doc["diagnosis"]["findings"]
    )
    assert doc["recommendation"]["rules_fired"]
    # Twenty seconds cut the plan: the verdict says so first, and keeps what it found.
    verification = doc["verification"]
    assert verification["trials"] and verification["verdict"] == "provisional"
    assert verification["outcome"] in {"confirmed", "refined", "widen", "untested"}
    assert verification["verdict_reason"].startswith("Provisional: the --budget of 20s cut ")
    assert set(doc["final"]["config"]) == CONFIG_KEYS
    assert set(doc["final"]["config"]["layers"][0]) == {"units", "dropout", "recurrent_dropout"}
    assert all(np.isfinite(v) for v in doc["final"]["test_metrics"].values())
    assert (
        result.final is not None
        and result.final.test_metrics["rmse"] == doc["final"]["test_metrics"]["rmse"]
    )
    # The baseline validation named is also scored against the final model on test.
    baseline = verification["baseline"]
    assert baseline["lstm_test_rmse"] == doc["final"]["test_metrics"]["rmse"]
    assert baseline["test_rmse"] == doc["final"]["baseline_test_metrics"][baseline["name"]]["rmse"]
    if baseline["beaten"]:
        assert baseline["held_on_test"] == (baseline["lstm_test_rmse"] < baseline["test_rmse"])
    else:
        assert baseline["held_on_test"] is None


def test_every_config_value_comes_from_a_rule(finished):
    result, _, _ = finished
    applied = {hit.setting for hit in result.recommendation.rules_fired if hit.applied}
    settings = (CONFIG_KEYS - {"layers"}) | {"units", "layers", "dropout", "recurrent_dropout"}
    assert settings <= applied


def test_the_saved_model_reloads_and_matches_the_config(finished):
    import keras

    result, out, _ = finished
    model = keras.saving.load_model(out / "model.keras")
    assert model.input_shape == (None, result.final.config.lookback, 1)
    assert model.output_shape == (None, 3)


def test_progress_reports_each_stage(finished):
    _, _, events = finished
    stages = [e.stage for e in events]
    for stage in ("intake", "profile", "diagnostics", "rules", "search", "final", "report"):
        assert stage in stages


def test_report_renders_inline_for_notebooks(finished):
    result, _, _ = finished
    html = result._repr_html_()
    # The page sits escaped in a sandboxed iframe's srcdoc (see reports.html.inline_html).
    assert html.startswith("<iframe") and "id=&quot;verdict&quot;" in html and "sales" in html


@pytest.mark.slow
def test_a_second_analysis_of_a_similar_series_starts_from_the_first(tmp_path):
    """Two seasonal monthly series analysed in turn with one history: the second finds
    the first as a neighbour, tries its settings right after the suggestion, says so in
    its document and report, and both are recorded."""
    from advisor.store.history import History

    history = tmp_path / "history.sqlite3"
    settings = Settings(horizon=3, budget_s=20, seed=1)
    first = analyze(
        seasonal_csv(tmp_path / "a.csv", seed=0),
        settings=settings,
        out=tmp_path / "a",
        history=history,
    )
    assert first.history is not None and first.history.neighbours == ()
    second = analyze(
        seasonal_csv(tmp_path / "b.csv", rows=150, seed=5),
        settings=settings,
        out=tmp_path / "b",
        history=history,
    )
    use = second.history
    assert use is not None and [n.past.name for n in use.neighbours] == ["a.csv"]
    assert second.verification is not None
    tried = [t for t in second.verification.trials if t.history_id == use.neighbours[0].past.id]
    assert len(tried) <= 1 and second.verification.trials[0].is_suggestion
    doc = json.loads((tmp_path / "b" / "recommendation.json").read_text())
    assert doc["history"]["neighbours"][0]["name"] == "a.csv"
    report = (tmp_path / "b" / "report.html").read_text()
    assert "Earlier analyses with a similar profile: a.csv" in report
    with History(history) as h:
        assert [p.name for p in h.all("forecast")] == ["a.csv", "b.csv"]
    # The same run directory again (resumed from its files) is recorded once (a rerun that
    # finished what the budget had cut replaces the record), and does not count itself as
    # an earlier dataset.
    again = analyze(tmp_path / "b.csv", settings=settings, out=tmp_path / "b", history=history)
    assert again.history is not None and [n.past.name for n in again.history.neighbours] == [
        "a.csv"
    ]
    with History(history) as h:
        assert len(h.all()) == 2
        assert again.final is not None
        assert h.all()[-1].config == config_to_dict(again.final.config)


@pytest.mark.slow
def test_a_many_series_file_pretrains_across_series_and_compares_on_held_out_ones(tmp_path):
    rng = np.random.default_rng(2)
    frames = []
    for k in range(4):
        n = 96 + 12 * k
        t = np.arange(n)
        y = (30 + 10 * k) * (1 + 0.2 * np.sin(2 * np.pi * t / 12)) + rng.normal(0, 1, n)
        frames.append(
            pd.DataFrame(
                {
                    "site": f"s{k}",
                    "date": pd.date_range("2000-01-01", periods=n, freq="MS"),
                    "load": y,
                }
            )
        )
    path = tmp_path / "sites.csv"
    pd.concat(frames).to_csv(path, index=False)
    result = analyze(
        path,
        settings=Settings(horizon=3, seed=0, max_trials=2, max_units=8),
        out=tmp_path / "out",
        series_col="site",
    )
    panel = result.panel
    assert panel is not None and panel.lead == "s3" and panel.series == 4
    assert [c.series for c in panel.compared] == ["s3", "s2"]
    assert set(panel.pretrained_on) == {"s0", "s1"}
    for c in panel.compared:
        arms = {(r.config, r.fold, r.seed) for r in c.comparison.runs}
        assert {(f, s) for a, f, s in arms if a == "scratch"} == {
            (f, s) for a, f, s in arms if a == "fine_tuned"
        }
    doc = json.loads((tmp_path / "out" / "recommendation.json").read_text())
    assert [c["series"] for c in doc["panel"]["compared"]] == ["s3", "s2"]
    assert (tmp_path / "out" / "data.csv").read_text().count("\n") == 96 + 36 + 1
    assert "pretrained on 2 other series" in (tmp_path / "out" / "report.html").read_text()


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_an_earlier_runs_model_is_fine_tuned_against_training_from_scratch(tmp_path):
    """The model.keras one analysis saved, given to the next as --pretrained: both arms
    are scored on the same folds and seeds, in the document and the report."""
    settings = Settings(horizon=3, seed=0, max_trials=2, max_units=8)
    first = analyze(
        seasonal_csv(tmp_path / "a.csv", seed=0),
        settings=Settings(horizon=3, seed=0, budget_s=20),
        out=tmp_path / "a",
    )
    assert first.final is not None and first.final.model_path
    second = analyze(
        seasonal_csv(tmp_path / "b.csv", rows=150, seed=5),
        settings=settings,
        out=tmp_path / "b",
        pretrained=first.final.model_path,
    )
    c = second.pretrained
    assert c is not None and c.fine_tuned is not None and c.scratch is not None
    pairs = {(r.fold, r.seed) for r in c.runs if r.config == "fine_tuned"}
    assert pairs and pairs == {(r.fold, r.seed) for r in c.runs if r.config == "scratch"}
    assert c.winner in ("fine_tuned", "scratch", "level") and c.improvement is not None
    doc = json.loads((tmp_path / "b" / "recommendation.json").read_text())
    assert doc["pretrained"]["fine_tuned"]["n"] == len(pairs)
    report = (tmp_path / "b" / "report.html").read_text()
    assert "was fine-tuned (its output layer first" in report and "from scratch over" in report


def test_a_history_that_fails_at_recording_costs_the_record_not_the_run(finished, tmp_path):
    """Recording comes after the analysis: a history that cannot be written then gives a
    note in the document's history, and the analysis itself is untouched."""
    from advisor.core.history import HistoryUse
    from advisor.store.earlier import record
    from advisor.store.history import History

    result, _, _ = finished
    broken = tmp_path / "history.sqlite3"
    broken.write_text("not a database\n")
    use = record(HistoryUse(str(broken), {"rows": 0.3}, ()), result)
    assert use.recorded_id is None and use.note.startswith("Not recorded in the history: ")
    assert broken.read_text() == "not a database\n"
    good = tmp_path / "good.sqlite3"
    first = record(HistoryUse(str(good), {"rows": 0.3}, ()), result)
    again = record(HistoryUse(str(good), {"rows": 0.3}, ()), result)
    assert first.recorded_id == again.recorded_id == 1  # the same run recorded once
    with History(good) as h:
        (past,) = h.all("forecast")
    assert past.name == "sales.csv" and past.config["lookback"] == result.final.config.lookback
    # A rerun of the run directory that chose otherwise (it finished what a budget had
    # cut) replaces the record rather than adding a second.
    from dataclasses import replace

    changed = replace(
        result, final=replace(result.final, config=replace(result.final.config, epochs=3))
    )
    third = record(HistoryUse(str(good), {"rows": 0.3}, ()), changed)
    with History(good) as h:
        (past,) = h.all("forecast")
    assert third.recorded_id == past.id == 2 and past.config["epochs"] == 3
