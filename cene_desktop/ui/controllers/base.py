"""What every controller of the window has: the window it serves and its status bar."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

if TYPE_CHECKING:
    from cene_desktop.ui.main_window import MainWindow


class Controller(QObject):
    """A QObject of the GUI thread: workers' signals connected to its methods run there."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.status = window.status
