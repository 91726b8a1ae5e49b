"""Read a sequence-classification CSV (one label per whole sequence) into a ``SequenceSet``.

Two layouts are read. ``long``: one row per time step, ``series_id, t, features..., label``
(an optional ``split`` column of ``train``/``test``); each feature column is a channel.
``wide``: one row per sequence, a label column and one column per step; empty cells at
the end of a row make that sequence shorter.

The file goes through the same front door as a forecasting file (``cells.read_cells``:
gzip, encodings, delimiters, a BOM, title lines, with the same notices), and bad input
ends in one ``AdvisorInputError`` line as there. Columns not named by the options are
found from the data:

- the id: a column named like one (``series_id``, ``sample``) whose values repeat, else
  a column whose values repeat in runs and whose groups each hold one label;
- the label: a column named like one (``label``, ``class``), else a text column, else
  one of a few whole numbers, constant within each sequence;
- the time: a column named like time whose values order each sequence's rows, or a
  column of dates, as the forecasting intake finds it; else the rows' order in the file;
- the split: a column named ``split``.
"""

from __future__ import annotations

import hashlib
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from advisor.core.errors import AdvisorInputError
from advisor.core.records import Task, TaskChoice
from advisor.core.sequences import PAD_VALUE, Layout, SequenceOptions, SequenceSet
from advisor.intake.cells import CLASSIFICATION_COLUMNS, drop_saved_index, read_cells
from advisor.intake.columns import choose_features, to_numbers, uses_decimal_comma
from advisor.intake.files import read_bytes
from advisor.intake.messages import show, show_names, unknown_column
from advisor.intake.times import (
    DATE_SHARE,
    NAMED_DATE_SHARE,
    all_numeric,
    holds_dates,
    named_like_time,
    parse_times,
)

ID_WORDS = frozenset({"id", "ids", "uid", "series", "sequence", "seq", "sample", "instance"})
LABEL_WORDS = frozenset(
    {"label", "labels", "class", "classes", "category", "target", "y", "activity", "outcome"}
)
SPLIT_NAME = "split"
SPLITS = ("train", "test")
MAX_INTEGER_CLASSES = 20
"""An unnamed column of whole numbers is taken for the label only with this few values:
more look like a count or a measurement."""
ORDER_SHARE = 0.9
"""Share of a time column's steps within sequences that must rise (or be even)."""
WIDE_CHANNEL = "value"
"""The one channel of a wide file (its step columns are time, not channels)."""

FLAGS = {
    "id_col": "--id-col",
    "label": "--label",
    "time_col": "--time-col",
    "split_col": "--split-col",
}


def read_sequences(
    path: str | Path,
    options: SequenceOptions | None = None,
    *,
    display_name: str | None = None,
) -> SequenceSet:
    """Read, check and pad a classification CSV file (plain or gzip-compressed)."""
    source = display_name or str(path)
    return sequences_from_bytes(read_bytes(Path(path), source), options, source)


def sequences_from_bytes(raw: bytes, options: SequenceOptions | None, source: str) -> SequenceSet:
    """The stages after the bytes are in hand, for a file or a frame in memory."""
    options = options or SequenceOptions()
    notices: list[str] = []
    cells, delimiter = read_cells(raw, source, notices)
    if cells.empty:
        raise AdvisorInputError(
            source,
            "has column names but no data rows; sequences of at least two classes are needed",
            fix="pass the file with the data in it",
        )
    cells = drop_saved_index(cells, notices)
    given = _given_columns(cells, options, source)
    table = _Table(cells, uses_decimal_comma(cells, delimiter, given.get("time_col")))
    split = given.get("split_col") or _named(cells, SPLIT_NAME, exclude=set(given.values()))

    layout: Layout
    found: tuple[str, np.ndarray, str] | None = None
    if options.layout != "wide":
        found = _find_id_and_label(table, given, split, source)
    if options.layout == "long" and found is None:
        raise AdvisorInputError(
            source,
            "no column identifies the sequences (a column whose value repeats on every "
            "row of one sequence)",
            where=f"columns: {show_names(cells.columns)}",
            fix="pass --id-col NAME",
        )
    if found is not None:
        layout = "long"
        parsed = _read_long(table, found, given, split, source, notices)
    else:
        layout = "wide"
        parsed = _read_wide(table, given, split, source, notices)
    return _finish(parsed, raw, source, layout, notices)


