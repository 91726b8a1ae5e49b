"""Read the user's CSV file into a clean, time-ordered ``SeriesData``.

This is the front door for messy files from people who are not data engineers. Every
way a file can be wrong ends in an ``AdvisorInputError`` that names the file, the
problem, the row or column and the fix, on one line; anything else escaping from here
is a bug in this module, not bad input. Fixable mess (a BOM, latin-1 bytes, decimal
commas, unsorted rows, a short gap) is repaired and reported in ``SeriesData.notices``.

Stages, in order: raw bytes (exists? gzip? a binary format?) -> text (encoding, HTML)
-> cells (delimiter, header, blank rows; every cell kept as text) -> time column ->
target and features (numbers, gaps) -> checks on the cleaned series.

Row numbers in messages are what a spreadsheet shows: the header is row 1, so the
first data row is row 2.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import gzip
import hashlib
import io
import json
import re
import shlex
import warnings
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from advisor.errors import AdvisorInputError
from advisor.records import SeriesData, Settings
from advisor.splits import minimum_rows

# A file with both of these columns is shaped for sequence classification (one label
# per series), which this version cannot advise on yet.
CLASSIFICATION_COLUMNS = ("series_id", "label")

DELIMITERS = (",", ";", "\t", "|")
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
    }
)
# Spellings of "no value" seen in exports from spreadsheets, R, pandas and databases.
MISSING_TOKENS = frozenset(
    {"", "na", "n/a", "nan", "-nan", "null", "none", "nil", "#n/a", "#na", "missing", "-", "?"}
)

# Only cells this short can spell "no value"; longer ones skip the lower-casing.
LONGEST_MISSING_TOKEN = max(map(len, MISSING_TOKENS))

MAX_MISSING_SHARE = 0.20  # more gaps than this and interpolation would invent the series
MIN_GAP_LIMIT = 3  # a longer run of missing values is refused ...
GAP_LIMIT_SHARE = 0.01  # ... or longer than this share of the rows, if that is more
DATE_SHARE = 0.95  # an unnamed text column is the time axis if this many values are dates
NAMED_DATE_SHARE = 0.5  # a column *named* like time needs only this many (typos get reported)
SNIFF_CHARS = 65_536  # enough lines to see past a title line or a ragged first row
SNIFF_RECORDS = 200
BINARY_PROBE = 8192  # NUL bytes in the first 8 KB mean binary, not text
MAX_TEXT_BYTES = 1 << 30  # refuse to inflate a gzip file beyond 1 GiB
SHOW_CHARS = 40  # long cell values and names are shortened in messages

EXCEL_FIX = "open it in Excel and use File > Save As > CSV (Comma delimited), then pass that file"
CSV_FIX = "export the data as a CSV text file and pass that file"

# Magic numbers of formats people send instead of a CSV file.
MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "an old Excel .xls workbook (or other Office document)",
        EXCEL_FIX,
    ),
    (b"\x89PNG\r\n\x1a\n", "a PNG image", CSV_FIX),
    (b"\xff\xd8\xff", "a JPEG image", CSV_FIX),
    (b"GIF87a", "a GIF image", CSV_FIX),
    (b"GIF89a", "a GIF image", CSV_FIX),
    (b"%PDF-", "a PDF document", CSV_FIX),
    (b"\x89HDF\r\n\x1a\n", "an HDF5 file", CSV_FIX),
    (b"SQLite format 3\x00", "an SQLite database", CSV_FIX),
    (b"\xfd7zXZ\x00", "an xz-compressed file", "decompress it and pass the CSV file inside"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", "extract it and pass the CSV file inside"),
    (b"Rar!\x1a\x07", "a RAR archive", "extract it and pass the CSV file inside"),
)
# Short printable magic numbers a CSV header could begin with by chance ("PAR1_count"):
# they count only when the start of the file is not text.
LOOSE_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"PAR1", "a Parquet file", "convert it with pandas: pd.read_parquet(path).to_csv('data.csv')"),
    (
        b"ARROW1",
        "an Arrow/Feather file",
        "convert it with pandas: pd.read_feather(path).to_csv('data.csv')",
    ),
    (b"BZh", "a bzip2-compressed file", "decompress it and pass the CSV file inside"),
)
GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
# Markup at the very start of the text: a saved web page rather than the data. A
# ``<script>`` header cell is deliberately not in the list: it is a (strange) CSV.
MARKUP = re.compile(r"^\s*<(!doctype\s+html|html|head|body|table|\?xml|svg)\b", re.IGNORECASE)


def read_series(
    path: str | Path, settings: Settings, *, display_name: str | None = None
) -> SeriesData:
    """Read, check and clean a forecasting CSV file (plain or gzip-compressed)."""
    file = Path(path)
    source = display_name or str(path)
    notices: list[str] = []

    raw = _read_bytes(file, source)
    data = _gunzip(raw, source) if raw.startswith(GZIP_MAGIC) else raw
    _refuse_non_text(data, source)
    text = _decode(data, source, notices)
    _refuse_markup(text, source)
    cells, delimiter = _parse_cells(text, source, notices)
    _refuse_classification(list(cells.columns), settings, source)

    needed = minimum_rows(settings.horizon or 1, settings.lookback or 2)
    if cells.empty:
        raise AdvisorInputError(
            source,
            f"has column names but no data rows; at least {needed} rows are needed "
            "for lookback + horizon + validation + test",
            fix="pass the file with the data in it",
        )
    cells = _drop_saved_index(cells, notices)

    time_col = _find_time_column(cells, settings, source)
    times: pd.Series | None = None
    if time_col is not None:
        times = _parse_times(cells[time_col], time_col, source, notices)
        _refuse_duplicate_times(times, cells[time_col], time_col, source)
        cells, times = _sort_by_time(cells, times, time_col, notices)

    decimal_comma = _uses_decimal_comma(cells, delimiter, time_col)
    others = [c for c in cells.columns if c != time_col]
    numbers = {c: _to_numbers(cells[c], decimal_comma) for c in others}
    target = _choose_target(cells, numbers, settings, time_col, source)
    _check_target_cells(cells[target], numbers[target], target, source)
    features = _choose_features(cells, numbers, [c for c in others if c != target], notices)

    values = pd.DataFrame(
        {name: numbers[name] for name in (target, *features)}, index=cells.index, dtype="float64"
    )
    rows = values.index.to_numpy()  # spreadsheet row of every value, in time order
    if times is not None:
        values.index = pd.DatetimeIndex(times.to_numpy(), name=time_col)
    else:
        values.index = pd.RangeIndex(len(values))

    values, rows = _trim_target(values, rows, target, notices)
    if len(values) < needed:
        raise AdvisorInputError(
            source,
            f"only {len(values)} row{'s' if len(values) != 1 else ''}; at least "
            f"{needed} are needed for lookback + horizon + validation + test",
            fix=f"use a longer series with at least {needed} rows",
        )
    target_missing = int(values[target].isna().sum())
    values[target] = _fill_target(values[target], rows, source, notices)
    _refuse_constant(values[target], source)
    values = _fill_features(values, list(features), notices)
    features = tuple(c for c in values.columns if c != target)

    frequency = None
    if time_col is not None:
        frequency = _frequency(pd.DatetimeIndex(values.index), rows, time_col, notices)
    else:
        values.index = pd.RangeIndex(len(values))  # renumber after trimmed rows

    return SeriesData(
        path=str(file.resolve()),
        sha256=hashlib.sha256(raw).hexdigest(),
        target=target,
        time_column=time_col,
        features=features,
        frame=values.astype("float64"),
        frequency=frequency,
        notices=tuple(notices),
        target_missing=target_missing,
    )


# --- raw bytes ------------------------------------------------------------------------


def _read_bytes(file: Path, source: str) -> bytes:
    if not file.exists():
        raise AdvisorInputError(source, "file not found", fix=_missing_file_fix(file))
    if file.is_dir():
        inside = sorted(p.name for p in file.glob("*.csv"))[:3]
        fix = "pass the CSV file itself" + (f", e.g. {_names(inside)}" if inside else "")
        raise AdvisorInputError(source, "is a directory, not a CSV file", fix=fix)
    try:
        raw = file.read_bytes()
    except OSError as err:
        raise AdvisorInputError(
            source,
            f"cannot be read ({err.strerror or type(err).__name__})",
            fix="check the file's permissions, or copy it somewhere readable",
        ) from None
    if not raw:
        raise AdvisorInputError(
            source, "the file is empty (0 bytes)", fix="export the data again; nothing was saved"
        )
    return raw


def _missing_file_fix(file: Path) -> str:
    # A near miss in the same folder is the usual cause (data.csv vs Data.csv, .txt).
    try:
        siblings = [p.name for p in file.parent.iterdir()] if file.parent.is_dir() else []
    except OSError:
        siblings = []
    close = difflib.get_close_matches(file.name, siblings, n=1, cutoff=0.6)
    if close:
        return f"did you mean {_show(close[0])}? check the name and the folder"
    return "check the file name and the folder (the path is relative to where you run the command)"


def _gunzip(raw: bytes, source: str) -> bytes:
    # Decided by the magic bytes, not the name: "data.csv" is sometimes gzip, ".gz" not.
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as stream:
            data = stream.read(MAX_TEXT_BYTES + 1)
    except (OSError, EOFError, zlib.error) as err:
        raise AdvisorInputError(
            source,
            f"looks gzip-compressed but cannot be decompressed ({err})",
            fix="compress it again, or pass the uncompressed CSV file",
        ) from None
    if len(data) > MAX_TEXT_BYTES:
        raise AdvisorInputError(
            source,
            f"decompresses to more than {MAX_TEXT_BYTES >> 20} MB",
            fix="pass a smaller extract of the series",
        )
    if not data:
        raise AdvisorInputError(
            source,
            "the file is empty (a gzip file with nothing inside)",
            fix="export the data again; nothing was saved",
        )
    return data


def _refuse_non_text(data: bytes, source: str) -> None:
    if data.startswith(ZIP_MAGICS):
        _refuse_zip(data, source)
    probe = data[:BINARY_PROBE]
    loose = LOOSE_MAGIC if _looks_binary(probe) else ()
    for magic, what, fix in (*MAGIC, *loose):
        if data.startswith(magic):
            raise AdvisorInputError(source, f"is {what}, not a CSV text file", fix=fix)
    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if not utf16 and b"\x00" in data[:BINARY_PROBE]:
        offset = data.index(b"\x00")
        raise AdvisorInputError(
            source,
            "is a binary file, not a CSV text file",
            where=f"NUL byte at offset {offset}",
            fix=CSV_FIX,
        )


def _looks_binary(probe: bytes) -> bool:
    if b"\x00" in probe:
        return True
    try:
        probe.decode("utf-8")
    except UnicodeDecodeError as err:
        return err.start < len(probe) - 3  # a character cut at the probe's end is still text
    return False


def _refuse_zip(data: bytes, source: str) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, KeyError, EOFError, zlib.error):
        raise AdvisorInputError(
            source, "is a damaged zip archive, not a CSV text file", fix=CSV_FIX
        ) from None
    if any(n.startswith("xl/") for n in names):
        raise AdvisorInputError(
            source, "is an Excel .xlsx workbook, not a CSV text file", fix=EXCEL_FIX
        )
    if b"spreadsheet" in mimetype:
        raise AdvisorInputError(
            source,
            "is an OpenDocument spreadsheet (.ods), not a CSV text file",
            fix="in LibreOffice use File > Save As > Text CSV, then pass that file",
        )
    if any(n.startswith("word/") for n in names) or b"text" in mimetype:
        raise AdvisorInputError(
            source, "is a word-processor document, not a CSV text file", fix=CSV_FIX
        )
    inside = [n for n in names if n.lower().endswith((".csv", ".txt", ".tsv"))][:3]
    fix = "extract it and pass the CSV file inside" + (f" ({_names(inside)})" if inside else "")
    raise AdvisorInputError(source, "is a zip archive, not a CSV text file", fix=fix)


# --- text -----------------------------------------------------------------------------


def _decode(data: bytes, source: str, notices: list[str]) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text" export: UTF-16 with a byte-order mark, usually tab-separated.
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as err:
            raise AdvisorInputError(
                source,
                "starts like UTF-16 text but is not valid UTF-16",
                where=f"byte offset {err.start}",
                fix="save it again as CSV UTF-8",
            ) from None
        notices.append("read as UTF-16 (it starts with a UTF-16 byte-order mark)")
        return text
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]  # Excel's "CSV UTF-8" writes one; it is not data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        bad, offset = data[err.start], err.start
    # Not UTF-8: almost always an older Windows export. cp1252 is latin-1 plus a few
    # printable characters (the euro sign, curly quotes); five bytes it leaves undefined.
    try:
        text, name = data.decode("cp1252"), "latin-1 (Windows-1252)"
    except UnicodeDecodeError:
        text, name = data.decode("latin-1"), "latin-1 (ISO-8859-1)"
    notices.append(
        f"read as {name} because the file is not valid UTF-8 (byte 0x{bad:02x} at offset "
        f"{offset}); if accented letters look wrong, save the file as CSV UTF-8"
    )
    return text


def _refuse_markup(text: str, source: str) -> None:
    if MARKUP.match(text):
        kind = "an XML document" if text.lstrip()[:5].lower() == "<?xml" else "an HTML page"
        raise AdvisorInputError(
            source,
            f"is {kind}, not a CSV file (perhaps a web page saved instead of the data)",
            fix="download the raw CSV file (on GitHub use the Raw button) and pass that",
        )
    head = text.lstrip()[:1]
    if head in ("{", "[") and len(text) < 50_000_000:
        try:
            json.loads(text)
        except ValueError:
            return  # not JSON after all: a header like "[kg]" is a (strange) CSV
        raise AdvisorInputError(
            source,
            "is a JSON document, not a CSV file",
            fix="convert it, e.g. pd.read_json(path).to_csv('data.csv')",
        )
    if not text.strip():
        raise AdvisorInputError(
            source, "contains only blank lines", fix="export the data again; nothing was saved"
        )


# --- cells ----------------------------------------------------------------------------


def _parse_cells(text: str, source: str, notices: list[str]) -> tuple[pd.DataFrame, str]:
    """Every cell as stripped text ("" = missing), indexed by spreadsheet row number."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    delimiter, skip = _sniff(text)
    if skip:
        notices.append(f"skipped {skip} line{'s' if skip > 1 else ''} above the column names")
    try:
        table = pd.read_csv(
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
    except pd.errors.EmptyDataError:
        raise AdvisorInputError(
            source, "contains only blank lines", fix="export the data again; nothing was saved"
        ) from None
    except pd.errors.ParserError as err:
        raise _parser_error(source, str(err), delimiter) from None
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
            notices.append(f"two columns are named {_show(name)}; the second is {_show(unique)}")
            name = unique
        names.append(name)
    return names


def _drop_saved_index(cells: pd.DataFrame, notices: list[str]) -> pd.DataFrame:
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


def _refuse_classification(columns: list[str], settings: Settings, source: str) -> None:
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
            f"sequence classification is not supported by this version yet{why}",
            fix="use a forecasting CSV (one row per time step)",
        )


