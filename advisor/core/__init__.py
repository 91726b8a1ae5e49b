"""The shared vocabulary every stage speaks: records, finding ids, errors, splits, progress
events.

Everything here is light (no Keras, no statsmodels), so any stage, the CLI and the
report can import it without paying for training code.
"""

from advisor.core.errors import AdvisorInputError
from advisor.core.findings import FindingId
from advisor.core.progress import ProgressCallback, ProgressEvent
from advisor.core.records import (
    Analysis,
    Diagnosis,
    DiagnosticRun,
    FinalResult,
    ModelConfig,
    Profile,
    Recommendation,
    SeriesData,
    Settings,
    Split,
    Verification,
)
from advisor.core.splits import chronological_split, minimum_rows, train_windows

__all__ = [
    "AdvisorInputError",
    "Analysis",
    "Diagnosis",
    "DiagnosticRun",
    "FinalResult",
    "FindingId",
    "ModelConfig",
    "Profile",
    "ProgressCallback",
    "ProgressEvent",
    "Recommendation",
    "SeriesData",
    "Settings",
    "Split",
    "Verification",
    "chronological_split",
    "minimum_rows",
    "train_windows",
]
