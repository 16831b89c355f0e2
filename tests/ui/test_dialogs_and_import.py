"""The welcome dialog's checks and count, and photos dropped in from the file manager."""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from cene_desktop.config import Settings
from cene_desktop.core.albums import REVIEW_BELOW
from cene_desktop.ui.dialogs.settings import SettingsDialog, WelcomeDialog
from cene_desktop.ui.worker import LibraryWorker, start_in_thread

from ..conftest import sample_files
from .conftest import Recorder


def test_welcome_counts_the_photos_already_there_and_checks_the_folders(
    qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    photos = tmp_path / "Import"
    photos.mkdir()
    for index, (_, path) in enumerate(sample_files(1)):
        shutil.copyfile(path, photos / f"{index}.jpg")
    dialog = WelcomeDialog(Settings())
    qtbot.addWidget(dialog)
    assert not dialog.start_button.isEnabled()
    assert "Choose the folder" in dialog.status.text()
    dialog.form.photos.setText(str(tmp_path / "missing"))
    assert "does not exist. Choose an existing folder." in dialog.status.text()
    dialog.form.photos.setText(str(photos))
    qtbot.waitUntil(lambda: "6 photos are already in this folder" in dialog.status.text())
    assert dialog.start_button.isEnabled()
    dialog.form.library.setText(str(photos))
    assert "own folder" in dialog.status.text() and not dialog.start_button.isEnabled()
    dialog.form.library.setText(str(tmp_path / "Albums"))
    with qtbot.waitSignal(dialog.preview_requested) as preview:
        dialog.preview_button.click()
    assert preview.args[0].photos_dir == str(photos)
    dialog.start_button.click()
    assert dialog.settings.photos_dir == str(photos) and dialog.settings.mode == "move"


def test_settings_dialog_keeps_the_model_default_unless_changed(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(photos_dir=str(tmp_path), library_dir=str(tmp_path / "Albums"))
    dialog = SettingsDialog(settings, default_threshold=0.93)
    qtbot.addWidget(dialog)
    dialog._accept()
    assert dialog.settings.threshold is None
    assert dialog.settings.review_below == REVIEW_BELOW
    assert dialog.threshold.text() == "93 %"  # in per cent, as everywhere else
    dialog.threshold.setValue(50)
    dialog.polling.setChecked(True)
    dialog.review_below.setValue(99)
    dialog._accept()
    assert dialog.settings.threshold == 0.5 and dialog.settings.polling
    assert dialog.settings.review_below == 0.99


def test_the_other_album_can_be_turned_off_in_the_settings(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(photos_dir=str(tmp_path), library_dir=str(tmp_path / "Albums"))
    dialog = SettingsDialog(settings, default_threshold=0.93)
    qtbot.addWidget(dialog)
    assert dialog.other.currentText() == "Other album"
    dialog.other.setCurrentIndex(dialog.other.findText("No Other album (scene albums or Unsorted)"))
    dialog._accept()
    assert dialog.settings.other == "off"
    again = SettingsDialog(dialog.settings, default_threshold=0.93)
    qtbot.addWidget(again)
    assert again.other.currentData() == "off"


class ImportRequests(QObject):
    request_import = Signal(list, str)


def test_dropped_files_are_copied_into_the_watched_folder_never_moved(
    qtbot, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    elsewhere, photos = tmp_path / "USB stick", tmp_path / "Import"
    elsewhere.mkdir()
    photos.mkdir()
    (_, path), *_ = sample_files(1)
    dropped = elsewhere / "beach.jpg"
    shutil.copyfile(path, dropped)
    (photos / "beach.jpg").write_bytes(b"a different photo with the same name")
    (elsewhere / "notes.txt").write_text("not a photo")
    worker = LibraryWorker(tmp_path / "Albums")
    thread = start_in_thread(worker, "test-library")
    done, failed = Recorder(), Recorder()
    worker.done.connect(done.record)
    worker.failed.connect(failed.record)
    try:
        requests = ImportRequests()
        requests.request_import.connect(worker.import_files)  # queued, as in the window
        requests.request_import.emit([str(dropped), str(elsewhere / "notes.txt")], str(photos))
        qtbot.waitUntil(lambda: bool(done.calls), timeout=10_000)
    finally:
        thread.quit()
        thread.wait(10_000)
    assert dropped.read_bytes() == path.read_bytes()  # the original stays where it was
    assert (photos / "beach (2).jpg").read_bytes() == path.read_bytes()
    assert (photos / "beach.jpg").read_bytes() == b"a different photo with the same name"
    assert any("notes.txt" in str(args[0]) for args in failed.calls)
    assert "Copied 1 photo into" in str(done.calls[0][0])
