"""Background workers: the window asks, core does the work in another thread, Qt signals answer.

``SortWorker`` runs the engine's watch loop (decode, classify, place) in its own thread;
``LibraryWorker`` performs a person's edits (relabel, confirm, undo, importing dropped files)
one at a time in another; ``LearnWorker`` improves the model from those edits and re-checks the
albums in a third; ``ThumbnailLoader`` makes and caches thumbnails in a thread pool.
The GUI thread never decodes, hashes, classifies or moves a file.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QRunnable, QThread, QThreadPool, Signal, Slot
from PySide6.QtGui import QImage

from cene_desktop.config import Settings
from cene_desktop.core import scanner
from cene_desktop.core.albums import STATE_DIR_NAME
from cene_desktop.core.library import ActionResult, Library
from cene_desktop.core.pipeline import Progress, Sorter, SortOptions, keep_watching

if TYPE_CHECKING:  # loaded on first use: the window opens before the model does
    from PIL import Image

    from cene_desktop.core.catalog import Catalog
    from cene_desktop.core.classifier import SceneClassifier
    from cene_desktop.core.learning import Learner

log = logging.getLogger(__name__)

THUMBNAIL_SIZE = 160


class SortWorker(QObject):
    """Watches the photo folder and sorts what arrives, until stopped."""

    outcome = Signal(object)  # core.pipeline.Outcome
    progress = Signal(int, int, float)  # done, total, eta seconds (-1: unknown)
    notice = Signal(object)  # core.events.Event: what watching tells the person
    error = Signal(str)
    device = Signal(str)
    watching = Signal(bool)
    paused = Signal(str)  # why sorting waits (a full disk); "" when it carries on
    plan_ready = Signal(object)  # SortSummary of a dry run

    def __init__(
        self,
        settings: Settings,
        classifier_factory: Callable[[], SceneClassifier] | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self._cancel = threading.Event()
        self._classifier: SceneClassifier | None = None
        self._classifier_factory = classifier_factory
        self._classifier_lock = threading.Lock()
        self._device = ""

    def classifier(self) -> SceneClassifier:
        """The scene model, made on first use (shared with the learning worker)."""
        with self._classifier_lock:
            if self._classifier is None:
                if self._classifier_factory is not None:
                    self._classifier = self._classifier_factory()
                else:
                    from cene_desktop.core.classifier import SceneClassifier

                    self._classifier = SceneClassifier()
            return self._classifier

    def stop(self) -> None:
        self._cancel.set()

    def _sorter(self, dry_run: bool = False) -> Sorter:
        options = SortOptions(
            mode=self.settings.mode,
            threshold=self.settings.threshold,
            other=self.settings.other,
            dry_run=dry_run,
        )
        return Sorter(
            Path(self.settings.library_dir),
            Path(self.settings.photos_dir),
            self.classifier(),
            options,
        )

    @Slot()
    def preview(self) -> None:
        """A dry run over the photos already in the folder (nothing is touched)."""
        try:
            with self._sorter(dry_run=True) as sorter:
                summary = sorter.sort_folder(progress=self._report_progress)
            self._announce_device()
            self.plan_ready.emit(summary)
        except Exception as error:  # noqa: BLE001 - shown to the user, the app keeps running
            log.exception("Preview failed")
            self.error.emit(f"Cene could not preview the sort: {error}")

    @Slot()
    def watch(self) -> None:
        """Sort what is there, then keep watching until ``stop()``."""
        self._cancel.clear()
        from cene_desktop.core.watcher import FolderWatcher

        def open_watcher(sorter: Sorter) -> FolderWatcher:
            return FolderWatcher(
                sorter.photos_dir,
                sorter.library,
                settle_seconds=self.settings.settle_seconds,
                polling=self.settings.polling,
                notice=self.notice.emit,
            )

        try:
            self.watching.emit(True)
            summary = keep_watching(
                self._sorter,
                open_watcher,
                self._cancel,
                notice=self.notice.emit,
                on_outcome=self.outcome.emit,
                on_progress=self._report_progress,
                on_pause=lambda message: self.paused.emit(message or ""),
            )
            self._announce_device()
            if summary.error:
                self.error.emit(summary.error)
        except Exception as error:  # noqa: BLE001 - shown to the user, the app keeps running
            log.exception("Watching stopped by an error")
            self.error.emit(f"Cene stopped watching: {error}")
        finally:
            self.watching.emit(False)

    def _report_progress(self, step: Progress) -> None:
        eta = step.eta_seconds
        self.progress.emit(step.done, step.total, -1.0 if eta is None else eta)
        self._announce_device()

    def _announce_device(self) -> None:
        """Tell the window which device the model runs on, once it is known (or changes)."""
        classifier = self._classifier
        if classifier is not None and classifier.loaded and classifier.device != self._device:
            self._device = classifier.device
            self.device.emit(classifier.device)


MAX_PROBLEMS_SHOWN = 5


class LibraryWorker(QObject):
    """A person's edits, performed one at a time in the worker's thread."""

    done = Signal(str)  # a sentence for the status bar
    failed = Signal(str)
    changed = Signal(object)  # core.events.Changes
    progress = Signal(int, int, float)  # done, total, eta seconds (-1: unknown)
    learning_due = Signal()  # enough new corrections to learn from (Settings: learn_after)

    def __init__(
        self,
        library_dir: Path,
        photos_dir: Path | None = None,
        learn_after: int = 0,
        model_version: str | None = None,
    ) -> None:
        super().__init__()
        self.library_dir = library_dir
        self.photos_dir = photos_dir
        self.learn_after = learn_after
        self.model_version = model_version  # the shipped model's, for ModelStore
        self._library: Library | None = None

    def library(self) -> Library:
        if self._library is None:
            self._library = Library(self.library_dir, photos_dir=self.photos_dir)
        return self._library

    def _run(self, action: Callable[..., ActionResult], *args: object) -> None:
        try:
            result = action(*args)
        except Exception as error:  # noqa: BLE001 - shown to the user, the app keeps running
            log.exception("Library action failed")
            if isinstance(error, sqlite3.Error) or not self.library_dir.is_dir():
                self.close()  # its drive went away: the next action opens the catalog afresh
            self.failed.emit(str(error))
            return
        if result.problems:  # one message, however many photos had a problem
            for problem in result.problems:
                log.warning("%s", problem)
            shown = result.problems[:MAX_PROBLEMS_SHOWN]
            more = len(result.problems) - len(shown)
            tail = [f"… and {more} more (all in the log file)"] if more else []
            self.failed.emit("\n".join(shown + tail))
        self.done.emit(result.message)
        self.changed.emit(result.changes)
        if result.changes and self.learn_after and self._learning_due():
            self.learning_due.emit()

    def _learning_due(self) -> bool:
        from cene_desktop.core.learning import improvement_due
        from cene_desktop.core.models import ModelStore

        try:
            return improvement_due(
                self.library().catalog,
                ModelStore(self.library_dir, self.model_version),
                self.learn_after,
            )
        except (sqlite3.Error, OSError) as error:
            log.warning("Could not tell whether to learn now: %s", error)
            return False

    @Slot(list, str)
    def relabel(self, photo_ids: list[int], album: str) -> None:
        self._run(lambda: self.library().relabel(photo_ids, album))

    @Slot(list)
    def accept_suggestions(self, photo_ids: list[int]) -> None:
        self._run(lambda: self.library().accept_suggestions(photo_ids))

    @Slot(list)
    def confirm(self, photo_ids: list[int]) -> None:
        self._run(lambda: self.library().confirm(photo_ids))

    @Slot(list)
    def trash(self, photo_ids: list[int]) -> None:
        self._run(lambda: self.library().trash(photo_ids))

    @Slot()
    def undo(self) -> None:
        self._run(lambda: self.library().undo_last_correction())

    @Slot(int, int, bool)
    def put_back(self, since: int, newest: int, keep_looked_at: bool) -> None:
        def report(done: int, total: int) -> None:
            if done == total or done % max(1, total // 100) == 0:  # at most ~100 updates
                self.progress.emit(done, total, -1.0)

        self._run(lambda: self.library().put_back(since, newest, keep_looked_at, report))

    @Slot(list, str)
    def import_files(self, paths: list[str], photos_dir: str) -> None:
        """Copy dropped files into the watched folder; the originals stay where they are."""
        files = [Path(name) for name in paths]
        self._run(lambda: self.library().import_files(files, Path(photos_dir)))

    def close(self) -> None:
        library, self._library = self._library, None
        if library is not None:
            with contextlib.suppress(sqlite3.Error):  # a connection to a vanished disk
                library.close()


class LearnWorker(QObject):
    """Improves the model from the library's corrections, and re-checks the albums."""

    progress = Signal(int, int, str)  # done, total, what
    activated = Signal(str)  # the model version now in use
    improved = Signal(object)  # core.learning.LearningReport
    rechecked = Signal(object)  # core.learning.RecheckReport
    failed = Signal(str)

    def __init__(
        self,
        library_dir: Path,
        classifier_provider: Callable[[], SceneClassifier],
        threshold: float | None,
        other: str = "normal",
    ) -> None:
        super().__init__()
        self.library_dir = library_dir
        self.threshold = threshold
        self.other = other  # the Other album's setting: "off" or the gate's sensitivity
        self._classifier_provider = classifier_provider
        self._catalog: Catalog | None = None
        self._cancel = threading.Event()

    def _open_catalog(self) -> Catalog:
        from cene_desktop.core.catalog import Catalog

        if self._catalog is None:
            self._catalog = Catalog.open(self.library_dir)
        return self._catalog

    def _learner(self) -> Learner:
        from cene_desktop.core.learning import Learner

        return Learner(self.library_dir, self._open_catalog(), self._classifier_provider())

    @Slot()
    def improve(self) -> None:
        try:
            report = self._learner().improve(progress=self.progress.emit)
        except Exception as error:  # noqa: BLE001 - shown to the user, the app keeps running
            log.exception("Learning from corrections failed")
            self.failed.emit(f"Cene could not learn from your corrections: {error}")
            return
        self.improved.emit(report)

    @Slot(str)
    def activate(self, name: str) -> None:
        """Use model version ``name`` (or "shipped"); suggestions of the others go."""
        from cene_desktop.core.learning import switch_version
        from cene_desktop.core.models import ModelStore

        try:
            switch_version(ModelStore(self.library_dir), self._open_catalog(), name)
        except Exception as error:  # noqa: BLE001 - shown to the user, the app keeps running
            log.exception("Switching the model version failed")
            self.failed.emit(f"Cene could not switch to model {name}: {error}")
            return
        self.activated.emit(name)

    @Slot()
    def recheck(self) -> None:
        self._cancel.clear()
        try:
            report = self._learner().recheck(
                self.threshold, self.progress.emit, self._cancel, other=self.other
            )
        except Exception as error:  # noqa: BLE001 - shown to the user, the app keeps running
            log.exception("Re-checking the albums failed")
            self.failed.emit(f"Cene could not re-check the albums: {error}")
            return
        self.rechecked.emit(report)

    def stop(self) -> None:
        self._cancel.set()

    def close(self) -> None:
        if self._catalog is not None:
            self._catalog.close()
            self._catalog = None


