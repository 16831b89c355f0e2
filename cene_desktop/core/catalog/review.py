"""What the review pane lists, and the albums an adapted model suggests."""

from __future__ import annotations

import json
from collections.abc import Sequence

from cene_desktop.core.albums import OTHER
from cene_desktop.core.catalog.photos import PhotosMixin
from cene_desktop.core.catalog.records import (
    PhotoRecord,
    _review_filter,
)


class ReviewMixin(PhotosMixin):
    def review_count(self, below: float | None = None) -> int:
        """Photos nobody has looked at yet (with ``below``: only those the model was less sure
        of than that, and those it could not judge)."""
        if below is None or below >= 1.0:
            return int(self._query("SELECT COUNT(*) FROM photos WHERE corrected = 0")[0][0])
        # Two ranges of the index, not one OR that reads every unreviewed row: 1 ms instead of
        # 10 in a library of 100,000 photos.
        rows = self._query(
            "SELECT (SELECT COUNT(*) FROM photos WHERE corrected = 0 AND review_sure < ?)"
            " + (SELECT COUNT(*) FROM photos WHERE corrected = 0 AND review_sure IS NULL)",
            (below,),
        )
        return int(rows[0][0])

    def review_queue(
        self, pair: tuple[str, str] | None = None, limit: int = 1000, below: float | None = None
    ) -> list[PhotoRecord]:
        """Photos nobody has looked at yet, the ones Cene is least sure of first (for a photo
        in Other: least sure it shows no scene); ``pair``: only photos whose
        two most likely scenes are these two (e.g. mountain or glacier); ``below``: only photos
        the model was less sure of than that."""
        return self.photos_by_ids(self.review_ids(pair, limit, below))

    def review_ids(
        self, pair: tuple[str, str] | None = None, limit: int = 1000, below: float | None = None
    ) -> list[int]:
        """The ids of :meth:`review_queue`, in its order."""
        where, values = _review_filter(below)
        if pair is not None:
            where += " AND ((predicted = ? AND runner_up = ?) OR (predicted = ? AND runner_up = ?))"
            values += (pair[0], pair[1], pair[1], pair[0])
        rows = self._query(
            f"SELECT id FROM photos WHERE {where} ORDER BY review_sure ASC, id LIMIT ?",
            (*values, limit),
        )
        return [row[0] for row in rows]

    def boundary_ids(self, low: float, high: float, centre: float, limit: int = 1000) -> list[int]:
        """Unreviewed photos whose scene probability lies between ``low`` and ``high`` (near
        the scene gate's threshold ``centre``, on either side: in Other, or in a scene album
        that the gate nearly sent to Other), nearest the threshold first."""
        rows = self._query(
            "SELECT id FROM photos WHERE corrected = 0 AND scene_probability BETWEEN ? AND ?"
            " ORDER BY ABS(scene_probability - ?), id LIMIT ?",
            (low, high, centre, limit),
        )
        return [row[0] for row in rows]

    def unjudged_by_gate(self) -> int:
        """Photos in scene albums or Unsorted that the scene gate never looked at (sorted
        before Cene had an Other album): a re-check asks it about them."""
        rows = self._query(
            "SELECT COUNT(*) FROM photos WHERE scene_probability IS NULL AND album != ?",
            (OTHER,),
        )
        return int(rows[0][0])

    def set_suggestions(self, suggestions: Sequence[tuple[int, str, float]], by: str) -> None:
        """Replace every suggestion with these (photo id, album, confidence) from model ``by``."""
        with self.transaction() as db:
            db.execute(
                "UPDATE photos SET suggested = NULL, suggested_confidence = NULL,"
                " suggested_by = NULL WHERE suggested IS NOT NULL"
            )
            db.executemany(
                "UPDATE photos SET suggested = ?, suggested_confidence = ?, suggested_by = ?"
                " WHERE id = ? AND corrected = 0",
                [(album, confidence, by, photo_id) for photo_id, album, confidence in suggestions],
            )

    def set_predictions(
        self, rows: Sequence[tuple[int, str, float, str, dict[str, float], str, float | None]]
    ) -> None:
        """What the model in use says of photos nobody has looked at, (id, predicted,
        confidence, runner-up, probabilities, model version, scene probability) each: the
        review pane and the preview follow the model a person has now, not the one that sorted
        the photo."""
        with self.transaction() as db:
            db.executemany(
                "UPDATE photos SET predicted = ?, confidence = ?, runner_up = ?,"
                " probabilities = ?, model_version = ?, scene_probability = ?"
                " WHERE id = ? AND corrected = 0",
                [
                    (predicted, sure, runner_up, json.dumps(probabilities), version, scene, id_)
                    for id_, predicted, sure, runner_up, probabilities, version, scene in rows
                ],
            )

    def clear_suggestions(self, keep_by: str | None = None) -> int:
        """Drop suggestions (all, or all but those of model ``keep_by``); returns how many."""
        with self.transaction() as db:
            cursor = db.execute(
                "UPDATE photos SET suggested = NULL, suggested_confidence = NULL,"
                " suggested_by = NULL WHERE suggested IS NOT NULL AND suggested_by IS NOT ?",
                (keep_by,),
            )
            return int(cursor.rowcount)

    def suggestion_count(self) -> int:
        rows = self._query("SELECT COUNT(*) FROM photos WHERE suggested IS NOT NULL")
        return int(rows[0][0])

    def suggestions(self, limit: int = 1000) -> list[PhotoRecord]:
        """Photos an adapted model would now place elsewhere, surest first."""
        return self.photos_by_ids(self.suggestion_ids(limit))

    def suggestion_ids(self, limit: int = 1000) -> list[int]:
        """The ids of :meth:`suggestions`, in its order."""
        rows = self._query(
            "SELECT id FROM photos WHERE suggested IS NOT NULL"
            " ORDER BY suggested_confidence DESC, id LIMIT ?",
            (limit,),
        )
        return [row[0] for row in rows]