# --- time column ----------------------------------------------------------------------


def _find_time_column(cells: pd.DataFrame, settings: Settings, source: str) -> str | None:
    columns = [str(c) for c in cells.columns]
    if settings.time_col is not None:
        name = " ".join(settings.time_col.split())
        if name not in columns:
            raise _unknown_column(source, name, columns, "--time-col")
        return name
    for name in columns:  # a column named like time wins, as long as it holds dates
        if _named_like_time(name) and _holds_dates(cells[name], NAMED_DATE_SHARE, named=True):
            return name
    for name in columns:  # else the first text column whose values are dates
        if not _all_numeric(cells[name]) and _holds_dates(cells[name], DATE_SHARE, named=False):
            return name
    return None


def _named_like_time(name: str) -> bool:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)  # OrderDate -> Order Date
    return any(word in TIME_NAME_WORDS for word in re.findall(r"[a-z]+", spaced.lower()))


def _all_numeric(column: pd.Series) -> bool:
    present = column[column != ""]
    # Either decimal style: "1,5" must not be mistaken for a date (dateutil reads it).
    # The first cells are a cheap look before the whole column is converted.
    return not present.empty and any(
        bool(_to_numbers(present.head(20), comma).notna().all())
        and bool(_to_numbers(present, comma).notna().all())
        for comma in (False, True)
    )


