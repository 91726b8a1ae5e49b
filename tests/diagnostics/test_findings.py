"""Diagnosis from scripted loss curves (one curve shape per finding) and the budgeted
plan, with fake trainers that replay curves instead of training."""

from __future__ import annotations

import json
import math
import time
from dataclasses import replace

import numpy as np
import pytest

from advisor.core.findings import FindingId, choose_primary
from advisor.core.records import (
    Baseline,
    Complexity,
    Curve,
    Diagnosis,
    DiagnosticRun,
    LagStructure,
    Profile,
    Quality,
    Seasonality,
    Settings,
    SizeBudget,
    Split,
    UnitRoot,
)
from advisor.diagnostics.comparisons import Noise
from advisor.diagnostics.diagnosis import diagnose, examine
from advisor.diagnostics.findings import overfit_evidence
from advisor.diagnostics.levels import PLAN_LEVELS, choose_plan
from advisor.diagnostics.plan import NO_TIME_TO_COMPARE_LOOKBACK, run_diagnostics
from advisor.diagnostics.precision import ASKED as PRECISION_ASKED
from advisor.diagnostics.precision import SKIPPED as PRECISION_SKIPPED
from advisor.diagnostics.probe import (
    deseasonalize_candidates,
    differencing_candidates,
    lookback_candidates,
    pick_lookback,
    probe_differencing,
    sweep_widths,
)
from advisor.diagnostics.trainer import RunSpec, SweepCost, Trainer
from advisor.store.rundir import run_from_dict, run_to_dict

BASELINE = Baseline("naive", rmse=10.0, mae=8.0)


def run(
    train,
    val,
    *,
    val_rmse=5.0,
    units=32,
    fraction=1.0,
    reason="completed",
    reference=1.0,
    naive=math.nan,
    name=None,
):
    finite = [v if math.isfinite(v) else math.inf for v in val]
    return DiagnosticRun(
        name=name or (f"width-{units}" if fraction >= 1 else f"width-{units}-data-{fraction:.0%}"),
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
        naive_loss=naive,
    )


def decay(start, end, n, rate=0.3):
    return list(end + (start - end) * np.exp(-rate * np.arange(n)))


def ids(findings):
    return {f.id for f in findings}


def finding(findings, fid):
    return next(f for f in findings if f.id == fid)


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
    # training loss saws up and down: an unstable optimiser
    "unstable_training": run(
        [0.5, 0.3, 0.45, 0.25, 0.4, 0.22, 0.35, 0.2, 0.2, 0.2],
        [0.5, 0.35, 0.45, 0.3, 0.42, 0.28, 0.36, 0.27, 0.27, 0.27],
        reason="early_stopping",
    ),
    # validation best after the first epoch while training loss keeps falling
    "not_learning": run(
        decay(1.0, 0.1, 20), [0.5, *np.linspace(0.55, 0.9, 19)], reason="early_stopping"
    ),
    # LSTM worse than the baseline on validation
    "no_gain_over_baseline": run(
        decay(1.0, 0.2, 30), decay(1.0, 0.25, 30), val_rmse=12.0, reason="early_stopping"
    ),
    # settles, close together, beats the baseline
    "good_fit": run(decay(1.0, 0.2, 30), decay(1.0, 0.24, 30), reason="early_stopping"),
}


def settled(train_end, val_end, units, val_rmse, **kw):
    """A clean curve that levels off at the given losses (no finding of its own)."""
    return run(
        decay(1.0, train_end, 30),
        decay(1.0, val_end, 30),
        units=units,
        val_rmse=val_rmse,
        reason="early_stopping",
        **kw,
    )


def overfit(units, val_rmse, **kw):
    return run(
        decay(1.0, 0.02, 40),
        decay(1.0, 0.3, 12) + list(np.linspace(0.3, 0.6, 28)),
        units=units,
        val_rmse=val_rmse,
        **kw,
    )


# Sweeps: several widths (and data fractions), with the finding the whole set shows.
SWEEPS = {
    # validation RMSE still falls at the widest width
    "capacity_limited": (
        settled(0.2, 0.25, 8, 3.0),
        settled(0.15, 0.2, 16, 2.5),
        settled(0.1, 0.15, 32, 2.0),
    ),
    # at the best width, all the windows beat half of them, which beat a quarter
    "data_limited": (
        settled(0.1, 0.15, 32, 2.0),
        settled(0.1, 0.2, 32, 2.5, fraction=0.5),
        settled(0.1, 0.25, 32, 3.0, fraction=0.25),
    ),
    # a long clean series: narrow widths cannot fit even the training data, wider
    # ones fit it ever better and score better on validation
    "underfitting": (
        settled(0.4, 0.42, 8, 4.0, naive=0.5),
        settled(0.15, 0.16, 16, 2.0, naive=0.5),
        settled(0.03, 0.035, 32, 1.0, naive=0.5),
    ),
    # a short noisy series: the narrow best width settles, the wider ones overfit
    "overfitting": (
        settled(0.5, 0.55, 8, 4.0),
        overfit(16, 4.4),
        overfit(32, 4.8),
    ),
}


@pytest.mark.parametrize("fid", sorted(SCRIPTS))
def test_each_scripted_curve_gives_its_finding(fid):
    findings = diagnose((SCRIPTS[fid],), BASELINE)
    assert fid in ids(findings)
    hit = finding(findings, fid)
    assert hit.evidence and 0 < hit.confidence <= 1 and hit.runs
    assert all(isinstance(v, float | int) for v in hit.evidence.values())


@pytest.mark.parametrize("fid", sorted(SWEEPS))
def test_each_scripted_sweep_gives_its_finding(fid):
    findings = diagnose(SWEEPS[fid], BASELINE)
    assert fid in ids(findings)
    hit = finding(findings, fid)
    assert 0 < hit.confidence <= 1 and hit.runs
    assert all(isinstance(v, float | int) for v in hit.evidence.values())


def test_every_finding_id_has_a_scripted_case_and_reads_as_its_plain_string():
    assert set(SCRIPTS) | set(SWEEPS) == {f.value for f in FindingId}
    findings = diagnose(SWEEPS["overfitting"], BASELINE) + diagnose(
        (SCRIPTS["diverging"],), BASELINE
    )
    assert findings and all(isinstance(f.id, FindingId) for f in findings)
    # recommendation.json holds plain strings, and a string read back is the member
    written = json.loads(json.dumps([f.id for f in findings]))
    assert all(type(i) is str for i in written)
    assert written == [f.id for f in findings] and FindingId(written[0]) is findings[0].id


def test_good_fit_is_exclusive_with_problems():
    assert "good_fit" not in ids(diagnose((SCRIPTS["overfitting"],), BASELINE))
    assert ids(diagnose((SCRIPTS["good_fit"],), BASELINE)) == {"good_fit"}


