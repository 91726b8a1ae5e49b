"""How the classification advice was reached and checked: the diagnostic trainings with
their learning curves and findings, the search and its stratified cross-validation,
what was cut or not checked, and what reproduces the run.

A stage that did not run gives a sentence saying so, never an empty table.
"""

from __future__ import annotations

from dataclasses import dataclass

from advisor.reports import class_chart_data
from advisor.reports.class_info import (
    ClassCvInfo,
    ClassDocumentInfo,
    ClassTrialInfo,
    ClassVerificationInfo,
    CvSideInfo,
)
from advisor.reports.class_wording import STOP_WORDS, VERDICT_WORDS
from advisor.reports.sections.common import (
    ChartView,
    Table,
    and_,
    as_typed,
    chart,
    evidence_words,
    fmt,
    pct,
    plural,
    score,
)
from advisor.reports.sections.earlier import earlier_lines
from advisor.reports.sections.experiments import FindingView
from advisor.reports.sections.reproducibility import Fact, reproducibility, versions_table
from advisor.reports.sections.settings import per_layer
from advisor.reports.wording import TUNER_WORDS

# ------------------------------------------------------------------- experiments


@dataclass(frozen=True)
class ClassExperiments:
    intro: tuple[str, ...]
    runs: Table | None
    """``None`` where no diagnostic training ran."""
    findings: tuple[FindingView, ...]
    within_noise: tuple[str, ...]
    charts: tuple[ChartView, ...]
    missing: tuple[str, ...]


def _runs_table(info: ClassDocumentInfo) -> Table:
    best = info.diagnosis.best_run
    rows = tuple(
        (
            r.name,
            str(r.units),
            fmt(r.params),
            pct(r.train_fraction),
            str(len(r.train_loss)),
            str(r.best_epoch or "n/a"),
            fmt(r.val_cross_entropy),
            pct(r.val_accuracy),
            score(r.val_macro_f1),
            STOP_WORDS.get(r.stopped_reason, r.stopped_reason or "n/a"),
            fmt(r.seconds, 2),
        )
        for r in info.diagnosis.runs
    )
    return Table(
        (
            "Run",
            "Units",
            "Parameters",
            "Share of train",
            "Epochs",
            "Best epoch",
            "Val cross-entropy",
            "Val accuracy",
            "Val macro-F1",
            "Stopped because",
            "Seconds",
        ),
        rows,
        tuple(best is not None and r.name == best.name for r in info.diagnosis.runs),
    )


def experiments_section(info: ClassDocumentInfo) -> ClassExperiments:
    diagnosis = info.diagnosis
    intro = [f"Plan: {diagnosis.planned}"] if diagnosis.planned else []
    if diagnosis.cut:
        intro.append("Left out: " + "; ".join(diagnosis.cut) + ".")
    ordered = sorted(diagnosis.findings, key=lambda f: f.id != diagnosis.primary)
    several = len(ordered) > 1
    findings = tuple(
        FindingView(
            f.id,
            f.summary,
            pct(f.confidence),
            evidence_words(f.evidence),
            ("Primary diagnosis" if f.id == diagnosis.primary else "Secondary") if several else "",
        )
        for f in ordered
    )
    curves = class_chart_data.learning_curves(info)
    charts = chart(
        "chart-class-curves",
        "Learning curves",
        "Training (solid) and validation (dashed) cross-entropy per epoch of each diagnostic "
        "run (lower is better); the dot marks the epoch early stopping kept. Validation "
        "rising while training keeps falling is the sign of overfitting.",
        curves or None,
    )
    short = [r.name for r in diagnosis.runs if class_chart_data.learning_curve(r) is None]
    missing = []
    if not diagnosis.runs:
        missing.append("No diagnostic training ran in this analysis.")
    elif short:
        missing.append(
            f"No learning curve for {and_(short)}: stopped before a second epoch, too short "
            "to show a trend."
        )
    return ClassExperiments(
        intro=tuple(intro),
        runs=_runs_table(info) if diagnosis.runs else None,
        findings=findings,
        within_noise=diagnosis.notes,
        charts=tuple(charts),
        missing=tuple(missing),
    )


# ------------------------------------------------------------------ verification


@dataclass(frozen=True)
class ClassVerificationSection:
    summary: tuple[str, ...]
    trials: Table | None
    cv: tuple[str, ...]
    cv_table: Table | None
    earlier: tuple[str, ...] = ()
    """What the similar earlier analyses brought, and whether it won here."""


