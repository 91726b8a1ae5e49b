"""Diagnostic trainings: the plan, the trainer, the models, and the findings they yield.

``plan.run_diagnostics`` chooses and runs the short trainings within the budget through a
``Trainer``; ``diagnosis.diagnose`` names what their curves show. Keras loads only in
``model`` and ``sweep``, which this face does not import.
"""

from advisor.diagnostics.diagnosis import diagnose
from advisor.diagnostics.findings import best_run
from advisor.diagnostics.plan import run_diagnostics
from advisor.diagnostics.trainer import KerasTrainer, RunSpec, Trainer

__all__ = ["KerasTrainer", "RunSpec", "Trainer", "best_run", "diagnose", "run_diagnostics"]
