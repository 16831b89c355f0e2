"""UI test set-up: offscreen Qt unless a test asks for a real X display."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from cene_desktop.config import Settings  # noqa: E402
from cene_desktop.core.pipeline import Sorter, SortOptions  # noqa: E402

from ..conftest import sample_files  # noqa: E402


def sorted_library(tmp_path: Path, classifier, per_class: int = 3) -> Settings:  # type: ignore[no-untyped-def]
    """A library already sorted by the real model, and settings pointing at it."""
    photos, library = tmp_path / "photos", tmp_path / "Albums"
    photos.mkdir()
    for name, path in sample_files(per_class):
        shutil.copyfile(path, photos / f"{name}-{path.name}")
    with Sorter(library, photos, classifier, SortOptions(threshold=0.0)) as sorter:
        assert sorter.sort_folder().count("placed") == 6 * per_class
    return Settings(photos_dir=str(photos), library_dir=str(library), watching=False)


@pytest.fixture
def window(qtbot, tmp_path: Path, classifier) -> Iterator[object]:  # type: ignore[no-untyped-def]
    from cene_desktop.ui.main_window import MainWindow

    settings = sorted_library(tmp_path, classifier)
    main = MainWindow(settings, settings_file=tmp_path / "settings.json")
    qtbot.addWidget(main)
    main.show()
    main.start()
    yield main
    main.close()
