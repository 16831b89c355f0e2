"""Starting the window: application set-up, first-start welcome, and the crash dialog."""

from __future__ import annotations

import logging
import sys
import time
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from cene_desktop import __version__
from cene_desktop.assets import asset_path
from cene_desktop.config import load_settings
from cene_desktop.logs import log_path, setup_logging
from cene_desktop.ui.main_window import MainWindow

log = logging.getLogger(__name__)


shown_crash_dialogs: list[QMessageBox] = []


def install_crash_dialog(app: QApplication) -> None:
    """An unexpected exception is logged and shown with the log's path; the app keeps running."""

    def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            app.quit()
            return
        log.error("Unexpected error:\n%s", "".join(traceback.format_exception(kind, error, tb)))
        box = QMessageBox(QMessageBox.Icon.Critical, "Cene ran into a problem", "")
        box.setText(
            f"Something went wrong: {error}\n\nCene keeps running. Details are in the log "
            f"file:\n{log_path()}"
        )
        box.show()
        shown_crash_dialogs.append(box)  # a reference keeps it alive while it is shown

    sys.excepthook = hook


def run_app(argv: list[str], settings_file: Path | None = None) -> int:
    started = time.perf_counter()
    setup_logging(console=False)
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0], *argv])
    app.setApplicationName("Cene")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("cene")
    app.setWindowIcon(QIcon(str(asset_path("icons", "cene.png"))))
    install_crash_dialog(app)
    settings = load_settings(settings_file)
    window = MainWindow(settings, settings_file)
    window.show()
    log.info("Window shown %.3f s after start-up", time.perf_counter() - started)

    def begin() -> None:
        if not window.settings.configured and not window.run_welcome():
            window.statusBar().showMessage("Choose a photo folder in Settings to start.")
            return
        window.start()

    QTimer.singleShot(0, begin)
    return int(app.exec())