def _trial_row(i: int, t: ClassTrialInfo, ver: ClassVerificationInfo) -> tuple[str, ...]:
    cfg = t.config
    note = []
    if t.is_suggestion:
        note.append("suggestion")
    if t.history_id is not None:
        note.append(f"from earlier analysis {t.history_id}")
    if ver.chosen_trial is not None and t.trial_id == ver.chosen_trial:
        note.append("chosen")
    if t.cut:
        note.append("cut by the budget")
    return (
        str(i + 1),
        t.trial_id,
        ", ".join(str(layer.units) for layer in cfg.layers),
        "yes" if cfg.bidirectional else "no",
        cfg.pooling,
        per_layer(cfg.layers, "dropout"),
        as_typed(cfg.learning_rate),
        as_typed(cfg.l2),
        str(cfg.batch_size),
        fmt(t.val_loss),
        pct(t.val_accuracy),
        score(t.val_macro_f1),
        ", ".join(note),
    )


def _trials_table(ver: ClassVerificationInfo) -> Table | None:
    if not ver.trials:
        return None
    return Table(
        (
            "#",
            "Trial",
            "Units",
            "Both ways",
            "Pooling",
            "Dropout",
            "Learning rate",
            "L2",
            "Batch",
            "Val cross-entropy",
            "Val accuracy",
            "Val macro-F1",
            "Note",
        ),
        tuple(_trial_row(i, t, ver) for i, t in enumerate(ver.trials)),
        tuple(t.is_suggestion for t in ver.trials),
    )


def _side(name: str, s: CvSideInfo) -> tuple[str, ...]:
    return (name, str(s.n), fmt(s.mean), fmt(s.std), pct(s.accuracy), score(s.macro_f1))


def cv_view(cv: ClassCvInfo | None) -> tuple[tuple[str, ...], Table | None]:
    if cv is None:
        return (
            "Cross-validation did not run in this analysis: the suggestion and the other "
            "settings were each scored once, on the same validation sequences, so a small "
            "difference between them may be luck.",
        ), None
    how = [plural(n, w) for n, w in ((cv.folds, "fold"), (cv.seeds, "seed")) if n]
    lines = [
        "Stratified cross-validation trained the suggestion and the search's best again on "
        "other splits of the training and validation sequences, each class in every fold"
        + (f" ({' × '.join(how)})" if how else "")
        + ", so the spread below shows how much a score moves by chance."
    ]
    gain = cv.improvement
    if gain is not None and cv.best is not None:
        size = pct(abs(gain), 1 if abs(gain) < 0.1 else 0)
        if cv.beyond_noise:
            who = "search's best" if gain > 0 else "suggestion"
            lines.append(
                f"The {who} had {size} lower cross-entropy on average, beyond the noise "
                "(a paired t-test at 95%): a real difference."
            )
        else:
            lines.append(
                f"The two differ by {size} in cross-entropy on average, within the noise "
                "(a paired t-test at 95%): about equally good."
            )
    if cv.cut:
        lines.append("Cut to fit: " + "; ".join(cv.cut) + ".")
    sides = [("The suggestion", cv.suggestion), ("The search's best", cv.best)]
    rows = tuple(_side(name, s) for name, s in sides if s is not None)
    table = (
        Table(
            (
                "Configuration",
                "Trainings",
                "Mean cross-entropy",
                "Spread (std)",
                "Mean accuracy",
                "Mean macro-F1",
            ),
            rows,
        )
        if rows
        else None
    )
    return tuple(lines), table


def verification_section(info: ClassDocumentInfo) -> ClassVerificationSection | None:
    ver = info.verification
    if ver is None:
        return None
    tuner = TUNER_WORDS.get(ver.tuner.lower(), ver.tuner)
    summary = []
    if ver.verdict == "provisional":
        summary.append(ver.verdict_reason or "The time budget cut part of the search.")
    else:
        summary.append(VERDICT_WORDS.get(ver.verdict, f"Verdict: {ver.verdict}."))
    of = f" of at most {ver.max_trials}" if ver.max_trials else ""
    summary.append(
        f"It tried {plural(len(ver.trials), 'setting')}{of} with {tuner}, ranked on "
        "validation cross-entropy: the suggestion scored "
        f"{fmt(ver.suggestion_val_loss)}, the best trial {fmt(ver.best_val_loss)}."
    )
    if ver.verdict_reason and ver.verdict != "provisional":
        summary.append(ver.verdict_reason)
    if ver.widen:
        summary.append(
            "Settings whose best value sat at the edge of the range: " + ", ".join(ver.widen) + "."
        )
    cv_lines, cv_table = cv_view(ver.cv)
    scored = [(t.trial_id, t.history_id, t.val_accuracy) for t in ver.trials]
    earlier = earlier_lines(info.history, scored, "a validation accuracy", lower_is_better=False)
    return ClassVerificationSection(tuple(summary), _trials_table(ver), cv_lines, cv_table, earlier)


