"""The classification probes on seeded synthetic sequence sets whose truth is known: the
stratified split, the profile's statistics, and the baselines (exact for the majority
class, well above chance on sine against square waves, near chance on random labels).
"""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

from advisor.core.sequences import PAD_VALUE, SequenceSet
from advisor.core.splits import SMALL_TEST_SHARE, TEST_SHARE, class_split
from advisor.probes import class_profile
from advisor.probes.class_baselines import (
    CV_BELOW_VALIDATION,
    DTW,
    MAJORITY,
    MINIROCKET,
    class_baselines,
    cross_validate_baselines,
    dtw_baseline,
    majority_baseline,
    minirocket_baseline,
    prepare,
)
from advisor.probes.class_profile import build_class_profile


def sequence_set(
    series: list[np.ndarray],
    labels: list[int],
    classes: tuple[str, ...],
    test: list[bool] | None = None,
    channels: tuple[str, ...] | None = None,
) -> SequenceSet:
    """``series`` of shape (length, channels) each, NaN-padded into one record."""
    width = max(len(s) for s in series)
    n_channels = series[0].shape[1]
    values = np.full((len(series), width, n_channels), PAD_VALUE)
    for i, s in enumerate(series):
        values[i, : len(s)] = s
    return SequenceSet(
        path="synthetic.csv",
        sha256="0" * 64,
        values=values,
        lengths=np.array([len(s) for s in series], dtype=np.int64),
        labels=np.array(labels, dtype=np.int64),
        classes=classes,
        channels=channels or tuple(f"dim_{c}" for c in range(n_channels)),
        ids=tuple(f"s{i}" for i in range(len(series))),
        test=np.array(test if test is not None else [False] * len(series), dtype=bool),
        layout="long",
        id_column="series_id",
        label_column="label",
        time_column="t",
        split_column="split" if test is not None else None,
    )


def noise_set(counts: tuple[int, ...], seed: int = 0, test_every: int | None = None):
    rng = np.random.default_rng(seed)
    labels = [code for code, n in enumerate(counts) for _ in range(n)]
    labels = [labels[i] for i in rng.permutation(len(labels))]
    series = [rng.normal(size=(int(rng.integers(20, 31)), 1)) for _ in labels]
    test = [i % test_every == 0 for i in range(len(labels))] if test_every else None
    return sequence_set(series, labels, tuple(f"c{k}" for k in range(len(counts))), test)


def waves(n: int = 60, seed: int = 0, length: int = 64) -> SequenceSet:
    """Sines against square waves of random phase and period, with noise: any sensible
    classifier tells them apart. A fifth of each class is test."""
    rng = np.random.default_rng(seed)
    series, labels = [], []
    t = np.arange(length)
    for i in range(n):
        label = i % 2
        phase, period = rng.uniform(0, 2 * np.pi), rng.uniform(12, 24)
        wave = np.sin(2 * np.pi * t / period + phase)
        wave = np.sign(wave) if label else wave
        series.append((wave + rng.normal(scale=0.2, size=length))[:, None])
        labels.append(label)
    return sequence_set(series, labels, ("sine", "square"), [i % 10 < 2 for i in range(n)])


# ------------------------------------------------------------------ the split


def test_split_keeps_the_files_test_sequences_out_and_every_class_in_each_part():
    seqs = noise_set((30, 20, 10), test_every=5)
    split = class_split(seqs, seed=0)
    assert split.test_source == "file" and split.test_share is None
    assert split.test == tuple(np.flatnonzero(seqs.test))
    train, val = set(split.train), set(split.validation)
    assert not train & val and not (train | val) & set(split.test)
    assert train | val | set(split.test) == set(range(seqs.n_sequences))
    assert all(c > 0 for c in split.train_counts) and all(c > 0 for c in split.validation_counts)
    pool = np.bincount(seqs.labels[~seqs.test])
    # About a fifth of each class: the rounding is per class.
    assert split.validation_counts == tuple(int(np.floor(0.2 * n + 0.5)) for n in pool)
    assert split.train_counts == tuple(int(n) for n in pool - split.validation_counts)


