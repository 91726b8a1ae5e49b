"""Headless Chromium for the report's browser tests, through Selenium and a chromedriver.

Debian's ``chromium`` and ``chromium-driver`` packages (which ``.ci/run`` installs) are all
it needs: the paths are given to Selenium, so Selenium Manager never looks for a browser
or a driver to download.

``Browser.open(url)`` loads a page and records what a test asks about, from chromedriver's
logs: every request the page or its frames started (the performance log carries the
DevTools ``Network`` events) and every console message, uncaught exception and browser log
entry (a Content-Security-Policy violation lands there).

Run as a script it takes full-page screenshots in slices a person can look at::

    python tests/support/browser.py report.html /tmp/shot   # /tmp/shot-01.png, -02.png, ...
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless",
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    # Everything that could reach the network on its own (updates, safe browsing, sync,
    # metrics, QUIC probes) is off: the tests count the page's requests, not the browser's.
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--metrics-recording-only",
    "--mute-audio",
    "--hide-scrollbars",
    # chromedriver logs only the page's own renderer process. A frame Chromium isolates
    # in a process of its own (the notebook view's sandboxed iframe is one) would request
    # and complain unseen, so every frame stays in the page's process.
    "--disable-site-isolation-trials",
    "--disable-features=IsolateOrigins,site-per-process,IsolateSandboxedIframes",
    # A request the page should never make still must not leave the machine: every one
    # goes to a proxy that is not there, and no host name resolves.
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
    "--host-resolver-rules=MAP * ~NOTFOUND",
)


def _find(variable: str, names: tuple[str, ...]) -> str | None:
    explicit = os.environ.get(variable)
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    return next((found for name in names if (found := shutil.which(name))), None)


def find_chromium() -> str | None:
    """The Chromium binary: ``$CHROMIUM`` if set, else the first one on PATH."""
    return _find("CHROMIUM", CANDIDATES)


def find_chromedriver() -> str | None:
    """The chromedriver binary: ``$CHROMEDRIVER`` if set, else the one on PATH."""
    return _find("CHROMEDRIVER", ("chromedriver",))


@dataclass
class PageLog:
    """What one page did while it loaded and while the test looked at it."""

    url: str
    requests: list[str] = field(default_factory=list)
    console: list[tuple[str, str]] = field(default_factory=list)
    """(level, text) of every console call, uncaught exception and browser log entry."""

    def errors(self) -> list[str]:
        return [text for level, text in self.console if level == "SEVERE"]

    def foreign_requests(self) -> list[str]:
        """Every request other than the page's own document."""
        return [
            u for u in dict.fromkeys(self.requests) if u.split("#")[0] != self.url.split("#")[0]
        ]


class Browser:
    """One headless Chromium driven by chromedriver; use as a context manager."""

    def __init__(
        self,
        binary: str,
        driver: str,
        width: int = 1280,
        height: int = 900,
        timeout: float = 20.0,
    ):
        self.width, self.height, self.timeout = width, height, timeout
        options = webdriver.ChromeOptions()
        options.binary_location = binary
        for flag in FLAGS:
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
        self._driver = webdriver.Chrome(options=options, service=Service(driver))
        try:
            self._driver.set_page_load_timeout(timeout)
            self._driver.set_script_timeout(timeout)
            # The performance log turns Network on by default; asked for here so that
            # no logging preference can quietly turn request recording off.
            self._driver.execute_cdp_cmd("Network.enable", {})
            # The viewport itself, not the window around it, is width x height.
            self.send(
                "Emulation.setDeviceMetricsOverride",
                {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            )
        except BaseException:
            self._driver.quit()
            raise
        self._log: PageLog | None = None
        self._request_ids: set[str] = set()

    def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """One DevTools command to the page, through chromedriver."""
        result: dict[str, Any] = self._driver.execute_cdp_cmd(method, params or {})
        return result

    def _drain(self) -> int:
        """Move what chromedriver logged since the last call into the page's log."""
        performance = self._driver.get_log("performance")
        console = self._driver.get_log("browser")
        log = self._log
        if log is None:
            return 0
        for entry in performance:
            message = json.loads(entry["message"])["message"]
            method, params = message["method"], message.get("params", {})
            if method == "Network.requestWillBeSent":
                self._request_ids.add(params["requestId"])
                log.requests.append(params["request"]["url"])
            elif method == "Network.webSocketCreated":
                log.requests.append(params["url"])
            elif (
                method in ("Network.responseReceived", "Network.loadingFailed")
                and params["requestId"] not in self._request_ids
            ):
                # An answer to a request whose start was not logged is a request all the same.
                self._request_ids.add(params["requestId"])
                response = params.get("response") or {}
                log.requests.append(
                    response.get("url") or f"(unseen request: {params.get('errorText')})"
                )
        log.console += [(entry["level"], entry["message"]) for entry in console]
        return len(performance) + len(console)

    def open(self, url: str, quiet: float = 0.3) -> PageLog:
        """Load ``url`` and record what it does until ``quiet`` seconds pass without an
        event: a timer or a late frame may still request or complain after the load."""
        # The previous page is gone, its unload included, before the new page's log starts.
        self._driver.get("about:blank")
        self._log = None
        self._drain()
        self._request_ids.clear()
        self._log = log = PageLog(url)
        self._driver.get(url)
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            time.sleep(quiet)
            # A round trip through the page, so that chromedriver has read every event
            # the page sent before it.
            self._driver.execute_script("return 1")
            if not self._drain():
                break
        return log

    def evaluate(self, expression: str) -> Any:
        """The JSON value of a JavaScript expression in the page."""
        return self._driver.execute_script(f"return ({expression});")

    def pdf(self) -> bytes:
        """The page as printed, with the browser's default print settings."""
        return base64.b64decode(self._driver.print_page())

    def frame_urls(self) -> list[str]:
        """The URL of every frame of the page, the main one first."""
        urls, todo = [], [self.send("Page.getFrameTree")["frameTree"]]
        while todo:
            node = todo.pop(0)
            urls.append(node["frame"]["url"])
            todo += node.get("childFrames", [])
        return urls

    def screenshots(self, prefix: str, slice_height: int = 1600) -> list[Path]:
        """The whole page as PNG slices ``prefix-01.png``, ``prefix-02.png``, ..."""
        height = int(self.evaluate("document.documentElement.scrollHeight"))
        paths = []
        for i, top in enumerate(range(0, height, slice_height)):
            clip = {
                "x": 0,
                "y": top,
                "width": self.width,
                "height": min(slice_height, height - top),
                "scale": 1,
            }
            data = self.send(
                "Page.captureScreenshot",
                {"format": "png", "clip": clip, "captureBeyondViewport": True},
            )["data"]
            path = Path(f"{prefix}-{i + 1:02d}.png")
            path.write_bytes(base64.b64decode(data))
            paths.append(path)
        return paths

    def close(self) -> None:
        self._driver.quit()

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python tests/support/browser.py PAGE.html OUT_PREFIX", file=sys.stderr)
        return 2
    binary, driver = find_chromium(), find_chromedriver()
    if binary is None or driver is None:
        print("needs chromium and chromedriver (CHROMIUM=..., CHROMEDRIVER=...)", file=sys.stderr)
        return 1
    with Browser(binary, driver) as browser:
        log = browser.open(Path(argv[0]).resolve().as_uri())
        for path in browser.screenshots(argv[1]):
            print(path)
        for line in log.errors():
            print("console error:", line)
        for url in log.foreign_requests():
            print("request:", url)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
