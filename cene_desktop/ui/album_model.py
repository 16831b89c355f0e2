"""Qt models: the album list on the left (a drop target) and the photo grid (a drag source)."""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import (
    QAbstractListModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QUrl,
    Signal,
)
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPixmap

from cene_desktop.core.albums import ALBUMS, OTHER, UNSORTED, library_file_to_read
from cene_desktop.core.catalog import PhotoRecord, missing_photo
from cene_desktop.core.pages import REVIEW
from cene_desktop.ui.captions import NAMES, caption

PHOTO_MIME = "application/x-cene-photo-ids"
PhotoRole = Qt.ItemDataRole.UserRole + 1
AlbumRole = Qt.ItemDataRole.UserRole + 2
CountRole = Qt.ItemDataRole.UserRole + 3

ALBUM_COLOURS = {
    "Buildings": "#8d6e63",
    "Forest": "#2e7d32",
    "Glacier": "#4fc3f7",
    "Mountain": "#6d4c41",
    "Sea": "#1565c0",
    "Street": "#616161",
    OTHER: "#ab47bc",
    UNSORTED: "#9e9e9e",
    REVIEW: "#f9a825",
}

AnyIndex = QModelIndex | QPersistentModelIndex


def album_icon(album: str, size: int = 14) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor(ALBUM_COLOURS.get(album, "#9e9e9e")))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(1, 1, size - 2, size - 2)
    painter.end()
    return QIcon(pixmap)


def encode_photo_ids(ids: list[int]) -> QMimeData:
    data = QMimeData()
    data.setData(PHOTO_MIME, json.dumps(ids).encode())
    return data


def decode_photo_ids(data: QMimeData) -> list[int]:
    if not data.hasFormat(PHOTO_MIME):
        return []
    try:
        return [int(i) for i in json.loads(bytes(data.data(PHOTO_MIME).data()).decode())]
    except (ValueError, TypeError):
        return []


