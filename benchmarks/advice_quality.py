"""Advice quality on real data: the advisor against what a user would do instead.

Implements the evaluation protocol (chronological split, direct multi-step forecasts
from up to 200 test origins, RMSE/MAE/MASE in the target's units, 3 seeds for neural
models) with these competitors, side by side in one run on one machine:

- naive, seasonal naive;
- statistical: a damped-trend ETS (statsmodels ``ETSModel``; additive season where the
  period is short enough to estimate) fitted on train + validation, its parameters then
  fixed and the model re-filtered up to each test origin;
- statsforecast: AutoETS, AutoARIMA and AutoTheta (season = the manifest's period),
  each fitted once on train + validation and run forward (``forward``: its parameters
  kept) over the rows before every test origin; each reported, and ``stat_median``, their
  pointwise median over the models that finished. Each model runs in a child process
  stopped at ``--stat-minutes`` of wall time (AutoARIMA's search takes longer than that
  on long seasons); one stopped is reported as capped, with no scores;
- AutoLSTM: NeuralForecast's ``AutoLSTM`` (Optuna, its default space with inputs of at
  most 16 horizons, ``--autolstm-samples`` trials of ``--autolstm-steps`` training
  steps), tuned on the protocol's validation rows, refitted on train + validation, every
  test origin forecast from the rows before it. neuralforecast comes from the ``bench``
  extra (``pip install -e ".[bench]"``); where it is missing the competitor is skipped;
- novice LSTM: ``LSTM(50) -> Dense(h)``, lookback = season (or 12), min-max scaling,
  Adam 1e-3, batch 32, 100 epochs, no regularisation, no early stopping;
- wide search: keras-tuner BayesianOptimization over a wide space with early stopping on
  validation, ``--trials`` trials, the best configuration retrained on train + validation;
- advisor: ``advisor analyze`` with its defaults, its ``final.config`` trained as its final
  model is: the average of as many seeds' trainings as its ``final.seeds`` lists (one
  where the file predates them), each harness seed with its own seeds.

Usage::

    python benchmarks/advice_quality.py --datasets ../shared/datasets --out bench-out \
        [--only airline wineind] [--trials 15] [--seeds 3] [--stat-minutes 5] \
        [--autolstm-samples 10] [--autolstm-steps 200]

Writes ``results.json`` and ``results.md`` into ``--out``. Each competitor's result on
each dataset is also kept in ``--out/entries/``; ``--reuse`` takes those instead of
training again, so after a change to the advice only the advisor needs rerunning
(``--reuse --rerun advisor``). The JSON says which commit and machine produced each entry.
``--entries-from docs/benchmarks-results-....json`` starts from a published run's entries,
so the advisor alone can be run again beside its competitors' published figures.

Beside the per-dataset table and the goals, the tables hold each competitor's ratio to the
best statsforecast model on that dataset (``best_stat``: the lowest test RMSE among the
three and their median, picked with hindsight) and to AutoLSTM, and a calibration table:
whether the advisor's verdict on validation (a gain over the best baseline, or a warning
of none) holds on its own test table.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from _entries import (
    Skipped,
    add_budget_arguments,
    advisor_budget,
    count_goal,
    fmt,
    gather,
    med,
    ratio,
    restore_entries,
)
from _entries import save_entry as save_entry

from advisor.core import forecast_eval as fe
from advisor.core.records import LayerConfig, ModelConfig, Split
from advisor.core.splits import chronological_split
from advisor.store.document import config_from_dict

FORECAST_TASKS = ("univariate_forecast", "multivariate_forecast")
# Seasonal ETS needs a couple of full seasons per parameter; past this period the
# seasonal states dominate and the fit becomes unstable, so the season is dropped.
MAX_ETS_SEASON = 52
WIDE_EPOCHS = 100
WIDE_PATIENCE = 10


@dataclass
class Entry:
    name: str
    rmse: float
    mae: float
    mase: float
    seconds: float
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class Problem:
    name: str
    path: Path
    target: str
    time_column: str | None
    features: list[str]
    horizon: int
    period: int
    values: np.ndarray
    split: Split

    @property
    def y(self) -> np.ndarray:
        return self.values[:, 0]

    def test_origins(self) -> np.ndarray:
        s = self.split
        return fe.origins(s.validation_end, s.validation_end + s.test, self.horizon)

    def scale(self) -> float:
        return fe.seasonal_naive_scale(self.y[: self.split.train], self.period)

    def score(self, pred: np.ndarray) -> dict[str, float]:
        actual = fe.actuals(self.y, self.test_origins(), self.horizon)
        return fe.scores(pred, actual, self.scale())


def load_problem(entry: dict[str, Any], folder: Path) -> Problem:
    path = folder / entry["file"]
    frame = pd.read_csv(path)
    time_col = entry.get("time_column")
    if time_col:
        frame = frame.sort_values(time_col)
    columns = [entry["target"], *entry.get("feature_columns", [])]
    values = frame[columns].to_numpy(dtype=float)
    horizon = int(entry["suggested_horizon"])
    return Problem(
        name=entry["name"],
        path=path,
        target=entry["target"],
        time_column=time_col,
        features=list(entry.get("feature_columns", [])),
        horizon=horizon,
        period=int(entry.get("seasonal_period") or 1),
        values=values,
        split=chronological_split(len(values), horizon),
    )


def simple_baselines(p: Problem) -> list[Entry]:
    ts = p.test_origins()
    out = []
    start = time.perf_counter()
    s = p.score(fe.naive(p.y, ts, p.horizon))
    out.append(Entry("naive", s["rmse"], s["mae"], s["mase"], time.perf_counter() - start))
    if p.period > 1:
        start = time.perf_counter()
        s = p.score(fe.seasonal_naive(p.y, ts, p.horizon, p.period))
        out.append(
            Entry("seasonal_naive", s["rmse"], s["mae"], s["mase"], time.perf_counter() - start)
        )
    return out


def statistical_forecasts(p: Problem) -> tuple[np.ndarray, str]:
    """The statistical competitor's forecasts from every test origin, and its label."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    fit_rows = p.split.validation_end
    seasonal = p.period if 1 < p.period <= MAX_ETS_SEASON and fit_rows >= 3 * p.period else None
    spec = {
        "error": "add",
        "trend": "add",
        "damped_trend": True,
        "seasonal": "add" if seasonal else None,
        "seasonal_periods": seasonal,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = ETSModel(p.y[:fit_rows], **spec).fit(disp=False)
        # Filtering is causal, so one pass over the whole series with the parameters
        # fixed gives, at each origin, the state a re-filter of the rows before it would;
        # a dynamic prediction from the origin then uses nothing at or after it.
        smoothed = ETSModel(pd.Series(p.y), **spec).smooth(fitted.params)
        preds = [
            np.asarray(
                smoothed.get_prediction(start=t, end=t + p.horizon - 1, dynamic=0).predicted_mean
            )
            for t in p.test_origins()
        ]
    return np.vstack(preds), f"ETS(A,Ad,{'A' if seasonal else 'N'})"


def statistical(p: Problem) -> Entry:
    start = time.perf_counter()
    pred, label = statistical_forecasts(p)
    s = p.score(pred)
    return Entry(
        "statistical", s["rmse"], s["mae"], s["mase"], time.perf_counter() - start, {"model": label}
    )


# --- statsforecast: what a forecaster reaches for first -----------------------------------

STAT_MODELS = ("autoets", "autoarima", "autotheta")
STAT_MEDIAN = "stat_median"
STAT_WORKER = "--statsforecast-worker"


@dataclass
class StatRun:
    """One statsforecast model's forecasts from every test origin, or why there are none."""

    name: str
    pred: np.ndarray | None
    seconds: float
    model: str = ""
    note: str = ""
    capped: bool = False


def stat_model_forecasts(
    name: str, y: np.ndarray, fit_end: int, origins: np.ndarray, horizon: int, season: int
) -> tuple[np.ndarray, str]:
    """``name`` fitted once on ``y[:fit_end]``, then run forward (its parameters kept) over
    the rows before each origin; the forecasts and what the automatic search chose."""
    from statsforecast.arima import arima_string
    from statsforecast.models import AutoARIMA, AutoETS, AutoTheta

    models = {"autoets": AutoETS, "autoarima": AutoARIMA, "autotheta": AutoTheta}
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        fitted = models[name](season_length=season).fit(y[:fit_end])
        pred = np.stack([np.asarray(fitted.forward(y=y[:t], h=horizon)["mean"]) for t in origins])
    chosen = fitted.model_
    if name == "autoarima":
        label = arima_string(chosen).strip()
    elif name == "autoets":
        label = str(chosen["method"])
    else:
        # Only a decomposed (seasonal) fit records its decomposition.
        season_kind = chosen.get("decomposition_type", "no")
        label = f"Theta({chosen['modeltype']}, {season_kind} season)"
    return pred, label


def stat_worker(inputs: Path, output: Path) -> int:
    """The child side of ``run_stat_model``: one model on the rows it was handed."""
    d = np.load(inputs)
    start = time.perf_counter()
    pred, label = stat_model_forecasts(
        str(d["name"]), d["y"], int(d["fit_end"]), d["origins"], int(d["horizon"]), int(d["season"])
    )
    np.savez(output, pred=pred, label=label, seconds=time.perf_counter() - start)
    return 0


def run_stat_model(p: Problem, name: str, cap_seconds: float, workdir: Path) -> StatRun:
    """One statsforecast model in a child process, killed at ``cap_seconds`` of wall time.

    AutoARIMA's order search ran past 15 minutes on 48- and 52-step seasons and cannot be
    interrupted from inside (compiled code), so the cap is enforced by ending its process.
    The child is handed the rows before the last origin only: nothing at or after an
    origin can reach that origin's forecast.
    """
    ts = p.test_origins()
    workdir.mkdir(parents=True, exist_ok=True)
    inputs, output = workdir / f"{p.name}.{name}.in.npz", workdir / f"{p.name}.{name}.out.npz"
    output.unlink(missing_ok=True)
    np.savez(
        inputs,
        name=name,
        y=p.y[: int(ts[-1])],
        fit_end=p.split.validation_end,
        origins=ts,
        horizon=p.horizon,
        season=p.period,
    )
    cmd = [sys.executable, str(Path(__file__).resolve()), STAT_WORKER, str(inputs), str(output)]
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=cap_seconds)
    except subprocess.TimeoutExpired:
        return StatRun(
            name,
            None,
            time.perf_counter() - start,
            note=f"stopped at its cap of {cap_seconds / 60:.3g} min",
            capped=True,
        )
    if proc.returncode != 0 or not output.exists():
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:]
        return StatRun(name, None, time.perf_counter() - start, note=f"failed: {tail}")
    d = np.load(output)
    pred = d["pred"]
    if pred.shape != (len(ts), p.horizon) or not np.all(np.isfinite(pred)):
        return StatRun(name, None, float(d["seconds"]), str(d["label"]), "non-finite forecasts")
    return StatRun(name, pred, float(d["seconds"]), str(d["label"]))


