from __future__ import annotations

import math

import numpy as np
import pytest

from advisor.core import forecast_eval as fe
from advisor.core.splits import chronological_split, minimum_rows, train_windows


def test_split_follows_the_protocol():
    s = chronological_split(144, 12)
    assert (s.train, s.validation, s.test) == (96, 24, 24)  # max(2h=24, ceil(21.6)=22)
    s = chronological_split(1000, 12)
    assert (s.train, s.validation, s.test) == (700, 150, 150)
    s = chronological_split(100, 20)
    assert s.test == 40 and s.validation == 40 and s.train == 20


def test_minimum_rows_leaves_enough_windows():
    for h, lb in [(1, 2), (12, 12), (24, 48)]:
        n = minimum_rows(h, lb)
        assert train_windows(chronological_split(n, h).train, lb, h) >= 20
        assert train_windows(chronological_split(n - 1, h).train, lb, h) < 20


def test_origins_keep_the_horizon_inside_and_cap_the_count():
    ts = fe.origins(100, 122, 12)
    assert ts[0] == 100 and ts[-1] == 110
    ts = fe.origins(0, 10_000, 5)
    assert len(ts) == fe.MAX_ORIGINS and ts[0] == 0 and ts[-1] == 9_995


def test_seasonal_naive_never_looks_past_the_origin():
    y = np.arange(100, dtype=float)
    ts = np.array([50])
    pred = fe.seasonal_naive(y, ts, horizon=5, period=2)
    # steps 0,1 -> one season back (48, 49); steps 2,3 -> two seasons back; all < 50
    assert pred.tolist() == [[48, 49, 48, 49, 48]]
    assert (pred < 50).all()


def test_scores_and_mase():
    pred, actual = np.array([[1.0, 2.0]]), np.array([[2.0, 4.0]])
    s = fe.scores(pred, actual, scale=1.5)
    assert s["rmse"] == pytest.approx(math.sqrt((1 + 4) / 2))
    assert s["mae"] == pytest.approx(1.5) and s["mase"] == pytest.approx(1.0)
    assert math.isnan(fe.scores(pred, actual, scale=0.0)["mase"])
