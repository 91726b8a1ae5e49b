"""Which ``recommendation.json`` documents this advisor writes and reads.

Version 2 added classification (``data.task`` ``classify``, ``store.class_document``);
a forecasting document of version 2 is shaped as one of version 1, so both stay
readable. Version 1 documents hold forecasting only. Version 3 changed what a
classifier's ``max_length`` does (sequences past it are folded, no longer averaged down)
and added ``data.longest``; forecasting documents are unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SCHEMA_VERSION = 3
"""What ``to_document`` and ``to_class_document`` write."""
READABLE_VERSIONS = (1, 2, 3)
CLASSIFY = "classify"
"""``data.task`` of a classification document (``SequenceSet.task``)."""
_FIX = "fix: rerun `advisor analyze`"


def document_task(document: Mapping[str, Any]) -> str:
    """``data.task`` of a document: ``forecast`` where it says nothing else."""
    data = document.get("data")
    task = data.get("task") if isinstance(data, Mapping) else None
    return str(task) if task else "forecast"


def is_classification(document: Mapping[str, Any]) -> bool:
    return document_task(document) == CLASSIFY


def readable_schema(document: object) -> str | None:
    """``None`` where this advisor can render ``document``, else the problem and its fix
    in one line (no file name: the caller puts it first)."""
    if not isinstance(document, Mapping):
        return f"not a recommendation (a JSON object was expected); {_FIX}"
    version = document.get("schema_version")
    # bool is an int to Python, and true == 1: "schema_version": true is no version.
    if isinstance(version, bool) or version not in READABLE_VERSIONS:
        readable = " or ".join(str(v) for v in READABLE_VERSIONS)
        return f"schema_version {version!r} is not one this advisor reads ({readable}); {_FIX}"
    if version == 1 and is_classification(document):
        return f"schema_version 1 holds no classification result; {_FIX}"
    return None


__all__ = [
    "CLASSIFY",
    "READABLE_VERSIONS",
    "SCHEMA_VERSION",
    "document_task",
    "is_classification",
    "readable_schema",
]