def detect_task(cells: pd.DataFrame, task: TaskChoice = "auto") -> Task:
    """``classify`` where the cells (as ``cells.read_cells`` gives them) hold an id column
    and a label column with one label per id; ``forecast`` for everything else. An
    explicit ``task`` (``--task``) wins."""
    if task != "auto":
        return task
    lowered = {str(c).lower() for c in cells.columns}
    if all(c in lowered for c in CLASSIFICATION_COLUMNS):
        return "classify"  # the reader then says what is wrong with such a file, if anything
    table = _Table(cells, decimal_comma=False)
    found = _find_id_and_label(table, {}, _named(cells, SPLIT_NAME, exclude=set()), "")
    if found is None:
        return "forecast"
    id_col, _, label_col = found
    # A forecasting file's columns can repeat in runs and nest too (a regime number, and
    # a policy constant within each regime): without a name saying id or label, it
    # stays a series.
    named = _named_like(id_col, ID_WORDS) or _named_like(label_col, LABEL_WORDS)
    return "classify" if named else "forecast"


# --- columns --------------------------------------------------------------------------


class _Table:
    """The text cells, with a column's numbers converted on first use: most columns are
    looked at for detection only, and a large file's conversion is its slowest step."""

    def __init__(self, cells: pd.DataFrame, decimal_comma: bool):
        self.cells = cells
        self.decimal_comma = decimal_comma
        self.rows = cells.index.to_numpy()
        self._numbers: dict[str, pd.Series] = {}

    @property
    def columns(self) -> list[str]:
        return [str(c) for c in self.cells.columns]

    def text(self, name: str) -> np.ndarray:
        return self.cells[name].to_numpy(dtype=object)

    def numbers(self, name: str) -> pd.Series:
        if name not in self._numbers:
            self._numbers[name] = to_numbers(self.cells[name], self.decimal_comma)
        return self._numbers[name]

    def keep(self, rows: np.ndarray) -> None:
        self.cells = self.cells[rows]
        self.rows = self.cells.index.to_numpy()
        self._numbers = {k: v[rows] for k, v in self._numbers.items()}


def _given_columns(cells: pd.DataFrame, options: SequenceOptions, source: str) -> dict[str, str]:
    columns = [str(c) for c in cells.columns]
    given: dict[str, str] = {}
    for option, flag in FLAGS.items():
        value = getattr(options, option)
        if value is None:
            continue
        name = " ".join(str(value).split())
        if name not in columns:
            raise unknown_column(source, name, columns, flag)
        for other, taken in given.items():
            if taken == name:
                raise AdvisorInputError(
                    source,
                    f"{FLAGS[other]} and {flag} both name the column {show(name)}",
                    fix="give each role its own column",
                )
        given[option] = name
    return given


def _words(name: str) -> list[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)  # SampleId -> Sample Id
    return re.findall(r"[a-z]+", spaced.lower())


def _named_like(name: str, words: frozenset[str]) -> bool:
    return any(word in words for word in _words(name))


def _named(cells: pd.DataFrame, wanted: str, exclude: set[str]) -> str | None:
    for name in cells.columns:
        if str(name).lower() == wanted and name not in exclude:
            return str(name)
    return None


def _constant_within(codes: np.ndarray, values: np.ndarray) -> bool:
    """Every group of ``codes`` holds one value (empty cells aside), and some are filled."""
    present = values != ""
    if not present.any():
        return False
    value_codes, _ = pd.factorize(values[present])
    by_group = pd.Series(value_codes).groupby(codes[present])
    return bool((by_group.min() == by_group.max()).all())


def _in_runs(codes: np.ndarray) -> bool:
    """Each value's rows are one unbroken block, as a sequence's rows are in a file."""
    runs = 1 + int(np.count_nonzero(codes[1:] != codes[:-1]))
    return runs == int(codes.max()) + 1


def _whole_numbers(numbers: pd.Series) -> bool:
    values = numbers.to_numpy()
    return bool(np.isfinite(values).all() and (values == np.round(values)).all())


