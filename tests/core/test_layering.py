"""The engine stays apart from the window and from training: importing every module of
``cene_desktop.core`` (what the command line and the window's workers use) loads neither Qt nor
TensorFlow, so ``cene sort`` starts in a fraction of a second and runs where neither is
installed."""

from __future__ import annotations

import subprocess
import sys

IMPORT_ALL_OF_CORE = """
import importlib, pkgutil, sys
import cene_desktop.core as core
for module in pkgutil.iter_modules(core.__path__):
    importlib.import_module(f"cene_desktop.core.{module.name}")
loaded = sorted({name.split(".")[0] for name in sys.modules})
print(" ".join(loaded))
"""


def test_importing_the_core_loads_neither_qt_nor_tensorflow() -> None:
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_ALL_OF_CORE], capture_output=True, text=True, check=True
    )
    loaded = set(result.stdout.split())
    assert "cene_desktop" in loaded and "numpy" in loaded  # it did import the core
    assert not loaded & {"PySide6", "shiboken6", "tensorflow", "keras", "torch"}, loaded
