"""benchmarks/cv_replay.py: recorded cross-validations decided again by the current test."""

from __future__ import annotations

import json

from support.scripts import load_script


def doc(fold_gains: dict[int, float], recorded_beyond: bool) -> dict:
    runs = []
    for fold, gain in fold_gains.items():
        for seed in range(3):
            base = 10.0 + 0.1 * seed
            runs += [
                {
                    "config": "suggestion",
                    "fold": fold,
                    "seed": seed,
                    "score": base,
                    "val_rmse": base,
                    "best_epoch": 10 + fold,
                    "cut": False,
                },
                {
                    "config": "best",
                    "fold": fold,
                    "seed": seed,
                    "score": base * (1 - gain),
                    "val_rmse": base * (1 - gain),
                    "best_epoch": 30 + fold,
                    "cut": False,
                },
            ]
    return {
        "recommendation": {"config": {"lookback": 12, "epochs": 100}},
        "verification": {
            "cv": {"objective": "val_rmse", "runs": runs, "beyond_noise": recorded_beyond},
            "trials": [
                {"config": {"lookback": 12, "epochs": 100}, "score": 10.0},
                {"config": {"lookback": 24, "epochs": 100}, "score": 9.0},
            ],
        },
        "final": {"config": {}},
    }


def test_a_decision_the_current_test_reverses_is_written_with_that_configurations_epochs(
    tmp_path, monkeypatch, capsys
):
    replay = load_script("cv_replay")
    runs, out = tmp_path / "runs", tmp_path / "out"
    runs.mkdir()
    # Folds disagree (0.01, 0.08, 0.09): recorded as beyond the noise, now the suggestion.
    (runs / "a.recommendation.json").write_text(json.dumps(doc({1: 0.01, 2: 0.08, 3: 0.09}, True)))
    # Folds agree (0.02, 0.021, 0.019): now the search's best (lookback 24).
    (runs / "b.recommendation.json").write_text(
        json.dumps(doc({1: 0.02, 2: 0.021, 3: 0.019}, False))
    )
    # Unchanged: nothing written.
    (runs / "c.recommendation.json").write_text(
        json.dumps(doc({1: 0.02, 2: 0.021, 3: 0.019}, True))
    )
    monkeypatch.setattr("sys.argv", ["cv_replay.py", str(runs), "--out", str(out)])
    assert replay.main() == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "a.recommendation.json",
        "b.recommendation.json",
    ]
    a = json.loads((out / "a.recommendation.json").read_text())["final"]["config"]
    b = json.loads((out / "b.recommendation.json").read_text())["final"]["config"]
    assert a == {"lookback": 12, "epochs": 12}  # the suggestion's median best epoch
    assert b == {"lookback": 24, "epochs": 32}
    assert "the suggestion now" in capsys.readouterr().out
