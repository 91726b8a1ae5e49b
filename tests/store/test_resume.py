"""Run directories, resuming and interruption: fast checks first, real kills last.

The real-run tests use tiny data and a rule file that makes every training tiny (2-3
units, 2 epochs); the kill test runs ``advisor analyze`` as a subprocess, kills it
with SIGKILL at a seeded random moment, reruns it, and checks that the JSON is whole
and that no finished trial was trained again.
"""

from __future__ import annotations

import json
import math
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from support.search import SUGGESTION, ScriptedTrainer, tiny_csv, tiny_rules

from advisor.core.errors import AdvisorInputError
from advisor.core.records import Settings, Split
from advisor.diagnostics.cached import CachingTrainer
from advisor.diagnostics.trainer import RunSpec
from advisor.store.rundir import (
    RunCache,
    RunDir,
    identity,
    run_from_dict,
    run_to_dict,
)

# ---------------------------------------------------------------- the run directory


def test_budget_and_trial_count_do_not_change_the_run_key():
    base = Settings(horizon=3)
    assert identity("abc", base) == identity("abc", replace(base, budget_s=999, max_trials=40))
    assert identity("abc", base) != identity("abc", replace(base, seed=1))
    assert identity("abc", base) != identity("abc", replace(base, tuner="random"))
    assert identity("abc", base) != identity("abd", base)


def test_an_asked_precision_keys_the_run_and_auto_keeps_the_keys_made_before_it():
    base = Settings(horizon=3)
    assert "precision" not in identity("abc", base)["settings"]
    assert identity("abc", base) != identity("abc", replace(base, precision="bfloat16"))
    assert identity("abc", base) != identity("abc", replace(base, precision="float32"))


def test_a_run_directory_of_other_data_is_refused_not_resumed(tmp_path):
    with RunDir.open(tmp_path, identity("aaa", Settings())):
        pass
    with pytest.raises(AdvisorInputError, match="other data or settings"):
        RunDir.open(tmp_path, identity("bbb", Settings()))
    with RunDir.open(tmp_path, identity("bbb", Settings()), fresh=True):
        pass  # --fresh starts over there


