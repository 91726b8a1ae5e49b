"""A file of many related series (``--series-col``): split by the column, each series
read as a file of its own, the lead and the roles chosen by length."""

from __future__ import annotations

import pandas as pd
import pytest

from advisor.core.errors import AdvisorInputError
from advisor.core.records import Settings
from advisor.intake.panel import lead_series, read_panel
from advisor.verification.panel import roles


def panel_csv(lengths: dict[str, int], bad: str | None = None) -> bytes:
    rows = []
    for sid, n in lengths.items():
        for i in range(n):
            value = "n/a?" if sid == bad and i == 3 else f"{10 + i % 12 + len(sid)}"
            rows.append((sid, f"{2000 + i // 12}-{i % 12 + 1:02d}", value))
    return pd.DataFrame(rows, columns=["meter", "month", "kwh"]).to_csv(index=False).encode()


SETTINGS = Settings(target="kwh", time_col="month", horizon=3)


def test_each_series_is_read_on_its_own_in_the_files_order():
    panel = read_panel(panel_csv({"b": 60, "a": 72, "c": 48}), "meter", SETTINGS, "m.csv", "m.csv")
    assert panel.ids == ("b", "a", "c")
    assert [panel.series[i].rows for i in panel.ids] == [60, 72, 48]
    assert all(s.target == "kwh" and s.features == () for s in panel.series.values())
    assert b"meter" not in panel.csv["a"] and lead_series(panel) == "a"


def test_the_longest_series_leads_and_half_at_most_are_compared():
    panel = read_panel(
        panel_csv({"s1": 48, "s2": 84, "s3": 60, "s4": 72, "s5": 50, "s6": 49, "s7": 55, "s8": 90}),
        "meter",
        SETTINGS,
        "m.csv",
        "m.csv",
    )
    targets, sources = roles(panel, lead_series(panel))
    assert targets == ["s8", "s2", "s4"]  # the lead, then the longest others
    assert set(sources) == {"s1", "s3", "s5", "s6", "s7"} and not set(targets) & set(sources)
    two = read_panel(panel_csv({"x": 40, "y": 50}), "meter", SETTINGS, "m.csv", "m.csv")
    assert roles(two, "y") == (["y"], ["x"])


@pytest.mark.parametrize(
    ("column", "lengths", "bad", "words"),
    [
        ("store", {"a": 40, "b": 40}, None, "has no column 'store' for --series-col"),
        ("meter", {"a": 40}, None, "holds one series in 'meter'"),
        ("meter", {"a": 40, "b": 40}, "b", "[meter=b]"),
    ],
)
def test_a_file_that_is_not_many_readable_series_is_one_line(column, lengths, bad, words):
    with pytest.raises(AdvisorInputError) as caught:
        read_panel(panel_csv(lengths, bad), column, SETTINGS, "m.csv", "m.csv")
    assert words in caught.value.one_line()
