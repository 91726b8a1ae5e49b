"""The pipeline: CSV -> profile -> diagnostics -> rules -> verification -> final -> files.

``analyze`` is the Python API and what ``advisor analyze`` runs; it returns the same
``Analysis`` record the CLI renders. It never prints: progress goes to a callback.

The whole pipeline in one module (some 530 lines), so its order reads top to bottom:
where the data come from, the deadlines a budget sets, the stages in turn, resuming
and writing; each stage's work is in its own package.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import platform
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from importlib import metadata, resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from advisor.core.errors import AdvisorInputError
from advisor.core.history import HistoryUse
from advisor.core.progress import ProgressCallback, ProgressEvent, ignore
from advisor.core.records import Analysis, Profile, SeriesData, Settings, Task
from advisor.core.sequences import SequenceOptions, SequenceSet
from advisor.core.splits import minimum_rows
from advisor.store.atomic import write_bytes, write_json, write_text

if TYPE_CHECKING:
    import pandas as pd

    from advisor.core.class_analysis import ClassAnalysis
    from advisor.core.class_records import ClassProfile
    from advisor.core.records import (
        Diagnosis,
        FinalResult,
        ModelConfig,
        PanelComparison,
        PretrainedComparison,
        Recommendation,
        Split,
        Verification,
    )
    from advisor.diagnostics.trainer import KerasTrainer, Trainer
    from advisor.intake.panel import Panel
    from advisor.rules import Rulebook
    from advisor.store.rundir import RunDir
    from advisor.verification.distributed import DistributedOptions
    from advisor.verification.objective import Objective
    from advisor.verification.pretrained import Pretrained

EXAMPLES = ("airline",)
# Shares of a user's time budget: diagnostics first, then the search, then the
# walk-forward cross-validation; the final training gets what is left. It is never cut
# below the epochs early stopping settled, so even a tight budget yields a sound model:
# a budget short of them averages fewer seeds' trainings instead. Only epochs no
# training settled (the rules' guess, where the budget cut every training) stop there.
DIAGNOSTIC_SHARE = 0.45
SEARCH_SHARE = 0.25
CV_SHARE = 0.15
# A budget is the command's wall time, so the trainings stop short of it by what comes
# after them: the report, the figures, the model files and the process' exit (about 1 s
# to write and 4 s for TensorFlow's teardown on a 2-core machine, measured on a 72 s run
# that ended 1.2 s over its budget before this reserve). Shares apply to what is left.
WRAP_UP_SHARE = 0.05
WRAP_UP_MIN_S = 4.0
WRAP_UP_MAX_S = 30.0
DEFAULT_RUNS_DIR = "advisor_runs"


def example_path(name: str) -> Path:
    if name not in EXAMPLES:
        raise AdvisorInputError(
            f"--example {name}", "no such example", None, f"choose one of: {', '.join(EXAMPLES)}"
        )
    return Path(str(resources.files("advisor.examples") / f"{name}.csv"))


def example_settings(name: str, settings: Settings) -> Settings:
    """The airline series is monthly: a year ahead is the natural horizon."""
    return settings if settings.horizon else replace(settings, horizon=12)


@dataclass(frozen=True, eq=False)
class DataSource:
    """Where the series comes from: a CSV file, a packaged example, or a frame in memory."""

    path: Path | None
    frame: object = None
    display: str | None = None
    csv: bytes = b""
    """A frame's CSV text: what is read, hashed into the run key, and saved as data.csv."""
    name: str | None = None
    """What the run directory is named after where there is no path (one series of a
    many-series file)."""

    @property
    def stem(self) -> str:
        """What the run directory is named after."""
        if self.path is not None:
            return self.path.stem
        if self.name:
            return self.name
        name = getattr(self.frame, "name", None)
        return str(name) if isinstance(name, str) and name.isidentifier() else "dataframe"


def data_source(
    data: str | os.PathLike[str] | object | None, example: str | None, settings: Settings
) -> tuple[DataSource, Settings]:
    """The one place that decides between DATA and ``--example`` (CLI and API alike)."""
    if data is not None and example is not None:
        raise AdvisorInputError(
            "advisor", "both data and an example given", None, "pass one of them"
        )
    if example:
        return DataSource(example_path(example), display=f"example:{example}"), example_settings(
            example, settings
        )
    if data is None:
        raise AdvisorInputError(
            "advisor", "no data given", None, "pass a CSV path, or --example airline"
        )
    if isinstance(data, str | os.PathLike):
        return DataSource(Path(data)), settings
    from advisor.intake import frame_to_csv

    return DataSource(None, frame=data, csv=frame_to_csv(data)), settings