def test_runs_the_budget_stopped_after_one_epoch_are_no_good_fit():
    """A sweep cut at the deadline after its first epoch shows nothing: no good_fit is
    claimed, and a note says why no fit was read."""
    from advisor.diagnostics.diagnosis import examine

    cut = tuple(run([0.2], [0.25], units=u, reason="budget") for u in (8, 16, 32))
    seen = examine(cut, BASELINE)
    assert "good_fit" not in {f.id for f in seen.findings}
    assert any("stopped at the time budget after 1 epoch(s)" in n for n in seen.notes)
    # Three epochs are enough to read, as before.
    read = examine((SCRIPTS["good_fit"],), BASELINE)
    assert "good_fit" in {f.id for f in read.findings}


def test_overfitting_evidence_names_the_best_epoch():
    hit = finding(diagnose((SCRIPTS["overfitting"],), BASELINE), "overfitting")
    assert hit.evidence["best_epoch"] == 13  # the first point of the climb is the lowest
    assert hit.evidence["val_rise"] > 0.5


def test_noisy_validation_alone_is_not_read_as_overfitting():
    assert overfit_evidence(SCRIPTS["noisy_validation"]) is None


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


def test_capacity_limited_names_the_widest_and_its_gain():
    hit = finding(diagnose(SWEEPS["capacity_limited"], BASELINE), "capacity_limited")
    assert hit.evidence["widest_units"] == 32
    assert hit.evidence["gain_over_next"] == pytest.approx(0.2)
    assert hit.confidence == 0.7  # improving at every step, not only the last


def test_no_capacity_limit_where_a_middle_width_wins():
    sweep = (settled(0.2, 0.25, 8, 3.0), settled(0.1, 0.2, 16, 2.0), settled(0.1, 0.2, 32, 2.5))
    assert "capacity_limited" not in ids(diagnose(sweep, BASELINE))


def test_data_limited_compares_half_with_all_the_windows_at_the_best_width():
    hit = finding(diagnose(SWEEPS["data_limited"], BASELINE), "data_limited")
    assert hit.evidence["units"] == 32 and hit.evidence["from_fraction"] == 0.5
    assert hit.evidence["gain_last_step"] == pytest.approx(0.2)
    flat = (settled(0.1, 0.15, 32, 2.0), settled(0.1, 0.15, 32, 2.01, fraction=0.5))
    assert "data_limited" not in ids(diagnose(flat, BASELINE))


def test_narrow_widths_underfit_when_the_widest_is_best():
    hit = finding(diagnose(SWEEPS["underfitting"], BASELINE), "underfitting")
    assert set(hit.runs) == {"width-8", "width-16"}
    assert hit.evidence["best_underfits"] == 0.0
    assert hit.evidence["train_loss_ratio"] > 10


def test_a_bracketed_sweep_is_not_underfitting():
    """Narrow widths underfit, wide ones overfit, a middle one wins: the sweep found the
    width; widening it would be wrong advice."""
    sweep = (
        settled(0.4, 0.42, 8, 4.0, naive=0.5),
        settled(0.1, 0.12, 16, 2.0, naive=0.5),
        overfit(32, 3.0, naive=0.5),
    )
    findings = diagnose(sweep, BASELINE)
    assert "underfitting" not in ids(findings)
    hit = finding(findings, "overfitting")
    assert hit.runs == ("width-32",) and hit.confidence == 0.6
    assert hit.evidence["best_units"] == 16


def test_one_run_is_not_reported_as_both_underfitting_and_overfitting():
    # width 8: training loss 20x the widest's, but its validation loss turned up:
    # it overfits (high relative training loss does not make it underfit too)
    sweep = (overfit(8, 3.0, naive=0.5), settled(0.001, 0.002, 16, 1.0, naive=0.5))
    findings = diagnose(sweep, BASELINE)
    runs = {f.id: set(f.runs) for f in findings}
    assert not (runs.get("underfitting", set()) & runs.get("overfitting", set()))


def test_wider_models_that_overfit_make_the_finding_even_when_the_best_does_not():
    hit = finding(diagnose(SWEEPS["overfitting"], BASELINE), "overfitting")
    assert hit.runs == ("width-16", "width-32")
    assert hit.evidence["best_units"] == 8 and hit.evidence["units"] == 16


def test_noise_is_not_underfitting():
    """Nothing to learn (the naive forecast is twice as bad as the mean and no width
    fits the training data): the model is not too simple, the data are noise."""
    sweep = tuple(settled(0.97, 1.0, u, 1.0, naive=2.0) for u in (8, 16, 32))
    assert "underfitting" not in ids(diagnose(sweep, BASELINE))


def test_a_model_that_learnt_nothing_where_a_linear_model_explains_much_underfits():
    """Training loss at the predict-the-mean level while a linear AR model explains 80%
    of the variance (the profile's fit): the LSTM has not learnt what is there."""
    flat = tuple(settled(0.98, 1.0, u, 5.0, naive=1.05) for u in (8, 16, 32))
    hit = finding(diagnose(flat, BASELINE, predictable=0.8), "underfitting")
    assert hit.evidence["best_underfits"] == 1.0
    assert "underfitting" not in ids(diagnose(flat, BASELINE, predictable=0.02))


def test_training_loss_at_the_noise_floor_is_not_underfitting():
    """A linear model leaves 65% unexplained; the LSTM leaving 73% is near that floor."""
    near = tuple(settled(0.73, 0.75, u, 5.0, naive=1.2) for u in (8, 16, 32))
    assert "underfitting" not in ids(diagnose(near, BASELINE, predictable=0.35))


def test_worse_than_naive_on_its_own_training_data_is_underfitting():
    lazy = settled(0.5, 0.5, 32, 5.0, naive=0.1)
    hit = finding(diagnose((lazy,), BASELINE), "underfitting")
    assert hit.evidence["best_underfits"] == 1.0 and "naive" in hit.summary


def test_divergence_of_any_run_is_reported_with_its_name():
    sweep = (
        SCRIPTS["good_fit"],
        run([0.5, 0.4, 9.0], [0.5, 0.45, 9.0], units=64, reason="diverged"),
    )
    hit = finding(diagnose(sweep, BASELINE), "diverging")
    assert hit.runs == ("width-64",) and hit.evidence["loss_growth"] > 10


# ---------------------------------------------------------------- the plan, with fakes


