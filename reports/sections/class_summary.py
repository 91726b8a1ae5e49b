"""The classification page's top: the headline (what to use, with the figures that
decide it), the verdict paragraph, and where a baseline is advised, why the LSTM falls
short. Stages that did not run are left out of a sentence or said not to have run.
"""

from __future__ import annotations

from advisor.core.class_models import ClassifierConfig
from advisor.reports.class_info import ClassDocumentInfo, VerdictInfo
from advisor.reports.class_wording import VERDICT_WORDS, class_phrase
from advisor.reports.info import BandInfo, defined
from advisor.reports.sections.common import and_, pct, plural, score, seconds
from advisor.reports.wording import QUIET_FINDINGS


def model_words(config: ClassifierConfig) -> str:
    """``one LSTM layer of 32 units reading both ways, averaged over the steps``."""
    layers = config.layers
    units = ", ".join(str(layer.units) for layer in layers)
    shape = (
        f"one LSTM layer of {units} units"
        if len(layers) == 1
        else f"{len(layers)} LSTM layers of {units} units"
    )
    if config.bidirectional:
        shape += " reading both ways"
    pooled = "averaged over the steps" if config.pooling == "average" else "read at the last step"
    return f"{shape}, {pooled}"


def band_phrase(band: BandInfo | None, unit: str = "validation sequences") -> str:
    """How the LSTM's accuracy over the baseline's reads against its noise band."""
    if band is None:
        return "its gain over it not established (not compared sequence by sequence)"
    n = f"{band.origins} {unit}"
    if band.high == float("inf"):
        return f"too few {unit} ({band.origins}) to tell the two apart from chance"
    spread = f"band {band.low - 1:+.0%} to {band.high - 1:+.0%}"
    if band.high < 1.0:
        return f"behind it beyond the noise of the {n} ({spread})"
    if band.low > 1.0:
        return f"ahead by {band.ratio - 1:.0%}, too little to be worth an LSTM's cost ({spread})"
    return f"a difference within the noise of the {n} ({spread})"


def _figures(accuracy: float | None, test: float | None, fit_s: float | None = None) -> str:
    extra = []
    if defined(test):
        extra.append(f"test {pct(test)}")
    if defined(fit_s):
        extra.append(f"fitted in {seconds(fit_s)}")
    return f"{pct(accuracy)} validation accuracy" + (f" ({', '.join(extra)})" if extra else "")


def _advised(v: VerdictInfo) -> str:
    lstm = pct(v.lstm_val_accuracy)
    if defined(v.lstm_test_accuracy):
        lstm += f" (test {pct(v.lstm_test_accuracy)})"
    lstm_val, val = v.lstm_val_accuracy, v.val_accuracy
    if v.held_on_test is False:
        found = (
            f"reaches {lstm}: ahead of it on validation, but not on the test sequences, so "
            "no gain over it is claimed"
        )
    elif v.val_band is None and defined(lstm_val) and defined(val) and lstm_val <= val:
        # Nothing to band: the LSTM is not ahead at all.
        found = f"reaches {lstm} as well, no better" if lstm_val == val else f"reaches only {lstm}"
    else:
        found = f"reaches {lstm}, {band_phrase(v.val_band)}"
    chosen = ""
    if defined(v.cv_accuracy):
        # Few validation sequences: the baselines were ranked by cross-validation.
        chosen = (
            f" (the best baseline over {v.cv_folds} cross-validation folds of the training "
            f"sequences, {pct(v.cv_accuracy)} on average)"
        )
    return (
        f"Use {v.label}{chosen}: it reaches "
        f"{_figures(v.val_accuracy, v.test_accuracy, v.baseline_seconds)}"
        f"; the best LSTM found {found}."
    )


def headline(info: ClassDocumentInfo) -> str:
    """What to use, in one sentence, with the figures from the document."""
    v, final, best = info.verdict, info.final, info.diagnosis.best_run
    if v is not None and v.advised:
        return _advised(v)
    if final is not None:
        lstm = (
            f"Use the LSTM below: it classifies {pct(final.test_accuracy)} of the test "
            f"sequences right (macro-F1 {score(final.test_macro_f1)})"
        )
        if v is None:
            return lstm + "; no baseline could be scored beside it."
        validation = f"LSTM {pct(v.lstm_val_accuracy)}, {v.label} {pct(v.val_accuracy)}"
        if not defined(v.test_accuracy):
            return (
                f"{lstm}; the best baseline, {v.label}, was scored on validation only "
                f"({validation})."
            )
        return (
            f"{lstm}; the best baseline, {v.label}, reaches {pct(v.test_accuracy)} "
            f"(validation: {validation})."
        )
    if v is not None:
        return (
            f"Use the LSTM below: it reaches {pct(v.lstm_val_accuracy)} validation accuracy "
            f"against {pct(v.val_accuracy)} for the best baseline, {v.label}; the final test "
            "did not run, so it has no test score yet."
        )
    if best is not None:
        return (
            f"The best LSTM found reaches {pct(best.val_accuracy)} validation accuracy; no "
            "baseline could be scored beside it, and the final test did not run."
        )
    return "The analysis stopped before any model was trained: there is no advice yet."