def _id_candidates(table: _Table, exclude: set[str]) -> list[tuple[str, np.ndarray]]:
    """Columns that could identify the sequences, best first: named like an id, then
    columns of repeating whole numbers or text, more sequences first."""
    scored: list[tuple[tuple[bool, int, int], str, np.ndarray]] = []
    for position, name in enumerate(table.columns):
        named = _named_like(name, ID_WORDS)
        if name in exclude or (named_like_time(name) and not named):
            continue
        codes, uniques = pd.factorize(table.text(name))
        groups = len(uniques)
        if groups < 2 or groups >= len(codes):
            continue
        if not named:
            # Each id's rows sit together, and ids are whole numbers or names: a
            # measurement that stays put for a while is not one. Runs first: they are
            # cheap and rule out most columns before any numbers are converted.
            if not _in_runs(codes):
                continue
            numbers = table.numbers(name)
            if numbers.notna().all() and not _whole_numbers(numbers):
                continue
        scored.append(((not named, -groups, position), name, codes))
    return [(name, codes) for _, name, codes in sorted(scored, key=lambda s: s[0])]


def _label_candidates(table: _Table, codes: np.ndarray, exclude: set[str]) -> list[str]:
    """Columns holding one value per sequence that could be its class, best first: named
    like a label, then text, then a few whole numbers; the rightmost first within each,
    as a label usually closes a row."""
    groups = int(codes.max()) + 1
    named: list[str] = []
    text: list[str] = []
    integers: list[str] = []
    for name in reversed(table.columns):
        if name in exclude:
            continue
        values = table.text(name)
        if not _constant_within(codes, values):
            continue
        distinct = len(set(values[values != ""]))
        numbers = table.numbers(name)
        numeric = bool(numbers[values != ""].notna().all())
        if _named_like(name, LABEL_WORDS):
            named.append(name)
        elif not numeric and distinct < groups:
            text.append(name)
        elif (
            numeric
            and _whole_numbers(numbers[values != ""])
            and 2 <= distinct <= min(MAX_INTEGER_CLASSES, groups - 1)
        ):
            integers.append(name)
    return named + text + integers


def _find_id_and_label(
    table: _Table, given: dict[str, str], split: str | None, source: str
) -> tuple[str, np.ndarray, str] | None:
    """The long layout's id column (with each row's sequence number) and label column;
    ``None`` where no column repeats as an id does (a wide file)."""
    reserved = {c for c in (split, given.get("time_col")) if c}
    id_given = given.get("id_col")
    label_given = given.get("label")
    if id_given is not None:
        codes, uniques = pd.factorize(table.text(id_given))
        if len(uniques) >= len(codes):
            return None  # one row per id: a wide file with an id column
        candidates = [(id_given, codes)]
    else:
        candidates = _id_candidates(table, reserved | ({label_given} if label_given else set()))
    if label_given is not None:
        if not candidates:
            return None
        given_labels = table.text(label_given)
        for id_col, codes in candidates:
            if _constant_within(codes, given_labels):
                return id_col, codes, label_given
        # No column holds one label per group: the likeliest id, whose disagreeing rows
        # the reader then names.
        return candidates[0][0], candidates[0][1], label_given
    for id_col, codes in candidates:
        labels = _label_candidates(table, codes, reserved | {id_col})
        if labels:
            return id_col, codes, labels[0]
        if id_given is not None or _named_like(id_col, ID_WORDS):
            # A trusted id whose label-named column varies within it: the reader names
            # the sequence whose rows disagree, which says more than "no label".
            named = [
                c
                for c in reversed(table.columns)
                if c not in reserved | {id_col} and _named_like(c, LABEL_WORDS)
            ]
            if named:
                return id_col, codes, named[0]
            if id_given is not None:
                raise _no_label(table, source)
    return None


def _no_label(table: _Table, source: str) -> AdvisorInputError:
    return AdvisorInputError(
        source,
        "no label column found: no column holds one class per sequence",
        where=f"columns: {show_names(table.columns)}",
        fix="pass --label NAME",
    )


