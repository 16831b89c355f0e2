"""A screenshot of the window on a library of 100,000 generated photos, on a real X server
(Xvfb), for the README.

    xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python docs/screenshots/take_large_library.py

The library is made by ``benchmarks/large_library.py``'s generator (small JPEGs in the album
folders and the catalog rows a sort would have written, each photo judged a scene by the gate)
in a temporary folder, removed after.
"""

from __future__ import annotations

import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path

from PySide6.QtWidgets import QApplication

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

import take_screenshots as shots  # noqa: E402

from benchmarks.large_library import generate  # noqa: E402

PHOTOS = 100_000


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="cene-shots-"))
    try:
        library = workdir / "Albums"
        counts = generate(library, PHOTOS)
        # As the scene gate would have judged them (the generator writes the rows of a library
        # sorted before the gate, which the window offers to re-check): all scenes.
        with sqlite3.connect(library / ".cene" / "catalog.db") as db:
            db.execute("UPDATE photos SET scene_probability = 0.95")
        largest = max(counts, key=counts.__getitem__)
        photos = workdir / "Camera Import"
        photos.mkdir()
        app = QApplication([sys.argv[0]])
        app.setApplicationName("Cene")
        window = shots.open_window(app, photos, library, workdir / "settings.json")
        shots.show_album(app, window, largest)
        shots.pump(app, 5)  # the first screen of thumbnails
        shots.snap(app, "large-library.png")
        window.close()
    finally:
        shutil.rmtree(workdir)


if __name__ == "__main__":
    main()
