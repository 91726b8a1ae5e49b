"""The trainer interface, and its Keras implementation.

Diagnosis and rules are tested with a fake trainer that replays scripted curves; only
``KerasTrainer`` trains, and it imports Keras when it is first used.

A trainer has one method to implement, ``run``. A capacity sweep (specs that differ
only in width) goes through ``run_sweep``, which by default runs them one after another;
``KerasTrainer`` trains them together as one fused model. ``sweep_cost`` tells the
planner what a sweep costs here; a trainer that cannot tell returns ``None``.
"""

from __future__ import annotations

import math
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from advisor.core import forecast_eval as fe
from advisor.core.records import DiagnosticRun, ModelConfig, Precision, Split

if TYPE_CHECKING:
    from advisor.diagnostics.model import Prepared
    from advisor.diagnostics.sweep import Sweep


@dataclass(frozen=True)
class RunSpec:
    name: str
    config: ModelConfig
    train_fraction: float = 1.0
    seed: int = 0
    max_batches: int | None = None
    """At most this many batches an epoch (a fresh draw each epoch); ``None``: all. Only
    sweeps use it, to keep an epoch of a very long series within the time budget."""


@dataclass(frozen=True)
class SweepCost:
    """What a fused training of some widths costs on this machine, in seconds: what
    ``sweep.Sweep.calibrate`` measures and the planner budgets with. It lives here, with
    the trainer interface that hands it over, so the planner reads it without Keras."""

    setup: float
    """Building the model and tracing its training and validation steps: paid once per
    set of widths."""
    batch: float
    """One training batch through every branch."""
    epoch_overhead: float
    """Per epoch besides the training batches: validation and bookkeeping."""
    form: str = ""
    """How the widths train here, for the plan's text ("trained together in one
    block-diagonal LSTM" on a GPU, "... in 3 layers (8+16+32, 64, 128)" on a CPU under
    TensorFlow, "trained one after another, a model each" under JAX); empty where unsaid."""

    def epoch(self, batches: int) -> float:
        return self.epoch_overhead + batches * self.batch


def origin_errors(pred: np.ndarray, actual: np.ndarray) -> tuple[float, ...]:
    """Squared error at each origin, averaged over the horizon (``DiagnosticRun.val_errors``):
    their mean is the squared RMSE. Empty where a forecast is not finite, since no
    comparison can pair it."""
    errors = np.mean((np.asarray(pred) - np.asarray(actual)) ** 2, axis=1)
    return tuple(float(e) for e in errors) if np.all(np.isfinite(errors)) else ()


class Trainer(ABC):
    """Trains one configuration on train, scores it on validation.

    What it computes in (``precision``) is the trainer's state, not a run's: every
    training after ``use_precision`` uses it, and ``precision_scope`` puts back what was
    there before. Only a device that computes in bfloat16 natively (``bf16_capable``)
    is worth comparing it on.
    """

    _precision: Precision = "float32"

    @abstractmethod
    def run(self, spec: RunSpec, deadline: float | None = None) -> DiagnosticRun:
        """Train ``spec`` and return its curve and validation RMSE."""

    def run_sweep(
        self, specs: Sequence[RunSpec], deadline: float | None = None
    ) -> list[DiagnosticRun]:
        """Train specs that differ only in width; one run each, in the same order."""
        return [self.run(spec, deadline) for spec in specs]

    def sweep_cost(self, specs: Sequence[RunSpec]) -> SweepCost | None:
        """What ``run_sweep(specs)`` costs here, measured; ``None`` where unknown."""
        return None

    @property
    def precision(self) -> Precision:
        return self._precision

    def use_precision(self, precision: Precision) -> None:
        """Every training from now on computes in ``precision``."""
        self._precision = precision

    def bf16_capable(self) -> bool:
        """Whether this trainer's device computes in bfloat16 natively."""
        return False

    @contextmanager
    def precision_scope(self) -> Iterator[None]:
        """The precision found on entry is back on exit."""
        saved = self.precision
        try:
            yield
        finally:
            self.use_precision(saved)


