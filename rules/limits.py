"""Hard limits: what no rule may override, applied after every rule and recorded like one.

A rule file, the packaged one or a user's, can propose any value; these limits keep the
result trainable on this data and machine (valid values, weights per training window,
a lookback that leaves windows, a batch that fits in memory) and put the user's own
flags above every rule. Each limit that bites leaves a ``limit-*`` hit with its reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from advisor.core.sizing import (
    PARAMS_PER_WINDOW,
    lstm_params,
    max_lookback,
    max_units_for_windows,
)
from advisor.rules.evaluation import Trace, clamp_value, make_hit
from advisor.rules.facts import Facts
from advisor.rules.rule import Value

# Activation memory one training step may take: 1 GiB fits the smallest GPUs in use and
# leaves a laptop's memory for everything else.
BATCH_MEMORY_BYTES = 1 << 30
LSTM_VECTORS_PER_STEP = 6
LIMIT_PRIORITY = 1_000
"""Hard limits apply after every rule, so their hits sort after any rule priority."""


def set_limit(
    trace: Trace, rule_id: str, value: Value, rationale: str, evidence: Mapping[str, Any]
) -> None:
    """Give the setting a limit's value, recorded as a hit after every rule's."""
    trace.value = value
    trace.hits.append(
        make_hit(rule_id, trace.setting, value, rationale, evidence, 1.0, LIMIT_PRIORITY)
    )


def limit_valid(trace: Trace) -> None:
    """``limit-valid-range``: a number outside what its setting can take is moved inside."""
    spec = trace.spec
    value = trace.value
    if spec.switch_or_text or not isinstance(value, int | float):
        return
    clipped = clamp_value(spec, value, spec.low, spec.high)
    if clipped != value:
        why = (
            f"The rules gave {trace.setting} = {value}, outside the values it can take "
            f"({spec.low} to {spec.high}); it is moved to the nearest valid value."
        )
        set_limit(trace, "limit-valid-range", clipped, why, {trace.setting: value})


def _limit_units(trace: Trace, facts: Facts, layers: int) -> None:
    n_inputs = 1 + facts.n_features
    cap = max_units_for_windows(facts.train_windows, n_inputs, facts.horizon, layers)
    trace.bound(high=cap)
    units = cast(int, trace.value)
    if units > cap:
        why = (
            f"{units} units would give {lstm_params(units, n_inputs, facts.horizon, layers):,} weights for "
            f"{facts.train_windows:,} training windows; with more than {PARAMS_PER_WINDOW} "
            f"weights per window the network can memorise the series instead of learning it, "
            f"so the width is capped at {cap} units."
        )
        evidence = {
            "train_windows": facts.train_windows,
            "n_features": facts.n_features,
            "horizon": facts.horizon,
            "layers": layers,
            "max_params": facts.train_windows * PARAMS_PER_WINDOW,
        }
        set_limit(trace, "limit-params-per-window", cap, why, evidence)
    if facts.user_max_units > 0:
        trace.bound(high=facts.user_max_units)
        if cast(int, trace.value) > facts.user_max_units:
            why = f"You asked for at most {facts.user_max_units} units; your limit beats the rules."
            set_limit(
                trace,
                "limit-user-max-units",
                facts.user_max_units,
                why,
                {"user_max_units": facts.user_max_units},
            )


def _limit_lookback(trace: Trace, facts: Facts) -> None:
    cap = max_lookback(facts.train_rows)
    trace.bound(high=cap)
    if cast(int, trace.value) > cap:
        why = (
            f"A lookback of {trace.value} rows would leave too few training windows from "
            f"{facts.train_rows} training rows; it is capped at a third of them ({cap})."
        )
        set_limit(trace, "limit-lookback-windows", cap, why, {"train_rows": facts.train_rows})
    if facts.user_lookback > 0:
        trace.override("limit-user-lookback")
        trace.settled = True
        why = f"You set the lookback to {facts.user_lookback} rows; your word beats the rules."
        set_limit(
            trace,
            "limit-user-lookback",
            facts.user_lookback,
            why,
            {"user_lookback": facts.user_lookback},
        )


def batch_activation_bytes(batch: int, lookback: int, units: int, layers: int) -> int:
    """Activations kept for backpropagation through time, float32.

    Per time step and layer an LSTM keeps its four gate activations, the cell state and
    the hidden state for the backward pass: about six vectors of ``units`` numbers.
    """
    return batch * lookback * layers * units * LSTM_VECTORS_PER_STEP * 4


def _limit_batch_memory(trace: Trace, lookback: int, units: int, layers: int) -> None:
    per_window = batch_activation_bytes(1, lookback, units, layers)
    cap = max(1, BATCH_MEMORY_BYTES // max(1, per_window))
    trace.bound(high=cap)
    batch = cast(int, trace.value)
    if batch > cap:
        why = (
            f"A batch of {batch} windows of {lookback} steps through {layers} x {units} units "
            f"keeps about {batch_activation_bytes(batch, lookback, units, layers) / 2**20:,.0f} MiB "
            f"of activations for training; the batch is capped at {cap} so a training step fits "
            f"in {BATCH_MEMORY_BYTES // 2**20} MiB, the memory of a small GPU."
        )
        evidence = {"lookback": lookback, "units": units, "layers": layers}
        set_limit(trace, "limit-batch-memory", cap, why, evidence)


def apply_limits(traces: Mapping[str, Trace], facts: Facts) -> None:
    """Every limit, in an order where each one sees the values the earlier ones left:
    the batch's memory depends on the capped lookback and units."""
    for trace in traces.values():
        limit_valid(trace)
    _limit_units(traces["units"], facts, cast(int, traces["layers"].value))
    _limit_lookback(traces["lookback"], facts)
    _limit_batch_memory(
        traces["batch_size"],
        cast(int, traces["lookback"].value),
        cast(int, traces["units"].value),
        cast(int, traces["layers"].value),
    )
