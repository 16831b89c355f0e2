"""The albums of a Cene library: one folder per scene, plus Other and Unsorted.

*Other* holds photos that show none of the six scenes (people, documents, pets, food, rooms):
the scene gate (``core.gate``) sends them there. *Unsorted* holds scenes the model cannot
tell apart. Both are ordinary albums everywhere else."""

from __future__ import annotations

import os
from pathlib import Path

SCENE_CLASSES = ("buildings", "forest", "glacier", "mountain", "sea", "street")
UNSORTED = "Unsorted"
OTHER = "Other"
SCENE_ALBUMS = tuple(name.capitalize() for name in SCENE_CLASSES)
ALBUMS = (*SCENE_ALBUMS, OTHER, UNSORTED)
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


class UntrustedPath(ValueError):
    """A path from the catalog that does not name a file in one of the library's albums."""


def library_file(library: Path, relative: str) -> Path:
    """``LIB/Album/name`` for a path the catalog stores ("Sea/IMG_1.jpg"). Anything else (an
    absolute path, "..", a folder that is not an album, an album that is a symbolic link) is
    refused: whoever can write the catalog must not make Cene touch files elsewhere."""
    parts = Path(relative).parts
    if (
        len(parts) != 2
        or Path(relative).is_absolute()
        or parts[0] not in ALBUMS
        or parts[1] in (".", "..")
        or os.sep in parts[1]
        or (os.altsep is not None and os.altsep in parts[1])
    ):
        raise UntrustedPath(f"{relative!r} is not a photo in one of the library's albums")
    album = library / parts[0]
    if album.is_symlink():
        raise UntrustedPath(f"the album folder {album} is a link to somewhere else")
    return album / parts[1]


def library_file_to_read(library: Path, relative: str) -> Path:
    """``library_file``, or for a path that names anything else a path inside the library that
    never exists: showing, dragging out or learning from such a row then finds no file."""
    try:
        return library_file(library, relative)
    except UntrustedPath:
        return state_dir(library) / "untrusted-path"


def in_library(library: Path, path: Path) -> bool:
    """Whether an absolute ``path`` (from the journal) names a file directly in an album."""
    if not path.is_absolute() or os.path.normpath(path) != str(path):
        return False
    try:
        return library_file(library, str(path.relative_to(library))) == path
    except (ValueError, UntrustedPath):
        return False


def inside(folder: Path, path: Path) -> bool:
    """Whether ``path`` lies under ``folder`` (lexically, no ".." allowed), or is it."""
    if not path.is_absolute() or os.path.normpath(path) != str(path):
        return False
    return path == folder or folder in path.parents
