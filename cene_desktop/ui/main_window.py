"""The main window: albums on the left, photos in the middle, the selected photo on the right.

It assembles the panes (``ui/panes``), the toolbar and the status bar, shows the albums and the
review pane as the catalog reader (``ui/reader``, a thread of its own: the GUI thread runs no
query) reads them, and hands what a person does to its controllers (``ui/controllers``: sorting
and watching, editing, learning)."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QByteArray, QItemSelectionModel, Qt, QThread, QTimer, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
    QShortcut,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QMainWindow,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from cene_desktop.config import Settings
from cene_desktop.core.albums import ALBUMS, OTHER, SCENE_ALBUMS
from cene_desktop.core.catalog import PhotoRecord
from cene_desktop.core.classifier import ModelError, ModelInfo
from cene_desktop.core.events import EVERYTHING, NO_CHANGES, Changes
from cene_desktop.core.pages import REVIEW
from cene_desktop.logs import log_path
from cene_desktop.ui.album_model import PHOTO_MIME, AlbumListModel, PhotoGridModel
from cene_desktop.ui.controllers.browsing import BrowsingController
from cene_desktop.ui.controllers.editing import EditingController
from cene_desktop.ui.controllers.learning import LearningController
from cene_desktop.ui.controllers.pages import PagesController
from cene_desktop.ui.controllers.settings import SettingsController
from cene_desktop.ui.controllers.sorting import SortingController
from cene_desktop.ui.dialogs.questions import tell
from cene_desktop.ui.dialogs.settings import SettingsDialog
from cene_desktop.ui.panes.album_list import AlbumList
from cene_desktop.ui.panes.grid_bar import GridBar
from cene_desktop.ui.panes.heading import Heading
from cene_desktop.ui.panes.menu_bar import Menus
from cene_desktop.ui.panes.photo_grid import PhotoGrid
from cene_desktop.ui.panes.preview import PreviewPane
from cene_desktop.ui.panes.review_bar import ReviewBar
from cene_desktop.ui.panes.status_bar import StatusPane
from cene_desktop.ui.panes.toolbar import Toolbar
from cene_desktop.ui.reader import CatalogReader, LibraryOpened

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    #: Emitted in the GUI thread once a person's action is done and shown.
    action_finished = Signal()
    #: Emitted in the GUI thread with the report of a learning or re-checking job.
    learning_finished = Signal(object)
    #: Emitted once the library is open and its first page is shown (``start`` returns at once).
    library_ready = Signal()
    #: Emitted whenever a page (an album, the review pane) read afresh is shown.
    page_shown = Signal()

    def __init__(self, settings: Settings, settings_file: Path | None = None) -> None:
        super().__init__()
        self.settings = settings
        self.settings_file = settings_file
        self.setWindowTitle("Cene")
        self.setAcceptDrops(True)
        #: No album was chosen before (a first start): none is selected behind the welcome, and
        #: the first album to receive photos is shown (:meth:`_choose_first_album`) unless the
        #: person picks one first.
        self._first_album_pending = settings.album not in (*ALBUMS, REVIEW)
        self._choosing = False  # the window itself, not the person, is choosing the album
        self.current_album = ALBUMS[0] if self._first_album_pending else settings.album
        self.review_filter: str | None = None
        self.threads: list[QThread] = []
        try:
            self.model_info: ModelInfo | None = ModelInfo.load()
        except ModelError as error:
            self.model_info = None
            message = str(error)
            QTimer.singleShot(0, lambda: self.show_error(message))
        self._build()
        self.sorting = SortingController(self)
        self.editing = EditingController(self)
        self.learner = LearningController(self)
        self.preferences = SettingsController(self)
        self.browsing = BrowsingController(self)
        self.pages = PagesController(self)
        self.pages.opened.connect(self._library_opened)
        self.menus = Menus(self)
        self._connect()
        if self._first_album_pending:
            # Current but not selected: nothing shows selected behind the welcome, and the list
            # taking the focus does not pick an album for the person.
            self._select_album(ALBUMS[0], QItemSelectionModel.SelectionFlag.NoUpdate)
        else:
            self._select_album(self.current_album)
        if settings.window_geometry:
            self.restoreGeometry(QByteArray.fromBase64(settings.window_geometry.encode()))
        else:
            self.resize(1280, 800)
        if settings.panes:
            self.panes.restoreState(QByteArray.fromBase64(settings.panes.encode()))

    # -- building the window -------------------------------------------------------------

    def _build(self) -> None:
        self.albums = AlbumListModel()
        self.album_view = AlbumList(self.albums)
        self.grid_model = PhotoGridModel()
        self.grid = PhotoGrid()
        self.grid.setModel(self.grid_model)
        self.heading = Heading()
        self.review_bar = ReviewBar()
        centre = QWidget()
        centre_layout = QVBoxLayout(centre)
        self.grid_bar = GridBar(self.settings.thumbnail_size, self.settings.photo_order)
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.grid_bar)
        centre_layout.addLayout(top)
        centre_layout.addWidget(self.review_bar)
        centre_layout.addWidget(self.grid, 1)
        self.preview = PreviewPane()
        self.panes = QSplitter()
        self.panes.addWidget(self.album_view)
        self.panes.addWidget(centre)
        self.panes.addWidget(self.preview)
        self.panes.setStretchFactor(1, 1)
        self.panes.setChildrenCollapsible(False)
        self.panes.setSizes([200, 760, 320])
        self.setCentralWidget(self.panes)
        self.toolbar = Toolbar(self)
        self.addToolBar(self.toolbar)
        self.status = StatusPane(
            self.statusBar(), self.model_info.version if self.model_info else "missing"
        )

    def _connect(self) -> None:
        """What a person does with the panes, the toolbar and the keys, to whom it goes."""
        edit = self.editing
        self.albums.photos_dropped.connect(edit.relabel)
        self.albums.files_dropped.connect(edit.import_files)
        self.album_view.selectionModel().currentChanged.connect(
            lambda current, _: self.show_album(self.albums.names[current.row()])
        )
        self.albums.dataChanged.connect(lambda *_: self._choose_first_album())
        self.library_ready.connect(lambda: self._choose_first_album(opened=True))
        self.review_bar.filter_chosen.connect(self._filter_chosen)
        self.review_bar.accept_button.clicked.connect(
            lambda: edit.accept_suggestions(self.selected_ids())
        )
        tools = self.toolbar
        tools.pause_action.triggered.connect(self.sorting.toggle_watching)
        tools.undo_action.triggered.connect(edit.undo)
        tools.open_action.triggered.connect(self.browsing.open_selected)
        tools.folder_action.triggered.connect(self.browsing.show_in_folder)
        tools.improve_action.triggered.connect(self.learner.improve)
        tools.settings_action.triggered.connect(self.preferences.open)
        tools.put_back_action.triggered.connect(edit.offer_put_back)
        for key, album in [*enumerate(SCENE_ALBUMS, start=1), (0, OTHER)]:
            shortcut = QShortcut(QKeySequence(str(key)), self.grid)
            shortcut.activated.connect(lambda album=album: edit.relabel(self.selected_ids(), album))
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            QShortcut(QKeySequence(key), self.grid).activated.connect(self.confirm_selected)

    # -- library and workers -------------------------------------------------------------

    def start(self) -> None:
        """Open the library in the settings (in the catalog reader's thread) and, once it is
        open, start the workers and watching (if it was on); ``library_ready`` says when."""
        self.pages.start(Path(self.settings.library_dir))
        self.browsing.connect_reader()
        self.editing.connect_reader()

    def _library_opened(self, opened: LibraryOpened) -> None:
        library = opened.library
        self.browsing.start(library)
        sorter = self.sorting.start()
        self.editing.start(library)
        self.learner.start(library, sorter.classifier, opened.unjudged_by_gate)
        if self.settings.watching:
            self.sorting.set_watching(True)

    @property
    def reader(self) -> CatalogReader | None:
        return self.pages.reader

    def library_changed(self, changes: Changes) -> None:
        """The library worker changed the library (a person's action): show it, and say so
        (``action_finished``) once it is shown."""
        self.pages.action_done(changes)

    def reopen_catalog(self) -> None:
        self.pages.reopen()

    def stop_workers(self) -> None:
        self.sorting.stop()
        self.learner.stop()
        for thread in self.threads:
            thread.quit()
            thread.wait(30_000)
        self.threads.clear()
        self.editing.close()
        self.learner.close()
        self.browsing.wait()
        self.pages.close()

    # -- showing albums and photos -------------------------------------------------------

    def schedule_refresh(self, changes: Changes = EVERYTHING) -> None:
        self.pages.schedule(changes)

    def refresh(self, changes: Changes = EVERYTHING) -> int:
        return self.pages.refresh(changes)

    def _choose_first_album(self, opened: bool = False) -> None:
        """On a first start, once photos are counted: select the first album that has some
        (in the list's order), so the window shows the photos just sorted, not an empty album.
        A library ``opened`` with none yet shows the first album until some arrive."""
        if not self._first_album_pending:
            return
        counts = self.albums.counts
        filled = next((name for name in ALBUMS if counts.get(name, 0) > 0), None)
        if filled is not None:
            self._first_album_pending = False
            self._select_album(filled)
        elif opened:
            self._select_album(ALBUMS[0])  # still waiting for the first photos

    def _select_album(
        self,
        name: str,
        how: QItemSelectionModel.SelectionFlag = QItemSelectionModel.SelectionFlag.ClearAndSelect,
    ) -> None:
        """Make ``name`` the album list's current row, as the window's choice (``show_album``
        then does not take it for the person's)."""
        self._choosing = True
        try:
            self.album_view.selectionModel().setCurrentIndex(
                self.albums.index(self.albums.row_of(name)), how
            )
        finally:
            self._choosing = False

    def show_album(self, name: str) -> None:
        if not self._choosing:
            self._first_album_pending = False  # the person chose it
        self.current_album = name
        self.review_bar.setVisible(name == REVIEW)
        self.grid.clearSelection()
        self.grid_model.leaving()
        self.pages.refresh(NO_CHANGES, page=True)  # another page: nothing changed

    def _filter_chosen(self, name: str) -> None:
        self.review_filter = name or None
        self.grid_model.leaving()
        self.pages.refresh(NO_CHANGES, page=True)

    def selected_photos(self) -> list[PhotoRecord]:
        return self.grid.selected_photos()

    def selected_ids(self) -> list[int]:
        return self.grid.selected_ids()

    def confirm_selected(self) -> None:
        self.editing.confirm(self.selected_ids())

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        # Files from other programs are imported; the window's own photos are not (a thumbnail
        # let go outside the album list would otherwise be copied back in as a duplicate).
        if event.mimeData().hasUrls() and not event.mimeData().hasFormat(PHOTO_MIME):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
            self.editing.import_files(paths)

    # -- dialogs and settings ------------------------------------------------------------

    def show_error(self, message: str) -> None:
        log.warning("%s", message)
        self.status.message(message, 15000)
        tell(self, message, warning=True)

    def run_welcome(self) -> bool:
        return self.preferences.run_welcome()

    def settings_dialog(self) -> SettingsDialog:
        return self.preferences.dialog()

    def save_settings(self) -> None:
        self.preferences.save()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.save_settings()
        self.stop_workers()
        event.accept()

    def crash_message(self) -> str:
        return f"The log file is {log_path()}."
