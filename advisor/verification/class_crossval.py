"""Stratified k-fold cross-validation of a classifier's suggestion and the search's best.

A search ranks its trials on one validation split of a dozen or so sequences, where a
few sequences more or less right move the score more than most settings do. Here the
training and validation sequences are pooled and dealt into ``k`` stratified folds
(scikit-learn's ``StratifiedKFold``, shuffled with the project's seed), so every
sequence is validated on once and every fold holds each class in its share; each fold
trains both configurations with as many seeds as make ``MIN_PAIRS`` (fold, seed) pairs
in all, and their paired relative difference, averaged within each fold, is tested
against its spread over the folds (``crossval.compare``, forecasting's test). The test
sequences are never part of the pool.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Sequence

import numpy as np

from advisor.core.class_models import ClassifierConfig
from advisor.core.class_verification import (
    ClassCrossValidation,
    ClassCVRun,
    ClassFold,
    Label,
)
from advisor.diagnostics.classifier import ClassTrainer
from advisor.verification.crossval import compare, cv_summary, shrink_plan
from advisor.verification.objective import Objective

# Five folds where every class has five sequences to deal (each then validates on a fifth
# of the pool); fewer where the smallest class has fewer, since StratifiedKFold can give
# a class to each fold's validation only as often as it has sequences. Two at least: one
# fold validates on nothing it did not train on only when there is another.
MAX_FOLDS = 5
MIN_FOLDS = 2
# Enough (fold, seed) pairs for a spread, and no more: each pair trains every
# configuration once, and the folds already give each sequence its turn in validation.
# Seeds make up for few folds only (k = 2 takes 3 seeds, k = 5 takes 1), and only
# against the seed's noise: the test counts folds (four degrees of freedom at k = 5,
# one at k = 2), since folds are independent data and seeds not.
MIN_PAIRS = 5

ClassTrainerFor = Callable[[np.ndarray, np.ndarray], ClassTrainer]
"""A trainer that learns from the first indices and validates on the second."""


def fold_count(pool_labels: np.ndarray) -> int:
    """``k``: the smallest class's count in the pool, within ``MIN_FOLDS..MAX_FOLDS``."""
    counts = np.bincount(pool_labels)
    smallest = int(counts[counts > 0].min()) if counts.any() else 0
    return max(MIN_FOLDS, min(MAX_FOLDS, smallest))


def seeds_for(k: int) -> int:
    """Seeds per fold: the fewest that give ``MIN_PAIRS`` pairs over ``k`` folds."""
    return max(1, math.ceil(MIN_PAIRS / max(1, k)))


def plan_class_folds(
    pool: Sequence[int] | np.ndarray, labels: np.ndarray, classes: Sequence[str], seed: int
) -> tuple[list[ClassFold], list[np.ndarray], list[str]]:
    """The folds of ``pool`` (sequence indices into ``labels``, codes into ``classes``),
    each fold's training indices, and notes on classes too small to reach every fold."""
    from sklearn.model_selection import StratifiedKFold

    n_classes = len(classes)
    pool = np.sort(np.asarray(pool, dtype=np.int64))
    y = labels[pool]
    k = fold_count(y)
    counts = np.bincount(y, minlength=n_classes)
    notes = [
        f"Class {classes[code]!r} has {int(n)} sequence(s) in training + validation, fewer than the "
        f"{k} folds: {k - int(n)} fold(s) validate without it."
        for code, n in enumerate(counts)
        if 0 < n < k
    ]
    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    folds: list[ClassFold] = []
    trains: list[np.ndarray] = []
    with warnings.catch_warnings():
        # "The least populated class has only n members": said in the notes above.
        warnings.simplefilter("ignore", UserWarning)
        parts = list(splitter.split(np.zeros(len(pool)), y))
    for i, (train, validation) in enumerate(parts):
        held = pool[validation]
        folds.append(
            ClassFold(
                index=i + 1,
                train=len(train),
                validation=tuple(int(j) for j in held),
                validation_counts=tuple(
                    int(c) for c in np.bincount(labels[held], minlength=n_classes)
                ),
            )
        )
        trains.append(pool[train])
    return folds, trains, notes