def stat_entries(p: Problem, runs: list[StatRun], minutes: float) -> list[Entry]:
    """An entry per model (NaN scores where it has no forecasts) and their pointwise median."""
    out = []
    for run in runs:
        detail: dict[str, Any] = {"model": run.model, "season": p.period, "minutes_cap": minutes}
        if run.note:
            detail["note"] = run.note
        if run.capped:
            detail["capped"] = True
        s = (
            p.score(run.pred)
            if run.pred is not None
            else dict.fromkeys(("rmse", "mae", "mase"), math.nan)
        )
        out.append(Entry(run.name, s["rmse"], s["mae"], s["mase"], run.seconds, detail))
    done = [r for r in runs if r.pred is not None]
    words = {1: "one", 2: "two", 3: "three"}
    detail = {
        "of": [r.name for r in done],
        "note": (f"median of {words.get(len(done), len(done))}" if done else "no model finished")
        + "".join(f"; {r.name} {r.note}" for r in runs if r.pred is None),
    }
    # The ensemble costs every model it waited for, finished or not.
    seconds = sum(r.seconds for r in runs)
    if done:
        s = p.score(np.median(np.stack([r.pred for r in done if r.pred is not None]), axis=0))
    else:
        s = dict.fromkeys(("rmse", "mae", "mase"), math.nan)
    out.append(Entry(STAT_MEDIAN, s["rmse"], s["mae"], s["mase"], seconds, detail))
    return out


