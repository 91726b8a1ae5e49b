"""Loading the Keras backend without its native start-up chatter.

TensorFlow's C++ runtime writes CUDA probes and CPU-feature notes straight to file
descriptor 2 before Python logging exists, and ``TF_CPP_MIN_LOG_LEVEL`` no longer
silences all of them. They are noise for a user on a CPU machine, so imports of the
backend run with fd 2 pointed at /dev/null; Python exceptions still propagate.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def quiet_native_stderr() -> Iterator[None]:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        saved = os.dup(2)
    except OSError:  # no fd 2 at all (some embedded interpreters): nothing to silence
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
