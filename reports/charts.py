"""Charts for the report, in two halves.

The *data* functions read the typed document (``reports.info``) and return plain numbers
in small frozen dataclasses, or ``None`` where that stage left nothing to draw; they are
cheap and tested on their numbers. The *drawing* functions turn those into inline SVG
strings with matplotlib; they are the only place matplotlib is imported.
"""

from __future__ import annotations

import io
import math
import re
import statistics
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from advisor.reports.info import DocumentInfo, RunInfo

# Enough lags to show a weekly or monthly season twice without a wall of bars.
MIN_ACF_LAGS_SHOWN = 40
MAX_ACF_LAGS_SHOWN = 120
# More points than this are invisible at report width and only bloat the SVG.
MAX_DRAWN_POINTS = 500
# A learning curve needs this many epochs to show a direction.
MIN_CURVE_EPOCHS = 2
# Lines with this few points are measurements (widths, fractions): dot each one.
MAX_MARKED_POINTS = 8
# Room for at least this many bars, so a lone trial does not look like a wall.
MIN_BAR_SLOTS = 6
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


# --------------------------------------------------------------------------- data


def _finite(values: Sequence[float | None]) -> list[float]:
    return [v for v in values if v is not None and math.isfinite(v)]


def _short(text: str, limit: int = MAX_LABEL_CHARS) -> str:
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
    target = _short(info.data.target)
    return LineChartData(
        title=target,
        x_label=_short(info.data.time_column or "row"),
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
        title=f"Seasonal pattern of {_short(info.data.target, MAX_TITLE_BESIDE_LEGEND)}",
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
    title = f"Test forecast of {_short(info.data.target, MAX_TITLE_BESIDE_LEGEND)}"
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


# ------------------------------------------------------------------------ drawing

_COLOURS = ("#1f4e79", "#d9822b", "#5b8c3a", "#8e44ad")
_MUTED = "#a9b8c8"
_RC: dict[str, Any] = {
    "svg.fonttype": "none",  # text stays text: small, selectable, escaped by matplotlib
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],  # one family name instead of a long fallback list
    "axes.titlesize": "medium",
    "axes.spines.top": False,
    "axes.spines.right": False,
}
_PROLOG = re.compile(r"^.*?(?=<svg\b)", re.DOTALL)
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)
# Inline SVG in HTML needs no namespace declarations; without them the page holds no URL.
_XMLNS = re.compile(r'\s+xmlns(:\w+)?="[^"]*"')
# Text nodes cannot hold "<" (matplotlib escapes it), so this finds tags and only tags.
_TAG = re.compile(r"<[^<>]+>")
_ID = re.compile(r'\sid="([^"]+)"')
_URL_REF = re.compile(r"url\(#([^)]+)\)")
_HREF_REF = re.compile(r'href="#([^"]+)"')


def _style(font_size: int = 9) -> AbstractContextManager[None]:
    import matplotlib

    # Typed loosely: matplotlib's stubs spell every rc key as a Literal.
    params: Any = {**_RC, "font.size": font_size}
    return matplotlib.rc_context(params)


def _mpl_text(text: str, limit: int = MAX_LABEL_CHARS) -> str:
    """A data string as literal matplotlib text: a ``$`` would start mathtext."""
    return _short(text, limit).replace("$", r"\$")


def _thin(x: Sequence[float], y: Sequence[float | None]) -> tuple[list[float], list[float]]:
    """Every k-th point, so no line carries more than MAX_DRAWN_POINTS; None becomes a gap."""
    k = max(1, math.ceil(len(y) / MAX_DRAWN_POINTS))
    ys = [math.nan if v is None else v for v in y[::k]]
    return list(x[::k])[: len(ys)], ys


# Fixed margins in inches rather than a layout engine: constrained layout measured every
# text again and tripled the drawing time. Tick labels stay short (matplotlib moves large
# magnitudes into an offset label), so fixed room suffices.
_MARGINS = (0.75, 0.15, 0.5, 0.35)  # left, right, bottom, top (title and legend line)
_GAPS = (0.55, 0.6)  # between panels: across, down
# A panel of a 3-wide grid holds about this many characters of 7-point title.
_PANEL_TITLE_CHARS = 32


