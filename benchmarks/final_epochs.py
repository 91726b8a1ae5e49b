"""How long the final training should run: test RMSE after every epoch, per seed.

For each dataset, the final configuration an advisor run recorded (``NAME.recommendation
.json`` in ``--runs``, kept by ``advice_quality.py`` in ``--out/runs``) is trained with
``--seeds`` seeds for ``--epochs`` epochs without early stopping, twice:

- on train, the validation loss recorded after every epoch (cross-validation's most
  recent fold), and the test forecasts too;
- on train + validation (the final training), the test forecasts recorded after every
  epoch.

Then the test RMSE (median over the seeds) of the final training stopped at: the median
of the epochs where early stopping with the configuration's patience would have stopped
on the validation curves (what the advisor trains), the minimum of the mean validation
curve, the last epoch; the average of the seeds' final trainings at that median; and the
average of the early-stopped training runs (no retraining on validation). The advisor's
final model is the average of its seeds' trainings at the median (``final/training.py``).

Usage::

    python benchmarks/final_epochs.py --datasets ../shared/datasets --runs bench-out/runs \
        [--only airline sunspots_monthly] [--epochs 100] [--seeds 3]

Not a test: it trains for minutes per dataset.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from advice_quality import Problem, load_problem

from advisor.core import forecast_eval as fe
from advisor.store.document import config_from_dict


def early_stop(curve: list[float], patience: int) -> int:
    """The 1-based epoch early stopping with ``patience`` keeps on ``curve``."""
    best, at = np.inf, 0
    for i, v in enumerate(curve):
        if v < best:
            best, at = v, i
        elif i - at >= patience:
            break
    return at + 1


def per_epoch(p: Problem, doc: dict[str, Any], epochs: int, seeds: int) -> dict[str, Any]:
    """Validation curves and test forecasts after every epoch, per seed."""
    import keras

    from advisor.diagnostics.model import fit, forecast
    from advisor.diagnostics.trainer import KerasTrainer

    chosen = config_from_dict(doc["final"]["config"])
    config = replace(chosen, epochs=epochs, early_stopping_patience=10**6)
    trainer = KerasTrainer(p.values, p.split, p.horizon)
    s, h = p.split, p.horizon
    test = p.test_origins()

    class Forecasts(keras.callbacks.Callback):
        def __init__(self, prepared: Any) -> None:
            super().__init__()
            self.prepared, self.out = prepared, []

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            self.out.append(forecast(self.model, self.prepared, test, config.lookback, h))

    val_loss, on_train, on_all = [], [], []
    for seed in range(seeds):
        early = trainer.prepared(config, s.train)
        a = Forecasts(early)
        val = np.arange(s.train, s.validation_end - h + 1)
        fitted = fit(
            config, early, trainer.train_origins(config, s.train), val, h, seed, extra_callbacks=[a]
        )
        full = trainer.prepared(config, s.validation_end)
        b = Forecasts(full)
        fit(
            config,
            full,
            trainer.train_origins(config, s.validation_end),
            None,
            h,
            seed,
            extra_callbacks=[b],
        )
        val_loss.append(list(fitted.curve.val_loss))
        on_train.append(np.stack(a.out))
        on_all.append(np.stack(b.out))
    return {
        "patience": chosen.early_stopping_patience,
        "val_loss": val_loss,
        "on_train": np.stack(on_train),
        "on_all": np.stack(on_all),
        "actual": fe.actuals(p.y, test, h),
    }


def summary(r: dict[str, Any]) -> dict[str, Any]:
    actual = r["actual"]

    def rmse(pred: np.ndarray) -> float:
        return float(np.sqrt(np.mean((pred - actual) ** 2)))

    stops = [early_stop(c, r["patience"]) for c in r["val_loss"]]
    median = int(np.median(stops))
    n = min(len(c) for c in r["val_loss"])
    mean_curve = np.mean([np.asarray(c[:n]) / min(c) for c in r["val_loss"]], axis=0)
    at_mean = int(np.argmin(mean_curve)) + 1
    on_all, on_train = r["on_all"], r["on_train"]

    def refit(epoch: int) -> float:
        return float(np.median([rmse(seed[epoch - 1]) for seed in on_all]))

    return {
        "stops": stops,
        "refit_at_median": refit(median),
        "refit_at_mean_curve": refit(at_mean),
        "refit_at_last": refit(on_all.shape[1]),
        "average_at_median": rmse(on_all[:, median - 1].mean(axis=0)),
        "average_of_early_stopped": rmse(
            np.mean([on_train[i, e - 1] for i, e in enumerate(stops)], axis=0)
        ),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", type=Path, required=True)
    ap.add_argument("--runs", type=Path, required=True, help="kept NAME.recommendation.json")
    ap.add_argument("--only", nargs="*", default=None)
    ap.add_argument("--epochs", type=int, default=100)
    ap.add_argument("--seeds", type=int, default=3)
    args = ap.parse_args(argv)
    manifest = json.loads((args.datasets / "manifest.json").read_text())
    print(
        "| dataset | early stopping's epochs | refit at their median | at the mean curve's "
        f"minimum | at {args.epochs} | average of the refits at the median | average of "
        "the early-stopped runs |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for entry in manifest:
        name = entry["name"]
        doc_path = args.runs / f"{name}.recommendation.json"
        if "forecast" not in entry.get("task", "") or not doc_path.is_file():
            continue
        if args.only and name not in args.only:
            continue
        p = load_problem(entry, args.datasets)
        s = summary(per_epoch(p, json.loads(doc_path.read_text()), args.epochs, args.seeds))
        print(
            f"| {name} | {', '.join(map(str, s['stops']))} | {s['refit_at_median']:.4g} | "
            f"{s['refit_at_mean_curve']:.4g} | {s['refit_at_last']:.4g} | "
            f"{s['average_at_median']:.4g} | {s['average_of_early_stopped']:.4g} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
