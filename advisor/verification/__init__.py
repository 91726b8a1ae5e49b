"""Verification: the narrowed keras-tuner search, walk-forward cross-validation, the verdict.

``verdict.verify`` is the stage's entry point; ``search.search`` runs the search, built
from ``space``, ``oracle`` (with its crash-safe ``persistence``) and ``tuner``;
``distributed`` runs the same search on keras-tuner's chief/worker oracle. keras-tuner
itself loads only when a search runs.
"""

from advisor.verification.objective import Objective, objective_for
from advisor.verification.verdict import Budget, Interrupted, verify

__all__ = ["Budget", "Interrupted", "Objective", "objective_for", "verify"]
