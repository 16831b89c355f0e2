"""Looking at photos: thumbnails for the grid, the selected photo in the preview pane and in
Cene's viewer (Space, double-click), opening it in another program, showing it in its folder."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, QObject, Qt, QUrl, Signal, Slot
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

#: The sizes thumbnails are made and cached at (``LIB/.cene/thumbnails/<pixels>``): a cell is
#: drawn from the smallest that fills it, scaled down, so it stays sharp (never scaled up) and
#: a library keeps two caches, not one a step of the slider.
THUMBNAIL_SIZES = (PhotoGridModel.CELL, 256)


def thumbnail_size_for(cell: int) -> int:
    return next((size for size in THUMBNAIL_SIZES if size >= cell), THUMBNAIL_SIZES[-1])


class _WhileInUse(QObject):
    """Hands a loader's thumbnails to the grid while that loader is the one in use: those it
    made before the slider moved past its size, still on their way, would be kept too small."""

    def __init__(self, browsing: BrowsingController, loader: ThumbnailLoader) -> None:
        super().__init__(browsing)  # of the GUI thread: the loader's signals come here
        self.browsing, self.loader = browsing, loader
        loader.ready.connect(self.ready)

    @Slot(str, QImage)
    def ready(self, content_hash: str, image: QImage) -> None:
        if self.browsing.thumbnails is self.loader:
            self.browsing.grid_model.thumbnail_ready(content_hash, image)


class BrowsingController(Controller):
    request_companions = Signal(int)  # photo id, to the catalog reader

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.grid_model = window.grid_model
        self.thumbnails: ThumbnailLoader | None = None  # the one making the grid's now
        self._loaders: dict[int, _WhileInUse] = {}  # by pixels, for this library
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
        window.grid.set_thumbnail_size(window.grid_bar.thumbnail_size)
        window.grid_bar.size_changed.connect(self.set_thumbnail_size)

    def start(self, library: Path) -> None:
        ratio = self.window.devicePixelRatioF()  # 2 on HiDPI: thumbnails twice the pixels
        model = self.grid_model
        model.library, model.pixel_ratio = library.resolve(), ratio
        self._use_loader(None)
        for made in self._loaders.values():  # the library may be another one
            made.deleteLater()
        self._loaders.clear()
        self._use_loader(self._loader(thumbnail_size_for(model.cell)))
        self.previews = ThumbnailLoader(library, size=round(PREVIEW_SIZE * ratio))
        self.previews.ready.connect(self._preview_ready)

    def set_thumbnail_size(self, cell: int) -> None:
        """The slider above the grid moved: the cells take the new size at once; past the
        size of the thumbnails made so far they are made larger (and asked for again)."""
        self.window.grid.set_thumbnail_size(cell)
        if self.thumbnails is not None:
            self._use_loader(self._loader(thumbnail_size_for(cell)))

    def _loader(self, size: int) -> ThumbnailLoader:
        model = self.grid_model
        assert model.library is not None
        pixels = round(size * model.pixel_ratio)
        if pixels not in self._loaders:
            self._loaders[pixels] = _WhileInUse(self, ThumbnailLoader(model.library, size=pixels))
        return self._loaders[pixels].loader

    def _use_loader(self, loader: ThumbnailLoader | None) -> None:
        """Make the grid's thumbnails with ``loader`` (None: with none, the library closes)."""
        old, model = self.thumbnails, self.grid_model
        if old is loader:
            return
        if old is not None:
            model.thumbnail_wanted.disconnect(old.request)
            model.reset_rows.disconnect(old.cancel_pending)
            old.cancel_pending()
        self.thumbnails = loader
        if loader is None:
            return
        model.thumbnail_wanted.connect(loader.request)
        model.reset_rows.connect(loader.cancel_pending)
        model.thumbnails_made_at(loader.size)

    def connect_reader(self) -> None:
        reader = self.window.pages.reader
        assert reader is not None
        self.window.pages.link(self.request_companions, reader.read_companions)
        reader.companions_ready.connect(self._companions_ready)

    def wait(self) -> None:
        """Until the thumbnails being made are done (before the library closes)."""
        for loader in (*(made.loader for made in self._loaders.values()), self.previews):
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
