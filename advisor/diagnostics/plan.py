"""The diagnostic plan: which short trainings to run, within the time budget.

Two experiments, both at one neutral configuration (``probe_config``):

1. a capacity sweep: a ladder of widths trained together (``Trainer.run_sweep``);
2. a data-size learning curve: the sweep's best width again on the most recent 25% and
   50% of the training windows (its 100% point is the sweep's own run).

Before them, where the rules' lookback or differencing is a guess worth checking, one
small model per candidate (``advisor.diagnostics.probe``) decides it; first of all, on
a GPU that computes in bfloat16, the same small model decides the precision every later
training computes in (``advisor.diagnostics.precision``). What each costs
is measured and the plan chosen from it (``advisor.diagnostics.levels``); the deadline
still stops any training that overruns. What the plan leaves out is listed in
``Diagnosis.cut``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from advisor.core.records import (
    Diagnosis,
    DiagnosticRun,
    ModelConfig,
    Precision,
    Profile,
    Settings,
)
from advisor.core.splits import train_windows
from advisor.diagnostics.comparisons import Noise
from advisor.diagnostics.diagnosis import examine
from advisor.diagnostics.findings import best_run
from advisor.diagnostics.levels import (
    PLAN_LEVELS,
    PLAN_SHARE,
    Plan,
    choose_plan,
    epoch_batches,
    estimate_seconds,
    plan_seconds,
    run_seconds,
)
from advisor.diagnostics.noise import block_length, origin_step
from advisor.diagnostics.precision import ASKED, faster, not_faster, pick_precision
from advisor.diagnostics.precision import SKIPPED as NO_TIME_FOR_PRECISION
from advisor.diagnostics.probe import (
    COMPARE_EPOCHS,
    COMPARE_WIDTH,
    deseasonalize_candidates,
    differencing_candidates,
    log_candidates,
    lookback_candidates,
    patience_for,
    pick_differencing,
    pick_lookback,
    probe_batch,
    probe_config,
    sweep_widths,
    with_units,
)
from advisor.diagnostics.trainer import RunSpec, SweepCost, Trainer

NO_TIME_TO_COMPARE = "differencing compared by training (time budget): the tests chose it"
NO_TIME_TO_TAKE_OUT = (
    "the season's average pattern taken out, compared by training (time budget): not taken out"
)
NO_TIME_TO_LOG = "the log of the values, compared by training (time budget): not taken"
# A data-size run starts only if at least this share of its worst-case time is left
# (early stopping usually ends it well before the worst case).
MIN_RUN_SHARE = 0.5
Progress = Callable[[str, int, int], None]


NO_TIME_TO_COMPARE_LOOKBACK = "lookback compared by training (time budget): the rules chose it"


@dataclass(frozen=True)
class _Bench:
    """What every comparison before the sweep trains with and answers to."""

    trainer: Trainer
    profile: Profile
    settings: Settings
    deadline: float
    report: Callable[[str, int, int], None]

    @property
    def seed(self) -> int:
        return self.settings.seed


def _spec(name: str, config: ModelConfig, fraction: float, seed: int, plan: Plan) -> RunSpec:
    config = replace(config, epochs=plan.epochs, early_stopping_patience=plan.patience)
    return RunSpec(name, config, fraction, seed, plan.max_batches)


def run_diagnostics(
    trainer: Trainer,
    profile: Profile,
    settings: Settings,
    deadline: float,
    progress: Progress | None = None,
    on_estimate: Callable[[float], None] | None = None,
    later_trainings: int = 0,
) -> Diagnosis:
    """Plan from a measured estimate, run the sweep and the data-size runs, diagnose.

    ``deadline`` may be ``math.inf`` (``--budget auto``): the richest plan then runs,
    whatever the machine's speed. ``on_estimate`` hears, once the cost of an epoch is
    measured, the worst-case seconds of the whole uncut analysis, counting
    ``later_trainings`` more trainings (trials, folds, the final model) like one sweep run.
    """

    def report(message: str, done: int, total: int) -> None:
        if progress:
            progress(message, done, total)

    bench = _Bench(trainer, profile, settings, deadline, report)
    widths, cut = sweep_widths(profile, settings)
    base = [probe_config(profile, settings, w) for w in widths]
    seed = settings.seed
    report("measuring the cost of a training epoch", 0, len(widths))
    cost = trainer.sweep_cost(
        [RunSpec(f"width-{w}", c, 1.0, seed) for w, c in zip(widths, base, strict=True)]
    )
    lookback = base[0].lookback
    windows = train_windows(profile.split.train, lookback, profile.horizon)
    batch = base[0].batch_size
    estimate = (
        estimate_seconds(
            cost,
            windows,
            batch,
            _forms(profile),
            later_trainings,
            len(widths),
            len(lookback_candidates(profile, settings)),
        )
        if cost is not None
        else None
    )
    if estimate is not None and on_estimate is not None:
        on_estimate(estimate)
    precision, precision_runs, precision_note, precision_words = _choose_precision(
        bench, base[0], widths[-1], cost
    )
    if precision == "bfloat16" and cost is not None:
        report("measuring the cost of a training epoch in bfloat16", 0, len(widths))
        cost = trainer.sweep_cost(
            [RunSpec(f"width-{w}", c, 1.0, seed) for w, c in zip(widths, base, strict=True)]
        )
    windowed, (window, tied), window_note = _compare_lookback(bench, base[0], widths[-1], cost)
    if window is not None and window != lookback:
        # A shorter window: other training windows, maybe another ladder, and a cheaper
        # epoch, so the cost is measured again.
        widths, cut = sweep_widths(profile, settings, window)
        base = [probe_config(profile, settings, w, window) for w in widths]
        report("measuring the cost of a training epoch", 0, len(widths))
        cost = trainer.sweep_cost(
            [RunSpec(f"width-{w}", c, 1.0, seed) for w, c in zip(widths, base, strict=True)]
        )
        lookback = window
        windows = train_windows(profile.split.train, lookback, profile.horizon)
        batch = base[0].batch_size
    compared, chosen, compare_note = _compare_differencing(bench, base[0], widths[-1], cost)
    if chosen is not None:
        # The target's form changes the data, not the model: the cost measured holds.
        lag, season, log = chosen
        base = [replace(c, differencing=lag, deseasonalize=season, log_target=log) for c in base]
    plan = choose_plan(widths, windows, batch, cost, deadline - time.monotonic(), tuple(cut))
    total = len(widths) + len(plan.fractions)
    notes = [*precision_note, *window_note, *compare_note, *plan.cut]
    budget_cut = [*precision_note, *window_note, *compare_note, *plan.budget_cut]

    report(f"training widths {', '.join(map(str, widths))} together", 0, total)
    specs = [_spec(f"width-{w}", c, 1.0, seed, plan) for w, c in zip(widths, base, strict=True)]
    runs: list[DiagnosticRun] = list(trainer.run_sweep(specs, deadline))
    done = len(runs)

    best = best_run(tuple(runs))
    config = base[widths.index(best.units)] if best.units in widths else base[0]
    setup = cost.setup if cost else 0.0
    for fraction in plan.fractions:
        name = f"width-{best.units}-data-{fraction:.0%}"
        # A run the deadline would cut after a few epochs says nothing about data size.
        need = setup + (run_seconds(cost, windows, batch, plan, fraction) if cost else 0.0)
        if time.monotonic() + MIN_RUN_SHARE * need >= deadline:
            notes.append(f"{name} (time budget)")
            budget_cut.append(f"{name} (time budget)")
            continue
        setup = 0.0  # the data-size runs share one model: traced once
        report(f"training {name}", done, total)
        runs.extend(trainer.run_sweep([_spec(name, config, fraction, seed, plan)], deadline))
        done += 1
    report("diagnostic trainings done", total, total)
    stopped = [f"{r.name} stopped at the deadline" for r in runs if r.stopped_reason == "budget"]
    notes.extend(stopped)
    budget_cut.extend(stopped)
    noise = _noise(profile, runs, seed)
    exam = examine(tuple(runs), profile.best_baseline, profile.complexity.ar_r2, noise)
    planned = plan.describe()
    if compared:
        planned = f"{_describe_forms(compared)} compared at width {compared[0].units}; {planned}"
    if windowed:
        sizes = "/".join(str(r.lookback) for r in windowed)
        planned = f"lookbacks {sizes} compared at width {windowed[0].units}; {planned}"
    if precision_words:
        planned = f"{precision_words}; {planned}"
    return Diagnosis(
        tuple(runs),
        exam.findings,
        planned,
        tuple(notes),
        tuple(compared),
        None if chosen is None else chosen[0],
        primary=exam.primary,
        notes=exam.notes,
        budget_cut=tuple(budget_cut),
        estimate_s=estimate,
        lookback_runs=tuple(windowed),
        lookback=window,
        lookback_tied=tied,
        deseasonalize=None if chosen is None else chosen[1],
        log_target=None if chosen is None else chosen[2],
        precision=precision,
        precision_runs=tuple(precision_runs),
    )


def _noise(profile: Profile, runs: Sequence[DiagnosticRun], seed: int) -> Noise:
    """How the comparisons of ``runs`` draw their noise band: blocks of the validation
    origins that share target rows (``noise.block_length``)."""
    split, h = profile.split, profile.horizon
    origins = max((len(r.val_errors) for r in runs), default=0)
    return Noise(block_length(origins, h, origin_step(split.train, split.validation_end, h)), seed)


def _choose_precision(
    bench: _Bench, probe: ModelConfig, widest: int, cost: SweepCost | None
) -> tuple[Precision, list[DiagnosticRun], list[str], str]:
    """The precision every later training computes in, set on ``trainer``: the user's
    where asked; float32 where the device has no native bfloat16; else bfloat16 where one
    batch of the comparison's small model is clearly faster in it and its validation
    score holds (``precision.pick_precision``).

    Returns it, the two runs where they trained, a note for ``Diagnosis.cut`` where the
    budget left the comparison out, and the plan's words (empty for plain float32).
    """
    trainer, profile, settings = bench.trainer, bench.profile, bench.settings
    if settings.precision != "auto":
        trainer.use_precision(settings.precision)
        asked = settings.precision == "bfloat16"
        words = ASKED if asked else ""
        return settings.precision, [], [], words
    trainer.use_precision("float32")
    if cost is None or not trainer.bf16_capable():
        return "float32", [], [], ""
    width = min(COMPARE_WIDTH, widest)
    timed = RunSpec("precision", with_units(probe, width), 1.0, settings.seed)
    bench.report("timing a batch in bfloat16 and float32", 0, 2)
    single = trainer.sweep_cost([timed])
    trainer.use_precision("bfloat16")
    half = trainer.sweep_cost([timed])
    trainer.use_precision("float32")
    ratio = half.batch / single.batch if half and single and single.batch > 0 else math.inf
    if not faster(ratio):
        return "float32", [], [], not_faster(ratio, width)
    configs = [(f"precision-{p}", probe) for p in ("float32", "bfloat16")]
    runs, note = _compare(
        bench, configs, widest, cost, NO_TIME_FOR_PRECISION, ("float32", "bfloat16")
    )
    if note:
        return "float32", [], note, ""
    chosen, words = pick_precision(runs[0], runs[1], ratio, _noise(profile, runs, settings.seed))
    trainer.use_precision(chosen)
    return chosen, runs, [], words


def _forms(profile: Profile) -> int:
    """How many forms of the target ``_compare_differencing`` trains at most."""
    taken_out = len(deseasonalize_candidates(profile))
    logged = log_candidates(profile)
    return (
        len(differencing_candidates(profile))
        + taken_out
        + len(logged)
        + (taken_out if logged else 0)
    )


def _describe_forms(runs: Sequence[DiagnosticRun]) -> str:
    """The forms compared, for the plan: "differencing lags 0/1/12, and 0/1 with the
    season's pattern taken out, and 0/1/12 of the log, and 0/1 of the log with the
    season's pattern taken out,"."""

    def lags(season: bool, log: bool) -> str:
        return "/".join(
            str(r.differencing)
            for r in runs
            if bool(r.deseasonalize) == season and r.log_target == log
        )

    text = f"differencing lags {lags(False, False)}"
    for season, log, words in (
        (True, False, "with the season's pattern taken out"),
        (False, True, "of the log"),
        (True, True, "of the log with the season's pattern taken out"),
    ):
        if lags(season, log):
            text += f", and {lags(season, log)} {words}"
    return text + ("," if text.count(", and") else "")


