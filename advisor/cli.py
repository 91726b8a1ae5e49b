"""The command line: the only place that prints and sets exit codes.

Imports stay light at module level so ``advisor --help`` answers at once; the pipeline
(and with it TensorFlow) loads only inside the commands that train.

Every command lives here (some 550 lines): typer builds the app from these functions,
and each only turns flags into a call of the pipeline and its result into output; what
the output says is built in ``reports`` and the work is done in the stages.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from advisor.cli_common import err, out
from advisor.cli_common import escape as _escape
from advisor.cli_common import fail as _fail
from advisor.cli_common import user_errors as _user_errors
from advisor.history_cli import history_app

if TYPE_CHECKING:
    from advisor.api import SequenceProfile, SeriesProfile
    from advisor.core.progress import ProgressEvent
    from advisor.core.records import Settings
    from advisor.core.sequences import SequenceOptions
    from advisor.rules import Rule

app = typer.Typer(
    name="advisor",
    help="Chooses LSTM settings for your data with a short, explained experiment.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
rules_app = typer.Typer(
    help="List, show and check the rules behind the advice.", no_args_is_help=True
)
app.add_typer(rules_app, name="rules")
app.add_typer(history_app, name="history")

Target = Annotated[
    str | None, typer.Option(help="Column to forecast (default: the only numeric one).")
]
TimeCol = Annotated[str | None, typer.Option("--time-col", help="Time column (default: detected).")]
Task = Annotated[
    str, typer.Option(help="forecast, classify or auto (decided from the file's columns).")
]
IdCol = Annotated[
    str | None,
    typer.Option(
        "--id-col", help="Classification: the column naming each sequence (default: detected)."
    ),
]
Label = Annotated[
    str | None,
    typer.Option(
        help="Classification: the column holding each sequence's class (default: detected)."
    ),
]
SplitCol = Annotated[
    str | None,
    typer.Option(
        "--split-col",
        help="Classification: a column of train/test per sequence (default: one named split).",
    ),
]
Layout = Annotated[
    str,
    typer.Option(
        help="Classification: long (a row per time step), wide (a row per sequence) or auto."
    ),
]
Horizon = Annotated[int | None, typer.Option(help="Steps ahead to forecast.")]
Budget = Annotated[
    str,
    typer.Option(
        help="Wall-clock budget: auto (the whole plan, estimated on this machine and never "
        "cut) or e.g. 90s, 2m, 1h (a quicker, provisional answer where it cuts anything)."
    ),
]
Seed = Annotated[int, typer.Option(help="Random seed: same data, settings and seed, same advice.")]
Season = Annotated[
    int | None, typer.Option(help="Season length, if you know it (e.g. 12 for monthly).")
]
MaxUnits = Annotated[int | None, typer.Option("--max-units", help="Largest LSTM width you accept.")]
Lookback = Annotated[
    int | None, typer.Option(help="Fix the lookback window (time steps fed to the model).")
]
OutDir = Annotated[
    Path | None, typer.Option("--out", help="Run directory (default: advisor_runs/<name>-<key>).")
]
Example = Annotated[
    str | None, typer.Option(help="Use a packaged example dataset instead of DATA: airline.")
]
RulesFiles = Annotated[
    list[Path] | None, typer.Option("--rules", help="Extra rule file (TOML); repeatable.")
]
Data = Annotated[Path | None, typer.Argument(help="CSV file (plain or gzip).", show_default=False)]
TunerKind = Annotated[
    str, typer.Option("--tuner", help="Verification search: bayesian, hyperband, random or grid.")
]
Metric = Annotated[
    str | None,
    typer.Option(help="Search objective (default: val_rmse for forecasting; or val_loss)."),
]
Trials = Annotated[
    int | None,
    typer.Option("--trials", help="Most search trials (default 12); the budget may stop sooner."),
]
PrecisionOption = Annotated[
    str,
    typer.Option(
        "--precision",
        help="What the models compute in: auto (bfloat16 where a GPU computes in it natively "
        "and the validation score holds, else float32), float32 or bfloat16.",
    ),
]
Fresh = Annotated[
    bool, typer.Option("--fresh", help="Start over instead of resuming this run directory.")
]
Workers = Annotated[
    int | None,
    typer.Option(
        min=0,
        help="Distributed search: serve the oracle and start N local workers "
        "(0: only workers that join with `advisor worker --chief`).",
    ),
]
Bind = Annotated[
    str,
    typer.Option(
        help="Address the distributed chief listens on. The oracle has no authentication: "
        "anyone who can reach it can join and read the data.",
    ),
]
Port = Annotated[
    int, typer.Option(min=0, max=65535, help="Chief port for distributed search (0: any free).")
]
HistoryFile = Annotated[
    Path | None,
    typer.Option(
        "--history",
        help="The database of earlier analyses to start from and record into (default: "
        "$ADVISOR_HISTORY, else history.sqlite3 in your data folder).",
        show_default=False,
    ),
]
NoHistory = Annotated[
    bool,
    typer.Option(
        "--no-history",
        help="Neither read nor record earlier analyses: the same data, settings and seed "
        "then always give the same recommendation.",
    ),
]
SeriesCol = Annotated[
    str | None,
    typer.Option(
        "--series-col",
        help="The file holds many related series (stores, sensors, meters), one per "
        "value of this column: the longest is analysed, then a model pretrained across "
        "others is fine-tuned against per-series training on a few more.",
        show_default=False,
    ),
]
PretrainedFile = Annotated[
    Path | None,
    typer.Option(
        "--pretrained",
        help="A forecaster saved as .keras (an earlier run's model.keras): verification "
        "compares fine-tuning it with training from scratch on the same folds and seeds.",
        show_default=False,
    ),
]
Explain = Annotated[
    bool,
    typer.Option(
        "--explain",
        help="Also print the reasons: every rule that fired and why, all findings, the "
        "verification (the report has them either way).",
    ),
]


def _settings(**options: Any) -> Settings:
    """The flags as ``Settings``, checked by the same code as ``analyze``'s keywords."""
    from advisor.core.options import make_settings

    with _user_errors():
        return make_settings(spelling="flag", **options)


