"""What people look for in a desktop app: a menu bar with the standard shortcuts, "N selected",
and a layout that stays put (the album list readable, the heading on one line)."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from cene_desktop.core.library import CONFUSABLE_PAIRS
from cene_desktop.core.pages import NOTHING_SUGGESTED, SUGGESTED, review_heading
from cene_desktop.ui.album_model import REVIEW
from cene_desktop.ui.dialogs.settings import SettingsDialog

from .conftest import refreshed
from .test_main_window import show


def menu_entries(window) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    entries = {}
    for action in window.menuBar().actions():
        menu = action.menu()
        entries[action.text().replace("&", "")] = [
            item.text().replace("&", "") for item in menu.actions() if not item.isSeparator()
        ]
    return entries


def test_the_menu_bar_has_what_people_look_for(window) -> None:  # type: ignore[no-untyped-def]
    menus = menu_entries(window)
    assert list(menus) == ["File", "Edit", "View", "Library", "Help"]
    assert menus["File"] == ["Import photos…", "Settings…", "Quit"]
    assert {"Undo", "Select all", "Put back the last sorted photos…"} <= set(menus["Edit"])
    assert "Full screen" in menus["View"] and "Improve the model" in menus["Library"]
    shortcuts = {
        item.text().replace("&", ""): item.shortcut().toString()
        for action in window.menuBar().actions()
        for item in action.menu().actions()
    }
    assert shortcuts["Settings…"] == "Ctrl+," and shortcuts["Quit"] == "Ctrl+Q"
    assert shortcuts["Select all"] == "Ctrl+A" and shortcuts["Full screen"] == "F11"
    assert shortcuts["Undo"] == "Ctrl+Z"


def test_ctrl_a_selects_every_photo_and_the_heading_says_how_many(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    show(window, qtbot, REVIEW)
    window.grid.setFocus()
    QTest.keySequence(window, "Ctrl+A")
    assert len(window.selected_ids()) == 18
    assert window.heading.text().endswith(" · 18 selected")
    first = window.grid.visualRect(window.grid_model.index(0)).center()
    qtbot.mouseClick(window.grid.viewport(), Qt.MouseButton.LeftButton, pos=first)  # one photo
    assert len(window.selected_ids()) == 1
    assert "selected" not in window.heading.text()


def test_f11_is_full_screen_and_ctrl_comma_opens_settings(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    QTest.keySequence(window, "F11")
    qtbot.waitUntil(window.isFullScreen)
    QTest.keySequence(window, "F11")
    qtbot.waitUntil(lambda: not window.isFullScreen())

    seen: list[object] = []

    def cancel() -> None:  # once the dialog is up
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(100, cancel)
            return
        seen.append(dialog)
        dialog.reject()

    QTimer.singleShot(100, cancel)
    QTest.keySequence(window, "Ctrl+,")
    qtbot.waitUntil(lambda: bool(seen), timeout=5_000)
    assert isinstance(seen[0], SettingsDialog)


def test_ctrl_q_quits(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    QTest.keySequence(window, "Ctrl+Q")
    qtbot.waitUntil(lambda: not window.isVisible())


def test_every_review_heading_and_its_reason_fit_their_lines_at_the_first_start_size(
    window, qtbot
) -> None:  # type: ignore[no-untyped-def]
    # 1280 x 800 with the panes as a first start lays them out, Review at its default 97 %: the
    # heading is read whole (in a big library too), and what the list holds and why, then the
    # keys, fit on the line under the filters.
    window.resize(1280, 800)
    window.panes.setSizes([200, 760, 320])
    qtbot.waitUntil(lambda: window.width() == 1280)
    window.settings = replace(window.settings, review_below=0.97)
    show(window, qtbot, REVIEW)
    refreshed(window, qtbot)
    heading, hint = window.heading, window.review_bar.hint
    for button in window.review_bar.filters.buttons():
        with qtbot.waitSignal(window.page_shown, timeout=10_000):
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert heading.fontMetrics().horizontalAdvance(heading.text()) <= heading.width(), (
            button.text(),
            heading.text(),
        )
        assert window.review_bar.detail, button.text()
        assert hint.text().startswith(window.review_bar.detail)
        assert "Keys 1–6" in hint.text()
        assert hint.fontMetrics().horizontalAdvance(hint.text()) <= hint.width(), hint.text()
    for detail in (SUGGESTED, NOTHING_SUGGESTED):  # beside the button that accepts them
        window.review_bar.show_detail(detail)
        assert window.review_bar.accept_button.isVisible()
        assert hint.fontMetrics().horizontalAdvance(hint.text()) <= hint.width(), hint.text()
    for pair in CONFUSABLE_PAIRS:  # 12,345 of 20,507 waiting: the numbers of a big library
        big, _ = review_heading(12_345, 20_507, 0.97, pair)
        assert heading.fontMetrics().horizontalAdvance(big) <= heading.width(), big


def test_the_album_list_and_heading_keep_their_place_in_a_narrow_window(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    show(window, qtbot, REVIEW)
    narrowest = window.minimumSizeHint().width()
    button = next(b for b in window.review_bar.filters.buttons() if b.text() == "Suggestions")
    with qtbot.waitSignal(window.page_shown, timeout=10_000):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.review_bar.accept_button.isVisible()
    assert window.minimumSizeHint().width() == narrowest  # Suggestions do not widen the window
    window.resize(narrowest, 700)
    qtbot.waitUntil(lambda: window.width() == narrowest)
    assert window.album_view.width() >= 170  # names and counts stay readable
    assert window.heading.height() < 2.2 * window.heading.fontMetrics().height()  # one line
    assert window.heading.toolTip() == window.heading.text()  # the whole of it, if cut short
