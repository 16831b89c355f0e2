"""The GUI thread runs no SQL: every query of a whole session (start, sorting 200 photos,
browsing every album, the review pane and its filters, a drag, undo, a key, Enter, the viewer,
the photo menu, Delete and its undo, put back asked and cancelled, Settings → OK, learning,
re-checking, closing) runs in a worker's thread.

A trace on every catalog connection the window's workers open records the thread each
statement runs in. The window read its pages, its records and its companions on the GUI thread
before the catalog reader existed: this test listed those queries then."""

from __future__ import annotations

import shutil
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from cene_desktop.config import Settings
from cene_desktop.core.albums import ALBUMS
from cene_desktop.core.pages import REVIEW

from ..conftest import sample_files
from ..core.test_trash import trash_home  # noqa: F401 - the fixture: a temporary trash
from .conftest import started_window
from .test_main_window import offer_put_back, show


class QueryTrace:
    """The statements run on each connection opened while installed, by thread."""

    def __init__(self) -> None:
        self.gui = threading.get_ident()
        self.on_gui: list[str] = []
        self.elsewhere = 0
        self.recording = False
        self._lock = threading.Lock()

    def trace(self, statement: str) -> None:
        if not self.recording:
            return
        with self._lock:
            if threading.get_ident() == self.gui:
                self.on_gui.append(statement)
            else:
                self.elsewhere += 1


@pytest.fixture
def queries(monkeypatch: pytest.MonkeyPatch) -> Iterator[QueryTrace]:
    trace = QueryTrace()
    real_connect = sqlite3.connect

    def connect(*args, **kwargs):  # type: ignore[no-untyped-def]
        connection = real_connect(*args, **kwargs)
        connection.set_trace_callback(trace.trace)
        return connection

    monkeypatch.setattr(sqlite3, "connect", connect)
    yield trace


# The offscreen platform cannot raise a popup menu or let it grab the keyboard.
@pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing the keyboard)")
def test_a_whole_session_runs_no_query_on_the_gui_thread(
    qtbot,
    tmp_path: Path,
    queries,
    trash_home,  # noqa: F811
) -> None:  # type: ignore[no-untyped-def]
    photos, library = tmp_path / "photos", tmp_path / "Albums"
    photos.mkdir()
    for name, path in sample_files(40)[:200]:
        shutil.copyfile(path, photos / f"{name}-{path.name}")
    settings = Settings(
        photos_dir=str(photos), library_dir=str(library), watching=False, learn_after=0
    )
    queries.recording = True
    window = started_window(qtbot, settings, tmp_path / "settings.json")

    # Sorting 200 photos while watching.
    window.sorting.set_watching(True)
    qtbot.waitUntil(lambda: sum(window.albums.counts[a] for a in ALBUMS) == 200, timeout=180_000)

    # Browsing every album: scrolled to its end, its last photo selected (the preview).
    grid = window.grid_model
    for album in ALBUMS:
        show(window, qtbot, album)
        if grid.rowCount():
            last = grid.index(grid.rowCount() - 1)
            window.grid.scrollTo(last)
            qtbot.waitUntil(lambda: grid.photo(grid.rowCount() - 1) is not None)
            window.grid.setCurrentIndex(last)
            qtbot.waitUntil(lambda: "in " in window.preview.title.text())

    # The review pane and its filters.
    show(window, qtbot, REVIEW)
    buttons = window.review_bar.filters.buttons()
    for button in [*buttons[1:], buttons[0]]:  # every filter, then back to all
        with qtbot.waitSignal(window.page_shown, timeout=10_000):
            button.click()

    # A drag onto another album, then undo.
    busiest = max((a for a in ALBUMS), key=lambda a: window.albums.counts[a])
    show(window, qtbot, busiest)
    target = next(a for a in ALBUMS if a != busiest)
    data = grid.mimeData([grid.index(0)])
    drop_on = window.albums.index(window.albums.row_of(target))
    with qtbot.waitSignal(window.action_finished, timeout=10_000):
        assert window.albums.dropMimeData(data, Qt.DropAction.MoveAction, -1, -1, drop_on)
    with qtbot.waitSignal(window.action_finished, timeout=10_000):
        QTest.keySequence(window, "Ctrl+Z")

    # A key and Enter on photos of the review pane.
    show(window, qtbot, REVIEW)
    window.grid.setFocus()
    assert grid.rowCount() > 1, window.heading.text()
    for key in (Qt.Key.Key_4, Qt.Key.Key_Return):
        window.grid.setCurrentIndex(grid.index(0))
        with qtbot.waitSignal(window.action_finished, timeout=10_000):
            QTest.keyClick(window.grid, key)

    # The viewer (Space, then the next photo), the photo menu, Delete and Ctrl+Z.
    window.grid.setCurrentIndex(grid.index(0))
    QTest.keyClick(window.grid, Qt.Key.Key_Space)
    viewer = window.browsing.viewer
    assert viewer is not None and viewer.isVisible()
    QTest.keyClick(viewer, Qt.Key.Key_Right)
    QTest.keyClick(viewer, Qt.Key.Key_Escape)
    window.grid.setFocus()
    window.grid.setCurrentIndex(grid.index(0))
    window.editing.show_photo_menu(window.grid.mapToGlobal(window.grid.rect().center()))
    assert window.editing.photo_menu is not None
    window.editing.photo_menu.close()
    with qtbot.waitSignal(window.action_finished, timeout=10_000):
        window.editing.trash_selected()  # what Delete does (the key: test_context_menu.py)
    assert any((trash_home / "files").iterdir())
    with qtbot.waitSignal(window.action_finished, timeout=10_000):
        window.toolbar.undo_action.trigger()  # Ctrl+Z: back from the trash

    # Put back asked about, and cancelled.
    box = offer_put_back(window, qtbot)
    assert box is not None and "Put the 198 photos" in box.summary.text()  # 2 looked at stay
    box.cancel_button.click()

    # Settings → OK, nothing changed: watching goes on.
    def press_ok() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(100, press_ok)
            return
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()

    QTimer.singleShot(100, press_ok)
    window.preferences.open()
    qtbot.waitUntil(lambda: window.sorting.watching, timeout=20_000)

    # Learning from the corrections, then re-checking the albums.
    with qtbot.waitSignal(window.learning_finished, timeout=120_000):
        window.learner.improve()
    with qtbot.waitSignal(window.learning_finished, timeout=120_000):
        window.learner.start_learning(recheck=True)
    show(window, qtbot, REVIEW)

    window.close()
    queries.recording = False
    assert queries.elsewhere > 0  # the trace saw the workers' queries
    assert queries.on_gui == [], (
        f"{len(queries.on_gui)} queries on the GUI thread, first: {queries.on_gui[:5]}"
    )
