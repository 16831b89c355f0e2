"""The photo grid: thumbnails of an album (or the review queue), many selectable, draggable,
and the menu of what can be done with the selected photos."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QSize, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QMenu,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from cene_desktop.core.albums import ALBUMS, OTHER, SCENE_ALBUMS
from cene_desktop.core.catalog import PhotoRecord
from cene_desktop.ui.album_model import AnyIndex, PhotoGridModel


class ThumbnailDelegate(QStyledItemDelegate):
    """Lays every cell out for a full square thumbnail, whatever the shape of the one drawn
    (centred in it). The grid sizes all cells like the first one, so sizing each by its own
    picture put the names of tall photos over their pictures when the first photo was wide."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: AnyIndex) -> None:  # noqa: N802
        super().initStyleOption(option, index)
        option.decorationSize = QSize(PhotoGridModel.CELL, PhotoGridModel.CELL)


#: The key that moves photos to each album (Library.album_for_key); Unsorted has none.
ALBUM_KEYS = {**{album: str(key) for key, album in enumerate(SCENE_ALBUMS, 1)}, OTHER: "0"}


class PhotoMenu(QMenu):
    """What can be done with the selected photos (right-click, the Menu key, Shift+F10).
    Entries that cannot apply are disabled; the keys beside them do the same in the grid."""

    def __init__(self, parent: QWidget, selected: int, album: str | None, folder: bool) -> None:
        """``selected``: photos selected; ``album``: the one they are all in (its entry is
        disabled), if known; ``folder``: whether Show in folder has a folder to show."""
        super().__init__(parent)
        some = selected > 0
        self.open_action = self._entry("&Open", "", some)
        self.folder_action = self._entry("Show in &folder", "", folder)
        self.addSeparator()
        self.move_menu = self.addMenu("&Move to album")
        self.move_menu.setEnabled(some)
        self.album_actions: dict[str, QAction] = {}
        for name in ALBUMS:
            action = self.move_menu.addAction(f"{name}\t{ALBUM_KEYS.get(name, '')}".rstrip())
            action.setEnabled(some and name != album)
            self.album_actions[name] = action
        self.confirm_action = self._entry("&Looks right", "Enter", some)
        self.addSeparator()
        self.trash_action = self._entry("Move to &Trash", "Del", some)
        self.addSeparator()
        self.copy_path_action = self._entry(
            "&Copy path" if selected < 2 else "&Copy paths", "Ctrl+Shift+C", some
        )

    def _entry(self, text: str, key: str, enabled: bool) -> QAction:
        action = self.addAction(f"{text}\t{key}" if key else text)
        action.setEnabled(enabled)
        return action


class PhotoGrid(QListView):
    #: Where the photo menu is wanted, on the screen (a right-click, the Menu key, Shift+F10).
    menu_wanted = Signal(QPoint)

    def __init__(self) -> None:
        super().__init__()
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(
            lambda at: self.menu_wanted.emit(self.viewport().mapToGlobal(at))
        )
        for key in (Qt.Key.Key_Menu, "Shift+F10"):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda: self.menu_wanted.emit(self._menu_position()))
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

    def _menu_position(self) -> QPoint:
        """Under the current photo when it is selected, else in the middle of the grid."""
        current = self.currentIndex()
        if current.isValid() and self.selectionModel().isSelected(current):
            at = self.visualRect(current).center()
        else:
            at = self.viewport().rect().center()
        return self.viewport().mapToGlobal(at)

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
