"""The report's plain-words tables, in one place: every table that maps an id the
pipeline writes to words, and the glossary.

The ids are stop reasons, baselines, stationarity verdicts, findings (a short phrase
and the advice each earns), verification verdicts, tuners and settings (labels, the
synonyms rule files use, scaling and differencing words). Sentences built around
numbers stay in their section; the sections only look ids up here, so a new finding
or setting is an entry in these tables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from advisor.core.findings import FindingId
from advisor.core.settings import SETTINGS


@dataclass(frozen=True)
class Term:
    term: str
    meaning: str


# -------------------------------------------------------------------- data and runs

METRIC_LABELS = {"rmse": "RMSE", "mae": "MAE", "mase": "MASE", "smape": "sMAPE", "mape": "MAPE"}
# Every name ``advisor.probes.baselines`` can give (a test holds them covered); the seasonal
# naive forecast at a season other than the primary one is named by pattern, see
# ``baseline_words``.
BASELINE_WORDS = {
    "naive": "repeat the last known value",
    "seasonal_naive": "repeat the value one season back",
    "mean": "predict the training average",
    "drift": "the last value plus the average step of the training rows (a random walk with drift)",
    "ets": "exponential smoothing (AutoETS): a classic statistical forecast from the recent "
    "level, trend and season, its form chosen automatically",
    "theta": "the theta method (AutoTheta): a classic statistical forecast that extends the "
    "recent level and trend (the season taken out first, where it has one)",
    "arima": "ARIMA (AutoARIMA): a classic statistical forecast from past values and past "
    "errors, its orders chosen automatically",
    "mstl": "MSTL: the series split into a trend and several seasons, each forecast on its own",
}
_OTHER_SEASON = re.compile(r"seasonal_naive_(\d+)")


def baseline_words(name: str, season: int | None = None) -> str | None:
    """What the baseline ``name`` does, in plain words; ``season`` is the primary season
    (the one ``seasonal_naive`` repeats). None for a name the table does not know."""
    if name == "seasonal_naive" and season:
        return f"repeat the value one {season}-step season back, the main season"
    other = _OTHER_SEASON.fullmatch(name)
    if other:
        return f"repeat the value one {int(other.group(1))}-step season back"
    return BASELINE_WORDS.get(name)


# Where a candidate season came from (``SeasonCandidate.source``).
SEASON_SOURCE_WORDS = {
    "spectrum": "spectrum",
    "acf": "autocorrelation",
    "frequency": "calendar",
    "user": "you (--season)",
}
# A candidate's verdict; the ones naming another period ("harmonic of 12") by pattern.
SEASON_VERDICT_WORDS = {
    "season": "a season",
    "weak": "too weak to count",
    "no rise": "no peak: only the pull of the nearby values",
}
_VERDICT_PATTERNS = (
    (re.compile(r"harmonic of (\d+)"), "part of the {}-step season (a harmonic)"),
    (re.compile(r"same cycle as (\d+)"), "the same cycle as {} steps"),
    (re.compile(r"adds nothing to (\d+)"), "adds nothing to the {}-step season"),
)


def season_verdict_words(verdict: str) -> str:
    """A candidate's verdict in plain words; an unknown one as written."""
    for pattern, words in _VERDICT_PATTERNS:
        m = pattern.fullmatch(verdict)
        if m:
            return words.format(m.group(1))
    return SEASON_VERDICT_WORDS.get(verdict, verdict)


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

# ------------------------------------------------------------------------ findings

