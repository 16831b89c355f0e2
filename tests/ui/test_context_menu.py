"""The photo menu (right-click, the Menu key, Shift+F10) and Move to Trash (Delete), on a real
library sorted by the real model, the trash in a temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, QPoint, Qt
from PySide6.QtGui import QContextMenuEvent, QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from cene_desktop.core.albums import ALBUMS

from ..core.test_trash import trash_home  # noqa: F401 - the fixture
from .test_main_window import catalog_of, show

#: A popup menu raises itself and grabs the keyboard, which the offscreen platform cannot.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing the keyboard)")


def select(window, qtbot, rows: list[int]) -> None:  # type: ignore[no-untyped-def]
    window.grid.setFocus()
    model, selection = window.grid_model, window.grid.selectionModel()
    selection.clear()
    for row in rows:
        selection.select(model.index(row), QItemSelectionModel.SelectionFlag.Select)
    selection.setCurrentIndex(model.index(rows[0]), QItemSelectionModel.SelectionFlag.NoUpdate)
    qtbot.waitUntil(lambda: len(window.selected_photos()) == len(rows))


def right_click(window, row: int | None = None):  # type: ignore[no-untyped-def]
    """Right-click a photo of the grid (or an empty spot): the menu shown."""
    viewport = window.grid.viewport()
    at = (
        window.grid.visualRect(window.grid_model.index(row)).center()
        if row is not None
        else QPoint(viewport.width() - 5, viewport.height() - 5)
    )
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, at, viewport.mapToGlobal(at))
    QApplication.sendEvent(viewport, event)
    menu = window.editing.photo_menu
    assert menu is not None and menu.isVisible()
    return menu


def entries(menu) -> dict[str, bool]:  # type: ignore[no-untyped-def]
    return {a.text(): a.isEnabled() for a in menu.actions() if not a.isSeparator()}


def test_the_menu_lists_what_can_be_done_and_disables_what_cannot(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    show(window, qtbot, "Forest")
    window.grid.clearSelection()
    menu = right_click(window)
    assert entries(menu) == {
        "&Open": False,
        "Show in &folder": True,  # the album's folder
        "&Move to album": False,
        "&Looks right\tEnter": False,
        "Move to &Trash\tDel": False,
        "&Copy path\tCtrl+Shift+C": False,
    }
    menu.close()

    select(window, qtbot, [0])
    QTest.keyClick(window.grid, Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier)
    menu = window.editing.photo_menu
    assert menu is not None and menu.isVisible()
    assert all(entries(menu).values())
    albums = {a.text(): a.isEnabled() for a in menu.move_menu.actions()}
    assert list(albums) == [
        "Buildings\t1",
        "Forest\t2",
        "Glacier\t3",
        "Mountain\t4",
        "Sea\t5",
        "Street\t6",
        "Other\t0",
        "Unsorted",
    ]
    assert [name for name, enabled in albums.items() if not enabled] == ["Forest\t2"]
    assert len(menu.album_actions) == len(ALBUMS)
    menu.close()


def test_move_to_album_glacier_moves_the_photo(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    show(window, qtbot, "Forest")
    select(window, qtbot, [0])
    photo = window.grid_model.photo(0)
    menu = right_click(window, 0)
    with qtbot.waitSignal(window.action_finished, timeout=10_000):
        menu.album_actions["Glacier"].trigger()
    library = Path(window.settings.library_dir)
    assert (library / "Glacier" / Path(photo.current_path).name).is_file()
    assert not (library / photo.current_path).exists()
    catalog = catalog_of(window)
    moved = catalog.photo(photo.id)
    assert moved is not None and moved.album == "Glacier" and moved.corrected
    catalog.close()
    qtbot.waitUntil(lambda: photo.id not in window.grid_model.ids)


def test_delete_moves_a_photo_and_its_video_to_the_trash_and_ctrl_z_brings_them_back(
    trash_home: Path,  # noqa: F811
    window,
    qtbot,
) -> None:  # type: ignore[no-untyped-def]
    library = Path(window.settings.library_dir)
    catalog = catalog_of(window)
    (video,) = catalog.companions()
    catalog.close()
    show(window, qtbot, "Forest")
    row = next(
        r for r in range(window.grid_model.rowCount()) if window.grid_model.ids[r] == video.photo_id
    )
    select(window, qtbot, [row])
    photo = window.grid_model.photo(row)
    photo_bytes = (library / photo.current_path).read_bytes()
    video_bytes = (library / video.current_path).read_bytes()
    forest = window.albums.counts["Forest"]

    with qtbot.waitSignal(window.action_finished, timeout=10_000):
        QTest.keyClick(window.grid, Qt.Key.Key_Delete)

    assert not (library / photo.current_path).exists()
    assert not (library / video.current_path).exists()
    assert (trash_home / "files" / Path(photo.current_path).name).read_bytes() == photo_bytes
    assert (trash_home / "files" / Path(video.current_path).name).read_bytes() == video_bytes
    assert photo.id not in window.grid_model.ids
    assert window.albums.counts["Forest"] == forest - 1

    with qtbot.waitSignal(window.action_finished, timeout=10_000):
        QTest.keySequence(window, "Ctrl+Z")

    assert (library / photo.current_path).read_bytes() == photo_bytes
    assert (library / video.current_path).read_bytes() == video_bytes
    assert list((trash_home / "files").iterdir()) == []
    assert photo.id in window.grid_model.ids
    assert window.albums.counts["Forest"] == forest


def test_the_menu_s_move_to_trash_and_copy_path(
    trash_home: Path,  # noqa: F811
    window,
    qtbot,
) -> None:  # type: ignore[no-untyped-def]
    library = Path(window.settings.library_dir)
    show(window, qtbot, "Sea")
    select(window, qtbot, [0, 1])
    photos = window.selected_photos()
    menu = right_click(window, 0)
    assert menu.copy_path_action.text() == "&Copy paths\tCtrl+Shift+C"
    menu.copy_path_action.trigger()
    assert QGuiApplication.clipboard().text() == "\n".join(
        str(library / photo.current_path) for photo in photos
    )

    with qtbot.waitSignal(window.action_finished, timeout=10_000):
        menu.trash_action.trigger()
    for photo in photos:
        assert not (library / photo.current_path).exists()
        assert (trash_home / "files" / Path(photo.current_path).name).is_file()
        assert photo.id not in window.grid_model.ids


@pytest.fixture(autouse=True)
def _no_real_trash(trash_home: Path) -> None:  # noqa: F811
    """Every test here trashes into the temporary trash, should it press Delete."""
