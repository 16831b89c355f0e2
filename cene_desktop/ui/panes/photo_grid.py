"""The photo grid: thumbnails of an album (or the review queue), many selectable, draggable,
and the menu of what can be done with the selected photos."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QDrag,
    QFont,
    QFontMetrics,
    QKeySequence,
    QPainter,
    QPixmap,
    QShortcut,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QListView,
    QMenu,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from cene_desktop.core.albums import ALBUMS, OTHER, SCENE_ALBUMS
from cene_desktop.core.catalog import PhotoRecord
from cene_desktop.ui.album_model import AnyIndex, PhotoGridModel


class ThumbnailDelegate(QStyledItemDelegate):
    """Lays every cell out for a full square thumbnail and a line of name, whatever the shape
    of the picture drawn (centred in it) and whether the photo's record has been read yet. The
    grid sizes all cells like the first one: sizing each by its own picture put the names of
    tall photos over their pictures when the first photo was wide, and a first photo not read
    yet (a big album) made every cell too short for its name."""

    cell = PhotoGridModel.CELL  # the grid's thumbnail size (its slider)

    def initStyleOption(self, option: QStyleOptionViewItem, index: AnyIndex) -> None:  # noqa: N802
        super().initStyleOption(option, index)
        option.decorationSize = QSize(self.cell, self.cell)

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:  # noqa: N802
        sized = QStyleOptionViewItem(option)
        self.initStyleOption(sized, index)
        if not sized.text:  # not read yet: as tall as a cell with its name
            sized.text = "\u00a0"
            sized.features |= QStyleOptionViewItem.ViewItemFeature.HasDisplay
        widget = sized.widget
        style = widget.style() if widget is not None else QApplication.style()
        return style.sizeFromContents(QStyle.ContentsType.CT_ItemViewItem, sized, QSize(), widget)


#: The picture under the cursor while photos are dragged: the grabbed photo's thumbnail fitted in
#: DRAG_SIDE pixels, DRAG_GAP below and right of the cursor, so the album row under the cursor
#: stays in sight to drop on; a round badge with the count when there are more.
DRAG_SIDE, DRAG_GAP, BADGE = 96, 18, 24
BADGE_COLOUR = QColor("#d32f2f")


def drag_image(thumbnail: QPixmap, count: int, ratio: float = 1.0) -> tuple[QPixmap, QPoint]:
    """The drag picture of ``count`` photos, ``thumbnail`` the one grabbed, and its hot spot
    (where the cursor is: off the picture, at its top-left). ``ratio``: the screen's device
    pixel ratio."""
    fitted = thumbnail.size().scaled(DRAG_SIDE, DRAG_SIDE, Qt.AspectRatioMode.KeepAspectRatio)
    stack = 5 if count > 1 else 0  # the photos under it, shown as a card behind
    font = QFont()
    font.setBold(True)
    font.setPixelSize(13)
    text = (f"{count:,}" if count < 1000 else "999+") if count > 1 else ""
    side = max(BADGE, QFontMetrics(font).horizontalAdvance(text) + 12) if text else 0
    picture = QRect(DRAG_GAP, DRAG_GAP + BADGE // 2, fitted.width(), fitted.height())
    width = picture.right() + 1 + max(stack, side // 2) + 2
    height = picture.bottom() + 1 + stack + 2
    pixmap = QPixmap(round(width * ratio), round(height * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    painter.setPen(QColor("#ffffff"))
    if stack:
        painter.setBrush(QColor("#cfd8dc"))
        painter.drawRect(picture.translated(stack, stack))
    painter.drawPixmap(picture, thumbnail)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(picture.adjusted(0, 0, -1, -1))
    if text:
        badge = QRect(picture.right() - side // 2, picture.top() - BADGE // 2, side, BADGE)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(BADGE_COLOUR)
        painter.drawRoundedRect(badge, BADGE / 2, BADGE / 2)
        painter.setFont(font)
        painter.setPen(QColor("#ffffff"))
        painter.drawText(badge, int(Qt.AlignmentFlag.AlignCenter), text)
    painter.end()
    return pixmap, QPoint(0, 0)


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
        self._delegate = ThumbnailDelegate(self)
        self.setItemDelegate(self._delegate)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(True)  # keeps 10,000+ photos cheap to lay out
        self.setSpacing(6)
        self.set_thumbnail_size(PhotoGridModel.CELL)
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

    def set_thumbnail_size(self, cell: int) -> None:
        """Lay the grid out for thumbnails of ``cell`` pixels (the slider above it)."""
        self._delegate.cell = cell
        self.setIconSize(QSize(cell, cell))
        self.setGridSize(QSize(cell + 18, cell + 30))  # room for the picture and a line of name
        model = self.model()
        if isinstance(model, PhotoGridModel):
            model.set_cell(cell)

    def startDrag(self, supported: Qt.DropAction) -> None:  # noqa: N802
        drag = self.make_drag()
        if drag is not None:
            drag.exec(supported, self.defaultDropAction())

    def make_drag(self) -> QDrag | None:
        """The drag of the selected photos: their ids and files (``PhotoGridModel.mimeData``)
        under a picture of the one grabbed, with a badge saying how many there are."""
        model, rows = self._selected_rows()
        if not rows:
            return None
        current = self.currentIndex()
        grabbed = current.row() if current.isValid() and current.row() in rows else rows[0]
        thumbnail = model.data(model.index(grabbed), Qt.ItemDataRole.DecorationRole)
        if not isinstance(thumbnail, QPixmap) or thumbnail.isNull():
            thumbnail = QPixmap(DRAG_SIDE, DRAG_SIDE)
            thumbnail.fill(QColor("#e0e0e0"))
        drag = QDrag(self)
        drag.setMimeData(model.mimeData([model.index(row) for row in rows]))
        pixmap, hot_spot = drag_image(thumbnail, len(rows), self.devicePixelRatioF())
        drag.setPixmap(pixmap)
        drag.setHotSpot(hot_spot)
        return drag

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
