"""The report's charts as inline SVG: the drawing half (``chart_data`` has the numbers).

Every function here turns a chart-data record into an SVG string with matplotlib, the
only module that imports it (lazily, so a report without charts never loads it). The
SVG keeps its text as text, escaped by matplotlib, and its element ids are prefixed per
chart so several charts share one page without clashing.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from advisor.reports.chart_data import (
    MAX_LABEL_CHARS,
    BarChartData,
    ChartData,
    LineChartData,
    short,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# More points than this are invisible at report width and only bloat the SVG.
MAX_DRAWN_POINTS = 500
# Lines with this few points are measurements (widths, fractions): dot each one.
MAX_MARKED_POINTS = 8
# Room for at least this many bars, so a lone trial does not look like a wall.
MIN_BAR_SLOTS = 6

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
    return short(text, limit).replace("$", r"\$")


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
    # Band i shades around line i (its colour): a class's shape per channel, say.
    for i, band in enumerate(chart.bands):
        nan = math.nan
        ax.fill_between(
            list(band.x),
            [nan if v is None else v for v in band.low],
            [nan if v is None else v for v in band.high],
            color=_COLOURS[i % len(_COLOURS)],
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