@dataclass(frozen=True, eq=False)
class _Bytes:
    """A source's bytes, read once, with the name messages use and the path records keep."""

    raw: bytes
    shown: str
    path: str

    @classmethod
    def of(cls, source: DataSource) -> _Bytes:
        from advisor.intake import IN_MEMORY, read_bytes

        if source.path is None:
            return cls(source.csv, IN_MEMORY, IN_MEMORY)
        shown = source.display or str(source.path)
        return cls(read_bytes(source.path, shown), shown, str(source.path.resolve()))


def _as_source(source: DataSource | str | Path, display_name: str | None) -> DataSource:
    return (
        source if isinstance(source, DataSource) else DataSource(Path(source), display=display_name)
    )


def load(
    source: DataSource | str | Path, settings: Settings, display_name: str | None = None
) -> tuple[SeriesData, Profile]:
    """A forecasting file's series and its profile."""
    return _load_series(_Bytes.of(_as_source(source, display_name)), settings)


def _load_series(data: _Bytes, settings: Settings) -> tuple[SeriesData, Profile]:
    from advisor.intake import series_from_bytes
    from advisor.probes.profile import build_profile

    series = series_from_bytes(data.raw, settings, data.shown, data.path)
    return series, build_profile(series, settings)


def load_sequences(
    source: DataSource | str | Path,
    settings: Settings,
    options: SequenceOptions | None = None,
    display_name: str | None = None,
) -> tuple[SequenceSet, ClassProfile]:
    """A classification file's sequences and their profile (classes, lengths, baselines).

    ``options`` names the columns and the layout where detection should not decide;
    ``settings`` gives the time column, the seed of the validation draw, and the label
    column as ``target`` where ``options`` names none.
    """
    options = options or SequenceOptions(time_col=settings.time_col)
    return _load_sequences(_Bytes.of(_as_source(source, display_name)), settings, options)


# Forecasting options that mean nothing for labelled sequences: given with one, the
# user has the file or the task wrong, and silence would hide it.
_FORECAST_ONLY = {"horizon": "--horizon", "season": "--season", "lookback": "--lookback"}


def _load_sequences(
    data: _Bytes, settings: Settings, options: SequenceOptions
) -> tuple[SequenceSet, ClassProfile]:
    from advisor.intake import sequences_from_bytes
    from advisor.probes.class_profile import build_class_profile

    for field, flag in _FORECAST_ONLY.items():
        value = getattr(settings, field)
        if value is not None:
            raise AdvisorInputError(
                f"{flag} {value}",
                f"a forecasting option, and {data.shown} is read as labelled sequences "
                "(classification)",
                fix=f"drop {flag}, or pass --task forecast if the file is one series",
            )
    if options.label is None and settings.target is not None:
        options = replace(options, label=settings.target)
    seqs = sequences_from_bytes(data.raw, options, data.shown)
    return seqs, build_class_profile(seqs, settings.seed)


def _task(data: _Bytes, settings: Settings, options: SequenceOptions | None) -> Task:
    """The task ``--task`` names, or the one the file's cells show; an option of the
    other task's is refused here, before anything is read for it."""
    from advisor.intake import file_task

    task = file_task(data.raw, data.shown, settings.task)
    if task == "forecast" and options is not None:
        given = [
            (flag, value)
            for flag, value in (
                ("--label", options.label),
                ("--id-col", options.id_col),
                ("--split-col", options.split_col),
                ("--layout", None if options.layout == "auto" else options.layout),
            )
            if value is not None
        ]
        if given:
            flag, value = given[0]
            if settings.task == "forecast":
                why = f"--task forecast reads {data.shown} as one series"
                fix = f"drop {flag}, or pass --task classify"
            else:
                why = (
                    f"{data.shown} reads as a forecasting file (no column identifies "
                    "labelled sequences)"
                )
                fix = (
                    f"drop {flag}, or pass --task classify if the rows belong to labelled sequences"
                )
            raise AdvisorInputError(
                f"{flag} {value}", f"a classification option, but {why}", fix=fix
            )
    return task


@dataclass(frozen=True, eq=False)
class SeriesProfile:
    """What ``profile`` found in a forecasting file."""

    data: SeriesData
    profile: Profile


@dataclass(frozen=True, eq=False)
class SequenceProfile:
    """What ``profile`` found in a classification file."""

    data: SequenceSet
    profile: ClassProfile


def profile(
    source: DataSource | str | Path,
    settings: Settings,
    options: SequenceOptions | None = None,
    progress: ProgressCallback = ignore,
) -> SeriesProfile | SequenceProfile:
    """Profile a file for the task ``settings.task`` names, or the one its cells show
    (``auto``): a forecasting series, or labelled sequences with their baselines."""
    progress(ProgressEvent("intake", "reading the data", 0, 1))
    data = _Bytes.of(_as_source(source, None))
    task = _task(data, settings, options)
    progress(ProgressEvent("intake", "read", 1, 1))
    what = "the classes, lengths and baselines" if task == "classify" else "the series"
    progress(ProgressEvent("profile", f"profiling {what}", 0, 1))
    result: SeriesProfile | SequenceProfile
    if task == "classify":
        options = options or SequenceOptions(time_col=settings.time_col)
        result = SequenceProfile(*_load_sequences(data, settings, options))
    else:
        result = SeriesProfile(*_load_series(data, settings))
    progress(ProgressEvent("profile", "profile done", 1, 1))
    return result


