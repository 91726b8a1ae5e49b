"""The final model: trained on train + validation, scored once on the untouched test split.

It is the average of ``FINAL_SEEDS`` trainings of the chosen configuration, with the
seeds cross-validation used. Verification scored each seed's run at the epoch early
stopping picked for it; a single retraining for a fixed epoch count lands wherever that
seed's noisy path happens to be (on one public series the same configuration's test
RMSE ran 31.9-36.0 over three seeds), so a gain measured on validation could vanish on
test through the seed alone. The average's squared error is never above the mean of its
members' (the square is convex), so the delivered model is at least as good as the
typical training that verification measured, and its spread between seeds is smaller.

Beside ``model.keras`` it leaves ``model.py`` (a short script that rebuilds and trains
the same configuration on the user's CSV) and TensorBoard logs of each seed's training
in ``logs/seed-<n>/`` (``board``: the same under every Keras backend). A finished final
training is recorded in ``state/final.json``: a rerun of an interrupted analysis that
had got this far does not train it again.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from advisor.core import forecast_eval as fe
from advisor.core.records import FinalResult, ModelConfig, Precision, Profile, SeriesData
from advisor.core.sizing import EPOCH_WINDOWS
from advisor.diagnostics.trainer import KerasTrainer
from advisor.final.board import tensorboard_callback
from advisor.store.atomic import write_text, write_with
from advisor.store.events import LOGS
from advisor.store.plain import from_plain, to_plain
from advisor.store.rundir import key_of, read_json

SCRIPT_TEMPLATE = "model.py.j2"
FINAL_SEEDS = 3
"""Trainings averaged into the final model: cross-validation's seed count."""


def member_seeds(seed: int, members: int = FINAL_SEEDS) -> tuple[int, ...]:
    return tuple(seed + j for j in range(members))


