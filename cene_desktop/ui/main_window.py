"""The main window: albums on the left, photos in the middle, the selected photo on the right."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QByteArray, QItemSelectionModel, QSize, Qt, QThread, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDesktopServices,
    QDragEnterEvent,
    QDropEvent,
    QImage,
    QKeySequence,
    QPixmap,
    QShortcut,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTextBrowser,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from cene_desktop.config import Settings, save_settings
from cene_desktop.core import gate
from cene_desktop.core.albums import ALBUMS, OTHER, SCENE_ALBUMS, SCENE_CLASSES
from cene_desktop.core.catalog import Catalog, CatalogError, PhotoRecord, local_time
from cene_desktop.core.classifier import ModelError, ModelInfo
from cene_desktop.core.learning import (
    LearningReport,
    RecheckReport,
    describe_version,
    switch_version,
)
from cene_desktop.core.library import CONFUSABLE_PAIRS
from cene_desktop.core.models import ModelStore
from cene_desktop.core.pipeline import Outcome, SortSummary, format_eta
from cene_desktop.logs import log_path
from cene_desktop.ui.album_model import (
    PHOTO_MIME,
    REVIEW,
    AlbumListModel,
    AnyIndex,
    PhotoGridModel,
)
from cene_desktop.ui.settings_dialog import SettingsDialog, WelcomeDialog
from cene_desktop.ui.worker import (
    LearnWorker,
    LibraryWorker,
    SortWorker,
    ThumbnailLoader,
    start_in_thread,
)

log = logging.getLogger(__name__)

PREVIEW_SIZE = 480
SUGGESTIONS = "suggestions"
NOT_A_SCENE = "not a scene"
NOT_A_SCENE_LABEL = "Not a scene?"


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


class PreviewPane(QWidget):
    """The selected photo, large, with what the model thinks it shows."""

    def __init__(self) -> None:
        super().__init__()
        self.image = QLabel("Select a photo")
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.setMinimumSize(240, 180)
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        self.bars: dict[str, QProgressBar] = {}
        layout = QVBoxLayout(self)
        layout.addWidget(self.image, 1)
        layout.addWidget(self.title)
        layout.addWidget(self.verdict)
        for name in SCENE_CLASSES:
            bar = QProgressBar()
            bar.setRange(0, 100)
            bar.setFormat(f"{name.capitalize()}  %p%")
            bar.setMaximumHeight(16)
            self.bars[name] = bar
            layout.addWidget(bar)
        self.open_button = QPushButton("Open")
        self.folder_button = QPushButton("Show in folder")
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.folder_button)
        layout.addLayout(buttons)
        self.show_photo(None)

    def show_photo(self, photo: PhotoRecord | None, with_it: Sequence[str] = ()) -> None:
        """``with_it``: the names of the files that go with the photo (RAW, Live Photo video)."""
        enabled = photo is not None
        self.open_button.setEnabled(enabled)
        self.folder_button.setEnabled(enabled)
        for bar in self.bars.values():
            bar.setVisible(enabled)
        if photo is None:
            self.image.setPixmap(QPixmap())
            self.image.setText("Select a photo")
            self.title.clear()
            self.verdict.clear()
            return
        title = f"<b>{Path(photo.current_path).name}</b><br>in {photo.album}"
        if with_it:
            title += f"<br>with {', '.join(with_it)}"
        self.title.setText(title)
        sure = f"{photo.confidence:.0%}" if photo.confidence is not None else "?"
        note = " You corrected this one." if photo.corrected else ""
        if photo.suggested:
            note += (
                f"<br>Model {photo.suggested_by} now suggests <b>{photo.suggested}</b>"
                f" ({photo.suggested_confidence or 0:.0%} sure)."
            )
        verdict = f"Looks like <b>{photo.predicted}</b> ({sure} sure)."
        if photo.album == OTHER and photo.scene_probability is not None:
            verdict = (
                f"<b>Not a scene</b>, Cene thinks ({photo.scene_probability:.0%} likely to be "
                f"one; else {photo.predicted}, {sure})."
            )
        self.verdict.setText(f"{verdict}{note}")
        for name, bar in self.bars.items():
            bar.setValue(round(100 * photo.probabilities.get(name, 0.0)))

    def set_image(self, image: QImage) -> None:
        if image.isNull():
            self.image.setText("No preview for this photo")
            return
        ratio = self.image.devicePixelRatioF()
        pixmap = QPixmap.fromImage(image).scaled(
            self.image.size() * ratio,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
        pixmap.setDevicePixelRatio(ratio)  # sharp on a HiDPI screen
        self.image.setPixmap(pixmap)


def review_heading(
    shown: int, total: int, below: float, pair: str = "", unreviewed: int | None = None
) -> str:
    """What the review pane shows, in words: ``shown`` photos listed (of the ``pair`` filter,
    e.g. "Mountain or glacier?", when one is on) out of ``total`` waiting for a look;
    ``unreviewed``: photos nobody has looked at, sure or not (asked only when ``total`` is 0)."""
    which = "photos" if below >= 1.0 else f"photos the model was less than {below:.0%} sure of"
    if not total:
        if below >= 1.0 or not unreviewed:
            return "Review: you have looked at every photo."
        return (
            f"Review: nothing to check. Cene was at least {below:.0%} sure of every photo you "
            "have not looked at; drag any photo onto another album to correct it."
        )
    if pair:
        could_be = pair.rstrip("?").lower()
        return f"Review: {shown:,} of the {total:,} {which} could be {could_be}"
    more = f" (the first {shown:,} shown)" if shown < total else ""
    return f"Review: {total:,} {which}, least sure first{more}"


class MainWindow(QMainWindow):
    request_watch = Signal()
    request_preview = Signal()
    request_relabel = Signal(list, str)
    request_confirm = Signal(list)
    request_undo = Signal()
    request_put_back = Signal(int)  # run id
    request_import = Signal(list, str)
    request_improve = Signal()
    request_recheck = Signal()
    #: Emitted in the GUI thread once the library worker has finished a person's action.
    action_finished = Signal()
    #: Emitted in the GUI thread with the report of a learning or re-checking job.
    learning_finished = Signal(object)

    def __init__(self, settings: Settings, settings_file: Path | None = None) -> None:
        super().__init__()
        self.settings = settings
        self.settings_file = settings_file
        self.setWindowTitle("Cene")
        self.setAcceptDrops(True)
        self.catalog: Catalog | None = None
        self.current_album = settings.album if settings.album in (*ALBUMS, REVIEW) else "Sea"
        self.review_filter: str | None = None
        self.watching = False
        self.sort_worker: SortWorker | None = None
        self.library_worker: LibraryWorker | None = None
        self.learn_worker: LearnWorker | None = None
        self.model_store: ModelStore | None = None
        self.learning = False  # a learning or re-checking job is running
        self._learning_asked = False  # the person asked (show the outcome in a dialog)
        self._put_back_run: int | None = None  # put back once watching has stopped
        self._threads: list[QThread] = []
        try:
            self.model_info: ModelInfo | None = ModelInfo.load()
        except ModelError as error:
            self.model_info = None
            message = str(error)
            QTimer.singleShot(0, lambda: self.show_error(message))
        self._build()
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(250)
        self._refresh_timer.timeout.connect(self.refresh)
        if settings.window_geometry:
            self.restoreGeometry(QByteArray.fromBase64(settings.window_geometry.encode()))
        else:
            self.resize(1280, 800)
        if settings.panes:
            self.panes.restoreState(QByteArray.fromBase64(settings.panes.encode()))

    # -- building the window -------------------------------------------------------------

    def _build(self) -> None:
        self.albums = AlbumListModel()
        self.album_view = QListView()
        self.album_view.setModel(self.albums)
        self.album_view.setAcceptDrops(True)
        self.album_view.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.album_view.setDropIndicatorShown(True)
        self.album_view.setMaximumWidth(220)
        self.album_view.setStyleSheet(
            "QListView { font-size: 11pt; } QListView::item { padding: 6px; }"
        )
        self.albums.photos_dropped.connect(self.relabel)
        self.albums.files_dropped.connect(self.import_files)
        self.album_view.selectionModel().currentChanged.connect(
            lambda current, _: self.show_album(self.albums.names[current.row()])
        )

        self.grid_model = PhotoGridModel()
        self.grid = PhotoGrid()
        self.grid.setModel(self.grid_model)
        self.grid.selectionModel().selectionChanged.connect(self._selection_changed)
        self.grid.doubleClicked.connect(lambda _: self.open_photo())

        self.heading = QLabel()
        self.heading.setStyleSheet("font-size: 14pt; font-weight: bold;")
        self.heading.setWordWrap(True)  # a long heading wraps instead of squeezing the albums
        self.review_bar = QWidget()
        review_layout = QHBoxLayout(self.review_bar)
        review_layout.setContentsMargins(0, 0, 0, 0)
        self.review_filters = QButtonGroup(self)
        labels = ("All", *[name.capitalize() for name in CONFUSABLE_PAIRS], NOT_A_SCENE_LABEL)
        for label in (*labels, "Suggestions"):
            button = QPushButton(label)
            button.setCheckable(True)
            button.setChecked(label == "All")
            self.review_filters.addButton(button)
            review_layout.addWidget(button)
        self.accept_button = QPushButton("Move to suggested albums")
        self.accept_button.setToolTip("Move the selected photos where Cene now suggests")
        self.accept_button.clicked.connect(self.accept_suggestions)
        self.accept_button.setVisible(False)
        review_layout.addWidget(self.accept_button)
        hint = QLabel("  Keys 1–6, 0 = Other, Enter = looks right; or drag onto an album")
        hint.setToolTip(
            "Drag photos onto an album, or press 1–6 (Buildings … Street) or 0 (Other); "
            "Enter says the album is right."
        )
        hint.setStyleSheet("color: #666;")
        # The hint gives way (cut short) rather than squeezing the album list.
        hint.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        hint.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        review_layout.addWidget(hint, 1)
        self.review_filters.buttonClicked.connect(self._filter_clicked)
        self.review_bar.setVisible(False)

        centre = QWidget()
        centre_layout = QVBoxLayout(centre)
        centre_layout.addWidget(self.heading)
        centre_layout.addWidget(self.review_bar)
        centre_layout.addWidget(self.grid, 1)

        self.preview = PreviewPane()
        self.preview.open_button.clicked.connect(self.open_photo)
        self.preview.folder_button.clicked.connect(self.show_in_folder)

        self.panes = QSplitter()
        self.panes.addWidget(self.album_view)
        self.panes.addWidget(centre)
        self.panes.addWidget(self.preview)
        self.panes.setStretchFactor(1, 1)
        self.panes.setSizes([200, 760, 320])
        self.setCentralWidget(self.panes)

        self._build_toolbar()
        self._build_status_bar()
        self._build_shortcuts()

    def _build_toolbar(self) -> None:
        toolbar = QToolBar("Main")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        style = self.style()
        self.pause_action = QAction(
            style.standardIcon(QStyle.StandardPixmap.SP_MediaPause), "Pause watching", self
        )
        self.pause_action.triggered.connect(self.toggle_watching)
        self.undo_action = QAction(
            style.standardIcon(QStyle.StandardPixmap.SP_ArrowBack), "Undo", self
        )
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.undo_action.setToolTip("Undo the last correction (Ctrl+Z)")
        self.undo_action.triggered.connect(self.undo)
        open_action = QAction(
            style.standardIcon(QStyle.StandardPixmap.SP_FileIcon), "Open photo", self
        )
        open_action.triggered.connect(self.open_photo)
        folder_action = QAction(
            style.standardIcon(QStyle.StandardPixmap.SP_DirOpenIcon), "Show in folder", self
        )
        folder_action.triggered.connect(self.show_in_folder)
        self.improve_action = QAction(
            style.standardIcon(QStyle.StandardPixmap.SP_BrowserReload), "Improve the model", self
        )
        self.improve_action.setToolTip(
            "Learn from the photos you corrected or confirmed (Cene also does this by itself "
            "after a number of corrections: see Settings)"
        )
        self.improve_action.triggered.connect(self.improve_model)
        settings_action = QAction(
            style.standardIcon(QStyle.StandardPixmap.SP_FileDialogDetailedView), "Settings", self
        )
        settings_action.triggered.connect(self.open_settings)
        self.put_back_action = QAction("Put back the last sorted photos…", self)
        self.put_back_action.setToolTip(
            "Undo the last sorting: the photos go back to the folder they came from"
        )
        self.put_back_action.triggered.connect(self.offer_put_back)
        for action in (self.pause_action, self.undo_action, open_action, folder_action):
            toolbar.addAction(action)
        undo_menu = QMenu(self)
        undo_menu.addAction(self.undo_action)
        undo_menu.addAction(self.put_back_action)
        undo_button = toolbar.widgetForAction(self.undo_action)
        assert isinstance(undo_button, QToolButton)
        undo_button.setMenu(undo_menu)
        undo_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        toolbar.addSeparator()
        toolbar.addAction(self.improve_action)
        toolbar.addAction(settings_action)
        self.addToolBar(toolbar)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.watch_label = QLabel("Not watching")
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(200)
        self.progress.setVisible(False)
        self.eta_label = QLabel()
        self.device_label = QLabel("Device: model not loaded yet")
        version = self.model_info.version if self.model_info else "missing"
        self.model_label = QLabel(f"Model {version}")
        self.learn_label = QLabel()
        bar.addWidget(self.watch_label)
        bar.addPermanentWidget(self.learn_label)
        bar.addPermanentWidget(self.progress)
        bar.addPermanentWidget(self.eta_label)
        bar.addPermanentWidget(self.device_label)
        bar.addPermanentWidget(self.model_label)

    def _build_shortcuts(self) -> None:
        for key, album in [*enumerate(SCENE_ALBUMS, start=1), (0, OTHER)]:
            shortcut = QShortcut(QKeySequence(str(key)), self.grid)
            shortcut.activated.connect(lambda album=album: self.relabel(self.selected_ids(), album))
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            shortcut = QShortcut(QKeySequence(key), self.grid)
            shortcut.activated.connect(self.confirm_selected)

    # -- library and workers -------------------------------------------------------------

    def start(self) -> None:
        """Open the library in the settings and start watching (if it was on)."""
        library = Path(self.settings.library_dir)
        try:
            library.mkdir(parents=True, exist_ok=True)
            self.catalog = Catalog.open(library)
        except (OSError, CatalogError) as error:
            self.show_error(
                f"Cene cannot use the library folder {library}: {error}. "
                "Choose another one in Settings."
            )
            return
        self.grid_model.library = library.resolve()
        self._start_workers(library)
        self.album_view.setCurrentIndex(self.albums.index(self.albums.row_of(self.current_album)))
        self.refresh()
        if self.settings.watching:
            self.set_watching(True)

    def _start_workers(self, library: Path) -> None:
        ratio = self.devicePixelRatioF()  # 2 on a HiDPI screen: thumbnails twice the pixels
        self.grid_model.pixel_ratio = ratio
        self.thumbnails = ThumbnailLoader(library, size=round(PhotoGridModel.CELL * ratio))
        self.thumbnails.ready.connect(self.grid_model.thumbnail_ready)
        self.grid_model.thumbnail_wanted.connect(self.thumbnails.request)
        self.grid_model.reset_rows.connect(self.thumbnails.cancel_pending)
        self.previews = ThumbnailLoader(library, size=round(PREVIEW_SIZE * ratio))
        self.previews.ready.connect(self._preview_ready)

        self.sort_worker = SortWorker(self.settings)
        self._threads.append(start_in_thread(self.sort_worker, "cene-sort"))
        self.request_watch.connect(self.sort_worker.watch)
        self.request_preview.connect(self.sort_worker.preview)
        self.sort_worker.outcome.connect(self._outcome)
        self.sort_worker.progress.connect(self._progress)
        self.sort_worker.notice.connect(self._notice)
        self.sort_worker.error.connect(self.show_error)
        self.sort_worker.device.connect(self._device_changed)
        self.sort_worker.watching.connect(self._watching_changed)
        self.sort_worker.paused.connect(self._sorting_paused)

        photos = Path(self.settings.photos_dir) if self.settings.photos_dir else None
        self.library_worker = LibraryWorker(library, photos)
        self._threads.append(start_in_thread(self.library_worker, "cene-library"))
        self.request_relabel.connect(self.library_worker.relabel)
        self.request_confirm.connect(self.library_worker.confirm)
        self.request_undo.connect(self.library_worker.undo)
        self.request_put_back.connect(self.library_worker.put_back)
        self.library_worker.progress.connect(self._progress)
        self.request_import.connect(self.library_worker.import_files)
        self.library_worker.done.connect(self._action_done)
        self.library_worker.failed.connect(self.show_error)
        self.library_worker.changed.connect(self._library_changed)

        self.model_store = ModelStore(library)
        self.learn_worker = LearnWorker(
            library, self.sort_worker.classifier, self.settings.threshold, self.settings.other
        )
        self._threads.append(start_in_thread(self.learn_worker, "cene-learn"))
        self.request_improve.connect(self.learn_worker.improve)
        self.request_recheck.connect(self.learn_worker.recheck)
        self.learn_worker.progress.connect(self._learn_progress)
        self.learn_worker.improved.connect(self._improved)
        self.learn_worker.rechecked.connect(self._rechecked)
        self.learn_worker.failed.connect(self._learn_failed)
        self.show_model_version()
        self.offer_other_recheck()

    def offer_other_recheck(self) -> None:
        """A library sorted before Cene had an Other album: offer to look for its photos of
        no scene (suggestions only; nothing moves unless the person accepts them)."""
        if self.catalog is None or self.settings.other == gate.OFF:
            return
        unjudged = self.catalog.unjudged_by_gate()
        if not unjudged:
            return
        self.other_offer = self._recheck_offer_box(
            "Cene has an Other album",
            f"{unjudged:,} photos in this library were sorted before Cene had an Other album for "
            "photos of no scene (people, documents, pets, food).",
            "Re-check them? Cene will list the ones that belong in Other under Review → "
            "Suggestions. Nothing is moved without you.",
        )

    # Slots for worker signals are methods: Qt then runs them in the GUI thread (queued).
    def _device_changed(self, device: str) -> None:
        self.device_label.setText(f"Device: {device}")

    def _action_done(self, message: str) -> None:
        self.statusBar().showMessage(message, 5000)

    def _library_changed(self) -> None:
        self.refresh()
        self.maybe_improve()
        self.action_finished.emit()

    def stop_workers(self) -> None:
        if self.sort_worker is not None:
            self.sort_worker.stop()
        if self.learn_worker is not None:
            self.learn_worker.stop()
        for thread in self._threads:
            thread.quit()
            thread.wait(30_000)
        self._threads.clear()
        if self.library_worker is not None:
            self.library_worker.close()
        if self.learn_worker is not None:
            self.learn_worker.close()
            self.learn_worker = None
        self.learning = False
        for loader in (getattr(self, "thumbnails", None), getattr(self, "previews", None)):
            if loader is not None:
                loader.wait()
        if self.catalog is not None:
            self.catalog.close()
            self.catalog = None

    # -- watching ------------------------------------------------------------------------

    def set_watching(self, on: bool) -> None:
        if self.sort_worker is None:
            return
        if on and not self.watching:
            self.watch_label.setText("Starting…")
            self.request_watch.emit()
        elif not on:
            self.sort_worker.stop()
        self.settings = replace(self.settings, watching=on)
        self._save_settings()

    def toggle_watching(self) -> None:
        self.set_watching(not self.watching)

    def _watching_changed(self, on: bool) -> None:
        self.watching = on
        if not on and self._put_back_run is not None:
            self._put_back()
        style = self.style()
        if on:
            self.watch_label.setText(f"● Watching {self.settings.photos_dir}")
            self.pause_action.setText("Pause watching")
            self.pause_action.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MediaPause))
        else:
            self.watch_label.setText("Paused: not watching")
            self.pause_action.setText("Resume watching")
            self.pause_action.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay))
            self.progress.setVisible(False)
            self.eta_label.clear()

    def _sorting_paused(self, message: str) -> None:
        """A full disk pauses sorting (the worker waits for space); "" when it carries on."""
        if message:
            self.watch_label.setText("⏸ Sorting paused: the library's disk is full")
            self.progress.setVisible(False)  # the queue is scanned again once sorting resumes
            self.eta_label.clear()
            self.show_error(message)
        else:
            self._watching_changed(self.watching)
            self.statusBar().showMessage(
                "There is space on the disk again: sorting carries on.", 15000
            )

    def _outcome(self, outcome: Outcome) -> None:
        if outcome.status == "skipped" and not outcome.retry:
            self.statusBar().showMessage(f"Skipped {outcome.source.name}: {outcome.reason}", 8000)
        self.schedule_refresh()

    def _progress(self, done: int, total: int, eta: float) -> None:
        busy = done < total
        self.progress.setVisible(busy)
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.eta_label.setText(
            f"{done}/{total}, about {format_eta(eta)} left" if busy and eta >= 0 else ""
        )

    def _notice(self, message: str) -> None:
        self.statusBar().showMessage(message, 15000)
        if "gone" in message or "cannot" in message:
            self.watch_label.setText(message)
        elif " is back." in message:
            self._watching_changed(self.watching)
            if "library folder" in message and self.grid_model.library is not None:
                self._reopen_catalog()  # the old connection may point at the vanished disk
                self.refresh()

    # -- showing albums and photos -------------------------------------------------------

    def schedule_refresh(self) -> None:
        if not self._refresh_timer.isActive():
            self._refresh_timer.start()

    def refresh(self) -> None:
        if self.catalog is None:
            return
        try:
            self._refresh()
        except sqlite3.Error as error:
            self._catalog_failed(error)

    def _catalog_failed(self, error: Exception) -> None:
        """The catalog cannot be read (its drive went away): say so, and open it afresh, now if
        the library is there, or when the sorting worker reports it back."""
        log.warning("Catalog read failed: %s", error)
        self.statusBar().showMessage(
            f"Cene cannot read the library's catalog right now ({error}); the albums are shown "
            "again as soon as it can.",
            15000,
        )
        self._reopen_catalog()

    def _reopen_catalog(self) -> None:
        old, self.catalog = self.catalog, None
        if old is not None:
            with contextlib.suppress(Exception):  # a connection to a vanished disk
                old.close()
        library = Path(self.settings.library_dir)
        if library.is_dir():
            with contextlib.suppress(OSError, CatalogError, sqlite3.Error):
                self.catalog = Catalog.open(library)

    def _refresh(self) -> None:
        assert self.catalog is not None
        counts = self.catalog.album_counts()
        below = self.settings.review_below
        counts[REVIEW] = self.catalog.review_count(below)
        self.albums.set_counts(counts)
        self.accept_button.setVisible(
            self.current_album == REVIEW and self.review_filter == SUGGESTIONS
        )
        catalog = self.catalog
        if self.current_album == REVIEW and self.review_filter == SUGGESTIONS:
            ids = catalog.suggestion_ids()
            self.heading.setText(f"Review: {len(ids)} photos Cene would now place in another album")
        elif self.current_album == REVIEW and self.review_filter == NOT_A_SCENE:
            ids = self._boundary_ids(catalog)
            self.heading.setText(
                f"Review: {len(ids)} photos near the line between a scene and Other"
                if ids
                else "Review: no photo is near the line between a scene and Other."
            )
        elif self.current_album == REVIEW:
            ids = catalog.review_ids(CONFUSABLE_PAIRS.get(self.review_filter or ""), below=below)
            pair = self.review_filter or ""  # a confusable pair here, never the suggestions
            unreviewed = None if counts[REVIEW] else catalog.review_count()
            self.heading.setText(review_heading(len(ids), counts[REVIEW], below, pair, unreviewed))
        else:
            ids = catalog.photo_ids(self.current_album)
            self.heading.setText(f"{self.current_album}: {len(ids)} photos")
        selected = set(self.selected_ids())
        self.grid_model.set_rows(ids, catalog.photos_by_ids)
        if selected:
            selection = self.grid.selectionModel()
            for row, photo_id in enumerate(ids):
                if photo_id in selected:
                    selection.select(
                        self.grid_model.index(row), QItemSelectionModel.SelectionFlag.Select
                    )
        self._selection_changed()

    def show_album(self, name: str) -> None:
        self.current_album = name
        self.review_bar.setVisible(name == REVIEW)
        self.grid.clearSelection()
        self.refresh()

    def _filter_clicked(self, button: QPushButton) -> None:
        text = button.text().lower()
        if button.text() == NOT_A_SCENE_LABEL:
            text = NOT_A_SCENE
        known = text in CONFUSABLE_PAIRS or text in (SUGGESTIONS, NOT_A_SCENE)
        self.review_filter = text if known else None
        self.refresh()

    def _boundary_ids(self, catalog: Catalog) -> list[int]:
        """Photos near the scene gate's threshold, either side (the "Not a scene?" filter)."""
        thresholds = self.model_info.gate.get("thresholds", {}) if self.model_info else {}
        choice = self.settings.other if self.settings.other != gate.OFF else "normal"
        centre = thresholds.get(choice)
        if centre is None:
            return []
        low, high = gate.boundary_band(float(centre))
        return catalog.boundary_ids(low, high, float(centre))

    def _selected_rows(self) -> list[int]:
        rows = sorted(index.row() for index in self.grid.selectionModel().selectedIndexes())
        return [row for row in rows if row < len(self.grid_model.ids)]

    def selected_photos(self) -> list[PhotoRecord]:
        return [self.grid_model.photo(row) for row in self._selected_rows()]

    def selected_ids(self) -> list[int]:
        return [self.grid_model.ids[row] for row in self._selected_rows()]

    def _selection_changed(self, *_: object) -> None:
        photos = self.selected_photos()
        photo = photos[0] if len(photos) == 1 else None
        with_it: list[str] = []
        if photo is not None and self.catalog is not None:
            with contextlib.suppress(sqlite3.Error):  # the library's drive may be gone
                with_it = [Path(c.current_path).name for c in self.catalog.companions(photo.id)]
        self.preview.show_photo(photo, with_it)
        if photo is not None and self.grid_model.library is not None:
            self.previews.request(photo.content_hash, self.grid_model.path_of(photo))

    def _preview_ready(self, content_hash: str, image: QImage) -> None:
        photos = self.selected_photos()
        if len(photos) == 1 and photos[0].content_hash == content_hash:
            self.preview.set_image(image)

    # -- a person's actions --------------------------------------------------------------

    def relabel(self, photo_ids: list[int], album: str) -> None:
        if photo_ids and album != REVIEW:
            self.request_relabel.emit(photo_ids, album)

    def confirm_selected(self) -> None:
        ids = self.selected_ids()
        if ids:
            self.request_confirm.emit(ids)

    def undo(self) -> None:
        self.request_undo.emit()

    def accept_suggestions(self) -> None:
        """Move the selected photos to the albums suggested for them (the person's choice)."""
        by_album: dict[str, list[int]] = {}
        for photo in self.selected_photos():
            if photo.suggested:
                by_album.setdefault(photo.suggested, []).append(photo.id)
        for album, ids in by_album.items():
            self.request_relabel.emit(ids, album)

    # -- learning from corrections -------------------------------------------------------

    def show_model_version(self) -> None:
        if self.model_store is None or self.model_info is None:
            return
        label, tooltip = describe_version(self.model_store, self.model_info.version)
        self.model_label.setText(label)
        self.model_label.setToolTip(tooltip)

    def improve_model(self) -> None:
        """Learn from the corrections now (the person asked)."""
        self._learning_asked = True
        self._start_learning()

    def maybe_improve(self) -> None:
        """Learn by itself once enough new corrections have come in (Settings: learn_after)."""
        every = self.settings.learn_after
        if every <= 0 or self.catalog is None or self.model_store is None:
            return
        versions = self.model_store.versions()
        seen = versions[-1].labelled_total if versions else 0
        if self.catalog.labelled_count() - seen >= every:
            self._start_learning()

    def _start_learning(self, recheck: bool = False) -> None:
        if self.learn_worker is None or self.learning:
            return
        self.learning = True
        self.improve_action.setEnabled(False)
        self.learn_label.setText("Re-checking the albums…" if recheck else "Learning…")
        (self.request_recheck if recheck else self.request_improve).emit()

    def _learning_done(self) -> None:
        self.learning = False
        self.improve_action.setEnabled(True)
        self.learn_label.clear()

    def _learn_progress(self, done: int, total: int, what: str) -> None:
        self.learn_label.setText(f"{what}… {done}/{total}" if total > 1 else f"{what}…")

    def _learn_failed(self, message: str) -> None:
        self._learning_done()
        self._learning_asked = False
        self.show_error(message)
        self.learning_finished.emit(None)

    def _improved(self, report: LearningReport) -> None:
        self._learning_done()
        asked, self._learning_asked = self._learning_asked, False
        self.show_model_version()
        self.statusBar().showMessage(report.message, 15000)
        for problem in report.problems or []:
            log.info("%s", problem)
        if report.adopted:
            self._offer_recheck(report)
        elif asked:
            box = QMessageBox(QMessageBox.Icon.Information, "Cene", report.message, parent=self)
            box.setWindowModality(Qt.WindowModality.NonModal)
            box.show()
        self.learning_finished.emit(report)

    def offer_put_back(self) -> None:
        """Ask before undoing the last sorting run; watching pauses so the photos stay put."""
        if self.catalog is None:
            return
        run = self.catalog.last_undoable_run()
        if run is None:
            self.statusBar().showMessage(
                "Nothing to put back: Cene has not sorted photos here yet.", 10000
            )
            return
        count = self.catalog.run_photo_count(run.id)
        extra = self.catalog.run_companion_count(run.id)
        source = run.photos_dir or "the folders they came from"
        box = QMessageBox(QMessageBox.Icon.Question, "Put photos back", "", parent=self)
        with_them = ""
        if extra:
            files = "file that goes" if extra == 1 else "files that go"
            with_them = f" (and {extra} RAW, video or sidecar {files} with them)"
        box.setText(
            f"Put the {count} photos{with_them} Cene sorted since {local_time(run.started_at)} "
            f"back into\n{source}?"
        )
        box.setInformativeText(
            "Photos Cene moved go back where they were; copies and links it made in the albums "
            "are removed (the originals never left). Nothing is overwritten. Watching pauses so "
            "they stay there: resume it to sort them again."
        )
        put_back = box.addButton("Put back", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.buttonClicked.connect(
            lambda button: self._confirm_put_back(run.id) if button is put_back else None
        )
        self.put_back_offer = box
        box.show()

    def _confirm_put_back(self, run_id: int) -> None:
        self._put_back_run = run_id
        if self.watching:
            self.statusBar().showMessage("Stopping watching, then putting the photos back…")
            self.set_watching(False)  # continues in _watching_changed once it has stopped
        else:
            self._put_back()

    def _put_back(self) -> None:
        run_id, self._put_back_run = self._put_back_run, None
        if run_id is not None:
            self.statusBar().showMessage("Putting the photos back…")
            self.request_put_back.emit(run_id)

    def _offer_recheck(self, report: LearningReport) -> None:
        previous = getattr(self, "recheck_offer", None)
        if previous is not None:
            previous.close()  # an offer for an older version is moot
        self.recheck_offer = self._recheck_offer_box(
            "Cene learnt from your photos",
            report.message,
            "Re-check the photos already in your albums? Cene will list the ones it would now "
            "place elsewhere under Review → Suggestions. Nothing is moved without you.",
        )

    def _recheck_offer_box(self, title: str, text: str, question: str) -> QMessageBox:
        """A non-modal offer to re-check the albums ("Re-check albums" / "Not now"), shown."""
        box = QMessageBox(QMessageBox.Icon.Information, title, "", parent=self)
        box.setText(text)
        box.setInformativeText(question)
        recheck = box.addButton("Re-check albums", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Not now", QMessageBox.ButtonRole.RejectRole)
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.buttonClicked.connect(
            lambda button: self._start_learning(recheck=True) if button is recheck else None
        )
        box.show()
        return box

    def _rechecked(self, report: RecheckReport) -> None:
        self._learning_done()
        self.statusBar().showMessage(report.message, 15000)
        self.refresh()
        self.learning_finished.emit(report)

    def activate_version(self, name: str) -> None:
        """Use another model version (rollback included); from the settings dialog."""
        if self.model_store is None or self.catalog is None:
            return
        switch_version(self.model_store, self.catalog, name)
        self.show_model_version()
        self.refresh()
        self._start_learning(recheck=True)  # suggestions and the review pane follow it

    def import_files(self, paths: list[str]) -> None:
        if not self.settings.photos_dir:
            self.show_error("Choose a photo folder first (Settings).")
            return
        self.request_import.emit(paths, self.settings.photos_dir)

    def open_photo(self) -> None:
        for photo in self.selected_photos()[:10]:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.grid_model.path_of(photo))))

    def show_in_folder(self) -> None:
        photos = self.selected_photos()
        if photos:
            folder = self.grid_model.path_of(photos[0]).parent
        elif self.grid_model.library is not None:
            folder = self.grid_model.library / self.current_album
        else:
            return
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

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
            self.import_files(paths)

    # -- dialogs -------------------------------------------------------------------------

    def show_error(self, message: str) -> None:
        log.warning("%s", message)
        self.statusBar().showMessage(message, 15000)
        box = QMessageBox(QMessageBox.Icon.Warning, "Cene", message, parent=self)
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.show()

    def run_welcome(self) -> bool:
        dialog = WelcomeDialog(self.settings, self)
        dialog.preview_requested.connect(self._preview_plan)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        self.settings = replace(dialog.settings, watching=True)
        self._save_settings()
        return True

    def _preview_plan(self, settings: Settings) -> None:
        """Run a dry run in a worker of its own and show the plan when it is ready."""
        worker = SortWorker(settings)
        thread = start_in_thread(worker, "cene-preview")
        self._threads.append(thread)
        worker.plan_ready.connect(self._show_plan)
        worker.error.connect(self.show_error)
        worker.device.connect(self._device_changed)
        self.request_preview.connect(worker.preview)
        self.request_preview.emit()
        self.request_preview.disconnect(worker.preview)
        self.statusBar().showMessage("Working out where each photo would go…")

    def _show_plan(self, summary: SortSummary) -> None:
        lines = [f"<h3>{summary.count('planned')} photos would be sorted</h3><p>"]
        lines += [f"{album}: {count}<br>" for album, count in summary.album_counts().items()]
        lines.append("</p><p>")
        for outcome in summary.outcomes[:300]:
            if outcome.status == "planned" and outcome.dest is not None:
                lines.append(f"{outcome.source.name} → {outcome.album}<br>")
            elif outcome.status == "skipped":
                lines.append(f"<i>{outcome.source.name}: left in place ({outcome.reason})</i><br>")
        dialog = QDialog(self)
        dialog.setWindowTitle("What Cene would do")
        text = QTextBrowser()
        text.setHtml("".join(lines) + "</p><p>Nothing has been moved yet.</p>")
        layout = QVBoxLayout(dialog)
        layout.addWidget(text)
        dialog.resize(520, 480)
        dialog.show()

    def settings_dialog(self) -> SettingsDialog:
        default = self.model_info.default_threshold if self.model_info else 0.8
        return SettingsDialog(
            self.settings, default, self, models=self.model_store, activate=self.activate_version
        )

    def open_settings(self) -> None:
        dialog = self.settings_dialog()
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.settings = dialog.settings
        self._save_settings()
        self.stop_workers()
        self.start()

    def _save_settings(self) -> None:
        geometry = bytes(self.saveGeometry().toBase64().data()).decode()
        panes = bytes(self.panes.saveState().toBase64().data()).decode()
        self.settings = replace(
            self.settings, window_geometry=geometry, panes=panes, album=self.current_album
        )
        try:
            save_settings(self.settings, self.settings_file)
        except OSError as error:
            self.statusBar().showMessage(f"Settings could not be saved: {error}", 10000)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self._save_settings()
        self.stop_workers()
        event.accept()

    def crash_message(self) -> str:
        return f"The log file is {log_path()}."