def _sequence_options(settings: Settings, **options: Any) -> SequenceOptions:
    """The classification flags, checked before any file is read."""
    from advisor.core.options import make_sequence_options

    with _user_errors():
        return make_sequence_options(settings, spelling="flag", **options)


class _Bars:
    """Rich progress bars, one per stage, with an estimate of the time left."""

    def __init__(self) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.fields[stage]:<12}"),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=err,
            transient=True,
        )
        self.tasks: dict[str, Any] = {}

    def __call__(self, event: ProgressEvent) -> None:
        if event.stage == "estimate":
            # Said once and kept: printed above the bars, which vanish when done.
            self.progress.console.print(f"[bold]time:[/] {_escape(event.message)}")
            return
        task = self.tasks.get(event.stage)
        if task is None:
            task = self.progress.add_task(
                event.message, total=max(1, event.total), stage=event.stage
            )
            self.tasks[event.stage] = task
        self.progress.update(
            task,
            description=_escape(event.message),
            completed=event.done,
            total=max(1, event.total),
        )


@app.command()
def analyze(
    data: Data = None,
    target: Target = None,
    time_col: TimeCol = None,
    task: Task = "auto",
    horizon: Horizon = None,
    budget: Budget = "auto",
    seed: Seed = 0,
    season: Season = None,
    max_units: MaxUnits = None,
    lookback: Lookback = None,
    out_dir: OutDir = None,
    example: Example = None,
    rules: RulesFiles = None,
    tuner: TunerKind = "bayesian",
    metric: Metric = None,
    trials: Trials = None,
    precision: PrecisionOption = "auto",
    fresh: Fresh = False,
    workers: Workers = None,
    bind: Bind = "127.0.0.1",
    port: Port = 0,
    explain: Explain = False,
    id_col: IdCol = None,
    label: Label = None,
    split_col: SplitCol = None,
    layout: Layout = "auto",
    history: HistoryFile = None,
    no_history: NoHistory = False,
    pretrained: PretrainedFile = None,
    series_col: SeriesCol = None,
) -> None:
    """Profile DATA, run diagnostic trainings, apply the rules, verify, and write a report.

    A run directory is keyed by the data and the settings: the same command again
    resumes an interrupted run (--fresh starts over). The terminal gets one screen (the
    verdict, the settings, the main finding, the test scores); the reasons are in the
    report, and --explain prints them too. A file of labelled sequences (or --task
    classify) is analysed as sequence classification: --id-col, --label, --split-col and
    --layout say how to read it where detection should not decide. Each finished
    forecasting analysis is recorded in a local history; a later one on a similar series
    tries the earlier winners first (--no-history: neither).
    """
    from advisor.api import data_source

    settings = _settings(
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
        precision=precision,
    )
    options = _sequence_options(
        settings, id_col=id_col, label=label, split_col=split_col, layout=layout
    )
    from advisor.verification.distributed import DistributedOptions
    from advisor.verification.objective import objective_for

    with _user_errors():
        data_source(data, example, settings)  # no data, or both: said first
        if settings.task != "classify" or metric:
            objective_for(settings.task, metric)
    distributed = None
    if workers is not None or bind != "127.0.0.1" or port:
        distributed = DistributedOptions(workers or 0, bind, port)
    from advisor.api import analyze as run_analysis
    from advisor.core.class_analysis import ClassAnalysis
    from advisor.reports.terminal import summary_renderables
    from advisor.store.document import to_document

    command = "advisor " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    bars = _Bars()
    from advisor.core import interrupt

    interrupt.install()
    with _user_errors(), bars.progress:
        result = run_analysis(
            data,
            example=example,
            settings=settings,
            out=out_dir,
            rules_files=rules or [],
            progress=bars,
            command=command,
            fresh=fresh,
            distributed=distributed,
            sequence_options=options,
            history=None if no_history else (history or _default_history()),
            pretrained=pretrained,
            series_col=series_col,
        )
    if isinstance(result, ClassAnalysis):
        from advisor.reports.class_terminal import class_analysis_renderables

        for renderable in class_analysis_renderables(result):
            out.print(renderable)
        return
    for renderable in summary_renderables(to_document(result), result.run_dir, explain=explain):
        out.print(renderable)


