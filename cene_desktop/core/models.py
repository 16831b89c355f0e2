"""A library's own model versions: heads adapted to its owner's corrections.

``LIB/.cene/models/vN/`` holds one version: ``head.npz``, ``gate.npz`` where the person's
photos moved to or from Other taught the scene gate too, and ``version.json`` (when and from
how many examples it was made, its scores, whether it was adopted and why). ``active.json``
names the version in use ("shipped" for the model that came with the app) and the ones used
before it, for rollback. Every file is written to a temporary name, flushed, and renamed, so
a crash leaves either the old state or the new one.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from cene_desktop.core.albums import state_dir
from cene_desktop.core.classifier import SHIPPED, Head
from cene_desktop.core.gate import SceneGate

log = logging.getLogger(__name__)
_Part = TypeVar("_Part", Head, SceneGate)

MODELS_DIR_NAME = "models"
ACTIVE_FILE = "active.json"
VERSION_FILE = "version.json"
HEAD_FILE = "head.npz"
GATE_FILE = "gate.npz"
#: How Cene names versions (``next_name``): v1, v2, …
VERSION_NAME = re.compile(r"v[0-9]{1,9}")


@dataclass(frozen=True)
class ModelVersion:
    """What a library knows of one adapted head."""

    name: str  # "v1", "v2", …
    created: str
    base_version: str  # the shipped model it adapts
    adopted: bool
    reason: str  # in the user's words: why it was adopted or refused
    examples: int  # labelled photos it was trained on
    held_out: int  # labelled photos kept aside to judge it
    labelled_total: int  # labelled photos in the library when it was made
    scores: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def number(self) -> int:
        return int(self.name.removeprefix("v"))


def _write_atomically(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.tmp")
    with open(partial, "w", encoding="utf-8") as stream:
        stream.write(text)
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(partial, path)


class ModelStore:
    """The versions in ``LIB/.cene/models``. Thread-safe; cheap to ask for the active head."""

    def __init__(self, library: Path, model_version: str | None = None) -> None:
        """``model_version``: the shipped model's version (``ModelInfo.version``). A version
        adapted from another one (a library sorted by an older Cene) is then never used: its
        head reads features that model no longer computes."""
        self.folder = state_dir(library) / MODELS_DIR_NAME
        self.model_version = model_version
        self._lock = threading.Lock()
        # "head" / "gate" -> (active.json stamp, that part of the active version)
        self._cached: dict[str, tuple[tuple[int, int], Any]] = {}

    # -- versions ------------------------------------------------------------------------

    def versions(self) -> list[ModelVersion]:
        """Every version on disk, oldest first (unreadable ones are logged and left out)."""
        found: list[ModelVersion] = []
        if not self.folder.is_dir():
            return found
        for entry in self.folder.iterdir():
            if entry.is_dir() and entry.name.startswith("v") and entry.name[1:].isdigit():
                try:
                    data = json.loads((entry / VERSION_FILE).read_text(encoding="utf-8"))
                    found.append(ModelVersion(**data))
                except (OSError, ValueError, TypeError) as error:
                    log.warning("Model version %s cannot be read: %s", entry, error)
        return sorted(found, key=lambda version: version.number)

    def version(self, name: str) -> ModelVersion | None:
        return next((v for v in self.versions() if v.name == name), None)

    def usable(self, version: ModelVersion) -> bool:
        """Whether ``version`` adapts the model this Cene ships (any, when not told which)."""
        return self.model_version is None or version.base_version == self.model_version

    def in_use(self, active: str | None = None) -> str:
        """The version predictions come from: the active one (``active``, else read from
        ``active.json``), or the shipped model where it was learnt for another model."""
        name = self.active_name() if active is None else active
        if name == SHIPPED or self.model_version is None:
            return name
        record = self.version(name)
        return SHIPPED if record is not None and not self.usable(record) else name

    def next_name(self) -> str:
        numbers = [0]
        if self.folder.is_dir():
            numbers += [
                int(entry.name[1:].split(".")[0])
                for entry in self.folder.iterdir()
                if entry.name.startswith("v") and entry.name[1:].split(".")[0].isdigit()
            ]
        return f"v{max(numbers) + 1}"

    def add(self, head: Head, record: ModelVersion, gate: SceneGate | None = None) -> None:
        """Write a new version (a folder renamed into place once complete)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        final = self.folder / record.name
        partial = self.folder / f"{record.name}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir()
        head.save(partial / HEAD_FILE)
        if gate is not None:
            gate.save(partial / GATE_FILE)
        _write_atomically(partial / VERSION_FILE, json.dumps(asdict(record), indent=2))
        os.replace(partial, final)

    def head(self, name: str, shipped: Head) -> Head:
        if name == SHIPPED:
            return shipped
        features = int(shipped.kernel.shape[0])
        path = self._version_folder(name) / HEAD_FILE
        return Head.load(path, name, like=shipped, features=features).widened(features)

    def gate(self, name: str, shipped: SceneGate) -> SceneGate:
        """A version's gate: its own where it has one, else the shipped gate (versions made
        before Other existed, or whose person never moved a photo to or from Other)."""
        if name == SHIPPED:
            return shipped
        path = self._version_folder(name) / GATE_FILE
        if not path.is_file():
            return shipped
        return SceneGate.load(path, shipped.thresholds, name, length=len(shipped.weights))

    def _version_folder(self, name: str) -> Path:
        """``LIB/.cene/models/NAME`` for a version name Cene makes (``v12``), nothing else: a
        name in ``active.json`` is never a path (``/elsewhere``, ``../..``)."""
        if not VERSION_NAME.fullmatch(name):
            raise ValueError(f"{name!r} is not the name of a model version")
        folder = self.folder / name
        if folder.is_symlink():
            raise ValueError(f"the model version {name} is a link to somewhere else")
        return folder

    # -- the active version --------------------------------------------------------------

    def _read_active(self) -> dict[str, Any]:
        try:
            data = json.loads((self.folder / ACTIVE_FILE).read_text(encoding="utf-8"))
            active = str(data["active"])
            history = [str(name) for name in data.get("history", [])]
            if active != SHIPPED and not VERSION_NAME.fullmatch(active):
                # Hand-edited or hostile (a path outside the library): never followed.
                log.warning(
                    "%s names %r, not a model version; using the shipped model", ACTIVE_FILE, active
                )
                active = SHIPPED
            valid = [name for name in history if name == SHIPPED or VERSION_NAME.fullmatch(name)]
            return {"active": active, "history": valid}
        except FileNotFoundError:
            return {"active": SHIPPED, "history": []}
        except (OSError, ValueError, KeyError, TypeError) as error:
            log.warning("%s cannot be read (%s); using the shipped model", ACTIVE_FILE, error)
            return {"active": SHIPPED, "history": []}

    def active_name(self) -> str:
        return str(self._read_active()["active"])

    def previous_name(self) -> str | None:
        """The version that was active before the current one (what "Roll back" restores)."""
        history = self._read_active()["history"]
        return str(history[-1]) if history else None

    def activate(self, name: str) -> None:
        """Make ``name`` (a version or "shipped") the one predictions come from."""
        if name != SHIPPED:
            try:
                found = (self._version_folder(name) / HEAD_FILE).is_file()
            except ValueError:
                found = False
            if not found:
                raise ValueError(f"there is no model version {name!r} in this library")
        with self._lock:
            state = self._read_active()
            if state["active"] == name:
                return
            history = [entry for entry in state["history"] if entry != name]
            history.append(state["active"])
            self.folder.mkdir(parents=True, exist_ok=True)
            _write_atomically(
                self.folder / ACTIVE_FILE,
                json.dumps({"active": name, "history": history[-20:]}, indent=2),
            )
            self._cached.clear()

    def roll_back(self) -> str:
        """Go back to the previously active version; returns its name."""
        previous = self.previous_name() or SHIPPED
        self.activate(previous)
        return previous

    def _stamp(self) -> tuple[int, int] | None:
        try:
            info = (self.folder / ACTIVE_FILE).stat()
        except OSError:
            return None
        return (info.st_ino, info.st_mtime_ns)  # each write is a new file: a new inode

    def active_gate(self, shipped: SceneGate) -> SceneGate:
        """The scene gate now active (see :meth:`active_head`)."""
        return self._active("gate", self.gate, shipped)

    def active_head(self, shipped: Head) -> Head:
        """The head now active, re-read only when ``active.json`` changed (one stat a call)."""
        return self._active("head", self.head, shipped)

    def _active(self, part: str, load: Callable[[str, _Part], _Part], shipped: _Part) -> _Part:
        """``part`` ("head" or "gate") of the active version, cached until ``active.json``
        changes; the shipped one when the version's cannot be used."""
        stamp = self._stamp()
        if stamp is None:
            return shipped
        with self._lock:
            cached = self._cached.get(part)
            if cached is not None and cached[0] == stamp:
                return cached[1]  # type: ignore[no-any-return]
        active = self.active_name()
        name = self.in_use(active)
        if name != active:
            log.warning(
                "Model version %s was learnt for another model than %s; using the shipped one",
                active,
                self.model_version,
            )
        try:
            found = load(name, shipped)
        except Exception as error:  # noqa: BLE001 - a broken version must not stop sorting
            log.warning(
                "Model version %s cannot be used (its %s: %s); using the shipped one",
                name,
                part,
                error,
            )
            found = shipped
        with self._lock:
            self._cached[part] = (stamp, found)
        return found
