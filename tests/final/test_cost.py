"""The final training's cost, estimated from the search's own trials."""

from __future__ import annotations

from dataclasses import replace

import pytest
from support.search import SUGGESTION

from advisor.core.records import LayerConfig, Trial
from advisor.core.sizing import EPOCH_WINDOWS
from advisor.final.cost import affordable_members, final_seconds

CONFIG = replace(SUGGESTION, epochs=30, early_stopping_patience=5)


def trial(seconds: float, best_epoch: int, config=CONFIG, cut=False) -> Trial:
    return Trial("00", config, 1.0, seconds=seconds, best_epoch=best_epoch, cut=cut)


def test_seconds_per_epoch_of_the_same_shape_times_epochs_seeds_and_windows():
    # 10 epochs ran (best 5, patience 5): 2 s an epoch; 30 epochs x 3 seeds on 1.5x windows.
    trials = [trial(20.0, 5)]
    assert final_seconds(trials, CONFIG, 1000, 1500, 3) == pytest.approx(2.0 * 1.5 * 30 * 3)


def test_an_epoch_is_priced_at_the_drawn_windows_of_a_long_series():
    trials = [trial(20.0, 5)]
    big = final_seconds(trials, CONFIG, 700_000, 850_000, 1)
    assert big == pytest.approx(2.0 * 30)  # both past EPOCH_WINDOWS: the same epoch
    assert final_seconds(trials, CONFIG, EPOCH_WINDOWS // 2, 850_000, 1) == pytest.approx(
        2.0 * 2 * 30
    )


def test_only_finished_trials_of_the_same_window_and_layers_count():
    other = replace(CONFIG, layers=(LayerConfig(64, 0.0, 0.0),))
    trials = [trial(20.0, 5, other), trial(1.0, 5, cut=True), trial(20.0, 25)]
    # The one that counts ran to its cap of 30 epochs: 2/3 s an epoch.
    assert final_seconds(trials, CONFIG, 100, 100, 1) == pytest.approx(20.0)
    assert final_seconds([trial(20.0, 5, other)], CONFIG, 100, 100, 1) is None


def test_a_budget_short_of_every_seed_drops_seeds_never_below_one():
    assert affordable_members(300.0, 145.0, 3, 900.0) == 1  # 100 s a seed, 145 s left
    assert affordable_members(300.0, 210.0, 3, 900.0) == 2
    assert affordable_members(300.0, 20.0, 3, 900.0) == 1  # the epochs are evidence
    assert affordable_members(300.0, 400.0, 3, 900.0) == 3  # it fits
    assert affordable_members(300.0, 20.0, 3, None) == 3  # --budget auto cuts nothing
    assert affordable_members(None, 20.0, 3, 900.0) == 3  # no estimate: nothing to go by


def test_a_classifiers_final_training_is_priced_by_its_trials_of_the_same_shape():
    from advisor.core.class_models import ClassifierConfig
    from advisor.core.class_verification import ClassTrial
    from advisor.final.cost import class_final_seconds

    cfg = ClassifierConfig(
        (LayerConfig(16, 0.0, 0.0),), True, "average", 0.0, 1e-3, 8, 40, 10, False, 64, "standard"
    )

    def timed(config: ClassifierConfig, seconds: float, cut: bool = False) -> ClassTrial:
        return ClassTrial("00", config, 1.0, 0.5, 0.5, 0.5, seconds=seconds, best_epoch=10, cut=cut)

    unfolded = replace(cfg, max_length=None)  # another length: another cost an epoch
    trials = [timed(cfg, 40.0), timed(unfolded, 400.0), timed(cfg, 1.0, cut=True)]
    # 20 epochs ran (best 10, patience 10): 2 s an epoch, on 40 of the final 50 sequences.
    assert class_final_seconds(trials, cfg, 40, 50, 3) == pytest.approx(2.0 * 1.25 * 40 * 3)
    assert class_final_seconds([timed(unfolded, 400.0)], cfg, 40, 50, 3) is None


def test_a_classifiers_final_model_averages_what_the_time_left_pays_for(monkeypatch):
    import time

    from advisor.classify import _final_members
    from advisor.core.class_models import ClassifierConfig
    from advisor.core.class_verification import ClassTrial
    from advisor.core.records import Settings

    cfg = ClassifierConfig(
        (LayerConfig(16, 0.0, 0.0),), True, "average", 0.0, 1e-3, 8, 40, 10, False, None, "standard"
    )
    # 2 s an epoch on all the training sequences: 80 s a seed over 40 epochs.
    ver = type(
        "V",
        (),
        {"trials": (ClassTrial("00", cfg, 1.0, 0.5, 0.5, 0.5, best_epoch=10, seconds=40.0),)},
    )()
    split = type("S", (), {"train": tuple(range(40)), "validation": ()})()
    now = time.monotonic()
    assert _final_members(ver, cfg, split, now + 170, Settings(budget_s=600.0)) == 2
    assert _final_members(ver, cfg, split, now - 5, Settings(budget_s=600.0)) == 1
    assert _final_members(ver, cfg, split, now - 5, Settings()) == 3  # auto cuts nothing
    assert _final_members(None, cfg, split, now - 5, Settings(budget_s=600.0)) == 1
