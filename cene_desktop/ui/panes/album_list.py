"""The album list: the seven albums and Review, with their counts; photos dropped on an album
move there, files dropped from other programs are imported."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QListView

from cene_desktop.ui.album_model import AlbumListModel


class AlbumList(QListView):
    def __init__(self, albums: AlbumListModel) -> None:
        super().__init__()
        self.setModel(albums)
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.setDropIndicatorShown(True)
        self.setMinimumWidth(170)  # the names and counts stay readable, whatever the rest
        self.setMaximumWidth(240)
        self.setStyleSheet("QListView { font-size: 11pt; } QListView::item { padding: 6px; }")
