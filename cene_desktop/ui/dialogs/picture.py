"""The viewer's picture: photos decoded (at screen size, or whole for 100 %) with their facts
from EXIF in a thread pool, and shown fitted into the window or at 100 %, dragged to pan."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QObject, QPoint, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtGui import QImage, QMouseEvent, QPixmap, QResizeEvent
from PySide6.QtWidgets import QLabel, QScrollArea, QSizePolicy

from cene_desktop.core import scanner

log = logging.getLogger(__name__)

FIT, ACTUAL = "fit", "100 %"
WHOLE = 0  # asked for at this size: the whole picture, for 100 %


@dataclass(frozen=True)
class Viewed:
    """A photo decoded for the viewer, or the sentence saying why it could not be."""

    content_hash: str
    longest: int  # the side it was fitted into (WHOLE: not reduced)
    image: QImage
    taken: str = "unknown"
    camera: str = "unknown"
    file_size: str = "unknown"
    pixels: str = "unknown"
    width: int = 0  # of the photo, upright (the image may be reduced)
    problem: str = ""


def format_name(path: Path) -> str:
    """The photo's format as people call it: "JPEG", "PNG", "HEIC"…"""
    suffix = path.suffix.lower().lstrip(".")
    return "JPEG" if suffix in ("jpg", "jpeg", "jpe") else suffix.upper() or "these"


def _bytes_in_words(size: int) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} bytes"


