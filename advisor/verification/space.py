"""The verification search's space: the recommendation as keras-tuner hyperparameters.

What a search may try, apart from how it tries it: the suggestion's values, a trial's
values back to a ``ModelConfig``, the narrowed ``HyperParameters`` (settled settings
``hp.Fixed``, the others only the range their rule gave, every default the suggestion),
its size, and the key that names a search's project after its space, so a changed
space starts a new search rather than resuming an old one. The oracle, the tuner, the
distributed search and the verdict all read the space through these.

keras-tuner loads only through ``keras_tuner()``, the first time a space is built (a
search is about to run), never when this module is imported.
"""

from __future__ import annotations

import math
from collections.abc import Container, Iterable, Mapping, Sequence
from typing import Any

from advisor.core.backend import quiet_native_stderr
from advisor.core.records import ModelConfig, Range, Recommendation
from advisor.core.settings import INT_SETTINGS, SETTING_NAMES, config_values
from advisor.core.settings import config_from_values as settings_config
from advisor.store.rundir import key_of
from advisor.verification.objective import Objective

# A grid over a continuous range: its two ends and the suggestion between them.
GRID_POINTS = 3
# The hyperparameter that carries the worker's job description (advisor.verification.distributed)
# sits under this switch, whose condition is never met: it travels with the space to
# every worker but is never part of a trial's values.
ROLE = "advisor/role"
JOB = "advisor/job"


def keras_tuner() -> Any:
    with quiet_native_stderr():
        import keras_tuner as kt
    return kt


def config_from_values(values: dict[str, Any]) -> ModelConfig:
    """A trial's configuration; under Hyperband its epochs are the round's budget."""
    return settings_config({**values, "epochs": values.get("tuner/epochs", values["epochs"])})


def _settled(r: Range | None) -> bool:
    if r is None:
        return True
    if r.choices:
        return len(set(r.choices)) == 1
    return r.low is None or r.high is None or r.low >= r.high


def _grid_points(r: Range, value: float, integer: bool) -> list[Any]:
    low, high = float(r.low or 0.0), float(r.high or 0.0)
    points = [low, float(value), high]
    if integer:
        return sorted({round(p) for p in points})
    return sorted(set(points))


def build_space(
    rec: Recommendation,
    tuner: str = "bayesian",
    job: str | None = None,
    include: Sequence[Mapping[str, Any]] = (),
) -> Any:
    """keras-tuner HyperParameters: a range per open setting, Fixed where settled.

    Every default is the suggestion's value, so "all defaults" is the suggestion. A
    grid search discretises continuous ranges to their ends and the suggestion;
    Hyperband fixes ``epochs``, which it sets per round itself. ``include``: settings
    (similar earlier analyses' winners) the open ranges widen to hold.
    """
    return narrowed_space(
        config_values(rec.config), rec.ranges, SETTING_NAMES, INT_SETTINGS, tuner, job, include
    )


def narrowed_space(
    default: Mapping[str, Any],
    ranges: Iterable[Range],
    names: Iterable[str],
    int_names: Container[str],
    tuner: str = "bayesian",
    job: str | None = None,
    include: Sequence[Mapping[str, Any]] = (),
) -> Any:
    """``build_space`` for any table of settings: ``default`` holds the suggestion's value
    of each of ``names``; ``int_names`` are searched as whole numbers. A true/false
    setting with both values in its range is a choice between them.

    An open setting's range also holds each value ``include`` gives it (a choice gains
    the value, a range stretches to it), so that a similar earlier analysis' winner is
    tried as it was, not a neighbour of it; a settled setting stays settled, since this
    data's own evidence (or the user) decided it."""
    kt = keras_tuner()
    hp = kt.HyperParameters()
    by_setting = {r.setting: r for r in ranges}
    for name in names:
        value = default[name]
        r = by_setting.get(name)
        if _settled(r) or (tuner == "hyperband" and name == "epochs"):
            hp.Fixed(name, value)
            continue
        assert r is not None
        extra = _included(include, name, value, name in int_names)
        if r.choices:
            # keras-tuner keeps a true/false choice as 0/1 (a bool is an int to it); the
            # configuration is rebuilt with bool(), so a trial's value means the same.
            choices = sorted(set(r.choices) | {value, *extra}, key=lambda c: (str(type(c)), c))
            hp.Choice(name, choices, default=value)
        elif tuner == "grid":
            points = sorted({*_grid_points(r, value, name in int_names), *extra})
            hp.Choice(name, points, default=int(value) if name in int_names else float(value))
        elif name in int_names:
            low, high = math.floor(r.low or 0), math.ceil(r.high or 0)
            hp.Int(
                name,
                min(low, int(value), *extra),
                max(high, int(value), *extra),
                default=int(value),
            )
        else:
            lo, hi = float(r.low or 0.0), float(r.high or 0.0)
            lo, hi = min(lo, float(value), *extra), max(hi, float(value), *extra)
            hp.Float(
                name,
                lo,
                hi,
                sampling="log" if r.log and lo > 0 else "linear",
                default=float(value),
            )
    hp.Fixed(ROLE, "search")
    if job is not None:
        with hp.conditional_scope(ROLE, ["job"]):
            hp.Fixed(JOB, job)
    return hp


