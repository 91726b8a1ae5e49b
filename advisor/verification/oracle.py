"""The search's oracle: keras-tuner's oracles with a deadline and the suggestion first.

keras-tuner has no wall-clock limit, so the oracle here stops proposing trials once the
deadline is near; what finished is kept. Every tuner's first proposal is the
suggestion itself (every hyperparameter's default), the Bayesian oracle scores its
acquisition on random candidates instead of keras-tuner's costly restarts, and the grid
walks a fixed order so it can resume. Each trial's start and end is logged to the
project's ``trials.log``. Saving and reloading, made safe against a kill, are
``persistence.CrashSafeState``'s, mixed in underneath.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import statistics
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from advisor.verification.objective import Objective
from advisor.verification.persistence import CrashSafeState
from advisor.verification.space import defaults, keras_tuner, open_settings

# Bayesian optimisation fits its Gaussian process only after this many random points.
# keras-tuner's default (3 per hyperparameter, Fixed ones included) would spend a
# short search on random points alone; one per open setting plus the suggestion is
# the usual minimum for a GP to have a slope to follow.
MIN_INITIAL_POINTS = 3
# Random candidates the Bayesian oracle scores with its Gaussian process per proposal
# (dense enough for the handful of open settings a narrowed space has), and how many of
# the best it converts to skip ones that repeat a tried configuration.
ACQUISITION_CANDIDATES = 4096
ACQUISITION_TRIES = 256
# Hyperband's halving rate (keras-tuner's and the paper's default).
HYPERBAND_FACTOR = 3
# Start a trial only when this share of a typical trial's time is left: one that the
# deadline cuts short scores an undertrained model, which compares with nothing.
TRIAL_TIME_SHARE = 1.0
# keras-tuner's Oracle treats seed 0 as "no seed" and draws a random one; a user's
# --seed 0 must stay reproducible, so seeds are offset by one.
ORACLE_SEED_OFFSET = 1


class AdvisorOracle(CrashSafeState):
    """Mixed in front of a keras-tuner oracle: deadline, suggestion first, a trial log;
    its files are ``CrashSafeState``'s."""

    seed: int
    _tried_so_far: set[str]
    _id_to_hash: Any
    _advisor_deadline: float
    _advisor_log: Path | None
    _advisor_on_end: Callable[[int], None] | None
    advisor_stop_reason: str

    def advisor_setup(
        self,
        deadline: float,
        space: Any,
        log: Path | None,
        on_end: Callable[[int], None] | None,
        warm: Sequence[dict[str, Any]] = (),
    ) -> None:
        self._advisor_deadline = deadline
        self._advisor_space = space
        self._advisor_log = log
        self._advisor_on_end = on_end
        self._advisor_warm = list(warm)
        self.advisor_stop_reason = ""
        self.verbose = 0  # only the CLI prints

    def _warm_start(self) -> dict[str, Any] | None:
        """The first configuration from similar earlier analyses not tried yet: they come
        right after the suggestion, before the tuner's own draws."""
        for values in getattr(self, "_advisor_warm", ()):
            if not self._duplicate(values):  # type: ignore[attr-defined]
                return dict(values)
        return None

    # --- proposing
    def populate_space(self, trial_id: str) -> dict[str, Any]:
        left = self._advisor_deadline - time.monotonic()
        typical = self.typical_trial_seconds()
        # The suggestion's own trial runs whatever the clock says (its training still
        # stops at the deadline): without its score there is nothing to verify.
        out_of_time = left <= 0 or (typical is not None and left < TRIAL_TIME_SHARE * typical)
        if out_of_time and self.trials:
            self.advisor_stop_reason = "time budget"
            return {"status": "STOPPED", "values": None}
        response = self._propose(trial_id)
        if response.get("status") == "STOPPED" and not self.advisor_stop_reason:
            self.advisor_stop_reason = "space exhausted"
        return response

    def _propose(self, trial_id: str) -> dict[str, Any]:
        return super().populate_space(trial_id)  # type: ignore[misc]

    def _random_values(self) -> dict[str, Any] | None:
        # Every tuner draws its first points here (Bayesian's initial points, random
        # search, Hyperband's first round): the first draw is the suggestion.
        suggestion = defaults(self.hyperparameters)
        if not self._duplicate(suggestion):  # type: ignore[attr-defined]
            return suggestion
        return self._warm_start() or super()._random_values()  # type: ignore[misc]

    def typical_trial_seconds(self) -> float | None:
        seconds = [
            t.metrics.get_last_value("seconds")
            for t in self.trials.values()
            if t.status == "COMPLETED" and t.metrics.exists("seconds")
        ]
        return statistics.median(seconds) if seconds else None

    # --- bookkeeping
    def create_trial(self, tuner_id: str) -> Any:
        trial = super().create_trial(tuner_id)  # type: ignore[misc]
        if trial.status == "RUNNING":
            self._log("start", trial.trial_id, tuner_id)
        if trial.status == "STOPPED" and not self.advisor_stop_reason:
            self.advisor_stop_reason = "trial budget"
        return trial

    def end_trial(self, trial: Any) -> None:
        tuner_id = next(
            (k for k, t in self.ongoing_trials.items() if t.trial_id == trial.trial_id), ""
        )
        super().end_trial(trial)  # type: ignore[misc]
        ended = self.trials[trial.trial_id]
        self._log("end", ended.trial_id, tuner_id, ended.status, ended.score)
        if self._advisor_on_end:
            done = sum(t.status == "COMPLETED" for t in self.trials.values())
            self._advisor_on_end(done)

    def _log(self, event: str, trial_id: str, tuner_id: str, *rest: Any) -> None:
        """One line a trial start or end: the run's history, and what the kill tests
        read to prove that no finished trial ever trains again."""
        if self._advisor_log is None:
            return
        record = {"event": event, "trial": trial_id, "tuner": tuner_id, "time": time.time()}
        if rest:
            record["status"] = rest[0]
            record["score"] = rest[1] if rest[1] is None or math.isfinite(rest[1]) else None
        fd = os.open(self._advisor_log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, (json.dumps(record) + "\n").encode())
        finally:
            os.close(fd)


