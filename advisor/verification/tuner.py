"""The search's tuner: a keras-tuner ``BaseTuner`` that trains a trial through the
advisor's ``Trainer`` instead of building a hypermodel.

A trial's values become a ``ModelConfig`` (``space.config_from_values``), one diagnostic
run trains it, and the objective scores it; a run that diverged gets the objective's
worst score rather than none. The tuner's own files are written atomically, and its
state (empty) is reloaded only where the oracle's was saved, so a kill between the two
never restarts a search: that part is ``make_base_tuner_class``'s, which a classifier's
search (``class_search``) shares. The classes are made on first use, when keras-tuner
loads.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
from pathlib import Path
from typing import Any

from advisor.diagnostics.trainer import RunSpec, Trainer
from advisor.store.atomic import write_text
from advisor.store.rundir import read_json
from advisor.verification.objective import Objective
from advisor.verification.space import config_from_values, keras_tuner


def make_base_tuner_class() -> Any:
    """A keras-tuner ``BaseTuner`` whose files are safe against a kill; a subclass
    trains a trial in ``run_trial``."""
    kt = keras_tuner()

    base: Any = kt.engine.base_tuner.BaseTuner

    class CrashSafeTuner(base):
        def __init__(self, oracle: Any, directory: Path, project_name: str):
            project = Path(directory) / project_name
            tuner_file = project / f"{os.environ.get('KERASTUNER_TUNER_ID', 'tuner0')}.json"
            if (project / "oracle.json").exists() and not tuner_file.exists():
                # keras-tuner reloads only when the tuner's own file exists, which it
                # writes after the oracle's: a kill in between would start over and
                # train the finished trials again.
                write_text(tuner_file, "{}")
            with contextlib.redirect_stdout(io.StringIO()):  # "Reloading Tuner from ..."
                super().__init__(
                    oracle=oracle,
                    directory=str(directory),
                    project_name=project_name,
                    overwrite=False,
                )

        def save(self) -> None:
            if not self._is_worker():
                self.oracle.save()
            write_text(self._get_tuner_fname(), json.dumps(self.get_state()))

        def reload(self) -> None:
            if not self._is_worker():
                self.oracle.reload()
            # The tuner's own state is empty; an unreadable file is set aside.
            read_json(Path(self._get_tuner_fname()))

    return CrashSafeTuner


def make_tuner_class() -> Any:
    base: Any = make_base_tuner_class()

    class AdvisorTuner(base):
        """Runs a trial through the advisor's trainer instead of building a hypermodel."""

        def __init__(
            self,
            oracle: Any,
            directory: Path,
            project_name: str,
            trainer: Trainer,
            objective: Objective,
            seed: int,
            deadline: float | None,
        ):
            self.trainer = trainer
            self.objective = objective
            self.advisor_seed = seed
            self.deadline = deadline
            super().__init__(oracle, directory, project_name)

        def run_trial(self, trial: Any, *args: Any, **kwargs: Any) -> dict[str, float]:
            config = config_from_values(trial.hyperparameters.values)
            spec = RunSpec(f"trial-{trial.trial_id}", config, 1.0, self.advisor_seed)
            run = self.trainer.run(spec, self.deadline)
            score = self.objective.score(run)
            diverged = not math.isfinite(score)
            rmse = run.val_rmse if math.isfinite(run.val_rmse) else self.objective.worst
            return {
                self.objective.name: self.objective.worst if diverged else score,
                "val_rmse": abs(rmse),
                "best_epoch": float(run.best_epoch),
                "seconds": float(run.seconds),
                "cut": float(run.stopped_reason == "budget"),
                "diverged": float(diverged),
            }

    return AdvisorTuner
