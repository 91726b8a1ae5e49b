"""Classification quality on real data: the advisor against what a user would do instead.

Implements the evaluation protocol's classification part on the manifest's
``task: classification`` files: train = the file's ``split == train`` sequences, test =
``split == test`` (a file marking none gets the advisor's own stratified test draw, said in
the tables); accuracy primary, macro-F1 and balanced accuracy beside it. Competitors, side
by side in one run on one machine:

- majority, dtw_1nn, minirocket: the majority class, 1-NN under dependent DTW (full
  window) and MiniRocket, aeon's, as ``probes/class_baselines.py`` runs them (channels
  z-normalised on train), here fitted on every training sequence, uncapped, and scored on
  the test sequences. Their seconds include preparing the data (and, on a first run,
  numba compiling aeon's code);
- tutorial_lstm: ``Masking -> LSTM(50) -> Dense(classes)`` on the last step, per-channel
  z-normalisation fitted on train, Adam 1e-3, batch 32, 100 epochs, no early stopping, no
  class weights, every step kept; trained on all of train, the median of ``--seeds`` seeds;
- wide_search: keras-tuner BayesianOptimization (seed 0) over units 16-128, 1-2 layers,
  dropout 0-0.5, learning rate 1e-4..1e-2 (log), batch 16/32, bidirectional or not;
  ``--trials`` trials scored on a stratified 20% of train (``core.splits.class_split``,
  seed 0) by validation cross-entropy, each early-stopped (patience 10, up to 100 epochs,
  best weights restored); the best trial retrained on all of train for its best epoch
  count, the median of ``--seeds`` seeds. Every trial is recorded. ``--wide-minutes``
  stops the search between trials;
- advisor: ``advisor analyze`` on the file with its defaults (``--budget auto``), its
  ``final.config`` trained as the tutorial LSTM is (all of train, no early stopping, the
  median of ``--seeds`` seeds); its seconds are the analysis' wall time. Whether its
  verdict named a baseline (``verdict.advised``) is kept beside the scores, for the
  verdict check against MiniRocket. Each run's recommendation.json is kept in
  ``--out/runs``.

Usage::

    python benchmarks/classification_quality.py --datasets ../shared/datasets \
        --out bench-class-out [--only gunpoint] [--trials 15] [--seeds 3] \
        [--wide-minutes 20] [--skip wide_search]

Writes ``results.json`` and ``results.md`` into ``--out``, each competitor's result on
each dataset in ``--out/entries/`` with the commit, machine, date and load that produced
it; ``--reuse`` takes those instead of training again (``--rerun NAME`` runs one anyway),
``--tables-only`` trains nothing. Ratios are to the better of 1-NN DTW and MiniRocket on
the dataset: above 1 is better than both.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import numpy as np
from _entries import Skipped, add_budget_arguments, advisor_budget, fmt, gather, med, ratio
from _entries import save_entry as save_entry

from advisor.core.class_models import ClassFinal, ClassifierConfig
from advisor.core.class_records import ClassSplit
from advisor.core.records import LayerConfig
from advisor.core.sequences import SequenceOptions, SequenceSet
from advisor.core.splits import class_split
from advisor.intake.sequences import read_sequences

CLASS_TASK = "classification"
MAJORITY, DTW, MINIROCKET = "majority", "dtw_1nn", "minirocket"
TUTORIAL, WIDE, ADVISOR = "tutorial_lstm", "wide_search", "advisor"
REFERENCES = (DTW, MINIROCKET)
"""The bar of the ratios: the better of these on each dataset."""
TUTORIAL_EPOCHS = 100
WIDE_EPOCHS = 100
WIDE_PATIENCE = 10
NOISE_ALPHA = 0.05
SPLIT_SEED = 0
METRICS = ("accuracy", "macro_f1", "balanced_accuracy")


@dataclass
class Entry:
    name: str
    accuracy: float
    macro_f1: float
    balanced_accuracy: float
    seconds: float
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class Problem:
    name: str
    seqs: SequenceSet
    split: ClassSplit
    """``class_split`` with seed 0: test is the file's, validation (for the wide search
    only) a stratified 20% of train."""

    @property
    def train(self) -> np.ndarray:
        """Every training sequence: what all competitors but the search's trials learn from."""
        return np.sort(np.array(self.split.train + self.split.validation, dtype=np.int64))

    @property
    def test(self) -> np.ndarray:
        return np.array(self.split.test, dtype=np.int64)

    def describe(self) -> dict[str, Any]:
        return {
            "train": len(self.train),
            "test": len(self.test),
            "classes": len(self.seqs.classes),
            "channels": self.seqs.n_channels,
            "lengths": [self.seqs.min_length, self.seqs.max_length],
            "test_source": self.split.test_source,
        }


