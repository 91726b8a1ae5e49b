"""Sequence classification's recommendation: ``ClassFacts`` in, ``ClassRecommendation`` out.

The same stage as forecasting's ``Rulebook.recommend``: fire every rule of the
classification rulebook (``rulebook/classify``), resolve each setting, apply the hard
limits, give each setting its search range. Only the limits are the classifier's own:
valid values, the width the training sequences can feed, and the user's ``--max-units``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from pathlib import Path
from typing import cast

from advisor.core.class_models import ClassifierConfig, ClassRecommendation
from advisor.core.class_settings import class_config_from_values
from advisor.core.records import LayerConfig
from advisor.core.sizing import MAX_UNITS, MIN_UNITS
from advisor.diagnostics.classifier import count_params
from advisor.diagnostics.probe import PROBE_LEARNING_RATE, SWEEP_PARAMS_PER_WINDOW
from advisor.probes.class_baselines import BASELINE_NAMES
from advisor.rules.class_facts import ClassFacts
from advisor.rules.evaluation import Trace
from advisor.rules.limits import limit_valid, set_limit
from advisor.rules.loading import load_class_rulebook
from advisor.rules.ranges import search_range
from advisor.rules.rulebook import Rulebook

# The widest classifier the rules may recommend has at most this many weights per
# training sequence: the line the capacity sweep stops at (``class_sweep_widths``), so
# no rule extrapolates past the widths the diagnostics could have tried on this data.
# Looser than forecasting's ten per window: a sequence is a whole independent example,
# where overlapping windows repeat each other's rows.
PARAMS_PER_SEQUENCE = SWEEP_PARAMS_PER_WINDOW


def class_params(units: int, layers: int, bidirectional: bool, channels: int, classes: int) -> int:
    """Weights of the classifier at ``units`` per direction, counted as it is built."""
    config = ClassifierConfig(
        layers=(LayerConfig(units, 0.0, 0.0),) * layers,
        bidirectional=bidirectional,
        pooling="average",
        l2=0.0,
        learning_rate=PROBE_LEARNING_RATE,
        batch_size=1,
        epochs=1,
        early_stopping_patience=1,
        class_weights=False,
        max_length=None,
        scaling="standard",
    )
    return count_params(config, channels, classes)


def max_class_units(facts: ClassFacts, layers: int, bidirectional: bool) -> int:
    """The widest classifier within ``PARAMS_PER_SEQUENCE`` weights per training
    sequence, between ``MIN_UNITS`` and ``MAX_UNITS``."""
    budget = max(0, facts.train_sequences) * PARAMS_PER_SEQUENCE
    channels, classes = max(1, facts.channels), max(2, facts.classes)
    units = MIN_UNITS
    while (
        units < MAX_UNITS
        and class_params(units + 1, layers, bidirectional, channels, classes) <= budget
    ):
        units += 1
    return units


def _limit_units(trace: Trace, facts: ClassFacts, layers: int, bidirectional: bool) -> None:
    # A width the diagnostic trainings measured best on these very sequences stays
    # allowed: the guard stops rules reaching past the evidence, not the evidence itself
    # (the sweep always tries its three narrowest widths, even past the line).
    cap = max(max_class_units(facts, layers, bidirectional), facts.best_units)
    trace.bound(high=cap)
    units = cast(int, trace.value)
    if units > cap:
        weights = class_params(units, layers, bidirectional, facts.channels, facts.classes)
        why = (
            f"{units} units would give {weights:,} weights for {facts.train_sequences:,} "
            f"training sequences; with more than {PARAMS_PER_SEQUENCE} weights per sequence "
            f"the network can learn the sequences by heart instead of what tells the "
            f"classes apart, so the width is capped at {cap} units."
        )
        evidence = {
            "train_sequences": facts.train_sequences,
            "channels": facts.channels,
            "classes": facts.classes,
            "layers": layers,
            "bidirectional": bidirectional,
            "max_params": facts.train_sequences * PARAMS_PER_SEQUENCE,
        }
        set_limit(trace, "limit-params-per-sequence", cap, why, evidence)
    if facts.user_max_units > 0:
        trace.bound(high=facts.user_max_units)
        if cast(int, trace.value) > facts.user_max_units:
            why = f"You asked for at most {facts.user_max_units} units; your limit beats the rules."
            evidence = {"user_max_units": facts.user_max_units}
            set_limit(trace, "limit-user-max-units", facts.user_max_units, why, evidence)


def apply_class_limits(traces: Mapping[str, Trace], facts: ClassFacts) -> None:
    """Valid values first, then the width, which depends on the depth and the directions."""
    for trace in traces.values():
        limit_valid(trace)
    _limit_units(
        traces["units"],
        facts,
        cast(int, traces["layers"].value),
        bool(traces["bidirectional"].value),
    )


def baseline_warning(facts: ClassFacts) -> str:
    """The report's warning, naming the baseline: empty unless the diagnosis found the
    LSTM no better than it."""
    if not facts.no_gain_over_baseline or not facts.best_baseline:
        return ""
    name = BASELINE_NAMES.get(facts.best_baseline, facts.best_baseline)
    lstm = (
        f"the best diagnostic LSTM {facts.lstm_accuracy:.2f}"
        if math.isfinite(facts.lstm_accuracy)
        else "the diagnostic LSTM had no finite score"
    )
    return (
        f"{name} reached {facts.baseline_accuracy:.2f} validation accuracy, {lstm}: the "
        f"LSTM did not beat {name} beyond the noise, so this recommendation may not beat "
        f"it either. Consider using {name}."
    )


def recommend_class(
    facts: ClassFacts, book: Rulebook | None = None, extra: tuple[Path, ...] = ()
) -> ClassRecommendation:
    """The classifier the rules choose for ``facts``, its search ranges and the trace of
    every rule; ``book`` defaults to the packaged classification rulebook with ``extra``
    user files merged over it."""
    book = book or load_class_rulebook(extra)
    traces, not_fired = book.resolve(facts)
    apply_class_limits(traces, facts)
    thing = dataclasses.asdict(facts)
    return ClassRecommendation(
        config=class_config_from_values({name: t.value for name, t in traces.items()}),
        ranges=tuple(search_range(t, thing) for t in traces.values()),
        rules_fired=tuple(hit for t in traces.values() for hit in t.hits),
        rules_not_fired=not_fired,
        baseline_warning=baseline_warning(facts),
    )


__all__ = [
    "PARAMS_PER_SEQUENCE",
    "apply_class_limits",
    "baseline_warning",
    "class_params",
    "max_class_units",
    "recommend_class",
]
