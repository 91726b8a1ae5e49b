"""The report: chart numbers, the HTML page's safety and sections (the terminal summary's
tests are in ``test_terminal``).

Everything renders from a hand-built ``recommendation.json`` document
(``support.report.make_document``), so these tests need no training and run in seconds.
"""

from __future__ import annotations

import ast
import json
import math
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from support import report as fx

from advisor.reports import chart_data, charts
from advisor.reports.html import render_document
from advisor.reports.info import RunInfo, parse_document
from advisor.reports.sections.snippet import keras_snippet
from advisor.reports.view import build_view
from advisor.reports.wording import setting_key
from advisor.store.document import config_from_dict

SECTION_IDS = fx.SECTION_IDS
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
MAX_BYTES = 2 * 1024 * 1024


class Page(HTMLParser):
    """Every start tag with its attributes, and the visible text, of an HTML page."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._open: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag in self._open:
            del self._open[len(self._open) - 1 - self._open[::-1].index(tag) :]

    def handle_data(self, data: str) -> None:
        if "style" not in self._open:
            self.text.append(data)

    def named(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for t, attrs in self.tags if t == tag]

    def ids(self) -> set[str]:
        return {a["id"] for _, a in self.tags if a.get("id")}

    def visible_text(self) -> str:
        return " ".join("".join(self.text).split())


def _code_blocks(html: str) -> list[str]:
    """The text of every <pre><code> block, entities decoded."""

    class Code(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.blocks: list[str] = []
            self._pre = self._code = False

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "pre":
                self._pre = True
            elif tag == "code" and self._pre:
                self._code = True
                self.blocks.append("")

        def handle_endtag(self, tag: str) -> None:
            if tag == "pre":
                self._pre = self._code = False

        def handle_data(self, data: str) -> None:
            if self._code:
                self.blocks[-1] += data

    parser = Code()
    parser.feed(html)
    return parser.blocks


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return fx.make_document()


@pytest.fixture(scope="module")
def html(doc: dict[str, Any]) -> str:
    return render_document(doc)


@pytest.fixture(scope="module")
def page(html: str) -> Page:
    return Page(html)


def _hostile_document() -> dict[str, Any]:
    """Markup in every user-supplied string, and a long series to test the size cap."""
    d = fx.make_document(target=SCRIPT, path=IMG, notices=(f"column {IMG} was dropped",))
    d["data"]["features"] = [IMG, "[bold red]rich markup[/]"]
    d["data"]["time_column"] = SCRIPT
    d["diagnosis"]["findings"][0]["summary"] = f"{SCRIPT} overfits"
    d["run"]["versions"][SCRIPT] = IMG
    d["diagnosis"]["runs"] = d["diagnosis"]["runs"][:2]  # fewer panels: a faster test
    n = 1500
    d["series"] = {
        "step": 7,
        "index": [f"t{i}" for i in range(n)],
        "values": [math.sin(i / 9) + i / 500 for i in range(n)],
    }
    return d


@pytest.fixture(scope="module")
def hostile_html() -> str:
    return render_document(_hostile_document())


@pytest.fixture(scope="module")
def bare_html() -> str:
    d = fx.make_document(with_verification=False, with_final=False)
    d["diagnosis"]["runs"] = d["diagnosis"]["runs"][:2]  # fewer panels: a faster test
    return render_document(d)


# ----------------------------------------------------------------------- chart data


def test_capacity_curve_takes_the_lowest_validation_loss_per_width(doc: dict[str, Any]) -> None:
    d = json.loads(json.dumps(doc))
    # A partial-data run with a tiny loss must not count: capacity compares full-data runs.
    d["diagnosis"]["runs"].append(
        {**d["diagnosis"]["runs"][0], "name": "tiny", "train_fraction": 0.5, "val_loss": [0.001]}
    )
    chart = chart_data.capacity_curve(parse_document(d))
    assert chart is not None
    expected: dict[float, float] = {}
    for r in doc["diagnosis"]["runs"]:
        if r["train_fraction"] == 1.0:
            expected[r["units"]] = min(expected.get(r["units"], math.inf), min(r["val_loss"]))
    (line,) = chart.lines
    assert line.x == (16.0, 32.0, 64.0, 128.0)
    assert line.y == tuple(expected[u] for u in (16, 32, 64, 128))
    # Width 64 ran twice (lookbacks 12 and 24); the better run counts.
    lookback_24 = next(r for r in doc["diagnosis"]["runs"] if r["name"] == "lookback-24")
    assert line.y[2] == min(lookback_24["val_loss"])
    assert chart.marks[0].x == 64.0 and chart.x_log2


def test_capacity_curve_is_absent_with_a_single_width(doc: dict[str, Any]) -> None:
    d = json.loads(json.dumps(doc))
    d["diagnosis"]["runs"] = [r for r in d["diagnosis"]["runs"] if r["units"] == 64]
    assert chart_data.capacity_curve(parse_document(d)) is None


def test_data_size_curve_uses_one_width_across_fractions(doc: dict[str, Any]) -> None:
    chart = chart_data.data_size_curve(parse_document(doc))
    assert chart is not None
    (line,) = chart.lines
    assert line.x == (0.25, 0.5, 1.0)
    runs = {r["name"]: r for r in doc["diagnosis"]["runs"]}
    best_full_64 = min(min(runs["capacity-64"]["val_loss"]), min(runs["lookback-24"]["val_loss"]))
    assert line.y == (
        min(runs["data-25"]["val_loss"]),
        min(runs["data-50"]["val_loss"]),
        best_full_64,
    )


def test_data_size_curve_needs_two_fractions(doc: dict[str, Any]) -> None:
    d = json.loads(json.dumps(doc))
    d["diagnosis"]["runs"] = [r for r in d["diagnosis"]["runs"] if r["train_fraction"] == 1.0]
    assert chart_data.data_size_curve(parse_document(d)) is None


def test_acf_chart_skips_lag_zero_and_marks_the_probes_significant_lags(
    doc: dict[str, Any],
) -> None:
    chart = chart_data.acf_chart(parse_document(doc))
    assert chart is not None
    n = len(chart.values)
    assert n == chart_data.acf_lags_shown(parse_document(doc)) == chart_data.MIN_ACF_LAGS_SHOWN
    assert chart.labels[0] == "1" and chart.values == tuple(doc["profile"]["acf"][1 : n + 1])
    significant = set(doc["profile"]["significant_lags"])
    assert chart.highlighted == tuple(k in significant for k in range(1, n + 1))
    assert chart.band == pytest.approx(fx.ACF_BAND)
    # The fixture's significant lags are those outside the band: lag 12 is, lag 6 is not.
    assert chart.highlighted[11] and not chart.highlighted[5]


def test_acf_chart_shows_two_seasons_when_the_season_is_long(doc: dict[str, Any]) -> None:
    d = json.loads(json.dumps(doc))
    d["profile"]["seasonal_period"] = 30
    d["profile"]["acf"] = [1.0] + [0.1] * 100
    chart = chart_data.acf_chart(parse_document(d))
    assert chart is not None and len(chart.values) == 62


def test_learning_curves_one_per_run_with_the_best_epoch_marked(doc: dict[str, Any]) -> None:
    curves = chart_data.learning_curves(parse_document(doc))
    runs = doc["diagnosis"]["runs"]
    assert len(curves) == len(runs)
    for curve, run in zip(curves, runs, strict=True):
        train, val = curve.lines
        assert train.y == tuple(run["train_loss"]) and val.y == tuple(run["val_loss"])
        assert curve.marks[0].x == run["val_loss"].index(min(run["val_loss"])) + 1


def test_learning_curve_tolerates_undefined_losses(doc: dict[str, Any]) -> None:
    run = {**doc["diagnosis"]["runs"][0], "val_loss": [0.5, None, 0.3]}
    curve = chart_data.learning_curve(RunInfo.parse(run))
    assert curve is not None and curve.marks[0].y == 0.3 and curve.lines[1].y[1] is None


def test_series_chart_places_the_split_boundaries(doc: dict[str, Any]) -> None:
    chart = chart_data.series_chart(parse_document(doc))
    assert chart is not None
    assert [v.at for v in chart.vlines] == [100.0, 122.0]
    assert chart.lines[0].x[:3] == (0.0, 1.0, 2.0) and len(chart.x_ticks) == 5
    assert chart.x_ticks[0][1] == "1949-01-01"  # the midnight time is dropped


def test_series_chart_scales_positions_by_the_preview_step() -> None:
    d = _hostile_document()
    chart = chart_data.series_chart(parse_document(d))
    assert chart is not None and chart.lines[0].x[1] == 7.0


def test_trials_chart_marks_the_suggestion_and_the_best_baseline(doc: dict[str, Any]) -> None:
    chart = chart_data.trials_chart(parse_document(doc))
    assert chart is not None
    trials = doc["verification"]["trials"]
    assert chart.values == tuple(t["val_rmse"] for t in trials)
    assert chart.highlighted == tuple(t["is_suggestion"] for t in trials)
    assert chart.hlines[0].at == 23.9 and "seasonal_naive" in chart.hlines[0].label


def test_forecast_chart_plots_actual_and_predicted(doc: dict[str, Any]) -> None:
    chart = chart_data.forecast_chart(parse_document(doc))
    assert chart is not None
    actual, predicted = chart.lines
    assert actual.y == tuple(doc["final"]["forecast"]["actual"])
    assert predicted.y == tuple(doc["final"]["forecast"]["predicted"])


def test_absent_stages_give_no_chart_data() -> None:
    d = fx.make_document(with_verification=False, with_final=False)
    d["diagnosis"]["runs"] = []
    d["series"]["values"] = [None] * len(d["series"]["values"])
    assert chart_data.trials_chart(parse_document(d)) is None
    assert chart_data.forecast_chart(parse_document(d)) is None
    assert chart_data.capacity_curve(parse_document(d)) is None
    assert chart_data.data_size_curve(parse_document(d)) is None
    assert chart_data.learning_curves(parse_document(d)) == []
    assert chart_data.series_chart(parse_document(d)) is None


# -------------------------------------------------------------------------- drawing


def test_svg_escapes_markup_in_titles_and_labels() -> None:
    chart = chart_data.LineChartData(
        title=SCRIPT,
        x_label=IMG,
        y_label="$x$ & y",
        lines=(
            chart_data.Line(SCRIPT, (1.0, 2.0), (1.0, 2.0)),
            chart_data.Line("b", (1.0,), (1.0,)),
        ),
    )
    svg = charts.draw_line_chart(chart, salt="t")
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "<script" not in svg and "<img" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    assert "&lt;img src=x onerror=alert(1)&gt;" in svg
    assert "$x$ &amp; y" in svg  # literal text, not mathtext
    assert "http" not in svg  # no namespace, DOCTYPE or metadata URLs
    assert not any(tag == "script" for tag, _ in Page(svg).tags)


def test_svg_id_renaming_leaves_user_text_alone() -> None:
    title = 'id="x" url(#y) href="#z"'
    chart = chart_data.LineChartData(
        title=title, x_label="a", y_label="b", lines=(chart_data.Line("l", (1.0, 2.0), (1.0, 2.0)),)
    )
    svg = charts.draw_line_chart(chart, salt="k")
    assert title in svg
    assert re.search(r'<g id="k-figure_1"', svg)


def test_svgs_on_one_page_share_no_element_id(page: Page, html: str) -> None:
    ids = [a["id"] for _, a in page.tags if a.get("id")]
    assert len(ids) == len(set(ids))
    # ...and every clip path or marker a chart refers to is still there after renaming.
    refs = set(re.findall(r"url\(#([^)]+)\)", html)) | set(re.findall(r'href="#([^"]+)"', html))
    assert refs and refs <= set(ids)


def test_long_series_are_thinned_before_drawing() -> None:
    x, y = charts._thin([float(i) for i in range(5000)], [1.0] * 5000)
    assert len(x) == len(y) <= charts.MAX_DRAWN_POINTS


# ------------------------------------------------------------------------- the page


def test_every_section_is_present(page: Page) -> None:
    assert set(SECTION_IDS) <= page.ids()
    assert [a["id"] for a in page.named("section")] == list(SECTION_IDS)


def test_content_security_policy_forbids_everything_but_inline_style(page: Page) -> None:
    metas = [a for a in page.named("meta") if a.get("http-equiv") == "Content-Security-Policy"]
    assert len(metas) == 1 and metas[0]["content"] == CSP


@pytest.mark.parametrize("which", ["html", "hostile_html", "bare_html"])
def test_page_loads_no_external_resource(which: str, request: pytest.FixtureRequest) -> None:
    text = request.getfixturevalue(which)
    parsed = Page(text)
    loading = {
        "script",
        "link",
        "img",
        "iframe",
        "object",
        "embed",
        "image",
        "audio",
        "video",
        "source",
        "base",
        "form",
    }
    assert not [t for t, _ in parsed.tags if t in loading]
    for tag, attrs in parsed.tags:
        for name, value in attrs.items():
            if name in {"src", "href", "xlink:href", "action", "srcset", "poster", "data"}:
                assert value is not None and value.startswith("#"), (tag, name, value)
            assert not name.startswith("on"), (tag, name)
    # SVG paints reference their own clip paths (url(#...)); nothing may point elsewhere.
    assert all(ref.startswith("#") for ref in re.findall(r"url\(\s*['\"]?([^)'\"]*)", text))
    assert "@import" not in text
    if which != "hostile_html":  # there the file name is a user string shown as text
        assert "http://" not in text and "https://" not in text


def test_user_strings_show_as_text_and_never_as_markup(hostile_html: str) -> None:
    parsed = Page(hostile_html)
    assert not parsed.named("script")
    assert not parsed.named("img")
    assert not any(name.startswith("on") for _, attrs in parsed.tags for name in attrs)
    text = parsed.visible_text()
    assert SCRIPT in text and IMG in text
    assert f"column {IMG} was dropped" in text
    assert "[bold red]rich markup[/]" in text


def test_absent_verification_and_final_say_they_did_not_run(bare_html: str) -> None:
    parsed = Page(bare_html)
    text = parsed.visible_text()
    assert "The verification search did not run in this analysis." in text
    assert "The final training and test did not run in this analysis." in text
    assert {"verification", "final"} <= parsed.ids()
    assert not {"chart-trials", "chart-forecast"} & parsed.ids()
    assert "RMSE is" not in text  # no test comparison was invented


def test_snippet_is_valid_python(html: str, doc: dict[str, Any]) -> None:
    (code,) = _code_blocks(html)
    tree = ast.parse(code)
    lstm = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "LSTM"
    ]
    assert len(lstm) == len(doc["recommendation"]["config"]["layers"])
    assert "restore_best_weights=True" in code and "Adam(learning_rate=0.001)" in code


def test_snippet_returns_sequences_on_all_but_the_last_layer() -> None:
    cfg = fx.config()
    cfg["layers"] = [
        {"units": 64, "dropout": 0.1, "recurrent_dropout": 0.05},
        {"units": 32, "dropout": 0.2, "recurrent_dropout": 0.0},
    ]
    cfg["scaling"], cfg["differencing"] = "minmax", 0
    tree = ast.parse(keras_snippet(config_from_dict(cfg), horizon=2, n_features=3))
    flags = [
        kw.value.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Call)
        for kw in n.keywords
        if kw.arg == "return_sequences" and isinstance(kw.value, ast.Constant)
    ]
    assert flags == [True, False]


def test_page_stays_small(html: str, hostile_html: str) -> None:
    assert len(html.encode()) < MAX_BYTES
    assert len(hostile_html.encode()) < MAX_BYTES


def test_undefined_numbers_show_as_not_available() -> None:
    """NaN becomes JSON null in the document; the page says n/a and invents nothing."""
    d = fx.make_document()
    d["diagnosis"]["runs"] = d["diagnosis"]["runs"][:1]
    d["diagnosis"]["runs"][0]["val_rmse"] = None
    d["diagnosis"]["runs"][0]["val_loss"][3] = None
    for key in ("mean", "adf_pvalue", "acf_confidence", "trend_strength"):
        d["profile"][key] = None
    d["profile"]["baselines"][0]["val_rmse"] = None
    d["verification"]["trials"][1]["val_rmse"] = None
    d["final"]["test_metrics"] = {"rmse": None, "mae": 14.9, "mase": None}
    view = build_view(d)
    assert view.final is not None and view.final.metrics is not None
    assert view.final.metrics.rows[0] == (
        "LSTM (final model)",
        "the recommended LSTM",
        "n/a",
        "14.9",
        "n/a",
    )
    assert not any("RMSE is" in s for s in view.verdict)  # no comparison without a score
    # A baseline without a score sorts last and still shows, as n/a.
    baselines = view.data.baselines
    assert baselines is not None and baselines.rows[-1][0] == "naive"
    assert baselines.rows[-1][2] == "n/a"
    text = Page(render_document(d)).visible_text()
    assert "n/a" in text and "nan" not in text.lower().split()


def test_a_chosen_configuration_level_with_the_baseline_is_warned_about() -> None:
    """The diagnosis found a gain, but the model the search chose does not clearly beat
    the baseline on validation: the summary and the next steps say so."""
    d = fx.make_document()
    assert not any(s.startswith("Warning:") for s in build_view(d).verdict)
    d["verification"]["baseline"] = {"name": "ets", "val_rmse": 20.0, "beaten": False}
    view = build_view(d)
    assert any(
        s.startswith("Warning: on the validation rows the LSTM did not") for s in view.verdict
    )
    assert view.headline.startswith(
        "Use the ets baseline: the best LSTM found does not beat it on the validation rows (RMSE "
    )
    assert "if you want an LSTM anyway, one LSTM layer" in view.headline
    d["verification"]["baseline"]["beaten"] = True
    assert not any(s.startswith("Warning:") for s in build_view(d).verdict)
    assert build_view(d).headline.startswith("Use one LSTM layer")
    # Ahead, but within the noise of the diagnosis: the baseline is still the advice.
    d["recommendation"]["baseline_warning"] = True
    assert build_view(d).headline.startswith(
        "Use the ets baseline: the best LSTM found is ahead of it on the validation rows "
        "only within the noise"
    )


def test_a_gain_the_test_rows_contradicted_makes_the_baseline_the_advice() -> None:
    """Ahead on validation, behind the same baseline on the held-out rows: the headline
    names the baseline with both pairs of scores, the summary and the terminal say the
    gain is not claimed, and the next steps weigh the baseline."""
    from rich.console import Console

    from advisor.reports.terminal import summary_renderables

    d = fx.make_document()
    d["verification"]["baseline"] = {
        "name": "mstl",
        "val_rmse": 20.0,
        "lstm_val_rmse": 17.0,
        "beaten": True,
        "test_rmse": 31.5,
        "lstm_test_rmse": 33.8,
        "held_on_test": False,
    }
    view = build_view(d)
    assert view.headline.startswith(
        "Use the mstl baseline: the best LSTM found was ahead of it on the validation rows "
        "(RMSE 17 against 20) but not on the held-out test rows (33.8 against 31.5); if you "
        "want an LSTM anyway, one LSTM layer"
    )
    warnings = [s for s in view.verdict if s.startswith("Warning:")]
    assert warnings == [
        "Warning: the LSTM's lead over the mstl baseline on the validation rows did not "
        "hold on the held-out test rows, so the advisor claims no gain over it: the "
        "simpler baseline is the advice."
    ]
    console = Console(record=True, width=400, color_system=None)
    for renderable in summary_renderables(d, explain=True):
        console.print(renderable)
    assert "did not hold on the test rows: no gain is claimed" in console.export_text()
    # Where it held, the LSTM is the advice and nothing is withdrawn.
    d["verification"]["baseline"].update(lstm_test_rmse=30.0, held_on_test=True)
    view = build_view(d)
    assert view.headline.startswith("Use one LSTM layer")
    assert not any(s.startswith("Warning:") for s in view.verdict)


def test_json_round_trip_gives_the_same_view(doc: dict[str, Any]) -> None:
    assert build_view(json.loads(json.dumps(doc))) == build_view(doc)


# -------------------------------------------------------------------------- the view


def test_settings_table_covers_every_config_key_with_its_rule(doc: dict[str, Any]) -> None:
    view = build_view(doc)
    rows = {row.setting: row for row in view.settings}
    config_keys = set(doc["recommendation"]["config"]) - {"layers"}
    assert config_keys | {"layers", "units", "dropout", "recurrent_dropout"} == set(rows)
    assert rows["units"].rule_ids == ("capacity.best_width",)
    assert rows["units"].why.startswith("64 units gave")
    # The overridden rule explains nothing in the table, but is listed as considered.
    assert rows["dropout"].rule_ids == ("regularise.overfit_dropout",)
    assert any("overfit_dropout_strong" in note for note in view.settings_notes)
    assert rows["batch_size"].rule_ids == () and rows["batch_size"].confidence == ""


def test_setting_names_from_rule_paths_land_on_their_row() -> None:
    assert setting_key("layers[0].units") == "units"
    assert setting_key("lr") == "learning_rate"


def test_a_refined_search_shows_the_final_values_and_snippet() -> None:
    d = fx.make_document()
    d["diagnosis"]["runs"] = d["diagnosis"]["runs"][:1]
    d["verification"]["verdict"] = "refined"
    d["final"]["config"] = fx.config(units=128)
    view = build_view(d)
    rows = {row.setting: row for row in view.settings}
    assert view.settings_refined and rows["units"].final_value == "128"
    assert rows["dropout"].final_value == ""
    assert "keras.layers.LSTM(\n        128," in view.snippet
    assert "final model" in view.snippet_intro
    text = Page(render_document(d)).visible_text()
    assert "Final model" in text and "differ from the suggestion in: units per layer" in text


def test_verdict_leaves_out_the_stages_that_did_not_run() -> None:
    view = build_view(fx.make_document(with_verification=False, with_final=False))
    verdict = " ".join(view.verdict)
    assert "verification" not in verdict and "test rows" not in verdict
    assert view.verification is None and view.final is None


def test_verdict_admits_when_a_baseline_wins(doc: dict[str, Any]) -> None:
    d = json.loads(json.dumps(doc))
    d["final"]["test_metrics"]["rmse"] = 30.0
    view = build_view(d)
    assert any("higher than the best baseline" in s for s in view.verdict)
    assert view.next_steps[0].startswith("Weigh the simple baseline")


# ------------------------------------------------------------ from a live analysis


def test_render_html_goes_through_the_document(
    doc: dict[str, Any], html: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A live analysis renders through ``to_document``, so ``advisor report`` draws the
    same page; Jupyter shows that page sandboxed in an iframe. (A real analysis end to
    end is ``test_pipeline``'s; here the records stay out, so this test never breaks
    because a record gains a field.)"""
    import advisor.store.document
    from advisor.notebook import NotebookAnalysis
    from advisor.reports.html import render_html

    live = object()
    seen: list[object] = []

    def to_document(analysis: object) -> dict[str, Any]:
        seen.append(analysis)
        return json.loads(json.dumps(doc))

    monkeypatch.setattr(advisor.store.document, "to_document", to_document)
    page = render_html(live)  # type: ignore[arg-type]
    assert seen == [live] and page == html
    (frame,) = Page(NotebookAnalysis._repr_html_(live)).named("iframe")  # type: ignore[arg-type]
    assert frame["srcdoc"] == page and frame["sandbox"] == ""


