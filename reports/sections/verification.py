"""Verification: what the search tried and what it concluded, its trials table and
chart, and the walk-forward cross-validation's reading of how much a score moves by chance.

A search that scored nothing beside the suggestion claims nothing about it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from advisor.reports import chart_data
from advisor.reports.info import CvInfo, DocumentInfo, TrialInfo, VerificationInfo, defined
from advisor.reports.sections.common import ChartView, Table, as_typed, chart, fmt, pct, plural
from advisor.reports.sections.earlier import earlier_lines
from advisor.reports.sections.settings import per_layer
from advisor.reports.wording import CV_NAMES, TUNER_WORDS, UNCOMPARED_WORDS, VERDICT_WORDS


@dataclass(frozen=True)
class VerificationSection:
    summary: tuple[str, ...]
    trials: Table
    charts: tuple[ChartView, ...]
    cv: tuple[str, ...] = ()
    """What the cross-validation's spread says, or that it did not run."""
    cv_table: Table | None = None
    earlier: tuple[str, ...] = ()
    """What the similar earlier analyses brought, and whether it won here."""


def verdict_words(ver: VerificationInfo) -> str:
    """The search's conclusion in a sentence, or that it compared nothing; where a user's
    budget cut anything, that first (the reason says what, and what budget would not)."""
    if ver.verdict == "provisional" and ver.verdict_reason:
        return ver.verdict_reason
    if not ver.compared:
        return UNCOMPARED_WORDS
    return VERDICT_WORDS.get(ver.verdict, f"Verdict: {ver.verdict}.")


def _trial_row(i: int, trial: TrialInfo, best: float | None) -> tuple[str, ...]:
    cfg = trial.config
    note = "suggestion" if trial.is_suggestion else ""
    if trial.history_id is not None:
        note = f"from earlier analysis {trial.history_id}"
    if best is not None and trial.val_rmse == best:
        note = f"{note}, best" if note else "best"
    return (
        str(i + 1),
        trial.trial_id,
        ", ".join(str(layer.units) for layer in cfg.layers),
        str(cfg.lookback),
        per_layer(cfg.layers, "dropout"),
        as_typed(cfg.learning_rate),
        as_typed(cfg.l2),
        str(cfg.batch_size),
        fmt(trial.val_rmse),
        note,
    )


def trials_table(trials: Sequence[TrialInfo]) -> Table:
    scores = [t.val_rmse for t in trials if defined(t.val_rmse)]
    best = min(scores) if scores else None
    return Table(
        (
            "#",
            "Trial",
            "Units",
            "Lookback",
            "Dropout",
            "Learning rate",
            "L2",
            "Batch",
            "Val RMSE",
            "Note",
        ),
        tuple(_trial_row(i, t, best) for i, t in enumerate(trials)),
        tuple(t.is_suggestion for t in trials),
    )


def _tuner_words(tuner: str) -> str:
    return TUNER_WORDS.get(tuner.lower().replace("-", "").replace(" ", ""), tuner)


def _cv_reading(cv: CvInfo) -> str | None:
    """Whether the suggestion and the best differ beyond the noise, in plain words."""
    sugg, best = cv.by_name("suggestion"), cv.by_name("best")
    if sugg is None or best is None:
        return None
    gain = cv.improvement
    if cv.beyond_noise is not None and gain is not None:
        size = pct(abs(gain), 1 if abs(gain) < 0.1 else 0)
        if cv.beyond_noise:
            who = "search's best" if gain > 0 else "suggestion"
            return (
                f"The {who} did better by {size} on average, paired fold "
                "by fold and seed by seed, and that is beyond the noise (a paired t-test at "
                "95%): a real difference, not luck."
            )
        return (
            f"The two differ by {size} on average, within the noise (a "
            "paired t-test at 95%): they are about equally good."
        )
    if sugg.spread is None or best.spread is None:
        return None
    gap = abs(sugg.mean - best.mean)
    if gap <= max(sugg.spread, best.spread):
        return (
            f"The suggestion ({fmt(sugg.mean)}) and the search's best ({fmt(best.mean)}) "
            "differ by less than the spread: they are about equally good."
        )
    winner = "suggestion" if sugg.mean < best.mean else "search's best"
    return (
        f"The {winner} is better by {fmt(gap)}, more than the spread across folds: "
        "a real difference, not luck."
    )


def cv_view(cv: CvInfo | None) -> tuple[tuple[str, ...], Table | None]:
    if cv is None:
        return (
            "Cross-validation did not run in this analysis: the suggestion and the other "
            "settings were each scored once, on the same validation rows, so a difference of "
            "a few percent between them may be luck.",
        ), None
    how = [plural(n, word) for n, word in ((cv.folds, "fold"), (cv.seeds, "seed")) if n]
    lines = [
        "Walk-forward cross-validation trained each configuration again on growing stretches "
        "of the series and scored it on the stretch that followed"
        + (f" ({' × '.join(how)})" if how else "")
        + ", so the spread below shows how much a score moves by chance."
    ]
    reading = _cv_reading(cv)
    if reading:
        lines.append(reading)
    if cv.cut:
        lines.append("Cut to fit: " + "; ".join(cv.cut) + ".")
    with_runs = any(c.scores for c in cv.candidates)
    table = Table(
        (
            "Configuration",
            "Trainings",
            "Mean val RMSE" if with_runs else "Mean score",
            "Spread (std)",
            "Lowest",
            "Highest",
        ),
        tuple(
            (
                CV_NAMES.get(c.name, c.name),
                str(len(c.scores)) if c.scores else "n/a",
                fmt(c.mean),
                fmt(c.spread),
                fmt(min(c.scores)) if c.scores else "n/a",
                fmt(max(c.scores)) if c.scores else "n/a",
            )
            for c in cv.candidates
        ),
    )
    return tuple(lines), table


