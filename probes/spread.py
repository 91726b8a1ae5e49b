"""Whether the series' spread grows with its level: the case for learning its log.

A season whose swing grows with the level (passengers, sales) is multiplicative: an
additive pattern or a difference cannot follow it, the log of the series can. Guerrero's
method (coreforecast's ``boxcox_lambda``) picks the Box-Cox power that makes the
spread of each season's stretch least dependent on that stretch's level; a power near 0
is the log. The comparison of the target's forms then trains the log beside the others
(``Profile.log_worth_trying``); this module only measures.
"""

from __future__ import annotations

import math

import numpy as np


def log_spread(values: np.ndarray, train: np.ndarray, period: int | None) -> tuple[bool, float]:
    """``(positive, lambda)``: whether every value of ``values`` (all rows: a log applies
    to each) is above zero, and Guerrero's Box-Cox lambda on ``train`` with stretches of
    one season (two steps without one); NaN where a value is not positive or the
    training rows hold fewer than two stretches."""
    positive = bool(len(values)) and bool(np.all(values > 0))
    season = period if period and period > 1 else 2
    if not positive or len(train) < 2 * season:
        return positive, math.nan
    from coreforecast.scalers import boxcox_lambda

    try:
        return positive, float(boxcox_lambda(train.astype(np.float64), "guerrero", season))
    except (ValueError, RuntimeError, ZeroDivisionError):  # a flat stretch has no spread
        return positive, math.nan