def _date_in_words(value: object) -> str:
    """An EXIF date ("2024:03:12 14:05:09") as "12 March 2024, 14:05"."""
    try:
        taken = datetime.strptime(str(value).strip("\0 ")[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return "unknown"
    return f"{taken.day} {taken:%B %Y, %H:%M}"


def _camera_in_words(make: object, model: object) -> str:
    make_words = str(make or "").strip("\0 ")
    model_words = str(model or "").strip("\0 ")
    # Most cameras repeat their maker in the model ("Canon" "Canon EOS R6"): said once.
    if make_words and model_words.lower().startswith(make_words.split()[0].lower()):
        return model_words
    return " ".join(w for w in (make_words, model_words) if w) or "unknown"


def decode(content_hash: str, path: Path, longest: int) -> Viewed:
    """The photo at ``path``, upright, fitted into ``longest`` pixels (WHOLE: not reduced),
    with its facts; a sentence instead of the picture when it cannot be decoded."""
    from PIL import Image, ImageOps

    try:
        file_size = _bytes_in_words(path.stat().st_size)
    except OSError as error:
        log.info("Viewer cannot read %s: %s", path, error)
        problem = f"Cene cannot find this photo's file: {path} is not there any more."
        return Viewed(content_hash, longest, QImage(), problem=problem)
    if path.suffix.lower() in scanner.HEIF_SUFFIXES:
        scanner.enable_heif()
    taken = camera = pixels = "unknown"
    width = 0
    try:
        with Image.open(path) as opened:
            exif = opened.getexif()
            details = exif.get_ifd(0x8769)  # the Exif IFD: where cameras write the date taken
            date = details.get(36867) or details.get(36868) or exif.get(306)
            taken = _date_in_words(date) if date else "unknown"
            camera = _camera_in_words(exif.get(271), exif.get(272))
            width, height = opened.size
            if exif.get(0x0112) in (5, 6, 7, 8):  # turned a quarter: shown the other way round
                width, height = height, width
            pixels = f"{width:,} × {height:,}"
            if longest != WHOLE:
                opened.draft("RGB", (longest, longest))
            picture = ImageOps.exif_transpose(opened)
            alpha = picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info
            picture = picture.convert("RGBA" if alpha else "RGB")
        if longest != WHOLE:
            picture.thumbnail((longest, longest))
        kind = QImage.Format.Format_RGBA8888 if alpha else QImage.Format.Format_RGB888
        data = picture.tobytes()
        image = QImage(
            data, picture.width, picture.height, len(picture.getbands()) * picture.width, kind
        ).copy()  # own the pixels: ``data`` goes away with this frame
        problem = "" if not image.isNull() else "Cene could not make a picture of this photo."
    except Exception as error:  # noqa: BLE001 - a damaged photo gets a sentence, not a crash
        log.info("Viewer cannot decode %s: %s", path, error)
        image = QImage()
        problem = (
            f"Cene cannot show this photo: its {format_name(path)} picture data cannot be "
            "decoded (the file is damaged or was not copied whole)."
        )
    return Viewed(content_hash, longest, image, taken, camera, file_size, pixels, width, problem)


class _DecodeJob(QRunnable):
    def __init__(self, loader: PictureLoader, content_hash: str, path: Path, longest: int) -> None:
        super().__init__()
        self.loader, self.content_hash, self.path, self.longest = (
            loader,
            content_hash,
            path,
            longest,
        )

    def run(self) -> None:
        viewed = decode(self.content_hash, self.path, self.longest)
        self.loader.ready.emit(viewed)


class PictureLoader(QObject):
    """Decodes photos for the viewer in a thread pool; ``ready`` answers in the GUI thread."""

    ready = Signal(object)  # Viewed

    def __init__(self) -> None:
        super().__init__()
        self.pool = QThreadPool()
        self.pool.setMaxThreadCount(2)
        self._asked: set[tuple[str, int]] = set()

    def request(self, content_hash: str, path: Path, longest: int, priority: int = 0) -> None:
        key = (content_hash, longest)
        if key not in self._asked:
            self._asked.add(key)
            self.pool.start(_DecodeJob(self, content_hash, path, longest), priority)

    def done(self, viewed: Viewed) -> None:
        self._asked.discard((viewed.content_hash, viewed.longest))

    def wait(self) -> None:
        self.pool.waitForDone()


class PictureArea(QScrollArea):
    """The picture: fitted into the window, or at 100 % with scroll bars, dragged to pan."""

    double_clicked = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.label = QLabel()
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setWordWrap(True)
        self.setWidget(self.label)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        # Dark behind the photo (as in every photo viewer); the scroll bars keep the style's look.
        self.viewport().setStyleSheet("background: #1e1e1e;")
        self.label.setStyleSheet("background: #1e1e1e; color: #e0e0e0; font-size: 12pt;")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.zoom = FIT
        self.image = QImage()
        self.width_of_photo = 0  # the whole photo's, when ``image`` is reduced
        self.scale = 0.0  # screen pixels per pixel of the photo, as shown
        self._dragged_from: QPoint | None = None

    def show_text(self, text: str) -> None:
        self.image, self.scale = QImage(), 0.0
        self.label.setPixmap(QPixmap())
        self.label.setText(text)
        self._fitting(True)

    def _fitting(self, fit: bool) -> None:
        """Fitted, the picture never needs scroll bars (and the label takes the viewport's
        size whatever the pixmap's); at 100 % the label is the picture's size."""
        self.setWidgetResizable(fit)
        off, needed = Qt.ScrollBarPolicy.ScrollBarAlwaysOff, Qt.ScrollBarPolicy.ScrollBarAsNeeded
        self.setHorizontalScrollBarPolicy(off if fit else needed)
        self.setVerticalScrollBarPolicy(off if fit else needed)
        ignored, preferred = QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred
        self.label.setSizePolicy(ignored if fit else preferred, ignored if fit else preferred)

    def show_image(self, image: QImage, width_of_photo: int) -> None:
        self.image, self.width_of_photo = image, width_of_photo or image.width()
        self.label.setText("")
        self.redraw()

    def redraw(self) -> None:
        if self.image.isNull():
            return
        ratio = self.devicePixelRatioF()
        image = self.image
        if self.zoom == FIT:
            self._fitting(True)
            room = self.viewport().size() * ratio
            pixmap = QPixmap.fromImage(image).scaled(
                room, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
        else:  # one pixel of the photo a pixel of the screen (a reduced picture stretched to it)
            centre = self._centre()
            self._fitting(False)
            width = self.width_of_photo
            pixmap = QPixmap.fromImage(image)
            if image.width() != width:
                pixmap = pixmap.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
        self.scale = pixmap.width() / self.width_of_photo
        pixmap.setDevicePixelRatio(ratio)
        self.label.setPixmap(pixmap)
        if self.zoom == ACTUAL:
            self.label.resize(pixmap.size() / ratio)
            view = self.viewport().size()
            self.horizontalScrollBar().setValue(
                round(centre[0] * self.label.width() - view.width() / 2)
            )
            self.verticalScrollBar().setValue(
                round(centre[1] * self.label.height() - view.height() / 2)
            )

    def _centre(self) -> tuple[float, float]:
        """Where the middle of the view is on the picture (0 to 1 across and down): zoomed in,
        the picture opens at its middle; a sharper picture coming keeps the place looked at."""
        if self.widgetResizable() or not self.label.width() or not self.label.height():
            return 0.5, 0.5
        view = self.viewport().size()
        across = (self.horizontalScrollBar().value() + view.width() / 2) / self.label.width()
        down = (self.verticalScrollBar().value() + view.height() / 2) / self.label.height()
        return across, down

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self.zoom == FIT:
            self.redraw()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self.zoom == ACTUAL and event.button() == Qt.MouseButton.LeftButton:
            self._dragged_from = event.position().toPoint()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._dragged_from is not None:
            now = event.position().toPoint()
            moved, self._dragged_from = now - self._dragged_from, now
            bars = self.horizontalScrollBar(), self.verticalScrollBar()
            bars[0].setValue(bars[0].value() - moved.x())
            bars[1].setValue(bars[1].value() - moved.y())
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self._dragged_from = None
        self.viewport().unsetCursor()
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self.double_clicked.emit()
