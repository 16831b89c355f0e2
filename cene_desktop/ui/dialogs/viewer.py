"""Cene's own viewer: the photos of the grid one at a time, large, with what the model thinks
each shows and its facts (date taken, camera, file size, pixels).

The pictures are decoded in a thread pool (``ui/dialogs/picture``); the viewer takes its
records from the grid's model, never from the catalog."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QGuiApplication, QHideEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cene_desktop.core.catalog import PhotoRecord
from cene_desktop.ui.album_model import PhotoGridModel
from cene_desktop.ui.dialogs.picture import ACTUAL, FIT, WHOLE, PictureArea, PictureLoader, Viewed
from cene_desktop.ui.panes.preview import verdict_words

KEPT = 5  # pictures kept decoded (the one shown and its neighbours)


class PhotoViewer(QDialog):
    """The photos of the grid one at a time; ``row_shown`` says which (the grid follows)."""

    row_shown = Signal(int)

    def __init__(self, parent: QWidget, model: PhotoGridModel) -> None:
        super().__init__(parent)
        self.over, self._placed = parent, False
        self.setWindowFlags(Qt.WindowType.Window)  # a window of its own: maximised, moved aside
        self.setWindowTitle("Cene viewer")
        self.model = model
        self.row = 0
        self.photo_id: int | None = None
        self.shown: PhotoRecord | None = None
        self.loader = PictureLoader()
        self.loader.ready.connect(self._decoded)
        self._pictures: OrderedDict[tuple[str, int], Viewed] = OrderedDict()
        self.picture = PictureArea()
        self.picture.double_clicked.connect(self.toggle_zoom)
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        self.facts = {name: QLabel() for name in ("Taken", "Camera", "File size", "Pixels")}
        facts = QFormLayout()
        for name, label in self.facts.items():
            label.setWordWrap(True)
            facts.addRow(f"{name}:", label)
        self.position = QLabel()
        side = QVBoxLayout()
        side.setContentsMargins(14, 14, 14, 12)
        side.setSpacing(10)
        for widget in (self.title, self.verdict):
            side.addWidget(widget)
        side.addLayout(facts)
        side.addStretch(1)
        keys = QLabel("← → next and previous, F fit, 1 at 100 % (drag to move), Esc closes")
        keys.setWordWrap(True)
        keys.setStyleSheet("color: palette(placeholder-text);")
        side.addWidget(keys)
        side.addWidget(self.position)
        buttons = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for name, tip, act in (
            ("◀", "Previous photo (Left)", lambda: self.go(self.row - 1)),
            ("▶", "Next photo (Right)", lambda: self.go(self.row + 1)),
            ("Fit", "Fit the photo in the window (F, Ctrl+0)", lambda: self.set_zoom(FIT)),
            (ACTUAL, "Actual pixels (1, Ctrl+1)", lambda: self.set_zoom(ACTUAL)),
        ):
            button = self.buttons[name] = QPushButton(name)
            button.setToolTip(tip)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay the viewer's
            button.clicked.connect(act)
            buttons.addWidget(button)
        side.addLayout(buttons)
        panel = QWidget()
        panel.setLayout(side)
        panel.setFixedWidth(280)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.picture, 1)
        layout.addWidget(panel)
        self._keys()
        self.buttons["Fit"].setEnabled(False)
        for signal in (model.modelReset, model.rowsInserted, model.rowsRemoved):
            signal.connect(self._list_changed)
        model.dataChanged.connect(self._records_came)

    def _keys(self) -> None:
        moves = {
            Qt.Key.Key_Left: lambda: self.go(self.row - 1),
            Qt.Key.Key_PageUp: lambda: self.go(self.row - 1),
            Qt.Key.Key_Right: lambda: self.go(self.row + 1),
            Qt.Key.Key_PageDown: lambda: self.go(self.row + 1),
            Qt.Key.Key_Home: lambda: self.go(0),
            Qt.Key.Key_End: lambda: self.go(len(self.model.ids) - 1),
            Qt.Key.Key_Space: self.close,
            Qt.Key.Key_F: lambda: self.set_zoom(FIT),
            Qt.Key.Key_1: lambda: self.set_zoom(ACTUAL),
        }
        for key, act in moves.items():
            QShortcut(QKeySequence(key), self).activated.connect(act)
        for sequence, zoom in (("Ctrl+0", FIT), ("Ctrl+1", ACTUAL)):
            QShortcut(QKeySequence(sequence), self).activated.connect(
                lambda zoom=zoom: self.set_zoom(zoom)
            )

    # -- which photo -----------------------------------------------------------------------

    def open_at(self, row: int) -> None:
        if not self._placed:  # first opened over the window, as large; later where it was left
            self._placed = True
            self.setGeometry(self.over.geometry())
        if self.isVisible():  # behind the main window, perhaps: brought to the front
            self.setWindowState(self.windowState() & ~Qt.WindowState.WindowMinimized)
            self.raise_()
        self.show()
        self.activateWindow()
        self.go(row, force=True)

    def go(self, row: int, force: bool = False) -> None:
        ids = self.model.ids
        if not ids:
            self.photo_id, self.shown = None, None
            self._describe(None)
            self.picture.show_text("No photos here.")
            return
        row = max(0, min(row, len(ids) - 1))
        if row == self.row and not force and ids[row] == self.photo_id:
            return
        self.row, self.photo_id = row, ids[row]
        self.position.setText(f"{row + 1} of {len(ids):,}")
        self.buttons["◀"].setEnabled(row > 0)
        self.buttons["▶"].setEnabled(row < len(ids) - 1)
        self.row_shown.emit(row)
        self._show(self.model.photo(row))

    def _list_changed(self, *_: object) -> None:
        """The grid shows another list (or this one changed): stay on the same photo if it is
        still there, else on the one now in its place."""
        if not self.isVisible():
            return
        ids = self.model.ids
        row = ids.index(self.photo_id) if self.photo_id in ids else self.row
        self.go(row, force=True)

    def _records_came(self, first: QModelIndex, last: QModelIndex, *_: object) -> None:
        if self.isVisible() and first.row() <= self.row <= last.row():
            photo = self.model.photo(self.row)
            if photo is not None and photo != self.shown:
                self._show(photo)

    # -- showing it ------------------------------------------------------------------------

    def _show(self, photo: PhotoRecord | None) -> None:
        before, self.shown = self.shown, photo
        self._describe(photo)
        if photo is None:
            self.picture.show_text("Loading…")
            return
        if not photo.current_path:
            self.picture.show_text("This photo is no longer in the library.")
            return
        same = before is not None and before.content_hash == photo.content_hash
        if same and not self.picture.image.isNull():
            return  # only its label changed: the picture shown stays
        viewed = self._picture_of(photo, self._longest())
        if viewed is None:
            self.picture.show_text("Loading…")
        else:
            self._present(viewed)
        self._prefetch()

    def _describe(self, photo: PhotoRecord | None) -> None:
        if photo is None:
            self.title.setText("")
            self.verdict.setText("")
            self.setWindowTitle("Cene viewer")
            return
        name = Path(photo.current_path or photo.original_path).name
        self.setWindowTitle(f"{name} – Cene")
        self.title.setText(f"<b>{name}</b><br>in {photo.album}")
        self.verdict.setText(verdict_words(photo) if photo.current_path else "")

    def _longest(self) -> int:
        if self.picture.zoom == ACTUAL:
            return WHOLE
        screen = self.screen() or QGuiApplication.primaryScreen()
        size = screen.availableSize() * screen.devicePixelRatio()
        return max(size.width(), size.height())

    def _picture_of(self, photo: PhotoRecord, longest: int) -> Viewed | None:
        """The photo decoded at ``longest`` if it is kept, else asked for (None till then)."""
        key = (photo.content_hash, longest)
        viewed = self._pictures.get(key)
        if viewed is not None:
            self._pictures.move_to_end(key)
            return viewed
        self.loader.request(photo.content_hash, self.model.path_of(photo), longest, priority=1)
        return None

    def _prefetch(self) -> None:
        """The next and previous photos, decoded before they are asked for."""
        longest = self._longest()
        for row in (self.row + 1, self.row - 1):
            photo = self.model.photo(row) if 0 <= row < len(self.model.ids) else None
            if photo and photo.current_path and (photo.content_hash, longest) not in self._pictures:
                self.loader.request(photo.content_hash, self.model.path_of(photo), longest)

    def _decoded(self, viewed: Viewed) -> None:
        self.loader.done(viewed)
        if not self.isVisible():
            return  # decoded as the viewer closed: not kept
        self._pictures[(viewed.content_hash, viewed.longest)] = viewed
        if not viewed.problem and viewed.image.width() == viewed.width:  # not reduced: whole
            self._pictures[(viewed.content_hash, WHOLE)] = viewed
        while len(self._pictures) > KEPT:
            self._pictures.popitem(last=False)
        shown = self.shown
        wanted = viewed.longest == self._longest() or self.picture.image.isNull()
        if shown is not None and shown.content_hash == viewed.content_hash and wanted:
            self._present(viewed)

    def _present(self, viewed: Viewed) -> None:
        for name, value in (
            ("Taken", viewed.taken),
            ("Camera", viewed.camera),
            ("File size", viewed.file_size),
            ("Pixels", viewed.pixels),
        ):
            self.facts[name].setText(value)
        if viewed.problem:
            self.picture.show_text(viewed.problem)
        else:
            self.picture.show_image(viewed.image, viewed.width)

    # -- zoom ------------------------------------------------------------------------------

    def set_zoom(self, zoom: str) -> None:
        self.picture.zoom = zoom
        self.buttons["Fit"].setEnabled(zoom != FIT)
        self.buttons[ACTUAL].setEnabled(zoom != ACTUAL)
        photo = self.shown
        if photo is not None and photo.current_path and not self.picture.image.isNull():
            self.picture.redraw()  # at once; sharper when the whole picture comes (100 %)
            viewed = self._picture_of(photo, self._longest())
            if viewed is not None and not viewed.problem:
                self.picture.show_image(viewed.image, viewed.width)

    def toggle_zoom(self) -> None:
        self.set_zoom(ACTUAL if self.picture.zoom == FIT else FIT)

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802
        self._pictures.clear()  # the memory goes back; opened again, it decodes afresh
        super().hideEvent(event)
