"""Photos and the source files they came from."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from cene_desktop.core import fileops
from cene_desktop.core.catalog.connection import CatalogBase
from cene_desktop.core.catalog.records import (
    PhotoRecord,
    _delete_photo,
    _photo,
    _upsert_source,
)

#: How an album's photos may be listed: by date taken, by file name, or in the order they came
#: into the library (the catalog's ids).
BY_TAKEN, BY_NAME, BY_ADDED = "taken", "name", "added"
PHOTO_ORDERS = (BY_TAKEN, BY_NAME, BY_ADDED)
# Each matches an index of schema 7 (photos_taken, photos_name) or the album index (its rows
# are in id order), term for term: SQLite uses an index for ORDER BY only if it does.
_ORDER_BY = {
    BY_TAKEN: "taken_at IS NULL, taken_at, current_path COLLATE NOCASE, id",
    BY_NAME: "current_path COLLATE NOCASE, id",
    BY_ADDED: "id",
}


class PhotosMixin(CatalogBase):
    # -- photos and sources --------------------------------------------------------------

    def photo_by_hash(self, content_hash: str) -> PhotoRecord | None:
        rows = self._query("SELECT * FROM photos WHERE content_hash = ?", (content_hash,))
        return _photo(rows[0]) if rows else None

    def has_legacy_photo_of_size(self, size: int) -> bool:
        """Whether a photo named by the older hash (sorted before Cene 1.6) has this size."""
        rows = self._query(
            "SELECT 1 FROM photos WHERE hash_name = 'sha256' AND size = ? LIMIT 1", (size,)
        )
        return bool(rows)

    def photo(self, photo_id: int) -> PhotoRecord | None:
        rows = self._query("SELECT * FROM photos WHERE id = ?", (photo_id,))
        return _photo(rows[0]) if rows else None

    def photos(self, album: str | None = None) -> list[PhotoRecord]:
        if album is None:
            rows = self._query("SELECT * FROM photos ORDER BY id")
        else:
            rows = self._query("SELECT * FROM photos WHERE album = ? ORDER BY id", (album,))
        return [_photo(row) for row in rows]

    def photo_ids(self, album: str, order: str = BY_ADDED) -> list[int]:
        """The ids of an album's photos in ``order`` (PHOTO_ORDERS), read in the order of an
        index: cheap for any size. By date taken, photos without one (screenshots, scans,
        pictures saved from the web) come after the dated ones, by name."""
        rows = self._query(
            f"SELECT id FROM photos WHERE album = ? ORDER BY {_ORDER_BY[order]}", (album,)
        )
        return [row[0] for row in rows]

    def photos_by_ids(self, ids: Sequence[int]) -> list[PhotoRecord]:
        """The records of ``ids``, in that order (ids no longer in the catalog are skipped)."""
        rows = self._rows_in("SELECT * FROM photos WHERE id IN ({marks})", ids)
        found = {row["id"]: _photo(row) for row in rows}
        return [found[i] for i in ids if i in found]

    def album_counts(self) -> dict[str, int]:
        rows = self._query("SELECT album, COUNT(*) AS n FROM photos GROUP BY album")
        return {row["album"]: row["n"] for row in rows}

    def known_source(self, path: Path, size: int, mtime_ns: int) -> str | None:
        """The content hash of a file Cene has seen unchanged at ``path`` before, if any."""
        rows = self._query(
            "SELECT content_hash FROM sources WHERE path = ? AND size = ? AND mtime_ns = ?",
            (str(path), size, mtime_ns),
        )
        return rows[0]["content_hash"] if rows else None

    def remember_source(
        self, path: Path, size: int, mtime_ns: int, content_hash: str, photo_id: int | None
    ) -> None:
        with self.transaction() as db:
            _upsert_source(db, str(path), size, mtime_ns, content_hash, photo_id)

    def set_content(self, photo_id: int, content_hash: str, size: int) -> bool:
        """Record a photo's new bytes (edited in another program); False if another photo in
        the catalog already has exactly these bytes (then nothing changes)."""
        try:
            with self.transaction() as db:
                db.execute(
                    "UPDATE photos SET content_hash = ?, size = ?, hash_name = ? WHERE id = ?",
                    (content_hash, size, fileops.HASH_NAME, photo_id),
                )
        except sqlite3.IntegrityError:
            return False
        return True

    def set_album(self, photo_id: int, album: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE photos SET album = ? WHERE id = ?", (album, photo_id))

    def forget_photo(self, photo_id: int) -> None:
        with self.transaction() as db:
            _delete_photo(db, photo_id)
