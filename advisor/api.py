"""The pipeline: CSV -> profile -> diagnostics -> rules -> verification -> final -> files.

``analyze`` is the Python API and what ``advisor analyze`` runs; it returns the same
``Analysis`` record the CLI renders. It never prints: progress goes to a callback.
"""

from __future__ import annotations

import hashlib
import json
import platform
import time
from collections.abc import Sequence
from dataclasses import asdict, replace
from importlib import metadata, resources
from pathlib import Path

from advisor.atomic import write_json, write_text
from advisor.errors import AdvisorInputError
from advisor.progress import ProgressCallback, ProgressEvent, ignore
from advisor.records import Analysis, Profile, SeriesData, Settings
from advisor.splits import minimum_rows

EXAMPLES = ("airline",)
# Shares of the time budget: diagnostics first, then the search; the final training
# gets what is left, and always runs, so a tight budget still yields a model.
DIAGNOSTIC_SHARE = 0.35
SEARCH_SHARE = 0.40
DEFAULT_RUNS_DIR = "advisor_runs"


def example_path(name: str) -> Path:
    if name not in EXAMPLES:
        raise AdvisorInputError(
            f"--example {name}", "no such example", None, f"choose one of: {', '.join(EXAMPLES)}"
        )
    return Path(str(resources.files("advisor.examples") / f"{name}.csv"))


def example_settings(name: str, settings: Settings) -> Settings:
    """The airline series is monthly: a year ahead is the natural horizon."""
    return settings if settings.horizon else replace(settings, horizon=12)


def load(
    path: str | Path, settings: Settings, display_name: str | None = None
) -> tuple[SeriesData, Profile]:
    from advisor.intake import read_series
    from advisor.probes.profile import build_profile

    data = read_series(path, settings, display_name=display_name)
    return data, build_profile(data, settings)


def run_key(data: SeriesData, settings: Settings) -> str:
    """Same data and settings, same run directory; a changed CSV never resumes into it."""
    blob = json.dumps({"sha256": data.sha256, "settings": asdict(settings)}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in (
        "lstm-advisor",
        "keras",
        "keras-tuner",
        "tensorflow",
        "numpy",
        "pandas",
        "statsmodels",
        "scikit-learn",
    ):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    try:
        import keras

        out["keras_backend"] = keras.backend.backend()
    except ImportError:
        pass
    return out


def _check_rows(data: SeriesData, profile: Profile, lookback: int) -> None:
    need = minimum_rows(profile.horizon, lookback)
    if data.rows < need:
        raise AdvisorInputError(
            data.path,
            f"only {data.rows} rows; at least {need} are needed for lookback {lookback} + "
            f"horizon {profile.horizon} + validation + test",
            None,
            "use a longer series or a smaller --horizon / --lookback",
        )


def analyze(
    data: str | Path | None = None,
    *,
    example: str | None = None,
    settings: Settings | None = None,
    out: str | Path | None = None,
    rules_files: Sequence[str | Path] = (),
    progress: ProgressCallback = ignore,
    command: str = "",
) -> Analysis:
    """Run the whole analysis on a CSV file (or a packaged example) and write its files.

    Writes ``recommendation.json``, ``report.html``, ``profile.json`` and ``model.keras``
    into the run directory (``out``, else ``advisor_runs/<name>-<key>``).
    """
    from advisor.document import to_document
    from advisor.experiments import probe_lookback, run_diagnostics
    from advisor.rules import load_rulebook
    from advisor.rules.facts import build_facts

    start = time.monotonic()
    settings = settings or Settings()
    display = None
    if example:
        path = example_path(example)
        settings = example_settings(example, settings)
        display = f"example:{example}"
    elif data is not None:
        path = Path(data)
    else:
        raise AdvisorInputError(
            "advisor", "no data given", None, "pass a CSV path or --example airline"
        )
    # Load the rulebook first: a broken user rule file should fail before any training.
    rulebook = load_rulebook([Path(p) for p in rules_files])

    progress(ProgressEvent("intake", "reading the data", 0, 1))
    series, profile = load(path, settings, display)
    lookback = probe_lookback(profile, settings)
    _check_rows(series, profile, lookback)
    run_dir = (
        Path(out) if out else Path(DEFAULT_RUNS_DIR) / f"{path.stem}-{run_key(series, settings)}"
    )
    run_dir.mkdir(parents=True, exist_ok=True)
    progress(ProgressEvent("profile", "profile done", 1, 1))

    from advisor.trainer import KerasTrainer

    budget = settings.budget_s
    trainer = KerasTrainer(series.frame.to_numpy(dtype=float), profile.split, profile.horizon)
    diagnosis = run_diagnostics(
        trainer,
        profile,
        settings,
        start + DIAGNOSTIC_SHARE * budget,
        lambda msg, done, total: progress(ProgressEvent("diagnostics", msg, done, total)),
    )

    progress(ProgressEvent("rules", "applying the rulebook", 0, 1))
    facts = build_facts(profile, diagnosis, settings, len(series.features), lookback)
    recommendation = rulebook.recommend(facts)
    progress(ProgressEvent("rules", "rules applied", 1, 1))

    from advisor.search import verify

    progress(ProgressEvent("search", "verification search", 0, 1))
    verification = verify(
        recommendation,
        trainer,
        run_dir,
        start + (DIAGNOSTIC_SHARE + SEARCH_SHARE) * budget,
        settings.seed,
        on_trial=lambda done, total: progress(
            ProgressEvent("search", f"trial {done}", done, total)
        ),
    )
    progress(ProgressEvent("search", "search done", 1, 1))

    from advisor.final import finalize

    progress(ProgressEvent("final", "training the final model", 0, 1))
    final = finalize(
        trainer, verification.best_config, profile, run_dir, settings.seed, start + budget
    )
    progress(ProgressEvent("final", "final model trained", 1, 1))

    analysis = Analysis(
        data=series,
        settings=settings,
        profile=profile,
        diagnosis=diagnosis,
        recommendation=recommendation,
        verification=verification,
        final=final,
        run_dir=str(run_dir),
        versions=versions(),
        command=command,
        seconds=time.monotonic() - start,
    )
    progress(ProgressEvent("report", "writing the report", 0, 1))
    document = to_document(analysis)
    write_json(run_dir / "recommendation.json", document)
    write_json(run_dir / "profile.json", document["profile"])
    from advisor.reports.html import render_document

    write_text(run_dir / "report.html", render_document(document))
    progress(ProgressEvent("report", "report written", 1, 1))
    return analysis
