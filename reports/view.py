"""What the report says, in plain language, built from ``recommendation.json`` alone.

``build_view(doc)`` turns the document dict into display strings and chart data; the
HTML template and the terminal summary only lay these out. Where a stage did not run
its part is ``None`` (or left out of a sentence), never filled with made-up numbers.
Strings here are plain text: escaping is the renderer's job.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from advisor.reports import charts
from advisor.reports.charts import ChartData

# --------------------------------------------------------------------------- types


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    highlight: tuple[bool, ...] = ()
    """Per row: draw it emphasised (the suggestion, the best score)."""


@dataclass(frozen=True)
class ChartView:
    key: str
    """Unique on the page: the HTML id and the SVG id salt."""
    title: str
    caption: str
    """One sentence saying what the chart shows."""
    data: ChartData


@dataclass(frozen=True)
class SettingRow:
    setting: str
    """The ``config`` key (``units`` stands for the units of every layer)."""
    label: str
    value: str
    why: str
    confidence: str
    """Of the rule that set it, as a percentage; empty where no rule did."""
    rule_ids: tuple[str, ...]
    evidence: str
    reasons: tuple[tuple[str, str], ...] = ()
    """(rule id, rationale) per applied rule, where several shaped the value."""
    final_value: str = ""
    """The final model's value where the verification changed it, else empty."""


@dataclass(frozen=True)
class FindingView:
    id: str
    summary: str
    confidence: str
    evidence: str


@dataclass(frozen=True)
class Term:
    term: str
    meaning: str


@dataclass(frozen=True)
class Fact:
    label: str
    value: str


@dataclass(frozen=True)
class DataSection:
    facts: tuple[str, ...]
    notices: tuple[str, ...]
    baselines: Table | None
    charts: tuple[ChartView, ...]


@dataclass(frozen=True)
class ExperimentsSection:
    intro: tuple[str, ...]
    runs: Table | None
    """``None`` where no diagnostic training ran."""
    findings: tuple[FindingView, ...]
    charts: tuple[ChartView, ...]


@dataclass(frozen=True)
class VerificationSection:
    summary: tuple[str, ...]
    trials: Table
    charts: tuple[ChartView, ...]


@dataclass(frozen=True)
class FinalSection:
    summary: tuple[str, ...]
    metrics: Table | None
    charts: tuple[ChartView, ...]


@dataclass(frozen=True)
class ReportView:
    title: str
    headline: str
    verdict: tuple[str, ...]
    settings: tuple[SettingRow, ...]
    settings_refined: bool
    """Whether any row has a ``final_value`` (the template adds a column)."""
    settings_notes: tuple[str, ...]
    ranges: Table | None
    data: DataSection
    experiments: ExperimentsSection
    verification: VerificationSection | None
    final: FinalSection | None
    next_steps: tuple[str, ...]
    glossary: tuple[Term, ...]
    snippet_intro: str
    snippet: str
    reproducibility: tuple[Fact, ...]
    versions: Table | None

    @property
    def charts(self) -> tuple[ChartView, ...]:
        sections = (self.data, self.experiments, self.verification, self.final)
        return tuple(c for s in sections if s is not None for c in s.charts)


# ----------------------------------------------------------------------- formatting


