"""The one-method trainer interface, and its Keras implementation.

Diagnosis and rules are tested with a fake trainer that replays scripted curves; only
``KerasTrainer`` trains, and it imports Keras when it is first used.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from advisor import forecast_eval as fe
from advisor.records import DiagnosticRun, ModelConfig, Split

if TYPE_CHECKING:
    from advisor.modeling import Prepared


@dataclass(frozen=True)
class RunSpec:
    name: str
    config: ModelConfig
    train_fraction: float = 1.0
    seed: int = 0


class Trainer(ABC):
    """Trains one configuration on train, scores it on validation."""

    @abstractmethod
    def run(self, spec: RunSpec, deadline: float | None = None) -> DiagnosticRun:
        """Train ``spec`` and return its curve and validation RMSE."""


class KerasTrainer(Trainer):
    def __init__(self, values: np.ndarray, split: Split, horizon: int):
        self.values = values
        self.split = split
        self.horizon = horizon
        self._prepared: dict[tuple[str, int, int], Prepared] = {}

    def prepared(self, config: ModelConfig, fit_rows: int) -> Prepared:
        from advisor.modeling import prepare

        key = (config.scaling, config.differencing, fit_rows)
        if key not in self._prepared:
            self._prepared[key] = prepare(
                self.values, fit_rows, config.scaling, config.differencing
            )
        return self._prepared[key]

    def train_origins(self, config: ModelConfig, end: int, fraction: float = 1.0) -> np.ndarray:
        first = config.lookback + config.differencing
        ts = np.arange(first, end - self.horizon + 1)
        # A data-size run keeps the most recent windows: those closest to what it predicts.
        keep = max(1, math.ceil(len(ts) * fraction))
        return ts[len(ts) - keep :]

    def run(self, spec: RunSpec, deadline: float | None = None) -> DiagnosticRun:
        from advisor.modeling import count_params, fit, forecast

        cfg, split, h = spec.config, self.split, self.horizon
        prepared = self.prepared(cfg, split.train)
        train_ts = self.train_origins(cfg, split.train, spec.train_fraction)
        val_all = np.arange(split.train, split.validation_end - h + 1)
        fitted = fit(cfg, prepared, train_ts, val_all, h, spec.seed, deadline)
        val_ts = fe.origins(split.train, split.validation_end, h)
        pred = forecast(fitted.model, prepared, val_ts, cfg.lookback, h)
        val_rmse = fe.rmse(pred, fe.actuals(prepared.levels, val_ts, h))
        targets = prepared.target[train_ts[:, None] + np.arange(h)[None, :]]
        reference = float(np.mean((targets - targets.mean(axis=0)) ** 2))
        return DiagnosticRun(
            name=spec.name,
            units=cfg.layers[0].units,
            lookback=cfg.lookback,
            train_fraction=spec.train_fraction,
            params=count_params(cfg, self.values.shape[1], h),
            curve=fitted.curve,
            val_rmse=val_rmse if math.isfinite(val_rmse) else math.inf,
            seconds=fitted.seconds,
            reference_loss=reference,
            best_epoch=fitted.best_epoch,
            stopped_reason=fitted.stopped_reason,  # type: ignore[arg-type]
        )

    def fit_final(
        self, config: ModelConfig, seed: int, deadline: float | None
    ) -> tuple[Any, np.ndarray, np.ndarray]:
        """Train on train + validation for ``config.epochs``; forecast the test origins.

        Returns the model, the forecasts and the actual values, both ``(origins, h)``.
        """
        from advisor.modeling import fit, forecast

        split, h = self.split, self.horizon
        prepared = self.prepared(config, split.validation_end)
        train_ts = self.train_origins(config, split.validation_end)
        fitted = fit(replace(config), prepared, train_ts, None, h, seed, deadline)
        test_ts = fe.origins(split.validation_end, split.validation_end + split.test, h)
        pred = forecast(fitted.model, prepared, test_ts, config.lookback, h)
        return fitted.model, pred, fe.actuals(prepared.levels, test_ts, h)