def _default_history() -> Path:
    from advisor.store.history import default_history_path

    return default_history_path()


@app.command()
def worker(
    chief: Annotated[
        str,
        typer.Option(help="The chief's HOST:PORT, as `advisor analyze --workers` reports it."),
    ],
    data: Annotated[
        Path | None,
        typer.Argument(
            help="The chief's CSV, needed only when its series is too large to send.",
            show_default=False,
        ),
    ] = None,
    worker_id: Annotated[
        str | None, typer.Option("--id", help="This worker's name (default: host and pid).")
    ] = None,
    wait: Annotated[
        float, typer.Option(min=0.1, help="Seconds to wait for the chief to answer.")
    ] = 120.0,
    parent_pid: Annotated[int | None, typer.Option("--parent-pid", hidden=True)] = None,
    cache: Annotated[Path | None, typer.Option("--cache", hidden=True)] = None,
) -> None:
    """Join a distributed search: train the trials a chief hands out until it says stop."""
    from advisor.verification.distributed import run_worker

    with _user_errors():
        ended = run_worker(chief, worker_id, data, parent_pid, cache, wait)
    err.print(f"worker finished: {_escape(ended)}")


@app.command()
def profile(
    data: Data = None,
    target: Target = None,
    time_col: TimeCol = None,
    task: Task = "auto",
    horizon: Horizon = None,
    season: Season = None,
    id_col: IdCol = None,
    label: Label = None,
    split_col: SplitCol = None,
    layout: Layout = "auto",
    out_dir: OutDir = None,
    example: Example = None,
) -> None:
    """Profile DATA and write profile.json: for forecasting the size, autocorrelation,
    season, stationarity and baselines; for sequence classification the classes, lengths
    and baselines (majority class, 1-NN DTW, MiniRocket)."""
    from advisor.api import SequenceProfile, data_source
    from advisor.api import profile as run_profile

    settings = _settings(
        target=target, time_col=time_col, task=task, horizon=horizon, season=season
    )
    options = _sequence_options(
        settings, id_col=id_col, label=label, split_col=split_col, layout=layout
    )
    bars = _Bars()
    with _user_errors(), bars.progress:
        source, settings = data_source(data, example, settings)
        result = run_profile(source, settings, options, bars)
    if isinstance(result, SequenceProfile):
        _sequence_profile(result, settings, source.stem, out_dir)
    else:
        _series_profile(result, settings, source.stem, out_dir)


def _sequence_profile(
    result: SequenceProfile, settings: Settings, stem: str, out_dir: Path | None
) -> None:
    from advisor.api import DEFAULT_RUNS_DIR, sequence_key
    from advisor.reports.class_terminal import class_profile_renderables
    from advisor.store.atomic import write_json
    from advisor.store.document import class_profile_to_dict

    key = sequence_key(result.data, settings)
    run_dir = out_dir or Path(DEFAULT_RUNS_DIR) / f"{stem}-{key}"
    write_json(run_dir / "profile.json", class_profile_to_dict(result.profile))
    written = str(run_dir / "profile.json")
    for renderable in class_profile_renderables(result.data, result.profile, written):
        out.print(renderable)


