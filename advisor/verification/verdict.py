"""Verification: the narrowed search, walk-forward cross-validation, and the verdict.

``verify`` runs (or resumes) the search, cross-validates the suggestion against the
search's best over several folds and seeds, and decides:

- ``confirmed``: the suggestion stays: the search trained alternatives and none was
  better beyond the noise;
- ``refined``: the search's best beat it beyond the noise and becomes final;
- ``widen``: refined, and a winning value sits on the edge of its searched range, so
  the range should be widened (``widen`` names the settings);
- ``untested``: nothing was compared with the suggestion (the budget left room for it
  alone, or every alternative was cut short): it stays, unconfirmed;
- ``provisional`` (``provisional()``, from the pipeline): a user's --budget cut some stage
  short; ``outcome`` keeps what the comparison found within what ran.

Ctrl-C raises ``Interrupted`` carrying what finished, so the caller can write it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal, TypeVar

from advisor.core.class_models import ClassifierConfig, ClassRecommendation
from advisor.core.class_settings import class_config_values
from advisor.core.class_verification import ClassCrossValidation, ClassTrial, ClassVerification
from advisor.core.progress import ProgressCallback, ProgressEvent, ignore
from advisor.core.records import (
    Baseline,
    CrossValidation,
    FinalResult,
    ModelConfig,
    Outcome,
    Range,
    Recommendation,
    Split,
    Trial,
    Verification,
)
from advisor.core.settings import config_values
from advisor.diagnostics.trainer import Trainer
from advisor.verification.crossval import (
    CrossValidationInterrupted,
    cross_validate,
    median_best_epoch,
)
from advisor.verification.objective import Objective
from advisor.verification.search import (
    SearchInterrupted,
    SearchOptions,
    SearchResult,
    TrialT,
    search,
)

# Without cross-validation (cut by the budget) the search's single split decides, and
# one split of a short training varies by a few percent between seeds: the best must
# beat the suggestion by more than this there to replace it.
REFINE_MARGIN = 0.05
# A value within this share of its range's span (log span for log ranges) of an end
# counts as on the edge: Bayesian optimisation's bounded optimiser lands on bounds.
EDGE_SHARE = 0.05

# The verdict reads a forecaster's records or a classifier's alike (``class_search``).
ConfigT = TypeVar("ConfigT", ModelConfig, ClassifierConfig)
VerificationT = TypeVar("VerificationT", Verification, ClassVerification)
AnyCrossValidation = CrossValidation | ClassCrossValidation


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during verification; ``verification`` holds what finished (or ``None``)."""

    def __init__(self, verification: Verification | None):
        super().__init__()
        self.verification = verification


@dataclass(frozen=True)
class Budget:
    search_deadline: float
    cv_deadline: float


def _edge(value: Any, r: Range) -> bool:
    if r.choices:
        numeric = [c for c in r.choices if not isinstance(c, str)]
        if len(numeric) < 3 or isinstance(value, str):
            return False
        return value in (min(numeric), max(numeric))
    if r.low is None or r.high is None or r.low >= r.high:
        return False
    low, high, x = float(r.low), float(r.high), float(value)
    if r.log and low > 0 and x > 0:
        low, high, x = math.log(low), math.log(high), math.log(x)
    share = EDGE_SHARE * (high - low)
    return x <= low + share or x >= high - share


def _values(config: ModelConfig | ClassifierConfig) -> dict[str, Any]:
    if isinstance(config, ClassifierConfig):
        return class_config_values(config)
    return config_values(config)


def on_edge(
    best: ModelConfig | ClassifierConfig,
    suggestion: ModelConfig | ClassifierConfig,
    ranges: tuple[Range, ...],
) -> list[str]:
    """Settings where the best moved away from the suggestion to an end of its range."""
    best_v, sugg_v = _values(best), _values(suggestion)
    return [
        r.setting
        for r in ranges
        if r.setting in best_v
        and best_v[r.setting] != sugg_v[r.setting]
        and r.setting != "epochs"  # early stopping, not the search, decides epochs
        and _edge(best_v[r.setting], r)
    ]


def pick_trials(
    trials: Sequence[TrialT], objective: Objective[Any]
) -> tuple[TrialT | None, TrialT | None]:
    """The suggestion's trial and the best trial. Diverged trials never count; trials
    the deadline cut short count only where no other finished (a tight budget)."""
    scored = [t for t in trials if t.score is not None]
    valid = [t for t in scored if not t.cut] or scored

    def better_of(ts: list[TrialT]) -> TrialT | None:
        best: TrialT | None = None
        for t in ts:
            if best is None or objective.better(t.score or 0.0, best.score or 0.0):
                best = t
        return best

    return better_of([t for t in valid if t.is_suggestion]), better_of(valid)