def fmt(x: float | int | None, digits: int = 3) -> str:
    """A number with ``digits`` significant digits (no padding zeros), thousands
    separated; "n/a" where the document holds no value (JSON null for NaN)."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, int) or abs(x) >= 10**digits:
        return f"{x:,.0f}"
    return f"{x:.{digits}g}"


def pct(x: float | None, digits: int = 0) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{x:.{digits}%}"


def _p(p: float) -> str:
    """A p-value as statisticians write it."""
    return "< 0.001" if p < 0.001 else f"{p:.2g}"


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else plural or word + 's'}"


def _g(x: float | int) -> str:
    """A setting as the user would type it (0.001, 1e-05, 64)."""
    return f"{x:g}" if isinstance(x, float) else str(x)


# ---------------------------------------------------------------------- wording

METRIC_LABELS = {"rmse": "RMSE", "mae": "MAE", "mase": "MASE", "smape": "sMAPE", "mape": "MAPE"}
BASELINE_WORDS = {
    "naive": "repeat the last known value",
    "seasonal_naive": "repeat the value one season earlier",
    "mean": "predict the training average",
    "drift": "extend the line from the first to the last value",
}
STATIONARITY_WORDS = {
    "stationary": "The series keeps a stable level and spread over time (it is stationary), "
    "so it can be modelled as it is.",
    "trend-stationary": "The series follows a trend and is stable around it (trend-stationary).",
    "difference-stationary": "The series wanders without returning to a fixed level "
    "(difference-stationary); modelling the change from one step to the next helps.",
    "unclear": "The two stationarity tests disagree, so whether the level is stable "
    "over time is unclear.",
}
FREQUENCY_WORDS = {
    "D": "day",
    "B": "business day",
    "h": "hour",
    "H": "hour",
    "min": "minute",
    "T": "minute",
    "s": "second",
    "S": "second",
    "W": "week",
    "MS": "month",
    "M": "month",
    "ME": "month",
    "QS": "quarter",
    "Q": "quarter",
    "QE": "quarter",
    "YS": "year",
    "Y": "year",
    "A": "year",
    "AS": "year",
    "YE": "year",
}
STOP_WORDS = {
    "completed": "ran all epochs",
    "early_stopping": "early stopping",
    "nan": "loss became undefined (NaN)",
    "budget": "time budget ran out",
}
VERDICT_WORDS = {
    "confirmed": "The verification search confirmed the suggestion: no setting it tried did "
    "clearly better.",
    "refined": "The verification search found settings that did better on the validation "
    "rows; the final model uses them.",
    "widen": "The verification search found its best settings at the edge of the ranges it "
    "searched, so better settings may lie outside them.",
}
FINDING_ADVICE = {
    "overfitting": "The model learns the training rows better than it generalises: more "
    "data, or stronger dropout or L2, will help more than a bigger model.",
    "underfitting": "The model is too simple for the series: try more units or a longer lookback.",
    "not_converged": "Training had not settled when it stopped: allow more epochs.",
    "diverging": "Training was unstable: try a smaller learning rate.",
    "noisy_validation": "Validation scores jumped from epoch to epoch: a longer series or a "
    "larger batch size would make the comparison steadier.",
}

GLOSSARY = (
    Term(
        "Units",
        "The width of an LSTM layer: how many numbers it uses to remember the "
        "past. More units can learn more complex patterns but need more data.",
    ),
    Term(
        "Dropout",
        "During training, randomly ignore a share of the inputs to a layer, so "
        "the model cannot lean on any single one. It fights overfitting.",
    ),
    Term(
        "Recurrent dropout",
        "The same idea applied to the layer's memory from one time step to the next.",
    ),
    Term(
        "L2", "A small penalty on large weights that keeps the model simple and fights overfitting."
    ),
    Term("Lookback", "How many past time steps the model sees to make one forecast."),
    Term("Horizon", "How many steps ahead the model forecasts at once."),
    Term(
        "Overfitting",
        "The model memorises the training rows, noise included, and does worse on new rows.",
    ),
    Term(
        "Underfitting",
        "The model is too simple, or trained too briefly, to capture the "
        "pattern even on the training rows.",
    ),
    Term(
        "Early stopping",
        "Stop training once the validation score has not improved for a "
        "set number of epochs (the patience), and keep the best model seen.",
    ),
    Term(
        "Learning rate",
        "How big a step the training takes each time it adjusts the "
        "weights. Too big is unstable, too small is slow.",
    ),
    Term(
        "Validation split",
        "Rows after the training rows, kept out of training and used to compare settings fairly.",
    ),
    Term(
        "Baseline",
        "A simple rule, such as repeating the last value, that any useful model must beat.",
    ),
    Term(
        "RMSE",
        "Root mean squared error: the typical forecast error in the target's own "
        "units, with large errors weighing more. Lower is better.",
    ),
    Term(
        "MASE",
        "Mean absolute scaled error: the average error divided by that of a simple "
        "seasonal repeat on the training rows. Below 1 beats that simple rule.",
    ),
)

# ------------------------------------------------------------------- comparisons


@dataclass(frozen=True)
class Comparison:
    """The final model's test RMSE against the best baseline's."""

    model_rmse: float
    baseline: str
    baseline_rmse: float

    @property
    def change(self) -> float:
        """Relative difference; negative means the LSTM's error is lower."""
        return (self.model_rmse - self.baseline_rmse) / self.baseline_rmse

    @property
    def lstm_wins(self) -> bool:
        return self.model_rmse < self.baseline_rmse


def _defined(x: Any) -> bool:
    return x is not None and math.isfinite(float(x))


def compare_to_baselines(doc: dict[str, Any]) -> Comparison | None:
    final = doc.get("final")
    if not final:
        return None
    model: Any = (final.get("test_metrics") or {}).get("rmse")
    scored = [
        (name, float(m["rmse"]))
        for name, m in (final.get("baseline_test_metrics") or {}).items()
        if _defined(m.get("rmse"))
    ]
    if not _defined(model) or not scored:
        return None
    name, rmse = min(scored, key=lambda nr: nr[1])
    if rmse <= 0:
        return None  # a perfect baseline leaves no meaningful ratio
    return Comparison(float(model), name, rmse)


