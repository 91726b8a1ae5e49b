"""The verification search, with a scripted trainer: narrowing, tuners, budgets, resume.

No test here trains a network; keras-tuner itself runs for real (oracles, state files,
reloading), so what is asserted about resuming is keras-tuner's behaviour as wrapped.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import pytest
from support.search import RANGES, SUGGESTION, ScriptedTrainer, recommendation

from advisor.core.records import Range
from advisor.core.settings import SETTING_NAMES, config_values
from advisor.verification.objective import FORECAST_OBJECTIVES
from advisor.verification.search import SearchInterrupted, SearchOptions, search
from advisor.verification.space import (
    JOB,
    build_space,
    defaults,
    open_settings,
    space_size,
)

RMSE = FORECAST_OBJECTIVES["val_rmse"]
LATER = 600.0


def run(tmp_path, trainer=None, tuner="bayesian", trials=5, deadline=LATER, seed=0, rec=None):
    trainer = trainer or ScriptedTrainer()
    return search(
        rec or recommendation(),
        trainer,
        tmp_path,
        time.monotonic() + deadline,
        RMSE,
        SearchOptions(tuner, trials, seed),
    )


def log_events(tmp_path: Path) -> list[dict]:
    (log,) = tmp_path.glob("search-*/trials.log")
    events = []
    for line in log.read_text().splitlines():
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # a line torn by a kill
    return events


# ----------------------------------------------------------------------- the space


def test_settled_settings_are_fixed_at_the_suggestion():
    hp = build_space(recommendation())
    suggestion = config_values(SUGGESTION)
    open_names = {p.name for p in open_settings(hp)}
    # units (3 choices), dropout, learning rate, batch size: the ranges with room
    assert open_names == {"units", "dropout", "learning_rate", "batch_size"}
    for name in SETTING_NAMES:
        assert hp.get(name) == suggestion[name], name
    assert defaults(hp) == {**suggestion, "advisor/role": "search"}


def test_narrowing_shows_in_the_size_of_the_space():
    """Grid size of the narrowed space = the product of its open settings' sizes,
    and far smaller than the benchmark's wide search space."""
    narrowed = build_space(recommendation(), "grid")
    # units 3 x dropout 3 (low, suggestion, high) x learning rate 3 x batch 2
    assert space_size(narrowed) == 3 * 3 * 3 * 2
    wide = recommendation(
        ranges=(
            Range("units", choices=(16, 32, 64, 128)),
            Range("layers", choices=(1, 2, 3)),
            Range("learning_rate", low=1e-4, high=1e-1, log=True),
            Range("dropout", low=0.0, high=0.5),
            Range("lookback", choices=(12, 24, 48)),
            Range("batch_size", choices=(16, 32)),
        )
    )
    assert space_size(build_space(wide, "grid")) > 10 * space_size(narrowed)
    assert math.isinf(space_size(build_space(recommendation())))  # continuous ranges
    everything_settled = recommendation(ranges=())
    assert space_size(build_space(everything_settled)) == 1


def test_float_ranges_keep_their_bounds_and_scale():
    hp = build_space(recommendation())
    lr = next(p for p in hp.space if p.name == "learning_rate")
    assert (lr.min_value, lr.max_value, lr.sampling) == (3e-4, 3e-3, "log")


def test_hyperband_fixes_epochs_it_sets_itself():
    rec = recommendation(ranges=(*RANGES, Range("epochs", low=20, high=100)))
    assert "epochs" in {p.name for p in open_settings(build_space(rec))}
    assert "epochs" not in {p.name for p in open_settings(build_space(rec, "hyperband"))}


def test_the_job_rides_along_but_is_never_a_trial_value():
    hp = build_space(recommendation(), job='{"x": 1}')
    assert JOB in [p.name for p in hp.space]
    assert JOB not in defaults(hp)


def test_open_ranges_widen_to_hold_earlier_settings_and_settled_ones_do_not():
    earlier = {"units": 64, "dropout": 0.6, "learning_rate": 1e-5, "lookback": 48}
    plain = {p.name: p for p in build_space(recommendation()).space}
    hp = {p.name: p for p in build_space(recommendation(), include=[earlier]).space}
    assert 64 in hp["units"].values and 64 not in plain["units"].values
    assert hp["dropout"].max_value == pytest.approx(0.6) and plain["dropout"].max_value < 0.6
    assert hp["learning_rate"].min_value == pytest.approx(1e-5)
    assert plain["learning_rate"].min_value > 1e-5
    assert type(hp["lookback"]).__name__ == "Fixed" and hp["lookback"].value == 12
    # The suggestion is still every default.
    assert defaults(build_space(recommendation(), include=[earlier])) == defaults(
        build_space(recommendation())
    )


# -------------------------------------------------------------------------- tuners


@pytest.mark.parametrize("tuner", ["bayesian", "random", "grid", "hyperband"])
def test_the_suggestion_is_the_first_trial(tmp_path, tuner):
    result = run(tmp_path, tuner=tuner, trials=4)
    assert len(result.trials) == 4
    first = result.trials[0]
    assert first.is_suggestion
    if tuner != "hyperband":  # Hyperband trains its first round for fewer epochs
        assert first.config == SUGGESTION
    assert len({t.trial_id for t in result.trials}) == 4


