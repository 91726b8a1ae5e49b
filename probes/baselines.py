"""The bar an LSTM has to clear: the forecasts a statistician would try first, scored on
the same origins as the LSTM (validation for the diagnosis, test for the final table).

The statistical models are statsforecast's automatic ones (AutoETS, AutoTheta, AutoARIMA,
and MSTL where the data hold several seasons), beside naive, a random walk with drift and
a seasonal naive forecast at every season found. Each is fitted once on the rows before
the scored segment; its parameters then stay fixed and ``forward`` runs it over the rows
up to each origin, which is what refitting the states (not the parameters) at every origin
would give, at a fraction of the cost.

Cost is bounded by work, not by wall-clock time, so the same data always give the same
baselines on a fast or a busy machine: the fits use the most recent rows only, AutoARIMA
runs only where its search stays cheap (short seasons, its approximation on), and a model
whose season is too long for it runs without one or is left to MSTL; every such choice is
said in the notes.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from advisor.core import forecast_eval as fe
from advisor.core.records import Baseline

# The fits use the most recent rows before the scored segment: the parameters settle long
# before this, and the cost of the automatic searches grows with the rows.
FIT_ROWS = 2_000
FIT_CYCLES = 10
# Fewer rows than this and the smoothing parameters are guesses.
MIN_FIT_ROWS = 20
# R's ets() refuses seasons longer than 24 (too many seasonal states to estimate); a longer
# season is left to MSTL and the seasonal naive forecasts, and ETS runs without one.
ETS_MAX_PERIOD = 24
# AutoARIMA's order search is the costly one (minutes on a 48-step season): seasonal only
# up to a year of months, on the most recent rows, with its approximation on.
ARIMA_MAX_PERIOD = 12
ARIMA_FIT_ROWS = 600
# MSTL's trend is forecast by a non-seasonal ETS, as statsforecast recommends. Its
# decomposition is the costly part (4 s on three cycles of a 1,440-step season, 18 s on
# ten): it is fitted on three cycles of the longest season it takes, and takes seasons up
# to a day of minutes.
MSTL_TREND_MODEL = "ZZN"
MSTL_CYCLES = 3
MSTL_MAX_PERIOD = 1_440

ETS_NAME = "ets"
STATISTICAL = ("ets", "theta", "arima", "mstl")
"""The fitted statistical models, as distinct from the naive rules."""


@dataclass(frozen=True)
class Forecasts:
    """Every baseline's forecasts over one segment's origins, and notes on what was left out."""

    by_name: dict[str, np.ndarray]
    notes: tuple[str, ...]


def seasonal_name(period: int, primary: int | None) -> str:
    return "seasonal_naive" if period == primary else f"seasonal_naive_{period}"


def baseline_forecasts(
    y: np.ndarray,
    fit_end: int,
    ts: np.ndarray,
    horizon: int,
    periods: Sequence[int],
    primary: int | None,
) -> Forecasts:
    """Forecasts of shape ``(len(ts), horizon)`` from each baseline, fitted on ``y[:fit_end]``.

    ``periods`` are the seasons to try (each gets a seasonal naive forecast); ``primary``
    is the one the statistical models use. Every origin must be at or after ``fit_end``.
    """
    out: dict[str, np.ndarray] = {}
    notes: list[str] = []
    if len(ts) == 0:
        return Forecasts(out, ())
    out["naive"] = fe.naive(y, ts, horizon)
    drift = _drift(y, fit_end, ts, horizon)
    if drift is not None:
        out["drift"] = drift
    usable = sorted({p for p in periods if 1 < p < fit_end})
    for p in usable:
        out[seasonal_name(p, primary)] = fe.seasonal_naive(y, ts, horizon, p)

    if fit_end < MIN_FIT_ROWS:
        notes.append(
            f"The statistical baselines need at least {MIN_FIT_ROWS} training rows; "
            f"there are {fit_end}."
        )
        return Forecasts(out, tuple(notes))
    season = primary if primary and 1 < primary < fit_end else 1
    for name, make, rows in _models(season, usable, fit_end, notes):
        pred = _run(make, y, fit_end - min(fit_end, rows), fit_end, ts, horizon, season)
        if pred is None:
            notes.append(f"The {_LABELS[name]} baseline could not be fitted on these rows.")
        else:
            out[name] = pred
    return Forecasts(out, tuple(notes))


def baselines(
    y: np.ndarray,
    start: int,
    end: int,
    horizon: int,
    periods: Sequence[int],
    primary: int | None,
) -> tuple[tuple[Baseline, ...], list[str]]:
    """Validation scores of each baseline (fitted on ``y[:start]``), and notes."""
    ts = fe.origins(start, end, horizon)
    actual = fe.actuals(y, ts, horizon)
    forecasts = baseline_forecasts(y, start, ts, horizon, periods, primary)
    # The per-origin squared errors let the diagnosis pair an LSTM with a baseline on
    # the same origins (the LSTM's runs are scored on ``fe.origins`` of the same segment).
    scored = tuple(
        Baseline(
            name,
            fe.rmse(pred, actual),
            fe.mae(pred, actual),
            tuple(float(e) for e in np.mean((pred - actual) ** 2, axis=1)),
        )
        for name, pred in forecasts.by_name.items()
    )
    return scored, list(forecasts.notes)


# ------------------------------------------------------------------ the models

_LABELS = {
    "ets": "exponential smoothing (AutoETS)",
    "theta": "Theta (AutoTheta)",
    "arima": "ARIMA (AutoARIMA)",
    "mstl": "MSTL",
}


def _models(
    season: int, periods: Sequence[int], available: int, notes: list[str]
) -> list[tuple[str, Callable[[], object], int]]:
    """(name, a maker, the training rows it is fitted on) of each statistical model."""
    from statsforecast.models import MSTL, AutoARIMA, AutoETS, AutoTheta

    rows = min(available, FIT_ROWS)
    ets_season = season if season <= ETS_MAX_PERIOD and rows >= 2 * season + 2 else 1
    if ets_season != season:
        notes.append(
            f"The exponential smoothing and Theta baselines have no seasonal part: a season of "
            f"{season} steps has too many states to estimate (at most {ETS_MAX_PERIOD}) or too "
            "few training cycles."
        )
    fit = max(FIT_ROWS, FIT_CYCLES * ets_season)
    models: list[tuple[str, Callable[[], object], int]] = [
        ("ets", lambda: AutoETS(season_length=ets_season, damped=None), fit),
        ("theta", lambda: AutoTheta(season_length=ets_season), fit),
    ]
    arima_season = season if season <= ARIMA_MAX_PERIOD else 1
    models.append(
        (
            "arima",
            lambda: AutoARIMA(season_length=arima_season, approximation=True),
            ARIMA_FIT_ROWS,
        )
    )
    if season > ARIMA_MAX_PERIOD:
        notes.append(
            f"The ARIMA baseline has no seasonal part: its order search on a season of {season} "
            f"steps takes minutes (it is seasonal up to {ARIMA_MAX_PERIOD})."
        )
    mstl_rows = lambda p: max(FIT_ROWS, MSTL_CYCLES * p)  # noqa: E731
    # Two whole cycles are the fewest STL can work with (ets() asks as much of a season).
    lengths = [p for p in periods if p <= MSTL_MAX_PERIOD and available >= 2 * p + 2]
    skipped = [p for p in periods if p > MSTL_MAX_PERIOD]
    if len(lengths) >= 2 or (lengths and season > ETS_MAX_PERIOD):
        rows_mstl = max(mstl_rows(p) for p in lengths)
        models.append(
            (
                "mstl",
                lambda: MSTL(
                    season_length=lengths, trend_forecaster=AutoETS(model=MSTL_TREND_MODEL)
                ),
                rows_mstl,
            )
        )
        if skipped:
            notes.append(
                f"The MSTL baseline leaves out the season(s) of {', '.join(map(str, skipped))} "
                f"steps: a decomposition over cycles that long costs minutes (it takes seasons "
                f"up to {MSTL_MAX_PERIOD} steps)."
            )
    return models


def _window(start: int, t: int, rows: int, period: int) -> int:
    """The first row a model runs forward from to reach origin ``t``: about as many rows
    back as it was fitted on, in the season's phase of the fit's first row (its seasonal
    states start there), or the fit's first row itself where that is nearer.

    Running forward from the fit's first row to every origin costs rows x origins: on a
    long validation segment (150,000 rows of a 1,000,000-row series) Theta took over two
    seconds an origin. The smoothing forgets its start state within the window except
    where it barely moves at all (the smallest smoothing AutoETS allows), and there the
    level it keeps is the fitted one either way.
    """
    if t - start <= rows:
        return start
    return start + period * ((t - rows - start) // period)


def _run(
    make: Callable[[], object],
    y: np.ndarray,
    start: int,
    fit_end: int,
    ts: np.ndarray,
    horizon: int,
    period: int = 1,
) -> np.ndarray | None:
    model = make()
    fit_rows = y[start:fit_end]
    rows = fit_end - start
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            fitted = model.fit(fit_rows)  # type: ignore[attr-defined]
            if type(model).__name__ == "MSTL":
                pred = _mstl_forward(fitted, y, start, fit_end, ts, horizon)
            else:
                pred = np.stack(
                    [
                        np.asarray(
                            fitted.forward(y[_window(start, t, rows, period) : t], h=horizon)[
                                "mean"
                            ]
                        )
                        for t in ts
                    ]
                )
    except (ValueError, np.linalg.LinAlgError, ZeroDivisionError, FloatingPointError):
        return None
    return pred if pred.shape == (len(ts), horizon) and np.all(np.isfinite(pred)) else None


def _mstl_forward(
    fitted: object, y: np.ndarray, start: int, fit_end: int, ts: np.ndarray, horizon: int
) -> np.ndarray:
    """MSTL run forward without refitting the decomposition: every seasonal component
    repeats its last fitted cycle (as MSTL's own forecast does), and the trend model runs
    forward over the rows with those seasons taken out."""
    decomposition = fitted.model_  # type: ignore[attr-defined]
    seasonal_cols = [c for c in decomposition.columns if c.startswith("seasonal")]
    seasons = np.zeros(len(y))
    fit_rows = fit_end - start
    for col, period in zip(seasonal_cols, fitted.season_length, strict=True):  # type: ignore[attr-defined]
        component = decomposition[col].to_numpy()
        last_cycle = component[-period:]
        ahead = np.arange(len(y) - fit_end)
        seasons[start:fit_end] += component[:fit_rows]
        seasons[fit_end:] += last_cycle[ahead % period]
    adjusted = y - seasons
    trend = fitted.trend_forecaster  # type: ignore[attr-defined]
    steps = np.arange(horizon)
    rows = []
    for t in ts:
        first = _window(start, t, fit_rows, 1)  # the trend model has no season
        mean = np.asarray(trend.forward(adjusted[first:t], h=horizon)["mean"])
        rows.append(mean + seasons[np.minimum(t + steps, len(y) - 1)])
    return np.stack(rows)


def _drift(y: np.ndarray, fit_end: int, ts: np.ndarray, horizon: int) -> np.ndarray | None:
    """A random walk with drift: the last value plus the average step of the fit rows."""
    start = fit_end - min(fit_end, FIT_ROWS)
    if fit_end - start < 2:
        return None
    slope = (y[fit_end - 1] - y[start]) / (fit_end - 1 - start)
    return y[ts - 1][:, None] + slope * np.arange(1, horizon + 1)[None, :]
