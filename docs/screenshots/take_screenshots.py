"""Screenshots of the real window on a real X server (Xvfb), for the README.

    xvfb-run -s "-screen 0 1400x900x24" .venv/bin/python docs/screenshots/take_screenshots.py

(``... take_screenshots.py other``: only the Other album's and Review's "Not a scene?".)

Sorts sample photos into a temporary library with the real model, then captures the whole X
screen with ImageMagick's ``import`` (apt-get install imagemagick) at a few moments.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from cene_desktop.config import Settings  # noqa: E402
from cene_desktop.core.albums import ALBUMS  # noqa: E402
from cene_desktop.core.pages import REVIEW  # noqa: E402
from cene_desktop.ui.dialogs.settings import WelcomeDialog  # noqa: E402
from cene_desktop.ui.main_window import MainWindow  # noqa: E402

SAMPLE = REPO / "tests" / "data" / "intel-sample"
OUT = Path(__file__).resolve().parent


def pump(app: QApplication, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.02)


def snap(app: QApplication, name: str, widget: QWidget | None = None) -> None:
    """The X screen, or the part of it that ``widget`` covers."""
    pump(app, 1.5)
    crop = []
    if widget is not None:
        box = widget.frameGeometry()
        crop = ["-crop", f"{box.width()}x{box.height()}+{box.x()}+{box.y()}"]
    subprocess.run(["import", "-window", "root", *crop, str(OUT / name)], check=True)
    print("wrote", OUT / name)


def warm_photos(photos: Path, per_scene: int, skip: int) -> int:
    """Photos from an old camera with a tungsten white balance (a warm cast): the kind of
    difference from the training photos that Cene can learn. Returns how many."""
    from PIL import Image

    count = 0
    for folder in sorted(SAMPLE.iterdir()):
        for path in sorted(folder.glob("*.jpg"))[skip : skip + per_scene]:
            with Image.open(path) as image:
                red, green, blue = image.convert("RGB").split()
            red = red.point(lambda v: min(255, int(v * 1.3)))
            blue = blue.point(lambda v: int(v * 0.6))
            target = photos / f"IMG_{folder.name[:3]}_warm{path.stem}.jpg"
            Image.merge("RGB", (red, green, blue)).save(target, quality=92)
            count += 1
    return count


def learn(app: QApplication, window: MainWindow) -> None:
    """An old camera's warm photos arrive; play the owner: fix or confirm every photo, then let
    Cene learn from it."""
    classes = {
        name[:3]: name for name in ("buildings", "forest", "glacier", "mountain", "sea", "street")
    }
    from cene_desktop.core.catalog import Catalog

    with Catalog.open(Path(window.settings.library_dir)) as catalog:
        before = len(catalog.photos())
    added = warm_photos(Path(window.settings.photos_dir), 26, 14)
    wait_until_sorted(app, window, before + added)
    with Catalog.open(Path(window.settings.library_dir)) as catalog:
        photos = catalog.photos()
    for photo in photos:
        truth = classes[Path(photo.original_path).name.split("_")[1]].capitalize()
        if photo.album == truth:
            window.editing.request_confirm.emit([photo.id])
        else:
            window.editing.request_relabel.emit([photo.id], truth)
    pump(app, 5)
    reports: list[object] = []
    window.learning_finished.connect(reports.append)
    window.learner.improve()
    deadline = time.monotonic() + 60
    while not reports and time.monotonic() < deadline:
        pump(app, 0.2)
    offer = getattr(window, "recheck_offer", None)
    if offer is not None and offer.isVisible():
        offer.move(420, 300)
        snap(app, "learnt.png")
        next(b for b in offer.buttons() if b.text() == "Re-check albums").click()
        deadline = time.monotonic() + 60
        while len(reports) < 2 and time.monotonic() < deadline:
            pump(app, 0.2)
    dialog = window.settings_dialog()
    dialog.resize(760, 560)
    dialog.move(320, 160)
    dialog.show()
    snap(app, "model-versions.png", dialog)
    dialog.close()


def camera_folder(photos: Path, per_scene: int) -> Path:
    """A folder of sample photos named the way a camera names them."""
    photos.mkdir()
    for folder in sorted(SAMPLE.iterdir()):
        for path in sorted(folder.glob("*.jpg"))[:per_scene]:
            shutil.copyfile(path, photos / f"IMG_{folder.name[:3]}_{path.stem}.jpg")
    return photos


def open_window(app: QApplication, photos: Path, library: Path, settings_file: Path) -> MainWindow:
    """The real window, 1400x900 at the top left, watching ``photos``."""
    settings = Settings(photos_dir=str(photos), library_dir=str(library))
    window = MainWindow(settings, settings_file=settings_file)
    window.setGeometry(0, 0, 1400, 900)
    window.show()
    ready: list[bool] = []
    window.library_ready.connect(lambda: ready.append(True))
    window.start()
    deadline = time.monotonic() + 30
    while not ready and time.monotonic() < deadline:  # the catalog opens in its own thread
        pump(app, 0.05)
    return window


def wait_until_sorted(app: QApplication, window: MainWindow, count: int) -> None:
    """Until ``count`` photos are in the albums (Unsorted included)."""
    deadline = time.monotonic() + 120
    while sum(window.albums.counts[a] for a in ALBUMS) < count:
        assert time.monotonic() < deadline, f"sorting {count} photos did not finish"
        pump(app, 0.2)


def show_album(app: QApplication, window: MainWindow, album: str, row: int | None = None) -> None:
    """Show ``album`` and select its photo at ``row`` (when there is one)."""
    window.album_view.setCurrentIndex(window.albums.index(window.albums.row_of(album)))
    pump(app, 0.5)
    if row is not None and row < window.grid_model.rowCount():
        window.grid.setCurrentIndex(window.grid_model.index(row))


def disk_full(app: QApplication, workdir: Path) -> None:
    """The library on a disk too small for the import: the window says sorting is paused.

    Needs root to mount a small tmpfs; skipped (with a line) where that is not allowed.
    """
    small = workdir / "small-disk"
    small.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=900k", "tmpfs", str(small)], capture_output=True
    )
    if mounted.returncode != 0:
        print("skipped disk-full.png: cannot mount a small file system here")
        return
    try:
        photos = camera_folder(workdir / "Card", 20)
        window = open_window(app, photos, small / "Albums", workdir / "settings-small.json")
        deadline = time.monotonic() + 120
        while "paused" not in window.status.watch_label.text() and time.monotonic() < deadline:
            pump(app, 0.2)
        show_album(app, window, "Buildings")
        for box in window.findChildren(QMessageBox):
            box.move(430, 330)
        snap(app, "disk-full.png")
        window.close()
    finally:
        subprocess.run(["umount", "-l", str(small)], check=False)


def phone_photos(app: QApplication, workdir: Path) -> None:
    """A phone import: HEIC photos (with the small picture phones embed), each with its Live
    Photo video, sorted as they land; the preview names the video that went with the photo."""
    import pillow_heif
    from PIL import Image

    photos = workdir / "iPhone Import"
    photos.mkdir()
    window = open_window(app, photos, workdir / "Phone Albums", workdir / "settings-phone.json")
    pump(app, 2)
    count = 0
    for folder in sorted(SAMPLE.iterdir()):
        for path in sorted(folder.glob("*.jpg"))[:3]:
            with Image.open(path) as image:
                big = image.convert("RGB").resize((1600, 1200), Image.Resampling.BICUBIC)
            heif = pillow_heif.from_pillow(big)
            (photos / f"IMG_{count:04d}.MOV").write_bytes(b"\0\0\0\x14ftypqt  " * 1000)
            heif.save(photos / f"IMG_{count:04d}.HEIC", quality=80, thumbnails=[320])
            count += 1
    wait_until_sorted(app, window, count)
    show_album(app, window, "Glacier", 0)
    snap(app, "phone-photos.png")
    window.close()


#: Real photos of no scene from Pillow's test images (its licence lets them be redistributed):
#: three puppies, a flower, heather, Grace Hopper, a small plane, keys on a pavement.
PILLOW_PHOTOS = (
    "app13-multiple.jpg", "flower.jpg", "flower2.jpg", "hopper.jpg", "exif_gps_typeerror.jpg",
    "xmp_test.jpg",
)  # fmt: skip


def pillow_photos(dest: Path) -> int:
    """Copy Pillow's test photos from a git mirror of Pillow (``fetch github:python-pillow/
    Pillow``, or CENE_PILLOW_GIT=path/to/Pillow/.git); returns how many."""
    import os

    git = Path(os.environ.get("CENE_PILLOW_GIT", "/work/.mirror/python-pillow+Pillow/repo"))
    git = git / ".git" if (git / ".git").is_dir() else git
    count = 0
    for name in PILLOW_PHOTOS:
        blob = subprocess.run(
            ["git", "--git-dir", str(git), "cat-file", "-p", f"HEAD:Tests/images/{name}"],
            capture_output=True,
            check=False,
        )
        if blob.returncode == 0:
            (dest / f"PXL_{name}").write_bytes(blob.stdout)
            count += 1
    return count


def mixed_folder(app: QApplication, workdir: Path) -> None:
    """A folder the way a person's is: scenes, pets, people, flowers, screenshots. Sorted with
    the Other album on; the screenshots show Other, and Review's "Not a scene?" filter."""
    photos = camera_folder(workdir / "Mixed", 4)
    count = len(list(photos.iterdir())) + pillow_photos(photos)
    for shot in ("main-window.png", "welcome.png", "put-back.png"):
        shutil.copyfile(OUT / shot, photos / f"Screenshot_{shot}")
        count += 1
    window = open_window(app, photos, workdir / "Mixed Albums", workdir / "mixed.json")
    wait_until_sorted(app, window, count)
    show_album(app, window, "Other", 0)
    snap(app, "other-album.png")
    show_album(app, window, REVIEW)
    button = next(b for b in window.review_bar.filters.buttons() if b.text() == "Not a scene?")
    button.click()
    pump(app, 0.5)
    if window.grid_model.rowCount():
        window.grid.setCurrentIndex(window.grid_model.index(0))
    snap(app, "not-a-scene.png")
    window.close()


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="cene-shots-"))
    if sys.argv[1:] == ["other"]:
        app = QApplication([sys.argv[0]])
        mixed_folder(app, workdir)
        shutil.rmtree(workdir)
        return
    photos = camera_folder(workdir / "Camera Import", 14)
    app = QApplication([sys.argv[0]])
    app.setApplicationName("Cene")
    welcome = WelcomeDialog(Settings())
    welcome.form.photos.setText(str(photos))
    welcome.move(380, 200)
    welcome.show()
    deadline = time.monotonic() + 30
    while "photos are already" not in welcome.status.text() and time.monotonic() < deadline:
        pump(app, 0.1)
    snap(app, "welcome.png", welcome)
    welcome.close()
    window = open_window(app, photos, workdir / "Albums", workdir / "settings.json")
    wait_until_sorted(app, window, 84)
    show_album(app, window, "Mountain", 2)
    snap(app, "main-window.png")
    show_album(app, window, REVIEW)
    button = next(b for b in window.review_bar.filters.buttons() if "glacier" in b.text())
    button.click()
    pump(app, 0.5)
    if window.grid_model.rowCount():
        window.grid.setCurrentIndex(window.grid_model.index(0))
    snap(app, "review-pane.png")
    learn(app, window)
    for box in window.findChildren(QMessageBox):
        box.close()
    window.editing.offer_put_back()
    pump(app, 1)  # what it would undo is read in the reader's thread
    assert window.editing.put_back_offer is not None
    window.editing.put_back_offer.move(400, 320)
    snap(app, "put-back.png")
    window.editing.put_back_offer.close()
    window.close()
    phone_photos(app, workdir)
    mixed_folder(app, workdir)
    disk_full(app, workdir)
    shutil.rmtree(workdir)


if __name__ == "__main__":
    main()