@pytest.mark.parametrize("tuner", ["bayesian", "random", "grid", "hyperband"])
def test_similar_earlier_settings_come_right_after_the_suggestion(tmp_path, tuner):
    """An earlier dataset's winner is the second trial whichever tuner runs, and names
    the analysis it came from: tried as it was where this search's ranges are open (they
    widen to hold units 64 and dropout 0.6), with this analysis' own value where a
    setting is settled (the lookback stays 12)."""
    from dataclasses import replace

    from advisor.core.records import LayerConfig

    earlier = replace(
        SUGGESTION,
        lookback=48,
        layers=(LayerConfig(64, 0.6, 0.0),),
        learning_rate=2e-3,
        batch_size=32,
    )
    same = replace(SUGGESTION, epochs=50)  # the suggestion but for epochs, this search's own
    result = search(
        recommendation(),
        ScriptedTrainer(),
        tmp_path,
        time.monotonic() + LATER,
        RMSE,
        SearchOptions(tuner, 4, 0, ((7, config_values(earlier)), (9, config_values(same)))),
    )
    first, second = result.trials[:2]
    assert first.is_suggestion and first.history_id is None
    assert second.history_id == 7 and not second.is_suggestion
    cfg = second.config
    assert cfg.layers[0].units == 64 and cfg.layers[0].dropout == pytest.approx(0.6)
    assert cfg.lookback == 12 and cfg.batch_size == 32
    assert cfg.learning_rate == pytest.approx(2e-3)
    assert all(t.history_id != 9 for t in result.trials)
    assert sum(t.history_id == 7 for t in result.trials) == 1


def test_the_search_finds_the_better_region(tmp_path):
    result = run(tmp_path, tuner="grid", trials=54)
    best = min(result.trials, key=lambda t: t.score)
    assert best.config.layers[0].units == 16
    assert result.stop_reason in ("trial budget", "space exhausted")


def test_the_objective_is_reported_per_trial(tmp_path):
    result = run(tmp_path, trials=3)
    for t in result.trials:
        assert t.score == pytest.approx(t.val_rmse) and t.best_epoch == 7 and not t.cut


# ------------------------------------------------------------------------- budgets


def test_trial_budget(tmp_path):
    trainer = ScriptedTrainer()
    result = run(tmp_path, trainer, trials=3)
    assert len(result.trials) == 3 and len(trainer.calls) == 3
    assert result.stop_reason == "trial budget"


def test_wall_clock_budget_stops_between_trials_and_keeps_what_finished(tmp_path):
    trainer = ScriptedTrainer(sleep=0.4)
    start = time.monotonic()
    result = run(tmp_path, trainer, trials=50, deadline=1.5)
    assert result.stop_reason == "time budget"
    # Each trial takes 0.4 s; a new one starts only when a whole one fits.
    assert 2 <= len(result.trials) <= 4
    assert time.monotonic() - start < 3.0
    assert all(not t.cut for t in result.trials)


def test_a_spent_budget_still_scores_the_suggestion_and_nothing_else(tmp_path):
    result = run(tmp_path, trials=5, deadline=-1)
    assert [t.is_suggestion for t in result.trials] == [True]
    assert result.stop_reason == "time budget"


# -------------------------------------------------------------------------- resume


def test_ctrl_c_keeps_finished_trials_and_a_rerun_repeats_none(tmp_path):
    first = ScriptedTrainer(interrupt_at=3)
    with pytest.raises(SearchInterrupted) as stop:
        run(tmp_path, first, tuner="random", trials=6)
    assert [t.trial_id for t in stop.value.result.trials] == ["0", "1"]

    second = ScriptedTrainer()
    result = run(tmp_path, second, tuner="random", trials=6)
    assert [t.trial_id for t in result.trials] == ["0", "1", "2", "3", "4", "5"]
    # The interrupted trial 2 runs again (it never finished); 0 and 1 do not.
    assert [s.name for s in second.calls] == [f"trial-{i}" for i in range(2, 6)]
    ended = [e["trial"] for e in log_events(tmp_path) if e["event"] == "end"]
    assert sorted(ended) == sorted(set(ended))


def test_a_rerun_with_more_trials_continues_the_same_search(tmp_path):
    run(tmp_path, trials=3)
    trainer = ScriptedTrainer()
    result = run(tmp_path, trainer, trials=5)
    assert len(result.trials) == 5 and len(trainer.calls) == 2


def test_a_resumed_search_proposes_what_an_uninterrupted_one_does(tmp_path):
    # Four open settings: five random points, then the Gaussian process proposes.
    with pytest.raises(SearchInterrupted):
        run(tmp_path / "a", ScriptedTrainer(interrupt_at=5), trials=6)
    resumed = run(tmp_path / "a", trials=6)
    straight = run(tmp_path / "b", trials=6)
    assert [t.config for t in resumed.trials] == [t.config for t in straight.trials]


