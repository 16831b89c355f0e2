"""Moving photos, with the files that go with them, to the system trash and back, journaled.

Send2Trash trashes them the way each system does: the freedesktop trash (a drive's own
``.Trash-UID`` for a library on another drive), the macOS Finder's Trash, the Windows Recycle
Bin. Where the trash follows the freedesktop spec Cene reads it back (each ``.trashinfo``'s
Path) to undo; elsewhere the undo says where to restore the photo from.
"""

from __future__ import annotations

import errno
import logging
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import send2trash

from cene_desktop.core import fileops
from cene_desktop.core.albums import ALBUMS, UNSORTED, UntrustedPath, library_file
from cene_desktop.core.catalog import Catalog, JournalEntry, PhotoRecord
from cene_desktop.core.fileops import PlacementError

if TYPE_CHECKING:
    from cene_desktop.core.placement import Placer

log = logging.getLogger(__name__)

TRASH = "trash"  # journal operation: a library file goes to the system trash
UNTRASH = "untrash"  # journal operation: a trashed file comes back into an album
OPERATIONS = (TRASH, UNTRASH)
RECOVERED_DONE = "finished after an interruption"
RECOVERED_ROLLED_BACK = "interrupted before it started"
INFO_SUFFIX = ".trashinfo"


@dataclass
class TrashReport:
    done: list[Path] = field(default_factory=list)  # photos trashed, or back in their albums
    problems: list[str] = field(default_factory=list)
    albums: set[str] = field(default_factory=set)  # albums photos left or came back to


def readable_trash() -> bool:
    """Whether Cene can find what it trashed: the freedesktop trash (Linux, the BSDs)."""
    return sys.platform not in ("darwin", "win32")


def where_to_restore() -> str:
    if sys.platform == "darwin":
        return "the Trash in the Dock (select it and choose Put Back)"
    if sys.platform == "win32":
        return "the Recycle Bin (select it and choose Restore)"
    return "your file manager's Trash (select it and choose Restore)"


def _home_trash() -> Path:
    data = os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")
    return Path(data) / "Trash"


def _mount_point(path: Path) -> Path:
    here = os.path.realpath(path)
    while not os.path.ismount(here):
        here = os.path.dirname(here)
    return Path(here)


def _trashes_for(path: Path) -> list[tuple[Path, Path]]:
    """The freedesktop trashes a file may have gone to, each with the folder its relative
    Paths start from: the home trash, and the trashes of the file's own drive."""
    home, top, uid = _home_trash(), _mount_point(path.parent), str(os.getuid())
    return [(home, home.parent), (top / ".Trash" / uid, top), (top / f".Trash-{uid}", top)]


def _trash_guess(path: Path) -> Path:
    """The trash a file is about to go to, for its journal entry (the exact file is recorded
    once it is there)."""
    if not readable_trash():
        return Path(os.path.expanduser("~/.Trash" if sys.platform == "darwin" else "~"))
    home = _home_trash()
    try:
        same = os.stat(path).st_dev == os.stat(os.path.expanduser("~")).st_dev
    except OSError:
        same = True
    return home / "files" if same else _mount_point(path.parent) / f".Trash-{os.getuid()}"


def info_of(trashed: Path) -> Path:
    """The ``.trashinfo`` of a file in a freedesktop trash's ``files`` folder."""
    return trashed.parent.parent / "info" / (trashed.name + INFO_SUFFIX)


def _trashed_from(info: Path, top: Path) -> Path | None:
    try:
        lines = info.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    for line in lines:
        if line.startswith("Path="):
            where = unquote(line[len("Path=") :])
            return Path(os.path.normpath(where if os.path.isabs(where) else top / where))
    return None


def _entries_of(original: Path) -> Iterator[tuple[os.DirEntry[str], Path]]:
    """The ``.trashinfo`` files that say they were ``original``, with their trashed files
    (which may be gone). Only names that begin as the original's does are read (a trash
    names what it takes after it, numbered where taken), so a full trash costs a listing."""
    where = Path(os.path.normpath(original))
    for trash, top in _trashes_for(original):
        try:
            infos = [
                item
                for item in os.scandir(trash / "info")
                if item.name.endswith(INFO_SUFFIX) and item.name.startswith(original.stem)
            ]
        except OSError:
            continue
        for info in infos:
            if _trashed_from(Path(info.path), top) == where:
                yield info, trash / "files" / info.name[: -len(INFO_SUFFIX)]


