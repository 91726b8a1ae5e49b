"""What every section shares: number and evidence formatting, the table and chart types,
and the final model's test comparison with the best baseline, which three sections quote.

Strings built here are plain text: escaping is the renderer's job.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from advisor.reports.chart_data import ChartData
from advisor.reports.info import DocumentInfo, Scalar, defined


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    highlight: tuple[bool, ...] = ()
    """Per row: draw it emphasised (the suggestion, the best score)."""


@dataclass(frozen=True)
class ChartView:
    key: str
    """Unique on the page: the HTML id and the SVG id salt."""
    title: str
    caption: str
    """One sentence saying what the chart shows."""
    data: ChartData


def chart(key: str, title: str, caption: str, data: ChartData | None) -> list[ChartView]:
    """The chart as a one-item list, or none where its stage left nothing to draw."""
    return [] if data is None else [ChartView(key, title, caption, data)]


# ----------------------------------------------------------------------- formatting


def fmt(x: float | int | None, digits: int = 3) -> str:
    """A number with ``digits`` significant digits (no padding zeros), thousands
    separated; "n/a" where the document holds no value (JSON null for NaN)."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, int) or abs(x) >= 10**digits:
        return f"{x:,.0f}"
    return f"{x:.{digits}g}"


def pct(x: float | None, digits: int = 0) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{x:.{digits}%}"


def score(x: float | None) -> str:
    """A score between 0 and 1 (an F1) with two decimals: 1.00 beside 0.67, not 1."""
    return "n/a" if x is None or not math.isfinite(x) else f"{x:.2f}"


def seconds(s: float | None) -> str:
    """A duration for people: ``2.4 s``, ``95 s``."""
    if s is None or not math.isfinite(s):
        return "n/a"
    if s < 0.05:
        return "under 0.1 s"  # "0.0 s" reads as "not measured"
    return f"{s:.1f} s" if s < 10 else f"{s:,.0f} s"


def p_value(p: float) -> str:
    """A p-value as statisticians write it."""
    return "< 0.001" if p < 0.001 else f"{p:.2g}"


def plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else plural or word + 's'}"


def as_typed(x: object) -> str:
    """A setting as the user would type it (0.001, 1e-05, 64)."""
    return f"{x:g}" if isinstance(x, float) else str(x)


def _evidence_value(v: Scalar) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    return fmt(v) if isinstance(v, int | float) else str(v)


def evidence_words(evidence: Sequence[tuple[str, Scalar]], seen: set[str] | None = None) -> str:
    """``name = value`` pairs; names already in ``seen`` are left out (and added to it)."""
    seen = set() if seen is None else seen
    pairs = []
    for k, v in evidence:
        if k not in seen:
            seen.add(k)
            pairs.append(f"{k} = {_evidence_value(v)}")
    return ", ".join(pairs)


def and_(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# ------------------------------------------------------------------- comparisons


@dataclass(frozen=True)
class Comparison:
    """The final model's test RMSE against the best baseline's."""

    model_rmse: float
    baseline: str
    baseline_rmse: float

    @property
    def change(self) -> float:
        """Relative difference; negative means the LSTM's error is lower."""
        return (self.model_rmse - self.baseline_rmse) / self.baseline_rmse

    @property
    def lstm_wins(self) -> bool:
        return self.model_rmse < self.baseline_rmse


def compare_to_baselines(info: DocumentInfo) -> Comparison | None:
    final = info.final
    if final is None:
        return None
    model = final.test_metrics.get("rmse")
    scored = [
        (name, rmse)
        for name, m in final.baseline_test_metrics.items()
        if defined(rmse := m.get("rmse"))
    ]
    if not defined(model) or not scored:
        return None
    name, rmse = min(scored, key=lambda nr: nr[1])
    if rmse <= 0:
        return None  # a perfect baseline leaves no meaningful ratio
    return Comparison(model, name, rmse)


def comparison_words(c: Comparison) -> str:
    direction = "lower" if c.lstm_wins else "higher"
    return (
        f"On the held-out test rows the LSTM's RMSE is {fmt(c.model_rmse)}, "
        f"{pct(abs(c.change))} {direction} than the best baseline "
        f"({c.baseline}: {fmt(c.baseline_rmse)})."
    )
