"""The classification front door: seeded synthetic sequence files, each written to
``tmp_path`` in the long or the wide layout, read back exactly, or refused in one line.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from advisor.core.errors import AdvisorInputError
from advisor.core.records import Settings
from advisor.core.sequences import SequenceOptions, SequenceSet
from advisor.intake import file_task
from advisor.intake.cells import read_cells
from advisor.intake.sequences import _find_id_and_label, _Table, detect_task, read_sequences


@dataclass(frozen=True)
class Seq:
    id: str
    label: str
    split: str
    values: np.ndarray
    """(length, channels)"""


def make_sequences(
    seed: int = 0,
    counts: dict[str, int] | None = None,
    channels: int = 2,
    lengths: tuple[int, int] = (4, 9),
) -> list[Seq]:
    """Ragged sequences, shuffled so that classes interleave; the last of each class is
    test, so every class is in both splits."""
    rng = np.random.default_rng(seed)
    counts = counts or {"walk": 4, "run": 3, "sit": 3}
    seqs = []
    for label, count in counts.items():
        for j in range(count):
            length = int(rng.integers(lengths[0], lengths[1] + 1))
            values = np.round(rng.normal(size=(length, channels)), 4)
            split = "test" if j == count - 1 else "train"
            seqs.append(Seq(f"s{len(seqs):02d}", label, split, values))
    return [seqs[i] for i in rng.permutation(len(seqs))]


def long_frame(
    seqs: list[Seq],
    *,
    names: tuple[str, str, str, str] = ("series_id", "split", "t", "label"),
    split: bool = True,
    time: bool = True,
) -> pd.DataFrame:
    id_name, split_name, time_name, label_name = names
    channels = seqs[0].values.shape[1]
    rows = []
    for seq in seqs:
        for t, step in enumerate(seq.values):
            row: dict[str, object] = {id_name: seq.id}
            if split:
                row[split_name] = seq.split
            if time:
                row[time_name] = t
            row.update({f"x{c}": step[c] for c in range(channels)})
            row[label_name] = seq.label
            rows.append(row)
    return pd.DataFrame(rows)


def wide_frame(seqs: list[Seq], *, headers: str = "t", label_first: bool = True) -> pd.DataFrame:
    """One row a sequence: a label and one column per step; NaN (an empty cell) past
    each sequence's end."""
    width = max(len(s.values) for s in seqs)
    steps = np.full((len(seqs), width), np.nan)
    for i, seq in enumerate(seqs):
        steps[i, : len(seq.values)] = seq.values[:, 0]
    columns = [f"t{k}" if headers == "t" else str(k) for k in range(width)]
    frame = pd.DataFrame(steps, columns=columns)
    frame.insert(0 if label_first else width, "label", [s.label for s in seqs])
    return frame


def write(tmp_path: Path, frame: pd.DataFrame, name: str = "seqs.csv") -> Path:
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def assert_matches(data: SequenceSet, seqs: list[Seq], *, split: bool = True) -> None:
    """Every sequence's values, length, label, id and split as written, padding after."""
    assert data.ids == tuple(s.id for s in seqs)
    assert data.classes == tuple(sorted({s.label for s in seqs}))
    for i, seq in enumerate(seqs):
        length = len(seq.values)
        assert data.lengths[i] == length
        assert np.array_equal(data.values[i, :length, : seq.values.shape[1]], seq.values)
        assert np.isnan(data.values[i, length:]).all()
        assert data.classes[data.labels[i]] == seq.label
        assert data.test[i] == (split and seq.split == "test")
    assert np.array_equal(data.mask, ~np.isnan(data.values[:, :, 0]))


# --- layouts that read ----------------------------------------------------------------


