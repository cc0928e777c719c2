"""Load a script of bench/ as a module, for the tests of its logic: bench/ is not a package and its
scripts import their neighbours (``sys.path`` is theirs to set), so they are loaded by path."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parent.parent / "bench"


def load_bench(script: str, name: str) -> ModuleType:
    """``bench/<script>`` executed once as the module ``name`` (registered in ``sys.modules`` first, so
    its dataclasses can find their module)."""
    spec = importlib.util.spec_from_file_location(name, BENCH / script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
