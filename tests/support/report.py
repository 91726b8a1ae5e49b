"""A hand-built ``recommendation.json`` document (schema version 1) for report tests.

It mirrors what ``advisor.store.document.to_document`` writes for a monthly, seasonal series
with a trend: every key the report reads is present, with believable numbers.
"""

from __future__ import annotations

import math
from typing import Any

ROWS = 144
HORIZON = 3
SEASON = 12
SPLIT = {"train": 100, "validation": 22, "test": 22}
ACF_LAGS = 48
ACF_BAND = 1.96 / math.sqrt(SPLIT["train"])


# The sections every report has, in page order (the ids the template gives them).
SECTION_IDS = (
    "verdict",
    "settings",
    "data",
    "experiments",
    "verification",
    "final",
    "next-steps",
    "glossary",
    "snippet",
    "reproducibility",
)


def _series() -> list[float]:
    return [
        round(120 + 1.8 * t + 25 * math.sin(2 * math.pi * t / SEASON) + 4 * math.cos(0.7 * t), 3)
        for t in range(ROWS)
    ]


def _dates() -> list[str]:
    return [f"{1949 + t // 12}-{t % 12 + 1:02d}-01 00:00:00" for t in range(ROWS)]


def acf_values() -> list[float]:
    """Lag 0 first (always 1), then a decaying seasonal pattern."""
    return [1.0] + [
        round(math.exp(-k / 40) * (0.55 + 0.4 * math.cos(2 * math.pi * k / SEASON)) - 0.15, 4)
        for k in range(1, ACF_LAGS + 1)
    ]


def _curve(start: float, floor: float, epochs: int, rise: float = 0.0) -> list[float]:
    """A falling loss curve that flattens at ``floor`` and then rises by ``rise`` per epoch."""
    best = epochs // 2
    return [
        round(floor + (start - floor) * math.exp(-e / 3) + max(0, e - best) * rise, 5)
        for e in range(epochs)
    ]


def _run(
    name: str, units: int, lookback: int, fraction: float, val_floor: float, rise: float = 0.0
) -> dict[str, Any]:
    epochs = 16
    val = _curve(1.2, val_floor, epochs, rise)
    return {
        "name": name,
        "units": units,
        "lookback": lookback,
        "train_fraction": fraction,
        "params": 4 * units * (units + 2) + units + HORIZON,
        "train_loss": _curve(1.0, val_floor * 0.5, epochs),
        "val_loss": val,
        "val_rmse": round(math.sqrt(min(val)) * 40, 3),
        "seconds": 1.5 + units / 64,
        "stopped_reason": "early_stopping" if rise else "completed",
    }


# A comparison that stayed within its noise band (``diagnosis.notes``).
NOISE_NOTE = (
    "128 units against 64: validation error 3% lower (band -5% to +9%, 13 validation "
    "origins): within the noise. No difference found, so no sign that a wider model would "
    "do better."
)


def band(ratio: float, low: float, high: float, origins: int = 200) -> dict[str, Any]:
    """A finding's ``band``: the RMSE ratio of its comparison and its 90% interval."""
    return {"ratio": ratio, "low": low, "high": high, "level": 0.9, "origins": origins, "block": 6}


def diagnostic_runs() -> list[dict[str, Any]]:
    return [
        _run("capacity-16", 16, 12, 1.0, 0.30),
        _run("capacity-32", 32, 12, 1.0, 0.22),
        _run("capacity-64", 64, 12, 1.0, 0.18, rise=0.01),
        _run("capacity-128", 128, 12, 1.0, 0.21, rise=0.02),
        # A second width-64 run at another lookback: the capacity curve keeps the better one.
        _run("lookback-24", 64, 24, 1.0, 0.15),
        _run("data-25", 64, 12, 0.25, 0.45),
        _run("data-50", 64, 12, 0.5, 0.28),
    ]


def config(units: int = 64, dropout: float = 0.2, learning_rate: float = 0.001) -> dict[str, Any]:
    return {
        "lookback": 24,
        "layers": [{"units": units, "dropout": dropout, "recurrent_dropout": 0.0}],
        "l2": 1e-4,
        "learning_rate": learning_rate,
        "batch_size": 32,
        "epochs": 150,
        "early_stopping_patience": 12,
        "scaling": "standard",
        "differencing": 1,
        "season_position": 0,
        "deseasonalize": 0,
        "log_target": False,
    }


def _hit(
    rule: str,
    setting: str,
    value: Any,
    rationale: str,
    confidence: float,
    applied: bool = True,
    overridden_by: str | None = None,
) -> dict[str, Any]:
    return {
        "rule": rule,
        "setting": setting,
        "value": value,
        "rationale": rationale,
        "evidence": {"seasonal_period": SEASON, "best_units": 64},
        "confidence": confidence,
        "priority": 50,
        "applied": applied,
        "overridden_by": overridden_by,
    }