class AlbumListModel(QAbstractListModel):
    """The albums with their photo counts, then Review. Photos dropped on an album move there."""

    photos_dropped = Signal(list, str)  # photo ids, album
    files_dropped = Signal(list)  # paths from the system's file manager

    def __init__(self) -> None:
        super().__init__()
        self.names = [*ALBUMS, REVIEW]
        self.counts = dict.fromkeys(self.names, 0)
        self._icons = {name: album_icon(name) for name in self.names}

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.names)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        name = self.names[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{name}\t{self.counts[name]}"
        if role == Qt.ItemDataRole.DecorationRole:
            return self._icons[name]
        if role == AlbumRole:
            return name
        if role == CountRole:
            return self.counts[name]
        if role == Qt.ItemDataRole.ToolTipRole:
            if name == REVIEW:
                return "Photos the model was least sure of: check them first"
            return f"Drop photos here to move them to {name}"
        return None

    def set_counts(self, counts: dict[str, int]) -> None:
        changed = False
        for name in self.names:
            value = counts.get(name, 0)
            if self.counts[name] != value:
                self.counts[name] = value
                changed = True
        if changed:
            self.dataChanged.emit(self.index(0), self.index(len(self.names) - 1))

    def row_of(self, name: str) -> int:
        return self.names.index(name)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid() and self.names[index.row()] != REVIEW:
            flags |= Qt.ItemFlag.ItemIsDropEnabled
        return flags

    def mimeTypes(self) -> list[str]:  # noqa: N802
        return [PHOTO_MIME, "text/uri-list"]

    def supportedDropActions(self) -> Qt.DropAction:  # noqa: N802
        return Qt.DropAction.MoveAction | Qt.DropAction.CopyAction

    def canDropMimeData(  # noqa: N802
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: AnyIndex
    ) -> bool:
        if data.hasFormat(PHOTO_MIME):
            return parent.isValid() and self.names[parent.row()] != REVIEW
        return data.hasUrls()

    def dropMimeData(  # noqa: N802
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: AnyIndex
    ) -> bool:
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        ids = decode_photo_ids(data)
        if ids:
            self.photos_dropped.emit(ids, self.names[parent.row()])
            return True
        paths = [url.toLocalFile() for url in data.urls() if url.isLocalFile()]
        if paths:
            self.files_dropped.emit(paths)
            return True
        return False


class PhotoGridModel(QAbstractListModel):
    """The photos of one album (or the review queue), read and thumbnailed as rows are shown.

    The model holds the photo ids; records are asked for a block at a time when a row is
    drawn (``records_wanted``, answered by the window's catalog reader in its own thread with
    ``records_ready``), and at most ``MAX_THUMBNAILS`` thumbnails stay in memory (least
    recently shown ones go first), so an album of tens of thousands of photos costs little more
    than one screenful. A list read again keeps showing the records it had until the fresh
    ones come (no flicker); a row whose record has not come yet is drawn blank.
    """

    thumbnail_wanted = Signal(str, Path)  # content hash, file
    reset_rows = Signal()  # a different list is shown: thumbnails asked for earlier are stale
    records_wanted = Signal(int, int, list)  # generation, first row, photo ids

    BLOCK = 256
    MAX_RECORDS = 8 * BLOCK
    MAX_THUMBNAILS = 600  # of CELL pixels: fewer are kept of larger ones
    CELL = 160  # the square every thumbnail fits in, unless the slider above the grid says

    def __init__(self, library: Path | None = None) -> None:
        super().__init__()
        self.library = library
        #: Screen pixels per layout pixel (2 on a HiDPI screen): thumbnails are made that many
        #: times larger and drawn at ``cell`` layout pixels, so they stay sharp.
        self.pixel_ratio = 1.0
        self.cell = self.CELL  # the square every thumbnail is drawn in (scaled down to fit)
        self.max_thumbnails = self.MAX_THUMBNAILS
        self.thumbnail_pixels = 0  # the size thumbnails are made at (0: none made yet)
        self.ids: list[int] = []
        #: What the line under each thumbnail says: NAMES (an album), GUESSES (the review
        #: pane: the album and the model's guess), SUGGESTED (where Cene would move it now).
        self.captions = NAMES
        #: Bumped whenever the list is set: records asked for under an older one are not
        #: taken as fresh (rows may have moved, labels changed).
        self.generation = 0
        self._records: dict[int, PhotoRecord] = {}
        self._fresh: set[int] = set()  # records read for this generation
        self._asked: set[int] = set()  # block starts asked for in this generation
        self._thumbnails: OrderedDict[str, QPixmap] = OrderedDict()
        self._wanted: dict[str, Path] = {}  # requested, not ready yet
        self._failed: dict[str, Path] = {}  # no thumbnail could be made from this file
        self._row_of_hash: dict[str, int] = {}  # rows drawn, by content hash
        self._placeholder = QPixmap()
        self.set_cell(self.CELL)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.ids)

    def set_cell(self, cell: int) -> None:
        """Draw thumbnails in ``cell`` × ``cell`` layout pixels (the grid's slider)."""
        self.cell = cell
        self._placeholder = QPixmap(cell, cell)
        self._placeholder.fill(QColor("#e0e0e0"))
        self._redraw_thumbnails()

    def _redraw_thumbnails(self) -> None:
        if self.ids:
            self.dataChanged.emit(
                self.index(0), self.index(len(self.ids) - 1), [Qt.ItemDataRole.DecorationRole]
            )

    def thumbnails_made_at(self, pixels: int) -> None:
        """Thumbnails are made at ``pixels`` from now on: those held of another size are
        dropped and asked for again as their rows are drawn, and as many are kept as fit in
        the memory MAX_THUMBNAILS of CELL pixels take."""
        if pixels == self.thumbnail_pixels:
            return
        self.thumbnail_pixels = pixels
        share = (self.CELL * self.pixel_ratio / pixels) ** 2
        self.max_thumbnails = max(100, round(self.MAX_THUMBNAILS * min(1.0, share)))
        self._thumbnails.clear()
        self._wanted.clear()
        self._failed.clear()
        self._row_of_hash.clear()
        self._redraw_thumbnails()

    def set_rows(self, ids: list[int], records: Sequence[PhotoRecord] = ()) -> None:
        """Show the photos ``ids``; ``records``: fresh ones read with the list (its first
        rows), the others are asked for when drawn.

        Rows only appended keep the view's selection and scroll position; shown rows are
        read again (a photo's label or suggestion may have changed).
        """
        self.generation += 1
        self._fresh.clear()
        self._asked.clear()
        if len(self._records) > self.MAX_RECORDS:
            self._records.clear()
        self._take(records)
        self._remove_rows_gone(set(ids))
        had_rows = bool(self.ids)
        if self._insert_rows_new(ids):
            if had_rows:
                self.dataChanged.emit(self.index(0), self.index(len(self.ids) - 1))
            return
        self.beginResetModel()
        self.ids = list(ids)
        self._row_of_hash.clear()
        self._wanted.clear()
        self.reset_rows.emit()
        self.endResetModel()

    def _insert_rows_new(self, ids: list[int]) -> bool:
        """When the rows shown keep their order in ``ids``, insert the new ones where they go,
        one run at a time (a photo sorted into the middle of an album by date), so the view
        keeps its scroll position and selection. False: another order, to be reset."""
        kept = set(self.ids)
        if [photo_id for photo_id in ids if photo_id in kept] != self.ids:
            return False
        start = 0
        while start < len(ids):
            if ids[start] in kept:
                start += 1
                continue
            end = start
            while end < len(ids) and ids[end] not in kept:
                end += 1
            if start < len(self.ids):
                self._row_of_hash.clear()  # rows below move down
            self.beginInsertRows(QModelIndex(), start, end - 1)
            self.ids[start:start] = ids[start:end]
            self.endInsertRows()
            start = end
        return True

    def leaving(self) -> None:
        """Another page is asked for: the thumbnails not made yet are not wanted now (asked
        again when their rows are drawn), so the new page's come first."""
        self._wanted.clear()
        self.reset_rows.emit()

    def _take(self, records: Sequence[PhotoRecord]) -> None:
        for record in records:
            self._records[record.id] = record
            self._fresh.add(record.id)

    def records_ready(self, generation: int, first_row: int, records: list[PhotoRecord]) -> None:
        """Records asked for with ``records_wanted`` (from the catalog reader)."""
        if generation != self.generation:
            return  # asked for an older list; its rows are asked for again when drawn
        self._take(records)
        block = self.ids[first_row : first_row + self.BLOCK]
        for photo_id in block:
            if photo_id not in self._fresh:  # gone from the catalog since the list was read
                self._records[photo_id] = missing_photo(photo_id)
                self._fresh.add(photo_id)
        if block:
            self.dataChanged.emit(self.index(first_row), self.index(first_row + len(block) - 1))

    def _remove_rows_gone(self, kept: set[int]) -> None:
        """Rows whose photo left the list (moved to another album) are removed one range at a
        time, so the view keeps its scroll position and selection."""
        gone = [row for row, photo_id in enumerate(self.ids) if photo_id not in kept]
        if not gone or len(gone) == len(self.ids):
            return
        self._row_of_hash.clear()  # rows shift; filled again as rows are drawn
        end = len(gone) - 1
        while end >= 0:  # from the bottom, so earlier row numbers stay valid
            start = end
            while start > 0 and gone[start - 1] == gone[start] - 1:
                start -= 1
            self.beginRemoveRows(QModelIndex(), gone[start], gone[end])
            del self.ids[gone[start] : gone[end] + 1]
            self.endRemoveRows()
            end = start - 1

    def _forget_records_far_from(self, row: int) -> None:
        """Keep the records of the rows around ``row`` (a scroll through a large album would
        otherwise keep them all)."""
        low, high = max(0, row - self.MAX_RECORDS // 2), row + self.MAX_RECORDS // 2
        near = set(self.ids[low:high])
        self._records = {i: r for i, r in self._records.items() if i in near}
        self._fresh &= near
        self._asked = {start for start in self._asked if low <= start < high}

    def set_photos(self, photos: list[PhotoRecord]) -> None:
        """Show these records (a short list already in memory)."""
        self.set_rows([p.id for p in photos], photos)

    def photo(self, row: int) -> PhotoRecord | None:
        """The record of ``row``: the one last read (asked for again, if it was read for an
        older list), or None while none has come yet."""
        photo_id = self.ids[row]
        if photo_id not in self._fresh:
            start = row - row % self.BLOCK
            if start not in self._asked:
                if len(self._records) >= self.MAX_RECORDS:
                    self._forget_records_far_from(start)
                self._asked.add(start)
                self.records_wanted.emit(
                    self.generation, start, self.ids[start : start + self.BLOCK]
                )
        return self._records.get(photo_id)

    def path_of(self, photo: PhotoRecord) -> Path:
        assert self.library is not None
        return library_file_to_read(self.library, photo.current_path)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or index.row() >= len(self.ids):
            return None
        photo = self.photo(index.row())
        if photo is None:  # not read yet: a blank cell until it comes
            return self._placeholder if role == Qt.ItemDataRole.DecorationRole else None
        if role == Qt.ItemDataRole.DisplayRole:
            return caption(photo, self.captions)
        if role == Qt.ItemDataRole.DecorationRole:
            return self._thumbnail(index.row(), photo)
        if role == Qt.ItemDataRole.ToolTipRole:
            sure = f"{photo.confidence:.0%}" if photo.confidence is not None else "?"
            lines = [Path(photo.current_path).name, f"in {photo.album}"]
            lines.append(f"looks like {photo.predicted} ({sure} sure)")
            if photo.suggested:
                lines.append(f"Cene now suggests {photo.suggested}")
            return "\n".join(lines)
        if role == PhotoRole:
            return photo
        return None

    def _thumbnail(self, row: int, photo: PhotoRecord) -> QPixmap:
        key = photo.content_hash
        pixmap = self._thumbnails.get(key)
        if pixmap is not None:
            self._thumbnails.move_to_end(key)
            return pixmap
        if self.library is None or not photo.current_path:
            return self._placeholder
        self._row_of_hash[key] = row
        path = self.path_of(photo)
        if key not in self._wanted and self._failed.get(key) != path:
            self._wanted[key] = path  # asked once; asked again only if the photo moves
            self.thumbnail_wanted.emit(key, path)
        return self._placeholder

    def thumbnail_ready(self, content_hash: str, image: QImage) -> None:
        path = self._wanted.pop(content_hash, None)
        if image.isNull():
            if path is not None:
                self._failed[content_hash] = path
        else:
            pixmap = QPixmap.fromImage(image)
            pixmap.setDevicePixelRatio(self.pixel_ratio)
            self._thumbnails[content_hash] = pixmap
            self._thumbnails.move_to_end(content_hash)
            while len(self._thumbnails) > self.max_thumbnails:
                old, _ = self._thumbnails.popitem(last=False)
                self._row_of_hash.pop(old, None)
        row = self._row_of_hash.get(content_hash)
        if row is not None and row < len(self.ids):
            index = self.index(row)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid():
            flags |= Qt.ItemFlag.ItemIsDragEnabled
        return flags

    def mimeTypes(self) -> list[str]:  # noqa: N802
        return [PHOTO_MIME, "text/uri-list"]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:  # noqa: N802
        """The photos' ids (dropped on an album: they move there) and their files (dropped on
        another program: a mail, an editor, a file manager gets them)."""
        rows = sorted({index.row() for index in indexes if index.isValid()})
        data = encode_photo_ids([self.ids[row] for row in rows])
        if self.library is not None:
            photos = [self.photo(row) for row in rows]
            data.setUrls(
                [QUrl.fromLocalFile(str(self.path_of(p))) for p in photos if p and p.current_path]
            )
        return data

    def supportedDragActions(self) -> Qt.DropAction:  # noqa: N802
        """Copy only: another program may copy a photo out, never take it out of the library
        behind the catalog's back. Dropped on an album, Cene itself moves it (journaled)."""
        return Qt.DropAction.CopyAction