def _holds_dates(column: pd.Series, share: float, *, named: bool) -> bool:
    sample = column[column != ""].head(SNIFF_RECORDS)
    if sample.empty:
        return False
    if _all_numeric(sample):
        # Bare numbers are only times when the name says so (years, 20200131, epochs).
        return named and _numeric_time_kwargs(sample) is not None
    with_digit = np.array([any(ch.isdigit() for ch in v) for v in sample])
    parsed = _to_datetime_quiet(sample, format="mixed", errors="coerce", utc=True)
    if parsed is None:
        return False
    return float((parsed.notna().to_numpy() & with_digit).mean()) >= share


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


def _parse_times(column: pd.Series, name: str, source: str, notices: list[str]) -> pd.Series:
    missing = column == ""
    if missing.any():
        row = int(missing[missing].index[0])
        raise AdvisorInputError(
            source,
            f"the time column {_show(name)} is empty",
            where=f"row {row}",
            fix="fill in the time or delete the row",
        )

    numeric = _numeric_time_kwargs(column) if _all_numeric(column) else None
    if numeric is None and _all_numeric(column):
        # dateutil would read "7" as the 7th of this month: plain numbers are no dates.
        raise AdvisorInputError(
            source,
            f"the time column {_show(name)} holds plain numbers ({_show(column.iloc[0])}), "
            "not dates",
            fix="leave out --time-col to use the row order, or write the times as dates",
        )
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
                notices.append(f"read the dates in {_show(name)} as day/month/year")
        if parsed is None:  # mixed formats, or a bad value: parse one by one
            single_format = False
            parsed = _to_datetime_quiet(column, format="mixed", errors="coerce")
            if parsed is None:  # mixed UTC offsets
                parsed = _to_datetime_quiet(column, format="mixed", errors="coerce", utc=True)
    if parsed is None:  # pragma: no cover - coerce does not raise on bad values
        raise AdvisorInputError(
            source,
            f"the time column {_show(name)} cannot be read as dates",
            fix="write the times as YYYY-MM-DD or YYYY-MM-DD HH:MM",
        )
    bad = parsed.isna()
    if bad.any():
        row = int(bad[bad].index[0])
        raise AdvisorInputError(
            source,
            f"{_show(column[row])} in the time column {_show(name)} is not a date or time",
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
            f"the times in {_show(name)} carry a time zone; used them as {zone} clock times"
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
                f"the dates in {_show(name)} use more than one format (row {first_row} "
                f"{_show(column.iloc[0])}, row {row} {_show(value)}); each was read on its own, "
                "check that day and month are not swapped"
            )
            return


