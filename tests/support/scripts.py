"""The benchmark scripts loaded as modules, by path, as the tests of each script need them."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

from support import REPO

BENCHMARKS = REPO / "benchmarks"


def load_script(name: str) -> ModuleType:
    """``benchmarks/NAME.py`` as module ``NAME``.

    The folder goes first on ``sys.path``, as Python puts it when the script is run, so
    that its ``import _entries`` finds the helpers beside it; and the module is entered in
    ``sys.modules``, where dataclasses look their module up by name."""
    if str(BENCHMARKS) not in sys.path:
        sys.path.insert(0, str(BENCHMARKS))
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
