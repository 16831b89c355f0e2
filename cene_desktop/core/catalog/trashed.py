"""Photos moved to the system trash: their rows leave the catalog (no album, count, review or
check lists them), and what undo needs to bring them back is kept in their journal entries."""

from __future__ import annotations

import sqlite3
from typing import Any

from cene_desktop.core.catalog.journal import JournalMixin
from cene_desktop.core.catalog.records import JournalEntry


class TrashedMixin(JournalMixin):
    # -- the trash -----------------------------------------------------------------------

    def photo_as_kept(self, photo_id: int) -> dict[str, Any]:
        """A photo's row and its corrections, as a trash entry keeps them for undo."""
        rows = self._query("SELECT * FROM photos WHERE id = ?", (photo_id,))
        corrections = self._query("SELECT * FROM corrections WHERE photo_id = ?", (photo_id,))
        return {
            "photo": dict(rows[0]) if rows else {},
            "corrections": [dict(row) for row in corrections],
        }

    def companion_as_kept(self, companion_id: int) -> dict[str, Any]:
        rows = self._query("SELECT * FROM companions WHERE id = ?", (companion_id,))
        return dict(rows[0]) if rows else {}

    def record_trashed(
        self, entry: JournalEntry, trashed: str | None, detail: str | None = None
    ) -> None:
        """In one transaction: the photo's (or companion's) row goes, the entry is done, with
        the file in the trash as its destination where Cene found it there. The photo's
        sources stay, pointing nowhere: a copy-mode original still in the photo folder is not
        sorted again."""
        with self.transaction() as db:
            if trashed is not None:
                db.execute("UPDATE journal SET dest = ? WHERE id = ?", (trashed, entry.id))
            if "companion_id" in entry.payload:
                db.execute("DELETE FROM companions WHERE id = ?", (entry.payload["companion_id"],))
            else:
                db.execute("DELETE FROM photos WHERE id = ?", (entry.payload["photo_id"],))
            self.journal_close(entry.id, "done", detail, conn=db)

    def record_untrashed(
        self, entry: JournalEntry, current_path: str, detail: str | None = None
    ) -> int:
        """In one transaction: the row of a photo (or companion) back from the trash, at
        ``current_path``, and the entry done. The photo's id (its old one if still free)."""
        kept = entry.payload
        with self.transaction() as db:
            if "companion" in kept:
                row = {**kept["companion"], "photo_id": kept["photo_id"]}
                row_id = _insert(db, "companions", row, current_path)
            else:
                row_id = _insert(db, "photos", kept["photo"], current_path)
                for correction in kept.get("corrections", []):
                    _insert(db, "corrections", {**correction, "photo_id": row_id}, None)
                db.execute(
                    "UPDATE sources SET photo_id = ? WHERE content_hash = ? AND photo_id IS NULL",
                    (row_id, entry.content_hash),
                )
            self.journal_close(entry.id, "done", detail, conn=db)
        return row_id

    def trash_entries(self, run_id: int) -> list[JournalEntry]:
        """The files a trash run sent to the trash, in the order they went."""
        return [entry for entry in self.journal_of_run(run_id) if entry.op == "trash"]


def _insert(
    db: sqlite3.Connection, table: str, row: dict[str, Any], current_path: str | None
) -> int:
    """Insert a kept row again: only the table's own columns, its old id if still free."""
    columns = {info[1] for info in db.execute(f"PRAGMA table_info({table})")}
    values = {name: value for name, value in row.items() if name in columns}
    if current_path is not None:
        values["current_path"] = current_path
    taken = db.execute(f"SELECT 1 FROM {table} WHERE id = ?", (values.get("id"),)).fetchone()
    if taken:
        values.pop("id")
    names = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    cursor = db.execute(f"INSERT INTO {table}({names}) VALUES ({marks})", tuple(values.values()))  # noqa: S608 - names are the table's own columns
    return int(cursor.lastrowid or 0)
