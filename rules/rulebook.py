"""The merged rulebook, and the one call that turns ``Facts`` into a ``Recommendation``.

``recommend`` is the pipeline of the rules stage in order: fire every rule
(``evaluation``), resolve each setting from its firings (``resolve``, shared with
sequence classification's ``class_rulebook.recommend_class``), apply the hard limits
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
from advisor.core.settings import config_from_values
from advisor.rules.evaluation import Firing, Trace, apply_firing, fire
from advisor.rules.facts import Facts
from advisor.rules.limits import apply_limits
from advisor.rules.ranges import search_range
from advisor.rules.rule import Rule, dash, did_you_mean, rule_error
from advisor.rules.schema import FORECAST, Schema


@dataclass(frozen=True)
class Rulebook:
    """The merged, validated rules; ``recommend`` turns facts into settings."""

    rules: tuple[Rule, ...]
    sources: tuple[str, ...] = ()
    schema: Schema = FORECAST
    """The task whose facts and settings the rules were checked against."""

    def get(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        ids = [rule.id for rule in self.rules]
        raise rule_error("rulebook", f"no rule with id {rule_id!r}", fix=did_you_mean(rule_id, ids))

    def resolve(self, facts: Any) -> tuple[dict[str, Trace], tuple[str, ...]]:
        """Every setting of the book's task resolved from the rules that fire on
        ``facts`` (before the hard limits), and the ids of the rules that did not fire."""
        if not isinstance(facts, self.schema.facts):
            raise TypeError(
                f"a {self.schema.task} rulebook reads {self.schema.facts.__name__}, "
                f"not {type(facts).__name__}"
            )
        thing = dataclasses.asdict(facts)
        firings: list[Firing] = []
        not_fired: list[str] = []
        for order, rule in enumerate(self.rules):
            firing = fire(rule, order, thing)
            if firing is None:
                not_fired.append(rule.id)
            else:
                firings.append(firing)
        traces = {s: self._resolve(s, firings, thing) for s in self.schema.settings}
        return traces, tuple(not_fired)

    def recommend(self, facts: Facts) -> Recommendation:
        traces, not_fired = self.resolve(facts)
        thing = dataclasses.asdict(facts)
        apply_limits(traces, facts)
        return Recommendation(
            config=config_from_values({name: t.value for name, t in traces.items()}),
            ranges=tuple(search_range(t, thing) for t in traces.values()),
            rules_fired=tuple(hit for t in traces.values() for hit in t.hits),
            rules_not_fired=not_fired,
            baseline_warning=facts.no_gain_over_baseline,
        )

    def _resolve(self, setting: str, firings: Sequence[Firing], thing: Mapping[str, Any]) -> Trace:
        trace = Trace(setting, self.schema.settings[setting])
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
