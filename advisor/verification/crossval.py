"""Walk-forward cross-validation of the suggestion and the search's best.

One validation split says little: a few percent between two configurations is often
just the seed. Here each configuration trains on several folds with several seeds.
Fold ``i`` validates on a block of ``validation`` rows and trains on every row before
it; the blocks are successive and the last one ends where the validation split ends,
so no fold ever sees the test rows. Each (fold, seed) trains both configurations, and
their paired relative difference is tested against its own spread.

The most recent fold with the first seed is exactly the search's own trial of each
configuration, which the run directory's cache answers without training again. Note
that the search chose its best on that block, which flatters the best there; the
earlier folds are free of that.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np

from advisor.core.class_verification import ClassCVRun
from advisor.core.records import (
    ArmRun,
    CrossValidation,
    CVRun,
    CVSummary,
    Fold,
    ModelConfig,
    Split,
)
from advisor.core.sizing import SEASONAL_DIFFERENCE_SEASONS, seasons_fit
from advisor.core.splits import MIN_TRAIN_WINDOWS
from advisor.diagnostics.trainer import RunSpec, Trainer
from advisor.verification.objective import Objective

# Three blocks and three seeds: the fewest that give a spread for each, at nine
# trainings per configuration. A tighter budget takes the largest plan that fits,
# more folds first among equals (folds are independent data, seeds are not).
CV_FOLDS = 3
CV_SEEDS = 3
# Two-sided 95%: "beyond the noise" means a t-test over the folds' paired gains rejects
# "no difference" (``compare``).
CONFIDENCE = 0.95

Label = Literal["suggestion", "best"]
TrainerFor = Callable[[Split], Trainer]


def plan_folds(
    split: Split, horizon: int, configs: list[ModelConfig], k: int
) -> tuple[list[Fold], list[str]]:
    """Up to ``k`` folds, most recent first, each with enough training windows."""
    block = split.validation
    need = max(c.lookback + c.differencing for c in configs) + horizon + MIN_TRAIN_WINDOWS - 1
    # A season's pattern is measured on the fold's training rows, as many seasons as the
    # diagnostics asked of the whole training part.
    seasons = {c.deseasonalize for c in configs if c.deseasonalize}
    folds: list[Fold] = []
    cut: list[str] = []
    for i in range(k):
        train_end = split.train - i * block
        # The most recent fold is the search's own split: it trained there already.
        if i > 0 and train_end < need:
            cut.append(
                f"{k - i} earlier fold(s): fewer than {MIN_TRAIN_WINDOWS} training windows before them"
            )
            break
        if i > 0 and not all(seasons_fit(s, train_end) for s in seasons):
            cut.append(
                f"{k - i} earlier fold(s): fewer than {SEASONAL_DIFFERENCE_SEASONS} seasons "
                "before them to measure the season's pattern on"
            )
            break
        folds.append(Fold(i + 1, train_end, train_end + block))
    return folds, cut


def shrink_plan(
    folds: int,
    estimate: Callable[[int, int], float],
    left: float,
    cut: list[str],
    seeds: int = CV_SEEDS,
) -> tuple[int, int]:
    """The most (fold, seed) pairs, folds first, whose ``estimate`` fits ``left``
    seconds (one of each where none does); a smaller plan than ``folds`` x ``seeds`` is
    said in ``cut``. Shared by both tasks' cross-validation."""
    plans = sorted(
        ((f, s) for f in range(1, folds + 1) for s in range(1, seeds + 1)),
        key=lambda p: (p[0] * p[1], p[0]),
        reverse=True,
    )
    n_folds, n_seeds = next((p for p in plans if estimate(*p) <= left), (1, 1))
    if (n_folds, n_seeds) != (folds, seeds):
        cut.append(f"{folds} fold(s) x {seeds} seeds cut to {n_folds} x {n_seeds}: the time budget")
    return n_folds, n_seeds


def fold_split(fold: Fold, rows: int) -> Split:
    return Split(
        train=fold.train_end,
        validation=fold.validation_end - fold.train_end,
        test=rows - fold.validation_end,
    )


def cv_summary(scores: list[float]) -> CVSummary | None:
    if not scores:
        return None
    std = statistics.stdev(scores) if len(scores) > 1 else 0.0
    return CVSummary(statistics.fmean(scores), std, len(scores))