# ------------------------------------------------------------------ seasonal pattern


def test_seasonal_pattern_averages_the_detrended_season_by_month(doc: dict[str, Any]) -> None:
    pattern = chart_data.seasonal_pattern(parse_document(doc))
    assert pattern is not None and pattern.period == fx.SEASON and pattern.named
    assert pattern.labels[:3] == ("Jan", "Feb", "Mar")  # the series starts in January
    # The fixture's season is 25 * sin(2 pi t / 12) on a straight trend, plus a smaller
    # cycle that averages out: the mean by month comes back close to the sine.
    for p, mean in enumerate(pattern.mean):
        assert mean == pytest.approx(25 * math.sin(2 * math.pi * p / fx.SEASON), abs=4)
    assert (pattern.peak, pattern.trough) == ("Apr", "Oct")
    assert all(
        lo is not None and hi is not None and lo <= hi
        for lo, hi in zip(pattern.low, pattern.high, strict=True)
    )
    assert pattern.seasons == (fx.ROWS - fx.SEASON) // fx.SEASON


def test_seasonal_pattern_from_a_thinned_series_keeps_each_rows_position() -> None:
    """Point i of a series thinned by ``step`` is row i * step: at position i * step % m."""
    d = fx.make_document()
    period, step, n = 24, 7, 600
    d["profile"]["seasonal_period"] = period
    d["data"]["frequency"] = "h"
    d["series"] = {
        "step": step,
        "index": [f"p{i}" for i in range(n)],  # not dates: positions are numbered
        "values": [0.01 * i * step + math.cos(2 * math.pi * i * step / period) for i in range(n)],
    }
    pattern = chart_data.seasonal_pattern(parse_document(d))
    assert pattern is not None and not pattern.named
    assert pattern.labels == tuple(str(p + 1) for p in range(period))
    for p, mean in enumerate(pattern.mean):
        assert mean == pytest.approx(math.cos(2 * math.pi * p / period), abs=0.05)