class ReplayTrainer(Trainer):
    """keras-tuner style: replays scripted curves instead of training."""

    def __init__(
        self, curves, cost=None, by_lag=None, by_lookback=None, small_cost=None, by_form=None
    ):
        self.curves = curves
        self.cost = cost
        self.small_cost = small_cost
        """What one model of a single width costs, where it differs from the sweep's."""
        self.by_lag = by_lag or {}
        self.by_form = by_form or {}
        """Scripted runs by (lag, season taken out); ``by_lag`` where none is given."""
        self.by_lookback = by_lookback or {}
        self.windows: list[RunSpec] = []
        """The lookback comparison's runs."""
        self.calls: list[str] = []
        self.specs: list[RunSpec] = []
        self.compared: list[RunSpec] = []
        """The differencing comparison's runs, kept apart from the sweep's."""

    def run(self, spec: RunSpec, deadline=None) -> DiagnosticRun:
        if spec.name.startswith("lookback-"):
            self.windows.append(spec)
            scripted = self.by_lookback.get(spec.config.lookback, SCRIPTS["good_fit"])
            return DiagnosticRun(
                **{**scripted.__dict__, "name": spec.name, "lookback": spec.config.lookback}
            )
        if spec.name.startswith(("differencing-", "deseasonalized-", "log-")):
            self.compared.append(spec)
            lag, season = spec.config.differencing, spec.config.deseasonalize
            log = spec.config.log_target
            if log:  # a log's form is scripted as (lag, season, True), else scores the default
                scripted = self.by_form.get((lag, season, True))
            else:
                scripted = self.by_form.get(
                    (lag, season),
                    self.by_lag.get(lag, SCRIPTS["good_fit"]) if not season else None,
                )
            scripted = scripted or SCRIPTS["good_fit"]
            return DiagnosticRun(
                **{
                    **scripted.__dict__,
                    "name": spec.name,
                    "differencing": lag,
                    "deseasonalize": season,
                    "log_target": log,
                }
            )
        self.calls.append(spec.name)
        self.specs.append(spec)
        scripted = self.curves[spec.config.layers[0].units]
        return DiagnosticRun(
            **{**scripted.__dict__, "name": spec.name, "train_fraction": spec.train_fraction}
        )

    def sweep_cost(self, specs):
        return self.small_cost if len(specs) == 1 and self.small_cost else self.cost


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
        seasonality=Seasonality((), (), 0.0, 0.0, 1.0, (), train_rows),
        unit_root=UnitRoot(0.01, 0.5, 0, 0, train_rows),
        lags=LagStructure((1.0, 0.5), (1,), 1, 2, 2, 4, "the AR memory is 1 step"),
        complexity=Complexity(0, 0.25, 0.8, 0.9, 5, 0.0, 0.5, False, train_rows),
        quality=Quality(0, 0.0, (), (), 0.0, 0.0, False, 1.0, True),
        size=SizeBudget(12, train_rows - 12, 1, (8,), (352,), 64),
    )


LADDER_CURVES = {
    8: SWEEPS["underfitting"][0],
    16: SWEEPS["underfitting"][1],
    32: SWEEPS["underfitting"][2],
    64: SCRIPTS["good_fit"],
    128: SCRIPTS["overfitting"],
    256: SCRIPTS["overfitting"],
}


def test_plan_sweeps_the_ladder_then_the_best_width_on_less_data():
    trainer = ReplayTrainer(LADDER_CURVES)
    diagnosis = run_diagnostics(
        trainer, profile(train_rows=2000), Settings(), deadline=float("inf")
    )
    sweep = ["width-8", "width-16", "width-32", "width-64", "width-128"]
    assert trainer.calls == [*sweep, "width-32-data-25%", "width-32-data-50%"]
    assert [s.train_fraction for s in trainer.specs[-2:]] == [0.25, 0.5]
    assert all(s.config.epochs == PLAN_LEVELS[0][0] for s in trainer.specs)
    assert len(diagnosis.runs) == 7 and diagnosis.findings
    assert not any("time budget" in c for c in diagnosis.cut)
    assert "8/16/32/64/128" in diagnosis.planned


def test_plan_cuts_wide_models_on_short_series_and_says_so():
    trainer = ReplayTrainer(LADDER_CURVES)
    diagnosis = run_diagnostics(trainer, profile(train_rows=100), Settings(), deadline=float("inf"))
    assert "width-64" not in trainer.calls and "width-32" in trainer.calls
    assert any("width 64" in c and "training windows" in c for c in diagnosis.cut)


def test_a_slow_machine_gets_fewer_epochs_and_no_data_size_runs_and_is_told():
    # 2000 windows = 62 batches of 32: 0.01 s a batch makes an epoch ~0.7 s
    cost = SweepCost(setup=1.0, batch=0.01, epoch_overhead=0.05)
    trainer = ReplayTrainer(LADDER_CURVES, cost)
    diagnosis = run_diagnostics(
        trainer, profile(train_rows=2000), Settings(), time.monotonic() + 20
    )
    epochs = {s.config.epochs for s in trainer.specs}
    assert epochs == {20} and all(s.config.early_stopping_patience == 5 for s in trainer.specs)
    assert not any("data" in c for c in trainer.calls)
    assert any("epochs capped at 20" in c for c in diagnosis.cut)
    assert any("data-size run on 50%" in c for c in diagnosis.cut)


def test_a_very_long_series_gets_shorter_epochs():
    cost = SweepCost(setup=1.0, batch=0.05, epoch_overhead=0.05)
    trainer = ReplayTrainer(LADDER_CURVES, cost)
    diagnosis = run_diagnostics(
        trainer, profile(train_rows=200_000), Settings(), time.monotonic() + 60
    )
    caps = {s.max_batches for s in trainer.specs}
    assert len(caps) == 1 and (cap := caps.pop()) is not None
    assert cap * 0.05 * 10 <= 60  # ten epochs of `cap` batches fit the time
    assert any(f"{cap} of" in c for c in diagnosis.cut)


def test_only_the_budget_s_cuts_count_as_budget_cuts_and_auto_cuts_nothing():
    """Short-series width cuts are the data's; epoch caps and skipped runs the budget's.
    Without a deadline (--budget auto) the richest plan runs on a slow machine too, and
    the estimate of the whole uncut analysis is reported before any training."""
    cost = SweepCost(setup=1.0, batch=0.01, epoch_overhead=0.05)
    heard: list[float] = []
    slow = ReplayTrainer(LADDER_CURVES, cost)
    cut = run_diagnostics(slow, profile(train_rows=2000), Settings(), time.monotonic() + 20)
    assert cut.budget_cut and all("time budget" in c for c in cut.budget_cut)
    auto = ReplayTrainer(LADDER_CURVES, cost)
    whole = run_diagnostics(
        auto,
        profile(train_rows=100),
        Settings(),
        math.inf,
        on_estimate=heard.append,
        later_trainings=31,
    )
    assert not whole.budget_cut and any("width 64" in c for c in whole.cut)
    assert {s.config.epochs for s in auto.specs} == {PLAN_LEVELS[0][0]}
    assert len(heard) == 1 and heard[0] == whole.estimate_s and heard[0] > 0
    # Each later training adds its set-up and an average branch's epochs.
    fewer = run_diagnostics(
        ReplayTrainer(LADDER_CURVES, cost),
        profile(train_rows=100),
        Settings(),
        math.inf,
        later_trainings=0,
    )
    assert whole.estimate_s is not None and fewer.estimate_s is not None
    assert whole.estimate_s - fewer.estimate_s >= 31 * (cost.setup + cost.epoch_overhead)


def test_the_plan_is_the_same_on_a_quiet_and_a_busier_machine():
    """Levels are coarse: a machine a fifth slower mostly picks the same plan."""
    quiet = SweepCost(setup=2.0, batch=0.002, epoch_overhead=0.05)
    busy = SweepCost(setup=2.4, batch=0.0024, epoch_overhead=0.06)
    widths = (8, 16, 32)
    plans = [choose_plan(widths, 2000, 32, c, 60.0) for c in (quiet, busy)]
    assert plans[0].epochs == plans[1].epochs and plans[0].fractions == plans[1].fractions


