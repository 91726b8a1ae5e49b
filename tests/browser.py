"""A minimal headless-Chromium driver for the report's browser tests, standard library only.

Chromium speaks the DevTools protocol (CDP) over a pair of pipes when started with
``--remote-debugging-pipe``: it reads commands from file descriptor 3 and writes replies
and events to descriptor 4, each message one JSON object ended by a NUL byte. That needs
no WebSocket client, no driver binary and nothing downloaded: only the ``chromium``
package (Debian's, at ``/usr/bin/chromium`` in CI).

``Browser.open(url)`` loads a page in a fresh tab and records what a test asks about:
every request the page or any of its frames started, every console message, uncaught
exception and browser log entry (a Content-Security-Policy violation lands there).
Requests are seen twice over: by the page's own Network listeners, and by a browser-wide
``Fetch`` interception that also sees frames running in other processes (a sandboxed
iframe is one) and fails every request but the page's own file, so a test never
reaches the network even when the page under test is broken.

Run as a script it takes full-page screenshots in slices a person can look at::

    python tests/browser.py report.html /tmp/shot   # /tmp/shot-01.png, -02.png, ...
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Everything that could reach the network on its own (updates, safe browsing, sync,
# metrics, QUIC probes) is off: the tests count the page's requests, not the browser's.
FLAGS = (
    "--headless",
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
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
    "--remote-debugging-pipe",
)


class BrowserError(RuntimeError):
    pass


def find_chromium() -> str | None:
    """The Chromium binary: ``$CHROMIUM`` if set, else the first one on PATH."""
    explicit = os.environ.get("CHROMIUM")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class PageLog:
    """What one page did while it loaded and while the test looked at it."""

    url: str
    requests: list[str] = field(default_factory=list)
    console: list[tuple[str, str]] = field(default_factory=list)
    """(level, text) of every console call and browser log entry."""
    exceptions: list[str] = field(default_factory=list)
    intercepted: list[str] = field(default_factory=list)
    """Every request the browser-wide interception saw, in any frame or process."""

    def errors(self) -> list[str]:
        return [text for level, text in self.console if level == "error"] + self.exceptions

    def foreign_requests(self) -> list[str]:
        """Every request other than the page's own document."""
        seen = dict.fromkeys(self.requests + self.intercepted)
        return [u for u in seen if u.split("#")[0] != self.url.split("#")[0]]