def _comparison_words(c: Comparison) -> str:
    direction = "lower" if c.lstm_wins else "higher"
    return (
        f"On the held-out test rows the LSTM's RMSE is {fmt(c.model_rmse)}, "
        f"{pct(abs(c.change))} {direction} than the best simple baseline "
        f"({c.baseline}: {fmt(c.baseline_rmse)})."
    )


# ------------------------------------------------------------------------ settings

SETTING_LABELS = {
    "lookback": "Lookback (history per forecast)",
    "layers": "LSTM layers",
    "units": "Units per layer",
    "dropout": "Dropout",
    "recurrent_dropout": "Recurrent dropout",
    "l2": "L2 weight penalty",
    "learning_rate": "Learning rate",
    "batch_size": "Batch size",
    "epochs": "Epochs (at most)",
    "early_stopping_patience": "Early-stopping patience",
    "scaling": "Scaling",
    "differencing": "Differencing",
}
# Rule files may name a setting by a path or a synonym; they all land on one row.
SETTING_ALIASES = {
    "n_layers": "layers",
    "num_layers": "layers",
    "depth": "layers",
    "lr": "learning_rate",
    "patience": "early_stopping_patience",
    "window": "lookback",
    "diff": "differencing",
    "scaler": "scaling",
}
SCALING_WORDS = {
    "standard": "standardise (mean 0, spread 1, from the training rows)",
    "minmax": "rescale to 0–1 (from the training rows)",
    "none": "none",
}


def setting_key(setting: str) -> str:
    """``layers[0].units`` -> ``units``; ``lr`` -> ``learning_rate``."""
    key = setting.strip().lower().split(".")[-1].split("[")[0]
    return SETTING_ALIASES.get(key, key)


def _per_layer(layers: Sequence[dict[str, Any]], field: str) -> str:
    values = [layer[field] for layer in layers]
    if len(set(values)) == 1:
        return _g(values[0])
    return ", ".join(_g(v) for v in values)


def _differencing_words(d: int) -> str:
    if d == 0:
        return "none"
    return "first difference (the change per step)" if d == 1 else f"difference {d} times"


def setting_values(config: dict[str, Any]) -> dict[str, str]:
    layers = config["layers"]
    return {
        "lookback": _plural(int(config["lookback"]), "step"),
        "layers": str(len(layers)),
        "units": ", ".join(str(layer["units"]) for layer in layers),
        "dropout": _per_layer(layers, "dropout"),
        "recurrent_dropout": _per_layer(layers, "recurrent_dropout"),
        "l2": _g(float(config["l2"])),
        "learning_rate": _g(float(config["learning_rate"])),
        "batch_size": str(config["batch_size"]),
        "epochs": str(config["epochs"]),
        "early_stopping_patience": _plural(int(config["early_stopping_patience"]), "epoch"),
        "scaling": SCALING_WORDS.get(str(config["scaling"]), str(config["scaling"])),
        "differencing": _differencing_words(int(config["differencing"])),
    }


def _evidence(evidence: dict[str, Any]) -> str:
    return ", ".join(
        f"{k} = {fmt(v) if isinstance(v, int | float) and not isinstance(v, bool) else v}"
        for k, v in evidence.items()
    )


def _setting_row(key: str, value: str, hits: Sequence[dict[str, Any]], final: str) -> SettingRow:
    """One row; ``hits`` are the applied rules for the setting, in the order they acted."""
    label = SETTING_LABELS.get(key, key)
    if not hits:
        return SettingRow(
            key,
            label,
            value,
            "No rule changed this; the advisor's default stands.",
            "",
            (),
            "",
            final_value=final,
        )
    return SettingRow(
        setting=key,
        label=label,
        value=value,
        why=" ".join(str(h["rationale"]).strip() for h in hits),
        # The first applied hit set the value (earlier sets were overridden); later ones
        # only nudge or bound it, and a hard limit's certainty says nothing of the choice.
        confidence=pct(float(hits[0]["confidence"])),
        rule_ids=tuple(str(h["rule"]) for h in hits),
        evidence="; ".join(_evidence(h.get("evidence") or {}) for h in hits if h.get("evidence")),
        reasons=tuple((str(h["rule"]), str(h["rationale"]).strip()) for h in hits),
        final_value=final,
    )


def final_config(doc: dict[str, Any]) -> dict[str, Any]:
    """The settings of the model actually trained last, else the recommendation's."""
    final = doc.get("final")
    return dict(final["config"]) if final else dict(doc["recommendation"]["config"])


def settings_rows(doc: dict[str, Any]) -> tuple[SettingRow, ...]:
    rec = doc["recommendation"]
    values = setting_values(rec["config"])
    after = setting_values(final_config(doc))
    applied: dict[str, list[dict[str, Any]]] = {}
    for hit in rec.get("rules_fired") or []:
        if hit.get("applied", True):
            applied.setdefault(setting_key(str(hit["setting"])), []).append(hit)
    rows = [
        _setting_row(key, value, applied.pop(key, []), after[key] if after[key] != value else "")
        for key, value in values.items()
    ]
    # A rule on a setting this report does not know still deserves its line.
    rows += [
        _setting_row(key, ", ".join(_g(h["value"]) for h in hits), hits, "")
        for key, hits in applied.items()
    ]
    return tuple(rows)


