"""What the verification search optimises: a named score of one training run.

The objective follows the task (validation RMSE for forecasting, validation
cross-entropy for classification); ``--metric`` picks another. Each objective reads its
value off the run a trainer returns (a ``DiagnosticRun``, a ``ClassRun``), so the search,
the cross-validation and the tests with scripted trainers share one definition.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from advisor.core.class_models import ClassRun
from advisor.core.errors import AdvisorInputError
from advisor.core.records import DiagnosticRun

RunT = TypeVar("RunT", DiagnosticRun, ClassRun)


@dataclass(frozen=True)
class Objective(Generic[RunT]):
    name: str
    direction: Literal["min", "max"]
    label: str
    read: Callable[[RunT], float]

    def score(self, run: RunT) -> float:
        value = float(self.read(run))
        return value if math.isfinite(value) else math.nan

    @property
    def worst(self) -> float:
        """Reported to keras-tuner for a diverged run: a NaN would mark the trial
        invalid, and three in a row stop the whole search."""
        return WORST_SCORE if self.direction == "min" else -WORST_SCORE

    def better(self, a: float, b: float) -> bool:
        return a < b if self.direction == "min" else a > b

    def gain(self, reference: float, other: float) -> float:
        """Relative gain of ``other`` over ``reference`` (positive: ``other`` is better)."""
        if not reference:
            return 0.0
        change = (reference - other) / abs(reference)
        return change if self.direction == "min" else -change


# Far beyond any real score, yet finite, so keras-tuner's Gaussian process can fit it.
WORST_SCORE = 1e30


def _best_val_loss(run: DiagnosticRun) -> float:
    finite = [v for v in run.curve.val_loss if math.isfinite(v)]
    return min(finite) if finite else math.nan


FORECAST_OBJECTIVES: dict[str, Objective[DiagnosticRun]] = {
    "val_rmse": Objective(
        "val_rmse", "min", "validation RMSE (target units)", lambda r: r.val_rmse
    ),
    "val_loss": Objective(
        "val_loss", "min", "validation loss (MSE on scaled data)", _best_val_loss
    ),
}
DEFAULT_FORECAST = "val_rmse"
# A classifier's search ranks on validation cross-entropy: with a dozen validation
# sequences, accuracy and macro-F1 move in steps of several percent and tie between most
# configurations, where the cross-entropy still tells them apart. Those metrics are
# reported beside it.
CLASS_OBJECTIVE: Objective[ClassRun] = Objective(
    "val_loss", "min", "validation cross-entropy", lambda r: r.val_loss
)
# A classifier's figures: named here so `--metric` can say why it refuses them.
CLASSIFY_OBJECTIVES = ("macro_f1", "accuracy")


def objective_for(task: str, metric: str | None) -> Objective[DiagnosticRun]:
    """The forecasting search's objective ``--metric`` names; a metric with a classifier
    (or a classifier's metric) is refused: its search ranks on ``CLASS_OBJECTIVE``."""
    if task == "classify" or (metric in CLASSIFY_OBJECTIVES):
        raise AdvisorInputError(
            f"--metric {metric}" if metric else "--task classify",
            "a classifier's search ranks on validation cross-entropy; accuracy, macro-F1 "
            "and balanced accuracy are reported beside it, not chosen",
            None,
            f"drop --metric (forecasting metrics: {', '.join(FORECAST_OBJECTIVES)})",
        )
    name = metric or DEFAULT_FORECAST
    if name not in FORECAST_OBJECTIVES:
        raise AdvisorInputError(
            f"--metric {name}",
            "unknown metric",
            None,
            f"use one of: {', '.join(FORECAST_OBJECTIVES)}",
        )
    return FORECAST_OBJECTIVES[name]
