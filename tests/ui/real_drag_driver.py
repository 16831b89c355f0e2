"""Run by test_real_drag.py under Xvfb: the real window on the xcb platform, real mouse drags by
xdotool from a thumbnail (1) onto another album, (2) onto the window's own preview pane, (3) onto
another program's window. Prints a JSON line with what happened."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication, QWidget

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


def drag(source: QPoint, target: QPoint) -> subprocess.Popen[bytes]:
    """A real mouse drag, in steps. Asynchronous: the drag's own event loop must keep running
    while xdotool moves the mouse."""
    steps = ["mousemove", str(source.x()), str(source.y()), "mousedown", "1"]
    for fraction in (0.02, 0.1, 0.3, 0.6, 0.9, 1.0):
        point = source + (target - source) * fraction
        steps += ["sleep", "0.15", "mousemove", str(point.x()), str(point.y())]
    steps += ["sleep", "0.3", "mouseup", "1"]
    return subprocess.Popen(["xdotool", *steps])


def centre(widget: QWidget) -> QPoint:
    return widget.mapToGlobal(widget.rect().center())


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def drags_out_of_the_album_list(  # type: ignore[no-untyped-def]
    app: QApplication, window, photos: Path, workdir: Path
) -> dict[str, object]:
    """A thumbnail let go over the window's preview pane, then over another program."""
    wait_until(app, lambda: window.grid_model.rowCount() >= 1, 10)
    wait_until(app, lambda: False, 0.5)
    thumbnail = window.grid.viewport().mapToGlobal(
        window.grid.visualRect(window.grid_model.index(0)).center()
    )
    dragging = drag(thumbnail, centre(window.preview))
    wait_until(app, lambda: dragging.poll() is not None, 30)
    wait_until(app, lambda: False, 2.0)  # time for an import to show up, if one were made
    onto_preview = sorted(p.name for p in photos.iterdir())

    photo = window.grid_model.photo(0)
    library_file = window.grid_model.path_of(photo)
    before = digest(library_file)
    elsewhere = workdir / "elsewhere"
    elsewhere.mkdir()
    record = workdir / "dropped.json"
    other = subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).with_name("drop_target.py")),
            str(record),
            str(elsewhere),
            "1000",
            "560",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert other.stdout is not None and other.stdout.readline().strip() == "ready"
    dragging = drag(thumbnail, QPoint(1130, 670))
    wait_until(app, lambda: dragging.poll() is not None and other.poll() is not None, 30)
    if other.poll() is None:
        other.kill()
    dropped = json.loads(record.read_text()) if record.exists() else {}
    copy = elsewhere / library_file.name
    return {
        "onto_preview_photo_folder": onto_preview,
        "dropped": dropped,
        "library_file": str(library_file),
        "library_file_intact": library_file.exists() and digest(library_file) == before,
        "copy_intact": copy.exists() and digest(copy) == before,
        "photo_folder_after": sorted(p.name for p in photos.iterdir()),
    }


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
    dragging = drag(source, target)
    ok = wait_until(app, lambda: bool(finished) and dragging.poll() is not None, 30)
    catalog = Catalog.open(library)
    moved = catalog.photo(photo.id)
    catalog.close()
    report: dict[str, object] = {
        "finished": ok,
        "photo": photo.current_path,
        "now": moved.current_path if moved else None,
        "album": moved.album if moved else None,
        "corrected": bool(moved and moved.corrected),
        "from": [source.x(), source.y()],
        "to": [target.x(), target.y()],
    }
    if ok:
        report |= drags_out_of_the_album_list(app, window, photos, workdir)
        catalog = Catalog.open(library)
        report["catalog_paths"] = sorted(p.current_path for p in catalog.photos())
        catalog.close()
    print(json.dumps(report), flush=True)
    window.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
