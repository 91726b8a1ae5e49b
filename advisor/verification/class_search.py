"""Verification of a classification recommendation: the narrowed search, stratified
cross-validation, and the verdict.

Forecasting's verification with a classifier inside it. What is the same is forecasting's
own code: the narrowed space (``space.narrowed_space``: settled settings Fixed, the
others only their rule's range, true/false settings a choice between the two), the
oracle (``oracle.make_oracle``: the suggestion as trial 0 whichever tuner runs, the
deadline, the Bayesian oracle's cheap acquisition, the project's seed), its crash-safe
files (``persistence``, ``tuner.make_base_tuner_class``), the paired test
(``crossval.compare``) and the verdict (``verdict.decide``, ``provisional``). What
differs is the classifier's: a trial trains through a ``ClassTrainer`` and is ranked on
validation cross-entropy (``objective.CLASS_OBJECTIVE``) with accuracy, macro-F1 and
balanced accuracy beside it, and the cross-validation deals the training and validation
sequences into stratified folds (``class_crossval``) instead of walking forward in time.

``verify_class`` is the entry point; not yet wired into ``advisor analyze``. keras-tuner
loads only when a search runs.
"""

from __future__ import annotations

import contextlib
import io
import math
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from advisor.core.class_models import ClassifierConfig, ClassRecommendation
from advisor.core.class_records import ClassSplit
from advisor.core.class_settings import (
    CLASS_INT_SETTINGS,
    CLASS_SETTING_NAMES,
    class_config_from_values,
    class_config_values,
)
from advisor.core.class_verification import (
    ClassCrossValidation,
    ClassMetric,
    ClassTrial,
    ClassVerification,
    Label,
)
from advisor.core.progress import ProgressCallback, ProgressEvent, ignore
from advisor.diagnostics.classifier import ClassTrainer
from advisor.verification.class_crossval import (
    ClassCrossValidationInterrupted,
    ClassTrainerFor,
    cross_validate_class,
)
from advisor.verification.objective import CLASS_OBJECTIVE, Objective
from advisor.verification.oracle import make_oracle
from advisor.verification.search import (
    Finished,
    SearchInterrupted,
    SearchOptions,
    SearchResult,
    finished_trials,
)
from advisor.verification.space import defaults, into_space, narrowed_space, space_key, space_size
from advisor.verification.tuner import make_base_tuner_class
from advisor.verification.tuner_env import without_distribution_env
from advisor.verification.verdict import (
    Budget,
    budget_cuts,
    decide,
    final_config,
    pick_trials,
    provisional,
    search_notes,
)

# --- the space ---------------------------------------------------------------------------


def build_class_space(
    rec: ClassRecommendation,
    tuner: str = "bayesian",
    include: Sequence[Mapping[str, Any]] = (),
) -> Any:
    """keras-tuner HyperParameters over ``CLASS_SETTINGS``: every default the
    suggestion's value, a range only where the rules left one open (widened to hold
    ``include``, similar earlier analyses' settings)."""
    return narrowed_space(
        class_config_values(rec.config),
        rec.ranges,
        CLASS_SETTING_NAMES,
        CLASS_INT_SETTINGS,
        tuner,
        include=include,
    )


def class_config_of(values: Mapping[str, Any]) -> ClassifierConfig:
    """A trial's classifier; under Hyperband its epochs are the round's budget."""
    return class_config_from_values(
        {**values, "epochs": values.get("tuner/epochs", values["epochs"])}
    )


# --- the search --------------------------------------------------------------------------


def _finite(value: float) -> float:
    # keras-tuner's metrics are saved as JSON and fed to its Gaussian process: a diverged
    # run's NaN accuracy is kept out and said by the "diverged" metric instead.
    return float(value) if math.isfinite(value) else 0.0


