"""The noise band: a paired block bootstrap of the RMSE ratio over validation origins."""

from __future__ import annotations

import numpy as np
import pytest

from advisor.core.records import NoiseBand
from advisor.diagnostics.noise import (
    MIN_BLOCKS,
    MIN_ORIGINS,
    band_words,
    block_length,
    origin_step,
    paired_band,
)


def paired_errors(n: int, ratio: float, seed: int, shared: float = 0.7) -> tuple[np.ndarray, ...]:
    """Squared errors of two forecasters on ``n`` origins whose true RMSE ratio is
    ``ratio``: each error is a shared part (a hard stretch hurts both) plus its own."""
    rng = np.random.default_rng(seed)
    common = rng.normal(size=n)
    own_a, own_b = rng.normal(size=n), rng.normal(size=n)
    scale = np.sqrt(shared**2 + (1 - shared**2))
    err_b = (shared * common + np.sqrt(1 - shared**2) * own_b) / scale
    err_a = ratio * (shared * common + np.sqrt(1 - shared**2) * own_a) / scale
    return err_a**2, err_b**2


def test_same_errors_and_seed_give_the_same_band_and_another_seed_another_draw():
    a, b = paired_errors(60, 0.9, seed=1)
    first, again = paired_band(a, b, block=3, seed=7), paired_band(a, b, block=3, seed=7)
    other = paired_band(a, b, block=3, seed=8)
    assert first is not None and other is not None
    assert first == again
    assert (first.low, first.high) != (other.low, other.high)
    # the point estimate is the plain ratio of the RMSEs, whatever the draw
    assert first.ratio == pytest.approx(np.sqrt(a.mean() / b.mean()))
    assert first.ratio == other.ratio and first.low < first.ratio < first.high


def test_the_band_covers_a_known_ratio_about_as_often_as_it_says():
    """Over independent data sets with a true ratio of 0.85, the 90% band covers it in
    roughly nine cases of ten (at least 80%, allowing for the simulation's own luck)."""
    covered = 0
    trials = 40
    for seed in range(trials):
        a, b = paired_errors(200, 0.85, seed=seed)
        band = paired_band(a, b, block=1, seed=seed, draws=1000)
        assert band is not None
        covered += band.low <= 0.85 <= band.high
    assert covered >= 0.8 * trials


def test_dependent_origins_widen_the_band_with_blocks():
    """Errors that drift together over neighbouring origins (overlapping windows) give a
    wider band with horizon-long blocks than single-origin resampling pretends."""
    rng = np.random.default_rng(3)
    n, h = 200, 12
    # each error is the mean of the next h shocks: origins less than h apart share them
    shocks = rng.normal(size=n + h)
    drift = np.convolve(shocks, np.ones(h) / h, mode="valid")[:n]
    a = (1.0 + drift) ** 2 + 0.01
    b = np.full(n, float(a.mean()))
    single = paired_band(a, b, block=1, seed=0)
    blocked = paired_band(a, b, block=block_length(n, h), seed=0)
    assert single is not None and blocked is not None
    assert blocked.high - blocked.low > 1.5 * (single.high - single.low)


def test_block_length_keeps_overlapping_windows_together():
    assert block_length(200, horizon=12) == 12
    # a horizon of 1 still gets the cube-root block for errors drifting with the level
    assert block_length(200, horizon=1) == 6
    assert block_length(13, horizon=1) == 3
    # origins thinned to every 5th row: a 12-step horizon spans 3 of them
    assert block_length(200, horizon=12, step=5) == 6
    assert block_length(4, horizon=24) == 4 and block_length(1, horizon=3) == 1
    assert origin_step(0, 50, 1) == 1.0
    assert origin_step(0, 1000, 1) == pytest.approx(999 / 199)


def test_too_few_independent_stretches_leave_the_band_unbounded():
    """13 origins at a 12-step horizon are about one stretch that shares no rows: every
    resample would be nearly the whole set and the band would collapse onto the point."""
    a, b = paired_errors(13, 0.97, seed=0)
    band = paired_band(a, b, block=block_length(13, horizon=12), seed=0)
    assert band is not None and not band.bounded
    assert not band.lower and not band.higher
    assert band.ratio == pytest.approx(np.sqrt(a.mean() / b.mean()))
    assert band_words(band).endswith(
        "(13 validation origins, about 1 stretch of them that share no rows): too few to "
        "tell from noise"
    )
    enough = paired_band(a, b, block=13 // MIN_BLOCKS, seed=0)
    assert enough is not None and enough.bounded


def test_errors_that_do_not_pair_give_no_band():
    a, b = paired_errors(30, 0.9, seed=0)
    assert paired_band(a, b[:-1], block=2) is None
    assert paired_band(a[: MIN_ORIGINS - 1], b[: MIN_ORIGINS - 1], block=1) is None
    assert paired_band(a, np.zeros_like(b), block=2) is None
    assert paired_band(np.r_[a[:-1], np.nan], b, block=2) is None


def test_band_words_say_the_change_its_band_and_whether_it_is_noise():
    noise = NoiseBand(ratio=0.97, low=0.95, high=1.09, origins=13, block=3)
    assert (
        band_words(noise) == "3% lower (band -5% to +9%, 13 validation origins): within the noise"
    )
    clear = NoiseBand(ratio=0.7, low=0.65, high=0.76, origins=200, block=6)
    assert clear.lower and not clear.higher
    assert band_words(clear) == "30% lower (band -35% to -24%, 200 validation origins)"
