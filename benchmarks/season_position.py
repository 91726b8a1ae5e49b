"""Season position inputs, measured on recorded configurations: with and without them.

For each dataset, a recorded final configuration (``NAME.recommendation.json`` in
``--runs``, as ``advice_quality.py`` keeps them, or the ``advisor.config`` entries of a
results JSON given with ``--results``) is trained as it is and with ``season_position``
set to the dataset's season (the manifest's ``seasonal_period``), nothing else changed:

- on train, with early stopping on the validation rows (the configuration's patience, at
  most ``--epochs`` epochs): the validation RMSE and the best epoch, per seed;
- on train + validation for the median of those best epochs (as the advisor's final
  training settles its epochs): the test RMSE, per seed.

It prints the medians over ``--seeds`` seeds. The validation figures are what the
advisor's search can see; the test figures are for this page only.

Usage::

    python benchmarks/season_position.py --datasets ../shared/datasets \
        --results docs/benchmarks-results-2026-11-30.json \
        --only nottem airline seatbelts wineind seattle_weather

Not a test: it trains for minutes per dataset.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from advice_quality import Problem, load_problem

from advisor.core.records import ModelConfig
from advisor.store.document import config_from_dict


def measure(p: Problem, config: ModelConfig, seeds: int) -> dict[str, Any]:
    from advisor.diagnostics.trainer import KerasTrainer, RunSpec

    trainer = KerasTrainer(p.values, p.split, p.horizon)
    runs = [trainer.run(RunSpec("season-position", config, 1.0, seed)) for seed in range(seeds)]
    epochs = max(1, int(statistics.median(r.best_epoch for r in runs)))
    final = replace(config, epochs=epochs)
    tests = [p.score(trainer.fit_final(final, seed, None)[1])["rmse"] for seed in range(seeds)]
    return {
        "val_rmse": statistics.median(r.val_rmse for r in runs),
        "best_epochs": [r.best_epoch for r in runs],
        "test_rmse": statistics.median(tests),
        "test_rmse_seeds": tests,
    }


def recorded_configs(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    if args.results:
        data = json.loads(args.results.read_text())["datasets"]
        return {name: d["advisor"]["config"] for name, d in data.items() if "advisor" in d}
    return {
        path.name.split(".")[0]: json.loads(path.read_text())["final"]["config"]
        for path in sorted(args.runs.glob("*.recommendation.json"))
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", type=Path, required=True)
    source = ap.add_mutually_exclusive_group(required=True)
    source.add_argument("--runs", type=Path, help="folder of NAME.recommendation.json")
    source.add_argument("--results", type=Path, help="a results JSON of advice_quality.py")
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=200, help="at most, on train")
    args = ap.parse_args(argv)
    manifest = json.loads((args.datasets / "manifest.json").read_text())
    entries = {e["name"]: e for e in manifest}
    configs = recorded_configs(args)
    out: dict[str, Any] = {}
    for name in args.only or sorted(configs):
        entry = entries[name]
        period = int(entry.get("seasonal_period") or 0)
        if name not in configs or period < 2:
            print(f"{name}: no recorded configuration or no season; left out", file=sys.stderr)
            continue
        p = load_problem(entry, args.datasets)
        config = replace(config_from_dict(configs[name]), epochs=args.epochs)
        rows = {}
        for position in (0, period):
            rows[position] = measure(p, replace(config, season_position=position), args.seeds)
            r = rows[position]
            print(
                f"{name} season_position={position}: validation {r['val_rmse']:.4g} "
                f"(best epochs {r['best_epochs']}), test {r['test_rmse']:.4g}",
                flush=True,
            )
        out[name] = rows
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
