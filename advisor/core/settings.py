"""The fourteen settings the advisor chooses, written once: name, type, valid values, words.

The rules resolve them, the verification search opens a range for each, the report
names and explains them; each used to keep its own list, so a setting added or renamed
in one place could silently go missing in another. Here is the one list, in the order
the recommendation lists its ranges and rule hits.

The bounds are the values a setting can take at all (a rule's value outside them is
moved inside, as ``limit-valid-range``), not the narrowed range the search explores.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, cast, get_args

from advisor.core.records import LayerConfig, ModelConfig, Scaling

SCALINGS: tuple[str, ...] = get_args(Scaling)
"""The scalings a model can be trained with, as ``ModelConfig.scaling`` types them."""


@dataclass(frozen=True)
class Setting:
    """One tunable setting of the LSTM and its training."""

    name: str
    """As in ``ModelConfig`` (``units``, ``dropout``: those of the first layer)."""
    type: type[int] | type[float] | type[str] | type[bool]
    """``bool`` for a switch (a classifier's ``bidirectional``): rules can only ``set`` it."""
    low: float | None
    """Smallest valid value; ``None`` for text or no lower bound."""
    high: float | None
    """Largest valid value; ``None`` for text or no upper bound (it depends on the data)."""
    label: str
    """A short name for a table row."""
    meaning: str
    """What it does, in words for someone who has never trained a network."""
    log: bool = False
    """Searched on a log scale: its sensible values span orders of magnitude."""
    choices: tuple[str, ...] = ()
    """For a text setting, the values it can take."""

    @property
    def switch_or_text(self) -> bool:
        """Only ``set`` by a rule and searched over choices: neither raised nor lowered."""
        return self.type is str or self.type is bool


_TABLE = (
    Setting(
        "units",
        int,
        1,
        1024,
        "Units per layer",
        "The width of an LSTM layer: how many numbers it uses to remember the past. "
        "More units can learn more complex patterns but need more data.",
    ),
    Setting(
        "layers",
        int,
        1,
        4,
        "LSTM layers",
        "How many LSTM layers are stacked, each reading what the one below it produced. "
        "More layers can learn more abstract patterns but are slower and need more data.",
    ),
    Setting(
        "dropout",
        float,
        0.0,
        0.9,
        "Dropout",
        "During training, randomly ignore a share of the inputs to a layer, so the model "
        "cannot lean on any single one. It fights overfitting.",
    ),
    Setting(
        "recurrent_dropout",
        float,
        0.0,
        0.9,
        "Recurrent dropout",
        "The same idea applied to the layer's memory from one time step to the next. "
        "Anything above 0 turns off the fast GPU (cuDNN) version of the layer.",
    ),
    Setting(
        "l2",
        float,
        0.0,
        1.0,
        "L2 weight penalty",
        "A small penalty on large weights that keeps the model simple and fights overfitting.",
        log=True,
    ),
    Setting(
        "learning_rate",
        float,
        1e-6,
        1.0,
        "Learning rate",
        "How big a step the training takes each time it adjusts the weights. Too big is "
        "unstable, too small is slow.",
        log=True,
    ),
    Setting(
        "batch_size",
        int,
        1,
        4096,
        "Batch size",
        "How many training windows the model looks at before each adjustment of its weights.",
    ),
    Setting(
        "epochs",
        int,
        1,
        10_000,
        "Epochs (at most)",
        "How many passes over the training rows the training may make; early stopping "
        "usually ends it sooner.",
    ),
    Setting(
        "early_stopping_patience",
        int,
        1,
        1_000,
        "Early-stopping patience",
        "How many passes without a better validation score the training waits before it "
        "stops and keeps the best model seen.",
    ),
    Setting(
        "lookback",
        int,
        1,
        None,
        "Lookback (history per forecast)",
        "How many past time steps the model sees to make one forecast.",
    ),
    Setting(
        "scaling",
        str,
        None,
        None,
        "Scaling",
        "How the values are rescaled before training, always from the training rows "
        "alone: standardised (mean 0, spread 1), squeezed into 0 to 1, or left as they are.",
        choices=SCALINGS,
    ),
    Setting(
        "differencing",
        int,
        0,
        None,
        "Differencing",
        "What the model learns to forecast: the values themselves (0), the change from one "
        "step to the next (1), or the change since one season back (the season's length).",
    ),
    Setting(
        "season_position",
        int,
        0,
        None,
        "Season position inputs",
        "Each step also gets two inputs that say where in the season it lies (0: none; "
        "else the season's length). Where the season is longer than the model's window, "
        "the window alone cannot show that.",
    ),
    Setting(
        "deseasonalize",
        int,
        0,
        None,
        "Season removed",
        "A season whose average pattern, measured on the training rows, is taken out of "
        "the values before the model sees them and added back to its forecasts (0: none; "
        "else the season's length). The model then learns what the pattern does not "
        "explain, from fewer rows than learning the pattern itself would need.",
    ),
    Setting(
        "log_target",
        bool,
        None,
        None,
        "Log of the values",
        "The model learns the logarithm of the values and its forecasts are turned back. "
        "Where the ups and downs grow as the level rises (a season that swings by 10% "
        "whatever the level), they are then the same size throughout, and a change is a "
        "ratio. Only for values that are all above zero.",
    ),
)

SETTINGS: Mapping[str, Setting] = MappingProxyType({s.name: s for s in _TABLE})
"""Every setting by name, in the recommendation's order."""
SETTING_NAMES: tuple[str, ...] = tuple(SETTINGS)
INT_SETTINGS: frozenset[str] = frozenset(s.name for s in _TABLE if s.type is int)


def config_values(config: ModelConfig) -> dict[str, Any]:
    """One value per setting, in the table's order; the first layer's where layers differ."""
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
        "lookback": config.lookback,
        "scaling": config.scaling,
        "differencing": config.differencing,
        "season_position": config.season_position,
        "deseasonalize": config.deseasonalize,
        "log_target": config.log_target,
    }


def config_from_values(values: Mapping[str, Any]) -> ModelConfig:
    """The configuration with one value per setting, every layer alike; each value is
    converted to its setting's type (rule values and search values arrive as floats)."""
    layer = LayerConfig(
        int(values["units"]), float(values["dropout"]), float(values["recurrent_dropout"])
    )
    return ModelConfig(
        lookback=int(values["lookback"]),
        layers=(layer,) * int(values["layers"]),
        l2=float(values["l2"]),
        learning_rate=float(values["learning_rate"]),
        batch_size=int(values["batch_size"]),
        epochs=int(values["epochs"]),
        early_stopping_patience=int(values["early_stopping_patience"]),
        scaling=cast(Scaling, values["scaling"]),
        differencing=int(values["differencing"]),
        season_position=int(values.get("season_position", 0)),
        deseasonalize=int(values.get("deseasonalize", 0)),
        log_target=bool(values.get("log_target", False)),
    )