def _compare_differencing(
    bench: _Bench, probe: ModelConfig, widest: int, cost: SweepCost | None
) -> tuple[list[DiagnosticRun], tuple[int, int, bool] | None, list[str]]:
    """Train one small model per form of the target and keep the best
    (``pick_differencing``): per candidate lag, per lag after the primary season's
    average pattern is taken out (``deseasonalize_candidates``) and, where the spread
    grows with the level (``log_candidates``), the same on the target's log.

    ``probe`` is the sweep's configuration, differenced as the statistical tests chose.
    Returns the runs, the chosen ``(lag, season taken out, log)`` (``None`` where the
    comparison did not run) and a note for ``Diagnosis.cut`` where the budget left it
    out, or left out the season's pattern or the log alone.
    """
    profile = bench.profile
    lags = differencing_candidates(profile)
    if len(lags) < 2:
        return [], None, []
    configs = [(f"differencing-{lag}", replace(probe, differencing=lag)) for lag in lags]
    runs, note = _compare(bench, configs, widest, cost, NO_TIME_TO_COMPARE)
    if note:
        return [], None, note
    # The season's pattern taken out is compared second, on what time is left: a budget
    # that pays for the lags alone still gets the comparison it had before.
    season = profile.seasonal_period or 0
    taken_out = [
        (f"deseasonalized-{lag}", replace(probe, differencing=lag, deseasonalize=season))
        for lag in deseasonalize_candidates(profile)
    ]
    notes: list[str] = []
    if taken_out:
        more, notes = _compare(bench, taken_out, widest, cost, NO_TIME_TO_TAKE_OUT)
        runs += more
    # The log is compared last, on what time is left, in each form compared before it.
    logged = [
        (f"log-differencing-{lag}", replace(probe, differencing=lag, log_target=True))
        for lag in log_candidates(profile)
    ]
    if logged:
        logged += [
            (f"log-{name}", replace(config, log_target=True))
            for name, config in taken_out
            if any(r.name == name for r in runs)
        ]
        more, log_notes = _compare(bench, logged, widest, cost, NO_TIME_TO_LOG)
        runs += more
        notes += log_notes
    return runs, pick_differencing(runs, probe.differencing), notes