def test_no_seasonal_pattern_without_a_season_or_enough_of_it(doc: dict[str, Any]) -> None:
    d = json.loads(json.dumps(doc))
    d["profile"]["seasonal_period"] = None
    assert (
        chart_data.seasonal_pattern(parse_document(d)) is None
        and chart_data.seasonal_chart(parse_document(d)) is None
    )
    d["profile"]["seasonal_period"] = 12
    d["series"]["values"] = d["series"]["values"][:30]  # two and a half seasons
    assert chart_data.seasonal_pattern(parse_document(d)) is None
    # Thinned by a multiple of the season, every kept row sits at the same position.
    d = json.loads(json.dumps(doc))
    d["series"]["step"] = 12
    assert chart_data.seasonal_pattern(parse_document(d)) is None


def test_seasonal_chart_and_caption_name_the_peak(html: str, page: Page) -> None:
    assert "chart-season" in page.ids()
    assert "highest in Apr and lowest in Oct" in page.visible_text()


# -------------------------------------------------------------- captions and wording


def test_experiments_say_which_differencing_the_small_models_learned_best(
    doc: dict[str, Any],
) -> None:
    assert not any("candidate target" in s for s in build_view(doc).experiments.intro)
    runs = [
        {"name": f"differencing-{lag}", "differencing": lag, "units": 16, "val_rmse": score,
         "best_epoch": 9, "seconds": 1.0}
        for lag, score in ((0, 49.1), (1, 29.4), (12, 17.2))
    ]  # fmt: skip
    doc["diagnosis"]["differencing"] = {"chosen": 12, "runs": runs}
    [said] = [s for s in build_view(doc).experiments.intro if "candidate target" in s]
    assert "the values themselves: 49.1, first difference (the change per step): 29.4" in said
    assert said.endswith(
        "Every later run learned: seasonal difference (the change since 12 steps back)."
    )
    d = json.loads(json.dumps(doc))
    d["diagnosis"]["differencing"]["runs"].append(
        {"name": "deseasonalized-0", "differencing": 0, "deseasonalize": 12, "units": 16,
         "val_rmse": 11.5, "best_epoch": 9, "seconds": 1.0}
    )  # fmt: skip
    d["diagnosis"]["differencing"].update(chosen=0, deseasonalize=12)
    [said] = [s for s in build_view(d).experiments.intro if "candidate target" in s]
    assert (
        "12 steps back): 17.2, the values themselves, the 12-step season's average pattern "
        "taken out first: 11.5." in said
    )
    assert said.endswith(
        "Every later run learned: the values themselves, the 12-step season's average "
        "pattern taken out first."
    )