class _ThumbnailJob(QRunnable):
    def __init__(
        self, loader: ThumbnailLoader, key: str, source: Path, cache: Path, size: int
    ) -> None:
        super().__init__()
        self.loader, self.key, self.source, self.cache = loader, key, source, cache
        self.size = size

    def run(self) -> None:
        image = QImage()
        try:
            image = QImage(str(self.cache)) if self.cache.exists() else QImage()
            if image.isNull():
                thumbnail = make_thumbnail(self.source, self.size)
                try:
                    save_thumbnail(thumbnail, self.cache)
                except OSError as error:  # a full or read-only library disk: show it anyway
                    log.info("Thumbnail of %s not cached: %s", self.source, error)
                data = thumbnail.tobytes()
                image = QImage(
                    data,
                    thumbnail.width,
                    thumbnail.height,
                    3 * thumbnail.width,
                    QImage.Format.Format_RGB888,
                ).copy()  # own the pixels: ``data`` goes away with this frame
        except Exception as error:  # noqa: BLE001 - a broken thumbnail must not stop the others
            log.info("No thumbnail for %s: %s", self.source, error)
        self.loader.done(self.key)  # asked again later (say, scrolled back to), it reads the cache
        self.loader.ready.emit(self.key, image)


def make_thumbnail(source: Path, size: int = THUMBNAIL_SIZE) -> Image.Image:
    """The photo, upright, fitted into ``size`` × ``size`` (a Pillow RGB image)."""
    from PIL import Image, ImageOps

    if source.suffix.lower() in (".jpg", ".jpeg"):  # a camera's Full HD or VGA preview
        preview = scanner.camera_preview(source, size * 2)
        if preview is not None:
            preview.thumbnail((size, size))
            return preview
    heif = source.suffix.lower() in scanner.HEIF_SUFFIXES and scanner.enable_heif()
    with Image.open(source) as image:
        # A JPEG decodes at the nearest scale of 1/2…1/8 above twice the size (sharper after
        # the final resize); a HEIC at that size would need the whole picture decoded, where the
        # 320 px thumbnail phones embed in it (used when it is at least ``size``) is plenty.
        scale = 1 if heif else 2
        image.draft("RGB", (size * scale, size * scale))
        upright = ImageOps.exif_transpose(image).convert("RGB")
    upright.thumbnail((size, size))
    return upright


