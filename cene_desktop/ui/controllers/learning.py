"""Learning from corrections: improving the model, re-checking the albums, model versions."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QMessageBox

from cene_desktop.core import gate
from cene_desktop.core.learning import (
    LearningReport,
    RecheckReport,
    describe_version,
)
from cene_desktop.core.models import ModelStore
from cene_desktop.core.words import count_of
from cene_desktop.ui.controllers.base import Controller
from cene_desktop.ui.dialogs.questions import offer_recheck, tell
from cene_desktop.ui.worker import LearnWorker, start_in_thread

if TYPE_CHECKING:
    from cene_desktop.core.classifier import SceneClassifier
    from cene_desktop.ui.main_window import MainWindow

log = logging.getLogger(__name__)


class LearningController(Controller):
    """Runs learning and re-checking in the learn worker, one job at a time, and offers what
    follows from them (a re-check after a new version, Other for an older library)."""

    request_improve = Signal()
    request_recheck = Signal()
    request_activate = Signal(str)  # a model version's name
    #: The learn worker has switched to this model version (the settings dialog shows it).
    version_activated = Signal(str)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.worker: LearnWorker | None = None
        self.model_store: ModelStore | None = None
        self.busy = False  # a learning or re-checking job is running
        self._asked = False  # the person asked (show the outcome in a dialog)
        self.recheck_offer: QMessageBox | None = None
        self.other_offer: QMessageBox | None = None

    def start(
        self, library: Path, classifier: Callable[[], SceneClassifier], unjudged: int = 0
    ) -> None:
        """``unjudged``: photos of the library sorted before Cene had an Other album."""
        settings = self.window.settings
        info = self.window.model_info
        self.model_store = ModelStore(library, info.version if info else None)
        worker = self.worker = LearnWorker(library, classifier, settings.threshold, settings.other)
        self.window.threads.append(start_in_thread(worker, "cene-learn"))
        self.request_improve.connect(worker.improve)
        self.request_recheck.connect(worker.recheck)
        self.request_activate.connect(worker.activate)
        worker.progress.connect(self._progress)
        worker.activated.connect(self._activated)
        worker.improved.connect(self._improved)
        worker.rechecked.connect(self._rechecked)
        worker.failed.connect(self._failed)
        self.show_model_version()
        self.offer_other_recheck(unjudged)

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop()

    def close(self) -> None:
        if self.worker is not None:
            self.worker.close()
            self.worker = None
        self.busy = False

    def show_model_version(self) -> None:
        info = self.window.model_info
        if self.model_store is None or info is None:
            return
        self.status.show_model(*describe_version(self.model_store, info.version))

    def improve(self) -> None:
        """Learn from the corrections now (the person asked)."""
        self._asked = True
        self.start_learning()

    def start_learning(self, recheck: bool = False) -> None:
        if self.worker is None or self.busy:
            return
        self.busy = True
        self.window.toolbar.improve_action.setEnabled(False)
        self.status.show_learning("Re-checking the albums…" if recheck else "Learning…")
        (self.request_recheck if recheck else self.request_improve).emit()

    def activate_version(self, name: str) -> None:
        """Use another model version (rollback included); from the settings dialog. The learn
        worker switches, then re-checks the albums (suggestions and the review pane follow)."""
        if self.worker is None:
            return
        self.request_activate.emit(name)
        self.start_learning(recheck=True)  # queued behind the switch

    def _activated(self, name: str) -> None:
        self.show_model_version()
        self.window.refresh()
        self.version_activated.emit(name)

    def offer_other_recheck(self, unjudged: int) -> None:
        """A library sorted before Cene had an Other album: offer to look for its photos of
        no scene (suggestions only; nothing moves unless the person accepts them)."""
        if not unjudged or self.window.settings.other == gate.OFF:
            return
        self.other_offer = offer_recheck(
            self.window,
            "Cene has an Other album",
            f"{count_of(unjudged)} in this library were sorted before Cene had an Other album for "
            "photos of no scene (people, documents, pets, food).",
            "Re-check them? Cene will list the ones that belong in Other under Review → "
            "Suggestions. Nothing is moved without you.",
            lambda: self.start_learning(recheck=True),
        )

    def _done(self) -> None:
        self.busy = False
        self.window.toolbar.improve_action.setEnabled(True)
        self.status.show_learning("")

    def _progress(self, done: int, total: int, what: str) -> None:
        self.status.show_learning(f"{what}… {done}/{total}" if total > 1 else f"{what}…")

    def _failed(self, message: str) -> None:
        self._done()
        self._asked = False
        self.window.show_error(message)
        self.window.learning_finished.emit(None)

    def _improved(self, report: LearningReport) -> None:
        self._done()
        asked, self._asked = self._asked, False
        self.show_model_version()
        self.status.message(report.message, 15000)
        for problem in report.problems or []:
            log.info("%s", problem)
        if report.adopted:
            if self.recheck_offer is not None:
                self.recheck_offer.close()  # an offer for an older version is moot
            self.recheck_offer = offer_recheck(
                self.window,
                "Cene learnt from your photos",
                report.message,
                "Re-check the photos already in your albums? Cene will list the ones it would "
                "now place elsewhere under Review → Suggestions. Nothing is moved without you.",
                lambda: self.start_learning(recheck=True),
            )
        elif asked:
            tell(self.window, report.message)
        self.window.learning_finished.emit(report)

    def _rechecked(self, report: RecheckReport) -> None:
        self._done()
        self.status.message(report.message, 15000)
        self.window.refresh()
        self.window.learning_finished.emit(report)