def decide(
    suggested: TrialT | None,
    best: TrialT | None,
    cv: AnyCrossValidation | None,
    objective: Objective[Any],
    rec: Recommendation | ClassRecommendation,
    compared: int | None = None,
) -> tuple[Outcome, str, tuple[str, ...], TrialT | None]:
    """The outcome, its reason, the settings to widen, and the winning trial.

    ``compared``: how many finished, uncut alternatives to the suggestion the search
    trained (``None``: at least one). A verdict claims only what was compared: with none,
    the suggestion stays ``untested``, never ``confirmed``. A classifier's trials and
    cross-validation (stratified, not walk-forward) are read alike.
    """
    kind = "stratified" if isinstance(cv, ClassCrossValidation) else "walk-forward"
    n_trials = "trial" if best is None else f"{best.trial_id}"
    if best is None or suggested is None:
        return (
            "untested",
            "The search has no comparable score for the suggestion, so nothing was "
            "compared with it; it stays, untested.",
            (),
            suggested or best,
        )
    if best is suggested:
        if compared == 0:
            return (
                "untested",
                "The search trained no alternative to the suggestion that it could compare "
                "(the time budget left room for the suggestion alone, or cut the others "
                "short); it stays, untested. A larger budget lets the search try more.",
                (),
                suggested,
            )
        tried = "" if compared is None else f" ({compared} alternative(s) trained)"
        return (
            "confirmed",
            f"The suggestion was the best configuration the search tried{tried}.",
            (),
            suggested,
        )
    pairs = cv.suggestion.n if cv and cv.suggestion else 0
    gain_split = objective.gain(suggested.score or 0.0, best.score or 0.0)
    if cv is not None and cv.improvement is not None and cv.improvement_stderr is not None:
        figures = (
            f"mean gain {cv.improvement:+.1%} ± {cv.improvement_stderr:.1%} over "
            f"{len(cv.folds)} fold(s) × {len(cv.seeds)} seed(s)"
        )
        if not cv.beyond_noise:
            return (
                "confirmed",
                f"Trial {n_trials} scored {gain_split:+.1%} against the suggestion on the "
                f"search's split, but in {kind} cross-validation ({figures}) that is "
                "within the noise: the suggestion stays.",
                (),
                suggested,
            )
        reason = (
            f"Trial {n_trials} beat the suggestion beyond the noise in {kind} "
            f"cross-validation ({figures}): it becomes the final configuration."
        )
    else:
        why = "cross-validation was cut by the time budget" if pairs < 2 else "no pairs"
        if gain_split <= REFINE_MARGIN:
            return (
                "confirmed",
                f"Trial {n_trials} scored {gain_split:+.1%} against the suggestion on the "
                f"search's split ({why}; a change needs more than {REFINE_MARGIN:.0%}): "
                "the suggestion stays.",
                (),
                suggested,
            )
        reason = (
            f"Trial {n_trials} beat the suggestion by {gain_split:.1%} on the search's split "
            f"({why}, so this rests on one split): it becomes the final configuration."
        )
    edges = tuple(on_edge(best.config, rec.config, rec.ranges))
    if edges:
        reason += (
            f" Its {', '.join(edges)} sit(s) on the edge of the searched range: widen "
            "that range and search again."
        )
        return "widen", reason, edges, best
    return "refined", reason, (), best


def epochs_settled(chosen: Trial | ClassTrial, label: str, cv: AnyCrossValidation | None) -> bool:
    """Whether a training of the chosen configuration ended by early stopping, so the
    final training's epoch count is evidence rather than the rules' suggestion."""
    settled = median_best_epoch(cv.runs, label) if cv else None  # type: ignore[arg-type]
    return bool(settled) or not chosen.cut


def final_config(
    chosen: Trial | ClassTrial, config: ConfigT, label: str, cv: AnyCrossValidation | None
) -> tuple[ConfigT, tuple[str, ...]]:
    """The chosen configuration (``config``, the chosen trial's), to train for the epochs
    early stopping settled on, and a note where that is not settled. Where the budget
    cut every training of it short, it keeps the epochs the rules suggested (an epoch
    count from a cut training is where time ran out, and would undertrain the model)."""
    all_cut = not epochs_settled(chosen, label, cv)
    epochs = median_best_epoch(cv.runs, label) if cv else None  # type: ignore[arg-type]
    if not epochs and not chosen.cut:
        epochs = chosen.best_epoch
    epochs = epochs or config.epochs
    final = replace(config, epochs=max(1, min(int(epochs), config.epochs)))
    if all_cut:
        return final, (
            "The time budget stopped every training of the chosen configuration before "
            "early stopping settled, so the final model trains for up to the suggested "
            f"{final.epochs} epochs, as many as the --budget leaves time for; a larger "
            "--budget lets early stopping decide.",
        )
    if final.epochs >= config.epochs:
        return final, (
            f"Early stopping never ended the chosen configuration's training before its "
            f"{config.epochs}-epoch cap: it was still improving, so more epochs may help.",
        )
    return final, ()


