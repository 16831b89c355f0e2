"""The first hour's settings and skipped files: Browse… opens where the person expects and a
new albums folder is made on OK; the files Cene skipped while watching are listed with why,
and leave the list once sorted; the welcome counts only photos Cene can sort; photos arriving
while watching are told of in one notice. Real files, the real model."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, QTimer, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit, QPushButton, QToolButton

from cene_desktop.config import Settings
from cene_desktop.core.albums import ALBUMS
from cene_desktop.ui.dialogs.settings import SettingsDialog, WelcomeDialog
from cene_desktop.ui.dialogs.skipped import SkippedDialog

from ..conftest import sample_files
from .conftest import watching_window


def _browse(form_row_edit: QLineEdit, qtbot, act) -> None:  # type: ignore[no-untyped-def]
    """Press the Browse… next to ``form_row_edit`` and run ``act`` on the file dialog."""
    seen: list[QFileDialog] = []

    def inspect() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, QFileDialog)
        seen.append(dialog)
        act(dialog)

    browse = form_row_edit.parentWidget().findChild(QPushButton)
    assert browse.text() == "Browse…"
    QTimer.singleShot(200, inspect)
    browse.click()
    assert seen, "no file dialog was shown"


def test_browse_starts_at_the_folder_in_the_field_and_a_new_albums_folder_is_made(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    home = tmp_path / "home"
    (home / "Pictures").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))  # no user-dirs.dirs there
    photos = tmp_path / "Camera"
    photos.mkdir()
    dialog = SettingsDialog(
        Settings(photos_dir="", library_dir=str(tmp_path / "Albums")), default_threshold=0.9
    )
    qtbot.addWidget(dialog)
    form = dialog.form

    # Nothing in the field: the Pictures folder, not the working directory.
    def cancel_at_pictures(chooser: QFileDialog) -> None:
        assert Path(chooser.directory().absolutePath()) == home / "Pictures"
        chooser.reject()

    _browse(form.photos, qtbot, cancel_at_pictures)
    assert form.photos.text() == ""

    # A folder in the field: there.
    form.photos.setText(str(photos))

    def at_photos(chooser: QFileDialog) -> None:
        assert Path(chooser.directory().absolutePath()) == photos
        chooser.reject()

    _browse(form.photos, qtbot, at_photos)

    # The albums folder does not exist yet: the dialog opens at the folder above it, offers
    # to make a new folder, and a new name typed in it is taken (Qt's "Directory not found").
    def type_new_folder(chooser: QFileDialog) -> None:
        assert Path(chooser.directory().absolutePath()) == tmp_path
        new_folder = chooser.findChild(QToolButton, "newFolderButton")
        assert new_folder is not None and new_folder.isEnabled()
        chooser.findChild(QLineEdit, "fileNameEdit").setText("My Albums")
        chooser.accept()

    _browse(form.library, qtbot, type_new_folder)
    assert form.library.text() == str(tmp_path / "My Albums")
    assert not (tmp_path / "My Albums").exists()  # made on OK, not before
    dialog._accept()  # OK
    assert dialog.result() == SettingsDialog.DialogCode.Accepted
    assert (tmp_path / "My Albums").is_dir()
    assert dialog.settings.library_dir == str(tmp_path / "My Albums")

    # A folder typed into the field that cannot be made: a sentence, the dialog stays.
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    again = SettingsDialog(
        Settings(photos_dir=str(photos), library_dir=str(blocker / "Albums")),
        default_threshold=0.9,
    )
    qtbot.addWidget(again)
    again._accept()
    assert again.result() != SettingsDialog.DialogCode.Accepted
    assert again.status.text().startswith(f"Cene cannot make the albums folder {blocker}")
    assert "Choose another folder." in again.status.text()
    # The photo folder must exist.
    again.form.photos.setText(str(tmp_path / "Missing"))
    again.form.library.setText(str(tmp_path / "Albums"))
    again._accept()
    assert again.status.text() == (
        f"The photo folder {tmp_path / 'Missing'} does not exist. Choose an existing folder."
    )
    assert not (tmp_path / "Albums").exists()


def test_the_welcome_counts_only_photos_cene_can_sort(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    photos = tmp_path / "Camera"
    photos.mkdir()
    for index, (_, path) in enumerate(sample_files(2)[:3]):
        shutil.copyfile(path, photos / f"IMG_{index:04d}.jpg")
    (photos / "empty.jpg").write_bytes(b"")
    (photos / "notes.jpg").write_text("a shopping list saved with the wrong name")
    dialog = WelcomeDialog(Settings(photos_dir=str(photos), library_dir=str(tmp_path / "Albums")))
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: "are already in this folder" in dialog.status.text(), timeout=10_000)
    text = dialog.status.text()
    assert text.startswith("3 photos are already in this folder (and 2 files Cene will skip")
    assert f"The albums folder {tmp_path / 'Albums'} will be made." in text


class Opened(QObject):
    """Stands in for the file manager: the folders Show in folder asked to open."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


