"""Worker threads answering the GUI thread thousands of times must not crash the process.

PySide6 6.12.0 corrupts Python reference counts when signals are emitted from worker threads
("Fatal Python error: bool_dealloc"): scrolling a large album killed the window. The check runs
in a child process, since the failure is a hard abort, not an exception.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from PIL import Image

DRIVER = r"""
import os, sys, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from pathlib import Path
from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QApplication
from cene_desktop.ui.worker import ThumbnailLoader

app = QApplication([])
library = Path(sys.argv[1])
photos = sorted(library.glob("*.jpg"))

class Counter(QObject):
    def __init__(self):
        super().__init__()
        self.made = self.failed = 0

    @Slot(str, object)
    def ready(self, key, image):
        if image.isNull():
            self.failed += 1
        else:
            self.made += 1

counter = Counter()
for round_ in range(3):  # the first round makes the thumbnails, later ones read the cache
    loader = ThumbnailLoader(library)
    loader.ready.connect(counter.ready)
    for index, photo in enumerate(photos):
        loader.request(f"{round_}-{index}", photo)
        if index % 25 == 0:
            app.processEvents()
    deadline = time.monotonic() + 120
    while counter.made + counter.failed < (round_ + 1) * len(photos):
        app.processEvents()
        assert time.monotonic() < deadline, "thumbnails stopped arriving"
    loader.wait()
print("made", counter.made, "failed", counter.failed, flush=True)
"""


def test_thousands_of_thumbnails_from_the_thread_pool_do_not_crash_the_window(
    tmp_path: Path,
) -> None:
    library = tmp_path / "Albums"
    library.mkdir()
    for index in range(1500):
        Image.new("RGB", (32, 24), (index % 256, index // 7 % 256, 90)).save(
            library / f"IMG_{index:05d}.jpg", quality=70
        )
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, str(library)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["made", "4500", "failed", "0"], done.stdout + done.stderr


def test_thumbnails_show_even_when_the_library_cannot_store_them(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from cene_desktop.ui.worker import ThumbnailLoader

    library = tmp_path / "Albums"
    (library / ".cene").mkdir(parents=True)
    # Where the cache folder should be there is a file: every write fails, as on a full disk.
    (library / ".cene" / "thumbnails").write_bytes(b"")
    photo = library / "photo.jpg"
    Image.new("RGB", (640, 480), (200, 40, 40)).save(photo)
    loader = ThumbnailLoader(library)
    with qtbot.waitSignal(loader.ready, timeout=10_000) as ready:
        loader.request("a" * 64, photo)
    key, image = ready.args
    assert key == "a" * 64 and not image.isNull()
    assert (image.width(), image.height()) == (160, 120)
    assert image.pixelColor(80, 60).red() > 150  # the photo, not a placeholder
    loader.wait()
