"""Advice quality on real data: the advisor against what a user would do instead.

Implements the evaluation protocol (chronological split, direct multi-step forecasts
from up to 200 test origins, RMSE/MAE/MASE in the target's units, 3 seeds for neural
models) with these competitors, side by side in one run on one machine:

- naive, seasonal naive;
- statistical: a damped-trend ETS (statsmodels ``ETSModel``; additive season where the
  period is short enough to estimate) fitted on train + validation, its parameters then
  fixed and the model re-filtered up to each test origin;
- novice LSTM: ``LSTM(50) -> Dense(h)``, lookback = season (or 12), min-max scaling,
  Adam 1e-3, batch 32, 100 epochs, no regularisation, no early stopping;
- wide search: keras-tuner BayesianOptimization over a wide space with early stopping on
  validation, ``--trials`` trials, the best configuration retrained on train + validation;
- advisor: ``advisor analyze`` with its defaults, its ``final.config`` trained as written.

Usage::

    python benchmarks/advice_quality.py --datasets ../shared/datasets --out bench-out \
        [--only airline wineind] [--trials 15] [--seeds 3]

Writes ``results.json`` and ``results.md`` into ``--out``. Each competitor's result on
each dataset is also kept in ``--out/entries/``; ``--reuse`` takes those instead of
training again, so after a change to the advice only the advisor needs rerunning
(``--reuse --rerun advisor``). The JSON says which commit and machine produced each entry.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import statistics
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


def train_seeds(
    p: Problem, config: ModelConfig, seeds: int
) -> tuple[dict[str, float], list[float]]:
    """Train ``config`` on train + validation once per seed; median of the test scores."""
    from advisor.diagnostics.trainer import KerasTrainer

    trainer = KerasTrainer(p.values, p.split, p.horizon)
    runs = []
    for seed in range(seeds):
        _, pred, _ = trainer.fit_final(config, seed, None)
        runs.append(p.score(pred))
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


def advisor(
    p: Problem, seeds: int, workdir: Path, budget: str | None, keep: Path | None = None
) -> Entry:
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
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        (keep / f"{p.name}.recommendation.json").write_text(json.dumps(doc, indent=1))
    config = config_from_dict(doc["final"]["config"])
    s, rmses = train_seeds(p, config, seeds)
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
            **calibration(doc),
        },
    )


def calibration(doc: dict[str, Any]) -> dict[str, Any]:
    """What the advisor claimed on validation, and what its own final test table shows.

    The claim: its best validation RMSE against the best baseline on validation (the one
    a user would fall back to), and whether it warned of no gain. The test side: its
    final model's test RMSE and that same baseline's. ``decision_rmse`` is the test RMSE
    of what it tells the user to use: the baseline where it warned, else its LSTM.
    """
    baselines = [b for b in doc["profile"]["baselines"] if b.get("val_rmse") is not None]
    verification = doc.get("verification") or {}
    runs = [r["val_rmse"] for r in doc["diagnosis"]["runs"] if r.get("val_rmse") is not None]
    lstm_val = verification.get("best_val_rmse") or (min(runs) if runs else None)
    final = doc.get("final") or {}
    lstm_test = (final.get("test_metrics") or {}).get("rmse")
    if not baselines or lstm_val is None or lstm_test is None:
        return {}
    best = min(baselines, key=lambda b: b["val_rmse"])
    base_test = ((final.get("baseline_test_metrics") or {}).get(best["name"]) or {}).get("rmse")
    # The diagnosis' warning, or the chosen configuration level with the baseline
    # (advisor.verification.verdict.against_baseline; documents written before it
    # recorded this get the same 2% test here).
    beaten = (verification.get("baseline") or {}).get("beaten")
    if beaten is None and verification.get("best_val_rmse") is not None:
        beaten = verification["best_val_rmse"] < (1 - 0.02) * best["val_rmse"]
    warned = bool(doc["recommendation"]["baseline_warning"]) or beaten is False
    return {
        "val_baseline": best["name"],
        "val_baseline_rmse": best["val_rmse"],
        "val_lstm_rmse": lstm_val,
        "claimed_gain": 1 - lstm_val / best["val_rmse"],
        "test_lstm_rmse": lstm_test,
        "test_baseline_rmse": base_test,
        "measured_gain": None if not base_test else 1 - lstm_test / base_test,
        "decision": best["name"] if warned else "lstm",
        "decision_rmse": base_test if warned else lstm_test,
        "test_baselines": {
            k: v.get("rmse") for k, v in (final.get("baseline_test_metrics") or {}).items()
        },
    }


def provenance() -> dict[str, Any]:
    """Where and when an entry was measured: commit, machine, date."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            cwd=Path(__file__).parent,
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "commit": commit or "unknown",
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()}",
        "python": platform.python_version(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def save_entry(folder: Path, dataset: str, entry: Entry) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    data = {**entry.__dict__, "provenance": provenance()}
    tmp = folder / f".{dataset}.{entry.name}.json.tmp"
    tmp.write_text(json.dumps(data, indent=2, default=float))
    tmp.replace(folder / f"{dataset}.{entry.name}.json")


def load_entry(folder: Path, dataset: str, name: str) -> Entry | None:
    path = folder / f"{dataset}.{name}.json"
    if not path.exists():
        return None
    data = json.loads(path.read_text())
    detail = {**data.get("detail", {}), "provenance": data.get("provenance")}
    return Entry(data["name"], data["rmse"], data["mae"], data["mase"], data["seconds"], detail)


def ratio(a: float, b: float) -> float:
    return a / b if b and math.isfinite(a) and math.isfinite(b) else math.nan


def summarise(results: dict[str, list[Entry]]) -> dict[str, Any]:
    per: dict[str, Any] = {}
    adv_wide, adv_stat, adv_novice, wall = [], [], [], []
    for name, entries in results.items():
        by = {e.name: e for e in entries}
        ref_sn = by.get("seasonal_naive") or by["naive"]
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

    def med(xs: list[float]) -> float | None:
        xs = [x for x in xs if math.isfinite(x)]
        return statistics.median(xs) if xs else None

    no_gain = [
        name
        for name, entries in results.items()
        if "advisor" in (by := {e.name: e for e in entries})
        and by["advisor"].detail.get("baseline_warning")
    ]
    return {
        "datasets": per,
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
            "compared_with_wide": len(adv_wide),
            "datasets": len(results),
        },
    }


