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
        "heavy = [m for m in ('tensorflow', 'keras', 'keras_tuner', 'pandas', 'statsmodels') if m in sys.modules]\n"
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


def test_rules_list_shows_rules_with_rationale():
    result = runner.invoke(app, ["rules", "list"])
    assert result.exit_code == 0, result.output
    assert "default-units" in result.output


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
