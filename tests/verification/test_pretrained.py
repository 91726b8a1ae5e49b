"""The pretrained comparison: safe loading and fitting a model to the data (real Keras
models, saved and loaded, never trained), and the pairing of the two arms (a scripted
trainer)."""

from __future__ import annotations

import math
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from support.search import SUGGESTION

from advisor.core.errors import AdvisorInputError
from advisor.core.records import Curve, CVRun, DiagnosticRun, Split
from advisor.diagnostics.model import average_models, build_model, keras
from advisor.verification.objective import FORECAST_OBJECTIVES
from advisor.verification.pretrained import (
    Pretrained,
    compare_pretrained,
    fine_tune_config,
    load_pretrained,
)

RMSE = FORECAST_OBJECTIVES["val_rmse"]


def saved(tmp_path: Path, model, name: str = "model.keras") -> Path:
    path = tmp_path / name
    model.save(path)
    return path


def test_an_advisor_model_loads_with_its_window_units_and_horizon(tmp_path):
    path = saved(tmp_path, build_model(SUGGESTION, channels=2, horizon=3))
    pre = load_pretrained(path, channels=2, horizon=3)
    assert (pre.lookback, pre.units, pre.head_replaced) == (12, (8,), False)
    assert len(pre.sha256) == 64 and pre.model.output_shape == (None, 3)


def test_a_seed_average_fine_tunes_its_first_member(tmp_path):
    members = [build_model(SUGGESTION, 1, 3) for _ in range(2)]
    pre = load_pretrained(saved(tmp_path, average_models(members)), channels=1, horizon=3)
    assert pre.units == (8,) and not any(
        isinstance(layer, keras.layers.Average) for layer in pre.model.layers
    )


def test_another_horizon_gets_a_new_head_on_the_same_network(tmp_path):
    pre = load_pretrained(saved(tmp_path, build_model(SUGGESTION, 1, 1)), channels=1, horizon=12)
    assert pre.head_replaced and pre.model.output_shape == (None, 12)
    assert pre.model.layers[-1].name == "new_head"


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda tmp: tmp / "absent.keras", "no such file"),
        (lambda tmp: _text(tmp / "model.h5"), "not a .keras archive"),
        (lambda tmp: _text(tmp / "model.keras"), "could not load it in safe mode"),
        (lambda tmp: saved(tmp, _with_lambda()), "lambda layer"),
        (lambda tmp: saved(tmp, build_model(SUGGESTION, 3, 3)), "reads 3 input channel(s)"),
    ],
)
def test_a_file_that_cannot_be_fine_tuned_is_one_line(tmp_path, make, words):
    path = make(tmp_path)
    before = path.read_bytes() if path.exists() else None
    with pytest.raises(AdvisorInputError) as caught:
        load_pretrained(path, channels=1, horizon=3)
    line = caught.value.one_line()
    assert words in line and str(path) in line and "\n" not in line
    assert (path.read_bytes() if path.exists() else None) == before


def _text(path: Path) -> Path:
    path.write_text("not a model\n")
    return path


def _with_lambda():
    inputs = keras.Input((12, 1))
    x = keras.layers.Lambda(lambda t: t * 2.0)(inputs)
    x = keras.layers.LSTM(4)(x)
    return keras.Model(inputs, keras.layers.Dense(3)(x))


def test_a_keras_archive_is_a_zip_the_check_does_not_trust_by_name(tmp_path):
    path = tmp_path / "model.keras"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("config.json", "{}")
    with pytest.raises(AdvisorInputError):
        load_pretrained(path, channels=1, horizon=3)


# ----------------------------------------------------------------- the comparison


@dataclass
class _Scripted:
    """Trainer stand-in: validation RMSE by arm and seed, fine-tuning 10% better."""

    tuned: float
    split: Split

    def _run(self, spec, val_rmse: float) -> DiagnosticRun:
        return DiagnosticRun(
            spec.name,
            8,
            spec.config.lookback,
            1.0,
            100,
            Curve((1.0,), (1.0,)),
            val_rmse,
            0.5,
            1.0,
            3,
        )

    def run_fine_tune(self, spec, model, deadline=None) -> DiagnosticRun:
        return self._run(spec, self.tuned * (1 + 0.01 * spec.seed))

    def run(self, spec, deadline=None) -> DiagnosticRun:
        return self._run(spec, 10.0 * (1 + 0.01 * spec.seed))


def pretrained() -> Pretrained:
    return Pretrained("/m.keras", "0" * 64, object(), 12, (8,), False)


SPLIT = Split(train=300, validation=60, test=60)


