"""A new user's first hour, walked through in the real window on a real X server (Xvfb), with a
screenshot of each step (docs/screenshots/first-hour-*.png, shown in the README).

    xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python docs/screenshots/first_hour.py

A fresh home folder; a camera folder with scenes, photos of no scene (Pillow's test photos and
screenshots), a photo cut short in copying and an empty file. The steps: the welcome, its
Preview on top, sorting, the skipped files, the review pane by keyboard, the viewer, the photo
menu, new photos arriving while watching, Put back with its runs, Settings. Each step checks
what a person would see before it takes the picture, and stops with a message if it is not.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import take_screenshots as shots  # noqa: E402

from cene_desktop.config import Settings  # noqa: E402
from cene_desktop.core.albums import ALBUMS  # noqa: E402
from cene_desktop.core.pages import REVIEW  # noqa: E402
from cene_desktop.ui.dialogs.plan import PlanDialog  # noqa: E402
from cene_desktop.ui.dialogs.settings import WelcomeDialog  # noqa: E402
from cene_desktop.ui.main_window import MainWindow  # noqa: E402

pump, snap = shots.pump, shots.snap


def wait_for(app: QApplication, what: str, ready, seconds: float = 60) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not ready():
        if time.monotonic() > deadline:
            raise SystemExit(f"first hour: {what} did not happen within {seconds:.0f} s")
        pump(app, 0.1)


def camera_folder(workdir: Path) -> tuple[Path, int]:
    """Scenes, photos of no scene, one photo cut short, one empty file; returns the folder and
    how many photos Cene should sort."""
    photos = shots.camera_folder(workdir / "Camera", 6)
    count = len(list(photos.iterdir())) + shots.pillow_photos(photos)
    for shot in ("main-window.png", "welcome.png"):
        shutil.copyfile(HERE / shot, photos / f"Screenshot_{shot}")
        count += 1
    whole = next(iter(sorted((shots.SAMPLE / "sea").glob("*.jpg"))[30:])).read_bytes()
    (photos / "IMG_cut_short.jpg").write_bytes(whole[: len(whole) // 3])
    (photos / "IMG_empty.jpg").write_bytes(b"")
    return photos, count


def welcome(app: QApplication, window: MainWindow, photos: Path, library: Path) -> None:
    """Steps 1 and 2, inside the welcome's own event loop: the folders chosen, then Preview."""

    def walk() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, WelcomeDialog):
            QTimer.singleShot(100, walk)
            return
        dialog.move(380, 180)
        dialog.form.photos.setText(str(photos))
        dialog.form.library.setText(str(library))
        wait_for(app, "the welcome's count", lambda: "Cene will skip" in dialog.status.text())
        snap(app, "first-hour-1-welcome.png", dialog)
        dialog.preview_button.click()
        plan = next(iter(window.findChildren(PlanDialog)), None)
        assert plan is not None and plan.isVisible(), "Preview… showed no plan"
        wait_for(app, "the plan", lambda: "would be skipped" in plan.text.toPlainText(), 120)
        plan.move(430, 140)
        plan.raise_()
        snap(app, "first-hour-2-preview.png")
        plan.close()
        dialog.start_button.click()

    QTimer.singleShot(100, walk)
    assert window.run_welcome(), "the welcome was cancelled"


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="cene-first-hour-"))
    os.environ["HOME"] = str(workdir / "home")  # a new user: no settings, no library yet
    os.environ["XDG_CONFIG_HOME"] = str(workdir / "home" / ".config")
    os.environ["XDG_DATA_HOME"] = str(workdir / "home" / ".local" / "share")  # its trash too
    photos, count = camera_folder(workdir)
    library = workdir / "home" / "Pictures" / "Cene Albums"
    app = QApplication([sys.argv[0]])
    app.setApplicationName("Cene")
    window = MainWindow(Settings(), settings_file=workdir / "home" / "settings.json")
    window.setGeometry(0, 0, 1400, 900)
    window.show()
    pump(app, 1)

    welcome(app, window, photos, library)
    ready: list[bool] = []
    window.library_ready.connect(lambda: ready.append(True))
    window.start()
    wait_for(app, "the library opening", lambda: bool(ready))

    # 3. Sorting: the albums fill, the status bar tells of the photos sorted.
    total = lambda: sum(window.albums.counts[a] for a in ALBUMS)  # noqa: E731
    wait_for(app, f"sorting {count} photos", lambda: total() >= count, 180)
    shots.show_album(app, window, "Other", 0)
    snap(app, "first-hour-3-sorted.png")

    # 4. The files Cene skipped, and why.
    wait_for(app, "the skipped files", lambda: len(window.sorting.skipped) >= 2)
    skipped = window.sorting.show_skipped()
    skipped.move(380, 260)
    snap(app, "first-hour-4-skipped.png")
    skipped.close()

    # 5. Review by keyboard: the album and the guess under each photo; 4 files the first as
    # Mountain and the next one is selected, ready for the next key.
    shots.show_album(app, window, REVIEW)
    window.activateWindow()  # keys go to the active window (no window manager on Xvfb)
    window.raise_()
    pump(app, 0.3)
    window.grid.setFocus()
    window.grid.setCurrentIndex(window.grid_model.index(0))
    first = window.selected_ids()
    finished: list[bool] = []
    window.action_finished.connect(lambda: finished.append(True))
    QTest.keyClick(window.grid, Qt.Key.Key_4)
    wait_for(app, "the key's move", lambda: bool(finished))
    assert window.selected_ids() and window.selected_ids() != first, "nothing selected after 4"
    snap(app, "first-hour-5-review.png")

    # 6. Space: the photo large, with its facts.
    QTest.keyClick(window.grid, Qt.Key.Key_Space)
    viewer = window.browsing.viewer
    assert viewer is not None and viewer.isVisible(), "Space opened no viewer"
    viewer.setGeometry(0, 0, 1400, 900)
    snap(app, "first-hour-6-viewer.png")
    QTest.keyClick(viewer, Qt.Key.Key_Escape)

    # 7. The photo menu, Move to album open.
    shots.show_album(app, window, "Forest", 0)
    cell = window.grid.visualRect(window.grid_model.index(0)).center()
    window.editing.show_photo_menu(window.grid.viewport().mapToGlobal(cell))
    menu = window.editing.photo_menu
    assert menu is not None
    pump(app, 0.5)
    menu.setActiveAction(menu.move_menu.menuAction())
    menu.move_menu.popup(menu.mapToGlobal(QPoint(menu.width(), 60)))
    snap(app, "first-hour-7-menu.png")
    menu.move_menu.close()
    menu.close()

    # 8. Watching paused and started again (a run of its own for Put back), then new photos:
    # sorted as they land, and told of.
    window.sorting.set_watching(False)
    wait_for(app, "watching to pause", lambda: not window.sorting.watching)
    window.sorting.set_watching(True)
    wait_for(app, "watching to start", lambda: window.sorting.watching)
    before = total()
    for path in sorted((shots.SAMPLE / "glacier").glob("*.jpg"))[20:22]:
        shutil.copyfile(path, photos / f"IMG_new_{path.name}")
    wait_for(app, "the new photos", lambda: total() == before + 2)
    wait_for(app, "the notice", lambda: "new photos sorted" in window.statusBar().currentMessage())
    snap(app, "first-hour-8-arrived.png")

    # 9. Put back: the runs Cene sorted, and what stays.
    window.editing.offer_put_back()
    wait_for(app, "the put back dialog", lambda: window.editing.put_back_offer is not None)
    dialog = window.editing.put_back_offer
    assert dialog is not None and dialog.list.count() == 2, "Put back lists no second run"
    dialog.move(380, 220)
    snap(app, "first-hour-9-put-back.png", dialog)
    dialog.cancel_button.click()

    # 10. Settings (Ctrl+,): folders, the Other album, confidences in per cent.
    def settings_shot() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QDialog):
            QTimer.singleShot(100, settings_shot)
            return
        box.move(330, 120)
        snap(app, "first-hour-10-settings.png", box)
        box.reject()

    QTimer.singleShot(100, settings_shot)
    window.preferences.open()  # what Ctrl+, does (tested in tests/ui/test_menus_and_shortcuts.py)
    for box in window.findChildren(QMessageBox):
        box.close()
    window.close()
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
