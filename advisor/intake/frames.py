"""A pandas DataFrame or Series from a notebook, as the CSV file it stands for.

The frame is written out as CSV text and read back through every stage a file goes
through, rather than checked by a second set of rules: the repairs, the refusals and
their messages then cannot drift apart between ``analyze(df)`` and ``advisor analyze
file.csv``. A DatetimeIndex (or any named index) becomes the time column; a plain
row-number index is dropped, as a saved index in a file is.
"""

from __future__ import annotations

import pandas as pd

from advisor.core.errors import AdvisorInputError

IN_MEMORY = "DataFrame"
"""How messages and the report name data that came from memory, not from a file."""
DEFAULT_TIME = "time"
DEFAULT_VALUE = "value"


def frame_to_csv(frame: object) -> bytes:
    if isinstance(frame, pd.Series):
        frame = frame.to_frame(name=str(frame.name) if frame.name is not None else DEFAULT_VALUE)
    if not isinstance(frame, pd.DataFrame):
        raise AdvisorInputError(
            "analyze",
            f"data is a {type(frame).__name__}, not a file path, a DataFrame or a Series",
            fix="pass a CSV path, a pandas DataFrame, or a Series with a DatetimeIndex",
        )
    if isinstance(frame.columns, pd.MultiIndex):
        raise AdvisorInputError(
            IN_MEMORY,
            "has several levels of column names",
            fix="flatten them first, e.g. df.columns = ['_'.join(map(str, c)) for c in df.columns]",
        )
    frame = frame.copy()
    frame.columns = [str(c) for c in frame.columns]
    index = frame.index
    keep_index = isinstance(index, pd.DatetimeIndex | pd.PeriodIndex) or index.name is not None
    if keep_index and not isinstance(index, pd.MultiIndex):
        name = str(index.name) if index.name is not None else DEFAULT_TIME
        if name in frame.columns:
            raise AdvisorInputError(
                IN_MEMORY,
                f"the index and a column are both named {name!r}",
                fix="rename one of them, or df.reset_index(drop=True) to drop the index",
            )
        if isinstance(index, pd.PeriodIndex):
            index = index.to_timestamp()
        frame.index = pd.Index(index, name=name)
        frame = frame.reset_index()
    # Shortest round-trip float text: the CSV holds exactly the frame's values.
    return frame.to_csv(index=False).encode()