def _find_time(
    table: _Table, codes: np.ndarray, exclude: set[str], given: dict[str, str]
) -> str | None:
    if "time_col" in given:
        return given["time_col"]
    for name in table.columns:
        if name in exclude or not named_like_time(name):
            continue
        column = table.cells[name]
        if all_numeric(column):
            numbers = table.numbers(name)
            if _whole_numbers(numbers) or _orders_rows(numbers.to_numpy(), codes):
                return name
        elif holds_dates(column, NAMED_DATE_SHARE, named=True):
            return name
    for name in table.columns:
        column = table.cells[name]
        if (
            name not in exclude
            and not all_numeric(column)
            and holds_dates(column, DATE_SHARE, named=False)
        ):
            return name
    return None


def _orders_rows(numbers: np.ndarray, codes: np.ndarray) -> bool:
    """Numbers with fractions (seconds) can be each sequence's time: within each sequence
    they mostly rise in file order, or once sorted they mostly step evenly (a shuffled
    counter). Mostly, so that a stray repeated or misplaced row is refused or sorted by
    the reader instead of turning the time into a channel; a measurement named like time
    (``day_temp``) does neither."""
    if not np.isfinite(numbers).all():
        return False
    by_file = np.argsort(codes, kind="stable")
    same = codes[by_file][1:] == codes[by_file][:-1]
    steps = np.diff(numbers[by_file])[same]
    if not len(steps):
        return False
    if np.mean(steps > 0) >= ORDER_SHARE:
        return True
    steps = np.diff(numbers[np.lexsort((numbers, codes))])[same]
    typical = float(np.median(steps))
    return typical > 0 and np.mean(np.isclose(steps, typical)) >= ORDER_SHARE


# --- long and wide layouts ------------------------------------------------------------


@dataclass(frozen=True)
class _Parsed:
    """What a layout's reader hands to the checks every layout shares."""

    values: np.ndarray
    lengths: np.ndarray
    labels: list[str]
    ids: list[str]
    splits: list[str] | None
    first_rows: np.ndarray
    """Spreadsheet row where each sequence starts, for messages."""
    channels: tuple[str, ...]
    id_column: str | None
    label_column: str
    time_column: str | None
    split_column: str | None


def _features(table: _Table, roles: set[str], source: str, notices: list[str]) -> tuple[str, ...]:
    others = [c for c in table.columns if c not in roles]
    numbers = {c: table.numbers(c) for c in others}
    features = choose_features(table.cells, numbers, others, notices)
    if not features:
        raise AdvisorInputError(
            source,
            "has no numeric feature column: the sequences' values must be numbers",
            where=f"columns: {show_names(table.columns)}",
            fix="check the delimiter and the decimal separator, or name the roles of the "
            "other columns with --id-col, --label and --time-col",
        )
    return features


def _refuse_empty(values: np.ndarray, table: _Table, name: str, role: str, source: str) -> None:
    empty = values == ""
    if empty.any():
        raise AdvisorInputError(
            source,
            f"the {role} column {show(name)} is empty",
            where=f"row {int(table.rows[np.argmax(empty)])}",
            fix=f"fill in the {role} or delete the row",
        )