def test_the_same_budget_buys_the_whole_plan_on_a_machine_ten_times_faster():
    """An explicit budget is spent at the measured speed: a GPU that trains ten times
    faster than two CPU cores runs what the CPUs had to cut."""
    cpu = SweepCost(setup=1.0, batch=0.01, epoch_overhead=0.05)
    gpu = SweepCost(setup=0.5, batch=0.001, epoch_overhead=0.005)
    widths = (8, 16, 32, 64, 128)
    slow, fast = (choose_plan(widths, 2000, 32, c, 20.0) for c in (cpu, gpu))
    assert slow.budget_cut and slow.epochs < PLAN_LEVELS[0][0]
    assert not fast.budget_cut and (fast.epochs, fast.fractions) == PLAN_LEVELS[0]


def test_a_long_series_plan_draws_its_epochs_and_says_so_whatever_the_budget():
    """700,000 training windows: every epoch a draw of EPOCH_WINDOWS of them, set by the
    data (under no budget too), stated in the plan and costed at that size."""
    from advisor.core.sizing import EPOCH_WINDOWS
    from advisor.diagnostics.levels import estimate_seconds

    cost = SweepCost(setup=1.0, batch=0.01, epoch_overhead=0.05)
    widths = (8, 16, 32, 64, 128)
    plan = choose_plan(widths, 700_000, 32, cost, math.inf)
    assert plan.max_batches == EPOCH_WINDOWS // 32 and not plan.budget_cut
    assert (plan.epochs, plan.fractions) == PLAN_LEVELS[0]
    text = plan.describe()
    assert f"fresh random draw of {EPOCH_WINDOWS:,} of the 700,000 training windows" in text
    assert "batches an epoch" not in text
    # Whatever the length, an epoch costs what EPOCH_WINDOWS windows cost (the data-size
    # runs too, once a quarter of the series is past it).
    big, capped = (estimate_seconds(cost, n, 32, 3, 20, 5, 2) for n in (700_000, 4 * EPOCH_WINDOWS))
    assert big == pytest.approx(capped)
    # A budget that cannot pay for the draw cuts further, and says from what.
    tight = choose_plan(widths, 700_000, 32, cost, 60.0)
    assert tight.max_batches is not None and tight.max_batches < EPOCH_WINDOWS // 32
    assert any(
        f"of {EPOCH_WINDOWS // 32:,} batches ({EPOCH_WINDOWS:,} windows)" in c
        for c in tight.budget_cut
    )
    # A shorter series is untouched.
    assert choose_plan(widths, 2000, 32, cost, math.inf).sampled == ""


def test_plan_stops_at_the_deadline_and_records_the_cut():
    trainer = ReplayTrainer(LADDER_CURVES)
    diagnosis = run_diagnostics(trainer, profile(train_rows=2000), Settings(), deadline=0.0)
    assert trainer.calls[:5] == ["width-8", "width-16", "width-32", "width-64", "width-128"]
    assert not any("data" in c for c in trainer.calls)
    assert any("time budget" in c for c in diagnosis.cut)


def test_user_max_units_caps_the_ladder():
    trainer = ReplayTrainer(LADDER_CURVES)
    run_diagnostics(
        trainer, profile(train_rows=2000), Settings(max_units=16), deadline=float("inf")
    )
    assert {c.split("-data")[0] for c in trainer.calls} <= {"width-8", "width-16"}


def test_ladder_follows_the_training_windows():
    assert sweep_widths(profile(train_rows=100), Settings())[0] == (8, 16, 32)
    assert sweep_widths(profile(train_rows=400), Settings())[0] == (8, 16, 32, 64)
    assert sweep_widths(profile(train_rows=2000), Settings())[0] == (8, 16, 32, 64, 128)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, 0),
        ({"stationarity": "difference-stationary"}, 1),
        ({"stationarity": "trend-stationary"}, 1),
        ({"trend_strength": 0.8}, 1),
        # trend and season: the change since one season back
        ({"trend_strength": 0.8, "seasonal_period": 12, "nsdiffs": 1}, 12),
        # a season without a trend: step-to-step changes where the level wanders
        ({"stationarity": "difference-stationary", "seasonal_period": 12, "nsdiffs": 1}, 1),
        # fewer than four seasons of training rows: too few to difference a season away
        ({"trend_strength": 0.8, "seasonal_period": 12, "nsdiffs": 1, "train_rows": 40}, 1),
        # the tests' unit root is the season: nothing wanders once a season back is
        # subtracted; levels with too few seasons to difference, else the seasonal change
        (
            {"stationarity": "difference-stationary", "seasonal_period": 12, "nsdiffs": 1,
             "after": 0, "train_rows": 40},
            0,
        ),
        (
            {"stationarity": "trend-stationary", "seasonal_period": 12, "nsdiffs": 1,
             "after": 0},
            12,
        ),
        # ... but not where a strong trend would carry the levels out of range
        (
            {"stationarity": "difference-stationary", "seasonal_period": 12, "nsdiffs": 1,
             "after": 0, "trend_strength": 0.8, "train_rows": 40},
            1,
        ),
        # a season longer than a window holds: differenced away, trend or not
        ({"seasonal_period": 480, "train_rows": 2000}, 480),
        # a level that still wanders after the seasonal difference: step-to-step changes
        (
            {"stationarity": "difference-stationary", "seasonal_period": 12, "nsdiffs": 1,
             "after": 1},
            1,
        ),
    ],
)  # fmt: skip
def test_probes_difference_as_the_rulebook_will(changes, expected):
    """The diagnostic curves must describe the target the recommended model learns."""
    import dataclasses

    from advisor.rules import load_rulebook
    from advisor.rules.facts import build_facts

    changes = dict(changes)
    base = profile(train_rows=changes.pop("train_rows", 400))
    nsdiffs = changes.pop("nsdiffs", 0)
    unit_root = dataclasses.replace(
        base.unit_root,
        seasonal_differencing_order=nsdiffs,
        differencing_after_season=changes.pop("after", -1),
    )
    prof = dataclasses.replace(base, unit_root=unit_root, **changes)
    empty = Diagnosis(runs=(), findings=(), planned="")
    facts = build_facts(prof, empty, Settings(), 0, 12)
    assert probe_differencing(prof) == expected
    assert load_rulebook([]).recommend(facts).config.differencing == expected


def scored(val_rmse: float) -> DiagnosticRun:
    return replace(SCRIPTS["good_fit"], val_rmse=val_rmse)


def test_the_sweep_learns_the_differencing_lag_that_validated_best():
    # A stationary series without a season: the tests say levels (lag 0).
    trainer = ReplayTrainer(LADDER_CURVES, by_lag={0: scored(10.0), 1: scored(8.0)})
    diagnosis = run_diagnostics(trainer, profile(train_rows=2000), Settings(), float("inf"))
    assert [s.config.differencing for s in trainer.compared] == [0, 1]
    assert {s.config.layers[0].units for s in trainer.compared} == {16}
    assert diagnosis.differencing == 1
    assert {s.config.differencing for s in trainer.specs} == {1}
    assert [r.name for r in diagnosis.differencing_runs] == ["differencing-0", "differencing-1"]
    assert "differencing lags 0/1 compared" in diagnosis.planned


