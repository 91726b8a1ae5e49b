"""The terminal summary: one screen by default, the reasons under ``explain``, data shown
literally. Rendered from hand-built documents (``support.report``), no training.
"""

from __future__ import annotations

from typing import Any

import pytest
from rich.console import Console
from support import report as fx

from advisor.reports.info import parse_document
from advisor.reports.terminal import MAX_BASELINES, MAX_NOTES, primary_finding, summary_renderables
from advisor.reports.view import build_view
from advisor.reports.wording import SETTING_LABELS

# The one-screen budget at 80 columns, for a document shaped like the packaged example's.
SCREEN_LINES = 30
RUN_DIR = "advisor_runs/airline-3f2a"
# The baselines a forecasting run scores on the test split, with RMSE and MASE.
BASELINES = {
    "naive": (99.2, 2.67),
    "drift": (95.2, 2.54),
    "seasonal_naive": (53.4, 1.76),
    "seasonal_naive_12": (51.0, 1.70),
    "ets": (48.4, 1.44),
    "theta": (30.8, 0.857),
    "arima": (23.7, 0.625),
    "mstl": (27.9, 0.70),
}


def render(doc: dict[str, Any], width: int = 80, **options: Any) -> str:
    console = Console(record=True, width=width, color_system=None)
    for renderable in summary_renderables(doc, **options):
        console.print(renderable)
    return console.export_text()


def flat(text: str) -> str:
    """The text with every run of whitespace as one space: a phrase that wrapped still matches."""
    return " ".join(text.split())


def example_like() -> dict[str, Any]:
    """A document shaped like the airline example's under a one-minute budget: every
    baseline scored, two findings, the search, its cross-validation and the diagnostic
    plan cut by the budget."""
    doc = fx.make_document(notices=())
    doc["run"]["dir"] = RUN_DIR
    doc["final"]["test_metrics"] = {"rmse": 25.0, "mae": 23.2, "mase": 0.794}
    doc["final"]["baseline_test_metrics"] = {
        name: {"rmse": rmse, "mae": rmse * 0.8, "mase": mase}
        for name, (rmse, mase) in BASELINES.items()
    }
    doc["diagnosis"]["findings"].append(
        {
            "id": "capacity_limited",
            "summary": "Validation error still fell from 16 to 32 units, the widest tried.",
            "evidence": {"gain": 0.03},
            "confidence": 0.55,
        }
    )
    doc["diagnosis"]["cut"] = [
        "width 128 (68,108 weights for 73 training windows)",
        "epochs capped at 30 instead of 60 (time budget)",
        "data-size run on 25% of the windows (time budget)",
    ]
    doc["diagnosis"]["budget_cut"] = doc["diagnosis"]["cut"][1:]
    doc["verification"]["partial"] = True
    doc["verification"]["budget_cut"] = [
        "the search after 5 of 12 trials",
        "cross-validation: 2 fold(s) x 3 seeds cut to 2 x 1: the time budget",
    ]
    doc["verification"]["cv"] = {
        "folds": 2,
        "seeds": 1,
        "suggestion": {"mean": 17.4, "std": 0.4, "n": 2},
        "best": {"mean": 17.3, "std": 0.5, "n": 2},
        "cut": ["2 fold(s) x 3 seeds cut to 2 x 1: the time budget"],
    }
    return doc


def test_summary_renderables_render_without_printing(capsys: pytest.CaptureFixture[str]) -> None:
    renderables = summary_renderables(fx.make_document())
    assert capsys.readouterr().out == ""
    console = Console(record=True, width=120, color_system=None)
    for r in renderables:
        console.print(r)
    text = flat(console.export_text())
    assert "one LSTM layer of 64 units" in text
    assert "seasonal_naive" in text and "advisor_runs/2024-05-01T10-00-00/report.html" in text


