"""advisor: chooses LSTM settings with a short, explained experiment.

``from advisor import analyze`` runs the whole analysis and returns an ``Analysis``.
Heavy libraries load only when an analysis runs, so importing the package is cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Analysis", "Settings", "__version__", "analyze"]

if TYPE_CHECKING:
    from advisor.api import analyze
    from advisor.core.records import Analysis, Settings


def __getattr__(name: str) -> Any:
    if name == "analyze":
        from advisor.api import analyze

        return analyze
    if name in ("Analysis", "Settings"):
        from advisor.core import records

        return getattr(records, name)
    raise AttributeError(f"module 'advisor' has no attribute {name!r}")
