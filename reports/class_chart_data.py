"""What a classification report's charts show, as numbers (``chart_data``'s counterpart):
each class's mean shape with its spread, and the diagnostic runs' learning curves.

``reports.charts`` draws them; only it imports matplotlib.
"""

from __future__ import annotations

from advisor.reports.chart_data import (
    MAX_TITLE_BESIDE_LEGEND,
    MIN_CURVE_EPOCHS,
    Band,
    Line,
    LineChartData,
    Mark,
    short,
)
from advisor.reports.class_info import ClassDocumentInfo, ClassRunInfo, MeanCurveInfo

MAX_CLASS_PANELS = 12
"""Classes drawn; a file of 60 classes would draw a wall. The caption says how many more."""
MAX_CHANNELS_DRAWN = 3
"""Channels drawn in each class's panel: more lines and bands than this blur together."""


def _finite(values: tuple[float | None, ...]) -> list[float]:
    return [v for v in values if v is not None]


def _panel(name: str, curves: list[MeanCurveInfo]) -> LineChartData | None:
    drawn = [c for c in curves if _finite(c.mean)][:MAX_CHANNELS_DRAWN]
    if not drawn:
        return None
    lines, bands = [], []
    for c in drawn:
        points = len(c.mean)
        # Each sequence was resampled over its own length: the x axis is how far along
        # the sequence a point is, not a time step.
        x = tuple(i / max(1, points - 1) for i in range(points))
        lines.append(Line(short(c.channel, 20), x, c.mean))
        low = tuple(
            None if m is None or s is None else m - s for m, s in zip(c.mean, c.std, strict=False)
        )
        high = tuple(
            None if m is None or s is None else m + s for m, s in zip(c.mean, c.std, strict=False)
        )
        bands.append(Band(f"{short(c.channel, 20)} ± 1 std", x[: len(low)], low, high))
    count = drawn[0].sequences
    return LineChartData(
        title=f"{short(name, MAX_TITLE_BESIDE_LEGEND)} ({count} sequences)",
        x_label="position in the sequence",
        y_label="value",
        lines=tuple(lines),
        bands=tuple(bands),
        x_ticks=((0.0, "start"), (0.5, "middle"), (1.0, "end")),
    )


def class_shapes(info: ClassDocumentInfo) -> tuple[LineChartData, ...] | None:
    """One panel per class (the first ``MAX_CLASS_PANELS``): each channel's mean over the
    class's training sequences, shaded one standard deviation either side."""
    by_class: dict[str, list[MeanCurveInfo]] = {}
    for c in info.profile.mean_curves:
        by_class.setdefault(c.class_name, []).append(c)
    panels = [
        p
        for name in list(by_class)[:MAX_CLASS_PANELS]
        if (p := _panel(name, by_class[name])) is not None
    ]
    return tuple(panels) or None


def learning_curve(run: ClassRunInfo) -> LineChartData | None:
    """Training and validation cross-entropy per epoch, the best epoch marked."""
    train, val = run.train_loss, run.val_loss
    if max(len(_finite(train)), len(_finite(val))) < MIN_CURVE_EPOCHS:
        return None  # one epoch is a point, not a curve
    marks: tuple[Mark, ...] = ()
    if 1 <= run.best_epoch <= len(val) and (best := val[run.best_epoch - 1]) is not None:
        marks = (Mark(float(run.best_epoch), best, "best epoch (kept)"),)
    return LineChartData(
        title=f"{run.name}: {run.units} units, {run.train_fraction:.0%}",
        x_label="epoch",
        y_label="cross-entropy",
        lines=(
            Line("train", tuple(float(i + 1) for i in range(len(train))), train),
            Line("validation", tuple(float(i + 1) for i in range(len(val))), val, dashed=True),
        ),
        marks=marks,
    )


def learning_curves(info: ClassDocumentInfo) -> tuple[LineChartData, ...]:
    """One curve per diagnostic run that trained two epochs or more."""
    return tuple(c for c in map(learning_curve, info.diagnosis.runs) if c is not None)