def test_a_lag_only_slightly_better_than_the_tests_choice_is_not_taken():
    trainer = ReplayTrainer(LADDER_CURVES, by_lag={0: scored(10.0), 1: scored(9.8)})
    diagnosis = run_diagnostics(trainer, profile(train_rows=2000), Settings(), float("inf"))
    assert diagnosis.differencing == 0
    assert {s.config.differencing for s in trainer.specs} == {0}


def test_a_season_adds_its_lag_where_four_seasons_of_rows_allow():
    seasonal = replace(profile(train_rows=2000), seasonal_period=12)
    assert differencing_candidates(seasonal) == (0, 1, 12)
    assert deseasonalize_candidates(seasonal) == (0, 1)
    short = replace(profile(train_rows=40), seasonal_period=12)
    assert differencing_candidates(short) == (0, 1)
    assert deseasonalize_candidates(short) == ()
    assert deseasonalize_candidates(profile(train_rows=2000)) == ()  # no season


def test_the_seasons_average_pattern_is_taken_out_where_it_validated_clearly_best():
    """The failure it answers: on a short, noisy seasonal series the seasonal difference
    (the tests' choice) copies last season's noise into every forecast."""
    seasonal = replace(profile(train_rows=2000), seasonal_period=12)
    forms = {(0, 0): scored(10.0), (1, 0): scored(9.0), (12, 0): scored(8.0), (1, 12): scored(9.5)}
    taken_out = ReplayTrainer(LADDER_CURVES, by_form={**forms, (0, 12): scored(6.0)})
    diagnosis = run_diagnostics(taken_out, seasonal, Settings(), float("inf"))
    assert [r.name for r in diagnosis.differencing_runs] == [
        "differencing-0",
        "differencing-1",
        "differencing-12",
        "deseasonalized-0",
        "deseasonalized-1",
    ]
    assert (diagnosis.differencing, diagnosis.deseasonalize) == (0, 12)
    assert {(s.config.differencing, s.config.deseasonalize) for s in taken_out.specs} == {(0, 12)}
    assert "and 0/1 with the season's pattern taken out" in diagnosis.planned
    # Within the margin of the tests' choice (here the values themselves), it stands.
    close = {(0, 0): scored(10.0), (1, 0): scored(10.0), (12, 0): scored(10.0)}
    tie = ReplayTrainer(
        LADDER_CURVES, by_form={**close, (0, 12): scored(9.8), (1, 12): scored(11.0)}
    )
    kept = run_diagnostics(tie, seasonal, Settings(), float("inf"))
    assert (kept.differencing, kept.deseasonalize) == (0, 0)


def test_the_log_is_compared_where_the_spread_grows_with_the_level_and_kept_where_clearly_best():
    """The failure it answers: a season whose swing grows with the level (airline
    passengers) is no fixed pattern and no fixed difference; in the log it is both."""
    seasonal = replace(profile(train_rows=2000), seasonal_period=12)
    growing = replace(seasonal, positive=True, boxcox_lambda=0.0, minimum=100.0, maximum=600.0)
    values = {(0, 0): scored(10.0), (1, 0): scored(9.0), (12, 0): scored(8.0)}
    forms = {**values, (0, 12): scored(9.5), (1, 12): scored(9.5)}
    forms |= {(lag, season, True): scored(11.0) for lag, season in forms}
    logged = ReplayTrainer(LADDER_CURVES, by_form={**forms, (1, 12, True): scored(5.0)})
    diagnosis = run_diagnostics(logged, growing, Settings(), float("inf"))
    assert [r.name for r in diagnosis.differencing_runs][5:] == [
        "log-differencing-0",
        "log-differencing-1",
        "log-differencing-12",
        "log-deseasonalized-0",
        "log-deseasonalized-1",
    ]
    chosen = (diagnosis.differencing, diagnosis.deseasonalize, diagnosis.log_target)
    assert chosen == (1, 12, True)
    assert {s.config.log_target for s in logged.specs} == {True}
    assert "0/1/12 of the log" in diagnosis.planned
    # A log that scores worse than a form of the values is not taken.
    worse = ReplayTrainer(LADDER_CURVES, by_form={**forms, (12, 0, True): scored(8.5)})
    kept = run_diagnostics(worse, growing, Settings(), float("inf"))
    assert (kept.differencing, kept.log_target) == (12, False)
    # Where the spread does not grow with the level, or a value is not above zero, or the
    # level barely moves, the log is not tried at all.
    for other in (
        replace(growing, boxcox_lambda=0.9),
        replace(growing, positive=False),
        replace(growing, minimum=400.0),
    ):
        plain = ReplayTrainer(LADDER_CURVES, by_form=forms)
        assert run_diagnostics(plain, other, Settings(), float("inf")).log_target is False
        assert not any(s.config.log_target for s in plain.compared)


@pytest.mark.parametrize("spent", [0.0, 10.0])
def test_the_seasons_pattern_is_compared_on_the_time_the_lags_leave(monkeypatch, spent):
    """The lags first, as before the pattern was a candidate; the pattern on what time
    they leave (``spent``: the seconds each small training takes), else said as cut."""
    import types

    import advisor.diagnostics.plan as plan

    clock = [0.0]
    monkeypatch.setattr(plan, "time", types.SimpleNamespace(monotonic=lambda: clock[0]))

    class Clocked(ReplayTrainer):
        def run(self, spec, deadline=None):
            if spec.name.startswith(("differencing-", "deseasonalized-")):
                clock[0] += spent
            return super().run(spec, deadline)

    small = SweepCost(setup=0.5, batch=0.002, epoch_overhead=0.05)
    forms = {(0, 0): scored(10.0), (1, 0): scored(9.0), (12, 0): scored(8.0)}
    trainer = Clocked(
        LADDER_CURVES,
        small,
        small_cost=small,
        by_form={**forms, (0, 12): scored(6.0), (1, 12): scored(9.5)},
    )
    seasonal = replace(profile(train_rows=2000), seasonal_period=12)
    diagnosis = run_diagnostics(trainer, seasonal, Settings(), 40.0)
    names = [s.name for s in trainer.compared]
    assert names[:3] == ["differencing-0", "differencing-1", "differencing-12"]
    if spent:
        assert names == names[:3]
        assert (diagnosis.differencing, diagnosis.deseasonalize) == (12, 0)
        assert any("season's average pattern" in c for c in diagnosis.budget_cut)
    else:
        assert names[3:] == ["deseasonalized-0", "deseasonalized-1"]
        assert (diagnosis.differencing, diagnosis.deseasonalize) == (0, 12)
        assert not any("season's average pattern" in c for c in diagnosis.cut)


def test_no_time_for_the_comparison_leaves_the_tests_choice_and_says_so():
    cost = SweepCost(setup=5.0, batch=0.05, epoch_overhead=0.5)
    trainer = ReplayTrainer(LADDER_CURVES, cost, by_lag={0: scored(10.0), 1: scored(1.0)})
    diagnosis = run_diagnostics(
        trainer, profile(train_rows=2000), Settings(), time.monotonic() + 20
    )
    assert trainer.compared == [] and diagnosis.differencing is None
    assert any("differencing" in c and "time budget" in c for c in diagnosis.cut)