def _compare_lookback(
    bench: _Bench, probe: ModelConfig, widest: int, cost: SweepCost | None
) -> tuple[list[DiagnosticRun], tuple[int | None, int | None], list[str]]:
    """Train one small model per candidate window and keep the best, with the window it
    could not tell from it (``pick_lookback``); as ``_compare_differencing``."""
    profile, settings = bench.profile, bench.settings
    lookbacks = lookback_candidates(profile, settings)
    if len(lookbacks) < 2:
        return [], (None, None), []
    configs = [
        (
            f"lookback-{n}",
            replace(probe, lookback=n, batch_size=probe_batch(profile, settings, n)),
        )
        for n in lookbacks
    ]
    runs, note = _compare(bench, configs, widest, cost, NO_TIME_TO_COMPARE_LOOKBACK)
    if note:
        return [], (None, None), note
    return runs, pick_lookback(runs, _noise(profile, runs, settings.seed)), []


def _compare(
    bench: _Bench,
    configs: Sequence[tuple[str, ModelConfig]],
    widest: int,
    cost: SweepCost | None,
    skipped: str,
    precisions: Sequence[Precision] = (),
) -> tuple[list[DiagnosticRun], list[str]]:
    """Train each named configuration as one small model (COMPARE_WIDTH, at most
    COMPARE_EPOCHS), where the worst case of all of them and the leanest sweep fit the
    time left; else train nothing and return the note ``skipped`` says. Where
    ``precisions`` is given, each configuration computes in its own (the trainer's own
    precision is back afterwards); else all in the trainer's.

    ``cost`` was measured on the sweep's configuration, whose window is the longest any
    candidate has, so it bounds each candidate's epoch from above. Under a budget the
    small model's own epoch is measured too: the fused sweep's widths (up to 256 units)
    cost several times one of COMPARE_WIDTH, and a bound that loose skipped comparisons
    on a long series that had the time for them. The measured model is the one the first
    candidates then train (the trainer keeps it by shape), so little is spent twice.
    """
    trainer, profile, deadline, seed = bench.trainer, bench.profile, bench.deadline, bench.seed
    width = min(COMPARE_WIDTH, widest)
    probe = configs[0][1]
    windows = train_windows(profile.split.train, probe.lookback, profile.horizon)
    available = deadline - time.monotonic()
    if available <= 0:
        return [], [skipped]
    fused = cost  # the sweep's own cost: what the leanest sweep plan must still fit
    if cost is not None and math.isfinite(deadline):
        longest = max((c for _, c in configs), key=lambda c: c.lookback)
        small = trainer.sweep_cost([RunSpec("compare", with_units(longest, width), 1.0, seed)])
        cost = small or cost
        available = deadline - time.monotonic()
    plan = choose_plan((width,), windows, probe.batch_size, cost, available)
    epochs = min(plan.epochs, COMPARE_EPOCHS)
    plan = replace(plan, epochs=epochs, patience=patience_for(epochs), fractions=())
    if cost is not None:
        each = []
        for _, config in configs:
            n = epoch_batches(
                train_windows(profile.split.train, config.lookback, profile.horizon),
                1.0,
                config.batch_size,
            )
            each.append(epochs * cost.epoch(min(n, plan.max_batches or n)))
        # One traced model serves every candidate of one shape, so at most one set-up each.
        need = len({c.lookback for _, c in configs}) * cost.setup + sum(each)
        leanest = plan_seconds(
            fused or cost, windows, probe.batch_size, PLAN_LEVELS[-1][0], (), None
        )
        if need + leanest > PLAN_SHARE * available:
            return [], [f"{skipped} (needs up to {need:.0f} s)"]
    runs: list[DiagnosticRun] = []
    with trainer.precision_scope():
        for i, (name, config) in enumerate(configs):
            bench.report(f"comparing {name.replace('-', ' ')}", i, len(configs))
            if precisions:
                trainer.use_precision(precisions[i])
            spec = _spec(name, with_units(config, width), 1.0, seed, plan)
            runs.extend(trainer.run_sweep([spec], deadline))
    return runs, []


__all__ = ["run_diagnostics"]
