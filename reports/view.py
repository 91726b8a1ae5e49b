"""What the report says, in plain language, built from ``recommendation.json`` alone.

``build_view(doc)`` turns the document dict into display strings and chart data; the
HTML template and the terminal summary only lay these out. Where a stage did not run
its part is ``None`` (or left out of a sentence), never filled with made-up numbers.
Strings here are plain text: escaping is the renderer's job.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard

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
    """What the file holds and how it was split."""
    findings: tuple[str, ...]
    """What the profile found in the series, in plain words."""
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
    missing: tuple[str, ...] = ()
    """One sentence per experiment chart that could not be drawn, saying why."""


@dataclass(frozen=True)
class VerificationSection:
    summary: tuple[str, ...]
    trials: Table
    charts: tuple[ChartView, ...]
    cv: tuple[str, ...] = ()
    """What the cross-validation's spread says, or that it did not run."""
    cv_table: Table | None = None


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
    "ets": "exponential smoothing: a classic statistical forecast from the recent level, "
    "trend and season",
    "arima": "ARIMA: a classic statistical forecast from past values and past errors",
    "theta": "the theta method: a classic statistical forecast of level and trend",
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
    "diverged": "loss grew without bound (diverged)",
    "budget": "time budget ran out",
}
UNCOMPARED_WORDS = (
    "The verification search ran out of time after training the suggestion alone, so it "
    "could not compare it with other settings: the suggestion is untested."
)
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
    Term("Epoch", "One pass of the training over every training row."),
    Term(
        "Batch size",
        "How many training windows the model looks at before each adjustment of its weights.",
    ),
    Term(
        "Loss",
        "The error the training minimises, here the mean squared error on rescaled values: "
        "training loss on the rows it learns from, validation loss on rows it does not.",
    ),
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
        "Cross-validation",
        "Training and scoring several times on different stretches of the series, so the "
        "spread of the scores shows how much of a difference is luck.",
    ),
    Term(
        "Season",
        "A pattern that repeats after a fixed number of steps, such as 12 months or 7 days.",
    ),
    Term(
        "Autocorrelation",
        "How closely the series follows its own values a number of steps (the lag) earlier.",
    ),
    Term(
        "Differencing",
        "Modelling the change from one step to the next instead of the value itself; it "
        "removes a trend, and the forecasts are added back up afterwards.",
    ),
    Term(
        "Scaling",
        "Rescaling the values to a small, common range before training, which neural "
        "networks need to learn well.",
    ),
    Term(
        "Rule",
        "A named piece of expert advice in the advisor's rulebook; it fires when the "
        "evidence from your data meets its condition, with a confidence saying how sure it is.",
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
        "MAE",
        "Mean absolute error: the average size of a forecast error, in the target's own units.",
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


def _defined(x: Any) -> TypeGuard[int | float]:
    """A finite number (JSON null stands for NaN; anything else is not a number)."""
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


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
        f"{pct(abs(c.change))} {direction} than the best baseline "
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
    if d == 1:
        return "first difference (the change per step)"
    return f"seasonal difference (the change since {d} steps back)"


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


def _evidence_value(v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    return fmt(v) if isinstance(v, int | float) else str(v)


def _evidence(evidence: dict[str, Any], seen: set[str] | None = None) -> str:
    """``name = value`` pairs; names already in ``seen`` are left out (and added to it)."""
    seen = set() if seen is None else seen
    pairs = []
    for k, v in evidence.items():
        if k not in seen:
            seen.add(k)
            pairs.append(f"{k} = {_evidence_value(v)}")
    return ", ".join(pairs)


def _hits_evidence(hits: Sequence[dict[str, Any]]) -> str:
    """The evidence of several rules, each fact named once."""
    seen: set[str] = set()
    parts = [_evidence(h.get("evidence") or {}, seen) for h in hits]
    return "; ".join(p for p in parts if p)


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
        evidence=_hits_evidence(hits),
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


def _choice_words(key: str, choice: Any) -> str:
    if key == "differencing" and isinstance(choice, int) and not isinstance(choice, bool):
        return _differencing_words(choice)
    if key == "scaling":
        return SCALING_WORDS.get(str(choice), str(choice)).split(" (")[0]
    return _g(choice) if isinstance(choice, int | float) else str(choice)


def ranges_table(doc: dict[str, Any]) -> Table | None:
    ranges = doc["recommendation"].get("ranges") or []
    if not ranges:
        return None
    rows = []
    for r in ranges:
        key = setting_key(str(r["setting"]))
        choices = [_choice_words(key, c) for c in r.get("choices") or []]
        if len(choices) == 1:
            text = f"kept at {choices[0]}"
        elif choices:
            text = ", ".join(choices)
        else:
            text = f"{_g(r['low'])} to {_g(r['high'])}" + (" (log scale)" if r.get("log") else "")
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
            f"{_plural(len(features), 'other numeric column')} also "
            f"{'feeds' if len(features) == 1 else 'feed'} the model: "
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
    facts += _seasonality_facts(profile)
    facts.append(_lag_words(profile))
    facts += _complexity_facts(profile) + _quality_facts(profile) + _size_budget_facts(profile)
    return facts


def _section(profile: dict[str, Any], key: str) -> dict[str, Any]:
    """A probe's sub-section of the profile; empty where an older document has none."""
    value = profile.get(key)
    return value if isinstance(value, dict) else {}


def _strength_words(x: float) -> str:
    return "strong" if x >= 0.6 else "moderate" if x >= 0.3 else "weak"


def _seasonality_facts(profile: dict[str, Any]) -> list[str]:
    season = _section(profile, "seasonality")
    facts = []
    periods = [int(p) for p in season.get("periods") or [] if isinstance(p, int)]
    if len(periods) > 1:
        facts.append(
            "It repeats on more than one cycle: every "
            + _and([str(p) for p in periods])
            + " steps."
        )
    strength = season.get("seasonal_strength")
    if profile.get("seasonal_period") and _defined(strength):
        facts.append(
            f"The seasonal pattern is {_strength_words(strength)} (seasonal strength "
            f"{fmt(strength, 2)} on a scale from 0, none, to 1, all of the variation)."
        )
    return facts


def _complexity_facts(profile: dict[str, Any]) -> list[str]:
    cx = _section(profile, "complexity")
    facts = []
    r2 = cx.get("ar_r2")
    if _defined(r2):
        of = "the next change" if cx.get("differenced") else "the next value"
        facts.append(
            f"A simple linear model of the last few values predicts {pct(max(0.0, r2))} of "
            f"the variation of {of}."
        )
    p = cx.get("bds_pvalue")
    test = f" (BDS test p = {_p(p)})" if _defined(p) else ""
    if cx.get("nonlinear") is True:
        facts.append(
            f"What the linear model misses still has structure{test}: a pattern an LSTM can "
            "learn and a linear model cannot."
        )
    elif cx.get("nonlinear") is False:
        facts.append(
            f"What the linear model misses looks like noise{test}, so a simpler statistical "
            "model may forecast about as well as an LSTM."
        )
    return facts


def _quality_facts(profile: dict[str, Any]) -> list[str]:
    q = _section(profile, "quality")
    facts = []
    outliers = q.get("outliers")
    if isinstance(outliers, int) and outliers > 0:
        share = q.get("outlier_share")
        facts.append(
            f"{_plural(outliers, 'value')}"
            + (f" ({pct(share, 1)})" if _defined(share) else "")
            + " of the training rows stand far from the usual pattern (outliers)."
        )
    shifts = [int(r) for r in q.get("level_shifts") or [] if isinstance(r, int)]
    if shifts:
        facts.append(
            f"The level jumps and stays there {_plural(len(shifts), 'time')} in the training "
            f"rows (at row {_and([f'{r + 1:,}' for r in shifts])})."
        )
    if q.get("heavy_tails") is True:
        facts.append("Large surprises are more common than a bell curve would give (heavy tails).")
    ratio = q.get("spread_ratio")
    if _defined(ratio) and (ratio >= 2 or 0 < ratio <= 0.5):
        way = "grows" if ratio >= 2 else "shrinks"
        facts.append(
            f"The noise {way} over time: it is {fmt(ratio, 2)} times as large in the last third "
            "of the training rows as in the first."
        )
    linked = [
        c
        for c in q.get("covariates") or []
        if isinstance(c, dict) and c.get("significant") and _defined(c.get("correlation"))
    ]
    for c in linked:
        facts.append(
            f"“{c['name']}” {_plural(int(c['lag']), 'step')} earlier moves with the target "
            f"(correlation {fmt(c['correlation'], 2)}), so it can help the forecast."
        )
    return facts


def _size_budget_facts(profile: dict[str, Any]) -> list[str]:
    size = _section(profile, "size")
    windows, units = size.get("train_windows"), size.get("max_units")
    if not isinstance(windows, int) or not isinstance(units, int) or windows <= 0:
        return []
    return [
        f"The training rows give {_plural(windows, 'window')} (stretches of history with "
        f"what followed) to learn from: enough for an LSTM of up to {_plural(units, 'unit')} "
        "by the advisor's rule of thumb on weights per window."
    ]


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


def _season_caption(pattern: charts.SeasonalPattern | None) -> str:
    if pattern is None:
        return ""
    at = "in" if pattern.named and pattern.labels[0] in charts.MONTHS else "at"
    where = (
        f"{at} {pattern.peak}" if pattern.named else f"at step {pattern.peak} of {pattern.period}"
    )
    low = f"{at} {pattern.trough}" if pattern.named else f"at step {pattern.trough}"
    return (
        f"The repeating cycle of {_plural(pattern.period, 'step')}, averaged over "
        f"{pattern.seasons} seasons with the slow trend taken out: the series is highest "
        f"{where} and lowest {low}; the shaded band holds the middle half of the seasons, "
        "so a narrow band means a regular pattern."
    )


def data_section(doc: dict[str, Any]) -> DataSection:
    profile = doc["profile"]
    acf = charts.acf_chart(doc)
    pattern = charts.seasonal_pattern(doc)
    chart_list = (
        _chart(
            "chart-series",
            "The series",
            f"The target “{doc['data']['target']}” row by row; dotted lines mark where "
            "validation and test begin.",
            charts.series_chart(doc),
        )
        + _chart(
            "chart-season",
            "Seasonal pattern",
            _season_caption(pattern),
            charts.seasonal_chart(doc),
        )
        + _chart("chart-acf", "Autocorrelation", _acf_caption(acf), acf)
    )
    notices = [*(doc["data"].get("notices") or []), *(profile.get("notes") or [])]
    return DataSection(
        facts=tuple(_size_facts(doc)),
        findings=tuple(_shape_facts(profile)),
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


def _differencing_comparison(compared: dict[str, Any] | None) -> list[str]:
    """One sentence on which target the small models learned best."""
    if not compared or not compared.get("runs"):
        return []

    def target(lag: int) -> str:
        return "the values themselves" if lag == 0 else _differencing_words(lag)

    scores = ", ".join(
        f"{target(int(r['differencing']))}: {fmt(r['val_rmse'])}" for r in compared["runs"]
    )
    chosen = _differencing_words(int(compared["chosen"]))
    return [
        "Before the capacity sweep, the same small LSTM learned each candidate target; "
        f"validation RMSE {scores}. Every later run learned: {chosen}."
    ]


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
    intro.extend(_differencing_comparison(diagnosis.get("differencing")))
    curves = charts.learning_curves(doc)
    short = [str(r["name"]) for r in runs if charts.learning_curve(r) is None]
    capacity, data_size = charts.capacity_curve(doc), charts.data_size_curve(doc)
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
            _capacity_caption(capacity),
            capacity,
        )
        + _chart(
            "chart-data-size",
            "Data size",
            _data_size_caption(data_size),
            data_size,
        )
    )
    return ExperimentsSection(
        intro=tuple(intro),
        runs=_runs_table(runs) if runs else None,
        findings=tuple(_finding(f) for f in diagnosis.get("findings") or []),
        charts=tuple(chart_list),
        missing=_missing_experiments(doc, {c.key for c in chart_list}, short) if runs else (),
    )


# A change in validation loss smaller than this share is read as "no change".
FLAT = 0.05


def _capacity_caption(chart: charts.LineChartData | None) -> str:
    if chart is None:
        return ""
    (line,), best = chart.lines, chart.marks[0].x
    widths = f"{best:g} units"
    if best == max(line.x):
        verdict = (
            f"the widest model tried ({widths}) did best, so a wider one might do better still."
        )
    elif best == min(line.x):
        verdict = (
            f"the narrowest model tried ({widths}) did best: wider ones only learned the "
            "training rows more closely."
        )
    else:
        verdict = f"{widths} did best; both narrower and wider models did worse."
    return (
        "The best validation loss at each LSTM width, trained on all training rows (lower is "
        f"better; the red dot marks the best): {verdict}"
    )


def _data_size_caption(chart: charts.LineChartData | None) -> str:
    if chart is None:
        return ""
    (line,) = chart.lines
    last, before = line.y[-1], line.y[-2]
    intro = (
        "The best validation loss when the same model trained on part of the training rows "
        "(lower is better): "
    )
    if last is None or before is None or before <= 0:
        return intro + "a curve still falling at 100% suggests more data would help."
    share = pct(line.x[-2])
    if last < before * (1 - FLAT):
        return intro + (
            f"it was still falling from {share} to 100% of the rows, so more data of the same "
            "kind would likely help."
        )
    return intro + (
        f"it no longer fell from {share} to 100% of the rows, so more data of the same kind "
        "would likely help little."
    )


def _missing_experiments(
    doc: dict[str, Any], drawn: set[str], short: Sequence[str] = ()
) -> tuple[str, ...]:
    runs = _runs_list(doc)
    cut = (
        " Runs were skipped to fit the time budget (see above)."
        if ((doc.get("diagnosis") or {}).get("cut"))
        else ""
    )
    missing = []
    if short:
        missing.append(
            f"No learning curve for {_and(list(short))}: "
            + ("it" if len(short) == 1 else "they")
            + " stopped before a second epoch, too short to show a trend."
        )
    if "chart-capacity" not in drawn:
        widths = {r["units"] for r in runs if float(r["train_fraction"]) >= 1.0}
        missing.append(
            "No capacity curve: it compares two or more LSTM widths trained on all training "
            f"rows, and this analysis trained {_plural(len(widths), 'width')}." + cut
        )
    if "chart-data-size" not in drawn:
        missing.append(
            "No data-size curve: it needs the same model trained on two or more shares of the "
            "training rows, so whether more data would help was not measured." + cut
        )
    return tuple(missing)


def _runs_list(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return list((doc.get("diagnosis") or {}).get("runs") or [])


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


TUNER_WORDS = {
    "bayesian": "a Bayesian search, which picks each next setting from the scores so far",
    "random": "a random search",
    "randomsearch": "a random search",
    "hyperband": "a Hyperband search, which stops poor settings early",
    "grid": "a grid search",
}
CV_NAMES = {"suggestion": "The suggestion", "best": "The search's best", "baseline": "Baseline"}


def search_compared(ver: dict[str, Any] | None) -> bool:
    """Whether the search scored anything beside the suggestion (else it checked nothing)."""
    trials = (ver or {}).get("trials") or []
    return any(not t.get("is_suggestion") and _defined(t.get("val_rmse")) for t in trials)


def _tuner_words(tuner: str) -> str:
    return TUNER_WORDS.get(tuner.lower().replace("-", "").replace(" ", ""), tuner)


@dataclass(frozen=True)
class CvScores:
    name: str
    scores: tuple[float, ...]
    """Validation RMSE per (fold, seed) training; empty where only a summary is known."""
    mean: float
    spread: float | None
    """The standard deviation across folds and seeds; ``None`` with a single score."""


def _numbers(values: Any) -> tuple[float, ...]:
    if not isinstance(values, list):
        return ()
    return tuple(float(v) for v in values if _defined(v))


def _cv_scores(name: str, scores: tuple[float, ...], summary: Any) -> CvScores | None:
    """From per-training scores where there are any, else from a ``{mean, std}`` summary."""
    if scores:
        spread = statistics.stdev(scores) if len(scores) > 1 else None
        return CvScores(name, scores, statistics.fmean(scores), spread)
    if not isinstance(summary, dict) or not _defined(summary.get("mean")):
        return None
    std = summary.get("std")
    n = summary.get("n")
    return CvScores(
        name,
        (),
        float(summary["mean"]),
        float(std) if _defined(std) and (not isinstance(n, int) or n > 1) else None,
    )


def cv_candidates(ver: dict[str, Any]) -> list[CvScores]:
    """The configurations ``verification.cv`` scored: the suggestion, then the best.

    Read from ``runs`` (one ``{config, fold, seed, val_rmse}`` per training) where
    present, else from a per-configuration entry: a list of scores, ``{scores: [...]}``
    or a ``{mean, std, n}`` summary, at ``cv[name]`` or ``cv["scores"][name]``.
    """
    cv = ver.get("cv")
    if not isinstance(cv, dict):
        return []
    runs = [r for r in cv.get("runs") or [] if isinstance(r, dict)]
    listed: dict[str, Any] = cv["scores"] if isinstance(cv.get("scores"), dict) else cv
    names = ["suggestion", "best"] + [
        k for k in listed if k not in ("suggestion", "best") and k in CV_NAMES
    ]
    found = []
    for name in names:
        entry = listed.get(name)
        if runs:
            scores = _numbers([r.get("val_rmse") for r in runs if r.get("config") == name])
        elif isinstance(entry, dict):
            scores = _numbers(entry.get("scores", entry.get("val_rmse")))
        else:
            scores = _numbers(entry)
        candidate = _cv_scores(name, scores, entry)
        if candidate is not None:
            found.append(candidate)
    return found


def _cv_label(name: str) -> str:
    return CV_NAMES.get(name, name)


def _count(x: Any) -> int:
    return len(x) if isinstance(x, list) else int(x) if isinstance(x, int) else 0


def _cv_reading(cv: dict[str, Any], by_name: dict[str, CvScores]) -> str | None:
    """Whether the suggestion and the best differ beyond the noise, in plain words."""
    sugg, best = by_name.get("suggestion"), by_name.get("best")
    if sugg is None or best is None:
        return None
    gain = cv.get("improvement")
    if isinstance(cv.get("beyond_noise"), bool) and _defined(gain):
        if cv["beyond_noise"]:
            who = "search's best" if float(gain) > 0 else "suggestion"
            return (
                f"The {who} did better by {pct(abs(float(gain)), 1 if abs(float(gain)) < 0.1 else 0)} on average, paired fold "
                "by fold and seed by seed, and that is beyond the noise (a paired t-test at "
                "95%): a real difference, not luck."
            )
        return (
            f"The two differ by {pct(abs(float(gain)), 1 if abs(float(gain)) < 0.1 else 0)} on average, within the noise (a "
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


def cv_view(ver: dict[str, Any]) -> tuple[tuple[str, ...], Table | None]:
    candidates = cv_candidates(ver)
    if not candidates:
        return (
            "Cross-validation did not run in this analysis: the suggestion and the other "
            "settings were each scored once, on the same validation rows, so a difference of "
            "a few percent between them may be luck.",
        ), None
    cv = ver["cv"]
    how = [
        _plural(n, word)
        for n, word in ((_count(cv.get("folds")), "fold"), (_count(cv.get("seeds")), "seed"))
        if n
    ]
    lines = [
        "Walk-forward cross-validation trained each configuration again on growing stretches "
        "of the series and scored it on the stretch that followed"
        + (f" ({' × '.join(how)})" if how else "")
        + ", so the spread below shows how much a score moves by chance."
    ]
    reading = _cv_reading(cv, {c.name: c for c in candidates})
    if reading:
        lines.append(reading)
    cut = [str(c) for c in cv.get("cut") or []]
    if cut:
        lines.append("Cut to fit: " + "; ".join(cut) + ".")
    with_runs = any(c.scores for c in candidates)
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
                _cv_label(c.name),
                str(len(c.scores)) if c.scores else "n/a",
                fmt(c.mean),
                fmt(c.spread),
                fmt(min(c.scores)) if c.scores else "n/a",
                fmt(max(c.scores)) if c.scores else "n/a",
            )
            for c in candidates
        ),
    )
    return tuple(lines), table


