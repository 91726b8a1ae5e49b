"""The bar an LSTM classifier has to clear: the majority class, 1-NN DTW and MiniRocket
(aeon's), fitted on the split's training sequences and scored on its validation ones.

Every channel is z-normalised first with the mean and spread of the training sequences'
valid steps (as the benchmark's LSTM is), so no channel dominates a distance by its units.

Cost is bounded by an estimate of the work, not by the clock, so the same data always
give the same baselines on a fast or a busy machine: each aeon baseline has a cap in
seconds, and where its estimate (from the rates below, measured on a busy two-core
machine) is over it, the fit is reduced in a fixed order and the reduction said in its
note. aeon is imported inside the functions only: ``advisor --help`` and ``advisor
profile`` on a forecasting file never load it (nor numba behind it).
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from advisor.core.class_records import ChannelScale, ClassBaseline, ClassSplit
from advisor.core.sequences import SequenceSet

MAJORITY = "majority"
DTW = "1nn_dtw"
MINIROCKET = "minirocket"
BASELINE_NAMES = {MAJORITY: "majority class", DTW: "1-NN DTW", MINIROCKET: "MiniRocket"}
"""How the terminal, the report and the findings name each baseline to a person."""

DEFAULT_CAP_S = 60.0
DTW_WINDOW = 0.1
"""Sakoe-Chiba band (a share of the length) the capped DTW uses: the width the UCR
archive's tuned windows most often land near, and about a fifth of the full cost."""
DTW_CELLS_PER_S = 150e6
"""Cost-matrix cells aeon's DTW fills a second on one core (200-250 million measured)."""
DTW_CHANNEL_COST = 0.1
"""Each channel past the first adds about this share to a cell's cost (dependent DTW)."""
MIN_RESAMPLED_LENGTH = 64
"""A cap shortens sequences (linear interpolation) no further than this many steps."""
MINIROCKET_MIN_LENGTH = 9
"""MiniRocket's kernels are 9 steps long; shorter sequences must be padded."""
MINIROCKET_STEPS_PER_S = 120e3
"""Sequence steps MiniRocket's transform turns into its features a second (univariate;
``1 + min(channels, 9) / 2`` times slower with channels, as measured)."""
MINIROCKET_FEATURES = 9_996
RIDGE_FLOPS_PER_S = 3e9
"""RidgeClassifierCV's solve over the features, as measured (its cost grows with the
square of the training sequences, up to the number of features)."""


@dataclass(frozen=True)
class Prepared:
    """The training and validation sequences, z-normalised, each ``(channels, length)``
    as aeon takes them (a ``SequenceSet`` holds ``(length, channels)``)."""

    train: list[np.ndarray]
    validation: list[np.ndarray]
    y_train: np.ndarray
    y_validation: np.ndarray
    seed: int

    @property
    def channels(self) -> int:
        return int(self.train[0].shape[0])


def channel_scales(seqs: SequenceSet, indices: Sequence[int]) -> tuple[ChannelScale, ...]:
    """Mean and spread of each channel over the valid steps of the ``indices`` sequences."""
    rows = np.asarray(indices, dtype=np.int64)
    steps = seqs.values[rows][seqs.mask[rows]]  # (valid steps, channels)
    return tuple(
        ChannelScale(name, float(np.mean(steps[:, c])), float(np.std(steps[:, c])))
        for c, name in enumerate(seqs.channels)
    )


def prepare(
    seqs: SequenceSet, split: ClassSplit, scales: Sequence[ChannelScale] | None = None
) -> Prepared:
    scales = scales or channel_scales(seqs, split.train)
    mean = np.array([s.mean for s in scales])
    std = np.array([s.std if s.std > 0 else 1.0 for s in scales])

    def part(indices: tuple[int, ...]) -> list[np.ndarray]:
        return [((seqs.values[i, : seqs.lengths[i]] - mean) / std).T.copy() for i in indices]

    return Prepared(
        train=part(split.train),
        validation=part(split.validation),
        y_train=seqs.labels[list(split.train)],
        y_validation=seqs.labels[list(split.validation)],
        seed=split.seed,
    )