def _refuse_duplicate_times(times: pd.Series, raw: pd.Series, name: str, source: str) -> None:
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
        f"duplicate timestamp {_show(raw[first])} in {_show(name)}{more}",
        where=f"rows {shown}",
        fix="aggregate the rows for each time (e.g. sum or mean them) or remove the duplicates",
    )


def _sort_by_time(
    cells: pd.DataFrame, times: pd.Series, name: str, notices: list[str]
) -> tuple[pd.DataFrame, pd.Series]:
    if times.is_monotonic_increasing:
        return cells, times
    steps_back = times.diff() < pd.Timedelta(0)
    row = int(steps_back[steps_back].index[0])
    notices.append(
        f"the rows were not in time order (row {row}, {_show(cells.at[row, name])}, is earlier "
        f"than the row above it); sorted them by {_show(name)}"
    )
    order = np.argsort(times.to_numpy(), kind="stable")
    return cells.iloc[order], times.iloc[order]


def _frequency(
    index: pd.DatetimeIndex, rows: np.ndarray, name: str, notices: list[str]
) -> str | None:
    freq = _infer_freq(index)
    if freq is None:
        position = _first_irregular_position(index)
        notices.append(
            f"the times in {_show(name)} are not evenly spaced (first irregular step at row "
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


# --- numbers --------------------------------------------------------------------------

COMMA_DECIMAL = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d*),\d+$")
DOT_DECIMAL = re.compile(r"^[+-]?\d*\.\d+([eE][+-]?\d+)?$")


