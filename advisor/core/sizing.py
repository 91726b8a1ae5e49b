"""How many weights an LSTM has, and how wide and how far back the data let it be:
written once.

The profile shows the widest LSTM the training windows can feed, and the rules cap the
recommended width by the same guard; when each counted weights its own way (one without
the dense head, one with another ceiling) the two caps could disagree on the same data.
Both now ask this module, and ``test_sizing_counts_what_keras_builds`` holds the count
to the model the advisor really trains (``advisor.diagnostics.model.build_model``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from advisor.core.settings import SETTINGS

# Windows overlap, so they carry far less information than their count suggests; yet
# early stopping and dropout let an LSTM carry more weights than it has examples. Ten
# weights per training window is a loose guard: it only bites on short series (100
# windows -> at most 1,000 weights -> 14 units), where a wider net can only memorise.
PARAMS_PER_WINDOW = 10
# Below four units an LSTM cannot hold a level, a trend and a season at once.
MIN_UNITS = 4
# However much data there is, the width stays a valid value of the units setting.
MAX_UNITS = int(cast(float, SETTINGS["units"].high))


# Each window needs ``lookback`` rows of history; a lookback of at most a third of the
# training rows keeps at least two thirds of them usable as window starts.
LOOKBACK_SHARE_OF_TRAIN = 3


def max_lookback(train_rows: int) -> int:
    """The longest lookback the training rows allow (at least one step)."""
    return max(1, train_rows // LOOKBACK_SHARE_OF_TRAIN)


# The longest season a window is asked to hold. An LSTM's steps run one after another,
# so a window's cost grows with its length, and backpropagation through a few hundred
# steps is already where gradients fade; yearly seasons of daily or weekly data (365,
# 52) and weekly ones of half-hourly data (336) fit. A longer season (a day of minute
# data: 1,440 steps) is taken out by seasonal differencing, the change since one season
# back, as Hewamalage, Bergmeir & Bandara (2021) deseasonalise before an RNN, and the
# window holds the shorter structure: a shorter season, else the AR memory.
MAX_SEASON_WINDOW = 400


def season_fits_window(season: int | None) -> bool:
    return bool(season and 1 < season <= MAX_SEASON_WINDOW)


def long_season_window(periods: Sequence[int], season: int, ar_order: int) -> int:
    """The window for a season too long to hold (``MAX_SEASON_WINDOW``): the longest other
    season that fits, else the AR memory where it fits, else 0 (the defaults decide)."""
    shorter = [p for p in periods if p != season and season_fits_window(p)]
    if shorter:
        return max(shorter)
    return ar_order if 0 < ar_order <= MAX_SEASON_WINDOW else 0


# Seasonal differencing needs this many seasons of training rows (rules/rulebook/data.toml:
# difference-seasonal and the rules beside it; ets() asks as much of a season).
SEASONAL_DIFFERENCE_SEASONS = 4


def seasons_fit(season: int, train_rows: int) -> bool:
    """Whether ``train_rows`` hold ``SEASONAL_DIFFERENCE_SEASONS`` of a season (longer
    than one step): enough to difference at it or to measure its average pattern."""
    return season > 1 and train_rows >= SEASONAL_DIFFERENCE_SEASONS * season


def trainable_on(lookback: int, differencing: int, train_rows: int, deseasonalize: int = 0) -> bool:
    """Whether a window, a differencing lag and a season taken out can be trained on
    ``train_rows`` rows as the rules would allow them: a seasonal lag, or a season whose
    pattern is measured, leaves ``SEASONAL_DIFFERENCE_SEASONS`` seasons, and the window
    fits the differenced rows (``max_lookback``)."""
    for season in (differencing, deseasonalize):
        if season > 1 and not seasons_fit(season, train_rows):
            return False
    return lookback <= max_lookback(train_rows - differencing)


def model_params(widths: Sequence[int], inputs: int, horizon: int) -> int:
    """Weights of stacked ``LSTM(width)`` layers, bottom first, then ``Dense(horizon)``.

    Each LSTM layer has four gates, each with a kernel over its inputs, a recurrent
    kernel over its own outputs and a bias: ``4 * (units * (units + inputs) + units)``;
    a layer above the first takes the outputs of the one below as its inputs.
    """
    total, below = 0, inputs
    for units in widths:
        total += 4 * (units * (units + below) + units)
        below = units
    return total + below * horizon + horizon


def lstm_params(units: int, inputs: int, horizon: int, layers: int = 1) -> int:
    """Weights of ``layers`` LSTM layers of ``units`` each and the dense head."""
    return model_params((units,) * layers, inputs, horizon)


def max_units_for_windows(train_windows: int, inputs: int, horizon: int, layers: int = 1) -> int:
    """The widest model within ``PARAMS_PER_WINDOW`` weights per training window,
    between ``MIN_UNITS`` and ``MAX_UNITS``."""
    budget = max(0, train_windows) * PARAMS_PER_WINDOW
    units = MIN_UNITS
    while units < MAX_UNITS and lstm_params(units + 1, inputs, horizon, layers) <= budget:
        units += 1
    return units


# An epoch of a long series is a fresh random draw of at most this many training
# windows, in every training (diagnostic runs, comparisons, search trials,
# cross-validation, the final model), so an epoch means the same amount of learning
# wherever an epoch count is measured and then reused, and its cost is bounded by the
# data, not by the machine: a 1,000,000-row series trains 1,024 batches of 32 an epoch,
# not 31,000, and every window is still seen over the epochs. Series of up to this many
# windows (every one the benchmarks use) train on all of them each epoch, as before.
EPOCH_WINDOWS = 32_768
# Validation loss per epoch (early stopping) on at most this many windows, evenly
# spaced over the validation rows: the curve's shape, not its last decimal, decides
# where to stop, and a full pass over 150,000 validation windows each epoch would cost
# as much as the training. Scores (a run's validation RMSE) still use their own origins.
MAX_VAL_WINDOWS = 4096
