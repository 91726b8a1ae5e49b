"""Diagnosis from scripted loss curves: one curve shape per finding, no training."""

from __future__ import annotations

import math

import numpy as np
import pytest

from advisor.diagnosis import diagnose
from advisor.experiments import run_diagnostics
from advisor.records import Baseline, Curve, DiagnosticRun, Profile, Settings, Split
from advisor.trainer import RunSpec, Trainer

BASELINE = Baseline("naive", rmse=10.0, mae=8.0)


def run(train, val, *, val_rmse=5.0, units=32, fraction=1.0, reason="completed", reference=1.0):
    finite = [v if math.isfinite(v) else math.inf for v in val]
    return DiagnosticRun(
        name=f"width-{units}",
        units=units,
        lookback=12,
        train_fraction=fraction,
        params=1000,
        curve=Curve(tuple(train), tuple(val)),
        val_rmse=val_rmse,
        seconds=1.0,
        reference_loss=reference,
        best_epoch=int(np.argmin(finite)) + 1,
        stopped_reason=reason,
    )


def decay(start, end, n, rate=0.3):
    return list(end + (start - end) * np.exp(-rate * np.arange(n)))


def ids(findings):
    return {f.id for f in findings}


SCRIPTS = {
    # validation bottoms out early and climbs while training loss keeps falling
    "overfitting": run(decay(1.0, 0.05, 40), decay(1.0, 0.3, 12) + list(np.linspace(0.3, 0.6, 28))),
    # both losses flat near the predict-the-mean level
    "underfitting": run(decay(1.0, 0.9, 30), decay(1.0, 0.92, 30), reason="early_stopping"),
    # still falling steeply at the last epoch
    "not_converged": run(list(np.linspace(1.0, 0.2, 20)), list(np.linspace(1.0, 0.25, 20))),
    # NaN loss
    "diverging": run([0.5, 0.4, float("nan")], [0.5, 0.45, float("nan")], reason="nan"),
    # validation jumps around its level
    "noisy_validation": run(
        decay(1.0, 0.2, 30),
        [0.3 + (0.15 if i % 2 else -0.1) for i in range(30)],
        reason="early_stopping",
    ),
    # LSTM worse than the baseline on validation
    "no_gain_over_baseline": run(
        decay(1.0, 0.2, 30), decay(1.0, 0.25, 30), val_rmse=12.0, reason="early_stopping"
    ),
    # settles, close together, beats the baseline
    "good_fit": run(decay(1.0, 0.2, 30), decay(1.0, 0.24, 30), reason="early_stopping"),
}


@pytest.mark.parametrize("finding", sorted(SCRIPTS))
def test_each_scripted_curve_gives_its_finding(finding):
    findings = diagnose((SCRIPTS[finding],), BASELINE)
    assert finding in ids(findings)
    hit = next(f for f in findings if f.id == finding)
    assert hit.evidence and 0 < hit.confidence <= 1
    assert all(isinstance(v, float | int) for v in hit.evidence.values())


def test_good_fit_is_exclusive_with_problems():
    assert "good_fit" not in ids(diagnose((SCRIPTS["overfitting"],), BASELINE))
    assert ids(diagnose((SCRIPTS["good_fit"],), BASELINE)) == {"good_fit"}


def test_overfitting_evidence_names_the_best_epoch():
    hit = next(f for f in diagnose((SCRIPTS["overfitting"],), BASELINE) if f.id == "overfitting")
    assert hit.evidence["best_epoch"] == 13  # the first point of the climb is the lowest
    assert hit.evidence["val_rise"] > 0.5


def test_best_run_is_chosen_among_full_data_runs():
    small = run(
        decay(1, 0.2, 30),
        decay(1, 0.24, 30),
        val_rmse=1.0,
        units=8,
        fraction=0.5,
        reason="early_stopping",
    )
    full = SCRIPTS["overfitting"]
    findings = diagnose((small, full), BASELINE)
    assert "overfitting" in ids(findings)


class ReplayTrainer(Trainer):
    """keras-tuner style: replays scripted curves instead of training."""

    def __init__(self, curves):
        self.curves = curves
        self.calls: list[str] = []

    def run(self, spec: RunSpec, deadline=None) -> DiagnosticRun:
        self.calls.append(spec.name)
        scripted = self.curves[spec.config.layers[0].units]
        return DiagnosticRun(
            **{**scripted.__dict__, "name": spec.name, "train_fraction": spec.train_fraction}
        )


def profile(train_rows=400):
    return Profile(
        rows=train_rows + 200,
        split=Split(train_rows, 100, 100),
        horizon=1,
        missing_share=0.0,
        mean=0.0,
        std=1.0,
        minimum=-2.0,
        maximum=2.0,
        acf=(1.0, 0.5),
        acf_confidence=0.1,
        significant_lags=(1,),
        seasonal_period=None,
        season_source="none",
        adf_pvalue=0.01,
        kpss_pvalue=0.5,
        stationarity="stationary",
        trend_strength=0.0,
        baselines=(BASELINE,),
    )


def test_plan_runs_every_width_and_a_data_size_run_through_the_trainer():
    trainer = ReplayTrainer(
        {8: SCRIPTS["underfitting"], 32: SCRIPTS["good_fit"], 128: SCRIPTS["overfitting"]}
    )
    diagnosis = run_diagnostics(
        trainer, profile(train_rows=2000), Settings(), deadline=float("inf")
    )
    assert trainer.calls == ["width-8", "width-32", "width-128", "width-32-data-50%"]
    assert len(diagnosis.runs) == 4 and diagnosis.findings


def test_plan_cuts_wide_models_on_short_series_and_says_so():
    trainer = ReplayTrainer({8: SCRIPTS["good_fit"], 32: SCRIPTS["good_fit"]})
    diagnosis = run_diagnostics(trainer, profile(train_rows=100), Settings(), deadline=float("inf"))
    assert "width-128" not in trainer.calls
    assert any("128" in c for c in diagnosis.cut)


def test_plan_stops_at_the_deadline_and_records_the_cut():
    trainer = ReplayTrainer({8: SCRIPTS["good_fit"], 32: SCRIPTS["good_fit"]})
    diagnosis = run_diagnostics(trainer, profile(train_rows=100), Settings(), deadline=0.0)
    assert len(diagnosis.runs) == 1
    assert any("time budget" in c for c in diagnosis.cut)


def test_user_max_units_caps_the_ladder():
    trainer = ReplayTrainer({8: SCRIPTS["good_fit"]})
    run_diagnostics(
        trainer, profile(train_rows=2000), Settings(max_units=16), deadline=float("inf")
    )
    assert all(name.startswith("width-8") for name in trainer.calls)
