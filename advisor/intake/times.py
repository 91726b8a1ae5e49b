"""The time column: found, parsed, checked for duplicates, sorted; its frequency inferred."""

from __future__ import annotations

import re
import warnings
from typing import Any

import numpy as np
import pandas as pd

from advisor.core.errors import AdvisorInputError
from advisor.core.records import Settings
from advisor.intake.cells import SNIFF_RECORDS
from advisor.intake.columns import to_numbers
from advisor.intake.messages import show, unknown_column

# Words that mark a column as the time axis when they appear in its name.
TIME_NAME_WORDS = frozenset(
    {
        "date",
        "time",
        "timestamp",
        "datetime",
        "month",
        "year",
        "ds",
        "period",
        "day",
        "week",
        "quarter",
        "dt",
        "t",
        "step",
    }
)

DATE_SHARE = 0.95  # an unnamed text column is the time axis if this many values are dates
NAMED_DATE_SHARE = 0.5  # a column *named* like time needs only this many (typos get reported)


def find_time_column(cells: pd.DataFrame, settings: Settings, source: str) -> str | None:
    columns = [str(c) for c in cells.columns]
    if settings.time_col is not None:
        name = " ".join(settings.time_col.split())
        if name not in columns:
            raise unknown_column(source, name, columns, "--time-col")
        return name
    for name in columns:  # a column named like time wins, as long as it holds dates
        if named_like_time(name) and (
            holds_dates(cells[name], NAMED_DATE_SHARE, named=True) or _counts_steps(cells[name])
        ):
            return name
    for name in columns:  # else the first text column whose values are dates
        if not all_numeric(cells[name]) and holds_dates(cells[name], DATE_SHARE, named=False):
            return name
    return None


def named_like_time(name: str) -> bool:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)  # OrderDate -> Order Date
    return any(word in TIME_NAME_WORDS for word in re.findall(r"[a-z]+", spaced.lower()))


def all_numeric(column: pd.Series) -> bool:
    present = column[column != ""]
    # Either decimal style: "1,5" must not be mistaken for a date (dateutil reads it).
    # The first cells are a cheap look before the whole column is converted.
    return not present.empty and any(
        bool(to_numbers(present.head(20), comma).notna().all())
        and bool(to_numbers(present, comma).notna().all())
        for comma in (False, True)
    )


def holds_dates(column: pd.Series, share: float, *, named: bool) -> bool:
    sample = column[column != ""].head(SNIFF_RECORDS)
    if sample.empty:
        return False
    if all_numeric(sample):
        # Bare numbers are only times when the name says so (years, 20200131, epochs).
        return named and _numeric_time_kwargs(sample) is not None
    with_digit = np.array([any(ch.isdigit() for ch in v) for v in sample])
    parsed = _to_datetime_quiet(sample, format="mixed", errors="coerce", utc=True)
    if parsed is None:
        return False
    return float((parsed.notna().to_numpy() & with_digit).mean()) >= share


def _whole_numbers(column: pd.Series) -> pd.Series | None:
    numbers = pd.to_numeric(column, errors="coerce")
    if numbers.isna().any() or not bool((numbers == numbers.round()).all()):
        return None
    return numbers.astype("int64")


def _counts_steps(column: pd.Series) -> bool:
    """A step counter (0, 1, 2, ... or 5, 10, 15, ...) in file order: only such a column is
    taken for the time axis unasked, so that a count of things named ``t`` stays data."""
    present = column[column != ""]
    if len(present) < 3 or len(present) < len(column) or not all_numeric(present):
        return False
    numbers = _whole_numbers(present)
    if numbers is None:
        return False
    steps = np.diff(numbers.to_numpy())
    return bool(steps[0] > 0 and (steps == steps[0]).all())


def _numeric_time_kwargs(values: pd.Series) -> dict[str, str] | None:
    numbers = pd.to_numeric(values, errors="coerce")
    if numbers.isna().any() or not bool((numbers == numbers.round()).all()):
        return None
    low, high = float(numbers.min()), float(numbers.max())
    if low >= 1000 and high <= 2999:
        return {"format": "%Y"}
    if low >= 10_000_101 and high <= 30_001_231:
        return {"format": "%Y%m%d"}
    if low >= 1e8 and high < 1e10:
        return {"unit": "s"}
    if low >= 1e11 and high < 1e13:
        return {"unit": "ms"}
    return None