def _series_profile(
    result: SeriesProfile, settings: Settings, stem: str, out_dir: Path | None
) -> None:
    from rich.table import Table

    from advisor.api import DEFAULT_RUNS_DIR, run_key
    from advisor.store.atomic import write_json
    from advisor.store.document import profile_to_dict

    series, prof = result.data, result.profile
    run_dir = out_dir or Path(DEFAULT_RUNS_DIR) / f"{stem}-{run_key(series, settings)}"
    write_json(run_dir / "profile.json", profile_to_dict(prof))

    table = Table(title=f"Profile of {_escape(series.path)}", show_header=True)
    table.add_column("what")
    table.add_column("value")
    rows = [
        ("target", series.target),
        (
            "rows (train / validation / test)",
            f"{prof.rows} ({prof.split.train} / {prof.split.validation} / {prof.split.test})",
        ),
        ("horizon", str(prof.horizon)),
        ("seasonal period", f"{prof.seasonal_period or 'none'} ({prof.season_source})"),
        ("seasons in the data", ", ".join(map(str, prof.seasonality.periods)) or "none"),
        (
            "seasonal / trend strength (STL)",
            f"{prof.seasonality.seasonal_strength:.2f} / {prof.seasonality.trend_strength:.2f}",
        ),
        (
            "stationarity",
            f"{prof.stationarity} (ADF p={prof.adf_pvalue:.3f}, KPSS p={prof.kpss_pvalue:.3f})",
        ),
        (
            "differencing (ndiffs / nsdiffs)",
            f"{prof.unit_root.differencing_order} / {prof.unit_root.seasonal_differencing_order}",
        ),
        ("trend strength", f"{prof.trend_strength:.2f}"),
        ("significant lags", ", ".join(map(str, prof.significant_lags[:12])) or "none"),
        (
            "AR order (AIC) / variance it explains",
            f"{prof.lags.ar_order} / {prof.complexity.ar_r2:.2f}",
        ),
        (
            "lookback (range)",
            f"{prof.lags.lookback} ({prof.lags.lookback_low}-{prof.lags.lookback_high}): "
            f"{prof.lags.lookback_reason}",
        ),
        (
            "spectral / permutation entropy",
            f"{prof.complexity.spectral_entropy:.2f} / {prof.complexity.permutation_entropy:.2f}",
        ),
        (
            "nonlinearity (BDS)",
            f"{'yes' if prof.complexity.nonlinear else 'no'} (p={prof.complexity.bds_pvalue:.3g})"
            if prof.complexity.bds_pvalue == prof.complexity.bds_pvalue  # NaN: not tested
            else "not tested (series too short)",
        ),
        ("signal-to-noise (trend+season / remainder)", f"{prof.seasonality.snr:.3g}"),
        (
            "outliers / level shifts",
            f"{prof.quality.outliers} ({prof.quality.outlier_share:.1%}) / "
            f"{len(prof.quality.level_shifts)}",
        ),
        (
            "tails (excess kurtosis)",
            f"{'heavy' if prof.quality.heavy_tails else 'normal'} "
            f"({prof.quality.excess_kurtosis:.2f})",
        ),
        ("missing target values", f"{prof.missing_share:.1%}"),
        *(
            (f"covariate {c.name}", f"r={c.correlation:+.2f} at lag {c.lag}")
            for c in prof.quality.covariates
        ),
        (
            "training windows / widest LSTM for them",
            f"{prof.size.train_windows} at lookback {prof.size.lookback} / "
            f"{prof.size.max_units} units",
        ),
        *((f"baseline {b.name}", f"validation RMSE {b.rmse:.4g}") for b in prof.baselines),
        *(("notice", n) for n in series.notices + prof.notes),
    ]
    for what, value in rows:
        table.add_row(_escape(what), _escape(value))
    out.print(table)
    out.print(f"wrote {_escape(str(run_dir / 'profile.json'))}")


@app.command()
def report(
    run_dir: Annotated[Path, typer.Argument(help="A run directory written by `advisor analyze`.")],
    explain: Explain = False,
) -> None:
    """Re-render report.html from a run directory's recommendation.json and print its summary."""
    import json

    from advisor.reports.html import render_document
    from advisor.reports.terminal import REPORT_NAME, summary_renderables
    from advisor.store.atomic import write_text

    source = run_dir / "recommendation.json"
    if not source.is_file():
        _fail(
            f"{run_dir}: no recommendation.json here; fix: pass a directory written by `advisor analyze`"
        )
    try:
        document = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        _fail(
            f"{source}: not a readable recommendation ({exc.__class__.__name__}); fix: rerun `advisor analyze`"
        )
    from advisor.store.schema import is_classification, readable_schema

    problem = readable_schema(document)
    if problem is not None:
        _fail(f"{source}: {problem}")
    from advisor.reports.info import parse_document

    try:
        # The typed parse is where a missing or malformed entry shows; rendering after it
        # is the report's own code, whose errors are bugs and keep their traceback.
        if is_classification(document):
            from advisor.reports.class_info import parse_class_document

            parse_class_document(document)
        else:
            parse_document(document)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        _fail(
            f"{source}: an incomplete or edited recommendation ({exc.__class__.__name__}: "
            f"{exc}); fix: rerun `advisor analyze`"
        )
    write_text(run_dir / REPORT_NAME, render_document(document))
    # The folder as given, not the document's run.dir: the run may have been moved since.
    for renderable in summary_renderables(document, str(run_dir), explain=explain):
        out.print(renderable)


