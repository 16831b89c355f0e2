"""What learning keeps: the labelled photos, and features computed once per photo."""

from __future__ import annotations

from collections.abc import Sequence

from cene_desktop.core.albums import UNSORTED
from cene_desktop.core.catalog.connection import CatalogBase
from cene_desktop.core.catalog.records import (
    LabelledPhoto,
    _from_row,
)


class FeaturesMixin(CatalogBase):
    # -- learning from corrections -------------------------------------------------------

    def labelled_photos(self) -> list[LabelledPhoto]:
        """Photos a person put in (or confirmed in) a scene album, oldest first."""
        rows = self._query(
            "SELECT id, content_hash, current_path, album, size FROM photos"
            " WHERE corrected = 1 AND album != ? ORDER BY id",
            (UNSORTED,),
        )
        return [_from_row(LabelledPhoto, row) for row in rows]

    def labelled_count(self) -> int:
        rows = self._query(
            "SELECT COUNT(*) FROM photos WHERE corrected = 1 AND album != ?", (UNSORTED,)
        )
        return int(rows[0][0])

    def cached_features(self, hashes: Sequence[str], model_version: str) -> dict[str, bytes]:
        rows = self._rows_in(
            "SELECT content_hash, vector FROM features WHERE model_version = ?"
            " AND content_hash IN ({marks})",
            hashes,
            (model_version,),
        )
        return {row["content_hash"]: bytes(row["vector"]) for row in rows}

    def forget_features_except(self, model_version: str) -> int:
        """Drop kept features another model computed (a Cene upgrade changed the model): they
        can never be used again. Returns how many were dropped."""
        with self.transaction() as db:
            # Two ranges rather than "!=": SQLite searches the index for those, and scans the
            # whole table for the other.
            cursor = db.execute(
                "DELETE FROM features WHERE model_version < ?1 OR model_version > ?1",
                (model_version,),
            )
            return cursor.rowcount

    def store_features(self, vectors: dict[str, bytes], model_version: str) -> None:
        with self.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO features(content_hash, model_version, vector)"
                " VALUES (?, ?, ?)",
                [(key, model_version, value) for key, value in vectors.items()],
            )
