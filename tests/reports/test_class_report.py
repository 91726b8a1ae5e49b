"""The classification report: its page, its chart numbers and its terminal summary, all
from the ``recommendation.json`` of a small hand-made analysis (``support.class_analysis``:
a real profile of 30 synthetic sequences, no training).

The page is read back with an HTML parser, by section and table, not by substring: what
counts is what a reader sees where.
"""

from __future__ import annotations

import dataclasses
import json
from html.parser import HTMLParser
from typing import Any

import pytest
from rich.console import Console
from support.class_analysis import make_analysis
from support.report import make_document

from advisor.reports import class_chart_data
from advisor.reports.class_info import parse_class_document
from advisor.reports.class_terminal import class_analysis_renderables
from advisor.reports.html import render_document
from advisor.reports.terminal import summary_renderables
from advisor.store.class_document import to_class_document

CLASSES = ["fall", "rise", "wave"]
SCRIPT = "<script>alert(1)</script>"


class Page(HTMLParser):
    """The visible text of each section (by id), every table's cells, and every tag."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.sections: dict[str, list[str]] = {}
        self.tables: list[dict[str, Any]] = []
        self.headline = ""
        self._section: str | None = None
        self._in_headline = False
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._skip = 0
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag in ("style", "svg"):
            self._skip += 1
        if tag == "section":
            self._section = a.get("id")
            self.sections[self._section or ""] = []
        if tag == "p" and a.get("class") == "headline":
            self._in_headline = True
        if tag == "table":
            self.tables.append(
                {"class": a.get("class"), "section": self._section, "rows": [], "marked": []}
            )
        if tag == "tr":
            self._row = []
            self.tables[-1]["marked"].append(a.get("class") == "highlight")
        if tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "svg"):
            self._skip -= 1
        if tag == "p":
            self._in_headline = False
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        if tag == "tr" and self._row is not None:
            self.tables[-1]["rows"].append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._in_headline:
            self.headline += data
        if self._cell is not None:
            self._cell.append(data)
        if self._section is not None:
            self.sections[self._section].append(data)

    def text(self, section: str) -> str:
        return " ".join("".join(self.sections[section]).split())

    def table(self, section: str, css: str | None = None) -> list[list[str]]:
        found = [t for t in self.tables if t["section"] == section and t["class"] == css]
        return found[0]["rows"]

    def marked(self, section: str) -> list[str]:
        """First cells of the emphasised rows of the section's first table."""
        found = next(t for t in self.tables if t["section"] == section)
        return [r[0] for r, m in zip(found["rows"], found["marked"], strict=True) if m]


def _document(**kwargs: bool) -> dict[str, Any]:
    # Through JSON, as ``advisor report`` reads it back: no NaN, no tuple survives.
    return json.loads(json.dumps(to_class_document(make_analysis(**kwargs)), allow_nan=False))


def _page(**kwargs: bool) -> Page:
    return Page(render_document(_document(**kwargs)))


@pytest.fixture(scope="module")
def advised() -> Page:
    return _page()


def test_the_headline_names_the_advised_baseline_with_its_figures(advised: Page) -> None:
    headline = " ".join(advised.headline.split())
    assert headline.startswith("Use MiniRocket: it reaches 100% validation accuracy")
    assert "test 89%" in headline and "fitted in 2.4 s" in headline
    assert "the best LSTM found reaches 67% (test 67%)" in headline
    # Three validation sequences draw no band: said in words, not as a number.
    assert "too few validation sequences (3)" in headline
    assert "See why the LSTM falls short." in headline
    links = [a.get("href") for t, a in advised.tags if t == "a"]
    assert "#why" in links and "why" in advised.sections
    assert "no_gain_over_baseline" not in advised.text("why")  # in words, not an id
    assert "MiniRocket reaches 1.00 on validation" in advised.text("why")


def test_an_lstm_no_better_than_the_baseline_is_said_so_without_a_band() -> None:
    doc = _document()
    doc["verdict"].update(val_band=None, lstm_val_accuracy=1.0, baseline_seconds=0.004)
    headline = " ".join(Page(render_document(doc)).headline.split())
    assert "fitted in under 0.1 s" in headline
    assert "the best LSTM found reaches 100% (test 67%) as well, no better." in headline


def test_a_gain_the_test_sequences_withdrew_is_said_in_the_headline() -> None:
    doc = _document()
    doc["verdict"].update(held_on_test=False, lstm_val_accuracy=1.0, val_accuracy=0.9)
    headline = " ".join(Page(render_document(doc)).headline.split())
    assert headline.startswith("Use MiniRocket: it reaches 90% validation accuracy")
    assert (
        "the best LSTM found reaches 100% (test 67%): ahead of it on validation, but not on "
        "the test sequences, so no gain over it is claimed." in headline
    )


