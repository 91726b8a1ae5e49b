"""Charts for the report, in two halves.

The *data* functions read ``recommendation.json`` (a dict) and return plain numbers in
small frozen dataclasses, or ``None`` where that stage left nothing to draw; they are
cheap and tested on their numbers. The *drawing* functions turn those into inline SVG
strings with matplotlib; they are the only place matplotlib is imported.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# Enough lags to show a weekly or monthly season twice without a wall of bars.
MIN_ACF_LAGS_SHOWN = 40
MAX_ACF_LAGS_SHOWN = 120
# More points than this are invisible at report width and only bloat the SVG.
MAX_DRAWN_POINTS = 500
# Long user-supplied names would push the plot area off the figure.
MAX_LABEL_CHARS = 60


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


def _floats(values: Sequence[Any]) -> tuple[float | None, ...]:
    return tuple(None if v is None else float(v) for v in values)


def _finite(values: Sequence[float | None]) -> list[float]:
    return [v for v in values if v is not None and math.isfinite(v)]


def _short(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= MAX_LABEL_CHARS else text[: MAX_LABEL_CHARS - 1] + "…"


def _tick_label(index: str) -> str:
    # Daily data carries a midnight time on every stamp; it says nothing.
    return index.removesuffix(" 00:00:00").removesuffix("T00:00:00")[:19]


def series_chart(doc: dict[str, Any]) -> LineChartData | None:
    """The target over time, with the train / validation / test boundaries."""
    series = doc.get("series")
    if not series or not _finite(_floats(series.get("values", []))):
        return None
    step = int(series.get("step", 1)) or 1
    values = _floats(series["values"])
    x = tuple(float(i * step) for i in range(len(values)))
    index = list(series.get("index", []))
    ticks: tuple[tuple[float, str], ...] = ()
    if len(index) == len(values) and len(values) > 1:
        picks = sorted({round(k * (len(values) - 1) / 4) for k in range(5)})
        ticks = tuple((x[i], _tick_label(str(index[i]))) for i in picks)
    vlines: tuple[RefLine, ...] = ()
    split = (doc.get("profile") or {}).get("split")
    if split:
        vlines = (
            RefLine(float(split["train"]), "validation starts"),
            RefLine(float(split["train"] + split["validation"]), "test starts"),
        )
    target = _short(doc["data"]["target"])
    return LineChartData(
        title=target,
        x_label="row",
        y_label=target,
        lines=(Line(target, x, values),),
        vlines=vlines,
        x_ticks=ticks,
    )


def acf_lags_shown(doc: dict[str, Any]) -> int:
    profile = doc["profile"]
    available = max(0, len(profile.get("acf") or []) - 1)
    season = profile.get("seasonal_period") or 0
    wanted = max(MIN_ACF_LAGS_SHOWN, 2 * season + 2)
    return min(available, wanted, MAX_ACF_LAGS_SHOWN)


def acf_chart(doc: dict[str, Any]) -> BarChartData | None:
    """Autocorrelation per lag; lag 0 (always 1) is left out.

    ``profile.acf[k]`` is lag ``k`` (statsmodels' convention, lag 0 first). Bars are
    marked significant from ``profile.significant_lags``, the probe's own decision.
    """
    profile = doc.get("profile") or {}
    acf = _floats(profile.get("acf") or [])
    n = acf_lags_shown(doc) if profile else 0
    if n < 1:
        return None
    significant = set(profile.get("significant_lags") or [])
    lags = range(1, n + 1)
    return BarChartData(
        title="Autocorrelation",
        x_label="lag (steps back)",
        y_label="correlation",
        labels=tuple(str(k) for k in lags),
        values=tuple(acf[k] for k in lags),
        highlighted=tuple(k in significant for k in lags),
        highlight_label="significant lag",
        band=profile.get("acf_confidence"),
    )


def _best(values: Sequence[float | None]) -> float | None:
    finite = _finite(values)
    return min(finite) if finite else None


def _runs(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return list((doc.get("diagnosis") or {}).get("runs") or [])


def _spans_decades(values: Sequence[float | None]) -> bool:
    finite = [v for v in _finite(values) if v > 0]
    return len(finite) == len(_finite(values)) and bool(finite) and max(finite) > 20 * min(finite)


def learning_curve(run: dict[str, Any]) -> LineChartData | None:
    train, val = _floats(run.get("train_loss") or []), _floats(run.get("val_loss") or [])
    if not _finite(train) and not _finite(val):
        return None
    marks: tuple[Mark, ...] = ()
    best = _best(val)
    if best is not None:
        marks = (Mark(float(val.index(best) + 1), best, "lowest validation loss"),)
    return LineChartData(
        title=_short(f"{run['name']}: {run['units']} units, {run['train_fraction']:.0%} of train"),
        x_label="epoch",
        y_label="loss (MSE, scaled)",
        lines=(
            Line("train", tuple(float(i + 1) for i in range(len(train))), train),
            Line("validation", tuple(float(i + 1) for i in range(len(val))), val, dashed=True),
        ),
        marks=marks,
        y_log=_spans_decades(train + val),
    )


def learning_curves(doc: dict[str, Any]) -> list[LineChartData]:
    """One train/validation curve per diagnostic run; empty where none ran."""
    return [c for c in (learning_curve(r) for r in _runs(doc)) if c is not None]


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


def capacity_curve(doc: dict[str, Any]) -> LineChartData | None:
    """Best validation loss per width, over runs that saw all training rows.

    A run's score is its lowest validation loss (early stopping keeps that epoch);
    where several runs share a width (other lookbacks) the best of them counts.
    """
    full = [r for r in _runs(doc) if float(r["train_fraction"]) >= 1.0]
    points = _min_by([(float(r["units"]), _best(_floats(r["val_loss"] or []))) for r in full])
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


def _data_size_units(runs: Sequence[dict[str, Any]]) -> float | None:
    """The width trained at the most training fractions (the data-size sweep's width)."""
    fractions: dict[float, set[float]] = {}
    for r in runs:
        fractions.setdefault(float(r["units"]), set()).add(float(r["train_fraction"]))
    if not fractions:
        return None
    # Ties go to the wider model: a sweep is usually run at the chosen (larger) width.
    return max(fractions, key=lambda u: (len(fractions[u]), u))


def data_size_curve(doc: dict[str, Any]) -> LineChartData | None:
    """Best validation loss against the share of training rows, at one width."""
    runs = _runs(doc)
    units = _data_size_units(runs)
    if units is None:
        return None
    same = [r for r in runs if float(r["units"]) == units]
    points = _min_by(
        [(float(r["train_fraction"]), _best(_floats(r["val_loss"] or []))) for r in same]
    )
    if len(points) < 2:
        return None
    line, _ = _curve(points, f"{int(units)} units")
    return LineChartData(
        title=f"Data size: validation loss at {int(units)} units",
        x_label="share of training rows used",
        y_label="best validation loss",
        lines=(line,),
    )


def _best_baseline_val(doc: dict[str, Any]) -> tuple[str, float] | None:
    scored = [
        (b["name"], float(b["val_rmse"]))
        for b in (doc.get("profile") or {}).get("baselines") or []
        if b.get("val_rmse") is not None
    ]
    return min(scored, key=lambda nb: nb[1]) if scored else None


def trials_chart(doc: dict[str, Any]) -> BarChartData | None:
    """Validation RMSE of each verification trial, the advisor's suggestion marked."""
    ver = doc.get("verification")
    trials = list((ver or {}).get("trials") or [])
    if not trials:
        return None
    baseline = _best_baseline_val(doc)
    hlines = () if baseline is None else (RefLine(baseline[1], f"baseline: {baseline[0]}"),)
    return BarChartData(
        title="Verification trials",
        x_label="trial",
        y_label="validation RMSE",
        labels=tuple(str(i + 1) for i in range(len(trials))),
        values=_floats([t.get("val_rmse") for t in trials]),
        highlighted=tuple(bool(t.get("is_suggestion")) for t in trials),
        highlight_label="the advisor's suggestion",
        hlines=hlines,
    )


def forecast_chart(doc: dict[str, Any]) -> LineChartData | None:
    """The final model's test forecast against the actual values."""
    final = doc.get("final")
    forecast = (final or {}).get("forecast") or {}
    predicted, actual = _floats(forecast.get("predicted") or []), _floats(forecast.get("actual") or [])
    if not _finite(predicted) or not _finite(actual):
        return None
    return LineChartData(
        title="Test forecast",
        x_label="test step",
        y_label=_short(doc["data"]["target"]),
        lines=(
            Line("actual", tuple(float(i + 1) for i in range(len(actual))), actual),
            Line("forecast", tuple(float(i + 1) for i in range(len(predicted))), predicted, True),
        ),
    )


# ------------------------------------------------------------------------ drawing

_COLOURS = ("#1f4e79", "#d9822b", "#5b8c3a", "#8e44ad")
_MUTED = "#a9b8c8"
_RC = {
    "svg.fonttype": "none",  # text stays text: small, selectable, escaped by matplotlib
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],  # one family name instead of a long fallback list
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
_PROLOG = re.compile(r"^.*?(?=<svg\b)", re.DOTALL)
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)
# Inline SVG in HTML needs no namespace declarations; without them the page holds no URL.
_XMLNS = re.compile(r'\s+xmlns(:\w+)?="[^"]*"')


def _mpl_text(text: str) -> str:
    """A data string as literal matplotlib text: a ``$`` would start mathtext."""
    return _short(text).replace("$", r"\$")


def _thin(x: Sequence[float], y: Sequence[float | None]) -> tuple[list[float], list[float]]:
    """Every k-th point, so no line carries more than MAX_DRAWN_POINTS; None becomes a gap."""
    k = max(1, math.ceil(len(y) / MAX_DRAWN_POINTS))
    ys = [math.nan if v is None else v for v in y[::k]]
    return list(x[::k])[: len(ys)], ys


def _new_figure(width: float, height: float) -> Figure:
    # The object API, not pyplot: no global figure registry to leak into, and the
    # caller's backend (e.g. a notebook's) is never switched.
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _to_svg(fig: Figure, salt: str) -> str:
    import matplotlib

    buf = io.StringIO()
    # A distinct salt per chart keeps element ids unique across SVGs on one page.
    with matplotlib.rc_context({"svg.hashsalt": salt, "svg.fonttype": "none"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    fig.clear()
    svg = _METADATA.sub("", _PROLOG.sub("", buf.getvalue(), count=1), count=1)
    return _XMLNS.sub("", svg, count=3).strip()


def _draw_lines(ax: Axes, chart: LineChartData, title: bool = True) -> None:
    for i, line in enumerate(chart.lines):
        x, y = _thin(line.x, line.y)
        ax.plot(x, y, color=_COLOURS[i % len(_COLOURS)], linewidth=1.2,
                linestyle="--" if line.dashed else "-", label=_mpl_text(line.label))
    for ref in chart.vlines:
        ax.axvline(ref.at, color="#777777", linestyle=":", linewidth=1)
        ax.annotate(_mpl_text(ref.label), (ref.at, 1.0), xycoords=("data", "axes fraction"),
                    xytext=(3, -10), textcoords="offset points", fontsize=7, color="#555555")
    for mark in chart.marks:
        ax.plot([mark.x], [mark.y], marker="o", color="#c0392b", markersize=5, linestyle="none",
                label=_mpl_text(mark.label))
    if chart.x_log2:
        ax.set_xscale("log", base=2)
        ticks = sorted({x for line in chart.lines for x in line.x})
        ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
        ax.minorticks_off()
    if chart.y_log:
        ax.set_yscale("log")
    if chart.x_ticks:
        ax.set_xticks([t for t, _ in chart.x_ticks], [_mpl_text(s) for _, s in chart.x_ticks])
    else:
        ax.locator_params(axis="x", nbins=6)
    _label(ax, chart.title if title else "", chart.x_label, chart.y_label)
    if len(chart.lines) > 1 or chart.marks:
        ax.legend(fontsize=7, frameon=False)


def _label(ax: Axes, title: str, x_label: str, y_label: str) -> None:
    if title:
        ax.set_title(_mpl_text(title), fontsize=9, loc="left")
    ax.set_xlabel(_mpl_text(x_label))
    ax.set_ylabel(_mpl_text(y_label))


def draw_line_chart(chart: LineChartData, salt: str = "line") -> str:
    import matplotlib

    with matplotlib.rc_context(_RC):
        fig = _new_figure(7.0, 2.6)
        _draw_lines(fig.add_subplot(), chart)
        return _to_svg(fig, salt)


def draw_small_multiples(charts: Sequence[LineChartData], salt: str = "multi") -> str:
    """Several line charts in one grid, one SVG: far smaller than one SVG each."""
    import matplotlib

    cols = min(3, len(charts))
    rows = math.ceil(len(charts) / cols)
    with matplotlib.rc_context({**_RC, "font.size": 7}):
        fig = _new_figure(7.0, 2.0 * rows + 0.2)
        for i, chart in enumerate(charts):
            ax = fig.add_subplot(rows, cols, i + 1)
            _draw_lines(ax, chart)
            if i:  # one legend is enough; every panel uses the same styles
                legend = ax.get_legend()
                if legend is not None:
                    legend.remove()
        return _to_svg(fig, salt)


def draw_bar_chart(chart: BarChartData, salt: str = "bar") -> str:
    import matplotlib

    with matplotlib.rc_context(_RC):
        fig = _new_figure(7.0, 2.4)
        ax = fig.add_subplot()
        x = list(range(len(chart.values)))
        heights = [math.nan if v is None else v for v in chart.values]
        colours = [_COLOURS[0] if h else _MUTED for h in chart.highlighted]
        ax.bar(x, heights, color=colours, width=0.8)
        if any(chart.highlighted):
            # An invisible bar just to put the highlight colour in the legend.
            ax.bar([0], [0], color=_COLOURS[0], label=_mpl_text(chart.highlight_label))
        if chart.band is not None:
            ax.axhspan(-chart.band, chart.band, color="#dddddd", zorder=0,
                       label="95% band (noise)")
            ax.axhline(0, color="#555555", linewidth=0.6)
        for i, ref in enumerate(chart.hlines):
            ax.axhline(ref.at, color=_COLOURS[1 + i % 3], linestyle="--", linewidth=1,
                       label=_mpl_text(ref.label))
        step = max(1, math.ceil(len(x) / 12))  # few ticks stay readable
        ax.set_xticks(x[::step], [_mpl_text(s) for s in chart.labels[::step]])
        _label(ax, chart.title, chart.x_label, chart.y_label)
        ax.legend(fontsize=7, frameon=False)
        return _to_svg(fig, salt)


def draw(chart: ChartData, salt: str) -> str:
    """Any chart's SVG; ``salt`` must differ between charts on one page."""
    if isinstance(chart, BarChartData):
        return draw_bar_chart(chart, salt)
    if isinstance(chart, LineChartData):
        return draw_line_chart(chart, salt)
    return draw_small_multiples(chart, salt)