def _read_long(
    table: _Table,
    found: tuple[str, np.ndarray, str],
    given: dict[str, str],
    split: str | None,
    source: str,
    notices: list[str],
) -> _Parsed:
    id_col, codes, label_col = found
    roles = {id_col, label_col, *([split] if split else [])}
    time_col = _find_time(table, codes, roles, given)
    if time_col is not None:
        roles.add(time_col)
        # A row repeated exactly, its time included, is an export's slip; the same time
        # with other values is refused below.
        repeated = table.cells.duplicated(keep="first").to_numpy()
        if repeated.any():
            rows = table.rows[repeated]
            notices.append(
                f"dropped {len(rows)} row(s) repeating an earlier row exactly, time "
                f"{show(time_col)} included (first at row {int(rows[0])})"
            )
            table.keep(~repeated)
    ids = table.text(id_col)
    _refuse_empty(ids, table, id_col, "id", source)
    codes, uniques = pd.factorize(ids)
    features = _features(table, roles, source, notices)

    if time_col is None:
        order = np.argsort(codes, kind="stable")
        if "time_col" not in given:
            notices.append(
                "no time column found; the rows of each sequence are taken in file order"
            )
    else:
        order = _time_order(table, codes, uniques, time_col, source, notices)
    sorted_codes = codes[order]
    n = len(uniques)
    lengths = np.bincount(codes, minlength=n)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    first_rows = table.rows[order][starts]

    labels = _one_per_sequence(table, label_col, codes, uniques, "label", source, notices)
    splits = (
        _one_per_sequence(table, split, codes, uniques, "split", source, notices) if split else None
    )
    _refuse_single_steps(lengths, uniques, first_rows, source)

    matrix = np.column_stack([table.numbers(f).to_numpy() for f in features])[order]
    matrix = _fill_within(
        matrix, sorted_codes, uniques, features, table.rows[order], source, notices
    )
    values = np.full((n, int(lengths.max()), len(features)), PAD_VALUE)
    values[sorted_codes, np.arange(len(order)) - starts[sorted_codes]] = matrix
    return _Parsed(
        values=values,
        lengths=lengths.astype(np.int64),
        labels=labels,
        ids=[str(u) for u in uniques],
        splits=splits,
        first_rows=first_rows,
        channels=features,
        id_column=id_col,
        label_column=label_col,
        time_column=time_col,
        split_column=split,
    )


def _time_order(
    table: _Table,
    codes: np.ndarray,
    uniques: np.ndarray,
    time_col: str,
    source: str,
    notices: list[str],
) -> np.ndarray:
    """Row order: by sequence, then by time within each; two rows at one time refused."""
    cells = table.text(time_col)
    _refuse_empty(cells, table, time_col, "time", source)
    key: np.ndarray
    if all_numeric(table.cells[time_col]):
        key = table.numbers(time_col).to_numpy()
        bad = ~np.isfinite(key)
        if bad.any():
            i = int(np.argmax(bad))
            raise AdvisorInputError(
                source,
                f"{show(cells[i])} in the time column {show(time_col)} is not a time",
                where=f"row {int(table.rows[i])}",
                fix="correct or delete that row",
            )
    else:
        times = parse_times(table.cells[time_col], time_col, source, notices)
        key = times.to_numpy()
        if np.issubdtype(key.dtype, np.datetime64):
            key = key.astype("datetime64[ns]").view("int64")
    in_file = np.argsort(codes, kind="stable")
    same = codes[in_file][1:] == codes[in_file][:-1]
    back = same & (key[in_file][1:] < key[in_file][:-1])
    if back.any():
        i = int(in_file[np.argmax(back) + 1])
        unsorted = len(np.unique(codes[in_file][1:][back]))
        notices.append(
            f"the rows of {unsorted} sequence(s) were not in time order (first: sequence "
            f"{show(uniques[codes[i]])}, row {int(table.rows[i])}); sorted them by {show(time_col)}"
        )
    order = np.lexsort((key, codes))
    twice = (codes[order][1:] == codes[order][:-1]) & (key[order][1:] == key[order][:-1])
    if twice.any():
        a, b = order[np.argmax(twice)], order[np.argmax(twice) + 1]
        rows = sorted((int(table.rows[a]), int(table.rows[b])))
        raise AdvisorInputError(
            source,
            f"sequence {show(uniques[codes[a]])} has two rows at the time {show(cells[a])} "
            f"in {show(time_col)}",
            where=f"rows {rows[0]}, {rows[1]}",
            fix="remove the duplicate, or aggregate the rows of each time",
        )
    return order