def settings_notes(doc: dict[str, Any]) -> tuple[str, ...]:
    rec = doc["recommendation"]
    notes = [
        f"Rule {h['rule']} would have set {h['setting']} to {_g(h['value'])}"
        + (
            f" but was overridden by {h['overridden_by']}."
            if h.get("overridden_by")
            else " but was not applied."
        )
        for h in rec.get("rules_fired") or []
        if not h.get("applied", True)
    ]
    not_fired = len(rec.get("rules_not_fired") or [])
    if not_fired:
        notes.append(f"{_plural(not_fired, 'other rule')} checked the evidence and did not apply.")
    return tuple(notes)


def ranges_table(doc: dict[str, Any]) -> Table | None:
    ranges = doc["recommendation"].get("ranges") or []
    if not ranges:
        return None
    rows = []
    for r in ranges:
        if r.get("choices"):
            text = ", ".join(_g(c) if isinstance(c, int | float) else str(c) for c in r["choices"])
        else:
            text = f"{_g(r['low'])} to {_g(r['high'])}" + (" (log scale)" if r.get("log") else "")
        key = setting_key(str(r["setting"]))
        rows.append((SETTING_LABELS.get(key, str(r["setting"])), text))
    return Table(("Setting", "Sensible range"), tuple(rows))


# ---------------------------------------------------------------------------- data


def _frequency_words(freq: str | None) -> str:
    if not freq:
        return ""
    unit = FREQUENCY_WORDS.get(freq.lstrip("0123456789").split("-")[0])
    return f", one row per {unit}" if unit and freq[0].isalpha() else f" (frequency {freq})"


def _size_facts(doc: dict[str, Any]) -> list[str]:
    data, profile = doc["data"], doc["profile"]
    horizon = int(data["horizon"])
    facts = [
        f"The file {data['path']} has {data['rows']:,} rows; the advisor forecasts the column "
        f"“{data['target']}” {_plural(horizon, 'step')} ahead."
    ]
    features = list(data.get("features") or [])
    if features:
        facts.append(
            f"{_plural(len(features), 'other numeric column')} also feed the model: "
            f"{', '.join(features)}."
        )
    else:
        facts.append("Only the target's own history feeds the model.")
    if data.get("time_column"):
        facts.append(
            f"Rows are ordered by the time column “{data['time_column']}”"
            f"{_frequency_words(data.get('frequency'))}."
        )
    split = profile["split"]
    facts.append(
        f"The first {split['train']:,} rows train the model, the next {split['validation']:,} "
        f"check the choices (validation), and the last {split['test']:,} are held back for the "
        "final test."
    )
    if profile.get("missing_share"):
        facts.append(
            f"{pct(float(profile['missing_share']), 1)} of the target's values were missing."
        )
    return facts


def _shape_facts(profile: dict[str, Any]) -> list[str]:
    facts = []
    if all(_defined(profile.get(k)) for k in ("mean", "std", "min", "max")):
        facts.append(
            f"On the training rows the target averages {fmt(profile['mean'])} (standard "
            f"deviation {fmt(profile['std'])}) and ranges from {fmt(profile['min'])} to "
            f"{fmt(profile['max'])}."
        )
    words = STATIONARITY_WORDS.get(str(profile.get("stationarity")))
    if words:
        tests = ""
        if _defined(profile.get("adf_pvalue")) and _defined(profile.get("kpss_pvalue")):
            tests = (
                f" (ADF test p = {_p(profile['adf_pvalue'])}, KPSS test "
                f"p = {_p(profile['kpss_pvalue'])})"
            )
        facts.append(words[:-1] + tests + ".")
    trend: Any = profile.get("trend_strength")
    if _defined(trend) and float(trend) >= 0.3:
        facts.append(f"A straight-line trend explains {pct(float(trend))} of its variation.")
    facts.append(_season_words(profile))
    facts.append(_lag_words(profile))
    return facts


def _season_words(profile: dict[str, Any]) -> str:
    period, source = profile.get("seasonal_period"), profile.get("season_source")
    if not period:
        return "No repeating cycle (season) was found."
    if source == "user":
        return f"You set the season to {_plural(int(period), 'step')}."
    return f"A repeating cycle of {_plural(int(period), 'step')} was found in the autocorrelation."


def _lag_words(profile: dict[str, Any]) -> str:
    lags = [int(k) for k in profile.get("significant_lags") or []]
    if not lags:
        return "No past value is clearly related to the current one beyond chance."
    shown = ", ".join(str(k) for k in lags[:12]) + (
        f" and {len(lags) - 12} more" if len(lags) > 12 else ""
    )
    return (
        f"The current value is clearly related to values up to {max(lags)} steps back "
        f"(significant lags: {shown})."
    )


