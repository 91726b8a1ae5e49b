"""Damaged files never give a traceback: each is read (with its notices) or refused in one
line. Hypothesis damages a valid file at random, several ways at once: a forecasting file
for ``read_series``, a classification file for ``read_sequences``.

The default run tries a few hundred forecasting files and a few dozen classification
files; ``ADVISOR_FUZZ_EXAMPLES=10000 pytest tests/intake/test_intake_fuzz.py`` runs the
long campaign for both.
"""

from __future__ import annotations

import gzip
import os

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.core.errors import AdvisorInputError
from advisor.core.records import Settings
from advisor.core.sequences import SequenceOptions
from advisor.intake import read_series
from advisor.intake.sequences import read_sequences

EXAMPLES = int(os.environ.get("ADVISOR_FUZZ_EXAMPLES", "300"))
# Each sequence file is read in three layouts, and the default run stays short.
SEQUENCE_EXAMPLES = int(os.environ.get("ADVISOR_FUZZ_EXAMPLES", "40"))
FORECAST_HEADERS = ("", "date,date", "sales", "a,b,c,d", "date;sales")
SEQUENCE_HEADERS = ("", "series_id,series_id", "label", "series_id,t,x0,label", "a;b;c")


def valid_file(rows: int, features: int, seed: int) -> str:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "date": [str(d.date()) for d in pd.date_range("2020-01-01", periods=rows)],
            "sales": np.round(50 + rng.normal(size=rows).cumsum(), 3),
            **{f"x{i}": np.round(rng.normal(size=rows), 3) for i in range(features)},
        }
    )
    return frame.to_csv(index=False)


def _replace_chars(text: str, data: st.DataObject, alphabet: str) -> str:
    chars = list(text)
    for _ in range(data.draw(st.integers(1, 8))):
        if chars:
            i = data.draw(st.integers(0, len(chars) - 1))
            chars[i] = data.draw(st.sampled_from(alphabet))
    return "".join(chars)


def damage(text: str, data: st.DataObject, headers: tuple[str, ...] = FORECAST_HEADERS) -> bytes:
    kinds = data.draw(
        st.lists(
            st.sampled_from(
                [
                    "delimiter",
                    "quote",
                    "truncate",
                    "nul",
                    "header",
                    "cells",
                    "lines",
                    "swap-lines",
                    "blank",
                    "extra-field",
                ]
            ),
            min_size=1,
            max_size=4,
        )
    )
    lines = text.split("\n")
    for kind in kinds:
        if kind == "delimiter":
            text = _replace_chars(text, data, ",;\t| ")
        elif kind == "quote":
            text = _replace_chars(text, data, "\"'")
        elif kind == "truncate":
            text = text[: data.draw(st.integers(0, len(text)))]
        elif kind == "nul":
            text = _replace_chars(text, data, "\x00\ufeff\r")
        elif kind == "header":
            lines = text.split("\n")
            lines[0] = data.draw(st.sampled_from([*headers, lines[0] * 2]))
            text = "\n".join(lines)
        elif kind == "cells":
            text = _replace_chars(text, data, "0123456789.-eE,NaInf x/:")
        elif kind == "lines":
            lines = text.split("\n")
            keep = data.draw(st.lists(st.integers(0, max(0, len(lines) - 1)), max_size=len(lines)))
            text = "\n".join(lines[i] for i in keep)
        elif kind == "swap-lines":
            lines = text.split("\n")
            if len(lines) > 2:
                i, j = (
                    data.draw(st.integers(1, len(lines) - 1)),
                    data.draw(st.integers(1, len(lines) - 1)),
                )
                lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
        elif kind == "blank":
            text = text.replace("\n", "\n\n", data.draw(st.integers(1, 5)))
        elif kind == "extra-field":
            lines = text.split("\n")
            if len(lines) > 1:
                i = data.draw(st.integers(1, len(lines) - 1))
                lines[i] += data.draw(st.sampled_from([",", ",,", ",1", ";"]))
            text = "\n".join(lines)
    encoding = data.draw(st.sampled_from(["utf-8", "latin-1", "utf-16", "gzip"]))
    if encoding == "gzip":
        raw = text.encode("utf-8", "replace")
        raw = gzip.compress(raw)
        if data.draw(st.booleans()):
            raw = raw[: data.draw(st.integers(0, len(raw)))]
        return raw
    return text.encode(encoding, "replace")


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    rows=st.integers(3, 60),
    features=st.integers(0, 2),
    seed=st.integers(0, 3),
    data=st.data(),
    time_col=st.sampled_from([None, "date"]),
)
def test_a_damaged_file_is_read_or_refused_in_one_line(
    tmp_path_factory, rows, features, seed, data, time_col
):
    path = tmp_path_factory.mktemp("fuzz") / "data.csv"
    path.write_bytes(damage(valid_file(rows, features, seed), data))
    try:
        series = read_series(
            path, Settings(time_col=time_col, target="sales" if features else None)
        )
    except AdvisorInputError as err:
        line = err.one_line()
        assert line and "\n" not in line and line.startswith(str(path)), line
        return
    assert series.rows >= 1
    assert not series.frame[series.target].isna().any()
    assert all("\n" not in notice for notice in series.notices)


def valid_sequence_file(sequences: int, channels: int, seed: int) -> str:
    """Long layout: ``series_id, split, t, x0.., label``, ragged, three classes."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(sequences):
        label = "abc"[i % 3]
        split = "test" if i >= sequences - 3 else "train"
        for t in range(int(rng.integers(2, 8))):
            steps = {f"x{c}": round(float(rng.normal()), 3) for c in range(channels)}
            rows.append({"series_id": f"s{i}", "split": split, "t": t, **steps, "label": label})
    return pd.DataFrame(rows).to_csv(index=False)


@settings(
    max_examples=SEQUENCE_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    sequences=st.integers(6, 12),
    channels=st.integers(1, 3),
    seed=st.integers(0, 3),
    data=st.data(),
    layout=st.sampled_from(["auto", "long", "wide"]),
)
def test_a_damaged_sequence_file_is_read_or_refused_in_one_line(
    tmp_path_factory, sequences, channels, seed, data, layout
):
    path = tmp_path_factory.mktemp("fuzz") / "sequences.csv"
    text = valid_sequence_file(sequences, channels, seed)
    path.write_bytes(damage(text, data, SEQUENCE_HEADERS))
    try:
        read = read_sequences(path, SequenceOptions(layout=layout))
    except AdvisorInputError as err:
        line = err.one_line()
        assert line and "\n" not in line and line.startswith(str(path)), line
        return
    assert read.n_sequences >= 4 and len(read.classes) >= 2
    assert read.min_length >= 2
    assert np.isfinite(read.values[read.mask]).all()
    assert np.isnan(read.values[~read.mask]).all()
    assert all("\n" not in notice for notice in read.notices)
