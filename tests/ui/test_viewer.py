"""Cene's own viewer: Space or double-click opens the selected photo large; the keys go through
the grid's list, zoom between fit and 100 %, close it; the photo's facts come from its EXIF; a
damaged photo gets a sentence; Open and Show in folder say so when no program could, and Open
offers the viewer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from cene_desktop.core.albums import SCENE_ALBUMS
from cene_desktop.core.catalog import Catalog
from cene_desktop.core.pipeline import Sorter, SortOptions

from .conftest import sorted_library, started_window
from .test_main_window import show

CAMERA_WIDTH, CAMERA_HEIGHT = 3000, 2000


def camera_photo(path: Path) -> None:
    """A 3000 x 2000 JPEG as a camera writes it: maker, model and date taken in its EXIF."""
    rows = np.linspace(0, 255, CAMERA_HEIGHT, dtype=np.uint8)[:, None, None]
    columns = np.linspace(255, 0, CAMERA_WIDTH, dtype=np.uint8)[None, :, None]
    pixels = np.concatenate(
        [np.broadcast_to(rows, (CAMERA_HEIGHT, CAMERA_WIDTH, 1))]
        + [np.broadcast_to(columns, (CAMERA_HEIGHT, CAMERA_WIDTH, 1))] * 2,
        axis=2,
    )
    image = Image.fromarray(np.ascontiguousarray(pixels), "RGB")
    exif = Image.Exif()
    exif[271], exif[272] = "Canon", "Canon EOS R6"
    exif.get_ifd(0x8769)[36867] = "2024:03:12 14:05:09"
    image.save(path, "JPEG", quality=90, exif=exif)


@pytest.fixture
def window(qtbot, tmp_path: Path, classifier) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """The sample library, with a camera's photo sorted into it too."""

    settings = sorted_library(tmp_path, classifier)
    camera_photo(Path(settings.photos_dir) / "IMG_0001.jpg")
    options = SortOptions(threshold=0.0)
    with Sorter(Path(settings.library_dir), Path(settings.photos_dir), classifier, options) as s:
        assert s.sort_folder().count("placed") == 1
    main = started_window(qtbot, settings, tmp_path / "settings.json")
    yield main
    main.close()


def album_of(window, name: str) -> str:  # type: ignore[no-untyped-def]
    with Catalog.open(Path(window.settings.library_dir)) as catalog:
        return next(p.album for p in catalog.photos() if Path(p.current_path).name == name)


