"""The toolbar: watching, undo (and put back), open, show in folder, improve, settings."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QStyle, QToolBar, QToolButton, QWidget


class Toolbar(QToolBar):
    """The window's toolbar; its actions are attributes, connected by the window."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__("Main", parent)
        self._style = parent.style()
        self.setMovable(False)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        icon = parent.style().standardIcon
        pixmap = QStyle.StandardPixmap
        # Says what it will do; nothing to watch until there is a photo folder (set up).
        self.pause_action = QAction(icon(pixmap.SP_MediaPlay), "Start watching", parent)
        self.pause_action.setEnabled(False)
        self.undo_action = QAction(icon(pixmap.SP_ArrowBack), "Undo", parent)
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.undo_action.setToolTip("Undo the last correction or move to the trash (Ctrl+Z)")
        self.open_action = QAction(icon(pixmap.SP_FileIcon), "Open photo", parent)
        self.folder_action = QAction(icon(pixmap.SP_DirOpenIcon), "Show in folder", parent)
        self.improve_action = QAction(icon(pixmap.SP_BrowserReload), "Improve the model", parent)
        self.improve_action.setToolTip(
            "Learn from the photos you corrected or confirmed (Cene also does this by itself "
            "after a number of corrections: see Settings)"
        )
        self.settings_action = QAction(icon(pixmap.SP_FileDialogDetailedView), "Settings", parent)
        self.put_back_action = QAction("Put back the last sorted photos…", parent)
        self.put_back_action.setToolTip(
            "Undo the last sorting: the photos go back to the folder they came from"
        )
        for action in (self.pause_action, self.undo_action, self.open_action, self.folder_action):
            self.addAction(action)
        undo_menu = QMenu(parent)
        undo_menu.addAction(self.undo_action)
        undo_menu.addAction(self.put_back_action)
        undo_button = self.widgetForAction(self.undo_action)
        assert isinstance(undo_button, QToolButton)
        undo_button.setMenu(undo_menu)
        undo_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.addSeparator()
        self.addAction(self.improve_action)
        self.addAction(self.settings_action)

    def show_watching(self, on: bool) -> None:
        """What the watching button does next: pause, or start."""
        icon = self._style.standardIcon
        if on:
            self.pause_action.setText("Pause watching")
            self.pause_action.setIcon(icon(QStyle.StandardPixmap.SP_MediaPause))
        else:
            self.pause_action.setText("Start watching")
            self.pause_action.setIcon(icon(QStyle.StandardPixmap.SP_MediaPlay))
