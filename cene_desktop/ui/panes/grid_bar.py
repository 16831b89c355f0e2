"""Beside the heading above the photos: how an album's photos are sorted and how large their
thumbnails are (a slider, as in Shotwell, gThumb or Apple Photos). Both are kept in the
settings; the review pane keeps its own order, least sure first."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPixmap
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLayout, QSlider, QWidget

from cene_desktop.core.catalog.photos import BY_ADDED, BY_NAME, BY_TAKEN

#: The slider's steps: a thumbnail is a multiple of STEP pixels, MIN to MAX.
MIN_SIZE, MAX_SIZE, STEP = 96, 256, 16

ORDER_NAMES = {BY_TAKEN: "Date taken", BY_NAME: "Name", BY_ADDED: "Date added"}
ORDER_TIPS = {
    BY_TAKEN: "Oldest first, as the camera dated them; photos without a date come last, by name",
    BY_NAME: "By file name, A to Z",
    BY_ADDED: "In the order Cene put them in the album",
}


def _square(side: int) -> QLabel:
    """A little grey picture beside the slider: small at one end, large at the other."""
    pixmap = QPixmap(side, side)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("#8a8a8a"))
    painter.drawRoundedRect(0, 0, side, side, 2, 2)
    painter.end()
    label = QLabel()
    label.setPixmap(pixmap)
    return label


class GridBar(QWidget):
    size_changed = Signal(int)  # the thumbnails' square, in pixels
    order_changed = Signal(str)  # catalog.photos.PHOTO_ORDERS

    def __init__(self, size: int, order: str) -> None:
        super().__init__()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)  # see minimumSizeHint
        self.order_box = QComboBox()
        for key, name in ORDER_NAMES.items():
            self.order_box.addItem(name, key)
            self.order_box.setItemData(
                self.order_box.count() - 1, ORDER_TIPS[key], Qt.ItemDataRole.ToolTipRole
            )
        self.order_box.setCurrentIndex(max(0, self.order_box.findData(order)))
        self.order_box.setAccessibleName("Sort photos by")
        sort_label = QLabel("&Sort by")
        sort_label.setBuddy(self.order_box)
        self.size_slider = QSlider(Qt.Orientation.Horizontal)
        self.size_slider.setRange(MIN_SIZE // STEP, MAX_SIZE // STEP)
        self.size_slider.setPageStep(2)
        self.size_slider.setValue(round(size / STEP))
        self.size_slider.setFixedWidth(110)
        self.size_slider.setAccessibleName("Thumbnail size")
        layout.addWidget(sort_label)
        layout.addWidget(self.order_box)
        layout.addSpacing(12)
        layout.addWidget(_square(8))
        layout.addWidget(self.size_slider)
        layout.addWidget(_square(14))
        self._show_size()
        self.size_slider.valueChanged.connect(self._size_moved)
        self.order_box.currentIndexChanged.connect(self._order_chosen)
        self.set_review(False)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        """No width of its own: the bar must not widen the photos' pane and squeeze the album
        list or the preview (their widths are kept); in a narrower pane its end is cut."""
        return QSize(0, super().minimumSizeHint().height())

    @property
    def thumbnail_size(self) -> int:
        return int(self.size_slider.value() * STEP)

    @property
    def order(self) -> str:
        return str(self.order_box.currentData())

    def set_review(self, review: bool) -> None:
        """The review pane lists the photos the model was least sure of first, whatever the
        albums are sorted by."""
        self.order_box.setEnabled(not review)
        self.order_box.setToolTip(
            "Review lists the photos Cene was least sure of first"
            if review
            else ORDER_TIPS[self.order]
        )

    def _order_chosen(self) -> None:
        self.order_box.setToolTip(ORDER_TIPS[self.order])
        self.order_changed.emit(self.order)

    def _size_moved(self) -> None:
        self._show_size()
        self.size_changed.emit(self.thumbnail_size)

    def _show_size(self) -> None:
        self.size_slider.setToolTip(f"Thumbnail size: {self.thumbnail_size} px")
