"""Finds files shipped with Cene, from a source checkout or inside a PyInstaller bundle."""

from __future__ import annotations

import sys
from pathlib import Path


def asset_path(*parts: str) -> Path:
    """Path of a file under the project's ``assets/`` folder (or the bundle's copy of it)."""
    bundle_root = getattr(sys, "_MEIPASS", None)
    if bundle_root is not None:
        root = Path(bundle_root) / "assets"
    else:
        root = Path(__file__).resolve().parent.parent / "assets"
    return root.joinpath(*parts)