def statsforecast_models(
    p: Problem, minutes: float, workdir: Path, models: tuple[str, ...] = STAT_MODELS
) -> list[Entry]:
    runs = [run_stat_model(p, name, minutes * 60, workdir) for name in models]
    return stat_entries(p, runs, minutes)


def train_seeds(
    p: Problem, config: ModelConfig, seeds: int, members: int = 1
) -> tuple[dict[str, float], list[float]]:
    """Train ``config`` on train + validation once per seed; median of the test scores.

    With ``members`` > 1 each seed's forecast is the average of that many trainings
    (seeds ``seed * members`` onwards), as the advisor's final model averages its own."""
    from advisor.diagnostics.trainer import KerasTrainer

    trainer = KerasTrainer(p.values, p.split, p.horizon)
    runs = []
    for seed in range(seeds):
        preds = [trainer.fit_final(config, seed * members + j, None)[1] for j in range(members)]
        runs.append(p.score(np.mean(preds, axis=0)))
    rmses = [r["rmse"] for r in runs]
    median = sorted(runs, key=lambda r: r["rmse"])[len(runs) // 2]
    return median, rmses


def novice(p: Problem, seeds: int) -> Entry:
    start = time.perf_counter()
    config = ModelConfig(
        lookback=p.period if p.period > 1 else 12,
        layers=(LayerConfig(50, 0.0, 0.0),),
        l2=0.0,
        learning_rate=1e-3,
        batch_size=32,
        epochs=100,
        early_stopping_patience=100,
        scaling="minmax",
        differencing=0,
    )
    s, rmses = train_seeds(p, config, seeds)
    return Entry(
        "novice_lstm",
        s["rmse"],
        s["mae"],
        s["mase"],
        time.perf_counter() - start,
        {"seed_rmse": rmses},
    )


def wide_search(
    p: Problem, trials: int, seeds: int, workdir: Path, minutes: float | None = None
) -> Entry:
    import keras_tuner as kt

    from advisor.diagnostics.trainer import KerasTrainer, RunSpec

    start = time.perf_counter()
    trainer = KerasTrainer(p.values, p.split, p.horizon)
    base = max(p.horizon, p.period)
    lookbacks = sorted({min(k * base, p.split.train // 3) for k in (1, 2, 4)})

    def config_of(hp: Any) -> ModelConfig:
        layers = hp.Int("layers", 1, 3)
        layer = LayerConfig(hp.Int("units", 16, 128), hp.Float("dropout", 0.0, 0.5), 0.0)
        return ModelConfig(
            lookback=hp.Choice("lookback", lookbacks),
            layers=(layer,) * layers,
            l2=0.0,
            learning_rate=hp.Float("learning_rate", 1e-4, 1e-1, sampling="log"),
            batch_size=hp.Choice("batch_size", [16, 32]),
            epochs=WIDE_EPOCHS,
            early_stopping_patience=WIDE_PATIENCE,
            scaling="standard",
            differencing=0,
        )

    # keras-tuner has no wall-clock limit: a trial gets the time that is left, and once
    # it is spent the oracle is told that the trials so far are all there will be.
    deadline = time.monotonic() + minutes * 60 if minutes else None

    class Search(kt.Tuner):
        def run_trial(self, trial: Any, *args: Any, **kwargs: Any) -> dict[str, float]:
            spec = RunSpec("wide", config_of(trial.hyperparameters), 1.0, 0)
            run = trainer.run(spec, deadline)
            score = run.val_rmse if math.isfinite(run.val_rmse) else 1e30
            return {"val_rmse": score, "best_epoch": float(run.best_epoch)}

        def on_trial_end(self, trial: Any) -> None:
            super().on_trial_end(trial)
            if deadline is not None and time.monotonic() > deadline:
                self.oracle.max_trials = len(self.oracle.trials)

    oracle = kt.oracles.BayesianOptimizationOracle(
        objective=kt.Objective("val_rmse", "min"), max_trials=trials, seed=0
    )
    tuner = Search(
        oracle=oracle, directory=str(workdir), project_name=f"wide-{p.name}", overwrite=True
    )
    tuner.search(verbose=0)
    best = tuner.oracle.get_best_trials(1)[0]
    epochs = int(best.metrics.get_best_value("best_epoch") or WIDE_EPOCHS)
    hp = best.hyperparameters
    config = config_of(hp)
    config = ModelConfig(**{**config.__dict__, "epochs": max(1, epochs)})
    s, rmses = train_seeds(p, config, seeds)
    return Entry(
        "wide_search",
        s["rmse"],
        s["mae"],
        s["mase"],
        time.perf_counter() - start,
        {
            "trials": len(tuner.oracle.trials),
            "trials_asked": trials,
            "minutes_cap": minutes,
            "best": dict(hp.values),
            "seed_rmse": rmses,
        },
    )


# --- NeuralForecast's AutoLSTM: the off-the-shelf automatic LSTM ------------------------

AUTOLSTM = "autolstm"
# The default space reaches 64 horizons of input; past 16 the windows outgrow the shorter
# series' training rows and a CPU's minutes.
AUTOLSTM_MAX_INPUT_MULTIPLIER = 16
BENCH_EXTRA_HINT = 'pip install -e ".[bench]"'


class MissingExtra(Skipped):
    """A competitor whose package comes from the ``bench`` extra, which is not installed."""


def neuralforecast_missing() -> str | None:
    """Why AutoLSTM cannot run here, in one line; None where it can."""
    try:
        import neuralforecast  # noqa: F401
    except ImportError:
        return (
            f"{AUTOLSTM}: skipped, neuralforecast is not installed "
            f"(it comes with the bench extra: {BENCH_EXTRA_HINT})"
        )
    return None


def autolstm_frames(p: Problem) -> tuple[pd.DataFrame, pd.DataFrame]:
    """NeuralForecast's long frames: the fit's rows (train + validation, nothing of the
    test), and one series per test origin holding the rows before it, named by the origin.
    """
    fit_end = p.split.validation_end
    fit = pd.DataFrame({"unique_id": 0, "ds": np.arange(fit_end), "y": p.y[:fit_end]})
    history = pd.concat(
        [
            pd.DataFrame({"unique_id": int(t), "ds": np.arange(t), "y": p.y[:t]})
            for t in p.test_origins()
        ],
        ignore_index=True,
    )
    return fit, history


def autolstm_input_sizes(h: int, train_rows: int, multipliers: list[int]) -> list[int]:
    """The default space's input-size multipliers that fit: at most 16 horizons, and no
    more rows than training holds (NeuralForecast refuses a window longer than its rows).
    A multiplier of -1 is NeuralForecast's default of three horizons."""
    keep = [
        m
        for m in multipliers
        if m <= AUTOLSTM_MAX_INPUT_MULTIPLIER and h * (3 if m < 1 else m) <= train_rows
    ]
    if not keep:
        raise ValueError(
            f"AutoLSTM: {train_rows} training rows are fewer than three horizons of {h}"
        )
    return keep


def _quiet_lightning() -> None:
    import logging

    for name in ("pytorch_lightning", "lightning.pytorch", "lightning_fabric", "lightning.fabric"):
        logging.getLogger(name).setLevel(logging.ERROR)


def _origin_table(forecasts: pd.DataFrame, column: str, origins: np.ndarray) -> np.ndarray:
    ids = forecasts["unique_id"].astype(int).to_numpy()
    step = forecasts["ds"].astype(int).to_numpy() - ids
    table = pd.DataFrame({"origin": ids, "step": step, "y": forecasts[column].to_numpy()})
    return table.pivot(index="origin", columns="step", values="y").loc[origins].to_numpy()


def autolstm(p: Problem, samples: int, steps: int, seeds: int, workdir: Path) -> Entry:
    """AutoLSTM (Optuna, its default space, ``samples`` trials of at most ``steps`` training
    steps) tuned on the protocol's validation rows and refitted on train + validation; the
    best configuration trained again for each further seed, the median seed reported.
    Every test origin is forecast from the rows before it.
    """
    why = neuralforecast_missing()
    if why:
        raise MissingExtra(why)
    import optuna
    import torch

    _quiet_lightning()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    # One thread: on the 2-core machine shared with other work, torch's second OpenMP
    # thread spin-waits for the first and one 50-step fit took 133 s instead of 5.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _autolstm(p, samples, steps, seeds, workdir)
    finally:
        torch.set_num_threads(threads)


def _autolstm(p: Problem, samples: int, steps: int, seeds: int, workdir: Path) -> Entry:
    import optuna
    from neuralforecast import NeuralForecast
    from neuralforecast.auto import AutoLSTM
    from neuralforecast.models import LSTM

    start = time.perf_counter()
    h, ts = p.horizon, p.test_origins()
    fit, history = autolstm_frames(p)
    space = dict(AutoLSTM.default_config)
    multipliers = autolstm_input_sizes(h, p.split.train, list(space["input_size_multiplier"]))
    space["input_size_multiplier"] = multipliers
    space["max_steps"] = steps
    # Display and logging only: no progress bars in the benchmark's log, and no logs or
    # checkpoints written into the working directory.
    space.update(
        enable_progress_bar=False,
        enable_model_summary=False,
        logger=False,
        default_root_dir=str(workdir),
    )

    class CappedAutoLSTM(AutoLSTM):
        # get_default_config builds the space from the class's default_config
        default_config = space

    config = CappedAutoLSTM.get_default_config(h=h, backend="optuna")

    runs: list[dict[str, float]] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        auto = AutoLSTM(
            h=h,
            config=config,
            backend="optuna",
            num_samples=samples,
            search_alg=optuna.samplers.TPESampler(seed=0),
            alias=AUTOLSTM,
        )
        nf = NeuralForecast(models=[auto], freq=1)
        nf.fit(df=fit, val_size=p.split.test)
        study = nf.models[0].results
        best = dict(study.best_trial.user_attrs["ALL_PARAMS"])
        trials = [{**t.params, "val_loss": t.value} for t in study.trials if t.value is not None]
        runs.append(p.score(_origin_table(nf.predict(df=history), AUTOLSTM, ts)))
        for k in range(1, seeds):
            model = LSTM(**{**best, "random_seed": int(best["random_seed"]) + k, "alias": AUTOLSTM})
            again = NeuralForecast(models=[model], freq=1)
            again.fit(df=fit)
            runs.append(p.score(_origin_table(again.predict(df=history), AUTOLSTM, ts)))
    median = sorted(runs, key=lambda r: r["rmse"])[len(runs) // 2]
    shown = {
        k: v for k, v in best.items() if not k.startswith(("enable_", "logger", "default_root"))
    }
    return Entry(
        AUTOLSTM,
        median["rmse"],
        median["mae"],
        median["mase"],
        time.perf_counter() - start,
        {
            "samples": samples,
            "max_steps": steps,
            "input_sizes": [h * (3 if m < 1 else m) for m in multipliers],
            "val_size": p.split.test,
            "seeds": seeds,
            "seed_note": "the search once (Optuna TPE, seed 0); its refit is the first seed, "
            "the best configuration retrained with its random_seed + k for the others",
            "best": shown,
            "trials": trials,
            "seed_rmse": [r["rmse"] for r in runs],
        },
    )


def advisor(
    p: Problem,
    seeds: int,
    workdir: Path,
    budget: str | None,
    keep: Path | None = None,
    recorded: Path | None = None,
    final_seeds: int | None = None,
) -> Entry:
    """``advisor analyze`` on the dataset, then its ``final.config`` trained as the advisor
    trains its final model. With ``recorded`` (a folder of kept ``NAME.recommendation.json``
    files), the analysis is not run again: its recorded configuration is trained, and its
    seconds are the recorded run's. ``final_seeds`` overrides the trainings averaged."""
    if recorded is not None:
        doc = json.loads((recorded / f"{p.name}.recommendation.json").read_text())
        return advisor_entry(p, doc, seeds, float(doc["run"]["seconds"]), final_seeds)
    out = workdir / f"advisor-{p.name}"
    shutil.rmtree(out, ignore_errors=True)
    cmd = [
        sys.executable,
        "-m",
        "advisor",
        "analyze",
        str(p.path),
        "--target",
        p.target,
        "--horizon",
        str(p.horizon),
        "--out",
        str(out),
        # Every dataset is judged as a first analysis: nothing borrowed from the others.
        "--no-history",
    ]
    if p.time_column:
        cmd += ["--time-col", p.time_column]
    if budget:
        cmd += ["--budget", budget]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:]
        raise RuntimeError(f"advisor failed on {p.name}: {tail}")
    doc = json.loads((out / "recommendation.json").read_text())
    doc["run"]["wall_seconds"] = seconds  # the whole command's, startup and exit included
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        (keep / f"{p.name}.recommendation.json").write_text(json.dumps(doc, indent=1))
    return advisor_entry(p, doc, seeds, seconds, final_seeds)


def advisor_entry(
    p: Problem, doc: dict[str, Any], seeds: int, seconds: float, final_seeds: int | None
) -> Entry:
    config = config_from_dict(doc["final"]["config"])
    members = final_seeds or len(doc["final"].get("seeds") or [0])
    s, rmses = train_seeds(p, config, seeds, members)
    findings = [f["id"] for f in doc["diagnosis"]["findings"]]
    return Entry(
        "advisor",
        s["rmse"],
        s["mae"],
        s["mase"],
        seconds,
        {
            "config": doc["final"]["config"],
            "findings": findings,
            "primary": doc["diagnosis"].get("primary"),
            "verdict": (doc.get("verification") or {}).get("verdict"),
            "outcome": (doc.get("verification") or {}).get("outcome"),
            "baseline_warning": doc["recommendation"]["baseline_warning"],
            "seed_rmse": rmses,
            "members": members,
            "budget_s": doc["run"].get("budget_s"),
            **calibration(doc),
        },
    )


def calibration(doc: dict[str, Any]) -> dict[str, Any]:
    """What the advisor claimed on validation, and what its own final test table shows.

    The claim: the chosen configuration's validation RMSE (files from before that was
    recorded: the best trial's) against the best baseline on validation (the one
    a user would fall back to), whether the chosen configuration beat it (``beaten``)
    and whether it warned (a gain within the noise is warned of too). The test side: its
    final model's test RMSE and that same baseline's. ``decision_rmse`` is the test RMSE
    of what it tells the user to use: the baseline wherever it warned (a gain the
    validation rows cannot establish is no reason to take the costlier model; the
    headline then says "use the baseline"), else its LSTM.
    """
    baselines = [b for b in doc["profile"]["baselines"] if b.get("val_rmse") is not None]
    verification = doc.get("verification") or {}
    runs = [r["val_rmse"] for r in doc["diagnosis"]["runs"] if r.get("val_rmse") is not None]
    lstm_val = (
        (verification.get("baseline") or {}).get("lstm_val_rmse")
        or verification.get("best_val_rmse")
        or (min(runs) if runs else None)
    )
    final = doc.get("final") or {}
    lstm_test = (final.get("test_metrics") or {}).get("rmse")
    if not baselines or lstm_val is None or lstm_test is None:
        return {}
    best = min(baselines, key=lambda b: b["val_rmse"])
    base_test = ((final.get("baseline_test_metrics") or {}).get(best["name"]) or {}).get("rmse")
    # The chosen configuration against the baseline
    # (advisor.verification.verdict.against_baseline; documents written before it
    # recorded this get the same 2% test here).
    beaten = (verification.get("baseline") or {}).get("beaten")
    if beaten is None:
        beaten = lstm_val < (1 - 0.02) * best["val_rmse"]
    # A gain the advisor's own test rows contradicted is withdrawn (``held_on_test``
    # false, advisor.verification.verdict.held_on_test): the advice is then the baseline.
    held = (verification.get("baseline") or {}).get("held_on_test")
    warned = bool(doc["recommendation"]["baseline_warning"]) or not beaten or held is False
    return {
        "val_baseline": best["name"],
        "val_baseline_rmse": best["val_rmse"],
        "val_lstm_rmse": lstm_val,
        "claimed_gain": 1 - lstm_val / best["val_rmse"],
        "test_lstm_rmse": lstm_test,
        "test_baseline_rmse": base_test,
        "measured_gain": None if not base_test else 1 - lstm_test / base_test,
        "beaten": bool(beaten),
        "held_on_test": held,
        "warned": warned,
        "decision": best["name"] if warned else "lstm",
        "decision_rmse": base_test if warned else lstm_test,
        "test_baselines": {
            k: v.get("rmse") for k, v in (final.get("baseline_test_metrics") or {}).items()
        },
    }


def best_stat(by: dict[str, Entry]) -> Entry | None:
    """The statsforecast model (or their median) with the lowest test RMSE: the best a
    user could have had from them, picked with hindsight, so a hard bar."""
    finished = [by[n] for n in (*STAT_MODELS, STAT_MEDIAN) if n in by and math.isfinite(by[n].rmse)]
    return min(finished, key=lambda e: e.rmse) if finished else None


def calibration_rows(results: dict[str, list[Entry]]) -> dict[str, dict[str, Any]]:
    """Per dataset, the advisor's verdict on validation against what the test shows.

    Four verdicts: ``gain`` (the LSTM beat the baseline beyond the noise, and its own
    test rows did not contradict it), ``gain, not held on test`` (they did: withdrawn),
    ``within noise`` (ahead on validation, but not beyond the noise) and ``no gain``
    (the chosen configuration not 2% below the baseline). Under all but the first the
    advice is the baseline. It agrees where that advice is the better of the two on
    test, the LSTM scored by this benchmark's own retraining where it ran. Entries saved
    before ``beaten`` was recorded get it from their claimed gain, as ``calibration``
    computes it.
    """
    rows = {}
    for name, entries in results.items():
        adv = next((e for e in entries if e.name == "advisor"), None)
        if adv is None or adv.detail.get("claimed_gain") is None:
            continue
        d = adv.detail
        beaten = d.get("beaten", d["claimed_gain"] > 0.02)
        lstm, base = d.get("test_lstm_rmse"), d.get("test_baseline_rmse")
        # Entries saved before the advisor withdrew gains its test rows contradict get
        # the same rule from the same figures (advisor.verification.verdict.held_on_test).
        held = d.get("held_on_test", None if not (beaten and lstm and base) else lstm < base)
        withdrawn = held is False
        noisy = bool(d.get("baseline_warning"))  # the diagnosis found the gain within the noise
        warned = d.get("warned", noisy or not beaten) or withdrawn
        # "In fact" is the benchmark's own retraining of the configuration (median of its
        # seeds) against that baseline on the same test rows, where it ran; the
        # advisor's own test table (which withdrawing a claim already read) otherwise.
        retrained = adv.rmse if math.isfinite(adv.rmse) else None
        measured = d.get("measured_gain")
        in_fact = measured if not (retrained and base) else 1 - retrained / base
        if not beaten:
            verdict = "no gain"
        elif noisy:
            verdict = "within noise"
        elif withdrawn:
            verdict = "gain, not held on test"
        else:
            verdict = "gain"
        decision = d.get("val_baseline") if warned else "lstm"
        rows[name] = {
            "verdict": verdict,
            "baseline": d.get("val_baseline"),
            "claimed_gain": d["claimed_gain"],
            "measured_gain": measured,
            "retrained_gain": in_fact,
            "agree": None if in_fact is None else bool(in_fact <= 0 if warned else in_fact > 0),
            "decision": decision,
            "decision_rmse": base if warned else lstm,
            "decision_to_best_on_test": ratio(base if warned else lstm, min(lstm, base))
            if lstm is not None and base is not None
            else None,
        }
    return rows


def calibration_summary(rows: dict[str, dict[str, Any]]) -> dict[str, Any]:
    judged = {n: r for n, r in rows.items() if r["agree"] is not None}
    contradicted = [n for n, r in judged.items() if r["verdict"] == "gain" and not r["agree"]]
    withdrawn = [n for n, r in rows.items() if r["verdict"] == "gain, not held on test"]
    return {
        "calibration_gain_withdrawn_on_test": ", ".join(withdrawn) or "none",
        "calibration_agreements": sum(r["agree"] for r in judged.values()),
        "calibration_judged": len(judged),
        "calibration_gain_contradicted_by_test": ", ".join(contradicted) or "none",
        "calibration_median_gain_gap": med(
            [
                abs(r["claimed_gain"] - r["measured_gain"])
                for r in judged.values()
                if r["measured_gain"] is not None
            ]
        ),
    }


def summarise(results: dict[str, list[Entry]]) -> dict[str, Any]:
    per: dict[str, Any] = {}
    best_stats: dict[str, str | None] = {}
    adv_wide, adv_stat, adv_novice, wall = [], [], [], []
    adv_best, adv_auto, wall_auto = [], [], []
    for name, entries in results.items():
        by = {e.name: e for e in entries}
        ref_sn = by.get("seasonal_naive") or by["naive"]
        best = best_stat(by)
        best_stats[name] = best.name if best else None
        auto = by.get(AUTOLSTM)
        per[name] = {
            e.name: {
                "rmse": e.rmse,
                "mae": e.mae,
                "mase": e.mase,
                "seconds": round(e.seconds, 1),
                "vs_seasonal_naive": ratio(e.rmse, ref_sn.rmse),
                "vs_statistical": ratio(e.rmse, by["statistical"].rmse)
                if "statistical" in by
                else None,
                "vs_wide_search": ratio(e.rmse, by["wide_search"].rmse)
                if "wide_search" in by
                else None,
                "vs_best_stat": ratio(e.rmse, best.rmse) if best else None,
                "vs_autolstm": ratio(e.rmse, auto.rmse) if auto else None,
                **e.detail,
            }
            for e in entries
        }
        if "advisor" in by and "wide_search" in by:
            adv_wide.append(ratio(by["advisor"].rmse, by["wide_search"].rmse))
            wall.append(ratio(by["advisor"].seconds, by["wide_search"].seconds))
        if "advisor" in by and "statistical" in by:
            adv_stat.append(ratio(by["advisor"].rmse, by["statistical"].rmse))
        if "advisor" in by and "novice_lstm" in by:
            adv_novice.append(by["advisor"].rmse < by["novice_lstm"].rmse)
        if "advisor" in by and best:
            adv_best.append(ratio(by["advisor"].rmse, best.rmse))
        if "advisor" in by and auto and math.isfinite(auto.rmse):
            adv_auto.append(ratio(by["advisor"].rmse, auto.rmse))
            wall_auto.append(ratio(by["advisor"].seconds, auto.seconds))

    no_gain = [
        name
        for name, entries in results.items()
        if "advisor" in (by := {e.name: e for e in entries})
        and by["advisor"].detail.get("baseline_warning")
    ]
    calibration = calibration_rows(results)
    # What the verdict tells the user to use against the tutorial LSTM: the advisor's LSTM
    # (its seeds' median) where it found a gain, else the baseline it names (deterministic).
    decision_novice, decision_stat = [], []
    for name, row in calibration.items():
        by = {e.name: e for e in results[name]}
        if row.get("decision_rmse") is None:
            continue
        chosen = by["advisor"].rmse if row["decision"] == "lstm" else row["decision_rmse"]
        if "novice_lstm" in by:
            decision_novice.append(chosen < by["novice_lstm"].rmse)
        if STAT_MEDIAN in by and math.isfinite(by[STAT_MEDIAN].rmse):
            decision_stat.append(ratio(chosen, by[STAT_MEDIAN].rmse))
    return {
        "datasets": per,
        "best_stat": best_stats,
        "calibration": calibration,
        "summary": {
            "advisor_says_no_gain_over_baseline": ", ".join(no_gain) or "none",
            "median_advisor_to_wide_rmse": med(adv_wide),
            "advisor_within_5pct_of_wide": sum(r <= 1.05 for r in adv_wide),
            "median_advisor_to_wide_wall": med(wall),
            "median_advisor_to_statistical": med(adv_stat),
            "advisor_at_or_below_statistical": sum(r <= 1.0 for r in adv_stat),
            "compared_with_statistical": len(adv_stat),
            "advisor_beats_novice": sum(adv_novice),
            "compared_with_novice": len(adv_novice),
            "advisor_decision_beats_novice": sum(decision_novice),
            "decision_compared_with_novice": len(decision_novice),
            "compared_with_wide": len(adv_wide),
            "median_advisor_to_best_stat": med(adv_best),
            "advisor_at_or_below_best_stat": sum(r <= 1.0 for r in adv_best),
            "compared_with_best_stat": len(adv_best),
            "median_advisor_to_autolstm_rmse": med(adv_auto),
            "advisor_at_or_below_autolstm": sum(r <= 1.0 for r in adv_auto),
            "advisor_below_autolstm": sum(r < 1.0 for r in adv_auto),
            "median_decision_to_stat_median": med(decision_stat),
            "decision_compared_with_stat_median": len(decision_stat),
            "compared_with_autolstm": len(adv_auto),
            "median_advisor_to_autolstm_wall": med(wall_auto),
            **calibration_summary(calibration),
            "datasets": len(results),
        },
    }


def calibration_markdown(report: dict[str, Any]) -> list[str]:
    rows = report.get("calibration") or {}
    if not rows:
        return []
    lines = [
        "",
        "## Calibration",
        "",
        "The advisor's verdict on validation (a gain over the best validation baseline, or "
        "a warning of none) against the test: claimed gain = 1 - LSTM / baseline RMSE on "
        "validation; measured gain = the same on the advisor's own final test table; "
        "retrained gain = the same with this benchmark's retraining of the configuration "
        "(median of its seeds), which decides whether they agree. A gain the advisor's own "
        "test rows contradicted is withdrawn (verdict `gain, not held on test`). The "
        "decision is what it tells the user to use: its LSTM after a gain that held, "
        "else the baseline.",
        "",
        "| dataset | verdict on validation | claimed gain | measured gain | retrained gain "
        "| agree? | decision | its test RMSE | / best of LSTM and baseline on test |",
        "| --- | --- | ---: | ---: | ---: | :---: | --- | ---: | ---: |",
    ]
    for name, r in rows.items():
        agree = "n/a" if r["agree"] is None else ("yes" if r["agree"] else "no")
        lines.append(
            f"| {name} | {r['verdict']} | {fmt(r['claimed_gain'])} | "
            f"{fmt(r['measured_gain'])} | {fmt(r.get('retrained_gain'))} | {agree} | "
            f"{r['decision']} | {fmt(r['decision_rmse'], 4)} | "
            f"{fmt(r['decision_to_best_on_test'])} |"
        )
    s = report["summary"]
    lines += [
        "",
        f"Agreements: {s['calibration_agreements']} of {s['calibration_judged']}. "
        f"A gain claimed that the test contradicts: "
        f"{s['calibration_gain_contradicted_by_test']}. "
        f"Gains withdrawn because the advisor's own test rows contradicted them: "
        f"{s.get('calibration_gain_withdrawn_on_test', 'none')}. "
        f"Median |claimed - measured| gain: {fmt(s['calibration_median_gain_gap'])}.",
    ]
    return lines


def markdown(report: dict[str, Any]) -> str:
    lines = [
        "| dataset | competitor | RMSE | MASE | / seasonal naive | / statistical | / wide search "
        "| / best stat | / AutoLSTM | seconds |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    f = fmt
    for name, comps in report["datasets"].items():
        for comp, m in comps.items():
            label = comp
            if m.get("capped"):
                label += f" (over its {fmt(m.get('minutes_cap'))} min cap)"
            elif comp == STAT_MEDIAN and m.get("note"):
                label += f" ({m['note'].split(';')[0]})"
            lines.append(
                f"| {name} | {label} | {f(m['rmse'], 4)} | {f(m['mase'])} | "
                f"{f(m['vs_seasonal_naive'])} | {f(m['vs_statistical'])} | "
                f"{f(m['vs_wide_search'])} | {f(m.get('vs_best_stat'))} | "
                f"{f(m.get('vs_autolstm'))} | {m['seconds']} |"
            )
    s = report["summary"]
    goals = [
        ("advisor RMSE / wide search, median <= 1.00", s["median_advisor_to_wide_rmse"], 1.0),
        (
            "advisor wall time / wide search, median <= 0.33",
            s["median_advisor_to_wide_wall"],
            1 / 3,
        ),
        ("advisor RMSE / statistical, median <= 1.10", s["median_advisor_to_statistical"], 1.1),
        (
            "advisor RMSE / best statsforecast model, median <= 1.10",
            s["median_advisor_to_best_stat"],
            1.1,
        ),
        ("advisor RMSE / AutoLSTM, median <= 1.00", s["median_advisor_to_autolstm_rmse"], 1.0),
        (
            "advisor wall time / AutoLSTM, median <= 0.50",
            s["median_advisor_to_autolstm_wall"],
            0.5,
        ),
        (
            "what the verdict says to use / statsforecast's median model, median <= 1.00",
            s.get("median_decision_to_stat_median"),
            1.0,
        ),
    ]
    lines += ["", "| goal | measured | met |", "| --- | ---: | :---: |"]
    for label, value, limit in goals:
        met = "n/a" if value is None else ("yes" if value <= limit else "no")
        lines.append(f"| {label} | {f(value)} | {met} |")
    lines += [
        count_goal(
            "advisor at or below statistical on >= 1/3 of datasets",
            s["advisor_at_or_below_statistical"],
            s["compared_with_statistical"],
            (1, 3),
        ),
        count_goal(
            "advisor better than the novice LSTM on >= 80%",
            s["advisor_beats_novice"],
            s["compared_with_novice"],
            (4, 5),
        ),
        count_goal(
            "what the verdict says to use better than the novice LSTM on >= 80%",
            s["advisor_decision_beats_novice"],
            s["decision_compared_with_novice"],
            (4, 5),
        ),
        count_goal(
            "advisor at or below the best statsforecast model on >= 1/3 of datasets",
            s["advisor_at_or_below_best_stat"],
            s["compared_with_best_stat"],
            (1, 3),
        ),
        count_goal(
            "advisor below AutoLSTM on >= 90% of datasets",
            s.get("advisor_below_autolstm", 0),
            s["compared_with_autolstm"],
            (9, 10),
        ),
    ]
    lines += ["", "| across datasets | value |", "| --- | ---: |"]
    lines += [
        f"| {k.replace('_', ' ')} | {f(v) if v is None or isinstance(v, float) else v} |"
        for k, v in s.items()
    ]
    lines += calibration_markdown(report)
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", type=Path, required=True, help="folder with the CSVs")
    ap.add_argument("--manifest", type=Path, help="default: DATASETS/manifest.json")
    ap.add_argument(
        "--only", nargs="*", help="dataset names to run (default: every forecasting one)"
    )
    ap.add_argument("--trials", type=int, default=15, help="wide search trials")
    ap.add_argument(
        "--wide-minutes",
        type=float,
        help="stop the wide search between trials after this many minutes (default: no cap)",
    )
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument(
        "--stat-minutes",
        type=float,
        default=5.0,
        help="wall-clock cap on each statsforecast model (fit and every forecast); one over "
        "it is stopped and reported as capped",
    )
    ap.add_argument("--autolstm-samples", type=int, default=10, help="AutoLSTM's Optuna trials")
    ap.add_argument(
        "--autolstm-steps",
        type=int,
        default=200,
        help="training steps of every AutoLSTM trial and refit (its default space has 500/1000)",
    )
    add_budget_arguments(ap, "autolstm:0.5 asks the advisor for its answer in half AutoLSTM's time")
    ap.add_argument(
        "--advisor-from",
        type=Path,
        help="a folder of kept NAME.recommendation.json (an earlier --out's runs/): train "
        "their final.config instead of running the analysis again",
    )
    ap.add_argument(
        "--final-seeds",
        type=int,
        help="trainings the advisor's final model averages (default: its final.seeds, or 1)",
    )
    ap.add_argument(
        "--skip",
        nargs="*",
        default=[],
        help="competitors to leave out (statsforecast: all three models, or any of "
        f"{', '.join(STAT_MODELS)})",
    )
    ap.add_argument("--out", type=Path, default=Path("bench-out"))
    ap.add_argument(
        "--reuse", action="store_true", help="take results already in OUT/entries where present"
    )
    ap.add_argument(
        "--rerun", nargs="*", default=[], help="with --reuse: competitors to run again anyway"
    )
    ap.add_argument(
        "--tables-only",
        action="store_true",
        help="train nothing: build the tables from OUT/entries, leaving out what is missing",
    )
    ap.add_argument(
        "--entries-from",
        type=Path,
        help="a saved results.json (docs/benchmarks-results-*.json): its entries are written "
        "into OUT/entries first, where none is there yet, so --reuse or --tables-only "
        "takes them (--rerun advisor then runs the advisor alone beside them)",
    )
    args = ap.parse_args(argv)

    manifest = json.loads((args.manifest or args.datasets / "manifest.json").read_text())
    chosen = [
        e
        for e in manifest
        if e["task"] in FORECAST_TASKS and (not args.only or e["name"] in args.only)
    ]
    stat_models = tuple(m for m in STAT_MODELS if m not in args.skip)
    # A step may leave several entries: statsforecast one per model and their median.
    members = {"statsforecast": (*stat_models, STAT_MEDIAN) if stat_models else ()}
    folder = args.out / "entries"
    args.out.mkdir(parents=True, exist_ok=True)
    if args.entries_from:
        restored = restore_entries(args.entries_from, folder, Entry)
        print(f"{restored} entries from {args.entries_from} written to {folder}", flush=True)
    results: dict[str, list[Entry]] = {}
    said: set[str] = set()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for entry in chosen:
            p = load_problem(entry, args.datasets)
            entries = simple_baselines(p)
            steps: dict[str, Any] = {
                "statistical": lambda p=p: [statistical(p)],
                "statsforecast": lambda p=p: statsforecast_models(
                    p, args.stat_minutes, work / "statsforecast", stat_models
                ),
                "novice_lstm": lambda p=p: [novice(p, args.seeds)],
                "wide_search": lambda p=p: [
                    wide_search(p, args.trials, args.seeds, work, args.wide_minutes)
                ],
                AUTOLSTM: lambda p=p: [
                    autolstm(
                        p, args.autolstm_samples, args.autolstm_steps, args.seeds, work / AUTOLSTM
                    )
                ],
                "advisor": lambda p=p: [
                    advisor(
                        p,
                        args.seeds,
                        work,
                        advisor_budget(args, folder, p.name),
                        args.out / "runs",
                        args.advisor_from,
                        args.final_seeds,
                    )
                ],
            }
            for e in gather(
                steps,
                folder,
                p.name,
                Entry,
                members=members,
                skip=args.skip,
                reuse=args.reuse,
                rerun=args.rerun,
                tables_only=args.tables_only,
                said=said,
            ):
                entries.append(e)
                note = " (capped)" if e.detail.get("capped") else ""
                print(
                    f"{p.name:22s} {e.name:14s} rmse={e.rmse:.4g} ({e.seconds:.0f}s){note}",
                    flush=True,
                )
            results[p.name] = entries
            report = summarise(results)
            (args.out / "results.json").write_text(json.dumps(report, indent=2, default=float))
            (args.out / "results.md").write_text(markdown(report))
    print(markdown(summarise(results)))
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == [STAT_WORKER]:
        raise SystemExit(stat_worker(Path(sys.argv[2]), Path(sys.argv[3])))
    raise SystemExit(main())
