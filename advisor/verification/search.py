"""The verification search: keras-tuner over the recommendation's narrowed ranges.

This module is the entry point, ``search()``, with its options and result; the parts it
puts together each have their own module:

- ``space``: narrowing by construction, as keras-tuner intends it: settled settings are
  ``hp.Fixed``, the others span only the range their rule gave, and
  ``tune_new_entries=False`` keeps anything else out;
- ``oracle``: the deadline, and the suggestion itself (every hyperparameter's default)
  as the first trial whichever tuner runs;
- ``persistence``: the oracle's files, written atomically and reloaded safely after a
  kill;
- ``tuner``: a trial trained through the advisor's ``Trainer``.

keras-tuner loads only when ``search()`` runs.
"""

from __future__ import annotations

import contextlib
import io
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from advisor.core.class_verification import ClassTrial
from advisor.core.records import Recommendation, Trial
from advisor.diagnostics.trainer import Trainer
from advisor.verification.objective import Objective
from advisor.verification.oracle import make_oracle
from advisor.verification.persistence import trial_order
from advisor.verification.space import (
    build_space,
    config_from_values,
    defaults,
    into_space,
    space_key,
    space_size,
)
from advisor.verification.tuner import make_tuner_class
from advisor.verification.tuner_env import without_distribution_env

# Enough trials to probe each open setting about once around the suggestion; more is
# the user's call (--trials) and the time budget's.
DEFAULT_MAX_TRIALS = 12


@dataclass(frozen=True)
class SearchOptions:
    tuner: str = "bayesian"
    max_trials: int = DEFAULT_MAX_TRIALS
    seed: int = 0
    warm: tuple[tuple[int, dict[str, Any]], ...] = ()
    """Configurations of similar earlier analyses (history id, settings as
    ``config_values`` gives them): tried right after the suggestion, the open ranges
    widened to hold them (``space.build_space``); a setting this analysis settled keeps
    its own value (``space.into_space``)."""


TrialT = TypeVar("TrialT", Trial, ClassTrial)
"""A forecaster's trial or a classifier's: what a search returns, the verdict reads."""


@dataclass(frozen=True)
class SearchResult(Generic[TrialT]):
    trials: tuple[TrialT, ...]
    space_size: float
    max_trials: int
    stop_reason: str
    seconds: float
    notes: tuple[str, ...] = ()
    workers: int = 0


class SearchInterrupted(KeyboardInterrupt):
    """Ctrl-C during the search; carries the trials that finished."""

    def __init__(self, result: SearchResult[Any]):
        super().__init__()
        self.result = result


@dataclass(frozen=True)
class Finished:
    """What every finished trial holds, whichever task's record is built from it."""

    trial_id: str
    values: dict[str, Any]
    last: Callable[[str], float]
    """A metric's last reported value (0.0 where it was never reported)."""
    diverged: bool
    score: float
    is_suggestion: bool
    history_id: int | None


def finished_trials(
    oracle: Any, suggestion: dict[str, Any], warm: Sequence[tuple[int, dict[str, Any]]] = ()
) -> list[Finished]:
    """The oracle's completed trials in the order they ran; a trial of a configuration in
    ``warm`` (projected settings of earlier analyses) names its history id."""
    done = []
    for t in sorted(oracle.trials.values(), key=lambda t: trial_order(t.trial_id)):
        if t.status != "COMPLETED" or t.score is None:
            continue
        values = t.hyperparameters.values
        m = t.metrics

        def last(name: str, metrics: Any = m) -> float:
            return float(metrics.get_last_value(name)) if metrics.exists(name) else 0.0

        is_suggestion = all(values.get(k) == v for k, v in suggestion.items())
        history_id = next(
            (i for i, w in warm if all(values.get(k) == v for k, v in w.items())), None
        )
        done.append(
            Finished(
                t.trial_id,
                values,
                last,
                bool(last("diverged")),
                float(t.score),
                is_suggestion,
                None if is_suggestion else history_id,
            )
        )
    return done


def collect_trials(
    oracle: Any,
    suggestion: dict[str, Any],
    objective: Objective,
    warm: Sequence[tuple[int, dict[str, Any]]] = (),
) -> list[Trial]:
    """The forecaster's trials (``finished_trials``)."""
    return [
        Trial(
            trial_id=f.trial_id,
            config=config_from_values(f.values),
            val_rmse=math.inf if f.diverged else f.last("val_rmse"),
            is_suggestion=f.is_suggestion,
            score=None if f.diverged else f.score,
            best_epoch=int(f.last("best_epoch")),
            seconds=f.last("seconds"),
            cut=bool(f.last("cut")),
            history_id=f.history_id,
        )
        for f in finished_trials(oracle, suggestion, warm)
    ]


def search(
    rec: Recommendation,
    trainer: Trainer,
    project_parent: Path,
    deadline: float,
    objective: Objective,
    options: SearchOptions,
    on_trial: Callable[[int, int], None] | None = None,
    distributed: Any = None,
) -> SearchResult[Trial]:
    """Run (or resume) the search; Ctrl-C raises ``SearchInterrupted`` with what finished.

    ``distributed`` (an ``advisor.verification.distributed.Chief``) serves the oracle to workers
    instead of running trials here.
    """
    start = time.monotonic()
    earlier = [values for _, values in options.warm]
    plain = build_space(rec, options.tuner, include=earlier)
    hp = build_space(rec, options.tuner, distributed.job if distributed else None, earlier)
    size = space_size(plain)
    cap = int(min(options.max_trials, size))
    suggestion = defaults(plain)
    project = f"search-{space_key(plain, options.tuner, objective)}"
    Path(project_parent).mkdir(parents=True, exist_ok=True)
    max_epochs = max(
        [rec.config.epochs, *(int(r.high or 0) for r in rec.ranges if r.setting == "epochs")]
    )
    oracle = make_oracle(options.tuner, hp, objective, max(1, cap), options.seed, max_epochs)
    warm = [(i, into_space(plain, values)) for i, values in options.warm]
    warm = [(i, w) for i, w in warm if w != suggestion]  # the same as the suggestion: no trial
    oracle.advisor_setup(
        deadline,
        hp,
        Path(project_parent) / project / "trials.log",
        (lambda done: on_trial(done, cap)) if on_trial else None,
        [w for _, w in warm],
    )

    def result(reason: str, notes: tuple[str, ...] = ()) -> SearchResult[Trial]:
        return SearchResult(
            tuple(collect_trials(oracle, suggestion, objective, warm)),
            size,
            cap,
            reason,
            time.monotonic() - start,
            notes,
            distributed.workers if distributed else 0,
        )

    Tuner = make_tuner_class()
    with without_distribution_env(), contextlib.redirect_stdout(io.StringIO()):
        tuner = Tuner(
            oracle, Path(project_parent), project, trainer, objective, options.seed, deadline
        )
        (Path(project_parent) / project / "trials.log").touch()
        try:
            if distributed is not None:
                notes = distributed.serve(oracle, deadline)
            else:
                tuner.search(verbose=0)
                notes = ()
        except KeyboardInterrupt:
            raise SearchInterrupted(result("interrupted")) from None
    return result(oracle.advisor_stop_reason or "trial budget", tuple(notes))
