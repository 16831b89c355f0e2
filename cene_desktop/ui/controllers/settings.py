"""Settings: the welcome on first start, the settings dialog, and keeping them on disk."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog

from cene_desktop.config import save_settings
from cene_desktop.ui.dialogs.settings import SettingsDialog, WelcomeDialog

if TYPE_CHECKING:
    from cene_desktop.ui.main_window import MainWindow


class SettingsController:
    def __init__(self, window: MainWindow) -> None:
        self.window = window

    def run_welcome(self) -> bool:
        """The first start: where the photos are and where the albums go. False: cancelled."""
        window = self.window
        dialog = WelcomeDialog(window.settings, window)
        dialog.preview_requested.connect(lambda chosen: window.sorting.preview_plan(chosen, dialog))
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        window.settings = replace(dialog.settings, watching=True)
        self.save()
        return True

    def dialog(self) -> SettingsDialog:
        window = self.window
        default = window.model_info.default_threshold if window.model_info else 0.8
        learner = window.learner
        dialog = SettingsDialog(
            window.settings,
            default,
            window,
            models=learner.model_store,
            activate=learner.activate_version,
        )
        if dialog.versions is not None:  # shows the switch once the learn worker has made it
            learner.version_activated.connect(dialog.versions.reload)
        return dialog

    def open(self) -> None:
        dialog = self.dialog()
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.window.settings = dialog.settings
        self.save()
        self.window.stop_workers()
        self.window.start()

    def save(self) -> None:
        """The settings, with the window's size, panes and album, on disk."""
        window = self.window
        geometry = bytes(window.saveGeometry().toBase64().data()).decode()
        panes = bytes(window.panes.saveState().toBase64().data()).decode()
        window.settings = replace(
            window.settings, window_geometry=geometry, panes=panes, album=window.current_album
        )
        try:
            save_settings(window.settings, window.settings_file)
        except OSError as error:
            window.status.message(f"Settings could not be saved: {error}", 10000)