def test_capacity_and_data_size_captions_say_what_the_curves_show(doc: dict[str, Any]) -> None:
    view = build_view(doc)
    captions = {c.key: c.caption for c in view.experiments.charts}
    assert (
        "64 units did best; both narrower and wider models did worse" in captions["chart-capacity"]
    )
    assert "still falling from 50% to 100%" in captions["chart-data-size"]
    d = json.loads(json.dumps(doc))
    for r in d["diagnosis"]["runs"]:
        if r["name"] == "data-50":
            r["val_loss"] = [0.151] * 3  # as good as all rows: the curve has flattened
    assert (
        "would likely help little"
        in {c.key: c.caption for c in build_view(d).experiments.charts}["chart-data-size"]
    )


def test_experiment_charts_that_could_not_be_drawn_are_explained(doc: dict[str, Any]) -> None:
    d = json.loads(json.dumps(doc))
    d["diagnosis"]["runs"] = [r for r in d["diagnosis"]["runs"] if r["name"] == "capacity-64"]
    d["diagnosis"]["cut"] = ["capacity-128 (time budget)"]
    missing = build_view(d).experiments.missing
    assert len(missing) == 2
    assert missing[0].startswith("No capacity curve") and "1 width." in missing[0]
    assert missing[1].startswith("No data-size curve") and "time budget" in missing[1]
    assert build_view(doc).experiments.missing == ()


def test_a_search_that_tried_only_the_suggestion_does_not_claim_to_confirm_it() -> None:
    d = fx.make_document()
    d["diagnosis"]["runs"] = d["diagnosis"]["runs"][:1]
    d["verification"]["trials"] = d["verification"]["trials"][:1]
    d["verification"]["partial"] = True
    view = build_view(d)
    assert "confirmed" not in view.headline and "not yet checked" in view.headline
    assert not any("confirmed" in s for s in view.verdict)
    assert view.verification is not None
    assert view.verification.summary[0].startswith(
        "The verification search trained no other setting it could compare"
    )
    assert any("no time to try any setting" in s for s in view.next_steps)


def test_a_provisional_verdict_says_first_what_the_budget_cut_and_what_would_not() -> None:
    d = fx.make_document()
    reason = (
        "Provisional: the --budget of 2m cut epochs capped at 20 instead of 60 (time "
        "budget); --budget 9m or auto would not cut it. Within what ran: the suggestion "
        "was the best configuration the search tried."
    )
    d["verification"].update(verdict="provisional", outcome="widen", verdict_reason=reason)
    d["verification"]["widen"] = ["units"]
    view = build_view(d)
    assert view.verdict[0] == reason
    assert "provisional" in view.headline and "confirmed" not in view.headline
    assert any("Search wider ranges for: units" in s for s in view.next_steps)


def test_a_final_model_differing_only_in_epochs_is_not_called_refined() -> None:
    d = fx.make_document()
    d["diagnosis"]["runs"] = d["diagnosis"]["runs"][:1]
    d["final"]["config"]["epochs"] = 37
    view = build_view(d)
    assert view.final is not None
    assert "The final model used the suggested settings." in view.final.summary
    assert any("for 37 epochs" in s for s in view.final.summary)
    assert "refinement" not in view.snippet_intro and "epochs=37" in view.snippet