def test_the_example_fits_one_screen_with_what_matters() -> None:
    doc = example_like()
    text = render(doc)
    assert len(text.splitlines()) <= SCREEN_LINES, text
    words = flat(text)
    assert build_view(doc).headline in words  # the verdict
    for key, label in SETTING_LABELS.items():
        # Season position inputs and a season taken out are named only where a
        # configuration uses them.
        assert (label in words) == (
            key not in ("season_position", "deseasonalize", "log_target")
        ), label
    assert "Diagnosis: overfitting" in words  # the only problem finding outranks capacity
    assert f"Report: {RUN_DIR}/report.html" in words
    # The reasons stay in the report: no rule id, no rationale, no findings table.
    assert "capacity.best_width" not in words and "dropout curbs this" not in words
    assert "capacity_limited" not in words


def test_a_cut_budget_is_one_line_and_explain_lists_each_cut() -> None:
    doc = example_like()
    lines = render(doc).splitlines()
    (cut,) = [line for line in lines if "Cut by the time budget" in line]
    assert "2 diagnostic steps" in cut and "the verification" in cut
    # What the data's size left out is the plan, not a cut: not on the one screen.
    assert "width 128" not in render(doc)
    explained = flat(render(doc, explain=True))
    assert "the search after 5 of 12 trials" in explained
    assert "Left out for the data's size: width 128 (68,108 weights for 73 training windows)" in (
        explained
    )
    assert "2 fold(s) x 3 seeds cut to 2 x 1" in explained


def test_nothing_cut_by_the_budget_says_no_cut() -> None:
    """Under --budget auto only the data's size leaves things out: no 'cut' line."""
    doc = fx.make_document()
    doc["diagnosis"]["cut"] = ["width 128 (68,108 weights for 73 training windows)"]
    doc["diagnosis"]["budget_cut"] = []
    assert "Cut by the time budget" not in render(doc)


def test_a_partial_run_says_so_first() -> None:
    doc = fx.make_document()
    doc["run"]["partial"] = True
    text = render(doc)
    notes = [line for line in text.splitlines() if line.startswith("! ")]
    assert notes[0].startswith("! Partial run")
    assert text.index("Verdict") < text.index("! Partial run") < text.index("Recommended settings")


def test_test_table_lists_the_lstm_and_the_best_baselines_best_first() -> None:
    text = render(example_like())
    table = text[text.index("Test errors") :].split("\n\n")[0].splitlines()
    assert "4 more baselines in the report" in table[0]
    names = [line.split()[0] for line in table[1:]]
    # RMSE order, the LSTM in its place: arima 23.7, LSTM 25, mstl 27.9, theta 30.8, ets 48.4.
    assert names == ["arima", "LSTM", "mstl", "theta", "ets"]
    assert len(names) == MAX_BASELINES + 1
    assert table[1].split()[1:] == ["23.7", "0.625"]  # RMSE and MASE


def test_explain_prints_the_rules_reasons_and_every_baseline() -> None:
    doc = example_like()
    # Wide: at 80 columns the "Why" column may fold a rule id mid-word.
    plain, explained = flat(render(doc, width=160)), flat(render(doc, width=160, explain=True))
    for hit in doc["recommendation"]["rules_fired"]:
        if hit["applied"]:
            assert hit["rule"] in explained and flat(hit["rationale"]) in explained
            assert flat(hit["rationale"]) not in plain
    assert "overridden by regularise.overfit_dropout" in explained
    assert "capacity_limited" in explained  # every finding, not only the main one
    assert "Verification" in explained
    for name in BASELINES:
        assert name in explained.split()


def test_notes_are_one_line_each_and_capped() -> None:
    notices = tuple(f"Repaired thing number {i} " + "in great detail " * 8 for i in range(6))
    doc = fx.make_document(notices=notices)
    lines = [line for line in render(doc).splitlines() if line.startswith("! ")]
    assert len(lines) == MAX_NOTES
    assert lines[-1] == f"! {len(notices) - MAX_NOTES + 1} more notes in the report (or --explain)."
    assert all(len(line) <= 80 for line in lines)
    explained = flat(render(doc, explain=True))
    assert all(flat(n) in explained for n in notices)


def test_stages_that_did_not_run_are_said() -> None:
    doc = fx.make_document(with_verification=False, with_final=False)
    text = flat(render(doc))
    assert "The verification search did not run in this analysis." in text
    assert "The final training and test did not run in this analysis." in text
    assert "Test errors" not in text


