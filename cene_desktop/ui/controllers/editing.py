"""A person's edits: relabel (keys, drags, the photo menu), confirm, move to the trash, undo,
import dropped files, put back."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut

from cene_desktop.core.albums import ALBUMS
from cene_desktop.core.catalog import PhotoRecord
from cene_desktop.core.library import SortingRun
from cene_desktop.core.pages import REVIEW
from cene_desktop.core.words import count_of
from cene_desktop.ui.controllers.base import Controller
from cene_desktop.ui.dialogs.put_back import PutBackDialog
from cene_desktop.ui.panes.photo_grid import PhotoMenu
from cene_desktop.ui.worker import LibraryWorker, start_in_thread

if TYPE_CHECKING:
    from cene_desktop.ui.main_window import MainWindow


class EditingController(Controller):
    """Sends a person's edits to the library worker, and asks before putting photos back."""

    request_relabel = Signal(list, str)
    request_confirm = Signal(list)
    request_undo = Signal()
    request_put_back = Signal(int, int, bool)  # since run, newest run, keep looked-at
    request_import = Signal(list, str)
    request_accept = Signal(list)  # photo ids: to their suggested albums
    request_trash = Signal(list)  # photo ids: to the system trash
    request_put_back_offer = Signal()  # to the catalog reader
    request_photos = Signal(int, list)  # to the catalog reader: serial, photo ids

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.worker: LibraryWorker | None = None
        self.put_back_offer: PutBackDialog | None = None
        #: (since, newest, keep): put back once watching has stopped
        self._put_back_run: tuple[int, int, bool] | None = None
        window.sorting.watching_changed.connect(self._watching_changed)
        self.photo_menu: PhotoMenu | None = None  # the one shown last
        #: The Copy path asked last, whose records are being read (an earlier one is dropped).
        self._copy_serial = 0
        window.grid.menu_wanted.connect(self.show_photo_menu)
        keys = [(QKeySequence(QKeySequence.StandardKey.Delete), self.trash_selected)]
        if sys.platform == "darwin":  # the Finder's Move to Trash: Cmd+Backspace
            keys.append((QKeySequence("Ctrl+Backspace"), self.trash_selected))
        # Only while the grid has the focus: Delete in a field edits it. (Copy path's
        # Ctrl+Shift+C is the Edit menu's, for the whole window.)
        for key, do in keys:
            shortcut = QShortcut(key, window.grid)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(do)

    def start(self, library: Path) -> LibraryWorker:
        settings = self.window.settings
        photos = Path(settings.photos_dir) if settings.photos_dir else None
        info = self.window.model_info
        worker = self.worker = LibraryWorker(
            library, photos, settings.learn_after, info.version if info else None
        )
        self.window.threads.append(start_in_thread(worker, "cene-library"))
        self.request_relabel.connect(worker.relabel)
        self.request_confirm.connect(worker.confirm)
        self.request_undo.connect(worker.undo)
        self.request_put_back.connect(worker.put_back)
        self.request_import.connect(worker.import_files)
        self.request_accept.connect(worker.accept_suggestions)
        self.request_trash.connect(worker.trash)
        worker.progress.connect(self.status.show_progress)
        worker.done.connect(self._done)
        worker.failed.connect(self.window.show_error)
        worker.changed.connect(self.window.library_changed)
        worker.learning_due.connect(self.window.learner.start_learning)
        return worker

    def connect_reader(self) -> None:
        reader = self.window.pages.reader
        assert reader is not None
        self.window.pages.link(self.request_put_back_offer, reader.read_put_back_offer)
        reader.put_back_ready.connect(self._ask_put_back)
        self.window.pages.link(self.request_photos, reader.read_photos)
        reader.photos_ready.connect(self._copy_read_paths)

    def close(self) -> None:
        if self.worker is not None:
            self.worker.close()

    # Slots for worker signals are methods of QObjects: Qt then runs them in the GUI thread.
    def _done(self, message: str) -> None:
        self.status.message(message, 5000)

    def relabel(self, photo_ids: list[int], album: str) -> None:
        if photo_ids and album != REVIEW:
            self.window.pages.acting_on(photo_ids)
            self.request_relabel.emit(photo_ids, album)

    def confirm(self, photo_ids: list[int]) -> None:
        if photo_ids:
            self.window.pages.acting_on(photo_ids)
            self.request_confirm.emit(photo_ids)

    def undo(self) -> None:
        self.window.pages.acting_on([])
        self.request_undo.emit()

    def accept_suggestions(self, photo_ids: list[int]) -> None:
        """Move these photos to the albums suggested for them (the person's choice)."""
        if photo_ids:
            self.window.pages.acting_on(photo_ids)
            self.request_accept.emit(photo_ids)

    def trash(self, photo_ids: list[int]) -> None:
        """Move these photos, and the files that go with them, to the system trash (undo
        brings them back)."""
        if photo_ids:
            self.window.pages.acting_on(photo_ids)
            self.request_trash.emit(photo_ids)

    def trash_selected(self) -> None:
        self.trash(self.window.selected_ids())

    def copy_paths(self) -> None:
        """The selected photos' files, one a line, to the clipboard (to paste in a terminal,
        a mail, another program's Open dialog). Photos whose records the grid has not read
        (Select all in a large album) are read first, by the catalog reader."""
        window = self.window
        ids, photos = window.selected_ids(), window.selected_photos()
        self._copy_serial += 1
        if len(photos) == len(ids):
            self._copy(photos)
        elif window.pages.reader is not None:
            self.status.message(f"Reading the paths of {count_of(len(ids))}…")
            self.request_photos.emit(self._copy_serial, ids)

    def _copy_read_paths(self, serial: int, photos: list[PhotoRecord]) -> None:
        if serial == self._copy_serial:  # not overtaken by a later Copy path
            self._copy(photos)

    def _copy(self, photos: list[PhotoRecord]) -> None:
        if photos:
            paths = [str(self.window.grid_model.path_of(photo)) for photo in photos]
            QGuiApplication.clipboard().setText("\n".join(paths))
            self.status.message(f"Copied the path of {count_of(len(paths))}.", 5000)

    def show_photo_menu(self, at: QPoint) -> None:
        """The photo menu at ``at`` (on the screen), for the photos selected now."""
        window = self.window
        ids, photos = window.selected_ids(), window.selected_photos()
        albums = {photo.album for photo in photos}
        album = window.current_album if window.current_album in ALBUMS else None
        if album is None and len(albums) == 1 and len(photos) == len(ids):
            album = albums.pop()  # the review pane: all of them in one album
        if self.photo_menu is not None:
            self.photo_menu.deleteLater()
        folder = bool(ids) or window.current_album in ALBUMS
        menu = self.photo_menu = PhotoMenu(window.grid, len(ids), album, folder)
        menu.open_action.triggered.connect(window.browsing.open_selected)
        menu.folder_action.triggered.connect(window.browsing.show_in_folder)
        for name, action in menu.album_actions.items():
            action.triggered.connect(lambda _=False, name=name: self.relabel(ids, name))
        menu.confirm_action.triggered.connect(lambda: self.confirm(ids))
        menu.trash_action.triggered.connect(lambda: self.trash(ids))
        menu.copy_path_action.triggered.connect(self.copy_paths)
        menu.popup(at)

    def import_files(self, paths: list[str]) -> None:
        if not self.window.settings.photos_dir:
            self.window.show_error("Choose a photo folder first (Settings).")
            return
        self.request_import.emit(paths, self.window.settings.photos_dir)

    def offer_put_back(self) -> None:
        """Ask before undoing the last sorting run (what it was comes from the catalog reader);
        watching pauses so the photos stay put."""
        self.put_back_offer = None
        self.request_put_back_offer.emit()

    def _ask_put_back(self, runs: list[SortingRun]) -> None:
        if not runs:
            self.status.message("Nothing to put back: Cene has not sorted photos here yet.", 10000)
            return
        self.put_back_offer = PutBackDialog(self.window, runs, self._confirm_put_back)
        self.put_back_offer.show()

    def _confirm_put_back(self, since: int, newest: int, keep_looked_at: bool) -> None:
        self._put_back_run = (since, newest, keep_looked_at)
        if self.window.sorting.watching:
            self.status.message("Stopping watching, then putting the photos back…")
            self.window.sorting.set_watching(False)  # goes on once watching has stopped
        else:
            self._put_back()

    def _watching_changed(self, on: bool) -> None:
        if not on and self._put_back_run is not None:
            self._put_back()

    def _put_back(self) -> None:
        chosen, self._put_back_run = self._put_back_run, None
        if chosen is not None:
            self.status.message("Putting the photos back…")
            self.request_put_back.emit(*chosen)
