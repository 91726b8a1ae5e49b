"""The diagnostic plan: which short trainings to run, within the time budget.

Two experiments, both at one neutral configuration (``probe_config``):

1. a capacity sweep: a ladder of widths trained together (``Trainer.run_sweep``);
2. a data-size learning curve: the sweep's best width again on the most recent 25% and
   50% of the training windows (its 100% point is the sweep's own run).

The plan is made up front: the trainer measures what one epoch of the fused sweep
costs (``Trainer.sweep_cost``), and the plan takes the richest level of
``PLAN_LEVELS`` (epochs, data fractions) that fits the time left. Levels are coarse, so
that a quiet and a busy machine, whose measurements differ by tens of percent, mostly
choose the same plan and so give the same recommendation; the deadline still stops any
training that overruns. What the plan leaves out is listed in ``Diagnosis.cut``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from advisor.core.records import (
    Diagnosis,
    DiagnosticRun,
    LayerConfig,
    ModelConfig,
    Profile,
    Settings,
)
from advisor.core.sizing import lstm_params, max_lookback
from advisor.core.splits import train_windows
from advisor.diagnostics.comparisons import Noise
from advisor.diagnostics.diagnosis import examine
from advisor.diagnostics.findings import best_run
from advisor.diagnostics.noise import block_length, origin_step
from advisor.diagnostics.trainer import RunSpec, SweepCost, Trainer

# Widths tried in the capacity sweep: powers of two, the steps practitioners tune in.
WIDTH_LADDER = (8, 16, 32, 64, 128, 256)
# The narrowest widths are always tried: even on a very short series the sweep must show
# which way the validation loss moves with width.
MIN_SWEEP_WIDTHS = 3
# A width joins the sweep while its weights number at most this many per training
# window. The rules' size guard allows ten (advisor.core.sizing, PARAMS_PER_WINDOW); the sweep
# looks one or two ladder steps past it, to see where overfitting actually starts
# (e.g. 300 windows: the guard allows 26 units, the sweep tries up to 64).
SWEEP_PARAMS_PER_WINDOW = 128
# Fractions of the training windows for the data-size learning curve, below 100%.
DATA_FRACTIONS = (0.25, 0.5)
# (epochs, data fractions), richest first. Epochs of the sweep go last: overfitting
# shows only once the curves have run on past their best epoch, while the data-size
# curve needs only its 50% point to tell whether more data helps. Early stopping usually
# ends a probe before the cap, so neighbouring levels mostly give the same curves.
PLAN_LEVELS: tuple[tuple[int, tuple[float, ...]], ...] = (
    (60, DATA_FRACTIONS),
    (60, DATA_FRACTIONS[1:]),
    (40, DATA_FRACTIONS[1:]),
    (30, DATA_FRACTIONS[1:]),
    (30, ()),
    (20, ()),
    (15, ()),
    (10, ()),
)
# The differencing comparison: one small model per candidate lag, before the sweep, at
# this width (or the widest the sweep allows, if narrower) and at most this many epochs.
# What target the model learns matters more than how long the sweep trains, so it runs
# wherever its worst case and the leanest sweep plan fit the time left together.
COMPARE_WIDTH = 16
COMPARE_EPOCHS = 20
# A lag other than the statistical tests' choice is taken only if its validation RMSE is
# at least this much lower: validation segments are short (15% of the rows), and on a
# 20-row segment a few percent is within what another seed gives.
COMPARE_MARGIN = 0.05
NO_TIME_TO_COMPARE = "differencing compared by training (time budget): the tests chose it"
# Share of the time left that the plan may fill: the estimate is from a few batches, and
# a busier machine later on must not push the diagnostics past their deadline.
PLAN_SHARE = 0.75
# Patience of the probes' early stopping: ten epochs at 60 (Keras tutorials use 5-10),
# a quarter of the epochs on a shorter plan, never below three.
PROBE_PATIENCE = 10
MIN_PATIENCE = 3
# A data-size run starts only if at least this share of its worst-case time is left
# (early stopping usually ends it well before the worst case).
MIN_RUN_SHARE = 0.5
# An epoch of a very long series is cut to a power of two batches, never below this.
MIN_BATCHES_PER_EPOCH = 8
PROBE_BATCH = 32
# Below this many training windows the probes use batches of 16, as the rules recommend
# for such data (rules/rulebook/optimization.toml, small-data-smaller-batch), so a
# probe's epochs mean what the recommended training's epochs will mean.
SMALL_DATA_WINDOWS = 300
SMALL_DATA_BATCH = 16
PROBE_LEARNING_RATE = 1e-3
# rules/rulebook/defaults.toml, default-lookback: without a season or a memory, ten steps.
DEFAULT_LOOKBACK = 10

Progress = Callable[[str, int, int], None]


def probe_lookback(profile: Profile, settings: Settings) -> int:
    """The lookback the rulebook's defaults would choose, so the probes see what the
    recommended model will see: the user's; else a season; else the AR memory; else ten
    steps or twice the horizon; at least the horizon; at most a third of the training rows
    (rules/rulebook: season-lookback, acf-lookback, default-lookback, lookback-covers-horizon)."""
    if settings.lookback:
        return settings.lookback
    if profile.seasonal_period and profile.seasonal_period > 1:
        memory = profile.seasonal_period
    elif profile.lags.ar_order > 0:
        memory = profile.lags.ar_order
    else:
        memory = max(2 * profile.horizon, DEFAULT_LOOKBACK)
    lookback = max(memory, profile.horizon)
    return max(1, min(lookback, max_lookback(profile.split.train)))


def probe_batch(profile: Profile, settings: Settings, lookback: int | None = None) -> int:
    lookback = lookback or probe_lookback(profile, settings)
    windows = train_windows(profile.split.train, lookback, profile.horizon)
    return SMALL_DATA_BATCH if windows < SMALL_DATA_WINDOWS else PROBE_BATCH


# rules/rulebook/data.toml: difference-seasonal and difference-strong-trend.
SEASONAL_DIFFERENCE_TREND = 0.6
SEASONAL_DIFFERENCE_SEASONS = 4


def probe_differencing(profile: Profile) -> int:
    """The differencing the rulebook's data rules would choose, so the diagnostic curves
    describe the target the recommended model will learn: a trend leaves the training
    range and saturates an LSTM trained on levels (rules/rulebook/data.toml:
    difference-seasonal, difference-unit-root, difference-strong-trend,
    difference-trend-stationary, season-not-unit-root, season-not-unit-root-seasonal)."""
    period = profile.seasonal_period or 0
    trend = profile.trend_strength
    root = profile.unit_root
    seasons_fit = period > 1 and profile.split.train >= SEASONAL_DIFFERENCE_SEASONS * period
    if seasons_fit and root.seasonal_differencing_order >= 1 and trend > SEASONAL_DIFFERENCE_TREND:
        return period
    if profile.stationarity in ("difference-stationary", "trend-stationary"):
        # season-not-unit-root: the season, not a drifting level, is what the tests saw
        if (
            root.seasonal_differencing_order >= 1
            and root.differencing_after_season == 0
            and trend <= SEASONAL_DIFFERENCE_TREND
        ):
            return period if seasons_fit else 0
        return 1
    return 1 if trend > SEASONAL_DIFFERENCE_TREND else 0


def differencing_candidates(profile: Profile) -> tuple[int, ...]:
    """Lags worth comparing by training: the values, their step-to-step changes and,
    where at least four seasons of training rows allow it, the change since one season
    back; always including the tests' choice."""
    lags = {0, 1, probe_differencing(profile)}
    period = profile.seasonal_period or 0
    if period > 1 and profile.split.train >= SEASONAL_DIFFERENCE_SEASONS * period:
        lags.add(period)
    return tuple(sorted(lags))


