"""The chosen classifier against the best baseline: whether the baseline is the advice.

As for forecasting (``verdict.against_baseline``), the simpler model is the advice until
the LSTM proves itself on validation: the diagnosis found the LSTM no better than the
best baseline beyond the noise (``no_gain_over_baseline``), or the configuration the
search chose does not reach the baseline's validation accuracy by ``BASELINE_MARGIN``.
The test sequences choose nothing; their figures, paired sequence by sequence, show what
the choice was worth where nothing was tuned, and a gain they contradict (the final LSTM
not more accurate than that baseline there) is withdrawn, as ``verdict.held_on_test``
does for forecasting.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from advisor.core.class_analysis import BaselineVerdict
from advisor.core.class_models import ClassDiagnosis, ClassFinal
from advisor.core.class_records import ClassBaseline, ClassProfile
from advisor.core.class_verification import ClassVerification
from advisor.core.findings import FindingId
from advisor.diagnostics.comparisons import BASELINE_MARGIN
from advisor.diagnostics.noise import paired_band
from advisor.probes.class_baselines import BASELINE_NAMES


def chosen_val_accuracy(diagnosis: ClassDiagnosis, verification: ClassVerification | None) -> float:
    """Validation accuracy of the configuration the advice ends on: the search's chosen
    trial, else the best diagnostic run."""
    if verification is not None:
        chosen = next(
            (t for t in verification.trials if t.trial_id == verification.chosen_trial), None
        )
        if chosen is not None and math.isfinite(chosen.val_accuracy):
            return chosen.val_accuracy
    from advisor.diagnostics.class_findings import best_class_run

    best = best_class_run(diagnosis.runs) if diagnosis.runs else None
    return best.val_accuracy if best is not None else math.nan


def baseline_verdict(
    profile: ClassProfile,
    diagnosis: ClassDiagnosis,
    verification: ClassVerification | None,
    final: ClassFinal | None,
    test_baselines: Sequence[ClassBaseline],
    seed: int = 0,
) -> BaselineVerdict | None:
    """``None`` where no baseline has a finite validation accuracy."""
    baseline = profile.best_baseline
    if baseline is None or not math.isfinite(baseline.accuracy):
        return None
    finding = next((f for f in diagnosis.findings if f.id == FindingId.NO_GAIN_OVER_BASELINE), None)
    from advisor.diagnostics.class_findings import accuracy_band, best_class_run

    best = best_class_run(diagnosis.runs) if diagnosis.runs else None
    val_band = (
        accuracy_band(best, baseline, seed)
        if best is not None and best.val_correct and baseline.correct
        else None
    )
    lstm = chosen_val_accuracy(diagnosis, verification)
    cleared = math.isfinite(lstm) and lstm > baseline.accuracy * (1 + BASELINE_MARGIN)
    on_test = next((b for b in test_baselines if b.name == baseline.name), None)
    test_band = None
    lstm_test = math.nan
    if final is not None:
        lstm_test = final.test_accuracy
        if on_test is not None and on_test.correct and final.test_correct:
            test_band = paired_band(final.test_correct, on_test.correct, 1, seed, root=False)
    base_test = on_test.accuracy if on_test is not None else math.nan
    val_advised = finding is not None or not cleared
    held = (
        None
        if val_advised or not (math.isfinite(lstm_test) and math.isfinite(base_test))
        else lstm_test > base_test
    )
    return BaselineVerdict(
        baseline=baseline.name,
        label=BASELINE_NAMES.get(baseline.name, baseline.name),
        val_accuracy=baseline.accuracy,
        lstm_val_accuracy=lstm,
        val_band=val_band,
        advised=val_advised or held is False,
        test_accuracy=base_test,
        lstm_test_accuracy=lstm_test,
        test_band=test_band,
        baseline_seconds=on_test.seconds if on_test is not None else math.nan,
        cv_accuracy=baseline.cv_accuracy,
        cv_folds=baseline.cv_folds,
        held_on_test=held,
    )
