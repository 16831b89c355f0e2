"""Looking at photos: thumbnails for the grid, the selected photo in the preview pane, opening
it in another program, showing it in its folder."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices, QImage

from cene_desktop.ui.album_model import PhotoGridModel
from cene_desktop.ui.controllers.base import Controller
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
        window.grid.selectionModel().selectionChanged.connect(self.selection_changed)
        window.grid.doubleClicked.connect(lambda _: self.open_selected())
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

    def open_selected(self) -> None:
        for photo in self.window.selected_photos()[:10]:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.grid_model.path_of(photo))))

    def show_in_folder(self) -> None:
        photos = self.window.selected_photos()
        if photos:
            folder = self.grid_model.path_of(photos[0]).parent
        elif self.grid_model.library is not None:
            folder = self.grid_model.library / self.window.current_album
        else:
            return
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))
