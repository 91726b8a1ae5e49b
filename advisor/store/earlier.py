"""Earlier analyses: the similar ones an analysis starts from, and the record it leaves.

The neighbours are looked up once per run directory and kept with its stages
(``history`` stage): a resumed run proposes the same first trials as the run that
started, whatever was recorded in between, and a rerun of the same directory never
counts itself as an earlier dataset. A history that cannot be opened (locked, corrupt,
from a newer advisor) stops the analysis before any training with the store's one-line
error; one that fails only when the finished analysis is recorded costs that record
alone, said in ``HistoryUse.note``, never the run's files.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from advisor.core.class_analysis import ClassAnalysis
from advisor.core.history import HistoryUse, PastAnalysis
from advisor.core.records import Analysis
from advisor.core.similarity import nearest
from advisor.store.document import config_to_dict
from advisor.store.rundir import RunDir, key_of

STAGE = "history"


def find_neighbours(
    path: Path, features: dict[str, float], task: str, rundir: RunDir
) -> HistoryUse:
    """The similar earlier analyses of ``task`` in the history at ``path`` (read once per
    run directory, then kept in it)."""
    from advisor.store.history import History

    key = key_of({"path": str(path), "features": features, "task": task})
    saved = rundir.load_records(STAGE, key, {"use": HistoryUse})
    if saved is not None:
        return saved["use"]
    earlier: list[PastAnalysis] = []
    if Path(path).is_file():
        with History(path) as history:
            earlier = history.all(task)
    run = str(rundir.path.resolve())
    use = HistoryUse(
        path=str(path),
        features=features,
        neighbours=nearest(features, earlier, task, exclude_run_dir=run),
        considered=sum(p.run_dir != run for p in earlier),
    )
    rundir.save_records(STAGE, key, use=use)
    return use


def past_analysis(
    analysis: Analysis | ClassAnalysis, features: dict[str, float]
) -> PastAnalysis | None:
    """The finished analysis as the history keeps it; ``None`` where it did not finish
    (no final model), which teaches nothing about what works."""
    if analysis.final is None or analysis.partial:
        return None
    if isinstance(analysis, ClassAnalysis):
        return _past_classifier(analysis, features)
    from advisor import __version__

    final, ver = analysis.final, analysis.verification
    baseline = (ver.baseline if ver else None) or analysis.profile.best_baseline.name
    base_test = final.baseline_test_metrics.get(baseline, {}).get("rmse")
    return PastAnalysis(
        task="forecast",
        name=Path(analysis.data.path).name,
        sha256=analysis.data.sha256,
        features=features,
        config=config_to_dict(final.config),
        objective="val_rmse",
        val_score=ver.held_val_rmse if ver else None,
        test_score=final.test_metrics.get("rmse"),
        baseline=baseline,
        baseline_test_score=base_test,
        seconds=analysis.seconds,
        advisor_version=__version__,
        run_dir=str(Path(analysis.run_dir).resolve()),
    )


def _past_classifier(analysis: ClassAnalysis, features: dict[str, float]) -> PastAnalysis:
    from advisor import __version__
    from advisor.store.class_document import class_config_to_dict

    final, verdict = analysis.final, analysis.verdict
    assert final is not None
    return PastAnalysis(
        task="classify",
        name=Path(analysis.data.path).name,
        sha256=analysis.data.sha256,
        features=features,
        config=class_config_to_dict(final.config),
        objective="val_accuracy",
        val_score=verdict.lstm_val_accuracy if verdict else None,
        test_score=final.test_accuracy,
        baseline=verdict.baseline if verdict else None,
        baseline_test_score=verdict.test_accuracy if verdict else None,
        seconds=analysis.seconds,
        advisor_version=__version__,
        run_dir=str(Path(analysis.run_dir).resolve()),
    )


def record(use: HistoryUse, analysis: Analysis | ClassAnalysis) -> HistoryUse:
    """``analysis`` added to the history; a failure to write costs this record only."""
    from advisor.core.errors import AdvisorInputError
    from advisor.store.history import History

    past = past_analysis(analysis, use.features)
    if past is None:
        return replace(use, note="Not recorded in the history: the analysis did not finish.")
    try:
        with History(Path(use.path)) as history:
            # A rerun of a run directory on the same data (resumed from its files) is the
            # same analysis: recorded once. Where the rerun finished more than the first
            # (a budget had cut its search) and so chose otherwise, its record replaces
            # the earlier one: added first, so a failure between leaves a duplicate, never
            # nothing.
            earlier = [
                p
                for p in history.all(past.task)
                if (p.run_dir, p.sha256) == (past.run_dir, past.sha256)
            ]
            if earlier and earlier[-1].config == past.config:
                return replace(use, recorded_id=earlier[-1].id)
            recorded = history.add(past)
            for p in earlier:
                if p.id is not None:
                    history.forget(p.id)
            return replace(use, recorded_id=recorded)
    except AdvisorInputError as exc:
        return replace(use, note=f"Not recorded in the history: {exc.one_line()}")