class Browser:
    """One headless Chromium; use as a context manager."""

    def __init__(self, binary: str, width: int = 1280, height: int = 900, timeout: float = 20.0):
        self.width, self.height, self.timeout = width, height, timeout
        self._profile = tempfile.TemporaryDirectory(prefix="advisor-chromium-")
        # A file, not a pipe: Chromium logs a lot, and a full pipe would stall it.
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        cmd_read, self._cmd = os.pipe()  # we write commands, Chromium reads them on fd 3
        self._res, res_write = os.pipe()  # Chromium writes on fd 4, we read
        # posix_spawn puts the pipe ends on descriptors 3 and 4 in the child: safe in a
        # process with threads (TensorFlow's), unlike a preexec_fn. The ends first move
        # above 9 so that no dup2 overwrites the other end. Python's own descriptors are
        # close-on-exec, so Chromium inherits only these and stdio.
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in (cmd_read, res_write)]
        for fd in (cmd_read, res_write):
            os.close(fd)
        argv = [
            binary,
            *FLAGS,
            f"--user-data-dir={self._profile.name}",
            f"--window-size={width},{height}",
            "about:blank",
        ]
        devnull = os.open(os.devnull, os.O_RDWR)
        try:
            self._pid = os.posix_spawn(
                binary,
                argv,
                os.environ,
                file_actions=[
                    (os.POSIX_SPAWN_DUP2, devnull, 0),
                    (os.POSIX_SPAWN_DUP2, devnull, 1),
                    (os.POSIX_SPAWN_DUP2, self._stderr.fileno(), 2),
                    (os.POSIX_SPAWN_DUP2, high[0], 3),
                    (os.POSIX_SPAWN_DUP2, high[1], 4),
                ],
                setpgroup=0,  # its own process group: close() can end its helpers too
            )
        finally:
            for fd in (*high, devnull):
                os.close(fd)
        self._buffer = b""
        self._next_id = 0
        self._replies: dict[int, dict[str, Any]] = {}
        self._events: list[dict[str, Any]] = []
        self._session: str | None = None
        self._sessions: set[str] = set()
        """The page's session and those of its out-of-process frames."""
        self._waiting: list[str] = []
        """Frame sessions paused at start until their listeners are on."""
        self._children: list[dict[str, Any]] = []
        self._request_ids: set[str] = set()
        self._paused: list[tuple[str, str]] = []
        """(id, URL) of requests the browser-wide interception holds."""
        self._log: PageLog | None = None
        # Every request of every page and frame, whatever process it runs in, stops here
        # first: recorded, and failed unless it is the page's own file, so nothing leaves
        # the machine even by mistake.
        try:
            self.send("Fetch.enable", {"patterns": [{"urlPattern": "*"}]}, session=None)
        except BaseException:
            self.close()
            raise

    # ------------------------------------------------------------------ protocol

    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError("Chromium did not answer in time")
            ready, _, _ = select.select([self._res], [], [], left)
            if not ready:
                continue
            chunk = os.read(self._res, 1 << 20)
            if not chunk:
                self._stderr.seek(0)
                err = self._stderr.read().decode(errors="replace")
                raise BrowserError(f"Chromium closed the pipe:\n{err[-2000:]}")
            self._buffer += chunk
        raw, _, self._buffer = self._buffer.partition(b"\0")
        message: dict[str, Any] = json.loads(raw)
        return message

    def _pump(self, deadline: float) -> None:
        """Read one message: a reply is kept for its sender, an event recorded."""
        message = self._read_message(deadline)
        if "id" in message:
            self._replies[message["id"]] = message
        else:
            self._record(message)
        self._handle_pending()

    def send(self, method: str, params: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
        """Send one command and wait for its reply; events meanwhile are recorded."""
        self._next_id += 1
        command_id = self._next_id
        msg: dict[str, Any] = {"id": command_id, "method": method, "params": params or {}}
        session = kw.get("session", self._session)
        if session:
            msg["sessionId"] = session
        os.write(self._cmd, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while command_id not in self._replies:
            self._pump(deadline)
        reply = self._replies.pop(command_id)
        if "error" in reply:
            raise BrowserError(f"{method}: {reply['error']}")
        result: dict[str, Any] = reply.get("result", {})
        return result

    def _listen(self, session: str) -> None:
        """Every listener on for a page or frame session, and its frames attached too."""
        for domain in ("Network", "Runtime", "Log"):
            self.send(f"{domain}.enable", session=session)
        # Frames in other processes (a sandboxed iframe is one) are targets of their own:
        # they are attached paused, so nothing they do happens before they are listened to.
        self.send(
            "Target.setAutoAttach",
            {"autoAttach": True, "waitForDebuggerOnStart": True, "flatten": True},
            session=session,
        )

    def _handle_pending(self) -> None:
        """Answer what events asked for: held requests, and frames waiting to start."""
        while self._paused:
            request, url = self._paused.pop(0)
            own = self._log is not None and url.split("#")[0] == self._log.url.split("#")[0]
            try:
                if own:
                    self.send("Fetch.continueRequest", {"requestId": request}, session=None)
                else:
                    self.send(
                        "Fetch.failRequest",
                        {"requestId": request, "errorReason": "BlockedByClient"},
                        session=None,
                    )
            except BrowserError:
                pass  # cancelled meanwhile
        while self._waiting:
            session = self._waiting.pop(0)
            try:
                self._listen(session)
                self.send("Runtime.runIfWaitingForDebugger", session=session)
            except BrowserError:
                pass  # the frame went away meanwhile

    def _record(self, event: dict[str, Any]) -> None:
        self._events.append(event)
        log, method, params = self._log, event.get("method"), event.get("params", {})
        if method == "Fetch.requestPaused" and "sessionId" not in event:
            url = params["request"]["url"]
            self._paused.append((params["requestId"], url))
            if log is not None:
                log.intercepted.append(url)
            return
        if log is None or event.get("sessionId") not in self._sessions:
            return
        if method == "Target.attachedToTarget":
            self._sessions.add(params["sessionId"])
            self._children.append(params["targetInfo"])
            self._waiting.append(params["sessionId"])
        elif method == "Network.requestWillBeSent":
            self._request_ids.add(params["requestId"])
            log.requests.append(params["request"]["url"])
        elif method in ("Network.responseReceived", "Network.loadingFailed"):
            # A frame may start a request just before its listeners are on: its answer
            # still arrives, and counts as a request the test did not see begin.
            if params["requestId"] not in self._request_ids:
                self._request_ids.add(params["requestId"])
                response = params.get("response") or {}
                log.requests.append(
                    response.get("url") or f"(unseen request: {params.get('errorText')})"
                )
        elif method == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
            log.console.append(("error" if params["type"] in ("error", "assert") else "info", text))
        elif method == "Log.entryAdded":
            entry = params["entry"]
            log.console.append((entry["level"], f"{entry.get('source')}: {entry['text']}"))
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            log.exceptions.append(
                details.get("exception", {}).get("description") or details.get("text", "")
            )

    def _wait_for(self, method: str) -> dict[str, Any]:
        """The next event ``method`` of the page itself (not of its frames)."""

        def match(event: dict[str, Any]) -> bool:
            return event.get("method") == method and event.get("sessionId") == self._session

        deadline = time.monotonic() + self.timeout
        while True:
            found = next((e for e in self._events if match(e)), None)
            if found is not None:
                self._events.remove(found)
                return found
            self._pump(deadline)

    # ------------------------------------------------------------------- pages

    def open(self, url: str) -> PageLog:
        """Load ``url`` in a fresh tab, every listener on before the first byte."""
        if self._session:
            self.send("Target.closeTarget", {"targetId": self._target}, session=None)
        self._events.clear()
        self._children.clear()
        self._request_ids.clear()
        self._target = self.send("Target.createTarget", {"url": "about:blank"}, session=None)[
            "targetId"
        ]
        self._session = self.send(
            "Target.attachToTarget", {"targetId": self._target, "flatten": True}, session=None
        )["sessionId"]
        self._sessions = {self._session}
        self._log = PageLog(url)
        self.send("Page.enable")
        self._listen(self._session)
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": self.width, "height": self.height, "deviceScaleFactor": 1, "mobile": False},
        )
        reply = self.send("Page.navigate", {"url": url})
        if reply.get("errorText"):
            raise BrowserError(f"{url}: {reply['errorText']}")
        self._wait_for("Page.loadEventFired")
        self._settle()
        return self._log

    def _settle(self, quiet: float = 0.3) -> None:
        """Record what the page and its frames still report after the load event: a
        round trip through each of their sessions, then events until ``quiet`` seconds
        pass without one (a frame's network events come from another process)."""
        for session in list(self._sessions):
            # A frame may have gone meanwhile, or allow no evaluation.
            with contextlib.suppress(BrowserError):
                self.send("Runtime.evaluate", {"expression": "1"}, session=session)
        deadline = time.monotonic() + self.timeout
        while select.select([self._res], [], [], quiet)[0] or b"\0" in self._buffer:
            self._pump(deadline)

    def evaluate(self, expression: str) -> Any:
        """The JSON value of a JavaScript expression in the page."""
        reply = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in reply:
            raise BrowserError(f"{expression}: {reply['exceptionDetails']}")
        return reply["result"].get("value")

    def frame_urls(self) -> list[str]:
        """The URL of every frame of the page, the main one first: those in the page's
        own process, then those Chromium put in processes of their own."""
        urls, todo = [], [self.send("Page.getFrameTree")["frameTree"]]
        while todo:
            node = todo.pop(0)
            urls.append(node["frame"]["url"])
            todo += node.get("childFrames", [])
        return urls + [t["url"] for t in self._children if t.get("type") == "iframe"]

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

    # ------------------------------------------------------------------ lifetime

    def _exited(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            pid, _ = os.waitpid(self._pid, os.WNOHANG)
            if pid:
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)

    def close(self) -> None:
        try:
            with contextlib.suppress(BrowserError, OSError):
                self.send("Browser.close", session=None)
            if not self._exited(5):
                os.killpg(self._pid, signal.SIGKILL)
                os.waitpid(self._pid, 0)
        except ChildProcessError:
            pass  # already reaped
        finally:
            for fd in (self._cmd, self._res):
                with contextlib.suppress(OSError):
                    os.close(fd)
            self._stderr.close()
            self._profile.cleanup()

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python tests/browser.py PAGE.html OUT_PREFIX", file=sys.stderr)
        return 2
    binary = find_chromium()
    if binary is None:
        print("no chromium on PATH", file=sys.stderr)
        return 1
    with Browser(binary) as browser:
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