def load_problem(entry: dict[str, Any], folder: Path) -> Problem:
    options = SequenceOptions(
        id_col=entry.get("id_column"),
        label=entry.get("label_column") or entry.get("target"),
        time_col=entry.get("time_column"),
        split_col=entry.get("split_column"),
    )
    seqs = read_sequences(folder / entry["file"], options)
    return Problem(entry["name"], seqs, class_split(seqs, seed=SPLIT_SEED))


def scored_on_test(p: Problem) -> ClassSplit:
    """The split as the probes' baselines read it, with every training sequence as train
    and the test sequences in the place of validation, which is what they score."""
    counts = tuple(
        a + b for a, b in zip(p.split.train_counts, p.split.validation_counts, strict=True)
    )
    return replace(
        p.split,
        train=tuple(int(i) for i in p.train),
        validation=p.split.test,
        train_counts=counts,
        validation_counts=p.split.test_counts,
    )


# --- aeon's baselines ------------------------------------------------------------------


def aeon_missing() -> str | None:
    if find_spec("aeon") is None:
        return "dtw_1nn, minirocket: skipped, aeon is not installed (pip install 'aeon>=1.5,<1.7')"
    return None


def baseline(p: Problem, name: str) -> Entry:
    """One of the probes' baselines on all of train, scored on test, uncapped."""
    from advisor.probes import class_baselines as cb

    run = {
        MAJORITY: cb.majority_baseline,
        DTW: lambda data: cb.dtw_baseline(data, math.inf),
        MINIROCKET: lambda data: cb.minirocket_baseline(data, math.inf),
    }[name]
    if name != MAJORITY and (why := aeon_missing()):
        raise Skipped(why)
    start = time.perf_counter()
    b = run(cb.prepare(p.seqs, scored_on_test(p)))
    detail: dict[str, Any] = {"test_correct": list(b.correct)}
    if b.note:
        detail["note"] = b.note
    if b.capped:
        detail["capped"] = True
    return Entry(
        name, b.accuracy, b.macro_f1, b.balanced_accuracy, time.perf_counter() - start, detail
    )


# --- LSTMs -------------------------------------------------------------------------------


def tutorial_config(epochs: int = TUTORIAL_EPOCHS) -> ClassifierConfig:
    """What a tutorial writes: one LSTM of 50 on the last step, nothing else; patience as
    long as the training, though ``fit_final`` has no validation to stop on anyway."""
    return ClassifierConfig(
        layers=(LayerConfig(50, 0.0, 0.0),),
        bidirectional=False,
        pooling="last",
        l2=0.0,
        learning_rate=1e-3,
        batch_size=32,
        epochs=epochs,
        early_stopping_patience=epochs,
        class_weights=False,
        max_length=None,
        scaling="standard",
    )


@dataclass(frozen=True)
class Seeded:
    final: ClassFinal
    correct: list[int]


