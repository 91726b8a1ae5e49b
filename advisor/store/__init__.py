"""Persistence: the run directory, atomic writes, and ``recommendation.json``.

Nothing a user made is lost: every file goes through ``atomic`` (temporary file, then
rename), and ``rundir`` keys a run by the data and the settings so a rerun resumes only
what belongs to it. ``schema`` says which documents are readable; a classification's
document is ``class_document.to_class_document`` (imported where used: it loads numpy).
"""

from advisor.store.atomic import write_json, write_text
from advisor.store.document import to_document
from advisor.store.rundir import RunDir, identity, key_of, read_json
from advisor.store.schema import SCHEMA_VERSION, readable_schema

__all__ = [
    "SCHEMA_VERSION",
    "RunDir",
    "identity",
    "key_of",
    "read_json",
    "readable_schema",
    "to_document",
    "write_json",
    "write_text",
]
