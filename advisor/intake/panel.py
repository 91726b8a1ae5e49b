"""A long file of many related series (``--series-col``): several stores, sensors or
meters, one row per (series, time step).

Each series is read as a file of its own would be (the same cells, time, target and
cleaning stages, its messages naming the series), from the same cells, so a series
whose rows are bad is refused with its id. The series keep the file's order of first
appearance.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from advisor.core.errors import AdvisorInputError
from advisor.core.records import SeriesData, Settings
from advisor.intake.cells import read_cells


@dataclass(frozen=True, eq=False)
class Panel:
    """The series of one file, by id, in the order they first appear."""

    path: str
    series_col: str
    series: dict[str, SeriesData]
    csv: dict[str, bytes]
    """Each series' rows as the CSV it was read from (without the series column)."""

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self.series)


def read_panel(raw: bytes, series_col: str, settings: Settings, source: str, path: str) -> Panel:
    """Split the file's cells by ``series_col`` and read each part as one series."""
    from advisor.intake import series_from_bytes

    notices: list[str] = []
    cells, _ = read_cells(raw, source, notices)
    if series_col not in cells.columns:
        raise AdvisorInputError(
            source,
            f"has no column {series_col!r} for --series-col",
            fix=f"name one of its columns: {', '.join(map(str, cells.columns[:8]))}",
        )
    ids = [str(v) for v in pd.unique(cells[series_col].astype(str).str.strip())]
    if len(ids) < 2:
        raise AdvisorInputError(
            source,
            f"holds one series in {series_col!r}; pretraining across series needs two or more",
            fix="drop --series-col to analyse the one series",
        )
    series: dict[str, SeriesData] = {}
    csv: dict[str, bytes] = {}
    keys = cells[series_col].astype(str).str.strip()
    for sid in ids:
        part = cells.loc[keys == sid].drop(columns=[series_col])
        csv[sid] = part.to_csv(index=False).encode()
        series[sid] = series_from_bytes(csv[sid], settings, f"{source} [{series_col}={sid}]", path)
    return Panel(path, series_col, series, csv)


def lead_series(panel: Panel) -> str:
    """The series the configuration is chosen on: the longest (the first of the longest)."""
    return max(panel.ids, key=lambda i: (panel.series[i].rows, -panel.ids.index(i)))