def test_under_a_budget_a_comparison_is_costed_by_its_own_small_model():
    """The fused sweep's widths (up to 256 units) cost several times one model of 16:
    costed as the sweep, a comparison the time had room for was skipped."""
    fused = SweepCost(setup=5.0, batch=0.05, epoch_overhead=0.5)
    small = SweepCost(setup=0.5, batch=0.002, epoch_overhead=0.05)
    lags = {0: scored(10.0), 1: scored(1.0)}
    skipped = ReplayTrainer(LADDER_CURVES, fused, by_lag=lags)
    run_diagnostics(skipped, profile(train_rows=2000), Settings(), time.monotonic() + 60)
    assert skipped.compared == []
    measured = ReplayTrainer(LADDER_CURVES, fused, by_lag=lags, small_cost=small)
    diagnosis = run_diagnostics(
        measured, profile(train_rows=2000), Settings(), time.monotonic() + 60
    )
    assert [s.config.differencing for s in measured.compared] == [0, 1]
    assert diagnosis.differencing == 1


def half_hourly(train_rows=2800, ar_order=2):
    """A profile of half-hourly data: a daily (48) and a weekly (336) season, the weekly
    one primary (its seasonal naive scored best), a short autoregressive memory."""
    base = profile(train_rows=train_rows)
    return replace(
        base,
        seasonal_period=336,
        season_source="spectrum",
        seasonality=replace(base.seasonality, periods=(48, 336)),
        lags=replace(base.lags, ar_order=ar_order),
    )


def test_a_long_season_is_compared_with_the_shorter_season_and_the_memory():
    assert lookback_candidates(half_hourly(), Settings()) == (2, 48, 336)
    # no memory found, or one that reaches the season: the default's ten steps
    assert lookback_candidates(half_hourly(ar_order=0), Settings()) == (10, 48, 336)
    assert lookback_candidates(half_hourly(ar_order=337), Settings()) == (10, 48, 336)
    # the user's window is never second-guessed
    assert lookback_candidates(half_hourly(), Settings(lookback=336)) == ()


def test_a_short_window_is_not_compared():
    monthly = replace(profile(train_rows=200), seasonal_period=12, horizon=12)
    assert lookback_candidates(monthly, Settings(horizon=12)) == ()
    no_memory = replace(profile(), lags=replace(profile().lags, ar_order=0))
    assert lookback_candidates(no_memory, Settings()) == ()  # ten steps already


def windows_scored(errors_by_lookback):
    """One lookback-comparison run per window, scored on the given per-origin errors."""
    return [
        on_origins(replace(SCRIPTS["good_fit"], name=f"lookback-{n}", lookback=n), e)
        for n, e in errors_by_lookback.items()
    ]


def test_the_best_scoring_window_is_kept_and_a_close_second_is_handed_to_the_search():
    rng = np.random.default_rng(3)
    shared = rng.normal(size=200) ** 2  # the hard stretches every window finds hard
    noise = Noise(block=4, seed=0)
    # a long window 1.5% ahead: within the noise, so the short one goes to the search too
    close = windows_scored({34: shared * 1.03, 132: shared * (1 + 0.02 * rng.random(200))})
    assert pick_lookback(close, noise) == (132, 34)
    # a short window ahead by 20% at every origin: beyond the noise, nothing tied
    clear = windows_scored({13: shared * 0.64, 340: shared})
    assert pick_lookback(clear, noise) == (13, None)
    # three windows: the runner-up within the noise is the one handed on
    three = windows_scored({2: shared * 2.0, 48: shared * 1.01, 336: shared})
    assert pick_lookback(three, noise) == (336, 48)
    # a failed run never wins
    failed = windows_scored({2: shared, 48: shared * 1.5})
    failed[0] = replace(failed[0], val_rmse=math.nan)
    assert pick_lookback(failed, noise) == (48, None)


def test_a_lead_on_too_few_stretches_of_validation_is_left_to_the_search():
    # 12 origins at a block of 6: two stretches that share no rows, no band can be drawn
    rng = np.random.default_rng(4)
    shared = rng.normal(size=12) ** 2
    runs = windows_scored({10: shared, 120: shared * 0.81})
    assert pick_lookback(runs, Noise(block=6)) == (120, 10)
    # runs saved without per-origin errors rest on the margin alone
    bare = [replace(scored(10.0), lookback=2), replace(scored(9.9), lookback=48)]
    assert pick_lookback(bare, Noise()) == (48, 2)
    bare = [replace(scored(10.0), lookback=2), replace(scored(6.0), lookback=48)]
    assert pick_lookback(bare, Noise()) == (48, None)


def test_the_sweep_looks_back_as_far_as_the_comparison_chose():
    trainer = ReplayTrainer(
        LADDER_CURVES, by_lookback={2: scored(10.0), 48: scored(5.0), 336: scored(9.0)}
    )
    diagnosis = run_diagnostics(trainer, half_hourly(), Settings(), float("inf"))
    assert [s.config.lookback for s in trainer.windows] == [2, 48, 336]
    assert {s.config.layers[0].units for s in trainer.windows} == {16}
    assert diagnosis.lookback == 48 and diagnosis.lookback_tied is None
    assert {s.config.lookback for s in trainer.specs} == {48}
    assert {s.config.lookback for s in trainer.compared} == {48}  # differencing at it too
    assert "lookbacks 2/48/336 compared" in diagnosis.planned
    from advisor.rules import load_rulebook
    from advisor.rules.facts import build_facts

    facts = build_facts(half_hourly(), diagnosis, Settings(), 1, 336)
    rec = load_rulebook([]).recommend(facts)
    assert rec.config.lookback == 48
    assert next(r for r in rec.ranges if r.setting == "lookback").choices == (48, 96)


def test_a_window_the_comparison_could_not_tell_apart_is_searched_too():
    trainer = ReplayTrainer(
        LADDER_CURVES, by_lookback={2: scored(10.0), 48: scored(5.0), 336: scored(5.05)}
    )
    diagnosis = run_diagnostics(trainer, half_hourly(), Settings(), float("inf"))
    assert (diagnosis.lookback, diagnosis.lookback_tied) == (48, 336)
    from advisor.rules import load_rulebook
    from advisor.rules.facts import build_facts

    facts = build_facts(half_hourly(), diagnosis, Settings(), 1, 336)
    rec = load_rulebook([]).recommend(facts)
    assert rec.config.lookback == 48
    assert next(r for r in rec.ranges if r.setting == "lookback").choices == (48, 96, 336)


def test_no_time_for_the_lookback_comparison_keeps_the_rules_window_and_says_so():
    cost = SweepCost(setup=5.0, batch=0.05, epoch_overhead=0.5)
    trainer = ReplayTrainer(LADDER_CURVES, cost, by_lookback={2: scored(1.0)})
    diagnosis = run_diagnostics(trainer, half_hourly(), Settings(), time.monotonic() + 20)
    assert trainer.windows == [] and diagnosis.lookback is None
    assert any(c.startswith(NO_TIME_TO_COMPARE_LOOKBACK) for c in diagnosis.budget_cut)
    assert {s.config.lookback for s in trainer.specs} == {336}


