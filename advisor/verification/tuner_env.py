"""keras-tuner's distribution switch: three environment variables.

keras-tuner turns a tuner into a chief or a worker whenever these are set, wherever they
came from. The plain search clears them and the distributed one sets them, each only for
as long as it runs, so both depend on this module and neither on the other.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

ENV_NAMES = ("KERASTUNER_TUNER_ID", "KERASTUNER_ORACLE_IP", "KERASTUNER_ORACLE_PORT")


@contextlib.contextmanager
def without_distribution_env() -> Iterator[None]:
    """None of the variables set inside; whatever was set comes back afterwards."""
    saved = {k: os.environ.pop(k) for k in ENV_NAMES if k in os.environ}
    try:
        yield
    finally:
        for k in ENV_NAMES:
            os.environ.pop(k, None)
        os.environ.update(saved)


@contextlib.contextmanager
def distribution_env(tuner_id: str, host: str, port: int) -> Iterator[None]:
    """Act as tuner ``tuner_id`` of the chief at ``host:port`` inside."""
    saved = {k: os.environ.get(k) for k in ENV_NAMES}
    os.environ.update(
        {
            "KERASTUNER_TUNER_ID": tuner_id,
            "KERASTUNER_ORACLE_IP": host,
            "KERASTUNER_ORACLE_PORT": str(port),
        }
    )
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
