"""The window on a HiDPI screen (two screen pixels per layout pixel): sharp thumbnails and preview.

Runs in a child process because the scale factor must be set before Qt starts.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from PIL import Image

from cene_desktop.core import fileops
from cene_desktop.core.catalog import Catalog
from cene_desktop.core.placement import Placer

HIDPI_DRIVER = r"""
import json, os, sys, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ["QT_SCALE_FACTOR"] = "2"  # a HiDPI screen
from pathlib import Path
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from cene_desktop.config import Settings
from cene_desktop.ui.main_window import MainWindow

app = QApplication([])
photos, library = Path(sys.argv[1]), Path(sys.argv[2])
window = MainWindow(
    Settings(photos_dir=str(photos), library_dir=str(library), watching=False),
    settings_file=library.parent / "settings.json",
)
window.show()
window.start()
window.album_view.setCurrentIndex(window.albums.index(window.albums.row_of("Unsorted")))
grid = window.grid_model
deadline = time.monotonic() + 60
while not grid._thumbnails and time.monotonic() < deadline:
    grid.data(grid.index(0), Qt.ItemDataRole.DecorationRole)
    app.processEvents()
    time.sleep(0.02)
pixmap = next(iter(grid._thumbnails.values()))
window.grid.setCurrentIndex(grid.index(0))
while window.preview.image.pixmap().isNull() and time.monotonic() < deadline:
    app.processEvents()
    time.sleep(0.02)
preview = window.preview.image.pixmap()
print(json.dumps({
    "ratio": window.devicePixelRatioF(),
    "loader": window.browsing.thumbnails.size,
    "pixels": [pixmap.width(), pixmap.height()],
    "layout": [pixmap.deviceIndependentSize().width(), pixmap.deviceIndependentSize().height()],
    "preview_ratio": preview.devicePixelRatio(),
    "preview_pixels": [preview.width(), preview.height()],
    "label": [window.preview.image.width(), window.preview.image.height()],
}))
window.close()
"""


def test_on_a_hidpi_screen_thumbnails_have_twice_the_pixels_at_the_same_size(
    tmp_path: Path,
) -> None:
    photos, library = tmp_path / "photos", tmp_path / "Albums"
    photos.mkdir()
    source = photos / "IMG_0001.jpg"
    Image.new("RGB", (1200, 900), (30, 120, 200)).save(source, quality=90)
    with Catalog.open(library) as catalog:  # a photo already in Unsorted
        placer = Placer(library, catalog)
        placer.ensure_albums()
        info = source.stat()
        placer.place(
            source,
            size=info.st_size,
            mtime_ns=info.st_mtime_ns,
            content_hash=fileops.content_hash_file(source),
            album="Unsorted",
            mode="move",
            run_id=None,
            details={"predicted": "sea", "confidence": 0.5, "probabilities": {"sea": 0.5}},
        )
    done = subprocess.run(
        [sys.executable, "-c", HIDPI_DRIVER, str(photos), str(library)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr[-3000:]
    shown = json.loads(done.stdout.strip().splitlines()[-1])
    assert shown["ratio"] == 2.0 and shown["loader"] == 320
    assert shown["pixels"] == [320, 240] and shown["layout"] == [160.0, 120.0]
    assert shown["preview_ratio"] == 2.0
    assert shown["preview_pixels"][0] > shown["label"][0]  # more pixels than layout pixels
