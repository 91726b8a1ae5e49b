"""The bfloat16 rule on scripted scores: kept only where clearly faster and where the
validation score holds within the noise; no Keras."""

from __future__ import annotations

import math

import numpy as np
import pytest

from advisor.core.records import Curve, DiagnosticRun
from advisor.diagnostics.comparisons import Noise
from advisor.diagnostics.precision import (
    MAX_LOSS,
    MAX_TIME_RATIO,
    faster,
    hold,
    not_faster,
    pick_precision,
)


def scored(errors: np.ndarray, name: str = "precision-float32") -> DiagnosticRun:
    """A run whose per-origin squared errors are ``errors`` (its RMSE their root mean)."""
    return DiagnosticRun(
        name=name,
        units=16,
        lookback=12,
        train_fraction=1.0,
        params=1000,
        curve=Curve((1.0, 0.5), (1.0, 0.6)),
        val_rmse=float(np.sqrt(np.mean(errors))) if len(errors) else math.inf,
        seconds=1.0,
        reference_loss=1.0,
        best_epoch=2,
        val_errors=tuple(float(e) for e in errors),
    )


RNG = np.random.default_rng(7)
# 200 origins, one step ahead: enough independent stretches for a bounded band.
BASE = RNG.gamma(2.0, 0.5, size=200)
NOISE = Noise(block=1, seed=0)


def test_a_batch_must_be_clearly_faster_to_be_worth_comparing():
    assert faster(0.5) and faster(MAX_TIME_RATIO)
    assert not faster(MAX_TIME_RATIO + 0.01)
    assert not faster(1.3) and not faster(math.inf) and not faster(math.nan)


def test_a_score_within_the_noise_holds():
    # Each origin's error wobbles by a few percent either way: no difference beyond noise.
    wobble = BASE * RNG.uniform(0.96, 1.05, size=BASE.size)
    assert hold(scored(BASE), scored(wobble, "precision-bfloat16"), NOISE)


def test_a_loss_beyond_the_noise_does_not_hold():
    # Every origin 4% worse in RMSE: steady, so the band lies wholly above 1.
    worse = BASE * 1.04**2
    assert not hold(scored(BASE), scored(worse, "precision-bfloat16"), NOISE)


def test_too_few_origins_for_a_band_still_cap_the_loss():
    """Twelve origins in blocks of four (a 4-step horizon) are three stretches, an
    unbounded band inside which any loss would pass; the cap refuses one over MAX_LOSS
    all the same."""
    few, blocks = BASE[:12], Noise(block=4, seed=0)
    assert hold(scored(few), scored(few * 1.03**2, "precision-bfloat16"), blocks)
    lost = few * (1 + MAX_LOSS + 0.02) ** 2
    assert not hold(scored(few), scored(lost, "precision-bfloat16"), blocks)


def test_a_bfloat16_run_without_a_score_never_holds():
    nan_run = scored(np.array([]), "precision-bfloat16")
    assert not hold(scored(BASE), nan_run, NOISE)
    # where float32 did not score and bfloat16 did, bfloat16 is the one that trains
    assert hold(nan_run, scored(BASE, "precision-bfloat16"), NOISE)


def test_a_better_bfloat16_score_holds():
    assert hold(scored(BASE), scored(BASE * 0.9, "precision-bfloat16"), NOISE)


@pytest.mark.parametrize(
    ("scale", "kept", "verdict"),
    [(1.0, "bfloat16", "; kept"), (1.04**2, "float32", "; not kept")],
)
def test_the_plan_says_what_was_compared_and_what_was_kept(scale, kept, verdict):
    precision, words = pick_precision(
        scored(BASE), scored(BASE * scale, "precision-bfloat16"), 0.55, NOISE
    )
    assert precision == kept
    assert words.startswith("bfloat16 compared with float32 at width 16: a batch in 0.55x")
    assert "validation RMSE" in words and words.endswith(verdict)


def test_the_timed_but_untrained_case_names_its_ratio():
    assert "0.95x the time, too little gain to compare; float32" in not_faster(0.95, 16)
    assert "no time measured" in not_faster(math.inf, 16)