def test_verdict_names_findings_in_plain_words(doc: dict[str, Any]) -> None:
    verdict = " ".join(build_view(doc).verdict)
    assert "showed overfitting (the model learns its training rows better" in verdict
    # The finding's own technical summary stays in the Experiments section.
    assert "after epoch 8" not in verdict


def test_evidence_names_each_fact_once_and_says_yes_or_no(doc: dict[str, Any]) -> None:
    d = json.loads(json.dumps(doc))
    for hit in d["recommendation"]["rules_fired"]:
        if hit["setting"] == "units":
            hit["evidence"] = {"overfitting": True, "best_units": 64}
    d["recommendation"]["rules_fired"].append(
        {**d["recommendation"]["rules_fired"][1], "rule": "units.again"}
    )
    row = next(r for r in build_view(d).settings if r.setting == "units")
    assert row.evidence == "overfitting = yes, best_units = 64"


def test_single_choice_ranges_read_as_kept(doc: dict[str, Any]) -> None:
    d = json.loads(json.dumps(doc))
    d["recommendation"]["ranges"].append({"setting": "differencing", "choices": [1]})
    table = build_view(d).ranges
    assert table is not None
    assert table.rows[-1] == ("Differencing", "kept at first difference (the change per step)")


def test_season_position_choices_read_as_seasons(doc: dict[str, Any]) -> None:
    d = json.loads(json.dumps(doc))
    d["recommendation"]["ranges"].append({"setting": "season_position", "choices": [0, 365]})
    table = build_view(d).ranges
    assert table is not None
    assert table.rows[-1] == ("Season position inputs", "none, 365-step season")


# ---------------------------------------------------------------- cross-validation


def test_cross_validation_absent_is_said_plainly(page: Page) -> None:
    assert "cv" in page.ids()
    assert "Cross-validation did not run in this analysis" in page.visible_text()


def _cv_document(doc: dict[str, Any]) -> dict[str, Any]:
    """``verification.cv`` as ``dataclasses.asdict`` writes the ``CrossValidation`` record."""
    from dataclasses import asdict

    from advisor.core.records import CrossValidation, CVRun, CVSummary, Fold

    sugg = [21.0, 22.0, 23.0, 21.5, 22.5, 22.0]
    best = [21.8, 22.4, 21.2, 22.9, 21.7, 22.6]
    pairs = [(f, s) for s in (0, 1) for f in (1, 2, 3)]
    runs = [
        CVRun(label, f, s, score, score, 10)
        for label, scores in (("suggestion", sugg), ("best", best))
        for (f, s), score in zip(pairs, scores, strict=True)
    ]
    cv = CrossValidation(
        objective="val_rmse",
        folds=(Fold(1, 56, 78), Fold(2, 78, 100), Fold(3, 100, 122)),
        seeds=(0, 1),
        runs=tuple(runs),
        suggestion=CVSummary(22.0, 0.707, 6),
        best=CVSummary(22.1, 0.63, 6),
        improvement=-0.004,
        improvement_stderr=0.01,
        beyond_noise=False,
        planned="3 fold(s) x 2 seed(s) x 2 configuration(s)",
        cut=("3 fold(s) x 3 seeds cut to 3 x 2: the time budget",),
    )
    d = json.loads(json.dumps(doc))
    d["verification"]["cv"] = json.loads(json.dumps(asdict(cv)))
    return d


def test_cross_validation_spread_is_tabled_and_read(doc: dict[str, Any]) -> None:
    d = _cv_document(doc)
    view = build_view(d)
    assert view.verification is not None and view.verification.cv_table is not None
    rows = {r[0]: r for r in view.verification.cv_table.rows}
    assert rows["The suggestion"][1:6] == ("6", "22", "0.707", "21", "23")
    assert rows["The search's best"][1] == "6"
    cv = view.verification.cv
    assert "(3 folds × 2 seeds)" in cv[0]
    assert "differ by 0.4% on average, within the noise" in cv[1]
    assert "about equally good" in cv[1]
    assert cv[2].startswith("Cut to fit: 3 fold(s) x 3 seeds cut to 3 x 2")
    text = Page(render_document(d)).visible_text()
    assert "Cross-validation did not run" not in text and "Spread (std)" in text
    # A gain the t-test calls real is reported as one.
    d["verification"]["cv"].update(improvement=0.12, beyond_noise=True)
    cv = build_view(d).verification.cv  # type: ignore[union-attr]
    assert "The search's best did better by 12%" in cv[1] and "not luck" in cv[1]


def test_cross_validation_from_bare_scores_compares_the_spreads(doc: dict[str, Any]) -> None:
    d = json.loads(json.dumps(doc))
    d["verification"]["cv"] = {
        "folds": 3,
        "scores": {"suggestion": [21.0, 22.0, 23.0], "best": {"scores": [30.0, 31.0, 30.5]}},
    }
    view = build_view(d)
    assert view.verification is not None and view.verification.cv_table is not None
    assert "The suggestion is better by" in view.verification.cv[1]
    d["verification"]["cv"] = {"suggestion": {"mean": 21.0, "std": 0.5, "n": 3}}
    table = build_view(d).verification.cv_table  # type: ignore[union-attr]
    assert table is not None and table.rows == (
        ("The suggestion", "n/a", "21", "0.5", "n/a", "n/a"),
    )


def test_cross_validation_in_an_unknown_shape_counts_as_absent(doc: dict[str, Any]) -> None:
    d = json.loads(json.dumps(doc))
    d["verification"]["cv"] = {"note": "pending", "suggestion": {"scores": [None, None]}}
    view = build_view(d)
    assert view.verification is not None and view.verification.cv_table is None


# ------------------------------------------------------------------------ size


def test_forecast_chart_shows_the_last_steps_of_a_long_test(doc: dict[str, Any]) -> None:
    d = json.loads(json.dumps(doc))
    n = 5000
    d["final"]["forecast"] = {
        "predicted": [math.sin(i / 20) for i in range(n)],
        "actual": [math.sin(i / 20) + 0.1 for i in range(n)],
    }
    chart = chart_data.forecast_chart(parse_document(d))
    assert chart is not None
    actual, predicted = chart.lines
    assert len(actual.x) == len(predicted.y) == chart_data.MAX_FORECAST_STEPS
    assert actual.x[-1] == float(n) and "last 300 steps" in chart.title


def test_a_100k_point_document_still_renders_under_2_mb(doc: dict[str, Any]) -> None:
    """``to_document`` thins the series, but a document written by hand may not be."""
    d = json.loads(json.dumps(doc))
    d["diagnosis"]["runs"] = d["diagnosis"]["runs"][:2]
    n = 100_000
    d["series"] = {
        "step": 1,
        "index": [f"t{i}" for i in range(n)],
        "values": [math.sin(2 * math.pi * i / 12) + i / 1000 for i in range(n)],
    }
    d["profile"]["split"] = {"train": 70_000, "validation": 15_000, "test": 15_000}
    d["final"]["forecast"] = {
        "predicted": [math.sin(i) for i in range(15_000)],
        "actual": [math.cos(i) for i in range(15_000)],
    }
    text = render_document(d)
    assert len(text.encode()) < MAX_BYTES
    assert {"chart-series", "chart-season", "chart-forecast"} <= Page(text).ids()


# --------------------------------------------------------------------- notebooks


