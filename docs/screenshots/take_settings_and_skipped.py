"""Screenshots of the settings dialog with a model version chosen, and of the list of files
Cene skipped while watching, on a real X server (Xvfb), for the README.

    xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python \
        docs/screenshots/take_settings_and_skipped.py

Uses take_screenshots.py's helpers (its own shots of the learning go to a temporary folder).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import take_screenshots as shots  # noqa: E402


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="cene-shots-"))
    out = shots.OUT
    shots.OUT = workdir  # learn() takes shots of its own: not these
    app = QApplication([sys.argv[0]])
    app.setApplicationName("Cene")
    photos = shots.camera_folder(workdir / "Camera Import", 6)
    window = shots.open_window(app, photos, workdir / "Albums", workdir / "settings.json")
    shots.wait_until_sorted(app, window, 36)
    shots.learn(app, window)
    for box in window.findChildren(QMessageBox):
        box.close()
    shots.OUT = out

    dialog = window.settings_dialog()
    dialog.resize(820, 640)
    dialog.move(290, 120)
    dialog.show()
    panel = dialog.versions
    assert panel is not None
    panel.tree.setCurrentItem(panel.tree.topLevelItem(0))
    panel.use_button.click()  # the shipped model, chosen: it would be used after OK
    shots.snap(app, "settings-versions.png", dialog)
    dialog.reject()

    sample = next(sorted(folder.glob("*.jpg"))[35] for folder in sorted(shots.SAMPLE.iterdir()))
    whole = sample.read_bytes()
    (photos / "IMG_0042.jpg").write_bytes(whole[: len(whole) // 3])
    (photos / "IMG_0043.jpg").write_bytes(b"")
    (photos / "receipt.jpg").write_text("Saved from a mail program under the wrong name")
    deadline = time.monotonic() + 60
    while len(window.sorting.skipped) < 3 and time.monotonic() < deadline:
        shots.pump(app, 0.2)
    for folder in sorted(shots.SAMPLE.iterdir())[:3]:
        path = sorted(folder.glob("*.jpg"))[36]
        shutil.copyfile(path, photos / f"IMG_new_{path.name}")
    shots.pump(app, 1.0)
    shots.show_album(app, window, "Buildings")
    window.status.skipped_button.click()
    listed = window.sorting.skipped_dialog
    assert listed is not None
    listed.move(330, 220)
    listed.tree.topLevelItem(0).setSelected(True)
    listed.setFocus(Qt.FocusReason.OtherFocusReason)
    shots.pump(app, 3.5)  # the arrival notice is in the status bar by now
    shots.snap(app, "skipped-files.png")
    window.close()
    shutil.rmtree(workdir)


if __name__ == "__main__":
    main()
