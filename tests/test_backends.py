"""The real trainings under the JAX and PyTorch backends, on the CPU.

GPU machines used with the advisor carry JAX or PyTorch and no TensorFlow, so the model
code is Keras 3 only; these smoke tests run it as such a machine would. Keras fixes its
backend when it is first imported, and this test process has already imported it with
TensorFlow's, so each check runs this file as a script in a subprocess with
``KERAS_BACKEND`` set. A backend whose package is not installed skips, saying so: the
``backends`` extra (``pip install -e ".[backends]"``) installs JAX for the CPU; PyTorch
stays out of it, since PyPI's Linux wheel brings gigabytes of CUDA libraries, and CI
installs a CPU build of torch where one is within reach (``.ci/run``).

Each script ends by checking that Keras runs the backend asked for and that nothing
imported TensorFlow on the way but TensorBoard's event-file writer, which goes through
TensorFlow wherever it is installed (on those machines it is not).
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import json
import os
import subprocess
import sys
import time
import traceback
from pathlib import Path

import pytest

BACKENDS = ("jax", "torch")
TIMEOUT_S = 240


def _backend(name: str) -> str:
    """``name`` where its package is importable here; else the test skips, saying why."""
    if importlib.util.find_spec(name) is None:
        hint = (
            'pip install -e ".[backends]"'
            if name == "jax"
            else 'a CPU build: pip install "torch==2.13.0+cpu" '
            "--extra-index-url https://download.pytorch.org/whl/cpu"
        )
        pytest.skip(f"the {name} package is not installed, so Keras cannot run on it ({hint})")
    return name


def _run_script(backend: str, part: str, tmp_path: Path) -> dict[str, object]:
    """This file as a script under ``KERAS_BACKEND=backend``: ``part``'s checks, then the
    backend's. Returns what the script printed last: a JSON object of the seconds each
    part took (shown with ``pytest -s``)."""
    env = {**os.environ, "KERAS_BACKEND": backend}
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), part, str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=TIMEOUT_S,
    )
    assert proc.returncode == 0, f"{part} under {backend}:\n{proc.stdout}\n{proc.stderr}"
    lines = proc.stdout.strip().splitlines()
    assert lines, f"{part} under {backend} printed nothing:\n{proc.stderr}"
    report: dict[str, object] = json.loads(lines[-1])
    report["subprocess"] = round(time.monotonic() - start, 1)
    print(f"{part} under {backend}: {report}")
    return report


@pytest.mark.parametrize("backend", BACKENDS)
def test_trainings_run_under_the_backend(backend, tmp_path):
    """A diagnostic run, a fused capacity sweep (in float32 and in bfloat16), the final
    forecaster (saved and loaded back) and a sequence classifier, each tiny."""
    _run_script(_backend(backend), "trainings", tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_an_analysis_runs_end_to_end_under_the_backend(backend, tmp_path):
    _run_script(_backend(backend), "analysis", tmp_path)


# --- the script: runs in the subprocess, under the backend named by KERAS_BACKEND ------------


def _trainings(tmp: Path) -> dict[str, float]:
    from dataclasses import replace

    import keras
    import numpy as np
    from support.search import SUGGESTION, tiny_csv
    from support.sequences import long_csv

    from advisor.api import load
    from advisor.core import forecast_eval as fe
    from advisor.core.class_models import ClassifierConfig
    from advisor.core.records import LayerConfig, Settings
    from advisor.core.splits import class_split
    from advisor.diagnostics.classifier import ClassifierTrainer
    from advisor.diagnostics.model import forecast
    from advisor.diagnostics.trainer import KerasTrainer, RunSpec
    from advisor.final.training import finalize
    from advisor.intake.sequences import sequences_from_bytes

    timings: dict[str, float] = {}
    clock = time.monotonic()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.monotonic()
        timings[name] = round(now - clock, 1)
        clock = now

    # Batches that hold every window (every sequence below): one batch shape, so each
    # model compiles each of its steps once, which is most of the time JAX takes here.
    tiny = replace(
        SUGGESTION,
        lookback=6,
        layers=(LayerConfig(2, 0.0, 0.0),),
        epochs=2,
        batch_size=128,
        early_stopping_patience=1,
    )
    csv = tiny_csv(tmp / "tiny.csv")
    series, profile = load(csv, Settings(horizon=3))
    trainer = KerasTrainer(series.frame.to_numpy(dtype=float), profile.split, profile.horizon)
    lap("load")

    run = trainer.run(RunSpec("width-2", tiny, seed=0))
    assert run.curve.epochs == 2 and np.isfinite(run.val_rmse), run
    assert len(run.val_errors) > 0
    lap("diagnostic")

    # Two widths, in the form the backend takes on a CPU: under JAX a model each, one
    # after another; under PyTorch one layer whose block-diagonal weights hold both.
    widths = (2, 4)
    specs = [
        RunSpec(f"width-{w}", replace(tiny, layers=(LayerConfig(w, 0.1, 0.0),))) for w in widths
    ]
    cost = trainer.sweep_cost(specs)
    assert cost.setup > 0 and cost.batch >= 0, cost
    swept = trainer.run_sweep(specs)
    assert [r.units for r in swept] == list(widths)
    assert all(r.curve.epochs == 2 and np.isfinite(r.val_rmse) for r in swept), swept
    # Another trainer's sweep, not calibrated first, trains the same: seeded alike
    # (``model.set_random_seed``: its dropout seeds too), with nothing of the calibration
    # left over. Exactly so on the CPU; within rounding where an accelerator sums otherwise.
    uncalibrated = KerasTrainer(trainer.values, profile.split, profile.horizon).run_sweep(specs)
    for a, b in zip(swept, uncalibrated, strict=True):
        np.testing.assert_allclose(a.curve.train_loss, b.curve.train_loss, rtol=1e-5)
        np.testing.assert_allclose(a.curve.val_loss, b.curve.val_loss, rtol=1e-5)
    lap("sweep")

    # The same sweep with its LSTMs in bfloat16, as a GPU where it pays trains it.
    with trainer.precision_scope():
        trainer.use_precision("bfloat16")
        halved = trainer.run_sweep(specs)
    assert all(r.curve.epochs == 2 and np.isfinite(r.val_rmse) for r in halved), halved
    assert keras.config.dtype_policy().name == "float32"
    lap("bfloat16")

    run_dir = tmp / "final"
    (run_dir / "state").mkdir(parents=True)
    result = finalize(trainer, tiny, profile, series, run_dir, 0, None, str(csv))
    assert result.epochs_trained == 2 and np.isfinite(result.test_metrics["rmse"]), result
    assert result.tensorboard_dir, result.notes
    saved = keras.models.load_model(run_dir / "model.keras")
    split, h = profile.split, profile.horizon
    ts = fe.origins(split.validation_end, split.validation_end + split.test, h)
    prepared = trainer.prepared(tiny, split.validation_end)
    reloaded = forecast(saved, prepared, ts, tiny.lookback, h)
    np.testing.assert_allclose(reloaded[:, 0], result.forecast, rtol=1e-4, atol=1e-6)
    lap("final")

    seqs = sequences_from_bytes(long_csv(tmp / "seqs.csv").read_bytes(), None, "seqs.csv")
    split_c = class_split(seqs, 0)
    classifier = ClassifierTrainer(seqs, split_c.train, split_c.validation)
    config = ClassifierConfig(
        layers=(LayerConfig(4, 0.0, 0.0),),
        bidirectional=True,
        pooling="last",  # the state after each sequence's last step: masking at work
        l2=1e-4,
        learning_rate=1e-2,
        batch_size=64,
        epochs=2,
        early_stopping_patience=2,
        class_weights=True,
        max_length=None,
        scaling="standard",
    )
    crun = classifier.run("classifier", config, seed=0)
    assert crun.curve.epochs == 2 and np.isfinite(crun.val_loss), crun
    # The final classifier as ``final.class_final`` trains and saves it (one seed: the
    # average of several is the forecaster's ``average_models``, saved above; and its
    # baselines, numba-compiled and backend-free, left out).
    final = classifier.fit_final(config, (0,), split_c.test, config.epochs)
    classifier.final_model.save(tmp / "classifier.keras")
    rows = np.sort(np.r_[split_c.train, split_c.validation])
    x_test = classifier.feed(config, rows).x[list(split_c.test)]
    loaded = keras.models.load_model(tmp / "classifier.keras")
    predicted = loaded.predict(x_test, verbose=0).argmax(axis=1)
    assert tuple(int(c) for c in predicted) == final.predicted, (predicted, final.predicted)
    lap("classifier")
    return timings


def _analysis(tmp: Path) -> dict[str, float]:
    from support.search import tiny_csv

    from advisor import Settings, analyze

    start = time.monotonic()
    result = analyze(
        tiny_csv(tmp / "sales.csv", rows=160),
        settings=Settings(horizon=3, budget_s=20, seed=1, max_trials=2),
        out=tmp / "out",
    )
    assert (tmp / "out" / "model.keras").is_file() and (tmp / "out" / "report.html").is_file()
    assert result.final is not None and result.final.test_metrics
    return {"analyze": round(time.monotonic() - start, 1)}


class _ImportWatch(importlib.abc.MetaPathFinder):
    """Notes what first imports module ``name`` (TensorFlow, here): the innermost frame
    outside importlib. Finds nothing itself, so the import goes on as it would.

    A mere lookup (``importlib.util.find_spec("tensorflow")``, which torch's compiler
    makes to learn which folders to skip) asks this finder too but imports nothing, so
    only a lookup made by an import statement (importlib's ``_find_and_load``) counts.
    """

    def __init__(self, name: str = "tensorflow") -> None:
        self.name = name
        self.importer: str | None = None

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name == self.name and self.importer is None:
            stack = traceback.extract_stack()[:-1]  # the last is this method
            lookup = []  # importlib's frames between the caller and this finder
            while stack and "importlib" in stack[-1].filename:
                lookup.append(stack.pop().name)
            if "_find_and_load" in lookup:
                self.importer = f"{stack[-1].filename}:{stack[-1].lineno}"
        return None


def test_the_watch_counts_an_import_not_a_lookup(tmp_path, monkeypatch):
    (tmp_path / "watched_module.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    watch = _ImportWatch("watched_module")
    sys.meta_path.insert(0, watch)
    try:
        assert importlib.util.find_spec("watched_module") is not None
        assert watch.importer is None
        line = sys._getframe().f_lineno + 1
        importlib.import_module("watched_module")
    finally:
        sys.meta_path.remove(watch)
        sys.modules.pop("watched_module", None)
    assert watch.importer == f"{__file__}:{line}"


# TensorBoard's event-file writer (``advisor.store.events``) goes through TensorFlow's file
# layer wherever TensorFlow is installed, whatever the Keras backend; without it, through
# its own stub. That import is the tensorboard package's choice, not the advisor's.
TENSORBOARD_IMPORTS_TF = str(Path("tensorboard", "compat", "__init__.py"))


def _main(part: str, tmp: Path) -> None:
    backend = os.environ["KERAS_BACKEND"]
    watch = _ImportWatch()
    sys.meta_path.insert(0, watch)
    report: dict[str, object] = {**{"trainings": _trainings, "analysis": _analysis}[part](tmp)}

    import keras

    assert keras.config.backend() == backend, (keras.config.backend(), backend)
    if watch.importer is not None:
        assert TENSORBOARD_IMPORTS_TF in watch.importer, (
            f"TensorFlow was imported under {backend} by {watch.importer}"
        )
        report["tensorflow_imported_by"] = "tensorboard"
    print(json.dumps(report))


if __name__ == "__main__":
    _main(sys.argv[1], Path(sys.argv[2]))