def test_split_is_deterministic_for_a_seed_and_moves_with_another():
    seqs = noise_set((30, 20, 10), test_every=5)
    assert class_split(seqs, seed=3) == class_split(seqs, seed=3)
    assert class_split(seqs, seed=3).validation != class_split(seqs, seed=4).validation
    assert class_split(seqs, seed=3).test == class_split(seqs, seed=4).test


@pytest.mark.parametrize(
    ("counts", "share"), [((30, 20, 10), SMALL_TEST_SHARE), ((60, 50), TEST_SHARE)]
)
def test_split_draws_a_stratified_test_where_the_file_has_none(counts, share):
    seqs = noise_set(counts)
    one, other = class_split(seqs, seed=0), class_split(seqs, seed=1)
    assert one.test_source == "advisor" and one.test_share == share
    assert one.test_counts == tuple(int(np.floor(share * n + 0.5)) for n in counts)
    # The test draw ignores the seed: a changed seed never moves a test sequence.
    assert one.test == other.test and one.validation != other.validation
    assert not set(one.test) & (set(one.train) | set(one.validation))
    assert all(c > 0 for part in (one.train_counts, one.validation_counts) for c in part)
    assert any("split column" in note for note in one.notes)


def test_split_says_which_class_is_too_small_for_validation():
    # Two sequences of "c1": one goes to test, the other must train; none is left.
    seqs = noise_set((20, 2))
    split = class_split(seqs, seed=0)
    assert split.test_counts[1] == 1 and split.train_counts[1] == 1
    assert split.validation_counts[1] == 0
    assert any("'c1'" in note and "validation" in note for note in split.notes)


# ------------------------------------------------------------------ the profile


def ragged_two_channel(seed: int = 0) -> SequenceSet:
    """Class "flat": channel 0 is 1.0 and channel 1 is 10.0 throughout; class "ramp":
    channel 0 climbs linearly from 0 to 1 over its own length, channel 1 is its negative.
    Lengths 5-15, so linear resampling recovers both shapes exactly."""
    rng = np.random.default_rng(seed)
    series, labels = [], []
    for i in range(33):
        label = int(i % 3 == 0)  # 11 ramps, 22 flat
        length = int(rng.integers(5, 16))
        if label:
            ramp = np.linspace(0.0, 1.0, length)
            series.append(np.column_stack([ramp, -ramp]))
        else:
            series.append(np.column_stack([np.ones(length), np.full(length, 10.0)]))
        labels.append(label)
    return sequence_set(series, labels, ("flat", "ramp"), channels=("a", "b"))


def test_profile_counts_lengths_and_curves_on_the_training_sequences(monkeypatch):
    # The statistics only: the baselines have their own tests.
    monkeypatch.setattr(class_profile, "class_baselines", lambda *args, **kwargs: ())
    seqs = ragged_two_channel()
    profile = build_class_profile(seqs, seed=0)
    split = profile.split
    train = np.array(split.train)
    lengths = seqs.lengths[train]
    assert profile.n_sequences == 33 and profile.split.test_source == "advisor"
    assert profile.class_counts == tuple(np.bincount(seqs.labels[train]))
    assert profile.imbalance_ratio == max(profile.class_counts) / min(profile.class_counts)
    assert (profile.min_length, profile.max_length) == (lengths.min(), lengths.max())
    assert profile.median_length == np.median(lengths) and profile.ragged
    assert profile.curve_points == round(float(np.median(lengths)))
    assert len(profile.mean_curves) == 4
    points = profile.curve_points
    flat_a, ramp_a = profile.curve("flat", "a"), profile.curve("ramp", "a")
    assert flat_a.sequences == profile.class_counts[0]
    np.testing.assert_allclose(flat_a.mean, 1.0)
    np.testing.assert_allclose(flat_a.std, 0.0)
    np.testing.assert_allclose(profile.curve("flat", "b").mean, 10.0)
    np.testing.assert_allclose(ramp_a.mean, np.linspace(0, 1, points), atol=1e-12)
    np.testing.assert_allclose(ramp_a.std, 0.0, atol=1e-12)
    np.testing.assert_allclose(profile.curve("ramp", "b").mean, -np.linspace(0, 1, points))
    steps = seqs.values[train][seqs.mask[train]]
    for c, scale in enumerate(profile.scales):
        assert scale.mean == pytest.approx(steps[:, c].mean())
        assert scale.std == pytest.approx(steps[:, c].std())