def class_baselines(
    seqs: SequenceSet,
    split: ClassSplit,
    scales: Sequence[ChannelScale] | None = None,
    *,
    dtw_cap_s: float = DEFAULT_CAP_S,
    minirocket_cap_s: float = DEFAULT_CAP_S,
) -> tuple[ClassBaseline, ...]:
    """Each baseline's validation scores (NaN, with a note, where it could not run)."""
    if not split.validation or not split.train:
        why = "no validation sequences" if split.train else "no training sequences"
        return tuple(_skipped(name, f"Not scored: {why}.") for name in (MAJORITY, DTW, MINIROCKET))
    data = prepare(seqs, split, scales)
    return (
        majority_baseline(data),
        dtw_baseline(data, dtw_cap_s),
        minirocket_baseline(data, minirocket_cap_s),
    )


# ------------------------------------------------------------------ the baselines


def majority_baseline(data: Prepared) -> ClassBaseline:
    start = time.perf_counter()
    # Ties go to the lower class code, so the same data always name the same class.
    majority = int(np.argmax(np.bincount(data.y_train)))
    predicted = np.full(len(data.y_validation), majority)
    return _score(MAJORITY, data.y_validation, predicted, time.perf_counter() - start)


def dtw_baseline(data: Prepared, cap_s: float = DEFAULT_CAP_S) -> ClassBaseline:
    """1-NN under dependent DTW over all channels; reduced where the estimate is over
    ``cap_s``: a Sakoe-Chiba window first, then shorter sequences (down to
    ``MIN_RESAMPLED_LENGTH`` steps), then a stratified part of the reference set (every
    validation sequence is still scored)."""
    try:
        from aeon.classification.distance_based import KNeighborsTimeSeriesClassifier
    except ImportError:
        return _skipped(DTW, _NO_AEON)
    lengths_tr = np.array([x.shape[1] for x in data.train], dtype=float)
    lengths_va = np.array([x.shape[1] for x in data.validation], dtype=float)
    longest = max(lengths_tr.max(), lengths_va.max())
    median = float(np.median(lengths_tr))
    channel_cost = 1 + DTW_CHANNEL_COST * (data.channels - 1)

    def cost(window: float | None, factor: float, share: float) -> float:
        band = 1.0 if window is None else min(1.0, 2 * window + 2 / (median * factor))
        cells = share * lengths_tr.sum() * lengths_va.sum() * factor**2 * band
        return cells * channel_cost / DTW_CELLS_PER_S

    window: float | None = None
    factor = share = 1.0
    full = cost(None, 1, 1)
    cuts: list[str] = []
    if full > cap_s:
        window = DTW_WINDOW
        cuts.append(f"a Sakoe-Chiba window of {DTW_WINDOW:.0%} of the length")
        floor = min(1.0, MIN_RESAMPLED_LENGTH / longest)
        if cost(window, 1, 1) > cap_s and floor < 1:
            factor = max(floor, math.sqrt(cap_s / cost(window, 1, 1)))
            while cost(window, factor, 1) > cap_s and factor > floor:
                factor = max(floor, factor * 0.9)
            cuts.append(_shortened(int(longest), factor))
        if cost(window, factor, 1) > cap_s:
            share = cap_s / cost(window, factor, 1)
    keep = _subsample(data.y_train, share, data.seed)
    if len(keep) < len(data.y_train):
        cuts.append(
            f"a stratified {len(keep):,} of the {len(data.y_train):,} training sequences as "
            "the neighbours to search"
        )
    train = [_resample(data.train[i], factor) for i in keep]
    validation = [_resample(x, factor) for x in data.validation]
    left = cost(window, factor, len(keep) / len(data.y_train))
    note = _cap_note("the full DTW", full, cap_s, cuts, left)
    clf = KNeighborsTimeSeriesClassifier(
        n_neighbors=1,
        distance="dtw",
        distance_params=None if window is None else {"window": window},
        n_jobs=1,
    )
    return _fit_predict(
        DTW,
        clf,
        _collection(train),
        data.y_train[keep],
        _collection(validation),
        data,
        note,
        capped=bool(cuts),
    )


