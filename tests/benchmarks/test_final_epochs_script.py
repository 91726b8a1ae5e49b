"""benchmarks/final_epochs.py on scripted curves and forecasts (no training)."""

from __future__ import annotations

from types import ModuleType

import numpy as np
import pytest
from support.scripts import load_script


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_script("final_epochs")


def test_early_stopping_keeps_the_best_epoch_before_patience_runs_out(bench: ModuleType):
    assert bench.early_stop([5.0, 4.0, 3.0, 3.5, 3.6, 2.0], patience=2) == 3
    assert bench.early_stop([5.0, 4.0, 3.0, 3.5, 3.6, 2.0], patience=3) == 6
    assert bench.early_stop([1.0, 2.0, 3.0], patience=5) == 1


def test_summary_scores_each_way_of_stopping_the_final_training(bench: ModuleType):
    actual = np.zeros((4, 2))
    # Three seeds, five epochs: seed k's forecasts after epoch e are off by (e + k) / 10
    # on train + validation, and by 1 / e on train alone.
    on_all = np.array([[np.full((4, 2), (e + k) / 10) for e in range(1, 6)] for k in range(3)])
    on_train = np.array([[np.full((4, 2), 1 / e) for e in range(1, 6)] for _ in range(3)])
    curves = [[3.0, 2.0, 1.0, 1.5, 1.6], [3.0, 1.0, 2.0, 2.5, 2.6], [3.0, 2.0, 1.0, 0.9, 0.8]]
    s = bench.summary(
        {
            "patience": 2,
            "val_loss": curves,
            "on_train": on_train,
            "on_all": on_all,
            "actual": actual,
        }
    )
    assert s["stops"] == [3, 2, 5]
    assert s["refit_at_median"] == pytest.approx(0.4)  # epoch 3: seeds 0.3, 0.4, 0.5
    assert s["refit_at_last"] == pytest.approx(0.6)
    # mean of the normalised curves is lowest at epoch 3
    assert s["refit_at_mean_curve"] == pytest.approx(0.4)
    assert s["average_at_median"] == pytest.approx(0.4)
    assert s["average_of_early_stopped"] == pytest.approx((1 / 3 + 1 / 2 + 1 / 5) / 3)
