"""Many related series in one file: pretrain once across series, then fine-tune per
series against training per series from scratch.

The analysis chooses its configuration on the lead series (the longest). A few other
series are held out as the comparison's targets (``MAX_TARGETS``, at most half of them);
one model of the chosen configuration is pretrained on the rest (each series scaled on
its own training rows, their windows pooled; early stopping on their pooled validation
windows), so the pretraining never sees a target series at all, its test rows
included. On each target the pretrained model is fine-tuned, and the configuration
trained from scratch, on the same walk-forward folds and seeds
(``pretrained.compare_pretrained``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from advisor.core.records import ModelConfig, PanelComparison, SeriesComparison, Split
from advisor.core.splits import chronological_split
from advisor.diagnostics.trainer import KerasTrainer
from advisor.intake.panel import Panel
from advisor.verification.objective import Objective
from advisor.verification.pretrained import Pretrained, compare_pretrained

MAX_TARGETS = 3
"""Series compared: a few, since each costs both arms' trainings on every fold."""
PANEL_SEEDS = 2
"""Seeds per fold on each target: two, the fewest that pair within a fold."""


def _trainer_on(values: np.ndarray, horizon: int) -> Callable[[Split], KerasTrainer]:
    def make(split: Split) -> KerasTrainer:
        return KerasTrainer(values, split, horizon)

    return make


def roles(panel: Panel, lead: str) -> tuple[list[str], list[str]]:
    """The target series (the lead, then the longest others; at most half of all) and
    the series the model pretrains on (the rest)."""
    by_length = sorted(panel.ids, key=lambda i: (-panel.series[i].rows, panel.ids.index(i)))
    order = [lead, *(i for i in by_length if i != lead)]
    k = max(1, min(MAX_TARGETS, len(order) // 2))
    return order[:k], order[k:]


def compare_panel(
    panel: Panel,
    lead: str,
    config: ModelConfig,
    horizon: int,
    objective: Objective[Any],
    seed: int,
    deadline: float,
) -> PanelComparison:
    from advisor.diagnostics.model import prepare, pretrain

    targets, sources = roles(panel, lead)
    channels = panel.series[lead].frame.shape[1]
    # The pretrained network is fine-tuned as a loaded one is (``fine_tune_config``):
    # on the data's columns alone. The pooled series keep their own values: one
    # series' seasonal pattern is no other's.
    config = replace(config, season_position=0, deseasonalize=0, log_target=False)
    notes: list[str] = []
    parts, used = [], []
    first = config.lookback + config.differencing
    for sid in sources:
        values = panel.series[sid].frame.to_numpy(dtype=float)
        if values.shape[1] != channels:
            notes.append(f"Series {sid} has other columns than {lead}: not pretrained on.")
            continue
        split = chronological_split(len(values), horizon)
        train_ts = np.arange(first, split.train - horizon + 1)
        val_ts = np.arange(split.train, split.validation_end - horizon + 1)
        if len(train_ts) < 1 or len(val_ts) < 1:
            notes.append(f"Series {sid} is too short for a {config.lookback}-step window.")
            continue
        prepared = prepare(values, split.train, config.scaling, config.differencing)
        parts.append((prepared, train_ts, val_ts))
        used.append(sid)
    if not parts:
        return PanelComparison(
            panel.series_col,
            len(panel.ids),
            lead,
            (),
            0,
            0.0,
            0,
            (),
            (*notes, "No series was left to pretrain on: nothing was compared."),
        )
    fitted = pretrain(config, parts, horizon, seed, deadline)
    pre = Pretrained(
        path=f"pretrained on {len(used)} series",
        sha256="",
        model=fitted.model,
        lookback=config.lookback,
        units=tuple(layer.units for layer in config.layers),
        head_replaced=False,
    )
    compared = []
    for sid in targets:
        series = panel.series[sid]
        values = series.frame.to_numpy(dtype=float)
        if values.shape[1] != channels:
            notes.append(f"Series {sid} has other columns than {lead}: not compared.")
            continue
        if time.monotonic() >= deadline:
            notes.append(f"The time budget ran out before series {sid} was compared.")
            break
        split = chronological_split(len(values), horizon)
        comparison = compare_pretrained(
            pre,
            config,
            "suggestion",
            math.nan,
            None,
            _trainer_on(values, horizon),
            split,
            len(values),
            horizon,
            objective,
            seed,
            deadline,
            seeds=PANEL_SEEDS,
        )
        compared.append(SeriesComparison(sid, len(values), comparison))
    return PanelComparison(
        series_col=panel.series_col,
        series=len(panel.ids),
        lead=lead,
        pretrained_on=tuple(used),
        pretrain_windows=sum(len(ts) for _, ts, _ in parts),
        pretrain_seconds=fitted.seconds,
        pretrain_epochs=fitted.best_epoch,
        compared=tuple(compared),
        notes=tuple(notes),
    )
