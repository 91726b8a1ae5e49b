"""The final model: trained on train + validation, scored once on the untouched test split."""

from __future__ import annotations

import time
from pathlib import Path

from advisor import forecast_eval as fe
from advisor.atomic import write_with
from advisor.records import FinalResult, ModelConfig, Profile
from advisor.trainer import KerasTrainer


def finalize(
    trainer: KerasTrainer,
    config: ModelConfig,
    profile: Profile,
    run_dir: Path,
    seed: int,
    deadline: float | None,
) -> FinalResult:
    start = time.monotonic()
    model, pred, actual = trainer.fit_final(config, seed, deadline)
    model_path = run_dir / "model.keras"
    write_with(model_path, lambda tmp: model.save(tmp), suffix=".keras")

    split, h = profile.split, profile.horizon
    y = trainer.values[:, 0]
    period = profile.seasonal_period or 1
    scale = fe.seasonal_naive_scale(y[: split.train], period)
    ts = fe.origins(split.validation_end, split.validation_end + split.test, h)
    baselines = {"naive": fe.scores(fe.naive(y, ts, h), actual, scale)}
    if period > 1:
        baselines["seasonal_naive"] = fe.scores(fe.seasonal_naive(y, ts, h, period), actual, scale)
    return FinalResult(
        config=config,
        test_metrics=fe.scores(pred, actual, scale),
        baseline_test_metrics=baselines,
        # One-step-ahead forecasts across the test origins draw the clearest picture.
        forecast=tuple(float(v) for v in pred[:, 0]),
        actual=tuple(float(v) for v in actual[:, 0]),
        model_path=str(model_path),
        seconds=time.monotonic() - start,
    )