def find_in_trash(original: Path, content_hash: str, size: int) -> Path | None:
    """The file in the trash that was ``original`` and still holds its bytes (the newest of
    them, should there be several), or None (not there, or a trash Cene cannot read)."""
    if not readable_trash():
        return None
    found: list[tuple[int, Path]] = []
    for info, trashed in _entries_of(original):
        try:
            if os.stat(trashed).st_size == size:
                found.append((info.stat().st_mtime_ns, trashed))
        except OSError:
            continue
    for _, trashed in sorted(found, reverse=True):
        if fileops.has_content(trashed, content_hash):
            return trashed
    return None


# -- to the trash ------------------------------------------------------------------------


def trash_photos(placer: Placer, photos: list[PhotoRecord], run_id: int) -> TrashReport:
    """Send ``photos`` and their companions to the system trash; their rows leave the catalog
    (their journal entries keep what undo needs). A photo whose companion cannot go stays."""
    report = TrashReport()
    catalog, library = placer.catalog, placer.library
    with placer.lane.lock:
        for photo in photos:
            try:
                current = library_file(library, photo.current_path)
            except UntrustedPath as error:
                report.problems.append(str(error))
                continue
            if not os.path.lexists(current):
                report.problems.append(f"{current} is no longer in the library.")
                continue
            kept = {"photo_id": photo.id, **catalog.photo_as_kept(photo.id)}
            try:
                for companion in catalog.companions(photo.id):  # first: the photo stays findable
                    where = library_file(library, companion.current_path)
                    if os.path.lexists(where):
                        payload = {
                            "companion_id": companion.id,
                            "of_photo": photo.id,
                            "companion": catalog.companion_as_kept(companion.id),
                        }
                        _send(
                            catalog, where, companion.content_hash, companion.size, payload, run_id
                        )
                _send(catalog, current, photo.content_hash, photo.size, kept, run_id)
            except (PlacementError, UntrustedPath) as error:
                report.problems.append(f"{current.name} stays in {photo.album}: {error}")
                continue
            report.done.append(current)
            report.albums.add(photo.album)
    return report


def _send(
    catalog: Catalog, path: Path, content_hash: str, size: int, payload: dict[str, Any], run_id: int
) -> None:
    entry = catalog.journal_begin(
        run_id, TRASH, path, _trash_guess(path), content_hash, size, payload
    )
    try:
        send2trash.send2trash(str(path))
    except OSError as error:
        if os.path.lexists(path):  # still in its album: nothing happened
            catalog.journal_close(entry.id, "rolled_back", str(error))
            reason = fileops.describe_os_error(error, path).split(": ", 1)[-1]
            raise PlacementError(f"the system trash refused it ({reason})") from error
        log.warning("%s went to the trash, with an error: %s", path, error)
    _trashed(catalog, entry)


def _trashed(catalog: Catalog, entry: JournalEntry, detail: str | None = None) -> None:
    found = find_in_trash(Path(entry.src), entry.content_hash, entry.size)
    catalog.record_trashed(entry, str(found) if found else None, detail)


# -- back from the trash -----------------------------------------------------------------


def untrash_run(placer: Placer, run_id: int) -> TrashReport:
    """Bring back every photo of a trash run, with its companions, into its album under a
    free name (" (2)" where its name is taken: nothing is overwritten)."""
    report = TrashReport()
    catalog = placer.catalog
    with placer.lane.lock:
        entries = catalog.trash_entries(run_id)
        companions = [entry for entry in entries if "companion_id" in entry.payload]
        back_as: dict[int, tuple[int, Path]] = {}  # old photo id: (its id now, where it is)
        for entry in (entry for entry in entries if "companion_id" not in entry.payload):
            row = entry.payload["photo"]
            album = row.get("album") if row.get("album") in ALBUMS else UNSORTED
            name = Path(str(row.get("current_path", ""))).name
            try:
                if catalog.photo_by_hash(entry.content_hash) is not None:
                    raise PlacementError(f"{name} is in the library again: it stays in the trash.")
                kept = {"photo": row, "corrections": entry.payload.get("corrections", [])}
                back_as[entry.payload["photo_id"]] = _bring_back(
                    placer, entry, placer.library / album, name, kept
                )
            except PlacementError as error:
                report.problems.append(str(error))
                continue
            report.done.append(back_as[entry.payload["photo_id"]][1])
            report.albums.add(album)
        for entry in companions:  # with their photo (or to it, if it stayed in its album)
            photo_id = entry.payload["of_photo"]
            if photo_id not in back_as and (photo := catalog.photo(photo_id)) is not None:
                back_as[photo_id] = (photo.id, placer.library / photo.current_path)
            if photo_id not in back_as:
                continue
            new_id, photo_path = back_as[photo_id]
            tail = str(entry.payload["companion"].get("tail", ""))
            kept = {"companion": entry.payload["companion"], "photo_id": new_id}
            try:
                _bring_back(placer, entry, photo_path.parent, photo_path.stem + tail, kept)
            except PlacementError as error:
                report.problems.append(str(error))
    return report


