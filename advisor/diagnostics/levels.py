"""What the diagnostic plan can afford: its levels, its worst-case seconds, the choice.

The plan is made up front: the trainer measures what one epoch of the fused sweep
costs (``Trainer.sweep_cost``), and the plan takes the richest level of
``PLAN_LEVELS`` (epochs, data fractions) whose worst case fits the time left. Levels
are coarse, so that a quiet and a busy machine, whose measurements differ by tens of
percent, mostly choose the same plan; under ``--budget auto`` the richest always runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from advisor.core.sizing import EPOCH_WINDOWS, MAX_VAL_WINDOWS
from advisor.diagnostics.probe import COMPARE_EPOCHS, PROBE_EPOCHS, patience_for
from advisor.diagnostics.trainer import SweepCost

# Fractions of the training windows for the data-size learning curve, below 100%.
DATA_FRACTIONS = (0.25, 0.5)
# (epochs, data fractions), richest first. Epochs of the sweep go last: overfitting
# shows only once the curves have run on past their best epoch, while the data-size
# curve needs only its 50% point to tell whether more data helps. Early stopping usually
# ends a probe before the cap, so neighbouring levels mostly give the same curves.
PLAN_LEVELS: tuple[tuple[int, tuple[float, ...]], ...] = (
    (PROBE_EPOCHS, DATA_FRACTIONS),
    (PROBE_EPOCHS, DATA_FRACTIONS[1:]),
    (40, DATA_FRACTIONS[1:]),
    (30, DATA_FRACTIONS[1:]),
    (30, ()),
    (20, ()),
    (15, ()),
    (10, ()),
)
# Share of the time left that the plan may fill: the estimate is from a few batches, and
# a busier machine later on must not push the diagnostics past their deadline.
PLAN_SHARE = 0.75
# An epoch of a very long series is cut to a power of two batches, never below this.
MIN_BATCHES_PER_EPOCH = 8


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
    sampled: str = ""
    """How a long series' epochs are drawn (``sampled_text``); empty for a shorter one."""
    form: str = ""
    """How the sweep's widths train (``SweepCost.form``), where known."""

    def describe(self) -> str:
        widths = "/".join(str(w) for w in self.widths)
        parts = [f"capacity sweep of widths {widths} {self.form or 'trained together'}"]
        if self.fractions:
            shares = ", ".join(f"{f:.0%}" for f in self.fractions)
            parts.append(f"data-size runs on {shares} of the training windows at the best width")
        parts.append(f"up to {self.epochs} epochs, patience {self.patience}")
        if self.sampled:
            parts.append(self.sampled)
        if self.max_batches and not (self.sampled and not self.budget_cut):
            parts.append(f"at most {self.max_batches} batches an epoch")
        return "; ".join(parts)


def epoch_batches(windows: int, fraction: float, batch: int) -> int:
    """Batches of an epoch: of every window, at most EPOCH_WINDOWS of them."""
    return max(1, min(math.ceil(windows * fraction), EPOCH_WINDOWS) // batch)


def sampled_text(windows: int) -> str:
    """What a long series' epochs are, in the plan's words; empty where nothing is drawn."""
    if windows <= EPOCH_WINDOWS:
        return ""
    return (
        f"each epoch a fresh random draw of {EPOCH_WINDOWS:,} of the {windows:,} training "
        f"windows, validation loss on {MAX_VAL_WINDOWS:,} evenly spaced windows (every "
        "training of this analysis)"
    )


def run_seconds(cost: SweepCost, windows: int, batch: int, plan: Plan, fraction: float) -> float:
    """Worst case of one run of the plan on ``fraction`` of the windows."""
    batches = epoch_batches(windows, fraction, batch)
    return plan.epochs * cost.epoch(min(batches, plan.max_batches or batches))


def plan_seconds(
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
        n = epoch_batches(windows, fraction, batch)
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
            # A long series' fused sweep draws its epochs like every other training.
            cap or (epoch_batches(windows, 1.0, batch) if sampled else None),
            seconds,
            (*cut, *budget),
            tuple(budget),
            sampled,
            cost.form if cost is not None else "",
        )

    sampled = sampled_text(windows)

    if cost is None:
        return plan(0, None, 0.0, ())
    room = PLAN_SHARE * max(0.0, available)
    for level, (epochs, fractions) in enumerate(PLAN_LEVELS):
        seconds = plan_seconds(cost, windows, batch, epochs, fractions, None)
        if seconds <= room:
            return plan(level, None, seconds, ())
    last = len(PLAN_LEVELS) - 1
    epochs = PLAN_LEVELS[last][0]
    full = epoch_batches(windows, 1.0, batch)
    fits = (room / epochs - cost.epoch_overhead) / cost.batch if cost.batch > 0 else full
    cap = MIN_BATCHES_PER_EPOCH
    while cap * 2 <= min(fits, full):
        cap *= 2
    if cap >= full:
        return plan(last, None, plan_seconds(cost, windows, batch, epochs, (), None), ())
    seconds = plan_seconds(cost, windows, batch, epochs, (), cap)
    whole = f"{full:,} batches" + (f" ({EPOCH_WINDOWS:,} windows)" if sampled else "")
    note = f"epochs cut to {cap} of {whole}, a fresh random draw each (time budget)"
    return plan(last, cap, seconds, (note,))


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
    total = plan_seconds(cost, windows, batch, epochs, fractions, None)
    epoch = cost.epoch(epoch_batches(windows, 1.0, batch))
    if lags >= 2:
        total += cost.setup + lags * COMPARE_EPOCHS * epoch
    if lookbacks >= 2:  # each window its own model; every epoch at most the longest's
        total += lookbacks * (cost.setup + COMPARE_EPOCHS * epoch)
    one = cost.setup + epochs * epoch / max(1, widths)
    return total + later_trainings * one
