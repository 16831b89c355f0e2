"""Putting photos into albums, moving them between albums and back out, all journaled.

The one place that changes files in a library. Each operation is written to the catalog journal
before it starts and closed after it ends; ``recover()`` finishes or rolls back whatever a crash
left open, so a kill at any instant loses no photo and leaves no half-copied file.
Only one thread may use a ``Placer`` at a time (the pipeline's single file-operation worker).
"""

from __future__ import annotations

import errno
import functools
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from cene_desktop.core import completeness, fileops, scanner
from cene_desktop.core.albums import ALBUMS, MODES, UntrustedPath, in_library, inside, library_file
from cene_desktop.core.catalog import (
    Catalog,
    CatalogError,
    CompanionRecord,
    JournalEntry,
    PhotoRecord,
    now_iso,
)

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")

# Journal operations. 'move', 'copy', 'symlink' put a photo into the library; 'relocate' moves
# one between albums; 'restore' moves one back out to where it came from; 'remove' deletes a
# library copy or link whose original is still in place.
RENAMING_OPS = ("move", "relocate", "restore")
# Operations after which the photo has a (new) catalog row; 'adopt' records a file someone put
# into an album by hand (``cene check --repair``).
PLACING_OPS = ("move", "copy", "symlink", "adopt")
# A photo's companions (``scanner.companions_of``) go through the same operations, one journal
# entry each, marked by their payload: 'companion_of' (placing) or 'companion_id' (afterwards).
#: A companion found on its own joins a photo taken from its folder under its name only if that
#: photo was sorted this recently (a late copy, an interrupted run): numbers on a camera's
#: files come round again, and an old IMG_0001 is not the new IMG_0001.MOV's photo.
LATE_COMPANION_SECONDS = 24 * 3600
RECOVERED_DONE = "finished after an interruption"
RECOVERED_ROLLED_BACK = "interrupted before it started"


class SourceChanged(fileops.PlacementError):
    """The file changed after it was read, or is still being written: try it again later."""


@dataclass(frozen=True)
class PlaceRequest:
    """A photo to place: where it is, as it was read, and where it goes."""

    source: Path
    size: int
    mtime_ns: int
    content_hash: str
    album: str
    mode: str
    details: dict[str, Any]  # the model's verdict and the photo's facts, kept in its row

    def payload(self) -> dict[str, Any]:
        """What its journal entry carries: what its catalog row becomes once placed."""
        return {
            **self.details,
            "original_path": str(self.source),
            "album": self.album,
            "mode": self.mode,
            "source_mtime_ns": self.mtime_ns,
            "hash_name": fileops.HASH_NAME,
        }


@dataclass(frozen=True)
class Placement:
    source: Path
    dest: Path  # the photo's file in the library (for duplicates: the copy already there)
    album: str
    duplicate: bool = False
    photo_id: int | None = None
    companions: tuple[Path, ...] = ()  # where the files that go with it went


@dataclass
class RecoveryReport:
    finished: list[str] = field(default_factory=list)
    rolled_back: list[str] = field(default_factory=list)
    #: Entries left alone: they name files outside the library (a tampered catalog), or a
    #: source outside the photo folder being sorted now (finished when that folder is sorted).
    refused: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.finished or self.rolled_back)


@dataclass
class UndoReport:
    run_id: int | None = None
    restored: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    kept: int = 0  # photos left in the library on purpose (``keep``)


def known_photo(
    catalog: Catalog, content_hash: str, source: Path | None, size: int | None
) -> PhotoRecord | None:
    """The catalog's photo with the bytes ``content_hash`` names; also, given the file and its
    size, one an older Cene named by SHA-256 (looked for only where such a photo has that
    size, so a library sorted by this Cene never pays for it)."""
    existing = catalog.photo_by_hash(content_hash)
    if existing is not None or source is None or size is None:
        return existing
    if not catalog.has_legacy_photo_of_size(size):
        return None
    try:
        return catalog.photo_by_hash(fileops.legacy_hash_file(source))
    except OSError:
        return None


def _lexists(path: Path) -> bool:
    return os.path.lexists(path)


def _user_message(error: OSError, path: Path) -> str:
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return (
            f"The disk holding {path.parent} is full. Nothing was changed; free some space and "
            "Cene will carry on."
        )
    return f"Cene could not place {fileops.describe_os_error(error, path)}. The photo is untouched."