def _included(
    include: Sequence[Mapping[str, Any]], name: str, value: Any, integer: bool
) -> list[Any]:
    """The values ``include`` gives ``name`` that can join its range: of the suggestion's
    kind (a number for a number; true/false and text only where they are its kind)."""
    out: list[Any] = []
    for values in include:
        v = values.get(name)
        if v is None or isinstance(v, bool) != isinstance(value, bool):
            continue
        if isinstance(value, str | bool):
            if type(v) is type(value):
                out.append(v)
        elif isinstance(v, int | float) and math.isfinite(float(v)):
            out.append(round(v) if integer else float(v))
    return out


def open_settings(hp: Any) -> list[Any]:
    """The hyperparameters the search may move (not Fixed, not the job's carrier)."""
    return [p for p in hp.space if type(p).__name__ != "Fixed"]


def space_size(hp: Any) -> float:
    """Number of distinct configurations; infinite where a range is continuous."""
    size = 1.0
    for p in open_settings(hp):
        kind = type(p).__name__
        if kind == "Choice":
            size *= len(p.values)
        elif kind == "Int":
            size *= (p.max_value - p.min_value) // (p.step or 1) + 1
        elif kind == "Float":
            return math.inf
    return size


def space_key(hp: Any, tuner: str, objective: Objective) -> str:
    """Names the keras-tuner project: a changed space is a new search, never a resume."""
    config = [p.get_config() for p in hp.space if p.name != JOB]
    return key_of({"space": config, "tuner": tuner, "objective": objective.name})


def defaults(hp: Any) -> dict[str, Any]:
    return {p.name: p.default for p in hp.space if hp.is_active(p)}


def into_space(hp: Any, values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` (another analysis' configuration, as ``config_values`` gives it) moved
    into this space: a settled setting keeps the space's value, a choice takes the
    nearest of its values, a range clips to its ends. What an earlier dataset's winner
    looks like within the ranges this one's rules narrowed."""
    out: dict[str, Any] = {}
    for p in hp.space:
        if not hp.is_active(p):
            continue
        kind = type(p).__name__
        value = values.get(p.name, p.default)
        if kind == "Fixed" or value is None:
            out[p.name] = p.value if kind == "Fixed" else p.default
        elif kind == "Choice":
            out[p.name] = _nearest_choice(list(p.values), value, p.default)
        elif kind == "Int":
            out[p.name] = int(min(p.max_value, max(p.min_value, round(float(value)))))
        elif kind == "Float":
            out[p.name] = float(min(p.max_value, max(p.min_value, float(value))))
        else:
            out[p.name] = p.default
    return out


def _nearest_choice(choices: list[Any], value: Any, default: Any) -> Any:
    if value in choices:
        # The space's own element: keras-tuner keeps true/false as 1/0, and a value
        # hashed differently would not be seen as already tried.
        return next(c for c in choices if c == value)
    numeric = [c for c in choices if isinstance(c, int | float) and not isinstance(c, bool)]
    if not numeric or isinstance(value, str | bool):
        return default
    x = float(value)

    def gap(c: float) -> float:
        # Ratios for positive scales (units, rates, batch sizes), differences otherwise.
        if c > 0 and x > 0:
            return abs(math.log(c / x))
        return abs(c - x)

    return min(numeric, key=gap)
