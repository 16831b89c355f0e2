"""The preview pane: the selected photo, large, with what the model thinks it shows."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from cene_desktop.core.albums import OTHER, SCENE_CLASSES
from cene_desktop.core.catalog import PhotoRecord

#: The preview's picture, in pixels (times the screen's pixel ratio).
PREVIEW_SIZE = 480


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
        self.verdict.setText(verdict_words(photo))
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


def verdict_words(photo: PhotoRecord) -> str:
    """What the model thinks the photo shows, in words (the preview pane and the viewer)."""
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
    return f"{verdict}{note}"
