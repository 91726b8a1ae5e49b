"""What the final training will cost, said before it starts.

A budget never cuts the final model below the epochs the evidence asked for, so where
the time left cannot pay for them the user hears it first, with the estimate. The
estimate reads the search's own trials of the chosen shape: seconds per epoch on this
machine, scaled to the final training's windows (train + validation, an epoch at most
``EPOCH_WINDOWS`` of them) and to its epochs and seeds.
"""

from __future__ import annotations

from collections.abc import Sequence

from advisor.core.class_models import ClassRun
from advisor.core.class_records import ClassSplit
from advisor.core.records import ModelConfig, Trial
from advisor.core.sizing import EPOCH_WINDOWS


def final_seconds(
    trials: Sequence[Trial],
    config: ModelConfig,
    train_windows: int,
    final_windows: int,
    members: int,
) -> float | None:
    """Rough seconds of ``members`` trainings of ``config`` for its epochs on
    ``final_windows`` windows; ``None`` where no finished trial of the same window and
    layers was timed."""
    same = [
        t
        for t in trials
        if t.config.lookback == config.lookback and t.config.layers == config.layers
    ]
    scale = min(final_windows, EPOCH_WINDOWS) / max(1, min(train_windows, EPOCH_WINDOWS))
    return _estimate(same, scale, config.epochs, members)


def _estimate(same: Sequence[Trial], scale: float, epochs: int, members: int) -> float | None:
    """The median finished trial's seconds per epoch, times ``scale``, ``epochs`` and
    ``members``; ``None`` where no trial of ``same`` finished and was timed."""
    same = [t for t in same if not t.cut and t.seconds > 0]
    if not same:
        return None
    # A trial ran until early stopping's patience passed its best epoch, or to its cap.
    per_epoch = [
        t.seconds / max(1, min(t.config.epochs, t.best_epoch + t.config.early_stopping_patience))
        for t in same
    ]
    return sorted(per_epoch)[len(per_epoch) // 2] * scale * epochs * members


def class_final_reserve(runs: Sequence[ClassRun], split: ClassSplit, members: int) -> float | None:
    """What ``members`` final trainings of a classifier may take, read off the
    diagnostics' best full-data run: its seconds per epoch, scaled to the final
    training's sequences (train + validation), for twice its best epoch count each,
    plus the first training's ``CONVERGED_PATIENCE`` epochs. The final trainings run
    until the training loss stops falling, which comes later than the validation
    loss's minimum: about twice as late on GunPoint's training folds (a median 60
    epochs against 96). ``None`` where no run settled. Read before the search, so a
    budget can keep it back."""
    from advisor.diagnostics.class_findings import best_class_run
    from advisor.diagnostics.classifier import CONVERGED_PATIENCE, FINAL_MAX_EPOCHS

    settled = [r for r in runs if r.curve.epochs > 0 and r.best_epoch > 0]
    if not settled:
        return None
    best = best_class_run(settled)
    per_epoch = best.seconds / best.curve.epochs
    share = (len(split.train) + len(split.validation)) / max(1, len(split.train))
    epochs = min(FINAL_MAX_EPOCHS, 2 * best.best_epoch)
    return per_epoch * share * (epochs * members + CONVERGED_PATIENCE)


def affordable_members(
    final_s: float | None, left: float, members: int, budget_s: float | None
) -> int:
    """How many seeds' trainings the final model averages where the epochs are settled:
    all of them under ``--budget auto`` or where the time left pays for them, else as many
    as it pays for (at least one: the epochs are evidence, the average a refinement)."""
    if budget_s is None or final_s is None or final_s <= left:
        return members
    return max(1, min(members, int(left / (final_s / members))))


def final_members(
    final_s: float | None, left: float, members: int, budget_s: float | None, settled: bool
) -> int:
    """The seeds' trainings of the final model: ``affordable_members`` where its epochs are
    settled or priced; one where they are neither (no training settled them, so they stop
    where the budget ends, and no trial says what they cost). Seeds sharing an unknown,
    short remainder would each train a few epochs, and their average is no model: at a
    72 s budget on nottem three trainings of 1-5 of 54 epochs scored 3.4 times the
    baseline's test RMSE."""
    if budget_s is not None and not settled and final_s is None:
        return 1
    return affordable_members(final_s, left, members, budget_s)


__all__ = ["affordable_members", "class_final_reserve", "final_members", "final_seconds"]