def pick_differencing(runs: Sequence[DiagnosticRun], default: int) -> int:
    """The lag whose run scored best on validation, if it beats the tests' choice by
    COMPARE_MARGIN; else the tests' choice."""
    scores = {run.differencing: run.val_rmse for run in runs}
    base = scores.get(default, math.inf)
    best = min(scores, key=lambda lag: scores[lag])
    if math.isfinite(scores[best]) and scores[best] < (1 - COMPARE_MARGIN) * base:
        return best
    return default


# The lookback comparison: the rules' window against shorter ones, each learned by the
# same small model as the differencing comparison. An LSTM's cost grows with every step
# of its window, and steps beyond the memory in the data add time and noise, not skill:
# a longer window is kept only where it wins by COMPARE_MARGIN. It runs only where the
# rules' window is at least this many times the shortest candidate.
LOOKBACK_COMPARE_RATIO = 2
NO_TIME_TO_COMPARE_LOOKBACK = "lookback compared by training (time budget): the rules chose it"


def lookback_candidates(profile: Profile, settings: Settings) -> tuple[int, ...]:
    """Windows worth comparing by training: the rules' (``probe_lookback``), the longest
    other season shorter than it, and a short one (the autoregressive memory where it is
    shorter, else the default's ten steps or twice the horizon), none shorter than the
    horizon. Empty where
    the user fixed the lookback or the rules' window is already short."""
    if settings.lookback:
        return ()
    default = probe_lookback(profile, settings)
    floor = max(1, profile.horizon)
    # An AR order that reaches the season is the season seen again, not a short memory.
    if 0 < profile.lags.ar_order < default:
        memory = profile.lags.ar_order
    else:
        memory = max(2 * profile.horizon, DEFAULT_LOOKBACK)
    short = min(default, max(floor, memory))
    if default < LOOKBACK_COMPARE_RATIO * short:
        return ()
    candidates = {short, default}
    between = [p for p in profile.baseline_periods if short < p < default]
    if between:
        candidates.add(max(between))
    return tuple(sorted(candidates))


