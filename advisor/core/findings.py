"""The ids of the findings diagnosis can report, written once.

Diagnosis names its findings with these; the rules turn them into facts, the report
words them, and recommendation.json carries them. They live in ``core``, the bottom
layer, so every one of those imports the same names rather than repeating strings.
A ``StrEnum`` member is its string (equal to it, hashed like it, and written by
``json`` as it), so a document written with these reads the same as one with plain
strings, and a finding id read back from JSON compares equal to its member.
"""

from __future__ import annotations

from enum import StrEnum


class FindingId(StrEnum):
    UNDERFITTING = "underfitting"
    OVERFITTING = "overfitting"
    NOT_CONVERGED = "not_converged"
    DIVERGING = "diverging"
    UNSTABLE_TRAINING = "unstable_training"
    NOISY_VALIDATION = "noisy_validation"
    CAPACITY_LIMITED = "capacity_limited"
    DATA_LIMITED = "data_limited"
    NO_GAIN_OVER_BASELINE = "no_gain_over_baseline"
    GOOD_FIT = "good_fit"
