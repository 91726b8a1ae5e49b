"""A pretrained model (``--pretrained MODEL.keras``) against training from scratch.

An earlier run's ``model.keras``, or any Keras 3 forecaster of the same inputs, may
already know something about this kind of series. Whether fine-tuning it beats
training the chosen configuration from scratch is measured, not assumed: the same
walk-forward folds and seeds as the cross-validation (whose runs of the chosen
configuration are the from-scratch arm, so only the fine-tunings are trained here),
paired, with the same t-test. Fine-tuning trains the output layer alone, then every
layer at a tenth of the learning rate (``diagnostics.model.fine_tune``), on the chosen
configuration's scaling, differencing, batch and epochs, and the pretrained model's
own window.

Loading is Keras' safe mode only: a ``.keras`` archive whose layers Keras knows, no
lambda layers and no custom objects, so opening a file cannot run code. A model whose
inputs do not fit the data is refused with one line; one that forecasts another
horizon has its output layer replaced (and says so).
"""

from __future__ import annotations

import hashlib
import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from advisor.core.errors import AdvisorInputError
from advisor.core.records import (
    ArmRun,
    CrossValidation,
    CVSummary,
    LayerConfig,
    ModelConfig,
    PretrainedComparison,
    Split,
)
from advisor.diagnostics.trainer import KerasTrainer, RunSpec
from advisor.verification.crossval import CV_FOLDS, CV_SEEDS, compare, fold_split, plan_folds
from advisor.verification.objective import Objective

FIX = "pass a model.keras that an earlier advisor run (or Keras 3) saved"


@dataclass(frozen=True, eq=False)
class Pretrained:
    """A loaded pretrained forecaster, ready to fine-tune (holds a Keras model)."""

    path: str
    sha256: str
    model: Any
    lookback: int
    units: tuple[int, ...]
    head_replaced: bool


def _network(model: Any) -> Any:
    """The network to fine-tune: an advisor final model averages seed members
    (``model.average_models``), so its first member; any other model, itself."""
    from advisor.diagnostics.model import keras

    members = [layer for layer in model.layers if isinstance(layer, keras.Model)]
    averages = [layer for layer in model.layers if isinstance(layer, keras.layers.Average)]
    return members[0] if members and averages else model


def load_pretrained(path: str | Path, channels: int, horizon: int) -> Pretrained:
    """Load ``path`` in safe mode and fit it to ``channels`` inputs and ``horizon``
    outputs; a file that cannot be, one line (``AdvisorInputError``)."""
    from advisor.diagnostics.model import OUTPUT_DTYPE, keras

    source = Path(path)
    if not source.is_file():
        raise AdvisorInputError(str(source), "no such file", fix=FIX)
    if source.suffix != ".keras":
        raise AdvisorInputError(
            str(source), "not a .keras archive (only Keras 3's own format loads safely)", fix=FIX
        )
    try:
        loaded = keras.saving.load_model(source, compile=False, safe_mode=True)
    except Exception as exc:  # Keras raises ValueError, TypeError, OSError, zip errors...
        why = " ".join(str(exc).split())[:200]
        unsafe = "lambda" in why.lower() or "safe_mode" in why.lower()
        problem = (
            "holds a lambda layer or other code, which safe mode does not load"
            if unsafe
            else f"Keras could not load it in safe mode ({why})"
        )
        raise AdvisorInputError(str(source), problem, fix=FIX) from None
    net = _network(loaded)
    shape = tuple(net.input_shape) if not isinstance(net.input_shape, list) else ()
    if len(shape) != 3 or shape[1] is None:
        raise AdvisorInputError(
            str(source),
            f"its input {shape or net.input_shape} is not a window of fixed length and channels",
            fix=FIX,
        )
    if shape[2] != channels:
        raise AdvisorInputError(
            str(source),
            f"it reads {shape[2]} input channel(s) and this data has {channels}",
            fix="pretrain on data with the same target and covariates",
        )
    last = net.layers[-1]
    if not isinstance(last, keras.layers.Dense) or len(net.output_shape) != 2:
        raise AdvisorInputError(
            str(source), "its last layer is not a Dense forecast of the horizon", fix=FIX
        )
    replaced = net.output_shape[-1] != horizon
    if replaced:
        # Only the horizon differs: the learnt representation stays, a new head reads it.
        features = net.layers[-2].output
        net = keras.Model(
            net.inputs, keras.layers.Dense(horizon, name="new_head", dtype=OUTPUT_DTYPE)(features)
        )
    units = tuple(int(layer.units) for layer in net.layers if isinstance(layer, keras.layers.LSTM))
    return Pretrained(
        path=str(source.resolve()),
        sha256=hashlib.sha256(source.read_bytes()).hexdigest(),
        model=net,
        lookback=int(shape[1]),
        units=units,
        head_replaced=bool(replaced),
    )