def search_notes(result: SearchResult[Any]) -> list[str]:
    notes = []
    done = len(result.trials)
    if result.stop_reason == "time budget":
        notes.append(
            f"The search stopped on the time budget after {done} of {result.max_trials} trials."
        )
    elif result.stop_reason == "interrupted":
        notes.append(f"The search was interrupted after {done} finished trials.")
    elif result.stop_reason == "space exhausted":
        notes.append(f"The narrowed space held only {done} configurations; all were tried.")
    cut = [t.trial_id for t in result.trials if t.cut]
    if cut:
        notes.append(
            f"Trial(s) {', '.join(cut)} were cut short by the time budget and are not compared."
        )
    diverged = [t.trial_id for t in result.trials if t.score is None]
    if diverged:
        notes.append(f"Trial(s) {', '.join(diverged)} diverged (no finite score).")
    notes.extend(result.notes)
    return notes


def assemble(
    result: SearchResult,
    cv: CrossValidation | None,
    objective: Objective,
    rec: Recommendation,
    tuner: str,
    seconds: float,
    partial: bool,
    extra_notes: tuple[str, ...] = (),
) -> Verification | None:
    trials = list(result.trials)
    suggested, best = pick_trials(trials, objective)
    if best is None:
        return None
    compared = sum(1 for t in trials if t.score is not None and not t.cut and not t.is_suggestion)
    verdict, reason, edges, chosen = decide(suggested, best, cv, objective, rec, compared)
    chosen = chosen or best
    label: Literal["suggestion", "best"] = "suggestion" if chosen is suggested else "best"
    if partial:
        reason = "Interrupted, so provisional: " + reason
    final, capped = final_config(chosen, chosen.config, label, cv)
    return Verification(
        chosen_val_rmse=chosen_validation_rmse(chosen, label, cv),
        chosen_trial=chosen.trial_id,
        chosen_label=label,
        tuner=tuner,
        trials=tuple(trials),
        suggestion_val_rmse=suggested.val_rmse if suggested else math.inf,
        best_val_rmse=best.val_rmse,
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
        workers=result.workers,
        outcome=verdict,
        budget_cut=budget_cuts(result, cv, extra_notes),
        final_epochs_settled=epochs_settled(chosen, label, cv),
    )


def chosen_validation_rmse(chosen: Trial, label: str, cv: CrossValidation | None) -> float:
    """The chosen configuration on the validation split: the mean over the seeds of the
    cross-validation's most recent fold (index 1: the validation split itself), else its
    search trial's score there."""
    scores = [
        r.val_rmse
        for r in (cv.runs if cv else ())
        if r.config == label and r.fold == 1 and math.isfinite(r.val_rmse)
    ]
    return sum(scores) / len(scores) if scores else chosen.val_rmse


def budget_cuts(
    result: SearchResult[Any], cv: AnyCrossValidation | None, extra_notes: tuple[str, ...]
) -> tuple[str, ...]:
    cut = []
    if result.stop_reason == "time budget":
        cut.append(f"the search after {len(result.trials)} of {result.max_trials} trials")
    short = [t.trial_id for t in result.trials if t.cut]
    if short:
        cut.append(f"search trial(s) {', '.join(short)}")
    if cv is not None:
        cut.extend(f"cross-validation: {c}" for c in cv.cut if "time budget" in c)
    cut.extend(n for n in extra_notes if "time budget" in n)
    return tuple(cut)


def against_baseline(verification: Verification, baseline: Baseline) -> Verification:
    """The chosen configuration held against the best baseline on the validation rows.

    The diagnosis compared the probe's best run with the baseline; the configuration the
    search chose is another model, so its own validation score must also clear the
    margin, or the analysis would claim a gain that only the probe showed. Its score is
    ``chosen_val_rmse`` (over seeds where cross-validation ran), never the best trial's,
    which may belong to a configuration the verdict did not keep. The search keeps no
    per-origin errors of its trials, so this rests on the margin alone.
    """
    from advisor.diagnostics.comparisons import BASELINE_MARGIN, clearly_lower

    lstm, base = verification.held_val_rmse, baseline.rmse
    if not (math.isfinite(lstm) and math.isfinite(base) and base > 0):
        return verification
    beats = clearly_lower(lstm, base, None, BASELINE_MARGIN)
    notes = verification.notes
    if not beats:
        notes = (
            *notes,
            f"The chosen configuration's validation RMSE ({lstm:.4g}) is not "
            f"{BASELINE_MARGIN:.0%} below the {baseline.name} baseline's ({base:.4g}): on "
            "these rows the baseline forecasts at least as well.",
        )
    return replace(
        verification,
        baseline=baseline.name,
        baseline_val_rmse=base,
        beats_baseline=beats,
        notes=notes,
    )