# Short, plain names for the diagnosis' findings; the Experiments section has the detail.
FINDING_PHRASES = {
    FindingId.NOT_LEARNING: "a model that did not learn (its validation score was best after "
    "the first epoch)",
    FindingId.OVERFITTING: "overfitting (the model learns its training rows better than new ones)",
    FindingId.UNDERFITTING: "underfitting (the model is too simple for the pattern)",
    FindingId.NOT_CONVERGED: "training that had not settled when it stopped",
    FindingId.DIVERGING: "unstable training",
    FindingId.NOISY_VALIDATION: "validation scores that jump from epoch to epoch",
}
# The advice the report gives follows the primary finding; a secondary finding's advice
# is given only where it does not pull the other way (``core.findings.conflicts``).
FINDING_ADVICE = {
    FindingId.NOT_LEARNING: "The model did not learn beyond its first epoch: try a smaller "
    "learning rate, and check that the validation rows behave like the training rows (a "
    "level shift, a changed trend) before changing its size or regularisation.",
    FindingId.OVERFITTING: "The model learns the training rows better than it generalises: more "
    "data, or stronger dropout or L2, will help more than a bigger model.",
    FindingId.UNDERFITTING: "The model is too simple for the series: try more units or a longer lookback.",
    FindingId.NOT_CONVERGED: "Training had not settled when it stopped: allow more epochs.",
    FindingId.DIVERGING: "Training was unstable: try a smaller learning rate.",
    FindingId.NOISY_VALIDATION: "Validation scores jumped from epoch to epoch: a longer series or a "
    "larger batch size would make the comparison steadier.",
}
# Findings the verdict does not list: said elsewhere in it, or no problem at all.
QUIET_FINDINGS = {FindingId.NO_GAIN_OVER_BASELINE, FindingId.GOOD_FIT}

# ------------------------------------------------------------------- verification

UNCOMPARED_WORDS = (
    "The verification search trained no other setting it could compare with the "
    "suggestion, so the suggestion is untested."
)
VERDICT_WORDS = {
    "confirmed": "The verification search confirmed the suggestion: no setting it tried did "
    "clearly better.",
    "refined": "The verification search found settings that did better on the validation "
    "rows; the final model uses them.",
    "widen": "The verification search found its best settings at the edge of the ranges it "
    "searched, so better settings may lie outside them.",
    "untested": UNCOMPARED_WORDS,
    "provisional": "The time budget cut part of the analysis short, so this advice is provisional.",
}
TUNER_WORDS = {
    "bayesian": "a Bayesian search, which picks each next setting from the scores so far",
    "random": "a random search",
    "randomsearch": "a random search",
    "hyperband": "a Hyperband search, which stops poor settings early",
    "grid": "a grid search",
}
CV_NAMES = {"suggestion": "The suggestion", "best": "The search's best", "baseline": "Baseline"}
# The verdict as the headline's last clause.
VERDICT_PHRASES = {
    "confirmed": "confirmed by the search",
    "refined": "refined by the search",
    "widen": "the search suggests widening its ranges",
    "untested": "not yet checked against other settings",
    "provisional": "provisional: the time budget cut part of the analysis",
}

# ------------------------------------------------------------------------ settings

SETTING_LABELS = {name: setting.label for name, setting in SETTINGS.items()}
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
SCALING_WORDS = {  # one entry per advisor.core.settings.SCALINGS (a test holds them equal)
    "standard": "standardise (mean 0, spread 1, from the training rows)",
    "minmax": "rescale to 0–1 (from the training rows)",
    "none": "none",
}


def setting_key(setting: str) -> str:
    """``layers[0].units`` -> ``units``; ``lr`` -> ``learning_rate``."""
    key = setting.strip().lower().split(".")[-1].split("[")[0]
    return SETTING_ALIASES.get(key, key)


def differencing_words(d: int) -> str:
    if d == 0:
        return "none"
    if d == 1:
        return "first difference (the change per step)"
    return f"seasonal difference (the change since {d} steps back)"


def season_out_words(season: int) -> str:
    if season == 0:
        return "none"
    return f"the {season}-step season's average pattern taken out first"


def log_words(log: bool) -> str:
    return "the logarithm of the values, forecasts turned back" if log else "none"


def season_position_words(season: int) -> str:
    if season == 0:
        return "none"
    return f"position in the {season}-step season (sine and cosine)"


# ------------------------------------------------------------------------ glossary

GLOSSARY = (
    Term("Units", SETTINGS["units"].meaning),
    Term("Dropout", SETTINGS["dropout"].meaning),
    Term("Recurrent dropout", SETTINGS["recurrent_dropout"].meaning),
    Term("L2", SETTINGS["l2"].meaning),
    Term("Lookback", SETTINGS["lookback"].meaning),
    Term("Horizon", "How many steps ahead the model forecasts at once."),
    Term("Epoch", "One pass of the training over every training row."),
    Term("Batch size", SETTINGS["batch_size"].meaning),
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
    Term("Learning rate", SETTINGS["learning_rate"].meaning),
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
        "A cheap forecast that any useful model must beat: a simple rule, such as repeating "
        "the last value, or a classic statistical model fitted automatically.",
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
