"""Chronological train / validation / test split, as the evaluation protocol fixes it.

``T = max(2h, ceil(0.15 n))``: test is the last ``T`` rows, validation the ``T`` rows
before it, train the rest. Nothing of the test rows is seen before the final score.
"""

from __future__ import annotations

import math

from advisor.core.records import Split

# A model needs a few dozen windows to learn anything; fewer and any advice is noise.
MIN_TRAIN_WINDOWS = 20


def holdout_rows(n: int, horizon: int) -> int:
    return max(2 * horizon, math.ceil(0.15 * n))


def chronological_split(n: int, horizon: int) -> Split:
    t = holdout_rows(n, horizon)
    return Split(train=n - 2 * t, validation=t, test=t)


def train_windows(train_rows: int, lookback: int, horizon: int) -> int:
    return max(0, train_rows - lookback - horizon + 1)


def minimum_rows(horizon: int, lookback: int) -> int:
    """The fewest rows that leave MIN_TRAIN_WINDOWS training windows after the holdouts."""
    n = lookback + horizon + MIN_TRAIN_WINDOWS - 1 + 4 * horizon
    while (
        train_windows(chronological_split(n, horizon).train, lookback, horizon) < MIN_TRAIN_WINDOWS
    ):
        n += 1
    return n
