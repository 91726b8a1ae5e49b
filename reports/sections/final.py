"""Final test: how the final model scored on the untouched test rows against the
baselines, which settings it trained with and for how long, and its forecast chart.
"""

from __future__ import annotations

from dataclasses import dataclass

from advisor.reports import chart_data
from advisor.reports.info import DocumentInfo, FinalInfo, defined
from advisor.reports.sections.common import (
    ChartView,
    Table,
    chart,
    compare_to_baselines,
    comparison_words,
    fmt,
    plural,
)
from advisor.reports.sections.settings import changed_settings
from advisor.reports.wording import METRIC_LABELS, baseline_words


@dataclass(frozen=True)
class FinalSection:
    summary: tuple[str, ...]
    metrics: Table | None
    charts: tuple[ChartView, ...]


def _metric_keys(final: FinalInfo) -> list[str]:
    keys = list(final.test_metrics)
    for metrics in final.baseline_test_metrics.values():
        keys += [k for k in metrics if k not in keys]
    return keys


def metrics_table(final: FinalInfo, season: int | None = None) -> Table | None:
    """The LSTM's test scores, then every baseline's, best RMSE first; the best row of all
    highlighted. ``season`` is the primary season, for the seasonal naive baseline's words."""
    keys = _metric_keys(final)
    if not keys:
        return None
    ranked = sorted(
        final.baseline_test_metrics.items(),
        key=lambda nm: (not defined(r := nm[1].get("rmse")), r if defined(r) else 0.0),
    )
    named = [("LSTM (final model)", "the recommended LSTM", final.test_metrics)]
    named += [(f"Baseline: {name}", baseline_words(name, season) or "", m) for name, m in ranked]
    rmses = [rmse for _, _, m in named if defined(rmse := m.get("rmse"))]
    best = min(rmses) if rmses else None
    return Table(
        ("Model", "What it is", *(METRIC_LABELS.get(k, k) for k in keys)),
        tuple((name, words, *(fmt(m.get(k)) for k in keys)) for name, words, m in named),
        tuple(best is not None and m.get("rmse") == best for _, _, m in named),
    )


def _epochs_words(info: DocumentInfo) -> str | None:
    if info.final is None:
        return None
    before, after = info.recommendation.config.epochs, info.final.config.epochs
    if before == after:
        return None
    return (
        f"It trained on the training and validation rows together for "
        f"{plural(after, 'epoch')}, the count at which its validation score was best during "
        f"verification (the suggestion allowed up to {before})."
    )


def _members_words(final: FinalInfo) -> str | None:
    """How many trainings the model averages, and how far apart they were alone."""
    if len(final.seeds) < 2:
        return None
    alone = [v for v in final.member_rmse if v is not None]
    spread = (
        f" Alone, their test RMSEs ran from {fmt(min(alone), 4)} to {fmt(max(alone), 4)}: "
        "the average depends less on any one seed."
        if len(alone) == len(final.seeds)
        else ""
    )
    return (
        f"It averages the forecasts of {len(final.seeds)} trainings of these settings "
        f"(seeds {', '.join(map(str, final.seeds))}).{spread}"
    )


def _ahead_words(info: DocumentInfo) -> str:
    """The forecast in the document is the first step of each test forecast."""
    return "one step ahead" if info.data.horizon > 1 else "for the next step"


def final_section(info: DocumentInfo) -> FinalSection | None:
    final = info.final
    if final is None:
        return None
    summary = []
    comparison = compare_to_baselines(info)
    if comparison is not None:
        summary.append(comparison_words(comparison))
    changed = changed_settings(info)
    if changed:
        summary.append(
            "The final model used the verification's settings, which differ from the "
            "suggestion in: " + ", ".join(changed) + "."
        )
    else:
        summary.append("The final model used the suggested settings.")
    epochs = _epochs_words(info)
    if epochs:
        summary.append(epochs)
    members = _members_words(final)
    if members:
        summary.append(members)
    summary.append(f"Training the final model took {fmt(final.seconds, 2)} s.")
    if final.model_path:
        summary.append(f"The trained model was saved to {final.model_path}.")
    forecast = chart(
        "chart-forecast",
        "Test forecast",
        f"The final model's forecast {_ahead_words(info)} (dashed) against what actually "
        "happened, on rows it never saw in training; where the dashed line follows the solid "
        "one the model is right.",
        chart_data.forecast_chart(info),
    )
    return FinalSection(
        tuple(summary), metrics_table(final, info.profile.seasonal_period), tuple(forecast)
    )
