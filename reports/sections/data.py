"""Your data: what the file holds and how it was split, what the probes found in the
series (in plain words, with the tests' numbers), every season the probe weighed and how
well each forecasts, the notices, the baselines (best first: the best is the bar), and
the series, seasonal-pattern and autocorrelation charts.

A probe an older document lacks leaves its sentences out rather than guessing them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from advisor.reports import chart_data
from advisor.reports.info import (
    BaselineInfo,
    DocumentInfo,
    ProfileInfo,
    SeasonCandidateInfo,
    defined,
)
from advisor.reports.sections.common import (
    ChartView,
    Table,
    and_,
    chart,
    fmt,
    p_value,
    pct,
    plural,
)
from advisor.reports.wording import (
    FREQUENCY_WORDS,
    SEASON_SOURCE_WORDS,
    STATIONARITY_WORDS,
    baseline_words,
    season_verdict_words,
)

# Rows of the season table; further candidates are counted below it, not listed (a long
# series can have dozens, most of them weak).
MAX_SEASON_ROWS = 8


@dataclass(frozen=True)
class DataSection:
    facts: tuple[str, ...]
    """What the file holds and how it was split."""
    findings: tuple[str, ...]
    """What the profile found in the series, in plain words."""
    notices: tuple[str, ...]
    """What intake changed in the file."""
    seasons: Table | None
    """Every period the season probe weighed (the best forecasters first), the primary one
    highlighted; None where the document has no candidates."""
    season_summary: tuple[str, ...]
    """Which season is the primary one and why, and how many candidates the table leaves out."""
    baselines: Table | None
    """Best first, the best highlighted."""
    bar: str | None
    """The best baseline on validation, in one sentence: the bar the LSTM has to clear."""
    notes: tuple[str, ...]
    """What the probes and baselines could not do, or did on part of the rows only."""
    charts: tuple[ChartView, ...]


def _frequency_words(freq: str | None) -> str:
    if not freq:
        return ""
    unit = FREQUENCY_WORDS.get(freq.lstrip("0123456789").split("-")[0])
    return f", one row per {unit}" if unit and freq[0].isalpha() else f" (frequency {freq})"


def _size_facts(info: DocumentInfo) -> list[str]:
    data, profile = info.data, info.profile
    facts = [
        f"The file {data.path} has {data.rows:,} rows; the advisor forecasts the column "
        f"“{data.target}” {plural(data.horizon, 'step')} ahead."
    ]
    features = data.features
    if features:
        facts.append(
            f"{plural(len(features), 'other numeric column')} also "
            f"{'feeds' if len(features) == 1 else 'feed'} the model: "
            f"{', '.join(features)}."
        )
    else:
        facts.append("Only the target's own history feeds the model.")
    if data.time_column:
        facts.append(
            f"Rows are ordered by the time column “{data.time_column}”"
            f"{_frequency_words(data.frequency)}."
        )
    split = profile.split
    facts.append(
        f"The first {split.train:,} rows train the model, the next {split.validation:,} "
        f"check the choices (validation), and the last {split.test:,} are held back for the "
        "final test."
    )
    if profile.missing_share:
        facts.append(f"{pct(profile.missing_share, 1)} of the target's values were missing.")
    return facts


def _shape_facts(profile: ProfileInfo) -> list[str]:
    facts = []
    mean, std, low, high = profile.mean, profile.std, profile.minimum, profile.maximum
    if defined(mean) and defined(std) and defined(low) and defined(high):
        facts.append(
            f"On the training rows the target averages {fmt(mean)} (standard "
            f"deviation {fmt(std)}) and ranges from {fmt(low)} to {fmt(high)}."
        )
    words = STATIONARITY_WORDS.get(str(profile.stationarity))
    if words:
        tests = ""
        adf, kpss = profile.adf_pvalue, profile.kpss_pvalue
        if defined(adf) and defined(kpss):
            tests = f" (ADF test p = {p_value(adf)}, KPSS test p = {p_value(kpss)})"
        facts.append(words[:-1] + tests + ".")
    trend = profile.trend_strength
    if defined(trend) and trend >= 0.3:
        facts.append(f"A straight-line trend explains {pct(trend)} of its variation.")
    facts.append(_season_words(profile))
    facts += _seasonality_facts(profile)
    facts.append(_lag_words(profile))
    facts += _complexity_facts(profile) + _quality_facts(profile) + _size_budget_facts(profile)
    return facts


def _strength_words(x: float) -> str:
    return "strong" if x >= 0.6 else "moderate" if x >= 0.3 else "weak"


def _seasonality_facts(profile: ProfileInfo) -> list[str]:
    facts = []
    periods = profile.periods
    if len(periods) > 1:
        facts.append(
            "It repeats on more than one cycle: every "
            + and_([str(p) for p in periods])
            + " steps."
        )
    strength = profile.seasonal_strength
    if profile.seasonal_period and defined(strength):
        facts.append(
            f"The seasonal pattern is {_strength_words(strength)} (seasonal strength "
            f"{fmt(strength, 2)} on a scale from 0, none, to 1, all of the variation)."
        )
    return facts


def _complexity_facts(profile: ProfileInfo) -> list[str]:
    facts = []
    r2 = profile.ar_r2
    if defined(r2):
        of = "the next change" if profile.ar_differenced else "the next value"
        facts.append(
            f"A simple linear model of the last few values predicts {pct(max(0.0, r2))} of "
            f"the variation of {of}."
        )
    p = profile.bds_pvalue
    test = f" (BDS test p = {p_value(p)})" if defined(p) else ""
    if profile.nonlinear is True:
        facts.append(
            f"What the linear model misses still has structure{test}: a pattern an LSTM can "
            "learn and a linear model cannot."
        )
    elif profile.nonlinear is False:
        facts.append(
            f"What the linear model misses looks like noise{test}, so a simpler statistical "
            "model may forecast about as well as an LSTM."
        )
    return facts


def _quality_facts(profile: ProfileInfo) -> list[str]:
    facts = []
    outliers = profile.outliers
    if outliers is not None and outliers > 0:
        share = profile.outlier_share
        facts.append(
            f"{plural(outliers, 'value')}"
            + (f" ({pct(share, 1)})" if defined(share) else "")
            + " of the training rows stand far from the usual pattern (outliers)."
        )
    shifts = profile.level_shifts
    if shifts:
        facts.append(
            f"The level jumps and stays there {plural(len(shifts), 'time')} in the training "
            f"rows (at row {and_([f'{r + 1:,}' for r in shifts])})."
        )
    if profile.heavy_tails is True:
        facts.append("Large surprises are more common than a bell curve would give (heavy tails).")
    ratio = profile.spread_ratio
    if defined(ratio) and (ratio >= 2 or 0 < ratio <= 0.5):
        way = "grows" if ratio >= 2 else "shrinks"
        facts.append(
            f"The noise {way} over time: it is {fmt(ratio, 2)} times as large in the last third "
            "of the training rows as in the first."
        )
    for c in profile.covariates:
        if c.significant and defined(c.correlation):
            facts.append(
                f"“{c.name}” {plural(c.lag, 'step')} earlier moves with the target "
                f"(correlation {fmt(c.correlation, 2)}), so it can help the forecast."
            )
    return facts


def _size_budget_facts(profile: ProfileInfo) -> list[str]:
    windows, units = profile.train_windows, profile.max_units
    if windows is None or units is None or windows <= 0:
        return []
    return [
        f"The training rows give {plural(windows, 'window')} (stretches of history with "
        f"what followed) to learn from: enough for an LSTM of up to {plural(units, 'unit')} "
        "by the advisor's rule of thumb on weights per window."
    ]


def _season_words(profile: ProfileInfo) -> str:
    period = profile.seasonal_period
    if not period:
        return "No repeating cycle (season) was found."
    if profile.season_source == "user":
        return f"You set the season to {plural(period, 'step')}."
    if profile.season_source == "frequency":
        # No cycle passed the tests: the time column's natural cycle stands in for one.
        return (
            "No repeating cycle stood out in the data; the advisor uses the time column's "
            f"natural cycle of {plural(period, 'step')} as the season."
        )
    return f"A repeating cycle of {plural(period, 'step')} was found in the data."


def _lag_words(profile: ProfileInfo) -> str:
    lags = profile.significant_lags
    if not lags:
        return "No past value is clearly related to the current one beyond chance."
    shown = ", ".join(str(k) for k in lags[:12]) + (
        f" and {len(lags) - 12} more" if len(lags) > 12 else ""
    )
    return (
        f"The current value is clearly related to values up to {max(lags)} steps back "
        f"(significant lags: {shown})."
    )


def _by_score(rmse: float | None) -> tuple[bool, float]:
    """Sort key: the lowest score first, unscored last."""
    if rmse is None or not math.isfinite(rmse):
        return (True, 0.0)
    return (False, rmse)


def _ranked_candidates(profile: ProfileInfo) -> list[SeasonCandidateInfo]:
    return sorted(profile.season_candidates, key=lambda c: (*_by_score(c.naive_rmse), c.period))


def _shown_candidates(profile: ProfileInfo) -> list[SeasonCandidateInfo]:
    """The best-forecasting candidates, the primary season always among them."""
    ranked = _ranked_candidates(profile)
    shown = ranked[:MAX_SEASON_ROWS]
    primary = profile.seasonal_period
    if primary not in {c.period for c in shown}:
        shown[-1:] = [c for c in ranked if c.period == primary][:1] or shown[-1:]
    return shown


def season_table(profile: ProfileInfo) -> Table | None:
    shown = _shown_candidates(profile)
    if not shown:
        return None
    primary = profile.seasonal_period
    return Table(
        ("Period (steps)", "Found by", "Verdict", "Seasonal naive validation RMSE"),
        tuple(
            (
                f"{c.period:,}" + (" (used)" if c.period == primary else ""),
                SEASON_SOURCE_WORDS.get(c.source, c.source),
                season_verdict_words(c.verdict),
                fmt(c.naive_rmse),
            )
            for c in shown
        ),
        tuple(c.period == primary for c in shown),
    )


def _primary_season_words(profile: ProfileInfo) -> str | None:
    """Why the primary season is the one used, in one sentence, with the scores behind it."""
    period = profile.seasonal_period
    ranked = [c for c in _ranked_candidates(profile) if defined(c.naive_rmse)]
    if not period or not ranked:
        return None  # no season, or a document from before the candidates were scored
    own = next((c.naive_rmse for c in ranked if c.period == period), None)
    score = (
        f"repeating the value one season back scores a validation RMSE of {fmt(own)}"
        if defined(own)
        else "it could not be scored on its own"
    )
    others = [c for c in ranked if c.period != period]
    against = ""
    if others and defined(own):
        runner = others[0]
        # The runner-up may be a period the tests turned down (weak, a harmonic): say so,
        # rather than let it read as a second season.
        not_season = "" if runner.verdict == "season" else ", which the tests did not keep"
        against = (
            f", against {fmt(runner.naive_rmse)} for {plural(runner.period, 'step')}{not_season}"
        )
    if profile.season_source == "user":
        why = "you set it with --season"
    elif profile.season_source == "frequency":
        why = "no cycle passed the tests, so the time column's calendar sets it"
    elif sum(c.verdict == "season" for c in profile.season_candidates) > 1:
        why = "of the seasons found it forecasts best"
    else:
        why = "it is the only season the tests kept"
    return f"The {period}-step season is used because {why}: {score}{against}."


def _season_summary(profile: ProfileInfo) -> tuple[str, ...]:
    lines = []
    primary = _primary_season_words(profile)
    if primary:
        lines.append(primary)
    shown = {c.period for c in _shown_candidates(profile)}
    left_out = [c for c in profile.season_candidates if c.period not in shown]
    if left_out:
        unscored = any(not defined(c.naive_rmse) for c in left_out)
        lines.append(
            f"{plural(len(left_out), 'other period')} weighed "
            f"{'is' if len(left_out) == 1 else 'are'} not listed: "
            f"{'it' if len(left_out) == 1 else 'they'} forecast worse"
            + (" or could not be scored." if unscored else ".")
        )
    return tuple(lines)


def _ranked_baselines(profile: ProfileInfo) -> list[BaselineInfo]:
    # ``sorted`` is stable: baselines with equal scores keep the probes' order.
    return sorted(profile.baselines, key=lambda b: _by_score(b.val_rmse))


def baselines_table(profile: ProfileInfo) -> Table | None:
    ranked = _ranked_baselines(profile)
    if not ranked:
        return None
    best = ranked[0].val_rmse
    season = profile.seasonal_period
    return Table(
        ("Baseline", "What it does", "Validation RMSE", "Validation MAE"),
        tuple(
            (b.name, baseline_words(b.name, season) or "", fmt(b.val_rmse), fmt(b.val_mae))
            for b in ranked
        ),
        tuple(defined(best) and b.val_rmse == best for b in ranked),
    )


def baseline_bar(profile: ProfileInfo) -> str | None:
    """The best baseline on validation: the score every LSTM in this report is held to."""
    ranked = _ranked_baselines(profile)
    if not ranked or not defined(ranked[0].val_rmse):
        return None
    best = ranked[0]
    return (
        f"The best of these {plural(len(ranked), 'baseline')} is {best.name}, with a "
        f"validation RMSE of {fmt(best.val_rmse)}: this is the bar the LSTM has to clear."
    )


def _acf_caption(acf: chart_data.BarChartData | None) -> str:
    if acf is None:
        return ""
    band = "" if acf.band is None else f" (outside the grey band of ±{fmt(acf.band, 2)})"
    return (
        f"How strongly the value k steps back relates to the current one, for k = 1 to "
        f"{len(acf.values)}; dark bars stand out from noise{band}, pale bars do not."
    )


def _season_caption(pattern: chart_data.SeasonalPattern | None) -> str:
    if pattern is None:
        return ""
    at = "in" if pattern.named and pattern.labels[0] in chart_data.MONTHS else "at"
    where = (
        f"{at} {pattern.peak}" if pattern.named else f"at step {pattern.peak} of {pattern.period}"
    )
    low = f"{at} {pattern.trough}" if pattern.named else f"at step {pattern.trough}"
    return (
        f"The repeating cycle of {plural(pattern.period, 'step')}, averaged over "
        f"{pattern.seasons} seasons with the slow trend taken out: the series is highest "
        f"{where} and lowest {low}; the shaded band holds the middle half of the seasons, "
        "so a narrow band means a regular pattern."
    )


def data_section(info: DocumentInfo) -> DataSection:
    profile = info.profile
    acf = chart_data.acf_chart(info)
    pattern = chart_data.seasonal_pattern(info)
    chart_list = (
        chart(
            "chart-series",
            "The series",
            f"The target “{info.data.target}” row by row; dotted lines mark where "
            "validation and test begin.",
            chart_data.series_chart(info),
        )
        + chart(
            "chart-season",
            "Seasonal pattern",
            _season_caption(pattern),
            chart_data.seasonal_chart(info),
        )
        + chart("chart-acf", "Autocorrelation", _acf_caption(acf), acf)
    )
    return DataSection(
        facts=tuple(_size_facts(info)),
        findings=tuple(_shape_facts(profile)),
        notices=info.data.notices,
        seasons=season_table(profile),
        season_summary=_season_summary(profile),
        baselines=baselines_table(profile),
        bar=baseline_bar(profile),
        notes=profile.notes,
        charts=tuple(chart_list),
    )
