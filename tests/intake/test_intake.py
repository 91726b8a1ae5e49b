"""The CSV front door: messy and malformed files, each built here in ``tmp_path``.

Refused files must raise ``AdvisorInputError`` whose one line names the file, the
problem and (where there is one) the row; accepted files must come out right.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from advisor.core.errors import AdvisorInputError
from advisor.core.records import SeriesData, Settings
from advisor.core.splits import minimum_rows
from advisor.intake import CLASSIFICATION_COLUMNS, read_series

N = 40  # comfortably above the minimum row count
NEEDED = minimum_rows(1, 2)
_rng = np.random.default_rng(0)
VALUES = np.round(50 + _rng.normal(size=N).cumsum(), 3)
FEATURE = np.round(_rng.uniform(0, 10, size=N), 2)
DATES = [str(d.date()) for d in pd.date_range("2020-01-01", periods=N, freq="D")]
# Spreadsheet row of data row i: the header is row 1.
ROW = {i: i + 2 for i in range(N)}


def series_csv(
    *,
    sep: str = ",",
    header: str | None = None,
    dates: list[str] | None = None,
    values: list[str] | None = None,
    n: int = N,
) -> str:
    """A daily date,value file with optional replacements."""
    dates = dates if dates is not None else DATES[:n]
    values = values if values is not None else [str(v) for v in VALUES[:n]]
    head = header if header is not None else sep.join(("date", "value"))
    return head + "\n" + "".join(f"{d}{sep}{v}\n" for d, v in zip(dates, values, strict=True))


def with_value(i: int, cell: str) -> list[str]:
    values = [str(v) for v in VALUES]
    values[i] = cell
    return values


def xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", "<worksheet/>")
    return buffer.getvalue()


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("data.csv", series_csv())
    return buffer.getvalue()


DIRECTORY = object()  # sentinel: create a folder instead of a file
NOTHING = object()  # sentinel: create nothing at all

HTML_NAME = "<script>alert(1)</script>"
FORMULA_NAME = '=HYPERLINK("http://example.com","click")'
FORMULA_CELL = '"=HYPERLINK(""http://example.com"",""click"")"'  # as a CSV writer quotes it
TWO_NUMERIC = "date,a,b\n" + "".join(
    f"{d},{v},{f}\n" for d, v, f in zip(DATES, VALUES, FEATURE, strict=True)
)

# (file name, content, settings, words the one-line message must contain)
REFUSED = [
    pytest.param("empty.csv", b"", Settings(), ["empty", "0 bytes"], id="empty-file"),
    pytest.param(
        "header.csv", "date,value\n", Settings(), ["no data rows", str(NEEDED)], id="header-only"
    ),
    pytest.param("one.csv", series_csv(n=1), Settings(), ["only 1 row", str(NEEDED)], id="one-row"),
    pytest.param(
        "five.csv",
        series_csv(n=5),
        Settings(),
        ["only 5 rows", f"at least {NEEDED}", "lookback + horizon"],
        id="too-few-rows",
    ),
    pytest.param(
        "text.csv",
        series_csv(values=with_value(3, "abc")),
        Settings(),
        ["not numeric", "'abc'", f"row {ROW[3]}"],
        id="non-numeric-target",
    ),
    pytest.param(
        "nan.csv",
        series_csv(values=[""] * N),
        Settings(),
        ["'value'", "no values"],
        id="all-nan-target",
    ),
    pytest.param(
        "nan2.csv",
        "date,a,c\n" + "".join(f"{d},{v},\n" for d, v in zip(DATES, VALUES, strict=True)),
        Settings(target="c"),
        ["'c'", "no values"],
        id="all-nan-named-target",
    ),
    pytest.param("blank.csv", "\n\n  \n", Settings(), ["blank lines"], id="blank-lines-only"),
    pytest.param(
        "table.parquet",
        b"PAR1\x15\x04\x15\x00" + bytes(64) + b"PAR1",
        Settings(),
        ["parquet"],
        id="parquet",
    ),
    pytest.param(
        "flat.csv",
        series_csv(values=["7"] * N),
        Settings(),
        ["constant", "7"],
        id="constant-target",
    ),
    pytest.param(
        "inf.csv",
        series_csv(values=with_value(2, "inf")),
        Settings(),
        ["infinite", f"row {ROW[2]}"],
        id="inf-value",
    ),
    pytest.param(
        "minf.csv",
        series_csv(values=with_value(5, "-inf")),
        Settings(),
        ["infinite", "'-inf'", f"row {ROW[5]}"],
        id="minus-inf-value",
    ),
    pytest.param(
        "dup.csv",
        series_csv(dates=[*DATES[:3], DATES[2], *DATES[4:]]),
        Settings(),
        ["duplicate", DATES[2], f"rows {ROW[2]}, {ROW[3]}", "aggregate"],
        id="duplicate-timestamps",
    ),
    pytest.param(
        "baddate.csv",
        series_csv(dates=[*DATES[:4], "2020-13-45", *DATES[5:]]),
        Settings(),
        ["'2020-13-45'", "not a date", f"row {ROW[4]}"],
        id="bad-date",
    ),
    pytest.param(
        "nodate.csv",
        series_csv(dates=[*DATES[:6], "", *DATES[7:]]),
        Settings(),
        ["time column", "empty", f"row {ROW[6]}"],
        id="missing-date",
    ),
    pytest.param(
        "image.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)), Settings(), ["png"], id="png-renamed"
    ),
    pytest.param(
        "photo.csv", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", Settings(), ["jpeg"], id="jpeg-renamed"
    ),
    pytest.param(
        "book.csv", xlsx_bytes(), Settings(), ["excel", "xlsx", "save as"], id="xlsx-renamed"
    ),
    pytest.param(
        "old.csv",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512),
        Settings(),
        ["excel", ".xls"],
        id="xls-ole",
    ),
    pytest.param(
        "report.csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", Settings(), ["pdf"], id="pdf"
    ),
    pytest.param(
        "archive.csv", zip_bytes(), Settings(), ["zip archive", "data.csv"], id="plain-zip"
    ),
    pytest.param(
        "blob.csv", b"date,value\n\x00\x01\x02\x03", Settings(), ["binary", "nul"], id="nul-bytes"
    ),
    pytest.param(
        "page.csv",
        "<!DOCTYPE html>\n<html><body><table></table></body></html>\n",
        Settings(),
        ["html"],
        id="html-page",
    ),
    pytest.param(
        "data.csv", '[{"date": "2020-01-01", "value": 1}]', Settings(), ["json"], id="json-document"
    ),
    pytest.param("broken.csv", b"\x1f\x8b\x08\x00garbage", Settings(), ["gzip"], id="damaged-gzip"),
    pytest.param("missing.csv", NOTHING, Settings(), ["not found"], id="no-such-file"),
    pytest.param("folder", DIRECTORY, Settings(), ["directory"], id="directory"),
    pytest.param(
        "two.csv",
        TWO_NUMERIC,
        Settings(),
        ["2 numeric columns", "'a'", "'b'", "--target"],
        id="several-numeric-no-target",
    ),
    pytest.param(
        "sales.csv",
        series_csv(header="date,Sales"),
        Settings(target="Sale"),
        ["no column named 'sale'", "--target", "did you mean 'sales'"],
        id="unknown-target-did-you-mean",
    ),
    pytest.param(
        "sales2.csv",
        series_csv(header="date,Sales"),
        Settings(time_col="Datum"),
        ["no column named 'datum'", "--time-col", "'date', 'sales'"],
        id="unknown-time-col",
    ),
    pytest.param(
        "steps.csv",
        series_csv(header="step,value", dates=[f"{i}.5" for i in range(N)]),
        Settings(time_col="step"),
        ["'step'", "numbers with fractions", "neither dates nor whole time steps"],
        id="fractional-time-col",
    ),
    pytest.param(
        "extra.csv",
        series_csv(values=[*(str(v) for v in VALUES[:4]), f"{VALUES[4]},7", *map(str, VALUES[5:])]),
        Settings(),
        ["3 fields where the header has 2", f"row {ROW[4]}"],
        id="extra-field-with-a-value",
    ),
    pytest.param(
        "flat01.csv",
        series_csv(values=["0.1"] * N),
        Settings(),
        ["constant"],
        id="constant-float-target",
    ),
    pytest.param(
        "same.csv",
        series_csv(),
        Settings(target="date"),
        ["time column"],
        id="target-is-time-column",
    ),
    pytest.param(
        "sparse.csv",
        series_csv(values=["" if i % 3 == 1 else str(v) for i, v in enumerate(VALUES)]),
        Settings(),
        ["too sparse", "%"],
        id="too-sparse-share",
    ),
    pytest.param(
        "holes.csv",
        series_csv(values=["" if 10 <= i < 15 else str(v) for i, v in enumerate(VALUES)]),
        Settings(),
        ["too sparse", "5 values in a row", f"rows {ROW[10]}-{ROW[14]}"],
        id="too-sparse-run",
    ),
    pytest.param(
        "seq.csv",
        "series_id,step,value,label\n1,0,0.5,a\n1,1,0.7,a\n",
        Settings(),
        ["classification", "not supported", "one row per time step"],
        id="classification-shaped",
    ),
    pytest.param(
        "any.csv",
        series_csv(),
        Settings(task="classify"),
        ["classification", "not supported"],
        id="classify-task",
    ),
    pytest.param(
        "ragged.csv",
        series_csv(values=with_value(3, "1,2")),
        Settings(),
        ["3 fields", "header has 2", f"row {ROW[3]}"],
        id="ragged-row",
    ),
    pytest.param(
        "quote.csv",
        series_csv(values=with_value(3, '"12')),
        Settings(),
        ["double quote", f"row {ROW[3]}"],
        id="unclosed-quote",
    ),
    pytest.param(
        "names.csv",
        "date,name\n" + "".join(f"{d},item {i}\n" for i, d in enumerate(DATES)),
        Settings(),
        ["no numeric column"],
        id="no-numeric-column",
    ),
    pytest.param(
        "html-names.csv",
        f"date,{HTML_NAME},{FORMULA_CELL}\n"
        + "".join(f"{d},{v},{f}\n" for d, v, f in zip(DATES, VALUES, FEATURE, strict=True)),
        Settings(),
        [HTML_NAME.lower(), "=hyperlink(", "--target"],
        id="html-and-formula-names-in-error",
    ),
    pytest.param(
        "newline-name.csv",
        '"date","my\nvalue"\n2020-01-01,1\n',
        Settings(target="x"),
        ["'my value'"],
        id="newline-in-column-name-error",
    ),
]


@pytest.mark.parametrize(("name", "content", "settings", "words"), REFUSED)
def test_refused_files_raise_one_line_errors(
    tmp_path: Path, name: str, content: object, settings: Settings, words: list[str]
) -> None:
    path = _make(tmp_path, name, content)
    with pytest.raises(AdvisorInputError) as caught:
        read_series(path, settings)
    line = caught.value.one_line()
    assert "\n" not in line and "\r" not in line
    assert line.startswith(f"{path}: ")
    for word in words:
        assert word.lower() in line.lower(), (word, line)


def test_error_names_the_display_name(tmp_path: Path) -> None:
    path = _make(tmp_path, "x.csv", b"")
    with pytest.raises(AdvisorInputError) as caught:
        read_series(path, Settings(), display_name="upload.csv")
    assert caught.value.one_line().startswith("upload.csv: ")


# --- accepted files -------------------------------------------------------------------


def _daily_index(data: SeriesData) -> None:
    assert isinstance(data.frame.index, pd.DatetimeIndex)
    assert data.frame.index.name == "date"
    assert data.frequency == "D"


def check_plain(data: SeriesData) -> None:
    _daily_index(data)
    assert data.target == "value" and data.time_column == "date" and data.features == ()
    np.testing.assert_allclose(data.frame["value"].to_numpy(), VALUES)
    assert data.notices == ()


def check_unsorted(data: SeriesData) -> None:
    _daily_index(data)
    assert data.frame.index.is_monotonic_increasing
    np.testing.assert_allclose(data.frame["value"].to_numpy(), VALUES)
    # The reversed file's row 3 is the first that steps back in time.
    assert any("not in time order" in n and "row 3" in n for n in data.notices)


def check_mixed(data: SeriesData) -> None:
    _daily_index(data)
    assert any("more than one format" in n for n in data.notices)


def check_decimal_comma(data: SeriesData) -> None:
    _daily_index(data)
    assert data.target == "value" and data.features == ("x",)
    np.testing.assert_allclose(data.frame["value"].to_numpy(), VALUES)
    np.testing.assert_allclose(data.frame["x"].to_numpy(), FEATURE)


def check_latin1(data: SeriesData) -> None:
    assert data.target == "température"
    np.testing.assert_allclose(data.frame["température"].to_numpy(), VALUES)
    assert any("latin-1" in n for n in data.notices)


def check_quoted_newlines(data: SeriesData) -> None:
    check_rows(data)
    assert any("non-numeric" in n and "'note'" in n for n in data.notices)


def check_rows(data: SeriesData) -> None:
    assert data.rows == N
    np.testing.assert_allclose(data.frame[data.target].to_numpy(), VALUES)


def check_markup_names(data: SeriesData) -> None:
    assert data.target == HTML_NAME
    assert data.features == (FORMULA_NAME,)
    assert list(data.frame.columns) == [HTML_NAME, FORMULA_NAME]


def check_no_time(data: SeriesData) -> None:
    assert data.time_column is None and data.frequency is None
    assert isinstance(data.frame.index, pd.RangeIndex)
    check_rows(data)


def check_gap(data: SeriesData) -> None:
    _daily_index(data)
    filled = data.frame["value"].iloc[[10, 11]].to_numpy()
    expected = VALUES[9] + (VALUES[12] - VALUES[9]) * np.array([1, 2]) / 3
    np.testing.assert_allclose(filled, expected)
    assert any("filled 2 missing" in n and f"row {ROW[10]}" in n for n in data.notices)


def check_trimmed(data: SeriesData) -> None:
    assert data.rows == N - 3
    np.testing.assert_allclose(data.frame["value"].to_numpy(), VALUES[2:-1])
    assert any("dropped 3 row" in n for n in data.notices)


def check_irregular(data: SeriesData) -> None:
    assert data.frequency is None and data.rows == N - 1
    assert any("not evenly spaced" in n and f"row {ROW[7]}" in n for n in data.notices)


def check_thousands(data: SeriesData) -> None:
    np.testing.assert_allclose(data.frame["value"].to_numpy(), np.round(VALUES * 1000, 1))


def check_features(data: SeriesData) -> None:
    _daily_index(data)
    assert data.target == "a" and data.features == ("b",)
    assert list(data.frame.columns) == ["a", "b"]
    assert all(dtype == np.float64 for dtype in data.frame.dtypes)
    np.testing.assert_allclose(data.frame["b"].to_numpy(), FEATURE)


def check_feature_filled(data: SeriesData) -> None:
    assert data.features == ("b",)
    assert not data.frame["b"].isna().any()
    assert any("feature" in n and "'b'" in n for n in data.notices)


def check_dayfirst(data: SeriesData) -> None:
    check_plain_values(data)
    assert data.frame.index[12] == pd.Timestamp(DATES[12])


def check_plain_values(data: SeriesData) -> None:
    _daily_index(data)
    np.testing.assert_allclose(data.frame["value"].to_numpy(), VALUES)


def check_plain_values_any(data: SeriesData) -> None:
    check_rows(data)


def check_title(data: SeriesData) -> None:
    check_plain_values(data)
    assert any("skipped 2 lines" in n for n in data.notices)


def check_saved_index(data: SeriesData) -> None:
    check_no_time(data)
    assert data.features == ()


def check_years(data: SeriesData) -> None:
    assert data.time_column == "year" and data.frequency is not None
    assert data.frame.index[0] == pd.Timestamp("1950-01-01")


def check_empty_rows(data: SeriesData) -> None:
    check_plain_values(data)
    assert data.features == ()
    assert any("empty row" in n for n in data.notices)


def check_excel_na(data: SeriesData) -> None:
    _daily_index(data)
    assert not data.frame["value"].isna().any()
    assert any("filled 1 missing" in n for n in data.notices)


def check_hourly(data: SeriesData) -> None:
    assert data.frequency is not None and data.frequency.lower() == "h"
    assert data.time_column == "timestamp"


def check_zone(data: SeriesData) -> None:
    check_plain_values(data)
    assert data.frame.index[0] == pd.Timestamp(DATES[0])  # clock time kept, not shifted
    assert any("time zone" in n for n in data.notices)


def check_value_detected_time(data: SeriesData) -> None:
    assert data.time_column == "when" and data.frequency == "D"


GAP = with_value(10, "")
GAP[11] = ""
TRIMMED = [str(v) for v in VALUES]
TRIMMED[0] = TRIMMED[1] = TRIMMED[-1] = ""
MIXED = [d.replace("-", "/") if i % 4 == 1 else d for i, d in enumerate(DATES)]
MIXED[3] = pd.Timestamp(DATES[3]).strftime("%d %b %Y")


def check_steps(data: SeriesData) -> None:
    assert data.time_column == "t" and data.frequency is None
    assert list(data.frame.index) == list(range(N))
    assert data.frame.index.name == "t"
    np.testing.assert_allclose(data.frame["value"].to_numpy(), VALUES)
    assert any("whole time steps" in n for n in data.notices)


def check_unsorted_steps(data: SeriesData) -> None:
    check_steps(data)
    assert any("not in time order" in n for n in data.notices)


def check_repeated_row(data: SeriesData) -> None:
    _daily_index(data)
    np.testing.assert_allclose(data.frame["value"].to_numpy(), VALUES)
    assert any(
        "dropped 1 row(s) repeating an earlier row" in n and f"rows {ROW[4]}" in n
        for n in data.notices
    )


def check_trailing_field(data: SeriesData) -> None:
    _daily_index(data)
    assert list(data.frame.columns) == ["value"]
    np.testing.assert_allclose(data.frame["value"].to_numpy(), VALUES)
    assert any(
        "removed an empty field after the last column in 2 row(s)" in n and f"row {ROW[3]}" in n
        for n in data.notices
    )


def check_mixed_zones(data: SeriesData) -> None:
    assert isinstance(data.frame.index, pd.DatetimeIndex) and len(data.frame) == N
    assert data.frame.index.is_monotonic_increasing
    assert any("time zone" in n for n in data.notices)


STEPS = [str(i) for i in range(N)]
SHUFFLE = np.random.default_rng(3).permutation(N)

ACCEPTED = [
    pytest.param("plain.csv", series_csv(), Settings(), check_plain, id="plain"),
    pytest.param(
        "steps.csv",
        series_csv(header="t,value", dates=STEPS),
        Settings(time_col="t"),
        check_steps,
        id="whole-time-steps-named",
    ),
    pytest.param(
        "steps.csv",
        series_csv(header="t,value", dates=STEPS),
        Settings(target="value"),
        check_steps,
        id="whole-time-steps-found",
    ),
    pytest.param(
        "steps.csv",
        series_csv(
            header="t,value",
            dates=[STEPS[i] for i in SHUFFLE],
            values=[str(VALUES[i]) for i in SHUFFLE],
        ),
        Settings(time_col="t"),
        check_unsorted_steps,
        id="whole-time-steps-unsorted",
    ),
    pytest.param(
        "repeat.csv",
        series_csv(
            dates=[*DATES[:4], DATES[3], *DATES[4:]],
            values=[*(str(v) for v in VALUES[:4]), str(VALUES[3]), *(str(v) for v in VALUES[4:])],
        ),
        Settings(),
        check_repeated_row,
        id="exact-duplicate-row",
    ),
    pytest.param(
        # Found by the fuzz campaign: a zone on one time only left uncomparable objects.
        "zones.csv",
        series_csv(dates=[*DATES[:5], f"{DATES[5]} 00:00+01:00", *DATES[6:]]),
        Settings(),
        check_mixed_zones,
        id="one-time-with-a-zone",
    ),
    pytest.param(
        "trailing.csv",
        series_csv(
            values=[
                *(str(v) for v in VALUES[:3]),
                f"{VALUES[3]},",
                str(VALUES[4]),
                f"{VALUES[5]},",
                *(str(v) for v in VALUES[6:]),
            ]
        ),
        Settings(),
        check_trailing_field,
        id="trailing-empty-field",
    ),
    pytest.param(
        "unsorted.csv",
        series_csv(dates=DATES[::-1], values=[str(v) for v in VALUES][::-1]),
        Settings(),
        check_unsorted,
        id="unsorted",
    ),
    pytest.param(
        "mixed.csv", series_csv(dates=MIXED), Settings(), check_mixed, id="mixed-date-formats"
    ),
    pytest.param(
        "euro.csv",
        "date;value;x\n"
        + "".join(
            f"{d};{str(v).replace('.', ',')};{str(f).replace('.', ',')}\n"
            for d, v, f in zip(DATES, VALUES, FEATURE, strict=True)
        ),
        Settings(target="value"),
        check_decimal_comma,
        id="semicolon-decimal-comma",
    ),
    pytest.param(
        "bom.csv", b"\xef\xbb\xbf" + series_csv().encode(), Settings(), check_plain, id="utf8-bom"
    ),
    pytest.param(
        "latin.csv",
        series_csv(header="date,température").encode("cp1252"),
        Settings(),
        check_latin1,
        id="latin-1-bytes",
    ),
    pytest.param(
        "notes.csv",
        "date,value,note\n"
        + "".join(
            f'{d},{v},"first line\nsecond, line"\n' for d, v in zip(DATES, VALUES, strict=True)
        ),
        Settings(),
        check_quoted_newlines,
        id="quoted-newlines",
    ),
    pytest.param(
        "markup.csv",
        f"date,{HTML_NAME},{FORMULA_CELL}\n"
        + "".join(f"{d},{v},{f}\n" for d, v, f in zip(DATES, VALUES, FEATURE, strict=True)),
        Settings(target=HTML_NAME),
        check_markup_names,
        id="html-and-formula-names",
    ),
    pytest.param("tabs.csv", series_csv(sep="\t"), Settings(), check_plain, id="tab-separated"),
    pytest.param("pipes.csv", series_csv(sep="|"), Settings(), check_plain, id="pipe-separated"),
    pytest.param(
        "crlf.csv", series_csv().replace("\n", "\r\n"), Settings(), check_plain, id="crlf-line-ends"
    ),
    pytest.param(
        "utf16.csv",
        series_csv(sep="\t").encode("utf-16"),
        Settings(),
        check_plain_values,
        id="utf16-excel-unicode-text",
    ),
    pytest.param(
        "bare.csv",
        "value\n" + "".join(f"{v}\n" for v in VALUES),
        Settings(),
        check_no_time,
        id="no-time-column",
    ),
    pytest.param(
        "gap.csv", series_csv(values=GAP), Settings(), check_gap, id="short-gap-interpolated"
    ),
    pytest.param(
        "na.csv",
        series_csv(values=with_value(9, "#N/A")),
        Settings(),
        check_excel_na,
        id="excel-na-token",
    ),
    pytest.param(
        "ends.csv",
        series_csv(values=TRIMMED),
        Settings(),
        check_trimmed,
        id="leading-trailing-missing-dropped",
    ),
    pytest.param(
        "irregular.csv",
        series_csv(dates=DATES[:7] + DATES[8:], values=[str(v) for v in VALUES[: N - 1]]),
        Settings(),
        check_irregular,
        id="irregular-spacing",
    ),
    pytest.param(
        "thousands.csv",
        series_csv(values=[f'"{v * 1000:,.1f}"' for v in VALUES]),
        Settings(),
        check_thousands,
        id="thousands-separators",
    ),
    pytest.param(
        "features.csv", TWO_NUMERIC, Settings(target="a"), check_features, id="features-kept"
    ),
    pytest.param(
        "feature-gap.csv",
        TWO_NUMERIC.replace(f",{FEATURE[5]}\n", ",\n", 1),
        Settings(target="a"),
        check_feature_filled,
        id="feature-gap-filled",
    ),
    pytest.param(
        "dayfirst.csv",
        series_csv(dates=[f"{d[8:]}/{d[5:7]}/{d[:4]}" for d in DATES]),
        Settings(),
        check_dayfirst,
        id="day-first-dates",
    ),
    pytest.param(
        "title.csv",
        "Daily sales export\n\n" + series_csv(),
        Settings(),
        check_title,
        id="title-line-above-header",
    ),
    pytest.param(
        "index.csv",
        ",value\n" + "".join(f"{i},{v}\n" for i, v in enumerate(VALUES)),
        Settings(),
        check_saved_index,
        id="saved-pandas-index",
    ),
    pytest.param(
        "years.csv",
        "year,value\n" + "".join(f"{1950 + i},{v}\n" for i, v in enumerate(VALUES)),
        Settings(),
        check_years,
        id="numeric-year-column",
    ),
    pytest.param(
        "trailing.csv",
        series_csv(header="date,value,").replace("\n", ",\n").replace("date,value,,", "date,value,")
        + ",,\n,,\n",
        Settings(),
        check_empty_rows,
        id="excel-trailing-empty-rows-and-column",
    ),
    pytest.param(
        "hourly.csv",
        "timestamp,load\n"
        + "".join(
            f"{t},{v}\n"
            for t, v in zip(pd.date_range("2021-03-01", periods=N, freq="h"), VALUES, strict=True)
        ),
        Settings(),
        check_hourly,
        id="hourly",
    ),
    pytest.param(
        "par.csv",
        series_csv(header="date,PAR1_count"),
        Settings(),
        check_plain_values_any,
        id="header-starting-like-a-magic-number",
    ),
    pytest.param(
        "zone.csv",
        series_csv(dates=[f"{d}T00:00:00+01:00" for d in DATES]),
        Settings(),
        check_zone,
        id="time-zone-offsets",
    ),
    pytest.param(
        "when.csv",
        series_csv(header="when,value"),
        Settings(),
        check_value_detected_time,
        id="time-detected-by-values",
    ),
]


@pytest.mark.parametrize(("name", "content", "settings", "check"), ACCEPTED)
def test_accepted_files(
    tmp_path: Path,
    name: str,
    content: object,
    settings: Settings,
    check: Callable[[SeriesData], None],
) -> None:
    path = _make(tmp_path, name, content)
    data = read_series(path, settings)
    assert data.path == str(path.resolve())
    assert data.task == "forecast"
    assert data.frame.columns[0] == data.target
    assert all(dtype == np.float64 for dtype in data.frame.dtypes)
    assert not data.frame.isna().any().any()
    assert all("\n" not in notice for notice in data.notices)
    check(data)


def test_gzip_is_read_whatever_its_name_and_hashed_as_on_disk(tmp_path: Path) -> None:
    raw = gzip.compress(series_csv().encode())
    path = _make(tmp_path, "data.csv", raw)
    data = read_series(path, Settings())
    check_plain(data)
    assert data.sha256 == hashlib.sha256(raw).hexdigest()


def test_sha256_is_of_the_raw_bytes(tmp_path: Path) -> None:
    raw = b"\xef\xbb\xbf" + series_csv().encode()
    data = read_series(_make(tmp_path, "bom.csv", raw), Settings())
    assert data.sha256 == hashlib.sha256(raw).hexdigest()


def test_classification_columns_are_named_in_a_constant() -> None:
    assert set(CLASSIFICATION_COLUMNS) == {"series_id", "label"}


def _make(tmp_path: Path, name: str, content: object) -> Path:
    path = tmp_path / name
    if content is DIRECTORY:
        path.mkdir()
        (path / "inside.csv").write_text(series_csv())
    elif content is NOTHING:
        pass
    elif isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        # newline="" keeps "\r\n" and quoted newlines exactly as written here.
        with path.open("w", encoding="utf-8", newline="") as handle:
            handle.write(content)
    else:  # pragma: no cover - a mistake in the table above
        raise TypeError(content)
    return path
