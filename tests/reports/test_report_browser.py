"""The report in a real browser: headless Chromium, driven by Selenium through chromedriver.

These tests open rendered pages from temporary files and check what a reader's browser
would do with them: no console error, no request beyond the page's own file, every
section there and visible, the column-name payloads shown as text and never run. The
driver (``tests/support/browser.py``) needs Debian's ``chromium`` and ``chromium-driver``
packages, which ``.ci/run`` installs; where either is missing the tests skip and say so.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from advisor.reports.html import inline_html, render_document

# browser.py imports selenium: without it the module skips rather than failing to import.
pytest.importorskip("selenium", reason="selenium not installed: pip install -e '.[test]'")
from support import report as fx
from support.browser import Browser, find_chromedriver, find_chromium

CHROMIUM = find_chromium()
CHROMEDRIVER = find_chromedriver()
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="headless Chromium not found: install Debian's chromium package "
        "(.ci/run does) or set CHROMIUM=/path/to/chromium",
    ),
    pytest.mark.skipif(
        CHROMEDRIVER is None,
        reason="chromedriver not found: install Debian's chromium-driver package "
        "(.ci/run does) or set CHROMEDRIVER=/path/to/chromedriver",
    ),
]

SECTION_IDS = fx.SECTION_IDS
# Each payload, if it ever ran, would leave a mark the page can be asked about.
SCRIPT = '<script>window.__advisorPwned = "script"; document.title = "pwned"</script>'
IMG = "<img src=x onerror=\"window.__advisorPwned = 'img'\">"
SVG = "<svg onload=\"window.__advisorPwned = 'svg'\"></svg>"
CSP_META = re.compile(r'<meta http-equiv="Content-Security-Policy"[^>]*>')

VISIBILITY = """
(ids => Object.fromEntries(ids.map(id => {
  const el = document.getElementById(id);
  if (!el) return [id, "missing"];
  const box = el.getBoundingClientRect(), style = getComputedStyle(el);
  const shown = box.width > 0 && box.height > 0 && style.visibility !== "hidden"
    && style.display !== "none";
  return [id, shown ? "visible" : "hidden"];
})))(%s)
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert CHROMIUM is not None and CHROMEDRIVER is not None
    with Browser(CHROMIUM, CHROMEDRIVER, width=1280, height=900) as b:
        yield b


def _write(tmp: Path, name: str, page: str) -> str:
    path = tmp / name
    path.write_text(page, encoding="utf-8")
    return path.as_uri()


def _small(doc: dict[str, Any]) -> dict[str, Any]:
    doc["diagnosis"]["runs"] = doc["diagnosis"]["runs"][:4]  # fewer panels: a faster render
    return doc


def _hostile_document() -> dict[str, Any]:
    """The payloads wherever a CSV's own strings reach the page."""
    d = _small(fx.make_document(target=SCRIPT, path=f"data/{IMG}.csv"))
    d["data"]["features"] = [IMG, SVG]
    d["data"]["time_column"] = SVG
    d["data"]["notices"] = [f"Dropped the empty column {IMG}."]
    d["diagnosis"]["findings"][0]["summary"] = f"{SCRIPT} overfits"
    d["verification"]["verdict_reason"] = f"{SVG} won"
    d["run"]["command"] = f"advisor analyze '{IMG}.csv' --target '{SCRIPT}'"
    return d


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """file:// URLs of the rendered pages, keyed by what they hold."""
    tmp = tmp_path_factory.mktemp("pages")
    report = render_document(_small(fx.make_document()))
    hostile = render_document(_hostile_document())
    bare = _small(fx.make_document(with_verification=False, with_final=False))
    return {
        "report": _write(tmp, "report.html", report),
        "hostile": _write(tmp, "hostile.html", hostile),
        # The same page without its CSP: escaping alone must keep the payloads inert.
        "hostile-no-csp": _write(tmp, "hostile-no-csp.html", CSP_META.sub("", hostile)),
        "bare": _write(tmp, "bare.html", render_document(bare)),
        "notebook": _write(
            tmp,
            "notebook.html",
            "<!DOCTYPE html><html><head><title>notebook</title></head><body>"
            "<script>window.notebookGlobal = 42;</script>"
            f"<div class='output'>{inline_html(hostile)}</div></body></html>",
        ),
    }