# ---------------------------------------------------------------- what was left


def not_checked(info: ClassDocumentInfo) -> tuple[str, ...]:
    """Everything that limits the advice: an interrupted run, a stage that did not run,
    what the budget or the data cut, what a baseline was reduced to."""
    lines = []
    if info.partial:
        lines.append(
            "The run was interrupted before every stage finished; the same command resumes it "
            "from what it kept."
        )
    diagnosis, ver = info.diagnosis, info.verification
    if not diagnosis.runs:
        lines.append("No diagnostic training ran, so the settings rest on the rules' defaults.")
    budget = set(diagnosis.budget_cut)
    if budget:
        lines.append(
            "Cut from the diagnostics by the time budget: " + "; ".join(diagnosis.budget_cut) + "."
        )
    others = [c for c in diagnosis.cut if c not in budget]
    if others:
        lines.append("Left out of the diagnostics: " + "; ".join(others) + ".")
    if ver is None:
        lines.append("The verification search and cross-validation did not run.")
    else:
        if ver.budget_cut:
            lines.append(
                "Cut from the verification by the time budget: " + "; ".join(ver.budget_cut) + "."
            )
        lines += list(ver.notes)
        if ver.cv is None:
            lines.append("Cross-validation did not run.")
    if info.final is None:
        lines.append("The final training and test did not run: there are no test scores.")
    elif info.verdict is not None and not info.test_baselines:
        lines.append("The baselines were not scored on the test sequences.")
    if info.verdict is None:
        lines.append("No baseline could be scored, so the LSTM was not compared with one.")
    lines += [f"{b.label}: {b.note}" for b in info.profile.baselines if b.capped and b.note]
    lines += _uncompared(info)
    # Notes from several stages may say one cut twice: each once, as a sentence.
    lines = [line if line.endswith((".", "!", "?")) else line + "." for line in lines]
    return tuple(dict.fromkeys(lines)) or ("Nothing was cut: every planned stage ran in full.",)


def _uncompared(info: ClassDocumentInfo) -> list[str]:
    # A finding of "no difference" is not a finding: said here, so nobody reads the
    # advice as tested where the validation sequences could not tell.
    v = info.verdict
    if v is not None and v.val_band is not None and v.val_band.high == float("inf"):
        return [
            f"The LSTM against {v.label} on validation: {v.val_band.origins} sequences are too "
            "few to draw a noise band"
        ]
    return []


def keras_code(info: ClassDocumentInfo) -> tuple[str, str]:
    """The configuration trained last as a Keras 3 model definition, and a sentence on it."""
    from advisor.core.class_models import fold_patch
    from advisor.final.class_script import class_keras_snippet

    intro = (
        "The model the advisor recommends, in Keras 3: the same layers it trained, its "
        "settings written in, for your own training code. Sequences of any length, padded "
        "with MASK after their end."
    )
    if info.final is not None and info.final.script_path:
        intro += " model.py in the run folder also reads your file, keeps out the same test "
        intro += "sequences, prepares them as the advisor did and trains this model."
    config, longest = info.final_config, info.data.longest
    # Files from before the longest was recorded were averaged down, never folded.
    patch = 1 if longest is None else fold_patch(longest, config.max_length)
    code = class_keras_snippet(config, len(info.data.channels), len(info.data.classes), None, patch)
    return intro, code


def files(info: ClassDocumentInfo) -> tuple[Fact, ...]:
    final = info.final
    if final is None:
        return ()
    facts = []
    if final.model_path:
        facts.append(Fact("Trained model", final.model_path))
    if final.script_path:
        facts.append(
            Fact("model.py (rebuilds and trains the final configuration)", final.script_path)
        )
    return tuple(facts)


__all__ = [
    "ClassExperiments",
    "ClassVerificationSection",
    "cv_view",
    "experiments_section",
    "files",
    "keras_code",
    "not_checked",
    "reproducibility",
    "verification_section",
    "versions_table",
]
