"""The bar an LSTM has to clear: naive, seasonal naive and a damped-trend exponential
smoothing model, scored on the validation origins as BENCHMARK.md defines them.

The statistical model is fitted once on train, its parameters are then fixed and the
filter runs on through validation; the forecast from each origin uses the state the
filter had just before it, which is exactly what re-filtering at each origin would give.
"""

from __future__ import annotations

import warnings

import numpy as np
from statsmodels.tsa.holtwinters import ExponentialSmoothing

from advisor.core import forecast_eval as fe
from advisor.core.records import Baseline

# R's ets() refuses seasons longer than 24 (too many seasonal states to estimate); longer
# seasons are left to the seasonal-naive baseline and the ETS model runs without one.
ETS_MAX_PERIOD = 24
# The fit uses the most recent training rows: parameters settle long before this, and
# the fit's cost grows with the rows.
ETS_FIT_ROWS = 2_000
ETS_FIT_CYCLES = 10
# Fewer rows than this and the smoothing parameters are guesses.
ETS_MIN_ROWS = 20
ETS_NAME = "ets"


def ets_forecasts(
    y: np.ndarray, fit_end: int, ts: np.ndarray, horizon: int, period: int | None
) -> np.ndarray | None:
    """Damped-trend additive ETS (additive season where ``period`` allows) fitted on
    ``y[:fit_end]``, forecasts of shape ``(len(ts), horizon)``; None where it cannot be fitted.

    Every origin must lie in ``(fit_end - fit rows, len(y)]``.
    """
    seasonal = period if period and 2 <= period <= ETS_MAX_PERIOD else None
    rows = min(fit_end, max(ETS_FIT_ROWS, ETS_FIT_CYCLES * (seasonal or 1)))
    start = fit_end - rows
    if rows < max(ETS_MIN_ROWS, 2 * (seasonal or 0) + 2) or len(ts) == 0:
        return None
    kind = "add" if seasonal else None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = ExponentialSmoothing(
                y[start:fit_end],
                trend="add",
                damped_trend=True,
                seasonal=kind,
                seasonal_periods=seasonal,
                initialization_method="estimated",
            ).fit()
            p = fit.params
            end = int(ts.max())
            known = {
                "initial_level": p["initial_level"],
                "initial_trend": p["initial_trend"],
            }
            if seasonal:
                known["initial_seasonal"] = p["initial_seasons"]
            run = ExponentialSmoothing(
                y[start:end],
                trend="add",
                damped_trend=True,
                seasonal=kind,
                seasonal_periods=seasonal,
                initialization_method="known",
                **known,
            ).fit(
                smoothing_level=p["smoothing_level"],
                smoothing_trend=p["smoothing_trend"],
                smoothing_seasonal=p["smoothing_seasonal"] if seasonal else None,
                damping_trend=p["damping_trend"],
                optimized=False,
            )
    except (ValueError, np.linalg.LinAlgError, ZeroDivisionError):
        return None
    phi = float(p["damping_trend"])
    steps = np.arange(1, horizon + 1)
    damped = np.cumsum(phi**steps)
    state = ts - 1 - start  # the filter's position just before each origin
    level = np.asarray(run.level)[state]
    trend = np.asarray(run.trend)[state]
    pred = level[:, None] + damped[None, :] * trend[:, None]
    if seasonal:
        season = np.asarray(run.season)
        back = seasonal * ((steps - 1) // seasonal + 1)
        pred = pred + season[state[:, None] + steps[None, :] - back[None, :]]
    return pred if np.all(np.isfinite(pred)) else None


def baselines(
    y: np.ndarray, start: int, end: int, horizon: int, period: int | None
) -> tuple[tuple[Baseline, ...], list[str]]:
    """Validation scores of each baseline, and notes on any that could not run."""
    ts = fe.origins(start, end, horizon)
    actual = fe.actuals(y, ts, horizon)
    out = [
        Baseline(
            "naive",
            fe.rmse(fe.naive(y, ts, horizon), actual),
            fe.mae(fe.naive(y, ts, horizon), actual),
        )
    ]
    notes = []
    if period and 1 < period <= start:
        pred = fe.seasonal_naive(y, ts, horizon, period)
        out.append(Baseline("seasonal_naive", fe.rmse(pred, actual), fe.mae(pred, actual)))
    ets = ets_forecasts(y, start, ts, horizon, period)
    if ets is None:
        notes.append("The exponential smoothing baseline could not be fitted on train.")
    else:
        out.append(Baseline(ETS_NAME, fe.rmse(ets, actual), fe.mae(ets, actual)))
        if period and period > ETS_MAX_PERIOD:
            notes.append(
                f"The exponential smoothing baseline has no seasonal part: a season of "
                f"{period} steps has too many states to estimate (at most {ETS_MAX_PERIOD})."
            )
    return tuple(out), notes
