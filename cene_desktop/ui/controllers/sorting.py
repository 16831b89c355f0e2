"""Sorting and watching: the sort worker, what it says in the status bar, the welcome's plan."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
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
from cene_desktop.ui.controllers.base import Controller
from cene_desktop.ui.dialogs.plan import PlanDialog
from cene_desktop.ui.worker import SortWorker, start_in_thread

if TYPE_CHECKING:
    from cene_desktop.ui.main_window import MainWindow


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

    def start(self) -> SortWorker:
        self.window.toolbar.pause_action.setEnabled(bool(self.window.settings.photos_dir))
        worker = self.worker = SortWorker(self.window.settings)
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
        if outcome.status == "skipped" and not outcome.retry:
            self.status.message(f"Skipped {outcome.source.name}: {outcome.reason}", 8000)
        if outcome.album is not None and outcome.status in ("placed", "companion"):
            self.window.schedule_refresh(Changes(frozenset((outcome.album,)), review=True))

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
        worker.error.connect(self.window.show_error)
        worker.device.connect(self.status.show_device)
        self.request_preview.connect(worker.preview)
        self.request_preview.emit()
        self.request_preview.disconnect(worker.preview)
        self.status.message("Working out where each photo would go…")
        dialog.show()
        return dialog