def test_fine_tuning_is_paired_with_the_cross_validations_own_runs():
    scratch = tuple(
        CVRun("suggestion", fold, seed, 10.0 * (1 + 0.01 * seed) + fold, 10.0 + fold, 4)
        for fold in (1, 2)
        for seed in (0, 1, 2)
    )
    cv = type("CV", (), {"runs": scratch})()
    trained: list[str] = []

    def trainer_for(split):
        t = _Scripted(9.0, split)
        original = t.run_fine_tune

        def counted(spec, model, deadline=None):
            trained.append(spec.name)
            return original(spec, model, deadline)

        t.run_fine_tune = counted  # type: ignore[method-assign]
        return t

    c = compare_pretrained(
        pretrained(),
        SUGGESTION,
        "suggestion",
        2.0,
        cv,
        trainer_for,
        SPLIT,
        420,
        3,
        RMSE,
        0,
        time.monotonic() + 60,
    )
    assert len(trained) == 6  # only the fine-tunings train: the scratch arm is the CV's
    assert {(r.fold, r.seed) for r in c.runs if r.config == "fine_tuned"} == {
        (f, s) for f in (1, 2) for s in (0, 1, 2)
    }
    assert c.improvement is not None and c.improvement > 0
    # Two folds (gains 0.19 and 0.26) are one degree of freedom: not enough to call it.
    assert c.winner == "level"
    assert c.scratch is not None and c.fine_tuned is not None and c.fine_tuned.n == 6
    assert c.scratch_seconds == 2.0 and c.fine_tune_seconds == 0.5


@pytest.mark.parametrize(("tuned", "winner"), [(11.0, "scratch"), (10.0, "level")])
def test_without_cross_validation_both_arms_train_on_the_same_folds(tuned, winner):
    c = compare_pretrained(
        pretrained(),
        SUGGESTION,
        "suggestion",
        2.0,
        None,
        lambda s: _Scripted(tuned, s),
        SPLIT,
        420,
        3,
        RMSE,
        0,
        time.monotonic() + 60,
    )
    scratch = {(r.fold, r.seed) for r in c.runs if r.config == "scratch"}
    assert scratch == {(r.fold, r.seed) for r in c.runs if r.config == "fine_tuned"}
    assert len(scratch) == 9 and c.winner == winner


def test_a_spent_budget_fine_tunes_nothing_and_says_so():
    c = compare_pretrained(
        pretrained(),
        SUGGESTION,
        "suggestion",
        2.0,
        None,
        lambda s: _Scripted(9.0, s),
        SPLIT,
        420,
        3,
        RMSE,
        0,
        time.monotonic() - 1,
    )
    assert c.improvement is None and c.winner == "level" and math.isnan(c.fine_tune_seconds)
    assert c.notes and "ran out after 0 of 9 fine-tunings" in c.notes[0]


def test_fine_tuning_trains_a_copy_and_leaves_the_pretrained_model_as_it_was():
    """A tiny real fine-tuning (two phases of two epochs): a finite score, a curve of
    both phases, and the loaded model's weights untouched for the next fold and seed."""
    from dataclasses import replace

    import numpy as np

    from advisor.diagnostics.trainer import KerasTrainer, RunSpec

    t = np.arange(140)
    values = (10 + np.sin(2 * np.pi * t / 12) + 0.05 * t)[:, None]
    cfg = replace(SUGGESTION, epochs=2, early_stopping_patience=2, layers=SUGGESTION.layers)
    model = build_model(cfg, 1, 3)
    before = [w.copy() for w in model.get_weights()]
    trainer = KerasTrainer(values, Split(train=100, validation=20, test=20), 3)
    run = trainer.run_fine_tune(RunSpec("ft", cfg, 1.0, 0), model)
    assert math.isfinite(run.val_rmse) and 2 < len(run.curve.train_loss) <= 4
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights(), strict=True))


def test_a_pretrained_network_is_fine_tuned_on_the_data_columns_alone():
    """A loaded network reads the data's columns (``load_pretrained`` checks them), so
    the fine-tuning configuration drops the season position inputs a chosen one has."""
    from dataclasses import replace

    pre = Pretrained("p.keras", "", None, lookback=9, units=(4,), head_replaced=False)
    tuned = fine_tune_config(pre, replace(SUGGESTION, season_position=365))
    assert tuned.season_position == 0 and tuned.lookback == 9


def test_season_position_inputs_train_as_two_more_channels():
    """A tiny real training with season position inputs: the model reads the series'
    column and the two phase inputs, and its weights are counted with them."""
    from dataclasses import replace

    import numpy as np

    from advisor.diagnostics.model import count_params
    from advisor.diagnostics.trainer import KerasTrainer, RunSpec

    t = np.arange(140)
    values = (10 + np.sin(2 * np.pi * t / 12))[:, None]
    cfg = replace(SUGGESTION, epochs=2, early_stopping_patience=2, season_position=12)
    trainer = KerasTrainer(values, Split(train=100, validation=20, test=20), 3)
    assert trainer.channels(cfg) == 3 and trainer.channels(SUGGESTION) == 1
    run = trainer.run(RunSpec("phase", cfg, 1.0, 0))
    assert math.isfinite(run.val_rmse) and run.params == count_params(cfg, 3, 3)
    model, pred, actual = trainer.fit_final(cfg, 0, None)
    assert model.input_shape[-1] == 3 and pred.shape == actual.shape