def _uses_decimal_comma(cells: pd.DataFrame, delimiter: str, time_col: str | None) -> bool:
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


def _to_numbers(column: pd.Series, decimal_comma: bool) -> pd.Series:
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


def _choose_target(
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
                f"--target {_show(name)} is the time column",
                fix="pass the column of values to forecast as --target",
            )
        if name not in columns:
            raise _unknown_column(source, name, [str(c) for c in cells.columns], "--target")
        return name
    if not columns:
        raise AdvisorInputError(
            source,
            "has only a time column, no values to forecast",
            where=f"columns: {_names(list(cells.columns))}",
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
            where=f"candidates: {_names(candidates)}",
            fix=f"pass --target NAME, e.g. --target {shlex.quote(candidates[0])}",
        )
    empty = [c for c in columns if (cells[c] == "").all()]
    if len(empty) == 1:
        return empty[0]  # refused below as an empty target, which says more
    raise AdvisorInputError(
        source,
        "has no numeric column to forecast",
        where=f"columns: {_names(columns)}",
        fix="check the delimiter and decimal separator, or pass --target NAME",
    )


def _check_target_cells(cells: pd.Series, numbers: pd.Series, name: str, source: str) -> None:
    row = _first_text_row(cells, numbers)
    if row is not None:
        raise AdvisorInputError(
            source,
            f"the target {_show(name)} is not numeric: {_show(cells[row])} is not a number",
            where=f"row {row}",
            fix="correct that value or leave the cell empty if it is missing",
        )
    if numbers.isna().all():
        raise AdvisorInputError(
            source,
            f"the target {_show(name)} has no values (every cell is empty)",
            fix="pass --target with a column that holds the values",
        )
    infinite = np.isinf(numbers.to_numpy())
    if infinite.any():
        row = int(numbers.index[np.flatnonzero(infinite)].min())
        raise AdvisorInputError(
            source,
            f"the target {_show(name)} has an infinite value {_show(cells[row])}",
            where=f"row {row}",
            fix="replace it with a real number, or leave the cell empty if it is unknown",
        )


