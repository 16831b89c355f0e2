"""The files Cene left where they are while sorting and watching, each with why (the status
bar's "N skipped" opens it); a file sorted later leaves the list."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cene_desktop.core.words import count_of


def reason_in_words(reason: str | None) -> str:
    """An outcome's reason as a sentence of its own ("Empty file (0 bytes)")."""
    text = (reason or "").strip() or "no reason given"
    return text[0].upper() + text[1:]


class SkippedDialog(QDialog):
    """The skipped files, file name, why and folder; Show in folder and Copy path act on the
    selected ones. Not modal: it follows the list while Cene keeps watching."""

    cleared = Signal()  # the person emptied the list

    COLUMNS = ("File", "Folder", "Why Cene skipped it")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Files Cene skipped")
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(list(self.COLUMNS))
        self.tree.setRootIsDecorated(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.tree.itemDoubleClicked.connect(lambda *_: self.show_in_folder())
        self.tree.itemSelectionChanged.connect(self._selection_changed)
        #: The selected file's whole path and reason (a long one is cut short in the list).
        self.detail = QLabel(" ")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note = QLabel(" ")
        self.note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.folder_button = QPushButton("Show in folder")
        self.copy_button = QPushButton("Copy path")
        self.clear_button = QPushButton("Clear list")
        self.clear_button.setToolTip("Empty the list; files skipped again are listed again")
        for button in (self.folder_button, self.copy_button, self.clear_button):
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        self.folder_button.clicked.connect(self.show_in_folder)
        self.copy_button.clicked.connect(self.copy_paths)
        self.clear_button.clicked.connect(self.cleared)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.detail)
        layout.addWidget(self.note)
        layout.addWidget(buttons)
        self.resize(860, 400)
        self.show_files({})

    def show_files(self, skipped: Mapping[Path, str]) -> None:
        """The list afresh (``skipped``: each file and why), keeping the selection."""
        chosen = set(self.selected_paths())
        self.tree.clear()
        for path, reason in skipped.items():
            why = reason_in_words(reason)
            item = QTreeWidgetItem([path.name, str(path.parent), why])
            item.setData(0, Qt.ItemDataRole.UserRole, str(path))
            for column, tip in enumerate((str(path), str(path.parent), why)):
                item.setToolTip(column, tip)
            self.tree.addTopLevelItem(item)
            item.setSelected(path in chosen)
        if skipped:
            self.heading.setText(
                f"Cene left {count_of(len(skipped), 'file')} where "
                f"{'it is' if len(skipped) == 1 else 'they are'}, untouched. Once a file is "
                "fixed (or has finished copying), save it again and Cene sorts it."
            )
        else:
            self.heading.setText("No files skipped: every file Cene found was sorted.")
        self.tree.resizeColumnToContents(0)
        self.tree.resizeColumnToContents(1)
        self.tree.setColumnWidth(1, min(self.tree.columnWidth(1), 240))
        self.clear_button.setEnabled(bool(skipped))
        self._selection_changed()

    def selected_paths(self) -> list[Path]:
        return [Path(item.data(0, Qt.ItemDataRole.UserRole)) for item in self.tree.selectedItems()]

    def _selection_changed(self) -> None:
        items = self.tree.selectedItems()
        self.folder_button.setEnabled(bool(items))
        self.copy_button.setEnabled(bool(items))
        if len(items) == 1:
            path = items[0].data(0, Qt.ItemDataRole.UserRole)
            self.detail.setText(f"{path}\n{items[0].text(2)}.")
        else:
            self.detail.setText(f"{count_of(len(items), 'file')} selected." if items else " ")

    def show_in_folder(self) -> None:
        paths = self.selected_paths()
        if not paths:
            return
        folder = paths[0].parent
        if not folder.is_dir():
            self.note.setText(f"The folder {folder} is not there any more.")
        elif QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            self.note.setText(f"Opened {folder}.")
        else:
            self.note.setText(
                f"No file manager could be opened for {folder}. Copy path puts it on the clipboard."
            )

    def copy_paths(self) -> None:
        paths = self.selected_paths()
        if paths:
            QGuiApplication.clipboard().setText("\n".join(str(path) for path in paths))
            self.note.setText(
                f"Copied {'the path' if len(paths) == 1 else count_of(len(paths), 'path')}."
            )