def test_long_layout_round_trips_ragged_multichannel_sequences(tmp_path: Path) -> None:
    seqs = make_sequences(channels=3)
    path = write(tmp_path, long_frame(seqs))
    data = read_sequences(path)
    assert_matches(data, seqs)
    assert data.layout == "long"
    assert data.values.shape == (10, max(len(s.values) for s in seqs), 3)
    assert data.channels == ("x0", "x1", "x2")
    assert (data.id_column, data.label_column, data.time_column, data.split_column) == (
        "series_id",
        "label",
        "t",
        "split",
    )
    assert data.path == str(path)
    assert data.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert data.notices == ()


def test_long_rows_out_of_order_are_sorted_by_time_within_each_sequence(
    tmp_path: Path,
) -> None:
    seqs = make_sequences(seed=1)
    # Rows shuffled inside each sequence, sequences kept in their order of appearance.
    frame = long_frame(seqs).sample(frac=1.0, random_state=1)
    position = {seq.id: i for i, seq in enumerate(seqs)}
    frame = frame.sort_values("series_id", key=lambda s: s.map(position), kind="stable")
    data = read_sequences(write(tmp_path, frame))
    assert_matches(data, seqs)
    assert any("not in time order" in n and "sorted them by 't'" in n for n in data.notices)


def test_long_without_split_or_time_column_keeps_file_order(tmp_path: Path) -> None:
    seqs = make_sequences(seed=2)
    data = read_sequences(write(tmp_path, long_frame(seqs, split=False, time=False)))
    assert_matches(data, seqs, split=False)
    assert data.split_column is None and data.n_test == 0
    assert data.time_column is None
    assert any("file order" in n for n in data.notices)


def test_wide_layout_round_trips_ragged_rows(tmp_path: Path) -> None:
    seqs = make_sequences(seed=3, channels=1, lengths=(3, 12))
    data = read_sequences(write(tmp_path, wide_frame(seqs)))
    assert data.layout == "wide"
    assert data.channels == ("value",)
    assert data.ragged
    # A wide file without an id column names each sequence by its spreadsheet row.
    named = [dataclasses.replace(s, id=f"row {i + 2}") for i, s in enumerate(seqs)]
    assert_matches(data, named, split=False)


def test_wide_layout_with_numeric_headers_an_id_and_a_split(tmp_path: Path) -> None:
    seqs = make_sequences(seed=4, channels=1)
    frame = wide_frame(seqs, headers="numbers", label_first=False)
    frame.insert(0, "id", [s.id for s in seqs])
    frame.insert(1, "split", [s.split for s in seqs])
    data = read_sequences(write(tmp_path, frame))
    assert data.layout == "wide" and data.id_column == "id" and data.split_column == "split"
    assert_matches(data, seqs)


def test_headerless_wide_file_with_the_class_first_reads_as_the_ucr_archive_writes_it(
    tmp_path: Path,
) -> None:
    rng = np.random.default_rng(5)
    classes = [2, 10, 1, 2, 10, 1]
    lines = [",".join([str(c), *(f"{v:.3f}" for v in rng.normal(size=8))]) for c in classes]
    path = tmp_path / "ucr.csv"
    path.write_text("\n".join(lines) + "\n")
    data = read_sequences(path)
    assert data.layout == "wide" and data.label_column == "column 1"
    assert data.classes == ("1", "2", "10")  # whole numbers sort by value, not as text
    assert data.values.shape == (6, 8, 1)
    assert [data.classes[c] for c in data.labels] == [str(c) for c in classes]


def test_gzip_file_reads_as_the_plain_one(tmp_path: Path) -> None:
    seqs = make_sequences(seed=6)
    plain = write(tmp_path, long_frame(seqs))
    packed = tmp_path / "seqs.csv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    data = read_sequences(packed)
    assert_matches(data, seqs)
    assert data.sha256 == hashlib.sha256(packed.read_bytes()).hexdigest()


def test_semicolons_decimal_commas_and_a_bom_use_the_forecasting_helpers(tmp_path: Path) -> None:
    seqs = make_sequences(seed=7, channels=1)
    text = long_frame(seqs).to_csv(index=False, sep=";", decimal=",")
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + ("Exported by a tool\n" + text).encode())
    data = read_sequences(path)
    assert_matches(data, seqs)
    assert any("skipped 1 line above the column names" in n for n in data.notices)