def test_profile_caps_the_curve_grid():
    series = [np.zeros((600, 1)), np.ones((700, 1))] * 3
    seqs = sequence_set(series, [0, 1] * 3, ("x", "y"))
    assert class_profile.curve_points(seqs.lengths) == class_profile.MAX_CURVE_POINTS


# ------------------------------------------------------------------ the baselines


def test_channels_are_z_normalised_on_the_training_sequences_only():
    seqs = ragged_two_channel()
    split = class_split(seqs, seed=0)
    data = prepare(seqs, split)
    steps = np.concatenate(data.train, axis=1)  # (channels, every valid training step)
    np.testing.assert_allclose(steps.mean(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(steps.std(axis=1), 1.0)
    assert [x.shape[1] for x in data.validation] == [seqs.lengths[i] for i in split.validation]


def test_majority_baseline_is_exact():
    seqs = noise_set((30, 20, 10), test_every=5)
    split = class_split(seqs, seed=0)
    result = majority_baseline(prepare(seqs, split))
    assert int(np.argmax(split.train_counts)) == 0
    val = seqs.labels[list(split.validation)]
    share = float(np.mean(val == 0))
    assert result.name == MAJORITY
    assert result.accuracy == pytest.approx(share)
    assert result.balanced_accuracy == pytest.approx(1 / 3)
    # F1 of the majority class (precision = share, recall 1), zero for the two others.
    assert result.macro_f1 == pytest.approx(2 * share / (1 + share) / 3)
    assert result.correct == tuple(int(v) for v in val == 0)


def test_baselines_tell_sines_from_square_waves():
    seqs = waves()
    split = class_split(seqs, seed=0)
    results = {b.name: b for b in class_baselines(seqs, split)}
    assert set(results) == {MAJORITY, DTW, MINIROCKET}
    for name in (DTW, MINIROCKET):
        b = results[name]
        assert b.accuracy >= 0.85 and b.balanced_accuracy >= 0.85, b
        assert not b.capped and b.note == ""
        assert len(b.correct) == split.n_validation
        assert np.mean(b.correct) == pytest.approx(b.accuracy)
        assert b.seconds > 0


def test_baselines_stay_near_chance_on_random_labels():
    seqs = noise_set((100, 100), seed=1, test_every=4)
    split = class_split(seqs, seed=0)
    assert split.n_validation >= 30
    for b in class_baselines(seqs, split):
        # 30 validation sequences: chance is 0.5 with a spread of about 0.09.
        assert 0.2 <= b.accuracy <= 0.8, b


def test_baselines_take_ragged_multichannel_sequences_shorter_than_minirocket_kernels():
    rng = np.random.default_rng(2)
    series = [rng.normal(size=(int(rng.integers(3, 8)), 2)) for _ in range(24)]
    seqs = sequence_set(series, [i % 2 for i in range(24)], ("p", "q"))
    split = class_split(seqs, seed=0)
    results = {b.name: b for b in class_baselines(seqs, split)}
    assert not any(b.skipped for b in results.values())
    assert "padded at the end with their last value" in results[MINIROCKET].note


def test_a_tiny_cap_reduces_the_fit_and_says_so():
    seqs = waves(n=48, length=120)
    split = class_split(seqs, seed=0)
    data = prepare(seqs, split)
    dtw = dtw_baseline(data, cap_s=1e-4)
    assert dtw.capped and dtw.note.startswith("Capped")
    assert "Sakoe-Chiba window" in dtw.note and "resampled" in dtw.note
    assert "training sequences as the neighbours" in dtw.note
    assert len(dtw.correct) == split.n_validation  # every validation sequence still scored
    rocket = minirocket_baseline(data, cap_s=1e-4)
    assert rocket.capped and "stratified" in rocket.note
    assert len(rocket.correct) == split.n_validation
    roomy = dtw_baseline(data, cap_s=1e4)
    assert not roomy.capped and roomy.note == ""


def test_no_validation_sequence_skips_the_baselines_with_a_note():
    seqs = noise_set((2, 2))
    split = class_split(seqs, seed=0)  # one of each to test, one to train, none left
    assert split.n_validation == 0
    results = class_baselines(seqs, split)
    assert all(b.skipped and "no validation" in b.note for b in results)


def test_importing_the_probes_loads_no_aeon():
    code = (
        "import sys\n"
        "import advisor.probes, advisor.probes.profile\n"
        "import advisor.probes.class_profile, advisor.probes.class_baselines\n"
        "print(','.join(m for m in ('aeon', 'numba', 'sklearn') if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""


@pytest.mark.slow
def test_profiling_a_forecasting_file_loads_no_aeon(tmp_path):
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from advisor.cli import app\n"
        f"r = CliRunner().invoke(app, ['profile', '--example', 'airline', '--out', {str(tmp_path)!r}])\n"
        "assert r.exit_code == 0, r.output\n"
        "print('aeon' in sys.modules)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"


def test_a_small_validation_split_has_the_baselines_cross_validated():
    seqs = waves(n=40)  # 32 to train on, a handful of validation sequences
    split = class_split(seqs, seed=0)
    assert split.n_validation < CV_BELOW_VALIDATION
    scored = class_baselines(seqs, split)
    crossed = {b.name: b for b in cross_validate_baselines(seqs, split, scored)}
    pool = split.n_train + split.n_validation
    for name in (MAJORITY, DTW, MINIROCKET):
        b = crossed[name]
        assert b.cv_folds == 5, b
        assert 0.0 <= b.cv_accuracy <= 1.0
    assert crossed[MAJORITY].cv_accuracy == pytest.approx(0.5, abs=0.1)
    assert crossed[DTW].cv_accuracy >= 0.8 and crossed[MINIROCKET].cv_accuracy >= 0.8
    assert pool == 32


def test_a_large_validation_split_ranks_the_baselines_alone():
    seqs = waves(n=200)
    split = class_split(seqs, seed=0)
    assert split.n_validation >= CV_BELOW_VALIDATION
    scored = class_baselines(seqs, split)
    assert cross_validate_baselines(seqs, split, scored) == scored


def test_the_best_baseline_is_the_cross_validated_best_where_there_is_one():
    from dataclasses import replace

    profile = build_class_profile(waves(n=40))
    by = {b.name: b for b in profile.baselines}
    # DTW ahead on the few validation sequences, MiniRocket ahead across the folds
    dtw = replace(by[DTW], accuracy=1.0, cv_accuracy=0.7, cv_folds=5)
    rocket = replace(by[MINIROCKET], accuracy=0.8, cv_accuracy=0.9, cv_folds=5)
    majority = replace(by[MAJORITY], cv_accuracy=0.5, cv_folds=5)
    crossed = replace(profile, baselines=(majority, dtw, rocket))
    assert crossed.best_baseline is rocket
    # without cross-validated figures the validation split decides
    plain = replace(
        profile, baselines=tuple(replace(b, cv_accuracy=math.nan) for b in (majority, dtw, rocket))
    )
    assert plain.best_baseline.name == DTW
