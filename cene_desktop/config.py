"""The user's settings: a typed dataclass stored as versioned JSON in the user's config folder."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from platformdirs import user_config_dir, user_pictures_dir

from cene_desktop.core import gate
from cene_desktop.core.albums import MODES, REVIEW_BELOW
from cene_desktop.core.catalog.photos import BY_ADDED, PHOTO_ORDERS

log = logging.getLogger(__name__)

SETTINGS_VERSION = 1
SETTINGS_FILE_NAME = "settings.json"


def settings_path() -> Path:
    return Path(user_config_dir("Cene", appauthor=False)) / SETTINGS_FILE_NAME


def default_library() -> Path:
    return Path(user_pictures_dir()) / "Cene Albums"


@dataclass
class Settings:
    photos_dir: str = ""  # the folder to watch; empty until the welcome dialog is done
    library_dir: str = ""
    mode: str = "move"  # move, copy or symlink
    threshold: float | None = None  # None: the model's calibrated default
    other: str = gate.DEFAULT_SENSITIVITY  # the Other album: "off", "low", "normal", "high"
    settle_seconds: float = 0.5
    polling: bool = False
    watching: bool = True  # resume watching at start-up
    learn_after: int = 20  # improve the model after this many new corrections (0: only on demand)
    review_below: float = REVIEW_BELOW  # the review pane asks about photos less sure than this
    window_geometry: str = ""  # base64 of QMainWindow.saveGeometry()
    panes: str = ""  # base64 of the splitter's saveState(): album list, photos, preview widths
    album: str = ""  # the album (or Review) shown when Cene closed
    thumbnail_size: int = 160  # the square each thumbnail in the grid fits in, in pixels
    photo_order: str = BY_ADDED  # how an album's photos are listed (catalog PHOTO_ORDERS)

    @property
    def configured(self) -> bool:
        return bool(self.photos_dir and self.library_dir)

    def to_json(self) -> dict[str, Any]:
        return {"version": SETTINGS_VERSION, **asdict(self)}


def _migrate(data: dict[str, Any]) -> dict[str, Any]:
    """Bring settings written by an older Cene up to SETTINGS_VERSION."""
    version = int(data.pop("version", 0))
    if version == 0 and "watch_folder" in data:  # pre-release name of photos_dir
        data["photos_dir"] = data.pop("watch_folder")
    return data


def load_settings(path: Path | None = None) -> Settings:
    """The saved settings, or defaults when there are none or they cannot be read."""
    path = path or settings_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings()
    except (OSError, ValueError) as error:
        log.warning("Settings in %s cannot be read (%s); using defaults", path, error)
        return Settings()
    if not isinstance(data, dict):
        log.warning("Settings in %s are not a JSON object; using defaults", path)
        return Settings()
    known = {f.name for f in fields(Settings)}
    values = {}
    for name, value in _migrate(dict(data)).items():
        if name not in known:
            continue
        if _acceptable(name, value):
            values[name] = value
        else:  # a hand-edited or damaged file: that one setting goes back to its default
            log.warning("Setting %s = %r in %s is not valid; using the default", name, value, path)
    return Settings(**values)


#: The values each setting may take: its type and, for numbers, a range.
_NUMBER_RANGES = {
    "threshold": (0.0, 1.0),
    "settle_seconds": (0.1, 60.0),
    "learn_after": (0, 10_000),
    "review_below": (0.5, 1.0),
    "thumbnail_size": (96, 256),
}
#: The settings that are whole numbers.
_WHOLE = {"learn_after", "thumbnail_size"}


def _acceptable(name: str, value: Any) -> bool:
    if name == "threshold" and value is None:  # None: the model's own default
        return True
    if name == "mode":
        return value in MODES
    if name == "other":
        return value in gate.CHOICES
    if name == "photo_order":
        return value in PHOTO_ORDERS
    default = getattr(Settings(), name)
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if name in _NUMBER_RANGES:
        low, high = _NUMBER_RANGES[name]
        kind = int if name in _WHOLE else (int, float)
        return isinstance(value, kind) and low <= value <= high
    return isinstance(value, type(default))


def save_settings(settings: Settings, path: Path | None = None) -> None:
    """Write atomically: a crash mid-save leaves the previous settings intact."""
    path = path or settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".settings-", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            json.dump(settings.to_json(), stream, indent=2)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