class ClassCrossValidationInterrupted(KeyboardInterrupt):
    """Ctrl-C during cross-validation; carries the runs that finished."""

    def __init__(self, cv: ClassCrossValidation):
        super().__init__()
        self.cv = cv


def cross_validate_class(
    configs: dict[Label, ClassifierConfig],
    trainer_for: ClassTrainerFor,
    pool: Sequence[int] | np.ndarray,
    labels: np.ndarray,
    classes: Sequence[str],
    objective: Objective,
    seed: int,
    deadline: float,
    seconds_per_run: dict[Label, float],
    search_train: int,
    progress: Callable[[int, int], None] | None = None,
) -> ClassCrossValidation:
    """Train each configuration on each fold with each seed, within the deadline.

    ``seconds_per_run`` (a search trial's time, per configuration, on ``search_train``
    training sequences) sizes the plan: the largest plan whose estimate fits the time
    left, more folds first among equals (folds are independent data, seeds are not).
    Ctrl-C raises ``ClassCrossValidationInterrupted`` with the runs that finished.
    """
    start = time.monotonic()
    all_folds, trains, cut = plan_class_folds(pool, labels, classes, seed)
    k = len(all_folds)

    def estimate(n_folds: int, n_seeds: int) -> float:
        per_seed = sum(
            seconds_per_run.get(label, 0.0) * f.train / max(1, search_train)
            for f in all_folds[:n_folds]
            for label in configs
        )
        return per_seed * n_seeds

    n_folds, n_seeds = shrink_plan(k, estimate, deadline - time.monotonic(), cut, seeds_for(k))
    folds = all_folds[:n_folds]
    seeds = tuple(seed + j for j in range(n_seeds))
    runs: list[ClassCVRun] = []
    order = [(s, f, label) for s in seeds for f in folds for label in configs]
    planned = (
        f"{len(folds)} of {k} stratified fold(s) x {len(seeds)} seed(s) x "
        f"{len(configs)} configuration(s)"
    )
    trainers = {
        f.index: trainer_for(train, np.asarray(f.validation, dtype=np.int64))
        for f, train in zip(folds, trains, strict=False)
    }

    def result() -> ClassCrossValidation:
        improvement, stderr, beyond = compare(runs, objective)
        by = {
            label: [r.score for r in runs if r.config == label and math.isfinite(r.score)]
            for label in ("suggestion", "best")
        }
        return ClassCrossValidation(
            objective=objective.name,
            k=k,
            folds=tuple(folds),
            seeds=seeds,
            runs=tuple(runs),
            suggestion=cv_summary(by["suggestion"]),
            best=cv_summary(by["best"]),
            improvement=improvement,
            improvement_stderr=stderr,
            beyond_noise=beyond,
            planned=planned,
            cut=tuple(cut),
            seconds=time.monotonic() - start,
        )

    try:
        for i, (s, f, label) in enumerate(order):
            if progress:
                progress(i, len(order))
            if time.monotonic() >= deadline:
                cut.append(f"{len(order) - i} of {len(order)} trainings: the time budget ran out")
                break
            name = f"cv-{label}-fold{f.index}-seed{s}"
            run = trainers[f.index].run(name, configs[label], s, deadline)
            runs.append(
                ClassCVRun(
                    config=label,
                    fold=f.index,
                    seed=s,
                    score=objective.score(run),
                    accuracy=run.val_accuracy,
                    macro_f1=run.val_macro_f1,
                    balanced_accuracy=run.val_balanced_accuracy,
                    best_epoch=run.best_epoch,
                    cut=run.stopped_reason == "budget",
                )
            )
    except KeyboardInterrupt:
        cut.append(f"{len(order) - len(runs)} of {len(order)} trainings: interrupted")
        raise ClassCrossValidationInterrupted(result()) from None
    if progress:
        progress(len(order), len(order))
    return result()
