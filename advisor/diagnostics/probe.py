"""The neutral configuration the diagnostic runs train, and the choices compared by
training before the sweep.

The probes see what the recommended model will see: the lookback, batch size and
differencing the rulebook's defaults would choose (``probe_lookback``, ``probe_batch``,
``probe_differencing``), at the widths of the capacity ladder the training windows
allow (``sweep_widths``). Where the rules' lookback or differencing is a guess worth
checking, the candidates (``lookback_candidates``, ``differencing_candidates``) are
each learned by one small model and the winner picked (``pick_lookback``,
``pick_differencing``); ``advisor.diagnostics.plan`` runs them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

from advisor.core.records import DiagnosticRun, LayerConfig, ModelConfig, Profile, Settings
from advisor.core.sizing import (
    long_season_window,
    lstm_params,
    max_lookback,
    season_fits_window,
    seasons_fit,
)
from advisor.core.splits import train_windows
from advisor.diagnostics.comparisons import BASELINE_MARGIN, Noise, clearly_lower, compare

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
# Patience of the probes' early stopping: ten epochs at 60 (Keras tutorials use 5-10),
# a quarter of the epochs on a shorter plan, never below three.
PROBE_PATIENCE = 10
# Epochs of the richest plan (advisor.diagnostics.levels.PLAN_LEVELS) and of the
# neutral configuration, which the plan then caps.
PROBE_EPOCHS = 60
MIN_PATIENCE = 3
PROBE_BATCH = 32
# Below this many training windows the probes use batches of 16, as the rules recommend
# for such data (rules/rulebook/optimization.toml, small-data-smaller-batch), so a
# probe's epochs mean what the recommended training's epochs will mean.
SMALL_DATA_WINDOWS = 300
SMALL_DATA_BATCH = 16
PROBE_LEARNING_RATE = 1e-3
# rules/rulebook/defaults.toml, default-lookback: without a season or a memory, ten steps.
DEFAULT_LOOKBACK = 10


def probe_lookback(profile: Profile, settings: Settings) -> int:
    """The lookback the rulebook's defaults would choose, so the probes see what the
    recommended model will see: the user's; else a season; else the AR memory; else ten
    steps or twice the horizon; at least the horizon; at most a third of the training rows
    (rules/rulebook: season-lookback, acf-lookback, default-lookback, lookback-covers-horizon)."""
    if settings.lookback:
        return settings.lookback
    season = profile.seasonal_period or 0
    if season_fits_window(season):
        memory = season
    elif season > 1:  # long-season-lookback: seasonal differencing holds the season
        memory = long_season_window(profile.baseline_periods, season, profile.lags.ar_order) or max(
            2 * profile.horizon, DEFAULT_LOOKBACK
        )
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


def probe_differencing(profile: Profile) -> int:
    """The differencing the rulebook's data rules would choose, so the diagnostic curves
    describe the target the recommended model will learn: a trend leaves the training
    range and saturates an LSTM trained on levels (rules/rulebook/data.toml:
    difference-long-season, difference-seasonal, difference-unit-root, difference-strong-trend,
    difference-trend-stationary, season-not-unit-root, season-not-unit-root-seasonal)."""
    period = profile.seasonal_period or 0
    trend = profile.trend_strength
    root = profile.unit_root
    fit = seasons_fit(period, profile.split.train)
    if fit and not season_fits_window(period):
        return period  # difference-long-season: the window cannot hold the season
    if fit and root.seasonal_differencing_order >= 1 and trend > SEASONAL_DIFFERENCE_TREND:
        return period
    if profile.stationarity in ("difference-stationary", "trend-stationary"):
        # season-not-unit-root: the season, not a drifting level, is what the tests saw
        if (
            root.seasonal_differencing_order >= 1
            and root.differencing_after_season == 0
            and trend <= SEASONAL_DIFFERENCE_TREND
        ):
            return period if fit else 0
        return 1
    return 1 if trend > SEASONAL_DIFFERENCE_TREND else 0


def differencing_candidates(profile: Profile) -> tuple[int, ...]:
    """Lags worth comparing by training: the values, their step-to-step changes and,
    where at least four seasons of training rows allow it, the change since one season
    back; always including the tests' choice."""
    lags = {0, 1, probe_differencing(profile)}
    period = profile.seasonal_period or 0
    if seasons_fit(period, profile.split.train):
        lags.add(period)
    return tuple(sorted(lags))


def deseasonalize_candidates(profile: Profile) -> tuple[int, ...]:
    """Lags worth comparing once the primary season's average pattern is taken out of
    the values (``ModelConfig.deseasonalize``): the values themselves and their
    step-to-step changes, where at least four seasons of training rows allow a pattern
    to be measured; none otherwise."""
    if seasons_fit(profile.seasonal_period or 0, profile.split.train):
        return (0, 1)
    return ()


def pick_differencing(runs: Sequence[DiagnosticRun], default: int) -> tuple[int, int, bool]:
    """The form of the target whose run scored best on validation, as ``(lag, season
    taken out, log)``, if it beats the tests' choice (``default``, the values themselves,
    nothing taken out) by COMPARE_MARGIN; else the tests' choice."""
    scores = {(run.differencing, run.deseasonalize, run.log_target): run.val_rmse for run in runs}
    base = scores.get((default, 0, False), math.inf)
    best = min(scores, key=lambda form: scores[form])
    if math.isfinite(scores[best]) and scores[best] < (1 - COMPARE_MARGIN) * base:
        return best
    return default, 0, False


def log_candidates(profile: Profile) -> tuple[int, ...]:
    """Lags worth comparing on the target's log, where its spread grows with its level
    (``Profile.log_worth_trying``): every lag compared on the values; none otherwise. The
    log with the season's pattern taken out is ``deseasonalize_candidates``' on the log."""
    if not profile.log_worth_trying:
        return ()
    return differencing_candidates(profile)


# The lookback comparison: the rules' window against shorter ones, each learned by the
# same small model as the differencing comparison. The window that scores best is kept;
# a candidate the comparison cannot tell from it (within the paired noise band of the
# validation origins, or less than CLEAR_GAIN behind) is handed to the search as well,
# which settles the tie with cross-validation instead of a guess. A fixed preference for
# the shorter window lost on test wherever the longer one's small lead was real. It runs
# only where the rules' window is at least this many times the shortest candidate.
LOOKBACK_COMPARE_RATIO = 2
# A window beats another clearly only by at least this much, as one width beats another
# (``comparisons.CAPACITY_GAIN``), and beyond the band.
CLEAR_GAIN = BASELINE_MARGIN


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


def pick_lookback(runs: Sequence[DiagnosticRun], noise: Noise) -> tuple[int, int | None]:
    """The window whose run scored best on validation, and the best-scoring other window
    it does not clearly beat (``None`` where it beats every other beyond the noise)."""
    scored = sorted(
        (r for r in runs if math.isfinite(r.val_rmse)), key=lambda r: (r.val_rmse, r.lookback)
    )
    if not scored:
        return min(r.lookback for r in runs), None
    best = scored[0]
    for other in scored[1:]:
        band = compare(best, other, noise)
        if not clearly_lower(best.val_rmse, other.val_rmse, band, CLEAR_GAIN):
            return best.lookback, other.lookback
    return best.lookback, None


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
        epochs=PROBE_EPOCHS,
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


def with_units(config: ModelConfig, units: int) -> ModelConfig:
    return replace(config, layers=tuple(replace(layer, units=units) for layer in config.layers))
