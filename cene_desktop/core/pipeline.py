"""Sorting: scan -> read, hash and decode -> classify -> place, overlapped and cancellable.

Reading runs in a small thread pool (Pillow and hashlib release the GIL), classification in
batches on the calling thread, and placement in one dedicated thread: one serial worker moves
files, so two threads never race on the same album.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import shutil
import sqlite3
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from cene_desktop.core import gate, scanner
from cene_desktop.core.albums import ALBUMS
from cene_desktop.core.catalog import Catalog
from cene_desktop.core.classifier import Verdict
from cene_desktop.core.events import (
    DiskFull,
    Event,
    LibraryBack,
    LibraryGone,
    Notice,
    PhotoFolderBack,
    PhotoFolderGone,
    SpaceAgain,
)
from cene_desktop.core.fileops import DiskFullError, PlacementError
from cene_desktop.core.models import ModelStore
from cene_desktop.core.placement import Placer, PlaceRequest, RecoveryReport, SourceChanged
from cene_desktop.core.scanner import Candidate, PreparedPhoto, Skipped
from cene_desktop.core.watcher import FolderWatcher, LeftForNow

log = logging.getLogger(__name__)


class Classifier(Protocol):
    """What the pipeline needs of a scene classifier (``classifier.SceneClassifier``)."""

    device: str

    @property
    def info(self) -> Any: ...

    @property
    def model_version(self) -> str: ...

    def predict(self, pixels: np.ndarray) -> np.ndarray: ...

    def classify_with_features(self, pixels: np.ndarray) -> tuple[np.ndarray, str, np.ndarray]: ...

    def verdicts(self, probabilities: np.ndarray) -> list[Verdict]: ...

    def follow(self, source: Any) -> None: ...

    @property
    def shipped_gate(self) -> gate.SceneGate | None: ...

    def scene_probabilities(self, features: np.ndarray) -> np.ndarray | None: ...

    #: It runs an approximate (int8) model: unclear verdicts are made again by ``exact()``.
    approximate: bool

    def exact(self) -> Classifier: ...


@dataclass(frozen=True)
class SortOptions:
    mode: str = "move"
    threshold: float | None = None  # None: the model's calibrated default
    other: str = gate.DEFAULT_SENSITIVITY  # the scene gate: "off", or how readily it says Other
    dry_run: bool = False
    batch_size: int = 32
    read_workers: int = 2


@dataclass(frozen=True)
class Outcome:
    """What happened to one file. ``status``: placed, planned, duplicate, unchanged, skipped,
    or companion (a file that went to its photo, already in the library, on its own)."""

    source: Path
    status: str
    album: str | None = None
    dest: Path | None = None
    predicted: str | None = None
    confidence: float | None = None
    reason: str | None = None  # why skipped, or why a placed photo is where it is
    scene_probability: float | None = None  # the scene gate's answer (None: no gate)
    retry: bool = False  # the file may still be arriving: while watching, looked at again
    busy: bool = False  # it is changing or open for writing right now
    seconds: float | None = None  # from the start of reading to placed
    companions: tuple[Path, ...] = ()  # the files that went with a placed photo


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    elapsed: float
    last: Outcome | None

    @property
    def eta_seconds(self) -> float | None:
        if self.done == 0 or self.total <= self.done:
            return None if self.done == 0 else 0.0
        return self.elapsed / self.done * (self.total - self.done)


ProgressCallback = Callable[[Progress], None]


def format_eta(seconds: float | None) -> str:
    """'m:ss' for a time left (whole hours past an hour); '--:--' when not known yet."""
    if seconds is None or seconds < 0:
        return "--:--"
    whole = int(round(seconds))
    return f"{whole // 60}:{whole % 60:02d}" if whole < 3600 else f"{whole // 3600}h"


@dataclass
class SortSummary:
    library: Path
    photos_dir: Path
    mode: str
    dry_run: bool
    device: str = ""
    model_version: str = ""
    run_id: int | None = None
    elapsed: float = 0.0
    outcomes: list[Outcome] = field(default_factory=list)
    recovered: RecoveryReport = field(default_factory=RecoveryReport)
    error: str | None = None  # a problem that stopped the run (disk full, library gone)
    cancelled: bool = False
    library_gone: bool = False  # watching stopped because the library folder went away

    def count(self, status: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == status)

    def album_counts(self) -> dict[str, int]:
        counts = Counter(
            o.album for o in self.outcomes if o.status in ("placed", "planned") and o.album
        )
        return {album: counts[album] for album in ALBUMS if counts[album]}

    @property
    def skipped(self) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.status == "skipped"]

    def companion_count(self) -> int:
        """Files that went with their photos (RAW files, Live Photo videos, edits)."""
        return self.count("companion") + sum(len(o.companions) for o in self.outcomes)

    def to_dict(self) -> dict[str, Any]:
        def outcome(o: Outcome) -> dict[str, Any]:
            data = {
                k: v
                for k, v in asdict(o).items()
                if v not in (None, ()) and k not in ("retry", "busy")
            }
            if o.companions:
                data["companions"] = [str(path) for path in o.companions]
            return {k: str(v) if isinstance(v, Path) else v for k, v in data.items()}

        return {
            "library": str(self.library),
            "photos_dir": str(self.photos_dir),
            "mode": self.mode,
            "dry_run": self.dry_run,
            "device": self.device,
            "model_version": self.model_version,
            "run_id": self.run_id,
            "elapsed_seconds": round(self.elapsed, 3),
            "albums": self.album_counts(),
            "placed": self.count("placed"),
            "planned": self.count("planned"),
            "duplicates": self.count("duplicate"),
            "unchanged": self.count("unchanged"),
            "skipped": self.count("skipped"),
            "companions": self.companion_count(),
            "recovered": {
                "finished": len(self.recovered.finished),
                "rolled_back": len(self.recovered.rolled_back),
            },
            "error": self.error,
            "cancelled": self.cancelled,
            "photos": [outcome(o) for o in self.outcomes],
        }


@dataclass
class _PlaceJob:
    photo: PreparedPhoto
    probabilities: dict[str, float]
    predicted: str
    runner_up: str
    confidence: float
    started: float
    model_version: str
    features: bytes = b""  # pooled features, float16 little-endian (the catalog's cache format)
    scene_probability: float | None = None


class Sorter:
    """Sorts photos from one folder into one library. Use as a context manager."""

    def __init__(
        self,
        library: Path,
        photos_dir: Path,
        classifier: Classifier,
        options: SortOptions | None = None,
    ) -> None:
        self.library = library.resolve()
        self.photos_dir = photos_dir.resolve()
        self.classifier = classifier
        self.options = options or SortOptions()
        info = classifier.info
        self.threshold = (
            self.options.threshold
            if self.options.threshold is not None
            else float(info.default_threshold)
        )
        shipped_gate = classifier.shipped_gate
        #: P(scene) below which a photo goes to Other; None: the gate is off (or absent).
        self.other_threshold = (
            shipped_gate.threshold(self.options.other) if shipped_gate is not None else None
        )
        if self.options.dry_run:
            self.catalog = Catalog.open_copy(self.library)
        else:
            self.library.mkdir(parents=True, exist_ok=True)
            self.catalog = Catalog.open(self.library)
        # Predictions use the model version this library has active (adapted or shipped).
        classifier.follow(ModelStore(self.library, info.version))
        self.placer = Placer(
            self.library, self.catalog, dry_run=self.options.dry_run, photos_dir=self.photos_dir
        )
        self.recovered = RecoveryReport() if self.options.dry_run else self.placer.recover()
        self.placer.ensure_albums()
        if not self.options.dry_run:
            with contextlib.suppress(DiskFullError):  # a delete needs a little room too
                dropped = self.catalog.forget_features_except(info.version)
                if dropped:
                    log.info("Dropped %d photos' features kept for an older model", dropped)

    def __enter__(self) -> Sorter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.classifier.follow(None)
        with contextlib.suppress(sqlite3.Error):  # the library's drive may be gone
            self.catalog.close()

    # -- one-shot sort -------------------------------------------------------------------

    def sort_folder(
        self,
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> SortSummary:
        """Sort every photo now in the photos folder, once."""
        summary = self._summary()
        started = time.perf_counter()
        if not self.photos_dir.is_dir():
            summary.error = (
                f"The photo folder {self.photos_dir} does not exist or is not a folder. "
                "Check the path, or plug in the drive it is on."
            )
            return summary
        run_id = self.start_run("sort")
        summary.run_id = run_id
        found = list(scanner.find_photos(self.photos_dir, self.library))
        try:
            summary.outcomes = self.sort_found(found, run_id, progress, cancel)
        except DiskFullError as error:
            summary.error = str(error)
        finally:
            if not self.options.dry_run:
                self.catalog.finish_run(run_id)
        summary.cancelled = bool(cancel and cancel.is_set())
        summary.device = self.classifier.device
        summary.elapsed = time.perf_counter() - started
        return summary

    def _summary(self) -> SortSummary:
        return SortSummary(
            library=self.library,
            photos_dir=self.photos_dir,
            mode=self.options.mode,
            dry_run=self.options.dry_run,
            device=self.classifier.device,
            model_version=self.classifier.model_version,
            recovered=self.recovered,
        )

    def start_run(self, kind: str) -> int:
        if self.options.dry_run:
            return 0
        return self.catalog.start_run(
            kind, self.photos_dir, self.options.mode, self.classifier.model_version
        )

    # -- the pipeline --------------------------------------------------------------------

    def sort_found(
        self,
        found: Iterable[Candidate | Skipped],
        run_id: int | None,
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> list[Outcome]:
        """Sort the given candidates; skipped entries are reported as they are.

        Raises DiskFullError (after stopping cleanly) when the library's disk is full.
        """
        # Stopping on an error must not cancel the caller's run (watching pauses and resumes).
        cancel = _Halt(cancel)
        items = list(found)
        outcomes: list[Outcome] = []
        started = time.perf_counter()
        lock = threading.Lock()

        def report(outcome: Outcome) -> None:
            with lock:
                outcomes.append(outcome)
                done = len(outcomes)
            if progress is not None:
                progress(Progress(done, total, time.perf_counter() - started, outcome))

        attached: list[Outcome] = []
        items = [item for item in items if self._companion_to_report(item, run_id, attached)]
        total = len(items) + len(attached)  # what the progress counts up to
        for outcome in attached:
            report(outcome)
        to_read: list[Candidate] = []
        for item in items:
            if isinstance(item, Skipped):
                # While watching, a RAW or video on its own may be waiting for its photo, still
                # being copied: not news yet (it joins the photo once that is sorted).
                retry = item.retry or (item.companion and self.placer.watching)
                report(Outcome(item.path, "skipped", reason=item.reason, retry=retry))
            elif self.catalog.known_source(item.path, item.size, item.mtime_ns):
                report(Outcome(item.path, "unchanged", reason="already in the library"))
            else:
                to_read.append(item)

        jobs: queue.Queue[_PlaceJob | None] = queue.Queue(maxsize=2 * self.options.batch_size)
        failure: list[BaseException] = []
        placer_thread = threading.Thread(
            target=self._place_worker,
            args=(jobs, run_id, report, cancel, failure),
            name="cene-file-ops",
            daemon=True,
        )
        placer_thread.start()
        second_looks = ThreadPoolExecutor(self.options.read_workers, "cene-second-look")
        try:
            for batch in self._read_batches(to_read, cancel, report):
                self._classify(batch, jobs, cancel, second_looks)
        finally:
            second_looks.shutdown(cancel_futures=True)
            jobs.put(None)
            placer_thread.join()
        if failure:
            raise failure[0]
        return outcomes

    def _companion_to_report(
        self, item: Candidate | Skipped, run_id: int | None, attached: list[Outcome]
    ) -> bool:
        """Whether ``item`` is reported. A file that goes with a photo, seen on its own, is
        taken to its photo if that is in the library already (reported: appended to
        ``attached``), or left for its photo to take along if that is still beside it (not
        reported). A sidecar without a photo is not reported either; a RAW or video without
        one is, as skipped."""
        if not (isinstance(item, Skipped) and item.companion):
            return True
        status, dest = self.placer.attach_late(item.path, run_id)
        if status == "attached" and dest is not None:
            attached.append(Outcome(item.path, "companion", album=dest.parent.name, dest=dest))
            return False
        return status == "alone" and bool(item.reason)

    def _read_batches(
        self,
        candidates: list[Candidate],
        cancel: threading.Event,
        report: Callable[[Outcome], None],
    ) -> Iterator[list[tuple[PreparedPhoto, float]]]:
        size = int(self.classifier.info.input_size)
        window = 2 * self.options.batch_size
        with ThreadPoolExecutor(self.options.read_workers, thread_name_prefix="cene-read") as pool:
            pending: deque[tuple[Future[PreparedPhoto | Skipped], float]] = deque()
            remaining = iter(candidates)
            batch: list[tuple[PreparedPhoto, float]] = []
            while True:
                while len(pending) < window and not cancel.is_set():
                    candidate = next(remaining, None)
                    if candidate is None:
                        break
                    pending.append(
                        (pool.submit(scanner.prepare_photo, candidate, size), time.perf_counter())
                    )
                if not pending or cancel.is_set():
                    break
                future, submitted = pending.popleft()
                result = future.result()
                if isinstance(result, Skipped):
                    report(
                        Outcome(
                            result.path,
                            "skipped",
                            reason=result.reason,
                            retry=result.retry,
                            busy=result.busy,
                        )
                    )
                elif not self._reported_as_duplicate(result, report):
                    batch.append((result, submitted))
                # Classify what is ready instead of waiting for a full batch when reading stalls.
                if len(batch) >= self.options.batch_size or (
                    batch
                    and (not pending or not pending[0][0].done())
                    and len(batch) >= self.options.batch_size // 4
                ):
                    yield batch
                    batch = []
            for future, _ in pending:
                future.cancel()
            if batch and not cancel.is_set():
                yield batch

    def _reported_as_duplicate(
        self, photo: PreparedPhoto, report: Callable[[Outcome], None]
    ) -> bool:
        """Report ``photo`` as a copy of a library photo, if it is one (checked and recorded in
        the file-operation lane: a photo moved meanwhile cannot come between)."""
        c = photo.candidate
        placement = self.placer.record_if_duplicate(c.path, c.size, c.mtime_ns, photo.content_hash)
        if placement is None:
            return False
        report(
            Outcome(
                c.path,
                "duplicate",
                album=placement.album,
                dest=placement.dest,
                reason=_duplicate_reason(placement.dest),
            )
        )
        return True

    def _classify(
        self,
        batch: list[tuple[PreparedPhoto, float]],
        jobs: queue.Queue[_PlaceJob | None],
        cancel: threading.Event,
        second_looks: ThreadPoolExecutor,
    ) -> None:
        pixels = np.stack([photo.pixels for photo, _ in batch])
        probabilities, version, features = self.classifier.classify_with_features(pixels)
        verdicts = self.classifier.verdicts(probabilities)
        scene = self.classifier.scene_probabilities(features)
        again = self._second_look(batch, verdicts, scene, second_looks)
        if again:
            # Unclear verdicts, made again from the photo itself (not its embedded picture) by
            # the full-precision model.
            exact = self.classifier.exact()
            for row, whole in again:
                # One at a time: the fp32 model's memory for a batch of 32 is 230 MB, for
                # one 8 MB, and it costs no more CPU per photo.
                probability, _, feature = exact.classify_with_features(whole[None])
                probabilities[row], features[row] = probability[0], feature[0]
            verdicts = self.classifier.verdicts(probabilities)
            scene = self.classifier.scene_probabilities(features)
        for index, ((photo, started), verdict, vector) in enumerate(
            zip(batch, verdicts, features, strict=True)
        ):
            job = _PlaceJob(
                photo=photo,
                probabilities=verdict.probabilities,
                predicted=verdict.predicted,
                runner_up=verdict.runner_up,
                confidence=verdict.confidence,
                started=started,
                model_version=version,
                features=vector.astype("<f2").tobytes(),
                scene_probability=None if scene is None else round(float(scene[index]), 5),
            )
            while not cancel.is_set():
                try:
                    jobs.put(job, timeout=0.2)
                    break
                except queue.Full:
                    continue

    def _second_look(
        self,
        batch: list[tuple[PreparedPhoto, float]],
        verdicts: list[Verdict],
        scene: np.ndarray | None,
        pool: ThreadPoolExecutor,
    ) -> list[tuple[int, np.ndarray]]:
        """(row, the photo's own pixels) for each photo whose verdict is not clear
        (``gate.clear_verdict``) and came from its embedded picture or the int8 model: it is
        judged again from the photo, by the fp32 model."""
        approximate = self.classifier.approximate
        unclear = []
        for index, ((photo, _), verdict) in enumerate(zip(batch, verdicts, strict=True)):
            probability = None if scene is None else float(scene[index])
            if (photo.embedded or approximate) and not gate.clear_verdict(
                verdict.confidence, probability, self.threshold, self.other_threshold
            ):
                unclear.append(index)
        size = int(self.classifier.info.input_size)

        def whole(index: int) -> np.ndarray | None:
            photo = batch[index][0]
            return scanner.whole_picture(photo, size) if photo.embedded else photo.pixels

        wholes = pool.map(whole, unclear)
        return [
            (i, pixels) for i, pixels in zip(unclear, wholes, strict=True) if pixels is not None
        ]

    def _place_worker(
        self,
        jobs: queue.Queue[_PlaceJob | None],
        run_id: int | None,
        report: Callable[[Outcome], None],
        cancel: threading.Event,
        failure: list[BaseException],
    ) -> None:
        """Place what the model has judged, as many at once as are waiting (up to a batch):
        one journal transaction and one fsync per folder for them all."""
        finished = False
        while not finished:
            job = jobs.get()
            if job is None:
                break
            batch = [job]
            while len(batch) < self.options.batch_size:
                try:
                    waiting = jobs.get_nowait()
                except queue.Empty:
                    break
                if waiting is None:
                    finished = True
                    break
                batch.append(waiting)
            if cancel.is_set():
                continue
            try:
                outcomes, full = self._place(batch, run_id)
                for outcome in outcomes:
                    report(outcome)
                if full is not None:
                    raise full
            except DiskFullError as error:
                log.error("%s", error)
                failure.append(error)
                cancel.set()
            except BaseException as error:  # noqa: BLE001 - reported, and the run stops cleanly
                names = ", ".join(str(j.photo.candidate.path) for j in batch)
                log.exception("Unexpected error while placing %s", names)
                failure.append(error)
                cancel.set()

    def _album_for(self, job: _PlaceJob) -> tuple[str, str]:
        return gate.decide_album(
            job.predicted,
            job.confidence,
            job.runner_up,
            job.scene_probability,
            self.threshold,
            self.other_threshold,
        )

    def _place(
        self, batch: list[_PlaceJob], run_id: int | None
    ) -> tuple[list[Outcome], DiskFullError | None]:
        """Place a batch of judged photos: the outcomes of those placed or left, and the full
        disk that stopped the others, if one did."""
        decided = [self._album_for(job) for job in batch]
        requests = [
            PlaceRequest(
                job.photo.candidate.path,
                job.photo.candidate.size,
                job.photo.candidate.mtime_ns,
                job.photo.content_hash,
                album,
                self.options.mode,
                {
                    "predicted": job.predicted,
                    "runner_up": job.runner_up,
                    "confidence": round(job.confidence, 5),
                    "probabilities": job.probabilities,
                    "model_version": job.model_version,
                    "taken_at": job.photo.taken_at,
                    "scene_probability": job.scene_probability,
                },
            )
            for job, (album, _) in zip(batch, decided, strict=True)
        ]
        results = self.placer.place_many(requests, run_id)
        outcomes: list[Outcome] = []
        full: DiskFullError | None = None
        features: dict[str, bytes] = {}
        for job, (_, why), result in zip(batch, decided, results, strict=True):
            candidate = job.photo.candidate
            if isinstance(result, DiskFullError):
                full = full or result
                continue
            if isinstance(result, SourceChanged):
                outcomes.append(
                    Outcome(candidate.path, "skipped", reason=str(result), retry=True, busy=True)
                )
                continue
            if isinstance(result, PlacementError):
                outcomes.append(Outcome(candidate.path, "skipped", reason=str(result)))
                continue
            if isinstance(result, Exception):
                raise result
            status = (
                "duplicate"
                if result.duplicate
                else ("planned" if self.options.dry_run else "placed")
            )
            if status == "placed" and job.features:
                features[job.photo.content_hash] = job.features
            outcomes.append(
                Outcome(
                    candidate.path,
                    status,
                    album=result.album,
                    dest=result.dest,
                    predicted=job.predicted,
                    confidence=round(job.confidence, 5),
                    reason=_duplicate_reason(result.dest) if result.duplicate else why,
                    scene_probability=job.scene_probability,
                    seconds=time.perf_counter() - job.started,
                    companions=result.companions,
                )
            )
        if features:
            # 2.5 KB a photo: learning from it or re-checking it later needs no decoding.
            try:
                self.catalog.store_features(features, self.classifier.info.version)
            except DiskFullError:
                log.info("Features of %d photos not kept: the disk is full", len(features))
        return outcomes, full


def _duplicate_reason(dest: Path) -> str:
    return f"identical to {dest} already in the library; left in place"


class _Halt(threading.Event):
    """Set by a run that stops on an error; also reads as set once the caller's ``outer`` is."""

    def __init__(self, outer: threading.Event | None) -> None:
        super().__init__()
        self.outer = outer

    def is_set(self) -> bool:
        return super().is_set() or (self.outer is not None and self.outer.is_set())


SPACE_HEADROOM = 8 << 20  # room for the catalog and journal to grow as well


def wait_for_space(folder: Path, needed: int, cancel: threading.Event, every: float = 2.0) -> bool:
    """Wait until the disk holding ``folder`` has grown by ``needed`` bytes and some headroom
    (someone freed space); False if cancelled first."""

    def free() -> int:
        try:
            return shutil.disk_usage(folder).free
        except OSError:  # the disk went away altogether: keep waiting
            return -1

    target = max(free(), 0) + needed + SPACE_HEADROOM
    while not cancel.wait(every):
        if free() >= target:
            return True
    return False


def _log_event(event: Event) -> None:
    log.warning("%s", event.message)


def keep_watching(
    open_sorter: Callable[[], Sorter],
    open_watcher: Callable[[Sorter], FolderWatcher],
    cancel: threading.Event,
    notice: Notice | None = None,
    **callbacks: Any,
) -> SortSummary:
    """:func:`watch_folder`, started again on a fresh catalog connection whenever the library
    folder comes back after going away (an external drive unplugged and plugged in again)."""
    tell = notice or _log_event
    while True:
        with open_sorter() as sorter:
            summary = watch_folder(sorter, open_watcher(sorter), cancel, notice=tell, **callbacks)
        if not summary.library_gone:
            return summary
        while not cancel.wait(1.0) and not summary.library.is_dir():
            pass
        if cancel.is_set():
            return summary
        tell(
            LibraryBack(
                f"The library folder {summary.library} is back. Sorting carries on.",
                summary.library,
            )
        )


def watch_folder(
    sorter: Sorter,
    watcher: FolderWatcher,
    cancel: threading.Event,
    on_outcome: Callable[[Outcome], None] | None = None,
    notice: Notice | None = None,
    tick: float = 0.1,
    on_progress: ProgressCallback | None = None,
    verify_every: float = 30.0,
    on_pause: Callable[[str | None], None] | None = None,
    final_after: float = 10.0,
) -> SortSummary:
    """Sort what is in the folder now, then each photo as it arrives, until ``cancel`` is set.

    A folder that vanishes (drive unplugged, share gone) is waited for, never taken as the
    photos being deleted; when it returns, it is scanned again in full. Every
    ``verify_every`` seconds the watcher checks that it still sees every sub-folder; when it
    has to fall back to polling, the folder is scanned again in full too. A full library disk
    pauses sorting (``on_pause`` gets the message) until space comes back (``on_pause(None)``),
    then the folder is scanned again in full.
    """
    tell = notice or _log_event
    summary = sorter._summary()
    summary.run_id = run_id = sorter.start_run("watch")
    # A Live Photo's video may still be arriving when its photo is placed: it follows later.
    sorter.placer.watching = True
    started = time.perf_counter()
    verified = time.monotonic()

    # Files left for now that may still be arriving (cut short, a video before its photo):
    # looked at again once nothing has touched them for ``final_after`` seconds, and only then
    # reported, once. A file caught mid-copy comes back with its next change event anyway.
    waiting = LeftForNow(final_after)
    reported: set[tuple[Path, str | None]] = set()

    def sort(found: Iterable[Candidate | Skipped], final: bool = False) -> None:
        def progress(step: Progress) -> None:
            last = step.last
            if last is not None and last.retry:
                if final and not last.busy:
                    last = replace(last, retry=False)
                else:
                    waiting.add(last.source)
                    last = None
            if on_outcome is not None and last is not None:
                key = (last.source, last.reason)
                if last.status != "skipped" or key not in reported:
                    on_outcome(last)
                if last.status == "skipped":
                    reported.add(key)  # a file left behind is told of once, not at every look
            if on_progress is not None:
                on_progress(step)

        summary.outcomes.extend(sorter.sort_found(found, run_id, progress, cancel))

    rescan = False
    try:
        while not cancel.is_set():
            try:
                if not sorter.library.is_dir():
                    tell(
                        LibraryGone(
                            f"The library folder {sorter.library} is gone (drive unplugged?). "
                            f"Sorting waits for it; new photos stay in {sorter.photos_dir}.",
                            sorter.library,
                        )
                    )
                    summary.library_gone = True
                    break
                if not sorter.photos_dir.is_dir():
                    tell(
                        PhotoFolderGone(
                            f"The photo folder {sorter.photos_dir} is gone (drive unplugged?). "
                            "Waiting.",
                            sorter.photos_dir,
                        )
                    )
                    watcher.stop()
                    while not cancel.is_set() and not sorter.photos_dir.is_dir():
                        cancel.wait(1.0)
                    if cancel.is_set():
                        break
                    tell(
                        PhotoFolderBack(
                            f"The photo folder {sorter.photos_dir} is back. Watching it again.",
                            sorter.photos_dir,
                        )
                    )
                if not watcher.running:
                    watcher.start()
                    rescan, verified = True, time.monotonic()
                elif time.monotonic() - verified >= verify_every:
                    rescan = watcher.verify() or rescan
                    verified = time.monotonic()
                # Without close events a companion counts as arrived once it has settled.
                settle_ns = int(watcher.stable.settle_seconds * 1e9) if watcher.polling else 0
                sorter.placer.companion_settle_ns = settle_ns
                if rescan:
                    rescan = False
                    sort(scanner.find_photos(sorter.photos_dir, sorter.library))
                watcher.stable.arrived.clear()  # what arrives from now on wakes the next look
                ready = watcher.stable.ready()
                if ready:
                    waiting.forget(ready)
                    sort(scanner.candidates_from_paths(ready))
                due = waiting.due()
                if due:
                    sort(scanner.candidates_from_paths(due), final=True)
            except DiskFullError as error:
                # The error already says "free some space and Cene will carry on": it will.
                message = (
                    f"{error} Until then sorting is paused; photos not sorted yet stay where "
                    "they are."
                )
                tell(DiskFull(message))
                if on_pause is not None:
                    on_pause(message)
                if not wait_for_space(error.folder or sorter.library, error.needed, cancel):
                    break
                tell(SpaceAgain("There is space on the disk again: sorting carries on."))
                if on_pause is not None:
                    on_pause(None)
                rescan = True  # what failed and what arrived meanwhile
                continue
            except Exception:
                if sorter.library.is_dir():
                    raise
                continue  # the library went away mid-sort: said and handled at the top
            # Until the next look: a file closed after writing wakes it at once.
            watcher.stable.arrived.wait(tick)
    finally:
        watcher.stop()
        if not sorter.options.dry_run:
            with contextlib.suppress(DiskFullError, sqlite3.Error, OSError):
                sorter.catalog.finish_run(run_id)
    summary.device = sorter.classifier.device
    summary.elapsed = time.perf_counter() - started
    summary.cancelled = cancel.is_set()
    return summary
