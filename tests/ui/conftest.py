"""UI test set-up: offscreen Qt unless a test asks for a real X display."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, Slot

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from cene_desktop.config import Settings  # noqa: E402
from cene_desktop.core.pipeline import Sorter, SortOptions  # noqa: E402

from ..conftest import sample_files  # noqa: E402


class Recorder(QObject):
    """Collects a worker's signal arguments in the GUI thread.

    Lambdas connected to a signal run in the emitting thread; a QObject's method runs in the
    thread the QObject lives in, here the GUI thread, like the window's own slots.
    """

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[object, ...]] = []
        self.times: list[float] = []  # when each call reached the GUI thread

    @Slot(object)
    @Slot(str)
    @Slot(bool)
    @Slot(int, int, float)
    def record(self, *args: object) -> None:
        self.calls.append(args)
        self.times.append(time.monotonic())

    def firsts(self) -> list[object]:
        return [args[0] for args in self.calls]


def sorted_library(tmp_path: Path, classifier, per_class: int = 3) -> Settings:  # type: ignore[no-untyped-def]
    """A library already sorted by the real model, and settings pointing at it."""
    photos, library = tmp_path / "photos", tmp_path / "Albums"
    photos.mkdir()
    for name, path in sample_files(per_class):
        shutil.copyfile(path, photos / f"{name}-{path.name}")
    first_forest = sorted(photos.glob("forest-*.jpg"))[0]
    first_forest.with_suffix(".MOV").write_bytes(b"\0\0\0\x14ftypqt  a Live Photo's video")
    with Sorter(library, photos, classifier, SortOptions(threshold=0.0)) as sorter:
        assert sorter.sort_folder().count("placed") == 6 * per_class
    return Settings(
        photos_dir=str(photos), library_dir=str(library), watching=False, review_below=1.0
    )


def started(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Start the window and wait until its library is open and shown (``start`` returns at
    once: the catalog opens in the reader's thread)."""
    with qtbot.waitSignal(window.library_ready, timeout=30_000):
        window.start()


def started_window(qtbot, settings: Settings, settings_file: Path):  # type: ignore[no-untyped-def]
    """A main window on ``settings``, shown, its library open and its first page shown."""
    from cene_desktop.ui.main_window import MainWindow

    window = MainWindow(settings, settings_file=settings_file)
    qtbot.addWidget(window)
    window.show()
    started(window, qtbot)
    return window


def watching_window(qtbot, tmp_path: Path, classifier):  # type: ignore[no-untyped-def]
    """A window on a library of six sorted photos, watching its photo folder: (window, the
    photo folder)."""
    settings = replace(sorted_library(tmp_path, classifier, per_class=1), watching=True)
    window = started_window(qtbot, settings, tmp_path / "settings.json")
    qtbot.waitUntil(lambda: window.sorting.watching, timeout=20_000)
    return window, Path(settings.photos_dir)


def refreshed(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Refresh the window and wait until the catalog reader's answer is shown."""
    with qtbot.waitSignal(window.page_shown, timeout=10_000):
        window.refresh()


@pytest.fixture
def window(qtbot, tmp_path: Path, classifier) -> Iterator[object]:  # type: ignore[no-untyped-def]
    settings = sorted_library(tmp_path, classifier)
    main = started_window(qtbot, settings, tmp_path / "settings.json")
    yield main
    main.close()