def _epoch_counter() -> Any:
    import keras

    class EpochCounter(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.epochs = 0

        def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
            self.epochs = epoch + 1

    return EpochCounter()


def render_script(
    config: ModelConfig,
    series: SeriesData,
    data_path: str,
    horizon: int,
    seed: int,
    members: int = FINAL_SEEDS,
    precision: Precision = "float32",
) -> str:
    """``model.py``: every value a Python literal (``repr``), whatever the CSV's names.

    Its ``build_model`` comes from ``templates/keras_model.py.j2``, the macro the
    report's Keras snippet renders too, so the two always build the same network. It
    trains and averages the same seeds as the final model.
    """
    import jinja2

    from advisor import __version__

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("advisor.final", "templates"),
        autoescape=False,  # Python source, not HTML: literals are made safe by repr
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["py"] = repr
    return env.get_template(SCRIPT_TEMPLATE).render(
        version=__version__,
        data_path=data_path,
        target=series.target,
        features=list(series.features),
        time_column=series.time_column,
        horizon=horizon,
        seeds=list(member_seeds(seed, members)),
        config=config,
        layers=[asdict(layer) for layer in config.layers],
        epoch_windows=EPOCH_WINDOWS,
        precision=precision,
    )


def _key(
    config: ModelConfig, profile: Profile, seeds: tuple[int, ...], precision: Precision
) -> str:
    # Precision only where not float32, the log only where taken: keys of final models
    # trained before either existed stay.
    other = {"precision": precision} if precision != "float32" else {}
    fields = asdict(config)
    if not config.log_target:
        del fields["log_target"]
    return key_of({"config": fields, "split": asdict(profile.split), "seeds": seeds, **other})


def finalize(
    trainer: KerasTrainer,
    config: ModelConfig,
    profile: Profile,
    series: SeriesData,
    run_dir: Path,
    seed: int,
    deadline: float | None,
    data_path: str,
    members: int = FINAL_SEEDS,
) -> FinalResult:
    """Train ``members`` seeds' trainings (fewer than ``FINAL_SEEDS`` only where a user's
    budget cannot pay for every one) and average them; a ``deadline`` bounds them."""
    start = time.monotonic()
    model_path = run_dir / "model.keras"
    script_path = run_dir / "model.py"
    checkpoint = run_dir / "state" / "final.json"
    seeds = member_seeds(seed, members)
    precision = trainer.precision
    key = _key(config, profile, seeds, precision)
    write_text(
        script_path,
        render_script(config, series, data_path, profile.horizon, seed, members, precision),
    )

    saved = read_json(checkpoint)
    if saved and saved.get("key") == key and model_path.is_file():
        try:
            return from_plain(FinalResult, saved["result"])
        except ValueError:
            pass  # an older layout of the record: train again

    notes: list[str] = []
    log_dir = run_dir / LOGS
    for old in log_dir.glob("seed-*"):  # one final training's curves, not two appended
        shutil.rmtree(old, ignore_errors=True)
    trained: list[tuple[int, Any, np.ndarray]] = []  # (seed, model, test forecast)
    epochs: list[int] = []
    actual = np.empty(0)
    for i, member in enumerate(seeds):
        # A deadline is shared: each seed's training gets an equal part of what is left,
        # so a cut final model still averages every seed rather than one long training.
        share = (
            None
            if deadline is None
            else time.monotonic() + (deadline - time.monotonic()) / (len(seeds) - i)
        )
        board, why_not = tensorboard_callback(log_dir / f"seed-{member}")
        if why_not and why_not not in notes:
            notes.append(why_not)
        counter = _epoch_counter()
        callbacks = [counter] + ([board] if board is not None else [])
        try:
            model, pred, actual = trainer.fit_final(config, member, share, callbacks)
        finally:  # a Ctrl-C skips Keras' on_train_end
            if board is not None:
                board.close()
        trained.append((member, model, pred))
        epochs.append(counter.epochs)
        if counter.epochs < config.epochs:
            spent = share is not None and time.monotonic() >= share
            why = "its share of the time budget ran out" if spent else "its loss diverged"
            notes.append(
                f"The final training with seed {member} stopped after {counter.epochs} of "
                f"{config.epochs} epochs: {why}."
            )
    cut = min(epochs) < config.epochs
    budget_cut: tuple[str, ...] = (
        (f"the final training at {min(epochs)} of {config.epochs} epochs",)
        if cut and any("time budget" in n for n in notes)
        else ()
    )
    if members < FINAL_SEEDS:
        budget_cut += (f"the final model to {members} of {FINAL_SEEDS} seeds' trainings",)
    # A training that diverged forecasts nothing finite: it stays out of the average.
    kept = [t for t in trained if np.isfinite(t[2]).all()] or trained
    if len(kept) < len(trained):
        notes.append(
            f"{len(trained) - len(kept)} of {len(trained)} final trainings gave no finite "
            "forecast and are left out of the average."
        )
    from advisor.diagnostics.model import average_models

    ensemble = average_models([m for _, m, _ in kept])
    write_with(model_path, lambda tmp: ensemble.save(tmp), suffix=".keras")
    pred = np.mean([p for _, _, p in kept], axis=0)

    split, h = profile.split, profile.horizon
    y = trainer.values[:, 0]
    period = profile.seasonal_period or 1
    scale = fe.seasonal_naive_scale(y[: split.train], period)
    ts = fe.origins(split.validation_end, split.validation_end + split.test, h)
    # The same baselines as on validation, fitted on the same rows as the final LSTM (train
    # and validation), their parameters then fixed and run forward to each test origin.
    from advisor.probes.baselines import baseline_forecasts

    forecasts = baseline_forecasts(
        y, split.validation_end, ts, h, profile.baseline_periods, profile.seasonal_period
    )
    baselines = {
        name: fe.scores(forecast, actual, scale) for name, forecast in forecasts.by_name.items()
    }
    result = FinalResult(
        config=config,
        test_metrics=fe.scores(pred, actual, scale),
        baseline_test_metrics=baselines,
        # One-step-ahead forecasts across the test origins draw the clearest picture.
        forecast=tuple(float(v) for v in pred[:, 0]),
        actual=tuple(float(v) for v in actual[:, 0]),
        model_path=str(model_path),
        seconds=time.monotonic() - start,
        script_path=str(script_path),
        tensorboard_dir=str(log_dir) if any(log_dir.glob("seed-*")) else None,
        epochs_trained=min(epochs),
        notes=tuple(notes),
        seeds=tuple(m for m, _, _ in kept),
        member_test_rmse=tuple(fe.rmse(p, actual) for _, _, p in kept),
        budget_cut=budget_cut,
    )
    if not cut:  # a cut training is redone when a rerun has the time
        write_text(checkpoint, json.dumps({"key": key, "result": to_plain(result)}) + "\n")
    return result