def train_seeds(
    trainer: Any,
    config: ClassifierConfig,
    test: np.ndarray,
    seeds: int,
    epochs: int,
    members: int = 1,
) -> tuple[Seeded, list[Seeded]]:
    """``config`` trained for ``epochs`` on the trainer's train + validation once per seed,
    each scored on ``test``; the median seed by accuracy (the upper one of an even count)
    and all of them. ``members`` > 1: each seed's model is the average of that many
    trainings (seeds ``seed * members + j``), as the advisor's final model is."""
    runs = []
    for seed in range(seeds):
        member_seeds = [seed * members + j for j in range(members)]
        final = trainer.fit_final(config, member_seeds, test, epochs)
        runs.append(Seeded(final, correct_on_test(trainer, config, test)))
    ranked = sorted(runs, key=lambda r: _finite(r.final.test_accuracy))
    return ranked[len(ranked) // 2], runs


def _finite(x: float) -> float:
    return x if math.isfinite(x) else -math.inf


def correct_on_test(trainer: Any, config: ClassifierConfig, test: np.ndarray) -> list[int]:
    """1 where the last final model classifies test sequence ``i`` right, else 0 (empty
    where its outputs are not finite): what a paired comparison needs, which
    ``ClassFinal`` does not keep."""
    fit_rows = np.sort(np.concatenate([trainer.train_idx, trainer.val_idx]))
    feed = trainer.feed(config, fit_rows)  # the one fit_final used, cached
    probabilities = np.asarray(trainer.final_model.predict(feed.x[test], verbose=0))
    if not np.all(np.isfinite(probabilities)):
        return []
    return [int(v) for v in probabilities.argmax(axis=1) == feed.labels[test]]


def seeded_entry(
    name: str, median: Seeded, runs: list[Seeded], epochs: int, start: float, **detail: Any
) -> Entry:
    f = median.final
    trained = [r.final.epochs_trained for r in runs]
    extra: dict[str, Any] = {}
    if any(n != epochs for n in trained):
        # fit_final stops early only on a NaN or exploding loss: say so beside the scores
        extra["note"] = "stopped before its epochs: " + ", ".join(
            f"seed {k} after {r.final.epochs_trained} ({r.final.stopped_reason})"
            for k, r in enumerate(runs)
            if r.final.epochs_trained != epochs
        )
    return Entry(
        name,
        f.test_accuracy,
        f.test_macro_f1,
        f.test_balanced_accuracy,
        time.perf_counter() - start,
        {
            **detail,
            "config": asdict(f.config),
            "epochs": epochs,
            "seeds": len(runs),
            "seed_accuracy": [r.final.test_accuracy for r in runs],
            "seed_seconds": [round(r.final.seconds, 1) for r in runs],
            "epochs_trained": trained,
            "stopped": [r.final.stopped_reason for r in runs],
            "confusion": [list(row) for row in f.confusion],
            "test_correct": median.correct,
            **extra,
        },
    )


def tutorial_lstm(p: Problem, seeds: int, epochs: int = TUTORIAL_EPOCHS) -> Entry:
    from advisor.diagnostics.classifier import ClassifierTrainer

    start = time.perf_counter()
    trainer = ClassifierTrainer(p.seqs, p.train, np.array([], dtype=np.int64))
    median, runs = train_seeds(trainer, tutorial_config(epochs), p.test, seeds, epochs)
    return seeded_entry(TUTORIAL, median, runs, epochs, start)


def wide_config(hp: Any, epochs: int = WIDE_EPOCHS) -> ClassifierConfig:
    """The wide search's space, drawn from keras-tuner's ``hp`` (which records each draw)."""
    layers = hp.Int("layers", 1, 2)
    layer = LayerConfig(hp.Int("units", 16, 128), hp.Float("dropout", 0.0, 0.5), 0.0)
    return ClassifierConfig(
        layers=(layer,) * layers,
        bidirectional=hp.Boolean("bidirectional"),
        pooling="last",
        l2=0.0,
        learning_rate=hp.Float("learning_rate", 1e-4, 1e-2, sampling="log"),
        batch_size=hp.Choice("batch_size", [16, 32]),
        epochs=epochs,
        early_stopping_patience=WIDE_PATIENCE,
        class_weights=False,
        max_length=None,
        scaling="standard",
    )


def wide_search(
    p: Problem,
    trials: int,
    seeds: int,
    workdir: Path,
    minutes: float | None = None,
    epochs: int = WIDE_EPOCHS,
) -> Entry:
    import keras_tuner as kt

    from advisor.diagnostics.classifier import ClassifierTrainer

    start = time.perf_counter()
    # Keras' own EarlyStopping, as a user's search has it (not the advisor's plateau-aware one)
    trainer = ClassifierTrainer(p.seqs, p.split.train, p.split.validation, learn_first=False)
    record: dict[str, dict[str, Any]] = {}
    # keras-tuner has no wall-clock limit: a trial gets the time that is left, and once
    # it is spent the oracle is told that the trials so far are all there will be.
    deadline = time.monotonic() + minutes * 60 if minutes else None

    class Search(kt.Tuner):
        def run_trial(self, trial: Any, *args: Any, **kwargs: Any) -> dict[str, float]:
            hp = trial.hyperparameters
            run = trainer.run(f"wide-{trial.trial_id}", wide_config(hp, epochs), 0, deadline)
            record[trial.trial_id] = {
                **hp.values,
                "val_loss": run.val_loss,
                "val_accuracy": run.val_accuracy,
                "best_epoch": run.best_epoch,
                "epochs_run": run.curve.epochs,
                "stopped": run.stopped_reason,
                "seconds": round(run.seconds, 1),
            }
            # A diverged run has an infinite loss, which the oracle's regression cannot take.
            return {"val_loss": run.val_loss if math.isfinite(run.val_loss) else 1e30}

        def on_trial_end(self, trial: Any) -> None:
            super().on_trial_end(trial)
            if deadline is not None and time.monotonic() > deadline:
                self.oracle.max_trials = len(self.oracle.trials)

    oracle = kt.oracles.BayesianOptimizationOracle(
        objective=kt.Objective("val_loss", "min"), max_trials=trials, seed=0
    )
    tuner = Search(
        oracle=oracle, directory=str(workdir), project_name=f"wide-{p.name}", overwrite=True
    )
    tuner.search(verbose=0)
    best = tuner.oracle.get_best_trials(1)[0]
    best_epochs = max(1, int(record[best.trial_id]["best_epoch"]))
    config = replace(wide_config(best.hyperparameters, epochs), epochs=best_epochs)
    median, runs = train_seeds(trainer, config, p.test, seeds, best_epochs)
    return seeded_entry(
        WIDE,
        median,
        runs,
        best_epochs,
        start,
        trials=list(record.values()),
        trials_asked=trials,
        minutes_cap=minutes,
        best=dict(best.hyperparameters.values),
        validation=len(p.split.validation),
    )


def advisor(
    p: Problem,
    seeds: int,
    workdir: Path,
    keep: Path | None = None,
    budget: str | None = None,
) -> list[Entry]:
    """``advisor analyze`` on the file as a user would run it (``budget``: its ``--budget``,
    default its own), its ``final.config``
    trained as the tutorial LSTM is (all of train, the median of ``seeds`` seeds), each
    seed's model the average of as many trainings as the advisor's final model averages
    (``final.seeds``). Its seconds are the analysis' wall time: what the advice cost."""
    import shutil
    import subprocess

    from advisor.store.plain import from_plain

    out = workdir / f"advisor-{p.name}"
    shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, "-m", "advisor", "analyze", p.seqs.path, "--task", "classify"]
    cmd += ["--label", p.seqs.label_column, "--out", str(out)]
    for flag, column in (
        ("--id-col", p.seqs.id_column),
        ("--time-col", p.seqs.time_column),
        ("--split-col", p.seqs.split_column),
    ):
        if column:
            cmd += [flag, column]
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
    config = from_plain(ClassifierConfig, doc["final"]["config"])
    from advisor.diagnostics.classifier import ClassifierTrainer

    trainer = ClassifierTrainer(p.seqs, p.train, np.array([], dtype=np.int64))
    members = len(doc["final"].get("seeds") or [0])  # the trainings its final model averages
    median, runs = train_seeds(trainer, config, p.test, seeds, config.epochs, members)
    entry = seeded_entry(ADVISOR, median, runs, config.epochs, start, members=members)
    verdict = doc.get("verdict") or {}
    entry.seconds = seconds
    entry.detail.update(
        {
            "analysis_test_accuracy": doc["final"].get("test_accuracy"),
            "advised_baseline": verdict.get("baseline") if verdict.get("advised") else None,
            "verification": (doc.get("verification") or {}).get("verdict"),
            "findings": [f["id"] for f in doc["diagnosis"]["findings"]],
            "budget_s": doc["run"].get("budget_s"),
        }
    )
    return [entry]


