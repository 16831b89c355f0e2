"""The window on a real library sorted by the real model: drag-and-drop, keys, undo, review."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from cene_desktop.core.albums import ALBUMS
from cene_desktop.core.catalog import Catalog
from cene_desktop.ui.album_model import REVIEW

from .conftest import Recorder, refreshed, started_window


def catalog_of(window) -> Catalog:  # type: ignore[no-untyped-def]
    return Catalog.open(Path(window.settings.library_dir))


def show(window, qtbot, album: str) -> None:  # type: ignore[no-untyped-def]
    """Click ``album`` in the album list and wait until its photos are shown."""
    if window.current_album == album:
        refreshed(window, qtbot)
        return
    with qtbot.waitSignal(window.page_shown, timeout=10_000):
        window.album_view.setCurrentIndex(window.albums.index(window.albums.row_of(album)))


def test_the_album_list_counts_what_the_catalog_holds(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    catalog = catalog_of(window)
    counts = catalog.album_counts()
    for album, count in counts.items():
        assert window.albums.counts[album] == count
    assert window.albums.counts[REVIEW] == 18
    show(window, qtbot, "Sea")
    assert window.grid_model.rowCount() == counts.get("Sea", 0)
    catalog.close()


def test_dragging_a_photo_onto_an_album_moves_it_and_records_a_correction(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    show(window, qtbot, "Forest")
    photo = window.grid_model.photo(0)
    old_path = Path(window.settings.library_dir) / photo.current_path
    data = window.grid_model.mimeData([window.grid_model.index(0)])
    glacier = window.albums.index(window.albums.row_of("Glacier"))
    with qtbot.waitSignal(window.action_finished, timeout=10_000):
        assert window.albums.dropMimeData(data, Qt.DropAction.MoveAction, -1, -1, glacier)
    new_path = Path(window.settings.library_dir) / "Glacier" / old_path.name
    assert new_path.exists() and not old_path.exists()
    catalog = catalog_of(window)
    moved = catalog.photo(photo.id)
    assert moved is not None and moved.album == "Glacier" and moved.corrected
    catalog.close()
    qtbot.waitUntil(lambda: photo.id not in window.grid_model.ids)

    # Ctrl+Z puts it back, and the photo is no longer counted as corrected.
    with qtbot.waitSignal(window.action_finished, timeout=10_000):
        QTest.keySequence(window, "Ctrl+Z")
    assert old_path.exists() and not new_path.exists()
    catalog = catalog_of(window)
    back = catalog.photo(photo.id)
    assert back is not None and back.album == "Forest" and not back.corrected
    catalog.close()


def press_on_first_review_photo(window, qtbot, key: Qt.Key):  # type: ignore[no-untyped-def]
    """Select the first photo of the review pane, press ``key`` and wait until it is done;
    returns the photo as it was."""
    show(window, qtbot, REVIEW)
    window.grid.setFocus()
    first = window.grid_model.photo(0)
    window.grid.setCurrentIndex(window.grid_model.index(0))
    with qtbot.waitSignal(window.action_finished, timeout=10_000):
        QTest.keyClick(window.grid, key)
    return first


def test_number_keys_relabel_and_enter_confirms(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    first = press_on_first_review_photo(window, qtbot, Qt.Key.Key_4)  # 4 = Mountain
    catalog = catalog_of(window)
    relabelled = catalog.photo(first.id)
    assert relabelled is not None and relabelled.album == "Mountain" and relabelled.corrected
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == 17)
    second = window.grid_model.photo(0)
    window.grid.setCurrentIndex(window.grid_model.index(0))
    with qtbot.waitSignal(window.action_finished, timeout=10_000):
        QTest.keyClick(window.grid, Qt.Key.Key_Return)
    confirmed = catalog.photo(second.id)
    assert confirmed is not None and confirmed.album == second.album and confirmed.corrected
    assert catalog.review_count() == 16
    catalog.close()


def shown(window) -> list:  # type: ignore[no-untyped-def, type-arg]
    return [window.grid_model.photo(row) for row in range(window.grid_model.rowCount())]


def test_review_lists_the_least_sure_first_and_filters_confusions(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    show(window, qtbot, REVIEW)
    confidences = [p.confidence for p in shown(window)]
    assert confidences == sorted(confidences) and len(confidences) == 18
    button = next(
        b for b in window.review_bar.filters.buttons() if b.text() == "Mountain or glacier?"
    )
    with qtbot.waitSignal(window.page_shown, timeout=10_000):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    for photo in shown(window):
        assert {photo.predicted, photo.runner_up} == {"mountain", "glacier"}


def test_review_asks_only_about_photos_the_model_was_unsure_of(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    catalog = catalog_of(window)
    photos = catalog.photos()
    below = 0.99
    unsure = sorted((p for p in photos if p.confidence < below), key=lambda p: (p.confidence, p.id))
    assert 0 < len(unsure) < len(photos)  # the real sample photos have both kinds
    window.settings = replace(window.settings, review_below=below)
    show(window, qtbot, REVIEW)
    assert [p.id for p in shown(window)] == [p.id for p in unsure]
    assert window.albums.counts[REVIEW] == len(unsure) == catalog.review_count(below)
    assert window.heading.text() == f"Review: {len(unsure)} photos"
    assert window.review_bar.hint.text().startswith("Under 99% sure; least sure first.")
    window.grid.selectAll()
    with qtbot.waitSignal(window.action_finished, timeout=10_000):
        window.confirm_selected()
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == 0)
    assert window.albums.counts[REVIEW] == 0
    assert window.heading.text() == "Review: nothing to check."
    assert "at least 99% sure of every photo" in window.review_bar.hint.text()
    window.settings = replace(window.settings, review_below=1.0)  # every photo not looked at
    refreshed(window, qtbot)
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == len(photos) - len(unsure))
    assert window.albums.counts[REVIEW] == len(photos) - len(unsure)
    window.grid.selectAll()
    with qtbot.waitSignal(window.action_finished, timeout=10_000):
        window.confirm_selected()
    window.settings = replace(window.settings, review_below=below)
    refreshed(window, qtbot)
    assert window.heading.text() == "Review: you have looked at every photo."
    catalog.close()


def test_selecting_a_photo_shows_its_scene_and_confidence(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    show(window, qtbot, "Sea")
    window.grid.setCurrentIndex(window.grid_model.index(0))
    photo = window.grid_model.photo(0)
    assert photo.predicted in window.preview.verdict.text()
    assert f"{photo.confidence:.0%}" in window.preview.verdict.text()
    qtbot.waitUntil(
        lambda: (
            window.preview.image.pixmap() is not None and not window.preview.image.pixmap().isNull()
        ),
        timeout=10_000,
    )


def test_an_unexpected_error_shows_the_log_path_and_the_app_keeps_running(
    qtbot, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QApplication

    from cene_desktop.logs import log_path
    from cene_desktop.ui.app import install_crash_dialog, shown_crash_dialogs

    app = QApplication.instance()
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    install_crash_dialog(app)
    try:
        raise RuntimeError("boom")
    except RuntimeError as error:
        sys.excepthook(type(error), error, error.__traceback__)
    box = shown_crash_dialogs[-1]
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert str(log_path()) in box.text() and "keeps running" in box.text()
    box.close()


def test_a_library_that_cannot_be_used_is_a_clear_message(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from cene_desktop.config import Settings
    from cene_desktop.ui.main_window import MainWindow

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the library should be")
    window = MainWindow(
        Settings(photos_dir=str(tmp_path), library_dir=str(blocker), watching=False),
        settings_file=tmp_path / "settings.json",
    )
    qtbot.addWidget(window)
    window.start()
    qtbot.waitUntil(lambda: "cannot use the library folder" in window.statusBar().currentMessage())
    assert window.editing.worker is None  # nothing else started on a library it cannot use
    assert blocker.read_text() == "a file where the library should be"


def test_a_library_open_in_another_cene_is_one_clear_sentence(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import subprocess

    from cene_desktop.config import Settings
    from cene_desktop.ui.main_window import MainWindow

    library = tmp_path / "Albums"
    library.mkdir()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time; from pathlib import Path; "
            "from cene_desktop.core.catalog import Catalog; "
            f"c = Catalog.open(Path({str(library)!r})); print('open', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        window = MainWindow(
            Settings(photos_dir=str(tmp_path), library_dir=str(library), watching=False),
            settings_file=tmp_path / "settings.json",
        )
        qtbot.addWidget(window)
        window.start()
        qtbot.waitUntil(lambda: "in use by another Cene" in window.statusBar().currentMessage())
        message = window.statusBar().currentMessage()
        assert f"(pid {holder.pid})" in message
        assert ".." not in message  # the catalog's sentence and the window's, one full stop each
        assert message.endswith("or choose another library. Choose another one in Settings.")
    finally:
        holder.kill()
        holder.wait()


def test_a_catalog_that_stops_answering_is_opened_afresh(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    # What a vanished library drive looks like to SQLite: every query fails.
    broken = window.reader.catalog
    broken._db.close()
    refreshed(window, qtbot)  # no crash dialog: a message, and a fresh connection
    assert window.reader.catalog is not None and window.reader.catalog is not broken
    assert "cannot read the library's catalog" in window.statusBar().currentMessage()
    assert window.albums.counts[REVIEW] == 18
    # And the editing worker's connection: the action fails with a message, the next works.
    library = window.editing.worker.library()
    library.catalog._db.close()
    failures = Recorder()
    window.editing.worker.failed.connect(failures.record)
    show(window, qtbot, "Forest")
    data = window.grid_model.mimeData([window.grid_model.index(0)])
    glacier = window.albums.index(window.albums.row_of("Glacier"))
    window.albums.dropMimeData(data, Qt.DropAction.MoveAction, -1, -1, glacier)
    qtbot.waitUntil(lambda: bool(failures.calls), timeout=10_000)
    with qtbot.waitSignal(window.action_finished, timeout=10_000):
        window.albums.dropMimeData(data, Qt.DropAction.MoveAction, -1, -1, glacier)
    assert window.editing.worker.library() is not library  # opened afresh, and it worked
    assert window.albums.counts["Glacier"] >= 1


def offer_put_back(window, qtbot):  # type: ignore[no-untyped-def]
    """Press Put back and wait for the question (what it would undo is read from the catalog
    in the reader's thread)."""
    window.editing.offer_put_back()

    def asked() -> bool:
        box = window.editing.put_back_offer
        nothing = window.statusBar().currentMessage().startswith("Nothing to put back")
        return nothing or (box is not None and box.isVisible())

    qtbot.waitUntil(asked, timeout=10_000)
    return window.editing.put_back_offer


def test_put_back_undoes_the_last_sorting_after_asking_and_stops_watching(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    from ..conftest import sample_files

    photos = Path(window.settings.photos_dir)
    originals = {f"{name}-{path.name}": path.read_bytes() for name, path in sample_files(3)}
    assert not any(photos.iterdir())  # the fixture's sort moved them all into the albums
    window.sorting.set_watching(True)
    qtbot.waitUntil(lambda: window.sorting.watching, timeout=20_000)

    box = offer_put_back(window, qtbot)
    words = "photos (and 1 RAW, video or sidecar file that goes with them) Cene sorted since"
    assert f"Put the {len(originals)} {words}" in box.summary.text()
    assert str(photos) in box.summary.text()
    assert box.list.count() == 1 and not box.keep.isVisible()  # one run; nobody looked yet
    box.cancel_button.click()
    assert not any(photos.iterdir()) and window.sorting.watching  # cancelled: nothing happened

    put_back = offer_put_back(window, qtbot).put_back_button
    progress = Recorder()
    window.editing.worker.progress.connect(progress.record)
    with qtbot.waitSignal(window.action_finished, timeout=30_000):
        put_back.click()
    steps = [call[:2] for call in progress.calls]
    assert steps[-1] == (len(originals), len(originals)) and steps == sorted(steps)
    assert not window.status.progress.isVisible()  # shown while it ran, gone once done
    assert not window.sorting.watching and not window.settings.watching  # so they stay there
    back = {p.name: p.read_bytes() for p in photos.iterdir()}
    (video,) = [name for name in back if name.endswith(".MOV")]  # a Live Photo's, back with it
    assert {name: data for name, data in back.items() if name != video} == originals
    qtbot.waitUntil(lambda: sum(window.albums.counts[a] for a in ALBUMS) == 0)
    assert f"Put {len(originals)} photos back into {photos}" in window.statusBar().currentMessage()
    offer_put_back(window, qtbot)  # the same sorting cannot be put back twice
    assert window.statusBar().currentMessage().startswith("Nothing to put back")


def test_photos_that_cannot_go_back_stay_and_can_be_put_back_later(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    photos = Path(window.settings.photos_dir)
    photos.rmdir()
    photos.write_text("a file where the photo folder was")  # the way back is blocked

    def put_back() -> None:
        button = offer_put_back(window, qtbot).put_back_button
        with qtbot.waitSignal(window.action_finished, timeout=30_000):
            button.click()

    put_back()
    warnings = [
        box
        for box in window.findChildren(QMessageBox)
        if box.icon() == QMessageBox.Icon.Warning and box.isVisible()
    ]
    assert len(warnings) == 1  # one message for all 18 photos, not 18 dialogs
    lines = warnings[0].text().splitlines()
    assert len(lines) == 6 and lines[-1] == "… and 13 more (all in the log file)"
    assert "stays in the library" in lines[0] and "a file of that name is in the way" in lines[0]
    assert sum(window.albums.counts[a] for a in ALBUMS) == 18  # nothing moved
    photos.unlink()  # the person clears the way and tries again
    put_back()
    assert len(list(photos.iterdir())) == 18 + 1  # and the fixture's Live Photo video
    qtbot.waitUntil(lambda: sum(window.albums.counts[a] for a in ALBUMS) == 0)


def test_a_live_photo_s_video_is_named_in_the_preview_and_follows_a_drag(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    library = Path(window.settings.library_dir)
    (video,) = library.glob("*/forest-*.MOV")
    show(window, qtbot, video.parent.name)
    row = next(
        r
        for r in range(window.grid_model.rowCount())
        if Path(window.grid_model.photo(r).current_path).stem == video.stem
    )
    window.grid.setCurrentIndex(window.grid_model.index(row))
    qtbot.waitUntil(lambda: f"with {video.name}" in window.preview.title.text())
    data = window.grid_model.mimeData([window.grid_model.index(row)])
    target = "Street" if video.parent.name != "Street" else "Sea"
    with qtbot.waitSignal(window.action_finished, timeout=10_000):
        window.albums.dropMimeData(
            data,
            Qt.DropAction.CopyAction,
            -1,
            -1,
            window.albums.index(window.albums.row_of(target)),
        )
    assert (library / target / video.name).exists() and not video.exists()


def test_key_0_files_a_photo_under_other_and_the_album_list_counts_it(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    first = press_on_first_review_photo(window, qtbot, Qt.Key.Key_0)
    catalog = catalog_of(window)
    moved = catalog.photo(first.id)
    assert moved is not None and moved.album == "Other" and moved.corrected
    assert (Path(window.settings.library_dir) / "Other" / Path(moved.current_path).name).is_file()
    qtbot.waitUntil(lambda: window.albums.counts.get("Other") == catalog.album_counts()["Other"])
    assert "Other" in window.albums.names
    catalog.close()


def test_not_a_scene_review_lists_photos_near_the_gate_either_side(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    from cene_desktop.core import gate

    catalog = catalog_of(window)
    centre = window.model_info.gate["thresholds"]["normal"]
    low, high = gate.boundary_band(centre)
    # What a re-check would store for two photos: one just below the line, one just above.
    photos = catalog.photos()
    catalog.set_predictions(
        [
            (p.id, p.predicted, p.confidence, p.runner_up, p.probabilities, "test", likely)
            for p, likely in ((photos[0], centre - 0.05), (photos[1], centre + 0.1))
        ]
    )
    near = [p for p in catalog.photos() if low <= (p.scene_probability or -1.0) <= high]
    assert len(near) >= 2
    catalog.close()
    show(window, qtbot, REVIEW)
    button = next(b for b in window.review_bar.filters.buttons() if b.text() == "Not a scene?")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.grid_model.rowCount() == len(near))
    assert {p.id for p in shown(window)} == {p.id for p in near}
    assert window.heading.text() == f"Review: {len(near)} photos, scene or Other?"
    assert window.review_bar.hint.text().startswith(
        "Nearest the line between a scene and Other first."
    )


def test_an_old_library_is_offered_a_recheck_for_its_photos_of_no_scene(
    qtbot, tmp_path: Path, classifier
) -> None:  # type: ignore[no-untyped-def]
    from cene_desktop.config import Settings

    from ..core.test_other_album import _albums, _mixed_folder, _old_library

    photos = tmp_path / "photos"
    photos.mkdir()
    truth = _mixed_folder(photos)
    library = _old_library((photos, truth), tmp_path, classifier)
    before = _albums(library)
    settings = Settings(photos_dir=str(photos), library_dir=str(library), watching=False)
    window = started_window(qtbot, settings, tmp_path / "settings.json")
    offer = window.learner.other_offer
    assert offer.isVisible() and f"{len(truth)} photos" in offer.text()
    rechecked = Recorder()
    window.learning_finished.connect(rechecked.record)
    next(b for b in offer.buttons() if b.text() == "Re-check albums").click()
    qtbot.waitUntil(lambda: bool(rechecked.calls), timeout=60_000)
    catalog = catalog_of(window)
    suggested = {Path(p.current_path).name for p in catalog.suggestions() if p.suggested == "Other"}
    assert {name for name, kind in truth.items() if kind == "other"} <= suggested
    assert catalog.unjudged_by_gate() == 0
    catalog.close()
    assert _albums(library) == before  # nothing moved
    window.close()


def test_photos_sorted_into_other_albums_update_the_counts_not_the_album_shown(
    window, qtbot
) -> None:  # type: ignore[no-untyped-def]
    import shutil

    from ..conftest import sample_files

    photos = Path(window.settings.photos_dir)
    later = [
        (name, path)
        for name, path in sample_files(5)
        if path.name not in {p.name for _, p in sample_files(3)}
    ]
    show(window, qtbot, "Sea")
    window.grid.setCurrentIndex(window.grid_model.index(0))
    selected = window.selected_ids()
    assert len(window.grid_model.ids) == window.albums.counts["Sea"]
    reads = Recorder()
    window.page_shown.connect(reads.record)
    window.sorting.set_watching(True)
    qtbot.waitUntil(lambda: window.sorting.watching, timeout=20_000)
    before = sum(window.albums.counts[a] for a in ALBUMS)

    for name, path in later:
        if name == "forest":
            shutil.copyfile(path, photos / f"later-{path.name}")
    qtbot.waitUntil(
        lambda: sum(window.albums.counts[a] for a in ALBUMS) == before + 2, timeout=30_000
    )
    assert window.albums.counts["Sea"] == len(window.grid_model.ids)  # none went to Sea
    assert reads.calls == []  # counted, but the Sea album shown was not read again
    assert window.selected_ids() == selected

    for name, path in later:
        if name == "sea":
            shutil.copyfile(path, photos / f"later-{path.name}")
    qtbot.waitUntil(
        lambda: sum(window.albums.counts[a] for a in ALBUMS) == before + 4, timeout=30_000
    )
    catalog = catalog_of(window)
    sea = catalog.photo_ids("Sea")
    catalog.close()
    qtbot.waitUntil(lambda: window.grid_model.ids == sea)  # read again once photos came to it
    assert window.selected_ids() == selected
