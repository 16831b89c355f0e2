"""Sorting and watching: the sort worker, what it says in the status bar (new photos sorted,
files skipped), the welcome's plan."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QWidget

from cene_desktop.config import Settings
from cene_desktop.core.events import (
    Changes,
    Event,
    LibraryBack,
    LibraryGone,
    PhotoFolderBack,
    PhotoFolderGone,
    PollingInstead,
)
from cene_desktop.core.pipeline import Outcome
from cene_desktop.core.words import count_of
from cene_desktop.ui.controllers.base import Controller
from cene_desktop.ui.dialogs.plan import PlanDialog
from cene_desktop.ui.dialogs.skipped import SkippedDialog
from cene_desktop.ui.worker import SortWorker, start_in_thread

if TYPE_CHECKING:
    from cene_desktop.ui.main_window import MainWindow

#: Photos sorted within this long of the first are told of in one notice.
ARRIVALS_MS = 3000
#: What the status bar says once a preview is shown; no longer true once a photo is placed.
PREVIEW_READY = "The preview is ready; nothing has been moved."


class SortingController(Controller):
    """Starts, pauses and resumes watching, and shows what the sort worker reports."""

    request_watch = Signal()
    request_preview = Signal()
    #: Watching started (True) or stopped (False), in the GUI thread.
    watching_changed = Signal(bool)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.worker: SortWorker | None = None
        self.watching = False
        self._previews: list[SortWorker] = []
        #: Files left where they are, and why, in the order they were skipped. A file sorted
        #: later leaves it; the list starts afresh when the photo folder changes.
        self.skipped: dict[Path, str] = {}
        self._photos_dir = window.settings.photos_dir
        self.skipped_dialog: SkippedDialog | None = None
        self.status.skipped_button.clicked.connect(self.show_skipped)
        self._arrived: Counter[str] = Counter()  # album: photos sorted since the last notice
        self._arrivals = QTimer(self, singleShot=True, interval=ARRIVALS_MS)
        self._arrivals.timeout.connect(self._tell_arrivals)

    def start(self) -> SortWorker:
        self.window.toolbar.pause_action.setEnabled(bool(self.window.settings.photos_dir))
        worker = self.worker = SortWorker(self.window.settings)
        if self.window.settings.photos_dir != self._photos_dir:  # another folder: another list
            self._photos_dir = self.window.settings.photos_dir
            self._skipped_changed({})
        self.window.threads.append(start_in_thread(worker, "cene-sort"))
        self.request_watch.connect(worker.watch)
        self.request_preview.connect(worker.preview)
        worker.outcome.connect(self._outcome)
        worker.progress.connect(self.status.show_progress)
        worker.notice.connect(self._notice)
        worker.error.connect(self.window.show_error)
        worker.device.connect(self.status.show_device)
        worker.watching.connect(self._watching_changed)
        worker.paused.connect(self._paused)
        return worker

    def stop(self) -> None:
        """Stop the worker for good (the window closes, or restarts after Settings → OK)."""
        if self.worker is not None:
            self.worker.stop()
        # Not watching from now on: a worker started next (after Settings) starts watching
        # again, and what this one still says of its run is not taken for the new one's.
        self.watching = False

    def set_watching(self, on: bool) -> None:
        if self.worker is None:
            return
        if on and not self.watching:
            self.status.show_state("Starting…")
            self.request_watch.emit()
        elif not on:
            self.worker.stop()
        self.window.settings = replace(self.window.settings, watching=on)
        self.window.save_settings()

    def toggle_watching(self) -> None:
        self.set_watching(not self.watching)

    # Slots for worker signals are methods: Qt then runs them in the GUI thread (queued).
    def _watching_changed(self, on: bool) -> None:
        sender = self.sender()
        if isinstance(sender, SortWorker) and sender is not self.worker:
            return  # a worker stopped before the settings changed, saying so late
        self.watching = on
        self.status.show_watching(on, self.window.settings.photos_dir)
        self.window.toolbar.show_watching(on)
        self.watching_changed.emit(on)

    def _paused(self, message: str) -> None:
        """A full disk pauses sorting (the worker waits for space); "" when it carries on."""
        if message:
            self.status.show_state("⏸ Sorting paused: the library's disk is full")
            self.status.hide_progress()  # the queue is scanned again once sorting resumes
            self.window.show_error(message)
        else:
            self._watching_changed(self.watching)
            self.status.message("There is space on the disk again: sorting carries on.", 15000)

    def _outcome(self, outcome: Outcome) -> None:
        skipped = dict(self.skipped)
        if outcome.status == "skipped":
            # A file that may still be arriving is listed only once Cene has given up on it.
            if not outcome.retry and outcome.reason:
                skipped[outcome.source] = outcome.reason
                self.status.message(f"Skipped {outcome.source.name}: {outcome.reason}", 8000)
        else:
            skipped.pop(outcome.source, None)  # sorted (or found in the library) after all
        if skipped != self.skipped:
            self._skipped_changed(skipped)
        if outcome.album is not None and outcome.status in ("placed", "companion"):
            self.window.schedule_refresh(Changes(frozenset((outcome.album,)), review=True))
        if outcome.album is not None and outcome.status == "placed":
            if self.status.bar.currentMessage() == PREVIEW_READY:
                self.status.bar.clearMessage()  # photos are moving now: progress shows instead
            self._arrived[outcome.album] += 1
            if not self._arrivals.isActive():
                self._arrivals.start()

    def _tell_arrivals(self) -> None:
        """'3 new photos sorted: 2 Sea, 1 Other', for the photos of the last few seconds."""
        arrived, self._arrived = self._arrived, Counter()
        if arrived:
            albums = ", ".join(f"{count:,} {album}" for album, count in arrived.most_common())
            self.status.message(f"{count_of(arrived.total(), 'new photo')} sorted: {albums}", 10000)

    def _skipped_changed(self, skipped: dict[Path, str]) -> None:
        self.skipped = skipped
        self.status.show_skipped(len(skipped))
        if self.skipped_dialog is not None:
            self.skipped_dialog.show_files(skipped)

    def show_skipped(self) -> SkippedDialog:
        """The list of skipped files (the status bar's button), kept up to date while open."""
        if self.skipped_dialog is None:
            self.skipped_dialog = SkippedDialog(self.window)
            self.skipped_dialog.cleared.connect(lambda: self._skipped_changed({}))
        dialog = self.skipped_dialog
        dialog.show_files(self.skipped)
        if dialog.isVisible():  # open behind the window: brought to the front
            dialog.raise_()
            dialog.activateWindow()
        dialog.show()
        return dialog

    def _notice(self, event: Event) -> None:
        self.status.message(event.message, 15000)
        if isinstance(event, LibraryGone | PhotoFolderGone | PollingInstead):
            self.status.show_state(event.message)
        elif isinstance(event, LibraryBack | PhotoFolderBack):
            self._watching_changed(self.watching)
            if isinstance(event, LibraryBack):
                self.window.reopen_catalog()  # the old connection may point at the vanished disk

    def preview_plan(self, settings: Settings, parent: QWidget | None = None) -> PlanDialog:
        """Run a dry run in a worker of its own; its plan shows in a dialog on top of
        ``parent`` (the welcome that asked), at once, filled in when the dry run is done."""
        dialog = PlanDialog(parent or self.window)
        worker = SortWorker(settings)
        self._previews.append(worker)  # kept: a worker nobody holds is collected, never runs
        self.window.threads.append(start_in_thread(worker, "cene-preview"))
        worker.plan_ready.connect(dialog.show_summary)
        worker.plan_ready.connect(self._plan_shown)  # the "working out" line goes
        worker.error.connect(self.window.show_error)
        worker.device.connect(self.status.show_device)
        self.request_preview.connect(worker.preview)
        self.request_preview.emit()
        self.request_preview.disconnect(worker.preview)
        self.status.message("Working out where each photo would go…")
        dialog.show()
        return dialog

    def _plan_shown(self, _summary: object) -> None:
        self.status.message(PREVIEW_READY, 8000)
