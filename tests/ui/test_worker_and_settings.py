"""The sorting worker's signals, a responsive window during a big sort, persistent settings."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from PIL import Image, ImageOps
from PySide6.QtCore import QMetaObject, Qt, QTimer

from cene_desktop.config import Settings, load_settings, save_settings
from cene_desktop.core.albums import ALBUMS
from cene_desktop.ui.worker import SortWorker, start_in_thread

from ..conftest import sample_files
from .conftest import Recorder, started, started_window


def test_the_worker_reports_each_photo_device_and_progress(
    qtbot, tmp_path: Path, classifier
) -> None:  # type: ignore[no-untyped-def]
    photos = tmp_path / "photos"
    photos.mkdir()
    settings = Settings(photos_dir=str(photos), library_dir=str(tmp_path / "lib"), threshold=0.0)
    worker = SortWorker(settings, classifier_factory=lambda: classifier)
    thread = start_in_thread(worker, "test-sort")
    outcomes, progress, devices, watching = Recorder(), Recorder(), Recorder(), Recorder()
    worker.outcome.connect(outcomes.record)
    worker.progress.connect(progress.record)
    worker.device.connect(devices.record)
    worker.watching.connect(watching.record)
    try:
        # Queued: the slot runs in the worker's own thread, as the window's signals do.
        QMetaObject.invokeMethod(worker, "watch", Qt.ConnectionType.QueuedConnection)
        qtbot.waitUntil(lambda: watching.firsts() == [True], timeout=10_000)
        for name, path in sample_files(1):
            shutil.copyfile(path, photos / f"{name}.jpg")
        qtbot.waitUntil(lambda: len(outcomes.calls) >= 6, timeout=30_000)
        assert [o.status for o in outcomes.firsts()] == ["placed"] * 6  # type: ignore[attr-defined]
        assert devices.calls and str(devices.firsts()[-1]).startswith("CPU")
        assert progress.calls and all(done <= total for done, total, _ in progress.calls)
    finally:
        worker.stop()
        thread.quit()
        thread.wait(30_000)


def make_many_photos(folder: Path, count: int) -> None:
    """``count`` distinct photos made from the samples (flipped, rotated, mirrored variants)."""
    folder.mkdir(parents=True)
    variants = (
        lambda im: im,
        ImageOps.mirror,
        ImageOps.flip,
        lambda im: im.rotate(90),
        lambda im: im.rotate(270),
    )
    sources = [path for _, path in sample_files(40)]
    made = 0
    for variant in variants:
        for path in sources:
            if made == count:
                return
            variant(Image.open(path)).save(folder / f"IMG_{made:05d}.jpg", quality=90)
            made += 1


def test_the_window_stays_responsive_while_1000_photos_are_sorted(
    qtbot, tmp_path: Path, classifier
) -> None:  # type: ignore[no-untyped-def]
    from cene_desktop.ui.main_window import MainWindow

    photos = tmp_path / "photos"
    make_many_photos(photos, 1000)
    settings = Settings(photos_dir=str(photos), library_dir=str(tmp_path / "lib"), watching=False)
    window = MainWindow(settings, settings_file=tmp_path / "settings.json")
    qtbot.addWidget(window)
    window.show()
    ticks: list[float] = []
    heartbeat = QTimer()
    heartbeat.setInterval(20)
    heartbeat.timeout.connect(lambda: ticks.append(time.monotonic()))
    heartbeat.start()
    started(window, qtbot)
    outcomes = Recorder()
    window.sorting.worker.outcome.connect(outcomes.record)
    window.sorting.set_watching(True)
    qtbot.waitUntil(lambda: len(outcomes.calls) >= 1000, timeout=300_000)
    heartbeat.stop()
    placed = outcomes.times
    during = [t for t in ticks if placed[0] <= t <= placed[-1]]
    # The GUI thread kept handling its timer all through the sort (it never did the work).
    expected = (placed[-1] - placed[0]) / 0.020
    assert len(during) >= 0.3 * expected, (len(during), expected)
    qtbot.waitUntil(lambda: sum(window.albums.counts[a] for a in ALBUMS) == 1000)
    window.close()


def test_settings_survive_a_restart_and_old_files_are_migrated(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    assert load_settings(path) == Settings()
    settings = Settings(
        photos_dir="/p", library_dir="/l", mode="symlink", threshold=0.7, review_below=0.9
    )
    save_settings(settings, path)
    assert load_settings(path) == settings
    assert json.loads(path.read_text())["version"] == 1
    path.write_text(json.dumps({"watch_folder": "/old", "mode": "copy", "unknown": 1}))
    migrated = load_settings(path)
    assert migrated.photos_dir == "/old" and migrated.mode == "copy"
    path.write_text("{not json")
    assert load_settings(path) == Settings()
    path.write_text("[1, 2]")
    assert load_settings(path) == Settings()
    damaged = {
        "photos_dir": "/ok",
        "settle_seconds": 1,
        "mode": "teleport",
        "threshold": "high",
        "review_below": 5,
        "learn_after": 2.5,
        "polling": "yes",
        "watching": 0,
        "library_dir": None,
    }
    path.write_text(json.dumps(damaged))
    assert load_settings(path) == Settings(photos_dir="/ok", settle_seconds=1)
    path.write_text(json.dumps({"threshold": None, "review_below": 1, "learn_after": 0}))
    assert load_settings(path) == Settings(threshold=None, review_below=1, learn_after=0)


def test_the_window_saves_what_was_changed(qtbot, tmp_path: Path, classifier) -> None:  # type: ignore[no-untyped-def]
    from .conftest import sorted_library

    settings = sorted_library(tmp_path, classifier, per_class=1)
    path = tmp_path / "settings.json"
    window = started_window(qtbot, settings, path)
    window.sorting.set_watching(True)
    qtbot.waitUntil(lambda: window.sorting.watching, timeout=10_000)
    window.sorting.toggle_watching()
    qtbot.waitUntil(lambda: not window.sorting.watching, timeout=10_000)
    window.album_view.setCurrentIndex(window.albums.index(window.albums.row_of("Glacier")))
    window.panes.setSizes([300, 600, 380])
    sizes = window.panes.sizes()
    window.close()
    saved = load_settings(path)
    assert saved.watching is False and saved.library_dir == settings.library_dir
    assert saved.window_geometry and saved.album == "Glacier"

    again = started_window(qtbot, saved, path)  # the next start looks the same
    assert again.current_album == "Glacier"
    # The album list and the preview keep their widths; the photos take what the (offscreen,
    # 800 px) screen leaves.
    shown = again.panes.sizes()
    assert (shown[0], shown[2]) == (sizes[0], sizes[2])
    again.close()


def test_phone_photos_get_thumbnails(tmp_path: Path) -> None:
    from PIL import Image

    from cene_desktop.ui.worker import make_thumbnail

    from ..core.test_scanner import phone_bytes

    for kind, name in (("HEIF", "IMG_0001.HEIC"), ("AVIF", "IMG_0002.avif")):
        path = tmp_path / name
        path.write_bytes(phone_bytes(Image.new("RGB", (300, 200), (200, 40, 40)), kind))
        thumbnail = make_thumbnail(path)
        assert thumbnail.size == (160, 107)
        red, green, blue = thumbnail.getpixel((80, 50))
        assert red > 150 and green < 90 and blue < 90


def test_camera_photos_with_a_preview_get_their_thumbnail_from_it(tmp_path: Path) -> None:
    """A camera's Full HD preview (MPF) makes the thumbnail (a tenth of decoding the photo);
    turned upright like the photo. One of another shape is not used: the photo is decoded."""
    import io

    from PIL import Image

    from benchmarks.camera_photos import camera_exif, with_mpf_preview
    from cene_desktop.ui.worker import make_thumbnail

    def camera(preview: tuple[int, int], orientation: int) -> bytes:
        photo, large = io.BytesIO(), io.BytesIO()
        Image.new("RGB", (2400, 1800), (30, 40, 200)).save(
            photo, "JPEG", exif=camera_exif(orientation=orientation)
        )
        Image.new("RGB", preview, (200, 40, 40)).save(large, "JPEG")
        return with_mpf_preview(photo.getvalue(), large.getvalue())

    for name, preview, orientation, size, red in (
        ("DSC_0001.JPG", (1440, 1080), 1, (160, 120), True),
        ("DSC_0002.JPG", (1440, 1080), 6, (120, 160), True),
        ("DSC_0003.JPG", (1080, 1080), 1, (160, 120), False),
    ):
        path = tmp_path / name
        path.write_bytes(camera(preview, orientation))
        thumbnail = make_thumbnail(path)
        assert thumbnail.size == size, name
        assert (thumbnail.getpixel((60, 60))[0] > 150) == red, name