def test_the_final_models_average_and_its_members_are_said() -> None:
    from advisor.reports.class_info import parse_class_document
    from advisor.reports.sections.class_results import test_metrics

    doc = _document()
    (single,) = test_metrics(parse_class_document(doc))
    assert single.startswith("The final LSTM, trained on the training and validation sequences")
    doc["final"].update(seeds=[0, 1, 2], member_test_accuracy=[0.6, 2 / 3, 0.7])
    doc["final"]["dropped_seeds"] = []
    averaged = " ".join(test_metrics(parse_class_document(doc)))
    assert averaged.startswith(
        "The final LSTM, the average of 3 trainings of these settings (seeds 0, 1, 2) on the "
        "training and validation sequences for 14 epochs each"
    )
    assert "Alone, its trainings classified 60% to 70% right" in averaged
    doc["final"]["dropped_seeds"] = [2]
    assert "seed(s) 2 diverged and are left out" in " ".join(
        test_metrics(parse_class_document(doc))
    )
    # How the epoch count came about: the first training converged, the others followed it.
    doc["final"].update(stopped_reason="early_stopping", dropped_seeds=[])
    converged = " ".join(test_metrics(parse_class_document(doc)))
    assert (
        "in all); the first training stopped where its training loss stopped falling, and "
        "the others trained as many, classifies"
    ) in converged
    doc["final"].update(seeds=[0], member_test_accuracy=[0.6])
    alone = " ".join(test_metrics(parse_class_document(doc)))
    assert "stopped where its training loss stopped falling, classifies" in alone


def test_the_keras_code_is_python_for_the_final_configuration(advised: Page) -> None:
    from html import unescape

    html = render_document(_document())
    code = unescape(html.split('<section id="snippet">')[1].split("<code>")[1].split("</code>")[0])
    compile(code, "snippet.py", "exec")
    assert "CLASSES = 3" in code and "CHANNELS = 2" in code
    assert "model.py in the run folder" in advised.text("snippet")


def test_the_lstm_is_the_advice_where_it_wins() -> None:
    page = _page(advised=False)
    headline = " ".join(page.headline.split())
    assert headline.startswith("Use the LSTM below: it classifies 67% of the test sequences")
    assert "the best baseline, MiniRocket, reaches 33%" in headline
    assert "Use MiniRocket" not in headline
    assert "why" not in page.sections
    assert page.marked("results") == ["LSTM"]


def test_the_confusion_matrix_names_the_classes_on_both_axes(advised: Page) -> None:
    rows = advised.table("results", "confusion")
    header, body = rows[0], rows[1:]
    assert header[1:] == CLASSES
    assert [r[0] for r in body] == CLASSES
    fin = make_analysis().final
    assert fin is not None
    assert [[int(c) for c in r[1:]] for r in body] == [list(r) for r in fin.confusion]
    hits = [a for t, a in advised.tags if t == "td" and a.get("class") == "hit"]
    assert len(hits) == len(CLASSES)


def test_each_class_has_its_precision_recall_and_f1(advised: Page) -> None:
    tables = [t for t in advised.tables if t["section"] == "results"]
    per_class = next(t["rows"] for t in tables if t["rows"][0][0] == "Class")
    assert per_class[0] == ["Class", "Precision", "Recall", "F1", "Test sequences"]
    assert [r[0] for r in per_class[1:]] == CLASSES
    assert per_class[1][1:4] == ["1.00", "1.00", "1.00"]  # every "fall" right


def test_the_baselines_stand_beside_the_lstm_on_validation_and_test(advised: Page) -> None:
    models = advised.table("results")
    assert models[0] == [
        "Model",
        "Validation accuracy",
        "Validation macro-F1",
        "Test accuracy",
        "Test macro-F1",
        "Seconds",
    ]
    by_name = {r[0]: r for r in models[1:]}
    assert set(by_name) == {"LSTM", "majority class", "1-NN DTW", "MiniRocket"}
    assert by_name["MiniRocket"][3] == "89%" and by_name["MiniRocket"][5] == "2.4 s"
    assert by_name["LSTM"][1] == "67%" and by_name["LSTM"][3] == "67%"
    assert advised.marked("results") == ["MiniRocket"]


