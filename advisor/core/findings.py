"""The ids of the findings diagnosis can report, written once.

Diagnosis names its findings with these; the rules turn them into facts, the report
words them, and recommendation.json carries them. They live in ``core``, the bottom
layer, so every one of those imports the same names rather than repeating strings.
A ``StrEnum`` member is its string (equal to it, hashed like it, and written by
``json`` as it), so a document written with these reads the same as one with plain
strings, and a finding id read back from JSON compares equal to its member.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class FindingId(StrEnum):
    NOT_LEARNING = "not_learning"
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


# Which finding the advice follows when several hold (``Diagnosis.primary``), first
# first. Why this order:
# - diverging: a run that blew up says nothing trustworthy about its fit;
# - not_learning: validation was best after the first epoch, so the curve after it (a
#   "rise", a "gap") is not a fit the model reached, and width or regularisation advice
#   read off it would be noise;
# - unstable_training: a learning rate at the edge of stability blurs every other curve;
# - overfitting and underfitting: the fit of the model the advice builds on. When both
#   hold, the one with the stronger evidence (its confidence) leads; on a tie
#   underfitting, since bias is fixed before variance (Ng, Machine Learning Yearning,
#   ch. 20-29) and regularising a model that cannot fit its training rows only hurts;
# - not_converged, then what the sweep says about going wider or using more data;
# - noisy_validation, no_gain_over_baseline (said in its own step of the report) and
#   good_fit only where nothing above holds.
PRECEDENCE: tuple[FindingId, ...] = (
    FindingId.DIVERGING,
    FindingId.NOT_LEARNING,
    FindingId.UNSTABLE_TRAINING,
    FindingId.UNDERFITTING,
    FindingId.OVERFITTING,
    FindingId.NOT_CONVERGED,
    FindingId.CAPACITY_LIMITED,
    FindingId.DATA_LIMITED,
    FindingId.NOISY_VALIDATION,
    FindingId.NO_GAIN_OVER_BASELINE,
    FindingId.GOOD_FIT,
)
# Findings whose advice pulls the model's size one way: a larger model (more units,
# less regularisation) or a more constrained one (stronger dropout or L2, no wider).
# Two findings pulling opposite ways are never both acted on: the primary's way wins.
GROW = frozenset({FindingId.UNDERFITTING, FindingId.CAPACITY_LIMITED})
CONSTRAIN = frozenset({FindingId.OVERFITTING})
# A primary that makes the curves say nothing about fit: a model that did not learn
# gives no reason to grow it or to constrain it, so neither side's advice is given.
MASKS_FIT = frozenset({FindingId.NOT_LEARNING})


def choose_primary(confidence: Mapping[str, float]) -> str | None:
    """The finding the advice follows, from each finding's id and confidence: the first
    of ``PRECEDENCE`` present, except that overfitting leads underfitting where its
    evidence is stronger (a higher confidence); an id outside ``PRECEDENCE`` only where
    nothing in it holds; ``None`` where there is no finding."""
    over, under = confidence.get(FindingId.OVERFITTING), confidence.get(FindingId.UNDERFITTING)
    for fid in PRECEDENCE:
        if fid not in confidence:
            continue
        if fid == FindingId.UNDERFITTING and over is not None and under is not None:
            return FindingId.OVERFITTING if over > under else fid
        return fid
    return next(iter(confidence), None)


def conflicts(a: str, b: str) -> bool:
    """Whether the advice of findings ``a`` and ``b`` pulls the model opposite ways, or
    ``b`` is a primary that leaves ``a``'s fit advice without ground."""
    if b in MASKS_FIT:
        return a in GROW or a in CONSTRAIN
    return (a in GROW and b in CONSTRAIN) or (a in CONSTRAIN and b in GROW)