# ----------------------------------------------------------------- noise bands


def on_origins(base, errors):
    """``base`` scored on the given per-origin squared errors (its RMSE their root mean)."""
    errors = np.asarray(errors, dtype=float)
    return replace(base, val_errors=tuple(errors), val_rmse=float(np.sqrt(errors.mean())))


def width_pair(n, gain, seed=0):
    """Per-origin squared errors of a narrow run and a wider one whose RMSE is ``gain``
    lower, on ``n`` origins: each error a shared part (the hard stretches of the series)
    plus the run's own seed-to-seed noise."""
    rng = np.random.default_rng(seed)
    common = rng.normal(size=n)
    narrow = (common + 0.6 * rng.normal(size=n)) ** 2
    wide = (common + 0.6 * rng.normal(size=n)) ** 2
    wide *= (1 - gain) ** 2 * narrow.mean() / wide.mean()
    return narrow, wide


def capacity_sweep(n, gain, seed=0):
    narrow, wide = width_pair(n, gain, seed)
    return (
        on_origins(settled(0.2, 0.25, 16, 1.0), narrow),
        on_origins(settled(0.15, 0.2, 32, 1.0), wide),
    )


def test_a_small_width_gain_on_few_origins_is_noise_not_a_finding():
    exam = examine(capacity_sweep(13, 0.03), BASELINE)
    assert "capacity_limited" not in ids(exam.findings)
    (note,) = exam.notes
    assert note.startswith("32 units against 16: validation error 3% lower (band ")
    assert "13 validation origins): within the noise" in note


def test_a_large_width_gain_on_many_origins_is_a_finding_with_its_band():
    hit = finding(diagnose(capacity_sweep(200, 0.3), BASELINE), "capacity_limited")
    assert hit.band is not None and hit.band.lower and hit.band.origins == 200
    assert hit.band.ratio == pytest.approx(0.7)
    assert "30% lower (band -" in hit.summary and "within the noise" not in hit.summary


def test_runs_saved_without_per_origin_errors_still_load_and_say_the_band_is_unknown():
    saved = run_to_dict(SWEEPS["capacity_limited"][0])
    del saved["val_errors"]  # as written before the field existed
    old = run_from_dict(saved)
    assert old.val_errors == ()
    sweep = (*SWEEPS["capacity_limited"][1:], old)
    hit = finding(diagnose(sweep, BASELINE), "capacity_limited")
    assert hit.band is None and "no noise band" in hit.summary


def test_a_data_size_gain_within_the_noise_is_no_finding():
    few, full = width_pair(13, 0.04, seed=2)
    runs = (
        on_origins(settled(0.1, 0.15, 32, 1.0), full),
        on_origins(settled(0.1, 0.2, 32, 1.0, fraction=0.5), few),
    )
    exam = examine(runs, BASELINE)
    assert "data_limited" not in ids(exam.findings)
    assert any("50% of the training windows" in n or "against 50%" in n for n in exam.notes)
    clear = width_pair(200, 0.3, seed=2)
    runs = (
        on_origins(settled(0.1, 0.15, 32, 1.0), clear[1]),
        on_origins(settled(0.1, 0.2, 32, 1.0, fraction=0.5), clear[0]),
    )
    hit = finding(diagnose(runs, BASELINE), "data_limited")
    assert hit.band is not None and hit.band.lower


def test_an_lstm_ahead_of_the_baseline_only_within_the_noise_has_no_gain():
    base_errors, lstm_errors = width_pair(13, 0.05, seed=4)
    baseline = Baseline("ets", float(np.sqrt(base_errors.mean())), 1.0, tuple(base_errors))
    lstm = on_origins(SCRIPTS["good_fit"], lstm_errors)
    hit = finding(diagnose((lstm,), baseline), "no_gain_over_baseline")
    assert hit.band is not None and not hit.band.lower
    assert "not beyond the noise" in hit.summary and "within the noise" in hit.summary
    base_errors, lstm_errors = width_pair(200, 0.3, seed=4)
    baseline = Baseline("ets", float(np.sqrt(base_errors.mean())), 1.0, tuple(base_errors))
    lstm = on_origins(SCRIPTS["good_fit"], lstm_errors)
    assert "no_gain_over_baseline" not in ids(diagnose((lstm,), baseline))


# ------------------------------------------------- did not learn; one primary diagnosis


def test_a_best_epoch_of_one_is_not_learning_never_overfitting():
    first_best = SCRIPTS["not_learning"]
    assert first_best.best_epoch == 1
    exam = examine((first_best,), BASELINE)
    assert "not_learning" in ids(exam.findings) and "overfitting" not in ids(exam.findings)
    assert overfit_evidence(first_best) is None
    assert exam.primary == "not_learning"


def airline_like():
    """The packaged airline example's failure: 13 validation origins; width 32 "best" by
    3% with its best validation loss after epoch 1 and rising after it; narrower widths
    with high training loss."""
    narrow, wide = width_pair(13, 0.03, seed=5)
    w8 = run(decay(1.0, 0.6, 20), decay(1.0, 0.5, 20), units=8, reason="early_stopping")
    w16 = run(decay(1.0, 0.45, 20), decay(1.0, 0.4, 20), units=16, reason="early_stopping")
    w32 = run(decay(1.0, 0.1, 12), [0.35, *np.linspace(0.4, 0.7, 11)], units=32)
    return (
        on_origins(w8, narrow * 1.2),
        on_origins(w16, narrow),
        on_origins(w32, wide),
    )


@pytest.mark.parametrize("block", [1, 12])
def test_the_airline_like_case_reads_as_one_diagnosis_not_three(block):
    # block 12: the airline's 12-month horizon, where 13 origins are one stretch
    exam = examine(airline_like(), BASELINE, predictable=0.8, noise=Noise(block))
    found = ids(exam.findings)
    assert exam.primary == "not_learning"
    # width 32's rise after its first epoch is no overfitting, its 3% gain over width 16
    # on 13 origins no capacity limit, and the narrower widths' higher training loss no
    # underfitting, since 32 does not beat them beyond the noise
    assert not found & {"overfitting", "capacity_limited", "underfitting"}
    (note,) = exam.notes
    assert note.startswith("32 units against 16: validation error 3% lower (")
    assert ("within the noise" if block == 1 else "too few to tell from noise") in note


def test_over_and_underfitting_evidence_yield_one_primary():
    # One run whose training loss stays near the predict-the-mean level (underfits on a
    # series a linear model explains) and whose validation loss turned up (overfits).
    both = run(
        list(np.linspace(0.95, 0.9, 30)),
        decay(1.0, 0.8, 10, rate=0.5) + list(np.linspace(0.8, 1.0, 20)),
    )
    exam = examine((both,), BASELINE, predictable=0.8)
    assert {"overfitting", "underfitting"} <= ids(exam.findings)
    confidence = {f.id: f.confidence for f in exam.findings}
    # the stronger evidence leads; on a tie, underfitting (bias before variance)
    expected = (
        "overfitting" if confidence["overfitting"] > confidence["underfitting"] else "underfitting"
    )
    assert exam.primary == expected