def test_files_skipped_while_watching_are_listed_with_why_until_sorted(
    qtbot, tmp_path: Path, classifier
) -> None:  # type: ignore[no-untyped-def]
    window, photos = watching_window(qtbot, tmp_path, classifier)
    button = window.status.skipped_button
    assert not button.isVisible()  # nothing skipped yet
    _, sample = sample_files(2)[7]  # a glacier photo the library does not have
    whole = sample.read_bytes()
    (photos / "damaged.jpg").write_bytes(whole[: len(whole) // 3])  # cut short for good
    (photos / "empty.jpg").write_bytes(b"")
    (photos / "notes.jpg").write_text("a shopping list saved with the wrong name")
    # The empty and the cut-short file may still be arriving: listed once Cene gives up.
    qtbot.waitUntil(lambda: len(window.sorting.skipped) == 3, timeout=60_000)
    assert button.isVisible() and button.text() == "⚠ 3 files skipped"
    button.click()
    dialog = window.sorting.skipped_dialog
    assert isinstance(dialog, SkippedDialog) and dialog.isVisible()
    rows = {
        dialog.tree.topLevelItem(i).text(0): dialog.tree.topLevelItem(i)
        for i in range(dialog.tree.topLevelItemCount())
    }
    assert set(rows) == {"damaged.jpg", "empty.jpg", "notes.jpg"}
    assert rows["empty.jpg"].text(2) == "Empty file (0 bytes)"
    assert rows["notes.jpg"].text(2).startswith("Not an image")
    assert rows["damaged.jpg"].text(2).startswith("Incomplete JPEG: the file ends early")
    assert {row.text(1) for row in rows.values()} == {str(photos.resolve())}
    assert "Cene left 3 files where they are" in dialog.heading.text()

    dialog.tree.clearSelection()
    rows["notes.jpg"].setSelected(True)
    assert dialog.detail.text() == (
        f"{photos.resolve() / 'notes.jpg'}\n{rows['notes.jpg'].text(2)}."
    )
    dialog.copy_button.click()
    assert QGuiApplication.clipboard().text() == str(photos.resolve() / "notes.jpg")
    opened = Opened()
    QDesktopServices.setUrlHandler("file", opened, "open")
    try:
        dialog.folder_button.click()
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert [Path(url.toLocalFile()) for url in opened.urls] == [photos.resolve()]

    # The damaged photo copied again whole is sorted and leaves the list, live.
    sorted_before = sum(window.albums.counts[album] for album in ALBUMS)
    (photos / "damaged.jpg").write_bytes(whole)
    qtbot.waitUntil(lambda: len(window.sorting.skipped) == 2, timeout=30_000)
    assert "damaged.jpg" not in {
        dialog.tree.topLevelItem(i).text(0) for i in range(dialog.tree.topLevelItemCount())
    }
    assert button.text() == "⚠ 2 files skipped"
    qtbot.waitUntil(
        lambda: sum(window.albums.counts[album] for album in ALBUMS) == sorted_before + 1,
        timeout=30_000,
    )
    dialog.clear_button.click()
    assert dialog.tree.topLevelItemCount() == 0 and not button.isVisible()
    window.close()


def test_photos_arriving_while_watching_are_told_of_in_one_notice(
    qtbot, tmp_path: Path, classifier
) -> None:  # type: ignore[no-untyped-def]
    window, photos = watching_window(qtbot, tmp_path, classifier)
    messages: list[str] = []
    window.statusBar().messageChanged.connect(messages.append)
    before = {album: window.albums.counts[album] for album in ALBUMS}
    second_ones = sample_files(2)[1::2]  # the library holds the first of each scene
    for name, path in second_ones[:2]:
        shutil.copyfile(path, photos / f"new-{name}-{path.name}")
    qtbot.waitUntil(
        lambda: any(m.startswith("2 new photos sorted: ") for m in messages), timeout=30_000
    )
    (notice,) = [m for m in messages if "new photo" in m]
    told: dict[str, int] = {}
    for part in notice.removeprefix("2 new photos sorted: ").split(", "):
        count, album = part.split(" ", 1)
        told[album] = int(count)
    assert sum(told.values()) == 2
    qtbot.waitUntil(
        lambda: all(window.albums.counts[a] == before[a] + n for a, n in told.items()),
        timeout=10_000,
    )

    messages.clear()
    _, one = sample_files(3)[14]  # the third sea photo
    shutil.copyfile(one, photos / "one-more.jpg")
    qtbot.waitUntil(lambda: any("new photo sorted: " in m for m in messages), timeout=30_000)
    assert [m for m in messages if "new photo" in m][0].startswith("1 new photo sorted: 1 ")
    window.close()
