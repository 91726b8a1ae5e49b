"""Crash-safe saving and reloading of the search oracle's state.

keras-tuner keeps save and load behind its small ``Stateful`` contract
(``keras_tuner.engine.stateful.Stateful``: ``get_state``, ``set_state``, ``save``,
``reload``). ``CrashSafeState`` overrides that contract in front of a keras-tuner
oracle, because keras-tuner's own saving is neither atomic nor safe to resume after a
kill: here every file is written atomically, a corrupt trial file is set aside, and a
trial that completed just before a kill is finished on reload instead of trained
again. It is apart from the oracle's deadline and proposals (``oracle``) so the rules
of what survives a kill are read in one place, and tested as such.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from advisor.store.atomic import write_text
from advisor.store.rundir import read_json, set_aside
from advisor.verification.space import keras_tuner


def trial_order(trial_id: str) -> tuple[int, str]:
    """keras-tuner's trial ids are counts as text: by number, not as strings."""
    return (int(trial_id), trial_id) if trial_id.isdigit() else (1 << 30, trial_id)


class CrashSafeState:
    """Mixed in front of a keras-tuner oracle: its ``Stateful`` side, safe against a kill.

    Needs the oracle's own state (``trials``, ``start_order``, ...) and
    ``_advisor_space``, the space of this run, which a reloaded state never replaces.
    """

    hyperparameters: Any
    trials: dict[str, Any]
    ongoing_trials: dict[str, Any]
    start_order: list[str]
    end_order: list[str]
    objective: Any
    _retry_queue: list[str]
    _run_times: Any
    _advisor_space: Any

    def save(self) -> None:
        write_text(self._get_oracle_fname(), json.dumps(self.get_state()))  # type: ignore[attr-defined]

    def _save_trial(self, trial: Any) -> None:
        path = os.path.join(self._get_trial_dir(trial.trial_id), "trial.json")  # type: ignore[attr-defined]
        write_text(path, json.dumps(trial.get_state()))

    def set_state(self, state: dict[str, Any]) -> None:
        known = set(self.trials)
        state = dict(state)
        state["ongoing_trials"] = {
            k: v for k, v in state.get("ongoing_trials", {}).items() if v in known
        }
        super().set_state(state)  # type: ignore[misc]
        # The space is this run's (the project is keyed by it); only the job it
        # carries to workers differs from the saved one.
        self.hyperparameters = self._advisor_space.copy()

    def reload(self) -> None:
        """keras-tuner's reload, made safe against a kill at any moment.

        - an unreadable trial file is set aside; the trial id stays taken (keras-tuner
          numbers trials by count, so a gap would hand out an id twice);
        - oracle.json missing or unreadable: its state is rebuilt from the trials;
        - a trial left RUNNING that had already reported its score (killed between
          reporting and ending) is completed, not trained again;
        - any other RUNNING trial is queued to run again: it never finished.
        """
        kt = keras_tuner()
        project = Path(self._project_dir)  # type: ignore[attr-defined]
        self.trials = {}
        unreadable: list[str] = []
        for path in sorted(project.glob("trial_*/trial.json")):
            state = read_json(path)
            try:
                if state is None:
                    raise ValueError("unreadable")
                trial = kt.engine.trial.Trial.from_state(state)
            except (ValueError, KeyError, TypeError):
                if path.exists():
                    set_aside(path)
                unreadable.append(path.parent.name.removeprefix("trial_"))
                continue
            self.trials[trial.trial_id] = trial
        for trial_id in unreadable:
            if trial_id not in self.trials:
                # Empty values: a placeholder must not mark any configuration as tried.
                self.trials[trial_id] = kt.engine.trial.Trial(
                    kt.HyperParameters(),
                    trial_id=trial_id,
                    status="FAILED",
                    message="its file was unreadable and was set aside",
                )
        oracle_file = Path(self._get_oracle_fname())  # type: ignore[attr-defined]
        state = read_json(oracle_file)
        if state is not None:
            try:
                self.set_state(state)
            except (KeyError, TypeError, ValueError):
                set_aside(oracle_file)
                state = None
        if state is None:
            self.hyperparameters = self._advisor_space.copy()
        self._reconcile()

    def _reconcile(self) -> None:
        self.ongoing_trials = {}
        finished = ("COMPLETED", "FAILED", "INVALID")
        for trial_id in sorted(self.trials, key=trial_order):
            trial = self.trials[trial_id]
            if trial_id not in self.start_order:
                self.start_order.append(trial_id)
            if trial.status == "RUNNING" and trial.metrics.exists(self.objective.name):
                trial.status = "COMPLETED"
                self.score_trial(trial)  # type: ignore[attr-defined]
                self._save_trial(trial)
            if trial.status in finished:
                if trial_id not in self.end_order:
                    self.end_order.append(trial_id)
                self._run_times[trial_id] = max(1, self._run_times[trial_id])
            if trial.hyperparameters.values:
                self._record_values(trial)  # type: ignore[attr-defined]
        queue = [t for t in self._retry_queue if self.trials.get(t, None) is not None]
        queue = [t for t in queue if self.trials[t].status not in finished]
        for trial_id in sorted(self.trials, key=trial_order):
            if self.trials[trial_id].status not in finished and trial_id not in queue:
                queue.append(trial_id)
        # keras-tuner pops the queue from the end: the lowest id runs first.
        self._retry_queue = sorted(set(queue), key=trial_order, reverse=True)
        self.save()
