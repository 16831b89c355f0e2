"""The heading above the photos: the album or review page in words, and how many photos are
selected. One line, cut short with "…" (the whole text in its tooltip) when the window is
narrow, so it never wraps, pushes the review buttons down or squeezes the album list."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QSizePolicy


class Heading(QLabel):
    def __init__(self) -> None:
        super().__init__()
        self.setStyleSheet("font-size: 14pt; font-weight: bold;")
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self._page = ""
        self._selected = 0

    def show_page(self, heading: str) -> None:
        self._page = heading
        self._update()

    def show_selected(self, count: int) -> None:
        self._selected = count
        self._update()

    def _update(self) -> None:
        text = self._page
        if self._selected > 1:
            text += f" · {self._selected:,} selected"
        self.setText(text)
        self.setToolTip(text)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        shown = self.fontMetrics().elidedText(
            self.text(), Qt.TextElideMode.ElideRight, self.width()
        )
        painter.drawText(
            self.rect(), int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), shown
        )
