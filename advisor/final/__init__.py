"""The final model: trained once on train+validation, scored on the untouched test split.

``training.finalize`` trains it, scores it against the baselines and writes
``model.keras``, ``model.py`` (rendered from ``templates/model.py.j2``) and the logs.
"""

from advisor.final.training import finalize

__all__ = ["finalize"]
