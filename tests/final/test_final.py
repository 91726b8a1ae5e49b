"""The final model: test metrics, model.keras, model.py, TensorBoard logs, resuming."""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from support.board import scalars
from support.search import SUGGESTION, tiny_csv

from advisor.core.records import LayerConfig, Settings
from advisor.core.sizing import EPOCH_WINDOWS
from advisor.final.training import finalize, render_script

TINY = replace(
    SUGGESTION,
    lookback=6,
    layers=(LayerConfig(2, 0.0, 0.0),),
    epochs=2,
    batch_size=32,
    early_stopping_patience=1,
)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    from advisor.api import load

    tmp = tmp_path_factory.mktemp("final")
    csv = tiny_csv(tmp / "odd name\"'.csv")
    series, profile = load(csv, Settings(horizon=3))
    return csv, series, profile


def literals(source: str) -> dict[str, object]:
    out = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            try:
                out[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                continue
    return out


def test_model_script_is_valid_python_carrying_the_final_config(tiny):
    csv, series, profile = tiny
    source = render_script(TINY, series, str(csv), profile.horizon, 7)
    compile(source, "model.py", "exec")
    values = literals(source)
    assert values["DATA"] == str(csv)  # a name with quotes stays a literal
    assert values["TARGET"] == "y" and values["TIME_COLUMN"] == "date"
    assert values["HORIZON"] == 3 and values["SEEDS"] == [7, 8, 9]
    assert values["LOOKBACK"] == 6 and values["EPOCHS"] == 2
    assert values["LAYERS"] == [{"units": 2, "dropout": 0.0, "recurrent_dropout": 0.0}]
    assert values["SCALING"] == "standard" and values["DIFFERENCING"] == 1
    assert values["SEASON_POSITION"] == 0
    phased = literals(render_script(replace(TINY, season_position=5), series, str(csv), 3, 7))
    assert phased["SEASON_POSITION"] == 5
    assert values["DESEASONALIZE"] == 0
    assert values["LOG_TARGET"] is False
    adjusted = literals(render_script(replace(TINY, deseasonalize=12), series, str(csv), 3, 7))
    assert adjusted["DESEASONALIZE"] == 12
    assert values["EPOCH_WINDOWS"] == EPOCH_WINDOWS
    assert values["PRECISION"] == "float32"
    halved = render_script(TINY, series, str(csv), 3, 7, precision="bfloat16")
    assert literals(halved)["PRECISION"] == "bfloat16"


def test_a_final_training_the_budget_cuts_still_averages_every_seed_and_says_so(tiny, tmp_path):
    """Where no training settled the epochs, the user's budget bounds the final training:
    each seed gets its share of what is left (here none: one epoch each), all are averaged,
    and the cut is named so the verdict can say provisional."""
    import time

    from advisor.diagnostics.trainer import KerasTrainer

    csv, series, profile = tiny
    deadlines: list[float | None] = []

    class Recording(KerasTrainer):
        def fit_final(self, config, seed, deadline, callbacks=None):
            deadlines.append(deadline)
            return super().fit_final(config, seed, deadline, callbacks)

    trainer = Recording(series.frame.to_numpy(dtype=float), profile.split, profile.horizon)
    (tmp_path / "state").mkdir()
    spent = time.monotonic() - 1.0
    result = finalize(trainer, TINY, profile, series, tmp_path, 0, spent, str(csv))
    assert len(deadlines) == 3 and all(d is not None for d in deadlines)
    assert result.seeds == (0, 1, 2) and result.epochs_trained == 1
    assert result.budget_cut == ("the final training at 1 of 2 epochs",)
    assert sum("share of the time budget" in n for n in result.notes) == 3
    assert not (tmp_path / "state" / "final.json").exists()  # a rerun with time trains again

    # Epochs early stopping settled are never cut: a budget short of them drops seeds.
    fewer = finalize(trainer, TINY, profile, series, tmp_path, 0, None, str(csv), members=1)
    assert fewer.seeds == (0,) and fewer.epochs_trained == 2
    assert fewer.budget_cut == ("the final model to 1 of 3 seeds' trainings",)
    assert literals((tmp_path / "model.py").read_text())["SEEDS"] == [0]


@pytest.mark.slow
def test_final_training_writes_model_script_and_logs_and_is_not_repeated(tiny, tmp_path):
    from advisor.diagnostics.trainer import KerasTrainer

    csv, series, profile = tiny
    calls = []

    class Counting(KerasTrainer):
        def fit_final(self, *args, **kwargs):
            calls.append(args)
            return super().fit_final(*args, **kwargs)

    trainer = Counting(series.frame.to_numpy(dtype=float), profile.split, profile.horizon)
    (tmp_path / "state").mkdir()
    (tmp_path / "logs" / "diagnostics" / "width-4").mkdir(parents=True)
    result = finalize(trainer, TINY, profile, series, tmp_path, 0, None, str(csv))
    assert set(result.test_metrics) == {"rmse", "mae", "mase"}
    assert "naive" in result.baseline_test_metrics
    assert (tmp_path / "model.keras").is_file() and (tmp_path / "model.py").is_file()
    assert result.epochs_trained == 2
    # the average of three seeds' trainings, each scored on its own too
    assert result.seeds == (0, 1, 2) and len(result.member_test_rmse) == 3
    assert len(calls) == 3 and [c[1] for c in calls] == [0, 1, 2]
    mse = [r**2 for r in result.member_test_rmse]
    assert result.test_metrics["rmse"] ** 2 <= sum(mse) / len(mse) + 1e-9
    # model.keras is that average: it forecasts what the result says
    import keras
    import numpy as np

    from advisor.core import forecast_eval as fe
    from advisor.diagnostics.model import forecast

    split, h = profile.split, profile.horizon
    saved = keras.models.load_model(tmp_path / "model.keras")
    ts = fe.origins(split.validation_end, split.validation_end + split.test, h)
    again_pred = forecast(saved, trainer.prepared(TINY, split.validation_end), ts, TINY.lookback, h)
    np.testing.assert_allclose(again_pred[:, 0], result.forecast, rtol=1e-4, atol=1e-6)
    # one TensorBoard run a seed, each epoch's training loss (no validation: train + val)
    assert result.tensorboard_dir
    for member in result.seeds:
        points = scalars(Path(result.tensorboard_dir) / f"seed-{member}" / "train")
        assert [step for step, _ in points["epoch_loss"]] == [0, 1]
    assert (tmp_path / "logs" / "diagnostics" / "width-4").is_dir()  # only seed-* replaced

    again = finalize(trainer, TINY, profile, series, tmp_path, 0, None, str(csv))
    assert len(calls) == 3 and again.test_metrics == result.test_metrics


@pytest.mark.parametrize(
    ("season", "lag", "odd", "log"),
    [
        (12, 0, False, False),
        (12, 1, False, False),
        (7, 7, False, False),
        (12, 0, True, False),
        (12, 1, False, True),
        (7, 7, False, True),
    ],
)
def test_model_script_prepares_and_restores_the_target_as_the_advisor_does(
    tiny, season, lag, odd, log
):
    """The script's own NumPy log, decomposition, differencing and scaling against the
    advisor's (statsmodels'): the same inputs, and the same forecasts from the same
    network outputs. ``odd``: a fit length that is no whole number of seasons."""
    from advisor.diagnostics.model import prepare

    csv, series, _ = tiny
    config = replace(TINY, deseasonalize=season, differencing=lag, log_target=log)
    script: dict[str, object] = {"__name__": "model"}
    exec(render_script(config, series, str(csv), 3, 0), script)
    rng = np.random.default_rng(4)
    rows = 150
    t = np.arange(rows)
    values = np.column_stack(
        [
            20 + 0.1 * t + 3 * np.sin(2 * np.pi * t / season) + rng.normal(0, 0.5, rows),
            rng.normal(0, 1, rows),
        ]
    )
    fit_rows = 100 + (5 if odd else 0)
    ours = prepare(values, fit_rows, "standard", lag, 0, season, log)
    inputs, base, pattern, offset, scale = script["prepare"](values, fit_rows)  # type: ignore[operator]
    np.testing.assert_allclose(inputs, ours.inputs, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(pattern, ours.season, atol=1e-9)
    origins = np.array([fit_rows, fit_rows + 10, rows])
    scaled = rng.normal(0, 1, (len(origins), 3))
    np.testing.assert_allclose(
        script["to_levels"](scaled, origins, base, pattern, offset, scale),  # type: ignore[operator]
        ours.to_levels(scaled, origins),
        rtol=1e-9,
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("epoch_windows", "season_position", "deseasonalize", "precision", "log"),
    [
        (EPOCH_WINDOWS, 0, 0, "float32", False),
        (16, 0, 0, "float32", False),
        (EPOCH_WINDOWS, 5, 0, "float32", False),
        (EPOCH_WINDOWS, 0, 5, "float32", False),
        (EPOCH_WINDOWS, 0, 0, "bfloat16", False),
        (EPOCH_WINDOWS, 0, 5, "float32", True),
    ],
)
def test_model_script_trains_on_the_users_csv(
    tiny, tmp_path, monkeypatch, epoch_windows, season_position, deseasonalize, precision, log
):
    """As written, as a long series' script (each epoch a draw of 16 windows), with
    season position inputs, with a season's pattern taken out, in bfloat16, and on the
    log of the values."""
    import advisor.final.training

    monkeypatch.setattr(advisor.final.training, "EPOCH_WINDOWS", epoch_windows)
    csv, series, profile = tiny
    assert not log or profile.positive
    script = tmp_path / "model.py"
    config = replace(
        TINY, season_position=season_position, deseasonalize=deseasonalize, log_target=log
    )
    script.write_text(
        render_script(config, series, str(csv), profile.horizon, 0, precision=precision)
    )
    proc = subprocess.run(
        [sys.executable, str(script), str(csv)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "test RMSE" in proc.stdout and "next 3 steps" in proc.stdout
    assert (tmp_path / "model_retrained.keras").is_file()
