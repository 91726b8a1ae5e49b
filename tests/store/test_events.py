"""TensorBoard event files from recorded curves: the diagnostic runs' logs."""

from __future__ import annotations

import importlib.util
import math
import os
import subprocess
import sys
import textwrap

from support.board import scalars

from advisor.core.records import Curve, DiagnosticRun
from advisor.store.events import DIAGNOSTICS, LOGS, folder_name, write_curves, write_diagnostics


def run(name: str, train: tuple[float, ...], val: tuple[float, ...]) -> DiagnosticRun:
    return DiagnosticRun(name, 4, 6, 1.0, 50, Curve(train, val), 1.0, 0.1, 1.0, len(val))


def test_each_diagnostic_run_reads_back_as_one_run(tmp_path):
    runs = [
        run("width-4", (1.0, 0.5, 0.25), (1.5, 0.75, 0.5)),
        run("width-8-data-50%", (0.875, 0.375), (1.125, math.inf)),
    ]
    assert write_diagnostics(tmp_path, runs)
    logs = tmp_path / LOGS / DIAGNOSTICS
    assert sorted(p.name for p in logs.iterdir()) == ["width-4", "width-8-data-50%"]
    assert scalars(logs / "width-4" / "train") == {"epoch_loss": [(0, 1.0), (1, 0.5), (2, 0.25)]}
    assert scalars(logs / "width-4" / "validation") == {
        "epoch_loss": [(0, 1.5), (1, 0.75), (2, 0.5)]
    }
    val = scalars(logs / "width-8-data-50%" / "validation")["epoch_loss"]
    assert val[0] == (0, 1.125) and val[1][0] == 1 and math.isinf(val[1][1])


def test_a_rerun_replaces_the_logs_instead_of_appending(tmp_path):
    curves = [("width-4", Curve((1.0, 0.5), (1.5, 0.75)))]
    write_curves(tmp_path, curves)
    write_curves(tmp_path, curves)
    assert len(list((tmp_path / "width-4" / "train").iterdir())) == 1
    assert [s for s, _ in scalars(tmp_path / "width-4" / "train")["epoch_loss"]] == [0, 1]


def test_names_become_distinct_safe_folders_and_empty_curves_are_skipped(tmp_path):
    assert folder_name("a/b c") == "a_b_c" and folder_name("..") == "run"
    write_curves(
        tmp_path,
        [("w/1", Curve((1.0,), ())), ("w/1", Curve((2.0,), ())), ("none", Curve((), ()))],
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w_1", "w_1-2"]
    assert not (tmp_path / "w_1" / "validation").exists()  # no validation: no empty folder
    assert scalars(tmp_path / "w_1-2" / "train") == {"epoch_loss": [(0, 2.0)]}


def test_nothing_is_written_without_the_tensorboard_package(tmp_path, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "tensorboard" else real(name, *a),
    )
    assert not write_curves(tmp_path / "d", [("width-4", Curve((1.0,), (2.0,)))])
    assert not (tmp_path / "d").exists()


def test_the_writer_needs_no_tensorflow(tmp_path, repo):
    """In a process where TensorFlow cannot be imported at all, as under JAX or PyTorch
    on a machine without it."""
    code = textwrap.dedent(
        f"""
        import sys
        sys.modules["tensorflow"] = None
        from advisor.core.records import Curve
        from advisor.store.events import write_curves
        assert write_curves({str(tmp_path)!r}, [("width-4", Curve((1.0, 0.5), (2.0, 1.0)))])
        assert sys.modules["tensorflow"] is None
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=repo,
        env={**os.environ, "PYTHONPATH": str(repo)},
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert scalars(tmp_path / "width-4" / "validation") == {"epoch_loss": [(0, 2.0), (1, 1.0)]}
