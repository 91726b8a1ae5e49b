"""The classification pipeline: labelled sequences -> profile -> diagnostics -> rules ->
verification -> final -> files.

``advisor.api.analyze`` hands a classification file here once it has read the bytes and
the settings; it returns the ``ClassAnalysis`` the CLI renders. It never prints: progress
goes to a callback. The stages mirror forecasting's, each in its own package; what
differs is the unit of data (whole sequences, split by class, not rows in time) and the
scores (cross-entropy to learn and choose, accuracy and macro-F1 to judge).
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from advisor.core.class_analysis import ClassAnalysis
from advisor.core.history import HistoryUse
from advisor.core.progress import ProgressCallback, ProgressEvent
from advisor.core.records import Settings
from advisor.core.sequences import SequenceSet

if TYPE_CHECKING:
    from advisor.core.class_models import (
        ClassDiagnosis,
        ClassFinal,
        ClassRecommendation,
    )
    from advisor.core.class_records import ClassBaseline, ClassProfile
    from advisor.core.class_verification import ClassVerification
    from advisor.diagnostics.classifier import ClassTrainer
    from advisor.rules import Rulebook
    from advisor.store.rundir import RunDir

STAGE = "class_recommendation"


@dataclass(frozen=True, eq=False)
class ClassContext:
    """What every stage after intake needs, for one analysis in one run directory."""

    rundir: RunDir
    seqs: SequenceSet
    profile: ClassProfile
    settings: Settings
    start: float
    data_path: str
    progress: ProgressCallback
    command: str


def run_identity(seqs: SequenceSet, settings: Settings) -> dict[str, object]:
    """What a classification run directory is keyed by: the bytes, the settings, and the
    columns the reader took (they shape the sequences as the settings do)."""
    from advisor.store.rundir import identity

    columns = {
        "layout": seqs.layout,
        "id": seqs.id_column,
        "label": seqs.label_column,
        "time": seqs.time_column,
        "split": seqs.split_column,
    }
    return {**identity(seqs.sha256, settings), "sequences": columns}


def run_classification(
    ctx: ClassContext,
    rules_files: Sequence[Path] = (),
    history: str | os.PathLike[str] | None = None,
) -> ClassAnalysis:
    """Diagnose, recommend, verify and train the final classifier; write the files.
    ``history``: the database of earlier analyses (``advisor.store.earlier``): the
    search tries the settings of the most similar earlier classification data first.

    Every training computes in bfloat16 where ``--precision bfloat16`` asks for it, else
    in float32: the comparison that decides ``auto`` is forecasting's."""
    from advisor.diagnostics.device import precision_scope, use_precision

    with precision_scope():
        use_precision("bfloat16" if ctx.settings.precision == "bfloat16" else "float32")
        return _run_classification(ctx, rules_files, history)


def _run_classification(
    ctx: ClassContext,
    rules_files: Sequence[Path],
    history: str | os.PathLike[str] | None,
) -> ClassAnalysis:
    from advisor.api import Deadlines, versions
    from advisor.diagnostics.classifier import ClassifierTrainer
    from advisor.final.cost import class_final_reserve
    from advisor.final.training import FINAL_SEEDS
    from advisor.rules.loading import load_class_rulebook
    from advisor.store.events import write_diagnostics
    from advisor.verification.class_search import ClassInterrupted, verify_class
    from advisor.verification.search import DEFAULT_MAX_TRIALS, SearchOptions
    from advisor.verification.verdict import Budget

    book = load_class_rulebook(tuple(rules_files))
    seqs, profile, settings, progress = ctx.seqs, ctx.profile, ctx.settings, ctx.progress
    split = profile.split
    deadlines = Deadlines.of(ctx.start, settings.budget_s)
    trainer = ClassifierTrainer(seqs, split.train, split.validation)

    earlier = None
    if history is not None:
        from advisor.core.similarity import class_features
        from advisor.store.earlier import find_neighbours

        earlier = find_neighbours(Path(history), class_features(profile), "classify", ctx.rundir)
    resumed = _resumed(ctx.rundir, book)
    if resumed is not None:
        diagnosis, recommendation = resumed
        progress(ProgressEvent("rules", "diagnosis and rules resumed from the run directory", 1, 1))
    else:
        diagnosis, recommendation = _diagnose(ctx, trainer, book, deadlines.diagnostics)
    write_diagnostics(ctx.rundir.path, diagnosis.runs)  # each curve a TensorBoard run
    if settings.budget_s is not None:
        # The final model's seeds come before more trials: on 50 GunPoint sequences the
        # average of three trainings scored 0.85-0.86 in three retrainings, of two
        # 0.71-0.82, and a budget's search there runs one or two trials.
        reserve = class_final_reserve(diagnosis.runs, split, FINAL_SEEDS)
        if reserve is not None:
            deadlines = deadlines.reserving(reserve, time.monotonic())

    def finish(
        verification: ClassVerification | None,
        final: ClassFinal | None,
        on_test: tuple[ClassBaseline, ...],
        partial: bool,
        final_cut: tuple[str, ...] = (),
    ) -> ClassAnalysis:
        # Jupyter shows what analyze returns as its report (see advisor.notebook).
        from dataclasses import replace

        from advisor.notebook import NotebookClassAnalysis
        from advisor.verification.class_verdict import baseline_verdict
        from advisor.verification.verdict import provisional

        if verification is not None:
            # Every cut, the final model's seeds included, named once in the verdict.
            verification = replace(verification, budget_cut=(*verification.budget_cut, *final_cut))
            cuts = (*diagnosis.budget_cut, *verification.budget_cut)
            verification = provisional(verification, cuts, settings.budget_s, None)

        analysis = NotebookClassAnalysis(
            data=seqs,
            settings=settings,
            profile=profile,
            diagnosis=diagnosis,
            recommendation=recommendation,
            verification=verification,
            final=final,
            test_baselines=on_test,
            verdict=baseline_verdict(
                profile, diagnosis, verification, final, on_test, settings.seed
            ),
            run_dir=str(ctx.rundir.path),
            versions=versions(),
            command=ctx.command,
            seconds=time.monotonic() - ctx.start,
            partial=partial,
            history=earlier,
        )
        if earlier is not None and not partial:
            from advisor.store.earlier import record

            analysis = replace(analysis, history=record(earlier, analysis))
        write_class_files(analysis, progress)
        return analysis

    options = SearchOptions(
        settings.tuner,
        settings.max_trials or DEFAULT_MAX_TRIALS,
        settings.seed,
        _class_warm(earlier),
    )
    verification = None
    try:
        verification = verify_class(
            recommendation,
            trainer,
            lambda train, validation: ClassifierTrainer(seqs, train, validation),
            split,
            seqs.labels,
            seqs.classes,
            ctx.rundir.state,
            options,
            Budget(deadlines.search, deadlines.cv),
            progress=progress,  # the verdict is marked provisional in finish, once
        )
        chosen = verification.best_config if verification else recommendation.config
        what = f"{FINAL_SEEDS} seeds, averaged"
        if settings.budget_s is not None:
            what += ", fewer where the budget ends first"
        progress(ProgressEvent("final", f"training the final classifier ({what})", 0, 1))
        from advisor.final.class_final import finalize_class

        # A user's budget ends the seeds, never a seed's epochs (forecasting's rule).
        until = None if settings.budget_s is None else deadlines.end
        final, on_test = finalize_class(
            trainer, chosen, seqs, split, ctx.rundir.path, settings.seed, ctx.data_path, until
        )
        members = len(final.seeds) + len(final.dropped)
        final_cut = (
            (f"the final model to {members} of {FINAL_SEEDS} seeds' trainings",)
            if members < FINAL_SEEDS
            else ()
        )
        progress(ProgressEvent("final", "final classifier trained", 1, 1))
    except ClassInterrupted as stop:
        finish(stop.verification, None, (), partial=True)
        raise
    except KeyboardInterrupt:
        finish(verification, None, (), partial=True)
        raise
    return finish(verification, final, on_test, partial=False, final_cut=final_cut)