def minirocket_baseline(data: Prepared, cap_s: float = DEFAULT_CAP_S) -> ClassBaseline:
    """MiniRocket (10,000 kernels, ridge on top) with ``random_state`` the split's seed.
    It takes equal lengths only: each sequence is padded at its end with its own last value
    to the longest (at least ``MINIROCKET_MIN_LENGTH``). Reduced where the estimate is over
    ``cap_s``: a stratified part of the training sequences first (the ridge solve grows
    with their square), then shorter sequences."""
    try:
        from aeon.classification.convolution_based import MiniRocketClassifier
    except ImportError:
        return _skipped(MINIROCKET, _NO_AEON)
    lengths = [x.shape[1] for x in (*data.train, *data.validation)]
    longest = max(lengths)
    n_train, n_val = len(data.y_train), len(data.y_validation)
    per_step = (1 + min(data.channels, 9) / 2) / MINIROCKET_STEPS_PER_S

    def cost(n: float, factor: float) -> float:
        steps = (n + n_val) * max(MINIROCKET_MIN_LENGTH, longest * factor)
        return steps * per_step + _ridge_s(n)

    full = cost(n_train, 1)
    cuts: list[str] = []
    n, factor = float(n_train), 1.0
    if full > cap_s:
        while _ridge_s(n) > cap_s / 2 and n > 1:
            n *= 0.9
        floor = min(1.0, MIN_RESAMPLED_LENGTH / longest)
        while cost(n, factor) > cap_s and factor > floor:
            factor = max(floor, factor * 0.9)
        while cost(n, factor) > cap_s and n > 1:
            n *= 0.9
    keep = _subsample(data.y_train, n / n_train, data.seed)
    if len(keep) < n_train:
        cuts.append(f"a stratified {len(keep):,} of the {n_train:,} training sequences")
    if factor < 1:
        cuts.append(_shortened(longest, factor))
    train = [_resample(data.train[i], factor) for i in keep]
    validation = [_resample(x, factor) for x in data.validation]
    shown = [x.shape[1] for x in (*train, *validation)]
    width = max(MINIROCKET_MIN_LENGTH, *shown)
    notes = [_cap_note("MiniRocket", full, cap_s, cuts, cost(len(keep), factor))]
    if min(shown) != max(shown):
        notes.append(
            f"Sequences of {min(shown)}-{max(shown)} steps padded at the end with their "
            f"last value to {width} (MiniRocket takes equal lengths only)."
        )
    elif width > max(shown):
        notes.append(
            f"Sequences of {max(shown)} steps padded at the end with their last value to "
            f"{width}, the fewest MiniRocket's kernels take."
        )
    note = " ".join(part for part in notes if part)
    clf = MiniRocketClassifier(random_state=data.seed, n_jobs=1)
    return _fit_predict(
        MINIROCKET,
        clf,
        _padded(train, width),
        data.y_train[keep],
        _padded(validation, width),
        data,
        note,
        capped=bool(cuts),
    )


# ------------------------------------------------------------------ helpers

_NO_AEON = "Not run: aeon is not installed (pip install 'aeon>=1.5,<1.7')."


def _cap_note(what: str, full: float, cap_s: float, cuts: list[str], left: float) -> str:
    if not cuts:
        return ""
    still = f" (still estimated at {_seconds(left)})" if left > cap_s else ""
    return (
        f"Capped: {what} was estimated at {_seconds(full)}, over its cap of {_seconds(cap_s)}, "
        "so it ran with " + "; ".join(cuts) + still + "."
    )


def _seconds(s: float) -> str:
    return f"{s:,.0f} s" if s >= 10 else f"{s:.2g} s"


def _shortened(longest: int, factor: float) -> str:
    return (
        f"every sequence resampled to {factor:.0%} of its length (the longest to "
        f"{_resampled(longest, factor)} steps)"
    )


def _ridge_s(n: float) -> float:
    small, large = sorted((n, float(MINIROCKET_FEATURES)))
    return (small**2 * large + small**3) / RIDGE_FLOPS_PER_S


def _subsample(y: np.ndarray, share: float, seed: int) -> np.ndarray:
    """About ``share`` of each class's positions in ``y`` (at least one), sorted."""
    if share >= 1:
        return np.arange(len(y))
    rng = np.random.default_rng(seed)
    kept = [
        rng.permutation(members)[: max(1, math.floor(share * len(members)))]
        for members in (np.flatnonzero(y == code) for code in np.unique(y))
    ]
    return np.sort(np.concatenate(kept))


def _resampled(length: int, factor: float) -> int:
    return max(2, round(length * factor))


def _resample(x: np.ndarray, factor: float) -> np.ndarray:
    """``x`` (channels, length) linearly interpolated onto ``factor`` of its steps."""
    if factor >= 1:
        return x
    length = x.shape[1]
    grid = np.linspace(0, length - 1, _resampled(length, factor))
    return np.stack([np.interp(grid, np.arange(length), row) for row in x])


def _padded(xs: list[np.ndarray], width: int) -> np.ndarray:
    return np.stack([np.pad(x, ((0, 0), (0, width - x.shape[1])), mode="edge") for x in xs])


