"""The merged rulebook, and the one call that turns ``Facts`` into a ``Recommendation``.

``recommend`` is the pipeline of the rules stage in order: fire every rule
(``evaluation``), resolve each setting from its firings, apply the hard limits
(``limits``), then give each setting its search range (``ranges``). How rules are
written and resolved is described in ``docs/rules.md`` and in the header of
``rulebook/defaults.toml``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from advisor.core.records import LayerConfig, ModelConfig, Recommendation, Scaling
from advisor.core.settings import SETTINGS
from advisor.rules.evaluation import Firing, Trace, apply_firing, fire
from advisor.rules.facts import Facts
from advisor.rules.limits import apply_limits
from advisor.rules.ranges import search_range
from advisor.rules.rule import Rule, dash, did_you_mean, rule_error


@dataclass(frozen=True)
class Rulebook:
    """The merged, validated rules; ``recommend`` turns facts into settings."""

    rules: tuple[Rule, ...]
    sources: tuple[str, ...] = ()

    def get(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        ids = [rule.id for rule in self.rules]
        raise rule_error("rulebook", f"no rule with id {rule_id!r}", fix=did_you_mean(rule_id, ids))

    def recommend(self, facts: Facts) -> Recommendation:
        thing = dataclasses.asdict(facts)
        firings: list[Firing] = []
        not_fired: list[str] = []
        for order, rule in enumerate(self.rules):
            firing = fire(rule, order, thing)
            if firing is None:
                not_fired.append(rule.id)
            else:
                firings.append(firing)
        traces = {s: self._resolve(s, firings, thing) for s in SETTINGS}
        apply_limits(traces, facts)
        return Recommendation(
            config=_config(traces),
            ranges=tuple(search_range(t, thing) for t in traces.values()),
            rules_fired=tuple(hit for t in traces.values() for hit in t.hits),
            rules_not_fired=tuple(not_fired),
            baseline_warning=facts.no_gain_over_baseline,
        )

    def _resolve(self, setting: str, firings: Sequence[Firing], thing: Mapping[str, Any]) -> Trace:
        trace = Trace(setting)
        mine = [f for f in firings if f.rule.setting == setting]
        for f in sorted(mine, key=lambda f: (f.rule.priority, f.order)):
            apply_firing(trace, f, thing)
        if trace.value is None:
            # Only reachable when a default's value uses an unmeasured (NaN) fact.
            raise rule_error(
                "rulebook",
                f"no rule gave {setting!r} a value on this data",
                fix=f"make 'default-{dash(setting)}' a constant",
            )
        return trace


def _config(traces: Mapping[str, Trace]) -> ModelConfig:
    v = {name: trace.value for name, trace in traces.items()}
    layer = LayerConfig(
        int(cast(int, v["units"])),
        float(cast(float, v["dropout"])),
        float(cast(float, v["recurrent_dropout"])),
    )
    return ModelConfig(
        lookback=int(cast(int, v["lookback"])),
        layers=tuple(layer for _ in range(int(cast(int, v["layers"])))),
        l2=float(cast(float, v["l2"])),
        learning_rate=float(cast(float, v["learning_rate"])),
        batch_size=int(cast(int, v["batch_size"])),
        epochs=int(cast(int, v["epochs"])),
        early_stopping_patience=int(cast(int, v["early_stopping_patience"])),
        scaling=cast(Scaling, v["scaling"]),
        differencing=int(cast(int, v["differencing"])),
    )
