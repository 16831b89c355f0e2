"""Qt models: the album list on the left (a drop target) and the photo grid (a drag source)."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import (
    QAbstractListModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPixmap

from cene_desktop.core.albums import ALBUMS, UNSORTED
from cene_desktop.core.catalog import PhotoRecord

PHOTO_MIME = "application/x-cene-photo-ids"
REVIEW = "Review"
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
    """The photos of one album (or the review queue), thumbnails loaded as rows are shown."""

    thumbnail_wanted = Signal(str, Path)  # content hash, file

    def __init__(self, library: Path | None = None) -> None:
        super().__init__()
        self.library = library
        self.photos: list[PhotoRecord] = []
        self._thumbnails: dict[str, QPixmap] = {}
        self._wanted: dict[str, Path] = {}  # requested, not ready yet
        self._failed: dict[str, Path] = {}  # no thumbnail could be made from this file
        self._row_of_hash: dict[str, int] = {}
        self._placeholder = QPixmap(160, 160)
        self._placeholder.fill(QColor("#e0e0e0"))

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.photos)

    def set_photos(self, photos: list[PhotoRecord]) -> None:
        """Show ``photos``; rows only appended keep the view's selection and scroll position."""
        old_ids = [p.id for p in self.photos]
        new_ids = [p.id for p in photos]
        if new_ids[: len(old_ids)] == old_ids:
            if len(new_ids) > len(old_ids):
                self.beginInsertRows(QModelIndex(), len(old_ids), len(new_ids) - 1)
                self.photos = list(photos)
                self._index_rows()
                self.endInsertRows()
            elif photos != self.photos:
                self.photos = list(photos)
                self.dataChanged.emit(self.index(0), self.index(len(photos) - 1))
            return
        self.beginResetModel()
        self.photos = list(photos)
        self._index_rows()
        self.endResetModel()

    def _index_rows(self) -> None:
        self._row_of_hash = {p.content_hash: row for row, p in enumerate(self.photos)}

    def photo(self, row: int) -> PhotoRecord:
        return self.photos[row]

    def path_of(self, photo: PhotoRecord) -> Path:
        assert self.library is not None
        return self.library / photo.current_path

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or index.row() >= len(self.photos):
            return None
        photo = self.photos[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return Path(photo.current_path).name
        if role == Qt.ItemDataRole.DecorationRole:
            pixmap = self._thumbnails.get(photo.content_hash)
            if pixmap is not None or self.library is None:
                return pixmap or self._placeholder
            path = self.path_of(photo)
            key = photo.content_hash
            if key not in self._wanted and self._failed.get(key) != path:
                self._wanted[key] = path  # asked once; asked again only if the photo moves
                self.thumbnail_wanted.emit(key, path)
            return self._placeholder
        if role == Qt.ItemDataRole.ToolTipRole:
            sure = f"{photo.confidence:.0%}" if photo.confidence is not None else "?"
            return f"{Path(photo.current_path).name}\n{photo.predicted} ({sure} sure)"
        if role == PhotoRole:
            return photo
        return None

    def thumbnail_ready(self, content_hash: str, image: QImage) -> None:
        path = self._wanted.pop(content_hash, None)
        if image.isNull():
            if path is not None:
                self._failed[content_hash] = path
        else:
            self._thumbnails[content_hash] = QPixmap.fromImage(image)
        row = self._row_of_hash.get(content_hash)
        if row is not None:
            index = self.index(row)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid():
            flags |= Qt.ItemFlag.ItemIsDragEnabled
        return flags

    def mimeTypes(self) -> list[str]:  # noqa: N802
        return [PHOTO_MIME]

    def mimeData(self, indexes: list[QModelIndex]) -> QMimeData:  # noqa: N802
        rows = sorted({index.row() for index in indexes if index.isValid()})
        return encode_photo_ids([self.photos[row].id for row in rows])

    def supportedDragActions(self) -> Qt.DropAction:  # noqa: N802
        return Qt.DropAction.MoveAction