def test_missing_values_are_interpolated_within_their_own_sequence(tmp_path: Path) -> None:
    seqs = make_sequences(seed=8, channels=2, lengths=(5, 6))
    frame = long_frame(seqs)
    first = frame.index[frame["series_id"] == seqs[0].id]
    frame.loc[first[2], "x1"] = np.nan  # inside: the mean of its neighbours
    frame.loc[first[0], "x0"] = np.inf  # at the start: its sequence's next value
    data = read_sequences(write(tmp_path, frame))
    values = seqs[0].values
    assert data.values[0, 2, 1] == pytest.approx((values[1, 1] + values[3, 1]) / 2)
    assert data.values[0, 0, 0] == values[1, 0]
    assert any("filled 2 missing or infinite value(s)" in n for n in data.notices)


def test_wide_rows_with_empty_cells_at_the_start_or_inside_are_repaired(tmp_path: Path) -> None:
    header = "label,t0,t1,t2,t3,t4\n"
    rows = "a,,1,2,3,\nb,4,,6,7,8\na,1,2,3,4,5\nb,5,4,3,,\n"
    path = tmp_path / "gaps.csv"
    path.write_text(header + rows)
    data = read_sequences(path)
    assert data.lengths.tolist() == [3, 5, 5, 3]
    assert data.values[0, :3, 0].tolist() == [1, 2, 3]
    assert data.values[1, 1, 0] == 5.0
    assert any("start with empty cells" in n for n in data.notices)
    assert any("filled 1 missing" in n for n in data.notices)


def test_empty_label_cells_are_filled_from_the_rest_of_the_sequence(tmp_path: Path) -> None:
    seqs = make_sequences(seed=9)
    frame = long_frame(seqs)
    frame.loc[frame.index[1], "label"] = ""
    data = read_sequences(write(tmp_path, frame))
    assert_matches(data, seqs)
    assert any("filled 1 empty label cell(s)" in n and "row 3" in n for n in data.notices)


# --- columns found, and the task --------------------------------------------------------


def test_columns_are_found_without_their_usual_names(tmp_path: Path) -> None:
    seqs = make_sequences(seed=10, counts={"a": 4, "b": 4})
    frame = long_frame(seqs, names=("recording", "split", "step", "kind"))
    frame = frame[["x0", "recording", "kind", "x1", "step", "split"]]
    data = read_sequences(write(tmp_path, frame))
    assert (data.id_column, data.label_column, data.time_column) == ("recording", "kind", "step")
    assert data.channels == ("x0", "x1")
    assert_matches(data, seqs)


def test_a_few_whole_numbers_constant_within_each_sequence_are_the_label(tmp_path: Path) -> None:
    seqs = make_sequences(seed=11, counts={"0": 3, "1": 3, "2": 3})
    frame = long_frame(seqs, names=("who", "split", "t", "grp"))
    frame["grp"] = frame["grp"].astype(int)
    frame["who"] = frame["who"].str.replace("s", "subject-")
    data = read_sequences(write(tmp_path, frame))
    assert (data.id_column, data.label_column) == ("who", "grp")
    assert data.classes == ("0", "1", "2")


def test_dates_order_the_rows_of_each_sequence(tmp_path: Path) -> None:
    seqs = make_sequences(seed=12, channels=1)
    frame = long_frame(seqs, names=("series_id", "split", "when", "label"))
    frame["when"] = [
        str(pd.Timestamp("2024-03-01") + pd.Timedelta(hours=int(h))) for h in frame["when"]
    ]
    frame = frame.iloc[::-1]  # newest first, as some exports write
    data = read_sequences(write(tmp_path, frame))
    assert data.time_column == "when"
    assert data.ids == tuple(reversed([s.id for s in seqs]))
    assert np.array_equal(data.values[-1, : len(seqs[0].values)], seqs[0].values)


