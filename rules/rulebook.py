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
from typing import Any

from advisor.core.records import Recommendation
from advisor.core.settings import SETTINGS, config_from_values
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
            config=config_from_values({name: t.value for name, t in traces.items()}),
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