def verification_section(info: DocumentInfo) -> VerificationSection | None:
    ver = info.verification
    if ver is None:
        return None
    summary = [verdict_words(ver)]
    summary.append(
        f"It tried {plural(len(ver.trials), 'setting')} with {_tuner_words(ver.tuner)} "
        f"({fmt(ver.seconds, 2)} s): the suggestion scored a validation RMSE "
        f"of {fmt(ver.suggestion_val_rmse)}, the best trial "
        f"{fmt(ver.best_val_rmse)}."
    )
    if ver.verdict_reason and ver.compared and ver.verdict != "provisional":
        summary.append(ver.verdict_reason)
    if ver.widen:
        summary.append(
            "Settings whose best value sat at the edge of the range: " + ", ".join(ver.widen) + "."
        )
    if ver.partial:
        summary.append(
            "The time budget ran out before the search finished, so fewer trials ran than planned."
        )
    trials_chart = chart(
        "chart-trials",
        "Verification trials",
        "The validation RMSE of every trial (lower is better); the dark bar is the advisor's own "
        "suggestion and the dashed line the best simple baseline.",
        chart_data.trials_chart(info),
    )
    cv_lines, cv_table = cv_view(ver.cv)
    return VerificationSection(
        tuple(summary),
        trials_table(ver.trials),
        tuple(trials_chart),
        cv_lines,
        cv_table,
        earlier_words(info) + pretrained_words(info) + panel_words(info),
    )


def panel_words(info: DocumentInfo) -> tuple[str, ...]:
    """Pretraining across the file's series against per-series training, series by
    series; nothing for a file of one series."""
    p = info.panel
    if p is None:
        return ()
    lines = [
        f"The file holds {p.series} series ({p.series_col}); this analysis chose its "
        f"settings on the longest, {p.lead}. One model of those settings was pretrained "
        f"on {plural(len(p.pretrained_on), 'other series', 'other series')} "
        f"({plural(p.pretrain_windows, 'window')}, {fmt(p.pretrain_seconds, 2)} s), then "
        "fine-tuned on each compared series against training it there from scratch, on "
        "the same folds and seeds; the pretraining never saw the compared series."
    ]
    words = {"fine_tuned": "fine-tuning wins", "scratch": "from scratch wins"}
    for s in p.compared:
        c = s.comparison
        if c.improvement is None:
            lines.append(f"{s.series}: nothing was compared.")
            continue
        lines.append(
            f"{s.series} ({plural(s.rows, 'row')}): validation RMSE {fmt(c.fine_tuned_rmse)} "
            f"fine-tuned, {fmt(c.scratch_rmse)} from scratch, a gain of "
            f"{c.improvement:+.1%}: {words.get(c.winner, 'neither wins beyond the noise')}."
        )
    lines += list(p.notes)
    return tuple(lines)


def pretrained_words(info: DocumentInfo) -> tuple[str, ...]:
    """Fine-tuning the pretrained model against training from scratch: which won, by
    how much, at what cost; nothing where no pretrained model was given."""
    p = info.pretrained
    if p is None:
        return ()
    shape = (
        f"{len(p.units)} LSTM layer(s) of {', '.join(str(u) for u in p.units)} units"
        if p.units
        else "its layers"
    )
    head = (
        "; its output layer replaced, since it forecast another horizon" if p.head_replaced else ""
    )
    lines = [
        f"The pretrained model {p.path} ({shape} over a {p.lookback}-step window{head}) was "
        "fine-tuned (its output layer first, then every layer at a tenth of the learning "
        "rate) on the same walk-forward folds and seeds as the chosen configuration "
        "trained from scratch."
    ]
    if p.improvement is None or not defined(p.fine_tuned_rmse):
        lines.append("No fine-tuning finished, so nothing was compared.")
    else:
        figures = (
            f"validation RMSE {fmt(p.fine_tuned_rmse)} fine-tuned against "
            f"{fmt(p.scratch_rmse)} from scratch over {plural(p.pairs, 'training')}, a mean "
            f"gain of {p.improvement:+.1%}"
            + (f" ± {p.improvement_stderr:.1%}" if p.improvement_stderr is not None else "")
        )
        verdict = {
            "fine_tuned": "Fine-tuning wins beyond the noise",
            "scratch": "Training from scratch wins beyond the noise",
        }.get(p.winner, "Neither wins beyond the noise")
        cost = ""
        if defined(p.fine_tune_seconds) and defined(p.scratch_seconds):
            cost = (
                f"; a fine-tuning took {fmt(p.fine_tune_seconds, 2)} s, a training from "
                f"scratch {fmt(p.scratch_seconds, 2)} s"
            )
        lines.append(f"{verdict} ({figures}){cost}.")
        lines.append(
            "The final model is trained from scratch either way; the comparison says "
            "whether starting from the pretrained model is worth it on data like this."
        )
    lines += list(p.notes)
    return tuple(lines)


def earlier_words(info: DocumentInfo) -> tuple[str, ...]:
    """Which earlier analyses looked like this one, whether their settings won here, and
    this analysis' own record; nothing where the history was off."""
    trials = info.verification.trials if info.verification else ()
    scored = [(t.trial_id, t.history_id, t.val_rmse) for t in trials]
    return earlier_lines(info.history, scored, "a validation RMSE", lower_is_better=True)