def save_thumbnail(thumbnail: Image.Image, cache: Path) -> None:
    cache.parent.mkdir(parents=True, exist_ok=True)
    partial = cache.with_suffix(f".{threading.get_ident()}.tmp")  # two jobs, one photo
    try:
        thumbnail.save(partial, "JPEG", quality=85)
        os.replace(partial, cache)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(partial)
        raise


class ThumbnailLoader(QObject):
    """Thumbnails made in a thread pool, cached under ``LIB/.cene/thumbnails``.

    The newest request runs first: after a fast scroll the rows now on screen are made before
    the ones scrolled past; :meth:`cancel_pending` drops the queue when another album is shown.
    """

    ready = Signal(str, QImage)  # content hash, image (null if none could be made)

    def __init__(self, library_dir: Path, size: int = THUMBNAIL_SIZE) -> None:
        super().__init__()
        self.size = size
        self.cache_dir = library_dir / STATE_DIR_NAME / "thumbnails" / str(size)
        self.pool = QThreadPool()
        self.pool.setMaxThreadCount(2)
        self.jobs_started = 0  # requests that were not already under way (for benchmarks)
        self._in_flight: set[str] = set()
        self._lock = threading.Lock()

    def request(self, content_hash: str, source: Path) -> None:
        with self._lock:
            if content_hash in self._in_flight:
                return
            self._in_flight.add(content_hash)
            self.jobs_started += 1
            priority = self.jobs_started % 1_000_000_000  # later requests first
        cache = self.cache_dir / content_hash[:2] / f"{content_hash}.jpg"
        self.pool.start(_ThumbnailJob(self, content_hash, source, cache, self.size), priority)

    def done(self, content_hash: str) -> None:
        with self._lock:
            self._in_flight.discard(content_hash)

    def cancel_pending(self) -> None:
        """Forget the requests not started yet (their rows are no longer shown)."""
        self.pool.clear()
        with self._lock:
            self._in_flight.clear()

    def wait(self) -> None:
        self.pool.waitForDone()


def start_in_thread(worker: QObject, name: str) -> QThread:
    thread = QThread()
    thread.setObjectName(name)
    worker.moveToThread(thread)
    thread.start()
    return thread
