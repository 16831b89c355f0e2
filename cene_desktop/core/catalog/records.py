"""What the catalog's rows become: records of photos, companions, runs and journal entries,
the errors it raises, and how it writes times."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any, TypeVar

_Record = TypeVar("_Record")


def now_iso(at: float | None = None) -> str:
    """UTC as the catalog stores times; ``at``: a time.time() instead of now."""
    moment = datetime.now(UTC) if at is None else datetime.fromtimestamp(at, UTC)
    return moment.isoformat(timespec="milliseconds")


def local_time(iso: str) -> str:
    """A time stored by :func:`now_iso` (UTC) as the person's clock shows it, to the minute."""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso[:16].replace("T", " ")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


class CatalogError(Exception):
    """The catalog cannot be opened or used; the message says why in the user's words."""


class LibraryInUse(CatalogError):
    """Another Cene process has this library open."""


@dataclass(frozen=True)
class PhotoRecord:
    id: int
    content_hash: str
    size: int
    original_path: str
    current_path: str
    album: str
    mode: str
    predicted: str | None
    confidence: float | None
    runner_up: str | None
    probabilities: dict[str, float]
    model_version: str | None
    taken_at: str | None
    sorted_at: str
    corrected: bool
    run_id: int | None
    suggested: str | None = None
    suggested_confidence: float | None = None
    suggested_by: str | None = None
    scene_probability: float | None = None  # the scene gate's P(scene); None: not asked


@dataclass(frozen=True)
class CompanionRecord:
    """A file that goes with a library photo (``scanner.companions_of``)."""

    id: int
    photo_id: int
    tail: str
    content_hash: str
    size: int
    original_path: str
    current_path: str
    mode: str


@dataclass(frozen=True)
class LabelledPhoto:
    """A photo whose album a person chose or confirmed: an example to learn from."""

    id: int
    content_hash: str
    current_path: str
    album: str
    size: int = 0


@dataclass(frozen=True)
class JournalEntry:
    id: int
    run_id: int | None
    op: str
    src: str
    dest: str
    content_hash: str
    size: int
    payload: dict[str, Any]
    state: str


@dataclass(frozen=True)
class Run:
    id: int
    kind: str
    photos_dir: str | None
    mode: str | None
    started_at: str
    finished_at: str | None
    undone_at: str | None


def _from_row(cls: type[_Record], row: sqlite3.Row, **decoded: Any) -> _Record:
    """A record dataclass from a row whose columns carry the field names."""
    values = {f.name: row[f.name] for f in fields(cls)}  # type: ignore[arg-type]
    return cls(**(values | decoded))


def _photo(row: sqlite3.Row) -> PhotoRecord:
    return _from_row(
        PhotoRecord,
        row,
        probabilities=json.loads(row["probabilities"] or "{}"),
        corrected=bool(row["corrected"]),
    )


def _run(row: sqlite3.Row) -> Run:
    return _from_row(Run, row)


def _journal(row: sqlite3.Row) -> JournalEntry:
    return _from_row(JournalEntry, row, payload=json.loads(row["payload"]))


def _upsert_source(
    db: sqlite3.Connection,
    path: str,
    size: int,
    mtime_ns: int,
    content_hash: str,
    photo_id: int | None,
) -> None:
    db.execute(
        "INSERT OR REPLACE INTO sources(path, size, mtime_ns, content_hash, photo_id)"
        " VALUES (?, ?, ?, ?, ?)",
        (path, size, mtime_ns, content_hash, photo_id),
    )


def _review_filter(below: float | None) -> tuple[str, tuple[object, ...]]:
    """The WHERE clause of the review pane: unreviewed photos, those Cene is less sure of
    than ``below`` only (``review_sure``: for a photo in Other, that it shows no scene; a
    photo the model could not judge always needs a look)."""
    if below is None or below >= 1.0:
        return "corrected = 0", ()
    return "corrected = 0 AND (review_sure IS NULL OR review_sure < ?)", (below,)


def _delete_photo(db: sqlite3.Connection, photo_id: int) -> None:
    db.execute("DELETE FROM sources WHERE photo_id = ?", (photo_id,))
    db.execute("DELETE FROM photos WHERE id = ?", (photo_id,))


def missing_photo(photo_id: int) -> PhotoRecord:
    """A stand-in for a row whose photo left the catalog before the list was read again."""
    return PhotoRecord(
        id=photo_id,
        content_hash=f"missing-{photo_id}",
        size=0,
        original_path="",
        current_path="",
        album="",
        mode="",
        predicted=None,
        confidence=None,
        runner_up=None,
        probabilities={},
        model_version=None,
        taken_at=None,
        sorted_at="",
        corrected=True,
        run_id=None,
    )
