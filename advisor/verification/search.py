"""The verification search: keras-tuner over the recommendation's narrowed ranges.

Narrowing is by construction, as keras-tuner intends it: settled settings are
``hp.Fixed``, the others span only the range their rule gave, and
``tune_new_entries=False`` keeps anything else out. The suggestion itself (every
hyperparameter's default) is the first trial whichever tuner runs.

keras-tuner has no wall-clock limit, so the oracle stops proposing trials once the
deadline is near; what finished is kept. Its own saving is neither atomic nor safe to
resume after a kill, so the oracle here writes every file atomically, sets a corrupt
trial file aside, and on reload finishes the bookkeeping of a trial that completed
just before a kill instead of training it again (see ``_AdvisorOracle.reload``).
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import math
import os
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from advisor.core.backend import quiet_native_stderr
from advisor.core.records import LayerConfig, ModelConfig, Range, Recommendation, Trial
from advisor.diagnostics.trainer import RunSpec, Trainer
from advisor.store.atomic import write_text
from advisor.store.rundir import key_of, read_json, set_aside
from advisor.verification.objective import Objective
from advisor.verification.tuner_env import without_distribution_env

TUNERS = ("bayesian", "hyperband", "random", "grid")
# Enough trials to probe each open setting about once around the suggestion; more is
# the user's call (--trials) and the time budget's.
DEFAULT_MAX_TRIALS = 12
# A grid over a continuous range: its two ends and the suggestion between them.
GRID_POINTS = 3
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
# The hyperparameter that carries the worker's job description (advisor.verification.distributed)
# sits under this switch, whose condition is never met: it travels with the space to
# every worker but is never part of a trial's values.
ROLE = "advisor/role"
JOB = "advisor/job"
INT_SETTINGS = frozenset(
    {
        "units",
        "layers",
        "batch_size",
        "epochs",
        "early_stopping_patience",
        "lookback",
        "differencing",
    }
)
CONFIG_SETTINGS = (
    "units",
    "layers",
    "dropout",
    "recurrent_dropout",
    "l2",
    "learning_rate",
    "batch_size",
    "epochs",
    "early_stopping_patience",
    "lookback",
    "scaling",
    "differencing",
)
HYPERBAND_KEYS = ("tuner/epochs", "tuner/initial_epoch", "tuner/bracket", "tuner/round")


def keras_tuner() -> Any:
    with quiet_native_stderr():
        import keras_tuner as kt
    return kt


def suggestion_values(config: ModelConfig) -> dict[str, Any]:
    first = config.layers[0]
    return {
        "units": first.units,
        "layers": len(config.layers),
        "dropout": first.dropout,
        "recurrent_dropout": first.recurrent_dropout,
        "l2": config.l2,
        "learning_rate": config.learning_rate,
        "batch_size": config.batch_size,
        "epochs": config.epochs,
        "early_stopping_patience": config.early_stopping_patience,
        "lookback": config.lookback,
        "scaling": config.scaling,
        "differencing": config.differencing,
    }


def config_from_values(values: dict[str, Any]) -> ModelConfig:
    """A trial's configuration; under Hyperband its epochs are the round's budget."""
    layer = LayerConfig(
        int(values["units"]), float(values["dropout"]), float(values["recurrent_dropout"])
    )
    epochs = values.get("tuner/epochs", values["epochs"])
    return ModelConfig(
        lookback=int(values["lookback"]),
        layers=(layer,) * int(values["layers"]),
        l2=float(values["l2"]),
        learning_rate=float(values["learning_rate"]),
        batch_size=int(values["batch_size"]),
        epochs=int(epochs),
        early_stopping_patience=int(values["early_stopping_patience"]),
        scaling=values["scaling"],
        differencing=int(values["differencing"]),
    )


def _settled(r: Range | None) -> bool:
    if r is None:
        return True
    if r.choices:
        return len(set(r.choices)) == 1
    return r.low is None or r.high is None or r.low >= r.high


def _grid_points(r: Range, value: float, integer: bool) -> list[Any]:
    low, high = float(r.low or 0.0), float(r.high or 0.0)
    points = [low, float(value), high]
    if integer:
        return sorted({round(p) for p in points})
    return sorted(set(points))


def build_space(rec: Recommendation, tuner: str = "bayesian", job: str | None = None) -> Any:
    """keras-tuner HyperParameters: a range per open setting, Fixed where settled.

    Every default is the suggestion's value, so "all defaults" is the suggestion. A
    grid search discretises continuous ranges to their ends and the suggestion;
    Hyperband fixes ``epochs``, which it sets per round itself.
    """
    kt = keras_tuner()
    hp = kt.HyperParameters()
    default = suggestion_values(rec.config)
    ranges = {r.setting: r for r in rec.ranges}
    for name in CONFIG_SETTINGS:
        value = default[name]
        r = ranges.get(name)
        if _settled(r) or (tuner == "hyperband" and name == "epochs"):
            hp.Fixed(name, value)
            continue
        assert r is not None
        if r.choices:
            choices = sorted(set(r.choices) | {value}, key=lambda c: (str(type(c)), c))
            hp.Choice(name, choices, default=value)
        elif tuner == "grid":
            points = _grid_points(r, value, name in INT_SETTINGS)
            hp.Choice(name, points, default=int(value) if name in INT_SETTINGS else float(value))
        elif name in INT_SETTINGS:
            low, high = math.floor(r.low or 0), math.ceil(r.high or 0)
            hp.Int(name, min(low, int(value)), max(high, int(value)), default=int(value))
        else:
            lo, hi = float(r.low or 0.0), float(r.high or 0.0)
            hp.Float(
                name,
                min(lo, float(value)),
                max(hi, float(value)),
                sampling="log" if r.log and lo > 0 else "linear",
                default=float(value),
            )
    hp.Fixed(ROLE, "search")
    if job is not None:
        with hp.conditional_scope(ROLE, ["job"]):
            hp.Fixed(JOB, job)
    return hp


def open_settings(hp: Any) -> list[Any]:
    """The hyperparameters the search may move (not Fixed, not the job's carrier)."""
    return [p for p in hp.space if type(p).__name__ != "Fixed"]


def space_size(hp: Any) -> float:
    """Number of distinct configurations; infinite where a range is continuous."""
    size = 1.0
    for p in open_settings(hp):
        kind = type(p).__name__
        if kind == "Choice":
            size *= len(p.values)
        elif kind == "Int":
            size *= (p.max_value - p.min_value) // (p.step or 1) + 1
        elif kind == "Float":
            return math.inf
    return size


def space_key(hp: Any, tuner: str, objective: Objective) -> str:
    """Names the keras-tuner project: a changed space is a new search, never a resume."""
    config = [p.get_config() for p in hp.space if p.name != JOB]
    return key_of({"space": config, "tuner": tuner, "objective": objective.name})


def defaults(hp: Any) -> dict[str, Any]:
    return {p.name: p.default for p in hp.space if hp.is_active(p)}


# ------------------------------------------------------------------------- the oracle


class _AdvisorOracle:
    """Mixed in front of a keras-tuner oracle: deadline, suggestion first, safe files."""

    hyperparameters: Any
    trials: dict[str, Any]
    ongoing_trials: dict[str, Any]
    start_order: list[str]
    end_order: list[str]
    objective: Any
    seed: int
    _retry_queue: list[str]
    _run_times: Any
    _tried_so_far: set[str]
    _id_to_hash: Any
    _advisor_deadline: float
    _advisor_space: Any
    _advisor_log: Path | None
    _advisor_on_end: Callable[[int], None] | None
    advisor_stop_reason: str

    def advisor_setup(
        self,
        deadline: float,
        space: Any,
        log: Path | None,
        on_end: Callable[[int], None] | None,
    ) -> None:
        self._advisor_deadline = deadline
        self._advisor_space = space
        self._advisor_log = log
        self._advisor_on_end = on_end
        self.advisor_stop_reason = ""
        self.verbose = 0  # only the CLI prints

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
        return super()._random_values()  # type: ignore[misc]

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

    # --- files
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
        for trial_id in sorted(self.trials, key=_trial_order):
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
        for trial_id in sorted(self.trials, key=_trial_order):
            if self.trials[trial_id].status not in finished and trial_id not in queue:
                queue.append(trial_id)
        # keras-tuner pops the queue from the end: the lowest id runs first.
        self._retry_queue = sorted(set(queue), key=_trial_order, reverse=True)
        self.save()


def _trial_order(trial_id: str) -> tuple[int, str]:
    return (int(trial_id), trial_id) if trial_id.isdigit() else (1 << 30, trial_id)


def _make_oracle(
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

    class Bayesian(_AdvisorOracle, bayesian):
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
            self.gpr.fit(np.nan_to_num(x, posinf=0, neginf=0), np.nan_to_num(y, posinf=0, neginf=0))
            rng = np.random.RandomState(self.seed + len(self.trials))
            candidates = rng.uniform(0, 1, size=(ACQUISITION_CANDIDATES, x.shape[1]))
            mean, std = self.gpr.predict(candidates, return_std=True)
            for i in np.argsort(mean - self.beta * std)[:ACQUISITION_TRIES]:
                values = self._vector_to_values(candidates[i])
                if not self._duplicate(values):
                    return {"status": "RUNNING", "values": values}
            return self._random_populate_space()

    class Random(_AdvisorOracle, random):
        pass

    class Hyperband(_AdvisorOracle, hyperband):
        pass

    class Grid(_AdvisorOracle, grid):
        def _propose(self, trial_id: str) -> dict[str, Any]:
            # keras-tuner's grid keeps its position in memory only, so it cannot
            # resume; this walks the grid in a fixed order (the suggestion, then one
            # setting changed, then two, ...) and skips what was tried, which the
            # saved state does record.
            values = next(_untried(self), None)
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


# -------------------------------------------------------------------------- the tuner


def make_tuner_class() -> Any:
    kt = keras_tuner()

    base: Any = kt.engine.base_tuner.BaseTuner

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

        def save(self) -> None:
            if not self._is_worker():
                self.oracle.save()
            write_text(self._get_tuner_fname(), json.dumps(self.get_state()))

        def reload(self) -> None:
            if not self._is_worker():
                self.oracle.reload()
            # The tuner's own state is empty; an unreadable file is set aside.
            read_json(Path(self._get_tuner_fname()))

    return AdvisorTuner


# ------------------------------------------------------------------------ the search


@dataclass(frozen=True)
class SearchOptions:
    tuner: str = "bayesian"
    max_trials: int = DEFAULT_MAX_TRIALS
    seed: int = 0


@dataclass(frozen=True)
class SearchResult:
    trials: tuple[Trial, ...]
    space_size: float
    max_trials: int
    stop_reason: str
    seconds: float
    notes: tuple[str, ...] = ()
    workers: int = 0


class SearchInterrupted(KeyboardInterrupt):
    """Ctrl-C during the search; carries the trials that finished."""

    def __init__(self, result: SearchResult):
        super().__init__()
        self.result = result


def collect_trials(oracle: Any, suggestion: dict[str, Any], objective: Objective) -> list[Trial]:
    trials = []
    for t in sorted(oracle.trials.values(), key=lambda t: _trial_order(t.trial_id)):
        if t.status != "COMPLETED" or t.score is None:
            continue
        values = t.hyperparameters.values
        m = t.metrics

        def last(name: str, metrics: Any = m) -> float:
            return float(metrics.get_last_value(name)) if metrics.exists(name) else 0.0

        diverged = bool(last("diverged"))
        trials.append(
            Trial(
                trial_id=t.trial_id,
                config=config_from_values(values),
                val_rmse=math.inf if diverged else last("val_rmse"),
                is_suggestion=all(values.get(k) == v for k, v in suggestion.items()),
                score=None if diverged else float(t.score),
                best_epoch=int(last("best_epoch")),
                seconds=last("seconds"),
                cut=bool(last("cut")),
            )
        )
    return trials


def search(
    rec: Recommendation,
    trainer: Trainer,
    project_parent: Path,
    deadline: float,
    objective: Objective,
    options: SearchOptions,
    on_trial: Callable[[int, int], None] | None = None,
    distributed: Any = None,
) -> SearchResult:
    """Run (or resume) the search; Ctrl-C raises ``SearchInterrupted`` with what finished.

    ``distributed`` (an ``advisor.verification.distributed.Chief``) serves the oracle to workers
    instead of running trials here.
    """
    start = time.monotonic()
    plain = build_space(rec, options.tuner)
    hp = build_space(rec, options.tuner, distributed.job if distributed else None)
    size = space_size(plain)
    cap = int(min(options.max_trials, size))
    suggestion = defaults(plain)
    project = f"search-{space_key(plain, options.tuner, objective)}"
    Path(project_parent).mkdir(parents=True, exist_ok=True)
    max_epochs = max(
        [rec.config.epochs, *(int(r.high or 0) for r in rec.ranges if r.setting == "epochs")]
    )
    oracle = _make_oracle(options.tuner, hp, objective, max(1, cap), options.seed, max_epochs)
    oracle.advisor_setup(
        deadline,
        hp,
        Path(project_parent) / project / "trials.log",
        (lambda done: on_trial(done, cap)) if on_trial else None,
    )

    def result(reason: str, notes: tuple[str, ...] = ()) -> SearchResult:
        return SearchResult(
            tuple(collect_trials(oracle, suggestion, objective)),
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
