"""Cells: the delimiter, the header and the rows, every cell kept as stripped text."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence

import pandas as pd

from advisor.core.errors import AdvisorInputError
from advisor.core.records import Settings
from advisor.intake.files import GZIP_MAGIC, decode, gunzip, refuse_markup, refuse_non_text
from advisor.intake.messages import show

# A file with both of these columns is shaped for sequence classification (one label
# per series), which the forecasting reader refuses: ``sequences`` reads it.
CLASSIFICATION_COLUMNS = ("series_id", "label")

DELIMITERS = (",", ";", "\t", "|")

# Spellings of "no value" seen in exports from spreadsheets, R, pandas and databases.
MISSING_TOKENS = frozenset(
    {"", "na", "n/a", "nan", "-nan", "null", "none", "nil", "#n/a", "#na", "missing", "-", "?"}
)

# Only cells this short can spell "no value"; longer ones skip the lower-casing.
LONGEST_MISSING_TOKEN = max(map(len, MISSING_TOKENS))

SNIFF_CHARS = 65_536  # enough lines to see past a title line or a ragged first row
SNIFF_RECORDS = 200


def read_cells(raw: bytes, source: str, notices: list[str]) -> tuple[pd.DataFrame, str]:
    """A file's bytes as text cells (see ``parse_cells``): gunzipped where compressed,
    other formats refused, decoded; the one way in for every task's reader."""
    data = gunzip(raw, source) if raw.startswith(GZIP_MAGIC) else raw
    refuse_non_text(data, source)
    text = decode(data, source, notices)
    refuse_markup(text, source)
    return parse_cells(text, source, notices)


