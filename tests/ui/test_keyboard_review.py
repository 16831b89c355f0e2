"""Review is keyboard-first: after a key, Enter or a drag the next photo is selected, so the next
key goes on; arrows, Home and End move through the photos."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from cene_desktop.ui.album_model import REVIEW

from .test_main_window import show


def selected_row(window) -> int | None:  # type: ignore[no-untyped-def]
    rows = [index.row() for index in window.grid.selectionModel().selectedIndexes()]
    return rows[0] if len(rows) == 1 else None


def test_keys_go_on_to_the_next_photo_without_clicking(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    show(window, qtbot, REVIEW)
    window.grid.setFocus()
    window.grid.setCurrentIndex(window.grid_model.index(0))
    ids = list(window.grid_model.ids)
    assert len(ids) == 18

    # 4 (Mountain): the photo leaves Review; the one after it is selected, at the same row.
    with qtbot.waitSignal(window.action_finished, timeout=10_000):
        QTest.keyClick(window.grid, Qt.Key.Key_4)
    qtbot.waitUntil(lambda: window.grid_model.ids == ids[1:])
    assert selected_row(window) == 0 and window.selected_ids() == [ids[1]]

    # Enter on it, straight away: it is confirmed and the next one is selected.
    with qtbot.waitSignal(window.action_finished, timeout=10_000):
        QTest.keyClick(window.grid, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.grid_model.ids == ids[2:])
    assert window.selected_ids() == [ids[2]]

    # Arrows, End and Home move the selection from there.
    QTest.keyClick(window.grid, Qt.Key.Key_Right)
    assert window.selected_ids() == [ids[3]]
    QTest.keyClick(window.grid, Qt.Key.Key_End)
    assert window.selected_ids() == [ids[-1]]
    QTest.keyClick(window.grid, Qt.Key.Key_Home)
    assert window.selected_ids() == [ids[2]]

    # The last photo of the list: after it, the one before becomes the last and is selected.
    QTest.keyClick(window.grid, Qt.Key.Key_End)
    with qtbot.waitSignal(window.action_finished, timeout=10_000):
        QTest.keyClick(window.grid, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.grid_model.ids == ids[2:-1])
    assert window.selected_ids() == [ids[-2]]


def test_after_a_drag_the_next_photo_of_the_album_is_selected(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    show(window, qtbot, "Forest")
    ids = list(window.grid_model.ids)
    assert len(ids) >= 2
    window.grid.setCurrentIndex(window.grid_model.index(0))
    data = window.grid_model.mimeData([window.grid_model.index(0)])
    glacier = window.albums.index(window.albums.row_of("Glacier"))
    with qtbot.waitSignal(window.action_finished, timeout=10_000):
        window.albums.dropMimeData(data, Qt.DropAction.MoveAction, -1, -1, glacier)
    qtbot.waitUntil(lambda: ids[0] not in window.grid_model.ids)
    assert window.selected_ids() == [ids[1]]
    # And a key acts on it at once.
    with qtbot.waitSignal(window.action_finished, timeout=10_000):
        QTest.keyClick(window.grid, Qt.Key.Key_3)  # 3 = Glacier
    qtbot.waitUntil(lambda: ids[1] not in window.grid_model.ids)
