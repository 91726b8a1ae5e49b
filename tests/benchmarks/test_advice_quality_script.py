"""benchmarks/advice_quality.py: the protocol's baselines, the statistical competitors'
causality and time cap, the summary's medians, counts and calibration, and tables rebuilt
from saved entries.

Neural competitors are not trained here (the script's real runs take hours); their
entries are written by hand, as a finished run would have left them.
"""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest
from support.scripts import load_script


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_script("advice_quality")


def seasonal_series(n: int, period: int, seed: int = 0, noise: float = 0.3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return 10 + 0.02 * t + 2 * np.sin(2 * np.pi * t / period) + noise * rng.standard_normal(n)


def write_datasets(folder: Path, y: np.ndarray, period: int, horizon: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    times = pd.date_range("2000-01-01", periods=len(y), freq="MS")
    pd.DataFrame({"month": times.strftime("%Y-%m-%d"), "value": y}).to_csv(
        folder / "toy.csv", index=False
    )
    manifest = [
        {
            "name": "toy",
            "file": "toy.csv",
            "task": "univariate_forecast",
            "target": "value",
            "time_column": "month",
            "feature_columns": [],
            "seasonal_period": period,
            "suggested_horizon": horizon,
        },
        {"name": "shapes", "file": "shapes.csv", "task": "classification", "target": "label"},
    ]
    (folder / "manifest.json").write_text(json.dumps(manifest))


def problem(bench: ModuleType, y: np.ndarray, period: int, horizon: int) -> object:
    return bench.Problem(
        name="toy",
        path=Path("toy.csv"),
        target="value",
        time_column=None,
        features=[],
        horizon=horizon,
        period=period,
        values=y[:, None],
        split=bench.chronological_split(len(y), horizon),
    )


def test_seasonal_naive_is_exact_on_a_purely_periodic_series(bench: ModuleType) -> None:
    y = np.tile(np.arange(12, dtype=float), 20)
    p = problem(bench, y, 12, 6)
    by = {e.name: e for e in bench.simple_baselines(p)}
    assert by["seasonal_naive"].rmse == 0.0
    assert by["naive"].rmse > 1.0


def test_statistical_forecast_from_an_origin_ignores_everything_from_it_on(
    bench: ModuleType,
) -> None:
    y = seasonal_series(240, 12)
    p = problem(bench, y, 12, 6)
    origins = p.test_origins()
    cut = int(origins[len(origins) // 2])
    changed = y.copy()
    changed[cut:] += 50.0  # a level shift from the middle origin on
    pred, label = bench.statistical_forecasts(p)
    pred_changed, _ = bench.statistical_forecasts(problem(bench, changed, 12, 6))
    before = origins <= cut
    assert label == "ETS(A,Ad,A)"
    np.testing.assert_allclose(pred_changed[before], pred[before])
    assert not np.allclose(pred_changed[~before], pred[~before])


def test_statistical_beats_seasonal_naive_on_a_noisy_trending_season(bench: ModuleType) -> None:
    y = seasonal_series(240, 12, noise=0.5)
    p = problem(bench, y, 12, 6)
    stat = bench.statistical(p)
    naive = {e.name: e for e in bench.simple_baselines(p)}["seasonal_naive"]
    assert stat.rmse < naive.rmse


def entry(bench: ModuleType, name: str, rmse: float, seconds: float = 1.0, **detail) -> object:
    return bench.Entry(name, rmse, rmse, 1.0, seconds, dict(detail))


def test_summary_medians_and_counts_use_only_datasets_where_both_ran(bench: ModuleType) -> None:
    results = {
        "a": [
            entry(bench, "seasonal_naive", 10.0),
            entry(bench, "statistical", 5.0),
            entry(bench, "novice_lstm", 8.0),
            entry(bench, "wide_search", 10.0, seconds=1000.0),
            entry(bench, "advisor", 5.0, seconds=100.0, baseline_warning=None),
        ],
        "b": [
            entry(bench, "seasonal_naive", 10.0),
            entry(bench, "statistical", 4.0),
            entry(bench, "novice_lstm", 4.0),
            entry(bench, "wide_search", 5.0, seconds=200.0),
            entry(bench, "advisor", 5.2, seconds=100.0, baseline_warning="no gain"),
        ],
        # no wide search or novice here: counted against the statistical model only
        "c": [
            entry(bench, "naive", 10.0),
            entry(bench, "statistical", 3.0),
            entry(bench, "advisor", 6.0, seconds=100.0, baseline_warning=None),
        ],
    }
    s = bench.summarise(results)["summary"]
    assert s["median_advisor_to_wide_rmse"] == pytest.approx((0.5 + 1.04) / 2)
    assert s["advisor_within_5pct_of_wide"] == 2
    assert s["compared_with_wide"] == 2
    assert s["median_advisor_to_wide_wall"] == pytest.approx((0.1 + 0.5) / 2)
    assert s["median_advisor_to_statistical"] == pytest.approx(1.3)
    assert s["advisor_at_or_below_statistical"] == 1
    assert s["compared_with_statistical"] == 3
    assert s["advisor_beats_novice"] == 1
    assert s["compared_with_novice"] == 2
    assert s["advisor_says_no_gain_over_baseline"] == "b"
    per = bench.summarise(results)["datasets"]
    # without a seasonal period the naive forecast is the seasonal reference
    assert per["c"]["advisor"]["vs_seasonal_naive"] == pytest.approx(0.6)
    assert per["c"]["advisor"]["vs_wide_search"] is None


def test_goals_table_says_which_goal_is_missed(bench: ModuleType) -> None:
    results = {
        "a": [
            entry(bench, "seasonal_naive", 10.0),
            entry(bench, "statistical", 5.0),
            entry(bench, "novice_lstm", 4.0),
            entry(bench, "wide_search", 4.0, seconds=100.0),
            entry(bench, "advisor", 6.0, seconds=90.0, baseline_warning=None),
        ]
    }
    table = bench.markdown(bench.summarise(results))
    goals = {
        row.split("|")[1].strip(): row.split("|")[3].strip()
        for row in table.splitlines()
        if row.startswith("| advisor") and row.count("|") == 4
    }
    assert goals["advisor RMSE / wide search, median <= 1.00"] == "no"
    assert goals["advisor wall time / wide search, median <= 0.33"] == "no"
    assert goals["advisor RMSE / statistical, median <= 1.10"] == "no"
    assert goals["advisor at or below statistical on >= 1/3 of datasets"] == "no"
    assert goals["advisor better than the novice LSTM on >= 80%"] == "no"


def test_run_saves_entries_and_tables_rebuild_from_them_without_training(
    bench: ModuleType, tmp_path: Path
) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    write_datasets(data, seasonal_series(240, 12), 12, 6)
    argv = ["--datasets", str(data), "--out", str(out)]

    # the statistical competitor alone: the neural ones and statsforecast are skipped
    skip = ["--skip", "statsforecast", "novice_lstm", "wide_search", "autolstm", "advisor"]
    assert bench.main([*argv, *skip]) == 0
    saved = json.loads((out / "entries" / "toy.statistical.json").read_text())
    assert saved["provenance"]["commit"]
    assert math.isfinite(saved["rmse"])

    # a finished neural run, as the script would have saved it
    bench.save_entry(out / "entries", "toy", entry(bench, "advisor", saved["rmse"] * 0.9))
    assert bench.main([*argv, "--tables-only"]) == 0
    report = json.loads((out / "results.json").read_text())
    assert list(report["datasets"]) == ["toy"]  # classification files are not forecast
    toy = report["datasets"]["toy"]
    assert set(toy) == {"naive", "seasonal_naive", "statistical", "advisor"}
    assert toy["advisor"]["vs_statistical"] == pytest.approx(0.9)
    assert toy["advisor"]["provenance"]["commit"]
    assert "| toy | advisor |" in (out / "results.md").read_text()


# --- statsforecast --------------------------------------------------------------------


def test_statsforecast_forecasts_ignore_every_row_from_their_origin_on(
    bench: ModuleType,
) -> None:
    y = seasonal_series(100, 4, seed=1)
    p = problem(bench, y, 4, 4)
    origins = p.test_origins()
    rng = np.random.default_rng(2)
    for name in bench.STAT_MODELS:
        args = (p.split.validation_end, origins, p.horizon, p.period)
        pred, label = bench.stat_model_forecasts(name, y, *args)
        assert pred.shape == (len(origins), p.horizon) and label
        for i, t in enumerate(origins):
            changed = y.copy()
            changed[t:] += rng.normal(20.0, 5.0, len(y) - t)
            again, _ = bench.stat_model_forecasts(name, changed, *args)
            np.testing.assert_allclose(again[i], pred[i], err_msg=f"{name} at origin {t}")
            if i + 1 < len(origins):
                assert not np.allclose(again[i + 1], pred[i + 1]), name


def test_statsforecast_models_run_in_a_child_and_score_as_in_process(
    bench: ModuleType, tmp_path: Path
) -> None:
    y = seasonal_series(120, 12, noise=0.5)
    p = problem(bench, y, 12, 6)
    entries = bench.statsforecast_models(p, 5.0, tmp_path, ("autoets", "autotheta"))
    by = {e.name: e for e in entries}
    assert list(by) == ["autoets", "autotheta", "stat_median"]
    args = (p.split.validation_end, p.test_origins(), p.horizon, p.period)
    preds = {n: bench.stat_model_forecasts(n, y, *args)[0] for n in ("autoets", "autotheta")}
    for name, pred in preds.items():
        assert by[name].rmse == pytest.approx(p.score(pred)["rmse"])
        assert by[name].detail["model"] and not by[name].detail.get("capped")
    median = np.median(np.stack(list(preds.values())), axis=0)
    assert by["stat_median"].rmse == pytest.approx(p.score(median)["rmse"])
    assert by["stat_median"].detail["note"] == "median of two"
    naive = {e.name: e for e in bench.simple_baselines(p)}["seasonal_naive"]
    assert by["autoets"].rmse < naive.rmse


def test_a_statsforecast_model_over_its_cap_is_stopped_and_recorded_as_capped(
    bench: ModuleType, tmp_path: Path
) -> None:
    p = problem(bench, seasonal_series(240, 12), 12, 6)
    start = time.perf_counter()
    # The child cannot even import statsforecast in 50 ms.
    run = bench.run_stat_model(p, "autoarima", 0.05, tmp_path)
    assert time.perf_counter() - start < 5.0
    assert run.capped and run.pred is None and "cap" in run.note
    (entry, median) = bench.stat_entries(p, [run], 0.05 / 60)
    assert math.isnan(entry.rmse) and entry.detail["capped"]
    assert math.isnan(median.rmse)
    assert median.detail["of"] == [] and median.detail["note"].startswith("no model finished")


def test_the_median_is_over_the_models_that_finished(bench: ModuleType) -> None:
    y = seasonal_series(240, 12)
    p = problem(bench, y, 12, 6)
    actual = bench.fe.actuals(p.y, p.test_origins(), p.horizon)
    low, high = actual - 1.0, actual + 3.0
    runs = [
        bench.StatRun("autoets", low, 1.0, "ETS(A,N,A)"),
        bench.StatRun("autoarima", None, 300.0, note="stopped at its cap of 5 min", capped=True),
        bench.StatRun("autotheta", high, 2.0, "Theta"),
    ]
    by = {e.name: e for e in bench.stat_entries(p, runs, 5.0)}
    # the median of two is their mean: 1 above the actuals everywhere
    assert by["stat_median"].rmse == pytest.approx(1.0)
    assert by["stat_median"].detail["of"] == ["autoets", "autotheta"]
    assert by["stat_median"].detail["note"] == (
        "median of two; autoarima stopped at its cap of 5 min"
    )
    assert by["stat_median"].seconds == pytest.approx(303.0)
    assert by["autoets"].rmse == pytest.approx(1.0) and by["autotheta"].rmse == pytest.approx(3.0)
    assert math.isnan(by["autoarima"].rmse) and by["autoarima"].detail["capped"]


def test_statsforecast_entries_are_saved_reused_and_rerun_as_a_group(
    bench: ModuleType, tmp_path: Path
) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    write_datasets(data, seasonal_series(120, 12), 12, 6)
    skip = ["--skip", "statistical", "autoarima", "novice_lstm", "wide_search", "autolstm"]
    argv = ["--datasets", str(data), "--out", str(out), *skip, "advisor"]
    assert bench.main(argv) == 0
    names = ("autoets", "autotheta", "stat_median")
    path = {n: out / "entries" / f"toy.{n}.json" for n in names}
    first = {n: path[n].read_text() for n in names}
    assert bench.main([*argv, "--reuse"]) == 0
    assert {n: path[n].read_text() for n in names} == first  # nothing ran again
    report = json.loads((out / "results.json").read_text())
    assert set(report["datasets"]["toy"]) == {"naive", "seasonal_naive", *names}
    assert report["best_stat"]["toy"] in names
    # a member named in --rerun runs the whole group again (the median needs them all)
    time.sleep(0.01)
    assert bench.main([*argv, "--reuse", "--rerun", "autotheta"]) == 0
    rerun = {n: json.loads(path[n].read_text())["seconds"] for n in names}
    assert rerun != {n: json.loads(first[n])["seconds"] for n in names}


# --- AutoLSTM ---------------------------------------------------------------------------


def test_autolstm_fits_on_train_and_validation_and_forecasts_each_origin_from_before_it(
    bench: ModuleType,
) -> None:
    p = problem(bench, seasonal_series(240, 12), 12, 6)
    fit, history = bench.autolstm_frames(p)
    assert len(fit) == p.split.validation_end
    np.testing.assert_array_equal(fit["y"], p.y[: p.split.validation_end])
    origins = p.test_origins()
    assert sorted(history["unique_id"].unique()) == list(origins)
    last = history.groupby("unique_id")["ds"].agg(["max", "size"])
    np.testing.assert_array_equal(last["max"].to_numpy(), origins - 1)
    np.testing.assert_array_equal(last["size"].to_numpy(), origins)


def test_autolstm_input_sizes_stop_at_16_horizons_and_the_training_rows(
    bench: ModuleType,
) -> None:
    assert bench.autolstm_input_sizes(12, 1000, [-1, 4, 16, 64]) == [-1, 4, 16]
    # 16 horizons of 12 are longer than 96 training rows
    assert bench.autolstm_input_sizes(12, 96, [-1, 4, 16, 64]) == [-1, 4]
    with pytest.raises(ValueError, match="fewer than three horizons"):
        bench.autolstm_input_sizes(12, 30, [-1, 4, 16, 64])


def test_without_neuralforecast_autolstm_is_skipped_with_one_line_on_the_extra(
    bench: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setitem(sys.modules, "neuralforecast", None)  # import fails as if absent
    why = bench.neuralforecast_missing()
    assert why and 'pip install -e ".[bench]"' in why
    with pytest.raises(bench.MissingExtra):
        bench.autolstm(problem(bench, seasonal_series(240, 12), 12, 6), 1, 1, 1, tmp_path)

    data, out = tmp_path / "data", tmp_path / "out"
    write_datasets(data, seasonal_series(240, 12), 12, 6)
    skip = ["statistical", "statsforecast", "novice_lstm", "wide_search", "advisor"]
    assert bench.main(["--datasets", str(data), "--out", str(out), "--skip", *skip]) == 0
    said = [line for line in capsys.readouterr().out.splitlines() if "neuralforecast" in line]
    assert said == [why]
    assert not (out / "entries" / "toy.autolstm.json").exists()


@pytest.mark.slow
def test_autolstm_smoke(bench: ModuleType, tmp_path: Path) -> None:
    pytest.importorskip("neuralforecast")
    p = problem(bench, seasonal_series(240, 12), 12, 6)
    e = bench.autolstm(p, samples=1, steps=5, seeds=2, workdir=tmp_path)
    assert e.name == "autolstm" and math.isfinite(e.rmse) and e.rmse > 0
    assert len(e.detail["seed_rmse"]) == 2 and e.detail["max_steps"] == 5
    assert e.detail["best"]["max_steps"] == 5
    assert max(e.detail["input_sizes"]) <= 16 * p.horizon


# --- summary, goals and calibration -----------------------------------------------------


def with_new_competitors(bench: ModuleType) -> dict[str, list[object]]:
    nan = math.nan
    return {
        "a": [
            entry(bench, "seasonal_naive", 10.0),
            entry(bench, "autoets", 6.0),
            entry(bench, "autoarima", nan, capped=True, minutes_cap=5.0),
            entry(bench, "autotheta", 5.0),
            entry(bench, "stat_median", 5.5, note="median of two; autoarima stopped"),
            entry(bench, "autolstm", 8.0, seconds=400.0),
            entry(bench, "advisor", 4.0, seconds=100.0),
        ],
        "b": [
            entry(bench, "seasonal_naive", 10.0),
            entry(bench, "autoets", 4.0),
            entry(bench, "autotheta", 5.0),
            entry(bench, "stat_median", 4.5),
            entry(bench, "autolstm", 5.0, seconds=50.0),
            entry(bench, "advisor", 6.0, seconds=100.0),
        ],
        # AutoLSTM only: no statsforecast model ran here
        "c": [
            entry(bench, "seasonal_naive", 10.0),
            entry(bench, "autolstm", 6.0, seconds=100.0),
            entry(bench, "advisor", 6.0, seconds=100.0),
        ],
    }


def test_summary_compares_the_advisor_with_the_best_statistical_model_and_autolstm(
    bench: ModuleType,
) -> None:
    report = bench.summarise(with_new_competitors(bench))
    assert report["best_stat"] == {"a": "autotheta", "b": "autoets", "c": None}
    a = report["datasets"]["a"]
    assert a["advisor"]["vs_best_stat"] == pytest.approx(0.8)
    assert a["advisor"]["vs_autolstm"] == pytest.approx(0.5)
    assert a["autolstm"]["vs_best_stat"] == pytest.approx(1.6)
    assert math.isnan(a["autoarima"]["vs_best_stat"])
    assert report["datasets"]["c"]["advisor"]["vs_best_stat"] is None
    s = report["summary"]
    assert s["median_advisor_to_best_stat"] == pytest.approx((0.8 + 1.5) / 2)
    assert s["advisor_at_or_below_best_stat"] == 1
    assert s["compared_with_best_stat"] == 2
    assert s["median_advisor_to_autolstm_rmse"] == pytest.approx(1.0)  # 0.5, 1.2, 1.0
    assert s["advisor_at_or_below_autolstm"] == 2
    assert s["compared_with_autolstm"] == 3
    assert s["median_advisor_to_autolstm_wall"] == pytest.approx(1.0)  # 0.25, 2, 1


def goal_rows(table: str) -> dict[str, tuple[str, str]]:
    return {
        row.split("|")[1].strip(): (row.split("|")[2].strip(), row.split("|")[3].strip())
        for row in table.splitlines()
        if row.startswith("| advisor") and row.count("|") == 4
    }


def test_goals_table_has_lines_for_the_best_statistical_model_and_autolstm(
    bench: ModuleType,
) -> None:
    table = bench.markdown(bench.summarise(with_new_competitors(bench)))
    goals = goal_rows(table)
    assert goals["advisor RMSE / best statsforecast model, median <= 1.10"] == ("1.15", "no")
    assert goals["advisor RMSE / AutoLSTM, median <= 1.00"] == ("1", "yes")
    assert goals["advisor wall time / AutoLSTM, median <= 0.50"] == ("1", "no")
    assert goals["advisor at or below the best statsforecast model on >= 1/3 of datasets"] == (
        "1 of 2",
        "yes",
    )
    # RMSE over AutoLSTM's 0.5, 1.2 and 1.0: strictly below on one
    assert goals["advisor below AutoLSTM on >= 90% of datasets"] == ("1 of 3", "no")
    assert "| a | autoarima (over its 5 min cap) | n/a |" in table
    assert "| a | stat_median (median of two) |" in table


def calibrated(
    bench: ModuleType,
    claimed: float,
    lstm: float,
    base: float,
    diagnosis_warned: bool = False,
    retrained: float | None = None,
):
    """An advisor entry as ``calibration`` leaves it: the chosen configuration beat the
    baseline on validation where it claimed over 2%; ``diagnosis_warned``: the diagnosis
    found the gain within the noise; ``retrained``: the benchmark's own retraining of the
    configuration (else the advisor's test RMSE); a claimed gain its own test rows
    contradict is withdrawn (``held_on_test`` false)."""
    beaten = claimed > 0.02
    held = None if not beaten else lstm < base
    warned = diagnosis_warned or not beaten or held is False
    return entry(
        bench,
        "advisor",
        lstm if retrained is None else retrained,
        baseline_warning=diagnosis_warned,
        val_baseline="ets",
        claimed_gain=claimed,
        test_lstm_rmse=lstm,
        test_baseline_rmse=base,
        measured_gain=1 - lstm / base,
        beaten=beaten,
        held_on_test=held,
        warned=warned,
        decision="ets" if warned else "lstm",
        decision_rmse=base if warned else lstm,
    )


def test_calibration_rows_say_whether_the_validation_verdict_held_on_test(
    bench: ModuleType,
) -> None:
    results = {
        # claimed a gain, and the LSTM did beat the baseline on test
        "held": [entry(bench, "naive", 10.0), calibrated(bench, 0.2, 8.0, 10.0)],
        # a gain on validation that its own test rows contradict: withdrawn, so the
        # baseline is the advice, and that agrees with the retraining
        "withdrawn": [entry(bench, "naive", 10.0), calibrated(bench, 0.1, 11.0, 10.0)],
        # claimed a gain that held on its own test, but the benchmark's retraining of the
        # configuration is worse than the baseline: contradicted
        "contradicted": [
            entry(bench, "naive", 10.0),
            calibrated(bench, 0.1, 9.5, 10.0, retrained=11.0),
        ],
        # no gain on validation, and the baseline was indeed as good on test
        "level": [entry(bench, "naive", 10.0), calibrated(bench, 0.02, 10.0, 10.0)],
        # no gain on validation (the baseline is the advice), but the LSTM was better on test
        "missed": [entry(bench, "naive", 10.0), calibrated(bench, -0.1, 9.0, 10.0)],
        # ahead on validation but within the noise: warned, the baseline is the advice,
        # and the LSTM was better on test
        "noisy": [entry(bench, "naive", 10.0), calibrated(bench, 0.3, 8.5, 10.0, True)],
        # an advisor entry from before the calibration was kept: no row
        "old": [entry(bench, "naive", 10.0), entry(bench, "advisor", 9.0)],
    }
    report = bench.summarise(results)
    rows = report["calibration"]
    assert list(rows) == ["held", "withdrawn", "contradicted", "level", "missed", "noisy"]
    assert [rows[n]["agree"] for n in rows] == [True, True, False, True, False, False]
    assert [rows[n]["verdict"] for n in rows] == [
        "gain",
        "gain, not held on test",
        "gain",
        "no gain",
        "no gain",
        "within noise",
    ]
    assert rows["missed"]["decision"] == "ets" and rows["noisy"]["decision"] == "ets"
    assert rows["withdrawn"]["decision"] == "ets" and rows["contradicted"]["decision"] == "lstm"
    assert rows["contradicted"]["retrained_gain"] == pytest.approx(-0.1)
    assert rows["missed"]["decision_rmse"] == 10.0
    assert rows["missed"]["decision_to_best_on_test"] == pytest.approx(10 / 9)
    s = report["summary"]
    assert s["calibration_agreements"] == 3 and s["calibration_judged"] == 6
    assert s["calibration_gain_contradicted_by_test"] == "contradicted"
    assert s["calibration_gain_withdrawn_on_test"] == "withdrawn"
    # |claimed - measured| (the advisor's own test): 0, 0.2, 0.05, 0.02, 0.2, 0.15
    assert s["calibration_median_gain_gap"] == pytest.approx(0.1)
    table = bench.markdown(report)
    assert "## Calibration" in table
    assert "| missed | no gain | -0.1 | 0.1 | 0.1 | no | ets | 10 | 1.11 |" in table
    assert "| noisy | within noise | 0.3 | 0.15 | 0.15 | no | ets | 10 | 1.18 |" in table
    assert (
        "| withdrawn | gain, not held on test | 0.1 | -0.1 | -0.1 | yes | ets | 10 | 1 |" in table
    )
    assert "Agreements: 3 of 6. A gain claimed that the test contradicts: contradicted." in table
    assert "contradicted them: withdrawn." in table
    # What the verdict says to use, against the tutorial LSTM (10.5 on every dataset):
    # held 8.0, withdrawn ets 10.0, contradicted 11.0, level ets 10.0, missed ets 10.0,
    # noisy ets 10.0.
    novice = {n: [*entries, entry(bench, "novice_lstm", 10.5)] for n, entries in results.items()}
    s = bench.summarise(novice)["summary"]
    assert (s["advisor_decision_beats_novice"], s["decision_compared_with_novice"]) == (5, 6)
    # ... and against statsforecast's median model (10.0 on every dataset)
    stat = {n: [*entries, entry(bench, "stat_median", 10.0)] for n, entries in results.items()}
    s = bench.summarise(stat)["summary"]
    assert s["decision_compared_with_stat_median"] == 6
    assert s["median_decision_to_stat_median"] == pytest.approx(1.0)
    assert (
        "| what the verdict says to use / statsforecast's median model, median <= 1.00 | 1 | yes |"
        in (bench.markdown(bench.summarise(stat)))
    )
    # Entries saved before ``beaten`` was kept: derived from the claimed gain.
    old = calibrated(bench, -0.1, 9.0, 10.0)
    for key in ("beaten", "warned", "decision", "decision_rmse"):
        del old.detail[key]
    rows = bench.summarise({"missed": [entry(bench, "naive", 10.0), old]})["calibration"]
    assert rows["missed"]["verdict"] == "no gain" and rows["missed"]["decision"] == "ets"


def test_autolstm_forecasts_are_laid_out_by_origin_and_step(bench: ModuleType) -> None:
    origins = np.array([10, 11, 13])
    rows = [(str(t), t + k, 100.0 * t + k) for t in origins[::-1] for k in (1, 0)]
    forecasts = pd.DataFrame(rows, columns=["unique_id", "ds", "autolstm"])
    table = bench._origin_table(forecasts, "autolstm", origins)
    np.testing.assert_array_equal(table, 100.0 * origins[:, None] + np.arange(2)[None, :])


def test_a_recorded_recommendation_is_trained_without_running_the_analysis(
    bench: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--advisor-from``: the kept recommendation.json's final.config is trained as its
    final model is (the average of ``final.seeds`` trainings, or ``--final-seeds``)."""
    from advisor.core.records import LayerConfig, ModelConfig
    from advisor.store.document import config_to_dict

    calls: list[tuple[object, int, int]] = []

    def fake_train(p: object, config: object, seeds: int, members: int = 1):
        calls.append((config, seeds, members))
        return {"rmse": 1.5, "mae": 1.0, "mase": 0.5}, [1.5] * seeds

    monkeypatch.setattr(bench, "train_seeds", fake_train)
    monkeypatch.setattr(bench.subprocess, "run", lambda *a, **k: pytest.fail("analysis ran"))
    config = ModelConfig(4, (LayerConfig(8, 0.1, 0.0),), 1e-4, 1e-3, 16, 3, 2, "standard", 0)
    doc = {
        "run": {"seconds": 42.0},
        "final": {"config": config_to_dict(config), "seeds": [0, 1, 2]},
        "diagnosis": {"findings": [], "runs": []},
        "recommendation": {"baseline_warning": None},
        "profile": {"baselines": []},
    }
    (tmp_path / "toy.recommendation.json").write_text(json.dumps(doc))
    p = problem(bench, seasonal_series(120, 12), 12, 6)
    e = bench.advisor(p, 2, tmp_path, None, None, tmp_path)
    assert (e.rmse, e.seconds, e.detail["members"]) == (1.5, 42.0, 3)
    assert calls == [(config, 2, 3)]
    bench.advisor(p, 2, tmp_path, None, None, tmp_path, final_seeds=1)
    assert calls[-1] == (config, 2, 1)


def test_a_budget_share_is_a_fraction_of_the_competitors_recorded_seconds(tmp_path):
    entries = load_script("_entries")
    (tmp_path / "toy.autolstm.json").write_text(json.dumps({"seconds": 145.9}))
    assert entries.shared_budget("autolstm:0.5", tmp_path, "toy") == "72s"  # rounded down
    with pytest.raises(SystemExit, match="no wide_search entry for toy"):
        entries.shared_budget("wide_search:0.33", tmp_path, "toy")


def test_a_published_results_file_restores_its_entries_without_ratios_or_overwriting(
    bench: ModuleType, tmp_path: Path
) -> None:
    entries = load_script("_entries")
    stat = entry(bench, "statistical", 5.0, seconds=30.0, model="ETS(A,Ad,A)")
    auto = entry(bench, "autolstm", 4.0, seconds=851.8, samples=10)
    report = bench.summarise({"toy": [entry(bench, "seasonal_naive", 10.0), stat, auto]})
    report["datasets"]["toy"]["autolstm"]["provenance"] = {"commit": "abc1234"}
    published = tmp_path / "results.json"
    published.write_text(json.dumps(report, default=float))
    folder = tmp_path / "entries"
    bench.save_entry(folder, "toy", entry(bench, "statistical", 6.0))  # a newer one, kept

    # seasonal naive and AutoLSTM; the statistical entry already there stays
    assert entries.restore_entries(published, folder, bench.Entry) == 2
    restored = entries.load_entry(folder, "toy", "autolstm", bench.Entry)
    assert (restored.rmse, restored.seconds) == (4.0, 851.8)
    assert restored.detail["samples"] == 10
    assert restored.detail["provenance"] == {"commit": "abc1234"}
    assert not any(k.startswith("vs_") for k in restored.detail)
    assert entries.load_entry(folder, "toy", "statistical", bench.Entry).rmse == 6.0
    # the budget share reads the restored seconds as it reads a measured entry's
    assert entries.shared_budget("autolstm:0.5", folder, "toy") == "425s"


def test_entries_from_a_results_file_rebuild_its_tables(bench: ModuleType, tmp_path: Path) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    write_datasets(data, seasonal_series(240, 12), 12, 6)
    argv = ["--datasets", str(data)]
    skip = ["--skip", "statsforecast", "novice_lstm", "wide_search", "autolstm", "advisor"]
    assert bench.main([*argv, "--out", str(out), *skip]) == 0
    bench.save_entry(out / "entries", "toy", entry(bench, "advisor", 1.0))
    assert bench.main([*argv, "--out", str(out), "--tables-only"]) == 0

    again = tmp_path / "again"
    published = out / "results.json"
    assert (
        bench.main([*argv, "--out", str(again), "--tables-only", "--entries-from", str(published)])
        == 0
    )
    before = json.loads(published.read_text())["datasets"]["toy"]
    after = json.loads((again / "results.json").read_text())["datasets"]["toy"]
    assert after["advisor"]["rmse"] == before["advisor"]["rmse"] == 1.0
    assert after["statistical"]["vs_seasonal_naive"] == pytest.approx(
        before["statistical"]["vs_seasonal_naive"]
    )
