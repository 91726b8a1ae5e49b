"""The data-size budget: training windows against the weights an LSTM of a given width has.

Windows overlap, so they carry far less information than their count suggests; the
ratio of windows to weights is what tells a short series from one that can feed a wide
network. The count and the guard are ``advisor.core.sizing``'s, the same the rules cap
the recommended width with, so the profile never shows a different limit.
"""

from __future__ import annotations

from advisor.core.records import SizeBudget
from advisor.core.sizing import lstm_params, max_units_for_windows
from advisor.core.splits import train_windows

# The widths worth showing: the usual ladder of powers of two.
WIDTHS = (8, 16, 32, 64, 128, 256)


def size_budget(train_rows: int, lookback: int, horizon: int, inputs: int) -> SizeBudget:
    windows = train_windows(train_rows, lookback, horizon)
    return SizeBudget(
        lookback=lookback,
        train_windows=windows,
        inputs=inputs,
        widths=WIDTHS,
        params=tuple(lstm_params(w, inputs, horizon) for w in WIDTHS),
        max_units=max_units_for_windows(windows, inputs, horizon),
    )