def _choose_features(
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
                f"ignored column {_show(name)}: mostly numbers but row {row} holds "
                f"{_show(cells[name][row])}"
            )
        else:
            text_columns.append(name)
    if text_columns:
        notices.append(
            f"ignored non-numeric column(s) {_names(text_columns)}; only numbers "
            "can be model inputs"
        )
    if empty:
        notices.append(f"ignored empty column(s) {_names(empty)}")
    return tuple(features)


# --- cleaning -------------------------------------------------------------------------


def _trim_target(
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
        f"dropped {len(dropped)} row(s) at the start or end where the target {_show(target)} is "
        f"empty (rows {_ranges(dropped)})"
    )
    return values.iloc[start:stop].copy(), rows[start:stop]


def _fill_target(series: pd.Series, rows: np.ndarray, source: str, notices: list[str]) -> pd.Series:
    name = str(series.name)
    missing = series.isna().to_numpy()
    if not missing.any():
        return series
    share = float(missing.mean())
    if share > MAX_MISSING_SHARE:
        raise AdvisorInputError(
            source,
            f"the target {_show(name)} is too sparse: {share:.0%} of its values are "
            f"missing (at most {MAX_MISSING_SHARE:.0%} can be filled in)",
            fix="fill the gaps at the source or use a denser series",
        )
    start, length = _longest_run(missing)
    limit = max(MIN_GAP_LIMIT, GAP_LIMIT_SHARE * len(series))
    if length > limit:
        raise AdvisorInputError(
            source,
            f"the target {_show(name)} is too sparse: {length} values in a row are "
            f"missing (at most {int(limit)} can be filled in)",
            where=f"rows {int(rows[start])}-{int(rows[start + length - 1])}",
            fix="fill the gap at the source, or start the file after it",
        )
    timed = isinstance(series.index, pd.DatetimeIndex)
    filled = series.interpolate(method="time" if timed else "linear")
    first = int(rows[np.flatnonzero(missing)[0]])
    notices.append(
        f"filled {int(missing.sum())} missing value(s) in the target {_show(name)} by "
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


def _refuse_constant(series: pd.Series, source: str) -> None:
    if float(series.max() - series.min()) == 0.0:  # std can be 1e-17 for equal floats
        raise AdvisorInputError(
            source,
            f"the target {_show(str(series.name))} is constant (every value is "
            f"{float(series.iloc[0]):g}); there is nothing to forecast",
            fix="pass --target with a column whose values change",
        )


def _fill_features(values: pd.DataFrame, features: list[str], notices: list[str]) -> pd.DataFrame:
    timed = isinstance(values.index, pd.DatetimeIndex)
    filled: list[str] = []
    count = 0
    for name in features:
        column = values[name].replace([np.inf, -np.inf], np.nan)
        if column.isna().all():
            notices.append(f"dropped the feature {_show(name)}: it has no values in these rows")
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
            f"{_names(filled)} by interpolation"
        )
    return values