def check_sweep(specs: Sequence[RunSpec]) -> None:
    """A sweep's specs share everything but the width of their layers."""
    if not specs:
        raise ValueError("a sweep needs at least one spec")
    first = specs[0]

    def rest(spec: RunSpec) -> tuple[object, ...]:
        cfg = spec.config
        shape = tuple(replace(layer, units=0) for layer in cfg.layers)
        return (replace(cfg, layers=shape), spec.train_fraction, spec.seed, spec.max_batches)

    if any(rest(s) != rest(first) for s in specs):
        raise ValueError("a sweep's specs may differ only in their layers' widths")
    widths = [s.config.layers[0].units for s in specs]
    if len(set(widths)) != len(widths):
        raise ValueError(f"a sweep needs distinct widths, got {widths}")


class KerasTrainer(Trainer):
    def __init__(self, values: np.ndarray, split: Split, horizon: int):
        self.values = values
        self.split = split
        self.horizon = horizon
        self._prepared: dict[tuple[str, int, int, int, int, bool], Prepared] = {}
        # Fused models by everything that shapes them: traced once, reused by every
        # calibration and fit of the same widths (data-size runs differ only in data).
        self._sweeps: dict[tuple[object, ...], Sweep] = {}

    @property
    def precision(self) -> Precision:
        from advisor.diagnostics.device import current_precision

        return current_precision()

    def use_precision(self, precision: Precision) -> None:
        # Keras' global dtype policy: trainers made later (cross-validation's folds) and
        # the final training build under it too (see ``device``).
        from advisor.diagnostics.device import use_precision

        use_precision(precision)

    def bf16_capable(self) -> bool:
        from advisor.diagnostics.device import bf16_capable

        return bf16_capable()

    @contextmanager
    def precision_scope(self) -> Iterator[None]:
        from advisor.diagnostics.device import precision_scope

        with precision_scope():
            yield

    def prepared(self, config: ModelConfig, fit_rows: int) -> Prepared:
        from advisor.diagnostics.model import prepare

        key = (
            config.scaling,
            config.differencing,
            fit_rows,
            config.season_position,
            config.deseasonalize,
            config.log_target,
        )
        if key not in self._prepared:
            self._prepared[key] = prepare(
                self.values,
                fit_rows,
                config.scaling,
                config.differencing,
                config.season_position,
                config.deseasonalize,
                config.log_target,
            )
        return self._prepared[key]

    def channels(self, config: ModelConfig) -> int:
        """The model's inputs: the series' columns, and two for a season's position."""
        return self.values.shape[1] + (2 if config.season_position else 0)

    def train_origins(self, config: ModelConfig, end: int, fraction: float = 1.0) -> np.ndarray:
        first = config.lookback + config.differencing
        ts = np.arange(first, end - self.horizon + 1)
        # A data-size run keeps the most recent windows: those closest to what it predicts.
        keep = max(1, math.ceil(len(ts) * fraction))
        return ts[len(ts) - keep :]

    def run(self, spec: RunSpec, deadline: float | None = None) -> DiagnosticRun:
        return self._run(spec, deadline)

    def run_fine_tune(
        self, spec: RunSpec, pretrained: Any, deadline: float | None = None
    ) -> DiagnosticRun:
        """``run``, the model a copy of ``pretrained`` fine-tuned (``model.fine_tune``)
        instead of one built from ``spec.config``, whose lookback must be its window."""
        return self._run(spec, deadline, pretrained)

    def _run(self, spec: RunSpec, deadline: float | None, pretrained: Any = None) -> DiagnosticRun:
        from advisor.diagnostics.model import count_params, fine_tune, fit, forecast

        cfg, split, h = spec.config, self.split, self.horizon
        prepared = self.prepared(cfg, split.train)
        train_ts = self.train_origins(cfg, split.train, spec.train_fraction)
        val_all = np.arange(split.train, split.validation_end - h + 1)
        if pretrained is None:
            fitted = fit(cfg, prepared, train_ts, val_all, h, spec.seed, deadline)
        else:
            fitted = fine_tune(pretrained, cfg, prepared, train_ts, val_all, h, spec.seed, deadline)
        val_ts = fe.origins(split.train, split.validation_end, h)
        pred = forecast(fitted.model, prepared, val_ts, cfg.lookback, h)
        actual = fe.actuals(prepared.levels, val_ts, h)
        val_rmse = fe.rmse(pred, actual)
        reference, naive = self._reference_losses(prepared, train_ts)
        return DiagnosticRun(
            name=spec.name,
            units=cfg.layers[0].units,
            lookback=cfg.lookback,
            train_fraction=spec.train_fraction,
            params=count_params(cfg, prepared.inputs.shape[1], h),
            curve=fitted.curve,
            val_rmse=val_rmse if math.isfinite(val_rmse) else math.inf,
            seconds=fitted.seconds,
            reference_loss=reference,
            best_epoch=fitted.best_epoch,
            stopped_reason=fitted.stopped_reason,  # type: ignore[arg-type]
            naive_loss=naive,
            differencing=cfg.differencing,
            deseasonalize=cfg.deseasonalize,
            log_target=cfg.log_target,
            val_errors=origin_errors(pred, actual),
        )

    def _reference_losses(self, prepared: Prepared, train_ts: np.ndarray) -> tuple[float, float]:
        """Training-window losses, in the model's scaled units, of predicting the training
        mean and of the naive forecast (the last value, or no change where differenced)."""
        h = self.horizon
        targets = prepared.target[train_ts[:, None] + np.arange(h)[None, :]]
        reference = float(np.mean((targets - targets.mean(axis=0)) ** 2))
        if prepared.differencing:
            no_change = (0.0 - prepared.target_offset) / prepared.target_scale
            naive = np.full_like(targets, no_change)
        else:
            naive = np.repeat(prepared.target[train_ts - 1][:, None], h, axis=1)
        return reference, float(np.mean((targets - naive) ** 2))

    def _sweep(self, specs: Sequence[RunSpec]) -> Sweep:
        from advisor.diagnostics.sweep import Sweep

        check_sweep(specs)
        cfg = specs[0].config
        widths = tuple(s.config.layers[0].units for s in specs)
        # Epochs and patience shape the fit, and scaling, differencing, deseasonalizing and
        # the log the data, not the model: runs that differ only in those share one model.
        shape = replace(
            cfg,
            layers=tuple(replace(x, units=0) for x in cfg.layers),
            epochs=0,
            early_stopping_patience=0,
            scaling="none",
            differencing=0,
            deseasonalize=0,
            log_target=False,
        )
        key = (shape, widths, specs[0].seed, self.precision)
        if key not in self._sweeps:
            self._sweeps[key] = Sweep(cfg, widths, self.channels(cfg), self.horizon, specs[0].seed)
        return self._sweeps[key]

    def _sweep_data(self, spec: RunSpec) -> tuple[Prepared, np.ndarray, np.ndarray]:
        cfg, split, h = spec.config, self.split, self.horizon
        prepared = self.prepared(cfg, split.train)
        train_ts = self.train_origins(cfg, split.train, spec.train_fraction)
        val_all = np.arange(split.train, split.validation_end - h + 1)
        return prepared, train_ts, val_all

    def sweep_cost(self, specs: Sequence[RunSpec]) -> SweepCost:
        """Builds the fused model (kept for ``run_sweep``) and times a short calibration;
        where the sweep's form is ``separate``, each width's, summed."""
        if len(specs) > 1 and _separately():
            from advisor.diagnostics.sweep import describe_form

            each = [self.sweep_cost([spec]) for spec in specs]
            widths = [spec.config.layers[0].units for spec in specs]
            return SweepCost(
                setup=sum(c.setup for c in each),
                batch=sum(c.batch for c in each),
                epoch_overhead=sum(c.epoch_overhead for c in each),
                form=describe_form(widths, "separate"),
            )
        return self._sweep(specs).calibrate(*self._sweep_data(specs[0]))

    def run_sweep(
        self, specs: Sequence[RunSpec], deadline: float | None = None
    ) -> list[DiagnosticRun]:
        """Trains every width at once as one fused model (``sweep.Sweep``): each branch
        gets its own curve, its own early stopping and its validation RMSE from the
        weights of its own best epoch. Where the sweep's form is ``separate`` (a CPU under
        JAX), each width is such a model of its own, trained one after another."""
        from advisor.diagnostics.model import count_params

        if len(specs) > 1 and _separately():
            return [run for spec in specs for run in self.run_sweep([spec], deadline)]

        sweep = self._sweep(specs)
        first = specs[0]
        cfg, h = first.config, self.horizon
        prepared, train_ts, val_all = self._sweep_data(first)
        start = time.monotonic()
        branches, snapshots = sweep.fit(
            prepared,
            train_ts,
            val_all,
            cfg.epochs,
            cfg.early_stopping_patience,
            deadline,
            first.max_batches,
        )
        val_ts = fe.origins(self.split.train, self.split.validation_end, h)
        actual = fe.actuals(prepared.levels, val_ts, h)
        rmse: dict[int, float] = {}
        errors: dict[int, tuple[float, ...]] = {}
        for epoch, weights in sorted(snapshots.items()):
            forecasts = sweep.forecast(prepared, val_ts, weights)
            for b, branch in enumerate(branches):
                if branch.best_epoch == epoch:
                    rmse[b] = fe.rmse(forecasts[b], actual)
                    errors[b] = origin_errors(forecasts[b], actual)
        seconds = (time.monotonic() - start) / len(specs)
        reference, naive = self._reference_losses(prepared, train_ts)
        runs = []
        for b, (spec, branch) in enumerate(zip(specs, branches, strict=True)):
            score = rmse.get(b, math.inf)
            runs.append(
                DiagnosticRun(
                    name=spec.name,
                    units=branch.units,
                    lookback=cfg.lookback,
                    train_fraction=spec.train_fraction,
                    params=count_params(spec.config, self.channels(spec.config), h),
                    curve=branch.curve,
                    val_rmse=score if math.isfinite(score) else math.inf,
                    seconds=seconds,
                    reference_loss=reference,
                    best_epoch=branch.best_epoch,
                    stopped_reason=branch.stopped_reason,  # type: ignore[arg-type]
                    naive_loss=naive,
                    differencing=cfg.differencing,
                    deseasonalize=cfg.deseasonalize,
                    log_target=cfg.log_target,
                    val_errors=errors.get(b, ()),
                )
            )
        return runs

    def fit_final(
        self,
        config: ModelConfig,
        seed: int,
        deadline: float | None,
        callbacks: list[Any] | None = None,
    ) -> tuple[Any, np.ndarray, np.ndarray]:
        """Train on train + validation for ``config.epochs``; forecast the test origins.

        Returns the model, the forecasts and the actual values, both ``(origins, h)``.
        ``callbacks`` (Keras callbacks: the TensorBoard logs, an epoch counter) join the fit.
        """
        from advisor.diagnostics.model import fit, forecast

        split, h = self.split, self.horizon
        prepared = self.prepared(config, split.validation_end)
        train_ts = self.train_origins(config, split.validation_end)
        fitted = fit(
            replace(config), prepared, train_ts, None, h, seed, deadline, extra_callbacks=callbacks
        )
        test_ts = fe.origins(split.validation_end, split.validation_end + split.test, h)
        pred = forecast(fitted.model, prepared, test_ts, config.lookback, h)
        return fitted.model, pred, fe.actuals(prepared.levels, test_ts, h)


def _separately() -> bool:
    """Whether a sweep's widths train as models of their own here (``sweep.sweep_form``)."""
    from advisor.diagnostics.sweep import sweep_form

    return sweep_form() == "separate"
