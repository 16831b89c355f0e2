"""The menu bar, where people look for what a desktop app does and its standard shortcuts:
File (import, settings, quit), Edit (undo, put back, select all), View (full screen, open,
show in folder), Library (watching, learning), Help (the log file, about)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox

from cene_desktop import __version__
from cene_desktop.core.scanner import PHOTO_SUFFIXES
from cene_desktop.logs import log_path

if TYPE_CHECKING:
    from cene_desktop.ui.main_window import MainWindow


class Menus:
    """The window's menu bar; built once the controllers exist (its entries call them)."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.full_screen_action = _build(window, self._full_screen)

    def _full_screen(self) -> None:
        window = self.window
        if window.isFullScreen():
            window.showNormal()
        else:
            window.showFullScreen()
        self.full_screen_action.setChecked(window.isFullScreen())


def _build(window: MainWindow, full_screen: Callable[[], None]) -> QAction:
    """Fills the menu bar; returns the full-screen entry (checked while full screen)."""
    bar, tools = window.menuBar(), window.toolbar

    def action(
        menu: QMenu,
        text: str,
        slot: Callable[[], object],
        keys: QKeySequence | QKeySequence.StandardKey | str = "",
    ) -> QAction:
        item = menu.addAction(text)
        item.triggered.connect(slot)
        if keys:
            item.setShortcut(QKeySequence(keys))
        return item

    files = bar.addMenu("&File")
    action(files, "&Import photos…", lambda: _import(window), "Ctrl+O")
    files.addSeparator()
    # Ctrl+, is Settings in most desktop apps; Qt knows it as Preferences only on some.
    action(files, "&Settings…", window.preferences.open, "Ctrl+,")
    files.addSeparator()
    action(files, "&Quit", window.close, "Ctrl+Q")

    edit = bar.addMenu("&Edit")
    edit.addAction(tools.undo_action)
    edit.addAction(tools.put_back_action)
    edit.addSeparator()
    action(edit, "Select &all", window.grid.selectAll, "Ctrl+A")
    action(edit, "Looks &right (Enter)", window.confirm_selected)
    trash = action(edit, "Move to &Trash", window.editing.trash_selected)
    trash.setShortcut(QKeySequence.StandardKey.Delete)
    trash.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)  # the grid's own Delete acts
    # Wherever the focus is (the album list, the details pane): no field of the window edits
    # text with Ctrl+Shift+C.
    action(edit, "&Copy path", window.editing.copy_paths, "Ctrl+Shift+C")

    view = bar.addMenu("&View")
    full_screen_action = action(view, "&Full screen", full_screen, "F11")
    full_screen_action.setCheckable(True)
    view.addSeparator()
    action(view, "&View photo (Space)", window.browsing.view_selected)
    view.addAction(tools.open_action)
    view.addAction(tools.folder_action)

    library = bar.addMenu("&Library")
    library.addAction(tools.pause_action)
    library.addAction(tools.improve_action)
    action(library, "Re-check the albums", lambda: window.learner.start_learning(recheck=True))

    help_menu = bar.addMenu("&Help")
    action(
        help_menu,
        "Open the &log file",
        lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(log_path()))),
    )
    action(help_menu, "&About Cene", lambda: _about(window))
    return full_screen_action


def _import(window: MainWindow) -> None:
    """Copy photos chosen in a file dialog into the photo folder, where watching sorts them."""
    patterns = " ".join(f"*{s} *{s.upper()}" for s in sorted(PHOTO_SUFFIXES))
    names, _ = QFileDialog.getOpenFileNames(
        window, "Import photos into the photo folder", "", f"Photos ({patterns});;All files (*)"
    )
    if names:
        window.editing.import_files(names)


def _about(window: MainWindow) -> None:
    QMessageBox.about(
        window,
        "About Cene",
        f"<b>Cene {__version__}</b><br>Sorts the photos of a folder into albums by scene "
        "(buildings, forest, glacier, mountain, sea, street), photos of no scene into Other, "
        "with a model that runs on this computer.",
    )
