"""What a new user meets in the first hour: the welcome's preview shows the plan on top, and
Settings → OK leaves watching on, with photos dropped afterwards still sorted."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from cene_desktop.config import Settings
from cene_desktop.core.albums import ALBUMS
from cene_desktop.ui.dialogs.plan import PlanDialog
from cene_desktop.ui.dialogs.settings import SettingsDialog, WelcomeDialog

from ..conftest import sample_files
from .conftest import sorted_library, started, started_window, watching_window


def test_the_welcome_preview_shows_the_plan_on_top_of_the_welcome(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from cene_desktop.ui.main_window import MainWindow

    photos = tmp_path / "Camera"
    photos.mkdir()
    for index, (_, path) in enumerate(sample_files(2)):
        shutil.copyfile(path, photos / f"IMG_{index:04d}.jpg")
    (photos / "empty.jpg").write_bytes(b"")  # left where it is, with its reason
    settings = Settings(photos_dir=str(photos), library_dir=str(tmp_path / "Albums"))
    window = MainWindow(settings, settings_file=tmp_path / "settings.json")
    qtbot.addWidget(window)
    welcome = WelcomeDialog(settings, window)
    qtbot.addWidget(welcome)
    plan = window.sorting.preview_plan(settings, welcome)  # what Preview… in the welcome does
    assert isinstance(plan, PlanDialog) and plan.parent() is welcome and plan.isVisible()
    qtbot.waitUntil(lambda: "would be sorted" in plan.text.toPlainText(), timeout=60_000)
    text = plan.text.toPlainText()
    assert "12 photos would be sorted" in text
    assert "empty.jpg: empty file" in text and "Nothing has been moved yet." in text
    assert sorted(p.name for p in photos.iterdir())[0] == "IMG_0000.jpg"  # nothing moved
    assert not (tmp_path / "Albums" / ".cene").exists() or not list(
        (tmp_path / "Albums").glob("*/*.jpg")
    )
    window.close()


def test_settings_ok_keeps_watching_and_photos_arriving_afterwards_are_sorted(
    qtbot, tmp_path: Path, classifier
) -> None:  # type: ignore[no-untyped-def]
    window, photos = watching_window(qtbot, tmp_path, classifier)
    sorted_before = sum(window.albums.counts[album] for album in ALBUMS)

    def press_ok() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, SettingsDialog)
        buttons = dialog.findChild(QDialogButtonBox)
        buttons.button(QDialogButtonBox.StandardButton.Ok).click()

    QTimer.singleShot(300, press_ok)
    window.preferences.open()  # Settings…, nothing changed, OK
    qtbot.waitUntil(lambda: window.sorting.watching, timeout=20_000)
    qtbot.wait(1000)  # what the stopped worker still had to say has arrived by now
    assert window.sorting.watching and window.settings.watching
    assert window.status.watch_label.text().startswith("● Watching")
    _, sample = sample_files(3)[2]
    shutil.copyfile(sample, photos / "after-settings.jpg")
    qtbot.waitUntil(
        lambda: sum(window.albums.counts[album] for album in ALBUMS) == sorted_before + 1,
        timeout=30_000,
    )
    window.close()


def test_the_watching_button_says_what_it_will_do_and_waits_for_a_folder(
    qtbot, tmp_path: Path, classifier
) -> None:  # type: ignore[no-untyped-def]
    from cene_desktop.ui.main_window import MainWindow

    settings = sorted_library(tmp_path, classifier, per_class=1)  # not watching
    window = MainWindow(settings, settings_file=tmp_path / "settings.json")
    qtbot.addWidget(window)
    window.show()
    button = window.toolbar.pause_action
    assert (button.text(), button.isEnabled()) == ("Start watching", False)  # no library yet
    started(window, qtbot)
    assert (button.text(), button.isEnabled()) == ("Start watching", True)
    button.trigger()
    qtbot.waitUntil(lambda: window.sorting.watching, timeout=20_000)
    assert button.text() == "Pause watching"
    button.trigger()
    qtbot.waitUntil(lambda: not window.sorting.watching, timeout=20_000)
    assert button.text() == "Start watching"
    window.close()

    unset = started_window(qtbot, replace(settings, photos_dir=""), tmp_path / "other.json")
    assert not unset.toolbar.pause_action.isEnabled()  # nothing to watch: no photo folder
    unset.close()


def test_an_album_of_one_photo_says_1_photo(tmp_path: Path, classifier) -> None:  # type: ignore[no-untyped-def]
    from cene_desktop.core.catalog import Catalog
    from cene_desktop.core.pages import PageQuery, read_page
    from cene_desktop.core.pipeline import Sorter, SortOptions

    photos = tmp_path / "photos"
    photos.mkdir()
    shutil.copyfile(sample_files(1)[0][1], photos / "one.jpg")
    with Sorter(tmp_path / "lib", photos, classifier, SortOptions(threshold=0.0)) as sorter:
        (outcome,) = sorter.sort_folder().outcomes
    with Catalog.open(tmp_path / "lib") as catalog:
        page = read_page(catalog, PageQuery(str(outcome.album), None, 1.0, None))
    assert page.heading == f"{outcome.album}: 1 photo"


def fresh_watching_window(qtbot, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A first start: no album chosen before, an empty photo folder being watched; (window,
    the photo folder)."""
    from cene_desktop.ui.main_window import MainWindow

    photos = tmp_path / "Camera"
    photos.mkdir()
    settings = Settings(photos_dir=str(photos), library_dir=str(tmp_path / "Albums"), watching=True)
    window = MainWindow(settings, settings_file=tmp_path / "settings.json")
    qtbot.addWidget(window)
    window.show()
    qtbot.wait(100)
    # Nothing shows selected behind the welcome (it read "Sea" before), focus or not.
    window.album_view.setFocus()
    assert not window.album_view.selectionModel().selectedIndexes()
    started(window, qtbot)
    qtbot.waitUntil(lambda: window.sorting.watching, timeout=20_000)
    return window, photos


