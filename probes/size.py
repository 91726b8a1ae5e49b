"""The data-size budget: training windows against the weights an LSTM of a given width has.

Windows overlap, so they carry far less information than their count suggests; the
ratio of windows to weights is what tells a short series from one that can feed a wide
network.
"""

from __future__ import annotations

from advisor.core.records import SizeBudget
from advisor.core.splits import train_windows

# The widths worth showing: the usual ladder of powers of two.
WIDTHS = (8, 16, 32, 64, 128, 256)
# The rules' guard (rules/limits.py, PARAMS_PER_WINDOW): ten weights per training window.
PARAMS_PER_WINDOW = 10
# Below four units an LSTM cannot hold a level, a trend and a season at once (the rules'
# MIN_UNITS); above 512 the sweep never goes.
MIN_UNITS = 4
MAX_UNITS = 512


def lstm_params(units: int, inputs: int, horizon: int) -> int:
    """Weights of ``LSTM(units) -> Dense(horizon)``: four gates of ``units*(units+inputs)``
    weights plus biases, then the dense head."""
    return 4 * (units * (units + inputs) + units) + units * horizon + horizon


def size_budget(train_rows: int, lookback: int, horizon: int, inputs: int) -> SizeBudget:
    windows = train_windows(train_rows, lookback, horizon)
    budget = windows * PARAMS_PER_WINDOW
    units = MIN_UNITS
    while units < MAX_UNITS and lstm_params(units + 1, inputs, horizon) <= budget:
        units += 1
    return SizeBudget(
        lookback=lookback,
        train_windows=windows,
        inputs=inputs,
        widths=WIDTHS,
        params=tuple(lstm_params(w, inputs, horizon) for w in WIDTHS),
        max_units=units,
    )
