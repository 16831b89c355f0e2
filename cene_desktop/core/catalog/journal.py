"""The file-operation journal: every operation is written here (durably) before it touches
a file, and closed once done, so that start-up can finish or roll back what a crash left."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cene_desktop.core import fileops
from cene_desktop.core.catalog.connection import CatalogBase
from cene_desktop.core.catalog.records import (
    JournalEntry,
    _delete_photo,
    _journal,
    _upsert_source,
    now_iso,
)


class JournalMixin(CatalogBase):
    # -- journal -------------------------------------------------------------------------

    def journal_begin(
        self,
        run_id: int | None,
        op: str,
        src: Path,
        dest: Path,
        content_hash: str,
        size: int,
        payload: dict[str, Any],
    ) -> JournalEntry:
        """Record the intent to do ``op``; durable once this returns. The pending entry."""
        return self.journal_begin_many([(run_id, op, src, dest, content_hash, size, payload)])[0]

    def journal_begin_many(
        self, intents: Sequence[tuple[int | None, str, Path, Path, str, int, dict[str, Any]]]
    ) -> list[JournalEntry]:
        """:meth:`journal_begin` for several operations (run id, op, src, dest, hash, size,
        payload), in one transaction; their pending entries, in order."""
        entries = []
        with self.transaction() as db:
            for run_id, op, src, dest, content_hash, size, payload in intents:
                fields = (run_id, op, str(src), str(dest), content_hash, size)
                cursor = db.execute(
                    "INSERT INTO journal(run_id, op, src, dest, content_hash, size, payload,"
                    " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (*fields, json.dumps(payload), now_iso()),
                )
                entries.append(
                    JournalEntry(int(cursor.lastrowid or 0), *fields, payload, "pending")
                )
        return entries

    def journal_set_dest(self, entry_id: int, dest: Path) -> None:
        with self.transaction() as db:
            db.execute("UPDATE journal SET dest = ? WHERE id = ?", (str(dest), entry_id))

    def journal_close(
        self, entry_id: int, state: str, detail: str | None = None, conn: Any = None
    ) -> None:
        sql = "UPDATE journal SET state = ?, detail = ?, finished_at = ? WHERE id = ?"
        params = (state, detail, now_iso(), entry_id)
        if conn is not None:
            conn.execute(sql, params)
            return
        with self.transaction() as db:
            db.execute(sql, params)

    def open_journal(self) -> list[JournalEntry]:
        rows = self._query("SELECT * FROM journal WHERE state = 'pending' ORDER BY id")
        return [_journal(row) for row in rows]

    def journal_states(self) -> Counter[tuple[str, str | None]]:
        """How many journal entries ended in each (state, detail): for checks and tests."""
        rows = self._query("SELECT state, detail, COUNT(*) AS n FROM journal GROUP BY 1, 2")
        return Counter({(row["state"], row["detail"]): row["n"] for row in rows})

    def journal_of_run(self, run_id: int) -> list[JournalEntry]:
        rows = self._query(
            "SELECT * FROM journal WHERE run_id = ? AND state = 'done' ORDER BY id", (run_id,)
        )
        return [_journal(row) for row in rows]

    def record_placed(
        self, entry: JournalEntry, current_path: str, detail: str | None = None
    ) -> int:
        """In one transaction: the photo row, its source, and the journal entry marked done."""
        return self.record_placed_many([(entry, current_path)], detail)[0]

    def record_placed_many(
        self, placed: Sequence[tuple[JournalEntry, str]], detail: str | None = None
    ) -> list[int]:
        """:meth:`record_placed` for several (entry, current path), in one transaction; the
        photo ids, in order."""
        with self.transaction() as db:
            return [self._insert_placed(db, entry, where, detail) for entry, where in placed]

    def _insert_placed(
        self, db: sqlite3.Connection, entry: JournalEntry, current_path: str, detail: str | None
    ) -> int:
        payload = entry.payload
        db.execute("DELETE FROM photos WHERE content_hash = ?", (entry.content_hash,))
        cursor = db.execute(
            "INSERT INTO photos(content_hash, size, original_path, current_path, album, mode,"
            " predicted, confidence, runner_up, probabilities, model_version, taken_at,"
            " sorted_at, corrected, run_id, scene_probability, hash_name)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)",
            (
                entry.content_hash,
                entry.size,
                payload["original_path"],
                current_path,
                payload["album"],
                payload["mode"],
                payload.get("predicted"),
                payload.get("confidence"),
                payload.get("runner_up"),
                json.dumps(payload.get("probabilities", {})),
                payload.get("model_version"),
                payload.get("taken_at"),
                now_iso(),
                entry.run_id,
                payload.get("scene_probability"),
                # journalled by an older Cene (then upgraded): its hash is the older one
                payload.get("hash_name", fileops.LEGACY_HASH_NAME),
            ),
        )
        photo_id = int(cursor.lastrowid or 0)
        if payload.get("source_mtime_ns") is not None:
            _upsert_source(
                db,
                payload["original_path"],
                entry.size,
                payload["source_mtime_ns"],
                entry.content_hash,
                photo_id,
            )
        self.journal_close(entry.id, "done", detail, conn=db)
        return photo_id

    def record_relocated(
        self,
        entry: JournalEntry,
        photo_id: int,
        current_path: str,
        album: str | None,
        detail: str | None = None,
    ) -> None:
        """A library photo moved (undo, correction): update its row and close the entry."""
        with self.transaction() as db:
            if album is None:
                _delete_photo(db, photo_id)
            else:
                db.execute(
                    "UPDATE photos SET current_path = ?, album = ? WHERE id = ?",
                    (current_path, album, photo_id),
                )
            self.journal_close(entry.id, "done", detail, conn=db)