def rules_fired() -> list[dict[str, Any]]:
    return [
        _hit(
            "lookback.two_seasons",
            "lookback",
            24,
            "Two full seasons of history let the model see the yearly cycle twice.",
            0.8,
        ),
        _hit(
            "capacity.best_width",
            "units",
            64,
            "64 units gave the lowest validation loss in the capacity sweep.",
            0.7,
        ),
        _hit(
            "regularise.overfit_dropout",
            "dropout",
            0.2,
            "Validation loss rose while training loss kept falling: dropout curbs this.",
            0.75,
        ),
        _hit(
            "regularise.overfit_l2", "l2", 1e-4, "A small L2 penalty also curbs overfitting.", 0.6
        ),
        _hit(
            "regularise.overfit_dropout_strong",
            "dropout",
            0.4,
            "Strong overfitting calls for more dropout.",
            0.4,
            applied=False,
            overridden_by="regularise.overfit_dropout",
        ),
        _hit(
            "stationarity.difference",
            "differencing",
            1,
            "The series wanders with its trend; modelling step-to-step changes is easier.",
            0.85,
        ),
        _hit(
            "training.patience_from_noise",
            "early_stopping_patience",
            12,
            "A patience of 12 epochs rides out the noisy validation curve.",
            0.6,
        ),
    ]


def verification() -> dict[str, Any]:
    trial_configs = [
        (config(), 21.4, True),
        (config(units=32), 23.0, False),
        (config(units=128), 22.1, False),
        (config(dropout=0.1), 21.9, False),
        (config(learning_rate=0.003), 24.8, False),
        (config(dropout=0.3), 21.6, False),
    ]
    return {
        "tuner": "keras-tuner RandomSearch",
        "trials": [
            {
                "trial_id": f"trial_{i:02d}",
                "config": cfg,
                "val_rmse": score,
                "is_suggestion": suggestion,
            }
            for i, (cfg, score, suggestion) in enumerate(trial_configs)
        ],
        "suggestion_val_rmse": 21.4,
        "best_val_rmse": 21.4,
        "best_config": config(),
        "verdict": "confirmed",
        "verdict_reason": "No trial beat the suggestion by more than 2%.",
        "widen": [],
        "seconds": 41.7,
        "partial": False,
    }


def final() -> dict[str, Any]:
    values = _series()[-SPLIT["test"] :]
    return {
        "config": config(),
        "test_metrics": {"rmse": 18.2, "mae": 14.9, "mase": 0.61},
        "baseline_test_metrics": {
            name: {"rmse": rmse, "mae": round(0.82 * rmse, 1), "mase": round(rmse / 29.4, 2)}
            for name, (_, rmse) in BASELINE_SCORES.items()
        },
        "forecast": {
            "predicted": [round(v + 6 * math.sin(i), 3) for i, v in enumerate(values)],
            "actual": values,
        },
        "model_path": "advisor_runs/2024-05-01T10-00-00/model.keras",
        "seconds": 12.3,
        "seeds": [0, 1, 2],
        "member_test_rmse": [18.9, 19.6, 20.3],
    }


def _candidate(
    period: int, source: str, verdict: str, naive_rmse: float | None, autocorrelation: float
) -> dict[str, Any]:
    return {
        "period": period,
        "source": source,
        "autocorrelation": autocorrelation,
        "strength": 0.86 if period == SEASON else 0.3,
        "threshold": 0.3,
        "verdict": verdict,
        "naive_rmse": naive_rmse,
    }


def season_candidates() -> list[dict[str, Any]]:
    """Each period the season probe weighed, shortest first as the probe writes them: the
    12-month season forecasts best; one period could not be scored (null)."""
    return [
        _candidate(3, "spectrum", "weak", 31.2, 0.05),
        _candidate(4, "spectrum", "weak", None, -0.21),
        _candidate(6, "spectrum", "harmonic of 12", 27.5, 0.2),
        _candidate(SEASON, "acf", "season", 23.9, 0.62),
        _candidate(24, "acf", "adds nothing to 12", 25.1, 0.55),
    ]


# The baselines the probes score, as ``advisor.probes.baselines`` names them, with
# validation and test RMSEs: the seasonal naive forecast is the best on validation (the
# bar), ARIMA's on test; the LSTM (test RMSE 18.2) beats them all.
BASELINE_SCORES = {
    "naive": (29.8, 31.5),
    "drift": (30.5, 33.0),
    "seasonal_naive": (23.9, 24.3),
    "seasonal_naive_24": (25.1, 27.2),
    "ets": (25.8, 25.0),
    "theta": (26.4, 26.1),
    "arima": (27.0, 22.9),
}


