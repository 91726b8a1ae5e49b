"""Helpers for the verification tests: a scripted trainer, a recommendation, tiny data.

The scripted trainer replays a score that is a smooth function of the configuration
(plus a small seed effect), so searches and cross-validations run in milliseconds and
their outcome is known in advance.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import pandas as pd

from advisor.core.records import (
    Curve,
    DiagnosticRun,
    LayerConfig,
    ModelConfig,
    Range,
    Recommendation,
)
from advisor.diagnostics.trainer import RunSpec, Trainer

SUGGESTION = ModelConfig(
    lookback=12,
    layers=(LayerConfig(8, 0.25, 0.0),),
    l2=5e-4,
    learning_rate=1e-3,
    batch_size=16,
    epochs=50,
    early_stopping_patience=10,
    scaling="standard",
    differencing=1,
)
RANGES = (
    Range("units", choices=(4, 8, 16)),
    Range("layers", choices=(1,)),
    Range("dropout", low=0.1, high=0.4),
    Range("learning_rate", low=3e-4, high=3e-3, log=True),
    Range("batch_size", choices=(16, 32)),
    Range("lookback", choices=(12,)),
    Range("scaling", choices=("standard",)),
)


def recommendation(config: ModelConfig = SUGGESTION, ranges=RANGES) -> Recommendation:
    return Recommendation(config, tuple(ranges), ())


class ScriptedTrainer(Trainer):
    """Scores 10 + distance from an optimum at 16 units and lr 2e-3, in RMSE units.

    ``interrupt_at``: raise KeyboardInterrupt on that call (1-based), as Ctrl-C would.
    ``sleep``: seconds each run takes, for budget tests.
    """

    def __init__(self, interrupt_at: int | None = None, sleep: float = 0.0, seed_noise=0.01):
        self.calls: list[RunSpec] = []
        self.interrupt_at = interrupt_at
        self.sleep = sleep
        self.seed_noise = seed_noise

    def score(self, spec: RunSpec) -> float:
        c = spec.config
        return (
            10
            + abs(math.log(c.learning_rate / 2e-3))
            + abs(c.layers[0].units - 16) / 8
            + self.seed_noise * ((spec.seed * 7919) % 13)
        )

    def run(self, spec: RunSpec, deadline: float | None = None) -> DiagnosticRun:
        self.calls.append(spec)
        if self.interrupt_at is not None and len(self.calls) == self.interrupt_at:
            raise KeyboardInterrupt
        if self.sleep:
            time.sleep(self.sleep)
        v = self.score(spec)
        c = spec.config
        return DiagnosticRun(
            name=spec.name,
            units=c.layers[0].units,
            lookback=c.lookback,
            train_fraction=spec.train_fraction,
            params=100,
            curve=Curve((1.0, 0.5), (v / 10, v / 9)),
            val_rmse=v,
            seconds=self.sleep or 0.01,
            reference_loss=1.0,
            best_epoch=7,
        )


def tiny_csv(path: Path, rows: int = 96, seed: int = 0) -> Path:
    """A short monthly seasonal series with a trend."""
    rng = np.random.default_rng(seed)
    t = np.arange(rows)
    y = 50 + 0.2 * t + 8 * np.sin(2 * np.pi * t / 12) + rng.normal(scale=1.0, size=rows)
    frame = pd.DataFrame({"date": pd.date_range("2000-01-01", periods=rows, freq="MS"), "y": y})
    frame.to_csv(path, index=False)
    return path


# Rules that make every training tiny (2-3 units, 2 epochs), for the end-to-end tests
# that kill, resume and distribute real runs: they test the machinery, not the advice.
TINY_RULES = """
[[rule]]
id = "tiny-units"
when = "true"
priority = 1000
setting = "units"
action = "set"
value = "2"
choices = ["2", "3"]
rationale = "Tests: the smallest model."

[[rule]]
id = "tiny-layers"
when = "true"
priority = 1000
setting = "layers"
action = "set"
value = "1"
rationale = "Tests: one layer."

[[rule]]
id = "tiny-epochs"
when = "true"
priority = 1000
setting = "epochs"
action = "set"
value = "2"
rationale = "Tests: two epochs."

[[rule]]
id = "tiny-patience"
when = "true"
priority = 1000
setting = "early_stopping_patience"
action = "set"
value = "1"
rationale = "Tests: stop at once."

[[rule]]
id = "tiny-lr"
when = "true"
priority = 1000
setting = "learning_rate"
action = "set"
value = "0.01"
range = { low = "0.003", high = "0.03", log = true }
rationale = "Tests: a range to search."

[[rule]]
id = "tiny-batch"
when = "true"
priority = 1000
setting = "batch_size"
action = "set"
value = "32"
rationale = "Tests: few batches."
"""


def tiny_rules(path: Path) -> Path:
    path.write_text(TINY_RULES)
    return path
