"""The photo grid: thumbnails of an album (or the review queue), many selectable, draggable."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
)

from cene_desktop.core.catalog import PhotoRecord
from cene_desktop.ui.album_model import AnyIndex, PhotoGridModel


class ThumbnailDelegate(QStyledItemDelegate):
    """Lays every cell out for a full square thumbnail, whatever the shape of the one drawn
    (centred in it). The grid sizes all cells like the first one, so sizing each by its own
    picture put the names of tall photos over their pictures when the first photo was wide."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: AnyIndex) -> None:  # noqa: N802
        super().initStyleOption(option, index)
        option.decorationSize = QSize(PhotoGridModel.CELL, PhotoGridModel.CELL)


class PhotoGrid(QListView):
    def __init__(self) -> None:
        super().__init__()
        self.setItemDelegate(ThumbnailDelegate(self))
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(True)  # keeps 10,000+ photos cheap to lay out
        self.setIconSize(QSize(PhotoGridModel.CELL, PhotoGridModel.CELL))
        self.setGridSize(QSize(178, 190))  # room for the thumbnail and one line of name
        self.setSpacing(6)
        self.setMovement(QListView.Movement.Static)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(200)
        self.setStyleSheet(
            "QListView::item { border: 3px solid transparent; border-radius: 4px; }"
            "QListView::item:selected {"
            " background: #d6e8fb; border: 3px solid #1e88e5; color: #0d2a4a; }"
        )

    def _selected_rows(self) -> tuple[PhotoGridModel, list[int]]:
        model = self.model()
        assert isinstance(model, PhotoGridModel)
        rows = sorted(index.row() for index in self.selectionModel().selectedIndexes())
        return model, [row for row in rows if row < len(model.ids)]

    def selected_ids(self) -> list[int]:
        """The ids of the selected photos, in the order the grid shows them."""
        model, rows = self._selected_rows()
        return [model.ids[row] for row in rows]

    def selected_photos(self) -> list[PhotoRecord]:
        """The records of the selected photos that have been read (rows not drawn yet, after
        Select all in a large album, are asked for and left out)."""
        model, rows = self._selected_rows()
        return [photo for row in rows if (photo := model.photo(row)) is not None]
