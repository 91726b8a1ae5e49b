"""TensorBoard event files, written without TensorFlow.

The ``tensorboard`` package's own writer (``tensorboard.summary.Writer``) needs numpy and
protobuf only: it writes through TensorFlow's file layer where TensorFlow is installed
and through the package's own stub where it is not, so the logs are the same under
every Keras backend. Its scalars are the tensor summaries ``tf.summary.scalar`` writes.

The layout is Keras' TensorBoard callback's, so a dashboard looks the same: a run's
folder holds ``train/`` and ``validation/``, each with one tag ``epoch_<name>`` per
metric (``epoch_loss``, ``epoch_learning_rate``; validation drops the ``val_`` prefix),
one point per epoch, numbered from 0.

A run directory's ``logs/`` holds one folder per final training's seed (``seed-<n>``,
``final.board``) and ``diagnostics/<run name>/`` for each diagnostic training, written
from its recorded curve (``write_curves``).
"""

from __future__ import annotations

import importlib.util
import re
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from advisor.core.records import Curve

LOGS = "logs"
DIAGNOSTICS = "diagnostics"
TRAIN = "train"
VALIDATION = "validation"
VAL_PREFIX = "val_"


def unavailable() -> str | None:
    """Why no logs can be written here, in one line; ``None`` where they can."""
    if importlib.util.find_spec("tensorboard") is None:
        return "No TensorBoard logs: the tensorboard package is not installed (pip install tensorboard)."
    return None


def scalar(value: Any) -> float | None:
    """``value`` as a float where it is one number (a Python or numpy scalar, a 0-d
    array or tensor); else ``None``."""
    ndim: int = getattr(value, "ndim", 0)
    if isinstance(value, bool | str | bytes) or ndim != 0:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


class RunLog:
    """One run's folder: a writer for ``train/`` and one for ``validation/``, each made on
    the first scalar it gets (a training without validation leaves no empty folder).

    ``close`` may be called any number of times; a write after it starts a new event
    file in the same folder, which TensorBoard reads as the same run.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self._writers: dict[str, Any] = {}

    def _writer(self, split: str) -> Any:
        if split not in self._writers:
            from advisor.core.backend import quiet_native_stderr

            # The package imports TensorFlow where it is installed, lazily: on the first
            # writer made, not on import, so both are kept off the terminal.
            with quiet_native_stderr():
                from tensorboard.summary import Writer

                self._writers[split] = Writer(str(self.path / split))
        return self._writers[split]

    def write(self, logs: Mapping[str, Any], step: int) -> None:
        """One epoch's logs as Keras names them (``loss``, ``val_loss``, ...); values that
        are not single numbers are skipped."""
        for name, value in logs.items():
            number = scalar(value)
            if number is None:
                continue
            if name.startswith(VAL_PREFIX):
                split, tag = VALIDATION, name[len(VAL_PREFIX) :]
            else:
                split, tag = TRAIN, name
            self._writer(split).add_scalar(f"epoch_{tag}", number, step)

    def flush(self) -> None:
        for writer in self._writers.values():
            writer.flush()

    def close(self) -> None:
        writers, self._writers = self._writers, {}
        for writer in writers.values():
            writer.close()


def write_curve(path: Path, curve: Curve) -> None:
    """A recorded curve as one run's logs: ``epoch_loss`` in ``train/`` and, where it
    was measured, in ``validation/``."""
    log = RunLog(path)
    try:
        for epoch in range(max(len(curve.train_loss), len(curve.val_loss))):
            logs = {}
            if epoch < len(curve.train_loss):
                logs["loss"] = curve.train_loss[epoch]
            if epoch < len(curve.val_loss):
                logs[VAL_PREFIX + "loss"] = curve.val_loss[epoch]
            log.write(logs, epoch)
    finally:
        log.close()


def folder_name(name: str) -> str:
    """A run's name as one folder name: no separators, nothing a shell would trip on."""
    return re.sub(r"[^\w.%+-]", "_", name).strip(".") or "run"


def write_curves(directory: Path, runs: Iterable[tuple[str, Curve]]) -> bool:
    """Every named curve as one run under ``directory`` (``logs/diagnostics``), which is
    emptied first so a rerun does not append a second copy. Returns whether anything
    was written: nothing where the ``tensorboard`` package is missing."""
    if unavailable():
        return False
    directory = Path(directory)
    shutil.rmtree(directory, ignore_errors=True)
    taken: set[str] = set()
    wrote = False
    for name, curve in runs:
        if not curve.train_loss and not curve.val_loss:
            continue
        folder = base = folder_name(name)
        n = 1
        while folder in taken:
            n += 1
            folder = f"{base}-{n}"
        taken.add(folder)
        write_curve(directory / folder, curve)
        wrote = True
    return wrote


def write_diagnostics(run_dir: Path, runs: Iterable[Any]) -> bool:
    """The diagnostic trainings' recorded curves (records with a ``name`` and a
    ``curve``: ``DiagnosticRun``, ``ClassRun``) under ``logs/diagnostics/``, one run
    each; as ``write_curves``."""
    return write_curves(run_dir / LOGS / DIAGNOSTICS, [(r.name, r.curve) for r in runs])


__all__ = [
    "DIAGNOSTICS",
    "LOGS",
    "RunLog",
    "unavailable",
    "write_curve",
    "write_curves",
    "write_diagnostics",
]