def _collection(xs: list[np.ndarray]) -> np.ndarray | list[np.ndarray]:
    """aeon's layout: a 3D array where the lengths agree, else a list of 2D arrays."""
    return np.stack(xs) if len({x.shape[1] for x in xs}) == 1 else xs


def _fit_predict(
    name: str,
    clf: object,
    x_train: np.ndarray | list[np.ndarray],
    y_train: np.ndarray,
    x_val: np.ndarray | list[np.ndarray],
    data: Prepared,
    note: str,
    capped: bool,
) -> ClassBaseline:
    start = time.perf_counter()
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            # numba's type-safety warnings and sklearn's ill-conditioning ones say nothing
            # a user can act on.
            warnings.simplefilter("ignore")
            clf.fit(x_train, y_train)  # type: ignore[attr-defined]
            predicted = np.asarray(clf.predict(x_val))  # type: ignore[attr-defined]
    except (ValueError, np.linalg.LinAlgError, MemoryError) as error:
        return _skipped(name, f"Not scored: aeon refused the data ({error}).")
    return _score(
        name,
        data.y_validation,
        predicted,
        time.perf_counter() - start,
        capped=capped,
        note=note,
    )


def _score(
    name: str,
    actual: np.ndarray,
    predicted: np.ndarray,
    seconds: float,
    *,
    capped: bool = False,
    note: str = "",
) -> ClassBaseline:
    from sklearn.metrics import accuracy_score, balanced_accuracy_score, f1_score

    with warnings.catch_warnings():
        # A class the model never predicts (the majority baseline's every other class)
        # has no precision: scikit-learn warns, and counts it 0 as asked.
        warnings.simplefilter("ignore")
        return ClassBaseline(
            name=name,
            accuracy=float(accuracy_score(actual, predicted)),
            macro_f1=float(f1_score(actual, predicted, average="macro", zero_division=0)),
            balanced_accuracy=float(balanced_accuracy_score(actual, predicted)),
            seconds=seconds,
            capped=capped,
            note=note,
            correct=tuple(int(v) for v in actual == predicted),
        )


def _skipped(name: str, note: str) -> ClassBaseline:
    return ClassBaseline(name, math.nan, math.nan, math.nan, 0.0, note=note)


# Below this many validation sequences one split cannot rank the baselines (on 6, one
# sequence is 17 points of accuracy): they are scored again by stratified k-fold
# cross-validation over the training and validation sequences, which costs k fits of each,
# affordable on the small sets where it is needed.
CV_BELOW_VALIDATION = 30
CV_MAX_FOLDS = 5


def cross_validate_baselines(
    seqs: SequenceSet,
    split: ClassSplit,
    baselines: Sequence[ClassBaseline],
    seed: int = 0,
    *,
    dtw_cap_s: float = DEFAULT_CAP_S,
    minirocket_cap_s: float = DEFAULT_CAP_S,
) -> tuple[ClassBaseline, ...]:
    """``baselines`` with their mean accuracy over stratified folds of train + validation
    (``cv_accuracy``), where the validation split is too small to rank them; unchanged
    where it is large enough or a class has fewer than two sequences."""
    from sklearn.model_selection import StratifiedKFold

    pool = np.array(sorted((*split.train, *split.validation)), dtype=np.int64)
    labels = seqs.labels[pool]
    smallest = int(np.unique(labels, return_counts=True)[1].min()) if len(pool) else 0
    k = min(CV_MAX_FOLDS, smallest)
    if len(split.validation) >= CV_BELOW_VALIDATION or k < 2:
        return tuple(baselines)
    folds = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    scores: dict[str, list[float]] = {}
    for fit, held in folds.split(pool, labels):
        fold = replace(
            split,
            train=tuple(int(i) for i in pool[fit]),
            validation=tuple(int(i) for i in pool[held]),
        )
        # The folds share each baseline's cap, so the whole cross-validation costs about
        # what one capped fit may: a profile stays fast on long sequences too.
        for b in class_baselines(
            seqs, fold, dtw_cap_s=dtw_cap_s / k, minirocket_cap_s=minirocket_cap_s / k
        ):
            scores.setdefault(b.name, []).append(b.accuracy)
    out = []
    for b in baselines:
        accs = scores.get(b.name, [])
        finite = [a for a in accs if math.isfinite(a)]
        if b.skipped or len(finite) < len(accs) or not finite:
            out.append(b)
            continue
        out.append(replace(b, cv_accuracy=float(np.mean(finite)), cv_folds=len(finite)))
    return tuple(out)