# --- messages -------------------------------------------------------------------------


def _unknown_column(source: str, name: str, columns: list[str], flag: str) -> AdvisorInputError:
    close = _did_you_mean(name, columns)
    fix = (
        f"did you mean {_show(close)}? pass {flag} {shlex.quote(close)}"
        if close
        else f"pass {flag} with one of the column names"
    )
    return AdvisorInputError(
        source,
        f"no column named {_show(name)} (given as {flag})",
        where=f"columns: {_names(columns)}",
        fix=fix,
    )


def _did_you_mean(name: str, columns: list[str]) -> str | None:
    by_lower = {c.lower(): c for c in columns}
    if name.lower() in by_lower:
        return by_lower[name.lower()]
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[close[0]] if close else None


def _show(value: object) -> str:
    """A user's name or value, quoted and shortened, safe to print on one line."""
    text = str(value)
    if len(text) > SHOW_CHARS:
        text = text[: SHOW_CHARS - 3] + "..."
    return repr(text)


def _names(names: Iterable[object], limit: int = 10) -> str:
    listed = [str(n) for n in names]
    shown = ", ".join(_show(n) for n in listed[:limit])
    return shown + (f" and {len(listed) - limit} more" if len(listed) > limit else "")


def _ranges(rows: list[int]) -> str:
    """2, 3, 4, 9 -> '2-4, 9'."""
    parts: list[str] = []
    for row in rows:
        if parts and row == int(parts[-1].split("-")[-1]) + 1:
            parts[-1] = f"{parts[-1].split('-')[0]}-{row}"
        else:
            parts.append(str(row))
    return ", ".join(parts)