def baselines_table(profile: dict[str, Any]) -> Table | None:
    baselines = profile.get("baselines") or []
    if not baselines:
        return None
    return Table(
        ("Baseline", "What it does", "Validation RMSE", "Validation MAE"),
        tuple(
            (
                b["name"],
                BASELINE_WORDS.get(b["name"], ""),
                fmt(b.get("val_rmse")),
                fmt(b.get("val_mae")),
            )
            for b in baselines
        ),
    )


def _chart(key: str, title: str, caption: str, data: ChartData | None) -> list[ChartView]:
    return [] if data is None else [ChartView(key, title, caption, data)]


def _acf_caption(acf: charts.BarChartData | None) -> str:
    if acf is None:
        return ""
    band = "" if acf.band is None else f" (outside the grey band of ±{fmt(acf.band, 2)})"
    return (
        f"How strongly the value k steps back relates to the current one, for k = 1 to "
        f"{len(acf.values)}; dark bars stand out from noise{band}, pale bars do not."
    )


def data_section(doc: dict[str, Any]) -> DataSection:
    profile = doc["profile"]
    acf = charts.acf_chart(doc)
    chart_list = _chart(
        "chart-series",
        "The series",
        f"The target “{doc['data']['target']}” row by row; dotted lines mark where validation "
        "and test begin.",
        charts.series_chart(doc),
    ) + _chart("chart-acf", "Autocorrelation", _acf_caption(acf), acf)
    notices = [*(doc["data"].get("notices") or []), *(profile.get("notes") or [])]
    return DataSection(
        facts=tuple(_size_facts(doc) + _shape_facts(profile)),
        notices=tuple(str(n) for n in notices),
        baselines=baselines_table(profile),
        charts=tuple(chart_list),
    )


# --------------------------------------------------------------------- experiments


def _runs_table(runs: Sequence[dict[str, Any]]) -> Table:
    rows = []
    for r in runs:
        best = [v for v in r.get("val_loss") or [] if _defined(v)]
        rows.append(
            (
                str(r["name"]),
                str(r["units"]),
                str(r["lookback"]),
                pct(float(r["train_fraction"])),
                fmt(int(r["params"])),
                str(len(r.get("train_loss") or [])),
                fmt(min(best) if best else None),
                fmt(r.get("val_rmse")),
                STOP_WORDS.get(str(r.get("stopped_reason")), str(r.get("stopped_reason"))),
                fmt(float(r.get("seconds") or 0), 2),
            )
        )
    return Table(
        (
            "Run",
            "Units",
            "Lookback",
            "Share of train",
            "Parameters",
            "Epochs",
            "Best val loss",
            "Val RMSE",
            "Stopped because",
            "Seconds",
        ),
        tuple(rows),
    )


def _finding(f: dict[str, Any]) -> FindingView:
    return FindingView(
        str(f["id"]),
        str(f["summary"]),
        pct(float(f["confidence"])),
        _evidence(f.get("evidence") or {}),
    )


def experiments_section(doc: dict[str, Any]) -> ExperimentsSection:
    diagnosis = doc.get("diagnosis") or {}
    runs = list(diagnosis.get("runs") or [])
    intro = []
    if diagnosis.get("planned"):
        intro.append(f"Plan: {diagnosis['planned']}")
    if diagnosis.get("cut"):
        intro.append(
            "Skipped to fit the time budget: " + ", ".join(map(str, diagnosis["cut"])) + "."
        )
    curves = charts.learning_curves(doc)
    chart_list = (
        _chart(
            "chart-curves",
            "Learning curves",
            "Training loss (solid) and validation loss (dashed) per epoch for each diagnostic run; "
            "validation rising while training keeps falling is the sign of overfitting.",
            tuple(curves) if curves else None,
        )
        + _chart(
            "chart-capacity",
            "Capacity",
            "The best validation loss reached at each LSTM width, on all training rows; the red "
            "dot is the width that did best.",
            charts.capacity_curve(doc),
        )
        + _chart(
            "chart-data-size",
            "Data size",
            "The best validation loss when training on part of the training rows; a curve still "
            "falling at 100% suggests more data would help.",
            charts.data_size_curve(doc),
        )
    )
    return ExperimentsSection(
        intro=tuple(intro),
        runs=_runs_table(runs) if runs else None,
        findings=tuple(_finding(f) for f in diagnosis.get("findings") or []),
        charts=tuple(chart_list),
    )


# -------------------------------------------------------------------- verification


