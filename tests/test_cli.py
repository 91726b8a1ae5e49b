"""The command line: help without heavy imports, one-line errors with exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from support.report import make_document
from typer.testing import CliRunner

from advisor.cli import app
from advisor.core.options import parse_budget

runner = CliRunner()


def test_help_path_imports_no_training_library():
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from advisor.cli import app\n"
        "result = CliRunner().invoke(app, ['--help'])\n"
        "assert result.exit_code == 0, result.output\n"
        "heavy = [m for m in ('tensorflow', 'keras', 'keras_tuner', 'pandas', 'statsmodels', 'statsforecast', 'aeon') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""


@pytest.mark.parametrize(
    "command", [["--help"], ["analyze", "--help"], ["rules", "--help"], ["report", "--help"]]
)
def test_help_answers(command):
    result = runner.invoke(app, command)
    assert result.exit_code == 0
    assert "Usage" in result.output


@pytest.mark.parametrize(
    ("text", "seconds"), [("90s", 90), ("2m", 120), ("1.5h", 5400), ("45", 45), ("3 min", 180)]
)
def test_budget_parsing(text, seconds):
    assert parse_budget(text) == seconds


def _one_line_error(result):
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 2, result.output
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    return lines[0]


@pytest.mark.parametrize("budget", ["soon", "-1m", "0", "2x"])
def test_bad_budget_is_one_line_exit_2(budget, tmp_path):
    line = _one_line_error(
        runner.invoke(app, ["analyze", "--example", "airline", "--budget", budget])
    )
    assert "--budget" in line


def test_missing_file_is_one_line_exit_2(tmp_path):
    line = _one_line_error(runner.invoke(app, ["analyze", str(tmp_path / "nope.csv")]))
    assert "nope.csv" in line


def test_no_data_is_one_line_exit_2():
    line = _one_line_error(runner.invoke(app, ["analyze"]))
    assert "--example" in line


def test_unknown_example_is_one_line_exit_2():
    line = _one_line_error(runner.invoke(app, ["analyze", "--example", "titanic"]))
    assert "airline" in line


def test_bad_task_is_one_line_exit_2(tmp_path):
    line = _one_line_error(
        runner.invoke(app, ["analyze", "--example", "airline", "--task", "regress"])
    )
    assert "--task" in line


def test_report_of_a_non_run_directory_is_one_line_exit_2(tmp_path):
    line = _one_line_error(runner.invoke(app, ["report", str(tmp_path)]))
    assert "recommendation.json" in line


def test_report_with_a_corrupt_document_is_one_line_exit_2(tmp_path):
    (tmp_path / "recommendation.json").write_text("{not json")
    _one_line_error(runner.invoke(app, ["report", str(tmp_path)]))


def test_report_with_a_hand_edited_document_is_one_line_exit_2(tmp_path):
    """Valid JSON and the right schema version, but an entry gone: said, not a traceback."""
    document = make_document()
    del document["profile"]["split"]
    (tmp_path / "recommendation.json").write_text(json.dumps(document))
    line = _one_line_error(runner.invoke(app, ["report", str(tmp_path)]))
    assert "incomplete or edited" in line and "split" in line


def test_profile_of_the_example_writes_profile_json(tmp_path):
    result = runner.invoke(app, ["profile", "--example", "airline", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    profile = json.loads((tmp_path / "profile.json").read_text())
    assert profile["seasonal_period"] == 12
    assert profile["rows"] == 144
    assert "seasonal period" in result.output


@pytest.mark.parametrize("columns", [80, 40])
def test_rules_list_is_one_line_a_rule_without_rationale(columns):
    from advisor.rules import load_rulebook

    rules = load_rulebook([]).rules
    result = runner.invoke(app, ["rules", "list"], env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    header, rows = lines[0], lines[1 : len(rules) + 1]
    assert header.split()[0] == "id"
    # Each rule on exactly one line, in the rulebook's order, cut (never wrapped) at the edge.
    assert [row.split()[0] for row in rows] == [rule.id for rule in rules]
    assert all(len(line) <= columns for line in [header, *rows])
    if columns == 80:
        assert len(lines) == len(rules) + 2  # the header, the rules, the count
        for rule, row in zip(rules, rows, strict=True):
            assert row.split()[1] == f"{rule.confidence:.0%}"
    assert not any(rule.rationale[:40] in result.output for rule in rules)


def test_rules_list_says_what_each_rule_does_as_written():
    result = runner.invoke(app, ["rules", "list"], env={"COLUMNS": "120"})
    lines = {line.split()[0]: line for line in result.output.splitlines() if line.split()}
    assert lines["default-units"].split()[1:] == ["50%", "set", "units", "to", "32"]
    # A value with brackets is an expression, shown as written, not read as rich markup.
    assert "raise units to $max([2 * best_units, 64])" in lines["underfit-widen"]
    assert "clamp early_stopping_patience to 3-30" in lines["patience-sane-bounds"]


def test_rules_show_gives_the_whole_rule_with_its_rationale():
    from advisor.rules import load_rulebook

    rule = load_rulebook([]).get("default-units")
    result = runner.invoke(app, ["rules", "show", "default-units"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert " ".join(rule.rationale.split()) in text
    for ref in rule.references:
        assert " ".join(ref.split()) in text
    assert "when: true" in text and "choices: 16, 32, 64" in text


def test_broken_rule_file_is_one_line_exit_2(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[[rule]]\nid = "x"\nwhen = "overfiting"\nsetting = "dropout"\naction = "set"\nvalue = "0.2"\n'
        'rationale = "r"\nreferences = ["r"]\n'
    )
    line = _one_line_error(runner.invoke(app, ["rules", "check", str(bad)]))
    assert "overfitting" in line  # the did-you-mean


OVERRIDE = """
[[rule]]
id = "default-units"
when = "true"
priority = 0
setting = "units"
action = "set"
value = "24"
confidence = 0.5
rationale = "Our team starts every LSTM at 24 units: a house rule that replaces the packaged one."
references = ["team wiki"]
"""


def test_rules_show_and_list_print_a_user_file_literally(tmp_path):
    mine = tmp_path / "mine.toml"
    mine.write_text(
        OVERRIDE.replace("a house rule", "a [bold red]house[/] rule").replace(
            '"team wiki"', '"[link=file:///etc]wiki[/link]"'
        )
    )
    shown = runner.invoke(app, ["rules", "show", "default-units", "--rules", str(mine)])
    assert shown.exit_code == 0, shown.output
    text = " ".join(shown.output.split())
    assert "a [bold red]house[/] rule" in text and "[link=file:///etc]wiki[/link]" in text


def test_a_user_rule_file_overrides_a_rule_by_id(tmp_path):
    mine = tmp_path / "mine.toml"
    mine.write_text(OVERRIDE)
    result = runner.invoke(app, ["rules", "show", "default-units", "--rules", str(mine)])
    assert result.exit_code == 0, result.output
    assert "house rule" in result.output and "24" in result.output
    packaged = runner.invoke(app, ["rules", "show", "default-units"])
    assert "house rule" not in packaged.output


def test_rules_show_unknown_id_suggests_one(tmp_path):
    line = _one_line_error(runner.invoke(app, ["rules", "show", "default-unit"]))
    assert "default-units" in line


def test_analyze_with_a_broken_rule_file_fails_before_training(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(OVERRIDE.replace('when = "true"', 'when = "overfiting"'))
    line = _one_line_error(
        runner.invoke(app, ["analyze", "--example", "airline", "--rules", str(bad)])
    )
    assert "bad.toml" in line and "overfitting" in line


# ------------------------------------------------------------- the summary printed


def _run_dir(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "recommendation.json").write_text(json.dumps(make_document()))
    return run


def test_report_writes_the_page_and_prints_one_screen(tmp_path):
    run = _run_dir(tmp_path)
    result = runner.invoke(app, ["report", str(run)], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert (run / "report.html").is_file()
    assert len(result.output.splitlines()) <= 30, result.output
    text = "".join(result.output.split())  # a long temporary path may wrap anywhere
    assert "Verdictfor“passengers”" in text
    # The folder as given, not the document's run.dir (the run may have moved).
    assert "".join(f"Report: {run / 'report.html'}".split()) in text
    assert "capacity.best_width" not in text


def test_report_explain_prints_the_rules_reasons(tmp_path):
    run = _run_dir(tmp_path)
    result = runner.invoke(app, ["report", str(run), "--explain"], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "capacity.best_width" in text
    assert "64 units gave the lowest validation loss in the capacity sweep." in text


@pytest.mark.parametrize("explain", [False, True])
def test_analyze_prints_the_summary_and_explain_adds_the_reasons(explain, tmp_path, monkeypatch):
    """The command's wiring, with the analysis itself replaced: training is the pipeline's test."""
    import types

    import advisor.api
    import advisor.core.interrupt
    import advisor.store.document

    run = tmp_path / "run"
    result_record = types.SimpleNamespace(run_dir=str(run))
    monkeypatch.setattr(advisor.api, "analyze", lambda *args, **kwargs: result_record)
    monkeypatch.setattr(advisor.store.document, "to_document", lambda analysis: make_document())
    # The real handler would route this test process's Ctrl-C through the advisor's.
    monkeypatch.setattr(advisor.core.interrupt, "install", lambda: None)
    args = ["analyze", "--example", "airline", "--out", str(run)] + (
        ["--explain"] if explain else []
    )
    result = runner.invoke(app, args, env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert f"Report: {run / 'report.html'}" in text
    assert "Diagnosis: overfitting" in text
    rationale = "64 units gave the lowest validation loss in the capacity sweep."
    assert (rationale in text) is explain


def test_a_history_that_is_not_a_database_stops_the_analysis_before_training(tmp_path):
    """The history is read right after the profile: a broken one is one line and exit 2,
    left as it was, and no training ran (no diagnosis was recorded in the run folder)."""
    history = tmp_path / "history.sqlite3"
    history.write_text("not a database\n")
    out = tmp_path / "run"
    result = runner.invoke(
        app,
        ["analyze", "--example", "airline", "--out", str(out), "--history", str(history)],
    )
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and str(history) in lines[0]
    assert "Traceback" not in result.output
    assert history.read_text() == "not a database\n"
    assert not (out / "recommendation.json").exists()


def test_a_pretrained_file_that_is_not_a_keras_archive_is_one_line_exit_2(tmp_path):
    model = tmp_path / "model.keras"
    model.write_text("not a model\n")
    result = runner.invoke(
        app,
        [
            "analyze",
            "--example",
            "airline",
            "--out",
            str(tmp_path / "run"),
            "--no-history",
            "--pretrained",
            str(model),
        ],
    )
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "could not load it in safe mode" in lines[0]
    assert not (tmp_path / "run" / "recommendation.json").exists()
