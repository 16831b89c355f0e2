"""The review bar: what the review pane lists, in words, and its filters."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from cene_desktop.core.library import CONFUSABLE_PAIRS
from cene_desktop.core.pages import NOT_A_SCENE, SUGGESTIONS

NOT_A_SCENE_LABEL = "Not a scene?"
KEYS_HINT = "Keys 1–6, 0 = Other, Enter = looks right; or drag onto an album"
KEYS_TOOLTIP = (
    "Drag photos onto an album, or press 1–6 (Buildings … Street) or 0 (Other); "
    "Enter says the album is right."
)


class ReviewBar(QWidget):
    """Above the review pane: its filters (all, a confusable pair, not a scene?, suggestions),
    the button that accepts suggestions, and a line saying what is listed and which keys sort
    it."""

    #: The filter chosen: a confusable pair ("mountain or glacier?"), SUGGESTIONS,
    #: NOT_A_SCENE, or "" for all.
    filter_chosen = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        rows = QVBoxLayout(self)
        rows.setContentsMargins(0, 0, 0, 0)
        layout, second = QHBoxLayout(), QHBoxLayout()  # the filters; the button and key hint
        rows.addLayout(layout)
        rows.addLayout(second)
        self.filters = QButtonGroup(self)
        labels = ("All", *[name.capitalize() for name in CONFUSABLE_PAIRS], NOT_A_SCENE_LABEL)
        for label in (*labels, "Suggestions"):
            button = QPushButton(label)
            button.setCheckable(True)
            button.setChecked(label == "All")
            self.filters.addButton(button)
            layout.addWidget(button)
        layout.addStretch(1)
        # On a row of its own with the hint: showing it does not make the window wider.
        self.accept_button = QPushButton("Move to suggested albums")
        self.accept_button.setToolTip("Move the selected photos where Cene now suggests")
        self.accept_button.setVisible(False)
        second.addWidget(self.accept_button)
        self.hint = hint = QLabel()
        hint.setStyleSheet("color: #666;")
        # The hint gives way (cut short) rather than squeezing the album list.
        hint.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        hint.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        second.addWidget(hint, 1)
        self.show_detail("")
        self.filters.buttonClicked.connect(self._clicked)
        self.setVisible(False)

    def show_detail(self, detail: str) -> None:
        """What the pane lists and why (the page's detail), then the keys; the whole of both
        in the tooltip, should the line be cut short."""
        self.detail = detail
        self.hint.setText(f"{detail} {KEYS_HINT}." if detail else KEYS_HINT)
        self.hint.setToolTip(f"{detail}\n{KEYS_TOOLTIP}" if detail else KEYS_TOOLTIP)

    def _clicked(self, button: QPushButton) -> None:
        text = NOT_A_SCENE if button.text() == NOT_A_SCENE_LABEL else button.text().lower()
        known = text in CONFUSABLE_PAIRS or text in (SUGGESTIONS, NOT_A_SCENE)
        self.filter_chosen.emit(text if known else "")