def _trial_row(i: int, trial: dict[str, Any], best: float | None) -> tuple[str, ...]:
    cfg = trial["config"]
    note = "suggestion" if trial.get("is_suggestion") else ""
    if best is not None and trial.get("val_rmse") == best:
        note = f"{note}, best" if note else "best"
    layers = cfg["layers"]
    return (
        str(i + 1),
        str(trial["trial_id"]),
        ", ".join(str(layer["units"]) for layer in layers),
        str(cfg["lookback"]),
        _per_layer(layers, "dropout"),
        _g(float(cfg["learning_rate"])),
        _g(float(cfg["l2"])),
        str(cfg["batch_size"]),
        fmt(trial.get("val_rmse")),
        note,
    )


def trials_table(trials: Sequence[dict[str, Any]]) -> Table:
    scores = [float(t["val_rmse"]) for t in trials if _defined(t.get("val_rmse"))]
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
        tuple(bool(t.get("is_suggestion")) for t in trials),
    )


def verification_section(doc: dict[str, Any]) -> VerificationSection | None:
    ver = doc.get("verification")
    if not ver:
        return None
    trials = list(ver.get("trials") or [])
    summary = [VERDICT_WORDS.get(str(ver["verdict"]), f"Verdict: {ver['verdict']}.")]
    summary.append(
        f"It tried {_plural(len(trials), 'setting')} ({ver['tuner']}, "
        f"{fmt(float(ver.get('seconds') or 0), 2)} s): the suggestion scored a validation RMSE of "
        f"{fmt(ver.get('suggestion_val_rmse'))}, the best trial {fmt(ver.get('best_val_rmse'))}."
    )
    if ver.get("verdict_reason"):
        summary.append(str(ver["verdict_reason"]))
    if ver.get("widen"):
        summary.append(
            "Settings whose best value sat at the edge of the range: "
            + ", ".join(map(str, ver["widen"]))
            + "."
        )
    if ver.get("partial"):
        summary.append(
            "The time budget ran out before the search finished, so fewer trials ran than planned."
        )
    chart = _chart(
        "chart-trials",
        "Verification trials",
        "The validation RMSE of every trial (lower is better); the dark bar is the advisor's own "
        "suggestion and the dashed line the best simple baseline.",
        charts.trials_chart(doc),
    )
    return VerificationSection(tuple(summary), trials_table(trials), tuple(chart))


# --------------------------------------------------------------------------- final


def _metric_keys(final: dict[str, Any]) -> list[str]:
    keys = list(final.get("test_metrics") or {})
    for metrics in (final.get("baseline_test_metrics") or {}).values():
        keys += [k for k in metrics if k not in keys]
    return keys


def metrics_table(final: dict[str, Any]) -> Table | None:
    keys = _metric_keys(final)
    if not keys:
        return None
    named = [("LSTM (final model)", final.get("test_metrics") or {})]
    named += [
        (f"Baseline: {name}", m) for name, m in (final.get("baseline_test_metrics") or {}).items()
    ]
    rmses = [float(m["rmse"]) for _, m in named if _defined(m.get("rmse"))]
    best = min(rmses) if rmses else None
    return Table(
        ("Model", *(METRIC_LABELS.get(k, k) for k in keys)),
        tuple((name, *(fmt(m.get(k)) for k in keys)) for name, m in named),
        tuple(best is not None and m.get("rmse") == best for _, m in named),
    )


def _changed_settings(doc: dict[str, Any]) -> list[str]:
    before = setting_values(doc["recommendation"]["config"])
    after = setting_values(final_config(doc))
    return [SETTING_LABELS[k].lower() for k in before if before[k] != after[k]]


def final_section(doc: dict[str, Any]) -> FinalSection | None:
    final = doc.get("final")
    if not final:
        return None
    summary = []
    comparison = compare_to_baselines(doc)
    if comparison is not None:
        summary.append(_comparison_words(comparison))
    changed = _changed_settings(doc)
    if changed:
        summary.append(
            "The final model used the verification's settings, which differ from the "
            "suggestion in: " + ", ".join(changed) + "."
        )
    summary.append(f"Training the final model took {fmt(float(final.get('seconds') or 0), 2)} s.")
    if final.get("model_path"):
        summary.append(f"The trained model was saved to {final['model_path']}.")
    chart = _chart(
        "chart-forecast",
        "Test forecast",
        "The final model's forecast (dashed) against what actually happened on the held-out "
        "test rows.",
        charts.forecast_chart(doc),
    )
    return FinalSection(tuple(summary), metrics_table(final), tuple(chart))


# ------------------------------------------------------------------------- verdict


def _model_words(config: dict[str, Any]) -> str:
    layers = config["layers"]
    units = ", ".join(str(layer["units"]) for layer in layers)
    shape = (
        f"one LSTM layer of {units} units"
        if len(layers) == 1
        else f"{len(layers)} LSTM layers of {units} units"
    )
    return f"{shape} that looks back {_plural(int(config['lookback']), 'step')}"


