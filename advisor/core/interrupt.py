"""Ctrl-C that is never lost inside a training step.

Python raises ``KeyboardInterrupt`` wherever the main thread happens to be when the
signal lands. Inside a Keras fit that can be a data generator being closed or a
finalizer, where the exception is printed as "ignored" and dropped, and the run goes on
as if nothing happened. The CLI installs ``handler``; while training is ``deferred``, a
Ctrl-C is only noted and the training raises it at its next batch boundary (``check``),
where it reaches the pipeline's partial-results path. A second Ctrl-C raises at once.
Without the handler installed (the Python API, a notebook) nothing changes.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

_state = {"deferring": 0, "pending": False}


def handler(signum: int, frame: FrameType | None) -> None:
    if _state["deferring"] and not _state["pending"]:
        _state["pending"] = True
        return
    _state["pending"] = False
    raise KeyboardInterrupt


def install() -> None:
    """Route SIGINT through ``handler`` (main thread only, as ``signal`` requires)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, handler)


def check() -> None:
    """Raise a noted Ctrl-C now."""
    if _state["pending"]:
        _state["pending"] = False
        raise KeyboardInterrupt


@contextmanager
def deferred() -> Iterator[None]:
    """Within: a Ctrl-C waits for the next ``check`` (or the end of the block)."""
    _state["deferring"] += 1
    try:
        yield
    finally:
        _state["deferring"] -= 1
    check()