def probe_sections() -> dict[str, Any]:
    """The profile's per-probe sections, as ``document.profile_to_dict`` writes them."""
    return {
        "seasonality": {
            "periods": [SEASON],
            "calendar_periods": [SEASON],
            "seasonal_strength": 0.86,
            "trend_strength": 0.97,
            "snr": 14.2,
            "candidates": season_candidates(),
            "rows_used": SPLIT["train"],
        },
        "unit_root": {
            "adf_trend_pvalue": 0.31,
            "kpss_trend_pvalue": 0.02,
            "differencing_order": 1,
            "seasonal_differencing_order": 1,
            "rows_used": SPLIT["train"],
        },
        "lags": {
            "pacf": [1.0, 0.41, -0.12, 0.05],
            "significant_pacf_lags": [1, 12],
            "ar_order": 13,
            "lookback": 24,
            "lookback_low": 12,
            "lookback_high": 36,
            "lookback_reason": "two seasons",
        },
        "complexity": {
            "differenced": 1,
            "ar_r2": 0.58,
            "spectral_entropy": 0.61,
            "permutation_entropy": 0.88,
            "permutation_order": 4,
            "bds_statistic": 2.9,
            "bds_pvalue": 0.004,
            "nonlinear": True,
            "rows_used": SPLIT["train"],
        },
        "quality": {
            "outliers": 2,
            "outlier_share": 0.02,
            "outlier_rows": [40, 77],
            "level_shifts": [63],
            "skewness": 0.3,
            "excess_kurtosis": 1.1,
            "heavy_tails": False,
            "spread_ratio": 2.4,
            "positive": True,
            "covariates": [],
        },
        "size": {
            "lookback": 24,
            "train_windows": 74,
            "inputs": 1,
            "widths": [16, 32, 64, 128],
            "params": [1_139, 4_355, 16_899, 66_563],
            "max_units": 32,
        },
    }


def make_document(
    target: str = "passengers",
    path: str = "airline.csv",
    notices: tuple[str, ...] = ("Filled 2 missing values by carrying the last value forward.",),
    with_verification: bool = True,
    with_final: bool = True,
) -> dict[str, Any]:
    """A fresh document; every call returns new objects, so a test may mutate its copy."""
    acf = acf_values()
    return {
        "schema_version": 1,
        "data": {
            "path": path,
            "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "rows": ROWS,
            "task": "forecast",
            "target": target,
            "time_column": "month",
            "features": [],
            "horizon": HORIZON,
            "frequency": "MS",
            "notices": list(notices),
        },
        "profile": {
            "rows": ROWS,
            "split": dict(SPLIT),
            "missing_share": 2 / ROWS,
            "mean": 205.3,
            "std": 52.1,
            "min": 104.0,
            "max": 318.0,
            "acf": acf,
            "acf_confidence": ACF_BAND,
            "significant_lags": [k for k in range(1, len(acf)) if abs(acf[k]) > ACF_BAND],
            "seasonal_period": SEASON,
            "season_source": "acf",
            "adf_pvalue": 0.42,
            "kpss_pvalue": 0.01,
            "stationarity": "difference-stationary",
            "trend_strength": 0.71,
            "baselines": [
                {"name": name, "val_rmse": rmse, "val_mae": round(0.82 * rmse, 1)}
                for name, (rmse, _) in BASELINE_SCORES.items()
            ],
            **probe_sections(),
            "notes": [],
        },
        "diagnosis": {
            "planned": "a capacity sweep over 4 widths, one longer lookback, and data-size "
            "runs at 25% and 50% of the training rows",
            "cut": [],
            "runs": diagnostic_runs(),
            "findings": [
                {
                    "id": "overfitting",
                    "summary": "Validation loss rose after epoch 8 while training loss kept falling.",
                    "evidence": {"val_rise": 0.08, "best_epoch": 8.0},
                    "confidence": 0.75,
                    "runs": ["capacity-64"],
                    "band": None,
                },
            ],
            "primary": "overfitting",
            "notes": [NOISE_NOTE],
        },
        "recommendation": {
            "config": config(),
            "ranges": [
                {"setting": "units", "choices": [32, 64, 128]},
                {"setting": "dropout", "low": 0.1, "high": 0.3, "log": False},
                {"setting": "learning_rate", "low": 3e-4, "high": 3e-3, "log": True},
            ],
            "rules_fired": rules_fired(),
            "rules_not_fired": ["underfit.more_units", "diverging.lower_lr"],
            "baseline_warning": False,
        },
        "verification": verification() if with_verification else None,
        "final": final() if with_final else None,
        "series": {"step": 1, "index": _dates(), "values": _series()},
        "run": {
            "dir": "advisor_runs/2024-05-01T10-00-00",
            "seed": 0,
            "budget_s": 120.0,
            "seconds": 98.4,
            "command": f"advisor analyze {path} --target {target}",
            "versions": {
                "advisor": "0.1.0",
                "keras": "3.15.1",
                "tensorflow": "2.19.0",
                "python": "3.11.9",
            },
        },
    }