def _one_per_sequence(
    table: _Table,
    column: str,
    codes: np.ndarray,
    uniques: np.ndarray,
    role: str,
    source: str,
    notices: list[str],
) -> list[str]:
    """Each sequence's label (or split), which all its filled rows must agree on."""
    values = table.text(column)
    present = values != ""
    if role == "split":
        lowered = np.array([v.lower() for v in values], dtype=object)
        bad = ~np.isin(lowered, SPLITS)
        if bad.any():
            i = int(np.argmax(bad))
            raise _bad_split(column, values[i], int(table.rows[i]), source)
        values = lowered
    frame = pd.DataFrame({"code": codes[present], "value": values[present]})
    first = frame.groupby("code", sort=True)["value"]
    kinds = first.nunique()
    labelled = np.zeros(len(uniques), dtype=bool)
    labelled[kinds.index.to_numpy()] = True
    if not labelled.all():
        missing = np.flatnonzero(~labelled)
        i = int(np.argmax(codes == missing[0]))
        more = f" ({len(missing)} sequences have none)" if len(missing) > 1 else ""
        raise AdvisorInputError(
            source,
            f"sequence {show(uniques[missing[0]])} has no {role} in {show(column)}{more}",
            where=f"row {int(table.rows[i])}",
            fix=f"fill in the {role} of every sequence, or delete the rows of those without",
        )
    if (kinds > 1).any():
        code = int(kinds.index.to_numpy()[np.argmax(kinds.to_numpy() > 1)])
        rows = np.flatnonzero((codes == code) & present)
        one = values[rows[0]]
        other = int(rows[np.argmax(values[rows] != one)])
        what = "label" if role == "label" else "split (train or test)"
        fix = (
            "give every row of a sequence the same label, or pass --id-col NAME if another "
            "column identifies the sequences"
            if role == "label"
            else "put all the rows of a sequence in one split"
        )
        raise AdvisorInputError(
            source,
            f"the rows of sequence {show(uniques[code])} disagree on the {what}: "
            f"{show(one)} (row {int(table.rows[rows[0]])}) and {show(values[other])} "
            f"(row {int(table.rows[other])})",
            fix=fix,
        )
    if not present.all():
        notices.append(
            f"filled {int((~present).sum())} empty {role} cell(s) in {show(column)} from the "
            f"other rows of their sequence (first at row {int(table.rows[np.argmax(~present)])})"
        )
    by_code = first.first()
    return [str(by_code[c]) for c in range(len(uniques))]


def _bad_split(column: str, value: str, row: int, source: str) -> AdvisorInputError:
    held = f"holds {show(value)}" if value else "has an empty cell"
    return AdvisorInputError(
        source,
        f"the split column {show(column)} {held}; only 'train' and 'test' are allowed",
        where=f"row {row}",
        fix="mark every sequence train or test, or delete the split column to let the "
        "advisor split",
    )


def _refuse_single_steps(
    lengths: np.ndarray,
    ids: np.ndarray | list[str],
    first_rows: np.ndarray,
    source: str,
    fix: str = "remove it, or pass --id-col NAME if another column identifies the sequences",
) -> None:
    short = np.flatnonzero(lengths < 2)
    if len(short):
        more = f" ({len(short)} sequences have one)" if len(short) > 1 else ""
        raise AdvisorInputError(
            source,
            f"sequence {show(ids[short[0]])} has only one time step{more}; a sequence needs "
            "at least two",
            where=f"row {int(first_rows[short[0]])}",
            fix=fix,
        )


def _fill_within(
    matrix: np.ndarray,
    sorted_codes: np.ndarray,
    uniques: np.ndarray,
    channels: tuple[str, ...],
    rows: np.ndarray,
    source: str,
    notices: list[str],
) -> np.ndarray:
    """Missing or infinite values inside a sequence, interpolated from its own
    neighbours (the nearest value at its ends), never from another sequence's."""
    matrix = np.where(np.isfinite(matrix), matrix, np.nan)
    missing = np.isnan(matrix)
    if not missing.any():
        return matrix
    frame = pd.DataFrame(matrix)
    grouped = frame.groupby(sorted_codes, sort=True)
    empty = grouped.count().to_numpy() == 0
    if empty.any():
        code, channel = (int(v) for v in np.argwhere(empty)[0])
        where = rows[sorted_codes == code]
        raise AdvisorInputError(
            source,
            f"sequence {show(uniques[code])} has no values in {show(channels[channel])}",
            where=f"rows {int(where.min())}-{int(where.max())}",
            fix="fill them in, or delete the sequence's rows",
        )
    filled = grouped.transform(lambda s: s.interpolate(limit_direction="both"))
    row, channel = (int(v) for v in np.argwhere(missing)[0])
    notices.append(
        f"filled {int(missing.sum())} missing or infinite value(s) by interpolation within "
        f"each sequence (first at row {int(rows[row])}, {show(channels[channel])})"
    )
    return filled.to_numpy(dtype="float64")