def test_inline_report_is_the_whole_page_in_a_sandboxed_iframe(html: str) -> None:
    from advisor.reports.html import inline_html

    inline = inline_html(html)
    outer = Page(inline)
    assert [t for t, _ in outer.tags] == ["iframe"]  # nothing of the page leaks out
    (frame,) = outer.named("iframe")
    assert frame["sandbox"] == ""  # no allow-scripts, no allow-same-origin
    assert frame["srcdoc"] == html  # the attribute decodes to the exact page
    assert "<" not in inline.split("srcdoc=", 1)[1].removesuffix("></iframe>")


def test_inline_report_keeps_hostile_strings_inert(hostile_html: str) -> None:
    from advisor.reports.html import inline_html

    outer = Page(inline_html(hostile_html))
    assert [t for t, _ in outer.tags] == ["iframe"]
    inner = Page(outer.named("iframe")[0]["srcdoc"] or "")
    assert not inner.named("script") and not inner.named("img")
    assert SCRIPT in inner.visible_text()


# ------------------------------------------------------------------- profile words


def test_profile_findings_in_plain_words(page: Page) -> None:
    text = page.visible_text()
    for words in (
        "The seasonal pattern is strong (seasonal strength 0.86",
        "predicts 58% of the variation of the next change",
        "still has structure (BDS test p = 0.004)",
        "2 values (2.0%) of the training rows stand far from the usual pattern",
        "The level jumps and stays there 1 time in the training rows (at row 64)",
        "The noise grows over time: it is 2.4 times as large",
        "74 windows (stretches of history with what followed)",
    ):
        assert words in text, words


def test_profile_words_name_a_linked_covariate_and_skip_absent_probes(
    doc: dict[str, Any],
) -> None:
    d = json.loads(json.dumps(doc))
    d["profile"]["quality"]["covariates"] = [
        {"name": "price", "lag": 2, "correlation": -0.61, "significant": True},
        {"name": "noise", "lag": 1, "correlation": 0.05, "significant": False},
    ]
    findings = build_view(d).data.findings
    assert "“price” 2 steps earlier moves with the target (correlation -0.61)" in " ".join(findings)
    assert not any("noise”" in f for f in findings)
    # A document from before the probes had sections: the older findings stand alone.
    for key in ("seasonality", "unit_root", "lags", "complexity", "quality", "size"):
        del d["profile"][key]
    older = build_view(d).data.findings
    assert older and not any("BDS" in f or "windows" in f for f in older)


def test_a_run_of_one_epoch_draws_no_curve_and_says_why(doc: dict[str, Any]) -> None:
    d = json.loads(json.dumps(doc))
    run = d["diagnosis"]["runs"][1]
    run["train_loss"], run["val_loss"] = [1.0], [1.2]
    assert chart_data.learning_curve(RunInfo.parse(run)) is None
    view = build_view(d)
    assert len(chart_data.learning_curves(parse_document(d))) == len(d["diagnosis"]["runs"]) - 1
    assert view.experiments.missing[0] == (
        "No learning curve for capacity-32: it stopped before a second epoch, too short to "
        "show a trend."
    )


def _probe_baseline_names() -> set[str]:
    """Every name ``advisor.probes.baselines`` can give: the naive rules as a short series
    makes them (too short for the statistical models, so nothing is fitted), the fitted
    models from the probe's own list, and a seasonal naive forecast at a second season."""
    import numpy as np

    from advisor.probes.baselines import STATISTICAL, baseline_forecasts, seasonal_name

    rules = baseline_forecasts(np.arange(30.0), 12, np.array([12, 13]), 1, (2, 4), 2).by_name
    return set(rules) | set(STATISTICAL) | {seasonal_name(48, fx.SEASON)}


def test_every_baseline_the_probes_can_give_has_plain_words() -> None:
    from advisor.reports.wording import baseline_words

    names = _probe_baseline_names()
    assert {"naive", "drift", "seasonal_naive", "seasonal_naive_4", "seasonal_naive_48"} <= names
    assert {name for name in names if baseline_words(name) is None} == set()
    assert baseline_words("seasonal_naive_48") == "repeat the value one 48-step season back"
    assert baseline_words("seasonal_naive", 12) == (
        "repeat the value one 12-step season back, the main season"
    )


def test_baselines_show_best_first_and_the_best_is_the_bar(doc: dict[str, Any]) -> None:
    data = build_view(doc).data
    table = data.baselines
    assert table is not None
    by_score = sorted(fx.BASELINE_SCORES, key=lambda name: fx.BASELINE_SCORES[name][0])
    assert [row[0] for row in table.rows] == by_score
    assert table.highlight == (True,) + (False,) * (len(by_score) - 1)
    words = {row[0]: row[1] for row in table.rows}
    assert words["seasonal_naive_24"] == "repeat the value one 24-step season back"
    assert words["arima"].startswith("ARIMA (AutoARIMA)")
    assert data.bar == (
        "The best of these 7 baselines is seasonal_naive, with a validation RMSE of 23.9: "
        "this is the bar the LSTM has to clear."
    )


def test_final_table_scores_every_baseline_on_test_best_first(doc: dict[str, Any]) -> None:
    final = build_view(doc).final
    assert final is not None and final.metrics is not None
    rows = final.metrics.rows
    assert rows[0][0] == "LSTM (final model)"
    by_test = sorted(fx.BASELINE_SCORES, key=lambda name: fx.BASELINE_SCORES[name][1])
    assert [row[0] for row in rows[1:]] == [f"Baseline: {name}" for name in by_test]
    assert rows[1][1].startswith("ARIMA") and rows[1][2] == "22.9"
    # The LSTM's 18.2 is the lowest RMSE of all, so its row alone is emphasised.
    assert final.metrics.highlight == (True,) + (False,) * len(by_test)
    assert "than the best baseline (arima: 22.9)" in final.summary[0]


# -------------------------------------------------------------------------- seasons


def test_every_season_candidate_shows_with_its_score_and_the_primary_is_marked(
    doc: dict[str, Any], page: Page
) -> None:
    data = build_view(doc).data
    table = data.seasons
    assert table is not None
    # Best forecaster first; the unscored period last, as n/a.
    assert table.rows == (
        ("12 (used)", "autocorrelation", "a season", "23.9"),
        ("24", "autocorrelation", "adds nothing to the 12-step season", "25.1"),
        ("6", "spectrum", "part of the 12-step season (a harmonic)", "27.5"),
        ("3", "spectrum", "too weak to count", "31.2"),
        ("4", "spectrum", "too weak to count", "n/a"),
    )
    assert table.highlight == (True, False, False, False, False)
    assert data.season_summary == (
        "The 12-step season is used because it is the only season the tests kept: "
        "repeating the value one season back scores a validation RMSE of 23.9, against "
        "25.1 for 24 steps, which the tests did not keep.",
    )
    text = page.visible_text()
    assert "Seasons weighed" in text and "adds nothing to the 12-step season" in text
    # With a second season kept, the primary is the one that forecasts better.
    d = json.loads(json.dumps(doc))
    d["profile"]["seasonality"]["candidates"][4]["verdict"] = "season"
    assert build_view(d).data.season_summary == (
        "The 12-step season is used because of the seasons found it forecasts best: "
        "repeating the value one season back scores a validation RMSE of 23.9, against "
        "25.1 for 24 steps.",
    )


def test_many_season_candidates_keep_the_best_and_the_primary_and_count_the_rest(
    doc: dict[str, Any],
) -> None:
    from advisor.reports.sections.data import MAX_SEASON_ROWS

    d = json.loads(json.dumps(doc))
    seasonality = d["profile"]["seasonality"]
    seasonality["candidates"] = [
        fx._candidate(p, "acf", "weak", 20.0 + p, 0.1) for p in range(2, 22)
    ] + [fx._candidate(30, "user", "weak", 90.0, 0.1)]
    d["profile"]["seasonal_period"], d["profile"]["season_source"] = 30, "user"
    data = build_view(d).data
    assert data.seasons is not None
    periods = [row[0] for row in data.seasons.rows]
    # The user's season scores worst yet stays in the table, in place of the eighth best.
    assert periods == [str(p) for p in range(2, 2 + MAX_SEASON_ROWS - 1)] + ["30 (used)"]
    assert data.seasons.rows[-1][1] == "you (--season)"
    assert data.season_summary == (
        "The 30-step season is used because you set it with --season: repeating the value "
        "one season back scores a validation RMSE of 90, against 22 for 2 steps, which the "
        "tests did not keep.",
        "13 other periods weighed are not listed: they forecast worse.",
    )