def _bring_back(
    placer: Placer, trashed: JournalEntry, album: Path, name: str, kept: dict[str, Any]
) -> tuple[int, Path]:
    """Move one trashed file back into ``album`` (journaled); its row id and path."""
    catalog, original = placer.catalog, Path(trashed.src)
    source = Path(trashed.dest)
    if not (source.is_file() and fileops.has_content(source, trashed.content_hash)):
        found = find_in_trash(original, trashed.content_hash, trashed.size)
        by_hand = found is None and os.path.isfile(original)
        if by_hand and fileops.has_content(original, trashed.content_hash):  # restored by hand
            entry = catalog.journal_begin(
                None, UNTRASH, source, original, trashed.content_hash, trashed.size, kept
            )
            return _untrashed(placer, entry, original), original
        if found is None:
            if readable_trash():
                raise PlacementError(
                    f"{original.name} is no longer in the trash (emptied?): Cene cannot bring it "
                    "back."
                )
            raise PlacementError(
                f"{original.name} is in {where_to_restore()}: Cene cannot take it back from there "
                "on this system. Restore it there, then run `cene check --repair` to list it again."
            )
        source = found
    payload = {**kept, "trashinfo": str(info_of(source))}
    names = fileops.numbered_names(name)
    dest = _free(album, names)
    entry = catalog.journal_begin(
        None, UNTRASH, source, dest, trashed.content_hash, trashed.size, payload
    )
    while True:
        try:
            _move(source, dest, trashed.content_hash, entry.id)
            break
        except FileExistsError:
            dest = _free(album, names)
            catalog.journal_set_dest(entry.id, dest)
        except OSError as error:
            catalog.journal_close(entry.id, "rolled_back", str(error))
            where = fileops.describe_os_error(error, dest.parent)
            raise PlacementError(f"{original.name} stays in the trash: {where}") from error
    return _untrashed(placer, entry, dest), dest


def _free(album: Path, names: Iterator[str]) -> Path:
    for name in names:
        if not os.path.lexists(album / name):
            return album / name
    raise AssertionError("unreachable")


def _move(source: Path, dest: Path, content_hash: str, token: int) -> None:
    try:
        fileops.rename_noclobber(source, dest)
    except OSError as error:
        if error.errno != errno.EXDEV:
            raise
        # The home trash on another drive: copy, verify, then take it out of the trash.
        fileops.copy_verified(source, dest, content_hash, fileops.partial_path(dest.parent, token))
        os.unlink(source)
        fileops.fsync_dir(source.parent)


def _untrashed(placer: Placer, entry: JournalEntry, dest: Path, detail: str | None = None) -> int:
    row_id = placer.catalog.record_untrashed(entry, str(dest.relative_to(placer.library)), detail)
    info = entry.payload.get("trashinfo")
    if info and not os.path.lexists(entry.src):  # the trash no longer lists what left it
        fileops.remove_if_exists(Path(info))
    return row_id


# -- after a crash -----------------------------------------------------------------------


def recover(placer: Placer, entry: JournalEntry) -> bool:
    """Finish or roll back a trash operation a crash left open; True if finished."""
    src, dest = Path(entry.src), Path(entry.dest)
    if entry.op == TRASH:
        if os.path.lexists(src):  # still in its album
            if readable_trash():  # a kill after the trash wrote its .trashinfo, before the move
                for info, trashed in _entries_of(src):
                    if not os.path.lexists(trashed):
                        fileops.remove_if_exists(Path(info.path))
            placer.catalog.journal_close(entry.id, "rolled_back", RECOVERED_ROLLED_BACK)
            return False
        _trashed(placer.catalog, entry, RECOVERED_DONE)
        return True
    if not (dest.is_file() and fileops.has_content(dest, entry.content_hash)):
        placer.catalog.journal_close(entry.id, "rolled_back", RECOVERED_ROLLED_BACK)
        return False  # still in the trash
    if src.is_file() and src != dest and fileops.has_content(src, entry.content_hash):
        os.unlink(src)  # killed between link and unlink, or after the copy back
        fileops.fsync_dir(src.parent)
    _untrashed(placer, entry, dest, RECOVERED_DONE)
    return True
