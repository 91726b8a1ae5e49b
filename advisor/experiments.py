"""The diagnostic plan: which short trainings to run, within the time budget."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

from advisor.diagnosis import best_run, diagnose
from advisor.records import Diagnosis, DiagnosticRun, LayerConfig, ModelConfig, Profile, Settings
from advisor.splits import train_windows
from advisor.trainer import RunSpec, Trainer

# Widths tried in the capacity sweep, narrowest first so a cut budget keeps the cheap ones.
WIDTH_LADDER = (8, 32, 128)
# Below this many training windows a 128-unit LSTM has far more weights than examples.
WIDE_MODEL_MIN_WINDOWS = 500
# Fractions of the training windows for the data-size learning curve.
DATA_FRACTIONS = (0.5,)
# Diagnostic runs are short: enough epochs to see curves bend, stopped early when flat.
PROBE_EPOCHS = 60
PROBE_PATIENCE = 10
PROBE_BATCH = 32
PROBE_LEARNING_RATE = 1e-3

Progress = Callable[[str, int, int], None]


def probe_lookback(profile: Profile, settings: Settings) -> int:
    """A neutral lookback for the probes: the user's, else a season, else the horizon."""
    if settings.lookback:
        return settings.lookback
    candidates = [profile.horizon]
    if profile.seasonal_period:
        candidates.append(profile.seasonal_period)
    lookback = max(candidates)
    return max(1, min(lookback, profile.split.train // 3))


def probe_config(profile: Profile, settings: Settings, units: int) -> ModelConfig:
    # A trend leaves the training range and saturates the LSTM; differencing probes fairly.
    difference = 1 if profile.stationarity in ("difference-stationary", "trend-stationary") else 0
    return ModelConfig(
        lookback=probe_lookback(profile, settings),
        layers=(LayerConfig(units, 0.0, 0.0),),
        l2=0.0,
        learning_rate=PROBE_LEARNING_RATE,
        batch_size=PROBE_BATCH,
        epochs=PROBE_EPOCHS,
        early_stopping_patience=PROBE_PATIENCE,
        scaling="standard",
        differencing=difference,
    )


def plan(profile: Profile, settings: Settings) -> tuple[list[RunSpec], list[str]]:
    lookback = probe_lookback(profile, settings)
    windows = train_windows(profile.split.train, lookback, profile.horizon)
    specs: list[RunSpec] = []
    cut: list[str] = []
    widths = [w for w in WIDTH_LADDER if not settings.max_units or w <= settings.max_units]
    for width in widths:
        if width > 32 and windows < WIDE_MODEL_MIN_WINDOWS:
            cut.append(f"width {width} (only {windows} training windows)")
            continue
        specs.append(
            RunSpec(f"width-{width}", probe_config(profile, settings, width), 1.0, settings.seed)
        )
    mid = specs[len(specs) // 2].config if specs else probe_config(profile, settings, 32)
    for fraction in DATA_FRACTIONS:
        specs.append(
            RunSpec(
                f"width-{mid.layers[0].units}-data-{fraction:.0%}", mid, fraction, settings.seed
            )
        )
    return specs, cut


def run_diagnostics(
    trainer: Trainer,
    profile: Profile,
    settings: Settings,
    deadline: float,
    progress: Progress | None = None,
) -> Diagnosis:
    specs, cut = plan(profile, settings)
    runs: list[DiagnosticRun] = []
    for i, spec in enumerate(specs):
        if progress:
            progress(f"training {spec.name}", i, len(specs))
        if time.monotonic() >= deadline and runs:
            cut.extend(f"{s.name} (time budget)" for s in specs[i:])
            break
        runs.append(trainer.run(spec, deadline))
    if progress:
        progress("diagnostic trainings done", len(specs), len(specs))
    planned = ", ".join(s.name for s in specs)
    findings = diagnose(tuple(runs), profile.best_baseline)
    return Diagnosis(tuple(runs), findings, planned, tuple(cut))


def with_units(config: ModelConfig, units: int) -> ModelConfig:
    return replace(config, layers=tuple(replace(layer, units=units) for layer in config.layers))


__all__ = ["best_run", "plan", "probe_config", "run_diagnostics"]