# --- judging ---------------------------------------------------------------------------


def best_reference(by: dict[str, Entry]) -> Entry | None:
    """The better of 1-NN DTW and MiniRocket on the dataset's test sequences."""
    done = [by[n] for n in REFERENCES if n in by and math.isfinite(by[n].accuracy)]
    return max(done, key=lambda e: e.accuracy) if done else None


def ahead_beyond_noise(ahead: Entry | None, behind: Entry | None) -> dict[str, Any] | None:
    """Whether ``ahead`` classifies the test sequences better than ``behind`` by more than
    chance would explain: an exact one-sided McNemar test (a sign test on the sequences
    only one of the two gets right) at ``NOISE_ALPHA``, on the correctness each entry
    kept (an LSTM's: its median seed's). ``None`` where either lacks it.

    The verdict check reads this for MiniRocket against the advisor: where MiniRocket is
    ahead beyond the noise, advice to train an LSTM should have said so."""
    a = ahead.detail.get("test_correct") if ahead else None
    b = behind.detail.get("test_correct") if behind else None
    if not a or not b or len(a) != len(b):
        return None
    from scipy.stats import binomtest

    only_ahead = sum(1 for x, y in zip(a, b, strict=True) if x and not y)
    only_behind = sum(1 for x, y in zip(a, b, strict=True) if y and not x)
    split = only_ahead + only_behind
    p_value = binomtest(only_ahead, split, 0.5, alternative="greater").pvalue if split else 1.0
    return {
        "only_ahead_right": only_ahead,
        "only_behind_right": only_behind,
        "p_value": float(p_value),
        "beyond_noise": bool(p_value < NOISE_ALPHA),
    }