def _rule_action(rule: Rule) -> str:
    """What a rule does, in a few words: ``set units to 32``, ``clamp … to 3-30``."""
    if rule.value is not None:
        return f"{rule.action} {rule.setting} to {rule.value}"
    words = _range_words(rule)
    return f"{rule.action} {rule.setting}" + (f" to {words}" if words else "")


@rules_app.command("list")
def rules_list(rules: RulesFiles = None) -> None:
    """Every rule on one line: its id, confidence and what it does (`show ID` for the why)."""
    from rich.text import Text

    from advisor.rules import load_rulebook

    with _user_errors():
        book = load_rulebook(rules or [])
    # Laid out by hand, not as a rich Table: with every column unwrappable a Table drops
    # or crops columns at 80 characters. The ids line up whole (an id is what `rules
    # show` takes); each line ends with an ellipsis at the terminal's edge: one a rule.
    id_width = max((len(rule.id) for rule in book.rules), default=2) + 2

    def line(rule_id: str, confidence: str, does: str, style: str = "") -> Text:
        # Text, not markup: a rule's fields come from a user's file and show as typed.
        return Text(f"{rule_id.ljust(id_width)}{confidence.rjust(5)}  {does}", style=style)

    # no_wrap and overflow on print: print joins Text arguments anew, dropping their own.
    one_line: dict[str, Any] = {"no_wrap": True, "overflow": "ellipsis"}
    out.print(line("id", "conf.", "what it does"), style="bold", **one_line)
    for rule in book.rules:
        out.print(line(rule.id, f"{rule.confidence:.0%}", _rule_action(rule)), **one_line)
    out.print(
        f"{len(book.rules)} rules; `advisor rules show ID` gives one in full, with its rationale.",
        markup=False,
        highlight=False,
    )


@rules_app.command("show")
def rules_show(rule_id: str, rules: RulesFiles = None) -> None:
    """One rule in full: its condition, action, rationale and references."""
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    from advisor.rules import load_rulebook

    with _user_errors():
        rule = load_rulebook(rules or []).get(rule_id)
    fields: list[tuple[str, object]] = [
        ("id", rule.id),
        ("when", rule.when),
        ("setting", rule.setting),
        ("action", rule.action),
        ("value", rule.value),
        ("range", _range_words(rule)),
        ("choices", ", ".join(rule.choices) or None),
        ("priority", rule.priority),
        ("confidence", f"{rule.confidence:.0%}"),
        ("source", rule.source),
    ]
    # Text, not markup, throughout: every field may come from a user's rule file.
    for name, value in fields:
        if value is not None:
            out.print(Text.assemble((f"{name}: ", "bold"), str(value)))
    out.print(Text("rationale:", style="bold"))
    out.print(Padding(Text(rule.rationale.strip()), (0, 0, 0, 2)))
    if rule.references:
        out.print(Text("references:", style="bold"))
        # A grid, so a reference that wraps stays indented under its dash.
        refs = Table.grid(padding=(0, 1))
        refs.add_column(no_wrap=True)
        refs.add_column()
        for ref in rule.references:
            refs.add_row("  -", Text(ref))
        out.print(refs)


def _range_words(rule: Rule) -> str | None:
    """A declared range as ``low-high`` (an open end as ``…``), or ``None``."""
    if rule.range is None or not (rule.range.low or rule.range.high):
        return None
    low, high = rule.range.low or "…", rule.range.high or "…"
    return f"{low}-{high}" + (" (log scale)" if rule.range.log else "")


@rules_app.command("check")
def rules_check(file: Annotated[Path, typer.Argument(help="A rule file (TOML).")]) -> None:
    """Check a rule file: syntax, known facts and settings, types."""
    from advisor.rules import check_rule_file

    with _user_errors():
        checked = check_rule_file(file)
    out.print(f"{_escape(str(file))}: {len(checked)} rules OK")


def main() -> None:
    app()
