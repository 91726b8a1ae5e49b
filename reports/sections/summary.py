"""The page's top: the headline (one sentence) and the verdict paragraph (the advice,
how it fared on the test, how far it was checked, what the experiments found, and
the warnings), each leaving out the stages that did not run.
"""

from __future__ import annotations

from advisor.core.records import ModelConfig
from advisor.reports.info import DocumentInfo
from advisor.reports.sections.common import (
    and_,
    compare_to_baselines,
    comparison_words,
    fmt,
    pct,
    plural,
)
from advisor.reports.sections.verification import verdict_words
from advisor.reports.wording import FINDING_PHRASES, QUIET_FINDINGS, VERDICT_PHRASES


def model_words(config: ModelConfig) -> str:
    layers = config.layers
    units = ", ".join(str(layer.units) for layer in layers)
    shape = (
        f"one LSTM layer of {units} units"
        if len(layers) == 1
        else f"{len(layers)} LSTM layers of {units} units"
    )
    return f"{shape} that looks back {plural(config.lookback, 'step')}"


def _findings_words(info: DocumentInfo) -> str | None:
    diagnosis = info.diagnosis
    if not diagnosis.runs:
        return None
    ids = [i for i in dict.fromkeys(diagnosis.finding_ids) if i not in QUIET_FINDINGS]
    n = len(diagnosis.runs)
    runs = "The short diagnostic training" if n == 1 else f"The {n} short diagnostic trainings"
    if not ids:
        return f"{runs} flagged no problem."
    # The primary diagnosis leads; the others are named as secondary signs.
    if diagnosis.primary in ids:
        ids.remove(diagnosis.primary)
        ids.insert(0, diagnosis.primary)
    phrases = [FINDING_PHRASES.get(i, i.replace("_", " ")) for i in ids]
    if len(phrases) == 1:
        return f"{runs} showed {phrases[0]}; the settings below answer that."
    return (
        f"{runs} showed mainly {phrases[0]}, and as secondary signs {and_(phrases[1:])}; "
        "the settings below answer the first."
    )


def verdict_sentences(info: DocumentInfo) -> tuple[str, ...]:
    """The verdict paragraph: the advice, how it fared on the test, how far it was
    checked, what the experiments found, and the warnings."""
    data = info.data
    sentences = [
        f"For “{data.target}”, {plural(data.horizon, 'step')} ahead, the advisor "
        f"recommends {model_words(info.recommendation.config)}."
    ]
    ver = info.verification
    if ver is not None and ver.verdict == "provisional":
        # What the budget cut, and what budget would not, comes before everything else.
        sentences.insert(0, verdict_words(ver))
    comparison = compare_to_baselines(info)
    if comparison is not None:
        sentences.append(comparison_words(comparison))
        if not comparison.lstm_wins:
            sentences.append(
                "A simple baseline forecasts this series at least as well as the LSTM."
            )
    if ver is not None and ver.verdict != "provisional":
        sentences.append(verdict_words(ver))
    findings = _findings_words(info)
    if findings:
        sentences.append(findings)
    if ver is not None and ver.gain_held is False:
        sentences.append(
            f"Warning: the LSTM's lead over the {ver.baseline} baseline on the validation "
            "rows did not hold on the held-out test rows, so the advisor claims no gain "
            "over it: the simpler baseline is the advice."
        )
    elif info.no_gain_over_baseline:
        sentences.append(
            "Warning: on the validation rows the LSTM did not clearly beat the simple "
            "baselines (beyond the noise in the diagnostic trainings, or by 2% with the "
            "configuration the search chose)"
            + (
                ", so its edge on the test rows may not hold on new data."
                if comparison is not None and comparison.lstm_wins
                else "."
            )
        )
    return tuple(sentences)


def headline(info: DocumentInfo) -> str:
    ver = info.verification
    if info.baseline_advised and ver is not None:
        # That no LSTM proved worth it matters more than which one: it comes first.
        scores = f"RMSE {fmt(ver.baseline_lstm_val_rmse)} against {fmt(ver.baseline_val_rmse)}"
        if ver.gain_held is False:
            how = (
                f"was ahead of it on the validation rows ({scores}) but not on the held-out "
                f"test rows ({fmt(ver.lstm_test_rmse)} against {fmt(ver.baseline_test_rmse)})"
            )
        elif ver.beats_baseline:
            how = f"is ahead of it on the validation rows only within the noise ({scores})"
        else:
            how = f"does not beat it on the validation rows ({scores})"
        parts = [
            f"Use the {ver.baseline} baseline: the best LSTM found {how}; if you want "
            f"an LSTM anyway, {model_words(info.recommendation.config)}"
        ]
    else:
        parts = [f"Use {model_words(info.recommendation.config)}"]
    if ver is not None and ver.verdict == "provisional":
        parts.append(VERDICT_PHRASES["provisional"])
    elif ver is not None and not ver.compared:
        parts.append("not yet checked against other settings")
    elif ver is not None:
        parts.append(VERDICT_PHRASES.get(ver.verdict, ver.verdict))
    comparison = compare_to_baselines(info)
    if comparison is not None:
        parts.append(
            f"test RMSE {pct(abs(comparison.change))} "
            f"{'below' if comparison.lstm_wins else 'above'} the best baseline"
        )
    return "; ".join(parts) + "."