def summarise(results: dict[str, list[Entry]], splits: dict[str, Any] | None = None) -> dict:
    per: dict[str, Any] = {}
    refs: dict[str, str | None] = {}
    noise: dict[str, Any] = {}
    not_below_tutorial: list[bool] = []
    to_dtw, to_wide_wall = [], []
    by_competitor: dict[str, list[dict[str, Any]]] = {}
    for name, entries in results.items():
        by = {e.name: e for e in entries}
        ref = best_reference(by)
        refs[name] = ref.name if ref else None
        per[name] = {}
        for e in entries:
            row = {
                "accuracy": e.accuracy,
                "macro_f1": e.macro_f1,
                "balanced_accuracy": e.balanced_accuracy,
                "seconds": round(e.seconds, 1),
                "vs_best_reference": ratio(e.accuracy, ref.accuracy) if ref else None,
                # per-sequence correctness stays in the entry files
                **{k: v for k, v in e.detail.items() if k != "test_correct"},
            }
            per[name][e.name] = row
            by_competitor.setdefault(e.name, []).append(row)
        adv = by.get(ADVISOR)
        if adv is None:
            continue
        tut, dtw, wide = by.get(TUTORIAL), by.get(DTW), by.get(WIDE)
        if tut and math.isfinite(tut.accuracy) and math.isfinite(adv.accuracy):
            not_below_tutorial.append(adv.accuracy >= tut.accuracy)
        if dtw:
            to_dtw.append(ratio(adv.accuracy, dtw.accuracy))
        if wide:
            to_wide_wall.append(ratio(adv.seconds, wide.seconds))
        judged = ahead_beyond_noise(by.get(MINIROCKET), adv)
        if judged is not None:
            noise[name] = {
                "minirocket": by[MINIROCKET].accuracy,
                "advisor": adv.accuracy,
                **judged,
                # what the analysis told the user to use instead of its LSTM, if anything
                "named": adv.detail.get("advised_baseline") == MINIROCKET,
            }
    across = {
        comp: {
            "datasets": len(rows),
            **{f"median_{m}": med([r[m] for r in rows]) for m in METRICS},
            "median_vs_best_reference": med([r["vs_best_reference"] for r in rows]),
            "median_seconds": med([r["seconds"] for r in rows]),
        }
        for comp, rows in by_competitor.items()
    }
    return {
        "datasets": per,
        "splits": splits or {},
        "best_reference": refs,
        "across_datasets": across,
        "minirocket_vs_advisor": noise,
        "summary": {
            "advisor_at_or_above_tutorial": sum(not_below_tutorial),
            "compared_with_tutorial": len(not_below_tutorial),
            "median_advisor_to_dtw_accuracy": med(to_dtw),
            "compared_with_dtw": len([r for r in to_dtw if math.isfinite(r)]),
            "median_advisor_to_wide_wall": med(to_wide_wall),
            "compared_with_wide": len([r for r in to_wide_wall if math.isfinite(r)]),
            "minirocket_ahead_beyond_noise": sum(r["beyond_noise"] for r in noise.values()),
            "minirocket_named_where_ahead": sum(
                r["beyond_noise"] and r.get("named", False) for r in noise.values()
            ),
            "compared_with_minirocket": len(noise),
            "datasets": len(results),
        },
    }


