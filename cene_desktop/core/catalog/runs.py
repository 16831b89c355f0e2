"""Sort, watch and correction runs, and the corrections of a person's actions."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from cene_desktop.core.catalog.connection import CatalogBase
from cene_desktop.core.catalog.records import (
    Run,
    _run,
    now_iso,
)


class RunsMixin(CatalogBase):
    # -- runs ----------------------------------------------------------------------------

    def start_run(
        self, kind: str, photos_dir: Path | None, mode: str | None, model_version: str | None
    ) -> int:
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO runs(kind, photos_dir, mode, model_version, started_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (kind, str(photos_dir) if photos_dir else None, mode, model_version, now_iso()),
            )
            return int(cursor.lastrowid or 0)

    def finish_run(self, run_id: int) -> None:
        with self.transaction() as db:
            db.execute("UPDATE runs SET finished_at = ? WHERE id = ?", (now_iso(), run_id))

    def mark_run_undone(self, run_id: int) -> None:
        with self.transaction() as db:
            db.execute("UPDATE runs SET undone_at = ? WHERE id = ?", (now_iso(), run_id))

    def last_undoable_run(self) -> Run | None:
        """The latest of :meth:`undoable_runs` (what "Put back" and ``cene undo`` undo)."""
        runs = self.undoable_runs(limit=1)
        return runs[0] if runs else None

    def undoable_runs(self, limit: int = -1) -> list[Run]:
        """The sort and watch runs that placed photos still their own and are not undone yet,
        newest first (``limit``: at most that many; -1, all)."""
        rows = self._query(
            "SELECT * FROM runs WHERE undone_at IS NULL AND kind IN ('sort', 'watch')"
            " AND EXISTS (SELECT 1 FROM journal j WHERE j.run_id = runs.id AND j.state = 'done')"
            " AND EXISTS (SELECT 1 FROM photos p WHERE p.run_id = runs.id)"
            " ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [_run(row) for row in rows]

    def run_looked_at_count(self, run_id: int) -> int:
        """Photos of a run a person has corrected or confirmed."""
        rows = self._query(
            "SELECT COUNT(*) FROM photos WHERE run_id = ? AND corrected = 1", (run_id,)
        )
        return int(rows[0][0])

    def run_photo_count(self, run_id: int) -> int:
        """Photos a run placed that are still its own (not undone, not placed again since)."""
        return int(self._query("SELECT COUNT(*) FROM photos WHERE run_id = ?", (run_id,))[0][0])

    def run_companion_count(self, run_id: int) -> int:
        """Files that go with those photos (they go back with them)."""
        rows = self._query(
            "SELECT COUNT(*) FROM companions JOIN photos ON photos.id = companions.photo_id"
            " WHERE photos.run_id = ?",
            (run_id,),
        )
        return int(rows[0][0])

    def add_correction(
        self, photo_id: int, from_album: str, to_album: str, kind: str, run_id: int | None
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO corrections(photo_id, from_album, to_album, kind, at, run_id)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (photo_id, from_album, to_album, kind, now_iso(), run_id),
            )
            db.execute(
                "UPDATE photos SET corrected = 1, suggested = NULL, suggested_confidence = NULL,"
                " suggested_by = NULL WHERE id = ?",
                (photo_id,),
            )

    def corrections_of_run(self, run_id: int) -> list[sqlite3.Row]:
        return self._query("SELECT * FROM corrections WHERE run_id = ? ORDER BY id DESC", (run_id,))

    def remove_correction(self, correction_id: int, photo_id: int) -> None:
        """Forget one correction; the photo counts as corrected only if others remain."""
        with self.transaction() as db:
            db.execute("DELETE FROM corrections WHERE id = ?", (correction_id,))
            db.execute(
                "UPDATE photos SET corrected = EXISTS (SELECT 1 FROM corrections"
                " WHERE photo_id = ?) WHERE id = ?",
                (photo_id, photo_id),
            )

    def last_run(self, kinds: tuple[str, ...]) -> Run | None:
        marks = ", ".join("?" for _ in kinds)
        rows = self._query(
            f"SELECT * FROM runs WHERE undone_at IS NULL AND kind IN ({marks})"
            " ORDER BY id DESC LIMIT 1",
            kinds,
        )
        return _run(rows[0]) if rows else None