def make_oracle(
    tuner: str, hp: Any, objective: Objective, max_trials: int, seed: int, max_epochs: int
) -> Any:
    kt = keras_tuner()
    common = {
        "objective": kt.Objective(objective.name, objective.direction),
        "hyperparameters": hp,
        "tune_new_entries": False,
        "allow_new_entries": False,
        "seed": seed + ORACLE_SEED_OFFSET,
    }

    bayesian: Any = kt.oracles.BayesianOptimizationOracle
    random: Any = kt.oracles.RandomSearchOracle
    hyperband: Any = kt.oracles.HyperbandOracle
    grid: Any = kt.oracles.GridSearchOracle

    class Bayesian(AdvisorOracle, bayesian):
        def _propose(self, trial_id: str) -> dict[str, Any]:
            """keras-tuner's GP-UCB with a cheaper acquisition search.

            keras-tuner maximises the acquisition with 50 L-BFGS-B restarts on numerical
            gradients: about 7,700 GP predictions a proposal, which took 20-50 s on a
            2-core machine, longer than a trial of a small LSTM. The same GP (its
            ``gpr``, ``_vectorize_trials``, ``_vector_to_values``) scored on a batch of
            random candidates costs milliseconds, and lets a candidate that repeats a
            tried configuration (keras-tuner proposes those) be skipped. The generator
            is seeded by the trial count, so a resumed search proposes what an
            uninterrupted one would.
            """
            import numpy as np

            completed = [t for t in self.trials.values() if t.status == "COMPLETED"]
            if len(completed) < (self.num_initial_points or MIN_INITIAL_POINTS):
                return self._random_populate_space()
            x, y = self._vectorize_trials()
            # A length scale at its bound is what a GP fitted on a handful of trials
            # often finds; scikit-learn's warning about it is noise on the user's terminal.
            from sklearn.exceptions import ConvergenceWarning

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                self.gpr.fit(
                    np.nan_to_num(x, posinf=0, neginf=0), np.nan_to_num(y, posinf=0, neginf=0)
                )
            rng = np.random.RandomState(self.seed + len(self.trials))
            candidates = rng.uniform(0, 1, size=(ACQUISITION_CANDIDATES, x.shape[1]))
            mean, std = self.gpr.predict(candidates, return_std=True)
            for i in np.argsort(mean - self.beta * std)[:ACQUISITION_TRIES]:
                values = self._vector_to_values(candidates[i])
                if not self._duplicate(values):
                    return {"status": "RUNNING", "values": values}
            return self._random_populate_space()

    class Random(AdvisorOracle, random):
        pass

    class Hyperband(AdvisorOracle, hyperband):
        pass

    class Grid(AdvisorOracle, grid):
        def _propose(self, trial_id: str) -> dict[str, Any]:
            # keras-tuner's grid keeps its position in memory only, so it cannot
            # resume; this walks the grid in a fixed order (the suggestion, then one
            # setting changed, then two, ...) and skips what was tried, which the
            # saved state does record.
            values = next(_untried(self), None)
            if values is not None and values != defaults(self.hyperparameters):
                values = self._warm_start() or values
            if values is not None:
                return {"status": "RUNNING", "values": values}
            if self.ongoing_trials:
                return {"status": "IDLE", "values": None}
            return {"status": "STOPPED", "values": None}

    open_count = len(open_settings(hp))
    if tuner == "bayesian":
        oracle = Bayesian(
            max_trials=max_trials,
            num_initial_points=max(MIN_INITIAL_POINTS, open_count + 1),
            **common,
        )
    elif tuner == "random":
        oracle = Random(max_trials=max_trials, **common)
    elif tuner == "grid":
        oracle = Grid(max_trials=max_trials, **common)
    elif tuner == "hyperband":
        oracle = Hyperband(
            max_epochs=max(2, max_epochs),
            factor=HYPERBAND_FACTOR,
            hyperband_iterations=1,
            **common,
        )
        oracle.max_trials = max_trials
    else:
        raise ValueError(f"unknown tuner {tuner!r}")
    return oracle


def _untried(oracle: Any) -> Iterator[dict[str, Any]]:
    hp = oracle.hyperparameters
    base = defaults(hp)
    names = [p.name for p in open_settings(hp)]
    alternatives = {p.name: [v for v in p.values if v != p.default] for p in open_settings(hp)}
    for r in range(len(names) + 1):
        for subset in itertools.combinations(names, r):
            for combo in itertools.product(*(alternatives[n] for n in subset)):
                values = dict(base)
                values.update(zip(subset, combo, strict=True))
                if not oracle._duplicate(values):
                    yield values