def show_largest_album(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    album = max(SCENE_ALBUMS, key=lambda name: window.albums.counts[name])
    show(window, qtbot, album)
    assert len(window.grid_model.ids) >= 3


def select(window, row: int) -> None:  # type: ignore[no-untyped-def]
    flags = QItemSelectionModel.SelectionFlag.ClearAndSelect
    window.grid.selectionModel().setCurrentIndex(window.grid_model.index(row), flags)


def name_at(window, row: int) -> str:  # type: ignore[no-untyped-def]
    photo = window.grid_model.photo(row)
    assert photo is not None
    return Path(photo.current_path).name


def shown(viewer, qtbot, name: str) -> None:  # type: ignore[no-untyped-def]
    """Wait until the viewer shows the photo ``name``, its picture decoded."""
    qtbot.waitUntil(lambda: name in viewer.title.text() and not viewer.picture.image.isNull())


def test_space_and_double_click_open_the_viewer_and_its_keys_go_through_the_list(
    window, qtbot
) -> None:  # type: ignore[no-untyped-def]
    show_largest_album(window, qtbot)
    last = len(window.grid_model.ids) - 1
    select(window, 1)
    window.activateWindow()
    window.grid.setFocus()
    QTest.keyClick(window.grid, Qt.Key.Key_Space)
    viewer = window.browsing.viewer
    assert viewer is not None and viewer.isVisible()
    shown(viewer, qtbot, name_at(window, 1))
    assert "1 photo" not in viewer.position.text() and viewer.position.text().startswith("2 of")
    assert "sure" in viewer.verdict.text() or "Not a scene" in viewer.verdict.text()
    second = viewer.picture.image

    steps = [(Qt.Key.Key_Right, 2), (Qt.Key.Key_Left, 1), (Qt.Key.Key_End, last)]
    steps += [(Qt.Key.Key_Home, 0), (Qt.Key.Key_PageDown, 1), (Qt.Key.Key_PageUp, 0)]
    for key, row in steps:
        QTest.keyClick(viewer, key)
        shown(viewer, qtbot, name_at(window, row))
        assert viewer.row == row
        assert window.grid.selected_ids() == [window.grid_model.ids[row]]  # the grid follows
    assert viewer.picture.image != second  # another picture, not only another name
    QTest.keyClick(viewer, Qt.Key.Key_Left)  # at the first photo: stays there
    assert viewer.row == 0

    QTest.keyClick(viewer, Qt.Key.Key_Escape)
    assert not viewer.isVisible()
    assert window.grid.selected_ids() == [window.grid_model.ids[0]]  # the last one looked at

    index = window.grid_model.index(last)
    rect = window.grid.visualRect(index)
    grid, left = window.grid.viewport(), Qt.MouseButton.LeftButton
    QTest.mouseClick(grid, left, pos=rect.center())  # a double-click's first click, then its
    QTest.mouseDClick(grid, left, pos=rect.center())  # second (QTest's alone is not pressed)
    assert viewer.isVisible()
    shown(viewer, qtbot, name_at(window, last))
    QTest.keyClick(viewer, Qt.Key.Key_Space)  # Space again closes it
    assert not viewer.isVisible()


def test_a_camera_photo_shows_its_facts_fitted_and_at_100_percent(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    show(window, qtbot, album_of(window, "IMG_0001.jpg"))
    row = next(r for r in range(len(window.grid_model.ids)) if name_at(window, r) == "IMG_0001.jpg")
    window.browsing.view(row)
    viewer = window.browsing.viewer
    shown(viewer, qtbot, "IMG_0001.jpg")
    facts = {name: label.text() for name, label in viewer.facts.items()}
    size = (Path(window.settings.library_dir) / window.grid_model.photo(row).current_path).stat()
    assert facts == {
        "Taken": "12 March 2024, 14:05",
        "Camera": "Canon EOS R6",
        "File size": f"{size.st_size / 1024:.1f} KB",
        "Pixels": "3,000 × 2,000",
    }
    assert viewer.picture.image.width() < CAMERA_WIDTH  # decoded at screen size, not whole
    fitted = viewer.picture.scale
    room = viewer.picture.viewport().size() * viewer.picture.devicePixelRatioF()
    assert 0 < fitted < 1
    assert round(CAMERA_WIDTH * fitted) <= room.width() + 1
    assert round(CAMERA_HEIGHT * fitted) <= room.height() + 1

    with qtbot.assertNotEmitted(window.editing.request_relabel):
        QTest.keyClick(viewer, Qt.Key.Key_1)  # zooms; the grid's key 1 (Buildings) stays there
    assert viewer.picture.scale == 1.0  # at once, sharper once the whole picture is decoded
    qtbot.waitUntil(lambda: viewer.picture.image.width() == CAMERA_WIDTH)
    assert viewer.picture.scale == 1.0
    assert viewer.picture.horizontalScrollBar().maximum() > 0  # panned with the scroll bars
    QTest.keyClick(viewer, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert viewer.picture.scale == pytest.approx(fitted, abs=0.01)
    QTest.keyClick(viewer, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert viewer.picture.scale == 1.0
    QTest.keyClick(viewer, Qt.Key.Key_F)
    assert viewer.picture.scale == pytest.approx(fitted, abs=0.01)


def test_a_damaged_photo_shows_a_sentence(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    show_largest_album(window, qtbot)
    path = window.grid_model.path_of(window.grid_model.photo(0))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])  # a photo cut short on a failing disk
    window.browsing.view(0)
    viewer = window.browsing.viewer
    qtbot.waitUntil(lambda: "cannot be decoded" in viewer.picture.label.text())
    assert viewer.picture.label.text().startswith("Cene cannot show this photo: its JPEG")
    assert viewer.picture.image.isNull() and viewer.isVisible()
    QTest.keyClick(viewer, Qt.Key.Key_Right)  # the next one still shows
    shown(viewer, qtbot, name_at(window, 1))


#: What the offscreen platform logs when a program is asked for: exactly the case tested.
NO_PROGRAM = "This plugin does not support QPlatformServices::openDocument"


@pytest.fixture
def no_default_programs() -> None:
    if QGuiApplication.platformName() != "offscreen":
        pytest.skip("a real desktop may have a program for photos: offscreen has none")


@pytest.mark.qt_log_ignore(NO_PROGRAM)
def test_open_without_a_program_says_so_and_offers_the_viewer(
    window, qtbot, no_default_programs
) -> None:  # type: ignore[no-untyped-def]
    show_largest_album(window, qtbot)
    select(window, 2)
    window.toolbar.open_action.trigger()
    box = window.browsing.message
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert box.text().startswith(
        f"No program is set to open JPEG photos on this computer, so {name_at(window, 2)}"
    )
    viewer_button = next(b for b in box.buttons() if b.text() == "Show in Cene's viewer")
    assert window.browsing.viewer is None
    viewer_button.click()
    viewer = window.browsing.viewer
    assert viewer is not None and viewer.isVisible()
    shown(viewer, qtbot, name_at(window, 2))

    viewer.close()
    window.preview.open_button.click()  # the preview's button says the same
    assert window.browsing.message is not box and window.browsing.message.isVisible()


@pytest.mark.qt_log_ignore(NO_PROGRAM)
def test_show_in_folder_without_a_file_manager_gives_the_folder(
    window, qtbot, no_default_programs
) -> None:  # type: ignore[no-untyped-def]
    show_largest_album(window, qtbot)
    select(window, 0)
    window.toolbar.folder_action.trigger()
    box = window.browsing.message
    folder = window.grid_model.path_of(window.grid_model.photo(0)).parent
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert "Cene could not show this one" in box.text()
    assert box.informativeText() == str(folder)
    next(b for b in box.buttons() if b.text() == "Copy path").click()
    assert QGuiApplication.clipboard().text() == str(folder)