def test_the_page_draws_class_shapes_and_learning_curves(advised: Page) -> None:
    figures = {a.get("id") for t, a in advised.tags if t == "figure"}
    assert figures == {"chart-class-shapes", "chart-class-curves"}
    info = parse_class_document(_document())
    shapes = class_chart_data.class_shapes(info)
    assert shapes is not None and [p.title.split(" (")[0] for p in shapes] == CLASSES
    assert all(len(p.lines) == 2 and len(p.bands) == 2 for p in shapes)  # x0 and x1
    assert [c.y_label for c in class_chart_data.learning_curves(info)] == ["cross-entropy"] * 3


def test_missing_stages_render_as_sentences() -> None:
    page = _page(with_verification=False, with_final=False, partial=True)
    assert "did not run" in page.text("verification")
    assert "did not run" in page.text("results")
    assert not [t for t in page.tables if t["class"] == "confusion"]
    assert "interrupted" in page.text("verdict") and "interrupted" in page.text("not-checked")
    assert "fitted in" not in page.headline  # no test fit happened
    lstm_only = _page(advised=False, with_final=False)
    assert "the final test did not run" in lstm_only.headline


def test_a_run_that_trained_nothing_still_renders() -> None:
    """No diagnostic run, no baseline scored, no curve: every section says so."""
    doc = _document(with_verification=False, with_final=False, partial=True)
    doc["diagnosis"].update(runs=[], findings=[], primary=None, notes=[])
    doc["profile"]["mean_curves"] = []
    for b in doc["profile"]["baselines"]:
        b.update(val_accuracy=None, val_macro_f1=None, val_balanced_accuracy=None)
    doc["verdict"] = None
    page = Page(render_document(doc))
    assert "before any model was trained" in page.headline
    assert "No diagnostic training ran" in page.text("experiments")
    assert "No class shapes" in page.text("data")
    assert "No baseline could be scored" in page.text("not-checked")
    assert not [t for t, a in page.tags if t == "figure"]


def test_data_strings_are_escaped() -> None:
    doc = _document()
    doc["data"]["label_column"] = SCRIPT
    doc["final"]["confusion"]["classes"][0] = SCRIPT
    doc["profile"]["mean_curves"][0]["class"] = SCRIPT
    page = Page(render_document(doc))
    assert not [t for t, _ in page.tags if t == "script"]
    assert page.table("results", "confusion")[0][1] == SCRIPT


def test_a_forecasting_document_of_version_1_still_renders_as_forecasting() -> None:
    page = Page(render_document(make_document()))
    assert "experiments" in page.sections and "results" not in page.sections


def test_a_document_missing_an_entry_fails_in_the_parse() -> None:
    doc = _document()
    del doc["data"]["label_column"]
    with pytest.raises(KeyError, match="label_column"):
        parse_class_document(doc)


# ------------------------------------------------------------------------ terminal


def _screen(renderables: list[Any], width: int = 100) -> str:
    console = Console(width=width, record=True, force_terminal=False)
    for r in renderables:
        console.print(r)
    return " ".join(console.export_text().split())


def test_the_terminal_says_the_verdict_scores_config_and_files() -> None:
    text = _screen(class_analysis_renderables(make_analysis()))
    assert "Verdict for “label”: Use MiniRocket" in text
    assert "MiniRocket 100% 89% 0.89" in text and "LSTM 67% 67% 0.66" in text
    assert "Units per layer 32 (final model: 64)" in text
    assert "Report: runs/shapes-0/report.html" in text and "model.py: run/model.py" in text


def test_the_terminals_lstm_row_shows_the_chosen_configurations_validation_accuracy() -> None:
    # The verdict compares the configuration the advice ends on; the best diagnostic run
    # (67% here) may be a narrower width a budget left. The row agrees with the verdict.
    analysis = make_analysis()
    assert analysis.verdict is not None
    analysis = dataclasses.replace(
        analysis, verdict=dataclasses.replace(analysis.verdict, lstm_val_accuracy=0.9)
    )
    text = _screen(class_analysis_renderables(analysis))
    assert "LSTM 90% 67% 0.66" in text


def test_the_terminal_copes_with_a_partial_run_and_prints_markup_as_typed() -> None:
    analysis = make_analysis(with_verification=False, with_final=False, partial=True)
    text = _screen(class_analysis_renderables(analysis, explain=True))
    assert "Partial run" in text and "did not run" in text
    assert "test accuracy" not in text and "model.py" not in text
    doc = _document()
    doc["data"]["label_column"] = "[red]label"
    # ``advisor report`` goes through the forecasting entry point: it hands over.
    assert "Verdict for “[red]label”" in _screen(summary_renderables(doc, "somewhere"))
