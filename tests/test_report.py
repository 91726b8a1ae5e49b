"""The report: chart numbers, the HTML page's safety and sections, the terminal summary.

Everything renders from a hand-built ``recommendation.json`` document
(``report_fixtures.make_document``), so these tests need no training and run in seconds.
"""

from __future__ import annotations

import ast
import json
import math
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from advisor.reports import charts
from advisor.reports.html import render_document
from advisor.reports.terminal import summary_renderables
from advisor.reports.view import build_view, keras_snippet, setting_key

# pytest's importlib mode puts no test folder on sys.path; the fixture module sits here.
sys.path.insert(0, str(Path(__file__).resolve().parent))
import report_fixtures as fx

SECTION_IDS = (
    "verdict",
    "settings",
    "data",
    "experiments",
    "verification",
    "final",
    "next-steps",
    "glossary",
    "snippet",
    "reproducibility",
)
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
    chart = charts.capacity_curve(d)
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
    assert charts.capacity_curve(d) is None


def test_data_size_curve_uses_one_width_across_fractions(doc: dict[str, Any]) -> None:
    chart = charts.data_size_curve(doc)
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
    assert charts.data_size_curve(d) is None


def test_acf_chart_skips_lag_zero_and_marks_the_probes_significant_lags(
    doc: dict[str, Any],
) -> None:
    chart = charts.acf_chart(doc)
    assert chart is not None
    n = len(chart.values)
    assert n == charts.acf_lags_shown(doc) == charts.MIN_ACF_LAGS_SHOWN
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
    chart = charts.acf_chart(d)
    assert chart is not None and len(chart.values) == 62


def test_learning_curves_one_per_run_with_the_best_epoch_marked(doc: dict[str, Any]) -> None:
    curves = charts.learning_curves(doc)
    runs = doc["diagnosis"]["runs"]
    assert len(curves) == len(runs)
    for curve, run in zip(curves, runs, strict=True):
        train, val = curve.lines
        assert train.y == tuple(run["train_loss"]) and val.y == tuple(run["val_loss"])
        assert curve.marks[0].x == run["val_loss"].index(min(run["val_loss"])) + 1


def test_learning_curve_tolerates_undefined_losses(doc: dict[str, Any]) -> None:
    run = {**doc["diagnosis"]["runs"][0], "val_loss": [0.5, None, 0.3]}
    curve = charts.learning_curve(run)
    assert curve is not None and curve.marks[0].y == 0.3 and curve.lines[1].y[1] is None


def test_series_chart_places_the_split_boundaries(doc: dict[str, Any]) -> None:
    chart = charts.series_chart(doc)
    assert chart is not None
    assert [v.at for v in chart.vlines] == [100.0, 122.0]
    assert chart.lines[0].x[:3] == (0.0, 1.0, 2.0) and len(chart.x_ticks) == 5
    assert chart.x_ticks[0][1] == "1949-01-01"  # the midnight time is dropped


def test_series_chart_scales_positions_by_the_preview_step() -> None:
    d = _hostile_document()
    chart = charts.series_chart(d)
    assert chart is not None and chart.lines[0].x[1] == 7.0


def test_trials_chart_marks_the_suggestion_and_the_best_baseline(doc: dict[str, Any]) -> None:
    chart = charts.trials_chart(doc)
    assert chart is not None
    trials = doc["verification"]["trials"]
    assert chart.values == tuple(t["val_rmse"] for t in trials)
    assert chart.highlighted == tuple(t["is_suggestion"] for t in trials)
    assert chart.hlines[0].at == 23.9 and "seasonal_naive" in chart.hlines[0].label


def test_forecast_chart_plots_actual_and_predicted(doc: dict[str, Any]) -> None:
    chart = charts.forecast_chart(doc)
    assert chart is not None
    actual, predicted = chart.lines
    assert actual.y == tuple(doc["final"]["forecast"]["actual"])
    assert predicted.y == tuple(doc["final"]["forecast"]["predicted"])


def test_absent_stages_give_no_chart_data() -> None:
    d = fx.make_document(with_verification=False, with_final=False)
    d["diagnosis"]["runs"] = []
    d["series"]["values"] = [None] * len(d["series"]["values"])
    assert charts.trials_chart(d) is None
    assert charts.forecast_chart(d) is None
    assert charts.capacity_curve(d) is None
    assert charts.data_size_curve(d) is None
    assert charts.learning_curves(d) == []
    assert charts.series_chart(d) is None


