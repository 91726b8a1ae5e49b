"""The final classifier: the average of a few trainings on train + validation, scored
once on the test sequences, with every baseline fitted on the same sequences and scored
on the same test ones.

Leaves ``model.keras`` and ``model.py`` (``class_script``) in the run directory. A
finished final stage is recorded in ``state/class_final.json``: a rerun of an
interrupted analysis that got this far does not train it again.
"""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from pathlib import Path

from advisor.core.class_models import ClassFinal, ClassifierConfig
from advisor.core.class_records import ClassBaseline, ClassSplit
from advisor.core.sequences import SequenceSet
from advisor.diagnostics.classifier import ClassifierTrainer
from advisor.store.atomic import write_text, write_with
from advisor.store.plain import from_plain, to_plain
from advisor.store.rundir import key_of, read_json

CHECKPOINT = "class_final.json"


def test_baselines(seqs: SequenceSet, split: ClassSplit) -> tuple[ClassBaseline, ...]:
    """Each baseline fitted on train + validation (z-normalised on them, as the final
    LSTM is) and scored on the test sequences, ``correct`` in ``split.test`` order."""
    from advisor.probes.class_baselines import channel_scales, class_baselines

    fit = tuple(sorted((*split.train, *split.validation)))
    on_test = replace(split, train=fit, validation=split.test)
    return class_baselines(seqs, on_test, channel_scales(seqs, fit))


def finalize_class(
    trainer: ClassifierTrainer,
    config: ClassifierConfig,
    seqs: SequenceSet,
    split: ClassSplit,
    run_dir: Path,
    seed: int,
    data_path: str,
    seeds_until: float | None = None,
) -> tuple[ClassFinal, tuple[ClassBaseline, ...]]:
    """Train ``config`` on train + validation with each of the final seeds
    (``training.member_seeds``: the forecaster's too; fewer only where a user's budget
    ends before another would, ``seeds_until``), score the average of their class
    probabilities and the baselines on the test sequences, and save the averaged model
    and its script, which trains the same seeds.

    The first seed trains ``config.epochs`` (where cross-validation's validation loss
    bottomed out), then on until its training loss converges (``FINAL_MAX_EPOCHS`` at
    most) or ``seeds_until`` passes: stopping at that epoch count undertrained it
    (``classifier.CONVERGED_PATIENCE`` says why). The others train as many epochs, and
    the returned final's ``config`` holds that count."""
    from advisor.diagnostics.classifier import CONVERGED_PATIENCE, FINAL_MAX_EPOCHS
    from advisor.diagnostics.device import current_precision
    from advisor.final.class_script import write_class_script
    from advisor.final.training import member_seeds

    model_path = run_dir / "model.keras"
    checkpoint = run_dir / "state" / CHECKPOINT
    seeds = member_seeds(seed)
    precision = current_precision()
    key = key_of(
        {
            "config": asdict(config),
            "split": asdict(split),
            "seeds": seeds,
            "converged": [CONVERGED_PATIENCE, FINAL_MAX_EPOCHS],
            # only where not float32: keys of classifiers trained before it stay
            **({"precision": precision} if precision != "float32" else {}),
        }
    )
    saved = read_json(checkpoint)
    if saved and saved.get("key") == key and model_path.is_file():
        try:
            final = from_plain(ClassFinal, saved["final"])
            baselines = tuple(from_plain(ClassBaseline, b) for b in saved["baselines"])
            trained = len(final.seeds) + len(final.dropped)
            write_class_script(
                final.config, seqs, split, data_path, run_dir, seed, trained, precision
            )
            return final, baselines
        except (ValueError, KeyError, TypeError):
            pass  # an older layout of the records: train again
    final = trainer.fit_final(
        config,
        seeds,
        split.test,
        FINAL_MAX_EPOCHS,
        seeds_until,
        converge=True,
        min_epochs=config.epochs,
    )
    trained = len(final.seeds) + len(final.dropped)
    script = write_class_script(
        final.config, seqs, split, data_path, run_dir, seed, trained, precision
    )
    model = trainer.final_model
    write_with(model_path, lambda tmp: model.save(tmp), suffix=".keras")
    final = replace(final, model_path=str(model_path), script_path=str(script))
    baselines = test_baselines(seqs, split)
    write_text(
        checkpoint,
        json.dumps(
            {"key": key, "final": to_plain(final), "baselines": [to_plain(b) for b in baselines]}
        )
        + "\n",
    )
    return final, baselines
