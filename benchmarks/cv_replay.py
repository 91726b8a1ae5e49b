"""Recorded forecasting analyses, decided again by the current cross-validation test.

Each ``NAME.recommendation.json`` in a folder (an ``advice_quality.py --out``'s ``runs/``)
holds every cross-validation training's score. This script runs the current
``crossval.compare`` on them and prints, per dataset, the folds' mean gains and both
decisions. Where the search's best was chosen and the current test keeps the
suggestion, it writes a copy whose ``final.config`` is the suggestion trained for the
median of its own cross-validation runs' best epochs (what the advisor's final training
takes), so that

    python benchmarks/cv_replay.py bench-out/runs --out replayed
    python benchmarks/advice_quality.py --datasets ../shared/datasets --out bench-replay \\
        --skip novice_lstm wide_search statistical statsforecast autolstm \\
        --advisor-from replayed --final-seeds 3 --only NAME ...

scores the configuration the current test would have given, without a new analysis.
Only the final configuration is replayed: the rest of the document is as recorded.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path
from typing import Any

from advisor.core.records import CVRun
from advisor.verification.crossval import compare, median_best_epoch
from advisor.verification.objective import FORECAST_OBJECTIVES


def replay(doc: dict[str, Any]) -> dict[str, Any] | None:
    """What the current test decides on ``doc``'s recorded cross-validation; ``None``
    where none ran."""
    cv = (doc.get("verification") or {}).get("cv")
    if not cv or not cv.get("runs"):
        return None
    runs = [
        CVRun(
            r["config"],
            r["fold"],
            r["seed"],
            float(r["score"]),
            float(r["val_rmse"]),
            int(r.get("best_epoch") or 0),
            cut=bool(r.get("cut")),
        )
        for r in cv["runs"]
        if r.get("score") is not None
    ]
    objective = FORECAST_OBJECTIVES[cv.get("objective") or "val_rmse"]
    gain, stderr, beyond = compare(runs, objective)
    by_fold: dict[int, list[float]] = {}
    pairs: dict[tuple[int, int], dict[str, float]] = {}
    for r in runs:
        pairs.setdefault((r.fold, r.seed), {})[r.config] = r.score
    for (fold, _), p in pairs.items():
        if "suggestion" in p and "best" in p:
            by_fold.setdefault(fold, []).append(objective.gain(p["suggestion"], p["best"]))
    return {
        "recorded_beyond": bool(cv.get("beyond_noise")),
        "beyond": beyond,
        "gain": gain,
        "stderr": stderr,
        "fold_gains": {f: round(statistics.fmean(g), 4) for f, g in sorted(by_fold.items())},
        "epochs": {label: median_best_epoch(runs, label) for label in ("suggestion", "best")},
    }


def search_best(doc: dict[str, Any]) -> dict[str, Any]:
    """The configuration of the search's best trial: the lowest score (every forecasting
    objective is minimised), the one cross-validation compared with the suggestion."""
    scored = [t for t in doc["verification"]["trials"] if t.get("score") is not None]
    return dict(min(scored, key=lambda t: t["score"])["config"])


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("runs", type=Path, help="folder of NAME.recommendation.json")
    ap.add_argument("--out", type=Path, help="write the documents whose decision changed")
    args = ap.parse_args()
    for path in sorted(args.runs.glob("*.recommendation.json")):
        name = path.name.removesuffix(".recommendation.json")
        doc = json.loads(path.read_text())
        r = replay(doc)
        if r is None or r["gain"] is None:
            print(f"{name:24s} no cross-validation pairs")
            continue
        flipped = r["recorded_beyond"] != r["beyond"]
        print(
            f"{name:24s} folds' gains {r['fold_gains']} -> gain {r['gain']:+.3f} "
            f"(se {r['stderr'] if r['stderr'] is None else round(r['stderr'], 4)}); "
            f"recorded beyond {r['recorded_beyond']}, now {r['beyond']}"
            + (f"  -> {'the best' if r['beyond'] else 'the suggestion'} now" if flipped else "")
        )
        if flipped and args.out is not None:
            label = "best" if r["beyond"] else "suggestion"
            config = dict(search_best(doc) if r["beyond"] else doc["recommendation"]["config"])
            if r["epochs"][label]:
                config["epochs"] = r["epochs"][label]
            doc["final"]["config"] = config
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / path.name).write_text(json.dumps(doc, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