def test_options_name_the_columns_detection_would_miss(tmp_path: Path) -> None:
    seqs = make_sequences(seed=13, counts={"a": 2, "b": 2})
    frame = long_frame(seqs, names=("key", "part", "order", "answer"), split=True)
    frame["key"] = frame["key"].str.replace("s0", "0.")  # looks like a measurement
    frame = frame.rename(columns={"part": "fold"})
    options = SequenceOptions(id_col="key", label="answer", time_col="order", split_col="fold")
    data = read_sequences(write(tmp_path, frame), options)
    assert (data.id_column, data.label_column, data.time_column, data.split_column) == (
        "key",
        "answer",
        "order",
        "fold",
    )
    assert data.n_test == 2


def test_options_come_from_settings_where_settings_has_the_field() -> None:
    options = SequenceOptions.from_settings(
        Settings(target="activity", time_col="ts"), id_col="subject"
    )
    assert options == SequenceOptions(id_col="subject", label="activity", time_col="ts")


def cells_of(frame: pd.DataFrame) -> pd.DataFrame:
    return read_cells(frame.to_csv(index=False).encode(), "data.csv", [])[0]


def test_detect_task_finds_an_id_and_a_label() -> None:
    seqs = make_sequences(seed=14)
    assert detect_task(cells_of(long_frame(seqs))) == "classify"
    renamed = long_frame(seqs, names=("sample", "split", "t", "kind"))
    assert detect_task(cells_of(renamed)) == "classify"


def test_detect_task_leaves_forecasting_files_to_forecasting() -> None:
    rng = np.random.default_rng(15)
    days = pd.date_range("2020-01-01", periods=360, freq="D")
    series = pd.DataFrame({"date": days.astype(str), "sales": rng.normal(size=360).round(3)})
    assert detect_task(cells_of(series)) == "forecast"
    # A regime number and its policy repeat in runs and nest (the policy is constant
    # within a regime), as an id and its label do; their names say they are not.
    regime = np.repeat([1, 2, 3, 4], 90)
    regimes = series.assign(regime=regime, policy=np.where(regime % 2 == 1, "peg", "float"))
    assert _find_id_and_label(_Table(cells_of(regimes), False), {}, None, "") is not None
    assert detect_task(cells_of(regimes)) == "forecast"


def test_an_explicit_task_wins_over_detection() -> None:
    seqs = make_sequences(seed=16)
    assert detect_task(cells_of(long_frame(seqs)), "forecast") == "forecast"
    wide = wide_frame(make_sequences(seed=16, channels=1))
    assert detect_task(cells_of(wide)) == "forecast"
    assert detect_task(cells_of(wide), "classify") == "classify"


def test_file_task_detects_from_the_bytes_unless_told() -> None:
    long = long_frame(make_sequences(seed=18)).to_csv(index=False).encode()
    # A saved row index in front must not hide the id column.
    indexed = long_frame(make_sequences(seed=18)).to_csv().encode()
    series = pd.DataFrame({"date": pd.date_range("2020-01-01", periods=60).astype(str)})
    series["sales"] = np.arange(60.0)
    flat = series.to_csv(index=False).encode()
    assert file_task(long, "seqs.csv", "auto") == "classify"
    assert file_task(indexed, "seqs.csv", "auto") == "classify"
    assert file_task(flat, "sales.csv", "auto") == "forecast"
    assert file_task(flat, "sales.csv", "classify") == "classify"
    assert file_task(b"not read when told", "x.csv", "forecast") == "forecast"


# --- the record -----------------------------------------------------------------------


def test_the_record_is_frozen_and_reports_balance_and_lengths(tmp_path: Path) -> None:
    seqs = make_sequences(seed=17, counts={"a": 6, "b": 3, "c": 2}, lengths=(4, 10))
    data = read_sequences(write(tmp_path, long_frame(seqs)))
    assert data.class_counts == {"a": 6, "b": 3, "c": 2}
    assert data.imbalance_ratio == 3.0
    lengths = [len(s.values) for s in seqs]
    assert (data.min_length, data.median_length, data.max_length) == (
        min(lengths),
        float(np.median(lengths)),
        max(lengths),
    )
    assert data.ragged == (min(lengths) != max(lengths))
    assert data.n_sequences == 11 and data.n_channels == 2 and data.n_test == 3
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.classes = ()  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        data.values[0, 0, 0] = 1.0


