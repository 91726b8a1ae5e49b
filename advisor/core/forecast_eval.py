"""Forecast origins and scores as the evaluation protocol defines them.

A forecast starts at an origin ``t`` and predicts rows ``t .. t+h-1`` from rows before
``t``. Scores are taken over every (origin, step) pair, in the target's own units.
"""

from __future__ import annotations

import numpy as np

# The protocol caps origins per segment so that long series score in bounded time.
MAX_ORIGINS = 200


def origins(start: int, end: int, horizon: int, max_origins: int = MAX_ORIGINS) -> np.ndarray:
    """Origins ``t`` in ``[start, end)`` whose whole horizon stays inside the segment."""
    last = end - horizon
    if last < start:
        return np.empty(0, dtype=np.int64)
    ts = np.arange(start, last + 1)
    if len(ts) > max_origins:
        ts = ts[np.unique(np.linspace(0, len(ts) - 1, max_origins).round().astype(np.int64))]
    return ts


def actuals(y: np.ndarray, ts: np.ndarray, horizon: int) -> np.ndarray:
    """Rows ``t .. t+h-1`` for each origin, shape ``(len(ts), h)``."""
    return y[ts[:, None] + np.arange(horizon)[None, :]]


def naive(y: np.ndarray, ts: np.ndarray, horizon: int) -> np.ndarray:
    return np.repeat(y[ts - 1][:, None], horizon, axis=1)


def seasonal_naive(y: np.ndarray, ts: np.ndarray, horizon: int, period: int) -> np.ndarray:
    """Value one season back from each step, never reaching past the origin."""
    k = np.arange(horizon)
    back = period * (1 + k // period)
    return y[ts[:, None] + k[None, :] - back[None, :]]


def rmse(pred: np.ndarray, actual: np.ndarray) -> float:
    return float(np.sqrt(np.mean((pred - actual) ** 2)))


def mae(pred: np.ndarray, actual: np.ndarray) -> float:
    return float(np.mean(np.abs(pred - actual)))


def seasonal_naive_scale(y_train: np.ndarray, period: int) -> float:
    """In-sample seasonal-naive MAE on train: the MASE denominator."""
    m = max(1, period)
    if len(y_train) <= m:
        return float("nan")
    return float(np.mean(np.abs(y_train[m:] - y_train[:-m])))


def scores(pred: np.ndarray, actual: np.ndarray, scale: float) -> dict[str, float]:
    a = mae(pred, actual)
    return {
        "rmse": rmse(pred, actual),
        "mae": a,
        "mase": a / scale if scale and np.isfinite(scale) and scale > 0 else float("nan"),
    }
