"""What the window asks or tells a person in a box of its own, never blocking the window."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox, QWidget


def tell(parent: QWidget, message: str, warning: bool = False) -> QMessageBox:
    """A message in a box of its own (the window stays usable), shown."""
    icon = QMessageBox.Icon.Warning if warning else QMessageBox.Icon.Information
    box = QMessageBox(icon, "Cene", message, parent=parent)
    box.setWindowModality(Qt.WindowModality.NonModal)
    box.show()
    return box


def offer_recheck(
    parent: QWidget, title: str, text: str, question: str, recheck: Callable[[], None]
) -> QMessageBox:
    """A non-modal offer to re-check the albums ("Re-check albums" / "Not now"), shown."""
    box = QMessageBox(QMessageBox.Icon.Information, title, "", parent=parent)
    box.setText(text)
    box.setInformativeText(question)
    accept = box.addButton("Re-check albums", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Not now", QMessageBox.ButtonRole.RejectRole)
    box.setWindowModality(Qt.WindowModality.NonModal)
    box.buttonClicked.connect(lambda button: recheck() if button is accept else None)
    box.show()
    return box


def offer_viewer(parent: QWidget, text: str, more: str, view: Callable[[], None]) -> QMessageBox:
    """Say that no other program could open a photo, offering Cene's viewer, shown."""
    box = QMessageBox(QMessageBox.Icon.Information, "Cene", text, parent=parent)
    box.setInformativeText(more)
    accept = box.addButton("Show in Cene's viewer", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Close)
    box.setDefaultButton(accept)
    box.setWindowModality(Qt.WindowModality.NonModal)
    box.buttonClicked.connect(lambda button: view() if button is accept else None)
    box.show()
    return box


def tell_folder(parent: QWidget, text: str, folder: str) -> QMessageBox:
    """Say where a folder is when no file manager could show it ("Copy path" puts it on the
    clipboard / Close), shown."""
    box = QMessageBox(QMessageBox.Icon.Information, "Cene", text, parent=parent)
    box.setInformativeText(folder)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    accept = box.addButton("Copy path", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Close)
    box.setWindowModality(Qt.WindowModality.NonModal)
    box.buttonClicked.connect(
        lambda button: QGuiApplication.clipboard().setText(folder) if button is accept else None
    )
    box.show()
    return box