def parse_cells(text: str, source: str, notices: list[str]) -> tuple[pd.DataFrame, str]:
    """Every cell as stripped text ("" = missing), indexed by spreadsheet row number."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    delimiter, skip = _sniff(text)
    if skip:
        notices.append(f"skipped {skip} line{'s' if skip > 1 else ''} above the column names")
    try:
        table = _read_table(text, delimiter, skip)
    except pd.errors.EmptyDataError:
        raise AdvisorInputError(
            source, "contains only blank lines", fix="export the data again; nothing was saved"
        ) from None
    except pd.errors.ParserError as err:
        repaired = _without_empty_extra_fields(text, delimiter, skip)
        if repaired is None:
            raise _parser_error(source, str(err), delimiter) from None
        text, fixed = repaired
        notices.append(
            f"removed an empty field after the last column in {len(fixed)} row(s) "
            f"(first at row {fixed[0]})"
        )
        try:
            table = _read_table(text, delimiter, skip)
        except pd.errors.ParserError as again:
            raise _parser_error(source, str(again), delimiter) from None
    # Cleaned in Python, as plain objects: the same result whatever string storage pandas
    # uses, and on any pandas from 2.0 on.
    table = pd.DataFrame(
        {column: _clean_column(table[column]) for column in table.columns}, dtype=object
    )
    table.index = pd.RangeIndex(skip + 1, skip + 1 + len(table))  # spreadsheet rows

    header = [str(v) for v in table.iloc[0]] if len(table) else []
    if _header_is_data(header):
        names = [f"column {i + 1}" for i in range(len(header))]
        notices.append(
            "the first line holds values, not column names; columns are named "
            "'column 1', 'column 2', ..."
        )
    else:
        names = _column_names(header, notices)
        table = table.iloc[1:]
    table.columns = pd.Index(names)

    empty = (table == "").all(axis=1)
    if empty.any():
        first = int(empty[empty].index[0])
        notices.append(f"ignored {int(empty.sum())} empty row(s) (first at row {first})")
        table = table[~empty]
    return table, delimiter


def _read_table(text: str, delimiter: str, skip: int) -> pd.DataFrame:
    return pd.read_csv(
        io.StringIO(text),
        sep=delimiter,
        header=None,
        dtype=str,
        na_filter=False,
        skip_blank_lines=False,
        skiprows=skip,
        quotechar='"',
        engine="c",
        index_col=False,
    )


def _without_empty_extra_fields(
    text: str, delimiter: str, skip: int
) -> tuple[str, list[int]] | None:
    """The text with empty fields past the header's last column removed (a trailing
    delimiter some exports leave), and the spreadsheet rows that had them; None where an
    extra field holds a value, which only the user can place."""
    lines = text.split("\n")
    if len(lines) <= skip:
        return None
    expected = len(next(csv.reader([lines[skip]], delimiter=delimiter)))
    fixed: list[int] = []
    for i in range(skip + 1, len(lines)):
        try:
            fields = next(csv.reader([lines[i]], delimiter=delimiter))
        except (csv.Error, StopIteration):
            continue
        if len(fields) <= expected:
            continue
        if any(f.strip() for f in fields[expected:]) or '"' in lines[i]:
            return None
        lines[i] = delimiter.join(fields[:expected])
        fixed.append(i + 1)
    return ("\n".join(lines), fixed) if fixed else None


def _clean_column(column: pd.Series) -> list[str]:
    """Each cell stripped, "" where it spells a missing value.

    One list comprehension over a plain object array: a function call per cell (and
    pandas' per-item access) made this the slowest step on files of a million rows.
    """
    stripped = [str(v).strip() for v in column.to_numpy(dtype=object, na_value="")]
    return [
        "" if len(t) <= LONGEST_MISSING_TOKEN and t.lower() in MISSING_TOKENS else t
        for t in stripped
    ]


def _sniff(text: str) -> tuple[str, int]:
    """Pick the delimiter whose field count is steadiest over the first records.

    Also returns how many title lines sit above the header (records with fewer fields
    than the table, before the first full-width one). ``csv.Sniffer`` gets decimal
    commas right but gives up on one-column files and on a title line above the
    header, both common in exports; counting fields per record handles all three.
    """
    sample = text[:SNIFF_CHARS]
    truncated = len(text) > SNIFF_CHARS
    best: tuple[str, int] = (",", 0)
    best_key: tuple[float, int] = (0.0, 0)
    for delimiter in DELIMITERS:
        records = _sample_records(sample, delimiter, truncated)
        counts = [len(fields) for _, fields in records]
        if not counts:
            continue
        width = max(set(counts), key=lambda w: (counts.count(w), w))
        if width < 2:
            continue
        key = (counts.count(width) / len(counts), width)
        if key > best_key:
            header = next(i for i, n in enumerate(counts) if n == width)
            # Short records above a full-width row of names are a title; above a row of
            # numbers they are the header of a file this delimiter does not fit.
            line, fields = records[header]
            skip = line if header < 10 and not _header_is_data(fields) else 0
            best, best_key = (delimiter, skip), key
    return best


def _sample_records(sample: str, delimiter: str, truncated: bool) -> list[tuple[int, list[str]]]:
    """(first line, fields) of each non-blank record in the sample."""
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter, quotechar='"')
    records: list[tuple[int, list[str]]] = []
    try:
        while len(records) < SNIFF_RECORDS:
            line = reader.line_num
            fields = next(reader)
            if any(f.strip() for f in fields):
                records.append((line, [f.strip() for f in fields]))
    except StopIteration:
        pass
    except csv.Error:
        pass  # a stray quote: judge on the records read so far
    if truncated and records:
        records.pop()  # the sample may end inside the last record
    return records


def _parser_error(source: str, message: str, delimiter: str) -> AdvisorInputError:
    shown = {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}[delimiter]
    fields = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if fields:
        expected, line, saw = fields.groups()
        return AdvisorInputError(
            source,
            f"has {saw} fields where the header has {expected} ({shown}-separated)",
            where=f"row {line}",
            fix="quote values that contain the delimiter, or remove the extra fields",
        )
    if "EOF inside string" in message:
        # pandas counts lines from 0 here, including any skipped title lines.
        start = re.search(r"row (\d+)", message)
        where = f"opened in row {int(start.group(1)) + 1}" if start else None
        return AdvisorInputError(
            source,
            "a double quote is never closed",
            where=where,
            fix="close or remove the unmatched double quote",
        )
    return AdvisorInputError(
        source, f"cannot be parsed as CSV ({message})", fix="check the delimiter and the quotes"
    )


def _header_is_data(header: Sequence[str]) -> bool:
    # "2020-01-01,5.3" as the first line: the file has no header at all.
    filled = [h for h in header if h]
    if not filled:
        return False
    numberish = re.compile(r"^[+-]?(\d+([.,]\d*)?|\.\d+)([eE][+-]?\d+)?$")
    dateish = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([ T].*)?$")
    looks = [bool(numberish.match(h) or dateish.match(h)) for h in filled]
    return all(looks) and any(numberish.match(h) for h in filled)


def _column_names(header: Sequence[str], notices: list[str]) -> list[str]:
    """Tidy the header: collapse whitespace, name blanks, make duplicates unique.

    Names are only ever compared and printed, never evaluated, so HTML or spreadsheet
    formula text in a header stays harmless plain text.
    """
    names: list[str] = []
    for i, cell in enumerate(header):
        name = " ".join(cell.split()) or f"Unnamed: {i}"
        if name in names:
            k = 1
            while f"{name}.{k}" in names or f"{name}.{k}" in header:
                k += 1
            unique = f"{name}.{k}"
            notices.append(f"two columns are named {show(name)}; the second is {show(unique)}")
            name = unique
        names.append(name)
    return names


def drop_saved_index(cells: pd.DataFrame, notices: list[str]) -> pd.DataFrame:
    # ``df.to_csv()`` without ``index=False`` leaves a nameless 0, 1, 2, ... column first;
    # kept, it would look like a second numeric column and block target detection.
    first = str(cells.columns[0])
    if not re.fullmatch(r"Unnamed: \d+", first) or len(cells.columns) < 2:
        return cells
    column = cells[first]
    if not all(v.isdigit() for v in column):
        return cells
    numbers = [int(v) for v in column]
    if numbers not in (list(range(len(numbers))), list(range(1, len(numbers) + 1))):
        return cells
    notices.append(f"ignored the first column ({first}): it is a saved row index 0, 1, 2, ...")
    return cells.drop(columns=[first])


def refuse_classification(columns: list[str], settings: Settings, source: str) -> None:
    lowered = {c.lower() for c in columns}
    shaped = all(c in lowered for c in CLASSIFICATION_COLUMNS)
    if settings.task == "classify" or (settings.task == "auto" and shaped):
        why = (
            ""
            if settings.task == "classify"
            else (
                f" (the file has {' and '.join(repr(c) for c in CLASSIFICATION_COLUMNS)} columns)"
            )
        )
        raise AdvisorInputError(
            source,
            f"sequence classification is not supported by the forecasting reader{why}",
            fix="advisor profile FILE (api.load_sequences) reads labelled sequences; "
            "a forecasting CSV has one row per time step",
        )
