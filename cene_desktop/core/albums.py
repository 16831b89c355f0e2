"""The albums of a Cene library: one folder per scene, plus Unsorted."""

from __future__ import annotations

from pathlib import Path

SCENE_CLASSES = ("buildings", "forest", "glacier", "mountain", "sea", "street")
UNSORTED = "Unsorted"
SCENE_ALBUMS = tuple(name.capitalize() for name in SCENE_CLASSES)
ALBUMS = (*SCENE_ALBUMS, UNSORTED)
#: How photos get into the albums: moved, copied, or symbolic links to where they are.
MODES = ("move", "copy", "symlink")
#: The review pane asks about the photos the model was less sure of than this (a setting). Of
#: 2,820 photos it never trained on, 21 % fall below it and they hold 80 % of its mistakes (114
#: of 143); 1.3 % of the photos above it are wrong.
REVIEW_BELOW = 0.97
#: Cene's own state inside a library: the catalog, model versions, thumbnails.
STATE_DIR_NAME = ".cene"


def album_for_class(class_name: str) -> str:
    """The album a model class is sorted into ("mountain" -> "Mountain")."""
    album = class_name.capitalize()
    if album not in SCENE_ALBUMS:
        raise ValueError(f"unknown scene class {class_name!r}")
    return album


def album_dirs(library: Path) -> list[Path]:
    """Every album folder of a library, in display order."""
    return [library / name for name in ALBUMS]


def state_dir(library: Path) -> Path:
    return library / STATE_DIR_NAME
