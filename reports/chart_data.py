"""What the report's charts show, as numbers: the first half of each chart.

Each function reads the typed document (``reports.info``) and returns plain numbers in
small frozen dataclasses, or ``None`` where that stage left nothing to draw; they are
cheap and tested on their numbers, as Optuna's visualisation builds an info record
before it plots. ``reports.charts`` draws them; only it imports matplotlib.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from advisor.reports.info import DocumentInfo, RunInfo

# Enough lags to show a weekly or monthly season twice without a wall of bars.
MIN_ACF_LAGS_SHOWN = 40
MAX_ACF_LAGS_SHOWN = 120
# A learning curve needs this many epochs to show a direction.
MIN_CURVE_EPOCHS = 2
# Long user-supplied names would push the plot area off the figure.
MAX_LABEL_CHARS = 60
# A title sharing its line with a legend: room for about this many characters.
MAX_TITLE_BESIDE_LEGEND = 30
# A long test split is unreadable as a whole: the forecast chart shows its last steps.
MAX_FORECAST_STEPS = 300
# The seasonal pattern needs this many full seasons to average over.
MIN_SEASONS = 3
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class Line:
    label: str
    x: tuple[float, ...]
    y: tuple[float | None, ...]
    """``None`` where the value is undefined (NaN in the run); drawn as a gap."""
    dashed: bool = False


@dataclass(frozen=True)
class Mark:
    """A highlighted point, e.g. the lowest validation loss."""

    x: float
    y: float
    label: str


@dataclass(frozen=True)
class RefLine:
    """A reference line across the plot: vertical on line charts, horizontal on bars."""

    at: float
    label: str


@dataclass(frozen=True)
class Band:
    """A shaded range around a line, e.g. the middle half of the seasons."""

    label: str
    x: tuple[float, ...]
    low: tuple[float | None, ...]
    high: tuple[float | None, ...]


@dataclass(frozen=True)
class LineChartData:
    title: str
    x_label: str
    y_label: str
    lines: tuple[Line, ...]
    marks: tuple[Mark, ...] = ()
    vlines: tuple[RefLine, ...] = ()
    x_ticks: tuple[tuple[float, str], ...] = ()
    """Explicit tick positions and labels (dates); empty lets matplotlib choose."""
    x_log2: bool = False
    y_log: bool = False
    bands: tuple[Band, ...] = ()
    zero_line: bool = False
    """A thin line at y = 0 (the seasonal pattern's "no effect" level)."""


@dataclass(frozen=True)
class BarChartData:
    title: str
    x_label: str
    y_label: str
    labels: tuple[str, ...]
    values: tuple[float | None, ...]
    highlighted: tuple[bool, ...]
    highlight_label: str
    band: float | None = None
    """Half-width of a shaded band around zero (the ACF's 95% confidence band)."""
    hlines: tuple[RefLine, ...] = ()


ChartData = LineChartData | BarChartData | tuple[LineChartData, ...]


def _finite(values: Sequence[float | None]) -> list[float]:
    return [v for v in values if v is not None and math.isfinite(v)]


def short(text: str, limit: int = MAX_LABEL_CHARS) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _tick_label(index: str) -> str:
    # Daily data carries a midnight time on every stamp; it says nothing.
    return index.removesuffix(" 00:00:00").removesuffix("T00:00:00")[:19]


def series_chart(info: DocumentInfo) -> LineChartData | None:
    """The target over time, with the train / validation / test boundaries."""
    series = info.series
    values = series.values
    if not _finite(values):
        return None
    x = tuple(float(i * series.step) for i in range(len(values)))
    index = series.index
    ticks: tuple[tuple[float, str], ...] = ()
    if len(index) == len(values) and len(values) > 1:
        picks = sorted({round(k * (len(values) - 1) / 4) for k in range(5)})
        ticks = tuple((x[i], _tick_label(index[i])) for i in picks)
    split = info.profile.split
    vlines = (
        RefLine(float(split.train), "validation"),
        RefLine(float(split.train + split.validation), "test"),
    )
    target = short(info.data.target)
    return LineChartData(
        title=target,
        x_label=short(info.data.time_column or "row"),
        y_label="value",
        lines=(Line(target, x, values),),
        vlines=vlines,
        x_ticks=ticks,
    )


def _moving_average(values: Sequence[float | None], window: int) -> list[float | None]:
    """Centred moving average over ``window`` points; a 2 x window average where the
    window is even (classical decomposition), so it stays centred on a point. ``None``
    where the window runs off either end or holds an undefined value."""
    weights = [1.0] * window if window % 2 else [0.5] + [1.0] * (window - 1) + [0.5]
    half, total = len(weights) // 2, sum(weights)
    out: list[float | None] = []
    for i in range(len(values)):
        span = values[i - half : i + half + 1] if i >= half else []
        if len(span) < len(weights) or any(v is None or not math.isfinite(v) for v in span):
            out.append(None)
        else:
            out.append(
                sum(w * v for w, v in zip(weights, span, strict=True) if v is not None) / total
            )
    return out


def _season_labels(info: DocumentInfo, period: int, first: str | None) -> tuple[str, ...] | None:
    """Month, weekday or hour names for the positions in a season, where the season is
    the calendar's own (12 months, 7 days, 24 hours) and the first time stamp parses."""
    freq = (info.data.frequency or "").lstrip("0123456789")
    if first is None:
        return None
    try:
        start = datetime.fromisoformat(first)
    except ValueError:
        return None
    if period == 12 and freq[:1] == "M":
        return tuple(MONTHS[(start.month - 1 + p) % 12] for p in range(period))
    if period == 7 and freq == "D":
        return tuple(WEEKDAYS[(start.weekday() + p) % 7] for p in range(period))
    if period == 24 and freq.lower() == "h":
        return tuple(f"{(start.hour + p) % 24:02d}:00" for p in range(period))
    return None


@dataclass(frozen=True)
class SeasonalPattern:
    """The average shape of one season, the slow trend taken out."""

    period: int
    labels: tuple[str, ...]
    """One per position in the season: a month, weekday or hour name, else 1..period."""
    mean: tuple[float | None, ...]
    low: tuple[float | None, ...]
    high: tuple[float | None, ...]
    """The middle half (quartiles) of the seasons at each position."""
    seasons: int
    """How many full seasons the averages rest on."""
    named: bool

    @property
    def peak(self) -> str:
        return self.labels[_arg(self.mean, max)]

    @property
    def trough(self) -> str:
        return self.labels[_arg(self.mean, min)]


def _arg(values: Sequence[float | None], pick: Any) -> int:
    defined = [(v, i) for i, v in enumerate(values) if v is not None]
    return int(pick(defined)[1])


def seasonal_pattern(info: DocumentInfo) -> SeasonalPattern | None:
    """Deviation from the trend by position in the season, from ``series`` and
    ``profile.seasonal_period``.

    The series in the document may be thinned to every ``step``-th row; point ``i`` is
    row ``i * step``, at position ``i * step % period`` in its season. The trend is a
    centred moving average over as many points as there are distinct positions, so
    every position weighs alike in it and the season cancels out of it.
    """
    period = info.profile.seasonal_period or 0
    values, step = info.series.values, info.series.step
    if period < 2 or not values:
        return None
    window = period // math.gcd(step, period)
    if len(values) < MIN_SEASONS * window:
        return None
    trend = _moving_average(values, window)
    by_position: list[list[float]] = [[] for _ in range(period)]
    for i, (v, t) in enumerate(zip(values, trend, strict=True)):
        if v is not None and t is not None and math.isfinite(v):
            by_position[i * step % period].append(v - t)
    if any(len(d) < 2 for d in by_position):
        return None  # a position seen in fewer than two seasons: no pattern to speak of
    quartiles = [statistics.quantiles(d, n=4) for d in by_position]
    index = info.series.index
    names = _season_labels(info, period, index[0] if index else None)
    return SeasonalPattern(
        period=period,
        labels=names or tuple(str(p + 1) for p in range(period)),
        mean=tuple(statistics.fmean(d) for d in by_position),
        low=tuple(q[0] for q in quartiles),
        high=tuple(q[2] for q in quartiles),
        seasons=min(len(d) for d in by_position),
        named=names is not None,
    )


def seasonal_chart(info: DocumentInfo) -> LineChartData | None:
    """The seasonal pattern as a line with its middle-half band, zero = the trend."""
    pattern = seasonal_pattern(info)
    if pattern is None:
        return None
    x = tuple(float(p + 1) for p in range(pattern.period))
    every = max(1, math.ceil(pattern.period / 12))
    return LineChartData(
        title=f"Seasonal pattern of {short(info.data.target, MAX_TITLE_BESIDE_LEGEND)}",
        x_label="position in the season",
        y_label="above or below the trend",
        lines=(Line("average season", x, pattern.mean),),
        bands=(Band("middle half of the seasons", x, pattern.low, pattern.high),),
        x_ticks=tuple((x[p], pattern.labels[p]) for p in range(0, pattern.period, every)),
        zero_line=True,
    )


def acf_lags_shown(info: DocumentInfo) -> int:
    profile = info.profile
    available = max(0, len(profile.acf) - 1)
    season = profile.seasonal_period or 0
    wanted = max(MIN_ACF_LAGS_SHOWN, 2 * season + 2)
    return min(available, wanted, MAX_ACF_LAGS_SHOWN)


def acf_chart(info: DocumentInfo) -> BarChartData | None:
    """Autocorrelation per lag; lag 0 (always 1) is left out.

    ``profile.acf[k]`` is lag ``k`` (statsmodels' convention, lag 0 first). Bars are
    marked significant from ``profile.significant_lags``, the probe's own decision.
    """
    profile = info.profile
    n = acf_lags_shown(info)
    if n < 1:
        return None
    significant = set(profile.significant_lags)
    lags = range(1, n + 1)
    return BarChartData(
        title="Autocorrelation",
        x_label="lag (steps back)",
        y_label="correlation",
        labels=tuple(str(k) for k in lags),
        values=tuple(profile.acf[k] for k in lags),
        highlighted=tuple(k in significant for k in lags),
        highlight_label="significant lag",
        band=profile.acf_confidence,
    )


def _best(values: Sequence[float | None]) -> float | None:
    finite = _finite(values)
    return min(finite) if finite else None


def _spans_decades(values: Sequence[float | None]) -> bool:
    finite = [v for v in _finite(values) if v > 0]
    return len(finite) == len(_finite(values)) and bool(finite) and max(finite) > 20 * min(finite)


def learning_curve(run: RunInfo) -> LineChartData | None:
    train, val = run.train_loss, run.val_loss
    if max(len(_finite(train)), len(_finite(val))) < MIN_CURVE_EPOCHS:
        return None  # one epoch is a point, not a curve
    marks: tuple[Mark, ...] = ()
    best = _best(val)
    if best is not None:
        marks = (Mark(float(val.index(best) + 1), best, "lowest validation loss"),)
    return LineChartData(
        title=f"{run.name}: {run.units} units, {run.train_fraction:.0%}",
        x_label="epoch",
        y_label="loss (MSE, scaled)",
        lines=(
            Line("train", tuple(float(i + 1) for i in range(len(train))), train),
            Line("validation", tuple(float(i + 1) for i in range(len(val))), val, dashed=True),
        ),
        marks=marks,
        y_log=_spans_decades(train + val),
    )


def learning_curves(info: DocumentInfo) -> list[LineChartData]:
    """One train/validation curve per diagnostic run; empty where none ran."""
    return [c for c in map(learning_curve, info.diagnosis.runs) if c is not None]


def _min_by(pairs: Sequence[tuple[float, float | None]]) -> dict[float, float]:
    """Lowest value per key, skipping undefined values."""
    best: dict[float, float] = {}
    for key, value in pairs:
        if value is not None and math.isfinite(value):
            best[key] = min(value, best.get(key, math.inf))
    return best


def _curve(points: dict[float, float], label: str) -> tuple[Line, Mark]:
    xs = tuple(sorted(points))
    ys = tuple(points[x] for x in xs)
    low = min(xs, key=lambda x: points[x])
    return Line(label, xs, ys), Mark(low, points[low], "lowest")


def capacity_curve(info: DocumentInfo) -> LineChartData | None:
    """Best validation loss per width, over runs that saw all training rows.

    A run's score is its lowest validation loss (early stopping keeps that epoch);
    where several runs share a width (other lookbacks) the best of them counts.
    """
    full = [r for r in info.diagnosis.runs if r.train_fraction >= 1.0]
    points = _min_by([(float(r.units), _best(r.val_loss)) for r in full])
    if len(points) < 2:
        return None
    line, mark = _curve(points, "best validation loss")
    return LineChartData(
        title="Capacity: validation loss by width",
        x_label="units (LSTM width)",
        y_label="best validation loss",
        lines=(line,),
        marks=(mark,),
        x_log2=True,
    )


def _data_size_units(runs: Sequence[RunInfo]) -> float | None:
    """The width trained at the most training fractions (the data-size sweep's width)."""
    fractions: dict[float, set[float]] = {}
    for r in runs:
        fractions.setdefault(float(r.units), set()).add(r.train_fraction)
    if not fractions:
        return None
    # Ties go to the wider model: a sweep is usually run at the chosen (larger) width.
    return max(fractions, key=lambda u: (len(fractions[u]), u))


def data_size_curve(info: DocumentInfo) -> LineChartData | None:
    """Best validation loss against the share of training rows, at one width."""
    runs = info.diagnosis.runs
    units = _data_size_units(runs)
    if units is None:
        return None
    same = [r for r in runs if float(r.units) == units]
    points = _min_by([(r.train_fraction, _best(r.val_loss)) for r in same])
    if len(points) < 2:
        return None
    line, _ = _curve(points, f"{int(units)} units")
    return LineChartData(
        title=f"Data size: validation loss at {int(units)} units",
        x_label="share of training rows used",
        y_label="best validation loss",
        lines=(line,),
        x_ticks=tuple((f, f"{f:.0%}") for f in line.x),
    )


def _best_baseline_val(info: DocumentInfo) -> tuple[str, float] | None:
    scored = [(b.name, b.val_rmse) for b in info.profile.baselines if b.val_rmse is not None]
    return min(scored, key=lambda nb: nb[1]) if scored else None


def trials_chart(info: DocumentInfo) -> BarChartData | None:
    """Validation RMSE of each verification trial, the advisor's suggestion marked."""
    trials = info.verification.trials if info.verification else ()
    if not trials:
        return None
    baseline = _best_baseline_val(info)
    hlines = () if baseline is None else (RefLine(baseline[1], f"baseline: {baseline[0]}"),)
    return BarChartData(
        title="Verification trials",
        x_label="trial",
        y_label="validation RMSE",
        labels=tuple(str(i + 1) for i in range(len(trials))),
        values=tuple(t.val_rmse for t in trials),
        highlighted=tuple(t.is_suggestion for t in trials),
        highlight_label="the advisor's suggestion",
        hlines=hlines,
    )


def forecast_chart(info: DocumentInfo) -> LineChartData | None:
    """The final model's test forecast against the actual values."""
    if info.final is None:
        return None
    predicted, actual = info.final.predicted, info.final.actual
    if not _finite(predicted) or not _finite(actual):
        return None
    first = max(0, max(len(actual), len(predicted)) - MAX_FORECAST_STEPS)
    actual, predicted = actual[first:], predicted[first:]
    title = f"Test forecast of {short(info.data.target, MAX_TITLE_BESIDE_LEGEND)}"
    if first:
        title += f" (last {MAX_FORECAST_STEPS} steps)"
    return LineChartData(
        title=title,
        x_label="test step",
        y_label="value",
        lines=(
            Line("actual", tuple(float(first + i + 1) for i in range(len(actual))), actual),
            Line(
                "forecast",
                tuple(float(first + i + 1) for i in range(len(predicted))),
                predicted,
                True,
            ),
        ),
    )