def _class_warm(earlier: HistoryUse | None) -> tuple[tuple[int, dict[str, Any]], ...]:
    """The similar earlier classifiers' settings as the search's, nearest first; their
    epochs (where early stopping settled on their data) stay this search's own."""
    if earlier is None:
        return ()
    from advisor.core.class_settings import class_config_values
    from advisor.store.class_document import class_config_from_dict

    warm = []
    for n in earlier.neighbours:
        try:
            values = class_config_values(class_config_from_dict(n.past.config))
        except (KeyError, TypeError, ValueError):
            continue
        values.pop("epochs", None)
        warm.append((n.past.id, values))
    return tuple(warm)


def _diagnose(
    ctx: ClassContext, trainer: ClassTrainer, book: Rulebook, deadline: float
) -> tuple[ClassDiagnosis, ClassRecommendation]:
    from advisor.diagnostics.class_plan import run_class_diagnostics
    from advisor.rules.class_facts import build_class_facts
    from advisor.rules.class_rulebook import recommend_class

    progress = ctx.progress
    diagnosis = run_class_diagnostics(
        trainer,
        ctx.profile,
        ctx.settings,
        deadline,
        lambda msg, done, total: progress(ProgressEvent("diagnostics", msg, done, total)),
    )
    progress(ProgressEvent("rules", "applying the classification rulebook", 0, 1))
    facts = build_class_facts(ctx.profile, diagnosis, ctx.settings)
    recommendation = recommend_class(facts, book)
    _save(ctx.rundir, book, diagnosis, recommendation)
    progress(ProgressEvent("rules", "rules applied", 1, 1))
    return diagnosis, recommendation


def _resumed(rundir: RunDir, book: Rulebook) -> tuple[ClassDiagnosis, ClassRecommendation] | None:
    """What an earlier run in this directory diagnosed and recommended: recomputing could
    give another search space, and the search would start over instead of resuming."""
    from advisor.api import rules_key
    from advisor.core.class_models import ClassDiagnosis, ClassRecommendation

    saved = rundir.load_records(
        STAGE, rules_key(book), {"diagnosis": ClassDiagnosis, "recommendation": ClassRecommendation}
    )
    return None if saved is None else (saved["diagnosis"], saved["recommendation"])


def _save(
    rundir: RunDir, book: Rulebook, diagnosis: ClassDiagnosis, recommendation: ClassRecommendation
) -> None:
    from advisor.api import rules_key

    rundir.save_records(STAGE, rules_key(book), diagnosis=diagnosis, recommendation=recommendation)


def write_class_files(analysis: ClassAnalysis, progress: ProgressCallback) -> None:
    from advisor.api import write_run_files
    from advisor.store.class_document import to_class_document

    progress(ProgressEvent("report", "writing the report", 0, 1))
    write_run_files(to_class_document(analysis), Path(analysis.run_dir), progress)
