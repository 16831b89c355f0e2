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


def test_copy_path_after_select_all_in_a_large_album_copies_every_photo(
    qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """Select all in an album of hundreds of photos, whose records the grid reads a block at
    a time: Copy path still puts every photo's file on the clipboard, in the grid's order."""
    from benchmarks.large_library import generate
    from cene_desktop.config import Settings

    from .conftest import started_window

    library, photos = tmp_path / "Albums", tmp_path / "photos"
    photos.mkdir()
    counts = generate(library, 4_000)
    album = max(counts, key=lambda name: counts[name])
    settings = Settings(photos_dir=str(photos), library_dir=str(library), watching=False)
    main = started_window(qtbot, settings, tmp_path / "settings.json")
    show(main, qtbot, album)
    main.grid.setFocus()
    main.grid.selectAll()
    ids = main.selected_ids()
    assert len(ids) == counts[album] > len(main.selected_photos())  # not all read yet
    edit = next(a.menu() for a in main.menuBar().actions() if a.text() == "&Edit")
    next(a for a in edit.actions() if a.text() == "&Copy path").trigger()  # Edit → Copy path
    with catalog_of(main) as catalog:
        expected = "\n".join(str(library / p.current_path) for p in catalog.photos_by_ids(ids))
    qtbot.waitUntil(lambda: QGuiApplication.clipboard().text() == expected, timeout=10_000)
    assert main.statusBar().currentMessage() == f"Copied the path of {len(ids):,} photos."
    main.close()


def test_ctrl_shift_c_copies_the_selected_paths_wherever_the_focus_is(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    library = Path(window.settings.library_dir)
    show(window, qtbot, "Sea")
    select(window, qtbot, [0])
    expected = str(library / window.selected_photos()[0].current_path)
    for place in (window.grid, window.album_view):
        QGuiApplication.clipboard().clear()
        place.setFocus()
        qtbot.waitUntil(place.hasFocus)
        QTest.keySequence(window, "Ctrl+Shift+C")
        qtbot.waitUntil(lambda: QGuiApplication.clipboard().text() == expected, timeout=5_000)