def _read_wide(
    table: _Table, given: dict[str, str], split: str | None, source: str, notices: list[str]
) -> _Parsed:
    id_col = given.get("id_col") or _wide_id(table, split)
    roles = {c for c in (id_col, split) if c}
    label_col = given.get("label") or _wide_label(table, roles, source)
    roles.add(label_col)
    steps = _features(table, roles, source, notices)
    n = len(table.rows)
    if id_col is not None:
        ids = table.text(id_col)
        _refuse_empty(ids, table, id_col, "id", source)
        seen: dict[str, int] = {}
        for i, value in enumerate(ids):
            if value in seen:
                raise AdvisorInputError(
                    source,
                    f"the id {show(value)} names two rows, in a file read as one sequence a row",
                    where=f"rows {int(table.rows[seen[value]])}, {int(table.rows[i])}",
                    fix="give each row its own id, or pass --layout long if each row is one "
                    "time step",
                )
            seen[value] = i
        names = [str(v) for v in ids]
    else:
        names = [f"row {int(r)}" for r in table.rows]
    codes, shown = np.arange(n), np.array(names, dtype=object)
    labels = _one_per_sequence(table, label_col, codes, shown, "label", source, notices)
    splits = (
        _one_per_sequence(table, split, codes, shown, "split", source, notices) if split else None
    )

    matrix = np.column_stack([table.numbers(s).to_numpy() for s in steps])
    matrix = np.where(np.isfinite(matrix), matrix, np.nan)
    present = ~np.isnan(matrix)
    none = ~present.any(axis=1)
    if none.any():
        i = int(np.argmax(none))
        raise AdvisorInputError(
            source,
            f"sequence {show(names[i])} has no values",
            where=f"row {int(table.rows[i])}",
            fix="fill them in, or delete the row",
        )
    width = matrix.shape[1]
    first = present.argmax(axis=1)
    last = width - 1 - present[:, ::-1].argmax(axis=1)
    lengths = (last - first + 1).astype(np.int64)
    _refuse_single_steps(
        lengths, names, table.rows, source, fix="fill in its values, or delete the row"
    )
    if (first > 0).any():
        notices.append(
            f"{int((first > 0).sum())} sequence(s) start with empty cells (first at row "
            f"{int(table.rows[np.argmax(first > 0)])}); each was read from its first value"
        )
    inside = ~present & (np.arange(width)[None, :] >= first[:, None])
    inside &= np.arange(width)[None, :] <= last[:, None]
    if inside.any():
        matrix = pd.DataFrame(matrix).interpolate(axis=1, limit_area="inside").to_numpy()
        row, step = (int(v) for v in np.argwhere(inside)[0])
        notices.append(
            f"filled {int(inside.sum())} missing or infinite value(s) inside sequences by "
            f"interpolation within each row (first at row {int(table.rows[row])}, "
            f"{show(steps[step])})"
        )
    span = np.arange(int(lengths.max()))
    taken = np.minimum(first[:, None] + span[None, :], width - 1)
    values = np.where(
        span[None, :] < lengths[:, None], np.take_along_axis(matrix, taken, axis=1), PAD_VALUE
    )
    return _Parsed(
        values=values[:, :, None],
        lengths=lengths,
        labels=labels,
        ids=names,
        splits=splits,
        first_rows=table.rows,
        channels=(WIDE_CHANNEL,),
        id_column=id_col,
        label_column=label_col,
        time_column=None,
        split_column=split,
    )


def _wide_id(table: _Table, split: str | None) -> str | None:
    # Taken even where its values repeat: the reader then says that a repeated id means
    # a long file, which a channel of step values named "id" would hide.
    for name in table.columns:
        if name != split and _named_like(name, ID_WORDS):
            return name
    return None