def held_on_test(verification: Verification, final: FinalResult | None) -> Verification:
    """The baseline comparison completed with the held-out test rows.

    Validation chose the configuration and the baseline, so a lead there is measured on
    the rows it was picked on; the test rows are the only ones nothing was chosen on.
    Where the final model does not beat the same baseline there, a gain is no longer
    claimed: the note says what each scored and the baseline becomes the advice
    (``Verification.gain_held``). The test decides nothing else: configuration, epochs
    and baseline stay as validation chose them.
    """
    if final is None or verification.baseline is None:
        return verification
    lstm = final.test_metrics.get("rmse")
    base = final.baseline_test_metrics.get(verification.baseline, {}).get("rmse")
    if lstm is None or base is None:
        return verification
    checked = replace(verification, lstm_test_rmse=lstm, baseline_test_rmse=base)
    if checked.gain_held is not False:
        return checked
    lead = 1 - verification.held_val_rmse / (verification.baseline_val_rmse or math.nan)
    note = (
        f"The LSTM's {lead:.0%} lead over the {verification.baseline} baseline on "
        f"validation did not hold on the held-out test rows ({verification.baseline} "
        f"{base:.4g} against the final model's {lstm:.4g}), so no gain over it is claimed "
        "and the baseline is the advice."
    )
    return replace(checked, notes=(*checked.notes, note))


def provisional(
    verification: VerificationT,
    cuts: tuple[str, ...],
    budget_s: float | None,
    need_s: float | None,
) -> VerificationT:
    """The verification marked ``provisional`` where a user's budget cut anything: the
    reason says first what was cut and what budget would not cut it, then what the
    comparison found within what ran (kept in ``outcome``)."""
    if not cuts or budget_s is None:
        return verification
    need = (
        f"--budget {_minutes(need_s * 1.2)} or auto would not cut it"
        if need_s
        else "--budget auto would not cut it"
    )
    reason = (
        f"Provisional: the --budget of {_minutes(budget_s)} cut {'; '.join(cuts)}; {need}. "
        f"Within what ran: {verification.verdict_reason}"
    )
    return replace(
        verification,
        verdict="provisional",
        outcome=verification.outcome or verification.verdict,  # type: ignore[arg-type]
        verdict_reason=reason,
    )


def _minutes(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, math.ceil(seconds))}s"
    return f"{math.ceil(seconds / 60)}m"


def verify(
    rec: Recommendation,
    trainer: Trainer,
    trainer_for: Callable[[Split], Trainer],
    state_dir: Path,
    split: Split,
    rows: int,
    horizon: int,
    objective: Objective,
    options: SearchOptions,
    budget: Budget,
    progress: ProgressCallback = ignore,
    distributed: Any = None,
) -> Verification | None:
    """Search, cross-validate, decide. ``None`` where no trial finished in time."""
    start = time.monotonic()

    def on_trial(done: int, total: int) -> None:
        progress(ProgressEvent("search", f"trial {done} of {total}", done, total))

    progress(ProgressEvent("search", "verification search", 0, options.max_trials))
    try:
        result = search(
            rec,
            trainer,
            state_dir,
            budget.search_deadline,
            objective,
            options,
            on_trial,
            distributed,
        )
    except SearchInterrupted as stop:
        raise Interrupted(
            assemble(
                stop.result, None, objective, rec, options.tuner, time.monotonic() - start, True
            )
        ) from None
    progress(ProgressEvent("search", "search done", 1, 1))

    suggested, best = pick_trials(list(result.trials), objective)
    if best is None:
        return None
    configs = {"suggestion": (suggested or best).config}
    seconds = {"suggestion": (suggested or best).seconds}
    if suggested is not None and best is not suggested:
        configs["best"] = best.config
        seconds["best"] = best.seconds

    def on_fold(done: int, total: int) -> None:
        progress(ProgressEvent("crossval", f"fold training {done} of {total}", done, total))

    if time.monotonic() >= budget.cv_deadline:
        note = "Cross-validation was skipped: the time budget was spent."
        return assemble(
            result, None, objective, rec, options.tuner, time.monotonic() - start, False, (note,)
        )
    try:
        cv = cross_validate(
            configs,  # type: ignore[arg-type]
            trainer_for,
            split,
            rows,
            horizon,
            objective,
            options.seed,
            budget.cv_deadline,
            seconds,  # type: ignore[arg-type]
            on_fold,
        )
    except CrossValidationInterrupted as stop:
        raise Interrupted(
            assemble(result, stop.cv, objective, rec, options.tuner, time.monotonic() - start, True)
        ) from None
    return assemble(result, cv, objective, rec, options.tuner, time.monotonic() - start, False)
