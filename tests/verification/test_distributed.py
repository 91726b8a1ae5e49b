"""Distributed search on keras-tuner's chief/worker protocol.

Fast tests cover the job a worker receives and the command line; the loopback test
runs a real chief with two local workers (slow: three processes load the backend).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from support.search import tiny_csv, tiny_rules

from advisor.core.errors import AdvisorInputError
from advisor.core.records import Settings, Split
from advisor.verification import distributed
from advisor.verification.distributed import Job, make_job, parse_address
from advisor.verification.tuner_env import ENV_NAMES, distribution_env, without_distribution_env

SPLIT = Split(train=60, validation=20, test=20)


def job(values, **kw):
    return make_job(values, SPLIT, 3, "f" * 64, "data.csv", Settings(seed=4), "val_rmse", 0.0)


def test_the_job_carries_the_series_exactly():
    values = np.random.default_rng(0).normal(size=(100, 2))
    back = Job.from_text(job(values).to_text())
    assert np.array_equal(back.series(), values)
    assert back.split == SPLIT and back.horizon == 3 and back.seed == 4
    assert back.objective == "val_rmse" and back.settings["seed"] == 4


def test_a_series_too_large_to_send_stays_out_of_the_job(monkeypatch):
    monkeypatch.setattr(distributed, "MAX_EMBEDDED_BYTES", 100)
    j = job(np.zeros((1000, 1)) + np.arange(1000)[:, None])
    assert j.values is None and j.series() is None and j.shape == (1000, 1)
    with pytest.raises(AdvisorInputError, match="pass the same CSV"):
        distributed._worker_series(j, None)


def test_a_worker_checks_it_reads_the_chiefs_file(tmp_path):
    csv = tiny_csv(tmp_path / "a.csv")
    j = Job.from_text(job(np.zeros((96, 1))).to_text())
    j = Job(**{**j.__dict__, "values": None, "settings": {**j.settings, "horizon": 3}})
    with pytest.raises(AdvisorInputError, match="SHA-256 differs"):
        distributed._worker_series(j, csv)


def test_another_job_version_is_refused():
    text = json.loads(job(np.zeros((10, 1))).to_text())
    text["version"] = 99
    with pytest.raises(AdvisorInputError, match="same advisor version"):
        Job.from_text(json.dumps(text))


@pytest.mark.parametrize("text", ["localhost", "host:", ":80", "host:99999", "host:x"])
def test_bad_chief_addresses(text):
    with pytest.raises(AdvisorInputError, match="HOST:PORT"):
        parse_address(text)


def test_addresses():
    assert parse_address("10.0.0.5:8470") == ("10.0.0.5", 8470)
    assert parse_address("[::1]:8470") == ("::1", 8470)


def test_environment_is_set_only_inside_distributed_mode(monkeypatch):
    monkeypatch.setenv("KERASTUNER_TUNER_ID", "stray")
    with without_distribution_env():
        assert not any(k in os.environ for k in ENV_NAMES)
        with distribution_env("worker-1", "127.0.0.1", 9):
            assert os.environ["KERASTUNER_ORACLE_PORT"] == "9"
        assert not any(k in os.environ for k in ENV_NAMES)
    assert os.environ["KERASTUNER_TUNER_ID"] == "stray"


def test_a_worker_with_no_chief_is_one_line_and_exit_2():
    proc = subprocess.run(
        [sys.executable, "-m", "advisor", "worker", "--chief", "127.0.0.1:9", "--wait", "1"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "no chief answered" in lines[0] and "Traceback" not in proc.stderr


@pytest.mark.slow
def test_a_chief_and_two_workers_on_loopback(tmp_path):
    csv = tiny_csv(tmp_path / "tiny.csv")
    rules = tiny_rules(tmp_path / "tiny.toml")
    out = tmp_path / "out"
    cmd = [
        sys.executable,
        "-m",
        "advisor",
        "analyze",
        str(csv),
        "--horizon",
        "3",
        "--budget",
        "240s",
        "--trials",
        "6",
        "--rules",
        str(rules),
        "--out",
        str(out),
        "--workers",
        "2",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((out / "recommendation.json").read_text())
    ver = doc["verification"]
    assert ver["workers"] == 2 and len(ver["trials"]) >= 2
    assert ver["trials"][0]["is_suggestion"]
    assert doc["final"]["test_metrics"]["rmse"] is not None
    (log,) = out.glob("state/search-*/trials.log")
    events = [json.loads(line) for line in log.read_text().splitlines()]
    tuners = {e["tuner"] for e in events if e["event"] == "start"}
    assert tuners == {"worker-0", "worker-1"}, events
    # Nothing outside loopback: the chief bound to 127.0.0.1 by default.
    assert all(
        "worker finished" in (out / "state" / "workers" / f"worker-{i}.log").read_text()
        for i in range(2)
    )