def test_the_diagnosis_reads_the_primary_finding_where_the_document_names_it() -> None:
    doc = example_like()
    doc["diagnosis"]["primary"] = "capacity_limited"
    assert "Diagnosis: capacity limited. Validation error still fell" in flat(render(doc))


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        (["noisy_validation", "underfitting", "overfitting"], "overfitting"),
        (["overfitting", "not_converged", "diverging"], "diverging"),
        (["good_fit", "data_limited"], "data_limited"),
        (["no_gain_over_baseline", "noisy_validation"], "noisy_validation"),
    ],
)
def test_without_a_primary_the_precedence_picks_the_finding(ids: list[str], expected: str) -> None:
    doc = fx.make_document()
    doc["diagnosis"]["findings"] = [
        {"id": i, "summary": f"{i} seen.", "evidence": {}, "confidence": 0.5} for i in ids
    ]
    finding = primary_finding(parse_document(doc))
    assert finding is not None and finding.id == expected
    # A primary the diagnosis did not make is not trusted: the precedence decides.
    named = primary_finding(parse_document(doc), primary="diverging_typo")
    assert named is not None and named.id == expected


def test_no_findings_and_no_runs_are_said_plainly() -> None:
    doc = fx.make_document()
    doc["diagnosis"]["findings"] = []
    assert "Diagnosis: the diagnostic trainings flagged no problem." in flat(render(doc))
    doc["diagnosis"]["runs"] = []
    assert "Diagnosis: no diagnostic training ran in this analysis." in flat(render(doc))


def test_the_run_folder_given_wins_over_the_documents() -> None:
    """``advisor report`` on a moved folder points at where the report now is."""
    text = flat(render(fx.make_document(), width=200, run_dir="/moved/here"))
    assert "Report: /moved/here/report.html (run folder: /moved/here)" in text


MARKUP = "[bold red]x[/]"


@pytest.mark.parametrize("explain", [False, True])
def test_summary_shows_markup_in_data_literally(explain: bool) -> None:
    doc = fx.make_document(target=f"sales{MARKUP}", notices=(f"notice{MARKUP}",))
    doc["run"]["dir"] = f"runs/{MARKUP}"
    doc["diagnosis"]["findings"][0]["summary"] = f"rose{MARKUP}."
    doc["final"]["baseline_test_metrics"][f"base{MARKUP}"] = {"rmse": 1.0, "mase": 0.1}
    doc["recommendation"]["rules_fired"][0]["rationale"] = f"because{MARKUP}"
    text = flat(render(doc, width=200, explain=explain))
    assert f"sales{MARKUP}" in text and f"notice{MARKUP}" in text
    assert f"runs/{MARKUP}/report.html" in text
    assert f"rose{MARKUP}." in text and f"base{MARKUP}" in text
    if explain:
        assert f"because{MARKUP}" in text


def test_summary_without_verification_shows_markup_literally() -> None:
    d = fx.make_document(target="[bold red]sales[/]", with_verification=False, with_final=False)
    text = flat(render(d, width=120))
    assert "[bold red]sales[/]" in text
    assert "The verification search did not run in this analysis." in text


def test_season_position_inputs_get_their_row_where_used() -> None:
    doc = example_like()
    doc["final"]["config"]["season_position"] = 365
    words = flat(render(doc))
    assert "Season position inputs" in words and "(final model: 365-step season)" in words
    assert len(render(doc).splitlines()) <= SCREEN_LINES


def test_a_log_taken_gets_its_row_where_used() -> None:
    doc = example_like()
    doc["recommendation"]["config"]["log_target"] = True
    doc["final"]["config"]["log_target"] = True
    words = flat(render(doc))
    assert "Log of the values log" in words
    assert len(render(doc).splitlines()) <= SCREEN_LINES


def test_a_season_taken_out_gets_its_row_where_used() -> None:
    doc = example_like()
    doc["recommendation"]["config"]["deseasonalize"] = 12
    doc["final"]["config"]["deseasonalize"] = 12
    words = flat(render(doc))
    assert "Season removed 12-step season's pattern" in words
    assert len(render(doc).splitlines()) <= SCREEN_LINES