def fine_tune_config(pre: Pretrained, chosen: ModelConfig) -> ModelConfig:
    """The chosen configuration's training settings on the pretrained network's shape.
    A pretrained network reads the data's columns alone, so no season position inputs."""
    layers = tuple(LayerConfig(u, 0.0, 0.0) for u in pre.units) or chosen.layers
    return replace(chosen, lookback=pre.lookback, layers=layers, season_position=0)


def compare_pretrained(
    pre: Pretrained,
    chosen: ModelConfig,
    label: str,
    chosen_seconds: float,
    cv: CrossValidation | None,
    trainer_for: Callable[[Split], KerasTrainer],
    split: Split,
    rows: int,
    horizon: int,
    objective: Objective[Any],
    seed: int,
    deadline: float,
    seeds: int = CV_SEEDS,
) -> PretrainedComparison:
    """Fine-tune ``pre`` on the cross-validation's folds and seeds and pair it with the
    runs of ``label`` (the chosen configuration) there; where cross-validation did not
    run, both arms train here on the same folds and ``seeds`` seeds (then
    ``chosen_seconds`` is replaced by their own mean)."""
    cfg = fine_tune_config(pre, chosen)
    scratch = [r for r in (cv.runs if cv else ()) if r.config == label]
    planned, _ = plan_folds(split, horizon, [chosen, cfg], CV_FOLDS)
    folds = {f.index: f for f in planned}
    if scratch:
        pairs = sorted({(r.fold, r.seed) for r in scratch})
        arms = [
            ArmRun("scratch", r.fold, r.seed, r.score, r.val_rmse, r.best_epoch) for r in scratch
        ]
    else:
        pairs = [(f.index, seed + j) for f in planned for j in range(seeds)]
        arms = []
    # One trainer a fold: its prepared data serves every seed.
    trainers: dict[int, KerasTrainer] = {}
    notes: list[str] = []
    tuned_seconds: list[float] = []
    for fold_index, s in pairs:
        fold = folds.get(fold_index)
        if fold is None:
            notes.append(
                f"Fold {fold_index} has too few training windows for the pretrained window: "
                "not fine-tuned there."
            )
            continue
        if time.monotonic() >= deadline:
            notes.append(
                f"The time budget ran out after {len(tuned_seconds)} of {len(pairs)} "
                "fine-tunings: the comparison rests on those."
            )
            break
        if fold_index not in trainers:
            trainers[fold_index] = trainer_for(fold_split(fold, rows))
        trainer = trainers[fold_index]
        tuned = trainer.run_fine_tune(
            RunSpec(f"pretrained-fold{fold_index}-seed{s}", cfg, 1.0, s), pre.model, deadline
        )
        tuned_seconds.append(tuned.seconds)
        arms.append(
            ArmRun(
                "fine_tuned",
                fold_index,
                s,
                objective.score(tuned),
                tuned.val_rmse,
                tuned.best_epoch,
                tuned.seconds,
            )
        )
        if not scratch:
            own = trainer.run(
                RunSpec(f"scratch-fold{fold_index}-seed{s}", chosen, 1.0, s), deadline
            )
            arms.append(
                ArmRun(
                    "scratch",
                    fold_index,
                    s,
                    objective.score(own),
                    own.val_rmse,
                    own.best_epoch,
                    own.seconds,
                )
            )
    both = {(a.fold, a.seed) for a in arms if a.config == "scratch"} & {
        (a.fold, a.seed) for a in arms if a.config == "fine_tuned"
    }

    def paired(a: ArmRun) -> bool:
        # The summaries, like the test, read only (fold, seed) pairs both arms ran.
        return (a.fold, a.seed) in both

    gain, stderr, ahead = compare(arms, objective, "scratch", "fine_tuned")
    _, _, behind = compare(arms, objective, "fine_tuned", "scratch")
    winner = "fine_tuned" if ahead else ("scratch" if behind else "level")
    return PretrainedComparison(
        path=pre.path,
        sha256=pre.sha256,
        lookback=pre.lookback,
        units=pre.units,
        head_replaced=pre.head_replaced,
        runs=tuple(arms),
        scratch=_summary([a.val_rmse for a in arms if a.config == "scratch" and paired(a)]),
        fine_tuned=_summary([a.val_rmse for a in arms if a.config == "fine_tuned" and paired(a)]),
        improvement=gain,
        improvement_stderr=stderr,
        scratch_seconds=chosen_seconds
        if scratch
        else statistics.fmean([a.seconds for a in arms if a.config == "scratch"] or [math.nan]),
        fine_tune_seconds=statistics.fmean(tuned_seconds) if tuned_seconds else math.nan,
        winner=winner,  # type: ignore[arg-type]
        notes=tuple(notes),
    )


def _summary(values: list[float]) -> CVSummary | None:
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return None
    std = statistics.stdev(finite) if len(finite) > 1 else 0.0
    return CVSummary(statistics.fmean(finite), std, len(finite))