def markdown(report: dict[str, Any]) -> str:
    lines = [
        "| dataset | competitor | RMSE | MASE | / seasonal naive | / statistical | / wide search | seconds |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]

    def f(x: Any, digits: int = 3) -> str:
        return (
            "n/a"
            if x is None or (isinstance(x, float) and not math.isfinite(x))
            else f"{x:.{digits}g}"
        )

    for name, comps in report["datasets"].items():
        for comp, m in comps.items():
            lines.append(
                f"| {name} | {comp} | {f(m['rmse'], 4)} | {f(m['mase'])} | "
                f"{f(m['vs_seasonal_naive'])} | {f(m['vs_statistical'])} | "
                f"{f(m['vs_wide_search'])} | {m['seconds']} |"
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
    ]
    lines += ["", "| goal | measured | met |", "| --- | ---: | :---: |"]
    for label, value, limit in goals:
        met = "n/a" if value is None else ("yes" if value <= limit else "no")
        lines.append(f"| {label} | {f(value)} | {met} |")
    at_stat, n_stat = s["advisor_at_or_below_statistical"], s["compared_with_statistical"]
    lines.append(
        f"| advisor at or below statistical on >= 1/3 of datasets | {at_stat} of {n_stat} | "
        f"{'yes' if n_stat and 3 * at_stat >= n_stat else 'no'} |"
    )
    beats, n_novice = s["advisor_beats_novice"], s["compared_with_novice"]
    lines.append(
        f"| advisor better than the novice LSTM on >= 80% | {beats} of {n_novice} | "
        f"{'yes' if n_novice and beats >= 0.8 * n_novice else 'no'} |"
    )
    lines += ["", "| across datasets | value |", "| --- | ---: |"]
    lines += [
        f"| {k.replace('_', ' ')} | {f(v) if isinstance(v, float) else v} |" for k, v in s.items()
    ]
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
    ap.add_argument("--budget", help="advisor --budget (default: the advisor's own default)")
    ap.add_argument("--skip", nargs="*", default=[], help="competitors to leave out")
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
    args = ap.parse_args(argv)

    manifest = json.loads((args.manifest or args.datasets / "manifest.json").read_text())
    chosen = [
        e
        for e in manifest
        if e["task"] in FORECAST_TASKS and (not args.only or e["name"] in args.only)
    ]
    args.out.mkdir(parents=True, exist_ok=True)
    results: dict[str, list[Entry]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for entry in chosen:
            p = load_problem(entry, args.datasets)
            entries = simple_baselines(p)
            steps = {
                "statistical": lambda p=p: statistical(p),
                "novice_lstm": lambda p=p: novice(p, args.seeds),
                "wide_search": lambda p=p: wide_search(
                    p, args.trials, args.seeds, work, args.wide_minutes
                ),
                "advisor": lambda p=p: advisor(p, args.seeds, work, args.budget, args.out / "runs"),
            }
            for name, step in steps.items():
                if name in args.skip:
                    continue
                kept = (
                    load_entry(args.out / "entries", p.name, name)
                    if (args.reuse or args.tables_only) and name not in args.rerun
                    else None
                )
                if kept is None and args.tables_only:
                    continue
                if kept is None:
                    kept = step()
                    save_entry(args.out / "entries", p.name, kept)
                entries.append(kept)
                print(
                    f"{p.name:22s} {name:14s} rmse={entries[-1].rmse:.4g} "
                    f"({entries[-1].seconds:.0f}s)",
                    flush=True,
                )
            results[p.name] = entries
            report = summarise(results)
            (args.out / "results.json").write_text(json.dumps(report, indent=2, default=float))
            (args.out / "results.md").write_text(markdown(report))
    print(markdown(summarise(results)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