def _findings_words(info: ClassDocumentInfo) -> str | None:
    diagnosis = info.diagnosis
    if not diagnosis.runs:
        return None
    ids = [f.id for f in diagnosis.findings if f.id not in QUIET_FINDINGS]
    ids = list(dict.fromkeys(ids))
    n = len(diagnosis.runs)
    runs = "The short diagnostic training" if n == 1 else f"The {n} short diagnostic trainings"
    if not ids:
        return f"{runs} flagged no problem with the LSTM's fit."
    if diagnosis.primary in ids:
        ids.remove(diagnosis.primary)
        ids.insert(0, diagnosis.primary)
    phrases = [class_phrase(i) for i in ids]
    if len(phrases) == 1:
        return f"{runs} showed {phrases[0]}; the settings below answer that."
    return (
        f"{runs} showed mainly {phrases[0]}, and as secondary signs {and_(phrases[1:])}; "
        "the settings below answer the first."
    )


def _test_words(v: VerdictInfo) -> str | None:
    if not (defined(v.test_accuracy) and defined(v.lstm_test_accuracy)):
        return None
    words = (
        f"On the test sequences, which nothing was tuned on, {v.label} classifies "
        f"{pct(v.test_accuracy)} right and the final LSTM {pct(v.lstm_test_accuracy)}"
    )
    band = v.test_band
    if v.test_accuracy == v.lstm_test_accuracy:
        return words + ": the same."
    if band is None:
        return words + "."
    if band.high == float("inf"):
        return words + f"; {band.origins} test sequences are too few to tell them apart."
    beyond = band.high < 1.0 or band.low > 1.0
    return (
        words + f": a difference {'beyond' if beyond else 'within'} the noise of the "
        f"{band.origins} test sequences (band {band.low - 1:+.0%} to {band.high - 1:+.0%})."
    )


def verdict_sentences(info: ClassDocumentInfo) -> tuple[str, ...]:
    """The paragraph under the headline: why this advice, what the test showed, how far
    the search checked it, what the diagnostic trainings found, what did not run."""
    v, ver, config = info.verdict, info.verification, info.recommendation.config
    sentences = []
    if info.partial:
        sentences.append(
            "This run was interrupted before every stage finished; the same command resumes it."
        )
    if ver is not None and ver.verdict == "provisional" and ver.verdict_reason:
        sentences.append(ver.verdict_reason)
    if v is not None and v.advised:
        sentences.append(
            f"{v.label} is the advice because the LSTM's gain over it is not established on the "
            "validation sequences, where the advice is decided. Should you want an LSTM "
            f"anyway, the advisor's best is {model_words(info.final_config)}, below."
        )
    else:
        sentences.append(f"The advisor recommends {model_words(config)}.")
    if v is not None and (test := _test_words(v)):
        sentences.append(test)
    if ver is not None and ver.verdict != "provisional":
        sentences.append(VERDICT_WORDS.get(ver.verdict, f"Verdict: {ver.verdict}."))
    findings = _findings_words(info)
    if findings:
        sentences.append(findings)
    if ver is None:
        sentences.append("The verification search did not run in this analysis.")
    if info.final is None:
        sentences.append(
            "The final training and test did not run, so there are no test scores yet."
        )
    if v is None and info.profile.baselines:
        sentences.append("No baseline could be scored, so the LSTM was compared with none.")
    return tuple(sentences)


def why_short(info: ClassDocumentInfo) -> tuple[str, ...]:
    """Where a baseline is advised: what the diagnosis found about the LSTM, the
    comparison with the baseline first, then the primary finding and the others."""
    v = info.verdict
    if v is None or not v.advised:
        return ()
    diagnosis = info.diagnosis
    lines = []
    gap = [f for f in diagnosis.findings if f.id == "no_gain_over_baseline"]
    lines += [f.summary for f in gap]
    ordered = sorted(
        (f for f in diagnosis.findings if f.id not in QUIET_FINDINGS),
        key=lambda f: f.id != diagnosis.primary,
    )
    lines += [f"{class_phrase(f.id).capitalize()}: {f.summary}" for f in ordered]
    if not lines:
        lines.append(
            f"The best LSTM reached {pct(v.lstm_val_accuracy)} validation accuracy against "
            f"{pct(v.val_accuracy)} for {v.label}, {band_phrase(v.val_band)}."
        )
    runs = len(diagnosis.runs)
    if runs:
        lines.append(
            f"These rest on {plural(runs, 'short diagnostic training')}; their learning "
            "curves are under Experiments."
        )
    return tuple(lines)