def test_a_calendar_season_says_no_cycle_passed_the_tests(doc: dict[str, Any]) -> None:
    d = json.loads(json.dumps(doc))
    d["profile"]["season_source"] = "frequency"
    for c in d["profile"]["seasonality"]["candidates"]:
        c["verdict"] = "weak"
    data = build_view(d).data
    assert (
        "No repeating cycle stood out in the data; the advisor uses the time column's natural "
        "cycle of 12 steps as the season." in data.findings
    )
    assert data.season_summary[0].startswith(
        "The 12-step season is used because no cycle passed the tests, so the time column's "
        "calendar sets it: repeating the value one season back scores a validation RMSE of 23.9"
    )


def test_candidates_without_scores_show_as_not_available_and_claim_no_winner(
    doc: dict[str, Any],
) -> None:
    """A document from before the scores: the table stands, the "forecasts best" does not."""
    d = json.loads(json.dumps(doc))
    for c in d["profile"]["seasonality"]["candidates"]:
        del c["naive_rmse"]
    data = build_view(d).data
    assert data.seasons is not None and {row[3] for row in data.seasons.rows} == {"n/a"}
    assert data.season_summary == ()


def test_the_document_writes_each_candidates_score_and_null_where_undefined() -> None:
    from advisor.core.records import Seasonality, SeasonCandidate
    from advisor.store.document import seasonality_to_dict

    record = Seasonality(
        periods=(12,),
        calendar_periods=(12,),
        seasonal_strength=0.9,
        trend_strength=0.5,
        snr=3.0,
        candidates=(
            SeasonCandidate(12, "spectrum", 0.9, 0.8, 0.3, "season", 23.9),
            SeasonCandidate(6, "spectrum", 0.4, 0.3, 0.3, "harmonic of 12", math.nan),
            SeasonCandidate(7, "acf", 0.1, 0.1, 0.3, "weak"),
        ),
        rows_used=100,
    )
    d = fx.make_document()
    d["profile"]["seasonality"] = json.loads(json.dumps(seasonality_to_dict(record)))
    candidates = parse_document(d).profile.season_candidates
    assert [(c.period, c.naive_rmse) for c in candidates] == [(12, 23.9), (6, None), (7, None)]


def test_probe_notes_show_beside_the_baselines_apart_from_the_file_notices(
    doc: dict[str, Any],
) -> None:
    note = (
        "The ARIMA baseline has no seasonal part: its order search on a season of 48 steps "
        "takes minutes (it is seasonal up to 12)."
    )
    d = json.loads(json.dumps(doc))
    d["profile"]["notes"] = [note]
    data = build_view(d).data
    assert data.notes == (note,) and note not in data.notices
    text = Page(render_document(d)).visible_text()
    assert "Notes on the probes and baselines" in text and note in text


def test_every_stop_reason_a_run_can_record_has_plain_words() -> None:
    from typing import get_args, get_type_hints

    from advisor.core.records import DiagnosticRun
    from advisor.reports.wording import STOP_WORDS

    reasons = set(get_args(get_type_hints(DiagnosticRun)["stopped_reason"]))
    assert reasons, "stopped_reason is no longer a Literal"
    assert reasons <= set(STOP_WORDS), reasons - set(STOP_WORDS)


def test_the_records_layer_imports_no_report(repo: Path) -> None:
    """``Analysis`` is a plain record; the notebook face that renders it lives above core."""
    from advisor.core.records import Analysis
    from advisor.notebook import NotebookAnalysis

    assert not hasattr(Analysis, "_repr_html_")
    assert issubclass(NotebookAnalysis, Analysis)
    records = repo / "advisor" / "core" / "records.py"
    assert "advisor.reports" not in records.read_text()


def test_snippet_and_model_script_build_the_same_network() -> None:
    """Both come from one macro: model.py names its constants where the snippet writes
    the values, and with the constants put back the two model definitions are one."""
    from types import SimpleNamespace

    from advisor.core.records import LayerConfig, ModelConfig
    from advisor.final.training import render_script

    layers = (LayerConfig(64, 0.1, 0.05), LayerConfig(32, 0.2, 0.0))
    config = ModelConfig(24, layers, 1e-4, 0.003, 32, 40, 5, "minmax", 12)
    series = SimpleNamespace(target="y", features=("a", "b"), time_column="date")
    script = ast.parse(render_script(config, series, "data.csv", 3, 7))  # type: ignore[arg-type]
    constants = {
        n.targets[0].id: ast.literal_eval(n.value)
        for n in script.body
        if isinstance(n, ast.Assign) and isinstance(n.targets[0], ast.Name)
        and n.targets[0].id in ("LAYERS", "L2", "LEARNING_RATE")
    }  # fmt: skip

    class PutBack(ast.NodeTransformer):
        def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
            inner = node.value  # LAYERS[i]["units"]: the outer subscript holds the key
            if isinstance(inner, ast.Subscript) and ast.unparse(inner.value) == "LAYERS":
                layer = constants["LAYERS"][ast.literal_eval(inner.slice)]
                return ast.Constant(layer[ast.literal_eval(node.slice)])
            return self.generic_visit(node)

        def visit_Name(self, node: ast.Name) -> ast.AST:
            if node.id in ("L2", "LEARNING_RATE"):
                return ast.Constant(constants[node.id])
            return ast.Name("N_FEATURES", node.ctx) if node.id == "channels" else node

    (build,) = [
        n for n in script.body if isinstance(n, ast.FunctionDef) and n.name == "build_model"
    ]
    from_script = [ast.dump(PutBack().visit(s)) for s in build.body[:2]]
    snippet = ast.parse(keras_snippet(config, 3, 3))
    model_at = next(
        i
        for i, n in enumerate(snippet.body)
        if isinstance(n, ast.Assign) and ast.unparse(n.targets[0]) == "model"
    )
    from_snippet = [ast.dump(s) for s in snippet.body[model_at : model_at + 2]]
    assert from_script == from_snippet
    assert ast.unparse(build.body[-1]) == "return model"


# ------------------------------------------------------------------- typed records


def test_the_document_parses_into_typed_frozen_records(doc: dict[str, Any]) -> None:
    import dataclasses

    from advisor.reports.info import SplitInfo

    info = parse_document(doc)
    assert info.data.target == "passengers" and info.data.horizon == fx.HORIZON
    assert info.profile.split == SplitInfo(**fx.SPLIT)
    assert info.profile.seasonal_period == fx.SEASON and info.profile.periods == (fx.SEASON,)
    assert info.profile.acf_confidence == pytest.approx(fx.ACF_BAND)
    run = info.diagnosis.runs[0]
    assert (run.name, run.units, run.train_fraction) == ("capacity-16", 16, 1.0)
    assert run.val_loss == tuple(doc["diagnosis"]["runs"][0]["val_loss"])
    assert info.diagnosis.finding_ids == ("overfitting",)
    assert info.recommendation.config.layers[0].units == 64
    assert [h.applied for h in info.recommendation.rules_fired].count(False) == 1
    assert info.verification is not None and info.verification.compared
    assert info.final is not None and info.final.test_metrics["rmse"] == 18.2
    assert info.final_config == info.final.config
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.data.target = "other"


