"""Numbers: cells converted (decimal commas, thousands separators); target and features chosen."""

from __future__ import annotations

import re
import shlex

import numpy as np
import pandas as pd

from advisor.core.errors import AdvisorInputError
from advisor.core.records import Settings
from advisor.intake.messages import show, show_names, unknown_column

COMMA_DECIMAL = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d*),\d+$")
DOT_DECIMAL = re.compile(r"^[+-]?\d*\.\d+([eE][+-]?\d+)?$")


def uses_decimal_comma(cells: pd.DataFrame, delimiter: str, time_col: str | None) -> bool:
    # "1,5" can only be a decimal comma where the comma does not separate fields; then
    # the file uses whichever style most of its numbers use.
    if delimiter == ",":
        return False
    comma = dot = 0
    for name in cells.columns:
        if name == time_col:
            continue
        for value in cells[name]:
            comma += bool(COMMA_DECIMAL.match(value))
            dot += bool(DOT_DECIMAL.match(value))
    return comma > dot


def to_numbers(column: pd.Series, decimal_comma: bool) -> pd.Series:
    """Numbers from text cells: thousands separators dropped, decimal comma read."""
    group, point = (r"\.", ",") if decimal_comma else (",", r"\.")
    grouped = re.compile(rf"^[+-]?\d{{1,3}}([{group}\s'’]\d{{3}})+({point}\d*)?$")
    separators = re.compile(rf"[{group}\s'’]")

    def clean(value: str) -> str:
        if grouped.match(value):
            value = separators.sub("", value)
        return value.replace(",", ".") if decimal_comma else value

    def convert(values: pd.Series) -> pd.Series:
        cleaned = pd.Series([clean(v) for v in values], index=values.index, dtype=object)
        return pd.to_numeric(cleaned, errors="coerce").astype("float64")

    values = pd.Series(column, dtype=object)
    if decimal_comma:
        return convert(values)
    # Most cells are plain numbers: convert them all at once, then clean only the rest.
    direct = pd.to_numeric(values, errors="coerce").astype("float64")
    rest = values[direct.isna() & (values != "")]
    return direct if rest.empty else direct.fillna(convert(rest))


def _first_text_row(cells: pd.Series, numbers: pd.Series) -> int | None:
    text = (cells != "") & numbers.isna()
    return int(min(text[text].index)) if text.any() else None


def choose_target(
    cells: pd.DataFrame,
    numbers: dict[str, pd.Series],
    settings: Settings,
    time_col: str | None,
    source: str,
) -> str:
    columns = [c for c in numbers]
    if settings.target is not None:
        name = " ".join(settings.target.split())
        if name == time_col:
            raise AdvisorInputError(
                source,
                f"--target {show(name)} is the time column",
                fix="pass the column of values to forecast as --target",
            )
        if name not in columns:
            raise unknown_column(source, name, [str(c) for c in cells.columns], "--target")
        return name
    if not columns:
        raise AdvisorInputError(
            source,
            "has only a time column, no values to forecast",
            where=f"columns: {show_names(list(cells.columns))}",
            fix="add the column of values, or check the delimiter",
        )

    def numeric_share(name: str) -> float:
        present = cells[name] != ""
        return float(numbers[name][present].notna().mean()) if present.any() else 0.0

    # Mostly-numeric counts too, so a typo in the target gets reported by row below.
    candidates = [c for c in columns if numeric_share(c) >= 0.5]
    if len(candidates) == 1:
        return candidates[0]
    if len(candidates) > 1:
        raise AdvisorInputError(
            source,
            f"has {len(candidates)} numeric columns; which one should be forecast?",
            where=f"candidates: {show_names(candidates)}",
            fix=f"pass --target NAME, e.g. --target {shlex.quote(candidates[0])}",
        )
    empty = [c for c in columns if (cells[c] == "").all()]
    if len(empty) == 1:
        return empty[0]  # refused below as an empty target, which says more
    raise AdvisorInputError(
        source,
        "has no numeric column to forecast",
        where=f"columns: {show_names(columns)}",
        fix="check the delimiter and decimal separator, or pass --target NAME",
    )


def check_target_cells(cells: pd.Series, numbers: pd.Series, name: str, source: str) -> None:
    row = _first_text_row(cells, numbers)
    if row is not None:
        raise AdvisorInputError(
            source,
            f"the target {show(name)} is not numeric: {show(cells[row])} is not a number",
            where=f"row {row}",
            fix="correct that value or leave the cell empty if it is missing",
        )
    if numbers.isna().all():
        raise AdvisorInputError(
            source,
            f"the target {show(name)} has no values (every cell is empty)",
            fix="pass --target with a column that holds the values",
        )
    infinite = np.isinf(numbers.to_numpy())
    if infinite.any():
        row = int(numbers.index[np.flatnonzero(infinite)].min())
        raise AdvisorInputError(
            source,
            f"the target {show(name)} has an infinite value {show(cells[row])}",
            where=f"row {row}",
            fix="replace it with a real number, or leave the cell empty if it is unknown",
        )


def choose_features(
    cells: pd.DataFrame, numbers: dict[str, pd.Series], others: list[str], notices: list[str]
) -> tuple[str, ...]:
    features: list[str] = []
    text_columns: list[str] = []
    empty: list[str] = []
    for name in others:
        present = cells[name] != ""
        if not present.any():
            empty.append(name)
            continue
        row = _first_text_row(cells[name], numbers[name])
        if row is None:
            features.append(name)
        elif numbers[name][present].notna().mean() >= 0.5:
            notices.append(
                f"ignored column {show(name)}: mostly numbers but row {row} holds "
                f"{show(cells[name][row])}"
            )
        else:
            text_columns.append(name)
    if text_columns:
        notices.append(
            f"ignored non-numeric column(s) {show_names(text_columns)}; only numbers "
            "can be model inputs"
        )
    if empty:
        notices.append(f"ignored empty column(s) {show_names(empty)}")
    return tuple(features)
