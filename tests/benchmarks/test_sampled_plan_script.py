"""benchmarks/sampled_plan.py without training: its series and the caps it lowers."""

from __future__ import annotations

import importlib
from types import ModuleType

import pytest
from support.scripts import load_script

from advisor.core import sizing


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return load_script("sampled_plan")


def test_the_series_is_seeded_hourly_with_a_daily_cycle(bench: ModuleType):
    a, b = bench.hourly_series(500, 3), bench.hourly_series(500, 3)
    assert a.equals(b) and not a.equals(bench.hourly_series(500, 4))
    assert list(a.columns) == ["time", "load"] and a["time"].iloc[1] == "2020-01-01 01:00"
    y = a["load"].to_numpy()
    assert abs(y[24:] - y[:-24]).mean() < abs(y[12:] - y[:-12]).mean()  # one day apart: alike


def test_lowering_the_caps_reaches_every_module_that_reads_them_and_is_undone(bench):
    full = (sizing.EPOCH_WINDOWS, sizing.MAX_VAL_WINDOWS)
    try:
        bench.set_caps(1024, 256)
        for name in bench.CAP_READERS:
            module = importlib.import_module(name)
            assert getattr(module, "EPOCH_WINDOWS", 1024) == 1024, name
            assert getattr(module, "MAX_VAL_WINDOWS", 256) == 256, name
    finally:
        bench.set_caps(*full)
    assert full == (sizing.EPOCH_WINDOWS, sizing.MAX_VAL_WINDOWS)
    # every module of the package that imports a cap by name is in the list
    import pathlib

    root = pathlib.Path(sizing.__file__).parents[1]
    readers = {
        "advisor." + ".".join(p.relative_to(root).with_suffix("").parts)
        for p in root.rglob("*.py")
        if "import" in (text := p.read_text())
        and ("EPOCH_WINDOWS" in text or "MAX_VAL_WINDOWS" in text)
    }
    assert "advisor.diagnostics.model" in readers and readers <= set(bench.CAP_READERS)
