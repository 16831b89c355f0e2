"""Settings: the welcome on first start, the settings dialog, and keeping them on disk."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog

from cene_desktop.config import Settings, save_settings
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
        return SettingsDialog(window.settings, default, window, models=window.learner.model_store)

    def open(self) -> None:
        """Settings…: what the person changed takes effect on OK, a model version chosen
        included; Cancel leaves everything as it was."""
        dialog = self.dialog()
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        dialog.deleteLater()
        if accepted:
            self.apply(dialog.settings, dialog.chosen_version())

    def apply(self, settings: Settings, version: str | None) -> None:
        """Use ``settings`` and switch to model ``version`` (None: keep the one in use). The
        workers start again only when a setting changed (watching carries on)."""
        window = self.window
        before, window.settings = window.settings, settings
        self.save()
        if settings != before:
            window.stop_workers()
            window.start()
        if version is None:
            return
        if Path(settings.library_dir) != Path(before.library_dir):
            window.status.message(
                f"Model {version} was not put in use: it belongs to the library in "
                f"{before.library_dir}, and the albums now go in {settings.library_dir}.",
                15000,
            )
        elif settings != before:  # the learn worker starts once the library is open again
            self._switch_when_ready(version)
        else:
            window.learner.activate_version(version)

    def _switch_when_ready(self, version: str) -> None:
        window = self.window

        def switch() -> None:
            window.library_ready.disconnect(switch)
            window.learner.activate_version(version)

        window.library_ready.connect(switch)

    def save(self) -> None:
        """The settings, with the window's size, panes, album, the order its photos are in
        and the size of their thumbnails, on disk."""
        window = self.window
        geometry = bytes(window.saveGeometry().toBase64().data()).decode()
        panes = bytes(window.panes.saveState().toBase64().data()).decode()
        window.settings = replace(
            window.settings,
            window_geometry=geometry,
            panes=panes,
            album=window.current_album,
            thumbnail_size=window.grid_bar.thumbnail_size,
            photo_order=window.grid_bar.order,
        )
        try:
            save_settings(window.settings, window.settings_file)
        except OSError as error:
            window.status.message(f"Settings could not be saved: {error}", 10000)