def _one_at_a_time(
    method: Callable[Concatenate[Placer, P], R],
) -> Callable[Concatenate[Placer, P], R]:
    """Run a Placer operation in the library's file-operation lane (``core.lane``; re-entrant:
    an undo that relocates takes it once more)."""

    @functools.wraps(method)
    def holding_the_lock(placer: Placer, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with placer.lane.lock:
            return method(placer, *args, **kwargs)

    return holding_the_lock


class Placer:
    """Performs journaled file operations on one library.

    Every operation runs in the library's file-operation lane (``core.lane``), so operations
    asked for by different threads (the sorting worker placing arrivals, the editing worker
    moving a photo a person dragged) happen one after the other, never interleaved.
    """

    def __init__(
        self,
        library: Path,
        catalog: Catalog,
        *,
        dry_run: bool = False,
        photos_dir: Path | None = None,
    ) -> None:
        self.library = library
        #: The photo folder being sorted: the only place outside the albums where recovery may
        #: remove a file (the source of a move cut short).
        self.photos_dir = photos_dir
        self.catalog = catalog
        self.dry_run = dry_run
        self._claimed: set[Path] = set()  # dry run: names a real run would have taken
        self.lane = catalog.lane
        #: Companions changed more recently than this are left for later: while watching
        #: without close events (polling), a Live Photo's video may still be being copied when
        #: its photo is placed. (One open for writing is always left for later.)
        self.companion_settle_ns = 0
        #: Set while watching: a companion left alone now may yet see its photo arrive.
        self.watching = False

    # -- set-up and recovery -------------------------------------------------------------

    def ensure_albums(self) -> None:
        for album in ALBUMS:
            folder = self.library / album
            if folder.is_symlink():
                raise CatalogError(
                    f"The album folder {folder} is a symbolic link (to {os.readlink(folder)}). "
                    "Cene keeps photos only in real folders inside the library, so that nothing "
                    "outside it is ever moved or deleted: replace the link with a folder."
                )
            if not self.dry_run:
                folder.mkdir(parents=True, exist_ok=True)

    def _file(self, relative: str) -> Path:
        """A library file the catalog names, or PlacementError if it names anything else."""
        try:
            return library_file(self.library, relative)
        except UntrustedPath as error:
            raise fileops.PlacementError(
                f"The catalog names {relative!r}, which is not a photo in the library's albums "
                "(a damaged or tampered catalog): Cene leaves it alone. `cene check` lists it."
            ) from error

    def untrusted(self, entry: JournalEntry) -> str | None:
        """Why a journal entry must not be acted on, or None: every path it names lies where
        an operation of that kind puts it (the albums, the photo folder, a photo's original
        place)."""
        src, dest = Path(entry.src), Path(entry.dest)
        placing = ("move", "copy", "symlink", "relocate", "adopt", "untrash")
        if entry.op in placing and not in_library(self.library, dest):
            return f"its destination {dest} is not in one of the library's albums"
        leaving = ("relocate", "restore", "remove", "adopt", "trash")
        if entry.op in leaving and not in_library(self.library, src):
            return f"its source {src} is not in one of the library's albums"
        if entry.op in ("move", "copy", "symlink") and not src.is_absolute():
            return f"its source {src} is not a full path"
        if src == dest and entry.op not in ("remove", "adopt"):
            return "its source and destination are the same file"
        return None

    def _may_remove(self, path: Path) -> bool:
        """Recovery removes a file only in the albums or in the photo folder being sorted."""
        if in_library(self.library, path):
            return True
        return self.photos_dir is not None and inside(self.photos_dir, path)

    @_one_at_a_time
    def recover(self) -> RecoveryReport:
        """Finish or roll back every journal entry a crash left open.

        Only the first call in a process does anything: operations journaled after that may
        belong to another thread of this process and be in flight right now.
        """
        report = RecoveryReport()
        if not self.lane.claim_recovery():
            return report
        for entry in self.catalog.open_journal():
            why = self.untrusted(entry)
            if why is not None:
                log.error("Journal entry %s left alone: %s", entry.id, why)
                report.refused.append(f"{entry.op} {entry.src} -> {entry.dest}: {why}")
                continue
            try:
                finished = self._recover_entry(entry)
            except OSError as error:
                log.error("Could not recover journal entry %s: %s", entry.id, error)
                continue
            except _NotHere as error:
                log.info("Journal entry %s waits for %s to be sorted again", entry.id, error)
                report.refused.append(
                    f"{entry.op} {entry.src} -> {entry.dest}: finished when {error} is sorted"
                )
                continue
            (report.finished if finished else report.rolled_back).append(
                f"{entry.op} {entry.src} -> {entry.dest}"
            )
        if report:
            log.info(
                "Recovered an interrupted run: %d operations finished, %d rolled back",
                len(report.finished),
                len(report.rolled_back),
            )
        return report

    def _recover_entry(self, entry: JournalEntry) -> bool:
        src, dest = Path(entry.src), Path(entry.dest)
        fileops.remove_if_exists(fileops.partial_path(dest.parent, entry.id))
        if entry.op in ("trash", "untrash"):  # to the system trash and back
            from cene_desktop.core import trash  # it builds on this module

            return trash.recover(self, entry)
        if entry.op in RENAMING_OPS:
            done = self._recover_rename(entry, src, dest)
        elif entry.op in ("copy", "adopt"):
            done = _lexists(dest) and fileops.has_content(dest, entry.content_hash)
        elif entry.op == "symlink":
            done = dest.is_symlink() and Path(os.readlink(dest)) == src.resolve()
        elif entry.op == "remove":
            done = not _lexists(src)
        else:
            raise ValueError(f"unknown journal operation {entry.op!r}")
        if done:
            self._complete(entry, RECOVERED_DONE)
        else:
            self.catalog.journal_close(entry.id, "rolled_back", RECOVERED_ROLLED_BACK)
        return done

    def _recover_rename(self, entry: JournalEntry, src: Path, dest: Path) -> bool:
        if not _lexists(dest):
            return False  # nothing happened yet: the photo is still at src
        if _lexists(src):
            if src == dest:
                return False  # no operation of Cene's has one path for both ends
            if not self._may_remove(src):
                raise _NotHere(src)
            if os.path.samefile(src, dest) if not src.is_symlink() else _same_link(src, dest):
                os.unlink(src)  # killed between link and unlink
                fileops.fsync_dir(src.parent)
                return True
            # A cross-device move that was copied and verified but not yet deleted at the source;
            # the source goes only if it still holds those bytes (a copy into it may have
            # carried on after the kill).
            if (
                not dest.is_symlink()
                and not src.is_symlink()
                and fileops.has_content(dest, entry.content_hash)
                and os.stat(src).st_size == entry.size
                and not completeness.being_written(src)
                and fileops.has_content(src, entry.content_hash)
            ):
                os.unlink(src)
                fileops.fsync_dir(src.parent)
                return True
            return False
        if dest.is_symlink():
            return True
        return fileops.has_content(dest, entry.content_hash)

    def _complete(self, entry: JournalEntry, detail: str | None = None) -> int | None:
        dest = Path(entry.dest)
        if "companion_of" in entry.payload:
            try:
                self.catalog.record_companion(entry, self._relative(dest), detail)
            except sqlite3.IntegrityError:  # its photo left the catalog meanwhile
                gone = "its photo is no longer in the catalog"
                self.catalog.journal_close(entry.id, "done", gone)
            return None
        if "companion_id" in entry.payload:
            where = self._relative(dest) if entry.op == "relocate" else None
            self.catalog.record_companion_moved(entry, where, detail)
            return None
        if entry.op in PLACING_OPS:
            return self.catalog.record_placed(entry, self._relative(dest), detail)
        photo_id = int(entry.payload["photo_id"])
        album = entry.payload.get("album") if entry.op == "relocate" else None
        self.catalog.record_relocated(entry, photo_id, self._relative(dest), album, detail)
        return photo_id

    def _relative(self, path: Path) -> str:
        """Library paths are stored relative to the library, so a moved library still works."""
        try:
            return str(path.relative_to(self.library))
        except ValueError:
            return str(path)

    # -- placing new photos --------------------------------------------------------------

    @_one_at_a_time
    def place(
        self,
        source: Path,
        *,
        size: int,
        mtime_ns: int,
        content_hash: str,
        album: str,
        mode: str,
        run_id: int | None,
        details: dict[str, Any],
    ) -> Placement:
        """Put ``source`` into ``album`` (or record it as a duplicate of a photo already there).

        Raises SourceChanged if the file changed since it was read, PlacementError otherwise.
        """
        request = PlaceRequest(source, size, mtime_ns, content_hash, album, mode, details)
        result = self.place_many([request], run_id)[0]
        if isinstance(result, Exception):
            raise result
        return result

    @_one_at_a_time
    def place_many(
        self, requests: Sequence[PlaceRequest], run_id: int | None
    ) -> list[Placement | Exception]:
        """:meth:`place` for several photos: a Placement, or the error (SourceChanged,
        PlacementError, DiskFullError) for each, in order. Journaled as safely as one by one,
        with fewer waits for the disk: one catalog transaction begins every move, one fsync
        per folder follows the renames, one transaction records them all. A crash anywhere in
        between leaves pending entries that recovery finishes or rolls back, each on its own.
        After a DiskFullError the photos not yet moved get it too, untouched."""
        for request in requests:
            if request.mode not in MODES:
                raise ValueError(f"mode must be one of {MODES}, not {request.mode!r}")
        results: list[Placement | Exception | None] = [None] * len(requests)
        planned: list[tuple[int, str, Path, dict[str, Any]]] = []  # (index, op, dest, payload)
        # A second copy of a photo of this batch is placed after it (then it is a duplicate).
        later: list[int] = []
        hashes: set[str] = set()
        try:
            for index, request in enumerate(requests):
                source = request.source
                if request.content_hash in hashes:
                    later.append(index)
                    continue
                hashes.add(request.content_hash)
                try:
                    if self.duplicate_of(request.content_hash, source, request.size) is not None:
                        results[index] = self.record_duplicate(
                            source, request.size, request.mtime_ns, request.content_hash
                        )
                        continue
                    self._check_unchanged(source, request.size, request.mtime_ns)
                    if completeness.being_written(source):
                        raise SourceChanged(f"{source.name} is {scanner.STILL_BEING_WRITTEN}")
                except fileops.PlacementError as error:
                    results[index] = error
                    continue
                dest = self._free_name(self.library / request.album, source.name)
                self._claimed.add(dest)  # the next photo of the batch with this name: (2)
                op = "move" if request.mode == "move" else request.mode
                planned.append((index, op, dest, request.payload()))
            if self.dry_run:
                for index, _, dest, _ in planned:
                    results[index] = self._planned(requests[index], dest)
            else:
                self._carry_out_all(requests, planned, run_id, results)
        finally:
            if not self.dry_run:
                self._claimed.difference_update(dest for _, _, dest, _ in planned)
        if later:
            for index, result in zip(
                later, self.place_many([requests[i] for i in later], run_id), strict=True
            ):
                results[index] = result
        assert all(result is not None for result in results)
        return [result for result in results if result is not None]

    def _planned(self, request: PlaceRequest, dest: Path) -> Placement:
        """Where a dry run's photo and its companions would go (the names are kept claimed)."""
        companions = []
        for companion in scanner.companions_of(request.source):
            name = _fitted(dest.stem, companion.name[len(request.source.stem) :])
            companions.append(self._free_name(dest.parent, name))
            self._claimed.add(companions[-1])
        return Placement(request.source, dest, request.album, companions=tuple(companions))

    def _carry_out_all(
        self,
        requests: Sequence[PlaceRequest],
        planned: list[tuple[int, str, Path, dict[str, Any]]],
        run_id: int | None,
        results: list[Placement | Exception | None],
    ) -> None:
        # Renames are begun, synced and recorded together; copies (and moves to another disk),
        # which take their time and may fill a disk, one by one as before.
        renames = [
            item
            for item in planned
            if item[1] == "move" and self._renames(requests[item[0]].source, item[2])
        ]
        entries = self.catalog.journal_begin_many(
            [
                (
                    run_id,
                    op,
                    requests[i].source,
                    dest,
                    requests[i].content_hash,
                    requests[i].size,
                    payload,
                )
                for i, op, dest, payload in renames
            ]
        )
        unsynced: set[Path] = set()
        done: list[tuple[int, JournalEntry]] = []
        for (index, *_), begun in zip(renames, entries, strict=True):
            entry = self._try(begun, index, results, unsynced)
            if entry is not None:
                done.append((index, entry))
        for folder in unsynced:
            fileops.fsync_dir(folder)
        photo_ids = self.catalog.record_placed_many(
            [(entry, self._relative(Path(entry.dest))) for _, entry in done]
        )
        placed = dict(zip((index for index, _ in done), photo_ids, strict=True))
        renamed = {index for index, *_ in renames}
        full: fileops.DiskFullError | None = None
        for index, op, dest, payload in planned:
            request = requests[index]
            if index in renamed:
                continue
            if full is not None:
                results[index] = full  # not begun: the photo is untouched
                continue
            begun = self.catalog.journal_begin(
                run_id, op, request.source, dest, request.content_hash, request.size, payload
            )
            entry = self._try(begun, index, results, None)
            if entry is None:
                error = results[index]
                if isinstance(error, fileops.DiskFullError):
                    full = error
                continue
            done.append((index, entry))
            placed[index] = self.catalog.record_placed(entry, self._relative(Path(entry.dest)))
        for index, entry in done:
            request = requests[index]
            photo = Placement(
                request.source, Path(entry.dest), request.album, photo_id=placed[index]
            )
            companions = tuple(
                taken
                for companion in scanner.companions_of(request.source)
                if (taken := self._attach(companion, request.source, photo, request.mode, run_id))
                is not None
            )
            results[index] = replace(photo, companions=companions)

    def _try(
        self,
        entry: JournalEntry,
        index: int,
        results: list[Placement | Exception | None],
        unsynced: set[Path] | None,
    ) -> JournalEntry | None:
        """Carry out one begun entry: the entry with the name it got, or None with the error
        in ``results[index]``."""
        try:
            dest = self._carry_out(
                entry.op, Path(entry.src), Path(entry.dest), entry.content_hash, entry.id, unsynced
            )
        except fileops.PlacementError as error:  # DiskFullError among them
            results[index] = error
            return None
        return replace(entry, dest=str(dest))

    def _attach(
        self, companion: Path, photo_source: Path, photo: Placement, mode: str, run_id: int | None
    ) -> Path | None:
        """Take ``companion`` to where its photo went, the same way (journaled like a photo).
        None if it stays where it is: changed a moment ago, or it cannot be moved (logged)."""
        try:
            info = os.stat(companion, follow_symlinks=False)
            if (
                time.time_ns() - info.st_mtime_ns < self.companion_settle_ns
                or completeness.being_written(companion)
            ):
                return None  # still arriving: it comes back once it has settled or closed
            content_hash = fileops.content_hash_file(companion)
            self._check_unchanged(companion, info.st_size, info.st_mtime_ns)
            tail = companion.name[len(photo_source.stem) :]
            payload = {
                "companion_of": photo.photo_id,
                "tail": tail,
                "original_path": str(companion),
                "mode": mode,
            }
            placed = self._journaled(
                "move" if mode == "move" else mode,
                companion,
                photo.dest.parent,
                _fitted(photo.dest.stem, tail),
                content_hash,
                info.st_size,
                payload,
                run_id,
                None,
            )
        except fileops.DiskFullError:
            raise
        except (SourceChanged, fileops.PlacementError, OSError) as error:
            log.warning("%s stays where it is: %s", companion, error)
            return None
        return placed.dest

    @_one_at_a_time
    def attach_late(self, companion: Path, run_id: int | None) -> tuple[str, Path | None]:
        """A companion seen on its own. Returns what became of it:

        ("attached", where) taken to its photo, already in the library; ("waiting", None) its
        photo is still beside it, and takes it along when sorted; ("known", None) already
        with its photo (copy and link modes keep the original); ("alone", None) no photo.
        """
        beside = scanner.photo_beside(companion)
        if self.dry_run:
            return ("waiting", None) if beside is not None else ("alone", None)
        if self.catalog.companion_from(companion) is not None:
            return "known", None
        placed = self.catalog.placed_from(*scanner.photo_stem_of(companion))
        if beside is not None:
            # Its photo is beside it: not sorted yet (it takes the companion along then), or
            # sorted by copy or link and so still there: then that is the photo to join.
            try:
                info = os.stat(beside)
                known = self.catalog.known_source(beside, info.st_size, info.st_mtime_ns)
            except OSError:
                known = None
            placed = [p for p in placed if p.mode != "move" and p.content_hash == known]
            if not placed:
                return "waiting", None
        else:  # camera file numbers come round again: only a photo sorted lately
            since = now_iso(time.time() - LATE_COMPANION_SECONDS)
            placed = [p for p in placed if p.sorted_at >= since]
        for photo in placed:
            try:
                current = self._file(photo.current_path)
            except fileops.PlacementError:
                continue
            if not _lexists(current):
                continue
            placement = Placement(Path(photo.original_path), current, photo.album, False, photo.id)
            dest = self._attach(companion, Path(photo.original_path), placement, photo.mode, run_id)
            return ("attached", dest) if dest is not None else ("waiting", None)
        return ("waiting", None) if beside is not None else ("alone", None)

    def duplicate_of(
        self, content_hash: str, source: Path | None = None, size: int | None = None
    ) -> PhotoRecord | None:
        """The library photo with these exact bytes, if it is still in the library. Given the
        file and its size, a photo an older Cene named by SHA-256 is found too."""
        existing = known_photo(self.catalog, content_hash, source, size)
        if existing is None:
            return None
        try:
            return existing if _lexists(self._file(existing.current_path)) else None
        except fileops.PlacementError:
            return None

    @_one_at_a_time
    def record_if_duplicate(
        self, source: Path, size: int, mtime_ns: int, content_hash: str
    ) -> Placement | None:
        """:meth:`record_duplicate` if ``source`` is a copy of a library photo, else None;
        in the file-operation lane, so that a photo being moved (a drag, an undo) is never
        found by the check and missed by the record."""
        if self.duplicate_of(content_hash, source, size) is None:
            return None
        return self.record_duplicate(source, size, mtime_ns, content_hash)

    def record_duplicate(
        self, source: Path, size: int, mtime_ns: int, content_hash: str
    ) -> Placement:
        """Remember ``source`` as a copy of a library photo; the file itself stays where it is."""
        existing = self.duplicate_of(content_hash, source, size)
        if existing is None:
            raise ValueError(f"{source} is not a duplicate of a library photo")
        if not self.dry_run:
            self.catalog.remember_source(source, size, mtime_ns, existing.content_hash, existing.id)
        return Placement(
            source,
            self._file(existing.current_path),
            existing.album,
            duplicate=True,
            photo_id=existing.id,
        )

    def _check_unchanged(self, source: Path, size: int, mtime_ns: int) -> None:
        try:
            info = os.stat(source, follow_symlinks=False)
        except FileNotFoundError as error:
            raise SourceChanged(f"{source} disappeared before Cene could place it") from error
        if info.st_size != size or info.st_mtime_ns != mtime_ns:
            raise SourceChanged(f"{source} changed while Cene was reading it")

    def _free_name(self, dest_dir: Path, name: str) -> Path:
        for candidate in fileops.numbered_names(name):
            dest = dest_dir / candidate
            if not _lexists(dest) and dest not in self._claimed:
                return dest
        raise AssertionError("unreachable")

    def _journaled(
        self,
        op: str,
        source: Path,
        dest_dir: Path,
        name: str,
        content_hash: str,
        size: int,
        payload: dict[str, Any],
        run_id: int | None,
        album: str | None,
    ) -> Placement:
        dest = self._free_name(dest_dir, name)
        entry = self.catalog.journal_begin(run_id, op, source, dest, content_hash, size, payload)
        dest = self._carry_out(op, source, dest, content_hash, entry.id)
        entry = replace(entry, dest=str(dest))
        photo_id = self._complete(entry)
        return Placement(source, dest, album or "", photo_id=photo_id)

    def _carry_out(
        self,
        op: str,
        source: Path,
        dest: Path,
        content_hash: str,
        entry_id: int,
        unsynced: set[Path] | None = None,
    ) -> Path:
        """Do the journaled operation of entry ``entry_id``, under the next free name where
        another took ``dest`` meanwhile; the name it got. A failure closes the entry (rolled
        back) and raises PlacementError (DiskFullError for a full disk). ``unsynced``: given
        for a move the caller knows to be a rename (one file system, ``_renames``), whose two
        folders it fsyncs itself, for a whole batch, after finding them in that set."""
        names = fileops.numbered_names(dest.name)
        next(names)
        while True:
            try:
                if unsynced is not None:
                    self._rename(source, dest, sync=False)
                    unsynced.update({dest.parent, source.parent})
                else:
                    self._perform(op, source, dest, content_hash, entry_id)
                return dest
            except FileExistsError:
                # Someone else took the name between our check and the operation: next name.
                dest = self._free_name(dest.parent, next(names))
                self.catalog.journal_set_dest(entry_id, dest)
            except fileops.PlacementError as error:
                self.catalog.journal_close(entry_id, "rolled_back", str(error))
                raise
            except OSError as error:
                self.catalog.journal_close(entry_id, "rolled_back", str(error))
                if error.errno in (errno.ENOSPC, errno.EDQUOT):
                    raise fileops.DiskFullError(
                        _user_message(error, dest), dest.parent, fileops.size_or_zero(source)
                    ) from error
                raise fileops.PlacementError(_user_message(error, dest)) from error

    @staticmethod
    def _renames(source: Path, dest: Path) -> bool:
        """Whether a move of ``source`` to ``dest`` is a rename (one file system, or a link)."""
        return fileops.same_file_system(source.parent, dest.parent) or source.is_symlink()

    @staticmethod
    def _rename(source: Path, dest: Path, sync: bool = True) -> None:
        try:
            fileops.rename_noclobber(source, dest, sync=sync)
        except fileops.SourceNotRemovable as error:
            raise fileops.PlacementError(_cannot_move_out(source, error)) from error

    def _perform(self, op: str, source: Path, dest: Path, content_hash: str, token: int) -> None:
        partial = fileops.partial_path(dest.parent, token)
        if op == "symlink":
            fileops.symlink_noclobber(source.resolve(), dest)
        elif op == "copy":
            fileops.copy_verified(source, dest, content_hash, partial)
        elif op == "remove":
            os.unlink(source)
            fileops.fsync_dir(source.parent)
        elif self._renames(source, dest):
            self._rename(source, dest)
        else:
            before = os.stat(source, follow_symlinks=False)
            fileops.copy_verified(source, dest, content_hash, partial)
            # The copy is whole and verified; the source goes only if nothing has touched it
            # since (a copy into it that paused and carried on) and nobody has it open to write.
            after = os.stat(source, follow_symlinks=False)
            changed = (before.st_size, before.st_mtime_ns, before.st_ctime_ns) != (
                after.st_size,
                after.st_mtime_ns,
                after.st_ctime_ns,
            )
            if changed or completeness.being_written(source):
                fileops.remove_if_exists(dest)
                fileops.fsync_dir(dest.parent)
                raise SourceChanged(f"{source.name} changed while Cene was copying it")
            try:
                os.unlink(source)
            except OSError as error:
                fileops.remove_if_exists(dest)  # a copy the catalog would not know of
                fileops.fsync_dir(dest.parent)
                raise fileops.PlacementError(_cannot_move_out(source, error)) from error
            fileops.fsync_dir(source.parent)

    # -- moving photos already in the library --------------------------------------------

    @_one_at_a_time
    def relocate(self, photo: PhotoRecord, album: str, run_id: int | None = None) -> Placement:
        """Move a library photo (or its link) into another album."""
        if album not in ALBUMS:
            raise ValueError(f"unknown album {album!r}")
        current = self._file(photo.current_path)
        if not _lexists(current):
            raise fileops.PlacementError(
                f"{current} is no longer in the library (moved or deleted outside Cene)."
            )
        payload = {"photo_id": photo.id, "album": album, "from_album": photo.album}
        placed = self._journaled(
            "relocate",
            current,
            self.library / album,
            current.name,
            photo.content_hash,
            photo.size,
            payload,
            run_id,
            album,
        )
        moved = []
        for companion in self.catalog.companions(photo.id):
            try:
                where = self._file(companion.current_path)
            except fileops.PlacementError as error:
                log.warning("%s", error)
                continue
            if not _lexists(where):
                continue  # gone outside Cene: `cene check` reports it
            try:
                moved.append(
                    self._journaled(
                        "relocate",
                        where,
                        placed.dest.parent,
                        _fitted(placed.dest.stem, companion.tail),
                        companion.content_hash,
                        companion.size,
                        {"companion_id": companion.id},
                        run_id,
                        None,
                    ).dest
                )
            except (fileops.PlacementError, OSError) as error:
                log.warning("%s stays in %s: %s", where.name, where.parent, error)
        return replace(placed, companions=tuple(moved))

    @_one_at_a_time
    def undo_run(
        self,
        run_id: int,
        progress: Callable[[int, int], None] | None = None,
        keep: Callable[[PhotoRecord], bool] | None = None,
    ) -> UndoReport:
        """Reverse every placement of a run, newest first; never overwrites anything.

        A photo that cannot go back stays in the library, with a problem line saying why; the
        run then stays undoable, so the rest can be put back once that is fixed. ``progress``
        is called with (entries done, entries in all) as it goes. ``keep``: photos it says
        stay in the library on purpose (the ones a person has looked at), counted in ``kept``.
        """
        report = UndoReport(run_id=run_id)
        entries = [
            entry
            for entry in reversed(self.catalog.journal_of_run(run_id))
            if entry.op in ("move", "copy", "symlink", "relocate")
            and not {"companion_of", "companion_id"} & set(entry.payload)  # go with their photo
        ]
        for done, entry in enumerate(entries, 1):
            if progress is not None:
                progress(done, len(entries))
            photo = self.catalog.photo_by_hash(entry.content_hash)
            if photo is None or (photo.run_id != run_id and entry.op != "relocate"):
                continue  # already undone, or placed again by a later run
            if keep is not None and keep(photo):
                report.kept += 1
                continue
            try:
                restored = self.undo_photo(photo, entry)
            except fileops.PlacementError as error:
                report.problems.append(str(error))
                continue
            except OSError as error:
                original = Path(photo.original_path)
                where = fileops.describe_os_error(error, original.parent)
                report.problems.append(f"{original.name} stays in the library: {where}")
                continue
            if restored is not None:
                report.restored.append(restored)
        if not report.problems:
            self.catalog.mark_run_undone(run_id)
        return report

    @_one_at_a_time
    def undo_photo(self, photo: PhotoRecord, entry: JournalEntry) -> Path | None:
        """Reverse one journal entry for ``photo``; returns where the photo is now."""
        current = self._file(photo.current_path)
        if entry.op == "relocate":
            back = str(entry.payload.get("from_album", photo.album))
            return self.relocate(photo, back).dest
        if not _lexists(current):
            raise fileops.PlacementError(f"{current} is no longer in the library; nothing to undo.")
        original = Path(photo.original_path)
        if photo.mode == "symlink" and not os.path.lexists(original):
            raise fileops.PlacementError(
                f"{original.name} cannot be put back: the photo at {original} is gone (moved or "
                f"deleted outside Cene); only its link {current} was left, and it stays."
            )
        for companion in self.catalog.companions(photo.id):  # first: the photo stays findable
            self._put_back_companion(companion)
        return self._put_back(
            current,
            Path(photo.original_path),
            photo.mode,
            photo.content_hash,
            photo.size,
            {"photo_id": photo.id},
        )

    def _put_back_companion(self, companion: CompanionRecord) -> None:
        current = self._file(companion.current_path)
        if not _lexists(current):
            self.catalog.forget_companion(companion.id)  # gone outside Cene: nothing to move
            return
        try:
            self._put_back(
                current,
                Path(companion.original_path),
                companion.mode,
                companion.content_hash,
                companion.size,
                {"companion_id": companion.id},
            )
        except OSError as error:
            original = Path(companion.original_path)
            where = fileops.describe_os_error(error, original.parent)
            raise fileops.PlacementError(
                f"{original.name} (and so its photo) stays in the library: {where}"
            ) from error

    def _put_back(
        self,
        current: Path,
        original: Path,
        mode: str,
        content_hash: str,
        size: int,
        payload: dict[str, Any],
    ) -> Path:
        """Undo one placement: the library's link or copy goes if the original is still where
        it was, else the file itself goes back there (under a free name). Returns where the
        original is now."""
        original_intact = (
            mode != "move" and original.is_file() and fileops.has_content(original, content_hash)
        )
        if mode == "symlink" or original_intact:
            entry = self.catalog.journal_begin(
                None, "remove", current, current, content_hash, size, payload
            )
            self._perform("remove", current, current, content_hash, entry.id)
            self._complete(entry)
            return original
        # The library holds the only copy: put it back where it came from. The catalog says
        # where that is, so it must at least be a plain full path; a folder that has gone is
        # made again, one level only (a card's DCIM/100CANON), never a whole new tree.
        if not original.is_absolute() or os.path.normpath(original) != str(original):
            raise fileops.PlacementError(
                f"The catalog says {current.name} came from {original!r}, which is not a full "
                "path (a damaged or tampered catalog): it stays in the library."
            )
        if not original.parent.parent.is_dir():
            raise fileops.PlacementError(
                f"{current.name} stays in the library: {original.parent.parent} is gone, so "
                "there is nowhere to put it back."
            )
        original.parent.mkdir(exist_ok=True)
        placed = self._journaled(
            "restore",
            current,
            original.parent,
            original.name,
            content_hash,
            size,
            payload,
            None,
            None,
        )
        return placed.dest


def _cannot_move_out(source: Path, error: OSError) -> str:
    reason = fileops.describe_os_error(error, source.parent).split(": ", 1)[-1]
    return (
        f"Cene cannot take {source.name} out of {source.parent} ({reason}: a write-protected "
        "card or folder?). Nothing was moved; sort in copy mode to copy such photos instead."
    )


class _NotHere(Exception):
    """Recovery would remove a file outside the photo folder being sorted now."""


def _fitted(stem: str, tail: str) -> str:
    """``stem + tail``, the stem shortened if need be to fit a file name's 255 bytes."""
    while len(os.fsencode(stem + tail)) > fileops.MAX_NAME_BYTES and len(stem) > 1:
        stem = stem[:-1]
    return stem + tail


def _same_link(a: Path, b: Path) -> bool:
    return b.is_symlink() and os.readlink(a) == os.readlink(b)