def make_class_tuner_class() -> Any:
    base: Any = make_base_tuner_class()

    class ClassTuner(base):
        """Trains a trial through a ``ClassTrainer`` instead of building a hypermodel."""

        def __init__(
            self,
            oracle: Any,
            directory: Path,
            project_name: str,
            trainer: ClassTrainer,
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
            config = class_config_of(trial.hyperparameters.values)
            run = self.trainer.run(
                f"trial-{trial.trial_id}", config, self.advisor_seed, self.deadline
            )
            score = self.objective.score(run)
            diverged = not math.isfinite(score)
            return {
                self.objective.name: self.objective.worst if diverged else score,
                "val_accuracy": _finite(run.val_accuracy),
                "val_macro_f1": _finite(run.val_macro_f1),
                "val_balanced_accuracy": _finite(run.val_balanced_accuracy),
                "best_epoch": float(run.best_epoch),
                "seconds": float(run.seconds),
                "cut": float(run.stopped_reason == "budget"),
                "diverged": float(diverged),
            }

    return ClassTuner


def collect_class_trials(
    oracle: Any,
    suggestion: dict[str, Any],
    objective: Objective,
    warm: Sequence[tuple[int, dict[str, Any]]] = (),
) -> list[ClassTrial]:
    """The classifier's trials (``search.finished_trials``); a diverged one keeps NaN
    scores beside its infinite loss."""
    trials = []
    for f in finished_trials(oracle, suggestion, warm):

        def metric(name: str, f: Finished = f) -> float:
            return math.nan if f.diverged else f.last(name)

        trials.append(
            ClassTrial(
                trial_id=f.trial_id,
                config=class_config_of(f.values),
                val_loss=math.inf if f.diverged else f.score,
                val_accuracy=metric("val_accuracy"),
                val_macro_f1=metric("val_macro_f1"),
                val_balanced_accuracy=metric("val_balanced_accuracy"),
                is_suggestion=f.is_suggestion,
                score=None if f.diverged else f.score,
                best_epoch=int(f.last("best_epoch")),
                seconds=f.last("seconds"),
                cut=bool(f.last("cut")),
                history_id=f.history_id,
            )
        )
    return trials


def class_search(
    rec: ClassRecommendation,
    trainer: ClassTrainer,
    project_parent: Path,
    deadline: float,
    options: SearchOptions,
    objective: Objective = CLASS_OBJECTIVE,
    on_trial: Callable[[int, int], None] | None = None,
) -> SearchResult[ClassTrial]:
    """Run (or resume) the search; Ctrl-C raises ``SearchInterrupted`` with what finished.

    The project is named after the space, so a changed recommendation starts a new
    search and an unchanged one resumes where it stopped."""
    start = time.monotonic()
    hp = build_class_space(rec, options.tuner, [values for _, values in options.warm])
    size = space_size(hp)
    cap = int(min(options.max_trials, size))
    suggestion = defaults(hp)
    project = f"class-search-{space_key(hp, options.tuner, objective)}"
    Path(project_parent).mkdir(parents=True, exist_ok=True)
    max_epochs = max(
        [rec.config.epochs, *(int(r.high or 0) for r in rec.ranges if r.setting == "epochs")]
    )
    oracle = make_oracle(options.tuner, hp, objective, max(1, cap), options.seed, max_epochs)
    log = Path(project_parent) / project / "trials.log"
    warm = [(i, into_space(hp, values)) for i, values in options.warm]
    warm = [(i, w) for i, w in warm if w != suggestion]
    oracle.advisor_setup(
        deadline,
        hp,
        log,
        (lambda done: on_trial(done, cap)) if on_trial else None,
        [w for _, w in warm],
    )

    def result(reason: str) -> SearchResult[ClassTrial]:
        trials = tuple(collect_class_trials(oracle, suggestion, objective, warm))
        return SearchResult(trials, size, cap, reason, time.monotonic() - start)

    Tuner = make_class_tuner_class()
    with without_distribution_env(), contextlib.redirect_stdout(io.StringIO()):
        tuner = Tuner(
            oracle, Path(project_parent), project, trainer, objective, options.seed, deadline
        )
        log.touch()
        try:
            tuner.search(verbose=0)
        except KeyboardInterrupt:
            raise SearchInterrupted(result("interrupted")) from None
    return result(oracle.advisor_stop_reason or "trial budget")


# --- the verdict -------------------------------------------------------------------------


class ClassInterrupted(KeyboardInterrupt):
    """Ctrl-C during verification; ``verification`` holds what finished (or ``None``)."""

    def __init__(self, verification: ClassVerification | None):
        super().__init__()
        self.verification = verification


_METRICS: tuple[tuple[ClassMetric, str], ...] = (
    ("accuracy", "accuracy"),
    ("macro_f1", "macro-F1"),
    ("balanced_accuracy", "balanced accuracy"),
)


def _beside(suggested: ClassTrial, best: ClassTrial, cv: ClassCrossValidation | None) -> str:
    """What the gain measures, and the metrics people judge a classifier by beside it:
    the cross-validation's means where both configurations ran there, else the search's
    split."""
    if cv is not None and cv.suggestion is not None and cv.best is not None:
        pairs = [(cv.mean("suggestion", m), cv.mean("best", m), words) for m, words in _METRICS]
        where = "means over the cross-validation"
    else:
        pairs = [
            (getattr(suggested, f"val_{m}"), getattr(best, f"val_{m}"), words)
            for m, words in _METRICS
        ]
        where = "on the search's validation sequences"
    if not all(math.isfinite(a) and math.isfinite(b) for a, b, _ in pairs):
        return ""
    figures = ", ".join(f"{words} {a:.2f} vs {b:.2f}" for a, b, words in pairs)
    return (
        " The gain is the relative fall in validation cross-entropy; beside it "
        f"({where}), the suggestion against trial {best.trial_id}: {figures}."
    )


def assemble_class(
    result: SearchResult[ClassTrial],
    cv: ClassCrossValidation | None,
    objective: Objective,
    rec: ClassRecommendation,
    tuner: str,
    seconds: float,
    partial: bool,
    extra_notes: tuple[str, ...] = (),
) -> ClassVerification | None:
    """Forecasting's ``assemble`` for a classifier's records."""
    trials = list(result.trials)
    suggested, best = pick_trials(trials, objective)
    if best is None:
        return None
    compared = sum(1 for t in trials if t.score is not None and not t.cut and not t.is_suggestion)
    verdict, reason, edges, chosen = decide(suggested, best, cv, objective, rec, compared)
    chosen = chosen or best
    if suggested is not None and best is not suggested:
        reason += _beside(suggested, best, cv)
    label: Label = "suggestion" if chosen is suggested else "best"
    if partial:
        reason = "Interrupted, so provisional: " + reason
    final, capped = final_config(chosen, chosen.config, label, cv)
    return ClassVerification(
        tuner=tuner,
        trials=tuple(trials),
        suggestion_val_loss=suggested.val_loss if suggested else math.inf,
        best_val_loss=best.val_loss,
        best_config=final,
        verdict=verdict,
        verdict_reason=reason,
        widen=edges,
        seconds=seconds,
        partial=partial or result.stop_reason == "time budget",
        objective=objective.name,
        space_size=result.space_size if math.isfinite(result.space_size) else None,
        max_trials=result.max_trials,
        cv=cv,
        notes=(*search_notes(result), *(cv.cut if cv else ()), *capped, *extra_notes),
        outcome=verdict,
        budget_cut=budget_cuts(result, cv, extra_notes),
        chosen_trial=chosen.trial_id,
    )


def verify_class(
    rec: ClassRecommendation,
    trainer: ClassTrainer,
    trainer_for: ClassTrainerFor,
    split: ClassSplit,
    labels: np.ndarray,
    classes: Sequence[str],
    state_dir: Path,
    options: SearchOptions,
    budget: Budget,
    *,
    objective: Objective = CLASS_OBJECTIVE,
    budget_s: float | None = None,
    need_s: float | None = None,
    earlier_cuts: tuple[str, ...] = (),
    progress: ProgressCallback = ignore,
) -> ClassVerification | None:
    """Search, cross-validate, decide; ``None`` where no trial finished in time.

    ``trainer`` trains on ``split``'s training sequences and validates on its
    validation ones; ``trainer_for(train, validation)`` one for each fold. ``budget_s``
    is the user's --budget (``None``: auto): where it cut anything, here or before
    (``earlier_cuts``: the diagnostics'), the verdict is ``provisional``, and ``need_s``
    the estimate of a budget that would not cut. Ctrl-C raises ``ClassInterrupted``.
    """
    start = time.monotonic()

    def on_trial(done: int, total: int) -> None:
        progress(ProgressEvent("search", f"trial {done} of {total}", done, total))

    def finish(
        result: SearchResult[ClassTrial],
        cv: ClassCrossValidation | None,
        partial: bool,
        extra: tuple[str, ...] = (),
    ) -> ClassVerification | None:
        seconds = time.monotonic() - start
        found = assemble_class(result, cv, objective, rec, options.tuner, seconds, partial, extra)
        if found is None:
            return None
        return provisional(found, (*earlier_cuts, *found.budget_cut), budget_s, need_s)

    progress(ProgressEvent("search", "verification search", 0, options.max_trials))
    try:
        result = class_search(
            rec, trainer, state_dir, budget.search_deadline, options, objective, on_trial
        )
    except SearchInterrupted as stop:
        raise ClassInterrupted(finish(stop.result, None, True)) from None
    progress(ProgressEvent("search", "search done", 1, 1))

    suggested, best = pick_trials(list(result.trials), objective)
    if best is None:
        return None
    configs: dict[Label, ClassifierConfig] = {"suggestion": (suggested or best).config}
    seconds: dict[Label, float] = {"suggestion": (suggested or best).seconds}
    if suggested is not None and best is not suggested:
        configs["best"] = best.config
        seconds["best"] = best.seconds
    if time.monotonic() >= budget.cv_deadline:
        return finish(
            result, None, False, ("Cross-validation was skipped: the time budget was spent.",)
        )

    def on_fold(done: int, total: int) -> None:
        progress(ProgressEvent("crossval", f"fold training {done} of {total}", done, total))

    try:
        cv = cross_validate_class(
            configs,
            trainer_for,
            np.concatenate([split.train, split.validation]).astype(np.int64),
            labels,
            classes,
            objective,
            options.seed,
            budget.cv_deadline,
            seconds,
            len(split.train),
            on_fold,
        )
    except ClassCrossValidationInterrupted as stop:
        raise ClassInterrupted(finish(result, stop.cv, True)) from None
    return finish(result, cv, False)