def test_a_missing_key_fails_at_the_parse_not_as_a_silent_none(doc: dict[str, Any]) -> None:
    d = json.loads(json.dumps(doc))
    del d["recommendation"]["config"]["learning_rate"]
    with pytest.raises(KeyError, match="learning_rate"):
        parse_document(d)
    with pytest.raises(AttributeError):
        parse_document(doc).data.targt  # noqa: B018


def test_absent_stages_and_probe_sections_parse_as_absent(doc: dict[str, Any]) -> None:
    d = fx.make_document(with_verification=False, with_final=False)
    for key in ("seasonality", "unit_root", "lags", "complexity", "quality", "size"):
        del d["profile"][key]
    d["profile"]["mean"] = None  # NaN, as JSON writes it
    info = parse_document(d)
    assert info.verification is None and info.final is None
    assert info.final_config == info.recommendation.config
    p = info.profile
    assert p.mean is None and p.periods == () and p.level_shifts == () and p.covariates == ()
    assert (p.ar_r2, p.nonlinear, p.outliers, p.train_windows, p.max_units) == (None,) * 5


def test_cross_validation_shapes_collapse_into_one_record(doc: dict[str, Any]) -> None:
    import statistics

    from advisor.reports.info import CvInfo

    from_runs = parse_document(_cv_document(doc)).verification
    assert from_runs is not None and from_runs.cv is not None
    cv = from_runs.cv
    assert (cv.folds, cv.seeds, cv.beyond_noise, cv.improvement) == (3, 2, False, -0.004)
    sugg = cv.by_name("suggestion")
    assert sugg is not None and sugg.scores == (21.0, 22.0, 23.0, 21.5, 22.5, 22.0)
    assert sugg.mean == pytest.approx(22.0) and sugg.spread == statistics.stdev(sugg.scores)
    bare = CvInfo.parse({"folds": 3, "scores": {"best": {"scores": [30.0, 31.0, None]}}})
    assert bare is not None and [c.name for c in bare.candidates] == ["best"]
    assert bare.candidates[0].scores == (30.0, 31.0) and bare.folds == 3
    summary = CvInfo.parse({"suggestion": {"mean": 21.0, "std": 0.5, "n": 1}})
    assert summary is not None and summary.candidates[0].spread is None  # one score: no spread
    assert CvInfo.parse({"note": "pending", "suggestion": {"scores": [None]}}) is None
    assert CvInfo.parse(None) is None


def test_report_words_cover_every_setting_and_scaling() -> None:
    """The report's labels and scaling words come from, or match, the one settings table."""
    from advisor.core.settings import SCALINGS, SETTINGS
    from advisor.reports.wording import SCALING_WORDS, SETTING_LABELS

    assert {name: s.label for name, s in SETTINGS.items()} == SETTING_LABELS
    assert set(SCALING_WORDS) == set(SCALINGS)


# --------------------------------------------------------- one primary diagnosis


def _conflicting(doc: dict[str, Any], primary: str | None) -> dict[str, Any]:
    """The motivating failure: over- and underfitting and a capacity limit on one run."""
    d = json.loads(json.dumps(doc))
    d["diagnosis"]["findings"] = [
        {"id": "overfitting", "summary": "Validation loss rose after epoch 8.",
         "evidence": {"best_epoch": 8.0}, "confidence": 0.7, "runs": ["capacity-64"],
         "band": None},
        {"id": "underfitting", "summary": "Widths 16, 32 underfit.",
         "evidence": {"train_loss_ratio": 2.5}, "confidence": 0.75, "runs": ["capacity-16"],
         "band": None},
        {"id": "capacity_limited",
         "summary": "Validation error still fell from 64 to 128 units (30% lower (band -35% "
         "to -24%, 200 validation origins)), the widest tried.",
         "evidence": {"gain_over_next": 0.3}, "confidence": 0.55, "runs": ["capacity-128"],
         "band": fx.band(0.7, 0.65, 0.76)},
    ]  # fmt: skip
    if primary is None:
        del d["diagnosis"]["primary"]  # a document from before the primary was recorded
    else:
        d["diagnosis"]["primary"] = primary
    return d


MORE_UNITS = "more units"
REGULARISE = "stronger dropout"


def test_a_model_that_did_not_learn_gets_no_advice_on_its_size(doc: dict[str, Any]) -> None:
    d = _conflicting(doc, "not_learning")
    d["diagnosis"]["findings"] = [
        {"id": "not_learning", "summary": "width-32: best after the first epoch.",
         "evidence": {"best_epoch": 1.0}, "confidence": 0.7, "runs": ["capacity-32"],
         "band": None},
        *[f for f in d["diagnosis"]["findings"] if f["id"] != "overfitting"],
    ]  # fmt: skip
    steps = build_view(d).next_steps
    assert any(s.startswith("The model did not learn beyond its first epoch") for s in steps)
    assert not any(MORE_UNITS in s or REGULARISE in s for s in steps)


@pytest.mark.parametrize("primary", ["underfitting", "overfitting", "not_learning", None])
def test_next_steps_follow_the_primary_and_never_pull_both_ways(
    doc: dict[str, Any], primary: str | None
) -> None:
    view = build_view(_conflicting(doc, primary))
    steps = " ".join(view.next_steps)
    assert not (MORE_UNITS in steps and REGULARISE in steps)
    if primary in ("underfitting", None):  # without one, the stronger evidence: underfitting
        assert MORE_UNITS in steps
    elif primary == "overfitting":
        assert REGULARISE in steps
    else:
        assert MORE_UNITS not in steps and REGULARISE not in steps


def test_the_primary_leads_and_the_rest_are_secondary(doc: dict[str, Any]) -> None:
    d = _conflicting(doc, "overfitting")
    info = parse_document(d)
    assert info.diagnosis.primary == "overfitting"
    assert parse_document(_conflicting(doc, None)).diagnosis.primary == "underfitting"
    verdict = " ".join(build_view(d).verdict)
    assert "showed mainly overfitting (the model learns" in verdict
    assert "as secondary signs underfitting" in verdict
    findings = build_view(d).experiments.findings
    assert [(f.id, f.role) for f in findings] == [
        ("overfitting", "Primary diagnosis"),
        ("underfitting", "Secondary"),
        ("capacity_limited", "Secondary"),
    ]
    html = render_document(d)
    assert "<strong>Primary diagnosis:</strong> Validation loss rose after epoch 8." in html


def test_a_findings_band_is_read_and_shown(doc: dict[str, Any]) -> None:
    info = parse_document(_conflicting(doc, "underfitting"))
    capacity = next(f for f in info.diagnosis.findings if f.id == "capacity_limited")
    assert capacity.band is not None and capacity.band.origins == 200
    assert not capacity.band.within_noise
    assert all(f.band is None for f in info.diagnosis.findings if f.id != "capacity_limited")
    html = render_document(_conflicting(doc, "underfitting"))
    assert "(band -35% to -24%, 200 validation origins)" in html


def test_comparisons_within_the_noise_are_listed_not_found(doc: dict[str, Any], html: str) -> None:
    view = build_view(doc)
    assert view.experiments.within_noise == (fx.NOISE_NOTE,)
    assert "Differences within the noise" in html and "3% lower (band -5% to +9%" in html
    # a document from before the notes were written has none
    d = json.loads(json.dumps(doc))
    del d["diagnosis"]["notes"]
    assert build_view(d).experiments.within_noise == ()


def test_the_final_section_says_the_model_averages_its_seeds(html):
    text = " ".join(html.split())
    assert "It averages the forecasts of 3 trainings of these settings (seeds 0, 1, 2)." in text
    assert "their test RMSEs ran from 18.9 to 20.3" in text


def test_a_file_from_before_the_average_says_nothing_of_seeds():
    d = fx.make_document()
    del d["final"]["seeds"], d["final"]["member_test_rmse"]
    text = " ".join(render_document(d).split())
    assert "Training the final model took" in text and "averages the forecasts" not in text