def goal_rows(s: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(goal, measured, met) per goal of the issue; met is n/a where no advisor entry
    (or no competitor to hold it against) exists."""

    def against(value: float | None, ok: bool) -> tuple[str, str]:
        return (fmt(value), "n/a" if value is None else ("yes" if ok else "no"))

    n, hits = s["compared_with_tutorial"], s["advisor_at_or_above_tutorial"]
    dtw, wall = s["median_advisor_to_dtw_accuracy"], s["median_advisor_to_wide_wall"]
    m, ahead = s["compared_with_minirocket"], s["minirocket_ahead_beyond_noise"]
    named = s.get("minirocket_named_where_ahead", 0)
    return [
        (
            "advisor accuracy at or above the tutorial LSTM on every dataset",
            f"{hits} of {n}",
            "n/a" if not n else ("yes" if hits == n else "no"),
        ),
        (
            "advisor accuracy / 1-NN DTW, median >= 1.00",
            *against(dtw, dtw is not None and dtw >= 1.0),
        ),
        (
            "advisor wall time / wide search, median <= 0.33",
            *against(wall, wall is not None and wall <= 1 / 3),
        ),
        (
            "MiniRocket ahead of the advisor beyond the noise",
            f"{ahead} of {m}",
            "n/a",
        ),
        (
            "the verdict names MiniRocket wherever it is ahead beyond the noise",
            f"{named} of {ahead}",
            "n/a" if not ahead else ("yes" if named == ahead else "no"),
        ),
    ]


def markdown(report: dict[str, Any]) -> str:
    f = fmt
    lines = []
    splits = report.get("splits") or {}
    if splits:
        lines += [
            "| dataset | train | test | classes | channels | lengths | test from |",
            "| --- | ---: | ---: | ---: | ---: | --- | --- |",
        ]
        for name, d in splits.items():
            lo, hi = d["lengths"]
            source = "the file's split" if d["test_source"] == "file" else "a stratified draw"
            lines.append(
                f"| {name} | {d['train']} | {d['test']} | {d['classes']} | {d['channels']} | "
                f"{lo if lo == hi else f'{lo}-{hi}'} | {source} |"
            )
        lines.append("")
    lines += [
        "| dataset | competitor | accuracy | macro-F1 | balanced accuracy "
        "| / best of DTW, MiniRocket | seconds | commit |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, comps in report["datasets"].items():
        for comp, m in comps.items():
            label = comp
            if comp == report["best_reference"].get(name):
                label += " (reference)"
            if m.get("seeds"):
                label += f" (median of {m['seeds']} seeds)" if m["seeds"] > 1 else " (one seed)"
            commit = (m.get("provenance") or {}).get("commit", "")
            lines.append(
                f"| {name} | {label} | {f(m['accuracy'])} | {f(m['macro_f1'])} | "
                f"{f(m['balanced_accuracy'])} | {f(m['vs_best_reference'])} | "
                f"{m['seconds']} | {commit} |"
            )
    lines += [
        "",
        "Across datasets (medians over the datasets each competitor ran on):",
        "",
        "| competitor | datasets | accuracy | macro-F1 | balanced accuracy "
        "| / best of DTW, MiniRocket | seconds |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for comp, a in report["across_datasets"].items():
        lines.append(
            f"| {comp} | {a['datasets']} | {f(a['median_accuracy'])} | "
            f"{f(a['median_macro_f1'])} | {f(a['median_balanced_accuracy'])} | "
            f"{f(a['median_vs_best_reference'])} | {f(a['median_seconds'])} |"
        )
    lines += ["", "| goal | measured | met |", "| --- | ---: | :---: |"]
    lines += [f"| {goal} | {value} | {met} |" for goal, value, met in goal_rows(report["summary"])]
    noise = report.get("minirocket_vs_advisor") or {}
    if noise:
        lines += [
            "",
            f"MiniRocket against the advisor on the same test sequences (exact one-sided "
            f"McNemar test, beyond the noise at p < {NOISE_ALPHA}):",
            "",
            "| dataset | MiniRocket | advisor | only MiniRocket right | only the advisor right "
            "| p | beyond the noise |",
            "| --- | ---: | ---: | ---: | ---: | ---: | :---: |",
        ]
        for name, r in noise.items():
            lines.append(
                f"| {name} | {f(r['minirocket'])} | {f(r['advisor'])} | "
                f"{r['only_ahead_right']} | {r['only_behind_right']} | {f(r['p_value'], 2)} | "
                f"{'yes' if r['beyond_noise'] else 'no'} |"
            )
    return "\n".join(lines) + "\n"


# --- the run -----------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--datasets", type=Path, required=True, help="folder with the CSVs")
    ap.add_argument("--manifest", type=Path, help="default: DATASETS/manifest.json")
    ap.add_argument(
        "--only", nargs="*", help="dataset names to run (default: every classification one)"
    )
    ap.add_argument("--trials", type=int, default=15, help="wide search trials")
    ap.add_argument(
        "--wide-minutes",
        type=float,
        help="stop the wide search between trials after this many minutes (default: no cap)",
    )
    ap.add_argument("--seeds", type=int, default=3, help="seeds of every LSTM, median reported")
    ap.add_argument(
        "--skip",
        nargs="*",
        default=[],
        help=f"competitors to leave out: {', '.join((MAJORITY, DTW, MINIROCKET, TUTORIAL, WIDE))}",
    )
    add_budget_arguments(ap, "wide_search:0.33: a third of the wide search's time")
    ap.add_argument("--out", type=Path, default=Path("bench-class-out"))
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
        e for e in manifest if e["task"] == CLASS_TASK and (not args.only or e["name"] in args.only)
    ]
    folder = args.out / "entries"
    args.out.mkdir(parents=True, exist_ok=True)
    results: dict[str, list[Entry]] = {}
    splits: dict[str, Any] = {}
    said: set[str] = set()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for entry in chosen:
            p = load_problem(entry, args.datasets)
            splits[p.name] = p.describe()
            if p.split.test_source != "file":
                print(f"{p.name}: the file marks no test sequences; {p.split.notes[0]}")
            steps: dict[str, Any] = {
                MAJORITY: lambda p=p: [baseline(p, MAJORITY)],
                DTW: lambda p=p: [baseline(p, DTW)],
                MINIROCKET: lambda p=p: [baseline(p, MINIROCKET)],
                TUTORIAL: lambda p=p: [tutorial_lstm(p, args.seeds)],
                WIDE: lambda p=p: [
                    wide_search(p, args.trials, args.seeds, work, args.wide_minutes)
                ],
                ADVISOR: lambda p=p: advisor(
                    p,
                    args.seeds,
                    work,
                    args.out / "runs",
                    advisor_budget(args, folder, p.name),
                ),
            }
            entries: list[Entry] = []
            for e in gather(
                steps,
                folder,
                p.name,
                Entry,
                skip=args.skip,
                reuse=args.reuse,
                rerun=args.rerun,
                tables_only=args.tables_only,
                said=said,
            ):
                entries.append(e)
                print(
                    f"{p.name:16s} {e.name:14s} accuracy={e.accuracy:.3f} "
                    f"macro-F1={e.macro_f1:.3f} balanced={e.balanced_accuracy:.3f} "
                    f"({e.seconds:.0f}s)",
                    flush=True,
                )
            results[p.name] = entries
            report = summarise(results, splits)
            (args.out / "results.json").write_text(json.dumps(report, indent=2, default=float))
            (args.out / "results.md").write_text(markdown(report))
    print(markdown(summarise(results, splits)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