def test_same_seed_same_trials(tmp_path):
    a = run(tmp_path / "a", trials=5, seed=3)
    b = run(tmp_path / "b", trials=5, seed=3)
    c = run(tmp_path / "c", trials=5, seed=4)
    assert [t.config for t in a.trials] == [t.config for t in b.trials]
    assert [t.config for t in a.trials] != [t.config for t in c.trials]


def test_a_corrupt_trial_file_is_set_aside_not_fatal(tmp_path):
    run(tmp_path, trials=3)
    (trial_file,) = tmp_path.glob("search-*/trial_1/trial.json")
    trial_file.write_text('{"trial_id": "1", "hyperpa')  # torn by hand
    trainer = ScriptedTrainer()
    result = run(tmp_path, trainer, trials=5)
    assert (trial_file.parent / "trial.json.corrupt").exists()
    ids = [t.trial_id for t in result.trials]
    assert "1" not in ids and ids == sorted(set(ids), key=int)
    assert [s.name for s in trainer.calls] == ["trial-3", "trial-4"]  # 1 is not reused


def test_a_corrupt_oracle_file_is_rebuilt_from_the_trials(tmp_path):
    run(tmp_path, trials=3)
    (oracle_file,) = tmp_path.glob("search-*/oracle.json")
    oracle_file.write_text("{not json")
    trainer = ScriptedTrainer()
    result = run(tmp_path, trainer, trials=4)
    assert [t.trial_id for t in result.trials] == ["0", "1", "2", "3"]
    assert [s.name for s in trainer.calls] == ["trial-3"]


def test_a_trial_killed_after_reporting_its_score_is_not_trained_again(tmp_path):
    """A kill between keras-tuner's update_trial and end_trial leaves the trial RUNNING
    with its score saved: the rerun completes it from the file."""
    run(tmp_path, trials=2)
    (project,) = tmp_path.glob("search-*")
    state = json.loads((project / "trial_1" / "trial.json").read_text())
    state["status"] = "RUNNING"
    state["score"] = None
    (project / "trial_1" / "trial.json").write_text(json.dumps(state))
    oracle = json.loads((project / "oracle.json").read_text())
    oracle["ongoing_trials"] = {"tuner0": "1"}
    oracle["end_order"] = ["0"]
    (project / "oracle.json").write_text(json.dumps(oracle))
    trainer = ScriptedTrainer()
    result = run(tmp_path, trainer, trials=3)
    assert [t.trial_id for t in result.trials] == ["0", "1", "2"]
    assert [s.name for s in trainer.calls] == ["trial-2"]


def test_a_kill_before_the_tuner_file_was_written_still_resumes(tmp_path):
    run(tmp_path, trials=2)
    (tuner_file,) = tmp_path.glob("search-*/tuner0.json")
    tuner_file.unlink()
    trainer = ScriptedTrainer()
    run(tmp_path, trainer, trials=3)
    assert [s.name for s in trainer.calls] == ["trial-2"]


def test_no_state_file_is_left_half_written(tmp_path):
    run(tmp_path, trials=3)
    for path in tmp_path.rglob("*.json"):
        json.loads(path.read_text())
    assert not list(tmp_path.rglob(".*.tmp*"))


def test_a_changed_space_is_a_new_search_not_a_resume(tmp_path):
    run(tmp_path, trials=2)
    narrower = recommendation(ranges=(Range("units", choices=(8, 16)),))
    trainer = ScriptedTrainer()
    result = run(tmp_path, trainer, trials=2, rec=narrower)
    assert len(list(tmp_path.glob("search-*"))) == 2
    assert len(trainer.calls) == 2 and result.trials[0].is_suggestion


def test_stray_kerastuner_variables_do_not_make_a_plain_search_distributed(tmp_path, monkeypatch):
    monkeypatch.setenv("KERASTUNER_TUNER_ID", "worker-7")
    monkeypatch.setenv("KERASTUNER_ORACLE_IP", "10.255.255.1")
    monkeypatch.setenv("KERASTUNER_ORACLE_PORT", "9")
    result = run(tmp_path, trials=2)
    assert len(result.trials) == 2
    import os

    assert os.environ["KERASTUNER_TUNER_ID"] == "worker-7"  # restored afterwards


def test_bayesian_optimisation_improves_on_the_suggestion(tmp_path):
    result = run(tmp_path, trials=9)
    suggestion = result.trials[0]
    best = min(result.trials, key=lambda t: t.score)
    assert best.score < suggestion.score - 0.4
    values = [config_values(t.config) for t in result.trials]
    assert len({json.dumps(v, sort_keys=True) for v in values}) == len(values)  # no repeats


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        (["--tuner", "nope"], "unknown tuner"),
        (["--metric", "macro_f1"], "a classifier's search ranks on validation cross-entropy"),
        (["--metric", "val_mape"], "unknown metric"),
        (["--precision", "float16"], "unknown precision"),
    ],
)
def test_bad_search_flags_are_one_line_and_exit_2(flags, words):
    from typer.testing import CliRunner

    from advisor.cli import app

    result = CliRunner().invoke(app, ["analyze", "--example", "airline", *flags])
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 2 and len(lines) == 1 and words in lines[0], result.output
