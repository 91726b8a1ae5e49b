"""The final training's cost, estimated from the search's own trials."""

from __future__ import annotations

from dataclasses import replace

import pytest
from support.search import SUGGESTION

from advisor.core.records import LayerConfig, Trial
from advisor.core.sizing import EPOCH_WINDOWS
from advisor.final.cost import affordable_members, final_members, final_seconds

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


def test_unsettled_unpriced_epochs_go_to_one_seed_with_all_the_time_left():
    # Neither settled nor priced: one seed takes the remainder (three would share it).
    assert final_members(None, 20.0, 3, 72.0, settled=False) == 1
    # Priced: as many seeds as the time left pays for, settled or not.
    assert final_members(300.0, 210.0, 3, 900.0, settled=False) == 2
    assert final_members(300.0, 400.0, 3, 900.0, settled=False) == 3
    # Settled epochs without a price, or --budget auto: every seed.
    assert final_members(None, 20.0, 3, 72.0, settled=True) == 3
    assert final_members(None, -5.0, 3, None, settled=False) == 3


def test_a_classifiers_final_reserve_is_its_best_diagnostic_run_scaled_to_the_final_training():
    from dataclasses import replace as swap

    from support.class_analysis import diagnosis, profile

    from advisor.diagnostics.classifier import CONVERGED_PATIENCE
    from advisor.final.cost import class_final_reserve

    def _final_reserve(diag, split, members):
        return class_final_reserve(diag.runs, split, members)

    diag, split = diagnosis(), profile().split
    # The best full-data run (width 32, loss 0.7): 4.2 s for 12 epochs, best at 12, on
    # train + validation over train; three trainings of twice its best epochs (where the
    # training loss converges) and the first one's patience beyond them.
    share = (len(split.train) + len(split.validation)) / len(split.train)
    assert _final_reserve(diag, split, 3) == pytest.approx(
        4.2 / 12 * share * (2 * 12 * 3 + CONVERGED_PATIENCE)
    )
    unsettled = swap(diag, runs=tuple(swap(r, best_epoch=0) for r in diag.runs))
    assert _final_reserve(unsettled, split, 3) is None
