"""The notebook face: ``analyze`` takes a DataFrame or a Series and keyword settings,
checked by the same code and with the same one-line errors as the command line."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from advisor import Settings, analyze
from advisor.api import data_source, load, run_key
from advisor.cli import app
from advisor.core.errors import AdvisorInputError
from advisor.core.options import make_settings, parse_budget


def monthly(rows: int = 96, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(rows)
    y = 50 + 0.2 * t + 8 * np.sin(2 * np.pi * t / 12) + rng.normal(size=rows)
    return pd.DataFrame(
        {"sales": y, "price": rng.normal(size=rows)},
        index=pd.date_range("2000-01-01", periods=rows, freq="MS", name="date"),
    )


@pytest.mark.parametrize(
    ("options", "line"),
    [
        ({"horizon": 0}, "horizon=0: not a whole number of at least 1"),
        ({"season": 2.5}, "season=2.5: not a whole number of at least 1"),
        ({"budget": "soon"}, "budget='soon': not a duration"),
        ({"budget": -3}, "budget=-3: not a duration"),
        ({"task": "regress"}, "task='regress': unknown task"),
        ({"tuner": "optuna"}, "tuner='optuna': unknown tuner"),
        ({"horizn": 3}, "horizn: no such option; fix: did you mean horizon?"),
    ],
)
def test_keyword_settings_are_checked_with_one_line(options, line):
    with pytest.raises(AdvisorInputError) as caught:
        make_settings(**options)
    assert caught.value.one_line().startswith(line)
    assert "\n" not in caught.value.one_line()


def test_the_flag_spelling_names_the_flag():
    with pytest.raises(AdvisorInputError, match=r"^--max-units 0: .*fix: pass --max-units"):
        make_settings(spelling="flag", max_units=0)


def test_keywords_override_a_settings_record_and_none_keeps_it():
    base = Settings(horizon=6, seed=3)
    settings = make_settings(base, horizon=12, budget="5m", trials=4, seed=None)
    assert (settings.horizon, settings.budget_s, settings.max_trials, settings.seed) == (
        12,
        300.0,
        4,
        3,
    )
    assert parse_budget(90) == 90.0 and parse_budget("1.5h") == 5400.0


@pytest.mark.parametrize("flags", [["--horizon", "0"], ["--trials", "0"], ["--lookback", "-2"]])
def test_cli_refuses_a_bad_number_in_one_line(flags, tmp_path):
    result = CliRunner().invoke(app, ["analyze", "--example", "airline", *flags])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"error: {flags[0]} "), result.output


def test_a_dataframe_reads_as_its_csv_file_does(tmp_path):
    frame = monthly()
    frame.to_csv(tmp_path / "sales.csv")
    settings = Settings(horizon=3, target="sales")
    from_file, profile_file = load(tmp_path / "sales.csv", settings)
    source, settings = data_source(frame, None, settings)
    from_frame, profile_frame = load(source, settings)
    assert from_frame.target == from_file.target == "sales"
    assert from_frame.features == ("price",)
    assert from_frame.time_column == "date" and from_frame.frequency == from_file.frequency
    pd.testing.assert_frame_equal(from_frame.frame, from_file.frame)
    assert profile_frame.seasonal_period == profile_file.seasonal_period == 12
    # The same frame gives the same run directory; another frame another one.
    again, _ = load(data_source(frame.copy(), None, settings)[0], settings)
    assert run_key(again, settings) == run_key(from_frame, settings)
    changed = frame.copy()
    changed.iloc[5, 0] += 1
    other, _ = load(data_source(changed, None, settings)[0], settings)
    assert run_key(other, settings) != run_key(from_frame, settings)


def test_a_series_with_a_datetime_index_is_a_time_series():
    series = monthly()["sales"]
    source, settings = data_source(series, None, Settings(horizon=3))
    data, _ = load(source, settings)
    assert data.target == "sales" and data.time_column == "date" and data.frequency == "MS"
    assert source.stem == "sales"
    np.testing.assert_allclose(data.frame["sales"].to_numpy(), series.to_numpy())


def test_a_frame_is_repaired_and_refused_as_a_file_would_be():
    frame = monthly()[["sales"]]
    shuffled = frame.sample(frac=1.0, random_state=0)
    data, _ = load(data_source(shuffled, None, Settings(horizon=3))[0], Settings(horizon=3))
    np.testing.assert_allclose(data.frame["sales"].to_numpy(), frame["sales"].to_numpy())
    assert any("sorted" in n or "order" in n for n in data.notices), data.notices
    constant = frame.assign(sales=1.0)
    with pytest.raises(AdvisorInputError, match=r"^DataFrame: "):
        load(data_source(constant, None, Settings(horizon=3))[0], Settings(horizon=3))


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (42, "analyze: data is a int, not a file path, a DataFrame or a Series"),
        (None, "advisor: no data given"),
    ],
)
def test_analyze_refuses_what_is_not_data_before_any_work(data, line, tmp_path):
    with pytest.raises(AdvisorInputError) as caught:
        analyze(data, out=tmp_path / "run")
    assert caught.value.one_line().startswith(line)
    assert not (tmp_path / "run").exists()


def test_analyze_checks_keywords_before_reading_the_data(tmp_path):
    with pytest.raises(AdvisorInputError, match=r"^horizon=0: "):
        analyze(monthly(), horizon=0, out=tmp_path / "run")
    with pytest.raises(AdvisorInputError, match="both data and an example"):
        analyze(monthly(), example="airline", out=tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_analyze_refuses_a_forecasting_option_on_labelled_sequences(tmp_path):
    frame = pd.DataFrame(
        [
            (f"s{i}", t, float(t * (i % 2)), "up" if i % 2 else "flat")
            for i in range(6)
            for t in range(5)
        ],
        columns=["series_id", "t", "x", "label"],
    )
    with pytest.raises(AdvisorInputError) as caught:
        analyze(frame, out=tmp_path / "run", horizon=3)
    line = caught.value.one_line()
    assert line.startswith("--horizon 3: a forecasting option")
    assert "read as labelled sequences (classification)" in line
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(
    ("options", "line"),
    [
        ({"layout": "wdie"}, "layout='wdie': unknown layout; fix: did you mean 'wide'?"),
        ({"label": 3}, "label=3: not a column name"),
        ({"label": "y", "target": "z"}, "label='y' and target='z': two different label columns"),
    ],
)
def test_classification_keywords_are_checked_with_one_line(options, line):
    from advisor.core.options import make_sequence_options

    target = options.pop("target", None)
    with pytest.raises(AdvisorInputError) as caught:
        make_sequence_options(Settings(target=target), **options)
    assert caught.value.one_line().startswith(line)


@pytest.mark.slow
def test_analyze_runs_on_a_dataframe_and_keeps_it_beside_the_results(tmp_path):
    frame = monthly(rows=120)[["sales"]]
    result = analyze(frame, horizon=3, budget=20, seed=1, out=tmp_path / "run")
    saved = tmp_path / "run" / "data.csv"
    assert saved.is_file() and result.final is not None
    assert pd.read_csv(saved, index_col="date")["sales"].to_numpy() == pytest.approx(
        frame["sales"].to_numpy()
    )
    assert str(saved.resolve()) in (tmp_path / "run" / "model.py").read_text()


def test_budget_auto_is_no_deadline_and_a_user_budget_is_shared_out():
    import math

    from advisor.api import Deadlines

    assert Settings().budget_s is None  # auto is the default
    assert make_settings(Settings(budget_s=60.0), budget="auto").budget_s is None
    assert parse_budget("AUTO") is None
    auto = Deadlines.of(100.0, None)
    assert (auto.diagnostics, auto.search, auto.cv, auto.end) == (math.inf,) * 4
    user = Deadlines.of(100.0, 200.0)
    # The trainings end 10 s (5%) early, for the report and the exit.
    assert 100.0 < user.diagnostics < user.search < user.cv <= user.end == 290.0
    assert Deadlines.of(0.0, 60.0).end == 56.0  # at least 4 s kept back
    assert Deadlines.of(0.0, 3600.0).end == 3570.0  # at most 30 s
    assert Deadlines.of(0.0, 4.0).end == 2.0  # never more than half


def test_a_reserve_for_the_final_training_shrinks_the_search_and_the_cross_validation():
    from advisor.api import CV_SHARE, SEARCH_SHARE, Deadlines

    plan = Deadlines.of(0.0, 200.0)  # trainings end at 190: diagnostics 85.5, search 133
    assert plan.reserving(10.0, 85.5) == plan  # the final share already holds 10 s
    kept = plan.reserving(80.5, 85.5)  # 80.5 s kept: 24 s left for search and CV
    assert kept.end == plan.end and kept.diagnostics == plan.diagnostics
    assert kept.cv == 190.0 - 80.5
    share = SEARCH_SHARE / (SEARCH_SHARE + CV_SHARE)
    assert kept.search == 85.5 + 24.0 * share
    spent = plan.reserving(500.0, 85.5)  # the reserve takes it all: both end now
    assert spent.search == spent.cv == 85.5


def test_analyze_takes_the_classification_flags_as_keywords(tmp_path):
    frame = pd.DataFrame(
        [
            (f"s{i}", t, float(t * (i % 2)), "up" if i % 2 else "flat")
            for i in range(6)
            for t in range(5)
        ],
        columns=["series_id", "t", "x", "label"],
    )
    with pytest.raises(AdvisorInputError) as caught:
        analyze(frame, out=tmp_path / "run", label=3)
    assert caught.value.one_line().startswith("label=3: not a column name")
    with pytest.raises(AdvisorInputError) as caught:
        analyze(frame, out=tmp_path / "run", label="lable")
    assert "no column named 'lable'" in caught.value.one_line()
    assert not (tmp_path / "run").exists()