def verification_section(doc: dict[str, Any]) -> VerificationSection | None:
    ver = doc.get("verification")
    if not ver:
        return None
    trials = list(ver.get("trials") or [])
    compared = search_compared(ver)
    if compared:
        summary = [VERDICT_WORDS.get(str(ver["verdict"]), f"Verdict: {ver['verdict']}.")]
    else:
        summary = [UNCOMPARED_WORDS]
    summary.append(
        f"It tried {_plural(len(trials), 'setting')} with {_tuner_words(str(ver['tuner']))} "
        f"({fmt(float(ver.get('seconds') or 0), 2)} s): the suggestion scored a validation RMSE "
        f"of {fmt(ver.get('suggestion_val_rmse'))}, the best trial "
        f"{fmt(ver.get('best_val_rmse'))}."
    )
    if ver.get("verdict_reason") and compared:
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
    cv_lines, cv_table = cv_view(ver)
    return VerificationSection(
        tuple(summary), trials_table(trials), tuple(chart), cv_lines, cv_table
    )


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
    """Settings the verification changed. Epochs are left out: the final model always
    trains for the epoch count early stopping found best, whatever the search chose."""
    before = setting_values(doc["recommendation"]["config"])
    after = setting_values(final_config(doc))
    return [SETTING_LABELS[k].lower() for k in before if k != "epochs" and before[k] != after[k]]