def selected_album(window) -> str:  # type: ignore[no-untyped-def]
    """The album the list shows selected (and current)."""
    (selected,) = window.album_view.selectionModel().selectedIndexes()
    assert selected == window.album_view.currentIndex()
    return str(window.albums.names[selected.row()])


def test_a_first_start_shows_the_first_album_photos_arrive_in(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window, photos = fresh_watching_window(qtbot, tmp_path)
    assert selected_album(window) == ALBUMS[0] == window.current_album  # empty library: the first
    for index, (name, path) in enumerate(sample_files(2)):
        if name in ("mountain", "sea"):
            shutil.copyfile(path, photos / f"IMG_{index:04d}.jpg")
    qtbot.waitUntil(lambda: sum(window.albums.counts[a] for a in ALBUMS) == 4, timeout=60_000)
    qtbot.wait(200)
    first = next(album for album in ALBUMS if window.albums.counts[album])
    assert first != ALBUMS[0]
    assert selected_album(window) == first == window.current_album
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == window.albums.counts[first])
    window.close()


def test_an_album_chosen_before_the_first_photos_arrive_stays_shown(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window, photos = fresh_watching_window(qtbot, tmp_path)
    window.album_view.setCurrentIndex(window.albums.index(window.albums.row_of("Street")))
    for index, (name, path) in enumerate(sample_files(1)):
        if name == "forest":
            shutil.copyfile(path, photos / f"IMG_{index:04d}.jpg")
    qtbot.waitUntil(lambda: sum(window.albums.counts[a] for a in ALBUMS) == 1, timeout=60_000)
    qtbot.wait(200)
    assert selected_album(window) == "Street" == window.current_album
    window.close()


def test_the_preview_s_nothing_moved_line_goes_once_photos_are_moved(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from cene_desktop.ui.controllers.sorting import PREVIEW_READY
    from cene_desktop.ui.main_window import MainWindow

    photos = tmp_path / "Camera"
    photos.mkdir()
    for index, (_, path) in enumerate(sample_files(2)):
        shutil.copyfile(path, photos / f"IMG_{index:04d}.jpg")
    settings = Settings(photos_dir=str(photos), library_dir=str(tmp_path / "Albums"), watching=True)
    window = MainWindow(settings, settings_file=tmp_path / "settings.json")
    qtbot.addWidget(window)
    window.show()
    welcome = WelcomeDialog(settings, window)
    qtbot.addWidget(welcome)
    plan = window.sorting.preview_plan(settings, welcome)
    qtbot.waitUntil(lambda: "would be sorted" in plan.text.toPlainText(), timeout=60_000)
    bar = window.status.bar
    qtbot.waitUntil(lambda: bar.currentMessage() == PREVIEW_READY)
    plan.close()
    welcome.close()
    started(window, qtbot)  # Sort and start watching
    qtbot.waitUntil(lambda: sum(window.albums.counts[a] for a in ALBUMS) > 0, timeout=60_000)
    assert bar.currentMessage() != PREVIEW_READY  # photos have moved: it would be untrue
    window.close()
