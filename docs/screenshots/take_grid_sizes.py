"""A screenshot of the grid with small thumbnails, sorted by date taken, on a real X server
(Xvfb), for the README.

    xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python docs/screenshots/take_grid_sizes.py

Uses take_screenshots.py's helpers; the camera photos get dates taken (EXIF DateTimeOriginal),
a few of them none, as scans and screenshots have.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from PIL import Image
from PySide6.QtWidgets import QApplication

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import take_screenshots as shots  # noqa: E402

from cene_desktop.core.catalog.photos import BY_TAKEN  # noqa: E402


def date_photos(photos: Path) -> int:
    """Dates taken over a few summers, every seventh photo without one. Returns how many."""
    paths = sorted(photos.glob("*.jpg"))
    for index, path in enumerate(paths):
        with Image.open(path) as image:
            exif = image.getexif()
            if index % 7 != 3:
                day = 1 + (index * 11) % 28
                exif.get_ifd(0x8769)[0x9003] = (
                    f"20{18 + index % 6}:07:{day:02d} 1{index % 10}:00:00"
                )
            image.load()
            picture = image.copy()
        picture.save(path, exif=exif, quality=92)
    return len(paths)


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="cene-shots-"))
    app = QApplication([sys.argv[0]])
    app.setApplicationName("Cene")
    staging = shots.camera_folder(workdir / "staging", 12)
    count = date_photos(staging)
    photos = workdir / "Camera Import"
    photos.mkdir()
    window = shots.open_window(app, photos, workdir / "Albums", workdir / "settings.json")
    for path in sorted(staging.iterdir()):
        shutil.move(path, photos / path.name)
    shots.wait_until_sorted(app, window, count)
    bar = window.grid_bar
    bar.order_box.setCurrentIndex(bar.order_box.findData(BY_TAKEN))
    bar.size_slider.setValue(96 // 16)
    shots.show_album(app, window, "Forest", row=2)
    shots.snap(app, "grid-sizes.png")
    window.close()
    shutil.rmtree(workdir)


if __name__ == "__main__":
    main()