def _new_figure(
    width: float, height: float, rows: int = 1, cols: int = 1, top: float = _MARGINS[3]
) -> Figure:
    # The object API, not pyplot: no global figure registry to leak into, and the
    # caller's backend (e.g. a notebook's) is never switched.
    from matplotlib.figure import Figure

    left, right, bottom, _ = _MARGINS
    panel_w = (width - left - right - (cols - 1) * _GAPS[0]) / cols
    panel_h = (height - bottom - top - (rows - 1) * _GAPS[1]) / rows
    fig = Figure(figsize=(width, height))
    fig.subplots_adjust(
        left=left / width,
        right=1 - right / width,
        bottom=bottom / height,
        top=1 - top / height,
        wspace=_GAPS[0] / panel_w,
        hspace=_GAPS[1] / panel_h,
    )
    return fig


def _prefix_ids(svg: str, prefix: str) -> str:
    """Every id and reference to it prefixed: several SVGs share one page's id space,
    and matplotlib names the groups of every figure alike (figure_1, axes_1, ...).
    Only tags are rewritten: text nodes hold user strings and stay exactly as drawn."""

    def tag(m: re.Match[str]) -> str:
        t = _ID.sub(lambda a: f' id="{prefix}-{a[1]}"', m[0])
        t = _URL_REF.sub(lambda a: f"url(#{prefix}-{a[1]})", t)
        return _HREF_REF.sub(lambda a: f'href="#{prefix}-{a[1]}"', t)

    return _TAG.sub(tag, svg)


def _to_svg(fig: Figure, salt: str) -> str:
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": salt, "svg.fonttype": "none"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    fig.clear()
    svg = _METADATA.sub("", _PROLOG.sub("", buf.getvalue(), count=1), count=1)
    root_end = svg.index(">")
    svg = _XMLNS.sub("", svg[:root_end]) + svg[root_end:]
    return _prefix_ids(svg, salt).strip()


def _legend_above(ax: Axes) -> None:
    """The legend on the title's line, right-aligned: it never hides the data."""
    ax.legend(
        loc="lower right",
        bbox_to_anchor=(1.0, 1.0),
        ncols=4,
        fontsize=7,
        frameon=False,
        borderaxespad=0.1,
        handlelength=1.6,
    )


def _draw_lines(ax: Axes, chart: LineChartData, title_chars: int = MAX_LABEL_CHARS) -> None:
    for band in chart.bands:
        nan = math.nan
        ax.fill_between(
            list(band.x),
            [nan if v is None else v for v in band.low],
            [nan if v is None else v for v in band.high],
            color=_COLOURS[0],
            alpha=0.15,
            linewidth=0,
            label=_mpl_text(band.label),
        )
    if chart.zero_line:
        ax.axhline(0, color="#777777", linewidth=0.6)
    for i, line in enumerate(chart.lines):
        x, y = _thin(line.x, line.y)
        ax.plot(
            x,
            y,
            color=_COLOURS[i % len(_COLOURS)],
            linewidth=1.2,
            linestyle="--" if line.dashed else "-",
            label=_mpl_text(line.label),
            # A handful of measured points: show where the measurements are.
            marker="o" if len(x) <= MAX_MARKED_POINTS else None,
            markersize=3,
        )
    for ref in chart.vlines:
        ax.axvline(ref.at, color="#777777", linestyle=":", linewidth=1)
        ax.annotate(
            _mpl_text(ref.label),
            (ref.at, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(3, -10),
            textcoords="offset points",
            fontsize=7,
            color="#555555",
        )
    for mark in chart.marks:
        ax.plot(
            [mark.x],
            [mark.y],
            marker="o",
            color="#c0392b",
            markersize=5,
            linestyle="none",
            label=_mpl_text(mark.label),
        )
    if chart.x_log2:
        ax.set_xscale("log", base=2)
        ticks = sorted({x for line in chart.lines for x in line.x})
        ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
        ax.minorticks_off()
    if chart.y_log:
        ax.set_yscale("log")
    if chart.x_ticks:
        ax.set_xticks([t for t, _ in chart.x_ticks], [_mpl_text(s) for _, s in chart.x_ticks])
    elif not chart.x_log2:
        from matplotlib.ticker import MaxNLocator

        # Epochs and steps are counts: no tick at epoch 0.975.
        xs = sorted({v for line in chart.lines for v in line.x})
        counts = all(v.is_integer() for v in xs)
        if counts and len(xs) <= 5:
            ax.set_xticks(xs, [f"{v:g}" for v in xs])
        else:
            ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=counts))
    if not chart.y_log:
        ax.locator_params(axis="y", nbins=4)
    ax.set_title(_mpl_text(chart.title, title_chars), loc="left")
    ax.set_xlabel(_mpl_text(chart.x_label))
    ax.set_ylabel(_mpl_text(chart.y_label))