def test_fresh_removes_only_what_the_advisor_wrote(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with RunDir.open(tmp_path, identity("aaa", Settings())) as rd:
        (rd.state / "runs").mkdir()
        (tmp_path / "recommendation.json").write_text("{}")
        (tmp_path / "logs").mkdir()
    with RunDir.open(tmp_path, identity("aaa", Settings()), fresh=True):
        pass
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert not (tmp_path / "recommendation.json").exists()
    assert not (tmp_path / "logs").exists() and not (tmp_path / "state" / "runs").exists()


def test_two_runs_cannot_share_a_directory(tmp_path):
    with (
        RunDir.open(tmp_path, identity("aaa", Settings())),
        pytest.raises(AdvisorInputError, match="another advisor run"),
    ):
        RunDir.open(tmp_path, identity("aaa", Settings()))
    with RunDir.open(tmp_path, identity("aaa", Settings())):
        pass  # released on close


def test_temporary_files_of_killed_writes_are_swept(tmp_path):
    (tmp_path / "state").mkdir()
    stale = tmp_path / "state" / ".oracle.json.abc.tmp"
    stale.write_text("{half")
    with RunDir.open(tmp_path, identity("aaa", Settings())):
        assert not stale.exists()


def test_a_finished_training_is_answered_from_the_cache(tmp_path):
    inner = ScriptedTrainer()
    context = {"split": {"train": 10, "validation": 5, "test": 5}, "horizon": 2}
    trainer = CachingTrainer(inner, RunCache(tmp_path), context)
    first = trainer.run(RunSpec("trial-0", SUGGESTION, 1.0, 0))
    again = CachingTrainer(ScriptedTrainer(), RunCache(tmp_path), context)
    second = again.run(RunSpec("cv-suggestion-fold1-seed0", SUGGESTION, 1.0, 0))
    assert second.val_rmse == first.val_rmse and second.name == "cv-suggestion-fold1-seed0"
    assert len(again.inner.calls) == 0
    other_seed = again.run(RunSpec("x", SUGGESTION, 1.0, 1))
    assert len(again.inner.calls) == 1 and other_seed.val_rmse != first.val_rmse


def test_a_bfloat16_training_is_another_cache_entry_and_float32_keys_stay(tmp_path):
    trainer = CachingTrainer(ScriptedTrainer(), RunCache(tmp_path), {})
    spec = RunSpec("a", SUGGESTION)
    plain = trainer.key(spec)
    with trainer.precision_scope():
        trainer.use_precision("bfloat16")
        assert trainer.inner.precision == "bfloat16" and trainer.key(spec) != plain
        trainer.run(spec)
    assert trainer.precision == "float32" and trainer.key(spec) == plain
    trainer.run(spec)
    assert len(trainer.inner.calls) == 2


def test_a_budget_cut_training_is_not_cached(tmp_path):
    class Cut(ScriptedTrainer):
        def run(self, spec, deadline=None):
            return replace(super().run(spec, deadline), stopped_reason="budget")

    trainer = CachingTrainer(Cut(), RunCache(tmp_path), {})
    trainer.run(RunSpec("a", SUGGESTION))
    trainer.run(RunSpec("a", SUGGESTION))
    assert len(trainer.inner.calls) == 2


def test_a_corrupt_cache_entry_is_set_aside_and_trained_again(tmp_path):
    trainer = CachingTrainer(ScriptedTrainer(), RunCache(tmp_path), {})
    trainer.run(RunSpec("a", SUGGESTION))
    (entry,) = tmp_path.glob("*.json")
    entry.write_text("{")
    trainer.run(RunSpec("a", SUGGESTION))
    assert len(trainer.inner.calls) == 2 and list(tmp_path.glob("*.corrupt"))


def test_diagnosis_and_recommendation_survive_the_round_trip():
    from advisor.core.records import Diagnosis, Finding, Recommendation, RuleHit
    from advisor.store.plain import from_plain, to_plain

    hit = RuleHit("r", "units", 32, "why", {"a": 1, "b": 2.5, "c": "x", "d": True}, 0.5, 10)
    rec = Recommendation(SUGGESTION, (), (hit,), ("x",), True)
    run = replace(ScriptedTrainer().run(RunSpec("a", SUGGESTION)), val_rmse=math.inf)
    diag = Diagnosis((run,), (Finding("good_fit", "ok", {"x": 1.0}, 0.5),), "plan", ("cut",))
    for obj in (rec, diag):
        text = json.dumps(to_plain(obj), allow_nan=False)
        assert repr(from_plain(type(obj), json.loads(text))) == repr(obj)
    assert type(from_plain(Recommendation, to_plain(rec)).rules_fired[0].value) is int
    with pytest.raises(ValueError):
        from_plain(Recommendation, {**to_plain(rec), "renamed": 1})


def test_cached_runs_keep_infinities():
    run = replace(ScriptedTrainer().run(RunSpec("a", SUGGESTION)), val_rmse=math.inf)
    back = run_from_dict(json.loads(json.dumps(run_to_dict(run), allow_nan=False)))
    assert repr(back) == repr(run)  # repr: NaN fields compare unequal to themselves
    assert back.val_rmse == math.inf


# --------------------------------------------------------------------- real runs


def analyze_cmd(csv: Path, out: Path, rules: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "advisor",
        "analyze",
        str(csv),
        "--horizon",
        "3",
        "--budget",
        "120s",
        "--trials",
        "4",
        "--max-units",
        "8",
        "--rules",
        str(rules),
        "--out",
        str(out),
        *extra,
    ]


def trial_log(out: Path) -> list[dict]:
    events = []
    for log in out.glob("state/search-*/trials.log"):
        for line in log.read_text().splitlines():
            try:
                events.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # the one line a kill may tear
    return events


def assert_no_finished_trial_ran_twice(out: Path) -> None:
    events = trial_log(out)
    completed = [e["trial"] for e in events if e["event"] == "end" and e["status"] == "COMPLETED"]
    assert len(completed) == len(set(completed)), events
    for e in events:
        if e["event"] == "start":
            ended_before = [
                x
                for x in events
                if x["event"] == "end" and x["trial"] == e["trial"] and x["time"] < e["time"]
            ]
            assert not ended_before, f"trial {e['trial']} started again after it finished"


def assert_one_search(out: Path) -> None:
    """The rerun resumed the same search space (it reuses the finished diagnosis and
    recommendation) instead of starting another search."""
    assert len(list(out.glob("state/search-*"))) == 1


def assert_every_json_file_is_whole(out: Path) -> None:
    for path in out.rglob("*.json"):
        json.loads(path.read_text())


@pytest.mark.slow
def test_ctrl_c_writes_partial_results_and_a_rerun_completes(tmp_path):
    csv = tiny_csv(tmp_path / "tiny.csv")
    rules = tiny_rules(tmp_path / "tiny.toml")
    out = tmp_path / "out"
    proc = subprocess.Popen(analyze_cmd(csv, out, rules), stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        if any(e["event"] == "end" for e in trial_log(out)):
            break
        time.sleep(0.1)
    assert proc.poll() is None, "the run finished before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr.decode()
    doc = json.loads((out / "recommendation.json").read_text())
    assert doc["run"]["partial"] is True and doc["final"] is None
    if doc["verification"] is not None:
        assert doc["verification"]["partial"] is True and doc["verification"]["trials"]

    done = subprocess.run(analyze_cmd(csv, out, rules), capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr.decode()
    doc = json.loads((out / "recommendation.json").read_text())
    assert doc["run"]["partial"] is False and doc["final"]["test_metrics"]["rmse"] is not None
    assert_no_finished_trial_ran_twice(out)
    assert_one_search(out)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1])
def test_kill_9_at_a_random_moment_then_resume(tmp_path, seed):
    """SIGKILL after a seeded random number of trial events (starts and ends) plus a
    random fraction of a second: anywhere in the search, or later if it has ended."""
    csv = tiny_csv(tmp_path / "tiny.csv")
    rules = tiny_rules(tmp_path / "tiny.toml")
    out = tmp_path / "out"
    rng = random.Random(seed)
    events_before_kill, extra_s = rng.randint(1, 8), rng.uniform(0.0, 1.5)
    proc = subprocess.Popen(
        analyze_cmd(csv, out, rules), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 240
    while proc.poll() is None and time.monotonic() < deadline:
        if len(trial_log(out)) >= events_before_kill:
            time.sleep(extra_s)
            break
        time.sleep(0.05)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert_every_json_file_is_whole(out)
    ended_before = {
        e["trial"] for e in trial_log(out) if e["event"] == "end" and e["status"] == "COMPLETED"
    }

    done = subprocess.run(analyze_cmd(csv, out, rules), capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr.decode()
    assert_every_json_file_is_whole(out)
    assert_no_finished_trial_ran_twice(out)
    if ended_before:
        assert_one_search(out)
    doc = json.loads((out / "recommendation.json").read_text())
    ids = [t["trial_id"] for t in doc["verification"]["trials"]]
    assert len(ids) == len(set(ids)) and ended_before <= set(ids)
    assert doc["final"]["test_metrics"]["rmse"] is not None and not doc["run"]["partial"]
    assert (out / "model.keras").is_file() and (out / "model.py").is_file()


def test_split_fixture_sanity():
    # The tiny series leaves enough rows for the protocol's split at horizon 3.
    from advisor.core.splits import chronological_split

    split = chronological_split(96, 3)
    assert split == Split(train=66, validation=15, test=15)


@pytest.mark.slow
def test_same_data_settings_and_seed_give_the_same_recommendation(tmp_path):
    """Twice in one process, in two run directories, with a budget that binds nowhere."""
    from advisor import analyze

    csv = tiny_csv(tmp_path / "tiny.csv")
    rules = tiny_rules(tmp_path / "tiny.toml")
    settings = Settings(horizon=3, budget_s=600, seed=5, max_trials=3, max_units=8)
    docs = []
    for name in ("a", "b"):
        analyze(csv, settings=settings, out=tmp_path / name, rules_files=[rules])
        docs.append(json.loads((tmp_path / name / "recommendation.json").read_text()))
    a, b = docs
    assert a["recommendation"] == b["recommendation"]
    assert [t["config"] for t in a["verification"]["trials"]] == [
        t["config"] for t in b["verification"]["trials"]
    ]
    assert a["verification"]["verdict"] == b["verification"]["verdict"]
    assert a["final"]["config"] == b["final"]["config"]