def pick_lookback(scores: dict[int, float]) -> int:
    """The shortest window, unless a longer one scores at least COMPARE_MARGIN better
    than the one chosen so far (shortest first)."""
    ordered = sorted(scores)
    chosen = ordered[0]
    for lookback in ordered[1:]:
        score, best = scores[lookback], scores[chosen]
        if math.isfinite(score) and (
            not math.isfinite(best) or score < (1 - COMPARE_MARGIN) * best
        ):
            chosen = lookback
    return chosen


def probe_config(
    profile: Profile, settings: Settings, units: int, lookback: int | None = None
) -> ModelConfig:
    """The neutral configuration every diagnostic run trains, at ``lookback`` where the
    lookback comparison chose one, else at the rules' default."""
    lookback = lookback or probe_lookback(profile, settings)
    return ModelConfig(
        lookback=lookback,
        layers=(LayerConfig(units, 0.0, 0.0),),
        l2=0.0,
        learning_rate=PROBE_LEARNING_RATE,
        batch_size=probe_batch(profile, settings, lookback),
        epochs=PLAN_LEVELS[0][0],
        early_stopping_patience=PROBE_PATIENCE,
        scaling="standard",
        differencing=probe_differencing(profile),
    )


def patience_for(epochs: int) -> int:
    return min(PROBE_PATIENCE, max(MIN_PATIENCE, epochs // 4))


def sweep_widths(
    profile: Profile, settings: Settings, lookback: int | None = None
) -> tuple[tuple[int, ...], list[str]]:
    """The ladder, capped by the user's ``--max-units`` and by the training windows."""
    lookback = lookback or probe_lookback(profile, settings)
    windows = train_windows(profile.split.train, lookback, profile.horizon)
    inputs = max(1, profile.size.inputs)
    widths: list[int] = []
    cut: list[str] = []
    for width in WIDTH_LADDER:
        if settings.max_units and width > settings.max_units:
            cut.append(f"width {width} (above --max-units {settings.max_units})")
            continue
        params = lstm_params(width, inputs, profile.horizon)
        if len(widths) >= MIN_SWEEP_WIDTHS and params > SWEEP_PARAMS_PER_WINDOW * windows:
            cut.append(f"width {width} ({params:,} weights for {windows:,} training windows)")
            continue
        widths.append(width)
    if not widths:  # --max-units below the narrowest rung: try exactly that width
        widths.append(max(1, settings.max_units or WIDTH_LADDER[0]))
    return tuple(widths), cut


@dataclass(frozen=True)
class Plan:
    widths: tuple[int, ...]
    epochs: int
    patience: int
    fractions: tuple[float, ...]
    """Data-size fractions below 100%, run at the sweep's best width."""
    max_batches: int | None
    estimate_s: float
    """Expected seconds (at most; early stopping usually ends sooner)."""
    cut: tuple[str, ...]
    budget_cut: tuple[str, ...] = ()
    """The part of ``cut`` the time budget caused."""

    def describe(self) -> str:
        widths = "/".join(str(w) for w in self.widths)
        parts = [f"capacity sweep of widths {widths} trained together"]
        if self.fractions:
            shares = ", ".join(f"{f:.0%}" for f in self.fractions)
            parts.append(f"data-size runs on {shares} of the training windows at the best width")
        parts.append(f"up to {self.epochs} epochs, patience {self.patience}")
        if self.max_batches:
            parts.append(f"at most {self.max_batches} batches an epoch")
        return "; ".join(parts)


def _batches(windows: int, fraction: float, batch: int) -> int:
    return max(1, math.ceil(windows * fraction) // batch)


def _run_seconds(cost: SweepCost, windows: int, batch: int, plan: Plan, fraction: float) -> float:
    """Worst case of one run of the plan on ``fraction`` of the windows."""
    batches = _batches(windows, fraction, batch)
    return plan.epochs * cost.epoch(min(batches, plan.max_batches or batches))


def _plan_seconds(
    cost: SweepCost,
    windows: int,
    batch: int,
    epochs: int,
    fractions: tuple[float, ...],
    cap: int | None,
) -> float:
    """Worst case: every run goes the full ``epochs``. The data-size runs train one
    branch, not all; the fused sweep's cost is their upper bound (and their set-up, a
    model of one width, costs at most the sweep's)."""

    def epoch(fraction: float) -> float:
        n = _batches(windows, fraction, batch)
        return cost.epoch(min(n, cap) if cap else n)

    total = epochs * epoch(1.0)
    if fractions:
        total += cost.setup + sum(epochs * epoch(f) for f in fractions)
    return total


def choose_plan(
    widths: tuple[int, ...],
    windows: int,
    batch: int,
    cost: SweepCost | None,
    available: float,
    cut: tuple[str, ...] = (),
) -> Plan:
    """The richest level of PLAN_LEVELS whose worst case fits PLAN_SHARE of ``available``;
    past the leanest, epochs of a long series are cut to fewer batches."""

    def plan(level: int, cap: int | None, seconds: float, extra: tuple[str, ...]) -> Plan:
        epochs, fractions = PLAN_LEVELS[level]
        budget: list[str] = []
        richest_epochs, richest_fractions = PLAN_LEVELS[0]
        if epochs < richest_epochs:
            budget.append(f"epochs capped at {epochs} instead of {richest_epochs} (time budget)")
        for f in richest_fractions:
            if f not in fractions:
                budget.append(f"data-size run on {f:.0%} of the windows (time budget)")
        budget.extend(extra)
        return Plan(
            widths,
            epochs,
            patience_for(epochs),
            fractions,
            cap,
            seconds,
            (*cut, *budget),
            tuple(budget),
        )

    if cost is None:
        return plan(0, None, 0.0, ())
    room = PLAN_SHARE * max(0.0, available)
    for level, (epochs, fractions) in enumerate(PLAN_LEVELS):
        seconds = _plan_seconds(cost, windows, batch, epochs, fractions, None)
        if seconds <= room:
            return plan(level, None, seconds, ())
    last = len(PLAN_LEVELS) - 1
    epochs = PLAN_LEVELS[last][0]
    full = _batches(windows, 1.0, batch)
    fits = (room / epochs - cost.epoch_overhead) / cost.batch if cost.batch > 0 else full
    cap = MIN_BATCHES_PER_EPOCH
    while cap * 2 <= min(fits, full):
        cap *= 2
    if cap >= full:
        return plan(last, None, _plan_seconds(cost, windows, batch, epochs, (), None), ())
    seconds = _plan_seconds(cost, windows, batch, epochs, (), cap)
    note = f"epochs cut to {cap} of {full} batches, a fresh random draw each (time budget)"
    return plan(last, cap, seconds, (note,))


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
            len(differencing_candidates(profile)),
            later_trainings,
            len(widths),
            len(lookback_candidates(profile, settings)),
        )
        if cost is not None
        else None
    )
    if estimate is not None and on_estimate is not None:
        on_estimate(estimate)
    windowed, window, window_note = _compare_lookback(
        trainer, profile, settings, base[0], widths[-1], cost, deadline, report
    )
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
    compared, chosen, compare_note = _compare_differencing(
        trainer, profile, settings, base[0], widths[-1], cost, deadline, report
    )
    if chosen is not None:
        # The differencing changes the data, not the model: the cost measured holds.
        base = [replace(c, differencing=chosen) for c in base]
    plan = choose_plan(widths, windows, batch, cost, deadline - time.monotonic(), tuple(cut))
    total = len(widths) + len(plan.fractions)
    notes = [*window_note, *compare_note, *plan.cut]
    budget_cut = [*window_note, *compare_note, *plan.budget_cut]

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
        need = setup + (_run_seconds(cost, windows, batch, plan, fraction) if cost else 0.0)
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
    split, h = profile.split, profile.horizon
    step = origin_step(split.train, split.validation_end, h)
    origins = max((len(r.val_errors) for r in runs), default=0)
    noise = Noise(block_length(origins, h, step), seed)
    exam = examine(tuple(runs), profile.best_baseline, profile.complexity.ar_r2, noise)
    planned = plan.describe()
    if compared:
        lags = "/".join(str(r.differencing) for r in compared)
        planned = f"differencing lags {lags} compared at width {compared[0].units}; {planned}"
    if windowed:
        sizes = "/".join(str(r.lookback) for r in windowed)
        planned = f"lookbacks {sizes} compared at width {windowed[0].units}; {planned}"
    return Diagnosis(
        tuple(runs),
        exam.findings,
        planned,
        tuple(notes),
        tuple(compared),
        chosen,
        primary=exam.primary,
        notes=exam.notes,
        budget_cut=tuple(budget_cut),
        estimate_s=estimate,
        lookback_runs=tuple(windowed),
        lookback=window,
    )


def estimate_seconds(
    cost: SweepCost,
    windows: int,
    batch: int,
    lags: int,
    later_trainings: int,
    widths: int = 1,
    lookbacks: int = 0,
) -> float:
    """Worst case of the whole analysis at the richest plan: every training runs to its
    epoch cap (early stopping usually ends it well before). A later training (a trial, a
    fold, the final model) trains one width: it is costed as an average branch of the
    fused sweep of ``widths`` widths, whose cost the measurement holds."""
    epochs, fractions = PLAN_LEVELS[0]
    total = _plan_seconds(cost, windows, batch, epochs, fractions, None)
    epoch = cost.epoch(_batches(windows, 1.0, batch))
    if lags >= 2:
        total += cost.setup + lags * COMPARE_EPOCHS * epoch
    if lookbacks >= 2:  # each window its own model; every epoch at most the longest's
        total += lookbacks * (cost.setup + COMPARE_EPOCHS * epoch)
    one = cost.setup + epochs * epoch / max(1, widths)
    return total + later_trainings * one


def _compare_differencing(
    trainer: Trainer,
    profile: Profile,
    settings: Settings,
    probe: ModelConfig,
    widest: int,
    cost: SweepCost | None,
    deadline: float,
    report: Callable[[str, int, int], None],
) -> tuple[list[DiagnosticRun], int | None, list[str]]:
    """Train one small model per candidate lag and keep the best (``pick_differencing``).

    ``probe`` is the sweep's configuration, differenced as the statistical tests chose.
    Returns the runs, the chosen lag (``None`` where the comparison did not run) and a
    note for ``Diagnosis.cut`` where the budget left it out.
    """
    lags = differencing_candidates(profile)
    if len(lags) < 2:
        return [], None, []
    configs = [(f"differencing-{lag}", replace(probe, differencing=lag)) for lag in lags]
    runs, note = _compare(
        trainer,
        profile,
        configs,
        widest,
        cost,
        deadline,
        report,
        NO_TIME_TO_COMPARE,
        settings.seed,
    )
    if note:
        return [], None, note
    return runs, pick_differencing(runs, probe.differencing), []


def _compare_lookback(
    trainer: Trainer,
    profile: Profile,
    settings: Settings,
    probe: ModelConfig,
    widest: int,
    cost: SweepCost | None,
    deadline: float,
    report: Callable[[str, int, int], None],
) -> tuple[list[DiagnosticRun], int | None, list[str]]:
    """Train one small model per candidate window and keep the shortest that holds its
    own (``pick_lookback``); as ``_compare_differencing``."""
    lookbacks = lookback_candidates(profile, settings)
    if len(lookbacks) < 2:
        return [], None, []
    configs = [
        (
            f"lookback-{n}",
            replace(probe, lookback=n, batch_size=probe_batch(profile, settings, n)),
        )
        for n in lookbacks
    ]
    runs, note = _compare(
        trainer,
        profile,
        configs,
        widest,
        cost,
        deadline,
        report,
        NO_TIME_TO_COMPARE_LOOKBACK,
        settings.seed,
    )
    if note:
        return [], None, note
    return runs, pick_lookback({r.lookback: r.val_rmse for r in runs}), []


def _compare(
    trainer: Trainer,
    profile: Profile,
    configs: Sequence[tuple[str, ModelConfig]],
    widest: int,
    cost: SweepCost | None,
    deadline: float,
    report: Callable[[str, int, int], None],
    skipped: str,
    seed: int,
) -> tuple[list[DiagnosticRun], list[str]]:
    """Train each named configuration as one small model (COMPARE_WIDTH, at most
    COMPARE_EPOCHS), where the worst case of all of them and the leanest sweep fit the
    time left; else train nothing and return the note ``skipped`` says.

    ``cost`` was measured on the sweep's configuration, whose window is the longest any
    candidate has, so it bounds each candidate's epoch from above.
    """
    width = min(COMPARE_WIDTH, widest)
    probe = configs[0][1]
    windows = train_windows(profile.split.train, probe.lookback, profile.horizon)
    available = deadline - time.monotonic()
    if available <= 0:
        return [], [skipped]
    plan = choose_plan((width,), windows, probe.batch_size, cost, available)
    epochs = min(plan.epochs, COMPARE_EPOCHS)
    plan = replace(plan, epochs=epochs, patience=patience_for(epochs), fractions=())
    if cost is not None:
        each = []
        for _, config in configs:
            n = _batches(
                train_windows(profile.split.train, config.lookback, profile.horizon),
                1.0,
                config.batch_size,
            )
            each.append(epochs * cost.epoch(min(n, plan.max_batches or n)))
        # One traced model serves every candidate of one shape, so at most one set-up each.
        need = len({c.lookback for _, c in configs}) * cost.setup + sum(each)
        leanest = _plan_seconds(cost, windows, probe.batch_size, PLAN_LEVELS[-1][0], (), None)
        if need + leanest > PLAN_SHARE * available:
            return [], [f"{skipped} (needs up to {need:.0f} s)"]
    runs: list[DiagnosticRun] = []
    for i, (name, config) in enumerate(configs):
        report(f"comparing {name.replace('-', ' ')}", i, len(configs))
        spec = _spec(name, with_units(config, width), 1.0, seed, plan)
        runs.extend(trainer.run_sweep([spec], deadline))
    return runs, []


def with_units(config: ModelConfig, units: int) -> ModelConfig:
    return replace(config, layers=tuple(replace(layer, units=units) for layer in config.layers))


__all__ = [
    "best_run",
    "choose_plan",
    "differencing_candidates",
    "lookback_candidates",
    "pick_differencing",
    "pick_lookback",
    "probe_config",
    "run_diagnostics",
    "sweep_widths",
]