def _epochs_words(doc: dict[str, Any]) -> str | None:
    final = doc.get("final")
    if not final:
        return None
    before, after = int(doc["recommendation"]["config"]["epochs"]), int(final["config"]["epochs"])
    if before == after:
        return None
    return (
        f"It trained on the training and validation rows together for "
        f"{_plural(after, 'epoch')}, the count at which its validation score was best during "
        f"verification (the suggestion allowed up to {before})."
    )


def _ahead_words(doc: dict[str, Any]) -> str:
    """The forecast in the document is the first step of each test forecast."""
    return "one step ahead" if int(doc["data"]["horizon"]) > 1 else "for the next step"


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
    else:
        summary.append("The final model used the suggested settings.")
    epochs = _epochs_words(doc)
    if epochs:
        summary.append(epochs)
    summary.append(f"Training the final model took {fmt(float(final.get('seconds') or 0), 2)} s.")
    if final.get("model_path"):
        summary.append(f"The trained model was saved to {final['model_path']}.")
    chart = _chart(
        "chart-forecast",
        "Test forecast",
        f"The final model's forecast {_ahead_words(doc)} (dashed) against what actually "
        "happened, on rows it never saw in training; where the dashed line follows the solid "
        "one the model is right.",
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


# Short, plain names for the diagnosis' findings; the Experiments section has the detail.
FINDING_PHRASES = {
    "overfitting": "overfitting (the model learns its training rows better than new ones)",
    "underfitting": "underfitting (the model is too simple for the pattern)",
    "not_converged": "training that had not settled when it stopped",
    "diverging": "unstable training",
    "noisy_validation": "validation scores that jump from epoch to epoch",
}


def _and(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _findings_words(doc: dict[str, Any]) -> str | None:
    diagnosis = doc.get("diagnosis") or {}
    if not diagnosis.get("runs"):
        return None
    ids = list(dict.fromkeys(str(f["id"]) for f in diagnosis.get("findings") or []))
    n = len(diagnosis["runs"])
    runs = "The short diagnostic training" if n == 1 else f"The {n} short diagnostic trainings"
    phrases = [FINDING_PHRASES.get(i, i.replace("_", " ")) for i in ids if i not in QUIET]
    if not phrases:
        return f"{runs} flagged no problem."
    return f"{runs} showed {_and(phrases)}; the settings below answer that."


# Findings the verdict does not list: said elsewhere in it, or no problem at all.
QUIET = {"no_gain_over_baseline", "good_fit"}


def verdict_sentences(doc: dict[str, Any]) -> tuple[str, ...]:
    """The verdict paragraph: the advice, how it fared on the test, how far it was
    checked, what the experiments found, and the warnings."""
    data = doc["data"]
    sentences = [
        f"For “{data['target']}”, {_plural(int(data['horizon']), 'step')} ahead, the advisor "
        f"recommends {_model_words(doc['recommendation']['config'])}."
    ]
    comparison = compare_to_baselines(doc)
    if comparison is not None:
        sentences.append(_comparison_words(comparison))
        if not comparison.lstm_wins:
            sentences.append(
                "A simple baseline forecasts this series at least as well as the LSTM."
            )
    ver = doc.get("verification")
    if ver:
        sentences.append(
            VERDICT_WORDS.get(str(ver["verdict"]), f"Verdict: {ver['verdict']}.")
            if search_compared(ver)
            else UNCOMPARED_WORDS
        )
    findings = _findings_words(doc)
    if findings:
        sentences.append(findings)
    if doc["recommendation"].get("baseline_warning"):
        sentences.append(
            "Warning: in the short diagnostic trainings the LSTM did not beat the simple "
            "baselines on the validation rows"
            + (
                ", so its edge on the test rows may not hold on new data."
                if comparison is not None and comparison.lstm_wins
                else "."
            )
        )
    return tuple(sentences)


def headline(doc: dict[str, Any]) -> str:
    parts = [f"Use {_model_words(doc['recommendation']['config'])}"]
    ver = doc.get("verification")
    if ver and not search_compared(ver):
        parts.append("not yet checked against other settings")
    elif ver:
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
    if comparison is not None and not comparison.lstm_wins:
        steps.append(
            "Weigh the simple baseline before investing more: it is cheaper and, here, "
            "at least as accurate."
        )
    elif doc["recommendation"].get("baseline_warning"):
        steps.append(
            "Keep the simple baseline in view: the LSTM lost to it in the diagnostic trainings"
            + (
                f" and beat it by only {pct(abs(comparison.change))} on the test rows."
                if comparison is not None and comparison.change > -0.2
                else "."
            )
        )
    ids = [str(f["id"]) for f in (doc.get("diagnosis") or {}).get("findings") or []]
    steps += [FINDING_ADVICE[i] for i in ids if i in FINDING_ADVICE]
    ver = doc.get("verification")
    if ver is None:
        steps.append(
            "The verification search did not run: give the analysis a larger time "
            "budget to check the suggestion against alternatives."
        )
    elif not search_compared(ver):
        steps.append(
            "Give the analysis a larger time budget: the verification search had no time to "
            "try any setting beside the suggestion."
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
    if d == 1:
        return [
            "# Differencing: model np.diff(y) (the change per step) and add the last",
            "# known value back to the forecasts (np.cumsum) to return to the original units.",
        ]
    return [
        f"# Differencing: model y[t] - y[t - {d}] (the change since one season back) and add",
        f"# the value {d} steps back (observed, or forecast earlier) to each forecast step.",
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