# -------------------------------------------------------------------------- drawing


def test_svg_escapes_markup_in_titles_and_labels() -> None:
    chart = charts.LineChartData(
        title=SCRIPT,
        x_label=IMG,
        y_label="$x$ & y",
        lines=(charts.Line(SCRIPT, (1.0, 2.0), (1.0, 2.0)), charts.Line("b", (1.0,), (1.0,))),
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
    chart = charts.LineChartData(
        title=title, x_label="a", y_label="b", lines=(charts.Line("l", (1.0, 2.0), (1.0, 2.0)),)
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
    tree = ast.parse(keras_snippet(cfg, horizon=2, n_features=3))
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
    assert view.final.metrics.rows[0] == ("LSTM (final model)", "n/a", "14.9", "n/a")
    assert not any("RMSE is" in s for s in view.verdict)  # no comparison without a score
    text = Page(render_document(d)).visible_text()
    assert "n/a" in text and "nan" not in text.lower().split()


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
    assert any("higher than the best simple baseline" in s for s in view.verdict)
    assert view.next_steps[0].startswith("Weigh the simple baseline")


# ------------------------------------------------------------------------ terminal


def test_summary_renderables_render_the_verdict_without_printing(
    doc: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    renderables = summary_renderables(doc)
    assert capsys.readouterr().out == ""
    console = Console(record=True, width=120, color_system=None)
    for r in renderables:
        console.print(r)
    text = " ".join(console.export_text().split())
    assert "one LSTM layer of 64 units" in text
    assert "capacity.best_width" in text and "seasonal_naive" in text
    assert "advisor_runs/2024-05-01T10-00-00" in text


def test_summary_shows_markup_in_data_literally() -> None:
    d = fx.make_document(target="[bold red]sales[/]", with_verification=False, with_final=False)
    console = Console(record=True, width=120, color_system=None)
    for r in summary_renderables(d):
        console.print(r)
    text = " ".join(console.export_text().split())
    assert "[bold red]sales[/]" in text
    assert "The verification search did not run in this analysis." in text


# ------------------------------------------------------------ from a live analysis


def test_render_html_goes_through_the_document(doc: dict[str, Any]) -> None:
    pd = pytest.importorskip("pandas")
    from advisor.document import config_from_dict
    from advisor.records import (
        Analysis,
        Baseline,
        Curve,
        Diagnosis,
        DiagnosticRun,
        Profile,
        Recommendation,
        SeriesData,
        Settings,
        Split,
    )
    from advisor.reports.html import render_html

    frame = pd.DataFrame({"y": [float(v) for v in doc["series"]["values"]]})
    analysis = Analysis(
        data=SeriesData("a.csv", "0" * 64, "y", None, (), frame, None),
        settings=Settings(),
        profile=Profile(
            rows=len(frame),
            split=Split(100, 22, 22),
            horizon=1,
            missing_share=0.0,
            mean=1.0,
            std=1.0,
            minimum=0.0,
            maximum=2.0,
            acf=(1.0, 0.5, 0.1),
            acf_confidence=0.2,
            significant_lags=(1,),
            seasonal_period=None,
            season_source="none",
            adf_pvalue=0.01,
            kpss_pvalue=0.2,
            stationarity="stationary",
            trend_strength=0.0,
            baselines=(Baseline("naive", 1.0, 0.8),),
        ),
        diagnosis=Diagnosis(
            runs=(
                DiagnosticRun(
                    name="base",
                    units=32,
                    lookback=12,
                    train_fraction=1.0,
                    params=4500,
                    curve=Curve((1.0, 0.5), (1.1, 0.7)),
                    val_rmse=0.9,
                    seconds=1.0,
                    reference_loss=1.0,
                    best_epoch=2,
                ),
            ),
            findings=(),
            planned="one run",
        ),
        recommendation=Recommendation(config_from_dict(fx.config()), (), ()),
        verification=None,
        final=None,
        run_dir="runs/x",
    )
    parsed = Page(render_html(analysis))
    assert set(SECTION_IDS) <= parsed.ids()
    assert "The verification search did not run in this analysis." in parsed.visible_text()
