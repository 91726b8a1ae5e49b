"""The settings the advisor chooses for a sequence classifier, written once.

Sequence classification's counterpart of ``settings``: the classification rulebook
(``rules/rulebook/classify``) resolves them, the verification search will open a range
for each, the report names and explains them. The shared ones (units to patience) keep
forecasting's names, bounds and meanings, said for sequences where forecasting says
windows; lookback, scaling and differencing are forecasting's alone, and four are the
classifier's own (``bidirectional``, ``pooling``, ``class_weights``, ``max_length``).

Scaling is not a setting here: every classifier standardises each channel on the
training sequences (``ClassifierConfig.scaling``), as the probes do, and no rule has a
reason to change it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import Any, cast, get_args

from advisor.core.class_models import ClassifierConfig, ClassScaling, Pooling
from advisor.core.records import LayerConfig
from advisor.core.settings import SETTINGS, Setting

POOLINGS: tuple[str, ...] = get_args(Pooling)
"""How the LSTM's steps become one vector, as ``ClassifierConfig.pooling`` types them."""
NO_MAX_LENGTH = 0
"""``max_length`` as a number: 0 keeps every step (``ClassifierConfig.max_length`` None)."""


def _shared(name: str, meaning: str | None = None) -> Setting:
    return replace(SETTINGS[name], meaning=meaning) if meaning else SETTINGS[name]


_TABLE = (
    _shared("units"),
    _shared("layers"),
    _shared("dropout"),
    _shared("recurrent_dropout"),
    _shared("l2"),
    _shared("learning_rate"),
    _shared(
        "batch_size",
        "How many training sequences the model looks at before each adjustment of its weights.",
    ),
    _shared(
        "epochs",
        "How many passes over the training sequences the training may make; early stopping "
        "usually ends it sooner.",
    ),
    _shared("early_stopping_patience"),
    Setting(
        "bidirectional",
        bool,
        None,
        None,
        "Reads both ways",
        "Each LSTM layer reads the sequence from start to end and from end to start, so "
        "every step is seen with what came before it and what comes after. Twice the "
        "weights and the training time.",
    ),
    Setting(
        "pooling",
        str,
        None,
        None,
        "Pooling",
        "How the LSTM's outputs at every step become one summary the classifier decides "
        "from: their average over the real steps, or the output after the last step.",
        choices=POOLINGS,
    ),
    Setting(
        "class_weights",
        bool,
        None,
        None,
        "Balanced class weights",
        "Count each training sequence of a rare class more, so that every class weighs "
        "the same in training and the model cannot score well by ignoring the small ones.",
    ),
    Setting(
        "max_length",
        int,
        NO_MAX_LENGTH,
        None,
        "Longest sequence (steps)",
        "Sequences longer than this are shortened to it by averaging equal stretches of "
        "time, which keeps their shape; 0 keeps every step.",
    ),
)

CLASS_SETTINGS: Mapping[str, Setting] = MappingProxyType({s.name: s for s in _TABLE})
"""Every classification setting by name, in the recommendation's order."""
CLASS_SETTING_NAMES: tuple[str, ...] = tuple(CLASS_SETTINGS)
CLASS_INT_SETTINGS: frozenset[str] = frozenset(s.name for s in _TABLE if s.type is int)
"""The settings a search moves in whole numbers."""


def class_config_values(config: ClassifierConfig) -> dict[str, Any]:
    """One value per setting, in the table's order; the first layer's where layers
    differ; ``max_length`` 0 where every step is kept."""
    first = config.layers[0]
    return {
        "units": first.units,
        "layers": len(config.layers),
        "dropout": first.dropout,
        "recurrent_dropout": first.recurrent_dropout,
        "l2": config.l2,
        "learning_rate": config.learning_rate,
        "batch_size": config.batch_size,
        "epochs": config.epochs,
        "early_stopping_patience": config.early_stopping_patience,
        "bidirectional": config.bidirectional,
        "pooling": config.pooling,
        "class_weights": config.class_weights,
        "max_length": NO_MAX_LENGTH if config.max_length is None else config.max_length,
    }


def class_config_from_values(
    values: Mapping[str, Any], scaling: ClassScaling = "standard"
) -> ClassifierConfig:
    """The classifier with one value per setting, every layer alike; each value is
    converted to its setting's type (rule values and search values arrive as floats)."""
    layer = LayerConfig(
        int(values["units"]), float(values["dropout"]), float(values["recurrent_dropout"])
    )
    max_length = int(values["max_length"])
    return ClassifierConfig(
        layers=(layer,) * int(values["layers"]),
        bidirectional=bool(values["bidirectional"]),
        pooling=cast(Pooling, values["pooling"]),
        l2=float(values["l2"]),
        learning_rate=float(values["learning_rate"]),
        batch_size=int(values["batch_size"]),
        epochs=int(values["epochs"]),
        early_stopping_patience=int(values["early_stopping_patience"]),
        class_weights=bool(values["class_weights"]),
        max_length=None if max_length <= NO_MAX_LENGTH else max_length,
        scaling=scaling,
    )


__all__ = [
    "CLASS_INT_SETTINGS",
    "CLASS_SETTINGS",
    "CLASS_SETTING_NAMES",
    "NO_MAX_LENGTH",
    "POOLINGS",
    "class_config_from_values",
    "class_config_values",
]