def _clean(log: Any) -> None:
    assert log.errors() == [], "console errors"
    assert log.foreign_requests() == [], "the page asked for more than its own file"


@pytest.mark.parametrize("which", ["report", "bare"])
def test_every_section_is_visible_with_no_error_and_no_request(
    browser: Browser, pages: dict[str, str], which: str
) -> None:
    log = browser.open(pages[which])
    _clean(log)
    assert log.requests == [pages[which]]  # the page's own file and nothing else
    shown = browser.evaluate(VISIBILITY % json.dumps(list(SECTION_IDS)))
    assert shown == dict.fromkeys(SECTION_IDS, "visible")
    # Every chart drew at a readable size, and no element pokes out sideways.
    heights = browser.evaluate(
        "[...document.querySelectorAll('figure svg')].map(s => s.getBoundingClientRect().height)"
    )
    assert heights and min(heights) > 100
    assert browser.evaluate("document.documentElement.scrollWidth <= innerWidth")
    if which == "bare":
        text = browser.evaluate("document.getElementById('verification').innerText")
        assert "did not run" in text


def test_the_report_prints(browser: Browser, pages: dict[str, str]) -> None:
    browser.open(pages["report"])
    pdf = browser.pdf()
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000


@pytest.mark.parametrize("which", ["hostile", "hostile-no-csp"])
def test_column_name_payloads_show_as_text_and_never_run(
    browser: Browser, pages: dict[str, str], which: str
) -> None:
    log = browser.open(pages[which])
    _clean(log)  # a payload that ran would have asked for "x" or broken the CSP
    assert browser.evaluate("window.__advisorPwned === undefined")
    assert browser.evaluate("document.title") == f"LSTM advice for “{SCRIPT}”"
    assert (
        browser.evaluate("document.querySelectorAll('script, img, [onerror], [onload]').length")
        == 0
    )
    text = browser.evaluate("document.body.innerText")
    for payload in (SCRIPT, IMG, SVG):
        assert payload in text, payload
    # Visible, not merely present: the verdict names the target as typed.
    verdict = browser.evaluate("document.getElementById('verdict').innerText")
    assert SCRIPT in verdict


def test_notebook_view_is_sandboxed_and_keeps_to_itself(
    browser: Browser, pages: dict[str, str]
) -> None:
    log = browser.open(pages["notebook"])
    _clean(log)
    assert browser.frame_urls() == [pages["notebook"], "about:srcdoc"]
    # The notebook cannot reach into the report, and the report ran nothing of its own.
    assert browser.evaluate("document.querySelector('iframe').contentDocument === null")
    assert browser.evaluate("window.__advisorPwned === undefined && window.notebookGlobal === 42")
    # Its CSS stays inside the frame: the notebook page keeps the browser's defaults.
    assert browser.evaluate("getComputedStyle(document.body).margin") == "8px"
    height = browser.evaluate("document.querySelector('iframe').getBoundingClientRect().height")
    assert height > 300


@pytest.mark.slow
def test_a_csv_with_markup_in_its_column_names_end_to_end(browser: Browser, tmp_path: Path) -> None:
    """The payloads travel the whole way: CSV header, intake, document, page, browser."""
    import numpy as np
    import pandas as pd

    from advisor import Settings, analyze

    rng = np.random.default_rng(0)
    t = np.arange(120)
    csv = tmp_path / "payload.csv"
    pd.DataFrame(
        {
            "date": pd.date_range("2000-01-01", periods=len(t), freq="MS"),
            SCRIPT: 50 + 0.2 * t + 8 * np.sin(2 * np.pi * t / 12) + rng.normal(size=len(t)),
            IMG: rng.normal(size=len(t)),
        }
    ).to_csv(csv, index=False)
    out = tmp_path / "run"
    analyze(csv, settings=Settings(target=SCRIPT, horizon=1, budget_s=60, seed=0), out=out)
    report = out / "report.html"
    assert report.stat().st_size < 2 * 1024 * 1024
    log = browser.open(report.as_uri())
    _clean(log)
    assert browser.evaluate("window.__advisorPwned === undefined")
    text = browser.evaluate("document.body.innerText")
    assert SCRIPT in text and IMG in text
    shown = browser.evaluate(VISIBILITY % json.dumps(list(SECTION_IDS)))
    assert shown == dict.fromkeys(SECTION_IDS, "visible")
