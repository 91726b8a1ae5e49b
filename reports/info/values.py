"""Reading JSON values into typed fields: the shared helpers of the ``info`` records.

The document holds NaN as null and may leave optional parts out; these helpers say,
once, how each kind of value is read, so every record reads them alike.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, TypeGuard

Scalar = str | int | float | bool | None
"""A rule's value or a piece of evidence, as the document holds it."""


def opt_float(x: Any) -> float | None:
    return None if x is None else float(x)


def floats(values: Sequence[Any] | None) -> tuple[float | None, ...]:
    return tuple(opt_float(v) for v in values or ())


def opt_int(x: Any) -> int | None:
    """An integer the document may leave out; anything else is treated as absent."""
    return x if isinstance(x, int) and not isinstance(x, bool) else None


def opt_text(x: Any) -> str | None:
    """Text the document may leave out or empty: either way ``None``."""
    return str(x) if x else None


def opt_bool(x: Any) -> bool | None:
    return x if isinstance(x, bool) else None


def defined(x: float | None) -> TypeGuard[float]:
    """A finite number (JSON null stands for NaN)."""
    return x is not None and math.isfinite(x)


def finite(x: Any) -> float | None:
    """A finite number where the document holds one, else ``None`` (also for text)."""
    if isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x):
        return float(x)
    return None


def section(profile: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """A probe's sub-section of the profile; empty where an older document has none."""
    value = profile.get(key)
    return value if isinstance(value, dict) else {}


def pairs(evidence: Mapping[str, Any] | None) -> tuple[tuple[str, Scalar], ...]:
    return tuple((str(k), v) for k, v in (evidence or {}).items())
