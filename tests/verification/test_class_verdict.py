"""The classification verdict: the baseline is the advice unless the LSTM's gain over it is
established on validation and not contradicted on the test sequences, which choose
nothing else."""

from __future__ import annotations

import math
from dataclasses import replace

from support import class_analysis as ca

from advisor.core.findings import FindingId
from advisor.verification.class_verdict import baseline_verdict


def _without_gap(diagnosis):
    return replace(
        diagnosis,
        findings=tuple(f for f in diagnosis.findings if f.id != FindingId.NO_GAIN_OVER_BASELINE),
    )


def _chosen_at(verification, accuracy):
    trials = tuple(
        replace(t, val_accuracy=accuracy) if t.trial_id == verification.chosen_trial else t
        for t in verification.trials
    )
    return replace(verification, trials=trials)


def _bar_at_80():
    """The profile with the best baseline at 0.80 on validation, ranked on validation alone."""
    base = ca.profile()
    return replace(
        base,
        baselines=tuple(
            replace(b, accuracy=min(b.accuracy, 0.8), cv_accuracy=math.nan, cv_folds=0)
            for b in base.baselines
        ),
    )


def test_no_gain_found_by_the_diagnosis_makes_the_baseline_the_advice():
    profile = ca.profile()
    v = baseline_verdict(profile, ca.diagnosis(), ca.verification(), ca.final(), ())
    assert v is not None and v.advised
    assert v.baseline == profile.best_baseline.name


def test_the_lstm_is_the_advice_only_where_its_chosen_configuration_clears_the_bar():
    profile = _bar_at_80()
    diagnosis = _without_gap(ca.diagnosis())
    ahead = _chosen_at(ca.verification(), 0.9)  # 12% above the bar
    assert not baseline_verdict(profile, diagnosis, ahead, ca.final(), ()).advised
    # within the 2% margin of the baseline: no gain established, whatever the test says
    level = _chosen_at(ca.verification(), 0.81)
    assert baseline_verdict(profile, diagnosis, level, ca.final(), ()).advised


def test_the_test_figures_are_paired_and_choose_nothing():
    profile = ca.profile()
    on_test = ca.baselines_on_test()
    v = baseline_verdict(profile, ca.diagnosis(), ca.verification(), ca.final(), on_test)
    assert v.advised and 0.0 <= v.test_accuracy <= 1.0  # shown beside the LSTM's
    weak = ca.baselines_on_test(weak=True)
    assert baseline_verdict(profile, ca.diagnosis(), ca.verification(), ca.final(), weak).advised


def test_a_gain_on_validation_the_test_sequences_contradict_is_withdrawn():
    profile = _bar_at_80()
    diagnosis, ahead = _without_gap(ca.diagnosis()), _chosen_at(ca.verification(), 0.9)
    final = ca.final()  # two thirds of the test sequences right
    # The baseline validation chose reaches 7/9 or 8/9 on test: above the LSTM's 2/3.
    strong = baseline_verdict(profile, diagnosis, ahead, final, ca.baselines_on_test())
    assert strong.held_on_test is False and strong.advised
    assert strong.test_accuracy > strong.lstm_test_accuracy
    # A third on test: the gain holds and the LSTM stays the advice.
    weak = baseline_verdict(profile, diagnosis, ahead, final, ca.baselines_on_test(weak=True))
    assert weak.held_on_test is True and not weak.advised
    # Without test figures nothing is withdrawn; without a gain, nothing to withdraw.
    assert baseline_verdict(profile, diagnosis, ahead, final, ()).held_on_test is None
    level = _chosen_at(ca.verification(), 0.81)
    gone = baseline_verdict(profile, diagnosis, level, final, ca.baselines_on_test())
    assert gone.held_on_test is None and gone.advised
