"""Files that go with a photo: a RAW, a Live Photo's video, sidecars."""

from __future__ import annotations

from pathlib import Path

from cene_desktop.core.catalog.journal import JournalMixin
from cene_desktop.core.catalog.records import (
    CompanionRecord,
    JournalEntry,
    PhotoRecord,
    _from_row,
    _photo,
)


class CompanionsMixin(JournalMixin):
    # -- companions ----------------------------------------------------------------------

    def companions(self, photo_id: int | None = None) -> list[CompanionRecord]:
        """The companions of one photo, or of every photo."""
        if photo_id is None:
            rows = self._query("SELECT * FROM companions ORDER BY id")
        else:
            rows = self._query(
                "SELECT * FROM companions WHERE photo_id = ? ORDER BY id", (photo_id,)
            )
        return [_from_row(CompanionRecord, row) for row in rows]

    def record_companion(self, entry: JournalEntry, current_path: str, detail: str | None) -> None:
        """In one transaction: the companion's row and its journal entry marked done."""
        payload = entry.payload
        with self.transaction() as db:
            db.execute(
                "INSERT INTO companions(photo_id, tail, content_hash, size, original_path,"
                " current_path, mode) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    payload["companion_of"],
                    payload["tail"],
                    entry.content_hash,
                    entry.size,
                    payload["original_path"],
                    current_path,
                    payload["mode"],
                ),
            )
            self.journal_close(entry.id, "done", detail, conn=db)

    def record_companion_moved(
        self, entry: JournalEntry, current_path: str | None, detail: str | None
    ) -> None:
        """A companion moved between albums (a path) or left the library (None)."""
        companion_id = entry.payload["companion_id"]
        with self.transaction() as db:
            if current_path is None:
                db.execute("DELETE FROM companions WHERE id = ?", (companion_id,))
            else:
                db.execute(
                    "UPDATE companions SET current_path = ? WHERE id = ?",
                    (current_path, companion_id),
                )
            self.journal_close(entry.id, "done", detail, conn=db)

    def companion_from(self, original_path: Path) -> CompanionRecord | None:
        rows = self._query(
            "SELECT * FROM companions WHERE original_path = ? LIMIT 1", (str(original_path),)
        )
        return _from_row(CompanionRecord, rows[0]) if rows else None

    def forget_companion(self, companion_id: int) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM companions WHERE id = ?", (companion_id,))

    def placed_from(self, folder: Path, stem: str) -> list[PhotoRecord]:
        """Photos Cene took from ``folder`` whose name had this stem (newest first)."""
        prefix = f"{folder}/{stem}."
        rows = self._query(
            "SELECT * FROM photos WHERE original_path >= ? AND original_path < ? ORDER BY id DESC",
            (prefix, prefix[:-1] + "/"),
        )
        return [
            photo
            for photo in map(_photo, rows)
            if Path(photo.original_path).parent == folder and Path(photo.original_path).stem == stem
        ]