def _as_sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _findings_words(doc: dict[str, Any]) -> str | None:
    diagnosis = doc.get("diagnosis") or {}
    if not diagnosis.get("runs"):
        return None
    summaries = [str(f["summary"]) for f in diagnosis.get("findings") or []]
    n = len(diagnosis["runs"])
    runs = "The short diagnostic training" if n == 1 else f"The {n} short diagnostic trainings"
    if not summaries:
        return f"{runs} flagged no problem."
    return f"{runs} showed: " + " ".join(_as_sentence(s) for s in summaries)


def verdict_sentences(doc: dict[str, Any]) -> tuple[str, ...]:
    data = doc["data"]
    sentences = [
        f"For “{data['target']}”, {_plural(int(data['horizon']), 'step')} ahead, the advisor "
        f"recommends {_model_words(doc['recommendation']['config'])}."
    ]
    findings = _findings_words(doc)
    if findings:
        sentences.append(findings)
    ver = doc.get("verification")
    if ver:
        sentences.append(VERDICT_WORDS.get(str(ver["verdict"]), f"Verdict: {ver['verdict']}."))
    comparison = compare_to_baselines(doc)
    if comparison is not None:
        sentences.append(_comparison_words(comparison))
        if not comparison.lstm_wins:
            sentences.append(
                "A simple baseline forecasts this series at least as well as the LSTM."
            )
    if doc["recommendation"].get("baseline_warning"):
        sentences.append(
            "Warning: in the diagnostic trainings the LSTM did not clearly beat the "
            "simple baselines."
        )
    return tuple(sentences)


def headline(doc: dict[str, Any]) -> str:
    parts = [f"Use {_model_words(doc['recommendation']['config'])}"]
    ver = doc.get("verification")
    if ver:
        parts.append(
            {
                "confirmed": "confirmed by the search",
                "refined": "refined by the search",
                "widen": "the search suggests widening its ranges",
            }.get(str(ver["verdict"]), str(ver["verdict"]))
        )
    comparison = compare_to_baselines(doc)
    if comparison is not None:
        parts.append(
            f"test RMSE {pct(abs(comparison.change))} "
            f"{'below' if comparison.lstm_wins else 'above'} the best baseline"
        )
    return "; ".join(parts) + "."


# ---------------------------------------------------------------------- next steps


def next_steps(doc: dict[str, Any]) -> tuple[str, ...]:
    steps: list[str] = []
    comparison = compare_to_baselines(doc)
    if (comparison is not None and not comparison.lstm_wins) or doc["recommendation"].get(
        "baseline_warning"
    ):
        steps.append(
            "Weigh the simple baseline before investing more: it is cheaper and, here, "
            "about as accurate."
        )
    ids = [str(f["id"]) for f in (doc.get("diagnosis") or {}).get("findings") or []]
    steps += [FINDING_ADVICE[i] for i in ids if i in FINDING_ADVICE]
    ver = doc.get("verification")
    if ver is None:
        steps.append(
            "The verification search did not run: give the analysis a larger time "
            "budget to check the suggestion against alternatives."
        )
    elif ver.get("partial"):
        steps.append(
            "Give the analysis a larger time budget so the verification search can finish."
        )
    if ver and ver.get("verdict") == "widen":
        steps.append(
            "Search wider ranges for: " + ", ".join(map(str, ver.get("widen") or [])) + "."
        )
    if doc.get("final") is None:
        steps.append(
            "The final test did not run: train with the snippet below and check it on "
            "rows the model has never seen before relying on it."
        )
    if (doc.get("diagnosis") or {}).get("cut"):
        steps.append(
            "Some diagnostic runs were skipped for time; a larger budget makes the advice firmer."
        )
    if doc["data"].get("notices") or doc["profile"].get("notes"):
        steps.append("Read the data notices above: they describe changes made to your file.")
    if doc["profile"].get("stationarity") == "unclear":
        steps.append(
            "Try the model with and without differencing: the stationarity tests disagreed."
        )
    steps.append(
        "Retrain on all your data with the snippet below, keeping the same scaling "
        "and differencing, and watch the validation loss."
    )
    return tuple(steps)


# ------------------------------------------------------------------------- snippet


def _scaling_comment(scaling: str) -> list[str]:
    if scaling == "standard":
        return [
            "# Scaling: fit sklearn's StandardScaler on the training rows only, transform",
            "# every split with it, and inverse-transform the forecasts.",
        ]
    if scaling == "minmax":
        return [
            "# Scaling: fit sklearn's MinMaxScaler on the training rows only, transform",
            "# every split with it, and inverse-transform the forecasts.",
        ]
    return ["# Scaling: none; the values are used as they are."]


