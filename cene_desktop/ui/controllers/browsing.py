"""Looking at photos: thumbnails for the grid, the selected photo in the preview pane and in
Cene's viewer (Space, double-click), opening it in another program, showing it in its folder."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QImage, QKeySequence, QShortcut
from PySide6.QtWidgets import QMessageBox

from cene_desktop.core.albums import ALBUMS
from cene_desktop.core.catalog import PhotoRecord
from cene_desktop.ui.album_model import PhotoGridModel
from cene_desktop.ui.controllers.base import Controller
from cene_desktop.ui.dialogs.picture import format_name
from cene_desktop.ui.dialogs.questions import offer_viewer, tell_folder
from cene_desktop.ui.dialogs.viewer import PhotoViewer
from cene_desktop.ui.panes.preview import PREVIEW_SIZE
from cene_desktop.ui.worker import ThumbnailLoader

if TYPE_CHECKING:
    from cene_desktop.ui.main_window import MainWindow


class BrowsingController(Controller):
    request_companions = Signal(int)  # photo id, to the catalog reader

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.grid_model = window.grid_model
        self.thumbnails: ThumbnailLoader | None = None
        self.previews: ThumbnailLoader | None = None
        self.viewer: PhotoViewer | None = None
        self.message: QMessageBox | None = None  # the last "could not open" box shown
        window.grid.selectionModel().selectionChanged.connect(self.selection_changed)
        window.grid.doubleClicked.connect(lambda index: self.view(index.row()))
        space = QShortcut(QKeySequence(Qt.Key.Key_Space), window.grid)
        space.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)  # buttons keep Space
        space.activated.connect(self.view_selected)
        window.preview.open_button.clicked.connect(self.open_selected)
        window.preview.folder_button.clicked.connect(self.show_in_folder)

    def start(self, library: Path) -> None:
        ratio = self.window.devicePixelRatioF()  # 2 on HiDPI: thumbnails twice the pixels
        model = self.grid_model
        model.library, model.pixel_ratio = library.resolve(), ratio
        thumbnails = ThumbnailLoader(library, size=round(PhotoGridModel.CELL * ratio))
        thumbnails.ready.connect(model.thumbnail_ready)
        model.thumbnail_wanted.connect(thumbnails.request)
        model.reset_rows.connect(thumbnails.cancel_pending)
        self.previews = ThumbnailLoader(library, size=round(PREVIEW_SIZE * ratio))
        self.previews.ready.connect(self._preview_ready)
        self.thumbnails = thumbnails

    def connect_reader(self) -> None:
        reader = self.window.pages.reader
        assert reader is not None
        self.window.pages.link(self.request_companions, reader.read_companions)
        reader.companions_ready.connect(self._companions_ready)

    def wait(self) -> None:
        """Until the thumbnails being made are done (before the library closes)."""
        for loader in (self.thumbnails, self.previews):
            if loader is not None:
                loader.wait()
        if self.viewer is not None:
            self.viewer.loader.wait()

    def selection_changed(self, *_: object) -> None:
        photos = self.window.selected_photos()
        # "Move to suggested albums" moves the selected photos that have a suggestion: none
        # selected, nothing to do.
        self.window.review_bar.accept_button.setEnabled(any(p.suggested for p in photos))
        photo = photos[0] if len(photos) == 1 else None
        self.window.preview.show_photo(photo)
        if photo is not None:
            self.request_companions.emit(photo.id)  # named in the preview once read
        if photo is not None and self.grid_model.library is not None and self.previews:
            self.previews.request(photo.content_hash, self.grid_model.path_of(photo))

    def _companions_ready(self, photo_id: int, names: list[str]) -> None:
        photos = self.window.selected_photos()
        if names and len(photos) == 1 and photos[0].id == photo_id:
            self.window.preview.show_photo(photos[0], names)

    def _preview_ready(self, content_hash: str, image: QImage) -> None:
        photos = self.window.selected_photos()
        if len(photos) == 1 and photos[0].content_hash == content_hash:
            self.window.preview.set_image(image)

    # -- the viewer ----------------------------------------------------------------------

    def view_selected(self) -> None:
        """Space: the current photo (the one last clicked, among those selected) in the
        viewer."""
        grid = self.window.grid
        current = grid.currentIndex()
        rows = sorted(index.row() for index in grid.selectionModel().selectedIndexes())
        if current.isValid() and current.row() in rows:
            self.view(current.row())
        elif rows:
            self.view(rows[0])

    def view(self, row: int) -> None:
        if self.grid_model.library is None or not 0 <= row < len(self.grid_model.ids):
            return
        if self.viewer is None:
            self.viewer = PhotoViewer(self.window, self.grid_model)
            self.viewer.row_shown.connect(self._viewed)
        self.viewer.open_at(row)

    def _viewed(self, row: int) -> None:
        """The grid follows the viewer: closed, it shows the last photo looked at selected."""
        grid = self.window.grid
        index = self.grid_model.index(row)
        if not grid.selectionModel().isSelected(index) or len(grid.selected_ids()) != 1:
            flags = QItemSelectionModel.SelectionFlag.ClearAndSelect
            grid.selectionModel().setCurrentIndex(index, flags)
        grid.scrollTo(index)

    # -- other programs --------------------------------------------------------------------

    def open_selected(self) -> None:
        failed: list[tuple[int, Path]] = []
        for row, photo in self._selected_rows()[:10]:
            path = self.grid_model.path_of(photo)
            if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
                failed.append((row, path))
        if not failed:
            return
        row, path = failed[0]
        kind = format_name(path)
        what = path.name if len(failed) == 1 else f"{path.name} and {len(failed) - 1} more"
        self.message = offer_viewer(
            self.window,
            f"No program is set to open {kind} photos on this computer, so {what} could not "
            "be opened in one.",
            "Cene can show it in its own viewer. To open photos in another program, choose "
            f"one for {kind} files in your system's settings (Default applications).",
            lambda: self.view(row),
        )

    def _selected_rows(self) -> list[tuple[int, PhotoRecord]]:
        grid = self.window.grid
        rows = sorted(index.row() for index in grid.selectionModel().selectedIndexes())
        model = self.grid_model
        photos = [(row, model.photo(row)) for row in rows if row < len(model.ids)]
        return [(row, photo) for row, photo in photos if photo is not None and photo.current_path]

    def show_in_folder(self) -> None:
        photos = self.window.selected_photos()
        if photos:
            folder = self.grid_model.path_of(photos[0]).parent
        elif self.grid_model.library is not None:
            album = self.window.current_album  # the review pane has no folder: the library's
            folder = self.grid_model.library / (album if album in ALBUMS else "")
        else:
            return
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            what = "The photo is" if photos else "The photos are"
            self.message = tell_folder(
                self.window,
                "No file manager is set to show folders on this computer, so Cene could not "
                f"show this one. {what} in this folder:",
                str(folder),
            )