def _wide_label(table: _Table, exclude: set[str], source: str) -> str:
    columns = [c for c in table.columns if c not in exclude]
    named = [c for c in columns if _named_like(c, LABEL_WORDS)]
    if named:
        return named[0]
    text = [c for c in columns if (table.cells[c] != "").any() and not all_numeric(table.cells[c])]
    if len(text) == 1:
        return text[0]
    if len(text) > 1:
        raise AdvisorInputError(
            source,
            f"has {len(text)} text columns; which one holds the class?",
            where=f"candidates: {show_names(text)}",
            fix=f"pass --label NAME, e.g. --label {shlex.quote(text[0])}",
        )
    # Files in the UCR archive's format have no header and the class first.
    rows = len(table.rows)
    for name in (columns[0], columns[-1]) if columns else ():
        numbers = table.numbers(name)
        distinct = numbers.nunique()
        if _whole_numbers(numbers) and 2 <= distinct <= min(MAX_INTEGER_CLASSES, rows - 1):
            return name
    raise _no_label(table, source)


# --- checks every layout shares -------------------------------------------------------


def _class_names(labels: list[str]) -> tuple[list[str], tuple[str, ...]]:
    """Labels as class names, and the sorted classes: whole numbers as integers (``1.0``
    and ``1`` are one class) sorted by value, anything else as written, alphabetically."""
    numbers = pd.to_numeric(pd.Series(labels, dtype=object), errors="coerce").to_numpy()
    if np.isfinite(numbers).all() and (numbers == np.round(numbers)).all():
        names = [str(int(v)) for v in numbers]
        return names, tuple(sorted(set(names), key=int))
    return labels, tuple(sorted(set(labels)))


def _finish(
    parsed: _Parsed, raw: bytes, source: str, layout: Layout, notices: list[str]
) -> SequenceSet:
    names, classes = _class_names(parsed.labels)
    index = {name: i for i, name in enumerate(classes)}
    codes = np.array([index[name] for name in names], dtype=np.int64)
    counts = np.bincount(codes, minlength=len(classes))
    label = show(parsed.label_column)
    if len(classes) < 2:
        raise AdvisorInputError(
            source,
            f"every sequence has the label {show(classes[0])} in {label}: one class only, "
            "and classification needs at least two",
            fix="add sequences of another class, or pass --label NAME if another column "
            "holds the classes",
        )
    single = [classes[i] for i in np.flatnonzero(counts < 2)]
    if single:
        first = names.index(single[0])
        which = (
            f"class {show(single[0])} has only one sequence"
            if len(single) == 1
            else f"classes {show_names(single)} have only one sequence each"
        )
        raise AdvisorInputError(
            source,
            f"{which}; every class needs at least two, one to learn from and one to check on",
            where=f"sequence {show(parsed.ids[first])}, row {int(parsed.first_rows[first])}",
            fix="add sequences of that class, or remove it",
        )
    test = np.zeros(len(codes), dtype=bool)
    if parsed.splits is not None:
        test = np.array([s == "test" for s in parsed.splits], dtype=bool)
        if test.all():
            raise AdvisorInputError(
                source,
                f"the split column {show(parsed.split_column)} marks every sequence 'test'; "
                "none is left to train on",
                fix="mark some sequences 'train', or delete the split column",
            )
        unseen = sorted(set(codes[test]) - set(codes[~test]))
        if unseen:
            missing = [classes[c] for c in unseen]
            held = int(np.isin(codes[test], unseen).sum())
            which = (
                f"class {show(missing[0])} is"
                if len(missing) == 1
                else f"classes {show_names(missing)} are"
            )
            raise AdvisorInputError(
                source,
                f"{which} only in the test split ({held} sequence(s)); a model cannot learn "
                "a class that the train split lacks",
                fix="move some of those sequences to 'train', or remove them",
            )
    return SequenceSet(
        path=source,
        sha256=hashlib.sha256(raw).hexdigest(),
        values=parsed.values.astype("float64"),
        lengths=parsed.lengths.astype(np.int64),
        labels=codes,
        classes=classes,
        channels=parsed.channels,
        ids=tuple(parsed.ids),
        test=test,
        layout=layout,
        id_column=parsed.id_column,
        label_column=parsed.label_column,
        time_column=parsed.time_column,
        split_column=parsed.split_column,
        notices=tuple(notices),
    )
