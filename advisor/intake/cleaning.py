"""Cleaning: empty ends trimmed, short gaps filled, a constant target refused."""

from __future__ import annotations

import numpy as np
import pandas as pd

from advisor.core.errors import AdvisorInputError
from advisor.intake.messages import show, show_names, show_ranges

MAX_MISSING_SHARE = 0.20  # more gaps than this and interpolation would invent the series
MIN_GAP_LIMIT = 3  # a longer run of missing values is refused ...
GAP_LIMIT_SHARE = 0.01  # ... or longer than this share of the rows, if that is more


def trim_target(
    values: pd.DataFrame, rows: np.ndarray, target: str, notices: list[str]
) -> tuple[pd.DataFrame, np.ndarray]:
    # Missing values before the first or after the last observation cannot be
    # interpolated (and are often future dates left blank on purpose): drop those rows.
    present = values[target].notna().to_numpy()
    start = int(np.argmax(present))
    stop = len(present) - int(np.argmax(present[::-1]))
    if start == 0 and stop == len(present):
        return values, rows
    dropped = [int(r) for r in (*rows[:start], *rows[stop:])]
    notices.append(
        f"dropped {len(dropped)} row(s) at the start or end where the target {show(target)} is "
        f"empty (rows {show_ranges(dropped)})"
    )
    return values.iloc[start:stop].copy(), rows[start:stop]


def fill_target(series: pd.Series, rows: np.ndarray, source: str, notices: list[str]) -> pd.Series:
    name = str(series.name)
    missing = series.isna().to_numpy()
    if not missing.any():
        return series
    share = float(missing.mean())
    if share > MAX_MISSING_SHARE:
        raise AdvisorInputError(
            source,
            f"the target {show(name)} is too sparse: {share:.0%} of its values are "
            f"missing (at most {MAX_MISSING_SHARE:.0%} can be filled in)",
            fix="fill the gaps at the source or use a denser series",
        )
    start, length = _longest_run(missing)
    limit = max(MIN_GAP_LIMIT, GAP_LIMIT_SHARE * len(series))
    if length > limit:
        raise AdvisorInputError(
            source,
            f"the target {show(name)} is too sparse: {length} values in a row are "
            f"missing (at most {int(limit)} can be filled in)",
            where=f"rows {int(rows[start])}-{int(rows[start + length - 1])}",
            fix="fill the gap at the source, or start the file after it",
        )
    timed = isinstance(series.index, pd.DatetimeIndex)
    filled = series.interpolate(method="time" if timed else "linear")
    first = int(rows[np.flatnonzero(missing)[0]])
    notices.append(
        f"filled {int(missing.sum())} missing value(s) in the target {show(name)} by "
        f"{'time-weighted' if timed else 'linear'} interpolation (first at row {first})"
    )
    return filled


def _longest_run(mask: np.ndarray) -> tuple[int, int]:
    """(start, length) of the longest run of True values."""
    best = (0, 0)
    start = None
    for i, flag in enumerate([*mask.tolist(), False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            if i - start > best[1]:
                best = (start, i - start)
            start = None
    return best


def refuse_constant(series: pd.Series, source: str) -> None:
    if float(series.max() - series.min()) == 0.0:  # std can be 1e-17 for equal floats
        raise AdvisorInputError(
            source,
            f"the target {show(str(series.name))} is constant (every value is "
            f"{float(series.iloc[0]):g}); there is nothing to forecast",
            fix="pass --target with a column whose values change",
        )


def fill_features(values: pd.DataFrame, features: list[str], notices: list[str]) -> pd.DataFrame:
    timed = isinstance(values.index, pd.DatetimeIndex)
    filled: list[str] = []
    count = 0
    for name in features:
        column = values[name].replace([np.inf, -np.inf], np.nan)
        if column.isna().all():
            notices.append(f"dropped the feature {show(name)}: it has no values in these rows")
            values = values.drop(columns=[name])
            continue
        missing = int(column.isna().sum())
        if missing:
            column = column.interpolate(method="time" if timed else "linear").ffill().bfill()
            filled.append(name)
            count += missing
        values[name] = column
    if filled:
        notices.append(
            f"filled {count} missing or infinite value(s) in feature column(s) "
            f"{show_names(filled)} by interpolation"
        )
    return values
