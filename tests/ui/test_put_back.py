"""Put back lists the sorting runs (each time watching started is one) and puts back the one
chosen and every later one; photos a person looked at stay unless they say otherwise, and the
dialog says plainly what would be lost."""

from __future__ import annotations

import shutil
from pathlib import Path

from cene_desktop.core.albums import ALBUMS

from ..conftest import sample_files
from .test_main_window import offer_put_back


def total(window) -> int:  # type: ignore[no-untyped-def]
    return sum(window.albums.counts[a] for a in ALBUMS)


def test_put_back_lists_the_runs_and_keeps_what_was_looked_at(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    photos = Path(window.settings.photos_dir)
    fixture = {p.name for _, p in sample_files(3)}
    later = [p for _, p in sample_files(5) if p.name not in fixture][:4]
    for sitting in (later[:2], later[2:]):  # watching started twice: two more runs
        window.sorting.set_watching(True)
        qtbot.waitUntil(lambda: window.sorting.watching, timeout=20_000)
        before = total(window)
        for path in sitting:
            shutil.copyfile(path, photos / f"later-{path.name}")
        qtbot.waitUntil(lambda: total(window) == before + 2, timeout=30_000)  # noqa: B023
        window.sorting.set_watching(False)
        qtbot.waitUntil(lambda: not window.sorting.watching, timeout=20_000)
    assert total(window) == 22

    window.grid.setCurrentIndex(window.grid_model.index(0))  # the person confirms one photo
    with qtbot.waitSignal(window.action_finished, timeout=10_000):
        window.confirm_selected()

    dialog = offer_put_back(window, qtbot)
    assert dialog.list.count() == 3  # the first sort and the two sittings, newest first
    assert "2 photos from" in dialog.list.item(0).text()
    assert "18 photos from" in dialog.list.item(2).text()
    assert "Put the 2 photos Cene sorted since" in dialog.summary.text()  # the newest, first
    dialog.list.setCurrentRow(2)  # since the first sort: everything
    assert dialog.keep.isChecked() and dialog.keep.text().startswith("Keep the 1 photo you")
    assert "Put the 21 photos (and 1 RAW" in dialog.summary.text()
    assert "The 1 photo you looked at stays where you put them" in dialog.summary.text()
    dialog.keep.setChecked(False)
    assert "Put the 22 photos" in dialog.summary.text()
    assert "corrections and confirmations of 1 photo go with them" in dialog.summary.text()
    dialog.keep.setChecked(True)

    with qtbot.waitSignal(window.action_finished, timeout=30_000):
        dialog.put_back_button.click()
    qtbot.waitUntil(lambda: total(window) == 1)  # the one looked at stays
    names = {p.name for p in photos.iterdir()}
    assert len(names) == 21 + 1  # and the fixture's Live Photo video went back with its photo
    assert "Put 21 photos back" in window.statusBar().currentMessage()
    assert offer_put_back(window, qtbot) is None  # nothing left to put back


def test_when_every_photo_was_looked_at_it_says_so(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    from .test_main_window import show

    for album in ALBUMS:  # the person confirms every photo of every album
        if window.albums.counts[album]:
            show(window, qtbot, album)
            window.grid.selectAll()
            with qtbot.waitSignal(window.action_finished, timeout=10_000):
                window.confirm_selected()
    dialog = offer_put_back(window, qtbot)
    assert dialog.summary.text().startswith("You corrected or confirmed every one of the 18")
    assert not dialog.put_back_button.isEnabled()
    dialog.keep.setChecked(False)
    assert dialog.put_back_button.isEnabled() and "Put the 18 photos" in dialog.summary.text()