def test_labels_written_as_1_and_1_0_are_one_class(tmp_path: Path) -> None:
    path = tmp_path / "numbers.csv"
    path.write_text("label,a,b,c\n1,1,2,3\n1.0,2,3,4\n2,3,4,5\n2,4,5,6\n")
    data = read_sequences(path)
    assert data.class_counts == {"1": 2, "2": 2}


# --- refused, in one line ---------------------------------------------------------------


def refused(tmp_path: Path, text: str, options: SequenceOptions | None = None) -> str:
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(AdvisorInputError) as caught:
        read_sequences(path, options)
    line = str(caught.value)
    assert "\n" not in line and line.startswith(f"{path}: ")
    return line


def long_text(rows: list[tuple[str, str, str, str]], header: str = "series_id,t,x,label") -> str:
    """``(id, t, x, label)`` rows under a header."""
    return header + "\n" + "".join(",".join(r) + "\n" for r in rows)


def two_steps(ids_labels: list[tuple[str, str]]) -> list[tuple[str, str, str, str]]:
    return [(i, str(t), str(t + 0.5), label) for i, label in ids_labels for t in range(2)]


BALANCED = [("s1", "a"), ("s2", "a"), ("s3", "b"), ("s4", "b")]

REFUSED = [
    pytest.param(
        long_text(two_steps([("s1", "a"), ("s2", "a"), ("s3", "a")])),
        None,
        ["every sequence has the label 'a'", "one class only", "at least two", "--label"],
        id="one-class",
    ),
    pytest.param(
        long_text(two_steps([*BALANCED, ("s5", "c")])),
        None,
        ["class 'c' has only one sequence", "sequence 's5', row 10", "fix: add sequences"],
        id="class-with-one-sequence",
    ),
    pytest.param(
        long_text([*two_steps(BALANCED), ("s5", "0", "1", ""), ("s5", "1", "2", "")]),
        None,
        ["sequence 's5' has no label in 'label'", "(row 10)", "fill in the label"],
        id="labels-missing",
    ),
    pytest.param(
        "series_id,t,x,z\n"
        + "".join(f"{i},{t},{t * 1.5}," + f"{t}\n" for i in "ab" for t in range(3)),
        SequenceOptions(id_col="series_id"),
        ["no label column found", "--label"],
        id="no-label-column",
    ),
    pytest.param(
        long_text([*two_steps(BALANCED), ("s5", "0", "1", "a"), ("s5", "1", "2", "b")]),
        None,
        [
            "the rows of sequence 's5' disagree on the label",
            "'a' (row 10) and 'b' (row 11)",
            "--id-col",
        ],
        id="id-disagrees-on-label",
    ),
    pytest.param(
        long_text([*two_steps(BALANCED), ("s5", "0", "1", "a")]),
        None,
        ["sequence 's5' has only one time step", "at least two", "(row 10)"],
        id="sequence-of-length-1",
    ),
    pytest.param(
        "label,t0,t1\na,1,2\na,3,\nb,1,2\nb,2,3\n",
        None,
        ["sequence 'row 3' has only one time step"],
        id="wide-sequence-of-length-1",
    ),
    pytest.param(
        long_text(
            [
                (i, t, x, f"{lab},{'valid' if i == 's3' else 'train'}")
                for i, t, x, lab in two_steps(BALANCED)
            ],
            header="series_id,t,x,label,split",
        ),
        None,
        ["the split column 'split' holds 'valid'", "only 'train' and 'test'", "(row 6)"],
        id="split-other-value",
    ),
    pytest.param(
        long_text(
            [
                (i, t, x, f"{lab},{'test' if (i, t) == ('s3', '1') else 'train'}")
                for i, t, x, lab in two_steps(BALANCED)
            ],
            header="series_id,t,x,label,split",
        ),
        None,
        ["sequence 's3' disagree on the split", "'train' (row 6) and 'test' (row 7)"],
        id="split-differs-within-a-sequence",
    ),
    pytest.param(
        "series_id,t,x,label\n"
        + "".join(f"{i},{t},n/a{t},{lab}\n" for i, lab in BALANCED for t in range(2)),
        None,
        ["no numeric feature column", "columns: 'series_id', 't', 'x', 'label'"],
        id="no-numeric-feature",
    ),
    pytest.param(
        long_text(
            [
                (i, t, x, f"{lab},{'test' if lab == 'c' or i == 's2' else 'train'}")
                for i, t, x, lab in two_steps([*BALANCED, ("s5", "c"), ("s6", "c")])
            ],
            header="series_id,t,x,label,split",
        ),
        None,
        ["class 'c' is only in the test split (2 sequence(s))", "train split lacks"],
        id="test-class-missing-from-train",
    ),
    pytest.param(
        long_text(
            [(i, t, x, f"{lab},test") for i, t, x, lab in two_steps(BALANCED)],
            header="series_id,t,x,label,split",
        ),
        None,
        ["marks every sequence 'test'", "none is left to train on"],
        id="everything-test",
    ),
    pytest.param(
        long_text([*two_steps(BALANCED), ("s4", "1", "9", "b")]),
        None,
        ["sequence 's4' has two rows at the time '1' in 't'", "rows 9, 10"],
        id="duplicate-time-within-a-sequence",
    ),
    pytest.param(
        long_text([(i, t, "" if i == "s2" else x, lab) for i, t, x, lab in two_steps(BALANCED)]),
        None,
        ["sequence 's2' has no values in 'x'", "rows 4-5"],
        id="sequence-without-values",
    ),
    pytest.param(
        long_text(two_steps(BALANCED)),
        SequenceOptions(id_col="seriesid"),
        ["no column named 'seriesid' (given as --id-col)", "did you mean 'series_id'?"],
        id="unknown-id-column",
    ),
    pytest.param(
        long_text(two_steps(BALANCED)),
        SequenceOptions(id_col="label", label="label"),
        ["--id-col and --label both name the column 'label'"],
        id="one-column-two-roles",
    ),
    pytest.param(
        "a,b,c,label\n1,2,3,x\n4,5,6,y\n7,8,9,x\n1,2,3,y\n",
        SequenceOptions(layout="long"),
        ["no column identifies the sequences", "--id-col"],
        id="long-without-an-id",
    ),
    pytest.param(
        "id,label,t0,t1\nq,a,1,2\nr,a,3,4\nq,b,1,2\ns,b,2,3\n",
        SequenceOptions(layout="wide"),
        ["the id 'q' names two rows", "rows 2, 4", "--layout long"],
        id="wide-duplicate-id",
    ),
    pytest.param(
        "series_id,t,x,label\n",
        None,
        ["no data rows"],
        id="header-only",
    ),
    pytest.param(
        "note,kind,t0,t1\nx,a,1,2\ny,b,3,4\n",
        None,
        ["has 2 text columns; which one holds the class?", "--label note"],
        id="wide-two-text-columns",
    ),
]


@pytest.mark.parametrize(("text", "options", "words"), REFUSED)
def test_bad_input_is_refused_in_one_line(
    tmp_path: Path, text: str, options: SequenceOptions | None, words: list[str]
) -> None:
    line = refused(tmp_path, text, options)
    for word in words:
        assert word in line, line


def test_a_binary_file_is_refused_as_the_forecasting_intake_refuses_it(tmp_path: Path) -> None:
    path = tmp_path / "book.csv"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512))
    with pytest.raises(AdvisorInputError, match=r"Excel \.xls"):
        read_sequences(path)
