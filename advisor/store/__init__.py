"""Persistence: the run directory, atomic writes, and ``recommendation.json``.

Nothing a user made is lost: every file goes through ``atomic`` (temporary file, then
rename), and ``rundir`` keys a run by the data and the settings so a rerun resumes only
what belongs to it.
"""

from advisor.store.atomic import write_json, write_text
from advisor.store.document import to_document
from advisor.store.rundir import RunDir, identity, key_of, read_json

__all__ = ["RunDir", "identity", "key_of", "read_json", "to_document", "write_json", "write_text"]
