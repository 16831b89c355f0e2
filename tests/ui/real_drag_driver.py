"""Run by test_real_drag.py under Xvfb: the real window on the xcb platform, a real mouse drag
by xdotool from a thumbnail onto another album. Prints a JSON line with what happened."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from PySide6.QtWidgets import QApplication

from cene_desktop.config import Settings
from cene_desktop.core.catalog import Catalog
from cene_desktop.ui.main_window import MainWindow


def wait_until(app: QApplication, condition, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        app.processEvents()
        time.sleep(0.02)
    return True


def main() -> int:
    workdir, sample = Path(sys.argv[1]), Path(sys.argv[2])
    photos, library = workdir / "photos", workdir / "Albums"
    photos.mkdir(parents=True)
    app = QApplication([sys.argv[0]])
    settings = Settings(photos_dir=str(photos), library_dir=str(library), threshold=0.0)
    window = MainWindow(settings, settings_file=workdir / "settings.json")
    window.move(0, 0)
    window.show()
    window.start()
    # A person copies photos into the watched folder...
    for path in sorted((sample / "sea").glob("*.jpg"))[:4]:
        shutil.copyfile(path, photos / path.name)
    assert wait_until(app, lambda: window.albums.counts["Sea"] >= 2, 60), "photos never sorted"
    window.album_view.setCurrentIndex(window.albums.index(window.albums.row_of("Sea")))
    assert wait_until(app, lambda: window.grid_model.rowCount() >= 2, 10)
    photo = window.grid_model.photo(0)
    wait_until(app, lambda: False, 1.0)  # let the window settle and paint
    source = window.grid.viewport().mapToGlobal(
        window.grid.visualRect(window.grid_model.index(0)).center()
    )
    row = window.albums.index(window.albums.row_of("Mountain"))
    target = window.album_view.viewport().mapToGlobal(window.album_view.visualRect(row).center())
    finished: list[bool] = []
    window.action_finished.connect(lambda: finished.append(True))
    steps = ["mousemove", str(source.x()), str(source.y()), "mousedown", "1"]
    for fraction in (0.02, 0.1, 0.3, 0.6, 0.9, 1.0):
        point = source + (target - source) * fraction
        steps += ["sleep", "0.15", "mousemove", str(point.x()), str(point.y())]
    steps += ["sleep", "0.3", "mouseup", "1"]
    # Asynchronous: the drag's own event loop must keep running while xdotool moves the mouse.
    dragging = subprocess.Popen(["xdotool", *steps])
    ok = wait_until(app, lambda: bool(finished) and dragging.poll() is not None, 30)
    catalog = Catalog.open(library)
    moved = catalog.photo(photo.id)
    catalog.close()
    print(
        json.dumps(
            {
                "finished": ok,
                "photo": photo.current_path,
                "now": moved.current_path if moved else None,
                "album": moved.album if moved else None,
                "corrected": bool(moved and moved.corrected),
                "from": [source.x(), source.y()],
                "to": [target.x(), target.y()],
            }
        )
    )
    window.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