def _to_datetime_quiet(values: pd.Series, **kwargs: Any) -> pd.Series | None:
    """``pd.to_datetime`` without its format-guessing warnings; None where it fails."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return pd.Series(pd.to_datetime(values, **kwargs), index=values.index)
        except (ValueError, TypeError, OverflowError):
            return None


def parse_times(column: pd.Series, name: str, source: str, notices: list[str]) -> pd.Series:
    missing = column == ""
    if missing.any():
        row = int(missing[missing].index[0])
        raise AdvisorInputError(
            source,
            f"the time column {show(name)} is empty",
            where=f"row {row}",
            fix="fill in the time or delete the row",
        )

    numeric = _numeric_time_kwargs(column) if all_numeric(column) else None
    if numeric is None and all_numeric(column):
        # dateutil would read "7" as the 7th of this month: whole numbers are time steps
        # (0, 1, 2, ...), used to order the rows and check for gaps, and never dates.
        steps = _whole_numbers(column)
        if steps is None:
            raise AdvisorInputError(
                source,
                f"the time column {show(name)} holds numbers with fractions "
                f"({show(column.iloc[0])}), neither dates nor whole time steps",
                fix="leave out --time-col to use the row order, or write the times as dates",
            )
        notices.append(f"read {show(name)} as whole time steps, not dates")
        return steps
    single_format = True
    if numeric is not None:
        values: pd.Series = pd.to_numeric(column) if "unit" in numeric else column
        parsed = _to_datetime_quiet(values, errors="coerce", **numeric)
    else:
        # One inferred format first (fast, consistent); day-first next, for 31/12/2020.
        parsed = _to_datetime_quiet(column, errors="raise")
        if parsed is None:
            parsed = _to_datetime_quiet(column, errors="raise", dayfirst=True)
            if parsed is not None:
                notices.append(f"read the dates in {show(name)} as day/month/year")
        if parsed is None:  # mixed formats, or a bad value: parse one by one
            single_format = False
            parsed = _to_datetime_quiet(column, format="mixed", errors="coerce")
            if parsed is None or parsed.dtype == object:
                # Mixed UTC offsets, or times with a zone beside times without: pandas
                # raises or leaves plain objects that cannot be compared; all to UTC.
                parsed = _to_datetime_quiet(column, format="mixed", errors="coerce", utc=True)
    if parsed is None:  # pragma: no cover - coerce does not raise on bad values
        raise AdvisorInputError(
            source,
            f"the time column {show(name)} cannot be read as dates",
            fix="write the times as YYYY-MM-DD or YYYY-MM-DD HH:MM",
        )
    bad = parsed.isna()
    if bad.any():
        row = int(bad[bad].index[0])
        raise AdvisorInputError(
            source,
            f"{show(column[row])} in the time column {show(name)} is not a date or time",
            where=f"row {row}",
            fix="correct or delete that row, or pass --time-col NAME if another column "
            "holds the times",
        )

    if single_format is False:
        _note_mixed_formats(column, name, notices)
    times = parsed
    if isinstance(times.dtype, pd.DatetimeTZDtype):
        # Keep the clock times of the file's own zone (a daily series stays at midnight);
        # where offsets differ across rows pandas has already moved them all to UTC.
        zone = str(times.dt.tz)
        times = times.dt.tz_localize(None)
        notices.append(
            f"the times in {show(name)} carry a time zone; used them as {zone} clock times"
        )
    return times


LONG_DIGITS = re.compile(r"\d{3,}")
SHORT_DIGITS = re.compile(r"\d{1,2}")


def _note_mixed_formats(column: pd.Series, name: str, notices: list[str]) -> None:
    # Shape of a date: digit runs of 1-2 -> 9, of 3+ -> Y, so 2020-1-2 ~ 2020-01-02
    # but 01/02/2020 differs from 2020/01/02.
    def shape(value: str) -> str:
        return SHORT_DIGITS.sub("9", LONG_DIGITS.sub("Y", value))

    first_row, first = int(column.index[0]), shape(str(column.iloc[0]))
    for row, value in column.items():
        if shape(str(value)) != first:
            notices.append(
                f"the dates in {show(name)} use more than one format (row {first_row} "
                f"{show(column.iloc[0])}, row {row} {show(value)}); each was read on its own, "
                "check that day and month are not swapped"
            )
            return


def refuse_duplicate_times(times: pd.Series, raw: pd.Series, name: str, source: str) -> None:
    repeated = times.duplicated(keep=False)
    if not repeated.any():
        return
    first = int(repeated[repeated].index[0])  # in file order: rows are not sorted yet
    rows = [int(r) for r in times.index[times == times[first]]]
    shown = ", ".join(str(r) for r in rows[:5]) + (", ..." if len(rows) > 5 else "")
    total = int(times.duplicated().sum())
    more = f"; {total} duplicated rows in all" if total > len(rows) - 1 else ""
    raise AdvisorInputError(
        source,
        f"duplicate timestamp {show(raw[first])} in {show(name)}{more}",
        where=f"rows {shown}",
        fix="aggregate the rows for each time (e.g. sum or mean them) or remove the duplicates",
    )


def sort_by_time(
    cells: pd.DataFrame, times: pd.Series, name: str, notices: list[str]
) -> tuple[pd.DataFrame, pd.Series]:
    if times.is_monotonic_increasing:
        return cells, times
    # Dates or whole time steps alike: numpy compares either kind with its neighbour.
    values = times.to_numpy()
    back = np.flatnonzero(values[1:] < values[:-1])
    row = int(times.index[back[0] + 1])
    notices.append(
        f"the rows were not in time order (row {row}, {show(cells.at[row, name])}, is earlier "
        f"than the row above it); sorted them by {show(name)}"
    )
    order = np.argsort(times.to_numpy(), kind="stable")
    return cells.iloc[order], times.iloc[order]


def drop_repeated_rows(cells: pd.DataFrame, time_col: str, notices: list[str]) -> pd.DataFrame:
    """A row repeated exactly (same time, same values) is an export's slip, safely dropped;
    two rows with the same time and different values are left for the refusal that follows."""
    repeated = cells.duplicated(keep="first")
    if not repeated.any():
        return cells
    rows = [int(r) for r in cells.index[repeated.to_numpy()]]
    shown = ", ".join(str(r) for r in rows[:5]) + (", ..." if len(rows) > 5 else "")
    notices.append(
        f"dropped {len(rows)} row(s) repeating an earlier row exactly, time {show(time_col)} "
        f"included (rows {shown})"
    )
    return cells[~repeated.to_numpy()]


def find_steps(index: pd.Index, rows: np.ndarray, name: str, notices: list[str]) -> None:
    """Whole time steps have no calendar frequency; an uneven step is said, as for dates."""
    steps = np.diff(index.to_numpy())
    if len(steps) == 0:
        return
    kinds, counts = np.unique(steps, return_counts=True)
    off = np.flatnonzero(steps != kinds[np.argmax(counts)])
    if len(off):
        notices.append(
            f"the time steps in {show(name)} are not evenly spaced (first irregular step at "
            f"row {int(rows[off[0] + 1])}); rows are used in order"
        )


def find_frequency(
    index: pd.DatetimeIndex, rows: np.ndarray, name: str, notices: list[str]
) -> str | None:
    freq = _infer_freq(index)
    if freq is None:
        position = _first_irregular_position(index)
        notices.append(
            f"the times in {show(name)} are not evenly spaced (first irregular step at row "
            f"{int(rows[position])}); no frequency could be inferred, rows are used in order"
        )
    return freq


def _infer_freq(index: pd.DatetimeIndex) -> str | None:
    if len(index) < 3:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas announces infer_freq returning an offset
        try:
            freq: object = pd.infer_freq(index)
        except (ValueError, TypeError):
            return None
    if freq is None or isinstance(freq, str):
        return freq
    return str(getattr(freq, "freqstr", freq))


def _first_irregular_position(index: pd.DatetimeIndex) -> int:
    # The first few steps set the rhythm; the first time off that grid is the culprit.
    for k in (5, 4, 3):
        guess = _infer_freq(index[:k]) if len(index) > k else None
        if guess is None:
            continue
        try:
            expected = pd.date_range(index[0], periods=len(index), freq=guess)
        except ValueError:
            break
        off = np.flatnonzero(expected.to_numpy() != index.to_numpy())
        return int(off[0]) if len(off) else len(index) - 1
    steps = np.diff(index.asi8)
    kinds, counts = np.unique(steps, return_counts=True)
    off = np.flatnonzero(steps != kinds[np.argmax(counts)])
    return int(off[0]) + 1 if len(off) else 1