def draw_line_chart(chart: LineChartData, salt: str = "line") -> str:
    with _style():
        fig = _new_figure(7.0, 2.6)
        ax = fig.add_subplot()
        _draw_lines(ax, chart)
        if len(chart.lines) > 1 or chart.marks or chart.bands:
            _legend_above(ax)
        return _to_svg(fig, salt)


def draw_small_multiples(charts: Sequence[LineChartData], salt: str = "multi") -> str:
    """Several line charts in one grid, one SVG: far smaller than one SVG each."""
    cols = min(3, len(charts))
    rows = math.ceil(len(charts) / cols)
    with _style(font_size=7):
        fig = _new_figure(7.0, 1.8 * rows + 0.4, rows, cols, top=0.55)
        axes = []
        for i, chart in enumerate(charts):
            ax = fig.add_subplot(rows, cols, i + 1)
            _draw_lines(ax, chart, title_chars=_PANEL_TITLE_CHARS)
            # Axis names once per row and column: the panels share their meaning.
            if i % cols:
                ax.set_ylabel("")
            if i < len(charts) - cols:
                ax.set_xlabel("")
            axes.append(ax)
        # One legend for the grid: every panel uses the same styles.
        handles, labels = max(
            (ax.get_legend_handles_labels() for ax in axes), key=lambda hl: len(hl[0])
        )
        fig.legend(handles, labels, loc="upper center", ncols=4, frameon=False, fontsize=7)
        return _to_svg(fig, salt)


def _bar_legend(ax: Axes, chart: BarChartData) -> None:
    from matplotlib.patches import Patch

    handles: list[Any] = []
    if any(chart.highlighted):
        handles.append(Patch(color=_COLOURS[0], label=_mpl_text(chart.highlight_label)))
    if chart.band is not None:
        handles.append(Patch(color="#dddddd", label="95% band (noise)"))
    handles += [line for line in ax.get_lines() if not str(line.get_label()).startswith("_")]
    if handles:
        ax.legend(
            handles=handles,
            loc="lower right",
            bbox_to_anchor=(1.0, 1.0),
            ncols=4,
            fontsize=7,
            frameon=False,
            borderaxespad=0.1,
            handlelength=1.6,
        )


def draw_bar_chart(chart: BarChartData, salt: str = "bar") -> str:
    with _style():
        fig = _new_figure(7.0, 2.4)
        ax = fig.add_subplot()
        x = list(range(len(chart.values)))
        heights = [math.nan if v is None else v for v in chart.values]
        colours = [_COLOURS[0] if h else _MUTED for h in chart.highlighted]
        ax.bar(x, heights, color=colours, width=0.8)
        # With one or two trials a bar would otherwise fill the whole width.
        ax.set_xlim(-0.6, max(len(x), MIN_BAR_SLOTS) - 0.4)
        if chart.band is not None:
            ax.axhspan(-chart.band, chart.band, color="#dddddd", zorder=0)
            ax.axhline(0, color="#555555", linewidth=0.6)
        for i, ref in enumerate(chart.hlines):
            ax.axhline(
                ref.at,
                color=_COLOURS[1 + i % 3],
                linestyle="--",
                linewidth=1,
                label=_mpl_text(ref.label),
            )
        step = max(1, math.ceil(len(x) / 12))  # few ticks stay readable
        ax.locator_params(axis="y", nbins=4)
        ax.set_xticks(x[::step], [_mpl_text(s) for s in chart.labels[::step]])
        ax.set_title(_mpl_text(chart.title), loc="left")
        ax.set_xlabel(_mpl_text(chart.x_label))
        ax.set_ylabel(_mpl_text(chart.y_label))
        _bar_legend(ax, chart)
        return _to_svg(fig, salt)


def draw(chart: ChartData, salt: str) -> str:
    """Any chart's SVG; ``salt`` must differ between charts on one page."""
    if isinstance(chart, BarChartData):
        return draw_bar_chart(chart, salt)
    if isinstance(chart, LineChartData):
        return draw_line_chart(chart, salt)
    return draw_small_multiples(chart, salt)
