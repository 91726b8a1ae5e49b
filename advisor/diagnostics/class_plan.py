"""The diagnostic plan of sequence classification: which short trainings, within the budget.

Two experiments at one neutral configuration (``class_probe.probe_class_config``):

1. a capacity sweep: each width of the ladder (``class_sweep_widths``) trained on its
   own, narrowest first, through ``ClassTrainer.run``;
2. a data-size run: the sweep's best width again on a stratified half of the training
   sequences (its 100% point is the sweep's own run).

Unlike forecasting's plan there is no fused sweep and no cost measured up front: every
run is one ``ClassTrainer.run``, and the cost of the next is read off the runs already
done. A run whose worst case the time left cannot hold is skipped and listed in
``ClassDiagnosis.budget_cut``; the deadline still stops any run that overruns.

The runs' per-sequence validation figures are paired with each other's and with the
baselines' (``ClassBaseline.correct``), so the trainer must score the split's
validation sequences in ``ClassSplit.validation`` order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from time import monotonic

from advisor.core.class_models import (
    ClassDiagnosis,
    ClassifierConfig,
    ClassRun,
    fold_patch,
    model_channels,
)
from advisor.core.class_records import ClassProfile
from advisor.core.records import Settings
from advisor.diagnostics.class_findings import best_class_run, examine_classifier
from advisor.diagnostics.class_probe import class_sweep_widths, probe_class_config
from advisor.diagnostics.classifier import ClassTrainer, count_params
from advisor.diagnostics.plan import MIN_RUN_SHARE, Progress
from advisor.diagnostics.precision import ASKED

# The data-size curve's one point below 100%. Each run here is a training of its own, so
# the curve gets the point that answers "would more sequences help" (forecasting's 25%
# point rides on a fused sweep that classification does not have).
DATA_FRACTION = 0.5


def epoch_seconds(done: Sequence[ClassRun], params: int) -> float | None:
    """Expected seconds of one epoch of a full-data probe of ``params`` weights, from the
    full-data runs done: on the line through the last two widths' measured epochs (a
    fixed cost per epoch plus one that grows with the weights), or, after one run, in
    proportion to the weights (the worst case: all of it grows); ``None`` before any.

    A run's seconds include its set-up and its scoring, spread here over its epochs, so
    the estimate leans high."""
    points = [
        (r.params, r.seconds / r.curve.epochs)
        for r in done
        if r.curve.epochs > 0 and r.train_fraction >= 1.0 and r.params > 0
    ]
    if not points:
        return None
    last_params, last_s = points[-1]
    if len(points) >= 2 and points[-2][0] != last_params:
        before_params, before_s = points[-2]
        slope = max(0.0, (last_s - before_s) / (last_params - before_params))
        return max(0.0, last_s + slope * (params - last_params))
    return last_s * params / last_params


def _fits(need: float | None, deadline: float) -> bool:
    """Whether a run expected to take at most ``need`` seconds may start: the deadline
    not passed, and at least ``MIN_RUN_SHARE`` of the worst case left (early stopping
    usually ends a probe well before its epoch cap)."""
    now = monotonic()
    if now >= deadline:
        return False
    return need is None or now + MIN_RUN_SHARE * need < deadline


def describe(widths: Sequence[int], config: ClassifierConfig, longest: int) -> str:
    """The plan in one sentence, for ``ClassDiagnosis.planned``."""
    parts = [
        f"capacity sweep of bidirectional LSTM widths {'/'.join(map(str, widths))}, "
        "one training each",
        f"a data-size run on {DATA_FRACTION:.0%} of the training sequences at the best width",
        f"up to {config.epochs} epochs, patience {config.early_stopping_patience}, "
        f"batch {config.batch_size}, average pooling",
    ]
    if config.max_length is not None:
        parts.append(
            f"sequences folded to at most {config.max_length} steps, "
            f"{fold_patch(longest, config.max_length)} time steps to one"
        )
    if config.class_weights:
        parts.append("classes weighed equally")
    return "; ".join(parts)


def run_class_diagnostics(
    trainer: ClassTrainer,
    profile: ClassProfile,
    settings: Settings,
    deadline: float,
    progress: Progress | None = None,
) -> ClassDiagnosis:
    """Run the sweep and the data-size run within ``deadline`` (``time.monotonic``'s clock;
    ``math.inf`` under ``--budget auto``), then diagnose them."""

    def report(message: str, done: int, total: int) -> None:
        if progress:
            progress(message, done, total)

    widths, cut = class_sweep_widths(profile, settings)
    configs = {w: probe_class_config(profile, w) for w in widths}
    classes = profile.n_classes
    seed = settings.seed
    total = len(widths) + 1
    budget: list[str] = []
    runs: list[ClassRun] = []
    for i, width in enumerate(widths):
        name = f"width-{width}"
        config = configs[width]
        channels = model_channels(len(profile.channels), profile.max_length, config.max_length)
        per_epoch = epoch_seconds(runs, count_params(config, channels, classes))
        need = None if per_epoch is None else per_epoch * config.epochs
        # Once one width does not fit, no wider one will: each costs more.
        if budget or not _fits(need, deadline):
            budget.append(f"{name} (time budget)")
            continue
        report(f"training {name}", i, total)
        runs.append(trainer.run(name, config, seed, deadline))

    scored = [r for r in runs if math.isfinite(r.val_loss)]
    if scored:
        best = best_class_run(scored)
        name = f"width-{best.units}-data-{DATA_FRACTION:.0%}"
        # Costed as a full-data epoch: on sets this small an epoch's fixed part (the
        # validation pass, the callbacks) outweighs its batches, and half the sequences
        # took about as long as all of them in a measured run.
        per_epoch = best.seconds / best.curve.epochs if best.curve.epochs else None
        need = None if per_epoch is None else per_epoch * best.config.epochs
        if _fits(need, deadline):
            report(f"training {name}", len(widths), total)
            runs.append(trainer.run(name, best.config, seed, deadline, DATA_FRACTION))
        else:
            budget.append(f"{name} (time budget)")
    elif runs:
        cut.append("data-size run (no width gave a finite validation loss)")
    else:
        budget.append(f"data-size run on {DATA_FRACTION:.0%} of the sequences (time budget)")
    report("diagnostic trainings done", total, total)

    stopped = [f"{r.name} stopped at the deadline" for r in runs if r.stopped_reason == "budget"]
    budget.extend(stopped)
    exam = examine_classifier(runs, profile, seed)
    bf16 = settings.precision == "bfloat16"
    return ClassDiagnosis(
        runs=tuple(runs),
        findings=exam.findings,
        planned=(f"{ASKED}; " if bf16 else "")
        + describe(widths, configs[widths[0]], profile.max_length),
        cut=(*cut, *budget),
        budget_cut=tuple(budget),
        primary=exam.primary,
        notes=exam.notes,
    )


__all__ = ["DATA_FRACTION", "run_class_diagnostics"]
