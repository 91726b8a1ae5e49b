"""The probe behind the log's comparison: does the spread grow with the level?"""

import math

import numpy as np

from advisor.probes.spread import log_spread


def _seasonal(rows: int, multiplicative: bool, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(rows)
    level = 100 * np.exp(0.015 * t)  # about 6x over 120 rows
    season = np.sin(2 * np.pi * t / 12)
    if multiplicative:
        y = level * (1 + 0.25 * season) * np.exp(rng.normal(0, 0.02, rows))
    else:
        y = level + 25 * season + rng.normal(0, 2, rows)
    return y


def test_a_season_whose_swing_grows_with_the_level_reads_as_a_log():
    y = _seasonal(144, multiplicative=True)
    positive, lam = log_spread(y, y[:100], 12)
    assert positive and abs(lam) < 0.3


def test_a_season_of_a_fixed_swing_does_not():
    y = _seasonal(144, multiplicative=False)
    positive, lam = log_spread(y, y[:100], 12)
    assert positive and lam > 0.5


def test_a_value_at_or_below_zero_anywhere_rules_the_log_out():
    y = _seasonal(144, multiplicative=True)
    y[130] = 0.0  # after the training rows: the log applies to every row
    positive, lam = log_spread(y, y[:100], 12)
    assert not positive and math.isnan(lam)


def test_too_few_rows_for_two_seasons_have_no_lambda():
    y = _seasonal(20, multiplicative=True)
    positive, lam = log_spread(y, y[:20], 12)
    assert positive and math.isnan(lam)