def compare(
    runs: Sequence[CVRun | ClassCVRun | ArmRun],
    objective: Objective[Any],
    base: str = "suggestion",
    other: str = "best",
) -> tuple[float | None, float | None, bool]:
    """Mean relative gain of ``other`` over ``base`` (the runs' ``config`` labels: the
    search's best over the suggestion, unless told), its standard error, and whether a
    two-sided t-test at 95% calls it real; a forecaster's or a classifier's alike.

    Runs pair by (fold, seed), and the test counts folds, not pairs: the seeds of one
    fold train on the same rows, so their gains share that fold's luck and are not
    independent evidence about the data. Counting each as a sample (nine pairs from
    three folds) shrank the standard error by up to the square root of the seeds and
    called a gain real that one stretch of the series could explain. Each fold's gain
    is the mean over its seeds; the mean, its standard error and the test are over the
    folds (``n - 1`` degrees of freedom), so a gain is beyond the noise only where at
    least two folds agree, and one fold's seeds alone, however many, show only the
    seeds' spread (reported as the standard error, never called beyond the noise).
    """
    from scipy import stats

    pairs: dict[tuple[int, int], dict[str, float]] = {}
    for r in runs:
        if math.isfinite(r.score):
            pairs.setdefault((r.fold, r.seed), {})[r.config] = r.score
    by_fold: dict[int, list[float]] = {}
    for (fold, _), p in sorted(pairs.items()):
        if base in p and other in p:
            by_fold.setdefault(fold, []).append(objective.gain(p[base], p[other]))
    if not by_fold:
        return None, None, False
    if len(by_fold) == 1:
        (gains,) = by_fold.values()
        mean = statistics.fmean(gains)
        spread = statistics.stdev(gains) / math.sqrt(len(gains)) if len(gains) > 1 else None
        return mean, spread, False
    folds = [statistics.fmean(g) for g in by_fold.values()]
    mean = statistics.fmean(folds)
    stderr = statistics.stdev(folds) / math.sqrt(len(folds))
    if stderr == 0:
        return mean, 0.0, mean > 0
    critical = float(stats.t.ppf(0.5 + CONFIDENCE / 2, len(folds) - 1))
    return mean, stderr, mean > 0 and mean / stderr > critical


class CrossValidationInterrupted(KeyboardInterrupt):
    """Ctrl-C during cross-validation; carries the runs that finished."""

    def __init__(self, cv: CrossValidation):
        super().__init__()
        self.cv = cv


def cross_validate(
    configs: dict[Label, ModelConfig],
    trainer_for: TrainerFor,
    split: Split,
    rows: int,
    horizon: int,
    objective: Objective,
    seed: int,
    deadline: float,
    seconds_per_run: dict[Label, float],
    progress: Callable[[int, int], None] | None = None,
) -> CrossValidation:
    """Train each configuration on each fold with each seed, within the deadline.

    ``seconds_per_run`` (a search trial's time, per configuration) sizes the plan:
    the largest plan whose estimate fits the time left. Ctrl-C raises
    ``CrossValidationInterrupted`` with the runs that finished.
    """
    start = time.monotonic()
    all_folds, cut = plan_folds(split, horizon, list(configs.values()), CV_FOLDS)
    windows_full = max(1, split.train)

    def estimate(folds: int, seeds: int) -> float:
        total = 0.0
        for f in all_folds[:folds]:
            share = f.train_end / windows_full
            for s in range(seeds):
                for label in configs:
                    # The most recent fold with the first seed is the search's trial.
                    if f.index == 1 and s == 0:
                        continue
                    total += seconds_per_run.get(label, 0.0) * share
        return total

    n_folds, n_seeds = shrink_plan(len(all_folds), estimate, deadline - time.monotonic(), cut)
    folds = all_folds[:n_folds]
    seeds = tuple(seed + j for j in range(n_seeds))
    runs: list[CVRun] = []
    order = [(s, f, label) for s in seeds for f in folds for label in configs]
    planned = f"{len(folds)} fold(s) x {len(seeds)} seed(s) x {len(configs)} configuration(s)"
    trainers = {f.index: trainer_for(fold_split(f, rows)) for f in folds}

    def result() -> CrossValidation:
        return summarise(runs, objective, folds, seeds, planned, cut, time.monotonic() - start)

    try:
        for i, (s, f, label) in enumerate(order):
            if progress:
                progress(i, len(order))
            first = f.index == 1 and s == seed
            if not first and time.monotonic() >= deadline:
                cut.append(f"{len(order) - i} of {len(order)} trainings: the time budget ran out")
                break
            spec = RunSpec(f"cv-{label}-fold{f.index}-seed{s}", configs[label], 1.0, s)
            run = trainers[f.index].run(spec, deadline)
            score = objective.score(run)
            cut_short = run.stopped_reason == "budget"
            runs.append(CVRun(label, f.index, s, score, run.val_rmse, run.best_epoch, cut_short))
    except KeyboardInterrupt:
        cut.append(f"{len(order) - len(runs)} of {len(order)} trainings: interrupted")
        raise CrossValidationInterrupted(result()) from None
    if progress:
        progress(len(order), len(order))
    return result()


def summarise(
    runs: list[CVRun],
    objective: Objective,
    folds: list[Fold],
    seeds: tuple[int, ...],
    planned: str,
    cut: list[str],
    seconds: float,
) -> CrossValidation:
    improvement, stderr, beyond = compare(runs, objective)
    by = {
        label: [r.score for r in runs if r.config == label and math.isfinite(r.score)]
        for label in ("suggestion", "best")
    }
    return CrossValidation(
        objective=objective.name,
        folds=tuple(sorted(folds, key=lambda f: f.train_end)),
        seeds=seeds,
        runs=tuple(runs),
        suggestion=cv_summary(by["suggestion"]),
        best=cv_summary(by["best"]),
        improvement=improvement,
        improvement_stderr=stderr,
        beyond_noise=beyond,
        planned=planned,
        cut=tuple(cut),
        seconds=seconds,
    )


def median_best_epoch(runs: Sequence[CVRun | ClassCVRun], label: Label) -> int | None:
    """Where early stopping settled, over the runs of ``label`` that got there; a run the
    budget cut short says only how far it got."""
    epochs = [r.best_epoch for r in runs if r.config == label and r.best_epoch > 0 and not r.cut]
    return int(np.median(epochs)) if epochs else None
