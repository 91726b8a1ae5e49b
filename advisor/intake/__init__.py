"""Read the user's CSV file into a clean, time-ordered ``SeriesData``.

This is the front door for messy files from people who are not data engineers. Every
way a file can be wrong ends in an ``AdvisorInputError`` that names the file, the
problem, the row or column and the fix, on one line; anything else escaping from here
is a bug in this package, not bad input. Fixable mess (a BOM, latin-1 bytes, decimal
commas, unsorted rows, a short gap) is repaired and reported in ``SeriesData.notices``.

Stages, in order: raw bytes (exists? gzip? a binary format?) -> text (encoding, HTML)
-> cells (delimiter, header, blank rows; every cell kept as text) -> time column ->
target and features (numbers, gaps) -> checks on the cleaned series. ``read_series``
below runs them; each stage lives in its own module:

- ``files``: raw bytes and text (missing file, gzip, other formats refused, encoding)
- ``frames``: a pandas DataFrame or Series turned into the bytes of the same CSV
- ``cells``: delimiter, header, saved index, blank rows; classification files refused
- ``times``: the time column (found, parsed, duplicates, order, frequency)
- ``columns``: numbers (decimal comma, thousands separators), target and features
- ``cleaning``: empty ends trimmed, gaps filled, a constant target refused
- ``messages``: how names, values and rows are shown in messages (used by all)
- ``sequences``: a classification file (one label per sequence, long or wide layout)
  read into a ``SequenceSet`` through the same files and cells stages, and
  ``detect_task``, which tells such a file from a forecasting one (``file_task`` below
  runs it on a file's bytes)

Row numbers in messages are what a spreadsheet shows: the header is row 1, so the
first data row is row 2.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from advisor.core.errors import AdvisorInputError
from advisor.core.records import SeriesData, Settings, Task, TaskChoice
from advisor.core.splits import minimum_rows
from advisor.intake.cells import (
    CLASSIFICATION_COLUMNS,
    drop_saved_index,
    read_cells,
    refuse_classification,
)
from advisor.intake.cleaning import fill_features, fill_target, refuse_constant, trim_target
from advisor.intake.columns import (
    check_target_cells,
    choose_features,
    choose_target,
    to_numbers,
    uses_decimal_comma,
)
from advisor.intake.files import read_bytes
from advisor.intake.frames import IN_MEMORY, frame_to_csv
from advisor.intake.sequences import detect_task, read_sequences, sequences_from_bytes
from advisor.intake.times import (
    drop_repeated_rows,
    find_frequency,
    find_steps,
    find_time_column,
    parse_times,
    refuse_duplicate_times,
    sort_by_time,
)

__all__ = [
    "CLASSIFICATION_COLUMNS",
    "IN_MEMORY",
    "detect_task",
    "file_task",
    "frame_to_csv",
    "read_bytes",
    "read_sequences",
    "read_series",
    "sequences_from_bytes",
    "series_from_bytes",
]


def file_task(raw: bytes, source: str, task: TaskChoice) -> Task:
    """``task`` where the user gave one; else what the file's cells hold (``detect_task``).

    The cells are read again by the reader the task picks: reading them is a small part
    of a profile, and each reader keeps its own notices.
    """
    if task != "auto":
        return task
    cells, _ = read_cells(raw, source, [])
    return detect_task(drop_saved_index(cells, []))


def read_series(
    path: str | Path, settings: Settings, *, display_name: str | None = None
) -> SeriesData:
    """Read, check and clean a forecasting CSV file (plain or gzip-compressed)."""
    file = Path(path)
    source = display_name or str(path)
    return series_from_bytes(read_bytes(file, source), settings, source, str(file.resolve()))


def series_from_bytes(raw: bytes, settings: Settings, source: str, path: str) -> SeriesData:
    """The stages after the bytes are in hand, for a file or a frame in memory (its
    ``frames.frame_to_csv`` text); ``path`` is what the record keeps."""
    notices: list[str] = []
    cells, delimiter = read_cells(raw, source, notices)
    refuse_classification(list(cells.columns), settings, source)

    needed = minimum_rows(settings.horizon or 1, settings.lookback or 2)
    if cells.empty:
        raise AdvisorInputError(
            source,
            f"has column names but no data rows; at least {needed} rows are needed "
            "for lookback + horizon + validation + test",
            fix="pass the file with the data in it",
        )
    cells = drop_saved_index(cells, notices)

    time_col = find_time_column(cells, settings, source)
    times: pd.Series | None = None
    if time_col is not None:
        cells = drop_repeated_rows(cells, time_col, notices)
        times = parse_times(cells[time_col], time_col, source, notices)
        refuse_duplicate_times(times, cells[time_col], time_col, source)
        cells, times = sort_by_time(cells, times, time_col, notices)

    decimal_comma = uses_decimal_comma(cells, delimiter, time_col)
    others = [c for c in cells.columns if c != time_col]
    numbers = {c: to_numbers(cells[c], decimal_comma) for c in others}
    target = choose_target(cells, numbers, settings, time_col, source)
    check_target_cells(cells[target], numbers[target], target, source)
    features = choose_features(cells, numbers, [c for c in others if c != target], notices)

    values = pd.DataFrame(
        {name: numbers[name] for name in (target, *features)}, index=cells.index, dtype="float64"
    )
    rows = values.index.to_numpy()  # spreadsheet row of every value, in time order
    stepped = times is not None and not pd.api.types.is_datetime64_any_dtype(times)
    if times is not None:
        values.index = (
            pd.Index(times.to_numpy(), name=time_col)
            if stepped
            else pd.DatetimeIndex(times.to_numpy(), name=time_col)
        )
    else:
        values.index = pd.RangeIndex(len(values))

    values, rows = trim_target(values, rows, target, notices)
    if len(values) < needed:
        raise AdvisorInputError(
            source,
            f"only {len(values)} row{'s' if len(values) != 1 else ''}; at least "
            f"{needed} are needed for lookback + horizon + validation + test",
            fix=f"use a longer series with at least {needed} rows",
        )
    target_missing = int(values[target].isna().sum())
    values[target] = fill_target(values[target], rows, source, notices)
    refuse_constant(values[target], source)
    values = fill_features(values, list(features), notices)
    features = tuple(c for c in values.columns if c != target)

    frequency = None
    if time_col is not None and stepped:
        find_steps(values.index, rows, time_col, notices)
    elif time_col is not None:
        frequency = find_frequency(pd.DatetimeIndex(values.index), rows, time_col, notices)
    else:
        values.index = pd.RangeIndex(len(values))  # renumber after trimmed rows

    return SeriesData(
        path=path,
        sha256=hashlib.sha256(raw).hexdigest(),
        target=target,
        time_column=time_col,
        features=features,
        frame=values.astype("float64"),
        frequency=frequency,
        notices=tuple(notices),
        target_missing=target_missing,
    )