def sequence_key(data: SequenceSet, settings: Settings) -> str:
    """``run_key`` for labelled sequences: the columns the reader took shape the result
    as the settings do (``classify.run_identity``)."""
    from advisor.classify import run_identity

    blob = json.dumps(run_identity(data, settings), sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


def run_key(data: SeriesData, settings: Settings) -> str:
    """Same data and settings, same run directory; a changed CSV never resumes into it.

    The time budget and the trial budget are not part of the key: a rerun with more
    of either resumes the run (``advisor.store.rundir.RESUMABLE_SETTINGS``).
    """
    from advisor.store.rundir import identity

    blob = json.dumps(identity(data.sha256, settings), sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in (
        "lstm-advisor",
        "keras",
        "keras-tuner",
        "tensorflow",
        "numpy",
        "pandas",
        "statsmodels",
        "scikit-learn",
    ):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    try:
        import keras

        out["keras_backend"] = keras.backend.backend()
    except ImportError:
        pass
    return out


def _save_frame(source: DataSource, run_dir: Path) -> Path:
    """Data from memory, kept beside the results: ``model.py`` and the search's workers
    read the series from a file, and the run stays reproducible once the notebook is gone."""
    path = run_dir / "data.csv"
    write_bytes(path, source.csv)
    return path


def _check_rows(data: SeriesData, profile: Profile, lookback: int) -> None:
    need = minimum_rows(profile.horizon, lookback)
    if data.rows < need:
        raise AdvisorInputError(
            data.path,
            f"only {data.rows} rows; at least {need} are needed for lookback {lookback} + "
            f"horizon {profile.horizon} + validation + test",
            None,
            "use a longer series or a smaller --horizon / --lookback",
        )


def analyze(
    data: str | os.PathLike[str] | pd.DataFrame | pd.Series | None = None,
    *,
    example: str | None = None,
    settings: Settings | None = None,
    out: str | Path | None = None,
    rules_files: Sequence[str | Path] = (),
    progress: ProgressCallback = ignore,
    command: str = "",
    fresh: bool = False,
    distributed: DistributedOptions | None = None,
    sequence_options: SequenceOptions | None = None,
    target: str | None = None,
    time_col: str | None = None,
    task: str | None = None,
    horizon: int | None = None,
    budget: str | float | None = None,
    seed: int | None = None,
    season: int | None = None,
    max_units: int | None = None,
    lookback: int | None = None,
    tuner: str | None = None,
    metric: str | None = None,
    trials: int | None = None,
    id_col: str | None = None,
    label: str | None = None,
    split_col: str | None = None,
    layout: str | None = None,
    history: str | os.PathLike[str] | None = None,
    pretrained: str | os.PathLike[str] | None = None,
    series_col: str | None = None,
) -> Analysis | ClassAnalysis:
    """Run the whole analysis and write its files.

    ``data`` is a CSV path, a pandas DataFrame (a DatetimeIndex or a named index is the
    time axis), or a Series with a DatetimeIndex; or name a packaged ``example``. The
    settings come as keywords, named as the command line's flags
    (``analyze(df, target="units", horizon=12, budget="5m")``), or as a ``Settings``
    whose fields the keywords override; bad values raise ``AdvisorInputError`` with the
    CLI's one-line message.

    Writes ``recommendation.json``, ``report.html``, ``profile.json``, ``model.keras``,
    ``model.py`` and TensorBoard ``logs/`` (the final training's seeds and the diagnostic
    trainings, under any Keras backend) into the run directory (``out``, else
    ``advisor_runs/<name>-<key>``); data from memory is saved there as ``data.csv``,
    which ``model.py`` reads. A rerun resumes what an interrupted one finished
    (``fresh`` starts over); Ctrl-C writes what finished, marked partial, and re-raises.
    ``distributed`` serves the search to keras-tuner workers. A file of labelled
    sequences (``task="classify"``, or detected) is analysed as sequence classification
    and gives a ``ClassAnalysis`` (``advisor.classify``); ``id_col``, ``label``,
    ``split_col`` and ``layout`` (or a ``SequenceOptions`` as ``sequence_options``) name
    its columns where detection should not decide, and a forecasting file refuses them.
    ``history``: the database of earlier analyses (``advisor.store.history``) to start
    from and record into: a forecaster's search first tries the configurations of the
    most similar earlier datasets (``advisor.core.similarity``). ``None`` (the default
    here; the CLI's is the user's data directory) reads and records nothing, so the same
    data, settings and seed always give the same recommendation.
    ``pretrained``: a forecaster's ``.keras`` file (an earlier run's ``model.keras``),
    loaded in Keras' safe mode; verification then compares fine-tuning it with training
    the chosen configuration from scratch (``advisor.verification.pretrained``).
    ``series_col``: the file holds many related series, one per value of that column:
    the analysis runs on the longest, then one model of its configuration pretrained
    across some of the others is fine-tuned against per-series training on a few more
    (``advisor.verification.panel``).
    """
    from advisor.core.options import make_sequence_options, make_settings
    from advisor.diagnostics.probe import probe_lookback
    from advisor.rules import load_rulebook

    start = time.monotonic()
    settings = make_settings(
        settings,
        target=target,
        time_col=time_col,
        task=task,
        horizon=horizon,
        budget=budget,
        seed=seed,
        season=season,
        max_units=max_units,
        lookback=lookback,
        tuner=tuner,
        metric=metric,
        trials=trials,
    )
    if any(v is not None for v in (id_col, label, split_col, layout)):
        sequence_options = make_sequence_options(
            settings, id_col=id_col, label=label, split_col=split_col, layout=layout
        )
    source, settings = data_source(data, example, settings)
    progress(ProgressEvent("intake", "reading the data", 0, 1))
    read = _Bytes.of(source)
    if _task(read, settings, sequence_options) == "classify":
        if series_col is not None:
            raise AdvisorInputError(
                read.shown,
                "--series-col is for many forecasting series in one file, and this one "
                "holds labelled sequences",
                fix="drop --series-col (--id-col names the sequences of a classification file)",
            )
        return _analyze_sequences(
            read,
            source,
            settings,
            sequence_options,
            out,
            rules_files,
            progress,
            command,
            fresh,
            start,
            distributed,
            history,
        )
    # Load the rulebook first: a broken user rule file should fail before any training.
    rulebook = load_rulebook([Path(p) for p in rules_files])
    panel = None
    if series_col is not None:
        from advisor.intake.panel import lead_series, read_panel

        panel = read_panel(read.raw, series_col, settings, read.shown, read.path)
        lead = lead_series(panel)
        # The lead series is what this run analyses; model.py reads it from data.csv.
        source = DataSource(
            None,
            display=f"{read.shown} [{series_col}={lead}]",
            csv=panel.csv[lead],
            name=f"{Path(read.shown).stem}-{lead}",
        )
        read = _Bytes(panel.csv[lead], read.shown, read.path)
    series, profile = _load_series(read, settings)
    lookback = probe_lookback(profile, settings)
    _check_rows(series, profile, lookback)
    from advisor.verification.objective import objective_for

    objective = objective_for(series.task, settings.metric)  # a bad --metric fails now
    run_dir = (
        Path(out) if out else Path(DEFAULT_RUNS_DIR) / f"{source.stem}-{run_key(series, settings)}"
    )
    progress(ProgressEvent("profile", "profile done", 1, 1))

    from advisor.store.rundir import RunDir, identity

    with RunDir.open(run_dir, identity(series.sha256, settings), fresh) as rundir:
        path = source.path or _save_frame(source, rundir.path)
        ctx = _Context(rundir, series, profile, settings, objective, start, path, progress, command)
        return _run(
            ctx,
            rulebook,
            lookback,
            distributed,
            _earlier(ctx, history),
            _pretrained(ctx, pretrained),
            panel,
        )


def _analyze_sequences(
    read: _Bytes,
    source: DataSource,
    settings: Settings,
    options: SequenceOptions | None,
    out: str | Path | None,
    rules_files: Sequence[str | Path],
    progress: ProgressCallback,
    command: str,
    fresh: bool,
    start: float,
    distributed: DistributedOptions | None,
    history: str | os.PathLike[str] | None = None,
) -> ClassAnalysis:
    """``analyze`` for labelled sequences (``advisor.classify``)."""
    from advisor.classify import ClassContext, run_classification, run_identity
    from advisor.rules.loading import load_class_rulebook
    from advisor.store.rundir import RunDir

    if distributed is not None:
        raise AdvisorInputError(
            "--serve", "the distributed search serves forecasting only", fix="drop --serve"
        )
    if settings.metric is not None:
        from advisor.verification.objective import objective_for

        objective_for("classify", settings.metric)  # refused, in the words the CLI uses
    rules = tuple(Path(p) for p in rules_files)
    load_class_rulebook(rules)  # a broken user rule file fails before any training
    options = options or SequenceOptions(time_col=settings.time_col)
    seqs, profile = _load_sequences(read, settings, options)
    progress(ProgressEvent("profile", "profile done", 1, 1))
    run_dir = (
        Path(out)
        if out
        else Path(DEFAULT_RUNS_DIR) / f"{source.stem}-{sequence_key(seqs, settings)}"
    )
    with RunDir.open(run_dir, run_identity(seqs, settings), fresh) as rundir:
        path = source.path or _save_frame(source, rundir.path)
        ctx = ClassContext(
            rundir, seqs, profile, settings, start, str(path.resolve()), progress, command
        )
        return run_classification(ctx, rules, history)


@dataclass(frozen=True)
class Deadlines:
    """When each stage must stop (``time.monotonic`` seconds). Under ``--budget auto``
    none does: the plan is fixed by the data and the settings, not by the machine's speed
    or load, so the same data, settings and seed give the same recommendation."""

    diagnostics: float
    search: float
    cv: float
    end: float

    @classmethod
    def of(cls, start: float, budget_s: float | None) -> Deadlines:
        if budget_s is None:
            return cls(math.inf, math.inf, math.inf, math.inf)
        usable = budget_s - wrap_up_seconds(budget_s)
        search = start + (DIAGNOSTIC_SHARE + SEARCH_SHARE) * usable
        return cls(
            start + DIAGNOSTIC_SHARE * usable,
            search,
            search + CV_SHARE * usable,
            start + usable,
        )

    def reserving(self, seconds: float, now: float) -> Deadlines:
        """These deadlines with the last ``seconds`` before ``end`` kept for the final
        training: the search and the cross-validation share what is left before that, in
        their usual proportion (nothing, where the reserve takes it all)."""
        last = max(now, self.end - seconds)
        if last >= self.cv:
            return self
        search = now + (last - now) * SEARCH_SHARE / (SEARCH_SHARE + CV_SHARE)
        return replace(self, search=min(self.search, search), cv=last)


def wrap_up_seconds(budget_s: float) -> float:
    """What a ``budget_s`` keeps back for the writing and the exit after the last training:
    ``WRAP_UP_SHARE`` of it, within ``WRAP_UP_MIN_S``..``WRAP_UP_MAX_S``, and never more
    than half of it."""
    share = min(WRAP_UP_MAX_S, max(WRAP_UP_MIN_S, WRAP_UP_SHARE * budget_s))
    return min(share, budget_s / 2)


def _estimate_words(seconds: float, budget_s: float | None) -> str:
    """What the whole uncut analysis may take here, said once the cost of an epoch is known."""
    minutes = max(1, math.ceil(seconds / 60))
    if budget_s is None:
        return (
            f"at most about {minutes} minute(s) on this machine (early stopping usually ends "
            "sooner); --budget 2m for a quick, provisional answer"
        )
    if seconds <= budget_s:
        return f"the whole plan fits the --budget (at most about {minutes} minute(s) here)"
    return (
        f"the whole plan needs up to about {minutes} minute(s) here, more than the --budget: "
        "what it cuts makes the verdict provisional (--budget auto cuts nothing)"
    )


@dataclass(frozen=True, eq=False)
class _Context:
    """What every stage after intake needs, for one analysis in one run directory."""

    rundir: RunDir
    series: SeriesData
    profile: Profile
    settings: Settings
    objective: Objective
    start: float
    path: Path
    progress: ProgressCallback
    command: str

    def trainer_for(self, split: Split) -> Trainer:
        """Every training goes through the run directory's cache: a rerun never trains
        what an interrupted run finished."""
        from advisor.diagnostics.cached import CachingTrainer

        context = {"split": asdict(split), "horizon": self.profile.horizon}
        return CachingTrainer(self.keras_trainer(split), self.rundir.cache, context)

    def keras_trainer(self, split: Split) -> KerasTrainer:
        from advisor.diagnostics.trainer import KerasTrainer

        return KerasTrainer(self.series.frame.to_numpy(dtype=float), split, self.profile.horizon)


def _earlier(ctx: _Context, history: str | os.PathLike[str] | None) -> HistoryUse | None:
    """The similar earlier analyses, where a history is in use; read before any training,
    so a history the advisor cannot open stops the analysis at once."""
    if history is None:
        return None
    from advisor.core.similarity import forecast_features
    from advisor.store.earlier import find_neighbours

    features = forecast_features(ctx.profile, len(ctx.series.features))
    use = find_neighbours(Path(history), features, "forecast", ctx.rundir)
    train = ctx.profile.split.train
    positive = ctx.profile.positive
    kept = tuple(n for n in use.neighbours if trainable_here(n.past.config, train, positive))
    if len(kept) < len(use.neighbours):
        left_out = ", ".join(n.past.name for n in use.neighbours if n not in kept)
        note = (
            f"Similar earlier analyses whose configuration this data cannot train as it "
            f"was (its differencing or window needs more than {train} training rows, "
            "or it learned the log of values that here are not all above zero) "
            f"are left out: {left_out}."
        )
        use = replace(use, neighbours=kept, note=" ".join(p for p in (use.note, note) if p))
    if use.neighbours:
        names = ", ".join(n.past.name for n in use.neighbours)
        ctx.progress(ProgressEvent("history", f"similar earlier analyses: {names}", 1, 1))
    return use


def _pretrained(ctx: _Context, path: str | os.PathLike[str] | None) -> Pretrained | None:
    """The pretrained model, loaded and checked against the data before any training."""
    if path is None:
        return None
    if ctx.series.task != "forecast":
        raise AdvisorInputError(str(path), "a pretrained model is compared for forecasting only")
    from advisor.verification.pretrained import load_pretrained

    return load_pretrained(Path(path), ctx.series.frame.shape[1], ctx.profile.horizon)


def _run(
    ctx: _Context,
    rulebook: Rulebook,
    lookback: int,
    distributed: DistributedOptions | None,
    earlier: HistoryUse | None = None,
    pretrained: Pretrained | None = None,
    panel: Panel | None = None,
) -> Analysis:
    trainer = ctx.trainer_for(ctx.profile.split)
    # Whatever precision the diagnostics choose for every later training, the process
    # (a notebook's Keras) gets its own back when the analysis ends.
    with trainer.precision_scope():
        return _run_trainings(
            ctx, trainer, rulebook, lookback, distributed, earlier, pretrained, panel
        )


def _run_trainings(
    ctx: _Context,
    trainer: Trainer,
    rulebook: Rulebook,
    lookback: int,
    distributed: DistributedOptions | None,
    earlier: HistoryUse | None,
    pretrained: Pretrained | None,
    panel: Panel | None,
) -> Analysis:
    from advisor.diagnostics.plan import run_diagnostics
    from advisor.final.cost import final_members
    from advisor.final.training import FINAL_SEEDS, finalize
    from advisor.rules.facts import build_facts
    from advisor.store.events import write_diagnostics
    from advisor.verification.crossval import CV_FOLDS, CV_SEEDS
    from advisor.verification.search import DEFAULT_MAX_TRIALS, SearchOptions
    from advisor.verification.verdict import (
        Budget,
        Interrupted,
        against_baseline,
        held_on_test,
        provisional,
        verify,
    )

    series, profile, settings, progress = ctx.series, ctx.profile, ctx.settings, ctx.progress
    start = ctx.start
    deadlines = Deadlines.of(start, settings.budget_s)
    max_trials = settings.max_trials or DEFAULT_MAX_TRIALS
    # Trials, both configurations' folds x seeds, and the final trainings: for the estimate.
    later = max_trials + 2 * CV_FOLDS * CV_SEEDS + FINAL_SEEDS
    resumed = _resumed_recommendation(ctx.rundir, rulebook)
    if resumed is not None:
        diagnosis, recommendation = resumed
        progress(ProgressEvent("rules", "diagnosis and rules resumed from the run directory", 1, 1))
    else:
        diagnosis = run_diagnostics(
            trainer,
            profile,
            settings,
            deadlines.diagnostics,
            lambda msg, done, total: progress(ProgressEvent("diagnostics", msg, done, total)),
            lambda seconds: progress(
                ProgressEvent("estimate", _estimate_words(seconds, settings.budget_s), 1, 1)
            ),
            later,
        )

        progress(ProgressEvent("rules", "applying the rulebook", 0, 1))
        facts = build_facts(profile, diagnosis, settings, len(series.features), lookback)
        recommendation = rulebook.recommend(facts)
        _save_recommendation(ctx.rundir, rulebook, diagnosis, recommendation)
        progress(ProgressEvent("rules", "rules applied", 1, 1))
    # The diagnostics set it already; a resumed run sets it again here.
    trainer.use_precision(diagnosis.precision)
    # Every diagnostic training's curve as a TensorBoard run, beside the final training's.
    write_diagnostics(
        ctx.rundir.path,
        (
            *diagnosis.precision_runs,
            *diagnosis.lookback_runs,
            *diagnosis.differencing_runs,
            *diagnosis.runs,
        ),
    )

    search_deadline = deadlines.search
    options = SearchOptions(settings.tuner, max_trials, settings.seed, _warm(earlier))
    chief = None
    if distributed is not None:
        from advisor.verification.distributed import Chief, make_job

        job = make_job(
            ctx.series.frame.to_numpy(dtype=float),
            profile.split,
            profile.horizon,
            series.sha256,
            series.path,
            replace(settings, precision=diagnosis.precision),
            ctx.objective.name,
            search_deadline,
        )
        chief = Chief(
            job,
            distributed,
            str(ctx.path.resolve()),
            ctx.rundir.state,
            lambda msg: progress(ProgressEvent("search", msg, 0, options.max_trials)),
        )

    comparison: PretrainedComparison | None = None
    across: PanelComparison | None = None

    def finish(
        verification: Verification | None, final: FinalResult | None, partial: bool
    ) -> Analysis:
        # Jupyter shows what analyze returns as its report (see advisor.notebook).
        from advisor.notebook import NotebookAnalysis

        if verification is not None:
            verification = against_baseline(verification, profile.best_baseline)
            verification = held_on_test(verification, final)
            cuts = (
                *diagnosis.budget_cut,
                *verification.budget_cut,
                *(final.budget_cut if final else ()),
            )
            verification = provisional(verification, cuts, settings.budget_s, diagnosis.estimate_s)

        analysis = NotebookAnalysis(
            data=series,
            settings=settings,
            profile=profile,
            diagnosis=diagnosis,
            recommendation=recommendation,
            verification=verification,
            final=final,
            run_dir=str(ctx.rundir.path),
            versions=versions(),
            command=ctx.command,
            seconds=time.monotonic() - start,
            partial=partial,
            history=earlier,
            pretrained=comparison,
            panel=across,
        )
        if earlier is not None and not partial:
            from advisor.store.earlier import record

            analysis = replace(analysis, history=record(earlier, analysis))
        _write(analysis, progress)
        return analysis

    verification = None
    try:
        verification = verify(
            recommendation,
            trainer,
            ctx.trainer_for,
            ctx.rundir.state,
            profile.split,
            series.rows,
            profile.horizon,
            ctx.objective,
            options,
            Budget(deadlines.search, deadlines.cv),
            progress,
            chief,
        )
        chosen = verification.best_config if verification else recommendation.config
        if pretrained is not None and verification is not None:
            comparison = _compare_pretrained(ctx, pretrained, verification, deadlines.end)
        if panel is not None:
            from advisor.intake.panel import lead_series
            from advisor.verification.panel import compare_panel

            progress(ProgressEvent("panel", "pretraining across the series", 0, 1))
            across = compare_panel(
                panel,
                lead_series(panel),
                chosen,
                profile.horizon,
                ctx.objective,
                settings.seed,
                deadlines.end,
            )
            progress(ProgressEvent("panel", "series compared", 1, 1))
        left = deadlines.end - time.monotonic()
        final_s = _final_estimate(verification, chosen, profile, FINAL_SEEDS)
        # Never cut below the epochs the evidence asked for. Where no training settled
        # them (the budget cut every one), the count is the rules' guess, and the user's
        # budget bounds the final training too.
        settled = verification is not None and verification.final_epochs_settled
        final_deadline = None if settled or settings.budget_s is None else deadlines.end
        # Unsettled epochs stop where the budget ends; fewer seeds then train longer.
        members = final_members(final_s, left, FINAL_SEEDS, settings.budget_s, settled)
        if members < FINAL_SEEDS or left <= 0 or (final_s is not None and final_s > left):
            spent = "the budget is spent" if left <= 0 else f"{left:.0f} s of the budget are left"
            about = (
                f" (about {final_s * members / FINAL_SEEDS:.0f} s on this machine)"
                if final_s is not None
                else ""
            )
            if final_deadline is not None:
                seeds = "its one seed" if members == 1 else f"its {members} seeds"
                what = (
                    f"the final model's {chosen.epochs} suggested epochs{about} stop where "
                    f"the budget ends, shared by {seeds}"
                )
            else:
                what = (
                    f"the final model still trains its {chosen.epochs} epochs with "
                    f"{members} of {FINAL_SEEDS} seeds{about}"
                )
            progress(ProgressEvent("estimate", f"{spent}; {what}", 1, 1))
        averaged = f"{members} seeds, averaged" if members > 1 else "one seed"
        progress(ProgressEvent("final", f"training the final model ({averaged})", 0, 1))
        final = finalize(
            ctx.keras_trainer(profile.split),
            chosen,
            profile,
            series,
            ctx.rundir.path,
            settings.seed,
            final_deadline,
            str(ctx.path.resolve()),
            members,
        )
        progress(ProgressEvent("final", "final model trained", 1, 1))
    except Interrupted as stop:
        finish(stop.verification, None, partial=True)
        raise
    except KeyboardInterrupt:
        finish(verification, None, partial=True)
        raise
    return finish(verification, final, partial=False)


def _compare_pretrained(
    ctx: _Context, pre: Pretrained, ver: Verification, deadline: float
) -> PretrainedComparison:
    """Fine-tuning against from scratch, kept in the run directory once it finished."""
    from advisor.core.records import PretrainedComparison
    from advisor.verification.pretrained import compare_pretrained

    key = json.dumps([pre.sha256, ver.chosen_trial, asdict(ver.best_config)], sort_keys=True)
    saved = ctx.rundir.load_records("pretrained", key, {"comparison": PretrainedComparison})
    if saved is not None:
        return saved["comparison"]
    ctx.progress(ProgressEvent("pretrained", "fine-tuning the pretrained model", 0, 1))
    trial = next((t for t in ver.trials if t.trial_id == ver.chosen_trial), None)
    comparison = compare_pretrained(
        pre,
        ver.best_config,
        ver.chosen_label,
        trial.seconds if trial else math.nan,
        ver.cv,
        ctx.keras_trainer,
        ctx.profile.split,
        ctx.series.rows,
        ctx.profile.horizon,
        ctx.objective,
        ctx.settings.seed,
        deadline,
    )
    ctx.rundir.save_records("pretrained", key, comparison=comparison)
    ctx.progress(ProgressEvent("pretrained", "pretrained comparison done", 1, 1))
    return comparison


def _final_estimate(
    verification: Verification | None, chosen: ModelConfig, profile: Profile, members: int
) -> float | None:
    """``final.cost.final_seconds`` of the chosen configuration, from the search's trials."""
    if verification is None:
        return None
    from advisor.core.splits import train_windows
    from advisor.final.cost import final_seconds

    split, h, d = profile.split, profile.horizon, chosen.differencing
    return final_seconds(
        verification.trials,
        chosen,
        train_windows(split.train - d, chosen.lookback, h),
        train_windows(split.validation_end - d, chosen.lookback, h),
        members,
    )


def _warm(earlier: HistoryUse | None) -> tuple[tuple[int, dict[str, Any]], ...]:
    """The neighbours' configurations as the search's settings, nearest first."""
    if earlier is None:
        return ()
    from advisor.core.settings import config_values
    from advisor.store.document import config_from_dict

    warm = []
    for n in earlier.neighbours:
        try:
            values = config_values(config_from_dict(n.past.config))
        except (KeyError, TypeError, ValueError):
            continue  # a record from another layout of the configuration: not reusable
        # A final configuration's epochs are where early stopping settled on that data;
        # in a search they are a ceiling, so this search keeps its own.
        values.pop("epochs", None)
        warm.append((n.past.id, values))
    return tuple(warm)


def trainable_here(config: dict[str, Any], train_rows: int, positive: bool = True) -> bool:
    """Whether an earlier analysis' configuration (as recommendation.json writes it) can be
    trained as it was on ``train_rows`` rows (``sizing.trainable_on``), and, where it
    learned the log, on values all above zero (``positive``). A day of minute data
    differenced at 1,440 steps, offered to 96 monthly rows, left nothing to train on."""
    if config.get("log_target") and not positive:
        return False
    from advisor.core.sizing import trainable_on

    try:
        lag = int(config.get("differencing") or 0)
        lookback = int(config.get("lookback") or 1)
        season = int(config.get("deseasonalize") or 0)
    except (TypeError, ValueError):
        return False
    return trainable_on(lookback, lag, train_rows, season)


def rules_key(rulebook: Rulebook) -> str:
    """What a saved diagnosis and recommendation were made under: a changed rulebook (or
    advisor version) makes them stale."""
    from advisor import __version__
    from advisor.store.rundir import key_of

    return key_of({"advisor": __version__, "rules": repr(rulebook.rules)})


def _resumed_recommendation(
    rundir: RunDir, rulebook: Rulebook
) -> tuple[Diagnosis, Recommendation] | None:
    """The diagnosis and recommendation a previous run in this directory finished.

    The diagnostic plan depends on the time left, so recomputing them could give
    another recommendation, and with it another search space: the search would start
    over instead of resuming. A changed rulebook (or advisor version) recomputes them;
    ``--fresh`` does too.
    """
    from advisor.core.records import Diagnosis, Recommendation

    saved = rundir.load_records(
        "recommendation",
        rules_key(rulebook),
        {"diagnosis": Diagnosis, "recommendation": Recommendation},
    )
    return None if saved is None else (saved["diagnosis"], saved["recommendation"])


def _save_recommendation(
    rundir: RunDir, rulebook: Rulebook, diagnosis: Diagnosis, recommendation: Recommendation
) -> None:
    rundir.save_records(
        "recommendation", rules_key(rulebook), diagnosis=diagnosis, recommendation=recommendation
    )


def _write(analysis: Analysis, progress: ProgressCallback) -> None:
    from advisor.store.document import to_document

    progress(ProgressEvent("report", "writing the report", 0, 1))
    write_run_files(to_document(analysis), Path(analysis.run_dir), progress)


def write_run_files(document: dict[str, object], run_dir: Path, progress: ProgressCallback) -> None:
    """recommendation.json first: a report that fails to render must not lose it."""
    from advisor.reports.html import render_document

    write_json(run_dir / "recommendation.json", document)
    write_json(run_dir / "profile.json", document["profile"])
    write_text(run_dir / "report.html", render_document(document))
    progress(ProgressEvent("report", "report written", 1, 1))