def _differencing_comment(d: int) -> list[str]:
    if d == 0:
        return ["# Differencing: none; the model sees the series as it is."]
    return [
        f"# Differencing: model np.diff(y, n={d}) (the change per step) and add the last",
        "# known value(s) back to the forecasts (np.cumsum) to return to the original units.",
    ]


def keras_snippet(config: dict[str, Any], horizon: int, n_features: int) -> str:
    """Keras 3 code that builds and trains the recommended model; valid Python."""
    layers = config["layers"]
    lines = [
        "import keras",
        "",
        f"LOOKBACK = {int(config['lookback'])}  # past steps per forecast",
        f"HORIZON = {int(horizon)}  # steps forecast at once",
        f"N_FEATURES = {int(n_features)}  # the target plus the other numeric inputs",
        "",
        *_scaling_comment(str(config["scaling"])),
        *_differencing_comment(int(config["differencing"])),
        "# x_*: arrays of shape (windows, LOOKBACK, N_FEATURES); y_*: (windows, HORIZON).",
        "",
        "model = keras.Sequential([",
        "    keras.Input(shape=(LOOKBACK, N_FEATURES)),",
    ]
    for i, layer in enumerate(layers):
        lines += [
            "    keras.layers.LSTM(",
            f"        {int(layer['units'])},",
            f"        dropout={float(layer['dropout'])!r},",
            f"        recurrent_dropout={float(layer['recurrent_dropout'])!r},",
            f"        kernel_regularizer=keras.regularizers.L2({float(config['l2'])!r}),",
            f"        return_sequences={i < len(layers) - 1},",
            "    ),",
        ]
    lines += [
        "    keras.layers.Dense(HORIZON),",
        "])",
        "model.compile(",
        f"    optimizer=keras.optimizers.Adam(learning_rate={float(config['learning_rate'])!r}),",
        '    loss="mse",',
        ")",
        "early_stopping = keras.callbacks.EarlyStopping(",
        '    monitor="val_loss",',
        f"    patience={int(config['early_stopping_patience'])},",
        "    restore_best_weights=True,",
        ")",
        "model.fit(",
        "    x_train, y_train,",
        "    validation_data=(x_val, y_val),",
        f"    epochs={int(config['epochs'])},",
        f"    batch_size={int(config['batch_size'])},",
        "    callbacks=[early_stopping],",
        ")",
    ]
    return "\n".join(lines) + "\n"


def _snippet_intro(doc: dict[str, Any]) -> str:
    if doc.get("final") and _changed_settings(doc):
        return (
            "Keras 3 code for the final model's settings (the verification's refinement of "
            "the suggestion). Replace x_train, y_train, x_val and y_val with your windows."
        )
    return (
        "Keras 3 code for the recommended settings. Replace x_train, y_train, x_val and "
        "y_val with your windows."
    )


# ------------------------------------------------------------------ reproducibility


def reproducibility(doc: dict[str, Any]) -> tuple[Fact, ...]:
    run, data = doc.get("run") or {}, doc["data"]
    facts = [
        Fact("Command", str(run.get("command") or "not recorded")),
        Fact("Run folder", str(run.get("dir") or "not recorded")),
        Fact("Random seed", str(run.get("seed", "not recorded"))),
        Fact("Data file", str(data["path"])),
        Fact("Data SHA-256", str(data["sha256"])),
    ]
    if run.get("budget_s") is not None:
        facts.append(Fact("Time budget", f"{fmt(float(run['budget_s']))} s"))
    if run.get("seconds") is not None:
        facts.append(Fact("Time taken", f"{fmt(float(run['seconds']))} s"))
    facts.append(Fact("Document schema version", str(doc.get("schema_version"))))
    return tuple(facts)


def versions_table(doc: dict[str, Any]) -> Table | None:
    versions = (doc.get("run") or {}).get("versions") or {}
    if not versions:
        return None
    rows = tuple((str(k), str(v)) for k, v in sorted(versions.items()))
    return Table(("Package", "Version"), rows)


# ------------------------------------------------------------------------- the view


def build_view(doc: dict[str, Any]) -> ReportView:
    settings = settings_rows(doc)
    data = doc["data"]
    return ReportView(
        title=f"LSTM advice for “{data['target']}”",
        headline=headline(doc),
        verdict=verdict_sentences(doc),
        settings=settings,
        settings_refined=any(row.final_value for row in settings),
        settings_notes=settings_notes(doc),
        ranges=ranges_table(doc),
        data=data_section(doc),
        experiments=experiments_section(doc),
        verification=verification_section(doc),
        final=final_section(doc),
        next_steps=next_steps(doc),
        glossary=GLOSSARY,
        snippet_intro=_snippet_intro(doc),
        snippet=keras_snippet(
            final_config(doc), int(data["horizon"]), 1 + len(data.get("features") or [])
        ),
        reproducibility=reproducibility(doc),
        versions=versions_table(doc),
    )