@pytest.mark.parametrize(
    ("present", "primary"),
    [
        ({"overfitting": 0.8, "underfitting": 0.75, "diverging": 0.9}, "diverging"),
        ({"overfitting": 0.8, "underfitting": 0.75, "not_learning": 0.7}, "not_learning"),
        ({"overfitting": 0.8, "underfitting": 0.75}, "overfitting"),
        ({"overfitting": 0.7, "underfitting": 0.75}, "underfitting"),
        ({"overfitting": 0.6, "underfitting": 0.6, "capacity_limited": 0.7}, "underfitting"),
        ({"capacity_limited": 0.55, "no_gain_over_baseline": 0.7}, "capacity_limited"),
        ({"good_fit": 0.6}, "good_fit"),
        ({}, None),
    ],
)
def test_the_precedence_picks_the_primary(present, primary):
    assert choose_primary(present) == primary


def test_the_plan_records_the_primary_and_the_notes_in_the_diagnosis():
    trainer = ReplayTrainer(LADDER_CURVES)
    diagnosis = run_diagnostics(
        trainer, profile(train_rows=2000), Settings(), deadline=float("inf")
    )
    assert diagnosis.primary == examine(diagnosis.runs, BASELINE, 0.25).primary
    assert diagnosis.primary in ids(diagnosis.findings)


# ------------------------------------------------------------- precision, with fakes


class PrecisionTrainer(ReplayTrainer):
    """ReplayTrainer on a device that may compute in bfloat16: a batch of the timed model
    costs ``batch_s[precision]``, the comparison's runs score ``by_precision[precision]``,
    and every run records what it trained in."""

    def __init__(self, batch_s, by_precision=None, capable=True, cost=None):
        super().__init__(
            LADDER_CURVES, cost or SweepCost(setup=0.5, batch=0.01, epoch_overhead=0.1)
        )
        self.batch_s = batch_s
        self.by_precision = by_precision or {}
        self.capable = capable
        self.trained_in: list[tuple[str, str]] = []
        self.timed: list[str] = []

    def bf16_capable(self):
        return self.capable

    def sweep_cost(self, specs):
        if specs[0].name == "precision":
            self.timed.append(self.precision)
            return SweepCost(setup=0.5, batch=self.batch_s[self.precision], epoch_overhead=0.1)
        return super().sweep_cost(specs)

    def run(self, spec, deadline=None):
        self.trained_in.append((spec.name, self.precision))
        if spec.name.startswith("precision-"):
            scripted = self.by_precision[self.precision]
            return replace(scripted, name=spec.name, units=spec.config.layers[0].units)
        return super().run(spec, deadline)


def errors_scored(scale: float) -> DiagnosticRun:
    """A good fit whose 200 per-origin errors are one seeded draw times ``scale``."""
    errors = np.random.default_rng(3).gamma(2.0, 0.5, size=200) * scale
    return replace(
        SCRIPTS["good_fit"],
        val_rmse=float(np.sqrt(errors.mean())),
        val_errors=tuple(float(e) for e in errors),
    )


def test_bfloat16_faster_and_as_good_trains_everything_after_the_comparison():
    trainer = PrecisionTrainer(
        {"float32": 0.010, "bfloat16": 0.005},
        {"float32": errors_scored(1.0), "bfloat16": errors_scored(1.0)},
    )
    diagnosis = run_diagnostics(trainer, profile(train_rows=2000), Settings(), float("inf"))
    assert trainer.timed == ["float32", "bfloat16"]
    assert diagnosis.precision == "bfloat16" and trainer.precision == "bfloat16"
    assert [r.name for r in diagnosis.precision_runs] == ["precision-float32", "precision-bfloat16"]
    assert trainer.trained_in[:2] == [
        ("precision-float32", "float32"),
        ("precision-bfloat16", "bfloat16"),
    ]
    assert {p for name, p in trainer.trained_in if name.startswith("width-")} == {"bfloat16"}
    assert diagnosis.planned.startswith(
        "bfloat16 compared with float32 at width 16: a batch in 0.50x"
    )
    assert "; kept;" in diagnosis.planned


def test_bfloat16_that_loses_beyond_the_noise_is_not_kept():
    trainer = PrecisionTrainer(
        {"float32": 0.010, "bfloat16": 0.005},
        {"float32": errors_scored(1.0), "bfloat16": errors_scored(1.04**2)},
    )
    diagnosis = run_diagnostics(trainer, profile(train_rows=2000), Settings(), float("inf"))
    assert diagnosis.precision == "float32" and trainer.precision == "float32"
    assert "not kept" in diagnosis.planned
    assert {p for name, p in trainer.trained_in if name.startswith("width-")} == {"float32"}


def test_bfloat16_no_faster_is_timed_and_never_trained():
    trainer = PrecisionTrainer({"float32": 0.010, "bfloat16": 0.0095})
    diagnosis = run_diagnostics(trainer, profile(train_rows=2000), Settings(), float("inf"))
    assert trainer.timed == ["float32", "bfloat16"]
    assert not any(name.startswith("precision-") for name, _ in trainer.trained_in)
    assert diagnosis.precision == "float32" and diagnosis.precision_runs == ()
    assert "0.95x the time, too little gain to compare; float32" in diagnosis.planned


def test_a_device_without_native_bfloat16_neither_times_nor_says_anything():
    trainer = PrecisionTrainer({"float32": 0.010, "bfloat16": 0.001}, capable=False)
    diagnosis = run_diagnostics(trainer, profile(train_rows=2000), Settings(), float("inf"))
    assert trainer.timed == [] and diagnosis.precision == "float32"
    assert "bfloat16" not in diagnosis.planned


@pytest.mark.parametrize("capable", [True, False])
def test_the_users_precision_is_used_as_asked_and_said_to_be_unchecked(capable):
    trainer = PrecisionTrainer({"float32": 0.010, "bfloat16": 0.005}, capable=capable)
    settings = Settings(precision="bfloat16")
    diagnosis = run_diagnostics(trainer, profile(train_rows=2000), settings, float("inf"))
    assert trainer.timed == [] and diagnosis.precision == "bfloat16"
    assert diagnosis.planned.startswith(PRECISION_ASKED)
    assert {p for _, p in trainer.trained_in} == {"bfloat16"}
    forced = PrecisionTrainer({"float32": 0.010, "bfloat16": 0.005}, capable=capable)
    plain = run_diagnostics(forced, profile(train_rows=2000), Settings(precision="float32"), 1e12)
    assert forced.timed == [] and plain.precision == "float32" and "bfloat16" not in plain.planned


def test_no_time_to_compare_precisions_keeps_float32_and_says_so():
    trainer = PrecisionTrainer(
        {"float32": 0.05, "bfloat16": 0.02},
        cost=SweepCost(setup=5.0, batch=0.05, epoch_overhead=0.5),
    )
    diagnosis = run_diagnostics(
        trainer, profile(train_rows=2000), Settings(), time.monotonic() + 20
    )
    assert not any(name.startswith("precision-") for name, _ in trainer.trained_in)
    assert diagnosis.precision == "float32"
    assert any(c.startswith(PRECISION_SKIPPED) for c in diagnosis.budget_cut)
